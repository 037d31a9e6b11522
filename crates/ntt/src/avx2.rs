//! AVX2 kernel: the scalar kernel's arithmetic on 4 lanes of 64 bits.
//!
//! AVX2 multiplies only 32 x 32 -> 64 bits (`vpmuludq`), so the Shoup product
//! `a*w - floor(a*ws / 2^64)*q mod 2^64` is assembled from 32-bit halves: 4 partial products
//! for the exact high word of `a*ws`, 3 + 3 for the two low words. The quotient is exact, so
//! every value equals the scalar kernel's bit for bit.
//!
//! Values stay below `4q < 2^64` and, as `q < 2^62`, below `2^63`: signed comparisons and
//! sign-bit blends implement the conditional subtractions.

use std::arch::x86_64::*;

use crate::scalar::Finish;
use crate::tables::Tables;

/// Tables of the AVX2 kernels: the integer one, or the floating-point one for `q < 2^50`.
pub(crate) enum Avx2Tables {
    Int(IntTables),
    Float(crate::avx2f::FloatTables),
}

impl Avx2Tables {
    pub(crate) fn new(tb: &Tables) -> Self {
        let n = tb.n;
        let fwd_d1 = layout_d1(&tb.fwd[n / 2..n]);
        let fwd_d2 = layout_d2(&tb.fwd[n / 4..n / 2]);
        let inv_d1 = layout_d1(&tb.inv[..n / 2]);
        let inv_d2 = layout_d2(&tb.inv[n / 2..n / 2 + n / 4]);
        if tb.q() < crate::avx2f::MAX_Q {
            return Self::Float(crate::avx2f::FloatTables::new(
                tb, &fwd_d2, &fwd_d1, &inv_d1, &inv_d2,
            ));
        }
        let sh = |t: &[u64]| -> Box<[u64]> { t.iter().map(|&w| tb.modulus.shoup(w)).collect() };
        Self::Int(IntTables {
            fwd_d1_shoup: sh(&fwd_d1),
            fwd_d1,
            fwd_d2_shoup: sh(&fwd_d2),
            fwd_d2,
            inv_d1_shoup: sh(&inv_d1),
            inv_d1,
            inv_d2_shoup: sh(&inv_d2),
            inv_d2,
        })
    }
}

/// Twiddles of the layer of distance 1 in groups of 4 as `[w0 w2 w1 w3]`: the order in which
/// unpacking two vectors `[x0 y0 x1 y1]`, `[x2 y2 x3 y3]` presents the blocks.
fn layout_d1(t: &[u64]) -> Box<[u64]> {
    t.chunks_exact(4)
        .flat_map(|c| [c[0], c[2], c[1], c[3]])
        .collect()
}

/// Twiddles of the layer of distance 2, each twice: `[w0 w0 w1 w1]`.
fn layout_d2(t: &[u64]) -> Box<[u64]> {
    t.iter().flat_map(|&w| [w, w]).collect()
}

/// Lane layouts of the integer kernel for the two layers of distance below 4 (the wider
/// layers broadcast one twiddle and read the common tables).
pub(crate) struct IntTables {
    fwd_d2: Box<[u64]>,
    fwd_d2_shoup: Box<[u64]>,
    fwd_d1: Box<[u64]>,
    fwd_d1_shoup: Box<[u64]>,
    inv_d1: Box<[u64]>,
    inv_d1_shoup: Box<[u64]>,
    inv_d2: Box<[u64]>,
    inv_d2_shoup: Box<[u64]>,
}

/// Forward transform with the kernel matching the tables.
#[target_feature(enable = "avx2,fma")]
pub(crate) fn forward(tb: &Tables, at: &Avx2Tables, a: &mut [u64], finish: Finish) {
    match at {
        Avx2Tables::Int(it) => forward_int(tb, it, a, finish),
        Avx2Tables::Float(ft) => crate::avx2f::forward(tb, ft, a, finish),
    }
}

/// Inverse transform with the kernel matching the tables.
#[target_feature(enable = "avx2,fma")]
pub(crate) fn inverse(tb: &Tables, at: &Avx2Tables, a: &mut [u64], normalize: bool) {
    match at {
        Avx2Tables::Int(it) => inverse_int(tb, it, a, normalize),
        Avx2Tables::Float(ft) => crate::avx2f::inverse(tb, ft, a, normalize),
    }
}

/// `a` as consecutive pairs of 4-word vectors (`a.len()` is a multiple of 8).
fn pairs(a: &mut [u64]) -> &mut [[[u64; 4]; 2]] {
    a.as_chunks_mut::<4>().0.as_chunks_mut::<2>().0
}

#[inline]
#[target_feature(enable = "avx2")]
fn load(s: &[u64; 4]) -> __m256i {
    // SAFETY: `s` is 32 readable bytes; the unaligned load has no alignment requirement.
    unsafe { _mm256_loadu_si256(s.as_ptr().cast()) }
}

#[inline]
#[target_feature(enable = "avx2")]
fn store(s: &mut [u64; 4], v: __m256i) {
    // SAFETY: `s` is 32 writable bytes; the unaligned store has no alignment requirement.
    unsafe { _mm256_storeu_si256(s.as_mut_ptr().cast(), v) }
}

/// `x - y` if `x >= y`, else `x`; all values below `2^63`.
#[inline]
#[target_feature(enable = "avx2")]
fn csub(x: __m256i, y: __m256i) -> __m256i {
    let r = _mm256_sub_epi64(x, y);
    // Pick `x` where `r` is negative (its sign bit set).
    _mm256_castpd_si256(_mm256_blendv_pd(
        _mm256_castsi256_pd(r),
        _mm256_castsi256_pd(x),
        _mm256_castsi256_pd(r),
    ))
}

/// A constant multiplier `w < q` with its Shoup quotient, both also shifted right by 32 so
/// that `vpmuludq` sees their high halves.
#[derive(Clone, Copy)]
struct Twiddle {
    w: __m256i,
    w_hi: __m256i,
    ws: __m256i,
    ws_hi: __m256i,
}

impl Twiddle {
    #[inline]
    #[target_feature(enable = "avx2")]
    fn splat(w: u64, ws: u64) -> Self {
        Self::from_vectors(_mm256_set1_epi64x(w as i64), _mm256_set1_epi64x(ws as i64))
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn from_vectors(w: __m256i, ws: __m256i) -> Self {
        Self {
            w,
            w_hi: _mm256_srli_epi64::<32>(w),
            ws,
            ws_hi: _mm256_srli_epi64::<32>(ws),
        }
    }
}

/// The modulus broadcast, with `q >> 32` and `2q`.
#[derive(Clone, Copy)]
struct Q {
    q: __m256i,
    q_hi: __m256i,
    two_q: __m256i,
}

impl Q {
    #[inline]
    #[target_feature(enable = "avx2")]
    fn new(q: u64) -> Self {
        Self {
            q: _mm256_set1_epi64x(q as i64),
            q_hi: _mm256_set1_epi64x((q >> 32) as i64),
            two_q: _mm256_set1_epi64x((2 * q) as i64),
        }
    }
}

/// Exact Shoup product `a * w mod q` in `[0, 2q)` for any `a < 2^64`.
#[inline]
#[target_feature(enable = "avx2")]
fn lazy_mul_shoup(a: __m256i, t: Twiddle, m: Q) -> __m256i {
    let a_hi = _mm256_srli_epi64::<32>(a);
    // quot = floor(a * ws / 2^64) from the four 32 x 32 products.
    let p00 = _mm256_mul_epu32(a, t.ws);
    let p01 = _mm256_mul_epu32(a, t.ws_hi);
    let p10 = _mm256_mul_epu32(a_hi, t.ws);
    let p11 = _mm256_mul_epu32(a_hi, t.ws_hi);
    // No overflow: p10 <= (2^32-1)^2 leaves room for a 32-bit addend, and likewise for p01.
    let mid = _mm256_add_epi64(p10, _mm256_srli_epi64::<32>(p00));
    let mid2 = _mm256_add_epi64(
        p01,
        _mm256_blend_epi32::<0b1010_1010>(mid, _mm256_setzero_si256()),
    );
    let quot = _mm256_add_epi64(
        _mm256_add_epi64(p11, _mm256_srli_epi64::<32>(mid)),
        _mm256_srli_epi64::<32>(mid2),
    );
    // a*w - quot*q mod 2^64 from the low halves: lo*lo + ((hi*lo + lo*hi) << 32).
    let quot_hi = _mm256_srli_epi64::<32>(quot);
    let low = _mm256_sub_epi64(_mm256_mul_epu32(a, t.w), _mm256_mul_epu32(quot, m.q));
    let cross = _mm256_sub_epi64(
        _mm256_add_epi64(_mm256_mul_epu32(a_hi, t.w), _mm256_mul_epu32(a, t.w_hi)),
        _mm256_add_epi64(
            _mm256_mul_epu32(quot_hi, m.q),
            _mm256_mul_epu32(quot, m.q_hi),
        ),
    );
    _mm256_add_epi64(low, _mm256_slli_epi64::<32>(cross))
}

/// Cooley–Tukey butterfly on `[0, 4q)` values: `(x, y) -> (x + w y, x - w y)` lazily.
#[inline]
#[target_feature(enable = "avx2")]
fn ct(x: __m256i, y: __m256i, t: Twiddle, m: Q) -> (__m256i, __m256i) {
    let u = csub(x, m.two_q);
    let v = lazy_mul_shoup(y, t, m);
    (
        _mm256_add_epi64(u, v),
        _mm256_sub_epi64(_mm256_add_epi64(u, m.two_q), v),
    )
}

/// Gentleman–Sande butterfly on `[0, 2q)` values: `(x, y) -> (x + y, (x - y) w)` lazily.
#[inline]
#[target_feature(enable = "avx2")]
fn gs(x: __m256i, y: __m256i, t: Twiddle, m: Q) -> (__m256i, __m256i) {
    let s = csub(_mm256_add_epi64(x, y), m.two_q);
    let d = _mm256_sub_epi64(_mm256_add_epi64(x, m.two_q), y);
    (s, lazy_mul_shoup(d, t, m))
}

/// Forward transform; same contract as [`crate::scalar::forward`].
#[target_feature(enable = "avx2")]
fn forward_int(tb: &Tables, at: &IntTables, a: &mut [u64], finish: Finish) {
    let n = tb.n;
    assert_eq!(a.len(), n);
    let m = Q::new(tb.q());
    let mut blocks = 1;
    let mut t = n / 2;
    while t >= 4 {
        let w = &tb.fwd[blocks..2 * blocks];
        let ws = &tb.fwd_shoup[blocks..2 * blocks];
        for ((block, &w), &ws) in a.chunks_exact_mut(2 * t).zip(w).zip(ws) {
            let tw = Twiddle::splat(w, ws);
            let (xs, ys) = block.split_at_mut(t);
            let (xs, _) = xs.as_chunks_mut::<4>();
            let (ys, _) = ys.as_chunks_mut::<4>();
            for (x, y) in xs.iter_mut().zip(ys.iter_mut()) {
                let (u, v) = ct(load(x), load(y), tw, m);
                store(x, u);
                store(y, v);
            }
        }
        blocks *= 2;
        t /= 2;
    }
    // Distance 2: two blocks per 8 words; 128-bit halves hold x and y.
    let (w, _) = at.fwd_d2.as_chunks::<4>();
    let (ws, _) = at.fwd_d2_shoup.as_chunks::<4>();
    for (([c0, c1], w), ws) in pairs(a).iter_mut().zip(w).zip(ws) {
        let (v0, v1) = (load(c0), load(c1));
        let x = _mm256_permute2x128_si256::<0x20>(v0, v1);
        let y = _mm256_permute2x128_si256::<0x31>(v0, v1);
        let tw = Twiddle::from_vectors(load(w), load(ws));
        let (x, y) = ct(x, y, tw, m);
        store(c0, _mm256_permute2x128_si256::<0x20>(x, y));
        store(c1, _mm256_permute2x128_si256::<0x31>(x, y));
    }
    // Distance 1, fused with the final reduction: x and y interleave word by word.
    let (w, _) = at.fwd_d1.as_chunks::<4>();
    let (ws, _) = at.fwd_d1_shoup.as_chunks::<4>();
    for (([c0, c1], w), ws) in pairs(a).iter_mut().zip(w).zip(ws) {
        let (v0, v1) = (load(c0), load(c1));
        let x = _mm256_unpacklo_epi64(v0, v1);
        let y = _mm256_unpackhi_epi64(v0, v1);
        let tw = Twiddle::from_vectors(load(w), load(ws));
        // Canonical u and v first, as in the scalar kernel.
        let u = csub(csub(x, m.two_q), m.q);
        let v = csub(lazy_mul_shoup(y, tw, m), m.q);
        let mut x = _mm256_add_epi64(u, v);
        let mut y = _mm256_sub_epi64(_mm256_add_epi64(u, m.q), v);
        if finish == Finish::Full {
            x = csub(x, m.q);
            y = csub(y, m.q);
        }
        store(c0, _mm256_unpacklo_epi64(x, y));
        store(c1, _mm256_unpackhi_epi64(x, y));
    }
}

/// Inverse transform; same contract as [`crate::scalar::inverse`].
#[target_feature(enable = "avx2")]
fn inverse_int(tb: &Tables, at: &IntTables, a: &mut [u64], normalize: bool) {
    let n = tb.n;
    assert_eq!(a.len(), n);
    let m = Q::new(tb.q());
    // Distance 1.
    let (w, _) = at.inv_d1.as_chunks::<4>();
    let (ws, _) = at.inv_d1_shoup.as_chunks::<4>();
    for (([c0, c1], w), ws) in pairs(a).iter_mut().zip(w).zip(ws) {
        let (v0, v1) = (load(c0), load(c1));
        let x = _mm256_unpacklo_epi64(v0, v1);
        let y = _mm256_unpackhi_epi64(v0, v1);
        let (x, y) = gs(x, y, Twiddle::from_vectors(load(w), load(ws)), m);
        store(c0, _mm256_unpacklo_epi64(x, y));
        store(c1, _mm256_unpackhi_epi64(x, y));
    }
    // Distance 2.
    let (w, _) = at.inv_d2.as_chunks::<4>();
    let (ws, _) = at.inv_d2_shoup.as_chunks::<4>();
    for (([c0, c1], w), ws) in pairs(a).iter_mut().zip(w).zip(ws) {
        let (v0, v1) = (load(c0), load(c1));
        let x = _mm256_permute2x128_si256::<0x20>(v0, v1);
        let y = _mm256_permute2x128_si256::<0x31>(v0, v1);
        let (x, y) = gs(x, y, Twiddle::from_vectors(load(w), load(ws)), m);
        store(c0, _mm256_permute2x128_si256::<0x20>(x, y));
        store(c1, _mm256_permute2x128_si256::<0x31>(x, y));
    }
    let mut off = n / 2 + n / 4;
    let mut blocks = n / 8;
    let mut t = 4;
    while blocks > 1 {
        let w = &tb.inv[off..off + blocks];
        let ws = &tb.inv_shoup[off..off + blocks];
        for ((block, &w), &ws) in a.chunks_exact_mut(2 * t).zip(w).zip(ws) {
            let tw = Twiddle::splat(w, ws);
            let (xs, ys) = block.split_at_mut(t);
            let (xs, _) = xs.as_chunks_mut::<4>();
            let (ys, _) = ys.as_chunks_mut::<4>();
            for (x, y) in xs.iter_mut().zip(ys.iter_mut()) {
                let (u, v) = gs(load(x), load(y), tw, m);
                store(x, u);
                store(y, v);
            }
        }
        off += blocks;
        blocks /= 2;
        t *= 2;
    }
    // Last layer: one block of distance N/2, fused with the reduction and the 1/N.
    let (xs, ys) = a.split_at_mut(n / 2);
    let (xs, _) = xs.as_chunks_mut::<4>();
    let (ys, _) = ys.as_chunks_mut::<4>();
    if normalize {
        let c = Twiddle::splat(tb.n_inv, tb.n_inv_shoup);
        let d = Twiddle::splat(tb.last_inv, tb.last_inv_shoup);
        for (x, y) in xs.iter_mut().zip(ys.iter_mut()) {
            let (u, v) = (load(x), load(y));
            let s = _mm256_add_epi64(u, v);
            let diff = _mm256_sub_epi64(_mm256_add_epi64(u, m.two_q), v);
            store(x, csub(lazy_mul_shoup(s, c, m), m.q));
            store(y, csub(lazy_mul_shoup(diff, d, m), m.q));
        }
    } else {
        let tw = Twiddle::splat(tb.inv[off], tb.inv_shoup[off]);
        for (x, y) in xs.iter_mut().zip(ys.iter_mut()) {
            let (u, v) = gs(load(x), load(y), tw, m);
            store(x, csub(u, m.q));
            store(y, csub(v, m.q));
        }
    }
}
