//! Linear transforms on encrypted slots for CoeffToSlot and SlotToCoeff: complex
//! diagonals, baby-step/giant-step, giant steps accumulated Horner-style
//! (`acc ← rot(acc, G) + inner_g`), so each level needs only `n1 − 1` baby keys and the two
//! giant keys `±G` (the same number of key switches as one key per giant).
//!
//! Double hoisting (Bossuat et al., Eurocrypt 2021): the baby rotations share one mod-up and
//! stay over `Q ∪ P` without their division by `P`; the diagonals (encoded over `Q ∪ P`)
//! multiply them there, and each giant step divides its whole sum by `P` once, together with
//! the key switch of its rotation. So a level costs `1 + #giants` mod-ups and `#giants + 2`
//! mod-downs instead of one of each per rotation, and the babies add no rounding noise at the
//! input's scale (only sums at the product's scale are rounded). Products are rescaled once,
//! at the end of the level.

use std::collections::BTreeSet;
use std::sync::Mutex;

use blindfold_rlwe::cipher::apply_galois_hoisted;
use blindfold_rlwe::{Ciphertext, GaloisKey};
use blindfold_rns::{Ntt, Poly, RingContext, SwitchKey, rotation_element};

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
type Term = (Option<usize>, Diagonal);

/// An encoded diagonal in NTT form, stored once per run of equal values: a diagonal of
/// period `P` in the slots is a polynomial in `X^{N/(2P)}`, whose NTT (bit-reversed order)
/// repeats each of its `2P` values `N/(2P)` times in a row. The merged butterfly levels are
/// periodic (period `2^{last stage}`), so all levels but the one holding the last stage take
/// `P/n` of the memory of dense plaintexts.
#[derive(Debug)]
struct Diagonal {
    /// `log2` of the run length.
    run_log: u32,
    limbs: usize,
    /// `limbs × (N >> run_log)` words.
    values: Vec<u64>,
}

impl Diagonal {
    /// Compresses an NTT-form plaintext of a `2^period_log`-periodic slot vector.
    fn new(p: &Poly<Ntt>, run_log: u32) -> Result<Self, Error> {
        let n = p.ctx().n();
        let len = n >> run_log;
        let mut values = Vec::with_capacity(p.num_limbs() * len);
        for limb in p.limbs() {
            let start = values.len();
            values.extend((0..len).map(|r| limb[r << run_log]));
            if limb
                .iter()
                .enumerate()
                .any(|(j, &w)| w != values[start + (j >> run_log)])
            {
                return Err(Error::Internal(
                    "a periodic diagonal's NTT is not run-length",
                ));
            }
        }
        Ok(Self {
            run_log,
            limbs: p.num_limbs(),
            values,
        })
    }

    /// `acc = x ⊙ d` (`first`) or `acc += x ⊙ d`, limb by limb.
    fn mul_into(&self, acc: &mut Poly<Ntt>, x: &Poly<Ntt>, first: bool) -> Result<(), Error> {
        if acc.num_limbs() != self.limbs || x.num_limbs() != self.limbs {
            return Err(Error::Internal("diagonal and ciphertext limbs differ"));
        }
        let n = x.ctx().n();
        let len = n >> self.run_log;
        let mut row = vec![0u64; if self.run_log == 0 { 0 } else { n }];
        for k in 0..self.limbs {
            let m = *x.modulus(k);
            let v = &self.values[k * len..(k + 1) * len];
            let d: &[u64] = if self.run_log == 0 {
                v
            } else {
                for (chunk, &w) in row.chunks_mut(1 << self.run_log).zip(v) {
                    chunk.fill(w);
                }
                &row
            };
            if first {
                acc.limb_mut(k).copy_from_slice(x.limb(k));
                m.mul_assign_slice(acc.limb_mut(k), d);
            } else {
                m.mul_add_slice(acc.limb_mut(k), x.limb(k), d);
            }
        }
        Ok(())
    }
}

/// The shortest power-of-two period of `v` (exact repeats, as the stage products make them).
fn period(v: &[C64]) -> usize {
    let mut p = v.len();
    while p > 1 && v.iter().enumerate().all(|(i, z)| *z == v[i % (p / 2)]) {
        p /= 2;
    }
    p
}

/// A ciphertext over `Q_l ∪ P` holding `P·(c_0, c_1)·2^-64` (the Montgomery domain in which
/// `Poly::switch_keys_extended` leaves its sums).
type Ext = [Poly<Ntt>; 2];

fn switch_key(k: &GaloisKey, galois: Option<u64>) -> SwitchKey<'_> {
    SwitchKey {
        b: k.key().b(),
        a: k.key().a(),
        galois,
    }
}

/// `P·2^-64 mod q_i` for `i ≤ level`.
fn lift_constants(ring: &RingContext, level: usize) -> Vec<u64> {
    let p = ring.p_values();
    ring.moduli()[..=level]
        .iter()
        .map(|m| {
            let pm = p
                .iter()
                .fold(m.reduce(1), |acc, &pj| m.mul(acc, m.reduce(pj)));
            // Distinct primes: 2^64 is invertible modulo q_i.
            let inv = m.inv(m.reduce_u128(1 << 64)).unwrap_or(0);
            m.mul(pm, inv)
        })
        .collect()
}

/// `dst += src·w` limb-wise on the `Q` limbs of `dst` (`src` over `Q` only).
fn add_lifted(dst: &mut Poly<Ntt>, src: &Poly<Ntt>, w: &[u64]) {
    for (k, &wk) in w.iter().enumerate().take(src.q_limbs()) {
        let m = *src.modulus(k);
        m.scalar_mul_add_slice(dst.limb_mut(k), src.limb(k), wk);
    }
}

/// `src·w` over `Q ∪ P` (zero on `P`).
fn lift(src: &Poly<Ntt>, w: &[u64]) -> Result<Poly<Ntt>, Error> {
    let mut out = Poly::<Ntt>::zero(src.ctx(), src.q_limbs(), src.ctx().num_p())?;
    add_lifted(&mut out, src, w);
    Ok(out)
}

fn add_ct(a: Option<Ciphertext>, b: Option<Ciphertext>) -> Result<Option<Ciphertext>, Error> {
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
}

fn add_ext(a: Option<Ext>, b: Option<Ext>) -> Result<Option<Ext>, Error> {
    Ok(match (a, b) {
        (Some(mut a), Some(b)) => {
            for (x, y) in a.iter_mut().zip(&b) {
                x.add_assign(y)?;
            }
            Some(a)
        }
        (a, None) => a,
        (None, b) => b,
    })
}

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
    /// `P·2^-64 mod q_i`: lifts a `Q` polynomial into the extended domain; `None` for a
    /// level applied with plain hoisting (diagonals over `Q` only, a third of the memory at
    /// the bottom of the chain, where `P` outweighs `Q`).
    lift: Option<Vec<u64>>,
}

impl EncodedLevel {
    /// Encodes `m / m.max_abs()` at `level` with plaintext scale `pt_scale`: an input at scale
    /// `s` comes out (as `M·x`) at scale `s·pt_scale/(q_level·max_abs)`. `extended`: double
    /// hoisting (diagonals over `Q ∪ P`), else plain hoisting.
    pub fn new(
        encoder: &Encoder,
        m: &DiagMatrix,
        shape: LevelShape,
        level: usize,
        pt_scale: f64,
        extended: bool,
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
            // Encoded as `P` sparse slots, the polynomial is exactly one in `X^{N/(2P)}`.
            let per = period(&pre);
            let pt = if extended {
                encoder.encode_complex_qp(&pre[..per], per, level, pt_scale)?
            } else {
                encoder
                    .encode_complex(&pre[..per], per, level, pt_scale)?
                    .poly
            };
            let run_log = (encoder.params().n() / (2 * per)).trailing_zeros();
            let pt = Diagonal::new(&pt, run_log)?;
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
        let lift = extended.then(|| lift_constants(encoder.params().rlwe().ring(), level));
        Ok(Self {
            shape,
            level,
            pt_scale,
            factor,
            babies,
            pos,
            neg,
            lift,
        })
    }

    /// `Σ pt ⊙ src` in the extended domain (`None` when there are no terms).
    fn inner(terms: &[Term], x: &Ext, babies: &[Ext]) -> Result<Option<Ext>, Error> {
        let mut acc: Option<Ext> = None;
        for (src, pt) in terms {
            let c = src.map_or(x, |i| &babies[i]);
            let first = acc.is_none();
            let a = match acc.as_mut() {
                Some(a) => a,
                None => acc.insert([
                    Poly::zero(c[0].ctx(), c[0].q_limbs(), c[0].p_limbs())?,
                    Poly::zero(c[1].ctx(), c[1].q_limbs(), c[1].p_limbs())?,
                ]),
            };
            for (ap, cp) in a.iter_mut().zip(c) {
                pt.mul_into(ap, cp, first)?;
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
        if x.level() != self.level || x.parts.len() != 2 {
            return Err(Error::InvalidLevel {
                level: self.level,
                max: x.level(),
            });
        }
        let mut sum = match &self.lift {
            Some(w) => self.sum_extended(eval, used, x, w)?,
            None => self.sum_hoisted(eval, used, x)?,
        };
        let params = eval.params();
        let scale = x.meta.scale * self.pt_scale;
        sum.meta.scale = scale;
        let mut out = eval.rescale(&sum)?;
        // The sum holds (M/factor)·x at scale/q: as M·x its scale is divided by factor.
        out.meta.scale = scale / params.q(self.level) as f64 / self.factor;
        Ok(out)
    }

    /// The unrescaled sum with plain hoisting: baby rotations of `x` (one mod-up, a mod-down
    /// each), products over `Q`, Horner over the giant steps.
    fn sum_hoisted(
        &self,
        eval: &Evaluator,
        used: &Used,
        x: &Ciphertext,
    ) -> Result<Ciphertext, Error> {
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
        let rot = |ct: &Ciphertext, k: i64| -> Result<Ciphertext, Error> {
            let key = galois_key(eval, used, element(log_n, n, k), Some(k))?;
            Ok(apply_galois_hoisted(params.rlwe(), ct, &[key])?.remove(0))
        };
        let inner = |terms: &[Term]| -> Result<Option<Ciphertext>, Error> {
            let mut acc: Option<Ciphertext> = None;
            for (src, pt) in terms {
                let c = src.map_or(x, |i| &rotated[i]);
                let first = acc.is_none();
                let a = match acc.as_mut() {
                    Some(a) => a,
                    None => {
                        let z = Poly::zero(c.parts[0].ctx(), c.parts[0].q_limbs(), 0)?;
                        acc.insert(Ciphertext::new(vec![z.clone(), z], x.meta))
                    }
                };
                for (ap, cp) in a.parts.iter_mut().zip(&c.parts) {
                    pt.mul_into(ap, cp, first)?;
                }
            }
            Ok(acc)
        };
        let g = self.shape.giant() as i64;
        let chain =
            |groups: &[Vec<Term>], step: i64, last: bool| -> Result<Option<Ciphertext>, Error> {
                let mut acc: Option<Ciphertext> = None;
                for terms in groups.iter().rev() {
                    let r = acc.as_ref().map(|a| rot(a, step)).transpose()?;
                    acc = add_ct(r, inner(terms)?)?;
                }
                if last && let Some(a) = acc.take() {
                    acc = Some(rot(&a, step)?);
                }
                Ok(acc)
            };
        let pos = chain(&self.pos, g, false)?;
        let neg = chain(&self.neg, -g, true)?;
        add_ct(pos, neg)?.ok_or(Error::Internal("empty transform level"))
    }

    /// The unrescaled sum with double hoisting (see the module docs).
    fn sum_extended(
        &self,
        eval: &Evaluator,
        used: &Used,
        x: &Ciphertext,
        w: &[u64],
    ) -> Result<Ciphertext, Error> {
        let params = eval.params();
        let digits = params.rlwe().digit_size();
        let (log_n, n) = (params.log_n(), self.shape.slots);
        let switch = switch_key;
        // Baby rotations: one mod-up, sums kept over Q ∪ P.
        let keys = self
            .babies
            .iter()
            .map(|&b| galois_key(eval, used, element(log_n, n, b), Some(b)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut babies: Vec<Ext> = Vec::with_capacity(keys.len());
        if !keys.is_empty() {
            let sw: Vec<SwitchKey<'_>> =
                keys.iter().map(|k| switch(k, Some(k.element()))).collect();
            for ((mut b, a), k) in x.parts[1]
                .switch_keys_extended(digits, &sw)?
                .into_iter()
                .zip(&keys)
            {
                add_lifted(&mut b, &x.parts[0].automorphism(k.element())?, w);
                babies.push([b, a]);
            }
        }
        let identity: Ext = [lift(&x.parts[0], w)?, lift(&x.parts[1], w)?];
        // rot(acc, k) in the extended domain: its key switch without the division by P.
        let rot_ext = |acc: &Ciphertext, k: i64| -> Result<Ext, Error> {
            let key = galois_key(eval, used, element(log_n, n, k), Some(k))?;
            let g = key.element();
            let c1 = acc.parts[1].automorphism(g)?;
            let (mut b, a) = c1
                .switch_keys_extended(digits, &[switch(key, None)])?
                .pop()
                .ok_or(Error::Internal("one switched pair"))?;
            add_lifted(&mut b, &acc.parts[0].automorphism(g)?, w);
            Ok([b, a])
        };
        let down = |e: Ext| -> Result<Ciphertext, Error> {
            let parts = Poly::mod_down_montgomery(Vec::from(e))?;
            Ok(Ciphertext::new(parts, x.meta))
        };
        let g = self.shape.giant() as i64;
        let chain =
            |groups: &[Vec<Term>], step: i64, last: bool| -> Result<Option<Ciphertext>, Error> {
                let mut acc: Option<Ciphertext> = None;
                for terms in groups.iter().rev() {
                    let e = acc.as_ref().map(|a| rot_ext(a, step)).transpose()?;
                    let e = add_ext(e, Self::inner(terms, &identity, &babies)?)?;
                    acc = e.map(down).transpose()?;
                }
                if last && let Some(a) = acc.take() {
                    acc = Some(down(rot_ext(&a, step)?)?);
                }
                Ok(acc)
            };
        // Positive giants: Σ_{g ≥ 0} rot(inner_g, gG) by Horner from the top; negative ones
        // from the most negative, with one last rotation.
        let pos = chain(&self.pos, g, false)?;
        let neg = chain(&self.neg, -g, true)?;
        add_ct(pos, neg)?.ok_or(Error::Internal("empty transform level"))
    }
}
