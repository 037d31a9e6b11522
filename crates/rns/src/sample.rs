//! Sampling: uniform residues, ternary secrets, discrete Gaussian errors.
//!
//! Secret-dependent samplers (ternary, fixed-weight ternary, Gaussian) have no branch and
//! no table look-up indexed by a random value: comparisons are computed from borrow bits and
//! the fixed-weight shuffle is a sorting network. Uniform sampling uses rejection, which
//! reveals only how many public random words were discarded.

use std::sync::{Arc, OnceLock};

use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore, SeedableRng};
use rayon::prelude::*;
use zeroize::Zeroizing;

use crate::{Error, Ntt, Poly, RingContext};

/// Standard deviation of the error distribution (HE standard: 8/√(2π) ≈ 3.19).
pub const SIGMA: f64 = 3.19;
/// Errors are bounded at `floor(6σ)`.
pub const GAUSSIAN_BOUND: i64 = 19;

/// A ChaCha20 generator seeded from the operating system.
pub fn os_rng() -> ChaCha20Rng {
    ChaCha20Rng::from_entropy()
}

/// A ChaCha20 generator from an explicit seed (tests, and public seeded expansion).
pub fn seeded_rng(seed: [u8; 32]) -> ChaCha20Rng {
    ChaCha20Rng::from_seed(seed)
}

/// `1` if `a > b`, else `0`, from the borrow of `b - a` (no comparison instruction needed).
#[inline(always)]
fn ct_gt(a: u64, b: u64) -> u64 {
    ((!b & a) | (!(b ^ a) & b.wrapping_sub(a))) >> 63
}

fn uniform_limb(rng: &mut impl RngCore, q: u64, out: &mut [u64]) {
    let mask = u64::MAX >> q.leading_zeros();
    for x in out.iter_mut() {
        *x = loop {
            let r = rng.next_u64() & mask;
            if r < q {
                break r;
            }
        };
    }
}

/// A uniformly random polynomial over the limb set, produced in NTT form (the uniform
/// distribution is the same in both representations).
pub fn uniform<G: RngCore + CryptoRng>(
    ctx: &Arc<RingContext>,
    q_limbs: usize,
    p_limbs: usize,
    rng: &mut G,
) -> Result<Poly<Ntt>, Error> {
    let mut seed = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(seed.as_mut());
    uniform_from_seed(ctx, q_limbs, p_limbs, &seed)
}

/// Expands a 32-byte public seed into a uniform NTT-form polynomial. Limb `i` is drawn from
/// ChaCha20 stream `i` (its modulus index), so a limb's value does not depend on which
/// other limbs are present: keys and ciphertexts can travel as `(seed, b)` at any level.
pub fn uniform_from_seed(
    ctx: &Arc<RingContext>,
    q_limbs: usize,
    p_limbs: usize,
    seed: &[u8; 32],
) -> Result<Poly<Ntt>, Error> {
    let mut p = Poly::<Ntt>::zero(ctx, q_limbs, p_limbs)?;
    let c = Arc::clone(ctx);
    p.for_each_limb(|i, a| {
        let mut rng = ChaCha20Rng::from_seed(*seed);
        rng.set_stream(i as u64);
        uniform_limb(&mut rng, c.moduli()[i].value(), a);
    });
    Ok(p)
}

/// Dense ternary vector: each coefficient uniform in {-1, 0, 1} (bias below 2^-64).
pub fn ternary<G: RngCore + CryptoRng>(n: usize, rng: &mut G) -> Zeroizing<Vec<i64>> {
    let v = (0..n)
        .map(|_| ((rng.next_u64() as u128 * 3) >> 64) as i64 - 1)
        .collect();
    Zeroizing::new(v)
}

/// Ternary vector with exactly `h` non-zero coefficients (random signs, random positions).
///
/// Positions come from sorting the vector under random 64-bit keys with a bitonic network of
/// branch-free compare-exchanges, so memory accesses do not depend on the secret.
pub fn ternary_fixed_weight<G: RngCore + CryptoRng>(
    n: usize,
    h: usize,
    rng: &mut G,
) -> Result<Zeroizing<Vec<i64>>, Error> {
    if h > n {
        return Err(Error::InvalidHammingWeight { weight: h, n });
    }
    if !n.is_power_of_two() {
        return Err(Error::LengthMismatch {
            expected: n.next_power_of_two(),
            actual: n,
        });
    }
    // Values as words: 1 -> 1, -1 -> 2^64-1, 0 -> 0; the sign comes from a random bit.
    let mut vals = Zeroizing::new(
        (0..n)
            .map(|i| {
                let nonzero = ct_gt(h as u64, i as u64); // i < h: public index comparison
                let sign = rng.next_u64() & 1;
                // nonzero * (1 - 2*sign) as a word.
                nonzero.wrapping_mul(1u64.wrapping_sub(sign << 1))
            })
            .collect::<Vec<u64>>(),
    );
    let mut keys = Zeroizing::new((0..n).map(|_| rng.next_u64()).collect::<Vec<u64>>());
    bitonic_sort(&mut keys, &mut vals);
    Ok(Zeroizing::new(vals.iter().map(|&w| w as i64).collect()))
}

/// Sorts `keys` ascending, moving `vals` along; data-independent sequence of compare-exchanges.
fn bitonic_sort(keys: &mut [u64], vals: &mut [u64]) {
    let n = keys.len();
    let mut k = 2;
    while k <= n {
        let mut j = k / 2;
        while j > 0 {
            for i in 0..n {
                let l = i ^ j;
                if l > i {
                    let ascending = (i & k) == 0; // public: depends on indices only
                    let (a, b) = if ascending { (i, l) } else { (l, i) };
                    let swap = ct_gt(keys[a], keys[b]).wrapping_neg();
                    let t = (keys[a] ^ keys[b]) & swap;
                    keys[a] ^= t;
                    keys[b] ^= t;
                    let t = (vals[a] ^ vals[b]) & swap;
                    vals[a] ^= t;
                    vals[b] ^= t;
                }
            }
            j /= 2;
        }
        k *= 2;
    }
}

/// Cumulative distribution of the discrete Gaussian on `[-19, 19]`, scaled to `2^64`:
/// `CDT[k] = 2^64 · P(X <= -19 + k)` for `k = 0..38`.
fn cdt() -> &'static [u64; 38] {
    static TABLE: OnceLock<[u64; 38]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let w: Vec<f64> = (-GAUSSIAN_BOUND..=GAUSSIAN_BOUND)
            .map(|x| (-((x * x) as f64) / (2.0 * SIGMA * SIGMA)).exp())
            .collect();
        let total: f64 = w.iter().sum();
        let mut table = [0u64; 38];
        let mut acc = 0.0;
        for (k, t) in table.iter_mut().enumerate() {
            acc += w[k] / total;
            *t = (acc * 18_446_744_073_709_551_616.0).min(u64::MAX as f64) as u64;
        }
        table
    })
}

/// Discrete Gaussian vector, σ = 3.19, bounded at 6σ, by a full scan of the CDT table for
/// every sample (each sample compares against all 38 thresholds: constant time).
pub fn gaussian<G: RngCore + CryptoRng>(n: usize, rng: &mut G) -> Zeroizing<Vec<i64>> {
    let table = cdt();
    let v = (0..n)
        .map(|_| {
            let r = rng.next_u64();
            // count of thresholds t with r >= t, i.e. not (t > r)
            let count: u64 = table.iter().map(|&t| 1 - ct_gt(t, r)).sum();
            count as i64 - GAUSSIAN_BOUND
        })
        .collect();
    Zeroizing::new(v)
}

/// Samples `count` independent Gaussian vectors in parallel, each from its own ChaCha20
/// stream keyed by a fresh seed drawn from `rng`.
pub fn gaussian_many<G: RngCore + CryptoRng>(
    n: usize,
    count: usize,
    rng: &mut G,
) -> Vec<Zeroizing<Vec<i64>>> {
    let mut seed = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(seed.as_mut());
    (0..count)
        .into_par_iter()
        .map(|i| {
            let mut r = ChaCha20Rng::from_seed(*seed);
            r.set_stream(i as u64);
            gaussian(n, &mut r)
        })
        .collect()
}
