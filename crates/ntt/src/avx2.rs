//! AVX2 kernel for `q >= 2^52`: Harvey's lazy butterflies with Shoup twiddles on 4 lanes of
//! 64 bits, two layers per pass where the distance allows.
//!
//! AVX2 multiplies only 32 x 32 -> 64 bits (`vpmuludq`), so the Shoup product
//! `a*w - floor(a*ws / 2^64)*q mod 2^64` is assembled from 32-bit pieces: three partial
//! products for an estimate of the high word of `a*ws`, two for the low words, and two
//! `vpmulld` for the cross terms, which matter only modulo `2^32`. Intermediate values may
//! differ from the scalar kernel's by multiples of `q`; outputs are canonical (the lazy
//! forward output too, see `Finish::Lazy`), so they agree bit for bit.
//!
//! Values stay below `4q < 2^64`. Conditional subtractions of `y` (`q` or `2q`, both below
//! `2^63`) from `x < 2y` select on the sign bit of `x - y`, which is set exactly when the
//! subtraction wrapped.

use std::arch::x86_64::*;

use crate::scalar::Finish;
use crate::tables::{ShoupTables, Tables};

/// `a` as consecutive pairs of 4-word vectors (`a.len()` is a multiple of 8).
pub(crate) fn pairs(a: &mut [u64]) -> &mut [[[u64; 4]; 2]] {
    a.as_chunks_mut::<4>().0.as_chunks_mut::<2>().0
}

/// The four quarters of `block` zipped vector by vector (`block.len()` a multiple of 16).
pub(crate) fn quarters(block: &mut [u64]) -> impl Iterator<Item = [&mut [u64; 4]; 4]> {
    let h = block.len() / 4;
    let (b01, b23) = block.split_at_mut(2 * h);
    let (b0, b1) = b01.split_at_mut(h);
    let (b2, b3) = b23.split_at_mut(h);
    vectors(b0)
        .zip(vectors(b1))
        .zip(vectors(b2))
        .zip(vectors(b3))
        .map(|(((x0, x1), x2), x3)| [x0, x1, x2, x3])
}

pub(crate) fn vectors(b: &mut [u64]) -> std::slice::IterMut<'_, [u64; 4]> {
    b.as_chunks_mut::<4>().0.iter_mut()
}

/// The first four words of `s` (which has at least four).
pub(crate) fn first4(s: &mut [u64]) -> &mut [u64; 4] {
    &mut s.as_chunks_mut::<4>().0[0]
}

#[inline]
#[target_feature(enable = "avx2")]
fn load(s: &[u64; 4]) -> __m256i {
    // SAFETY: `s` is 32 readable bytes; the unaligned load has no alignment requirement.
    unsafe { _mm256_loadu_si256(s.as_ptr().cast()) }
}

/// Twiddles of 4 blocks of the distance-1 layer, `[w0 w1 w2 w3]`, in the lane order
/// `[w0 w2 w1 w3]` in which unpacking `[x0 y0 x1 y1]`, `[x2 y2 x3 y3]` presents the blocks.
#[inline]
#[target_feature(enable = "avx2")]
fn load_d1(w: &[u64; 4]) -> __m256i {
    _mm256_permute4x64_epi64::<0b11_01_10_00>(load(w))
}

/// Twiddles of 2 blocks of the distance-2 layer as `[w0 w0 w1 w1]`.
#[inline]
#[target_feature(enable = "avx2")]
fn load_d2(w: &[u64; 2]) -> __m256i {
    // SAFETY: `w` is 16 readable bytes; the unaligned load has no alignment requirement.
    let v = unsafe { _mm_loadu_si128(w.as_ptr().cast()) };
    _mm256_permute4x64_epi64::<0b01_01_00_00>(_mm256_castsi128_si256(v))
}

#[inline]
#[target_feature(enable = "avx2")]
fn store(s: &mut [u64; 4], v: __m256i) {
    // SAFETY: `s` is 32 writable bytes; the unaligned store has no alignment requirement.
    unsafe { _mm256_storeu_si256(s.as_mut_ptr().cast(), v) }
}

/// `x - y` if `x >= y`, else `x`; for `x < 2y`, `y < 2^63`.
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
    /// `w` with the 32-bit halves of each lane swapped, for `vpmulld` cross products.
    w_swap: __m256i,
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
            w_swap: _mm256_shuffle_epi32::<0b10_11_00_01>(w),
            ws,
            ws_hi: _mm256_srli_epi64::<32>(ws),
        }
    }
}

/// The modulus broadcast, with `q >> 32` and `2q`.
#[derive(Clone, Copy)]
struct Q {
    q: __m256i,
    q_swap: __m256i,
    two_q: __m256i,
}

impl Q {
    #[inline]
    #[target_feature(enable = "avx2")]
    fn new(q: u64) -> Self {
        Self {
            q: _mm256_set1_epi64x(q as i64),
            q_swap: _mm256_set1_epi64x(q.rotate_left(32) as i64),
            two_q: _mm256_set1_epi64x((2 * q) as i64),
        }
    }
}

/// Shoup product `a * w mod q` in `[0, 2q)` for any `a < 2^64`.
///
/// The quotient drops the carries of the low partial products (`a_lo * ws_lo` and the low
/// halves of the cross products), so it is the exact Shoup quotient minus 0, 1 or 2 and
/// the remainder lands in `[0, 4q)`; one conditional subtraction of `2q` brings it back.
/// That is three vector operations fewer than the exact quotient.
#[inline]
#[target_feature(enable = "avx2")]
fn lazy_mul_shoup(a: __m256i, t: Twiddle, m: Q) -> __m256i {
    let a_hi = _mm256_srli_epi64::<32>(a);
    let p01 = _mm256_mul_epu32(a, t.ws_hi);
    let p10 = _mm256_mul_epu32(a_hi, t.ws);
    let p11 = _mm256_mul_epu32(a_hi, t.ws_hi);
    let quot = _mm256_add_epi64(
        p11,
        _mm256_add_epi64(_mm256_srli_epi64::<32>(p01), _mm256_srli_epi64::<32>(p10)),
    );
    // a*w - quot*q mod 2^64 = lo*lo + ((hi*lo + lo*hi) << 32): the cross terms matter only
    // mod 2^32, so `vpmulld` forms both of a lane at once against the half-swapped factor.
    let low = _mm256_sub_epi64(_mm256_mul_epu32(a, t.w), _mm256_mul_epu32(quot, m.q));
    let cross = _mm256_sub_epi32(
        _mm256_mullo_epi32(a, t.w_swap),
        _mm256_mullo_epi32(quot, m.q_swap),
    );
    // Sum the two 32-bit halves into the high half, low half zero.
    let cross = _mm256_slli_epi64::<32>(_mm256_add_epi64(cross, _mm256_srli_epi64::<32>(cross)));
    csub(_mm256_add_epi64(low, cross), m.two_q)
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

/// Words per tile: once blocks are this small, all their remaining layers run before the
/// next tile is touched, so they stay in the L1 cache (16 KiB of data).
const TILE: usize = 1 << 11;

/// Forward transform; same contract as [`crate::scalar::forward`].
#[target_feature(enable = "avx2")]
pub(crate) fn forward(tb: &Tables, st: &ShoupTables, a: &mut [u64], finish: Finish) {
    let n = tb.n;
    assert_eq!(a.len(), n);
    let m = Q::new(tb.q());
    let tile = n.min(TILE);
    let mut blocks = 1;
    let mut t = n / 2;
    // Breadth-first while the blocks are larger than a tile, then tile by tile.
    while 2 * t > tile {
        fwd_pass4(a, 0, blocks, t, st, m);
        blocks *= 4;
        t /= 4;
    }
    for (s, sub) in a.chunks_exact_mut(tile).enumerate() {
        let (mut blocks, mut t) = (blocks, t);
        while t >= 8 {
            fwd_pass4(sub, s * tile / (2 * t), blocks, t, st, m);
            blocks *= 4;
            t /= 4;
        }
        if t == 4 {
            let i0 = s * tile / 8;
            for (i, block) in sub.chunks_exact_mut(8).enumerate() {
                let k = blocks + i0 + i;
                let tw = Twiddle::splat(st.fwd[k], st.fwd_shoup[k]);
                let (xs, ys) = block.split_at_mut(4);
                let (x, y) = (first4(xs), first4(ys));
                let (u, v) = ct(load(x), load(y), tw, m);
                store(x, u);
                store(y, v);
            }
        }
        fwd_tail(sub, s * tile, tb.n, st, m, finish);
    }
}

/// Forward layers with `blocks` and `2 * blocks` blocks (distances `t` and `t/2`, `t >= 8`)
/// on `a`, which starts at block `i0` of the first of them: four quarter-blocks of length
/// `t/2` go through (0,2), (1,3) with one twiddle, then (0,1) and (2,3) with two.
#[inline]
#[target_feature(enable = "avx2")]
fn fwd_pass4(a: &mut [u64], i0: usize, blocks: usize, t: usize, st: &ShoupTables, m: Q) {
    let tw = |k: usize| Twiddle::splat(st.fwd[k], st.fwd_shoup[k]);
    for (i, block) in a.chunks_exact_mut(2 * t).enumerate() {
        let k = blocks + i0 + i;
        let (w1, w2, w3) = (tw(k), tw(2 * k), tw(2 * k + 1));
        for [x0, x1, x2, x3] in quarters(block) {
            let (v0, v2) = ct(load(x0), load(x2), w1, m);
            let (v1, v3) = ct(load(x1), load(x3), w1, m);
            let (v0, v1) = ct(v0, v1, w2, m);
            let (v2, v3) = ct(v2, v3, w3, m);
            store(x0, v0);
            store(x1, v1);
            store(x2, v2);
            store(x3, v3);
        }
    }
}

/// The layers of distance 2 and 1 on `a`, which starts at word `o` of the transform of
/// size `n`; the last one is fused with the final reduction.
#[inline]
#[target_feature(enable = "avx2")]
fn fwd_tail(a: &mut [u64], o: usize, n: usize, st: &ShoupTables, m: Q, finish: Finish) {
    let len = a.len();
    // Distance 2: 128-bit halves hold x and y; one twiddle per half.
    let k = n / 4 + o / 4;
    let (w, _) = st.fwd[k..k + len / 4].as_chunks::<2>();
    let (ws, _) = st.fwd_shoup[k..k + len / 4].as_chunks::<2>();
    for (([c0, c1], w), ws) in pairs(a).iter_mut().zip(w).zip(ws) {
        let (v0, v1) = (load(c0), load(c1));
        let x = _mm256_permute2x128_si256::<0x20>(v0, v1);
        let y = _mm256_permute2x128_si256::<0x31>(v0, v1);
        let (x, y) = ct(x, y, Twiddle::from_vectors(load_d2(w), load_d2(ws)), m);
        store(c0, _mm256_permute2x128_si256::<0x20>(x, y));
        store(c1, _mm256_permute2x128_si256::<0x31>(x, y));
    }
    // Distance 1: x and y interleave word by word.
    let k = n / 2 + o / 2;
    let (w, _) = st.fwd[k..k + len / 2].as_chunks::<4>();
    let (ws, _) = st.fwd_shoup[k..k + len / 2].as_chunks::<4>();
    for (([c0, c1], w), ws) in pairs(a).iter_mut().zip(w).zip(ws) {
        let (v0, v1) = (load(c0), load(c1));
        let x = _mm256_unpacklo_epi64(v0, v1);
        let y = _mm256_unpackhi_epi64(v0, v1);
        // Canonical u and v first, as in the scalar kernel.
        let u = csub(csub(x, m.two_q), m.q);
        let v = csub(
            lazy_mul_shoup(y, Twiddle::from_vectors(load_d1(w), load_d1(ws)), m),
            m.q,
        );
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
pub(crate) fn inverse(tb: &Tables, st: &ShoupTables, a: &mut [u64], normalize: bool) {
    let n = tb.n;
    assert_eq!(a.len(), n);
    let m = Q::new(tb.q());
    let tile = n.min(TILE);
    // Tiles first: distances 1 and 2, then pairs of layers while the groups of four
    // quarter-blocks fit in a tile (never the last layer, which runs below).
    let mut off = n / 2 + n / 4;
    let mut blocks = n / 8;
    let mut t = 4;
    for (s, sub) in a.chunks_exact_mut(tile).enumerate() {
        inv_head(sub, s * tile, st, m);
        let (mut off, mut blocks, mut t) = (off, blocks, t);
        while blocks > 2 && 4 * t <= tile {
            inv_pass4(sub, s * tile / (4 * t), off, blocks, t, st, m);
            off += blocks + blocks / 2;
            blocks /= 4;
            t *= 4;
        }
    }
    while blocks > 2 && 4 * t <= tile {
        off += blocks + blocks / 2;
        blocks /= 4;
        t *= 4;
    }
    while blocks > 2 {
        inv_pass4(a, 0, off, blocks, t, st, m);
        off += blocks + blocks / 2;
        blocks /= 4;
        t *= 4;
    }
    // The last layer (one block of distance N/2) is fused with the reduction and the 1/N,
    // and with the layer before it when there is one.
    let (c, d) = if normalize {
        (
            Twiddle::splat(tb.n_inv, tb.n_inv_shoup),
            Twiddle::splat(tb.last_inv, tb.last_inv_shoup),
        )
    } else {
        let one = tb.modulus.reduce(1);
        (
            Twiddle::splat(one, tb.modulus.shoup(one)),
            Twiddle::splat(tb.last_w, tb.last_w_shoup),
        )
    };
    let last = |u: __m256i, v: __m256i| {
        let s = _mm256_add_epi64(u, v);
        let diff = _mm256_sub_epi64(_mm256_add_epi64(u, m.two_q), v);
        (
            csub(lazy_mul_shoup(s, c, m), m.q),
            csub(lazy_mul_shoup(diff, d, m), m.q),
        )
    };
    if blocks == 2 {
        let w1 = Twiddle::splat(st.inv[off], st.inv_shoup[off]);
        let w2 = Twiddle::splat(st.inv[off + 1], st.inv_shoup[off + 1]);
        for [x0, x1, x2, x3] in quarters(a) {
            let (v0, v1) = gs(load(x0), load(x1), w1, m);
            let (v2, v3) = gs(load(x2), load(x3), w2, m);
            let (v0, v2) = last(v0, v2);
            let (v1, v3) = last(v1, v3);
            store(x0, v0);
            store(x1, v1);
            store(x2, v2);
            store(x3, v3);
        }
    } else {
        let (xs, ys) = a.split_at_mut(n / 2);
        for (x, y) in vectors(xs).zip(vectors(ys)) {
            let (u, v) = last(load(x), load(y));
            store(x, u);
            store(y, v);
        }
    }
}

/// Inverse layers of distance 1 and 2 on `a`, which starts at word `o`.
#[inline]
#[target_feature(enable = "avx2")]
fn inv_head(a: &mut [u64], o: usize, st: &ShoupTables, m: Q) {
    let (len, n) = (a.len(), st.inv.len());
    let k = o / 2;
    let (w, _) = st.inv[k..k + len / 2].as_chunks::<4>();
    let (ws, _) = st.inv_shoup[k..k + len / 2].as_chunks::<4>();
    for (([c0, c1], w), ws) in pairs(a).iter_mut().zip(w).zip(ws) {
        let (v0, v1) = (load(c0), load(c1));
        let x = _mm256_unpacklo_epi64(v0, v1);
        let y = _mm256_unpackhi_epi64(v0, v1);
        let (x, y) = gs(x, y, Twiddle::from_vectors(load_d1(w), load_d1(ws)), m);
        store(c0, _mm256_unpacklo_epi64(x, y));
        store(c1, _mm256_unpackhi_epi64(x, y));
    }
    let k = n / 2 + o / 4;
    let (w, _) = st.inv[k..k + len / 4].as_chunks::<2>();
    let (ws, _) = st.inv_shoup[k..k + len / 4].as_chunks::<2>();
    for (([c0, c1], w), ws) in pairs(a).iter_mut().zip(w).zip(ws) {
        let (v0, v1) = (load(c0), load(c1));
        let x = _mm256_permute2x128_si256::<0x20>(v0, v1);
        let y = _mm256_permute2x128_si256::<0x31>(v0, v1);
        let (x, y) = gs(x, y, Twiddle::from_vectors(load_d2(w), load_d2(ws)), m);
        store(c0, _mm256_permute2x128_si256::<0x20>(x, y));
        store(c1, _mm256_permute2x128_si256::<0x31>(x, y));
    }
}

/// Inverse layers with `blocks` and `blocks / 2` blocks (distances `t` and `2t`) on `a`,
/// which starts at group `i0` of four quarter-blocks: (0,1) and (2,3) with two twiddles,
/// then (0,2) and (1,3) with one; the first layer's twiddles start at `off`.
#[inline]
#[target_feature(enable = "avx2")]
fn inv_pass4(
    a: &mut [u64],
    i0: usize,
    off: usize,
    blocks: usize,
    t: usize,
    st: &ShoupTables,
    m: Q,
) {
    let tw = |k: usize| Twiddle::splat(st.inv[k], st.inv_shoup[k]);
    for (i, block) in a.chunks_exact_mut(4 * t).enumerate() {
        let g = i0 + i;
        let (w1, w2, w3) = (tw(off + 2 * g), tw(off + 2 * g + 1), tw(off + blocks + g));
        for [x0, x1, x2, x3] in quarters(block) {
            let (v0, v1) = gs(load(x0), load(x1), w1, m);
            let (v2, v3) = gs(load(x2), load(x3), w2, m);
            let (v0, v2) = gs(v0, v2, w3, m);
            let (v1, v3) = gs(v1, v3, w3, m);
            store(x0, v0);
            store(x1, v1);
            store(x2, v2);
            store(x3, v3);
        }
    }
}
