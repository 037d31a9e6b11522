#![no_main]
//! Wire format: decode_evaluation_keys never panics; what it accepts is usable and re-encodes to itself.

use blindfold_rlwe::wire::*;
use libfuzzer_sys::fuzz_target;

#[path = "common/rlwe.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let e = common::env();
    let _ = &e.params;
    if let Ok(keys) = decode_evaluation_keys(data, &e.params) {
        let again = decode_evaluation_keys(&encode_evaluation_keys(&e.params, &keys), &e.params)
            .expect("re-decode");
        assert!(again.relin == keys.relin && again.galois == keys.galois);
        common::exercise_keys(e, &keys);
    }
});
