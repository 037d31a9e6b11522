//! Changes of RNS basis: fast base conversion, rescaling, mod-up (gadget digits) and
//! mod-down by the special primes, and the lazy inner product of key switching.

use std::sync::Arc;

use blindfold_modarith::Modulus;
use rayon::prelude::*;

use crate::scratch::{give_buffer, take_buffer, with_scratch};
use crate::{Coeff, Error, Ntt, Poly, Representation};

/// Fast (approximate) base conversion from a basis `F = {f_j}` to `T = {t_i}` with centered
/// digits: `conv(x)_i = Σ_j y_j · (F/f_j) mod t_i` where `y_j = [x_j · (F/f_j)^{-1}]_{f_j}`
/// is taken in `(-f_j/2, f_j/2]`. The result is `x + u·F (mod t_i)` for an integer
/// `|u| <= |F|/2 + 1` with `x` the centered CRT value (Halevi–Polyakov–Shoup, 2019).
///
/// Centering matters for key switching: with digits in `[0, f_j)` the extended value has a
/// mean of about `|F|·F/2`, a near-constant polynomial whose product with the key's error is
/// amplified by `~N` in the slots next to the root `ζ ≈ 1`; centered digits have zero mean.
///
/// Each output word is one signed `i128` sum of products reduced once, by a signed
/// Montgomery reduction (the constants carry the factor `2^64`).
#[derive(Debug)]
pub struct BaseConverter {
    from: Vec<Modulus>,
    to: Vec<Modulus>,
    /// `(F/f_j)^{-1} mod f_j` and its Shoup quotient.
    hat_inv: Vec<(u64, u64)>,
    /// `hat[i * from.len() + j] = (F/f_j)·2^64 mod t_i` (Montgomery form), as `i64`.
    hat: Vec<i64>,
    /// `t_i^{-1} mod 2^64`.
    t_inv: Vec<u64>,
    /// Input ranges whose moduli sum to at most `2^64`: one lazy sum each.
    chunks: Vec<core::ops::Range<usize>>,
    /// Whether [`center_digits`](Self::center_digits) stores input `j`'s digits as `f64`
    /// (when the AVX2 rows are in use and `f_j < 2^53`, so exactly) rather than `i64`.
    as_f64: Vec<bool>,
    /// AVX2 tables of each output row (outputs below `2^52.67`, when the CPU has AVX2 +
    /// FMA).
    #[cfg(target_arch = "x86_64")]
    float: Vec<Option<crate::avx2::FloatRow>>,
}

/// Whether the AVX2 + FMA conversion rows can run on this CPU.
fn simd_rows() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        crate::avx2::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// A stored digit: `f64` bits or `i64` bits (see `BaseConverter::as_f64`).
#[inline(always)]
fn digit(w: u64, as_f64: bool) -> i64 {
    if as_f64 {
        f64::from_bits(w) as i64
    } else {
        w as i64
    }
}

/// Coefficients per work item: the block's digits stay in L1.
const BLOCK: usize = 256;

/// `t^{-1} mod 2^64` for odd `t` (Newton: each step doubles the correct low bits).
fn inv_mod_word(t: u64) -> u64 {
    let mut x = t; // correct to 3 bits: t·t ≡ 1 mod 8
    for _ in 0..5 {
        x = x.wrapping_mul(2u64.wrapping_sub(t.wrapping_mul(x)));
    }
    x
}

/// `s · 2^{-64} mod t` in `[0, t)` for `|s| < t·2^63` (signed Montgomery reduction):
/// `m = s·t^{-1} mod 2^64` makes `s - m·t` a multiple of `2^64` with quotient in `(-t, t)`.
#[inline(always)]
fn redc(s: i128, t: u64, t_inv: u64) -> u64 {
    let m = (s as u64).wrapping_mul(t_inv) as i64;
    let r = ((s >> 64) as i64).wrapping_sub(((m as i128 * t as i128) >> 64) as i64);
    (r as u64).wrapping_add(t & (r >> 63) as u64)
}

impl BaseConverter {
    /// Tables for converting from the moduli at indices `from` to those at `to`.
    pub fn new(moduli: &[Modulus], from: &[usize], to: &[usize]) -> Self {
        Self::with_factors(moduli, from, to, None, None)
    }

    /// Like [`new`](Self::new) with constants folded in for free: each input `j` is taken
    /// as `x_j · in_factor[j]` and each output `i` comes out multiplied by `out_factor[i]`
    /// (both reduced modulo their prime).
    pub(crate) fn with_factors(
        moduli: &[Modulus],
        from: &[usize],
        to: &[usize],
        in_factor: Option<&[u64]>,
        out_factor: Option<&[u64]>,
    ) -> Self {
        Self::build(moduli, from, to, in_factor, out_factor, simd_rows())
    }

    fn build(
        moduli: &[Modulus],
        from: &[usize],
        to: &[usize],
        in_factor: Option<&[u64]>,
        out_factor: Option<&[u64]>,
        simd: bool,
    ) -> Self {
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
                let mut v = f.inv(hat_mod(f, j)).unwrap_or(0);
                if let Some(c) = in_factor {
                    v = f.mul(v, c[j]);
                }
                (v, f.shoup(v))
            })
            .collect();
        // Plain constants (F/f_j)·out_factor_i mod t_i, row by row.
        let plain: Vec<Vec<u64>> = to
            .iter()
            .enumerate()
            .map(|(i, t)| {
                (0..from.len())
                    .map(|j| out_factor.map_or(hat_mod(t, j), |c| t.mul(hat_mod(t, j), c[i])))
                    .collect()
            })
            .collect();
        let hat = to
            .iter()
            .zip(&plain)
            .flat_map(|(t, row)| {
                row.iter()
                    .map(move |&h| t.reduce_u128((h as u128) << 64) as i64)
            })
            .collect();
        let as_f64: Vec<bool> = from.iter().map(|f| simd && f.value() < 1 << 53).collect();
        #[cfg(target_arch = "x86_64")]
        let float = to
            .iter()
            .zip(&plain)
            .map(|(t, row)| {
                (simd && crate::avx2::supports(t.value()))
                    .then(|| crate::avx2::FloatRow::new(t, row, &as_f64))
            })
            .collect();
        let t_inv = to.iter().map(|t| inv_mod_word(t.value())).collect();
        // |Σ y_j·h_j| < t·Σ f_j/2 <= t·2^63 keeps each chunk's sum in `redc`'s range.
        let mut chunks = Vec::new();
        let (mut lo, mut sum) = (0, 0u128);
        for (j, f) in from.iter().enumerate() {
            sum += f.value() as u128;
            if sum > 1 << 64 {
                chunks.push(lo..j);
                (lo, sum) = (j, f.value() as u128);
            }
        }
        chunks.push(lo..from.len());
        Self {
            from,
            to,
            hat_inv,
            hat,
            t_inv,
            chunks,
            as_f64,
            #[cfg(target_arch = "x86_64")]
            float,
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
    ///
    /// Panics unless there are `from_len()` inputs and `to_len()` outputs, all of one length,
    /// and the moduli are odd (as NTT primes are).
    pub fn convert(&self, input: &[&[u64]], output: &mut [&mut [u64]]) {
        assert_eq!(input.len(), self.from.len(), "input limb count");
        assert_eq!(output.len(), self.to.len(), "output limb count");
        assert!(
            self.to.iter().all(|t| t.value() & 1 == 1),
            "even output modulus"
        );
        let n = input.first().map_or(0, |x| x.len());
        assert!(
            input.iter().all(|x| x.len() == n) && output.iter().all(|o| o.len() == n),
            "limb lengths differ"
        );
        let blocks = n.div_ceil(BLOCK);
        // Transpose the outputs into per-block slices so blocks run in parallel.
        let mut per_block: Vec<Vec<&mut [u64]>> = (0..blocks).map(|_| Vec::new()).collect();
        for out in output.iter_mut() {
            for (b, chunk) in out.chunks_mut(BLOCK).enumerate() {
                per_block[b].push(chunk);
            }
        }
        let single = self.chunks.len() == 1;
        per_block.par_iter_mut().enumerate().for_each(|(b, outs)| {
            let start = b * BLOCK;
            match self.from.len() {
                1 if single => self.block::<1>(input, start, outs),
                2 if single => self.block::<2>(input, start, outs),
                3 if single => self.block::<3>(input, start, outs),
                4 if single => self.block::<4>(input, start, outs),
                5 if single => self.block::<5>(input, start, outs),
                6 if single => self.block::<6>(input, start, outs),
                7 if single => self.block::<7>(input, start, outs),
                8 if single => self.block::<8>(input, start, outs),
                _ => self.block_any(input, start, outs),
            }
        });
    }

    /// Centered digits `y_j` of coefficient `start + c` for `j` in `js`, written to
    /// `y[c * js.len() + (j - js.start)]`.
    fn digits(
        &self,
        input: &[&[u64]],
        start: usize,
        len: usize,
        js: core::ops::Range<usize>,
        y: &mut [i64],
    ) {
        let stride = js.len();
        for (jj, j) in js.enumerate() {
            let f = &self.from[j];
            let (w, ws) = self.hat_inv[j];
            let half = f.value() >> 1;
            let x = &input[j][start..start + len];
            for (c, &xv) in x.iter().enumerate() {
                let v = f.mul_shoup(xv, w, ws);
                // v - f when v > f/2, branch-free.
                let over = 0u64.wrapping_sub((half < v) as u64);
                y[c * stride + jj] = v.wrapping_sub(f.value() & over) as i64;
            }
        }
    }

    /// One block with `K = from.len()` digits in a single lazy sum.
    fn block<const K: usize>(&self, input: &[&[u64]], start: usize, outs: &mut [&mut [u64]]) {
        let len = outs.first().map_or(0, |o| o.len());
        let mut y = [[0i64; K]; BLOCK];
        self.digits(input, start, len, 0..K, y.as_flattened_mut());
        for (i, out) in outs.iter_mut().enumerate() {
            let (t, t_inv) = (self.to[i].value(), self.t_inv[i]);
            let h: &[i64; K] = self.hat[i * K..(i + 1) * K]
                .try_into()
                .expect("K constants");
            for (o, yc) in out.iter_mut().zip(&y) {
                let mut s = 0i128;
                for j in 0..K {
                    s += yc[j] as i128 * h[j] as i128;
                }
                *o = redc(s, t, t_inv);
            }
        }
    }

    /// Replaces the coefficient-form input limb `j` by its centered digits
    /// `y_j = [x_j · (F/f_j)^{-1}]_{f_j}` in `(-f_j/2, f_j/2]`, stored as `f64` or `i64`
    /// bits (see `as_f64`): the first half of [`convert`](Self::convert), for
    /// [`row`](Self::row).
    pub(crate) fn center_digits(&self, j: usize, limb: &mut [u64]) {
        let f = &self.from[j];
        let (w, ws) = self.hat_inv[j];
        let half = f.value() >> 1;
        let as_f64 = self.as_f64[j];
        for x in limb.iter_mut() {
            let v = f.mul_shoup(*x, w, ws);
            let over = 0u64.wrapping_sub((half < v) as u64);
            let y = v.wrapping_sub(f.value() & over) as i64;
            *x = if as_f64 {
                (y as f64).to_bits()
            } else {
                y as u64
            };
        }
    }

    /// Output `i` of the conversion, whole limb at a time, from the centered digits of every
    /// input (from [`center_digits`](Self::center_digits)): the second half of
    /// [`convert`](Self::convert).
    pub(crate) fn row(&self, ys: &[&[u64]], i: usize, out: &mut [u64]) {
        assert_eq!(ys.len(), self.from.len(), "input limb count");
        assert!(
            ys.iter().all(|y| y.len() == out.len()),
            "limb lengths differ"
        );
        #[cfg(target_arch = "x86_64")]
        if let Some(fr) = &self.float[i]
            && out.len().is_multiple_of(16)
        {
            // SAFETY: float rows are built only when the CPU has AVX2 and FMA (`simd_rows`).
            unsafe { crate::avx2::row(fr, ys, out) };
            return;
        }
        self.row_scalar(ys, i, out);
    }

    /// The portable row, the reference the AVX2 one is tested against.
    fn row_scalar(&self, ys: &[&[u64]], i: usize, out: &mut [u64]) {
        if self.chunks.len() == 1 {
            match ys.len() {
                1 => return self.row_k::<1>(ys, i, out),
                2 => return self.row_k::<2>(ys, i, out),
                3 => return self.row_k::<3>(ys, i, out),
                4 => return self.row_k::<4>(ys, i, out),
                5 => return self.row_k::<5>(ys, i, out),
                6 => return self.row_k::<6>(ys, i, out),
                7 => return self.row_k::<7>(ys, i, out),
                8 => return self.row_k::<8>(ys, i, out),
                _ => {}
            }
        }
        let k = self.from.len();
        let t = &self.to[i];
        out.fill(0);
        for js in &self.chunks {
            let h = &self.hat[i * k..(i + 1) * k];
            for (c, o) in out.iter_mut().enumerate() {
                let s: i128 = js
                    .clone()
                    .map(|j| digit(ys[j][c], self.as_f64[j]) as i128 * h[j] as i128)
                    .sum();
                *o = t.add(*o, redc(s, t.value(), self.t_inv[i]));
            }
        }
    }

    fn row_k<const K: usize>(&self, ys: &[&[u64]], i: usize, out: &mut [u64]) {
        let n = out.len();
        let ys: [&[u64]; K] = core::array::from_fn(|j| &ys[j][..n]);
        let h: [i64; K] = core::array::from_fn(|j| self.hat[i * K + j]);
        let fl: [bool; K] = core::array::from_fn(|j| self.as_f64[j]);
        let (t, t_inv) = (self.to[i].value(), self.t_inv[i]);
        for (c, o) in out.iter_mut().enumerate() {
            let mut s = 0i128;
            for j in 0..K {
                s += digit(ys[j][c], fl[j]) as i128 * h[j] as i128;
            }
            *o = redc(s, t, t_inv);
        }
    }

    /// Any number of digits, one lazy sum per chunk.
    fn block_any(&self, input: &[&[u64]], start: usize, outs: &mut [&mut [u64]]) {
        let len = outs.first().map_or(0, |o| o.len());
        let k = self.from.len();
        for o in outs.iter_mut() {
            o.fill(0);
        }
        let mut y = vec![0i64; k * BLOCK];
        for js in &self.chunks {
            let w = js.len();
            self.digits(input, start, len, js.clone(), &mut y);
            for (i, out) in outs.iter_mut().enumerate() {
                let t = &self.to[i];
                let h = &self.hat[i * k + js.start..i * k + js.end];
                for (o, yc) in out.iter_mut().zip(y.chunks_exact(w)) {
                    let s: i128 = yc.iter().zip(h).map(|(&a, &b)| a as i128 * b as i128).sum();
                    *o = t.add(*o, redc(s, t.value(), self.t_inv[i]));
                }
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
        // (x + half) mod q_l in coefficient form (adding half first turns floor into
        // rounding), kept as the signed (x + half mod q_l) - half, reduced per prime below.
        let mut last = take_buffer(0);
        last.extend_from_slice(self.limb(l));
        inverse_if::<R>(&ctx, l, &mut last);
        for x in last.iter_mut() {
            *x = (ml.add(*x, half) as i64 - half as i64) as u64;
        }
        self.drop_to_q_limbs(l)?;
        let consts = ctx.rescale_constants(l);
        self.for_each_limb(|i, a| {
            let m = &ctx.moduli()[i];
            let (w, _) = consts[i];
            with_scratch(a.len(), |t| {
                if half < m.value() {
                    // |d| <= half < q_i: one conditional add.
                    for (o, &d) in t.iter_mut().zip(last.iter()) {
                        *o = d.wrapping_add(m.value() & ((d as i64 >> 63) as u64));
                    }
                } else {
                    for (o, &d) in t.iter_mut().zip(last.iter()) {
                        *o = m.from_i64(d as i64);
                    }
                }
                forward_if::<R>(&ctx, i, t);
                m.sub_scalar_mul_slice(a, t, w);
            });
        });
        give_buffer(last);
        Ok(())
    }

    /// [`rescale`](Self::rescale) of several polynomials over one limb set into new ones, in
    /// one parallel pass over every (polynomial, limb): each input limb is read once, where
    /// a clone and an in-place rescale would stream every limb twice more.
    pub fn rescaled_many(polys: &[&Self]) -> Result<Vec<Self>, Error> {
        let Some(first) = polys.first() else {
            return Ok(Vec::new());
        };
        for p in polys {
            if p.p_limbs() != 0 || p.q_limbs() < 2 {
                return Err(Error::InvalidLimbs {
                    what: "rescaling",
                    q_limbs: p.q_limbs(),
                    p_limbs: p.p_limbs(),
                });
            }
            if !(Arc::ptr_eq(p.ctx(), first.ctx()) || **p.ctx() == **first.ctx()) {
                return Err(Error::ContextMismatch);
            }
            if p.q_limbs() != first.q_limbs() {
                return Err(Error::BasisMismatch {
                    left: (first.q_limbs(), 0),
                    right: (p.q_limbs(), 0),
                });
            }
        }
        let ctx = Arc::clone(first.ctx());
        let (l, n) = (first.q_limbs() - 1, ctx.n());
        let ml = ctx.moduli()[l];
        let half = ml.value() >> 1;
        // Each last limb in coefficient form, rounded as in `rescale`.
        let lasts: Vec<Vec<u64>> = polys
            .par_iter()
            .map(|p| {
                let mut last = take_buffer(0);
                last.extend_from_slice(p.limb(l));
                inverse_if::<R>(&ctx, l, &mut last);
                for x in last.iter_mut() {
                    *x = (ml.add(*x, half) as i64 - half as i64) as u64;
                }
                last
            })
            .collect();
        let consts = ctx.rescale_constants(l);
        let mut outs: Vec<Vec<u64>> = polys.iter().map(|_| vec![0u64; l * n]).collect();
        let mut jobs: Vec<(usize, usize, &mut [u64])> = outs
            .iter_mut()
            .enumerate()
            .flat_map(|(j, o)| o.chunks_mut(n).enumerate().map(move |(i, c)| (j, i, c)))
            .collect();
        jobs.par_iter_mut().for_each(|(j, i, out)| {
            let m = &ctx.moduli()[*i];
            let (w, _) = consts[*i];
            if half < m.value() {
                for (o, &d) in out.iter_mut().zip(lasts[*j].iter()) {
                    *o = d.wrapping_add(m.value() & ((d as i64 >> 63) as u64));
                }
            } else {
                for (o, &d) in out.iter_mut().zip(lasts[*j].iter()) {
                    *o = m.from_i64(d as i64);
                }
            }
            forward_if::<R>(&ctx, *i, out);
            // out = (a − t)·w = (t − a)·(q − w), with t in `out`.
            m.sub_scalar_mul_slice(out, polys[*j].limb(*i), m.value() - w);
        });
        drop(jobs);
        lasts.into_iter().for_each(give_buffer);
        Ok(outs
            .into_iter()
            .map(|data| first.with_data(l, 0, data))
            .collect())
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
                    if pending == 15 {
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

#[cfg(test)]
mod tests {
    use super::*;
    use blindfold_modarith::primes::ntt_primes;

    fn primes(bits: &[u32], two_n: u64) -> Vec<Modulus> {
        let mut used = Vec::new();
        bits.iter()
            .map(|&b| {
                let p = ntt_primes(b, two_n, 1, &used).unwrap()[0];
                used.push(p);
                Modulus::new(p).unwrap()
            })
            .collect()
    }

    /// The AVX2 rows equal the scalar rows word for word, and both equal the block
    /// conversion, on random inputs: small and split (61-bit) digits, outputs up to just
    /// below 2^52 (AVX2) and above (scalar), wide and narrow centring schedules.
    #[test]
    fn simd_rows_match_scalar_rows() {
        if !simd_rows() {
            return;
        }
        let n = 256;
        let shapes: [(&[u32], &[u32]); 6] = [
            (&[61, 50, 51, 50, 51, 50, 51], &[50, 51, 52, 53, 61, 40, 30]),
            (&[50, 51, 52, 53, 60], &[53, 54]),
            (&[52, 53, 52, 53, 52, 53, 52], &[50, 51, 61, 52]),
            (&[62, 62], &[52, 49, 20]),
            (&[45; 12], &[52, 51, 50]),
            (&[53], &[52, 36]),
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for (from_bits, to_bits) in shapes.iter().cycle().take(4 * shapes.len()) {
            let (from_bits, to_bits) = (*from_bits, *to_bits);
            let mut moduli = primes(&[from_bits, to_bits].concat(), 2 * n as u64);
            if to_bits == [53, 54] {
                // Outputs just above 2^52 (like the N = 2^16 preset's) and on both sides of
                // the AVX2 rows' limit 2^53 / 1.25.
                let limit = ((1u64 << 53) as f64 / 1.25) as u64;
                for target in [(1 << 52) + 1, limit - (1 << 20), limit + (1 << 20)] {
                    let used: Vec<u64> = moduli.iter().map(Modulus::value).collect();
                    let p = blindfold_modarith::primes::PrimesNear::new(target, 2 * n as u64)
                        .unwrap()
                        .find(|p| !used.contains(p))
                        .unwrap();
                    moduli.push(Modulus::new(p).unwrap());
                }
                assert!(crate::avx2::supports(moduli[moduli.len() - 2].value()));
                assert!(!crate::avx2::supports(moduli[moduli.len() - 1].value()));
            }
            let k = from_bits.len();
            let from: Vec<usize> = (0..k).collect();
            let to: Vec<usize> = (k..moduli.len()).collect();
            let to_bits: Vec<u32> = to.iter().map(|&i| moduli[i].bits()).collect();
            let factors: Vec<u64> = to.iter().map(|&i| next() % moduli[i].value()).collect();
            for out_factor in [None, Some(factors.as_slice())] {
                let simd = BaseConverter::build(&moduli, &from, &to, None, out_factor, true);
                let plain = BaseConverter::build(&moduli, &from, &to, None, out_factor, false);
                let x: Vec<Vec<u64>> = from
                    .iter()
                    .map(|&j| {
                        let q = moduli[j].value();
                        (0..n)
                            .map(|c| match c % 9 {
                                0 => 0,
                                1 => q - 1,
                                2 => q / 2,
                                3 => q / 2 + 1,
                                _ => next() % q,
                            })
                            .collect()
                    })
                    .collect();
                let digits = |conv: &BaseConverter| -> Vec<Vec<u64>> {
                    x.iter()
                        .enumerate()
                        .map(|(j, limb)| {
                            let mut y = limb.clone();
                            conv.center_digits(j, &mut y);
                            y
                        })
                        .collect()
                };
                let (ys_simd, ys_plain) = (digits(&simd), digits(&plain));
                let inputs: Vec<&[u64]> = x.iter().map(Vec::as_slice).collect();
                let mut block = vec![vec![0u64; n]; to.len()];
                {
                    let mut outs: Vec<&mut [u64]> =
                        block.iter_mut().map(Vec::as_mut_slice).collect();
                    plain.convert(&inputs, &mut outs);
                }
                for (i, expect) in block.iter().enumerate() {
                    let ys: Vec<&[u64]> = ys_simd.iter().map(Vec::as_slice).collect();
                    let yp: Vec<&[u64]> = ys_plain.iter().map(Vec::as_slice).collect();
                    let (mut a, mut b, mut c) = (vec![0; n], vec![0; n], vec![0; n]);
                    simd.row(&ys, i, &mut a);
                    simd.row_scalar(&ys, i, &mut b);
                    plain.row(&yp, i, &mut c);
                    assert_eq!(a, b, "{from_bits:?} -> {to_bits:?}, row {i}");
                    assert_eq!(a, c, "{from_bits:?} -> {to_bits:?}, row {i}");
                    if out_factor.is_none() {
                        assert_eq!(&a, expect, "{from_bits:?} -> {to_bits:?}, row {i}");
                    }
                }
            }
        }
    }
}
