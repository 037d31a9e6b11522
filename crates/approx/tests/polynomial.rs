//! Polynomial representation: conversions against exact integer arithmetic, round trips,
//! evaluation, parity, derivative.

use blindfold_approx::{ApproxError, Basis, Interval, Polynomial};
use proptest::prelude::*;

/// Exact monomial coefficients of T_0..T_n on [-1, 1] (i128; |coeff| < 2^83 for n <= 63).
fn chebyshev_monomials(n: usize) -> Vec<Vec<i128>> {
    let mut t: Vec<Vec<i128>> = vec![vec![1], vec![0, 1]];
    for k in 2..=n {
        let mut next = vec![0i128; k + 1];
        for (i, &c) in t[k - 1].iter().enumerate() {
            next[i + 1] += 2 * c;
        }
        for (i, &c) in t[k - 2].iter().enumerate() {
            next[i] -= c;
        }
        t.push(next);
    }
    t.truncate(n + 1);
    t
}

fn binomial(n: u32, k: u32) -> i128 {
    (0..k).fold(1i128, |acc, i| acc * (n - i) as i128 / (i + 1) as i128)
}

const EPS: f64 = f64::EPSILON;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Chebyshev -> monomial on [-1, 1] for integer coefficients equals the exact integer
    /// expansion up to rounding of the result (plus 2^-96 of the cancelled magnitude).
    #[test]
    fn chebyshev_to_monomial_is_exact(c in prop::collection::vec(-9i64..=9, 1..=64)) {
        let n = c.len() - 1;
        let t = chebyshev_monomials(n);
        let mut exact = vec![0i128; n + 1];
        let mut magnitude = vec![0i128; n + 1];
        for (j, &cj) in c.iter().enumerate() {
            for (k, &tk) in t[j].iter().enumerate() {
                exact[k] += cj as i128 * tk;
                magnitude[k] += (cj as i128 * tk).abs();
            }
        }
        let p = Polynomial::chebyshev(c.iter().map(|&v| v as f64).collect(), Interval::UNIT).unwrap();
        let m = p.to_monomial().unwrap();
        for k in 0..=n {
            let want = exact[k] as f64;
            let err = (m.coeffs()[k] - want).abs();
            let bound = 2.0 * EPS * want.abs() + 2f64.powi(-96) * magnitude[k] as f64;
            prop_assert!(err <= bound, "k={} got {} want {} (err {})", k, m.coeffs()[k], want, err);
        }
    }

    /// Monomial -> Chebyshev on [-1, 1]: x^k = 2^{1-k} Σ_j C(k, j) T_{k-2j} (T_0 term halved),
    /// evaluated exactly with a 2^64 scale.
    #[test]
    fn monomial_to_chebyshev_is_exact(a in prop::collection::vec(-9i64..=9, 1..=64)) {
        let n = a.len() - 1;
        let mut exact = vec![0i128; n + 1]; // scaled by 2^64
        let mut magnitude = vec![0i128; n + 1];
        for (k, &ak) in a.iter().enumerate() {
            for j in 0..=k / 2 {
                let idx = k - 2 * j;
                // 2^{1-k} C(k,j), halved for T_0: scale 2^64 keeps it an integer.
                let mut v = binomial(k as u32, j as u32) << (64 + 1 - k as i32).max(0) as u32;
                if k == 0 {
                    v = 1i128 << 64;
                } else if idx == 0 {
                    v /= 2;
                }
                exact[idx] += ak as i128 * v;
                magnitude[idx] += (ak as i128 * v).abs();
            }
        }
        let p = Polynomial::monomial(a.iter().map(|&v| v as f64).collect(), Interval::UNIT).unwrap();
        let c = p.to_chebyshev().unwrap();
        let scale = 2f64.powi(-64);
        for k in 0..=n {
            let want = exact[k] as f64 * scale;
            let err = (c.coeffs()[k] - want).abs();
            let bound = 2.0 * EPS * want.abs() + 2f64.powi(-96) * magnitude[k] as f64 * scale;
            prop_assert!(err <= bound, "k={} got {} want {}", k, c.coeffs()[k], want);
        }
    }

    /// Random polynomial (degree <= 30, random interval): the monomial and Chebyshev forms agree
    /// within the forward error bound of Horner, γ·Σ|a_k||x|^k, plus Clenshaw's.
    #[test]
    fn evaluation_agrees_in_both_bases(
        c in prop::collection::vec(-1.0f64..1.0, 1..=31),
        center in -10.0f64..10.0,
        half in 0.05f64..20.0,
        us in prop::collection::vec(-1.0f64..=1.0, 16),
    ) {
        let interval = Interval::new(center - half, center + half).unwrap();
        let p = Polynomial::chebyshev(c.clone(), interval).unwrap();
        let m = p.to_monomial().unwrap();
        let d = c.len() as f64;
        let csum: f64 = c.iter().map(|v| v.abs()).sum();
        for u in us {
            let x = interval.from_unit(u);
            let cond: f64 = m.coeffs().iter().enumerate().map(|(k, a)| a.abs() * x.abs().powi(k as i32)).sum();
            let bound = 4.0 * d * EPS * (cond + csum);
            prop_assert!((p.eval(x) - m.eval(x)).abs() <= bound, "x={} cheb {} mono {}", x, p.eval(x), m.eval(x));
        }
    }

    /// Chebyshev -> monomial -> Chebyshev: the round trip is limited only by rounding the
    /// monomial coefficients to f64, i.e. by ε·Σ|a_k| M^k (M = max|x| on the interval).
    #[test]
    fn round_trip_within_conditioning(
        c in prop::collection::vec(-1.0f64..1.0, 1..=64),
        log2_bound in -3i32..=6,
    ) {
        let bound = 2f64.powi(log2_bound);
        let interval = Interval::symmetric(bound).unwrap();
        let p = Polynomial::chebyshev(c.clone(), interval).unwrap();
        let m = p.to_monomial().unwrap();
        let back = m.to_chebyshev().unwrap();
        let cond: f64 = m.coeffs().iter().enumerate().map(|(k, a)| a.abs() * bound.powi(k as i32)).sum();
        for (x, y) in c.iter().zip(back.coeffs()) {
            prop_assert!((x - y).abs() <= 2.0 * EPS * cond + 1e-300);
        }
    }

    /// Monomials given exactly convert to Chebyshev and back bit-for-bit at moderate degree.
    #[test]
    fn monomial_round_trip_is_exact(a in prop::collection::vec(-1.0f64..1.0, 1..=12), center in -2.0f64..2.0) {
        let interval = Interval::new(center - 1.0, center + 1.0).unwrap();
        let p = Polynomial::monomial(a.clone(), interval).unwrap();
        let back = p.to_chebyshev().unwrap().to_monomial().unwrap();
        let amax = a.iter().fold(0.0f64, |s, v| s.max(v.abs()));
        let m = (center.abs() + 1.0).max(1.0);
        for (x, y) in a.iter().zip(back.coeffs()) {
            // Chebyshev coefficients are rounded once (relative ε of Σ|a|m^k), then expanded again.
            prop_assert!((x - y).abs() <= 64.0 * EPS * amax * m.powi(12), "{} vs {}", x, y);
        }
    }

    /// Derivatives agree between bases and match a central finite difference.
    #[test]
    fn derivative_consistent(
        c in prop::collection::vec(-1.0f64..1.0, 1..=20),
        center in -3.0f64..3.0,
        half in 0.5f64..4.0,
        u in -0.9f64..0.9,
    ) {
        let interval = Interval::new(center - half, center + half).unwrap();
        let p = Polynomial::chebyshev(c, interval).unwrap();
        let x = interval.from_unit(u);
        let dp = p.derivative();
        let d1 = dp.eval(x);
        let m = p.to_monomial().unwrap();
        let d2 = m.derivative().eval(x);
        // Monomial side: Horner's bound on Σ k|a_k||x|^{k-1} (includes the rounding of a_k).
        let cond: f64 = m.coeffs().iter().enumerate().skip(1)
            .map(|(k, a)| k as f64 * a.abs() * x.abs().powi(k as i32 - 1)).sum();
        let dsum: f64 = dp.coeffs().iter().map(|v| v.abs()).sum();
        let n = m.coeffs().len() as f64;
        prop_assert!((d1 - d2).abs() <= 4.0 * n * EPS * (cond + dsum), "{} vs {}", d1, d2);
        // Against a central difference of the (well-conditioned) Chebyshev form: truncation
        // error h²/6 |p'''| with |p'''| <= Σ|c_k| k^6 / h_int^3 (Markov).
        let h = 1e-4 * half;
        let fd = (p.eval(x + h) - p.eval(x - h)) / (2.0 * h);
        let csum: f64 = p.coeffs().iter().map(|v| v.abs()).sum();
        let markov3 = csum * n.powi(6) / half.powi(3);
        let tol = h * h / 6.0 * markov3 + 4.0 * n * EPS * csum / h;
        prop_assert!((d1 - fd).abs() <= tol, "{} vs fd {}", d1, fd);
    }
}

/// Measured Chebyshev -> monomial -> Chebyshev round-trip errors on [-1, 1] for coefficients in
/// [-1, 1] (`cargo run --example approx_report` prints them): d = 7: 2e-15, d = 15: 1.3e-13,
/// d = 31: 2.3e-6, d = 63: 6e5 (meaningless). The conditioning ε·Σ|a_k| bounds them:
/// 4.6e-14, 4.9e-11, 7.1e-5, 4.3e7. Pinned here with the example's seeds.
#[test]
fn round_trip_tolerance_per_degree() {
    fn coeffs(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed | 1;
        (0..n)
            .map(|_| {
                s ^= s >> 12;
                s ^= s << 25;
                s ^= s >> 27;
                let u = s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
                2.0 * (u as f64 / (1u64 << 53) as f64) - 1.0
            })
            .collect()
    }
    for (degree, tol) in [(3usize, 1e-15), (7, 1e-14), (15, 1e-12), (31, 1e-5)] {
        let c = coeffs(degree + 1, 0x9E37_79B9 + degree as u64);
        let p = Polynomial::chebyshev(c.clone(), Interval::UNIT).unwrap();
        let back = p.to_monomial().unwrap().to_chebyshev().unwrap();
        let err = c
            .iter()
            .zip(back.coeffs())
            .fold(0.0f64, |s, (x, y)| s.max((x - y).abs()));
        assert!(err <= tol, "degree {degree}: {err}");
    }
}

#[test]
fn evaluation_matches_definitions() {
    // 1 - 2x + 3x^2 at x = 2 is 9.
    let m = Polynomial::monomial(vec![1.0, -2.0, 3.0], Interval::UNIT).unwrap();
    assert_eq!(m.eval(2.0), 9.0);
    // T_k(cos θ) = cos kθ; on [2, 6], x = 4 + 2 cos θ.
    let i = Interval::new(2.0, 6.0).unwrap();
    for k in 0..12 {
        let mut c = vec![0.0; k + 1];
        c[k] = 1.0;
        let p = Polynomial::chebyshev(c, i).unwrap();
        for j in 0..10 {
            let theta = 0.3 * j as f64;
            let x = 4.0 + 2.0 * theta.cos();
            assert!((p.eval(x) - (k as f64 * theta).cos()).abs() < 1e-13);
        }
    }
}

#[test]
fn degree_and_change_of_basis() {
    let i = Interval::new(-2.0, 6.0).unwrap();
    let p = Polynomial::chebyshev(vec![1.0, 0.0, 3.0, 0.0, 0.0], i).unwrap();
    assert_eq!(p.degree(), 2);
    assert_eq!(p.trimmed(0.0).coeffs().len(), 3);
    let (s, o) = p.change_of_basis();
    // t = (x - 2)/4.
    assert_eq!((s, o), (0.25, -0.5));
    let m = p.to_monomial().unwrap();
    assert_eq!(m.change_of_basis(), (1.0, 0.0));
    assert_eq!(m.degree(), 2);
    let zero = Polynomial::monomial(vec![0.0, 0.0], i).unwrap();
    assert_eq!(zero.degree(), 0);
    assert!(zero.is_odd() && zero.is_even());
}

#[test]
fn parity_about_the_center() {
    // On [1, 5] (center 3), (x - 3)^3 is odd and (x - 3)^2 even about the center.
    let i = Interval::new(1.0, 5.0).unwrap();
    let cube = Polynomial::monomial(vec![-27.0, 27.0, -9.0, 1.0], i).unwrap();
    assert!(cube.is_odd() && !cube.is_even());
    let square = Polynomial::monomial(vec![9.0, -6.0, 1.0], i).unwrap();
    assert!(square.is_even() && !square.is_odd());
    // x^3 itself is not odd about 3.
    let x3 = Polynomial::monomial(vec![0.0, 0.0, 0.0, 1.0], i).unwrap();
    assert!(!x3.is_odd() && !x3.is_even());
    // Tolerance: a 1e-14 even component passes at the default tolerance, 1e-9 does not.
    let u = Interval::UNIT;
    let almost = Polynomial::chebyshev(vec![1e-14, 1.0, 0.0, 0.5], u).unwrap();
    assert!(almost.is_odd());
    let not = Polynomial::chebyshev(vec![1e-9, 1.0, 0.0, 0.5], u).unwrap();
    assert!(!not.is_odd());
    assert!(not.is_odd_with_tolerance(1e-8));
}

#[test]
fn arithmetic_helpers() {
    let i = Interval::symmetric(2.0).unwrap();
    let p = Polynomial::chebyshev(vec![1.0, 2.0], i).unwrap();
    let q = Polynomial::monomial(vec![0.0, 0.0, 1.0], i).unwrap();
    let s = p.add(&q).unwrap();
    assert_eq!(s.basis(), Basis::Chebyshev);
    for x in [-2.0, -0.5, 0.0, 1.3, 2.0] {
        assert!((s.eval(x) - (p.eval(x) + x * x)).abs() < 1e-14);
        assert!((p.add_constant(0.5).unwrap().eval(x) - p.eval(x) - 0.5).abs() < 1e-15);
        assert!((p.scaled(-3.0).unwrap().eval(x) + 3.0 * p.eval(x)).abs() < 1e-14);
    }
    let other = Polynomial::monomial(vec![1.0], Interval::UNIT).unwrap();
    assert_eq!(
        p.add(&other),
        Err(ApproxError::IntervalMismatch {
            left: (-2.0, 2.0),
            right: (-1.0, 1.0)
        })
    );
}

#[test]
fn constructor_errors() {
    let i = Interval::UNIT;
    assert_eq!(
        Polynomial::monomial(vec![], i),
        Err(ApproxError::EmptyCoefficients)
    );
    assert!(matches!(
        Polynomial::chebyshev(vec![1.0, f64::NAN], i),
        Err(ApproxError::NonFiniteCoefficient { index: 1, .. })
    ));
    assert_eq!(
        Polynomial::chebyshev(vec![0.0; 1025], i),
        Err(ApproxError::DegreeTooLarge {
            degree: 1024,
            max: 1023
        })
    );
    // Converting a huge-interval monomial overflows: a typed error, not an infinity.
    let wide = Interval::symmetric(1e300).unwrap();
    let p = Polynomial::monomial(vec![0.0, 0.0, 1.0], wide).unwrap();
    assert!(matches!(
        p.to_chebyshev(),
        Err(ApproxError::NonFiniteCoefficient { .. })
    ));
    for e in [
        ApproxError::EmptyCoefficients,
        ApproxError::InvalidInterval { a: 1.0, b: 0.0 },
    ] {
        assert!(!e.to_string().is_empty());
    }
}
