//! Every bad input is a typed error, never a panic.

use blindfold_approx::quadrature::{gauss_chebyshev, gauss_legendre};
use blindfold_approx::targets::sigmoid;
use blindfold_approx::{
    ApproxError, Interval, LeastSquaresOptions, MAX_DEGREE, MAX_POINTS, RemezOptions,
    SobolevOptions, Terms, Weight, chebyshev_nodes, interpolate, least_squares,
    least_squares_discrete, remez, sobolev_least_squares,
};

fn unit() -> Interval {
    Interval::UNIT
}

#[test]
fn bad_intervals() {
    assert_eq!(
        Interval::new(2.0, -2.0),
        Err(ApproxError::InvalidInterval { a: 2.0, b: -2.0 })
    );
    assert!(Interval::symmetric(-1.0).is_err());
    assert!(Interval::symmetric(f64::NAN).is_err());
}

#[test]
fn degree_too_large() {
    let too_big = MAX_DEGREE + 1;
    let want = ApproxError::DegreeTooLarge {
        degree: too_big,
        max: MAX_DEGREE,
    };
    assert_eq!(interpolate(sigmoid, unit(), too_big), Err(want.clone()));
    assert_eq!(
        least_squares(sigmoid, unit(), &LeastSquaresOptions::new(too_big)),
        Err(want.clone())
    );
    assert_eq!(
        remez(sigmoid, unit(), &RemezOptions::new(too_big)).map(|f| f.polynomial),
        Err(want.clone())
    );
    assert_eq!(
        least_squares_discrete(&[0.0], &[0.0], None, unit(), too_big, Terms::All),
        Err(want)
    );
}

#[test]
fn non_finite_function_values() {
    let bad = |x: f64| if x > 0.5 { f64::NAN } else { x };
    assert!(matches!(
        interpolate(bad, unit(), 5),
        Err(ApproxError::NonFiniteValue { .. })
    ));
    assert!(matches!(
        least_squares(bad, unit(), &LeastSquaresOptions::new(5)),
        Err(ApproxError::NonFiniteValue { .. })
    ));
    assert!(matches!(
        remez(bad, unit(), &RemezOptions::new(5)),
        Err(ApproxError::NonFiniteValue { .. })
    ));
    assert!(matches!(
        remez(|x: f64| 1.0 / x, unit(), &RemezOptions::new(3)),
        Err(ApproxError::NonFiniteValue { .. })
    ));
    assert!(matches!(
        least_squares_discrete(&[0.0, 1.0], &[0.0, f64::INFINITY], None, unit(), 1, Terms::All),
        Err(ApproxError::NonFiniteValue { x, .. }) if x == 1.0
    ));
}

#[test]
fn empty_basis() {
    assert_eq!(
        least_squares(
            sigmoid,
            unit(),
            &LeastSquaresOptions::new(0).terms(Terms::Odd)
        ),
        Err(ApproxError::EmptyBasis {
            degree: 0,
            terms: Terms::Odd
        })
    );
    assert!(matches!(
        remez(f64::tanh, unit(), &RemezOptions::new(0).terms(Terms::Odd)),
        Err(ApproxError::EmptyBasis { .. })
    ));
}

#[test]
fn discrete_fit_errors() {
    let xs = [-1.0, 0.0, 1.0];
    assert_eq!(
        least_squares_discrete(&xs, &[1.0, 2.0], None, unit(), 1, Terms::All),
        Err(ApproxError::LengthMismatch {
            expected: 3,
            found: 2
        })
    );
    assert_eq!(
        least_squares_discrete(&xs, &[1.0; 3], Some(&[1.0]), unit(), 1, Terms::All),
        Err(ApproxError::LengthMismatch {
            expected: 3,
            found: 1
        })
    );
    assert_eq!(
        least_squares_discrete(&[-1.0, 2.0], &[1.0; 2], None, unit(), 1, Terms::All),
        Err(ApproxError::PointOutsideInterval { index: 1, x: 2.0 })
    );
    assert!(matches!(
        least_squares_discrete(&[f64::NAN], &[1.0], None, unit(), 0, Terms::All),
        Err(ApproxError::PointOutsideInterval { index: 0, .. })
    ));
    assert_eq!(
        least_squares_discrete(
            &xs,
            &[1.0; 3],
            Some(&[1.0, -1.0, 1.0]),
            unit(),
            1,
            Terms::All
        ),
        Err(ApproxError::InvalidWeight {
            index: 1,
            weight: -1.0
        })
    );
    // Fewer points than coefficients.
    assert_eq!(
        least_squares_discrete(&xs, &[1.0; 3], None, unit(), 5, Terms::All),
        Err(ApproxError::TooFewPoints {
            points: 3,
            needed: 6
        })
    );
    // Enough points, but only two distinct abscissae for three coefficients.
    let dup = [-1.0, -1.0, 1.0, 1.0];
    assert!(matches!(
        least_squares_discrete(&dup, &[1.0, 1.0, 2.0, 2.0], None, unit(), 2, Terms::All),
        Err(ApproxError::RankDeficient { .. })
    ));
}

#[test]
fn weight_and_quadrature_errors() {
    let negative = |x: f64| x;
    assert!(matches!(
        least_squares(
            sigmoid,
            unit(),
            &LeastSquaresOptions::new(3).weight(Weight::Custom(&negative))
        ),
        Err(ApproxError::InvalidWeight { .. })
    ));
    assert_eq!(
        least_squares(
            sigmoid,
            unit(),
            &LeastSquaresOptions::new(5).quadrature_points(3)
        ),
        Err(ApproxError::TooFewPoints {
            points: 3,
            needed: 6
        })
    );
    assert_eq!(
        gauss_legendre(0),
        Err(ApproxError::TooFewPoints {
            points: 0,
            needed: 1
        })
    );
    assert_eq!(
        gauss_chebyshev(MAX_POINTS + 1),
        Err(ApproxError::TooManyPoints {
            points: MAX_POINTS + 1,
            max: MAX_POINTS
        })
    );
    assert!(chebyshev_nodes(0, unit()).is_err());
}

#[test]
fn sobolev_errors() {
    for lambda in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let r = sobolev_least_squares(
            sigmoid,
            sigmoid,
            unit(),
            &SobolevOptions {
                degree: 3,
                terms: Terms::All,
                lambda,
                quadrature_points: None,
            },
        );
        assert!(
            matches!(r, Err(ApproxError::InvalidSobolevWeight { .. })),
            "{lambda}"
        );
    }
}

#[test]
fn remez_errors() {
    for tolerance in [0.0, -1e-3, f64::NAN] {
        assert!(matches!(
            remez(sigmoid, unit(), &RemezOptions::new(3).tolerance(tolerance)),
            Err(ApproxError::InvalidTolerance { .. })
        ));
    }
    // The sigmoid is odd only after subtracting 1/2.
    let r = remez(
        sigmoid,
        Interval::symmetric(8.0).unwrap(),
        &RemezOptions::new(5).terms(Terms::Odd),
    );
    assert!(matches!(
        r,
        Err(ApproxError::TargetParity {
            terms: Terms::Odd,
            ..
        })
    ));
    assert!(matches!(
        remez(f64::sin, unit(), &RemezOptions::new(4).terms(Terms::Even)),
        Err(ApproxError::TargetParity { .. })
    ));
    // One iteration cannot level a degree-9 fit.
    let r = remez(
        f64::exp,
        Interval::new(-3.0, 1.0).unwrap(),
        &RemezOptions::new(9).max_iterations(1),
    );
    assert!(
        matches!(r, Err(ApproxError::RemezNotConverged { iterations: 1, .. })),
        "{r:?}"
    );
}

#[test]
fn display_messages_name_the_values() {
    let e = ApproxError::RemezNotConverged {
        iterations: 7,
        levelled_error: 1e-3,
        max_error: 2e-3,
    };
    let s = e.to_string();
    assert!(
        s.contains('7') && s.contains("1e-3") && s.contains("2e-3"),
        "{s}"
    );
    let e = ApproxError::PointOutsideInterval { index: 4, x: 2.5 };
    assert!(e.to_string().contains("2.5"));
}
