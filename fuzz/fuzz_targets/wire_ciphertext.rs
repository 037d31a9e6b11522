#![no_main]
//! Wire format: decode_ciphertext never panics; what it accepts is usable and re-encodes to itself.

use blindfold_rlwe::wire::*;
use libfuzzer_sys::fuzz_target;

#[path = "common/rlwe.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let e = common::env();
    let _ = &e.params;
    if let Ok(ct) = decode_ciphertext(data, &e.params) {
        assert!(
            decode_ciphertext(&encode_ciphertext(&e.params, &ct), &e.params).expect("re-decode")
                == ct
        );
        common::exercise_ciphertext(e, &ct);
    }
});
