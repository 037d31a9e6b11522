//! Training data and plaintext references for Blindfold's encrypted training pipelines.
//!
//! * [`data`]: MNIST IDX files (raw or gzip), Chiang's RegNetX-400MF feature CSVs and MNIST
//!   test CSV, strict validation with errors naming the file and the problem, locating the
//!   data directory (`BLINDFOLD_DATA`), an opt-in verified download of MNIST (feature
//!   `download`), and the shared preprocessing (scaling, 2x2 downsampling, bias column,
//!   power-of-two padding, one-hot labels).
//! * [`reference`]: float64 references without encryption: Chiang's multiclass logistic
//!   regression head trained with the quadratic gradient and Kim et al.'s NAG (exact or
//!   polynomial sigmoid), and Nandakumar et al.'s fully connected network trained by
//!   mini-batch SGD with a polynomial sigmoid, in floating or fixed point.
//! * [`fcnet`]: Nandakumar et al.'s fully connected network trained by mini-batch SGD on
//!   encrypted data, generic over a slot algebra (CKKS, BGV fixed point, their mirrors).
//! * [`transfer`]: Chiang's head trained on encrypted data, generic over a slot algebra (the
//!   Volley Revolver layouts of `blindfold-pack`), so that its plaintext mirror (the same code
//!   on `Clear`) can be compared with the references here.
//!
//! Tests that need the real data read `$BLINDFOLD_DATA`, else `shared/data` beside the
//! checkout; without either they fail with instructions unless `BLINDFOLD_SKIP_DATA_TESTS=1`.
//! `examples/reference_report.rs` prints the reference accuracies and timings.

pub mod data;
pub mod fcnet;
pub mod files;
mod matrix;
pub mod reference;
pub mod roles;
pub mod transfer;

pub use matrix::{Matrix, ShapeError};
