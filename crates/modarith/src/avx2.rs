//! AVX2 + FMA slice products for moduli below `2^52`: residues as `f64`, products split
//! exactly by FMA, word for word equal to the scalar Barrett products.
//!
//! With `a, b` centred (`|a|, |b| <= q/2`), `h = a·b` rounded and `l = fma(a, b, -h)` give
//! `a·b = h + l` exactly; `k = round(h · (1/q))` is within `3/4` of `a·b/q` (`|a·b/q| <=
//! q/4 < 2^50`, two roundings of relative size `2^-53`), so `r = (h - k·q) + l = a·b - k·q`
//! with `|r| <= 3q/4`, every intermediate an integer below `2^53` (`|h| < 2^102` makes
//! `|l| <= 2^48`). Relies on the default round-to-nearest mode.

use std::arch::x86_64::*;

/// `1.5 * 2^52`: adding it rounds a double of magnitude below `2^51` to an integer.
const ROUND: f64 = 6_755_399_441_055_744.0;
/// `2^52` and its bit pattern, for exact `u64 <-> f64` conversion of values below `2^52`.
const TWO52: f64 = 4_503_599_627_370_496.0;
const TWO52_BITS: i64 = 0x4330_0000_0000_0000;

/// Largest modulus (exclusive) these products handle.
pub(crate) const MAX_Q: u64 = 1 << 52;

/// Whether this CPU runs the products here.
pub(crate) fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

#[derive(Clone, Copy)]
struct F {
    q: __m256d,
    half: __m256d,
    q_inv: __m256d,
    round: __m256d,
    two52: __m256d,
    two52_bits: __m256i,
}

impl F {
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn new(q: u64) -> Self {
        Self {
            q: _mm256_set1_pd(q as f64),
            half: _mm256_set1_pd((q / 2) as f64),
            q_inv: _mm256_set1_pd(1.0 / q as f64),
            round: _mm256_set1_pd(ROUND),
            two52: _mm256_set1_pd(TWO52),
            two52_bits: _mm256_set1_epi64x(TWO52_BITS),
        }
    }

    /// Four words (each below `q`) as centred doubles.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn load(self, w: &[u64; 4]) -> __m256d {
        let x = self.load_raw(w);
        let over = _mm256_cmp_pd::<_CMP_GT_OQ>(x, self.half);
        _mm256_sub_pd(x, _mm256_and_pd(over, self.q))
    }

    /// Four words as doubles, not centred.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn load_raw(self, w: &[u64; 4]) -> __m256d {
        // SAFETY: `w` is 32 readable bytes; the unaligned load has no alignment requirement.
        let v = unsafe { _mm256_loadu_si256(w.as_ptr().cast()) };
        _mm256_sub_pd(
            _mm256_castsi256_pd(_mm256_or_si256(v, self.two52_bits)),
            self.two52,
        )
    }

    /// Canonical residue of `x` in `(-q, 2q)` (integer-valued), stored as words.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn store(self, w: &mut [u64; 4], x: __m256d) {
        // Compare rather than test the sign bit, so -0.0 stays zero.
        let neg = _mm256_cmp_pd::<_CMP_LT_OQ>(x, _mm256_setzero_pd());
        let x = _mm256_add_pd(x, _mm256_and_pd(neg, self.q));
        let over = _mm256_cmp_pd::<_CMP_GE_OQ>(x, self.q);
        let x = _mm256_sub_pd(x, _mm256_and_pd(over, self.q));
        let v = _mm256_xor_si256(
            _mm256_castpd_si256(_mm256_add_pd(x, self.two52)),
            self.two52_bits,
        );
        // SAFETY: `w` is 32 writable bytes; the unaligned store has no alignment requirement.
        unsafe { _mm256_storeu_si256(w.as_mut_ptr().cast(), v) }
    }

    /// `a·b mod q` within `3q/4`, for centred `a, b`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn mul(self, a: __m256d, b: __m256d) -> __m256d {
        let h = _mm256_mul_pd(a, b);
        let l = _mm256_fmsub_pd(a, b, h);
        let k = _mm256_sub_pd(_mm256_fmadd_pd(h, self.q_inv, self.round), self.round);
        _mm256_add_pd(_mm256_fnmadd_pd(k, self.q, h), l)
    }
}

/// `a[i] = a[i]·b[i] mod q` for `q < 2^52` and words below `q`; the tail (fewer than four
/// words) is left to the caller.
#[target_feature(enable = "avx2,fma")]
pub(crate) fn mul_assign(q: u64, a: &mut [u64], b: &[u64]) {
    let f = F::new(q);
    let (a4, _) = a.as_chunks_mut::<4>();
    let (b4, _) = b.as_chunks::<4>();
    for (x, y) in a4.iter_mut().zip(b4) {
        let r = f.mul(f.load(x), f.load(y));
        f.store(x, r);
    }
}

/// `acc[i] = (acc[i] + a[i]·b[i]) mod q` for `q < 2^52` and words below `q`; the tail
/// (fewer than four words) is left to the caller.
#[target_feature(enable = "avx2,fma")]
pub(crate) fn mul_add_assign(q: u64, acc: &mut [u64], a: &[u64], b: &[u64]) {
    let f = F::new(q);
    let (c4, _) = acc.as_chunks_mut::<4>();
    let (a4, _) = a.as_chunks::<4>();
    let (b4, _) = b.as_chunks::<4>();
    for ((z, x), y) in c4.iter_mut().zip(a4).zip(b4) {
        // acc in [0, q) plus |r| <= 3q/4: within (-q, 2q) for `store`.
        let r = _mm256_add_pd(f.load_raw(z), f.mul(f.load(x), f.load(y)));
        f.store(z, r);
    }
}

/// A constant `c < q` centred, with its quotient by `q`, for `F::mul_const`.
#[derive(Clone, Copy)]
struct Const {
    c: __m256d,
    cq: __m256d,
}

impl Const {
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn new(c: u64, q: u64) -> Self {
        let cf = if c > q / 2 {
            -((q - c) as f64)
        } else {
            c as f64
        };
        // Both operands are exact, so the division is correctly rounded.
        Self {
            c: _mm256_set1_pd(cf),
            cq: _mm256_set1_pd(cf / q as f64),
        }
    }
}

impl F {
    /// `y·c mod q` within `3q/4` for `|y| < q` and a centred constant: `|y·c/q| < q/2 <
    /// 2^51`, `k = round(y · (c/q))` within `3/4` of `y·c/q`, `|y·c| < 2^103` so `|l| <=
    /// 2^49`; as in `mul`, every intermediate is an integer below `2^53`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn mul_const(self, y: __m256d, c: Const) -> __m256d {
        let h = _mm256_mul_pd(y, c.c);
        let l = _mm256_fmsub_pd(y, c.c, h);
        let k = _mm256_sub_pd(_mm256_fmadd_pd(y, c.cq, self.round), self.round);
        _mm256_add_pd(_mm256_fnmadd_pd(k, self.q, h), l)
    }
}

/// `a[i] = (a[i] - b[i])·c mod q` for `q < 2^52`, words and `c` below `q`; the tail (fewer
/// than four words) is left to the caller.
#[target_feature(enable = "avx2,fma")]
pub(crate) fn sub_scalar_mul(q: u64, a: &mut [u64], b: &[u64], c: u64) {
    let f = F::new(q);
    let k = Const::new(c, q);
    let (a4, _) = a.as_chunks_mut::<4>();
    let (b4, _) = b.as_chunks::<4>();
    for (x, y) in a4.iter_mut().zip(b4) {
        // a - b in (-q, q).
        let d = _mm256_sub_pd(f.load_raw(x), f.load_raw(y));
        f.store(x, f.mul_const(d, k));
    }
}

/// `a[i] = (a[i]·c + b[i]) mod q` for `q < 2^52`, words and `c` below `q`; the tail (fewer
/// than four words) is left to the caller.
#[target_feature(enable = "avx2,fma")]
pub(crate) fn scalar_mul_add_to(q: u64, a: &mut [u64], b: &[u64], c: u64) {
    let f = F::new(q);
    let k = Const::new(c, q);
    let (a4, _) = a.as_chunks_mut::<4>();
    let (b4, _) = b.as_chunks::<4>();
    for (x, y) in a4.iter_mut().zip(b4) {
        // |a·c mod q| <= 3q/4 plus b in [0, q): within (-q, 2q) for `store`.
        let r = _mm256_add_pd(f.mul_const(f.load_raw(x), k), f.load_raw(y));
        f.store(x, r);
    }
}
