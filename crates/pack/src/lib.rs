//! Packed linear algebra written once against [`SlotAlgebra`](blindfold_rlwe::SlotAlgebra):
//! checked on the plaintext `Clear` backend, run unchanged on CKKS and BGV.
//!
//! Every transform is a plan first ([`plan::Plan`]): the rotations (hence Galois keys) it
//! needs, its depth and its operation counts are known before any key exists.

pub mod plan;
pub mod volley;

pub use plan::{Cost, Plan};
