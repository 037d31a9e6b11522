//! Portable kernel: Harvey's lazy butterflies with Shoup twiddles, one word at a time.
//!
//! This is the reference twin of the SIMD kernels: they compute exactly the same
//! intermediate values (exact Shoup quotients), so all outputs, lazy ones included, agree
//! bit for bit.

use crate::tables::{ShoupTables, Tables};

/// `x - y` if `x >= y`, else `x`; for `x < 2y`, `y < 2^63`. Branch-free.
#[inline(always)]
pub(crate) fn csub(x: u64, y: u64) -> u64 {
    let r = x.wrapping_sub(y);
    let mask = ((r as i64) >> 63) as u64;
    r.wrapping_add(y & mask)
}

/// `a * w mod q` in `[0, 2q)` for any `a`, given `ws = floor(w * 2^64 / q)` (Shoup).
#[inline(always)]
pub(crate) fn lazy_mul_shoup(a: u64, w: u64, ws: u64, q: u64) -> u64 {
    let quot = ((a as u128 * ws as u128) >> 64) as u64;
    a.wrapping_mul(w).wrapping_sub(quot.wrapping_mul(q))
}

/// How far the last layer reduces its outputs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Finish {
    /// Outputs in `[0, q)`.
    Full,
    /// Outputs `(u mod q) + (v mod q)` and `(u mod q) + q - (v mod q)` of the last
    /// butterfly, in `[0, 2q)`.
    Lazy,
}

/// Cooley–Tukey forward transform, standard order in, bit-reversed order out.
/// Inputs below `4q`; intermediate values stay in `[0, 4q)`.
pub(crate) fn forward(tb: &Tables, st: &ShoupTables, a: &mut [u64], finish: Finish) {
    let n = tb.n;
    debug_assert_eq!(a.len(), n);
    let q = tb.q();
    let two_q = 2 * q;
    let mut m = 1;
    let mut t = n / 2;
    while t > 1 {
        let w = &st.fwd[m..2 * m];
        let ws = &st.fwd_shoup[m..2 * m];
        for ((block, &w), &ws) in a.chunks_exact_mut(2 * t).zip(w).zip(ws) {
            let (xs, ys) = block.split_at_mut(t);
            for (x, y) in xs.iter_mut().zip(ys.iter_mut()) {
                let u = csub(*x, two_q);
                let v = lazy_mul_shoup(*y, w, ws, q);
                *x = u + v;
                *y = u + two_q - v;
            }
        }
        m *= 2;
        t /= 2;
    }
    // Last layer (distance 1), fused with the final reduction.
    let w = &st.fwd[m..2 * m];
    let ws = &st.fwd_shoup[m..2 * m];
    for ((pair, &w), &ws) in a.chunks_exact_mut(2).zip(w).zip(ws) {
        // Canonical residues first: the lazy outputs are then a function of the exact
        // values alone, so every kernel returns the same words whatever its internal ranges.
        let u = csub(csub(pair[0], two_q), q);
        let v = csub(lazy_mul_shoup(pair[1], w, ws, q), q);
        let (x, y) = (u + v, u + q - v);
        match finish {
            Finish::Full => {
                pair[0] = csub(x, q);
                pair[1] = csub(y, q);
            }
            Finish::Lazy => {
                pair[0] = x;
                pair[1] = y;
            }
        }
    }
}

/// Gentleman–Sande inverse transform, bit-reversed order in, standard order out, fully
/// reduced. Inputs below `2q`; intermediate values stay in `[0, 2q)`. With `normalize`, the
/// factor `1/N` is folded into the twiddles of the last layer.
pub(crate) fn inverse(tb: &Tables, st: &ShoupTables, a: &mut [u64], normalize: bool) {
    let n = tb.n;
    debug_assert_eq!(a.len(), n);
    let q = tb.q();
    let two_q = 2 * q;
    // First layer (distance 1): twiddles tb.inv[0..n/2].
    {
        let w = &st.inv[..n / 2];
        let ws = &st.inv_shoup[..n / 2];
        for ((pair, &w), &ws) in a.chunks_exact_mut(2).zip(w).zip(ws) {
            let (x, y) = (pair[0], pair[1]);
            pair[0] = csub(x + y, two_q);
            pair[1] = lazy_mul_shoup(x + two_q - y, w, ws, q);
        }
    }
    let mut off = n / 2;
    let mut m = n / 4;
    let mut t = 2;
    while m > 1 {
        let w = &st.inv[off..off + m];
        let ws = &st.inv_shoup[off..off + m];
        for ((block, &w), &ws) in a.chunks_exact_mut(2 * t).zip(w).zip(ws) {
            let (xs, ys) = block.split_at_mut(t);
            for (x, y) in xs.iter_mut().zip(ys.iter_mut()) {
                let (u, v) = (*x, *y);
                *x = csub(u + v, two_q);
                *y = lazy_mul_shoup(u + two_q - v, w, ws, q);
            }
        }
        off += m;
        m /= 2;
        t *= 2;
    }
    // Last layer (one block of distance N/2), fused with the reduction and the 1/N.
    let (xs, ys) = a.split_at_mut(n / 2);
    let (w, ws) = (tb.last_w, tb.last_w_shoup);
    if normalize {
        let (c, cs) = (tb.n_inv, tb.n_inv_shoup);
        let (d, ds) = (tb.last_inv, tb.last_inv_shoup);
        for (x, y) in xs.iter_mut().zip(ys.iter_mut()) {
            let (u, v) = (*x, *y);
            *x = csub(lazy_mul_shoup(u + v, c, cs, q), q);
            *y = csub(lazy_mul_shoup(u + two_q - v, d, ds, q), q);
        }
    } else {
        for (x, y) in xs.iter_mut().zip(ys.iter_mut()) {
            let (u, v) = (*x, *y);
            *x = csub(csub(u + v, two_q), q);
            *y = csub(lazy_mul_shoup(u + two_q - v, w, ws, q), q);
        }
    }
}
