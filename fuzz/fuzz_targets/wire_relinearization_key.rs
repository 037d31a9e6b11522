#![no_main]
//! Wire format: decode_relinearization_key never panics; what it accepts is usable and re-encodes to itself.

use blindfold_rlwe::wire::*;
use libfuzzer_sys::fuzz_target;

#[path = "common/rlwe.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let e = common::env();
    let _ = &e.params;
    if let Ok(rk) = decode_relinearization_key(data, &e.params) {
        assert!(
            decode_relinearization_key(&encode_relinearization_key(&e.params, &rk), &e.params)
                .expect("re-decode")
                == rk
        );
        let keys = blindfold_rlwe::EvaluationKeys {
            relin: Some(rk),
            galois: Default::default(),
        };
        common::exercise_keys(e, &keys);
    }
});
