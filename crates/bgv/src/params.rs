//! BGV parameters: RLWE parameters plus the plaintext modulus `t`, with the constants every
//! encoding, modulus switch and decryption needs.

use std::sync::Arc;

use blindfold_modarith::{Modulus, primes};
use blindfold_ntt::NttPlan;
use blindfold_rlwe::{Parameters, ParametersLiteral};

use crate::Error;

/// What a user writes down: RLWE sizes and the plaintext modulus.
#[derive(Clone, Debug, PartialEq)]
pub struct BgvParametersLiteral {
    /// Ring degree, prime sizes, gadget digits, security target.
    pub rlwe: ParametersLiteral,
    /// Plaintext modulus `t`: any `t >= 2` coprime to every prime for coefficient encoding,
    /// a prime `t ≡ 1 (mod 2N)` for slots.
    pub t: u64,
}

/// Checked BGV parameters, shared through `Arc`.
///
/// `t` is at least 2, below the first ciphertext prime `q_0` (a level-0 ciphertext must hold
/// `t` times its noise) and coprime to every prime of `Q` and `P` (modulus switching and the
/// `t^{-1}` representation need its inverse). Slots exist when `t` is a prime `≡ 1 mod 2N`.
#[derive(Debug)]
pub struct BgvParameters {
    rlwe: Arc<Parameters>,
    t: Modulus,
    batching: Option<NttPlan>,
    /// `t mod q_i` and `t^{-1} mod q_i` with Shoup quotients, for every `Q` prime.
    t_mod_q: Vec<(u64, u64)>,
    t_inv_mod_q: Vec<(u64, u64)>,
    /// `q_l^{-1} mod t`: the factor a modulus switch from level `l` multiplies the
    /// correction by.
    q_inv_mod_t: Vec<u64>,
    /// Mixed-radix (Garner) tables: `radix[i][j] = q_0⋯q_{j-1} mod q_i` for `j <= i` and
    /// `radix_inv[i] = (q_0⋯q_{i-1})^{-1} mod q_i`.
    radix: Vec<Vec<u64>>,
    radix_inv: Vec<u64>,
    /// CRT tables per level `l`, for the fast decryption.
    crt: Vec<CrtLevel>,
}

/// CRT reconstruction of `x mod Q_l` reduced modulo `t`: `x = Σ y_i·Q̂_i − v·Q_l` with
/// `y_i = [x_i·Q̂_i^{-1}]_{q_i}`, `Q̂_i = Q_l/q_i`, and `v` the rounding of `Σ y_i/q_i`.
#[derive(Debug)]
pub(crate) struct CrtLevel {
    /// `Q̂_i^{-1} mod q_i` with its Shoup quotient.
    pub hat_inv: Vec<(u64, u64)>,
    /// `Q̂_i mod t`.
    pub hat_mod_t: Vec<u64>,
    /// `Q_l mod t`.
    pub q_mod_t: u64,
    /// `1 / q_i` as `f64`.
    pub inv_q: Vec<f64>,
}

impl PartialEq for BgvParameters {
    fn eq(&self, other: &Self) -> bool {
        *self.rlwe == *other.rlwe && self.t == other.t
    }
}

impl BgvParameters {
    /// Checked parameters, 128-bit secure (or the literal's target) by the HE standard.
    pub fn new(literal: BgvParametersLiteral) -> Result<Arc<Self>, Error> {
        Self::from_rlwe(Parameters::new(literal.rlwe)?, literal.t)
    }

    /// **Insecure** parameters for tests: the security bound is not enforced.
    pub fn insecure_for_tests(literal: BgvParametersLiteral) -> Result<Arc<Self>, Error> {
        Self::from_rlwe(Parameters::insecure_for_tests(literal.rlwe)?, literal.t)
    }

    /// Adds the plaintext modulus `t` to already-checked RLWE parameters.
    pub fn from_rlwe(rlwe: Arc<Parameters>, t: u64) -> Result<Arc<Self>, Error> {
        let bad = |reason| Error::InvalidPlaintextModulus { t, reason };
        if t < 2 {
            return Err(bad("must be at least 2"));
        }
        let q = rlwe.q();
        if t >= q[0] {
            return Err(bad(
                "must be below the first ciphertext prime q_0, which holds t times the noise at level 0",
            ));
        }
        if q.iter().chain(rlwe.p()).any(|&p| t.is_multiple_of(p)) {
            return Err(bad(
                "shares a factor with a ciphertext or special prime (t must be invertible modulo each)",
            ));
        }
        let t_mod = Modulus::new(t).map_err(|_| bad("must be below 2^62"))?;
        let two_n = 2 * rlwe.n() as u64;
        let batching = if primes::is_prime(t) && (t - 1).is_multiple_of(two_n) {
            Some(NttPlan::new(rlwe.n(), t).map_err(|_| bad("no NTT of size N modulo t"))?)
        } else {
            None
        };
        let ring = Arc::clone(rlwe.ring());
        let moduli = &ring.moduli()[..q.len()];
        let with_shoup = |m: &Modulus, v: u64| (v, m.shoup(v));
        let t_mod_q = moduli.iter().map(|m| with_shoup(m, m.reduce(t))).collect();
        // t is coprime to every prime (checked above), so the inverses exist.
        let t_inv_mod_q = moduli
            .iter()
            .map(|m| with_shoup(m, m.inv(m.reduce(t)).unwrap_or(0)))
            .collect();
        let q_inv_mod_t = q
            .iter()
            .map(|&qi| t_mod.inv(t_mod.reduce(qi)).unwrap_or(0))
            .collect();
        let radix: Vec<Vec<u64>> = moduli
            .iter()
            .map(|m| {
                let mut acc = m.reduce(1);
                let mut row = Vec::with_capacity(q.len());
                for &qj in q {
                    row.push(acc);
                    acc = m.mul(acc, m.reduce(qj));
                }
                row
            })
            .collect();
        let radix_inv = moduli
            .iter()
            .enumerate()
            .map(|(i, m)| m.inv(radix[i][i]).unwrap_or(0))
            .collect();
        let crt = (0..q.len())
            .map(|l| {
                let primes = &moduli[..=l];
                let hat_mod = |m: &Modulus, skip: usize| {
                    primes
                        .iter()
                        .enumerate()
                        .filter(|&(j, _)| j != skip)
                        .fold(m.reduce(1), |acc, (_, p)| m.mul(acc, m.reduce(p.value())))
                };
                CrtLevel {
                    hat_inv: primes
                        .iter()
                        .enumerate()
                        .map(|(i, m)| with_shoup(m, m.inv(hat_mod(m, i)).unwrap_or(0)))
                        .collect(),
                    hat_mod_t: (0..=l).map(|i| hat_mod(&t_mod, i)).collect(),
                    q_mod_t: hat_mod(&t_mod, usize::MAX),
                    inv_q: primes.iter().map(|m| 1.0 / m.value() as f64).collect(),
                }
            })
            .collect();
        Ok(Arc::new(Self {
            rlwe,
            t: t_mod,
            crt,
            batching,
            t_mod_q,
            t_inv_mod_q,
            q_inv_mod_t,
            radix,
            radix_inv,
        }))
    }

    /// The RLWE parameters.
    pub fn rlwe(&self) -> &Arc<Parameters> {
        &self.rlwe
    }

    /// The plaintext modulus `t`.
    pub fn t(&self) -> u64 {
        self.t.value()
    }

    /// `t` with its reduction constants.
    pub fn t_modulus(&self) -> &Modulus {
        &self.t
    }

    /// Ring degree `N`.
    pub fn n(&self) -> usize {
        self.rlwe.n()
    }

    /// `log2 N`.
    pub fn log_n(&self) -> u32 {
        self.rlwe.log_n()
    }

    /// Highest level `L`.
    pub fn max_level(&self) -> usize {
        self.rlwe.max_level()
    }

    /// Whether slots exist (`t` prime, `≡ 1 mod 2N`).
    pub fn has_batching(&self) -> bool {
        self.batching.is_some()
    }

    /// The NTT modulo `t` behind the slots, or [`Error::NoBatching`].
    pub(crate) fn batching(&self) -> Result<&NttPlan, Error> {
        self.batching.as_ref().ok_or(Error::NoBatching {
            t: self.t(),
            two_n: 2 * self.n() as u64,
        })
    }

    pub(crate) fn t_mod_q(&self, i: usize) -> (u64, u64) {
        self.t_mod_q[i]
    }

    pub(crate) fn t_inv_mod_q(&self, i: usize) -> (u64, u64) {
        self.t_inv_mod_q[i]
    }

    /// `q_l^{-1} mod t`.
    pub fn q_inv_mod_t(&self, level: usize) -> u64 {
        self.q_inv_mod_t[level]
    }

    pub(crate) fn radix(&self, i: usize) -> &[u64] {
        &self.radix[i]
    }

    pub(crate) fn radix_inv(&self, i: usize) -> u64 {
        self.radix_inv[i]
    }

    pub(crate) fn crt(&self, level: usize) -> &CrtLevel {
        &self.crt[level]
    }

    /// The correction factor a fresh ciphertext at the top level gets after being switched
    /// down to `level`: `∏_{l > level} q_l^{-1} mod t`.
    pub fn switched_correction(&self, level: usize) -> u64 {
        (level + 1..=self.max_level()).fold(1, |c, l| self.t.mul(c, self.q_inv_mod_t[l]))
    }

    /// Checks that `c` is a usable correction factor: in `[1, t)` and invertible mod `t`.
    pub fn check_correction(&self, c: u64) -> Result<(), Error> {
        if c == 0 || c >= self.t() || self.t.inv(c).is_none() {
            return Err(Error::InvalidCorrection {
                correction: c,
                t: self.t(),
            });
        }
        Ok(())
    }
}

/// Named 128-bit presets (ternary secret, σ = 3.19, HE-standard bound enforced by
/// [`BgvParameters::new`]). Names give `log2 N` and the plaintext modulus size.
///
/// Sizing: after a product and a modulus switch the noise is back at the switching floor
/// `≈ t·√N`, so each ciphertext prime needs about `log2 t + log2 N + 7` bits of headroom
/// over it; primes below 2^50 take the faster floating-point NTT.
pub mod presets {
    use blindfold_rlwe::security::{SecretDistribution, SecurityLevel};

    use super::*;

    fn lit(
        log_n: u32,
        log_q: Vec<u32>,
        log_p: Vec<u32>,
        dnum: usize,
        t: u64,
    ) -> BgvParametersLiteral {
        BgvParametersLiteral {
            rlwe: ParametersLiteral {
                log_n,
                log_q,
                log_p,
                dnum,
                secret: SecretDistribution::Ternary,
                sigma: blindfold_rns::sample::SIGMA,
                security: SecurityLevel::Classical128,
            },
            t,
        }
    }

    /// The Fermat prime `2^16 + 1`: batching for every `N <= 2^15`.
    pub const T_65537: u64 = 65537;
    /// The largest 30-bit prime `≡ 1 mod 2^17` (batching for `N <= 2^16`).
    pub const T_30BIT: u64 = 1_073_479_681;

    /// N = 2^13, t = 65537, depth 3: Q = 45 + 3×36 bits, P = 46, dnum 4 (199 of 218 bits).
    pub fn n13() -> BgvParametersLiteral {
        lit(13, vec![45, 36, 36, 36], vec![46], 4, T_65537)
    }

    /// N = 2^14, t = 65537, depth 7: Q = 49 + 7×38 bits, P = 2×45, dnum 4 (405 of 438 bits).
    pub fn n14() -> BgvParametersLiteral {
        lit(
            14,
            [vec![49], vec![38; 7]].concat(),
            vec![45, 45],
            4,
            T_65537,
        )
    }

    /// N = 2^15, t = 65537, depth 12: Q = 49 + 12×40 bits, P = 6×49, dnum 2 (823 of 881
    /// bits). Every prime is below 2^50.
    pub fn n15() -> BgvParametersLiteral {
        lit(
            15,
            [vec![49], vec![40; 12]].concat(),
            vec![49; 6],
            2,
            T_65537,
        )
    }

    /// N = 2^15 with a 30-bit t (fixed-point arithmetic), depth 9: Q = 61 + 9×60 bits,
    /// P = 4×61, dnum 3 (845 of 881 bits).
    ///
    /// Larger t: a level-0 ciphertext must hold `t·√N` (the switching floor) times up to
    /// `√t` (matching two correction factors, see [`crate::Evaluator::match_operands`])
    /// below `q_0 < 2^61`, which caps t near 2^33 at N = 2^15.
    pub fn n15_t30() -> BgvParametersLiteral {
        lit(
            15,
            [vec![61], vec![60; 9]].concat(),
            vec![61; 4],
            3,
            T_30BIT,
        )
    }
}
