//! Parameter literal → checked, immutable parameters.

use std::sync::Arc;

use blindfold_modarith::primes::PrimesNear;
use blindfold_rns::RingContext;

use crate::security::{SecretDistribution, SecurityLevel, max_log_qp, product_bits};
use crate::{Error, ParamsError};

/// What a user writes down: sizes, not primes. Checked by [`Parameters::new`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ParametersLiteral {
    /// `log2 N`.
    pub log_n: u32,
    /// Bit sizes of the ciphertext primes `q_0 … q_L`.
    pub log_q: Vec<u32>,
    /// Bit sizes of the special primes `p_0 … p_{k-1}` (hybrid key switching).
    pub log_p: Vec<u32>,
    /// Number of gadget digits for hybrid key switching (`1 ..= L+1`).
    pub dnum: usize,
    /// Secret-key distribution.
    pub secret: SecretDistribution,
    /// Standard deviation of the error; the sampler implements σ = 3.19 (HE standard).
    pub sigma: f64,
    /// Security target checked against the HE standard's table.
    pub security: SecurityLevel,
}

/// Checked parameters: the literal, the chosen primes and the ring context. Immutable and
/// shared through `Arc`.
#[derive(Debug)]
pub struct Parameters {
    literal: ParametersLiteral,
    q: Vec<u64>,
    p: Vec<u64>,
    ctx: Arc<RingContext>,
    digit_size: usize,
    log_qp: u32,
    secure: bool,
}

impl PartialEq for Parameters {
    fn eq(&self, other: &Self) -> bool {
        self.literal == other.literal
            && self.q == other.q
            && self.p == other.p
            && self.secure == other.secure
    }
}

const PRIME_BITS: core::ops::RangeInclusive<u32> = 20..=61;

impl Parameters {
    /// Checks the literal, picks the primes and enforces the HE standard's bound on
    /// `log2(Q·P)` for the requested security level.
    pub fn new(literal: ParametersLiteral) -> Result<Arc<Self>, Error> {
        Self::build(literal, true)
    }

    /// Same checks except security: **insecure**, for tests and toy examples only.
    pub fn insecure_for_tests(literal: ParametersLiteral) -> Result<Arc<Self>, Error> {
        Self::build(literal, false)
    }

    /// Runs every check of [`Self::new`] (primes chosen, security enforced) without building
    /// the ring; returns the exact `log2(Q·P)`.
    pub fn check(literal: &ParametersLiteral) -> Result<u32, Error> {
        Ok(Self::validate(literal, true)?.2)
    }

    fn build(literal: ParametersLiteral, enforce: bool) -> Result<Arc<Self>, Error> {
        let (q, p, log_qp) = Self::validate(&literal, enforce)?;
        let digit_size = q.len().div_ceil(literal.dnum);
        let ctx = RingContext::new(literal.log_n, &q, &p)?;
        Ok(Arc::new(Self {
            literal,
            q,
            p,
            ctx,
            digit_size,
            log_qp,
            secure: enforce,
        }))
    }

    fn validate(l: &ParametersLiteral, enforce: bool) -> Result<(Vec<u64>, Vec<u64>, u32), Error> {
        let n_range = if enforce {
            10..=17
        } else {
            blindfold_rns::MIN_LOG_N..=blindfold_rns::MAX_LOG_N
        };
        if !n_range.contains(&l.log_n) {
            return Err(ParamsError::InvalidDegree { log_n: l.log_n }.into());
        }
        if l.log_q.is_empty() {
            return Err(ParamsError::EmptyChain.into());
        }
        if let Some(&bits) = l
            .log_q
            .iter()
            .chain(&l.log_p)
            .find(|b| !PRIME_BITS.contains(b))
        {
            return Err(ParamsError::PrimeSize { bits }.into());
        }
        if l.dnum == 0 || l.dnum > l.log_q.len() {
            return Err(ParamsError::InvalidDnum {
                dnum: l.dnum,
                q_primes: l.log_q.len(),
            }
            .into());
        }
        if (l.sigma - blindfold_rns::sample::SIGMA).abs() > 1e-9 {
            return Err(ParamsError::UnsupportedSigma { sigma: l.sigma }.into());
        }
        if let SecretDistribution::SparseTernary { hamming_weight } = l.secret
            && (hamming_weight == 0 || hamming_weight > 1 << l.log_n)
        {
            return Err(ParamsError::InvalidHammingWeight { hamming_weight }.into());
        }
        let (q, p) = choose_primes(l)?;
        let digit_size = q.len().div_ceil(l.dnum);
        if !p.is_empty() {
            let largest_digit = q.chunks(digit_size).map(product_bits).max().unwrap_or(0);
            let log_p = product_bits(&p);
            if log_p < largest_digit {
                return Err(ParamsError::SpecialModulusTooSmall {
                    log_p,
                    log_digit: largest_digit,
                }
                .into());
            }
        }
        let all: Vec<u64> = q.iter().chain(&p).copied().collect();
        let log_qp = product_bits(&all);
        if enforce {
            let Some(max) = max_log_qp(l.log_n, l.secret, l.security) else {
                return Err(ParamsError::NoSecurityEstimate {
                    log_n: l.log_n,
                    secret: l.secret,
                }
                .into());
            };
            if log_qp > max {
                return Err(ParamsError::Insecure {
                    log_n: l.log_n,
                    log_qp,
                    max,
                    level: l.security,
                }
                .into());
            }
        }
        Ok((q, p, log_qp))
    }

    /// The literal these parameters were built from.
    pub fn literal(&self) -> &ParametersLiteral {
        &self.literal
    }

    /// Ring degree `N`.
    pub fn n(&self) -> usize {
        1 << self.literal.log_n
    }

    /// `log2 N`.
    pub fn log_n(&self) -> u32 {
        self.literal.log_n
    }

    /// The ciphertext primes.
    pub fn q(&self) -> &[u64] {
        &self.q
    }

    /// The special primes.
    pub fn p(&self) -> &[u64] {
        &self.p
    }

    /// Highest level `L`.
    pub fn max_level(&self) -> usize {
        self.q.len() - 1
    }

    /// Primes per gadget digit.
    pub fn digit_size(&self) -> usize {
        self.digit_size
    }

    /// Number of gadget digits at the top level.
    pub fn dnum(&self) -> usize {
        self.q.len().div_ceil(self.digit_size)
    }

    /// Exact bit length of `Q·P`.
    pub fn log_qp(&self) -> u32 {
        self.log_qp
    }

    /// Whether the HE-standard check was enforced.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The ring context.
    pub fn ring(&self) -> &Arc<RingContext> {
        &self.ctx
    }
}

/// Primes ≡ 1 mod 2N, all distinct. The scale primes `q_L … q_1` are picked top down so
/// that the CKKS scale ladder `Δ_L = 2^{b_L}`, `Δ_{l-1} = Δ_l² / q_l` never drifts: each
/// `q_l` is the unused prime closest to `Δ_l² / 2^{2 s_l - b_l}` (`s_l = log2 Δ_l` rounded),
/// so every `Δ_l` stays within one prime gap of its nominal power of two. Nearest-to-`2^b`
/// primes alternating above and below would let the ladder's error double at every level.
/// Then `q_0`, then `P`: the first unused prime from `2^bits` (alternately above, below).
fn choose_primes(l: &ParametersLiteral) -> Result<(Vec<u64>, Vec<u64>), Error> {
    let two_n = 2u64 << l.log_n;
    let mut used: Vec<u64> = Vec::new();
    let mut pick = |target: f64, bits: u32, nearest: bool| -> Result<u64, Error> {
        let t = target.round().clamp(2.0, u64::MAX as f64) as u64;
        // The iterator alternates above/below, so the nearest unused prime on each side is
        // among the first few unused candidates.
        let p = PrimesNear::new(t, two_n)
            .map_err(|e| Error::from(blindfold_rns::Error::from(e)))?
            .filter(|p| !used.contains(p))
            .take(if nearest { 4 } else { 1 })
            .min_by_key(|&p| p.abs_diff(t))
            .ok_or(ParamsError::NotEnoughPrimes { bits })?;
        used.push(p);
        Ok(p)
    };
    let mut q = vec![0u64; l.log_q.len()];
    if let Some(&top) = l.log_q.last() {
        let mut scale = 2f64.powi(top as i32);
        for i in (1..l.log_q.len()).rev() {
            let b = l.log_q[i];
            let s = scale.log2().round();
            let target = scale * scale / 2f64.powf(2.0 * s - b as f64);
            q[i] = pick(target, b, true)?;
            scale = scale * scale / q[i] as f64;
        }
        q[0] = pick(2f64.powi(l.log_q[0] as i32), l.log_q[0], false)?;
    }
    let p = l
        .log_p
        .iter()
        .map(|&b| pick(2f64.powi(b as i32), b, false))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((q, p))
}

/// Named 128-bit presets, one per ring degree (`N = 2^13 … 2^17`), ternary secret.
/// Names give `log2 N` and the exact `log2(Q·P)` budget they respect.
pub mod presets {
    use super::*;

    fn lit(log_n: u32, log_q: Vec<u32>, log_p: Vec<u32>, dnum: usize) -> ParametersLiteral {
        ParametersLiteral {
            log_n,
            log_q,
            log_p,
            dnum,
            secret: SecretDistribution::Ternary,
            sigma: blindfold_rns::sample::SIGMA,
            security: SecurityLevel::Classical128,
        }
    }

    /// **Insecure** toy parameters for fuzzing and wire-format tests: N = 2^4, Q = 30 + 2×25
    /// bits, P = 2×31 bits, dnum 2. Only [`Parameters::insecure_for_tests`] accepts them.
    pub fn insecure_tiny() -> ParametersLiteral {
        lit(4, vec![30, 25, 25], vec![31, 31], 2)
    }

    /// N = 2^13: Q = 54 + 2×40 bits, P = 56 bits, dnum 3 (≈ 190 of 218 bits).
    pub fn n13() -> ParametersLiteral {
        lit(13, vec![54, 40, 40], vec![56], 3)
    }

    /// N = 2^14: Q = 60 + 6×40, P = 2×51, dnum 4 (≈ 402 of 438 bits).
    pub fn n14() -> ParametersLiteral {
        lit(14, [vec![60], vec![40; 6]].concat(), vec![51, 51], 4)
    }

    /// N = 2^15: Q = 60 + 14×40, P = 4×56, dnum 3 (≈ 844 of 881 bits).
    pub fn n15() -> ParametersLiteral {
        lit(15, [vec![60], vec![40; 14]].concat(), vec![56; 4], 3)
    }

    /// N = 2^16: Q = 60 + 30×40 (L = 30), P = 8×58, dnum 3 (≈ 1724 of 1747 bits).
    pub fn n16() -> ParametersLiteral {
        lit(16, [vec![60], vec![40; 30]].concat(), vec![58; 8], 3)
    }

    /// N = 2^17: Q = 60 + 60×40, P = 12×56, dnum 4 (≈ 3132 of 3523 bits).
    pub fn n17() -> ParametersLiteral {
        lit(17, [vec![60], vec![40; 60]].concat(), vec![56; 12], 4)
    }
}
