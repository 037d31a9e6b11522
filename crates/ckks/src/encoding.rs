//! The canonical embedding: slot vectors ↔ polynomials, by the special FFT in `O(n log n)`.
//!
//! Slot `j` holds `m(ζ^{5^j})` with `ζ = e^{iπ/N}`, so rotating the slots by `k` is the
//! automorphism `X → X^{5^k}` and conjugating them is `X → X^{-1}`. A vector of `n < N/2`
//! slots (a power of two) lives on the coefficients `X^{i·N/(2n)}` and is replicated
//! `N/(2n)` times in the full embedding; rotations by `k` then act on the `n` slots.

use std::sync::Arc;

use blindfold_modarith::Modulus;
use blindfold_rlwe::{Meta, Plaintext};
use blindfold_rns::{Coeff, Poly, RingContext};
use rayon::prelude::*;

use crate::{C64, CkksParameters, Error};

/// Encodes and decodes slot vectors for one parameter set; tables built once.
#[derive(Debug)]
pub struct Encoder {
    params: Arc<CkksParameters>,
    /// `5^j mod 2N` for `j < N/2`.
    rot_group: Vec<usize>,
    /// `e^{2πik/2N}` for `k ≤ 2N`.
    roots: Vec<C64>,
}

impl Encoder {
    /// Tables for `params`.
    pub fn new(params: &Arc<CkksParameters>) -> Self {
        let n = params.n();
        let m = 2 * n;
        let mut rot_group = Vec::with_capacity(n / 2);
        let mut g = 1usize;
        for _ in 0..n / 2 {
            rot_group.push(g);
            g = g * 5 % m;
        }
        let roots = (0..=m)
            .map(|k| C64::cis(2.0 * core::f64::consts::PI * k as f64 / m as f64))
            .collect();
        Self {
            params: Arc::clone(params),
            rot_group,
            roots,
        }
    }

    /// The parameters.
    pub fn params(&self) -> &Arc<CkksParameters> {
        &self.params
    }

    fn check_slots(&self, slots: usize) -> Result<(), Error> {
        if !slots.is_power_of_two() || slots > self.params.n() / 2 {
            return Err(Error::InvalidSlots {
                slots,
                max: self.params.n() / 2,
            });
        }
        Ok(())
    }

    /// Slot values → the real coefficient vector (length `N`, not yet scaled): inverse
    /// special FFT over `slots` values, spread with stride `N/(2·slots)`.
    fn slots_to_coeffs(&self, values: &[C64], slots: usize) -> Vec<f64> {
        let mut v = values.to_vec();
        v.resize(slots, C64::default());
        self.special_ifft(&mut v);
        let n = self.params.n();
        let gap = n / 2 / slots;
        let mut coeffs = vec![0.0; n];
        for (i, z) in v.iter().enumerate() {
            coeffs[i * gap] = z.re;
            coeffs[i * gap + n / 2] = z.im;
        }
        coeffs
    }

    /// Encodes complex `values` (zero-padded to `slots`, a power of two ≤ N/2) at `level`
    /// and `scale`.
    pub fn encode_complex(
        &self,
        values: &[C64],
        slots: usize,
        level: usize,
        scale: f64,
    ) -> Result<Plaintext, Error> {
        self.check_slots(slots)?;
        if values.len() > slots {
            return Err(Error::TooManyValues {
                values: values.len(),
                slots,
            });
        }
        self.check_level(level)?;
        if !(scale.is_finite() && scale >= 1.0) {
            return Err(Error::InvalidScale { scale });
        }
        if values
            .iter()
            .any(|z| !(z.re.is_finite() && z.im.is_finite()))
        {
            return Err(Error::NonFiniteValue);
        }
        let coeffs = self.slots_to_coeffs(values, slots);
        let scaled: Vec<f64> = coeffs.iter().map(|&c| c * scale).collect();
        let poly = self.coeffs_to_poly(&scaled, level)?;
        Ok(Plaintext {
            poly: poly.into_ntt(),
            meta: Meta {
                scale,
                correction: 1,
            },
        })
    }

    /// Encodes real `values` (see [`Self::encode_complex`]).
    pub fn encode(
        &self,
        values: &[f64],
        slots: usize,
        level: usize,
        scale: f64,
    ) -> Result<Plaintext, Error> {
        let c: Vec<C64> = values.iter().map(|&x| C64::real(x)).collect();
        self.encode_complex(&c, slots, level, scale)
    }

    /// [`Self::encode_complex`] over `Q_level ∪ P` (the plaintexts of double-hoisted linear
    /// transforms, multiplied with key-switching sums before their division by `P`).
    pub(crate) fn encode_complex_qp(
        &self,
        values: &[C64],
        slots: usize,
        level: usize,
        scale: f64,
    ) -> Result<Poly<blindfold_rns::Ntt>, Error> {
        self.check_slots(slots)?;
        self.check_level(level)?;
        if values.len() > slots || !(scale.is_finite() && scale >= 1.0) {
            return Err(Error::InvalidScale { scale });
        }
        let coeffs = self.slots_to_coeffs(values, slots);
        let rounded: Vec<f64> = coeffs.iter().map(|&c| (c * scale).round()).collect();
        let ring: &Arc<RingContext> = self.params.rlwe().ring();
        let n = ring.n();
        let idx = ring.limb_indices(level + 1, ring.num_p());
        let mut words = vec![0u64; n * idx.len()];
        words.par_chunks_mut(n).zip(&idx).for_each(|(limb, &i)| {
            let m = &ring.moduli()[i];
            for (x, &c) in limb.iter_mut().zip(&rounded) {
                *x = f64_to_mod(c, m);
            }
        });
        Ok(Poly::<Coeff>::from_words(ring, level + 1, ring.num_p(), words)?.into_ntt())
    }

    fn check_level(&self, level: usize) -> Result<(), Error> {
        let max = self.params.max_level();
        if level > max {
            return Err(Error::InvalidLevel { level, max });
        }
        Ok(())
    }

    /// Rounds already-scaled coefficients into RNS form over `Q_level`. Values of any
    /// magnitude are exact (reduced through their binary exponent).
    pub(crate) fn coeffs_to_poly(
        &self,
        scaled: &[f64],
        level: usize,
    ) -> Result<Poly<Coeff>, Error> {
        let ring: &Arc<RingContext> = self.params.rlwe().ring();
        let rounded: Vec<f64> = scaled.iter().map(|c| c.round()).collect();
        let n = ring.n();
        let mut words = vec![0u64; n * (level + 1)];
        words
            .par_chunks_mut(n)
            .zip(&ring.moduli()[..=level])
            .for_each(|(limb, m)| {
                for (x, &c) in limb.iter_mut().zip(&rounded) {
                    *x = f64_to_mod(c, m);
                }
            });
        let poly = Poly::<Coeff>::from_words(ring, level + 1, 0, words)?;
        Ok(poly)
    }

    /// Decodes `pt` into `slots` complex values (dividing by the plaintext's scale).
    ///
    /// Reads the coefficients through the first two primes (CRT in `u128`), so any message
    /// below `q_0·q_1 / 2` in magnitude is exact — every decryptable message is.
    pub fn decode_complex(&self, pt: &Plaintext, slots: usize) -> Result<Vec<C64>, Error> {
        self.decode_poly(&pt.poly, pt.meta.scale, slots)
    }

    /// Decodes an NTT-form message polynomial of the given scale.
    pub fn decode_poly(
        &self,
        poly: &blindfold_rns::Poly<blindfold_rns::Ntt>,
        scale: f64,
        slots: usize,
    ) -> Result<Vec<C64>, Error> {
        self.check_slots(slots)?;
        if !(scale.is_finite() && scale > 0.0) {
            return Err(Error::InvalidScale { scale });
        }
        let coeffs = zeroize::Zeroizing::new(centered_coeffs(poly)?);
        Ok(self.coeffs_to_slots(&coeffs, scale, slots))
    }

    /// Real parts of [`Self::decode_complex`].
    pub fn decode(&self, pt: &Plaintext, slots: usize) -> Result<Vec<f64>, Error> {
        Ok(self
            .decode_complex(pt, slots)?
            .into_iter()
            .map(|z| z.re)
            .collect())
    }

    /// Centered coefficients (as `f64`) divided by `scale` → slot values.
    pub(crate) fn coeffs_to_slots(&self, coeffs: &[f64], scale: f64, slots: usize) -> Vec<C64> {
        let n = self.params.n();
        let gap = n / 2 / slots;
        let mut v: Vec<C64> = (0..slots)
            .map(|i| C64::new(coeffs[i * gap] / scale, coeffs[i * gap + n / 2] / scale))
            .collect();
        self.special_fft(&mut v);
        v
    }

    /// `v ← (m(ζ^{5^j}))_j` from the "spread" coefficients `v` (HEAAN's `fftSpecial`).
    fn special_fft(&self, v: &mut [C64]) {
        let n = v.len();
        let m = 2 * self.params.n();
        bit_reverse(v);
        let mut len = 2;
        while len <= n {
            let (lenh, lenq) = (len / 2, len * 4);
            let gap = m / lenq;
            for chunk in v.chunks_mut(len) {
                for j in 0..lenh {
                    let w = self.roots[(self.rot_group[j] % lenq) * gap];
                    let u = chunk[j];
                    let t = chunk[j + lenh] * w;
                    chunk[j] = u + t;
                    chunk[j + lenh] = u - t;
                }
            }
            len *= 2;
        }
    }

    /// Inverse of [`Self::special_fft`] (HEAAN's `fftSpecialInv`), including the `1/n`.
    fn special_ifft(&self, v: &mut [C64]) {
        let n = v.len();
        let m = 2 * self.params.n();
        let mut len = n;
        while len >= 2 {
            let (lenh, lenq) = (len / 2, len * 4);
            let gap = m / lenq;
            for chunk in v.chunks_mut(len) {
                for j in 0..lenh {
                    let w = self.roots[(lenq - self.rot_group[j] % lenq) * gap];
                    let u = chunk[j] + chunk[j + lenh];
                    let t = (chunk[j] - chunk[j + lenh]) * w;
                    chunk[j] = u;
                    chunk[j + lenh] = t;
                }
            }
            len /= 2;
        }
        bit_reverse(v);
        let inv = 1.0 / n as f64;
        for z in v.iter_mut() {
            *z = z.scale(inv);
        }
    }
}

fn bit_reverse(v: &mut [C64]) {
    let n = v.len();
    if n <= 2 {
        return;
    }
    let bits = n.trailing_zeros();
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - bits);
        if i < j {
            v.swap(i, j);
        }
    }
}

/// An integral `f64` of any magnitude reduced modulo `q` (through mantissa and exponent).
pub(crate) fn f64_to_mod(c: f64, m: &Modulus) -> u64 {
    if c.abs() < 9.2e18 {
        return m.from_i64(c as i64);
    }
    let bits = c.abs().to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64 - 1075;
    let mant = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    // |c| = mant · 2^exp with exp > 0 here.
    let r = m.mul(m.reduce(mant), m.pow(2, exp as u64));
    if c < 0.0 { m.neg(r) } else { r }
}

/// Centered coefficients of an NTT-form polynomial as `f64`, from its first two limbs.
pub(crate) fn centered_coeffs(
    poly: &blindfold_rns::Poly<blindfold_rns::Ntt>,
) -> Result<Vec<f64>, Error> {
    let limbs = poly.q_limbs().min(2);
    let coeff = poly.restricted(limbs, false)?.into_coeff();
    let m0 = *coeff.modulus(0);
    if limbs == 1 {
        return Ok(coeff.limb(0).iter().map(|&x| m0.center(x) as f64).collect());
    }
    let m1 = *coeff.modulus(1);
    let (q0, q1) = (m0.value(), m1.value());
    let q0_inv = m1
        .inv(m1.reduce(q0))
        .ok_or(Error::Internal("q0 not invertible mod q1"))?;
    let big = q0 as u128 * q1 as u128;
    Ok(coeff
        .limb(0)
        .iter()
        .zip(coeff.limb(1))
        .map(|(&x0, &x1)| {
            let k = m1.mul(m1.sub(x1, m1.reduce(x0)), q0_inv);
            let x = x0 as u128 + q0 as u128 * k as u128;
            if x > big / 2 {
                -((big - x) as f64)
            } else {
                x as f64
            }
        })
        .collect())
}
