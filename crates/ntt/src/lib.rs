//! Negacyclic number-theoretic transforms over `Z_q[X]/(X^N + 1)`.
//!
//! An [`NttPlan`] holds the twiddle tables for one `(N, q)` and a kernel chosen once, at
//! construction: [`Kernel::Avx2`] when the CPU has AVX2 and FMA, else [`Kernel::Scalar`].
//! Every output of every transform is the same word for both kernels (the lazy forward
//! output included); the scalar kernel is the reference the tests hold the SIMD one to.
//!
//! Conventions (the evaluation points are the odd powers of `psi`, a primitive `2N`-th root):
//! - [`NttPlan::forward`]: standard order in, bit-reversed order out, fully reduced:
//!   `out[i] = a(psi^(2*bitrev(i)+1)) mod q`, `bitrev` over `log2 N` bits. Pointwise products
//!   of two forward transforms are the transform of the negacyclic product.
//! - [`NttPlan::inverse`] undoes `forward` exactly, factor `1/N` included, at no extra pass.
//! - [`NttPlan::forward_lazy`] leaves outputs in `[0, 2q)`;
//!   [`NttPlan::inverse_unnormalized`] returns `N * a`.
//!
//! Limits: `N` is a power of two in `[2^4, 2^17]` ([`MIN_DEGREE`], [`MAX_DEGREE`]); sizes
//! below `2^10` are accepted for tests and small experiments. `q` is a prime `≡ 1 (mod 2N)`
//! below `2^62`. Inputs must be fully reduced (`< q`): out-of-range inputs are caught by
//! `debug_assert!` only, and would give wrong results in release builds.
//!
//! Timing: the butterflies are branch-free; running time depends on `N` and on the range of
//! `q` (below `2^50`, below `2^52`, or above; see [`Kernel::Avx2`]), never on the data.
//! Memory: `4N` words of twiddles.
//!
//! Algorithms: Cooley–Tukey forward and Gentleman–Sande inverse with the twiddle layout of
//! Longa and Naehrig ("Speeding up the number theoretic transform for faster ideal
//! lattice-based cryptography", 2016), Harvey's lazy butterflies ("Faster arithmetic for
//! number-theoretic transforms", 2014) and Shoup's precomputed quotients. The AVX2 kernel
//! runs two layers per pass over the data and finishes each L1-sized tile before the next.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx2f;
mod error;
mod scalar;
mod tables;

use std::fmt;
use std::sync::Arc;

pub use blindfold_modarith::Modulus;
use blindfold_modarith::{MAX_MODULUS_BITS, primes};

pub use error::{Error, ModulusIssue};
use scalar::Finish;
use tables::{Tables, Twiddles};

/// Smallest supported transform size.
pub const MIN_DEGREE: usize = 1 << 4;
/// Largest supported transform size.
pub const MAX_DEGREE: usize = 1 << 17;

/// Butterfly implementation used by a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// Portable 64-bit code: Harvey butterflies with Shoup quotients, one layer per pass.
    Scalar,
    /// 4 lanes of 64 bits with AVX2 and FMA (x86-64 only). For `q >= 2^52`, Shoup products
    /// built from 32-bit multiplies; for `q < 2^52`, residues held as `f64` and products
    /// split exactly with FMA, about twice as fast.
    Avx2,
}

impl Kernel {
    /// Whether this CPU can run the kernel.
    pub fn is_available(self) -> bool {
        match self {
            Kernel::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(not(target_arch = "x86_64"))]
            Kernel::Avx2 => false,
        }
    }

    /// The fastest kernel this CPU supports.
    pub fn best() -> Kernel {
        if Kernel::Avx2.is_available() {
            Kernel::Avx2
        } else {
            Kernel::Scalar
        }
    }
}

/// Negacyclic NTT of one size modulo one prime. Cloning is cheap (shared tables).
#[derive(Clone)]
pub struct NttPlan {
    inner: Arc<Tables>,
}

impl fmt::Debug for NttPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NttPlan")
            .field("n", &self.inner.n)
            .field("q", &self.inner.q())
            .field("kernel", &self.inner.kernel)
            .finish()
    }
}

impl NttPlan {
    /// Plan for size `n` modulo `q` with the best kernel of this CPU.
    pub fn new(n: usize, q: u64) -> Result<Self, Error> {
        Self::with_kernel(n, q, Kernel::best())
    }

    /// Plan with a chosen kernel; fails if this CPU cannot run it.
    pub fn with_kernel(n: usize, q: u64, kernel: Kernel) -> Result<Self, Error> {
        if !n.is_power_of_two() || !(MIN_DEGREE..=MAX_DEGREE).contains(&n) {
            return Err(Error::InvalidDegree { n });
        }
        let bad = |issue| Error::InvalidModulus { q, n, issue };
        if q < 2 || q >> MAX_MODULUS_BITS != 0 {
            return Err(bad(ModulusIssue::OutOfRange));
        }
        if !primes::is_prime(q) {
            return Err(bad(ModulusIssue::NotPrime));
        }
        let two_n = 2 * n as u64;
        if !(q - 1).is_multiple_of(two_n) {
            return Err(bad(ModulusIssue::NotOneMod2N));
        }
        if !kernel.is_available() {
            return Err(Error::KernelUnavailable { kernel });
        }
        let psi = primes::primitive_root_2n(q, two_n).map_err(|_| Error::NoRoot { q, two_n })?;
        let modulus = Modulus::new(q).map_err(|_| bad(ModulusIssue::OutOfRange))?;
        Ok(Self {
            inner: Arc::new(Tables::new(n, modulus, psi, kernel)),
        })
    }

    /// Transform size `N`.
    pub fn n(&self) -> usize {
        self.inner.n
    }

    /// `log2 N`.
    pub fn log_n(&self) -> u32 {
        self.inner.log_n
    }

    /// The modulus with its reduction constants.
    pub fn modulus(&self) -> &Modulus {
        &self.inner.modulus
    }

    /// The modulus value `q`.
    pub fn q(&self) -> u64 {
        self.inner.q()
    }

    /// The kernel chosen at construction.
    pub fn kernel(&self) -> Kernel {
        self.inner.kernel
    }

    /// The primitive `2N`-th root of unity used: the smallest one modulo `q`.
    pub fn psi(&self) -> u64 {
        self.inner.psi
    }

    fn check(&self, a: &[u64], bound: u64) {
        assert_eq!(
            a.len(),
            self.inner.n,
            "slice length differs from the NTT size"
        );
        debug_assert!(a.iter().all(|&x| x < bound), "input not reduced");
    }

    /// Forward transform in place: standard order in (values `< q`), bit-reversed order out,
    /// fully reduced: `out[i] = a(psi^(2*bitrev(i)+1)) mod q`.
    ///
    /// Panics if `a.len() != N`.
    pub fn forward(&self, a: &mut [u64]) {
        self.check(a, self.q());
        self.run_forward(a, Finish::Full);
    }

    /// Like [`forward`](Self::forward) but the outputs are only reduced to `[0, 2q)`: each is
    /// congruent to the value `forward` would return, and may exceed it by exactly `q`.
    /// The words are the same for every kernel (the last butterfly adds canonical residues
    /// without the final conditional subtraction).
    pub fn forward_lazy(&self, a: &mut [u64]) {
        self.check(a, self.q());
        self.run_forward(a, Finish::Lazy);
    }

    /// Exact inverse of [`forward`](Self::forward), `1/N` included: bit-reversed order in
    /// (values `< q`), standard order out, fully reduced.
    pub fn inverse(&self, a: &mut [u64]) {
        self.check(a, self.q());
        self.run_inverse(a, true);
    }

    /// The inverse without the factor `1/N`: returns `N * forward^-1(a)`, fully reduced.
    pub fn inverse_unnormalized(&self, a: &mut [u64]) {
        self.check(a, self.q());
        self.run_inverse(a, false);
    }

    fn run_forward(&self, a: &mut [u64], finish: Finish) {
        let tb = &*self.inner;
        match &tb.twiddles {
            Twiddles::Shoup(st) => {
                #[cfg(target_arch = "x86_64")]
                if tb.kernel == Kernel::Avx2 {
                    // SAFETY: `with_kernel` accepts `Kernel::Avx2` only after detecting AVX2
                    // and FMA on this CPU.
                    unsafe { avx2::forward(tb, st, a, finish) };
                    return;
                }
                scalar::forward(tb, st, a, finish);
            }
            // SAFETY: float tables are built only for `Kernel::Avx2`, so as above.
            #[cfg(target_arch = "x86_64")]
            Twiddles::Float(ft) => unsafe { avx2f::forward(tb, ft, a, finish) },
        }
    }

    fn run_inverse(&self, a: &mut [u64], normalize: bool) {
        let tb = &*self.inner;
        match &tb.twiddles {
            Twiddles::Shoup(st) => {
                #[cfg(target_arch = "x86_64")]
                if tb.kernel == Kernel::Avx2 {
                    // SAFETY: as in `run_forward`, the CPU has AVX2 and FMA.
                    unsafe { avx2::inverse(tb, st, a, normalize) };
                    return;
                }
                scalar::inverse(tb, st, a, normalize);
            }
            // SAFETY: as in `run_forward`, the CPU has AVX2 and FMA.
            #[cfg(target_arch = "x86_64")]
            Twiddles::Float(ft) => unsafe { avx2f::inverse(tb, ft, a, normalize) },
        }
    }
}
