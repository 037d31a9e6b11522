//! Word-size modular arithmetic for RNS lattice cryptography.
//!
//! [`Modulus`] holds a modulus `q < 2^62` with its Barrett and Shoup constants and offers
//! fully reduced operations, lazy forms for NTT butterflies (results in `[0, 2q)` or
//! `[0, 4q)`), and slice-wise loops written so the compiler can vectorize them; the slice
//! products run on AVX2 + FMA (`f64` residues) for moduli below `2^52` when the CPU has them,
//! with the same words as the scalar loops.
//! [`primes`] finds NTT-friendly primes (`q ≡ 1 mod 2N`) and roots of unity.
//!
//! Timing: every operation on residues (add, sub, neg, mul, Barrett and Shoup reductions,
//! centered lift, signed lift) is branch-free in its data. `pow` branches on its exponent and
//! `inv` runs Euclid's algorithm: both are for public values only.
//!
//! References: Barrett (CRYPTO 1986) and HAC §14.42; Shoup's precomputed-quotient product
//! and Harvey's lazy butterflies ("Faster arithmetic for number-theoretic transforms", 2014).

#[cfg(target_arch = "x86_64")]
mod avx2;
mod error;
mod modulus;
pub mod primes;

pub use error::Error;
pub use modulus::Modulus;

/// Largest modulus bit size supported: moduli are strictly below `2^62` so that lazy values
/// in `[0, 4q)` fit in a `u64` and sign tricks on `2q` stay valid.
pub const MAX_MODULUS_BITS: u32 = 62;
