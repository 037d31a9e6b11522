//! RNS polynomials of `Z[X]/(X^N + 1)` over a modulus chain.
//!
//! [`RingContext`] holds the primes `Q = q_0…q_L` and special primes `P`, their NTT plans and
//! every conversion constant. [`Poly<R>`] carries its representation in its type
//! ([`Coeff`] or [`Ntt`]; products exist only in NTT form) and its limb set (level, and
//! whether the `P` limbs are present). [`convert`] changes bases (rescale, mod-up, mod-down),
//! [`sample`] draws uniform, ternary and Gaussian polynomials.
//!
//! Operations run in parallel over limbs with rayon; to run single-threaded, call them inside
//! `rayon::ThreadPoolBuilder::new().num_threads(1).build()?.install(..)` or set
//! `RAYON_NUM_THREADS=1`.

mod automorphism;
#[cfg(target_arch = "x86_64")]
mod avx2;
mod context;
pub mod convert;
mod error;
mod poly;
pub mod sample;
mod scratch;
mod switch;

pub use automorphism::{Automorphism, conjugation_element, rotation_element};
pub use context::{MAX_LOG_N, MIN_LOG_N, RingContext};
pub use convert::BaseConverter;
pub use error::Error;
pub use poly::{Coeff, Ntt, Poly, Representation};
pub use switch::{SwitchKey, SwitchedPair};
