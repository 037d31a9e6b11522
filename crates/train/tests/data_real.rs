//! Loaders on the real files: counts and label histograms must equal those published in
//! shared/data/README.md, and the redundant files must agree with each other.

mod common;

use blindfold_train::data::preprocess::{features_matrix, pixels_unit};
use blindfold_train::data::{MnistFile, RegnetFile, verify_file};

const TRAIN_COUNTS: [usize; 10] = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS: [usize; 10] = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

#[test]
fn mnist_train_and_test_match_published_counts() {
    let Some(dir) = common::data_dir() else {
        return;
    };
    let train = dir.mnist_train().expect("train set loads");
    assert_eq!((train.len(), train.rows(), train.cols()), (60_000, 28, 28));
    assert_eq!(train.label_counts(), TRAIN_COUNTS);
    let test = dir.mnist_test().expect("test set loads");
    assert_eq!((test.len(), test.rows(), test.cols()), (10_000, 28, 28));
    assert_eq!(test.label_counts(), TEST_COUNTS);
    // First training label of MNIST is a 5, first test label a 7 (README examples).
    assert_eq!(train.labels()[0], 5);
    assert_eq!(test.labels()[0], 7);
}

#[test]
fn mnist_files_have_the_published_sha256() {
    let Some(dir) = common::data_dir() else {
        return;
    };
    for f in MnistFile::ALL {
        let path = dir.mnist_path(f).expect("file present");
        verify_file(&path, &f.expected_gz()).expect("digest matches README");
    }
}

#[test]
fn regnet_csvs_have_published_shape_counts_and_labels() {
    let Some(dir) = common::data_dir() else {
        return;
    };
    let train = dir.mnist_train().expect("train set loads");
    let expected: [(RegnetFile, usize, [usize; 10]); 3] = [
        (
            RegnetFile::First128,
            128,
            [18, 20, 10, 13, 13, 6, 13, 13, 9, 13],
        ),
        (
            RegnetFile::First256,
            256,
            [30, 35, 25, 30, 24, 17, 24, 26, 19, 26],
        ),
        (
            RegnetFile::First512,
            512,
            [50, 69, 52, 52, 52, 41, 46, 54, 40, 56],
        ),
    ];
    let mut sets = Vec::new();
    for (file, rows, counts) in expected {
        let set = dir.regnet(file).expect("csv loads");
        assert_eq!((set.len(), set.dim()), (rows, 400), "{file:?}");
        assert_eq!(set.label_counts(), counts, "{file:?}");
        // Column 0 equals the MNIST training labels in order.
        assert_eq!(set.labels(), &train.labels()[..rows], "{file:?}");
        // Post-ReLU features: non-negative, max 12.53 / 13.69 per the README.
        let max = set.features().iter().fold(0.0f32, |m, &v| m.max(v));
        assert!(set.features().iter().all(|&v| v >= 0.0));
        assert!((12.5..13.7).contains(&max), "{file:?} max {max}");
        sets.push(set);
    }
    // first128 is a prefix of first256, which is a prefix of first512.
    assert_eq!(sets[1].slice(0..128), sets[0]);
    assert_eq!(sets[2].slice(0..256), sets[1]);
}

#[test]
fn mnist_test_csv_agrees_with_idx_files() {
    let Some(dir) = common::data_dir() else {
        return;
    };
    let csv = dir
        .regnet(RegnetFile::OriginalMnistTest)
        .expect("csv.gz loads");
    assert_eq!((csv.len(), csv.dim()), (10_000, 784));
    let idx = dir.mnist_test().expect("idx loads");
    assert_eq!(csv.labels(), idx.labels());
    let a = features_matrix(&csv);
    let b = pixels_unit(&idx);
    let worst = a
        .as_slice()
        .iter()
        .zip(b.as_slice())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    // README: within 6e-8 (float32 of pixel/255).
    assert!(worst < 6e-8, "largest difference {worst}");
}
