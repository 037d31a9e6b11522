#![no_main]
//! IDX decoding (raw or gzip): never panics; what it accepts is consistent and re-encodes to an
//! equal raw file.

use blindfold_train::data::idx::{
    decode_idx_images, decode_idx_labels, encode_idx_images, encode_idx_labels,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(img) = decode_idx_images(data) {
        assert_eq!(img.pixels.len(), img.count * img.rows * img.cols);
        let raw = encode_idx_images(
            img.count as u32,
            img.rows as u32,
            img.cols as u32,
            &img.pixels,
        );
        assert_eq!(decode_idx_images(&raw).expect("re-decode"), img);
    }
    if let Ok(labels) = decode_idx_labels(data) {
        assert!(labels.iter().all(|&l| l <= 9));
        assert_eq!(
            decode_idx_labels(&encode_idx_labels(&labels)).expect("re-decode"),
            labels
        );
    }
});
