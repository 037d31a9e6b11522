//! AVX2 + FMA kernel for `q < 2^52`: residues as `f64`, products split exactly by FMA.
//!
//! `a * w mod q` for integer-valued doubles: `h = a*w` rounded and `l = fma(a, w, -h)` give
//! `a*w = h + l` exactly; the quotient `k = round(a * (w/q))` is off by at most one half
//! plus a tiny error, so `r = (h - k*q) + l` is an integer of magnitude below `q`, computed
//! exactly because every intermediate is an integer below `2^53`. (Floating-point modular
//! multiplication as in Harvey's and in Shoup's NTL `MulMod` with a precomputed `w/q`.)
//!
//! Values are kept signed and small instead of Harvey-lazy: forward layers keep them in
//! `(-1.5q, 1.5q)` (the `x` of each butterfly is re-centred by rounding), inverse layers in
//! `[-q, q]`. Data are converted from and to `u64` in the first and last layers, in place
//! (the slice holds `f64` bit patterns in between). Outputs are canonical residues, so they
//! equal the scalar kernel's, the lazy forward output included (see [`Finish::Lazy`]).
//!
//! Bounds (q < 2^50): for `|y| < 1.5q`, `|k - y w/q| <= 1/2 + |y| 2^-53`, so
//! `|y w - k q| <= q/2 + 1.5 q^2 2^-53 < 0.69 q`; re-centred `x` is within `q/2`; the
//! butterfly outputs stay below `1.19 q`. Every product `h` is below `2^101`, so `|l| <= 2^48`
//! and `|h - kq| < 2^51`: all exact. Rounding uses the `1.5 * 2^52` trick in one FMA (valid
//! for quotients below `2^51`), and relies on the default round-to-nearest mode.
//!
//! Wide moduli (`2^50 <= q < 2^52`, `WIDE`): twiddles are stored centred (`|w| <= (q-1)/2`)
//! and every product is re-centred as well as `x`, so all butterfly inputs stay within
//! `|y| <= q - 1` and every output of `mul` within `(q-1)/2` after centring. Bounds:
//! `|y w/q| <= (q-1)^2/(2q) < 2^51` (the rounding trick holds), `|k - y w/q| <= 1/2 +
//! 2^51 2^-53`, so `|y w - k q| <= 0.75 q`; `|h| < 2^103` gives `|l| <= 2^49` and
//! `|h - kq| < 0.75 * 2^52 + 2^49 < 2^53`: exact again. About a quarter more floating-point
//! operations per butterfly than the narrow path, still well below the integer kernel's.
use std::arch::x86_64::*;

use crate::avx2::{first4, pairs, quarters, vectors};
use crate::scalar::Finish;
use crate::tables::Tables;

/// Largest modulus (exclusive) of the narrow path (canonical twiddles, `x` re-centred only).
pub(crate) const NARROW_Q: u64 = 1 << 50;
/// Largest modulus (exclusive) this kernel handles (the wide path above [`NARROW_Q`]).
pub(crate) const MAX_Q: u64 = 1 << 52;

/// `1.5 * 2^52`: adding it rounds a double of magnitude below `2^51` to an integer.
const ROUND: f64 = 6_755_399_441_055_744.0;
/// `2^52` and its bit pattern, for exact `u64 <-> f64` conversion of values below `2^52`.
const TWO52: f64 = 4_503_599_627_370_496.0;
const TWO52_BITS: i64 = 0x4330_0000_0000_0000;

/// Twiddles as doubles, `w` and `w / q`, in the layouts of the word tables
/// (`crate::tables::ShoupTables`); centred for wide moduli.
pub(crate) struct FloatTables {
    fwd: Box<[f64]>,
    fwd_q: Box<[f64]>,
    inv: Box<[f64]>,
    inv_q: Box<[f64]>,
    wide: bool,
}

/// `w` as a double: canonical, or centred into `[-(q-1)/2, (q-1)/2]` when `wide`.
fn twiddle(w: u64, q: u64, wide: bool) -> f64 {
    if wide && w > q / 2 {
        -((q - w) as f64)
    } else {
        w as f64
    }
}

impl FloatTables {
    pub(crate) fn new(q: u64, fwd: &[u64], inv: &[u64]) -> Self {
        let qf = q as f64;
        let wide = q >= NARROW_Q;
        let f = |t: &[u64]| -> Box<[f64]> { t.iter().map(|&w| twiddle(w, q, wide)).collect() };
        // Both operands are exact, so the division is correctly rounded.
        let fq =
            |t: &[u64]| -> Box<[f64]> { t.iter().map(|&w| twiddle(w, q, wide) / qf).collect() };
        Self {
            fwd: f(fwd),
            fwd_q: fq(fwd),
            inv: f(inv),
            inv_q: fq(inv),
            wide,
        }
    }
}

/// Broadcast constants.
#[derive(Clone, Copy)]
struct F {
    q: __m256d,
    q_inv: __m256d,
    round: __m256d,
    two52: __m256d,
    two52_bits: __m256i,
    q_words: __m256i,
}

impl F {
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn new(q: u64) -> Self {
        let qf = q as f64;
        Self {
            q: _mm256_set1_pd(qf),
            q_inv: _mm256_set1_pd(1.0 / qf),
            round: _mm256_set1_pd(ROUND),
            two52: _mm256_set1_pd(TWO52),
            two52_bits: _mm256_set1_epi64x(TWO52_BITS),
            q_words: _mm256_set1_epi64x(q as i64),
        }
    }

    /// `y * w mod q` as a signed value of magnitude below `q` (bounds in the module docs).
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn mul(self, y: __m256d, w: __m256d, wq: __m256d) -> __m256d {
        let h = _mm256_mul_pd(y, w);
        let l = _mm256_fmsub_pd(y, w, h);
        let k = _mm256_sub_pd(_mm256_fmadd_pd(y, wq, self.round), self.round);
        _mm256_add_pd(_mm256_fnmadd_pd(k, self.q, h), l)
    }

    /// `x - round(x / q) * q`, within `[-(q-1)/2, (q-1)/2]`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn center(self, x: __m256d) -> __m256d {
        let k = _mm256_sub_pd(_mm256_fmadd_pd(x, self.q_inv, self.round), self.round);
        _mm256_fnmadd_pd(k, self.q, x)
    }

    /// `(-q, q) -> [0, q)`. Compares rather than testing the sign bit, so `-0.0` stays zero.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn canon(self, x: __m256d) -> __m256d {
        let neg = _mm256_cmp_pd::<_CMP_LT_OQ>(x, _mm256_setzero_pd());
        _mm256_add_pd(x, _mm256_and_pd(neg, self.q))
    }

    /// Exact for words below `2^52`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn int_to_f64(self, v: __m256i) -> __m256d {
        _mm256_sub_pd(
            _mm256_castsi256_pd(_mm256_or_si256(v, self.two52_bits)),
            self.two52,
        )
    }

    /// Exact for integer-valued doubles in `[0, 2^52)` (`-0.0` included).
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn f64_to_int(self, x: __m256d) -> __m256i {
        _mm256_xor_si256(
            _mm256_castpd_si256(_mm256_add_pd(x, self.two52)),
            self.two52_bits,
        )
    }

    /// `mul`, re-centred on the wide path.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn mul_w<const WIDE: bool>(self, y: __m256d, w: __m256d, wq: __m256d) -> __m256d {
        let v = self.mul(y, w, wq);
        if WIDE { self.center(v) } else { v }
    }

    /// Forward butterfly: `(x, y) -> (x + w y, x - w y)`, re-centring `x` (and `w y` when
    /// `WIDE`).
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn ct<const WIDE: bool>(
        self,
        x: __m256d,
        y: __m256d,
        w: __m256d,
        wq: __m256d,
    ) -> (__m256d, __m256d) {
        let u = self.center(x);
        let v = self.mul_w::<WIDE>(y, w, wq);
        (_mm256_add_pd(u, v), _mm256_sub_pd(u, v))
    }

    /// Inverse butterfly: `(x, y) -> (x + y, (x - y) w)`, re-centring the sum (and the
    /// product when `WIDE`).
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn gs<const WIDE: bool>(
        self,
        x: __m256d,
        y: __m256d,
        w: __m256d,
        wq: __m256d,
    ) -> (__m256d, __m256d) {
        let s = self.center(_mm256_add_pd(x, y));
        (s, self.mul_w::<WIDE>(_mm256_sub_pd(x, y), w, wq))
    }
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn load(s: &[u64; 4]) -> __m256d {
    // SAFETY: `s` is 32 readable bytes; the unaligned load has no alignment requirement.
    _mm256_castsi256_pd(unsafe { _mm256_loadu_si256(s.as_ptr().cast()) })
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn load_words(s: &[u64; 4]) -> __m256i {
    // SAFETY: as in `load`.
    unsafe { _mm256_loadu_si256(s.as_ptr().cast()) }
}

/// Twiddles of 4 blocks of the distance-1 layer in lane order `[w0 w2 w1 w3]` (see
/// `crate::avx2::load_d1`).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn load_d1(w: &[f64; 4]) -> __m256d {
    // SAFETY: `w` is 32 readable bytes; the unaligned load has no alignment requirement.
    let v = unsafe { _mm256_loadu_pd(w.as_ptr()) };
    _mm256_permute4x64_pd::<0b11_01_10_00>(v)
}

/// Twiddles of 2 blocks of the distance-2 layer as `[w0 w0 w1 w1]`.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn load_d2(w: &[f64; 2]) -> __m256d {
    // SAFETY: `w` is 16 readable bytes; the unaligned load has no alignment requirement.
    let v = unsafe { _mm_loadu_pd(w.as_ptr()) };
    _mm256_permute4x64_pd::<0b01_01_00_00>(_mm256_castpd128_pd256(v))
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn store(s: &mut [u64; 4], v: __m256d) {
    store_words(s, _mm256_castpd_si256(v));
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn store_words(s: &mut [u64; 4], v: __m256i) {
    // SAFETY: `s` is 32 writable bytes; the unaligned store has no alignment requirement.
    unsafe { _mm256_storeu_si256(s.as_mut_ptr().cast(), v) }
}

/// Words per tile: once blocks are this small, all their remaining layers run before the
/// next tile is touched, so they stay in the L1 cache (16 KiB of data).
const TILE: usize = 1 << 11;

/// Forward transform for `q < 2^52`; same contract as [`crate::scalar::forward`] with inputs
/// below `q`.
#[target_feature(enable = "avx2,fma")]
pub(crate) fn forward(tb: &Tables, ft: &FloatTables, a: &mut [u64], finish: Finish) {
    if ft.wide {
        forward_impl::<true>(tb, ft, a, finish);
    } else {
        forward_impl::<false>(tb, ft, a, finish);
    }
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn forward_impl<const WIDE: bool>(tb: &Tables, ft: &FloatTables, a: &mut [u64], finish: Finish) {
    let n = tb.n;
    assert_eq!(a.len(), n);
    let f = F::new(tb.q());
    let tile = n.min(TILE);
    let mut blocks = 1;
    let mut t = n / 2;
    let mut first = true;
    // Breadth-first while the blocks are larger than a tile.
    while 2 * t > tile {
        if first {
            fwd_pass4::<true, WIDE>(a, 0, blocks, t, ft, f);
            first = false;
        } else {
            fwd_pass4::<false, WIDE>(a, 0, blocks, t, ft, f);
        }
        blocks *= 4;
        t /= 4;
    }
    for (s, sub) in a.chunks_exact_mut(tile).enumerate() {
        let (mut blocks, mut t) = (blocks, t);
        if first {
            // Small transforms: the first pass converts.
            fwd_pass4::<true, WIDE>(sub, 0, blocks, t, ft, f);
            blocks *= 4;
            t /= 4;
        }
        while t >= 8 {
            fwd_pass4::<false, WIDE>(sub, s * tile / (2 * t), blocks, t, ft, f);
            blocks *= 4;
            t /= 4;
        }
        if t == 4 {
            let i0 = s * tile / 8;
            for (i, block) in sub.chunks_exact_mut(8).enumerate() {
                let k = blocks + i0 + i;
                let (w, wq) = (_mm256_set1_pd(ft.fwd[k]), _mm256_set1_pd(ft.fwd_q[k]));
                let (xs, ys) = block.split_at_mut(4);
                let (x, y) = (first4(xs), first4(ys));
                let (u, v) = f.ct::<WIDE>(load(x), load(y), w, wq);
                store(x, u);
                store(y, v);
            }
        }
        fwd_tail::<WIDE>(sub, s * tile, n, ft, f, finish);
    }
}

/// Forward layers with `blocks` and `2 * blocks` blocks (distances `t` and `t/2`, `t >= 8`)
/// on `a`, which starts at block `i0` of the first of them. `CONVERT`: `a` holds words.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn fwd_pass4<const CONVERT: bool, const WIDE: bool>(
    a: &mut [u64],
    i0: usize,
    blocks: usize,
    t: usize,
    ft: &FloatTables,
    f: F,
) {
    let tw = |k: usize| (_mm256_set1_pd(ft.fwd[k]), _mm256_set1_pd(ft.fwd_q[k]));
    for (i, block) in a.chunks_exact_mut(2 * t).enumerate() {
        let k = blocks + i0 + i;
        let ((w1, q1), (w2, q2), (w3, q3)) = (tw(k), tw(2 * k), tw(2 * k + 1));
        for [x0, x1, x2, x3] in quarters(block) {
            let ld = |x: &[u64; 4]| {
                if CONVERT {
                    f.int_to_f64(load_words(x))
                } else {
                    load(x)
                }
            };
            let (v0, v2) = f.ct::<WIDE>(ld(x0), ld(x2), w1, q1);
            let (v1, v3) = f.ct::<WIDE>(ld(x1), ld(x3), w1, q1);
            let (v0, v1) = f.ct::<WIDE>(v0, v1, w2, q2);
            let (v2, v3) = f.ct::<WIDE>(v2, v3, w3, q3);
            store(x0, v0);
            store(x1, v1);
            store(x2, v2);
            store(x3, v3);
        }
    }
}

/// The layers of distance 2 and 1 on `a`, which starts at word `o` of the transform of
/// size `n`; the last one makes canonical residues and converts them back to words.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn fwd_tail<const WIDE: bool>(
    a: &mut [u64],
    o: usize,
    n: usize,
    ft: &FloatTables,
    f: F,
    finish: Finish,
) {
    let len = a.len();
    let k = n / 4 + o / 4;
    let (w, _) = ft.fwd[k..k + len / 4].as_chunks::<2>();
    let (wq, _) = ft.fwd_q[k..k + len / 4].as_chunks::<2>();
    for (([c0, c1], w), wq) in pairs(a).iter_mut().zip(w).zip(wq) {
        let (v0, v1) = (load(c0), load(c1));
        let x = _mm256_permute2f128_pd::<0x20>(v0, v1);
        let y = _mm256_permute2f128_pd::<0x31>(v0, v1);
        let (x, y) = f.ct::<WIDE>(x, y, load_d2(w), load_d2(wq));
        store(c0, _mm256_permute2f128_pd::<0x20>(x, y));
        store(c1, _mm256_permute2f128_pd::<0x31>(x, y));
    }
    let k = n / 2 + o / 2;
    let (w, _) = ft.fwd[k..k + len / 2].as_chunks::<4>();
    let (wq, _) = ft.fwd_q[k..k + len / 2].as_chunks::<4>();
    for (([c0, c1], w), wq) in pairs(a).iter_mut().zip(w).zip(wq) {
        let (v0, v1) = (load(c0), load(c1));
        let x = _mm256_unpacklo_pd(v0, v1);
        let y = _mm256_unpackhi_pd(v0, v1);
        let u = f.canon(f.center(x));
        let v = f.canon(f.mul(y, load_d1(w), load_d1(wq)));
        let (x, y) = match finish {
            Finish::Full => (
                f.f64_to_int(f.canon(_mm256_sub_pd(_mm256_add_pd(u, v), f.q))),
                f.f64_to_int(f.canon(_mm256_sub_pd(u, v))),
            ),
            // Sums reach 2q, beyond the exact conversion for q > 2^51: add as words.
            Finish::Lazy => {
                let (u, v) = (f.f64_to_int(u), f.f64_to_int(v));
                (
                    _mm256_add_epi64(u, v),
                    _mm256_sub_epi64(_mm256_add_epi64(u, f.q_words), v),
                )
            }
        };
        store_words(c0, _mm256_unpacklo_epi64(x, y));
        store_words(c1, _mm256_unpackhi_epi64(x, y));
    }
}

/// Inverse transform for `q < 2^52`; same contract as [`crate::scalar::inverse`] with inputs
/// below `q`.
#[target_feature(enable = "avx2,fma")]
pub(crate) fn inverse(tb: &Tables, ft: &FloatTables, a: &mut [u64], normalize: bool) {
    if ft.wide {
        inverse_impl::<true>(tb, ft, a, normalize);
    } else {
        inverse_impl::<false>(tb, ft, a, normalize);
    }
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn inverse_impl<const WIDE: bool>(tb: &Tables, ft: &FloatTables, a: &mut [u64], normalize: bool) {
    let n = tb.n;
    assert_eq!(a.len(), n);
    let f = F::new(tb.q());
    let tile = n.min(TILE);
    // Tiles first: distances 1 and 2, then pairs of layers while the groups of four
    // quarter-blocks fit in a tile (never the last layer, which runs below).
    let mut off = n / 2 + n / 4;
    let mut blocks = n / 8;
    let mut t = 4;
    for (s, sub) in a.chunks_exact_mut(tile).enumerate() {
        inv_head::<WIDE>(sub, s * tile, ft, f);
        let (mut off, mut blocks, mut t) = (off, blocks, t);
        while blocks > 2 && 4 * t <= tile {
            inv_pass4::<WIDE>(sub, s * tile / (4 * t), off, blocks, t, ft, f);
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
        inv_pass4::<WIDE>(a, 0, off, blocks, t, ft, f);
        off += blocks + blocks / 2;
        blocks /= 4;
        t *= 4;
    }
    // The last layer, with the 1/N, canonical residues and conversion back to words; fused
    // with the layer before it when there is one.
    let qf = tb.q() as f64;
    let (cw, dw) = if normalize {
        (tb.n_inv, tb.last_inv)
    } else {
        (tb.modulus.reduce(1), tb.last_w)
    };
    let (cw, dw) = (twiddle(cw, tb.q(), WIDE), twiddle(dw, tb.q(), WIDE));
    let (c, cq) = (_mm256_set1_pd(cw), _mm256_set1_pd(cw / qf));
    let (d, dq) = (_mm256_set1_pd(dw), _mm256_set1_pd(dw / qf));
    let last = |u: __m256d, v: __m256d| {
        let s = f.canon(f.mul(_mm256_add_pd(u, v), c, cq));
        let dd = f.canon(f.mul(_mm256_sub_pd(u, v), d, dq));
        (f.f64_to_int(s), f.f64_to_int(dd))
    };
    if blocks == 2 {
        let (w1, q1) = (_mm256_set1_pd(ft.inv[off]), _mm256_set1_pd(ft.inv_q[off]));
        let (w2, q2) = (
            _mm256_set1_pd(ft.inv[off + 1]),
            _mm256_set1_pd(ft.inv_q[off + 1]),
        );
        for [x0, x1, x2, x3] in quarters(a) {
            let (v0, v1) = f.gs::<WIDE>(load(x0), load(x1), w1, q1);
            let (v2, v3) = f.gs::<WIDE>(load(x2), load(x3), w2, q2);
            let (v0, v2) = last(v0, v2);
            let (v1, v3) = last(v1, v3);
            store_words(x0, v0);
            store_words(x1, v1);
            store_words(x2, v2);
            store_words(x3, v3);
        }
    } else {
        let (xs, ys) = a.split_at_mut(n / 2);
        for (x, y) in vectors(xs).zip(vectors(ys)) {
            let (u, v) = last(load(x), load(y));
            store_words(x, u);
            store_words(y, v);
        }
    }
}

/// Inverse layers of distance 1 and 2 on `a` (words in), which starts at word `o`.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn inv_head<const WIDE: bool>(a: &mut [u64], o: usize, ft: &FloatTables, f: F) {
    let (len, n) = (a.len(), ft.inv.len());
    let k = o / 2;
    let (w, _) = ft.inv[k..k + len / 2].as_chunks::<4>();
    let (wq, _) = ft.inv_q[k..k + len / 2].as_chunks::<4>();
    for (([c0, c1], w), wq) in pairs(a).iter_mut().zip(w).zip(wq) {
        let (v0, v1) = (load_words(c0), load_words(c1));
        let x = f.int_to_f64(_mm256_unpacklo_epi64(v0, v1));
        let y = f.int_to_f64(_mm256_unpackhi_epi64(v0, v1));
        let (x, y) = f.gs::<WIDE>(x, y, load_d1(w), load_d1(wq));
        store(c0, _mm256_unpacklo_pd(x, y));
        store(c1, _mm256_unpackhi_pd(x, y));
    }
    let k = n / 2 + o / 4;
    let (w, _) = ft.inv[k..k + len / 4].as_chunks::<2>();
    let (wq, _) = ft.inv_q[k..k + len / 4].as_chunks::<2>();
    for (([c0, c1], w), wq) in pairs(a).iter_mut().zip(w).zip(wq) {
        let (v0, v1) = (load(c0), load(c1));
        let x = _mm256_permute2f128_pd::<0x20>(v0, v1);
        let y = _mm256_permute2f128_pd::<0x31>(v0, v1);
        let (x, y) = f.gs::<WIDE>(x, y, load_d2(w), load_d2(wq));
        store(c0, _mm256_permute2f128_pd::<0x20>(x, y));
        store(c1, _mm256_permute2f128_pd::<0x31>(x, y));
    }
}

/// Inverse layers with `blocks` and `blocks / 2` blocks (distances `t` and `2t`) on `a`,
/// which starts at group `i0` of four quarter-blocks; the first layer's twiddles start at
/// `off` in the inverse table.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn inv_pass4<const WIDE: bool>(
    a: &mut [u64],
    i0: usize,
    off: usize,
    blocks: usize,
    t: usize,
    ft: &FloatTables,
    f: F,
) {
    let tw = |k: usize| (_mm256_set1_pd(ft.inv[k]), _mm256_set1_pd(ft.inv_q[k]));
    for (i, block) in a.chunks_exact_mut(4 * t).enumerate() {
        let g = i0 + i;
        let ((w1, q1), (w2, q2), (w3, q3)) =
            (tw(off + 2 * g), tw(off + 2 * g + 1), tw(off + blocks + g));
        for [x0, x1, x2, x3] in quarters(block) {
            let (v0, v1) = f.gs::<WIDE>(load(x0), load(x1), w1, q1);
            let (v2, v3) = f.gs::<WIDE>(load(x2), load(x3), w2, q2);
            let (v0, v2) = f.gs::<WIDE>(v0, v2, w3, q3);
            let (v1, v3) = f.gs::<WIDE>(v1, v3, w3, q3);
            store(x0, v0);
            store(x1, v1);
            store(x2, v2);
            store(x3, v3);
        }
    }
}
