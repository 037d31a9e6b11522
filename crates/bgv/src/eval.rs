//! The BGV evaluator: arithmetic, modulus switching and rotations on ciphertexts in the
//! `t^{-1}` representation (see [`crate::Encryptor`]), with levels and correction factors
//! matched automatically.

use std::borrow::Cow;
use std::sync::Arc;

use blindfold_modarith::Modulus;
use blindfold_rlwe::cipher::{apply_galois_hoisted, relinearize};
use blindfold_rlwe::{Ciphertext, EvaluationKeys, GaloisKey, Plaintext};
use blindfold_rns::{Ntt, Poly, conjugation_element, rotation_element};
use rayon::prelude::*;

use crate::crypt::check_ciphertext;
use crate::{BgvParameters, Encoder, Error};

/// Evaluates on ciphertexts with the server's evaluation keys (never the secret key).
#[derive(Debug, Clone)]
pub struct Evaluator {
    params: Arc<BgvParameters>,
    encoder: Arc<Encoder>,
    keys: Arc<EvaluationKeys>,
}

/// Small `(k_a, k_b)` with `k_a·c_a ≡ k_b·c_b (mod t)`, both invertible: multiplying two
/// ciphertexts by them gives equal correction factors while the noise grows by about
/// `√t` each (rational reconstruction by the extended Euclidean algorithm), instead of up
/// to `t/2` for one of them.
pub(crate) fn balance(t: &Modulus, c_a: u64, c_b: u64) -> (i64, i64) {
    let tv = t.value();
    let r = t.mul(c_b, t.inv(c_a).unwrap_or(0));
    let mut best = (1i64, t.center(t.mul(c_a, t.inv(c_b).unwrap_or(0))));
    let other = (t.center(r), 1i64);
    let cost = |(x, y): (i64, i64)| x.unsigned_abs().saturating_add(y.unsigned_abs());
    if cost(other) < cost(best) {
        best = other;
    }
    // r_i ≡ s_i·r (mod t); stop at the first r_i below √t.
    let (mut r0, mut r1) = (tv as i128, r as i128);
    let (mut s0, mut s1) = (0i128, 1i128);
    while r1 != 0 && r1 * r1 >= tv as i128 {
        let q = r0 / r1;
        (r0, r1) = (r1, r0 - q * r1);
        (s0, s1) = (s1, s0 - q * s1);
    }
    if r1 != 0 {
        let pair = (r1 as i64, s1 as i64);
        let invertible = t.inv(t.from_i64(pair.0)).is_some();
        if invertible && cost(pair) < cost(best) {
            best = pair;
        }
    }
    best
}

impl Evaluator {
    /// An evaluator with the given evaluation keys (relinearization and Galois keys as
    /// needed by the operations used; missing ones are typed errors at use).
    pub fn new(params: &Arc<BgvParameters>, keys: Arc<EvaluationKeys>) -> Self {
        Self {
            params: Arc::clone(params),
            encoder: Arc::new(Encoder::new(params)),
            keys,
        }
    }

    /// The parameters.
    pub fn params(&self) -> &Arc<BgvParameters> {
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

    fn check(&self, ct: &Ciphertext) -> Result<(), Error> {
        check_ciphertext(&self.params, ct)
    }

    fn t(&self) -> &Modulus {
        self.params.t_modulus()
    }

    /// Modulus switching: divides by the last prime `q_l` with the BGV rounding
    /// (`c' = (c + δ)/q_l`, `δ ≡ -c mod q_l`, `δ ≡ 0 mod t`), which brings the noise down
    /// by `q_l` (plus a floor of about `t·√N`) and multiplies the correction by
    /// `q_l^{-1} mod t`. In the `t^{-1}` representation this is the RLWE rounding rescale.
    pub fn mod_switch(&self, ct: &Ciphertext) -> Result<Ciphertext, Error> {
        self.check(ct)?;
        let l = ct.level();
        if l == 0 {
            return Err(Error::OutOfLevels { op: "mod_switch" });
        }
        let mut out = ct.clone();
        out.seed = None;
        for p in &mut out.parts {
            p.rescale()?;
        }
        out.meta.correction = self.t().mul(ct.meta.correction, self.params.q_inv_mod_t(l));
        Ok(out)
    }

    /// Modulus switching down to `level` (one prime at a time).
    pub fn mod_switch_to(&self, ct: &Ciphertext, level: usize) -> Result<Ciphertext, Error> {
        Ok(self.lowered(ct, level)?.into_owned())
    }

    /// `ct` switched down to `level`, borrowed when already there.
    pub(crate) fn lowered<'c>(
        &self,
        ct: &'c Ciphertext,
        level: usize,
    ) -> Result<Cow<'c, Ciphertext>, Error> {
        self.check(ct)?;
        if level > ct.level() {
            return Err(Error::InvalidLevel {
                level,
                max: ct.level(),
            });
        }
        let mut cur = Cow::Borrowed(ct);
        while cur.level() > level {
            cur = Cow::Owned(self.mod_switch(&cur)?);
        }
        Ok(cur)
    }

    /// `ct` with every part multiplied by the integer `k`.
    fn times(&self, ct: &Ciphertext, k: i64) -> Ciphertext {
        let mut out = ct.clone();
        out.seed = None;
        if k != 1 {
            for p in &mut out.parts {
                p.scalar_mul_signed_assign(k);
            }
        }
        out
    }

    /// Two ciphertexts at the same level with the same correction factor: the higher one
    /// switched down, then, if the corrections `c_a ≠ c_b`, both multiplied by small
    /// `k_a, k_b` with `k_a·c_a ≡ k_b·c_b (mod t)` (rational reconstruction: about `√t`
    /// each, so the noise grows by about `log2 t / 2` bits instead of up to `log2 t`).
    pub fn match_operands<'c>(
        &self,
        a: &'c Ciphertext,
        b: &'c Ciphertext,
    ) -> Result<(Cow<'c, Ciphertext>, Cow<'c, Ciphertext>), Error> {
        self.check(a)?;
        self.check(b)?;
        let level = a.level().min(b.level());
        let (a, b) = (self.lowered(a, level)?, self.lowered(b, level)?);
        if a.meta.correction == b.meta.correction {
            return Ok((a, b));
        }
        let (ka, kb) = balance(self.t(), a.meta.correction, b.meta.correction);
        let correction = self.t().mul(a.meta.correction, self.t().from_i64(ka));
        let mut a = self.times(&a, ka);
        let mut b = self.times(&b, kb);
        a.meta.correction = correction;
        b.meta.correction = correction;
        Ok((Cow::Owned(a), Cow::Owned(b)))
    }

    fn combine(&self, a: &Ciphertext, b: &Ciphertext, subtract: bool) -> Result<Ciphertext, Error> {
        let (a, b) = self.match_operands(a, b)?;
        let (long, short, flip) = if a.parts.len() >= b.parts.len() {
            (a, b, false)
        } else {
            (b, a, true)
        };
        let mut out = long.into_owned();
        out.seed = None;
        for (o, s) in out.parts.iter_mut().zip(&short.parts) {
            match (subtract, flip) {
                (false, _) => o.add_assign(s)?,
                (true, false) => o.sub_assign(s)?,
                // out holds b: a - b = -(b - a).
                (true, true) => {
                    o.sub_assign(s)?;
                    o.neg_assign();
                }
            }
        }
        if subtract && flip {
            for o in out.parts.iter_mut().skip(short.parts.len()) {
                o.neg_assign();
            }
        }
        Ok(out)
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
        let mut out = a.clone();
        out.seed = None;
        for p in &mut out.parts {
            p.neg_assign();
        }
        Ok(out)
    }

    /// `pt` ready to combine with `ct`: its level lowered to `ct`'s and, for additions,
    /// its correction made equal to `ct`'s. Switches `ct` down when the plaintext is lower.
    fn plain_operands<'c, 'p>(
        &self,
        ct: &'c Ciphertext,
        pt: &'p Plaintext,
        same_correction: bool,
    ) -> Result<(Cow<'c, Ciphertext>, Cow<'p, Plaintext>), Error> {
        let ct = self.lowered(ct, ct.level().min(pt.level()))?;
        let correction = if same_correction {
            ct.meta.correction
        } else {
            pt.meta.correction
        };
        let pt = self.encoder.adapted(pt, ct.level(), correction)?;
        Ok((ct, pt))
    }

    fn combine_plain(
        &self,
        ct: &Ciphertext,
        pt: &Plaintext,
        subtract: bool,
    ) -> Result<Ciphertext, Error> {
        let (ct, pt) = self.plain_operands(ct, pt, true)?;
        let mut pt = pt.into_owned();
        crate::crypt::scale_by_t_inv(&self.params, &mut pt.poly)?;
        let mut out = ct.into_owned();
        out.seed = None;
        if subtract {
            out.parts[0].sub_assign(&pt.poly)?;
        } else {
            out.parts[0].add_assign(&pt.poly)?;
        }
        Ok(out)
    }

    /// `ct + pt` (level: the lower of the two).
    pub fn add_plain(&self, ct: &Ciphertext, pt: &Plaintext) -> Result<Ciphertext, Error> {
        self.combine_plain(ct, pt, false)
    }

    /// `ct - pt`.
    pub fn sub_plain(&self, ct: &Ciphertext, pt: &Plaintext) -> Result<Ciphertext, Error> {
        self.combine_plain(ct, pt, true)
    }

    /// `ct + c` in every slot (the constant polynomial `c`); no noise added.
    pub fn add_scalar(&self, ct: &Ciphertext, c: i64) -> Result<Ciphertext, Error> {
        self.check(ct)?;
        let t = self.t();
        let v = t.center(t.mul(t.from_i64(c), ct.meta.correction));
        let mut out = ct.clone();
        out.seed = None;
        let p0 = &mut out.parts[0];
        for i in 0..p0.q_limbs() {
            let m = *p0.modulus(i);
            let (tinv, tinv_shoup) = self.params.t_inv_mod_q(i);
            let add = m.mul_shoup(m.from_i64(v), tinv, tinv_shoup);
            // A constant polynomial has the same value at every NTT point.
            for x in p0.limb_mut(i) {
                *x = m.add(*x, add);
            }
        }
        Ok(out)
    }

    /// `ct · c` in every slot, exact at the same level. A factor up to `√t` in size (as a
    /// centered residue) multiplies the noise; a larger invertible one is absorbed by the
    /// correction factor at no noise cost.
    pub fn mul_scalar(&self, ct: &Ciphertext, c: i64) -> Result<Ciphertext, Error> {
        self.check(ct)?;
        let t = self.t();
        let r = t.from_i64(c);
        let k = t.center(r);
        let small = (k.unsigned_abs() as u128) * (k.unsigned_abs() as u128) <= t.value() as u128;
        match t.inv(r) {
            Some(inv) if !small => {
                let mut out = ct.clone();
                out.meta.correction = t.mul(ct.meta.correction, inv);
                Ok(out)
            }
            _ => Ok(self.times(ct, k)),
        }
    }

    /// The degree-2 product `(a_0 b_0, a_0 b_1 + a_1 b_0, a_1 b_1)` at the common level,
    /// times `t` (two `t^{-1}` factors in, one out); correction `c_a·c_b`.
    pub fn tensor(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, Error> {
        self.check(a)?;
        self.check(b)?;
        if a.parts.len() != 2 || b.parts.len() != 2 {
            return Err(Error::InvalidDegree {
                degree: a.degree().max(b.degree()),
                expected: "1 (relinearize first)",
            });
        }
        let level = a.level().min(b.level());
        let (a, b) = (self.lowered(a, level)?, self.lowered(b, level)?);
        let parts = self.fused_tensor(&a.parts, &b.parts)?;
        let mut out = Ciphertext::new(parts, a.meta);
        out.meta.correction = self.t().mul(a.meta.correction, b.meta.correction);
        Ok(out)
    }

    /// `t·(a_0 b_0, a_0 b_1 + a_1 b_0, a_1 b_1)` in one pass per limb (in parallel over
    /// limbs): `t` is folded into `a` with Shoup products, the middle term reduced once.
    fn fused_tensor(&self, a: &[Poly<Ntt>], b: &[Poly<Ntt>]) -> Result<Vec<Poly<Ntt>>, Error> {
        let ctx = a[0].ctx();
        let (n, limbs) = (ctx.n(), a[0].q_limbs());
        for p in a.iter().chain(b) {
            if p.q_limbs() != limbs || p.p_limbs() != 0 || **p.ctx() != **ctx {
                return Err(Error::ParametersMismatch);
            }
        }
        let mut out = [
            vec![0u64; n * limbs],
            vec![0u64; n * limbs],
            vec![0u64; n * limbs],
        ];
        let [o0, o1, o2] = &mut out;
        let moduli = ctx.moduli();
        o0.par_chunks_mut(n)
            .zip(o1.par_chunks_mut(n))
            .zip(o2.par_chunks_mut(n))
            .enumerate()
            .for_each(|(i, ((c0, c1), c2))| {
                let m = &moduli[i];
                let (tv, ts) = self.params.t_mod_q(i);
                let (a0, a1) = (a[0].limb(i), a[1].limb(i));
                let (b0, b1) = (b[0].limb(i), b[1].limb(i));
                for k in 0..n {
                    let x0 = m.mul_shoup(a0[k], tv, ts);
                    let x1 = m.mul_shoup(a1[k], tv, ts);
                    c0[k] = m.mul(x0, b0[k]);
                    c2[k] = m.mul(x1, b1[k]);
                    c1[k] = m.reduce_u128(x0 as u128 * b1[k] as u128 + x1 as u128 * b0[k] as u128);
                }
            });
        out.into_iter()
            .map(|words| Ok(Poly::from_words(ctx, limbs, 0, words)?))
            .collect()
    }

    /// Relinearizes a degree-2 ciphertext (key switching `s² → s`, error `t·ε`).
    pub fn relinearize(&self, ct: &Ciphertext) -> Result<Ciphertext, Error> {
        self.check(ct)?;
        Ok(relinearize(self.params.rlwe(), ct, self.keys.relin()?)?)
    }

    /// `a · b` relinearized, at the common level (no modulus switch).
    pub fn mul_relin(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, Error> {
        self.relinearize(&self.tensor(a, b)?)
    }

    /// `a · b` relinearized and switched down one level: the product as
    /// [`SlotAlgebra`](blindfold_rlwe::SlotAlgebra) sees it.
    pub fn mul(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, Error> {
        self.check(a)?;
        self.check(b)?;
        if a.level().min(b.level()) == 0 {
            return Err(Error::OutOfLevels { op: "mul" });
        }
        self.mod_switch(&self.mul_relin(a, b)?)
    }

    /// `a²` relinearized and switched down one level.
    pub fn square(&self, a: &Ciphertext) -> Result<Ciphertext, Error> {
        self.mul(a, a)
    }

    /// `ct · pt` at the lower of the two levels, no modulus switch; correction `c·c_pt`.
    pub fn mul_plain_no_switch(
        &self,
        ct: &Ciphertext,
        pt: &Plaintext,
    ) -> Result<Ciphertext, Error> {
        let (ct, pt) = self.plain_operands(ct, pt, false)?;
        let mut out = ct.into_owned();
        out.seed = None;
        for p in &mut out.parts {
            p.mul_assign(&pt.poly)?;
        }
        out.meta.correction = self.t().mul(out.meta.correction, pt.meta.correction);
        Ok(out)
    }

    /// `ct · pt` then one modulus switch, landing at `min(level(ct) - 1, level(pt))`: when
    /// the plaintext is lower than that, `ct` is switched down to it and the product is not
    /// switched again.
    pub fn mul_plain(&self, ct: &Ciphertext, pt: &Plaintext) -> Result<Ciphertext, Error> {
        self.check(ct)?;
        if ct.level() == 0 {
            return Err(Error::OutOfLevels { op: "mul_plain" });
        }
        let target = (ct.level() - 1).min(pt.level());
        let product = self.mul_plain_no_switch(ct, pt)?;
        self.mod_switch_to(&product, target)
    }

    /// The Galois element rotating both rows left by `k` (`k < 0`: right).
    pub fn rotation_element(&self, k: i64) -> u64 {
        rotation_element(self.params.log_n(), k)
    }

    fn galois_key(&self, g: u64) -> Result<&GaloisKey, Error> {
        Ok(self.keys.galois(g)?)
    }

    fn row_shift(&self, k: i64) -> i64 {
        k.rem_euclid((self.params.n() / 2) as i64)
    }

    /// Rotates both rows of slots left by `k` (`X ↦ X^{5^k}`).
    pub fn rotate_rows(&self, ct: &Ciphertext, k: i64) -> Result<Ciphertext, Error> {
        Ok(self.rotate_rows_hoisted(ct, &[k])?.remove(0))
    }

    /// Several row rotations of one ciphertext sharing one key-switching decomposition.
    pub fn rotate_rows_hoisted(
        &self,
        ct: &Ciphertext,
        ks: &[i64],
    ) -> Result<Vec<Ciphertext>, Error> {
        self.check(ct)?;
        let mut elements: Vec<u64> = Vec::new();
        let mut keys: Vec<&GaloisKey> = Vec::new();
        for &k in ks {
            let k = self.row_shift(k);
            if k != 0 {
                let g = self.rotation_element(k);
                if !elements.contains(&g) {
                    keys.push(self.galois_key(g)?);
                    elements.push(g);
                }
            }
        }
        let rotated = if keys.is_empty() {
            Vec::new()
        } else {
            apply_galois_hoisted(self.params.rlwe(), ct, &keys)?
        };
        ks.iter()
            .map(|&k| {
                let k = self.row_shift(k);
                if k == 0 {
                    return Ok(ct.clone());
                }
                let g = self.rotation_element(k);
                let i = elements.iter().position(|&e| e == g).unwrap_or(0);
                rotated.get(i).cloned().ok_or(Error::InvalidDegree {
                    degree: ct.degree(),
                    expected: "1",
                })
            })
            .collect()
    }

    /// Swaps the two rows of slots (`X ↦ X^{-1}`).
    pub fn rotate_columns(&self, ct: &Ciphertext) -> Result<Ciphertext, Error> {
        self.check(ct)?;
        let gk = self.galois_key(conjugation_element(self.params.log_n()))?;
        Ok(apply_galois_hoisted(self.params.rlwe(), ct, &[gk])?.remove(0))
    }

    /// Accumulates `Σ ct_i · pt_i` at `level` into one degree-1 ciphertext (no switch).
    /// Every `ct_i` must be at `level` with correction `c`; each plaintext is adapted so
    /// the products share the correction of the first.
    pub(crate) fn sum_of_products(
        &self,
        terms: &[(Cow<'_, Ciphertext>, &Plaintext)],
    ) -> Result<Option<Ciphertext>, Error> {
        let t = self.t();
        let mut acc: Option<(Poly<Ntt>, Poly<Ntt>, u64)> = None;
        for (ct, pt) in terms {
            let level = ct.level();
            let pt = match &acc {
                None => self.encoder.adapted(pt, level, pt.meta.correction)?,
                Some((_, _, target)) => {
                    // ct·pt' has correction c_ct·c' = target.
                    let want = t.mul(*target, t.inv(ct.meta.correction).unwrap_or(0));
                    self.encoder.adapted(pt, level, want)?
                }
            };
            match acc.as_mut() {
                None => {
                    let c0 = ct.parts[0].mul(&pt.poly)?;
                    let c1 = ct.parts[1].mul(&pt.poly)?;
                    let corr = t.mul(ct.meta.correction, pt.meta.correction);
                    acc = Some((c0, c1, corr));
                }
                Some((c0, c1, _)) => {
                    c0.mul_add_assign(&ct.parts[0], &pt.poly)?;
                    c1.mul_add_assign(&ct.parts[1], &pt.poly)?;
                }
            }
        }
        Ok(acc.map(|(c0, c1, correction)| {
            let mut out = Ciphertext::new(vec![c0, c1], terms[0].0.meta);
            out.meta.correction = correction;
            out
        }))
    }
}
