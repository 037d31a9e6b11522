#![no_main]
//! Wire format: decode_secret_key never panics; what it accepts is usable and re-encodes to itself.

use blindfold_rlwe::wire::*;
use libfuzzer_sys::fuzz_target;

#[path = "common/rlwe.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let e = common::env();
    let _ = &e.params;
    if let Ok(sk) = decode_secret_key(data, &e.params) {
        let _ = blindfold_rlwe::Decryptor::new(&sk).decrypt(&e.ct);
        assert!(*encode_secret_key(&sk) == *data);
    }
});
