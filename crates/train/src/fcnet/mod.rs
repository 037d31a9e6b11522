//! Nandakumar, Ratha, Pankanti and Halevi (2019): mini-batch SGD of a fully connected network
//! with a polynomial sigmoid, the data and the weights encrypted, trained non-interactively by
//! the server. Written once against [`SlotAlgebra`](blindfold_rlwe::SlotAlgebra) and run on
//! CKKS (real slots), on BGV (fixed-point integers modulo `t`) and on their plaintext mirrors
//! [`Clear::real`](blindfold_rlwe::Clear::real) and
//! [`Clear::integer`](blindfold_rlwe::Clear::integer).
//!
//! The roles, as a deployment runs them:
//!
//! 1. Anyone: [`FcPlan::new`] from the [`FcShape`] and [`FcConfig`] chooses the slot layout
//!    ([`FcLayout`]) with the fewest rotations per step and gives the rotations (Galois
//!    keys), products, depth and levels of every step before any key exists; in fixed point
//!    [`FixedPlan`] also bounds every integer of every step against `t`.
//! 2. Data owner: [`owner_model`] (initial weights) and [`owner_batch`] (one mini-batch: the
//!    inputs and one-hot targets) give the slot vectors to encrypt.
//! 3. Server: [`train_step`] runs one SGD step on ciphertexts only ([`Model`], [`Batch`]);
//!    the weights stay encrypted.
//! 4. Owner: decrypts the model's ciphertexts and reads them with [`decode_model`].
//!
//! One step on a batch `X` (rows = samples): for each layer `Z_l = A_{l−1} W_lᵀ + b_l`,
//! `A_l = σ(Z_l)`; the output delta `δ_L = (A_L − Y) ⊙ σ'(Z_L)` (quadratic loss, as in the
//! paper) or `A_L − Y` (cross-entropy); back through the layers
//! `δ_{l−1} = (δ_l W_l) ⊙ σ'(Z_{l−1})`; then `W_l ← W_l − η δ_lᵀ A_{l−1}`,
//! `b_l ← b_l − η Σ_rows δ_l` with `η = lr / batch` — exactly
//! [`Mlp::train_step`](crate::reference::mlp::Mlp) with a polynomial activation. `σ` is a
//! polynomial ([`FcConfig::hidden`], [`FcConfig::output`]) and `σ'` its derivative, both
//! evaluated with their masks folded in ([`poly`]); `η` is folded into `σ'` (or, in fixed
//! point when it is a power of two, into the exponents), so it costs no level.
//!
//! How the matrices sit in the slots, and why: see [`layout`].

mod arith;
mod dryrun;
pub mod layout;
mod owner;
mod plain;
mod plan;
pub(crate) mod poly;
mod server;

use core::fmt;

pub use arith::FcScalar;
pub use dryrun::{DryCounts, DryRun};
pub use layout::{FcLayout, Field};
pub use owner::{BatchSlots, ModelSlots, decode_model, owner_batch, owner_model};
pub use plain::PlainNet;
pub use plan::{FcPlan, FixedPlan, RefreshSchedule, StepCost};
pub use server::{Batch, Model, train_clear, train_clear_refreshing, train_step};

use crate::reference::Polynomial;
use crate::reference::mlp::Loss;

/// The network and the batch: widths `d_0 .. d_L` (inputs first, e.g. `[196, 128, 32, 10]`
/// for 14×14 MNIST) and the rows of a mini-batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FcShape {
    pub layers: Vec<usize>,
    pub batch: usize,
}

/// Fixed-point encoding for BGV: bits after the binary point of each kind of value.
///
/// Nothing is ever rounded: a product's exponent is the sum of its factors', a sum lifts
/// the smaller exponent by an exact factor. Few bits keep the integers below `t` for more
/// steps at the price of resolution ([`FixedPlan`] counts the steps).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedPoint {
    /// Inputs (pixels) are `round(x · 2^input_bits)`.
    pub input_bits: u32,
    /// Initial weights and biases.
    pub weight_bits: u32,
    /// Polynomial coefficients (and a learning rate that is not a power of two).
    pub coeff_bits: u32,
    /// The plaintext modulus `t` the integers live modulo.
    pub plaintext_modulus: u64,
}

/// The number system a step runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arithmetic {
    /// Real slots (CKKS, `Clear::real`).
    Float,
    /// Fixed-point integers modulo `t` (BGV, `Clear::integer`).
    Fixed(FixedPoint),
}

/// How to train.
#[derive(Clone, Debug, PartialEq)]
pub struct FcConfig {
    /// Activation of the hidden layers (degree ≥ 1).
    pub hidden: Polynomial,
    /// Activation of the output layer (degree ≥ 1; `[0, 1]` is linear).
    pub output: Polynomial,
    pub loss: Loss,
    /// `lr`: the update is `(lr / batch) · Σ_rows gradient`.
    pub learning_rate: f64,
    pub arithmetic: Arithmetic,
}

impl FcConfig {
    /// The paper's setting with a degree-3 least-squares sigmoid on `[−r, r]`: the same
    /// activation on every layer, quadratic loss, real arithmetic.
    pub fn cubic(r: f64, learning_rate: f64) -> Result<Self, SetupError> {
        let p =
            Polynomial::fit_least_squares(crate::reference::sigmoid, 3, -r, r).map_err(|_| {
                SetupError::Config {
                    name: "sigmoid interval",
                    reason: "need a finite r > 0",
                }
            })?;
        Ok(Self {
            hidden: p.clone(),
            output: p,
            loss: Loss::Mse,
            learning_rate,
            arithmetic: Arithmetic::Float,
        })
    }

    /// The fixed-point settings, if any.
    pub fn fixed(&self) -> Option<FixedPoint> {
        match self.arithmetic {
            Arithmetic::Fixed(f) => Some(f),
            Arithmetic::Float => None,
        }
    }
}

/// A configuration, shape or input problem, found before any ciphertext is touched.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SetupError {
    /// A configuration value is unusable.
    Config {
        name: &'static str,
        reason: &'static str,
    },
    /// Inputs of the wrong shape (or bad labels).
    Shape(crate::ShapeError),
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config { name, reason } => write!(f, "invalid {name}: {reason}"),
            Self::Shape(e) => write!(f, "training data: {e}"),
        }
    }
}

impl std::error::Error for SetupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Shape(e) => Some(e),
            Self::Config { .. } => None,
        }
    }
}

impl From<crate::ShapeError> for SetupError {
    fn from(e: crate::ShapeError) -> Self {
        Self::Shape(e)
    }
}

/// An error of a training step: a setup problem, too few levels, a fixed-point constant too
/// large for any plaintext modulus, or the backend's own.
#[derive(Debug)]
#[non_exhaustive]
pub enum FcError<E> {
    Setup(SetupError),
    /// The step needs `needed` levels, the model and batch have `available`.
    OutOfLevels {
        needed: usize,
        available: usize,
    },
    /// A fixed-point constant at exponent `exp` reaches `2^62`.
    ConstantOverflow {
        exp: u32,
    },
    /// Ciphertexts that do not match the plan, or inconsistent exponents.
    State {
        reason: &'static str,
    },
    Backend(E),
}

impl<E: fmt::Display> fmt::Display for FcError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Setup(e) => e.fmt(f),
            Self::OutOfLevels { needed, available } => write!(
                f,
                "the step needs {needed} levels, the ciphertexts have {available}"
            ),
            Self::ConstantOverflow { exp } => write!(
                f,
                "a fixed-point constant at exponent {exp} does not fit in 62 bits"
            ),
            Self::State { reason } => write!(f, "training state: {reason}"),
            Self::Backend(e) => write!(f, "backend: {e}"),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for FcError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Setup(e) => Some(e),
            Self::Backend(e) => Some(e),
            _ => None,
        }
    }
}

impl<E> From<SetupError> for FcError<E> {
    fn from(e: SetupError) -> Self {
        Self::Setup(e)
    }
}
