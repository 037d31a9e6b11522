//! Encryption, and decryption with the noise measured on the way.
//!
//! Representation: a BGV ciphertext `(c_0, c_1, …)` at level `l` with correction `c` is
//! stored scaled by `t^{-1}`: `t·Σ c_i s^i = c·m + t·e (mod Q_l)`. In that form the RLWE
//! layer's key switching (error `ε`) and rounding rescale are already BGV operations: `ε`
//! becomes `t·ε` and the rounding of `x/q_l` becomes the `δ ≡ 0 mod t` correction of a
//! modulus switch, so keys, relinearization and rotations are shared with CKKS unchanged.

use std::sync::Arc;

use blindfold_rlwe::{Ciphertext, Plaintext, PublicKey, SecretKey};
use blindfold_rns::{Coeff, Poly};
use rand_core::{CryptoRng, RngCore};
use rayon::prelude::*;
use zeroize::Zeroizing;

use crate::{BgvParameters, Encoder, Error};

/// Checks a ciphertext's parameters, shape and correction factor.
pub(crate) fn check_ciphertext(params: &BgvParameters, ct: &Ciphertext) -> Result<(), Error> {
    let Some(first) = ct.parts.first() else {
        return Err(Error::InvalidDegree {
            degree: 0,
            expected: "at least 1",
        });
    };
    if ct.parts.len() < 2 {
        return Err(Error::InvalidDegree {
            degree: 0,
            expected: "at least 1",
        });
    }
    let ring = params.rlwe().ring();
    for p in &ct.parts {
        if **p.ctx() != **ring || p.p_limbs() != 0 || p.q_limbs() != first.q_limbs() {
            return Err(Error::ParametersMismatch);
        }
    }
    params.check_correction(ct.meta.correction)
}

/// `poly *= t^{-1}` limb by limb (into the ciphertext representation).
pub(crate) fn scale_by_t_inv<R: blindfold_rns::Representation>(
    params: &BgvParameters,
    poly: &mut Poly<R>,
) -> Result<(), Error> {
    let per_limb: Vec<u64> = (0..poly.q_limbs())
        .map(|i| params.t_inv_mod_q(i).0)
        .collect();
    Ok(poly.scalar_mul_limbs_assign(&per_limb)?)
}

/// `poly *= t` limb by limb (out of the ciphertext representation).
pub(crate) fn scale_by_t<R: blindfold_rns::Representation>(
    params: &BgvParameters,
    poly: &mut Poly<R>,
) -> Result<(), Error> {
    let per_limb: Vec<u64> = (0..poly.q_limbs()).map(|i| params.t_mod_q(i).0).collect();
    Ok(poly.scalar_mul_limbs_assign(&per_limb)?)
}

fn same_rlwe(params: &BgvParameters, sk_params: &blindfold_rlwe::Parameters) -> bool {
    *sk_params == **params.rlwe()
}

/// Encrypts plaintexts (noise `t·e`) under a secret or a public key.
///
/// Ciphertexts come out in the `t^{-1}` representation: `(c_0, c_1)` with
/// `t·(c_0 + c_1 s) = c·m + t·e (mod Q_l)`, i.e. an RLWE encryption (noise factor 1) of
/// `t^{-1}·c·m`. Key switching then adds `t·ε` to the BGV noise and the RLWE rounding
/// rescale is exactly the BGV modulus switch, so no BGV-specific key exists. (Passing `t`
/// as the RLWE noise factor would not do for public keys: their own error `e` reaches the
/// ciphertext as `e·u`, not a multiple of `t`.)
#[derive(Debug)]
pub struct Encryptor<'a> {
    params: Arc<BgvParameters>,
    encoder: Encoder,
    inner: blindfold_rlwe::Encryptor<'a>,
}

impl<'a> Encryptor<'a> {
    /// Secret-key encryption: the smallest noise, and `c_1` expands from a public seed.
    pub fn with_secret_key(params: &Arc<BgvParameters>, sk: &'a SecretKey) -> Result<Self, Error> {
        if !same_rlwe(params, sk.params()) {
            return Err(Error::ParametersMismatch);
        }
        Ok(Self {
            params: Arc::clone(params),
            encoder: Encoder::new(params),
            // In the t^{-1} representation the RLWE error is the BGV error divided by t.
            inner: blindfold_rlwe::Encryptor::with_secret_key(sk, 1),
        })
    }

    /// Public-key encryption.
    pub fn with_public_key(params: &Arc<BgvParameters>, pk: &'a PublicKey) -> Self {
        Self {
            params: Arc::clone(params),
            encoder: Encoder::new(params),
            inner: blindfold_rlwe::Encryptor::with_public_key(params.rlwe(), pk, 1),
        }
    }

    /// Encrypts `pt` at its level, keeping its correction factor.
    pub fn encrypt<G: RngCore + CryptoRng>(
        &self,
        pt: &Plaintext,
        rng: &mut G,
    ) -> Result<Ciphertext, Error> {
        self.encoder.check_plaintext(pt)?;
        let mut poly = pt.poly.clone();
        scale_by_t_inv(&self.params, &mut poly)?;
        let scaled = Plaintext {
            poly,
            meta: pt.meta,
        };
        Ok(self.inner.encrypt(&scaled, rng)?)
    }

    /// An encryption of zero at `level`.
    pub fn encrypt_zero<G: RngCore + CryptoRng>(
        &self,
        level: usize,
        rng: &mut G,
    ) -> Result<Ciphertext, Error> {
        Ok(self.inner.encrypt_zero(level, rng)?)
    }
}

/// The size of a ciphertext's noise, measured with the secret key.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Noise {
    /// `log2` of the largest centered coefficient of `c·m + t·e` modulo `Q_l` (message
    /// included: it is what must stay below `Q_l / 2`); `-inf` for zero.
    pub log2_noise: f64,
    /// `log2 Q_l`.
    pub log2_modulus: f64,
}

impl Noise {
    /// Bits left before decryption fails: `⌊log2(Q_l/2) − log2‖c·m + t·e‖⌋`, at least 0.
    pub fn budget(&self) -> u32 {
        let bits = self.log2_modulus - 1.0 - self.log2_noise;
        if bits.is_finite() {
            bits.max(0.0).floor() as u32
        } else {
            // No noise at all: everything but the sign bit is budget.
            (self.log2_modulus - 1.0).max(0.0).floor() as u32
        }
    }
}

/// Decrypts with the secret key. Every decryption measures the noise and refuses (with
/// [`Error::DecryptionFailure`]) a ciphertext whose noise budget is 0 instead of returning
/// a wrong message: once the noise wraps around `Q_l`, the centered coefficients look uniform
/// and the largest of `N` exceeds `Q_l/4` except with probability about `2^{-N}`.
#[derive(Debug)]
pub struct Decryptor<'a> {
    params: Arc<BgvParameters>,
    encoder: Encoder,
    inner: blindfold_rlwe::Decryptor<'a>,
}

impl<'a> Decryptor<'a> {
    /// A decryptor for `sk`.
    pub fn new(params: &Arc<BgvParameters>, sk: &'a SecretKey) -> Result<Self, Error> {
        if !same_rlwe(params, sk.params()) {
            return Err(Error::ParametersMismatch);
        }
        Ok(Self {
            params: Arc::clone(params),
            encoder: Encoder::new(params),
            inner: blindfold_rlwe::Decryptor::new(sk),
        })
    }

    /// The noise of `ct` (no failure check).
    pub fn noise(&self, ct: &Ciphertext) -> Result<Noise, Error> {
        self.open(ct)
    }

    /// The noise budget of `ct` in bits (0: decryption is no longer guaranteed).
    pub fn noise_budget(&self, ct: &Ciphertext) -> Result<u32, Error> {
        Ok(self.noise(ct)?.budget())
    }

    /// The message polynomial's coefficients in `[0, t)`.
    pub fn decrypt_coeffs(&self, ct: &Ciphertext) -> Result<Zeroizing<Vec<u64>>, Error> {
        self.checked(ct)
    }

    /// The message as a plaintext at level 0 with correction 1.
    pub fn decrypt(&self, ct: &Ciphertext) -> Result<Plaintext, Error> {
        let coeffs = self.checked(ct)?;
        self.encoder.lift(&coeffs, 0, 1)
    }

    /// Slot values in `[0, t)` (row-major, `N` of them).
    pub fn decrypt_unsigned(&self, ct: &Ciphertext) -> Result<Vec<u64>, Error> {
        let coeffs = self.checked(ct)?;
        self.encoder.coeffs_to_slots(&coeffs)
    }

    /// Slot values in `(-t/2, t/2]`.
    pub fn decrypt_signed(&self, ct: &Ciphertext) -> Result<Vec<i64>, Error> {
        let t = self.params.t_modulus();
        Ok(self
            .decrypt_unsigned(ct)?
            .into_iter()
            .map(|v| t.center(v))
            .collect())
    }

    /// The `N/2` slot values of row 0 in `(-t/2, t/2]`: the vector a
    /// [`SlotAlgebra`](blindfold_rlwe::SlotAlgebra) computation on [`crate::Evaluator`] holds.
    pub fn decrypt_replicated(&self, ct: &Ciphertext) -> Result<Vec<i64>, Error> {
        let mut v = self.decrypt_signed(ct)?;
        v.truncate(self.params.n() / 2);
        Ok(v)
    }

    /// The message coefficients by CRT reconstruction modulo `t` (`O(l)` per coefficient),
    /// refusing the ciphertext when some `|x| > Q_l/4` (budget 0): `x/Q_l` is the centered
    /// fractional part of `Σ y_i/q_i`, exact to about `2^-48` in `f64`. Branch-free in the
    /// decrypted values.
    fn checked(&self, ct: &Ciphertext) -> Result<Zeroizing<Vec<u64>>, Error> {
        let x = self.decrypted(ct)?;
        let params = &*self.params;
        let limbs = ct.level() + 1;
        let crt = params.crt(ct.level());
        let moduli = &params.rlwe().ring().moduli()[..limbs];
        let t = params.t_modulus();
        let undo = t.inv(ct.meta.correction).unwrap_or(0);
        let mut coeffs = Zeroizing::new(vec![0u64; params.n()]);
        const CHUNK: usize = 1024;
        let worst = coeffs
            .par_chunks_mut(CHUNK)
            .enumerate()
            .map(|(c, out)| {
                let mut worst = 0f64;
                for (k, o) in out.iter_mut().enumerate() {
                    let idx = c * CHUNK + k;
                    let (mut sum, mut rem) = (0f64, 0u64);
                    for (i, m) in moduli.iter().enumerate() {
                        let (w, ws) = crt.hat_inv[i];
                        let y = m.mul_shoup(x.limb(i)[idx], w, ws);
                        sum += y as f64 * crt.inv_q[i];
                        rem = t.mul_add(rem, t.reduce(y), crt.hat_mod_t[i]);
                    }
                    let v = sum.round();
                    worst = worst.max((sum - v).abs());
                    // x = Σ y_i Q̂_i − v·Q_l, with 0 <= v <= l + 1.
                    let vq = t.mul(t.reduce(v as u64), crt.q_mod_t);
                    *o = t.mul(t.sub(rem, vq), undo);
                }
                worst
            })
            .reduce(|| 0f64, f64::max);
        if worst >= 0.25 {
            let log2_modulus: f64 = moduli.iter().map(|m| (m.value() as f64).log2()).sum();
            return Err(Error::DecryptionFailure {
                log2_noise: log2_modulus + worst.log2(),
                log2_modulus,
            });
        }
        Ok(coeffs)
    }

    /// `t·Σ c_i s^i mod Q_l` in coefficient form, wiped when dropped.
    fn decrypted(&self, ct: &Ciphertext) -> Result<Zeroizing<Poly<Coeff>>, Error> {
        check_ciphertext(&self.params, ct)?;
        let mut x = self.inner.decrypt(ct)?;
        scale_by_t(&self.params, &mut *x)?;
        Ok(Zeroizing::new((*x).clone().into_coeff()))
    }

    /// The noise of `ct` from `x = t·Σ c_i s^i mod Q_l` written in balanced mixed radix
    /// (Garner), coefficient by coefficient: `log2 |x|` from the top three digits, exact
    /// however small the noise is. No branch or table index depends on the decrypted values.
    fn open(&self, ct: &Ciphertext) -> Result<Noise, Error> {
        let x = self.decrypted(ct)?;
        let params = &*self.params;
        let (n, limbs) = (params.n(), ct.level() + 1);
        let moduli = &params.rlwe().ring().moduli()[..limbs];
        let q: Vec<f64> = moduli.iter().map(|m| m.value() as f64).collect();
        let mut log2_radix = vec![0f64; limbs];
        for j in 1..limbs {
            log2_radix[j] = log2_radix[j - 1] + q[j - 1].log2();
        }
        let log2_modulus = log2_radix[limbs - 1] + q[limbs - 1].log2();
        const CHUNK: usize = 256;
        let log2_noise = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let mut digits = Zeroizing::new(vec![0i64; limbs]);
                let mut worst = f64::NEG_INFINITY;
                for idx in c * CHUNK..((c + 1) * CHUNK).min(n) {
                    for (i, m) in moduli.iter().enumerate() {
                        let radix = params.radix(i);
                        let mut s = 0u64;
                        for (&d, &r) in digits[..i].iter().zip(radix) {
                            s = m.mul_add(s, m.from_i64(d), r);
                        }
                        let d = m.mul(m.sub(x.limb(i)[idx], s), params.radix_inv(i));
                        digits[i] = m.center(d);
                    }
                    // |x| ≈ 2^{log2 R_k} · |a_k + a_{k-1}/q_{k-1} + a_{k-2}/(q_{k-1} q_{k-2})|
                    // for the top non-zero digit k, selected with masks.
                    let (mut mag, mut log2_r) = (0f64, f64::NEG_INFINITY);
                    for j in 0..limbs {
                        let mut v = digits[j] as f64;
                        if j >= 1 {
                            let mut low = digits[j - 1] as f64;
                            if j >= 2 {
                                low += digits[j - 2] as f64 / q[j - 2];
                            }
                            v += low / q[j - 1];
                        }
                        let mask = ((digits[j] != 0) as u64).wrapping_neg();
                        mag = f64::from_bits((v.abs().to_bits() & mask) | (mag.to_bits() & !mask));
                        log2_r = f64::from_bits(
                            (log2_radix[j].to_bits() & mask) | (log2_r.to_bits() & !mask),
                        );
                    }
                    worst = worst.max(log2_r + mag.log2());
                }
                worst
            })
            .reduce(|| f64::NEG_INFINITY, f64::max);
        Ok(Noise {
            log2_noise,
            log2_modulus,
        })
    }
}
