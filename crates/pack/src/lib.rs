//! Packed linear algebra written once against [`SlotAlgebra`](blindfold_rlwe::SlotAlgebra):
//! checked on the plaintext `Clear` backend, run unchanged on CKKS and BGV.
//!
//! Every transform is a plan first ([`plan::Plan`]): the rotations (hence Galois keys) it
//! needs, its depth and its operation counts are known before any key exists.
//!
//! - [`layout`]: matrices in power-of-two blocks, replication, masks, log-depth
//!   rotate-and-sum inside and across blocks.
//! - [`lintrans`]: Halevi–Shoup diagonal transforms with baby-step/giant-step.
//! - [`volley`]: the Volley Revolver products A·Bᵀ and Eᵀ·X.
//! - [`count`]: a counting backend wrapper, to check plans against what ran.

pub mod count;
mod error;
pub mod layout;
pub mod lintrans;
mod matrix;
pub mod plan;
pub mod volley;

pub use count::{Counting, Counts};
pub use error::{PackError, ShapeError};
pub use layout::{BlockLayout, Direction, RotateSum};
pub use lintrans::{Bsgs, Diagonals, EncodedTransform, InputLayout, LinTransPlan, LinearTransform};
pub use matrix::Matrix;
pub use plan::{Cost, Plan, Sequence};
