//! Activation functions and ready-made polynomial approximations of them.
//!
//! On intervals symmetric about 0 every fit exploits the structure of the target so that the
//! homomorphic evaluator can skip half of the powers:
//!
//! | activation | decomposition | fitted part |
//! |---|---|---|
//! | sigmoid | `1/2 + tanh(x/2)/2` | odd |
//! | tanh | itself | odd |
//! | softplus `ln(1+eˣ)` | `x/2 + ln(2 cosh(x/2))` | even |
//! | swish / SiLU `x·σ(βx)` | `x/2 + (x/2) tanh(βx/2)` | even |
//! | ReLU | `x/2 + abs(x)/2` | even (`abs`) |
//! | `abs(x)` | itself | even |
//! | exp | — | all terms |
//!
//! The added `x/2` is exact, so e.g. the minimax ReLU of degree `d` is `x/2` plus half the
//! minimax `|x|`: the map `p ↦ x/2 + p/2` is a bijection that halves every error, hence it maps
//! the best approximation of `|x|` to the best approximation of ReLU. ReLU and `|x|` are not
//! smooth, so their errors decay only like `1/d` (Bernstein: `E_d(|x|) ≈ 0.28/d` on `[-1, 1]`);
//! softplus and swish with a large β are the smooth stand-ins ("smooth ReLU") whose errors
//! decay geometrically.

use core::fmt;

use crate::cheb::interpolate;
use crate::error::ApproxError;
use crate::lsq::{LeastSquaresOptions, least_squares};
use crate::poly::{Interval, Polynomial, Terms};
use crate::remez::{RemezOptions, remez};

/// The logistic function `1/(1 + e^{-x})`, without overflow for any finite `x`.
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `ln(1 + eˣ)`, without overflow or cancellation.
pub fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// `x · σ(βx)` (SiLU for `β = 1`; tends to ReLU as `β → ∞`).
pub fn swish(x: f64, beta: f64) -> f64 {
    x * sigmoid(beta * x)
}

pub fn relu(x: f64) -> f64 {
    x.max(0.0)
}

/// Activations with built-in fits.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Activation {
    Sigmoid,
    Tanh,
    Exp,
    Softplus,
    /// `x · σ(βx)`.
    Swish {
        beta: f64,
    },
    Relu,
    Abs,
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activation::Sigmoid => write!(f, "sigmoid"),
            Activation::Tanh => write!(f, "tanh"),
            Activation::Exp => write!(f, "exp"),
            Activation::Softplus => write!(f, "softplus"),
            Activation::Swish { beta } => write!(f, "swish(b={beta})"),
            Activation::Relu => write!(f, "relu"),
            Activation::Abs => write!(f, "abs"),
        }
    }
}

/// How a polynomial is fitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// Interpolation at the Chebyshev points of the first kind.
    Interpolation,
    /// Uniform-weight continuous least squares (Gauss–Legendre quadrature).
    LeastSquares,
    /// Best uniform approximation (Remez).
    Minimax,
}

/// `f = c0 + c1·x + r(x)` with `r` of the given parity about 0.
struct Structure {
    c0: f64,
    c1: f64,
    terms: Terms,
}

impl Activation {
    pub fn eval(&self, x: f64) -> f64 {
        match *self {
            Activation::Sigmoid => sigmoid(x),
            Activation::Tanh => x.tanh(),
            Activation::Exp => x.exp(),
            Activation::Softplus => softplus(x),
            Activation::Swish { beta } => swish(x, beta),
            Activation::Relu => relu(x),
            Activation::Abs => x.abs(),
        }
    }

    fn structure(&self) -> Option<Structure> {
        let (c0, c1, terms) = match self {
            Activation::Sigmoid => (0.5, 0.0, Terms::Odd),
            Activation::Tanh => (0.0, 0.0, Terms::Odd),
            Activation::Softplus | Activation::Swish { .. } | Activation::Relu => {
                (0.0, 0.5, Terms::Even)
            }
            Activation::Abs => (0.0, 0.0, Terms::Even),
            Activation::Exp => return None,
        };
        Some(Structure { c0, c1, terms })
    }

    /// `f - c0 - c1 x`, computed without cancellation.
    fn residual(&self, x: f64) -> f64 {
        match *self {
            Activation::Sigmoid => 0.5 * (0.5 * x).tanh(),
            Activation::Tanh => x.tanh(),
            Activation::Softplus => 0.5 * x.abs() + (-x.abs()).exp().ln_1p(),
            Activation::Swish { beta } => 0.5 * x * (0.5 * beta * x).tanh(),
            Activation::Relu => 0.5 * x.abs(),
            Activation::Abs => x.abs(),
            Activation::Exp => x.exp(),
        }
    }
}

fn fit_with<F: Fn(f64) -> f64>(
    f: F,
    interval: Interval,
    degree: usize,
    terms: Terms,
    method: Method,
) -> Result<Polynomial, ApproxError> {
    let p = match method {
        Method::Interpolation => interpolate(f, interval, degree)?,
        Method::LeastSquares => {
            least_squares(f, interval, &LeastSquaresOptions::new(degree).terms(terms))?
        }
        Method::Minimax => remez(f, interval, &RemezOptions::new(degree).terms(terms))?.polynomial,
    };
    // Interpolating a function of definite parity at the symmetric nodes gives that parity in
    // exact arithmetic; clear the rounding residue of the other parity.
    let mut coeffs = p.coeffs().to_vec();
    match terms {
        Terms::All => {}
        Terms::Odd => coeffs.iter_mut().step_by(2).for_each(|c| *c = 0.0),
        Terms::Even => coeffs.iter_mut().skip(1).step_by(2).for_each(|c| *c = 0.0),
    }
    Polynomial::chebyshev(coeffs, interval)
}

/// A degree-`degree` approximation of `activation` on `interval` (Chebyshev basis).
///
/// On intervals centered at 0 the parity decomposition of the module docs is used (odd-only or
/// even-only terms plus an exact constant / `x/2`); otherwise all terms are fitted.
pub fn fit_activation(
    activation: Activation,
    interval: Interval,
    degree: usize,
    method: Method,
) -> Result<Polynomial, ApproxError> {
    if let Some(s) = activation.structure() {
        let fits_linear = s.c1 == 0.0 || degree >= 1;
        if interval.center() == 0.0 && fits_linear && s.terms.indices(degree).is_ok() {
            let p = fit_with(
                |x| activation.residual(x),
                interval,
                degree,
                s.terms,
                method,
            )?;
            let mut coeffs = p.into_coeffs();
            coeffs[0] += s.c0;
            if s.c1 != 0.0 {
                // x = h·T_1(t) on a symmetric interval.
                coeffs[1] += s.c1 * interval.half_width();
            }
            return Polynomial::chebyshev(coeffs, interval);
        }
    }
    fit_with(|x| activation.eval(x), interval, degree, Terms::All, method)
}

/// Sigmoid on `[-bound, bound]`: `1/2 +` an odd polynomial.
pub fn sigmoid_approx(
    bound: f64,
    degree: usize,
    method: Method,
) -> Result<Polynomial, ApproxError> {
    fit_activation(
        Activation::Sigmoid,
        Interval::symmetric(bound)?,
        degree,
        method,
    )
}

/// Tanh on `[-bound, bound]` (odd).
pub fn tanh_approx(bound: f64, degree: usize, method: Method) -> Result<Polynomial, ApproxError> {
    fit_activation(
        Activation::Tanh,
        Interval::symmetric(bound)?,
        degree,
        method,
    )
}

/// `eˣ` on any interval (e.g. `[-B, 0]` for the shifted exponentials of a softmax).
pub fn exp_approx(
    interval: Interval,
    degree: usize,
    method: Method,
) -> Result<Polynomial, ApproxError> {
    fit_activation(Activation::Exp, interval, degree, method)
}

/// Softplus on `[-bound, bound]`: `x/2 +` an even polynomial.
pub fn softplus_approx(
    bound: f64,
    degree: usize,
    method: Method,
) -> Result<Polynomial, ApproxError> {
    fit_activation(
        Activation::Softplus,
        Interval::symmetric(bound)?,
        degree,
        method,
    )
}

/// Smooth ReLU stand-in `x·σ(βx)` on `[-bound, bound]`: `x/2 +` an even polynomial.
pub fn swish_approx(
    beta: f64,
    bound: f64,
    degree: usize,
    method: Method,
) -> Result<Polynomial, ApproxError> {
    fit_activation(
        Activation::Swish { beta },
        Interval::symmetric(bound)?,
        degree,
        method,
    )
}

/// ReLU on `[-bound, bound]` as `x/2 + |x|/2` with the even part fitted (minimax of `|x|` for
/// `Method::Minimax`, which makes this the minimax ReLU).
pub fn relu_approx(bound: f64, degree: usize, method: Method) -> Result<Polynomial, ApproxError> {
    fit_activation(
        Activation::Relu,
        Interval::symmetric(bound)?,
        degree,
        method,
    )
}
