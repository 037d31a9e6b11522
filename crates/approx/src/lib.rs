//! Polynomial approximation of activation functions, in `f64`, for homomorphic evaluation.
//!
//! Encrypted training replaces sigmoid, tanh, exp, softplus, ReLU … by polynomials. This crate
//! builds and measures them, and [`eval`] evaluates them on any real
//! [`SlotAlgebra`](blindfold_rlwe::SlotAlgebra) (CKKS or its plaintext mirror).
//!
//! - [`Polynomial`]: monomial or Chebyshev basis with its [`Interval`]; Horner / Clenshaw
//!   evaluation; basis conversion in double-double arithmetic; derivative; parity.
//! - Fits (all `Result<_, ApproxError>`): [`interpolate`] at Chebyshev nodes; [`least_squares`]
//!   (continuous, uniform / Chebyshev / custom weight by Gauss quadrature),
//!   [`least_squares_discrete`] (weighted points), [`sobolev_least_squares`] (value + derivative);
//!   [`remez`] minimax. Least squares and Remez accept odd-only or even-only [`Terms`]. Linear
//!   algebra is Householder QR (never normal equations) and pivoted LU in the Chebyshev basis.
//! - [`targets`]: the activations and ready-made fits; [`chiang`]: the published sigmoid cubics
//!   (Chiang 2023, Kim et al. 2018) and the procedure that reproduces them.
//! - [`PolyEvaluator`] ([`eval`]): Chebyshev (or monomial) baby-step/giant-step evaluation in
//!   depth `⌈log2(d+1)⌉`, skipping the powers of the absent parity, with a dry-run
//!   [`EvalPlan`] (depth, products) made before any ciphertext is touched.
//! - [`ApproxReport`] / [`approximation_table`]: errors on a dense grid.

mod cheb;
pub mod chiang;
mod dd;
mod error;
pub mod eval;
mod linalg;
mod lsq;
mod poly;
pub mod quadrature;
mod remez;
mod report;
pub mod targets;

pub use cheb::{chebyshev_nodes, interpolate};
pub use error::ApproxError;
pub use eval::{EvalError, EvalOptions, EvalPlan, InputMap, Parity, PlanError, PolyEvaluator};
pub use lsq::{
    LeastSquaresOptions, SobolevOptions, Weight, least_squares, least_squares_discrete,
    sobolev_least_squares, weighted_l2_error_squared,
};
pub use poly::{Basis, DEFAULT_PARITY_TOLERANCE, Interval, Polynomial, Terms};
pub use remez::{MinimaxFit, RemezOptions, remez};
pub use report::{ApproxReport, REPORT_SAMPLES, TABLE_DEGREES, approximation_table, table_targets};

/// Largest supported degree.
pub const MAX_DEGREE: usize = 1023;

/// Largest number of nodes / samples / grid points (Gauss–Legendre nodes cost O(n²)).
pub const MAX_POINTS: usize = 1 << 16;
