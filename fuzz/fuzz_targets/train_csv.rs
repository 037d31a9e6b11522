#![no_main]
//! Labelled CSV parsing: never panics; what it accepts has digit labels, finite features and
//! consistent lengths. The first byte picks the column count (1..=8).

use blindfold_train::data::parse_labelled_csv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let columns = usize::from(first % 8) + 1;
    match parse_labelled_csv(rest, columns) {
        Ok(set) => {
            assert!(!set.is_empty());
            assert_eq!(set.dim(), columns - 1);
            assert_eq!(set.features().len(), set.len() * set.dim());
            assert!(set.labels().iter().all(|&l| l <= 9));
            assert!(set.features().iter().all(|v| v.is_finite()));
        }
        Err(e) => assert!(e.line >= 1 && e.field <= columns),
    }
});
