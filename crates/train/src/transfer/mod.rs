//! Chiang's (2023) transfer-learning head trained on encrypted data, written once against
//! [`SlotAlgebra`](blindfold_rlwe::SlotAlgebra) with `f64` slots: CKKS for the real run,
//! [`Clear::real`](blindfold_rlwe::Clear::real) for its plaintext mirror.
//!
//! The roles, as a deployment runs them:
//!
//! 1. Anyone: [`TransferPlan::new`] from the shapes and the [`TransferConfig`] gives the
//!    rotations (Galois keys), the depth of every iteration and the levels a run needs, before
//!    any key exists.
//! 2. Data owner: [`owner_prepare`] turns the training rows (`[1, features, 0-pad]`) and labels
//!    into slot vectors to encrypt: `X` in the Volley data layout, the one-hot `Y` in the score
//!    layout, `B̄⁻¹` (the quadratic-gradient diagonal, computed from the owner's data, so it is
//!    sent encrypted) and the initial weights when they are not zero.
//! 3. Server: [`ServerData::new`] cycles `X` once; [`train_step`] runs one iteration of Kim's
//!    NAG with the quadratic gradient on ciphertexts only; the weights stay encrypted.
//! 4. Owner: decrypts [`TrainState::weights`] (the caller's job) and reads them with
//!    [`decode_weights`].
//!
//! One iteration: scores `X·Vᵀ` ([`blindfold_pack::volley::product`]), the sigmoid polynomial
//! with the score layout's mask folded into its coefficients, `E = Y − σ(XVᵀ)`, the gradient
//! `Eᵀ·X` ([`blindfold_pack::volley::transposed_product`]), and the update
//! `W' = V + α B̄⁻¹ ⊙ G`, `V' = (1 − η) W' + η W` with `α = 1 + 1/((t + 1) n)` — the same math
//! as [`crate::reference::mlr`] with [`NagVariant::Kim`](crate::reference::mlr::NagVariant).
//! From public zero weights (Chiang's start) the first iteration skips the scores:
//! `σ(0) = c₀`.

mod owner;
mod plan;
mod poly;
mod server;

use core::fmt;

pub use owner::{OwnerData, decode_weights, owner_prepare};
pub use plan::{TransferConfig, TransferPlan, TransferShape};
pub use server::{ServerData, TrainState, train_clear, train_clear_refreshing, train_step};

pub use blindfold_pack::volley::RotationStyle;

/// A configuration, shape or input problem, found before any ciphertext is touched.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SetupError {
    /// A configuration value is unusable.
    Config {
        name: &'static str,
        reason: &'static str,
    },
    /// Training data of the wrong shape (or bad labels).
    Shape(crate::ShapeError),
    /// The slot layout cannot hold the shapes (or slot vectors of the wrong size).
    Layout(blindfold_pack::ShapeError),
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config { name, reason } => write!(f, "invalid {name}: {reason}"),
            Self::Shape(e) => write!(f, "training data: {e}"),
            Self::Layout(e) => write!(f, "slot layout: {e}"),
        }
    }
}

impl std::error::Error for SetupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Shape(e) => Some(e),
            Self::Layout(e) => Some(e),
            Self::Config { .. } => None,
        }
    }
}

impl From<crate::ShapeError> for SetupError {
    fn from(e: crate::ShapeError) -> Self {
        Self::Shape(e)
    }
}

impl From<blindfold_pack::ShapeError> for SetupError {
    fn from(e: blindfold_pack::ShapeError) -> Self {
        Self::Layout(e)
    }
}

/// An error of a training step: a setup problem, too few levels left, or the backend's own.
#[derive(Debug)]
#[non_exhaustive]
pub enum TransferError<E> {
    Setup(SetupError),
    /// The weights are at `available` levels, the iteration needs `needed`.
    OutOfLevels {
        needed: usize,
        available: usize,
    },
    /// Ciphertexts that do not match the plan (count), or a state used out of order.
    State {
        reason: &'static str,
    },
    Backend(E),
}

impl<E: fmt::Display> fmt::Display for TransferError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Setup(e) => e.fmt(f),
            Self::OutOfLevels { needed, available } => write!(
                f,
                "the iteration needs {needed} levels, the weights have {available} left"
            ),
            Self::State { reason } => write!(f, "training state: {reason}"),
            Self::Backend(e) => write!(f, "backend: {e}"),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for TransferError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Setup(e) => Some(e),
            Self::Backend(e) => Some(e),
            _ => None,
        }
    }
}

impl<E> From<SetupError> for TransferError<E> {
    fn from(e: SetupError) -> Self {
        Self::Setup(e)
    }
}

impl<E> From<blindfold_pack::PackError<E>> for TransferError<E> {
    fn from(e: blindfold_pack::PackError<E>) -> Self {
        match e {
            blindfold_pack::PackError::Shape(s) => Self::Setup(SetupError::Layout(s)),
            blindfold_pack::PackError::Backend(b) => Self::Backend(b),
        }
    }
}
