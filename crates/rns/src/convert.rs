//! Changes of RNS basis: fast base conversion, rescaling, mod-up (gadget digits) and
//! mod-down by the special primes, and the lazy inner product of key switching.

use std::sync::Arc;

use blindfold_modarith::Modulus;
use rayon::prelude::*;

use crate::{Coeff, Error, Ntt, Poly, Representation};

/// Fast (approximate) base conversion from a basis `F = {f_j}` to `T = {t_i}` with centered
/// digits: `conv(x)_i = Σ_j y_j · (F/f_j) mod t_i` where `y_j = [x_j · (F/f_j)^{-1}]_{f_j}`
/// is taken in `(-f_j/2, f_j/2]`. The result is `x + u·F (mod t_i)` for an integer
/// `|u| <= |F|/2 + 1` with `x` the centered CRT value (Halevi–Polyakov–Shoup, 2019).
///
/// Centering matters for key switching: with digits in `[0, f_j)` the extended value has a
/// mean of about `|F|·F/2`, a near-constant polynomial whose product with the key's error is
/// amplified by `~N` in the slots next to the root `ζ ≈ 1`; centered digits have zero mean.
#[derive(Debug)]
pub struct BaseConverter {
    from: Vec<Modulus>,
    to: Vec<Modulus>,
    /// `(F/f_j)^{-1} mod f_j` and its Shoup quotient.
    hat_inv: Vec<(u64, u64)>,
    /// `hat[i][j] = (F/f_j) mod t_i`.
    hat: Vec<Vec<u64>>,
    /// `neg[i][j] = -f_j·(F/f_j) mod t_i`: added when `y_j` is taken negative.
    neg: Vec<Vec<u64>>,
}

/// Products of two words below 2^62 are below 2^124: fifteen products plus fifteen
/// corrections below 2^62 fit in a `u128`.
const LAZY_TERMS: usize = 15;

/// Coefficients per work item: the block's `u128` accumulators stay in L1.
const BLOCK: usize = 256;

impl BaseConverter {
    /// Tables for converting from the moduli at indices `from` to those at `to`.
    pub fn new(moduli: &[Modulus], from: &[usize], to: &[usize]) -> Self {
        let from: Vec<Modulus> = from.iter().map(|&i| moduli[i]).collect();
        let to: Vec<Modulus> = to.iter().map(|&i| moduli[i]).collect();
        let hat_mod = |m: &Modulus, skip: usize| {
            from.iter()
                .enumerate()
                .filter(|&(k, _)| k != skip)
                .fold(m.reduce(1), |acc, (_, f)| m.mul(acc, m.reduce(f.value())))
        };
        let hat_inv = from
            .iter()
            .enumerate()
            .map(|(j, f)| {
                // Distinct primes: the inverse exists.
                let v = f.inv(hat_mod(f, j)).unwrap_or(0);
                (v, f.shoup(v))
            })
            .collect();
        let hat: Vec<Vec<u64>> = to
            .iter()
            .map(|t| (0..from.len()).map(|j| hat_mod(t, j)).collect())
            .collect();
        let neg = to
            .iter()
            .zip(&hat)
            .map(|(t, h)| {
                from.iter()
                    .zip(h)
                    .map(|(f, &hj)| t.neg(t.mul(t.reduce(f.value()), hj)))
                    .collect()
            })
            .collect();
        Self {
            from,
            to,
            hat_inv,
            hat,
            neg,
        }
    }

    /// Number of input moduli.
    pub fn from_len(&self) -> usize {
        self.from.len()
    }

    /// Number of output moduli.
    pub fn to_len(&self) -> usize {
        self.to.len()
    }

    /// Converts coefficient-form limbs `input[j]` (mod `f_j`) into `output[i]` (mod `t_i`).
    pub fn convert(&self, input: &[&[u64]], output: &mut [&mut [u64]]) {
        assert_eq!(input.len(), self.from.len(), "input limb count");
        assert_eq!(output.len(), self.to.len(), "output limb count");
        let n = input.first().map_or(0, |x| x.len());
        let blocks = n.div_ceil(BLOCK);
        // Transpose the outputs into per-block slices so blocks run in parallel.
        let mut per_block: Vec<Vec<&mut [u64]>> = (0..blocks).map(|_| Vec::new()).collect();
        for out in output.iter_mut() {
            for (b, chunk) in out.chunks_mut(BLOCK).enumerate() {
                per_block[b].push(chunk);
            }
        }
        per_block
            .par_iter_mut()
            .enumerate()
            .for_each(|(b, outs)| self.convert_block(input, b * BLOCK, outs));
    }

    fn convert_block(&self, input: &[&[u64]], start: usize, outs: &mut [&mut [u64]]) {
        let len = outs.first().map_or(0, |o| o.len());
        let k = self.from.len();
        // y_j in [0, f_j) and the mask of those taken negative (y_j > f_j/2).
        let mut y = vec![0u64; k * len];
        let mut mask = vec![0u64; k * len];
        for (j, ((f, &(w, ws)), x)) in self.from.iter().zip(&self.hat_inv).zip(input).enumerate() {
            let half = f.value() >> 1;
            let x = &x[start..start + len];
            for ((yv, mv), &xv) in y[j * len..(j + 1) * len]
                .iter_mut()
                .zip(&mut mask[j * len..(j + 1) * len])
                .zip(x)
            {
                let v = f.mul_shoup(xv, w, ws);
                *yv = v;
                *mv = 0u64.wrapping_sub((half < v) as u64);
            }
        }
        let mut acc = [0u128; BLOCK];
        for ((out, t), (hat, neg)) in outs
            .iter_mut()
            .zip(&self.to)
            .zip(self.hat.iter().zip(&self.neg))
        {
            let acc = &mut acc[..len];
            acc.fill(0);
            for (j, (&h, &c)) in hat.iter().zip(neg).enumerate() {
                let yj = &y[j * len..(j + 1) * len];
                let mj = &mask[j * len..(j + 1) * len];
                for ((a, &v), &m) in acc.iter_mut().zip(yj).zip(mj) {
                    *a += v as u128 * h as u128 + (m & c) as u128;
                }
                if (j + 1) % LAZY_TERMS == 0 {
                    for a in acc.iter_mut() {
                        *a = t.reduce_u128(*a) as u128;
                    }
                }
            }
            for (o, &a) in out.iter_mut().zip(acc.iter()) {
                *o = t.reduce_u128(a);
            }
        }
    }
}

fn forward_if<R: Representation>(poly_ctx: &crate::RingContext, i: usize, a: &mut [u64]) {
    if R::IS_NTT {
        poly_ctx.plan(i).forward(a);
    }
}

fn inverse_if<R: Representation>(poly_ctx: &crate::RingContext, i: usize, a: &mut [u64]) {
    if R::IS_NTT {
        poly_ctx.plan(i).inverse(a);
    }
}

impl<R: Representation> Poly<R> {
    /// Divides by the last active prime `q_l` with rounding and drops it:
    /// `round(x / q_l)` limb-wise exact (it equals the rounded division of the CRT value).
    pub fn rescale(&mut self) -> Result<(), Error> {
        if self.p_limbs() != 0 || self.q_limbs() < 2 {
            return Err(Error::InvalidLimbs {
                what: "rescaling",
                q_limbs: self.q_limbs(),
                p_limbs: self.p_limbs(),
            });
        }
        let ctx = Arc::clone(self.ctx());
        let l = self.q_limbs() - 1;
        let ml = ctx.moduli()[l];
        let half = ml.value() >> 1;
        // (x + half) mod q_l in coefficient form: adding half first turns floor into rounding.
        let mut last = self.limb(l).to_vec();
        inverse_if::<R>(&ctx, l, &mut last);
        for x in last.iter_mut() {
            *x = ml.add(*x, half);
        }
        self.drop_to_q_limbs(l)?;
        let consts = ctx.rescale_constants(l);
        self.for_each_limb(|i, a| {
            let m = &ctx.moduli()[i];
            let half_i = m.reduce(half);
            let mut t: Vec<u64> = last.iter().map(|&v| m.sub(m.reduce(v), half_i)).collect();
            forward_if::<R>(&ctx, i, &mut t);
            let (w, ws) = consts[i];
            for (x, &d) in a.iter_mut().zip(&t) {
                *x = m.mul_shoup(m.sub(*x, d), w, ws);
            }
        });
        Ok(())
    }

    /// Divides a polynomial over `Q_l ∪ P` by `P` (approximately, error below `|P|` per
    /// coefficient) and drops the `P` limbs: the last step of hybrid key switching.
    pub fn mod_down(&mut self) -> Result<(), Error> {
        let ctx = Arc::clone(self.ctx());
        if self.p_limbs() == 0 {
            return Err(Error::InvalidLimbs {
                what: "mod-down",
                q_limbs: self.q_limbs(),
                p_limbs: 0,
            });
        }
        let (ql, np) = (self.q_limbs(), self.p_limbs());
        let n = ctx.n();
        let p_idx: Vec<usize> = (0..np).map(|j| ctx.num_q() + j).collect();
        let q_idx: Vec<usize> = (0..ql).collect();
        let mut p_part: Vec<Vec<u64>> = (0..np).map(|j| self.limb(ql + j).to_vec()).collect();
        p_part
            .par_iter_mut()
            .zip(&p_idx)
            .for_each(|(a, &i)| inverse_if::<R>(&ctx, i, a));
        let mut conv = vec![0u64; ql * n];
        {
            let inputs: Vec<&[u64]> = p_part.iter().map(Vec::as_slice).collect();
            let mut outputs: Vec<&mut [u64]> = conv.chunks_mut(n).collect();
            ctx.converter(&p_idx, &q_idx).convert(&inputs, &mut outputs);
        }
        self.drop_p();
        let p_inv = ctx.p_inv_mod_q();
        // Q limb i has modulus index i.
        self.words_mut()
            .par_chunks_mut(n)
            .zip(conv.par_chunks_mut(n))
            .enumerate()
            .for_each(|(i, (a, t))| {
                let m = &ctx.moduli()[i];
                forward_if::<R>(&ctx, i, t);
                let (w, ws) = p_inv[i];
                for (x, &d) in a.iter_mut().zip(t.iter()) {
                    *x = m.mul_shoup(m.sub(*x, d), w, ws);
                }
            });
        Ok(())
    }
}

impl Poly<Ntt> {
    /// Hybrid-key-switching decomposition: splits the `Q_l` limbs into digits of `digit_size`
    /// consecutive primes and extends each digit `[x]_{D}` to all of `Q_l ∪ P` by fast base
    /// conversion (mod-up). Returns one NTT-form polynomial over `Q_l ∪ P` per digit.
    pub fn decompose_mod_up(&self, digit_size: usize) -> Result<Vec<Poly<Ntt>>, Error> {
        let ctx = Arc::clone(self.ctx());
        if self.p_limbs() != 0 || ctx.num_p() == 0 || digit_size == 0 {
            return Err(Error::InvalidLimbs {
                what: "gadget decomposition",
                q_limbs: self.q_limbs(),
                p_limbs: self.p_limbs(),
            });
        }
        let (ql, np, n) = (self.q_limbs(), ctx.num_p(), ctx.n());
        let coeff: Poly<Coeff> = self.clone().into_coeff();
        let digits = ql.div_ceil(digit_size);
        (0..digits)
            .map(|d| {
                let lo = d * digit_size;
                let hi = (lo + digit_size).min(ql);
                let from: Vec<usize> = (lo..hi).collect();
                let to: Vec<usize> = (0..ql)
                    .filter(|k| !(lo..hi).contains(k))
                    .chain(ctx.num_q()..ctx.num_q() + np)
                    .collect();
                let mut ext = vec![0u64; to.len() * n];
                {
                    let inputs: Vec<&[u64]> = (lo..hi).map(|k| coeff.limb(k)).collect();
                    let mut outputs: Vec<&mut [u64]> = ext.chunks_mut(n).collect();
                    ctx.converter(&from, &to).convert(&inputs, &mut outputs);
                }
                ext.par_chunks_mut(n)
                    .zip(to.par_iter())
                    .for_each(|(a, &i)| ctx.plan(i).forward(a));
                // Assemble limbs in order Q_0..Q_l, P: digit limbs come from self (already NTT).
                let mut data = vec![0u64; (ql + np) * n];
                let mut ext_chunks = ext.chunks(n);
                for (k, dst) in data.chunks_mut(n).enumerate() {
                    if (lo..hi).contains(&k) {
                        dst.copy_from_slice(self.limb(k));
                    } else if let Some(src) = ext_chunks.next() {
                        dst.copy_from_slice(src);
                    }
                }
                Ok(self.with_data(ql, np, data))
            })
            .collect()
    }

    /// `self = Σ_d a_d · b_d` with one reduction per word (lazy `u128` accumulation).
    ///
    /// Each `b_d` may hold more `Q` limbs than `self` (a key stored at the top level): only
    /// the limbs with the same moduli are read. Every `a_d` must have `self`'s limb set.
    pub fn set_inner_product(&mut self, a: &[&Poly<Ntt>], b: &[&Poly<Ntt>]) -> Result<(), Error> {
        if a.len() != b.len() {
            return Err(Error::LengthMismatch {
                expected: a.len(),
                actual: b.len(),
            });
        }
        let (ql, np) = (self.q_limbs(), self.p_limbs());
        for (x, y) in a.iter().zip(b) {
            if x.q_limbs() != ql || x.p_limbs() != np {
                return Err(Error::BasisMismatch {
                    left: (ql, np),
                    right: (x.q_limbs(), x.p_limbs()),
                });
            }
            if y.q_limbs() < ql || y.p_limbs() != np {
                return Err(Error::BasisMismatch {
                    left: (ql, np),
                    right: (y.q_limbs(), y.p_limbs()),
                });
            }
            if !(Arc::ptr_eq(x.ctx(), self.ctx()) && Arc::ptr_eq(y.ctx(), self.ctx()))
                && (**x.ctx() != **self.ctx() || **y.ctx() != **self.ctx())
            {
                return Err(Error::ContextMismatch);
            }
        }
        let ctx = Arc::clone(self.ctx());
        let n = ctx.n();
        let idx = self.modulus_indices();
        // Limb k of self is limb k of every a_d, and limb k (Q) or k - ql + y.q_limbs() (P) of b_d.
        self.words_mut()
            .par_chunks_mut(n)
            .enumerate()
            .for_each(|(k, out)| {
                let m = &ctx.moduli()[idx[k]];
                let mut acc = vec![0u128; n];
                let mut pending = 0;
                for (x, y) in a.iter().zip(b) {
                    let xl = x.limb(k);
                    let yl = if k < ql {
                        y.limb(k)
                    } else {
                        y.limb(k - ql + y.q_limbs())
                    };
                    for ((s, &u), &v) in acc.iter_mut().zip(xl).zip(yl) {
                        *s += u as u128 * v as u128;
                    }
                    pending += 1;
                    if pending == LAZY_TERMS {
                        for s in acc.iter_mut() {
                            *s = m.reduce_u128(*s) as u128;
                        }
                        pending = 1;
                    }
                }
                for (o, &s) in out.iter_mut().zip(&acc) {
                    *o = m.reduce_u128(s);
                }
            });
        Ok(())
    }
}
