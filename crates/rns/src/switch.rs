//! Hybrid key switching fused limb by limb.
//!
//! [`Poly::switch_keys`] does the mod-up, the inner products with one or more keys and the
//! mod-down without materialising the extended digits: for each target limb it converts
//! every digit to that one prime, transforms it in a per-thread scratch row (cache
//! resident), and accumulates `Σ_d digit_d · key_d` for every key at once, reading the
//! digits through each key's automorphism (hoisted rotations share the conversions and NTTs).
//! Sums are reduced once per word by Montgomery reduction; its `2^-64` factor is folded into
//! the mod-down constants, so it costs nothing.

use std::ops::Range;
use std::sync::Arc;

use blindfold_modarith::Modulus;
use rayon::prelude::*;

use crate::automorphism::Automorphism;
use crate::convert::BaseConverter;
use crate::scratch::{give_buffer, take_buffer, with_scratch};
use crate::{Error, Ntt, Poly, RingContext};

/// One key of a (possibly hoisted) key switch: the gadget key `(b_d, a_d)` over `Q ∪ P`
/// (one pair per digit; stored at any level at or above the input's) and an optional
/// automorphism `X -> X^g` applied to the input first.
#[derive(Clone, Copy, Debug)]
pub struct SwitchKey<'a> {
    pub b: &'a [Poly<Ntt>],
    pub a: &'a [Poly<Ntt>],
    pub galois: Option<u64>,
}

/// `(d_0, d_1)` over `Q_l` for one key of [`Poly::switch_keys`].
pub type SwitchedPair = (Poly<Ntt>, Poly<Ntt>);

/// `-t^{-1} mod 2^64` for odd `t`.
fn neg_inv_word(t: u64) -> u64 {
    let mut x = t; // t·t ≡ 1 mod 8: three correct bits, doubled by each Newton step
    for _ in 0..5 {
        x = x.wrapping_mul(2u64.wrapping_sub(t.wrapping_mul(x)));
    }
    x.wrapping_neg()
}

/// `s · 2^-64 mod t` in `[0, t)` for `s < t·2^64` (Montgomery reduction).
#[inline(always)]
fn redc(s: u128, t: u64, neg_t_inv: u64) -> u64 {
    let m = (s as u64).wrapping_mul(neg_t_inv);
    // s + m·t is a multiple of 2^64 below 2t·2^64.
    let r = ((s + m as u128 * t as u128) >> 64) as u64;
    r - if r >= t { t } else { 0 }
}

/// Digits per lazy sum: `D·t < 2^64` holds for `D <= 4` since every prime is below `2^62`.
const MAX_LAZY_DIGITS: usize = 4;

/// `out_b[i] = Σ_d x_d[src(i)]·b_d[i] · 2^-64`, same for `a`, with `src` the identity or
/// the automorphism's slot permutation.
#[allow(clippy::too_many_arguments)]
fn mac<const D: usize>(
    m: &Modulus,
    x: &[&[u64]],
    b: &[&[u64]],
    a: &[&[u64]],
    perm: Option<&[u32]>,
    out_b: &mut [u64],
    out_a: &mut [u64],
) {
    let n = out_b.len();
    let (t, nti) = (m.value(), neg_inv_word(m.value()));
    let x: [&[u64]; D] = core::array::from_fn(|d| &x[d][..n]);
    let b: [&[u64]; D] = core::array::from_fn(|d| &b[d][..n]);
    let a: [&[u64]; D] = core::array::from_fn(|d| &a[d][..n]);
    let out_a = &mut out_a[..n];
    match perm {
        None => {
            for i in 0..n {
                let (mut sb, mut sa) = (0u128, 0u128);
                for d in 0..D {
                    let v = x[d][i] as u128;
                    sb += v * b[d][i] as u128;
                    sa += v * a[d][i] as u128;
                }
                out_b[i] = redc(sb, t, nti);
                out_a[i] = redc(sa, t, nti);
            }
        }
        Some(p) => {
            let p = &p[..n];
            for i in 0..n {
                let src = p[i] as usize;
                let (mut sb, mut sa) = (0u128, 0u128);
                for d in 0..D {
                    let v = x[d][src] as u128;
                    sb += v * b[d][i] as u128;
                    sa += v * a[d][i] as u128;
                }
                out_b[i] = redc(sb, t, nti);
                out_a[i] = redc(sa, t, nti);
            }
        }
    }
}

/// [`mac`] for any digit count, in lazy sums of at most [`MAX_LAZY_DIGITS`].
#[allow(clippy::too_many_arguments)]
fn mac_any(
    m: &Modulus,
    x: &[&[u64]],
    b: &[&[u64]],
    a: &[&[u64]],
    perm: Option<&[u32]>,
    out_b: &mut [u64],
    out_a: &mut [u64],
) {
    let run = |lo: usize, ob: &mut [u64], oa: &mut [u64]| {
        let hi = (lo + MAX_LAZY_DIGITS).min(x.len());
        let (x, b, a) = (&x[lo..hi], &b[lo..hi], &a[lo..hi]);
        match x.len() {
            1 => mac::<1>(m, x, b, a, perm, ob, oa),
            2 => mac::<2>(m, x, b, a, perm, ob, oa),
            3 => mac::<3>(m, x, b, a, perm, ob, oa),
            _ => mac::<4>(m, x, b, a, perm, ob, oa),
        }
    };
    run(0, out_b, out_a);
    if x.len() > MAX_LAZY_DIGITS {
        let n = out_b.len();
        with_scratch(2 * n, |tmp| {
            let (tb, ta) = tmp.split_at_mut(n);
            for lo in (MAX_LAZY_DIGITS..x.len()).step_by(MAX_LAZY_DIGITS) {
                run(lo, tb, ta);
                m.add_assign_slice(out_b, tb);
                m.add_assign_slice(out_a, ta);
            }
        });
    }
}

/// Divides accumulators over `Q_l ∪ P` holding `v · 2^-64` by `P` (approximately, as
/// [`Poly::mod_down`]): `q_parts[r] = (v - conv(v_P)) · P^{-1}` mod `Q_l`, with the
/// Montgomery factor undone by the constants. `p_parts[r]` (the `P` limbs) is overwritten.
fn mod_down_montgomery(
    ctx: &RingContext,
    q_limbs: usize,
    q_parts: &mut [Vec<u64>],
    p_parts: &mut [Vec<u64>],
) {
    let (n, nq, np) = (ctx.n(), ctx.num_q(), ctx.num_p());
    let moduli = ctx.moduli();
    let p_idx: Vec<usize> = (nq..nq + np).collect();
    let q_idx: Vec<usize> = (0..q_limbs).collect();
    // 2^64 mod p_j on the inputs; -P^{-1} mod q_i on the outputs.
    let two64 = |m: &Modulus| m.reduce_u128(1 << 64);
    let in_f: Vec<u64> = p_idx.iter().map(|&j| two64(&moduli[j])).collect();
    let p_inv: Vec<u64> = q_idx
        .iter()
        .map(|&i| {
            let m = &moduli[i];
            let p = p_idx.iter().fold(m.reduce(1), |acc, &j| {
                m.mul(acc, m.reduce(moduli[j].value()))
            });
            // Distinct primes: P is invertible mod q_i.
            m.inv(p).unwrap_or(0)
        })
        .collect();
    let out_f: Vec<u64> = q_idx.iter().map(|&i| moduli[i].neg(p_inv[i])).collect();
    let conv = BaseConverter::with_factors(moduli, &p_idx, &q_idx, Some(&in_f), Some(&out_f));
    // Centered digits of v_P (coefficient form), in place.
    p_parts
        .par_iter_mut()
        .flat_map(|o| o.par_chunks_mut(n).enumerate())
        .for_each(|(j, limb)| {
            ctx.plan(nq + j).inverse(limb);
            conv.center_digits(j, limb);
        });
    // Q limb i: v·2^-64 · (2^64·P^{-1}) + NTT(-conv_i · P^{-1}).
    let w: Vec<u64> = q_idx
        .iter()
        .map(|&i| moduli[i].mul(p_inv[i], two64(&moduli[i])))
        .collect();
    q_parts
        .par_iter_mut()
        .zip(p_parts.par_iter())
        .flat_map(|(q, p)| {
            let ys: Vec<&[u64]> = p.chunks(n).collect();
            q.par_chunks_mut(n)
                .enumerate()
                .map(move |(i, limb)| (i, limb, ys.clone()))
        })
        .for_each(|(i, limb, ys)| {
            with_scratch(n, |row| {
                conv.row(&ys, i, row);
                ctx.plan(i).forward(row);
                moduli[i].scalar_mul_add_to_slice(limb, row, w[i]);
            });
        });
}

/// Limb `k` of the target limb set `Q_l ∪ P` in a key that may sit at a higher level (its
/// `P` limbs come after all of its `Q` limbs).
fn key_limb(p: &Poly<Ntt>, k: usize, ql: usize) -> &[u64] {
    if k < ql {
        p.limb(k)
    } else {
        p.limb(k - ql + p.q_limbs())
    }
}

impl Poly<Ntt> {
    /// Hybrid key switching of `self` (over `Q_l`, no `P` limbs) with each key: the digits of
    /// `digit_size` consecutive primes are extended to `Q_l ∪ P` (centered fast base
    /// conversion), optionally permuted by the key's automorphism, multiplied by the key and
    /// summed, and divided by `P`. Returns `(Σ_d D_d·b_d, Σ_d D_d·a_d) / P` over `Q_l` per key.
    ///
    /// Equal to [`decompose_mod_up`](Self::decompose_mod_up), the automorphism of each digit,
    /// [`set_inner_product`](Self::set_inner_product) and [`mod_down`](Poly::mod_down), word
    /// for word, with one pass over the limbs.
    pub fn switch_keys(
        &self,
        digit_size: usize,
        keys: &[SwitchKey<'_>],
    ) -> Result<Vec<SwitchedPair>, Error> {
        let (mut q_parts, mut p_parts) = self.accumulate(digit_size, keys)?;
        mod_down_montgomery(self.ctx(), self.q_limbs(), &mut q_parts, &mut p_parts);
        p_parts.into_iter().for_each(give_buffer);
        let mut it = q_parts
            .into_iter()
            .map(|data| self.with_data(self.q_limbs(), 0, data));
        let mut res = Vec::with_capacity(keys.len());
        while let (Some(d0), Some(d1)) = (it.next(), it.next()) {
            res.push((d0, d1));
        }
        Ok(res)
    }

    /// [`switch_keys`](Self::switch_keys) stopped before the division by `P` ("double
    /// hoisting", Bossuat et al. 2021): per key, `(Σ_d D_d·b_d, Σ_d D_d·a_d)` over `Q_l ∪ P`
    /// with every word multiplied by `2^-64` (the accumulation's Montgomery factor, which
    /// [`mod_down_montgomery`](Self::mod_down_montgomery) removes). Sums of such pairs, and
    /// their products by plaintexts over `Q_l ∪ P`, then need a single mod-down.
    pub fn switch_keys_extended(
        &self,
        digit_size: usize,
        keys: &[SwitchKey<'_>],
    ) -> Result<Vec<SwitchedPair>, Error> {
        let (q_parts, p_parts) = self.accumulate(digit_size, keys)?;
        let (ql, np) = (self.q_limbs(), self.ctx().num_p());
        let mut it = q_parts.into_iter().zip(p_parts).map(|(mut q, p)| {
            q.extend_from_slice(&p);
            give_buffer(p);
            self.with_data(ql, np, q)
        });
        let mut res = Vec::with_capacity(keys.len());
        while let (Some(d0), Some(d1)) = (it.next(), it.next()) {
            res.push((d0, d1));
        }
        Ok(res)
    }

    /// `x / P` over `Q_l` (rounded as [`mod_down`](Poly::mod_down)) for polynomials over
    /// `Q_l ∪ P` whose words hold `x·2^-64`, as [`switch_keys_extended`](Self::switch_keys_extended)
    /// returns them. All polynomials must share one limb set.
    pub fn mod_down_montgomery(polys: Vec<Poly<Ntt>>) -> Result<Vec<Poly<Ntt>>, Error> {
        let Some(first) = polys.first() else {
            return Ok(Vec::new());
        };
        let ctx = Arc::clone(first.ctx());
        let (ql, np, n) = (first.q_limbs(), first.p_limbs(), ctx.n());
        if np == 0 || np != ctx.num_p() {
            return Err(Error::InvalidLimbs {
                what: "mod-down",
                q_limbs: ql,
                p_limbs: np,
            });
        }
        let mut q_parts = Vec::with_capacity(polys.len());
        let mut p_parts = Vec::with_capacity(polys.len());
        for p in polys {
            if !(Arc::ptr_eq(p.ctx(), &ctx) || **p.ctx() == *ctx) {
                return Err(Error::ContextMismatch);
            }
            if p.q_limbs() != ql || p.p_limbs() != np {
                return Err(Error::BasisMismatch {
                    left: (ql, np),
                    right: (p.q_limbs(), p.p_limbs()),
                });
            }
            let mut q = p.into_words();
            p_parts.push(q.split_off(ql * n));
            q_parts.push(q);
        }
        mod_down_montgomery(&ctx, ql, &mut q_parts, &mut p_parts);
        q_parts
            .into_iter()
            .map(|data| Poly::from_words(&ctx, ql, 0, data))
            .collect()
    }

    /// Mod-up and accumulation of [`switch_keys`](Self::switch_keys): per key, the `Q_l` and
    /// the `P` parts of both sums (Montgomery domain).
    #[allow(clippy::type_complexity)]
    fn accumulate(
        &self,
        digit_size: usize,
        keys: &[SwitchKey<'_>],
    ) -> Result<(Vec<Vec<u64>>, Vec<Vec<u64>>), Error> {
        let ctx = Arc::clone(self.ctx());
        let (ql, np, n, nq) = (self.q_limbs(), ctx.num_p(), ctx.n(), ctx.num_q());
        if self.p_limbs() != 0 || np == 0 || digit_size == 0 {
            return Err(Error::InvalidLimbs {
                what: "gadget decomposition",
                q_limbs: ql,
                p_limbs: self.p_limbs(),
            });
        }
        let digits = ql.div_ceil(digit_size);
        let mut autos: Vec<Option<Arc<Automorphism>>> = Vec::with_capacity(keys.len());
        for key in keys {
            for polys in [key.b, key.a] {
                if polys.len() < digits {
                    return Err(Error::LengthMismatch {
                        expected: digits,
                        actual: polys.len(),
                    });
                }
                for p in &polys[..digits] {
                    if !(Arc::ptr_eq(p.ctx(), &ctx) || **p.ctx() == *ctx) {
                        return Err(Error::ContextMismatch);
                    }
                    if p.q_limbs() < ql || p.p_limbs() != np {
                        return Err(Error::BasisMismatch {
                            left: (ql, np),
                            right: (p.q_limbs(), p.p_limbs()),
                        });
                    }
                }
            }
            autos.push(key.galois.map(|g| ctx.automorphism(g)).transpose()?);
        }
        let ranges: Vec<Range<usize>> = (0..digits)
            .map(|d| d * digit_size..((d + 1) * digit_size).min(ql))
            .collect();
        let convs: Vec<Arc<BaseConverter>> = ranges
            .iter()
            .map(|r| {
                let from: Vec<usize> = r.clone().collect();
                let to: Vec<usize> = (0..ql)
                    .filter(|k| !r.contains(k))
                    .chain(nq..nq + np)
                    .collect();
                ctx.converter(&from, &to)
            })
            .collect();
        // Centered digits of every Q limb, coefficient form.
        let mut y = take_buffer(0);
        y.extend_from_slice(self.words());
        y.par_chunks_mut(n).enumerate().for_each(|(k, limb)| {
            ctx.plan(k).inverse(limb);
            let d = k / digit_size;
            convs[d].center_digits(k - ranges[d].start, limb);
        });
        let limbs = ql + np;
        let mut q_parts: Vec<Vec<u64>> = (0..2 * keys.len()).map(|_| vec![0; ql * n]).collect();
        let mut p_parts: Vec<Vec<u64>> = (0..2 * keys.len()).map(|_| take_buffer(np * n)).collect();
        let mut per_limb: Vec<Vec<&mut [u64]>> = (0..limbs).map(|_| Vec::new()).collect();
        for o in q_parts.iter_mut() {
            for (k, chunk) in o.chunks_mut(n).enumerate() {
                per_limb[k].push(chunk);
            }
        }
        for o in p_parts.iter_mut() {
            for (k, chunk) in o.chunks_mut(n).enumerate() {
                per_limb[ql + k].push(chunk);
            }
        }
        per_limb.par_iter_mut().enumerate().for_each(|(k, dst)| {
            let mi = if k < ql { k } else { nq + k - ql };
            with_scratch(digits * n, |scratch| {
                for ((r, conv), row) in ranges.iter().zip(&convs).zip(scratch.chunks_mut(n)) {
                    if r.contains(&k) {
                        continue;
                    }
                    // Position of this prime among the converter's targets.
                    let i = if k < r.start { k } else { k - r.len() };
                    let ys: Vec<&[u64]> = r.clone().map(|j| &y[j * n..(j + 1) * n]).collect();
                    conv.row(&ys, i, row);
                    ctx.plan(mi).forward(row);
                }
                let x: Vec<&[u64]> = ranges
                    .iter()
                    .zip(scratch.chunks(n))
                    .map(|(r, row)| if r.contains(&k) { self.limb(k) } else { row })
                    .collect();
                for ((key, auto), pair) in keys.iter().zip(&autos).zip(dst.chunks_mut(2)) {
                    let b: Vec<&[u64]> =
                        key.b[..digits].iter().map(|p| key_limb(p, k, ql)).collect();
                    let a: Vec<&[u64]> =
                        key.a[..digits].iter().map(|p| key_limb(p, k, ql)).collect();
                    let perm = auto.as_ref().map(|t| t.ntt_source());
                    let [ob, oa] = pair else {
                        unreachable!("outputs come in pairs")
                    };
                    mac_any(&ctx.moduli()[mi], &x, &b, &a, perm, ob, oa);
                }
            });
        });
        drop(per_limb);
        give_buffer(y);
        Ok((q_parts, p_parts))
    }
}
