//! Error measurement on a dense grid and the table of built-in approximations.

use core::fmt::Write as _;

use crate::MAX_POINTS;
use crate::chiang::{ChiangOptions, chiang_sigmoid3, chiang_sobolev_cubic, kim_sigmoid3};
use crate::error::ApproxError;
use crate::poly::{Interval, Polynomial};
use crate::quadrature::uniform_unit_grid;
use crate::targets::{Activation, Method, fit_activation, sigmoid};

/// Samples used by [`approximation_table`].
pub const REPORT_SAMPLES: usize = 20_001;

/// Errors of an approximation measured on `samples` equally spaced points (ends included).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ApproxReport {
    pub max_abs_error: f64,
    pub mean_abs_error: f64,
    pub interval: Interval,
    pub samples: usize,
    /// Where the maximum error occurs.
    pub worst_x: f64,
}

impl ApproxReport {
    /// Measures `|f - p|` on `p`'s own interval.
    pub fn measure<F: Fn(f64) -> f64>(
        p: &Polynomial,
        f: F,
        samples: usize,
    ) -> Result<Self, ApproxError> {
        Self::measure_on(p, f, p.interval(), samples)
    }

    /// Measures `|f - p|` on `interval`.
    pub fn measure_on<F: Fn(f64) -> f64>(
        p: &Polynomial,
        f: F,
        interval: Interval,
        samples: usize,
    ) -> Result<Self, ApproxError> {
        if samples < 2 {
            return Err(ApproxError::TooFewPoints {
                points: samples,
                needed: 2,
            });
        }
        if samples > MAX_POINTS {
            return Err(ApproxError::TooManyPoints {
                points: samples,
                max: MAX_POINTS,
            });
        }
        let (mut max, mut sum, mut worst_x) = (0.0f64, 0.0f64, interval.a());
        for t in uniform_unit_grid(samples) {
            let x = interval.from_unit(t);
            let y = f(x);
            if !y.is_finite() {
                return Err(ApproxError::NonFiniteValue { x, value: y });
            }
            let e = (y - p.eval(x)).abs();
            sum += e;
            if e > max {
                max = e;
                worst_x = x;
            }
        }
        Ok(Self {
            max_abs_error: max,
            mean_abs_error: sum / samples as f64,
            interval,
            samples,
            worst_x,
        })
    }
}

/// Degrees listed by [`approximation_table`].
pub const TABLE_DEGREES: [usize; 5] = [3, 7, 15, 31, 63];

/// The built-in (activation, interval) pairs of [`approximation_table`].
pub fn table_targets() -> Vec<(Activation, Interval)> {
    let sym = |b: f64| Interval::new_unchecked(-b, b);
    vec![
        (Activation::Sigmoid, sym(8.0)),
        (Activation::Sigmoid, sym(16.0)),
        (Activation::Tanh, sym(4.0)),
        (Activation::Exp, Interval::new_unchecked(-8.0, 0.0)),
        (Activation::Softplus, sym(8.0)),
        (Activation::Swish { beta: 1.0 }, sym(8.0)),
        (Activation::Relu, sym(1.0)),
    ]
}

/// A plain-text table of max/mean errors of every built-in approximation: each target of
/// [`table_targets`] at each degree of [`TABLE_DEGREES`] by interpolation, least squares and
/// minimax, followed by the published sigmoid cubics. Fits that fail print their error.
pub fn approximation_table() -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<14} {:<12} {:>3}  {:<13} {:>11} {:>11}",
        "function", "interval", "deg", "method", "max|err|", "mean|err|"
    );
    for (act, interval) in table_targets() {
        for degree in TABLE_DEGREES {
            for method in [Method::Interpolation, Method::LeastSquares, Method::Minimax] {
                let name = match method {
                    Method::Interpolation => "chebyshev",
                    Method::LeastSquares => "least-squares",
                    Method::Minimax => "minimax",
                };
                let row = fit_activation(act, interval, degree, method)
                    .and_then(|p| ApproxReport::measure(&p, |x| act.eval(x), REPORT_SAMPLES));
                let cells = match row {
                    Ok(r) => format!("{:>11.3e} {:>11.3e}", r.max_abs_error, r.mean_abs_error),
                    Err(e) => format!("error: {e}"),
                };
                let _ = writeln!(
                    out,
                    "{:<14} {:<12} {:>3}  {:<13} {}",
                    act.to_string(),
                    format!("[{}, {}]", interval.a(), interval.b()),
                    degree,
                    name,
                    cells
                );
            }
        }
    }
    let published: [(&str, Result<Polynomial, ApproxError>); 4] = [
        ("kim cubic", Ok(kim_sigmoid3())),
        ("chiang cubic", Ok(chiang_sigmoid3())),
        (
            "chiang redo",
            chiang_sobolev_cubic(ChiangOptions {
                lambda: 128.0,
                published_artifacts: true,
            }),
        ),
        (
            "chiang fixed",
            chiang_sobolev_cubic(ChiangOptions {
                lambda: 128.0,
                published_artifacts: false,
            }),
        ),
    ];
    for (name, p) in published {
        let row = p.and_then(|p| ApproxReport::measure(&p, sigmoid, REPORT_SAMPLES));
        let cells = match row {
            Ok(r) => format!("{:>11.3e} {:>11.3e}", r.max_abs_error, r.mean_abs_error),
            Err(e) => format!("error: {e}"),
        };
        let _ = writeln!(
            out,
            "{:<14} {:<12} {:>3}  {:<13} {}",
            "sigmoid", "[-8, 8]", 3, name, cells
        );
    }
    out
}
