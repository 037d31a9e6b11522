//! Plaintext float64 references, no encryption: what the encrypted pipelines must match.
//!
//! * [`mlr`]: Chiang (2023) transfer-learning head, multiclass logistic regression with the
//!   quadratic gradient, Kim et al.'s NAG and the squared-likelihood-error objective.
//! * [`mlp`]: Nandakumar, Ratha, Pankanti and Halevi (2019) fully connected network, mini-batch
//!   SGD with a (polynomial) sigmoid, in floating or fixed point.

pub mod activation;
pub mod mlp;
pub mod mlr;

use core::fmt;

pub use activation::{Activation, Polynomial, sigmoid};

use crate::{Matrix, ShapeError};

/// Errors of the references.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ReferenceError {
    /// Inputs of incompatible shapes.
    Shape(ShapeError),
    /// A configuration value is unusable.
    InvalidParameter {
        name: &'static str,
        reason: &'static str,
    },
    /// Training produced a non-finite weight (the polynomial left its interval and blew up).
    Diverged { step: usize },
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Shape(e) => write!(f, "{e}"),
            Self::InvalidParameter { name, reason } => write!(f, "invalid {name}: {reason}"),
            Self::Diverged { step } => {
                write!(f, "training diverged at step {step} (non-finite weights)")
            }
        }
    }
}

impl std::error::Error for ReferenceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Shape(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ShapeError> for ReferenceError {
    fn from(e: ShapeError) -> Self {
        Self::Shape(e)
    }
}

/// Index of the largest entry (the first one on ties; comparisons with NaN are false).
pub fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

/// Fraction of rows of `scores` whose argmax equals the label.
pub fn accuracy(scores: &Matrix, labels: &[u8]) -> Result<f64, ShapeError> {
    if scores.rows() != labels.len() {
        return Err(ShapeError::DimensionMismatch {
            what: "labels for scored rows",
            expected: scores.rows(),
            found: labels.len(),
        });
    }
    if labels.is_empty() {
        return Err(ShapeError::Empty);
    }
    let correct = scores
        .row_iter()
        .zip(labels)
        .filter(|(row, l)| argmax(row) == usize::from(**l))
        .count();
    Ok(correct as f64 / labels.len() as f64)
}
