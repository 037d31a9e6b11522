//! BGV: exact batched integer arithmetic modulo `t` with modulus switching.
//!
//! - [`BgvParameters`]: RLWE parameters plus the plaintext modulus `t` (checked: at least 2,
//!   below `q_0`, coprime to every prime; slots when `t` is a prime `≡ 1 mod 2N`), and
//!   128-bit [`presets`] for `N = 2^13 … 2^15`.
//! - [`Encoder`]: slots through an NTT modulo `t` laid out as a `2 × N/2` hypercube (row
//!   rotations are `X ↦ X^{5^k}`, the row swap is `X ↦ X^{-1}`), or plain coefficients;
//!   signed and unsigned values.
//! - [`Encryptor`] (secret or public key, noise `t·e`) and [`Decryptor`], which measures
//!   the noise of every ciphertext it opens and refuses one whose budget is 0.
//! - [`Evaluator`]: add/sub/neg (ciphertext, plaintext, scalar), products with
//!   relinearization, modulus switching with the correction factor tracked in
//!   [`Meta::correction`](blindfold_rlwe::Meta), rotations (hoisted), automatic matching
//!   of levels and correction factors. It implements [`blindfold_rlwe::SlotAlgebra`] on
//!   `N/2` replicated slots, so packing and training code runs on BGV unchanged.
//!
//! Ciphertexts are [`blindfold_rlwe::Ciphertext`]s kept in the `t^{-1}` representation
//! (`t·(c_0 + c_1 s) = c·m + t·e mod Q_l`, see [`Encryptor`]): key switching, rotations and
//! the rounding rescale of the RLWE layer then act as their BGV counterparts, so the keys
//! are the RLWE layer's own ([`blindfold_rlwe::KeyGenerator`]).

mod crypt;
mod encoding;
mod error;
mod eval;
mod params;
mod slots;

pub use crypt::{Decryptor, Encryptor, Noise};
pub use encoding::Encoder;
pub use error::Error;
pub use eval::Evaluator;
pub use params::{BgvParameters, BgvParametersLiteral, presets};

/// Galois elements for row rotations by `ks` (zero shifts dropped, sorted, deduplicated);
/// add [`blindfold_rns::conjugation_element`] for `rotate_columns`.
pub fn rotation_elements(params: &BgvParameters, ks: &[i64]) -> Vec<u64> {
    let half = (params.n() / 2) as i64;
    let mut out: Vec<u64> = ks
        .iter()
        .map(|&k| k.rem_euclid(half))
        .filter(|&k| k != 0)
        .map(|k| blindfold_rns::rotation_element(params.log_n(), k))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}
