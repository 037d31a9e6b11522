#![no_main]
//! Wire format: decode_plaintext never panics; what it accepts is usable and re-encodes to itself.

use blindfold_rlwe::wire::*;
use libfuzzer_sys::fuzz_target;

#[path = "common/rlwe.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let e = common::env();
    let _ = &e.params;
    if let Ok(pt) = decode_plaintext(data, &e.params) {
        assert!(
            decode_plaintext(&encode_plaintext(&e.params, &pt), &e.params).expect("re-decode")
                == pt
        );
        let mut ct = e.ct.clone();
        let _ = ct.drop_to_level(pt.level());
        let _ = ct.parts[0].add(&pt.poly);
    }
});
