//! Polynomials in the monomial or the Chebyshev basis, with their interval.

use crate::MAX_DEGREE;
use crate::dd::Dd;
use crate::error::ApproxError;

/// Relative tolerance of [`Polynomial::is_odd`] / [`Polynomial::is_even`].
pub const DEFAULT_PARITY_TOLERANCE: f64 = 1e-12;

/// A closed interval `[a, b]` with finite ends and `a < b`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    a: f64,
    b: f64,
}

impl Interval {
    /// `[a, b]`; both ends finite, `a < b`, and a half width that is a normal float (so that the
    /// affine map onto `[-1, 1]` is well defined).
    pub fn new(a: f64, b: f64) -> Result<Self, ApproxError> {
        let half = b / 2.0 - a / 2.0;
        if a.is_finite() && b.is_finite() && a < b && half.is_normal() {
            Ok(Self { a, b })
        } else {
            Err(ApproxError::InvalidInterval { a, b })
        }
    }

    /// `[-bound, bound]`.
    pub fn symmetric(bound: f64) -> Result<Self, ApproxError> {
        Self::new(-bound, bound)
    }

    /// `[-1, 1]`.
    pub const UNIT: Interval = Interval { a: -1.0, b: 1.0 };

    /// For constants known to be valid.
    pub(crate) const fn new_unchecked(a: f64, b: f64) -> Self {
        Self { a, b }
    }

    pub fn a(&self) -> f64 {
        self.a
    }

    pub fn b(&self) -> f64 {
        self.b
    }

    /// `(a + b) / 2`, computed without overflow.
    pub fn center(&self) -> f64 {
        self.a / 2.0 + self.b / 2.0
    }

    /// `(b - a) / 2`, computed without overflow.
    pub fn half_width(&self) -> f64 {
        self.b / 2.0 - self.a / 2.0
    }

    /// The affine map `x ↦ t` onto `[-1, 1]`.
    pub fn to_unit(&self, x: f64) -> f64 {
        (x - self.center()) / self.half_width()
    }

    /// The affine map `t ↦ x` from `[-1, 1]`.
    pub fn from_unit(&self, t: f64) -> f64 {
        self.half_width().mul_add(t, self.center())
    }

    pub fn contains(&self, x: f64) -> bool {
        self.a <= x && x <= self.b
    }

    /// Center and half width as exact double-double values.
    pub(crate) fn center_dd(&self) -> Dd {
        Dd::sum_f64(self.a / 2.0, self.b / 2.0)
    }

    pub(crate) fn half_width_dd(&self) -> Dd {
        Dd::sum_f64(self.b / 2.0, -self.a / 2.0)
    }
}

/// Basis in which the coefficients of a [`Polynomial`] are expressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Basis {
    /// `Σ c_k x^k` in the raw variable `x` (the interval only says where the polynomial is meant
    /// to be used).
    Monomial,
    /// `Σ c_k T_k(t)` with `t = (2x - a - b) / (b - a)` mapping the interval onto `[-1, 1]`.
    Chebyshev,
}

/// Which basis terms a fit may use. Parity is about the center of the interval: `Odd` keeps
/// `T_1, T_3, …` (in the mapped variable `t`), `Even` keeps `T_0, T_2, …`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Terms {
    All,
    Odd,
    Even,
}

impl Terms {
    /// Degrees `k <= degree` allowed by the restriction.
    pub(crate) fn indices(self, degree: usize) -> Result<Vec<usize>, ApproxError> {
        let ks: Vec<usize> = (0..=degree)
            .filter(|k| match self {
                Terms::All => true,
                Terms::Odd => k % 2 == 1,
                Terms::Even => k % 2 == 0,
            })
            .collect();
        if ks.is_empty() {
            Err(ApproxError::EmptyBasis {
                degree,
                terms: self,
            })
        } else {
            Ok(ks)
        }
    }
}

/// A real polynomial of degree at most [`MAX_DEGREE`], its basis and its interval.
///
/// Invariants: at least one coefficient, all coefficients finite, at most `MAX_DEGREE + 1` of
/// them. The Chebyshev basis is the one to evaluate homomorphically and at high degree; the
/// monomial basis (in the raw `x`) is for published coefficients and low degrees, because its
/// conditioning grows like `(1 + √2)^d` on `[-1, 1]` (see [`Polynomial::to_monomial`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Polynomial {
    basis: Basis,
    coeffs: Vec<f64>,
    interval: Interval,
}

impl Polynomial {
    pub fn new(basis: Basis, coeffs: Vec<f64>, interval: Interval) -> Result<Self, ApproxError> {
        if coeffs.is_empty() {
            return Err(ApproxError::EmptyCoefficients);
        }
        if coeffs.len() > MAX_DEGREE + 1 {
            return Err(ApproxError::DegreeTooLarge {
                degree: coeffs.len() - 1,
                max: MAX_DEGREE,
            });
        }
        if let Some((index, &value)) = coeffs.iter().enumerate().find(|(_, c)| !c.is_finite()) {
            return Err(ApproxError::NonFiniteCoefficient { index, value });
        }
        Ok(Self {
            basis,
            coeffs,
            interval,
        })
    }

    /// For constants known to satisfy the invariants.
    pub(crate) fn from_parts(basis: Basis, coeffs: Vec<f64>, interval: Interval) -> Self {
        debug_assert!(!coeffs.is_empty() && coeffs.iter().all(|c| c.is_finite()));
        Self {
            basis,
            coeffs,
            interval,
        }
    }

    /// `Σ coeffs[k] x^k`.
    pub fn monomial(coeffs: Vec<f64>, interval: Interval) -> Result<Self, ApproxError> {
        Self::new(Basis::Monomial, coeffs, interval)
    }

    /// `Σ coeffs[k] T_k(t)`, `t` the image of `x` in `[-1, 1]`.
    pub fn chebyshev(coeffs: Vec<f64>, interval: Interval) -> Result<Self, ApproxError> {
        Self::new(Basis::Chebyshev, coeffs, interval)
    }

    pub fn basis(&self) -> Basis {
        self.basis
    }

    pub fn coeffs(&self) -> &[f64] {
        &self.coeffs
    }

    pub fn into_coeffs(self) -> Vec<f64> {
        self.coeffs
    }

    pub fn interval(&self) -> Interval {
        self.interval
    }

    /// Index of the last non-zero coefficient (0 for the zero polynomial). The same in both bases.
    pub fn degree(&self) -> usize {
        self.coeffs.iter().rposition(|&c| c != 0.0).unwrap_or(0)
    }

    /// `(scale, offset)` such that the basis variable is `scale * x + offset`: `(1, 0)` for the
    /// monomial basis, `(2/(b-a), -(a+b)/(b-a))` for the Chebyshev basis. A homomorphic evaluator
    /// applies this affine map first, then evaluates the coefficients on `[-1, 1]`.
    pub fn change_of_basis(&self) -> (f64, f64) {
        match self.basis {
            Basis::Monomial => (1.0, 0.0),
            Basis::Chebyshev => {
                let h = self.interval.half_width();
                (1.0 / h, -self.interval.center() / h)
            }
        }
    }

    /// Value at `x` (Horner for monomials, Clenshaw for Chebyshev). Points outside the interval
    /// are extrapolated.
    pub fn eval(&self, x: f64) -> f64 {
        match self.basis {
            Basis::Monomial => horner(&self.coeffs, x),
            Basis::Chebyshev => clenshaw(&self.coeffs, self.interval.to_unit(x)),
        }
    }

    /// The same polynomial in the Chebyshev basis on the same interval.
    ///
    /// From monomials this runs Horner's scheme in the Chebyshev algebra (`x = m + h·t`,
    /// `t·T_j = (T_{j+1} + T_{|j-1|})/2`) in double-double arithmetic, so the result is the
    /// correctly rounded Chebyshev series of the given monomial coefficients up to a relative
    /// ~2⁻¹⁰⁰ · Σ|a_k| max(|a|,|b|)^k / |c_j| — i.e. exact unless the monomial form itself
    /// cancels by more than ~30 decimal digits.
    pub fn to_chebyshev(&self) -> Result<Polynomial, ApproxError> {
        match self.basis {
            Basis::Chebyshev => Ok(self.clone()),
            Basis::Monomial => Polynomial::chebyshev(
                monomial_to_chebyshev(&self.coeffs, &self.interval),
                self.interval,
            ),
        }
    }

    /// The same polynomial in the monomial basis of the raw `x`.
    ///
    /// Runs Clenshaw's recurrence on polynomials in `x` (`b_k = c_k + 2u·b_{k+1} - b_{k+2}` with
    /// `u = (x - m)/h`) in double-double arithmetic: every returned coefficient is within a few
    /// ulps of the exact expansion of the given Chebyshev series. What cannot be fixed is the
    /// basis: evaluating the monomial form loses `log10(Σ|a_k| max|x|^k / |p|)` digits, about
    /// `0.38·d` digits for a generic degree-`d` series on `[-1, 1]` (or any `[-2^s, 2^s]`), more
    /// on intervals away from 0. Measured for Chebyshev coefficients in `[-1, 1]` on `[-1, 1]`
    /// (example `approx_report`): max |p_cheb - p_mono| = 1e-14 (d = 7), 6e-12 (d = 15),
    /// 1.3e-5 (d = 31), 4e6 (d = 63); on `[0, 4]` already 2.7e-6 at d = 15. Use the Chebyshev
    /// form beyond degree ~15. Fails only if a coefficient overflows.
    pub fn to_monomial(&self) -> Result<Polynomial, ApproxError> {
        match self.basis {
            Basis::Monomial => Ok(self.clone()),
            Basis::Chebyshev => Polynomial::monomial(
                chebyshev_to_monomial(&self.coeffs, &self.interval),
                self.interval,
            ),
        }
    }

    pub fn to_basis(&self, basis: Basis) -> Result<Polynomial, ApproxError> {
        match basis {
            Basis::Monomial => self.to_monomial(),
            Basis::Chebyshev => self.to_chebyshev(),
        }
    }

    /// `d/dx` in the same basis and on the same interval.
    pub fn derivative(&self) -> Polynomial {
        let n = self.coeffs.len();
        if n == 1 {
            return Polynomial {
                basis: self.basis,
                coeffs: vec![0.0],
                interval: self.interval,
            };
        }
        let coeffs = match self.basis {
            Basis::Monomial => (1..n).map(|k| k as f64 * self.coeffs[k]).collect(),
            Basis::Chebyshev => {
                // d/dt Σ c_k T_k = Σ c'_k T_k with c'_{k-1} = c'_{k+1} + 2k c_k (c'_0 halved),
                // then d/dx = (1/h) d/dt.
                let c = &self.coeffs;
                let mut d = vec![0.0; n + 1];
                for k in (1..n).rev() {
                    d[k - 1] = d[k + 1] + 2.0 * k as f64 * c[k];
                }
                d[0] /= 2.0;
                d.truncate(n - 1);
                let h = self.interval.half_width();
                d.iter().map(|v| v / h).collect()
            }
        };
        Polynomial {
            basis: self.basis,
            coeffs,
            interval: self.interval,
        }
    }

    /// Chebyshev coefficients (converting monomials in double-double if needed), for parity tests.
    fn chebyshev_coeffs(&self) -> Vec<f64> {
        match self.basis {
            Basis::Chebyshev => self.coeffs.clone(),
            Basis::Monomial => monomial_to_chebyshev(&self.coeffs, &self.interval),
        }
    }

    /// Whether `p(m + s) = -p(m - s)` about the center `m`, i.e. every even-index Chebyshev
    /// coefficient is at most `tolerance · max|c_k|`. The zero polynomial is both odd and even.
    pub fn is_odd_with_tolerance(&self, tolerance: f64) -> bool {
        parity_violation(&self.chebyshev_coeffs(), 0) <= tolerance
    }

    /// Whether `p(m + s) = p(m - s)` about the center `m` (odd-index coefficients negligible).
    pub fn is_even_with_tolerance(&self, tolerance: f64) -> bool {
        parity_violation(&self.chebyshev_coeffs(), 1) <= tolerance
    }

    /// [`Self::is_odd_with_tolerance`] with [`DEFAULT_PARITY_TOLERANCE`].
    pub fn is_odd(&self) -> bool {
        self.is_odd_with_tolerance(DEFAULT_PARITY_TOLERANCE)
    }

    /// [`Self::is_even_with_tolerance`] with [`DEFAULT_PARITY_TOLERANCE`].
    pub fn is_even(&self) -> bool {
        self.is_even_with_tolerance(DEFAULT_PARITY_TOLERANCE)
    }

    /// `self + c`.
    pub fn add_constant(&self, c: f64) -> Result<Polynomial, ApproxError> {
        let mut coeffs = self.coeffs.clone();
        coeffs[0] += c;
        Polynomial::new(self.basis, coeffs, self.interval)
    }

    /// `s · self`.
    pub fn scaled(&self, s: f64) -> Result<Polynomial, ApproxError> {
        Polynomial::new(
            self.basis,
            self.coeffs.iter().map(|c| c * s).collect(),
            self.interval,
        )
    }

    /// `self + other`, in `self`'s basis; both must live on the same interval.
    pub fn add(&self, other: &Polynomial) -> Result<Polynomial, ApproxError> {
        if self.interval != other.interval {
            return Err(ApproxError::IntervalMismatch {
                left: (self.interval.a, self.interval.b),
                right: (other.interval.a, other.interval.b),
            });
        }
        let other = other.to_basis(self.basis)?;
        let n = self.coeffs.len().max(other.coeffs.len());
        let coeffs = (0..n)
            .map(|k| self.coeffs.get(k).unwrap_or(&0.0) + other.coeffs.get(k).unwrap_or(&0.0))
            .collect();
        Polynomial::new(self.basis, coeffs, self.interval)
    }

    /// Drops trailing coefficients with `|c_k| <= tolerance · max|c|` (keeps at least one).
    pub fn trimmed(&self, tolerance: f64) -> Polynomial {
        let max = self.coeffs.iter().fold(0.0f64, |m, c| m.max(c.abs()));
        let keep = self
            .coeffs
            .iter()
            .rposition(|c| c.abs() > tolerance * max)
            .map_or(1, |i| i + 1);
        Polynomial {
            basis: self.basis,
            coeffs: self.coeffs[..keep].to_vec(),
            interval: self.interval,
        }
    }
}

/// Largest `|c_k|` over indices of parity `wrong`, relative to the largest `|c_k|` overall.
fn parity_violation(c: &[f64], wrong: usize) -> f64 {
    let max = c.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if max == 0.0 {
        return 0.0;
    }
    c.iter()
        .enumerate()
        .filter(|(k, _)| k % 2 == wrong)
        .fold(0.0f64, |m, (_, v)| m.max(v.abs()))
        / max
}

/// Horner's rule.
pub(crate) fn horner(a: &[f64], x: f64) -> f64 {
    a.iter().rev().fold(0.0, |acc, &c| acc.mul_add(x, c))
}

/// Clenshaw's recurrence for `Σ c_k T_k(t)`.
pub(crate) fn clenshaw(c: &[f64], t: f64) -> f64 {
    let (mut b1, mut b2) = (0.0f64, 0.0f64);
    let two_t = 2.0 * t;
    for &ck in c[1..].iter().rev() {
        let b0 = two_t.mul_add(b1, ck - b2);
        b2 = b1;
        b1 = b0;
    }
    t.mul_add(b1, c[0] - b2)
}

/// Horner in the Chebyshev algebra, in double-double: `q ← q·(m + h t) + a_k`.
fn monomial_to_chebyshev(a: &[f64], interval: &Interval) -> Vec<f64> {
    let n = a.len();
    let (m, h) = (interval.center_dd(), interval.half_width_dd());
    let mut q = vec![Dd::ZERO; n];
    let mut tq = vec![Dd::ZERO; n];
    q[0] = Dd::from_f64(a[n - 1]);
    for (len, &ak) in (1..n).zip(a[..n - 1].iter().rev()) {
        // q has `len` live coefficients; t·q has len + 1.
        tq[..=len].fill(Dd::ZERO);
        tq[1] = tq[1].add(q[0]);
        for j in 1..len {
            let half = q[j].scale(0.5);
            tq[j + 1] = tq[j + 1].add(half);
            tq[j - 1] = tq[j - 1].add(half);
        }
        for j in 0..=len {
            let mq = if j < len { q[j].mul(m) } else { Dd::ZERO };
            q[j] = mq.add(tq[j].mul(h));
        }
        q[0] = q[0].add_f64(ak);
    }
    q.iter().map(|v| v.to_f64()).collect()
}

/// Clenshaw on polynomials in `x`, in double-double: `b_k = c_k + 2u b_{k+1} - b_{k+2}`,
/// `p = c_0 + u b_1 - b_2`, with `u = α x + β`, `α = 1/h`, `β = -m/h`.
fn chebyshev_to_monomial(c: &[f64], interval: &Interval) -> Vec<f64> {
    let n = c.len();
    let h = interval.half_width_dd();
    let alpha = Dd::from_f64(1.0).div(h);
    let beta = interval.center_dd().div(h).neg();
    // u·q for q of length len (result length len + 1).
    let mul_u = |q: &[Dd], out: &mut Vec<Dd>| {
        out.clear();
        out.resize(q.len() + 1, Dd::ZERO);
        for (i, qi) in q.iter().enumerate() {
            out[i] = out[i].add(qi.mul(beta));
            out[i + 1] = out[i + 1].add(qi.mul(alpha));
        }
    };
    let mut b1: Vec<Dd> = Vec::with_capacity(n + 1);
    let mut b2: Vec<Dd> = Vec::with_capacity(n + 1);
    let mut ub: Vec<Dd> = Vec::with_capacity(n + 1);
    for k in (1..n).rev() {
        mul_u(&b1, &mut ub);
        let mut b0 = vec![Dd::ZERO; ub.len().max(b2.len()).max(1)];
        for (i, v) in ub.iter().enumerate() {
            b0[i] = v.scale(2.0);
        }
        for (i, v) in b2.iter().enumerate() {
            b0[i] = b0[i].sub(*v);
        }
        b0[0] = b0[0].add_f64(c[k]);
        b2 = std::mem::replace(&mut b1, b0);
    }
    mul_u(&b1, &mut ub);
    let mut p = vec![Dd::ZERO; n.max(ub.len())];
    for (i, v) in ub.iter().enumerate() {
        p[i] = *v;
    }
    for (i, v) in b2.iter().enumerate() {
        p[i] = p[i].sub(*v);
    }
    p[0] = p[0].add_f64(c[0]);
    p.truncate(n);
    p.iter().map(|v| v.to_f64()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_validation() {
        assert!(Interval::new(0.0, 1.0).is_ok());
        for (a, b) in [
            (1.0, 1.0),
            (2.0, 1.0),
            (f64::NAN, 1.0),
            (0.0, f64::INFINITY),
            (0.0, 1e-310),
        ] {
            assert_eq!(
                Interval::new(a, b).map(|_| ()).unwrap_err().to_string(),
                ApproxError::InvalidInterval { a, b }.to_string()
            );
        }
    }

    #[test]
    fn chebyshev_polynomials_expand_to_known_integers() {
        // T_5 = 16x^5 - 20x^3 + 5x on [-1, 1].
        let p = Polynomial::chebyshev(vec![0.0, 0.0, 0.0, 0.0, 0.0, 1.0], Interval::UNIT).unwrap();
        let m = p.to_monomial().unwrap();
        assert_eq!(m.coeffs(), &[0.0, 5.0, 0.0, -20.0, 0.0, 16.0]);
        assert_eq!(m.to_chebyshev().unwrap().coeffs(), p.coeffs());
    }

    #[test]
    fn shifted_interval_conversion() {
        // On [0, 2], t = x - 1: T_2(t) = 2(x-1)^2 - 1 = 2x^2 - 4x + 1.
        let i = Interval::new(0.0, 2.0).unwrap();
        let p = Polynomial::chebyshev(vec![0.0, 0.0, 1.0], i).unwrap();
        assert_eq!(p.to_monomial().unwrap().coeffs(), &[1.0, -4.0, 2.0]);
        let q = Polynomial::monomial(vec![1.0, -4.0, 2.0], i).unwrap();
        assert_eq!(q.to_chebyshev().unwrap().coeffs(), &[0.0, 0.0, 1.0]);
    }

    #[test]
    fn derivative_matches_both_bases() {
        let i = Interval::new(-3.0, 5.0).unwrap();
        let p = Polynomial::chebyshev(vec![0.3, -1.0, 0.25, 2.0, -0.5], i).unwrap();
        let dp = p.derivative();
        let dm = p.to_monomial().unwrap().derivative();
        for k in 0..=20 {
            let x = -3.0 + 8.0 * k as f64 / 20.0;
            assert!((dp.eval(x) - dm.eval(x)).abs() < 1e-12, "{x}");
        }
    }
}
