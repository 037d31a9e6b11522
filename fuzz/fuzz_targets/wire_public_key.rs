#![no_main]
//! Wire format: decode_public_key never panics; what it accepts is usable and re-encodes to itself.

use blindfold_rlwe::wire::*;
use libfuzzer_sys::fuzz_target;

#[path = "common/rlwe.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let e = common::env();
    let _ = &e.params;
    if let Ok(pk) = decode_public_key(data, &e.params) {
        assert!(
            decode_public_key(&encode_public_key(&e.params, &pk), &e.params).expect("re-decode")
                == pk
        );
        let enc = blindfold_rlwe::Encryptor::with_public_key(&e.params, &pk, 1);
        let mut rng = blindfold_rns::sample::seeded_rng([1; 32]);
        let _ = enc.encrypt_zero(1, &mut rng);
    }
});
