//! Batch (slot) and coefficient encoding of integers modulo `t`.
//!
//! A plaintext is the polynomial `m(X)` of `Z_t[X]/(X^N + 1)` lifted with centered
//! coefficients (`|m_i| <= t/2`) into NTT form over `q_0 … q_l`; its `meta.correction` `c`
//! says the polynomial holds `c·m` (1 for everything the encoder makes).
//!
//! Slots: when `t` is a prime `≡ 1 mod 2N`, `m ↦ (m(ζ^{e}))_e` over the `N` primitive
//! `2N`-th roots `ζ^e` modulo `t` is a ring isomorphism (an NTT modulo `t`). The slots are
//! laid out as a `2 × N/2` hypercube, row-major: slot `(r, j)` holds `m(ζ^{±5^j})` (`+` for
//! row 0, `−` for row 1). So `X ↦ X^{5^k}` rotates both rows left by `k`
//! ([`rotation_element`](blindfold_rns::rotation_element)) and `X ↦ X^{-1}` swaps them
//! ([`conjugation_element`](blindfold_rns::conjugation_element)).

use std::borrow::Cow;
use std::sync::Arc;

use blindfold_rlwe::{Meta, Plaintext};
use blindfold_rns::{Poly, rotation_element};

use crate::{BgvParameters, Error};

/// Encodes and decodes slot vectors and coefficient vectors. Cheap to clone through `Arc`.
#[derive(Debug)]
pub struct Encoder {
    params: Arc<BgvParameters>,
    /// `slot_to_ntt[s]`: the NTT-order index (modulo `t`) of slot `s` (row-major).
    slot_to_ntt: Option<Vec<u32>>,
}

fn bit_reverse(x: usize, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        x.reverse_bits() >> (usize::BITS - bits)
    }
}

// Messages are secret: residues modulo t are centered and reduced with the branch-free
// `Modulus::center` (`(-t/2, t/2]`, as `Clear::integer` normalizes) and `Modulus::from_i64`.

impl Encoder {
    /// An encoder for `params` (slot tables only when `t` allows batching).
    pub fn new(params: &Arc<BgvParameters>) -> Self {
        let slot_to_ntt = params.has_batching().then(|| {
            let (n, log_n) = (params.n(), params.log_n());
            let two_n = 2 * n as u64;
            let half = n / 2;
            (0..n)
                .map(|s| {
                    let g = rotation_element(log_n, (s % half) as i64);
                    let e = if s < half { g } else { two_n - g };
                    bit_reverse(((e - 1) / 2) as usize, log_n) as u32
                })
                .collect()
        });
        Self {
            params: Arc::clone(params),
            slot_to_ntt,
        }
    }

    /// The parameters.
    pub fn params(&self) -> &Arc<BgvParameters> {
        &self.params
    }

    /// Number of slots, `N` (two rows of `N/2`).
    pub fn slot_count(&self) -> usize {
        self.params.n()
    }

    fn check_level(&self, level: usize) -> Result<(), Error> {
        if level > self.params.max_level() {
            return Err(Error::InvalidLevel {
                level,
                max: self.params.max_level(),
            });
        }
        Ok(())
    }

    fn check_len(&self, len: usize) -> Result<(), Error> {
        if len > self.params.n() {
            return Err(Error::TooManyValues {
                values: len,
                slots: self.params.n(),
            });
        }
        Ok(())
    }

    fn unsigned(&self, values: &[u64]) -> Result<Vec<u64>, Error> {
        self.check_len(values.len())?;
        let t = self.params.t();
        if let Some(&value) = values.iter().find(|&&v| v >= t) {
            return Err(Error::ValueOutOfRange { value, t });
        }
        let mut v = values.to_vec();
        v.resize(self.params.n(), 0);
        Ok(v)
    }

    fn signed(&self, values: &[i64]) -> Result<Vec<u64>, Error> {
        self.check_len(values.len())?;
        let t = self.params.t_modulus();
        let mut v: Vec<u64> = values.iter().map(|&x| t.from_i64(x)).collect();
        v.resize(self.params.n(), 0);
        Ok(v)
    }

    /// Slot values (row-major, `N` of them, each `< t`) → coefficients modulo `t`.
    pub fn slots_to_coeffs(&self, slots: &[u64]) -> Result<Vec<u64>, Error> {
        let plan = self.params.batching()?;
        let map = self.slot_map()?;
        let v = self.unsigned(slots)?;
        let mut a = vec![0u64; self.params.n()];
        for (&s, &idx) in v.iter().zip(map) {
            a[idx as usize] = s;
        }
        plan.inverse(&mut a);
        Ok(a)
    }

    /// Coefficients modulo `t` (`N` of them, each `< t`) → slot values (row-major).
    pub fn coeffs_to_slots(&self, coeffs: &[u64]) -> Result<Vec<u64>, Error> {
        let plan = self.params.batching()?;
        let map = self.slot_map()?;
        let mut a = self.unsigned(coeffs)?;
        plan.forward(&mut a);
        Ok(map.iter().map(|&idx| a[idx as usize]).collect())
    }

    fn slot_map(&self) -> Result<&[u32], Error> {
        self.slot_to_ntt.as_deref().ok_or(Error::NoBatching {
            t: self.params.t(),
            two_n: 2 * self.params.n() as u64,
        })
    }

    /// Unsigned slots (each `< t`; shorter vectors are zero-padded) at `level`.
    pub fn encode_unsigned(&self, values: &[u64], level: usize) -> Result<Plaintext, Error> {
        self.check_level(level)?;
        let coeffs = self.slots_to_coeffs(values)?;
        self.lift(&coeffs, level, 1)
    }

    /// Signed slots (reduced modulo `t`) at `level`.
    pub fn encode_signed(&self, values: &[i64], level: usize) -> Result<Plaintext, Error> {
        self.check_level(level)?;
        let v = self.signed(values)?;
        let coeffs = self.slots_to_coeffs(&v)?;
        self.lift(&coeffs, level, 1)
    }

    /// Unsigned coefficients (each `< t`) of the plaintext polynomial; any `t` allowed.
    pub fn encode_coeffs_unsigned(&self, coeffs: &[u64], level: usize) -> Result<Plaintext, Error> {
        self.check_level(level)?;
        let v = self.unsigned(coeffs)?;
        self.lift(&v, level, 1)
    }

    /// Signed coefficients (reduced modulo `t`) of the plaintext polynomial.
    pub fn encode_coeffs_signed(&self, coeffs: &[i64], level: usize) -> Result<Plaintext, Error> {
        self.check_level(level)?;
        let v = self.signed(coeffs)?;
        self.lift(&v, level, 1)
    }

    /// Slot values in `[0, t)` of a plaintext.
    pub fn decode_unsigned(&self, pt: &Plaintext) -> Result<Vec<u64>, Error> {
        let coeffs = self.decode_coeffs_unsigned(pt)?;
        self.coeffs_to_slots(&coeffs)
    }

    /// Slot values in `(-t/2, t/2]` of a plaintext.
    pub fn decode_signed(&self, pt: &Plaintext) -> Result<Vec<i64>, Error> {
        let t = self.params.t_modulus();
        Ok(self
            .decode_unsigned(pt)?
            .into_iter()
            .map(|v| t.center(v))
            .collect())
    }

    /// Coefficients in `[0, t)` of a plaintext's message (the correction factor removed).
    pub fn decode_coeffs_unsigned(&self, pt: &Plaintext) -> Result<Vec<u64>, Error> {
        let raw = self.raw_coeffs(pt)?;
        let t = self.params.t_modulus();
        let undo = t.inv(pt.meta.correction).unwrap_or(0);
        Ok(raw.into_iter().map(|c| t.mul(c, undo)).collect())
    }

    /// Coefficients in `(-t/2, t/2]` of a plaintext's message.
    pub fn decode_coeffs_signed(&self, pt: &Plaintext) -> Result<Vec<i64>, Error> {
        let t = self.params.t_modulus();
        Ok(self
            .decode_coeffs_unsigned(pt)?
            .into_iter()
            .map(|v| t.center(v))
            .collect())
    }

    /// Checks that `pt` belongs to these parameters and carries a valid correction.
    pub(crate) fn check_plaintext(&self, pt: &Plaintext) -> Result<(), Error> {
        if **pt.poly.ctx() != **self.params.rlwe().ring() || pt.poly.p_limbs() != 0 {
            return Err(Error::ParametersMismatch);
        }
        self.params.check_correction(pt.meta.correction)
    }

    /// The polynomial's coefficients modulo `t`, read from limb 0 (plaintext coefficients
    /// are below `t/2 < q_0/2`, so limb 0 determines them).
    pub(crate) fn raw_coeffs(&self, pt: &Plaintext) -> Result<Vec<u64>, Error> {
        self.check_plaintext(pt)?;
        let limb0 = pt.poly.restricted(1, false)?.into_coeff();
        let (m, t) = (limb0.modulus(0), self.params.t_modulus());
        Ok(limb0
            .limb(0)
            .iter()
            .map(|&c| t.from_i64(m.center(c)))
            .collect())
    }

    /// The plaintext `coeffs` (each `< t`) lifted with centered coefficients to `level`,
    /// labelled with `correction`.
    pub(crate) fn lift(
        &self,
        coeffs: &[u64],
        level: usize,
        correction: u64,
    ) -> Result<Plaintext, Error> {
        let t = self.params.t_modulus();
        let signed: Vec<i64> = coeffs.iter().map(|&c| t.center(c)).collect();
        let ring = self.params.rlwe().ring();
        let poly = Poly::from_signed(ring, &signed, level + 1, 0)?.into_ntt();
        Ok(Plaintext {
            poly,
            meta: Meta {
                scale: 1.0,
                correction,
            },
        })
    }

    /// `pt` at `level` holding `correction · m`: limbs dropped when `level` is lower; the
    /// coefficients rescaled modulo `t` and lifted again when the level is higher or the
    /// correction differs.
    pub fn adapt(&self, pt: &Plaintext, level: usize, correction: u64) -> Result<Plaintext, Error> {
        Ok(self.adapted(pt, level, correction)?.into_owned())
    }

    /// [`Self::adapt`], borrowing `pt` when it already fits.
    pub(crate) fn adapted<'p>(
        &self,
        pt: &'p Plaintext,
        level: usize,
        correction: u64,
    ) -> Result<Cow<'p, Plaintext>, Error> {
        self.check_level(level)?;
        self.check_plaintext(pt)?;
        self.params.check_correction(correction)?;
        if pt.meta.correction == correction && pt.level() == level {
            return Ok(Cow::Borrowed(pt));
        }
        if pt.meta.correction == correction && pt.level() > level {
            let poly = pt.poly.restricted(level + 1, false)?;
            return Ok(Cow::Owned(Plaintext {
                poly,
                meta: pt.meta,
            }));
        }
        let t = self.params.t_modulus();
        let k = t.mul(correction, t.inv(pt.meta.correction).unwrap_or(0));
        let coeffs: Vec<u64> = self
            .raw_coeffs(pt)?
            .into_iter()
            .map(|c| t.mul(c, k))
            .collect();
        Ok(Cow::Owned(self.lift(&coeffs, level, correction)?))
    }
}
