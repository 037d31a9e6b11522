//! Precomputed constants of a plan.

use blindfold_modarith::Modulus;

use crate::Kernel;

/// Everything a kernel reads.
pub(crate) struct Tables {
    pub n: usize,
    pub log_n: u32,
    pub modulus: Modulus,
    pub psi: u64,
    pub kernel: Kernel,
    /// `N^-1 mod q`, applied to the sums of the last inverse layer.
    pub n_inv: u64,
    pub n_inv_shoup: u64,
    /// `psi^-bitrev(1)`, the twiddle of the last inverse layer.
    pub last_w: u64,
    pub last_w_shoup: u64,
    /// `N^-1 * psi^-bitrev(1)`, applied to the differences of the last inverse layer.
    pub last_inv: u64,
    pub last_inv_shoup: u64,
    pub twiddles: Twiddles,
}

/// Twiddles in the order the loops read them, in the representation of the kernel.
pub(crate) enum Twiddles {
    /// Words with Shoup quotients: the scalar kernel and the integer AVX2 kernel.
    Shoup(ShoupTables),
    /// Doubles: the AVX2 kernel for `q < 2^52`.
    #[cfg(target_arch = "x86_64")]
    Float(crate::avx2f::FloatTables),
}

/// Twiddles as words, each with its Shoup quotient `floor(w * 2^64 / q)`.
pub(crate) struct ShoupTables {
    /// `fwd[k] = psi^bitrev(k)` for `k` in `1..N` (`fwd[0]` unused): the forward layer with
    /// `m` blocks reads `fwd[m..2m]` (Longa–Naehrig layout).
    pub fwd: Box<[u64]>,
    pub fwd_shoup: Box<[u64]>,
    /// Inverse twiddles, layer by layer from `m = N/2` blocks down to 1: the layer with `m`
    /// blocks reads `inv[N-2m..N-m]`, and block `i` uses `psi^-bitrev(m+i)`.
    pub inv: Box<[u64]>,
    pub inv_shoup: Box<[u64]>,
}

impl Tables {
    /// `n` a power of two >= 16, `psi` a primitive `2n`-th root modulo the prime `q`.
    pub(crate) fn new(n: usize, modulus: Modulus, psi: u64, kernel: Kernel) -> Self {
        let log_n = n.trailing_zeros();
        let m = modulus;
        let bitrev = |k: usize| k.reverse_bits() >> (usize::BITS - log_n);
        // psi is a unit of the prime field, so its inverse exists.
        let psi_inv = m.inv(psi).unwrap_or(0);
        let powers = |base: u64| {
            let mut p = Vec::with_capacity(n);
            let mut cur = 1u64;
            for _ in 0..n {
                p.push(cur);
                cur = m.mul(cur, base);
            }
            p
        };
        let pow_psi = powers(psi);
        let pow_psi_inv = powers(psi_inv);
        let fwd: Box<[u64]> = (0..n).map(|k| pow_psi[bitrev(k)]).collect();
        let mut inv = Vec::with_capacity(n);
        let mut blocks = n / 2;
        while blocks >= 1 {
            inv.extend((0..blocks).map(|i| pow_psi_inv[bitrev(blocks + i)]));
            blocks /= 2;
        }
        inv.push(1); // padding so both tables have length n
        let inv: Box<[u64]> = inv.into();
        let n_inv = m.inv(n as u64 % m.value()).unwrap_or(0);
        let last_w = inv[n - 2];
        let last_inv = m.mul(n_inv, last_w);
        Self {
            n,
            log_n,
            modulus,
            psi,
            kernel,
            n_inv,
            n_inv_shoup: m.shoup(n_inv),
            last_w,
            last_w_shoup: m.shoup(last_w),
            last_inv,
            last_inv_shoup: m.shoup(last_inv),
            twiddles: Twiddles::new(kernel, m, fwd, inv),
        }
    }

    #[inline(always)]
    pub(crate) fn q(&self) -> u64 {
        self.modulus.value()
    }
}

impl Twiddles {
    fn new(kernel: Kernel, m: Modulus, fwd: Box<[u64]>, inv: Box<[u64]>) -> Self {
        #[cfg(target_arch = "x86_64")]
        if kernel == Kernel::Avx2 && m.value() < crate::avx2f::MAX_Q {
            return Self::Float(crate::avx2f::FloatTables::new(m.value(), &fwd, &inv));
        }
        let _ = kernel;
        let shoup = |t: &[u64]| t.iter().map(|&w| m.shoup(w)).collect::<Box<[u64]>>();
        Self::Shoup(ShoupTables {
            fwd_shoup: shoup(&fwd),
            fwd,
            inv_shoup: shoup(&inv),
            inv,
        })
    }
}
