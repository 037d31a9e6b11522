#![no_main]
//! Wire format: decode_parameters never panics; what it accepts is usable and re-encodes to itself.

use blindfold_rlwe::wire::*;
use libfuzzer_sys::fuzz_target;

#[path = "common/rlwe.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let e = common::env();
    let _ = &e.params;
    if let Ok(p) = decode_parameters(data, true) {
        let again = decode_parameters(&encode_parameters(&p), true).expect("re-decode");
        assert!(*again == *p);
    }
});
