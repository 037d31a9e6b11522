//! Linear transforms on encrypted slots for CoeffToSlot and SlotToCoeff: complex
//! diagonals, baby-step/giant-step with hoisted baby rotations, and giant steps accumulated
//! Horner-style (`acc ← rot(acc, G) + inner_g`), so each level needs only `n1 − 1` baby
//! keys and the two giant keys `±G` (the same number of key switches as one key per giant).
//! Products are summed before a single rescale at the end of the level, so every rotation
//! acts on the unrescaled sums and its key-switching noise is negligible against their scale.

use std::collections::BTreeSet;
use std::sync::Mutex;

use blindfold_rlwe::cipher::apply_galois_hoisted;
use blindfold_rlwe::{Ciphertext, GaloisKey, Plaintext};
use blindfold_rns::rotation_element;

use super::dft::DiagMatrix;
use crate::{C64, Encoder, Error, Evaluator};

/// The rotations one transform level needs, known before any key exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LevelShape {
    /// Slots the transform acts on (rotations are taken modulo `slots`).
    pub slots: usize,
    /// Baby steps `n1` (a power of two) and the butterfly distance of the level.
    pub baby_steps: usize,
    pub stride: usize,
    /// Non-zero baby offsets `b·stride` (hoisted), in slots.
    pub babies: BTreeSet<usize>,
    /// Largest positive and negative giant indices (`g·n1·stride`).
    pub g_max: i64,
    pub g_min: i64,
    /// Diagonal offsets as `(g, b)`.
    pub terms: Vec<(usize, i64, usize)>,
}

impl LevelShape {
    /// The BSGS split of `m`'s diagonals (offsets multiples of `stride`) with `n1` baby steps.
    pub fn new(m: &DiagMatrix, stride: usize, baby_steps: usize) -> Self {
        let n = m.n();
        let n1 = baby_steps.max(1);
        let mut babies = BTreeSet::new();
        let (mut g_max, mut g_min) = (0i64, 0i64);
        let mut terms = Vec::new();
        for &o in m.diags().keys() {
            // Centered offset in units of the stride.
            let c = if o > n / 2 {
                o as i64 - n as i64
            } else {
                o as i64
            };
            let k = c / stride as i64;
            let b = k.rem_euclid(n1 as i64);
            let g = (k - b) / n1 as i64;
            if b != 0 {
                babies.insert(b as usize * stride);
            }
            g_max = g_max.max(g);
            g_min = g_min.min(g);
            terms.push((o, g, b as usize));
        }
        Self {
            slots: n,
            baby_steps: n1,
            stride,
            babies,
            g_max,
            g_min,
            terms,
        }
    }

    /// The giant step `G = n1·stride` in slots.
    pub fn giant(&self) -> usize {
        self.baby_steps * self.stride
    }

    /// Signed rotations (in slots) this level performs with a key.
    pub fn rotations(&self) -> Vec<i64> {
        let mut r: Vec<i64> = self.babies.iter().map(|&b| b as i64).collect();
        let g = self.giant() as i64;
        if self.g_max > 0 {
            r.push(g);
        }
        if self.g_min < 0 {
            r.push(-g);
        }
        r
    }

    /// Key switches per application: hoisted babies, then giant rotations.
    pub fn key_switches(&self) -> (usize, usize) {
        (self.babies.len(), (self.g_max - self.g_min) as usize)
    }
}

/// The Galois element of a rotation by `k` slots of an `slots`-slot vector.
pub(crate) fn element(log_n: u32, slots: usize, k: i64) -> u64 {
    rotation_element(log_n, k.rem_euclid(slots as i64))
}

/// Galois elements a bootstrapper has fetched keys for (checked against its plan by tests).
pub(crate) type Used = Mutex<BTreeSet<u64>>;

/// The Galois key for `g`, recording its use.
pub(crate) fn galois_key<'a>(
    eval: &'a Evaluator,
    used: &Used,
    g: u64,
    rotation: Option<i64>,
) -> Result<&'a GaloisKey, Error> {
    let key = eval
        .keys()
        .galois
        .get(&g)
        .ok_or(Error::MissingRotationKey {
            rotation,
            galois_element: g,
        })?;
    used.lock().unwrap_or_else(|e| e.into_inner()).insert(g);
    Ok(key)
}

/// A term: the baby rotation it reads (`None`: the input) and its pre-rotated diagonal.
type Term = (Option<usize>, Plaintext);

/// One transform level encoded at its input level.
#[derive(Debug)]
pub(crate) struct EncodedLevel {
    shape: LevelShape,
    level: usize,
    pt_scale: f64,
    /// The encoded matrix is the transform divided by `factor` (tracked in the scale).
    factor: f64,
    babies: Vec<i64>,
    /// Terms of giant indices `0, 1, …, g_max` and `−1, −2, …, g_min`.
    pos: Vec<Vec<Term>>,
    neg: Vec<Vec<Term>>,
}

impl EncodedLevel {
    /// Encodes `m / m.max_abs()` at `level` with plaintext scale `pt_scale`: an input at scale
    /// `s` comes out (as `M·x`) at scale `s·pt_scale/(q_level·max_abs)`.
    pub fn new(
        encoder: &Encoder,
        m: &DiagMatrix,
        shape: LevelShape,
        level: usize,
        pt_scale: f64,
    ) -> Result<Self, Error> {
        let n = m.n();
        let factor = m.max_abs();
        if !(factor.is_finite() && factor > 0.0) {
            return Err(Error::Internal("empty transform level"));
        }
        let babies: Vec<i64> = shape.babies.iter().map(|&b| b as i64).collect();
        let mut pos: Vec<Vec<Term>> = (0..=shape.g_max).map(|_| Vec::new()).collect();
        let mut neg: Vec<Vec<Term>> = (0..-shape.g_min).map(|_| Vec::new()).collect();
        let giant = shape.giant();
        for &(o, g, b) in &shape.terms {
            let d = &m.diags()[&o];
            // rot(d, −gG): the giant rotation applied after the product undoes it.
            let mut pre: Vec<C64> = d.iter().map(|z| z.scale(1.0 / factor)).collect();
            pre.rotate_right((g * giant as i64).rem_euclid(n as i64) as usize);
            let pt = encoder.encode_complex(&pre, n, level, pt_scale)?;
            let src = if b == 0 {
                None
            } else {
                Some(
                    babies
                        .binary_search(&((b * shape.stride) as i64))
                        .map_err(|_| Error::Internal("baby step not planned"))?,
                )
            };
            if g >= 0 {
                pos[g as usize].push((src, pt));
            } else {
                neg[(-g - 1) as usize].push((src, pt));
            }
        }
        Ok(Self {
            shape,
            level,
            pt_scale,
            factor,
            babies,
            pos,
            neg,
        })
    }

    /// `Σ pt ⊙ src` without rescaling (`None` when there are no terms).
    fn inner(
        terms: &[Term],
        x: &Ciphertext,
        rotated: &[Ciphertext],
    ) -> Result<Option<Ciphertext>, Error> {
        let mut acc: Option<Ciphertext> = None;
        for (src, pt) in terms {
            let c = src.map_or(x, |i| &rotated[i]);
            match acc.as_mut() {
                None => {
                    let mut parts = c.parts.clone();
                    for p in &mut parts {
                        p.mul_assign(&pt.poly)?;
                    }
                    acc = Some(Ciphertext::new(parts, c.meta));
                }
                Some(a) => {
                    for (ap, cp) in a.parts.iter_mut().zip(&c.parts) {
                        ap.mul_add_assign(cp, &pt.poly)?;
                    }
                }
            }
        }
        Ok(acc)
    }

    /// `M·x`, one level down. `x` must be at this level's level (its scale is any).
    pub fn apply(
        &self,
        eval: &Evaluator,
        used: &Used,
        x: &Ciphertext,
    ) -> Result<Ciphertext, Error> {
        if x.level() != self.level {
            return Err(Error::InvalidLevel {
                level: self.level,
                max: x.level(),
            });
        }
        let params = eval.params();
        let (log_n, n) = (params.log_n(), self.shape.slots);
        let keys = self
            .babies
            .iter()
            .map(|&b| galois_key(eval, used, element(log_n, n, b), Some(b)))
            .collect::<Result<Vec<_>, _>>()?;
        let rotated = if keys.is_empty() {
            Vec::new()
        } else {
            apply_galois_hoisted(params.rlwe(), x, &keys)?
        };
        let g = self.shape.giant() as i64;
        let rot = |ct: &Ciphertext, k: i64| -> Result<Ciphertext, Error> {
            let key = galois_key(eval, used, element(log_n, n, k), Some(k))?;
            Ok(apply_galois_hoisted(params.rlwe(), ct, &[key])?.remove(0))
        };
        let add = |a: Option<Ciphertext>, b: Option<Ciphertext>| -> Result<_, Error> {
            Ok(match (a, b) {
                (Some(mut a), Some(b)) => {
                    for (x, y) in a.parts.iter_mut().zip(&b.parts) {
                        x.add_assign(y)?;
                    }
                    Some(a)
                }
                (a, None) => a,
                (None, b) => b,
            })
        };
        // Positive giants: Σ_{g ≥ 0} rot(inner_g, gG) by Horner from the top.
        let mut acc: Option<Ciphertext> = None;
        for terms in self.pos.iter().rev() {
            if let Some(a) = acc.take() {
                acc = Some(rot(&a, g)?);
            }
            acc = add(acc, Self::inner(terms, x, &rotated)?)?;
        }
        // Negative giants: Σ_{g < 0} rot(inner_g, gG), from the most negative.
        let mut neg: Option<Ciphertext> = None;
        for terms in self.neg.iter().rev() {
            if let Some(a) = neg.take() {
                neg = Some(rot(&a, -g)?);
            }
            neg = add(neg, Self::inner(terms, x, &rotated)?)?;
        }
        if let Some(a) = neg.take() {
            neg = Some(rot(&a, -g)?);
        }
        let mut sum = add(acc, neg)?.ok_or(Error::Internal("empty transform level"))?;
        let scale = x.meta.scale * self.pt_scale;
        sum.meta.scale = scale;
        let mut out = eval.rescale(&sum)?;
        // The sum holds (M/factor)·x at scale/q: as M·x its scale is divided by factor.
        out.meta.scale = scale / params.q(self.level) as f64 / self.factor;
        Ok(out)
    }
}
