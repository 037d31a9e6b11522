#![no_main]
//! Role files: the container decoder and the released-weights reader never panic; what the
//! decoder accepts survives a re-encoding unchanged. The first byte picks the expected kind.

use blindfold_train::files::{Container, FileKind};
use blindfold_train::roles::weights_from_container;
use libfuzzer_sys::fuzz_target;

const KINDS: [FileKind; 7] = [
    FileKind::Parameters,
    FileKind::SecretKey,
    FileKind::PublicKey,
    FileKind::EvaluationKeys,
    FileKind::Dataset,
    FileKind::Model,
    FileKind::Weights,
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let kind = KINDS[usize::from(first) % KINDS.len()];
    if let Ok(c) = Container::decode(rest, kind) {
        let again = Container::decode(&c.encode(), kind).expect("an encoded container decodes");
        assert_eq!(again, c, "decode(encode(c)) == c");
        if kind == FileKind::Weights
            && let Ok((_, _, models)) = weights_from_container(&c)
        {
            assert!(
                models
                    .iter()
                    .all(|m| m.as_slice().iter().all(|v| v.is_finite()))
            );
        }
    }
});
