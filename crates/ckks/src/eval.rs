//! The CKKS evaluator: arithmetic, rescaling, rotations, with automatic level and scale
//! matching on the parameters' scale ladder.

use std::borrow::Cow;
use std::sync::Arc;

use blindfold_rlwe::cipher::{apply_galois_hoisted, relinearize};
use blindfold_rlwe::{Ciphertext, EvaluationKeys, GaloisKey, Meta, Plaintext};
use blindfold_rns::{Coeff, Ntt, Poly, conjugation_element, rotation_element};

use crate::encoding::f64_to_mod;
use crate::{C64, CkksParameters, Encoder, Error};

/// Relative tolerance under which two scales are the same scale (ladder values are
/// recomputed with the same formulas, so matching ones agree to the last bit or nearly).
const SCALE_TOLERANCE: f64 = 1e-9;

pub(crate) fn same_scale(a: f64, b: f64) -> bool {
    (a / b - 1.0).abs() < SCALE_TOLERANCE
}

/// Evaluates on ciphertexts with the server's evaluation keys (never the secret key).
///
/// `slots` is the number of slots rotations act on (a power of two ≤ N/2; sparse packing
/// replicates the vector, so a rotation by `k` rotates the `slots` values cyclically).
#[derive(Debug, Clone)]
pub struct Evaluator {
    params: Arc<CkksParameters>,
    encoder: Arc<Encoder>,
    keys: Arc<EvaluationKeys>,
    slots: usize,
    /// Set by [`Evaluator::with_bootstrapper`]: what `SlotAlgebra::refresh` runs.
    boot: Option<Arc<crate::bootstrap::Bootstrapper>>,
}

impl Evaluator {
    /// An evaluator over `slots` slots.
    pub fn new(
        params: &Arc<CkksParameters>,
        keys: Arc<EvaluationKeys>,
        slots: usize,
    ) -> Result<Self, Error> {
        if !slots.is_power_of_two() || slots > params.max_slots() {
            return Err(Error::InvalidSlots {
                slots,
                max: params.max_slots(),
            });
        }
        Ok(Self {
            params: Arc::clone(params),
            encoder: Arc::new(Encoder::new(params)),
            keys,
            slots,
            boot: None,
        })
    }

    pub(crate) fn set_bootstrapper(mut self, boot: Arc<crate::bootstrap::Bootstrapper>) -> Self {
        self.boot = Some(boot);
        self
    }

    /// The bootstrapper set by [`Evaluator::with_bootstrapper`], if any.
    pub fn bootstrapper(&self) -> Option<&Arc<crate::bootstrap::Bootstrapper>> {
        self.boot.as_ref()
    }

    /// The parameters.
    pub fn params(&self) -> &Arc<CkksParameters> {
        &self.params
    }

    /// The encoder (shared).
    pub fn encoder(&self) -> &Arc<Encoder> {
        &self.encoder
    }

    /// The evaluation keys.
    pub fn keys(&self) -> &Arc<EvaluationKeys> {
        &self.keys
    }

    /// Slot count rotations act on.
    pub fn slot_count(&self) -> usize {
        self.slots
    }

    /// The Galois element of a left rotation by `k` slots.
    pub fn rotation_element(&self, k: i64) -> u64 {
        rotation_element(self.params.log_n(), self.normalize(k) as i64)
    }

    fn normalize(&self, k: i64) -> usize {
        k.rem_euclid(self.slots as i64) as usize
    }

    fn check(&self, ct: &Ciphertext) -> Result<(), Error> {
        match ct.parts.first() {
            Some(p)
                if Arc::ptr_eq(p.ctx(), self.params.rlwe().ring())
                    || **p.ctx() == **self.params.rlwe().ring() =>
            {
                if ct
                    .parts
                    .iter()
                    .any(|q| q.q_limbs() != p.q_limbs() || q.p_limbs() != 0)
                {
                    return Err(Error::InvalidDegree {
                        degree: ct.degree(),
                        expected: "parts over the same primes",
                    });
                }
                if !(ct.meta.scale.is_finite() && ct.meta.scale > 0.0) {
                    return Err(Error::InvalidScale {
                        scale: ct.meta.scale,
                    });
                }
                Ok(())
            }
            Some(_) => Err(blindfold_rlwe::Error::ParametersMismatch.into()),
            None => Err(Error::InvalidDegree {
                degree: 0,
                expected: "at least 1",
            }),
        }
    }

    fn degree_one(&self, ct: &Ciphertext, op: &'static str) -> Result<(), Error> {
        self.check(ct)?;
        if ct.parts.len() != 2 {
            return Err(Error::InvalidDegree {
                degree: ct.degree(),
                expected: op,
            });
        }
        Ok(())
    }

    /// Whether `ct` sits on the ladder scale of its level.
    pub fn on_ladder(&self, ct: &Ciphertext) -> bool {
        same_scale(ct.meta.scale, self.params.scale(ct.level()))
    }

    /// Snaps a computed scale to the ladder value of `level` when they agree.
    fn snap(&self, scale: f64, level: usize) -> f64 {
        let s = self.params.scale(level);
        if same_scale(scale, s) { s } else { scale }
    }

    // ------------------------------------------------------------ levels and scales

    /// `ct` at `level` with `scale`: dropping primes when the scale already matches,
    /// otherwise multiplying by the integer `round(scale·q_{level+1}/ct.scale)` and
    /// rescaling (this consumes the one level `ct` has above `level`).
    pub fn bring_to(&self, ct: &Ciphertext, level: usize, scale: f64) -> Result<Ciphertext, Error> {
        self.check(ct)?;
        if level > ct.level() {
            return Err(Error::InvalidLevel {
                level,
                max: ct.level(),
            });
        }
        let mut out = ct.clone();
        out.seed = None;
        if same_scale(ct.meta.scale, scale) {
            out.drop_to_level(level)?;
            return Ok(out);
        }
        if level == ct.level() {
            return Err(Error::ScaleMismatch {
                left: ct.meta.scale,
                right: scale,
            });
        }
        out.drop_to_level(level + 1)?;
        let c = (scale * self.params.q(level + 1) as f64 / ct.meta.scale).round();
        // Below 2^20 the rounding of the constant would cost more precision than CKKS has.
        if !(c >= (1u64 << 20) as f64 && c < (1u64 << 62) as f64) {
            return Err(Error::ScaleMismatch {
                left: ct.meta.scale,
                right: scale,
            });
        }
        for p in &mut out.parts {
            p.scalar_mul_assign(c as u64);
            p.rescale()?;
        }
        out.meta.scale = scale;
        Ok(out)
    }

    /// Brings two operands of an addition to a common level and scale.
    fn match_for_add<'a>(
        &self,
        a: &'a Ciphertext,
        b: &'a Ciphertext,
    ) -> Result<(Cow<'a, Ciphertext>, Cow<'a, Ciphertext>), Error> {
        self.check(a)?;
        self.check(b)?;
        let (la, lb) = (a.level(), b.level());
        if la == lb {
            if !same_scale(a.meta.scale, b.meta.scale) {
                return Err(Error::ScaleMismatch {
                    left: a.meta.scale,
                    right: b.meta.scale,
                });
            }
            Ok((Cow::Borrowed(a), Cow::Borrowed(b)))
        } else if la > lb {
            Ok((
                Cow::Owned(self.bring_to(a, lb, b.meta.scale)?),
                Cow::Borrowed(b),
            ))
        } else {
            Ok((
                Cow::Borrowed(a),
                Cow::Owned(self.bring_to(b, la, a.meta.scale)?),
            ))
        }
    }

    /// Brings two factors of a product to a common level (the higher one onto the ladder
    /// scale of the lower level, so the product lands on the ladder).
    fn match_for_mul<'a>(
        &self,
        a: &'a Ciphertext,
        b: &'a Ciphertext,
    ) -> Result<(Cow<'a, Ciphertext>, Cow<'a, Ciphertext>), Error> {
        self.check(a)?;
        self.check(b)?;
        let (la, lb) = (a.level(), b.level());
        if la == lb {
            Ok((Cow::Borrowed(a), Cow::Borrowed(b)))
        } else if la > lb {
            let s = self.params.scale(lb);
            Ok((Cow::Owned(self.bring_to(a, lb, s)?), Cow::Borrowed(b)))
        } else {
            let s = self.params.scale(la);
            Ok((Cow::Borrowed(a), Cow::Owned(self.bring_to(b, la, s)?)))
        }
    }

    /// Drops primes down to `level`, keeping the scale (OpenFHE's `LevelReduce`).
    pub fn drop_to_level(&self, ct: &Ciphertext, level: usize) -> Result<Ciphertext, Error> {
        self.check(ct)?;
        let mut out = ct.clone();
        out.seed = None;
        out.drop_to_level(level)?;
        Ok(out)
    }

    // ------------------------------------------------------------ additive

    fn combine(&self, a: &Ciphertext, b: &Ciphertext, sub: bool) -> Result<Ciphertext, Error> {
        let (a, b) = self.match_for_add(a, b)?;
        let n = a.parts.len().max(b.parts.len());
        let mut parts = Vec::with_capacity(n);
        for i in 0..n {
            parts.push(match (a.parts.get(i), b.parts.get(i)) {
                (Some(x), Some(y)) => {
                    if sub {
                        x.sub(y)?
                    } else {
                        x.add(y)?
                    }
                }
                (Some(x), None) => x.clone(),
                (None, Some(y)) => {
                    let mut y = y.clone();
                    if sub {
                        y.neg_assign();
                    }
                    y
                }
                (None, None) => return Err(Error::Internal("empty ciphertext")),
            });
        }
        Ok(Ciphertext::new(parts, a.meta))
    }

    /// `a + b`.
    pub fn add(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, Error> {
        self.combine(a, b, false)
    }

    /// `a - b`.
    pub fn sub(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, Error> {
        self.combine(a, b, true)
    }

    /// `-a`.
    pub fn neg(&self, a: &Ciphertext) -> Result<Ciphertext, Error> {
        self.check(a)?;
        let mut out = Ciphertext::new(a.parts.clone(), a.meta);
        out.parts.iter_mut().for_each(Poly::neg_assign);
        Ok(out)
    }

    fn plain_at(&self, ct: &Ciphertext, pt: &Plaintext) -> Result<Poly<Ntt>, Error> {
        if pt.level() < ct.level() {
            return Err(Error::PlaintextLevel {
                plaintext: pt.level(),
                ciphertext: ct.level(),
            });
        }
        if !Arc::ptr_eq(pt.poly.ctx(), self.params.rlwe().ring())
            && **pt.poly.ctx() != **self.params.rlwe().ring()
        {
            return Err(blindfold_rlwe::Error::ParametersMismatch.into());
        }
        Ok(pt.poly.restricted(ct.level() + 1, false)?)
    }

    /// `ct + pt` (the plaintext's scale must equal the ciphertext's).
    pub fn add_plain(&self, ct: &Ciphertext, pt: &Plaintext) -> Result<Ciphertext, Error> {
        self.check(ct)?;
        if !same_scale(ct.meta.scale, pt.meta.scale) {
            return Err(Error::ScaleMismatch {
                left: ct.meta.scale,
                right: pt.meta.scale,
            });
        }
        let m = self.plain_at(ct, pt)?;
        let mut out = Ciphertext::new(ct.parts.clone(), ct.meta);
        out.parts[0].add_assign(&m)?;
        Ok(out)
    }

    /// `ct - pt`.
    pub fn sub_plain(&self, ct: &Ciphertext, pt: &Plaintext) -> Result<Ciphertext, Error> {
        let mut neg = pt.clone();
        neg.poly.neg_assign();
        self.add_plain(ct, &neg)
    }

    /// The constant `c` in every slot at `level` and `scale`, as a polynomial: `c.re·Δ` on
    /// the constant coefficient and `c.im·Δ` on `X^{N/2}` (which is `i` in every slot).
    fn constant_poly(&self, c: C64, level: usize, scale: f64) -> Result<Poly<Ntt>, Error> {
        let ring = self.params.rlwe().ring();
        let n = ring.n();
        let (re, im) = ((c.re * scale).round(), (c.im * scale).round());
        let mut words = vec![0u64; n * (level + 1)];
        for (limb, m) in words.chunks_mut(n).zip(&ring.moduli()[..=level]) {
            limb[0] = f64_to_mod(re, m);
            limb[n / 2] = f64_to_mod(im, m);
        }
        Ok(Poly::<Coeff>::from_words(ring, level + 1, 0, words)?.into_ntt())
    }

    /// `ct + c` in every slot.
    pub fn add_const(&self, ct: &Ciphertext, c: C64) -> Result<Ciphertext, Error> {
        self.check(ct)?;
        if !(c.re.is_finite() && c.im.is_finite()) {
            return Err(Error::NonFiniteValue);
        }
        let mut out = Ciphertext::new(ct.parts.clone(), ct.meta);
        if c.im == 0.0 {
            // A constant polynomial is the same constant in every NTT slot.
            let v = (c.re * ct.meta.scale).round();
            let ring = Arc::clone(self.params.rlwe().ring());
            for k in 0..out.parts[0].q_limbs() {
                let m = ring.moduli()[k];
                let r = f64_to_mod(v, &m);
                out.parts[0]
                    .limb_mut(k)
                    .iter_mut()
                    .for_each(|x| *x = m.add(*x, r));
            }
        } else {
            let p = self.constant_poly(c, ct.level(), ct.meta.scale)?;
            out.parts[0].add_assign(&p)?;
        }
        Ok(out)
    }

    // ------------------------------------------------------------ multiplicative

    /// Divides by the last prime: one level down, scale divided by `q_l`.
    pub fn rescale(&self, ct: &Ciphertext) -> Result<Ciphertext, Error> {
        self.check(ct)?;
        let l = ct.level();
        if l == 0 {
            return Err(Error::OutOfLevels { op: "rescale" });
        }
        let parts: Vec<&Poly<Ntt>> = ct.parts.iter().collect();
        let mut out = Ciphertext::new(Poly::rescaled_many(&parts)?, ct.meta);
        out.meta.scale = self.snap(ct.meta.scale / self.params.q(l) as f64, l - 1);
        Ok(out)
    }

    /// `a · b` as a degree-2 ciphertext (no relinearization, no rescale).
    pub fn tensor(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, Error> {
        self.degree_one(a, "1 (relinearize first)")?;
        self.degree_one(b, "1 (relinearize first)")?;
        let (a, b) = self.match_for_mul(a, b)?;
        let (a0, a1, b0, b1) = (&a.parts[0], &a.parts[1], &b.parts[0], &b.parts[1]);
        let c0 = a0.mul(b0)?;
        let mut c1 = a0.mul(b1)?;
        c1.mul_add_assign(a1, b0)?;
        let c2 = a1.mul(b1)?;
        let meta = Meta {
            scale: a.meta.scale * b.meta.scale,
            correction: 1,
        };
        Ok(Ciphertext::new(vec![c0, c1, c2], meta))
    }

    /// Relinearizes a degree-2 ciphertext.
    pub fn relinearize(&self, ct: &Ciphertext) -> Result<Ciphertext, Error> {
        self.check(ct)?;
        let rk = self
            .keys
            .relin
            .as_ref()
            .ok_or(Error::MissingRelinearizationKey)?;
        Ok(relinearize(self.params.rlwe(), ct, rk)?)
    }

    /// `a · b`, relinearized, not rescaled (for sums of products before one rescale).
    pub fn mul_relin(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, Error> {
        if a.level().min(b.level()) == 0 {
            return Err(Error::OutOfLevels { op: "mul" });
        }
        self.relinearize(&self.tensor(a, b)?)
    }

    /// `a · b`, relinearized and rescaled: one level.
    pub fn mul(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, Error> {
        self.rescale(&self.mul_relin(a, b)?)
    }

    /// `a²`, relinearized and rescaled.
    pub fn square(&self, a: &Ciphertext) -> Result<Ciphertext, Error> {
        self.degree_one(a, "1 (relinearize first)")?;
        if a.level() == 0 {
            return Err(Error::OutOfLevels { op: "square" });
        }
        let (a0, a1) = (&a.parts[0], &a.parts[1]);
        let c0 = a0.mul(a0)?;
        let mut c1 = a0.mul(a1)?;
        c1.scalar_mul_assign(2);
        let c2 = a1.mul(a1)?;
        let meta = Meta {
            scale: a.meta.scale * a.meta.scale,
            correction: 1,
        };
        self.rescale(&self.relinearize(&Ciphertext::new(vec![c0, c1, c2], meta))?)
    }

    /// `ct · pt` without rescaling (scale `ct.scale · pt.scale`).
    pub fn mul_plain_no_rescale(
        &self,
        ct: &Ciphertext,
        pt: &Plaintext,
    ) -> Result<Ciphertext, Error> {
        self.check(ct)?;
        let m = self.plain_at(ct, pt)?;
        let mut out = Ciphertext::new(ct.parts.clone(), ct.meta);
        for p in &mut out.parts {
            p.mul_assign(&m)?;
        }
        out.meta.scale = ct.meta.scale * pt.meta.scale;
        Ok(out)
    }

    /// `ct · pt`, rescaled: one level.
    pub fn mul_plain(&self, ct: &Ciphertext, pt: &Plaintext) -> Result<Ciphertext, Error> {
        if ct.level() == 0 {
            return Err(Error::OutOfLevels { op: "mul_plain" });
        }
        self.rescale(&self.mul_plain_no_rescale(ct, pt)?)
    }

    /// The scale a plaintext or constant multiplying `ct` should have so that the rescaled
    /// product lands on the ladder (or keeps `ct`'s scale when `ct` is off the ladder).
    pub fn multiplier_scale(&self, ct: &Ciphertext) -> f64 {
        let l = ct.level();
        let q = self.params.q(l) as f64;
        if l > 0 && self.on_ladder(ct) {
            self.params.scale(l - 1) * q / ct.meta.scale
        } else {
            q
        }
    }

    /// `ct · c` for an integer `c`: exact, no level consumed.
    pub fn mul_int(&self, ct: &Ciphertext, c: i64) -> Result<Ciphertext, Error> {
        self.check(ct)?;
        let mut out = Ciphertext::new(ct.parts.clone(), ct.meta);
        for p in &mut out.parts {
            p.scalar_mul_signed_assign(c);
        }
        Ok(out)
    }

    /// `ct · c` for a real or complex constant. Integers (and `i` times an integer) are
    /// exact and keep the level; anything else consumes one level.
    pub fn mul_const(&self, ct: &Ciphertext, c: C64) -> Result<Ciphertext, Error> {
        self.check(ct)?;
        if !(c.re.is_finite() && c.im.is_finite()) {
            return Err(Error::NonFiniteValue);
        }
        let small_int = |x: f64| x.fract() == 0.0 && x.abs() < 9.0e18;
        if c.im == 0.0 && small_int(c.re) {
            return self.mul_int(ct, c.re as i64);
        }
        if c.re == 0.0 && small_int(c.im) {
            return self.mul_int(&self.mul_by_i(ct)?, c.im as i64);
        }
        let l = ct.level();
        if l == 0 {
            return Err(Error::OutOfLevels { op: "mul_const" });
        }
        let s = self.multiplier_scale(ct);
        let target = ct.meta.scale * s / self.params.q(l) as f64;
        let mut out = Ciphertext::new(ct.parts.clone(), ct.meta);
        if c.im == 0.0 {
            let v = (c.re * s).round();
            let ring = Arc::clone(self.params.rlwe().ring());
            let per_limb: Vec<u64> = ring.moduli()[..=l]
                .iter()
                .map(|m| f64_to_mod(v, m))
                .collect();
            for p in &mut out.parts {
                p.scalar_mul_limbs_assign(&per_limb)?;
            }
        } else {
            let m = self.constant_poly(c, l, s)?;
            for p in &mut out.parts {
                p.mul_assign(&m)?;
            }
        }
        out.meta.scale = ct.meta.scale * s;
        let mut r = self.rescale(&out)?;
        r.meta.scale = self.snap(target, l - 1);
        Ok(r)
    }

    /// `ct · i` (exact: multiplication by `X^{N/2}`).
    pub fn mul_by_i(&self, ct: &Ciphertext) -> Result<Ciphertext, Error> {
        self.check(ct)?;
        let half = (self.params.n() / 2) as i64;
        let parts = ct
            .parts
            .iter()
            .map(|p| p.mul_monomial(half))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Ciphertext::new(parts, ct.meta))
    }

    // ------------------------------------------------------------ rotations

    fn galois_key(&self, g: u64, rotation: Option<i64>) -> Result<&GaloisKey, Error> {
        self.keys.galois.get(&g).ok_or(Error::MissingRotationKey {
            rotation,
            galois_element: g,
        })
    }

    /// Cyclic left rotation of the slots by `k` (`k < 0` rotates right).
    pub fn rotate(&self, ct: &Ciphertext, k: i64) -> Result<Ciphertext, Error> {
        Ok(self.rotate_hoisted(ct, &[k])?.remove(0))
    }

    /// Several rotations of one ciphertext sharing one decomposition (hoisting).
    pub fn rotate_hoisted(&self, ct: &Ciphertext, ks: &[i64]) -> Result<Vec<Ciphertext>, Error> {
        self.degree_one(ct, "1 (relinearize before rotating)")?;
        let mut keys = Vec::new();
        for &k in ks {
            if self.normalize(k) != 0 {
                keys.push(self.galois_key(self.rotation_element(k), Some(k))?);
            }
        }
        let mut rotated = if keys.is_empty() {
            Vec::new()
        } else {
            apply_galois_hoisted(self.params.rlwe(), ct, &keys)?
        }
        .into_iter();
        let mut out = Vec::with_capacity(ks.len());
        for &k in ks {
            if self.normalize(k) == 0 {
                out.push(Ciphertext::new(ct.parts.clone(), ct.meta));
            } else {
                out.push(
                    rotated
                        .next()
                        .ok_or(Error::Internal("hoisted rotation count"))?,
                );
            }
        }
        Ok(out)
    }

    /// Complex conjugation of every slot.
    pub fn conjugate(&self, ct: &Ciphertext) -> Result<Ciphertext, Error> {
        self.degree_one(ct, "1 (relinearize before conjugating)")?;
        let g = conjugation_element(self.params.log_n());
        let key = self.galois_key(g, None)?;
        Ok(apply_galois_hoisted(self.params.rlwe(), ct, &[key])?.remove(0))
    }

    /// `Σ_{j < count} rotate(ct, j·stride)` in `log2(count)` rotations (`count` a power of
    /// two): after it, every slot `i` holds the sum of slots `i, i+stride, …`.
    pub fn rotate_and_sum(
        &self,
        ct: &Ciphertext,
        stride: i64,
        count: usize,
    ) -> Result<Ciphertext, Error> {
        if !count.is_power_of_two() {
            return Err(Error::InvalidSlots {
                slots: count,
                max: self.slots,
            });
        }
        let mut acc = ct.clone();
        let mut step = stride;
        let mut c = 1;
        while c < count {
            acc = self.add(&acc, &self.rotate(&acc, step)?)?;
            step *= 2;
            c *= 2;
        }
        Ok(acc)
    }

    /// The Galois elements [`Self::rotate_and_sum`] needs.
    pub fn rotate_and_sum_elements(&self, stride: i64, count: usize) -> Vec<u64> {
        let mut out = Vec::new();
        let (mut step, mut c) = (stride, 1);
        while c < count {
            out.push(self.rotation_element(step));
            step *= 2;
            c *= 2;
        }
        out
    }
}
