use core::fmt;

use crate::poly::{Basis, Terms};

/// Errors of this crate. Every variant carries the values that caused it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ApproxError {
    /// An interval needs finite ends with `a < b` (and a half width that is a normal float).
    InvalidInterval { a: f64, b: f64 },
    /// The requested degree exceeds [`crate::MAX_DEGREE`].
    DegreeTooLarge { degree: usize, max: usize },
    /// A polynomial needs at least one coefficient.
    EmptyCoefficients,
    /// A coefficient is NaN or infinite (given as input, or produced by a basis conversion that
    /// overflowed).
    NonFiniteCoefficient { index: usize, value: f64 },
    /// The function being approximated returned NaN or an infinity.
    NonFiniteValue { x: f64, value: f64 },
    /// The odd (or even) restriction leaves no basis function at this degree (odd terms at degree 0).
    EmptyBasis { degree: usize, terms: Terms },
    /// Too few points (nodes, samples, quadrature points) for what was asked.
    TooFewPoints { points: usize, needed: usize },
    /// Too many points requested (quadrature rules are capped at [`crate::MAX_POINTS`]).
    TooManyPoints { points: usize, max: usize },
    /// Two slices that must have the same length do not.
    LengthMismatch { expected: usize, found: usize },
    /// A sample point is not finite or lies outside the fitting interval.
    PointOutsideInterval { index: usize, x: f64 },
    /// A weight is negative, NaN or infinite.
    InvalidWeight { index: usize, weight: f64 },
    /// The weight of the L2 term of a Sobolev fit must be finite and positive.
    InvalidSobolevWeight { lambda: f64 },
    /// A tolerance must be finite and positive.
    InvalidTolerance { tolerance: f64 },
    /// The least-squares design matrix has (numerically) dependent columns: e.g. fewer distinct
    /// sample points than coefficients.
    RankDeficient { column: usize },
    /// The Remez reference system is singular (reference points collapsed).
    SingularSystem { size: usize },
    /// A parity-restricted minimax fit needs a target with that parity about the interval's center.
    TargetParity {
        terms: Terms,
        x: f64,
        value: f64,
        mirrored: f64,
    },
    /// The Remez exchange found fewer sign alternations than the degree needs.
    TooFewAlternations { found: usize, needed: usize },
    /// The Remez exchange did not level the error within the iteration budget.
    RemezNotConverged {
        iterations: usize,
        levelled_error: f64,
        max_error: f64,
    },
    /// Two polynomials live on different intervals.
    IntervalMismatch { left: (f64, f64), right: (f64, f64) },
    /// An operation that needs a given basis got the other one.
    BasisMismatch { expected: Basis, found: Basis },
}

impl fmt::Display for ApproxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidInterval { a, b } => {
                write!(
                    f,
                    "invalid interval [{a}, {b}]: need finite ends with a < b"
                )
            }
            Self::DegreeTooLarge { degree, max } => {
                write!(f, "degree {degree} exceeds the maximum {max}")
            }
            Self::EmptyCoefficients => write!(f, "a polynomial needs at least one coefficient"),
            Self::NonFiniteCoefficient { index, value } => {
                write!(f, "coefficient {index} is not finite ({value})")
            }
            Self::NonFiniteValue { x, value } => {
                write!(
                    f,
                    "the target function is not finite at x = {x} (value {value})"
                )
            }
            Self::EmptyBasis { degree, terms } => {
                write!(f, "no {terms:?} terms exist up to degree {degree}")
            }
            Self::TooFewPoints { points, needed } => {
                write!(f, "{points} points given, at least {needed} needed")
            }
            Self::TooManyPoints { points, max } => {
                write!(f, "{points} points requested, at most {max} supported")
            }
            Self::LengthMismatch { expected, found } => {
                write!(f, "length mismatch: expected {expected}, found {found}")
            }
            Self::PointOutsideInterval { index, x } => {
                write!(
                    f,
                    "sample {index} (x = {x}) is not a finite point of the interval"
                )
            }
            Self::InvalidWeight { index, weight } => {
                write!(
                    f,
                    "weight {index} is {weight}: weights must be finite and >= 0"
                )
            }
            Self::InvalidSobolevWeight { lambda } => {
                write!(f, "Sobolev weight lambda = {lambda} must be finite and > 0")
            }
            Self::InvalidTolerance { tolerance } => {
                write!(f, "tolerance {tolerance} must be finite and > 0")
            }
            Self::RankDeficient { column } => write!(
                f,
                "least-squares design matrix is rank deficient at column {column} (too few distinct points?)"
            ),
            Self::SingularSystem { size } => {
                write!(f, "the {size}x{size} Remez reference system is singular")
            }
            Self::TargetParity {
                terms,
                x,
                value,
                mirrored,
            } => write!(
                f,
                "a {terms:?}-only minimax fit needs a target of that parity: f({x}) = {value}, mirrored value {mirrored}"
            ),
            Self::TooFewAlternations { found, needed } => write!(
                f,
                "the error alternates in sign only {found} times, {needed} alternation points needed"
            ),
            Self::RemezNotConverged {
                iterations,
                levelled_error,
                max_error,
            } => write!(
                f,
                "Remez did not converge in {iterations} iterations (levelled error {levelled_error:e}, max error {max_error:e})"
            ),
            Self::IntervalMismatch { left, right } => write!(
                f,
                "intervals differ: [{}, {}] vs [{}, {}]",
                left.0, left.1, right.0, right.1
            ),
            Self::BasisMismatch { expected, found } => {
                write!(f, "expected a {expected:?} polynomial, found {found:?}")
            }
        }
    }
}

impl std::error::Error for ApproxError {}
