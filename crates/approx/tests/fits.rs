//! Fitting: interpolation, least squares (continuous, discrete, Sobolev) and Remez, each against
//! a closed form or an optimality property.

use blindfold_approx::targets::{Activation, Method, fit_activation, sigmoid};
use blindfold_approx::{
    ApproxError, ApproxReport, Interval, LeastSquaresOptions, Polynomial, RemezOptions,
    SobolevOptions, Terms, Weight, chebyshev_nodes, interpolate, least_squares,
    least_squares_discrete, remez, sobolev_least_squares, weighted_l2_error_squared,
};
use proptest::prelude::*;

/// Legendre polynomials P_0..P_n at t (three-term recurrence).
fn legendre(n: usize, t: f64) -> Vec<f64> {
    let mut p = vec![1.0, t];
    for k in 2..=n {
        let kf = k as f64;
        p.push(((2.0 * kf - 1.0) * t * p[k - 1] - (kf - 1.0) * p[k - 2]) / kf);
    }
    p.truncate(n + 1);
    p
}

fn max_coeff_diff(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().max(b.len());
    (0..n).fold(0.0f64, |s, k| {
        s.max((a.get(k).unwrap_or(&0.0) - b.get(k).unwrap_or(&0.0)).abs())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Interpolating a polynomial of degree <= d at d + 1 Chebyshev nodes recovers it: to 1e-12
    /// when the interval is not far from the origin relative to its width (|center| <= 3 h),
    /// otherwise to the rounding of the node abscissae, ε (|center| + h)/h · Σ k² |c_k|.
    #[test]
    fn interpolation_recovers_polynomials(
        c in prop::collection::vec(-1.0f64..1.0, 1..=31),
        extra in 0usize..6,
        offset in -3.0f64..3.0,
        far in -1000.0f64..1000.0,
        half in 0.01f64..100.0,
    ) {
        let degree = c.len() - 1 + extra;
        let near = Interval::new(offset * half - half, offset * half + half).unwrap();
        let p = Polynomial::chebyshev(c.clone(), near).unwrap();
        let q = interpolate(|x| p.eval(x), near, degree).unwrap();
        prop_assert!(max_coeff_diff(&c, q.coeffs()) <= 1e-12, "{:?}", q.coeffs());

        let away = Interval::new(far - half, far + half).unwrap();
        let p = Polynomial::chebyshev(c.clone(), away).unwrap();
        let q = interpolate(|x| p.eval(x), away, degree).unwrap();
        let markov: f64 = c.iter().enumerate().map(|(k, v)| (k * k) as f64 * v.abs()).sum();
        let bound = 1e-12 + 4.0 * f64::EPSILON * (far.abs() + half) / half * markov;
        prop_assert!(max_coeff_diff(&c, q.coeffs()) <= bound);
    }

    /// A least-squares fit of a polynomial of degree <= d is the polynomial itself, for every
    /// weight.
    #[test]
    fn least_squares_recovers_polynomials(
        c in prop::collection::vec(-1.0f64..1.0, 1..=20),
        center in -5.0f64..5.0,
        half in 0.1f64..10.0,
        which in 0usize..3,
    ) {
        let interval = Interval::new(center - half, center + half).unwrap();
        let p = Polynomial::chebyshev(c.clone(), interval).unwrap();
        let w = |x: f64| 1.0 + ((x - center) / half).powi(2);
        let weight = [Weight::Uniform, Weight::Chebyshev, Weight::Custom(&w)][which];
        let opts = LeastSquaresOptions::new(c.len() - 1).weight(weight).quadrature_points(64);
        let q = least_squares(|x| p.eval(x), interval, &opts).unwrap();
        prop_assert!(max_coeff_diff(&c, q.coeffs()) <= 1e-12);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Minimax of exp(a x) on a random interval: d + 2 alternating points of equal magnitude,
    /// never worse than Chebyshev interpolation.
    #[test]
    fn remez_properties_on_random_exponentials(
        a in -3.0f64..3.0,
        center in -2.0f64..2.0,
        half in 0.1f64..2.0,
        degree in 1usize..9,
    ) {
        prop_assume!(a.abs() > 0.05);
        let interval = Interval::new(center - half, center + half).unwrap();
        let f = |x: f64| (a * x).exp();
        let fit = remez(f, interval, &RemezOptions::new(degree)).unwrap();
        prop_assume!(!fit.at_noise_floor);
        let mm = ApproxReport::measure(&fit.polynomial, f, 4001).unwrap();
        let mi = ApproxReport::measure(&interpolate(f, interval, degree).unwrap(), f, 4001).unwrap();
        prop_assert!(mm.max_abs_error <= mi.max_abs_error * (1.0 + 1e-9));
        prop_assert_eq!(fit.alternation.len(), degree + 2);
        for w in fit.alternation.windows(2) {
            prop_assert!(w[0].1 * w[1].1 < 0.0);
        }
        for &(_, e) in &fit.alternation {
            prop_assert!((e.abs() - fit.max_error).abs() <= 1e-6 * fit.max_error);
        }
    }

    /// Minimax of a polynomial of degree <= d is the polynomial (error at rounding level).
    #[test]
    fn remez_recovers_polynomials(
        c in prop::collection::vec(-1.0f64..1.0, 1..=12),
        center in -5.0f64..5.0,
        half in 0.1f64..5.0,
    ) {
        let interval = Interval::new(center - half, center + half).unwrap();
        let p = Polynomial::chebyshev(c.clone(), interval).unwrap();
        let fit = remez(|x| p.eval(x), interval, &RemezOptions::new(c.len() - 1)).unwrap();
        // f(x(t)) is only known to the rounding of x = m + h t: ε (|m| + h)/h · max|dp/dt|,
        // with max|dp/dt| <= Σ k² |c_k| (Markov).
        let markov: f64 = c.iter().enumerate().map(|(k, v)| (k * k) as f64 * v.abs()).sum();
        let noise = 1e-14 * (1.0 + (center.abs() + half) / half * markov);
        prop_assert!(fit.max_error <= noise, "{} > {}", fit.max_error, noise);
        prop_assert!(max_coeff_diff(&c, fit.polynomial.coeffs()) <= 100.0 * noise);
    }
}

#[test]
fn interpolation_of_monomials_round_trips() {
    let interval = Interval::new(-3.0, 1.0).unwrap();
    let a = [0.5, -1.25, 0.75, 0.125, -0.0625];
    let p = Polynomial::monomial(a.to_vec(), interval).unwrap();
    let q = interpolate(|x| p.eval(x), interval, 6)
        .unwrap()
        .to_monomial()
        .unwrap();
    assert!(max_coeff_diff(&a, q.coeffs()) < 1e-13, "{:?}", q.coeffs());
}

#[test]
fn interpolant_matches_function_at_nodes() {
    let interval = Interval::new(-2.0, 5.0).unwrap();
    let f = |x: f64| (0.7 * x).sin() + x.exp() / 10.0;
    let p = interpolate(f, interval, 9).unwrap();
    for x in chebyshev_nodes(10, interval).unwrap() {
        assert!((p.eval(x) - f(x)).abs() < 1e-13);
    }
}

/// Uniform-weight least squares = truncated Legendre series (closed form by orthogonality).
#[test]
fn least_squares_is_truncated_legendre_series() {
    let interval = Interval::new(1.0, 4.0).unwrap();
    let ell = [0.3, -1.0, 0.5, 0.25, -0.75, 0.6, -0.2, 0.1];
    let f = |x: f64| {
        let p = legendre(7, interval.to_unit(x));
        ell.iter().zip(&p).map(|(a, b)| a * b).sum::<f64>()
    };
    for degree in 0..7 {
        let p = least_squares(f, interval, &LeastSquaresOptions::new(degree)).unwrap();
        for i in 0..=50 {
            let t = -1.0 + i as f64 / 25.0;
            let want: f64 = ell[..=degree]
                .iter()
                .zip(legendre(degree, t))
                .map(|(a, b)| a * b)
                .sum();
            let got = p.eval(interval.from_unit(t));
            assert!((got - want).abs() < 1e-13, "degree {degree} t {t}");
        }
    }
}

/// Chebyshev-weight least squares = truncated Chebyshev series.
#[test]
fn chebyshev_weight_least_squares_truncates_the_series() {
    let interval = Interval::symmetric(3.0).unwrap();
    let c = [1.0, 0.5, -0.25, 0.125, 0.3, -0.6, 0.05];
    let full = Polynomial::chebyshev(c.to_vec(), interval).unwrap();
    for degree in 0..6 {
        let opts = LeastSquaresOptions::new(degree)
            .weight(Weight::Chebyshev)
            .quadrature_points(32);
        let p = least_squares(|x| full.eval(x), interval, &opts).unwrap();
        assert!(max_coeff_diff(&c[..=degree], p.coeffs()) < 1e-14);
    }
}

/// The fit minimizes its own objective: moving any coefficient by ±δ increases it by
/// δ²·(weighted norm² of that basis function), i.e. the gradient vanishes.
#[test]
fn least_squares_minimizes_weighted_error() {
    let interval = Interval::new(-8.0, 8.0).unwrap();
    let gauss = |x: f64| (-x * x / 18.0).exp();
    for (weight, terms) in [
        (Weight::Uniform, Terms::All),
        (Weight::Chebyshev, Terms::All),
        (Weight::Custom(&gauss), Terms::All),
        (Weight::Custom(&gauss), Terms::Odd),
    ] {
        let opts = LeastSquaresOptions::new(7)
            .weight(weight)
            .terms(terms)
            .quadrature_points(200);
        let p = least_squares(sigmoid, interval, &opts).unwrap();
        let j0 = weighted_l2_error_squared(sigmoid, &p, &opts).unwrap();
        for k in 0..=7 {
            if terms == Terms::Odd && k % 2 == 0 {
                continue;
            }
            let mut unit = vec![0.0; 8];
            unit[k] = 1.0;
            let basis = Polynomial::chebyshev(unit, interval).unwrap();
            let norm2 =
                weighted_l2_error_squared(|x| basis.eval(x), &p.scaled(0.0).unwrap(), &opts)
                    .unwrap();
            for delta in [1e-3, -1e-3, 1e-2] {
                let mut c = p.coeffs().to_vec();
                c[k] += delta;
                let q = Polynomial::chebyshev(c, interval).unwrap();
                let j1 = weighted_l2_error_squared(sigmoid, &q, &opts).unwrap();
                assert!(j1 > j0, "{weight:?} k={k} δ={delta}");
                let expect = delta * delta * norm2;
                assert!(
                    ((j1 - j0) - expect).abs() <= 1e-6 * expect + 1e-15,
                    "{weight:?} k={k}: increase {} vs δ²‖T_k‖² {}",
                    j1 - j0,
                    expect
                );
            }
        }
    }
}

/// Odd-only least squares gives an odd polynomial, equal to the fit of the odd part.
#[test]
fn odd_and_even_restrictions() {
    let interval = Interval::symmetric(2.0).unwrap();
    let odd = least_squares(
        f64::exp,
        interval,
        &LeastSquaresOptions::new(9).terms(Terms::Odd),
    )
    .unwrap();
    assert!(odd.is_odd());
    for x in [0.3, 1.1, 2.0] {
        assert_eq!(odd.eval(-x), -odd.eval(x));
    }
    let sinh = least_squares(f64::sinh, interval, &LeastSquaresOptions::new(9)).unwrap();
    assert!(max_coeff_diff(odd.coeffs(), sinh.coeffs()) < 1e-14);
    let even = least_squares(
        f64::exp,
        interval,
        &LeastSquaresOptions::new(8).terms(Terms::Even),
    )
    .unwrap();
    assert!(even.is_even());
    let cosh = least_squares(f64::cosh, interval, &LeastSquaresOptions::new(8)).unwrap();
    assert!(max_coeff_diff(even.coeffs(), cosh.coeffs()) < 1e-14);
}

/// Discrete weighted linear regression against its closed form.
#[test]
fn discrete_weighted_regression_closed_form() {
    let xs = [0.0, 1.0, 2.0, 3.0, 4.0];
    let ys = [1.0, 2.5, 2.0, 4.5, 4.0];
    let ws = [1.0, 2.0, 0.5, 1.0, 3.0];
    let sw: f64 = ws.iter().sum();
    let xm = xs.iter().zip(&ws).map(|(x, w)| x * w).sum::<f64>() / sw;
    let ym = ys.iter().zip(&ws).map(|(y, w)| y * w).sum::<f64>() / sw;
    let sxy: f64 = (0..5).map(|i| ws[i] * (xs[i] - xm) * (ys[i] - ym)).sum();
    let sxx: f64 = (0..5).map(|i| ws[i] * (xs[i] - xm).powi(2)).sum();
    let slope = sxy / sxx;
    let icept = ym - slope * xm;
    let interval = Interval::new(0.0, 4.0).unwrap();
    let p = least_squares_discrete(&xs, &ys, Some(&ws), interval, 1, Terms::All)
        .unwrap()
        .to_monomial()
        .unwrap();
    assert!((p.coeffs()[0] - icept).abs() < 1e-14);
    assert!((p.coeffs()[1] - slope).abs() < 1e-14);
    // Zero weights drop points: fitting a line through two weighted points is exact.
    let p = least_squares_discrete(
        &xs,
        &ys,
        Some(&[1.0, 0.0, 0.0, 0.0, 1.0]),
        interval,
        1,
        Terms::All,
    )
    .unwrap();
    assert!((p.eval(0.0) - 1.0).abs() < 1e-14 && (p.eval(4.0) - 4.0).abs() < 1e-14);
}

/// Sobolev least squares: exact on polynomials; large λ tends to plain least squares.
#[test]
fn sobolev_least_squares_properties() {
    let interval = Interval::new(-1.0, 3.0).unwrap();
    let p = Polynomial::chebyshev(vec![0.2, -0.4, 1.0, 0.3], interval).unwrap();
    let dp = p.derivative();
    let opts = SobolevOptions {
        degree: 3,
        terms: Terms::All,
        lambda: 2.0,
        quadrature_points: None,
    };
    let q = sobolev_least_squares(|x| p.eval(x), |x| dp.eval(x), interval, &opts).unwrap();
    assert!(max_coeff_diff(p.coeffs(), q.coeffs()) < 1e-13);

    let big = SobolevOptions {
        lambda: 1e12,
        ..opts
    };
    let s = sobolev_least_squares(
        f64::exp,
        f64::exp,
        interval,
        &SobolevOptions { degree: 2, ..big },
    )
    .unwrap();
    let l = least_squares(f64::exp, interval, &LeastSquaresOptions::new(2)).unwrap();
    assert!(max_coeff_diff(s.coeffs(), l.coeffs()) < 1e-9);
}

/// Best approximation of t^n by degree n - 1 on [-1, 1]: t^n - 2^{1-n} T_n, error 2^{1-n}.
#[test]
fn remez_monic_chebyshev_closed_form() {
    for n in 2..=14usize {
        let fit = remez(
            |t| t.powi(n as i32),
            Interval::UNIT,
            &RemezOptions::new(n - 1),
        )
        .unwrap();
        let e = 2f64.powi(1 - n as i32);
        assert!(
            (fit.levelled_error - e).abs() < 1e-12 * e.max(1e-3),
            "n={n}"
        );
        // p = t^n - 2^{1-n} T_n has Chebyshev coefficients of t^n below index n.
        let tn = Polynomial::monomial(
            (0..=n).map(|k| if k == n { 1.0 } else { 0.0 }).collect(),
            Interval::UNIT,
        )
        .unwrap()
        .to_chebyshev()
        .unwrap();
        assert!(max_coeff_diff(&tn.coeffs()[..n], fit.polynomial.coeffs()) < 1e-10);
        assert_eq!(fit.alternation.len(), n + 1);
    }
}

/// Best linear approximation of a convex function: slope of the chord, levelled at the tangent.
#[test]
fn remez_linear_exp_closed_form() {
    let interval = Interval::new(0.0, 1.0).unwrap();
    let fit = remez(f64::exp, interval, &RemezOptions::new(1)).unwrap();
    let m = core::f64::consts::E - 1.0;
    let c = (1.0 + m - m * m.ln()) / 2.0;
    let e = 1.0 - c;
    let p = fit.polynomial.to_monomial().unwrap();
    assert!((p.coeffs()[1] - m).abs() < 1e-12);
    assert!((p.coeffs()[0] - c).abs() < 1e-12);
    assert!((fit.levelled_error - e).abs() < 1e-12);
    let xs: Vec<f64> = fit.alternation.iter().map(|a| a.0).collect();
    assert!((xs[0] - 0.0).abs() < 1e-12 && (xs[2] - 1.0).abs() < 1e-12);
    assert!((xs[1] - m.ln()).abs() < 1e-6);
}

/// Best quadratic for |x| on [-1, 1] is x² + 1/8 (error 1/8), with all terms or even terms.
#[test]
fn remez_abs_quadratic_closed_form() {
    for terms in [Terms::All, Terms::Even] {
        let fit = remez(f64::abs, Interval::UNIT, &RemezOptions::new(2).terms(terms)).unwrap();
        let p = fit.polynomial.to_monomial().unwrap();
        assert!(
            (p.coeffs()[0] - 0.125).abs() < 1e-10,
            "{terms:?} {:?}",
            p.coeffs()
        );
        assert!(p.coeffs()[1].abs() < 1e-10);
        assert!((p.coeffs()[2] - 1.0).abs() < 1e-10);
        assert!((fit.levelled_error - 0.125).abs() < 1e-10);
    }
}

/// Minimax: error below Chebyshev interpolation; d + 2 alternating extrema of equal magnitude
/// (within 1% of the dense-grid maximum).
#[test]
fn remez_equioscillates_and_beats_interpolation() {
    let interval = Interval::symmetric(8.0).unwrap();
    for degree in [2usize, 3, 5, 8, 13, 21, 30] {
        let fit = remez(sigmoid, interval, &RemezOptions::new(degree)).unwrap();
        let mm = ApproxReport::measure(&fit.polynomial, sigmoid, 20_001).unwrap();
        let ip = interpolate(sigmoid, interval, degree).unwrap();
        let mi = ApproxReport::measure(&ip, sigmoid, 20_001).unwrap();
        assert!(mm.max_abs_error <= mi.max_abs_error, "degree {degree}");
        assert_eq!(fit.alternation.len(), degree + 2, "degree {degree}");
        for w in fit.alternation.windows(2) {
            assert!(w[0].0 < w[1].0);
            assert!(w[0].1 * w[1].1 < 0.0, "signs must alternate");
        }
        for &(_, e) in &fit.alternation {
            assert!((e.abs() - mm.max_abs_error).abs() <= 0.01 * mm.max_abs_error);
        }
        assert!(fit.levelled_error <= mm.max_abs_error * (1.0 + 1e-9));
        assert!(fit.max_error >= mm.max_abs_error * (1.0 - 1e-9));
    }
}

/// The odd-restricted exchange on the half interval finds the same best error as the full one
/// (the best approximation of an odd function is odd).
#[test]
fn remez_odd_matches_full_for_odd_targets() {
    let interval = Interval::symmetric(4.0).unwrap();
    for degree in [3usize, 7, 11, 15] {
        let full = remez(f64::tanh, interval, &RemezOptions::new(degree)).unwrap();
        let odd = remez(
            f64::tanh,
            interval,
            &RemezOptions::new(degree).terms(Terms::Odd),
        )
        .unwrap();
        assert!(odd.polynomial.is_odd());
        let rel = (full.levelled_error - odd.levelled_error).abs() / odd.levelled_error;
        assert!(rel < 1e-6, "degree {degree}: {rel}");
        // m + 1 points on [0, b] for m = (degree + 1)/2 odd basis functions.
        assert_eq!(odd.alternation.len(), degree.div_ceil(2) + 1);
        assert!(odd.alternation.iter().all(|a| a.0 > 0.0));
    }
}

#[test]
fn remez_high_degree_reaches_rounding_level_gracefully() {
    // exp on [-8, 0] at degree 31: the best error (~1e-20) is far below f64 rounding.
    let fit = remez(
        f64::exp,
        Interval::new(-8.0, 0.0).unwrap(),
        &RemezOptions::new(31),
    )
    .unwrap();
    assert!(fit.at_noise_floor);
    assert!(fit.max_error < 1e-14);
    // Sigmoid at degree 63: levelled to ~1e-4 relative (rounding), flagged as noise-limited.
    let fit = remez(
        sigmoid,
        Interval::symmetric(8.0).unwrap(),
        &RemezOptions::new(63),
    )
    .unwrap();
    assert!(fit.max_error < 2e-11);
    assert!((fit.max_error - fit.levelled_error) <= 1e-3 * fit.max_error);
}

#[test]
fn activation_fits_use_structure() {
    let i8 = Interval::symmetric(8.0).unwrap();
    for method in [Method::Interpolation, Method::LeastSquares, Method::Minimax] {
        let s = fit_activation(Activation::Sigmoid, i8, 7, method).unwrap();
        // 1/2 + odd.
        let c = s.coeffs();
        assert_eq!(c[0], 0.5);
        assert!(c.iter().skip(2).step_by(2).all(|&v| v == 0.0));
        let r = fit_activation(Activation::Relu, Interval::UNIT, 6, method).unwrap();
        // x/2 + even: odd part is exactly T_1/2.
        assert_eq!(r.coeffs()[1], 0.5);
        assert!(r.coeffs().iter().skip(3).step_by(2).all(|&v| v == 0.0));
        let t = fit_activation(
            Activation::Tanh,
            Interval::symmetric(3.0).unwrap(),
            9,
            method,
        )
        .unwrap();
        assert!(t.is_odd());
        // Exp on a non-symmetric interval: all terms, still accurate.
        let e = fit_activation(
            Activation::Exp,
            Interval::new(-4.0, 0.0).unwrap(),
            12,
            method,
        )
        .unwrap();
        let rep = ApproxReport::measure(&e, f64::exp, 4001).unwrap();
        assert!(rep.max_abs_error < 1e-9, "{method:?} {}", rep.max_abs_error);
    }
    // Minimax ReLU is x/2 + (minimax |x|)/2: error exactly half of |x|'s (1/16 at degree 2).
    let r = fit_activation(Activation::Relu, Interval::UNIT, 2, Method::Minimax).unwrap();
    let rep = ApproxReport::measure(&r, |x| x.max(0.0), 20_001).unwrap();
    assert!((rep.max_abs_error - 0.0625).abs() < 1e-9);
}

#[test]
fn report_measures_known_errors() {
    let i = Interval::new(-1.0, 3.0).unwrap();
    let p = Polynomial::monomial(vec![0.1, 1.0], i).unwrap();
    let r = ApproxReport::measure(&p, |x| x, 101).unwrap();
    assert!((r.max_abs_error - 0.1).abs() < 1e-15);
    assert!((r.mean_abs_error - 0.1).abs() < 1e-15);
    assert_eq!((r.interval, r.samples), (i, 101));
    // |x - x²| on [0, 1] peaks at 1/4 at x = 1/2.
    let q = Polynomial::monomial(vec![0.0, 0.0, 1.0], Interval::new(0.0, 1.0).unwrap()).unwrap();
    let r = ApproxReport::measure(&q, |x| x, 1001).unwrap();
    assert!((r.max_abs_error - 0.25).abs() < 1e-15 && (r.worst_x - 0.5).abs() < 1e-15);
    // Mean over x_i = i/n, i = 0..=n: Σ (i/n - i²/n²) / (n+1) = 1/2 - (2n+1)/(6n).
    let n = 1000.0;
    assert!((r.mean_abs_error - (0.5 - (2.0 * n + 1.0) / (6.0 * n))).abs() < 1e-15);
    assert_eq!(
        ApproxReport::measure(&q, |x| x, 1),
        Err(ApproxError::TooFewPoints {
            points: 1,
            needed: 2
        })
    );
}

/// The report table covers every target × degree × method, all fits succeed, and minimax is
/// never worse than interpolation or least squares in max error.
#[test]
fn approximation_table_is_complete() {
    let table = blindfold_approx::approximation_table();
    assert!(!table.contains("error"), "{table}");
    let rows: Vec<&str> = table.lines().skip(1).collect();
    let fitted =
        blindfold_approx::table_targets().len() * blindfold_approx::TABLE_DEGREES.len() * 3;
    assert_eq!(rows.len(), fitted + 4);
    for triple in rows[..fitted].chunks(3) {
        let max = |row: &str| -> f64 {
            row.split_whitespace()
                .rev()
                .nth(1)
                .unwrap()
                .parse()
                .unwrap()
        };
        let (ci, ls, mm) = (max(triple[0]), max(triple[1]), max(triple[2]));
        // Below ~1e-15 all three are rounding noise.
        assert!(
            mm <= ci.max(1e-15) * 1.0001 && mm <= ls.max(1e-15) * 1.0001,
            "{triple:?}"
        );
    }
}
