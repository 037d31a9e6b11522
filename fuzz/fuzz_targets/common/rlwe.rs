//! Shared set-up for the RLWE wire-format targets: tiny insecure parameters (N = 2^4) for
#![allow(dead_code)] // each target uses part of the shared set-up
//! throughput, fixed keys, and a fixed ciphertext to exercise decoded objects with.
//!
//! Invariants every target holds (tfhe-rs's): decoding never panics, and a decoded object
//! used in operations yields results or typed errors, never a panic; re-encoding a decoded
//! object gives back an object that decodes to the same value.

use std::sync::{Arc, OnceLock};

use blindfold_rlwe::*;
use blindfold_rns::{rotation_element, sample};

pub struct Env {
    pub params: Arc<Parameters>,
    pub sk: SecretKey,
    pub keys: EvaluationKeys,
    pub ct: Ciphertext,
}

pub fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let params = Parameters::insecure_for_tests(presets::insecure_tiny())
            .expect("fixed fuzz parameters");
        let mut rng = sample::seeded_rng([7; 32]);
        let sk = SecretKey::generate(&params, &mut rng).expect("key");
        let kg = KeyGenerator::new(&sk);
        let keys = kg
            .evaluation_keys(true, &[rotation_element(4, 1)], &mut rng)
            .expect("keys");
        let ct = Encryptor::with_secret_key(&sk, 1)
            .encrypt_zero(2, &mut rng)
            .expect("ct");
        Env {
            params,
            sk,
            keys,
            ct,
        }
    })
}

/// Uses a ciphertext in every operation that takes one; errors are fine, panics are not.
pub fn exercise_ciphertext(e: &Env, ct: &Ciphertext) {
    let _ = Decryptor::new(&e.sk).decrypt(ct);
    if let Ok(rk) = e.keys.relin() {
        let _ = cipher::relinearize(&e.params, ct, rk);
    }
    for gk in e.keys.galois.values() {
        let _ = cipher::apply_galois(&e.params, ct, gk);
    }
    let mut low = ct.clone();
    let _ = low.drop_to_level(0);
    let _ = e.ct.parts[0].add(&ct.parts[0]);
}

/// Uses evaluation keys on the fixed ciphertext.
pub fn exercise_keys(e: &Env, keys: &EvaluationKeys) {
    if let Ok(rk) = keys.relin() {
        let mut ct3 = e.ct.clone();
        ct3.parts.push(e.ct.parts[1].clone());
        let _ = cipher::relinearize(&e.params, &ct3, rk);
    }
    for gk in keys.galois.values() {
        let _ = cipher::apply_galois(&e.params, &e.ct, gk);
    }
}
