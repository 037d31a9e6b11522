//! CKKS parameters: RLWE parameters plus the scale ladder.

use std::sync::Arc;

use blindfold_rlwe::{Parameters, ParametersLiteral};

use crate::Error;

/// RLWE parameters and the default scale of every level.
///
/// The ladder is `Δ_L = 2^{b_L}` and `Δ_{l-1} = Δ_l² / q_l` computed with the true primes
/// (OpenFHE's FLEXIBLEAUTO): a product of two ciphertexts on the ladder, rescaled, lands
/// exactly on the ladder again, so additions after products never see mismatched scales.
/// The primes are chosen by `blindfold-rlwe` so the ladder stays within one prime gap of
/// its nominal power of two at every level.
#[derive(Debug, PartialEq)]
pub struct CkksParameters {
    rlwe: Arc<Parameters>,
    scales: Vec<f64>,
}

impl CkksParameters {
    /// Checked (128-bit or as requested) parameters.
    pub fn new(literal: ParametersLiteral) -> Result<Arc<Self>, Error> {
        Ok(Self::from_rlwe(Parameters::new(literal)?))
    }

    /// **Insecure** parameters for tests (security bound not enforced).
    pub fn insecure_for_tests(literal: ParametersLiteral) -> Result<Arc<Self>, Error> {
        Ok(Self::from_rlwe(Parameters::insecure_for_tests(literal)?))
    }

    /// Wraps already-checked RLWE parameters.
    pub fn from_rlwe(rlwe: Arc<Parameters>) -> Arc<Self> {
        let q = rlwe.q();
        let top = q.len() - 1;
        let mut scales = vec![0.0; q.len()];
        scales[top] = 2f64.powi(rlwe.literal().log_q[top] as i32);
        for l in (1..=top).rev() {
            scales[l - 1] = scales[l] * scales[l] / q[l] as f64;
        }
        Arc::new(Self { rlwe, scales })
    }

    /// The RLWE parameters.
    pub fn rlwe(&self) -> &Arc<Parameters> {
        &self.rlwe
    }

    /// Ring degree `N`.
    pub fn n(&self) -> usize {
        self.rlwe.n()
    }

    /// `log2 N`.
    pub fn log_n(&self) -> u32 {
        self.rlwe.log_n()
    }

    /// Maximum number of complex slots, `N/2`.
    pub fn max_slots(&self) -> usize {
        self.n() / 2
    }

    /// Highest level `L`.
    pub fn max_level(&self) -> usize {
        self.rlwe.max_level()
    }

    /// The ladder scale `Δ_l` of `level`.
    pub fn scale(&self, level: usize) -> f64 {
        self.scales[level.min(self.scales.len() - 1)]
    }

    /// The prime `q_l` removed by rescaling at `level`.
    pub fn q(&self, level: usize) -> u64 {
        self.rlwe.q()[level]
    }
}

/// Named parameter sets. The `n16`/`n15`/`n14`/`n13` sets are 128-bit secure (checked by
/// [`CkksParameters::new`] against the HE standard, ternary secret).
pub mod presets {
    use blindfold_rlwe::ParametersLiteral;
    use blindfold_rlwe::security::{SecretDistribution, SecurityLevel};

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

    /// Training: N = 2^16, Δ = 2^40, L = 30 (Q = 60 + 30×40), P = 8×58, dnum 3:
    /// log2 QP ≈ 1724 of the 1747 bits the standard allows.
    pub fn n16() -> ParametersLiteral {
        blindfold_rlwe::presets::n16()
    }

    /// N = 2^16 shaped like OpenFHE's benchmark (depth 20, 50-bit scale, 60-bit first
    /// prime, hybrid dnum 3 → 21 Q + 7 P primes), for like-for-like timings.
    pub fn n16_depth20() -> ParametersLiteral {
        lit(16, [vec![60], vec![50; 20]].concat(), vec![52; 7], 3)
    }

    /// N = 2^16 with L = 24 levels of 40 bits (the benchmark shape), dnum 3.
    pub fn n16_depth24() -> ParametersLiteral {
        lit(16, [vec![60], vec![40; 24]].concat(), vec![55; 7], 3)
    }

    /// Training with releasable precision: N = 2^16, Δ = 2^55, L = 20 (Q = 60 + 20×55),
    /// P = 7×56, dnum 3 (≈ 1552 of 1747 bits). 15 more bits than Δ = 2^40 leave room for
    /// the noise flooding of a released result (≈ 19 bits at 30-bit statistical security).
    pub fn n16_scale55() -> ParametersLiteral {
        lit(16, [vec![60], vec![55; 20]].concat(), vec![56; 7], 3)
    }

    /// N = 2^15: Q = 60 + 14×40, P = 4×56, dnum 3.
    pub fn n15() -> ParametersLiteral {
        blindfold_rlwe::presets::n15()
    }

    /// N = 2^14: Q = 60 + 6×40, P = 2×51, dnum 4 (OpenFHE's depth-6 comparison shape).
    pub fn n14() -> ParametersLiteral {
        blindfold_rlwe::presets::n14()
    }

    /// N = 2^13: Q = 54 + 2×40, P = 56, dnum 3.
    pub fn n13() -> ParametersLiteral {
        blindfold_rlwe::presets::n13()
    }

    /// Bootstrapping at N = 2^16, 128-bit secure (dense ternary secret; log2 QP ≈ 1717 of
    /// 1747): 30 primes `q_0 … q_29` and 7 special primes of 46 bits, 5 digits.
    ///
    /// - `q_0` = 47 bits: `q_0/Δ' = 2^7` over the `2^40` coefficients ModRaise reads.
    /// - `q_1 … q_12` = 40 bits (ladder `Δ = 2^40`): SlotToCoeff spends `q_3 … q_1`, so a
    ///   refreshed ciphertext (level 12) leaves 9 levels of computation before the next
    ///   refresh (which takes it at level 3).
    /// - `q_13 … q_26`: EvalMod's 14 levels (`K = 547`, 7 squarings, degree ≤ 63), its scale
    ///   ladder 2^56 where the interpolant's input and `T_2` sit (their noise is amplified
    ///   most), 2^53 for the other powers, then one bit less per squaring down to 2^44 and
    ///   2^40 at the output. Prime sizes follow from the ladder (`b_l = 2·d_l − d_{l−1}`).
    /// - `q_27 … q_29`: CoeffToSlot (50, 47, 50 bits, which puts the ladder at 2^56 below).
    pub fn n16_bootstrap() -> ParametersLiteral {
        let mut log_q = vec![47];
        log_q.extend([40; 12]);
        log_q.extend([48, 46, 47, 48, 49, 50, 51, 52, 55, 53, 53, 55, 58, 56]);
        log_q.extend([50, 47, 50]);
        lit(16, log_q, vec![46; 7], 5)
    }

    /// **Insecure** N = 2^11, Q = 60 + 8×40, P = 3×50, dnum 3: fast tests only.
    pub fn insecure_test() -> ParametersLiteral {
        lit(11, [vec![60], vec![40; 8]].concat(), vec![50; 3], 3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder_stays_near_its_power_of_two() {
        for lit in [
            presets::n16(),
            presets::n16_depth24(),
            presets::n16_scale55(),
            presets::n14(),
        ] {
            let p = CkksParameters::new(lit).unwrap();
            let b = p.rlwe().literal().log_q[1] as f64;
            for l in 0..=p.max_level() {
                let drift = (p.scale(l).log2() - b).abs();
                assert!(drift < 1e-4, "level {l}: log2 Δ = {}", p.scale(l).log2());
            }
        }
    }
}
