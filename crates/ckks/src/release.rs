//! Decryption: plain for the key owner, noise-flooded for results that leave the owner.
//!
//! CKKS decryption returns `m + e`, and `e` together with the ciphertext reveals the secret
//! key (Li–Micciancio 2021). Before a decrypted result is published, Gaussian noise of
//! `σ = √(12τ) · 2^{s/2} · B` is added to the decrypted polynomial (Li, Micciancio, Schultz,
//! Sorrell 2022; OpenFHE's NOISE_FLOODING_DECRYPT), where `B` bounds the ciphertext error
//! (measured by a dry run), `τ` is the number of released decryptions and `s` the
//! statistical security.

use blindfold_rlwe::{Ciphertext, Decryptor, Plaintext, SecretKey};
use blindfold_rns::{Coeff, Poly};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use crate::{C64, Encoder, Error};

/// Decrypts for the key owner's own use (no flooding: do not publish the result).
pub fn decrypt(sk: &SecretKey, ct: &Ciphertext) -> Result<Plaintext, Error> {
    let m = Decryptor::new(sk).decrypt(ct)?;
    Ok(Plaintext {
        poly: (*m).clone(),
        meta: ct.meta,
    })
}

/// How much flooding noise a released decryption gets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FloodingPolicy {
    /// Statistical security `s` in bits (OpenFHE's default: 30).
    pub statistical_security: u32,
    /// Number of decryptions an adversary may see (`τ`, ≥ 1).
    pub queries: u64,
    /// `log2` of the bound `B` on the ciphertext error in the coefficient domain, from a
    /// dry run (see [`noise_log2_from_slots`]).
    pub noise_log2: f64,
    /// Refuse to release if fewer bits of precision (relative to 1) would remain.
    pub min_precision_bits: f64,
}

impl Default for FloodingPolicy {
    fn default() -> Self {
        Self {
            statistical_security: 30,
            queries: 1,
            noise_log2: 20.0,
            min_precision_bits: 3.0,
        }
    }
}

impl FloodingPolicy {
    /// `log2 σ` of the flooding noise.
    pub fn sigma_log2(&self) -> f64 {
        0.5 * (12.0 * self.queries as f64).log2()
            + self.statistical_security as f64 / 2.0
            + self.noise_log2
    }

    /// Bits of precision (relative to 1) left in every slot after flooding a ciphertext of
    /// scale `scale` in a ring of degree `n`: six standard deviations of the slot error,
    /// `σ·√(N/2)/Δ`.
    pub fn precision_after(&self, n: usize, scale: f64) -> f64 {
        -(self.sigma_log2() + 0.5 * (n as f64 / 2.0).log2() + 6f64.log2() - scale.log2())
    }
}

/// A bound on the coefficient-domain error from the slot errors of a dry run under throwaway
/// keys: `B ≤ Δ · max |slot error|` (the coefficients are an average of the slots).
pub fn noise_log2_from_slots(expected: &[C64], got: &[C64], scale: f64) -> f64 {
    let max = expected
        .iter()
        .zip(got)
        .map(|(a, b)| (*a - *b).abs())
        .fold(0.0f64, f64::max);
    (max * scale).max(1.0).log2()
}

/// Decrypts and decodes with noise flooding, for results that leave the key owner.
pub fn decrypt_for_release<G: RngCore + CryptoRng>(
    sk: &SecretKey,
    encoder: &Encoder,
    ct: &Ciphertext,
    slots: usize,
    policy: &FloodingPolicy,
    rng: &mut G,
) -> Result<Vec<C64>, Error> {
    if policy.queries == 0 || !policy.noise_log2.is_finite() || policy.noise_log2 < 0.0 {
        return Err(Error::InvalidPolicy(
            "queries must be at least 1 and noise_log2 a non-negative number",
        ));
    }
    let n = encoder.params().n();
    let bits = policy.precision_after(n, ct.meta.scale);
    if bits < policy.min_precision_bits {
        return Err(Error::ReleasePrecision {
            bits,
            required: policy.min_precision_bits,
        });
    }
    let sigma = 2f64.powf(policy.sigma_log2());
    // Samples beyond 2^62 cannot be represented; such a σ leaves no precision anyway.
    if sigma * 40.0 >= 2f64.powi(62) {
        return Err(Error::ReleasePrecision {
            bits,
            required: policy.min_precision_bits,
        });
    }
    let mut m = Decryptor::new(sk).decrypt(ct)?;
    let noise = Zeroizing::new(wide_gaussian(n, sigma, rng));
    let ring = encoder.params().rlwe().ring();
    let e = Zeroizing::new(Poly::<Coeff>::from_signed(ring, &noise, m.q_limbs(), 0)?.into_ntt());
    m.add_assign(&e)?;
    encoder.decode_poly(&m, ct.meta.scale, slots)
}

/// `n` samples of a rounded Gaussian of standard deviation `sigma` (Box–Muller), with no
/// branch or table look-up on the values: logarithm and cosine are fixed polynomial
/// evaluations after bit-level range reduction.
fn wide_gaussian<G: RngCore + CryptoRng>(n: usize, sigma: f64, rng: &mut G) -> Vec<i64> {
    let mut out = Vec::with_capacity(n + 1);
    while out.len() < n {
        // u1 in (0, 1], u2 in [0, 1), each from 53 random bits.
        let u1 = ((rng.next_u64() >> 11) + 1) as f64 * 2f64.powi(-53);
        let u2 = (rng.next_u64() >> 11) as f64 * 2f64.powi(-53);
        let r = (-2.0 * ct_ln(u1)).sqrt() * sigma;
        let (c, s) = ct_cos_sin(2.0 * core::f64::consts::PI * u2);
        out.push((r * c).round() as i64);
        out.push((r * s).round() as i64);
    }
    out.truncate(n);
    out
}

/// `ln x` for `x` in `[2^-53, 1]`: exponent from the bits, `ln m = 2·atanh((m-1)/(m+1))` on
/// the mantissa `m ∈ [1, 2)` by a fixed series (|z| ≤ 1/3, 20 terms: error < 1e-19).
fn ct_ln(x: f64) -> f64 {
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    let z = (m - 1.0) / (m + 1.0);
    let z2 = z * z;
    let mut acc = 0.0;
    for k in (0..20).rev() {
        acc = acc * z2 + 1.0 / (2 * k + 1) as f64;
    }
    2.0 * z * acc + e as f64 * core::f64::consts::LN_2
}

/// `(cos θ, sin θ)` for `θ ∈ [0, 2π)`: Taylor series at `θ/8 - π/4 ∈ [-π/4, π/4)`, then
/// three double-angle steps — a fixed sequence of operations.
fn ct_cos_sin(theta: f64) -> (f64, f64) {
    let q = core::f64::consts::FRAC_PI_4;
    let x = theta / 8.0 - q;
    let x2 = x * x;
    let (mut c, mut s) = (0.0, 0.0);
    // cos x = Σ (-1)^k x^{2k}/(2k)!, sin x = Σ (-1)^k x^{2k+1}/(2k+1)!, 12 terms each.
    for k in (0..12).rev() {
        let fc: f64 = (1..=2 * k).map(|i| i as f64).product();
        let fs = fc * (2 * k + 1) as f64;
        let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
        c = c * x2 + sign / fc;
        s = s * x2 + sign / fs;
    }
    s *= x;
    // Rotate back by π/4: (cos(x+π/4), sin(x+π/4)).
    let h = core::f64::consts::FRAC_1_SQRT_2;
    let (mut c, mut s) = (h * (c - s), h * (s + c));
    for _ in 0..3 {
        (c, s) = (c * c - s * s, 2.0 * s * c);
    }
    (c, s)
}

/// Precision of `got` against `expected`, in bits (`-log2` of the error).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrecisionStats {
    /// `-log2(max error)`.
    pub min_bits: f64,
    /// `-log2(mean error)`.
    pub mean_bits: f64,
    /// Largest absolute error.
    pub max_error: f64,
    /// Mean absolute error.
    pub mean_error: f64,
}

/// Precision statistics of decoded values against a reference (complex distance per slot).
pub fn precision_stats(expected: &[C64], got: &[C64]) -> PrecisionStats {
    let errs: Vec<f64> = expected
        .iter()
        .zip(got)
        .map(|(a, b)| (*a - *b).abs())
        .collect();
    let max_error = errs.iter().copied().fold(0.0f64, f64::max);
    let mean_error = errs.iter().sum::<f64>() / errs.len().max(1) as f64;
    PrecisionStats {
        min_bits: -max_error.log2(),
        mean_bits: -mean_error.log2(),
        max_error,
        mean_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_path_ln_and_trig_match_std() {
        for i in 1..2000 {
            let x = i as f64 / 2000.0;
            assert!((ct_ln(x) - x.ln()).abs() < 1e-14, "ln {x}");
            let t = 2.0 * core::f64::consts::PI * x;
            let (c, s) = ct_cos_sin(t);
            assert!(
                (c - t.cos()).abs() < 1e-13 && (s - t.sin()).abs() < 1e-13,
                "θ {t}"
            );
        }
        assert!((ct_ln(2f64.powi(-53)) + 53.0 * core::f64::consts::LN_2).abs() < 1e-12);
    }

    #[test]
    fn wide_gaussian_has_its_sigma() {
        let mut rng = blindfold_rns::sample::seeded_rng([7; 32]);
        let sigma = 2f64.powi(30);
        let v = wide_gaussian(1 << 16, sigma, &mut rng);
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / v.len() as f64;
        assert!(mean.abs() < 0.02 * sigma, "mean {mean}");
        assert!((var.sqrt() / sigma - 1.0).abs() < 0.02, "sd {}", var.sqrt());
    }
}
