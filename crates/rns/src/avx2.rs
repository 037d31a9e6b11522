//! AVX2 + FMA rows of the fast base conversion for output primes below `2^52.67`:
//! `out = Σ_j y_j · h_j mod t` on 4 lanes of `f64`, word for word equal to the scalar row.
//! (The inner products of key switching stay scalar: they are bound by reading the keys,
//! and an `f64` version measured only a tenth faster.)
//!
//! Each term is a floating-point modular product (as in the NTT's `f64` kernel): with the
//! constant centred, `|h| <= (t-1)/2`, and `|y| < 2^52`, `hp = y·h` rounded and
//! `l = fma(y, h, -hp)` give `y·h = hp + l` exactly; `k = round(y · (h/t))` is within `3/4`
//! of `y·h/t` (`|y·h/t| < 2^51`, so the `1.5·2^52` rounding trick holds), hence
//! `r = (hp - k·t) + l = y·h - k·t` with `|r| <= 3t/4`, every intermediate an integer below
//! `2^53` (`|hp| < 2^104` makes `|l| <= 2^50`, and `3t/4 + 2^50 < 2^53`). Sums of terms
//! are re-centred into `|s| <= (t+1)/2` often enough that they stay below `2^53` (every ten
//! terms for `t < 2^50`, every term for `t` above `2^52`, which is why `(t+1)/2 + 3t/4`
//! must stay below `2^53`: `t < 2^53 / 1.25`).
//!
//! Digits of inputs with `f_j < 2^53` are stored as `f64` (exact). Larger inputs stay `i64`
//! and are split here: `u = y + 2^61 = hi·2^31 + lo` gives two small terms (with the
//! constant `h·2^31 mod t` for `hi`) and a constant `-2^61·h mod t` per row.

use std::arch::x86_64::*;

/// `1.5 * 2^52`: adding it rounds a double of magnitude below `2^51` to an integer.
const ROUND: f64 = 6_755_399_441_055_744.0;
/// `2^52` and its bit pattern, for exact `u64 <-> f64` conversion of values below `2^52`.
const TWO52: f64 = 4_503_599_627_370_496.0;
const TWO52_BITS: i64 = 0x4330_0000_0000_0000;
/// Whether the rows here serve the output prime `t`: at least one term fits between
/// centrings (see [`group`]).
pub(crate) fn supports(t: u64) -> bool {
    t < 1 << 53 && 4 * room(t) >= 3 * t as u128
}

/// Whether this CPU runs the kernels here.
pub(crate) fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

/// Split point and bias of large digits.
pub(crate) const SPLIT_BITS: u32 = 31;
pub(crate) const SPLIT_BIAS: u64 = 1 << 61;

/// Which part of an input digit a term multiplies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// The digit itself, stored as `f64`.
    Whole,
    /// `(y + 2^61) >> 31` of an `i64` digit.
    Hi,
    /// `(y + 2^61) mod 2^31` of an `i64` digit.
    Lo,
}

#[derive(Clone, Debug)]
pub(crate) struct Term {
    pub input: usize,
    pub part: Part,
    /// Centred constant and its quotient by `t`.
    pub h: f64,
    pub hq: f64,
    /// Re-centre the sum after this term.
    pub centre: bool,
}

/// One output row: `t`, the constant from the split biases, the terms.
#[derive(Clone, Debug)]
pub(crate) struct FloatRow {
    pub t: u64,
    pub c: f64,
    pub terms: Vec<Term>,
}

/// `x` centred modulo `t` as a double (exact: `|x| < 2^52`).
pub(crate) fn centred(x: u64, t: u64) -> f64 {
    if x > t / 2 {
        -((t - x) as f64)
    } else {
        x as f64
    }
}

impl FloatRow {
    /// The row for constants `hat[j]` (plain, reduced mod `t < 2^52`) over inputs whose
    /// digits are `f64` where `as_f64[j]` (then `f_j < 2^53`).
    pub(crate) fn new(t: &blindfold_modarith::Modulus, hat: &[u64], as_f64: &[bool]) -> Self {
        let tv = t.value();
        debug_assert!(supports(tv));
        let mut terms = Vec::new();
        let mut c = 0u64;
        let term = |input, part, h: u64| Term {
            input,
            part,
            h: centred(h, tv),
            hq: centred(h, tv) / tv as f64,
            centre: false,
        };
        for (j, (&h, &small)) in hat.iter().zip(as_f64).enumerate() {
            if small {
                terms.push(term(j, Part::Whole, h));
            } else {
                let split = t.mul(h, t.reduce(1 << SPLIT_BITS));
                terms.push(term(j, Part::Hi, split));
                terms.push(term(j, Part::Lo, h));
                c = t.sub(c, t.mul(h, t.reduce(SPLIT_BIAS)));
            }
        }
        let group = group(tv);
        for (k, term) in terms.iter_mut().enumerate() {
            term.centre = (k + 1) % group == 0;
        }
        Self {
            t: tv,
            c: centred(c, tv),
            terms,
        }
    }
}

#[derive(Clone, Copy)]
struct F {
    t: __m256d,
    t_inv: __m256d,
    round: __m256d,
    two52: __m256d,
    two52_bits: __m256i,
    bias: __m256i,
    lo_mask: __m256i,
    bit52: __m256i,
}

impl F {
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn new(t: u64) -> Self {
        Self {
            t: _mm256_set1_pd(t as f64),
            t_inv: _mm256_set1_pd(1.0 / t as f64),
            round: _mm256_set1_pd(ROUND),
            two52: _mm256_set1_pd(TWO52),
            two52_bits: _mm256_set1_epi64x(TWO52_BITS),
            bias: _mm256_set1_epi64x(SPLIT_BIAS as i64),
            lo_mask: _mm256_set1_epi64x((1i64 << SPLIT_BITS) - 1),
            bit52: _mm256_set1_epi64x(1 << 52),
        }
    }

    /// `y·h mod t` within `3t/4` (bounds in the module docs).
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn mul(self, y: __m256d, h: __m256d, hq: __m256d) -> __m256d {
        let hp = _mm256_mul_pd(y, h);
        let l = _mm256_fmsub_pd(y, h, hp);
        let k = _mm256_sub_pd(_mm256_fmadd_pd(y, hq, self.round), self.round);
        _mm256_add_pd(_mm256_fnmadd_pd(k, self.t, hp), l)
    }

    /// Canonical words of a centred `x` (`|x| < t`).
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn store_canonical(self, d: &mut [u64; 4], x: __m256d) {
        // (-t, t) -> [0, t): compare rather than test the sign bit, so -0.0 stays zero.
        let neg = _mm256_cmp_pd::<_CMP_LT_OQ>(x, _mm256_setzero_pd());
        let x = _mm256_add_pd(x, _mm256_and_pd(neg, self.t));
        // Words from 2^52 up (t may reach 2^52.67): convert x - 2^52 and set bit 52.
        let high = _mm256_cmp_pd::<_CMP_GE_OQ>(x, self.two52);
        let x = _mm256_sub_pd(x, _mm256_and_pd(high, self.two52));
        let bit = _mm256_and_si256(_mm256_castpd_si256(high), self.bit52);
        let v = _mm256_or_si256(self.f64_to_int(x), bit);
        // SAFETY: `d` is 32 writable bytes; the unaligned store has no alignment requirement.
        unsafe { _mm256_storeu_si256(d.as_mut_ptr().cast(), v) };
    }

    /// `x - round(x/t)·t`, within `(t+1)/2`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn centre(self, x: __m256d) -> __m256d {
        let k = _mm256_sub_pd(_mm256_fmadd_pd(x, self.t_inv, self.round), self.round);
        _mm256_fnmadd_pd(k, self.t, x)
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

    /// Exact for integer-valued doubles in `[0, 2^52)`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn f64_to_int(self, x: __m256d) -> __m256i {
        _mm256_xor_si256(
            _mm256_castpd_si256(_mm256_add_pd(x, self.two52)),
            self.two52_bits,
        )
    }

    /// The part of a digit a term multiplies, from 4 stored words.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn operand(self, part: Part, w: &[u64; 4]) -> __m256d {
        // SAFETY: `w` is 32 readable bytes; the unaligned load has no alignment requirement.
        let v = unsafe { _mm256_loadu_si256(w.as_ptr().cast()) };
        match part {
            Part::Whole => _mm256_castsi256_pd(v),
            Part::Hi => {
                let u = _mm256_add_epi64(v, self.bias);
                self.int_to_f64(_mm256_srli_epi64::<{ SPLIT_BITS as i32 }>(u))
            }
            Part::Lo => {
                let u = _mm256_add_epi64(v, self.bias);
                self.int_to_f64(_mm256_and_si256(u, self.lo_mask))
            }
        }
    }
}

/// Sums of terms below `3t/4` each that may run between centrings (which leave `|s| <=
/// (t+1)/2`) while staying below `2^53`.
fn group(t: u64) -> usize {
    ((room(t) * 4) / (3 * t as u128)).max(1) as usize
}

/// `2^53 - 1 - ceil(t/2)`: what a centred sum may grow by and stay exact.
fn room(t: u64) -> u128 {
    (1u128 << 53) - 1 - (t as u128).div_ceil(2)
}

/// Vectors per step: four independent sums hide the latency of each chain.
const UNROLL: usize = 4;

/// `out[c] = Σ_terms part(ys[input][c]) · h mod t`, canonical. `out.len()` is a multiple
/// of 16 and every `ys[j]` at least as long.
#[target_feature(enable = "avx2,fma")]
pub(crate) fn row(row: &FloatRow, ys: &[&[u64]], out: &mut [u64]) {
    let n = out.len();
    assert!(n.is_multiple_of(4 * UNROLL), "row length");
    let f = F::new(row.t);
    let c = _mm256_set1_pd(row.c);
    let terms: Vec<(&[[u64; 4]], &Term)> = row
        .terms
        .iter()
        .map(|t| (ys[t.input][..n].as_chunks::<4>().0, t))
        .collect();
    let (outs, _) = out.as_chunks_mut::<4>();
    for (g, dst) in outs.chunks_exact_mut(UNROLL).enumerate() {
        let base = g * UNROLL;
        let mut s = [c; UNROLL];
        for &(y, term) in &terms {
            let (h, hq) = (_mm256_set1_pd(term.h), _mm256_set1_pd(term.hq));
            for (u, acc) in s.iter_mut().enumerate() {
                let r = f.mul(f.operand(term.part, &y[base + u]), h, hq);
                *acc = _mm256_add_pd(*acc, r);
            }
            if term.centre {
                for acc in s.iter_mut() {
                    *acc = f.centre(*acc);
                }
            }
        }
        for (acc, d) in s.iter().zip(dst.iter_mut()) {
            f.store_canonical(d, f.centre(*acc));
        }
    }
}
