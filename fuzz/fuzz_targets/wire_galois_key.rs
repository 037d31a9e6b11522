#![no_main]
//! Wire format: decode_galois_key never panics; what it accepts is usable and re-encodes to itself.

use blindfold_rlwe::wire::*;
use libfuzzer_sys::fuzz_target;

#[path = "common/rlwe.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let e = common::env();
    let _ = &e.params;
    if let Ok(gk) = decode_galois_key(data, &e.params) {
        assert!(
            decode_galois_key(&encode_galois_key(&e.params, &gk), &e.params).expect("re-decode")
                == gk
        );
        let mut keys = blindfold_rlwe::EvaluationKeys::default();
        keys.galois.insert(gk.element(), gk);
        common::exercise_keys(e, &keys);
    }
});
