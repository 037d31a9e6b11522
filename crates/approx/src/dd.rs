//! Double-double arithmetic (an unevaluated sum `hi + lo` of two `f64`, about 106 bits).
//!
//! Used only by the basis conversions: expanding a Chebyshev series into monomials (or back)
//! cancels heavily, and doing the O(d²) recurrences with ~2⁻¹⁰⁶ relative rounding makes the
//! conversion itself exact to the last bit of the `f64` result for every practical degree; what
//! remains is the conditioning of the monomial basis. Algorithms: Dekker's and Knuth's error-free
//! transformations with an FMA for the product (as in Hida, Li and Bailey's QD library).

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Dd {
    pub(crate) hi: f64,
    pub(crate) lo: f64,
}

/// `a + b = s + e` exactly (Knuth).
#[inline]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    let e = (a - (s - bb)) + (b - bb);
    (s, e)
}

/// `a + b = s + e` exactly when `|a| >= |b|` (Dekker).
#[inline]
fn quick_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let e = b - (s - a);
    (s, e)
}

/// `a * b = p + e` exactly (FMA).
#[inline]
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    let e = a.mul_add(b, -p);
    (p, e)
}

impl Dd {
    pub(crate) const ZERO: Dd = Dd { hi: 0.0, lo: 0.0 };

    pub(crate) fn from_f64(x: f64) -> Dd {
        Dd { hi: x, lo: 0.0 }
    }

    /// Exact sum of two doubles.
    pub(crate) fn sum_f64(a: f64, b: f64) -> Dd {
        let (hi, lo) = two_sum(a, b);
        Dd { hi, lo }
    }

    pub(crate) fn to_f64(self) -> f64 {
        self.hi + self.lo
    }

    pub(crate) fn neg(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
    }

    pub(crate) fn add(self, o: Dd) -> Dd {
        let (s, e) = two_sum(self.hi, o.hi);
        let (t, f) = two_sum(self.lo, o.lo);
        let (s, e) = quick_two_sum(s, e + t);
        let (hi, lo) = quick_two_sum(s, e + f);
        Dd { hi, lo }
    }

    pub(crate) fn sub(self, o: Dd) -> Dd {
        self.add(o.neg())
    }

    pub(crate) fn add_f64(self, b: f64) -> Dd {
        let (s, e) = two_sum(self.hi, b);
        let (hi, lo) = quick_two_sum(s, e + self.lo);
        Dd { hi, lo }
    }

    pub(crate) fn mul(self, o: Dd) -> Dd {
        let (p, e) = two_prod(self.hi, o.hi);
        let e = e + (self.hi * o.lo + self.lo * o.hi);
        let (hi, lo) = quick_two_sum(p, e);
        Dd { hi, lo }
    }

    pub(crate) fn mul_f64(self, b: f64) -> Dd {
        let (p, e) = two_prod(self.hi, b);
        let (hi, lo) = quick_two_sum(p, e + self.lo * b);
        Dd { hi, lo }
    }

    /// Multiplication by a power of two (exact barring under/overflow).
    pub(crate) fn scale(self, pow2: f64) -> Dd {
        Dd {
            hi: self.hi * pow2,
            lo: self.lo * pow2,
        }
    }

    /// Long division with three partial quotients.
    pub(crate) fn div(self, o: Dd) -> Dd {
        let q1 = self.hi / o.hi;
        let r = self.sub(o.mul_f64(q1));
        let q2 = r.hi / o.hi;
        let r = r.sub(o.mul_f64(q2));
        let q3 = r.hi / o.hi;
        let (hi, lo) = quick_two_sum(q1, q2);
        Dd { hi, lo }.add_f64(q3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_free_transformations_are_exact() {
        // 1 + 2^-60 is not representable: two_sum keeps the lost part.
        let tiny = 2f64.powi(-60);
        let s = Dd::sum_f64(1.0, tiny);
        assert_eq!((s.hi, s.lo), (1.0, tiny));
        // (1 + 2^-30)^2 = 1 + 2^-29 + 2^-60: the last term survives in lo.
        let x = 1.0 + 2f64.powi(-30);
        let p = Dd::from_f64(x).mul_f64(x);
        assert_eq!(p.hi, 1.0 + 2f64.powi(-29));
        assert_eq!(p.lo, 2f64.powi(-60));
    }

    #[test]
    fn division_is_accurate_to_double_double() {
        // 1/3 * 3 = 1 up to ~2^-104.
        let third = Dd::from_f64(1.0).div(Dd::from_f64(3.0));
        let back = third.mul_f64(3.0).sub(Dd::from_f64(1.0));
        assert!(back.to_f64().abs() < 1e-30, "{back:?}");
        // 1/10 is not a double; the dd quotient agrees with the exact rational to ~1e-32.
        let tenth = Dd::from_f64(1.0).div(Dd::from_f64(10.0));
        let err = tenth.mul_f64(10.0).sub(Dd::from_f64(1.0)).to_f64();
        assert!(err.abs() < 1e-30);
    }
}
