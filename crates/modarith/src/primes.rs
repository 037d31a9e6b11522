//! Primality testing and the search for NTT-friendly primes `q ≡ 1 (mod 2N)`.
//!
//! Everything here works on public values and may branch freely.

use crate::{Error, MAX_MODULUS_BITS, Modulus};

/// Deterministic Miller–Rabin for every `u64`: the first twelve primes as bases are a
/// proven witness set below 3.3 * 10^24 (Sorenson and Webster, 2015).
pub fn is_prime(n: u64) -> bool {
    const BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    if n < 2 {
        return false;
    }
    for p in BASES {
        if n.is_multiple_of(p) {
            return n == p;
        }
    }
    let mulmod = |a: u64, b: u64| (a as u128 * b as u128 % n as u128) as u64;
    let powmod = |mut b: u64, mut e: u64| {
        let mut acc = 1u64;
        while e > 0 {
            if e & 1 == 1 {
                acc = mulmod(acc, b);
            }
            b = mulmod(b, b);
            e >>= 1;
        }
        acc
    };
    let s = (n - 1).trailing_zeros();
    let d = (n - 1) >> s;
    'witness: for a in BASES {
        let mut x = powmod(a, d);
        if x == 1 || x == n - 1 {
            continue;
        }
        for _ in 1..s {
            x = mulmod(x, x);
            if x == n - 1 {
                continue 'witness;
            }
        }
        return false;
    }
    true
}

fn check_order(two_n: u64) -> Result<(), Error> {
    if two_n < 2 || !two_n.is_power_of_two() {
        return Err(Error::InvalidOrder { two_n });
    }
    Ok(())
}

/// Primes `p ≡ 1 (mod 2N)` with exactly `bits` bits, from the largest down.
///
/// The order is stable (strictly decreasing), so the same request always yields the same
/// primes, and a caller can skip primes already in use with a filter.
#[derive(Clone, Debug)]
pub struct DescendingPrimes {
    next: u64,
    floor: u64,
    step: u64,
}

impl DescendingPrimes {
    /// Starts below `2^bits`; stops at `2^(bits-1)`.
    pub fn new(bits: u32, two_n: u64) -> Result<Self, Error> {
        check_order(two_n)?;
        if !(2..=MAX_MODULUS_BITS).contains(&bits) || (1u64 << bits) <= two_n {
            return Err(Error::InvalidPrimeBits { bits, two_n });
        }
        // Largest value = 1 mod 2N below 2^bits: 2^bits - 2N + 1 (2N divides 2^bits).
        Ok(Self {
            next: (1u64 << bits) - two_n + 1,
            floor: 1u64 << (bits - 1),
            step: two_n,
        })
    }
}

impl Iterator for DescendingPrimes {
    type Item = u64;
    fn next(&mut self) -> Option<u64> {
        while self.next > self.floor {
            let c = self.next;
            self.next = self.next.saturating_sub(self.step);
            if is_prime(c) {
                return Some(c);
            }
        }
        None
    }
}

/// Primes `p ≡ 1 (mod 2N)` closest to a target, alternately just above and just below it.
///
/// CKKS scale primes use this: alternating keeps the product of consecutive primes close to
/// `Δ^k`, so the scale drifts as little as possible across rescalings (Lattigo does the same).
#[derive(Clone, Debug)]
pub struct PrimesNear {
    up: u64,
    down: u64,
    step: u64,
    take_up: bool,
    up_done: bool,
    down_done: bool,
}

impl PrimesNear {
    /// Starts from `target` (which need not be `1 mod 2N`); stays below `2^62`.
    pub fn new(target: u64, two_n: u64) -> Result<Self, Error> {
        check_order(two_n)?;
        if target <= two_n || target >> MAX_MODULUS_BITS != 0 {
            return Err(Error::InvalidPrimeBits {
                bits: 64 - target.leading_zeros(),
                two_n,
            });
        }
        // First candidate above (>= target) and below (< target), both = 1 mod 2N.
        let below = (target - 1) / two_n * two_n + 1;
        let (up, down) = if below >= target {
            (below, below - two_n)
        } else {
            (below + two_n, below)
        };
        Ok(Self {
            up,
            down,
            step: two_n,
            take_up: true,
            up_done: false,
            down_done: false,
        })
    }

    fn next_up(&mut self) -> Option<u64> {
        while self.up >> MAX_MODULUS_BITS == 0 {
            let c = self.up;
            self.up += self.step;
            if is_prime(c) {
                return Some(c);
            }
        }
        self.up_done = true;
        None
    }

    fn next_down(&mut self) -> Option<u64> {
        while self.down > self.step {
            let c = self.down;
            self.down -= self.step;
            if is_prime(c) {
                return Some(c);
            }
        }
        self.down_done = true;
        None
    }
}

impl Iterator for PrimesNear {
    type Item = u64;
    fn next(&mut self) -> Option<u64> {
        while !(self.up_done && self.down_done) {
            let up = self.take_up;
            self.take_up = !self.take_up;
            let found = if up { self.next_up() } else { self.next_down() };
            if found.is_some() {
                return found;
            }
        }
        None
    }
}

/// The `count` largest `bits`-bit primes `≡ 1 (mod 2N)` not in `exclude`, largest first.
pub fn ntt_primes(bits: u32, two_n: u64, count: usize, exclude: &[u64]) -> Result<Vec<u64>, Error> {
    let found: Vec<u64> = DescendingPrimes::new(bits, two_n)?
        .filter(|p| !exclude.contains(p))
        .take(count)
        .collect();
    if found.len() < count {
        return Err(Error::NotEnoughPrimes {
            bits,
            two_n,
            requested: count,
            found: found.len(),
        });
    }
    Ok(found)
}

/// `count` primes `≡ 1 (mod 2N)` closest to `target`, alternating above/below, not in `exclude`.
pub fn ntt_primes_near(
    target: u64,
    two_n: u64,
    count: usize,
    exclude: &[u64],
) -> Result<Vec<u64>, Error> {
    let found: Vec<u64> = PrimesNear::new(target, two_n)?
        .filter(|p| !exclude.contains(p))
        .take(count)
        .collect();
    if found.len() < count {
        let bits = 64 - target.leading_zeros();
        return Err(Error::NotEnoughPrimes {
            bits,
            two_n,
            requested: count,
            found: found.len(),
        });
    }
    Ok(found)
}

/// The smallest primitive `2N`-th root of unity modulo the prime `q` (so `ψ^N = -1`).
///
/// Choosing the smallest makes every plan built for `(N, q)` identical across runs and builds.
pub fn primitive_root_2n(q: u64, two_n: u64) -> Result<u64, Error> {
    check_order(two_n)?;
    let no_root = Error::NoRootOfUnity { modulus: q, two_n };
    if !is_prime(q) || two_n >= q || !(q - 1).is_multiple_of(two_n) {
        return Err(no_root);
    }
    let m = Modulus::new(q).map_err(|_| no_root.clone())?;
    let n = two_n / 2;
    // psi = g^((q-1)/2N) has order exactly 2N iff psi^N = -1 (2N is a power of two).
    let cofactor = (q - 1) / two_n;
    let psi = (2..q)
        .map(|g| m.pow(g, cofactor))
        .find(|&psi| m.pow(psi, n) == q - 1)
        .ok_or(no_root)?;
    // The primitive 2N-th roots are psi^k for odd k; keep the smallest.
    let psi2 = m.mul(psi, psi);
    let mut cur = psi;
    let mut best = psi;
    for _ in 0..n {
        best = best.min(cur);
        cur = m.mul(cur, psi2);
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn trial_division(n: u64) -> bool {
        if n < 2 {
            return false;
        }
        let mut d = 2u64;
        while d * d <= n {
            if n.is_multiple_of(d) {
                return false;
            }
            d += 1;
        }
        true
    }

    #[test]
    fn small_numbers_against_trial_division() {
        for n in 0..20_000u64 {
            assert_eq!(is_prime(n), trial_division(n), "{n}");
        }
    }

    #[test]
    fn known_values() {
        // Strong pseudoprimes to several small bases, and Carmichael numbers.
        for c in [
            561u64,
            1_729,
            3_215_031_751,
            2_152_302_898_747,
            3_825_123_056_546_413_051,
        ] {
            assert!(!is_prime(c), "{c}");
        }
        assert!(is_prime(0xffff_ffff_0000_0001)); // Goldilocks
        assert!(is_prime(18_446_744_073_709_551_557)); // largest u64 prime
        assert!(!is_prime(u64::MAX));
        assert!(is_prime((1 << 61) - 1)); // Mersenne
    }

    proptest! {
        #[test]
        fn miller_rabin_matches_trial_division(n in 0u64..(1u64 << 34)) {
            prop_assert_eq!(is_prime(n), trial_division(n));
        }

        #[test]
        fn composites_are_rejected(a in 2u64..(1 << 31), b in 2u64..(1 << 31)) {
            prop_assert!(!is_prime(a * b));
        }
    }

    #[test]
    fn ntt_primes_have_the_requested_shape() {
        for log_n in [10u32, 13, 16, 17] {
            let two_n = 2u64 << log_n;
            for bits in [30u32, 40, 50, 60, 62] {
                let ps = ntt_primes(bits, two_n, 8, &[]).unwrap();
                assert_eq!(ps.len(), 8);
                for w in ps.windows(2) {
                    assert!(w[0] > w[1], "strictly decreasing");
                }
                for &p in &ps {
                    assert!(is_prime(p));
                    assert_eq!(p % two_n, 1);
                    assert_eq!(64 - p.leading_zeros(), bits);
                }
                // Stable: the same request gives the same list; exclusion skips.
                assert_eq!(ntt_primes(bits, two_n, 8, &[]).unwrap(), ps);
                let rest = ntt_primes(bits, two_n, 4, &ps[..4]).unwrap();
                assert_eq!(rest, ps[4..8]);
            }
        }
    }

    #[test]
    fn ntt_primes_errors() {
        assert_eq!(
            ntt_primes(40, 3, 1, &[]),
            Err(Error::InvalidOrder { two_n: 3 })
        );
        assert_eq!(
            ntt_primes(63, 1 << 14, 1, &[]),
            Err(Error::InvalidPrimeBits {
                bits: 63,
                two_n: 1 << 14
            })
        );
        assert_eq!(
            ntt_primes(14, 1 << 14, 1, &[]),
            Err(Error::InvalidPrimeBits {
                bits: 14,
                two_n: 1 << 14
            })
        );
        assert!(matches!(
            ntt_primes(20, 1 << 17, 1000, &[]),
            Err(Error::NotEnoughPrimes {
                requested: 1000,
                ..
            })
        ));
    }

    #[test]
    fn primes_near_alternate_around_target() {
        let two_n = 1u64 << 17;
        let target = 1u64 << 40;
        let ps = ntt_primes_near(target, two_n, 10, &[]).unwrap();
        for (i, &p) in ps.iter().enumerate() {
            assert!(is_prime(p) && p % two_n == 1);
            assert_eq!(p > target, i % 2 == 0, "alternates above/below");
            // Close to the target: well within 2^-10 relative distance.
            assert!((p as f64 / target as f64 - 1.0).abs() < 1e-3);
        }
        // Above-target primes increase, below-target primes decrease.
        assert!(
            ps.iter()
                .step_by(2)
                .collect::<Vec<_>>()
                .windows(2)
                .all(|w| w[0] < w[1])
        );
        assert!(
            ps.iter()
                .skip(1)
                .step_by(2)
                .collect::<Vec<_>>()
                .windows(2)
                .all(|w| w[0] > w[1])
        );
        let more = ntt_primes_near(target, two_n, 2, &ps).unwrap();
        assert!(more.iter().all(|p| !ps.contains(p)));
    }

    #[test]
    fn roots_of_unity() {
        for log_n in [1u32, 4, 10, 16, 17] {
            let two_n = 2u64 << log_n;
            for &q in &ntt_primes(50, two_n, 2, &[]).unwrap() {
                let m = Modulus::new(q).unwrap();
                let psi = primitive_root_2n(q, two_n).unwrap();
                assert_eq!(m.pow(psi, two_n / 2), q - 1);
                assert_eq!(m.pow(psi, two_n), 1);
                assert_eq!(primitive_root_2n(q, two_n).unwrap(), psi, "deterministic");
            }
        }
        assert!(primitive_root_2n(97, 64).is_err()); // 96 is not a multiple of 64
        assert!(primitive_root_2n(65, 2).is_err()); // not prime
        assert_eq!(
            primitive_root_2n(97, 32).map(|p| Modulus::new(97).unwrap().pow(p, 16)),
            Ok(96)
        );
    }
}
