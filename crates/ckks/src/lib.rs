//! CKKS: approximate arithmetic on encrypted real and complex vectors.
//!
//! - [`CkksParameters`]: RLWE parameters plus the scale ladder (`Δ_{l-1} = Δ_l² / q_l`), and
//!   [`presets`].
//! - [`Encoder`]: the canonical embedding by the special FFT, full or sparse slots.
//! - [`Evaluator`]: add/sub/neg (ct, plaintext, constant), products with relinearization,
//!   rescale, rotations (hoisted), conjugation, rotate-and-sum; levels and scales matched
//!   automatically where that is unambiguous, typed errors otherwise. It implements
//!   [`blindfold_rlwe::SlotAlgebra`], so packing and training code runs on it unchanged.
//! - [`decrypt`] for the key owner and [`decrypt_for_release`] (noise flooding) for results
//!   that leave the owner.
//! - [`bootstrap`]: bootstrapping (full and sparse slots), planned before key generation
//!   ([`BootstrapPlan::galois_elements`]), run by `SlotAlgebra::refresh` once
//!   [`Evaluator::with_bootstrapper`] is set; [`presets::n16_bootstrap`] is the 128-bit
//!   N = 2^16 chain for it (9 levels of 2^40 between refreshes).

pub mod bootstrap;
mod complex;
mod encoding;
mod error;
mod eval;
mod params;
mod release;
mod slots;

pub use bootstrap::{BootstrapConfig, BootstrapPlan, Bootstrapper};
pub use complex::C64;
pub use encoding::Encoder;
pub use error::Error;
pub use eval::Evaluator;
pub use params::{CkksParameters, presets};
pub use release::{
    FloodingPolicy, PrecisionStats, decrypt, decrypt_for_release, noise_log2_from_slots,
    precision_stats,
};
pub use slots::SlotPlaintext;

/// Galois elements for rotations by `ks` over `slots` slots (conjugation not included).
pub fn rotation_elements(params: &CkksParameters, slots: usize, ks: &[i64]) -> Vec<u64> {
    let mut out: Vec<u64> = ks
        .iter()
        .map(|&k| k.rem_euclid(slots as i64))
        .filter(|&k| k != 0)
        .map(|k| blindfold_rns::rotation_element(params.log_n(), k))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}
