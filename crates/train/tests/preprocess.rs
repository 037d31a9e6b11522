//! Preprocessing against hand-computed cases.

use blindfold_train::data::Dataset;
use blindfold_train::data::preprocess::{
    ColumnScaler, add_bias_column, downsample_2x2, one_hot, pad_columns, pad_to_power_of_two,
    pixels_unit,
};
use blindfold_train::{Matrix, ShapeError};

#[test]
fn downsample_averages_2x2_blocks() {
    // One 4x4 image:
    //  1  2  3  4
    //  5  6  7  8
    //  9 10 11 12
    // 13 14 15 16
    let img: Vec<f64> = (1..=16).map(f64::from).collect();
    let m = Matrix::from_vec(1, 16, img).expect("shape");
    let d = downsample_2x2(&m, 4, 4).expect("even sides");
    // (1+2+5+6)/4 = 3.5, (3+4+7+8)/4 = 5.5, (9+10+13+14)/4 = 11.5, (11+12+15+16)/4 = 13.5
    assert_eq!(d.as_slice(), &[3.5, 5.5, 11.5, 13.5]);
    // Non-square: a 2x6 image becomes 1x3, and each row is handled on its own.
    let m = Matrix::from_vec(2, 12, (0..24).map(f64::from).collect()).expect("shape");
    let d = downsample_2x2(&m, 2, 6).expect("even sides");
    // Row 0: blocks {0,1,6,7}, {2,3,8,9}, {4,5,10,11}; row 1 is row 0 + 12.
    assert_eq!(d.as_slice(), &[3.5, 5.5, 7.5, 15.5, 17.5, 19.5]);
    assert_eq!(
        downsample_2x2(&m, 3, 4).unwrap_err(),
        ShapeError::BadImageShape {
            height: 3,
            width: 4,
            cols: 12
        }
    );
    assert!(downsample_2x2(&m, 4, 4).is_err());
}

#[test]
fn mnist_28_to_14_keeps_the_mean() {
    // A 28x28 image whose pixels are their index mod 256; 2x2 averaging keeps the mean.
    let pixels: Vec<u8> = (0..784u32).map(|i| (i % 256) as u8).collect();
    let ds = Dataset::new(pixels.clone(), vec![3], 28, 28).expect("shape");
    let unit = pixels_unit(&ds);
    assert_eq!(unit.get(0, 300), 44.0 / 255.0);
    let small = downsample_2x2(&unit, 28, 28).expect("28 is even");
    assert_eq!((small.rows(), small.cols()), (1, 196));
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
    assert!((mean(small.as_slice()) - mean(unit.as_slice())).abs() < 1e-12);
    // Pixel (r, c) of the small image averages (2r, 2c), (2r, 2c+1), (2r+1, 2c), (2r+1, 2c+1).
    let big = |r: usize, c: usize| f64::from(pixels[r * 28 + c]) / 255.0;
    let (r, c) = (5, 9);
    let want = (big(2 * r, 2 * c)
        + big(2 * r, 2 * c + 1)
        + big(2 * r + 1, 2 * c)
        + big(2 * r + 1, 2 * c + 1))
        / 4.0;
    assert!((small.get(0, r * 14 + c) - want).abs() < 1e-15);
}

#[test]
fn bias_and_padding() {
    let m = Matrix::from_vec(2, 3, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).expect("shape");
    let b = add_bias_column(&m);
    assert_eq!(b.as_slice(), &[1.0, 1.0, 2.0, 3.0, 1.0, 4.0, 5.0, 6.0]);
    let p = pad_to_power_of_two(&b);
    assert_eq!(p.cols(), 4);
    assert_eq!(p, b);
    let p = pad_columns(&m, 5).expect("wider");
    assert_eq!(
        p.as_slice(),
        &[1.0, 2.0, 3.0, 0.0, 0.0, 4.0, 5.0, 6.0, 0.0, 0.0]
    );
    assert_eq!(
        pad_columns(&m, 2).unwrap_err(),
        ShapeError::PadTooSmall { cols: 3, width: 2 }
    );
    // Chiang's layout: 400 features + bias = 401 -> 512; 14x14 + bias = 197 -> 256.
    assert_eq!(
        pad_to_power_of_two(&add_bias_column(&Matrix::zeros(1, 400))).cols(),
        512
    );
    assert_eq!(
        pad_to_power_of_two(&add_bias_column(&Matrix::zeros(1, 196))).cols(),
        256
    );
}

#[test]
fn one_hot_rows() {
    let y = one_hot(&[2, 0, 1], 3).expect("in range");
    assert_eq!(y.as_slice(), &[0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    assert_eq!(
        one_hot(&[1, 3], 3).unwrap_err(),
        ShapeError::LabelOutOfRange {
            index: 1,
            label: 3,
            classes: 3
        }
    );
}

#[test]
fn scalers_fit_on_training_data_only() {
    let train = Matrix::from_vec(3, 2, vec![1.0, 5.0, 2.0, 5.0, 3.0, 5.0]).expect("shape");
    let s = ColumnScaler::standardize(&train).expect("non-empty");
    let mut t = train.clone();
    s.apply(&mut t).expect("same width");
    // Column 0: mean 2, population sd sqrt(2/3); column 1 constant -> centred only.
    let sd = (2.0f64 / 3.0).sqrt();
    let want = [-1.0 / sd, 0.0, 0.0, 0.0, 1.0 / sd, 0.0];
    for (a, b) in t.as_slice().iter().zip(want) {
        assert!((a - b).abs() < 1e-12);
    }
    // Held-out data uses the training statistics.
    let mut test = Matrix::from_vec(1, 2, vec![4.0, 7.0]).expect("shape");
    s.apply(&mut test).expect("same width");
    assert!((test.get(0, 0) - 2.0 / sd).abs() < 1e-12 && test.get(0, 1) == 2.0);
    let mm = ColumnScaler::min_max(&train).expect("non-empty");
    let mut t = train.clone();
    mm.apply(&mut t).expect("same width");
    assert_eq!(t.as_slice(), &[0.0, 0.0, 0.5, 0.0, 1.0, 0.0]);
    assert!(mm.apply(&mut Matrix::zeros(1, 3)).is_err());
    assert_eq!(
        ColumnScaler::standardize(&Matrix::zeros(0, 2)).unwrap_err(),
        ShapeError::Empty
    );
}

#[test]
fn dataset_shape_is_checked() {
    assert!(Dataset::new(vec![0; 7], vec![1, 2], 2, 2).is_err());
    assert_eq!(
        Dataset::new(vec![0; 8], vec![1, 12], 2, 2).unwrap_err(),
        ShapeError::LabelOutOfRange {
            index: 1,
            label: 12,
            classes: 10
        }
    );
    let ds = Dataset::new((0..8).collect(), vec![1, 2], 2, 2).expect("valid");
    assert_eq!(ds.image(1), &[4, 5, 6, 7]);
    assert_eq!(ds.slice(1..2).labels(), &[2]);
}
