//! Malformed inputs give the right error variant (never a panic), for IDX, gzip and CSV.

mod common;

use blindfold_train::data::idx::{
    IdxDecodeError, decode_idx_images, decode_idx_labels, encode_idx_images, encode_idx_labels,
};
use blindfold_train::data::{
    CsvProblem, DataDir, DataError, IdxProblem, MnistFile, load_labelled_csv, load_mnist,
    parse_labelled_csv,
};
use common::{TempDir, gzip};

fn images(count: u32, rows: u32, cols: u32) -> Vec<u8> {
    let pixels: Vec<u8> = (0..count * rows * cols)
        .map(|i| (i * 7 % 256) as u8)
        .collect();
    encode_idx_images(count, rows, cols, &pixels)
}

fn idx_problem(e: IdxDecodeError) -> IdxProblem {
    match e {
        IdxDecodeError::Idx(p) => p,
        other => panic!("expected an IDX problem, got {other}"),
    }
}

#[test]
fn idx_roundtrip_raw_and_gzip() {
    let raw = images(3, 4, 2);
    for bytes in [raw.clone(), gzip(&raw)] {
        let img = decode_idx_images(&bytes).expect("valid file");
        assert_eq!((img.count, img.rows, img.cols), (3, 4, 2));
        assert_eq!(img.pixels, raw[16..]);
    }
    let labels = encode_idx_labels(&[0, 9, 3]);
    assert_eq!(
        decode_idx_labels(&gzip(&labels)).expect("valid"),
        vec![0, 9, 3]
    );
}

#[test]
fn idx_truncated_raw_and_gzip() {
    let raw = images(3, 4, 2);
    for cut in [0, 3, 10, 16, raw.len() - 1] {
        let p = idx_problem(decode_idx_images(&raw[..cut]).unwrap_err());
        assert!(
            matches!(p, IdxProblem::Truncated { .. }),
            "cut {cut}: {p:?}"
        );
    }
    // A gzip stream of a truncated file decodes cleanly but falls short of the header.
    let p = idx_problem(decode_idx_images(&gzip(&raw[..raw.len() - 5])).unwrap_err());
    assert_eq!(
        p,
        IdxProblem::Truncated {
            needed: raw.len() as u64,
            available: raw.len() as u64 - 5
        }
    );
    // A cut gzip file (stream ends early) is reported as truncated or as a gzip error,
    // never as success.
    let gz = gzip(&raw);
    for cut in [11, gz.len() / 2, gz.len() - 4] {
        assert!(decode_idx_images(&gz[..cut]).is_err(), "cut {cut}");
    }
}

#[test]
fn idx_bad_magic_type_rank() {
    let mut raw = images(2, 2, 2);
    raw[0] = 1;
    let p = idx_problem(decode_idx_images(&raw).unwrap_err());
    assert!(matches!(p, IdxProblem::BadMagic { found } if found == [1, 0, 8, 3]));
    let mut raw = images(2, 2, 2);
    raw[2] = 0x0d; // float
    assert_eq!(
        idx_problem(decode_idx_images(&raw).unwrap_err()),
        IdxProblem::UnsupportedType { code: 0x0d }
    );
    // A label file is not an image file and vice versa.
    let labels = encode_idx_labels(&[1, 2]);
    assert_eq!(
        idx_problem(decode_idx_images(&labels).unwrap_err()),
        IdxProblem::WrongRank {
            expected: 3,
            found: 1
        }
    );
    assert_eq!(
        idx_problem(decode_idx_labels(&images(1, 1, 1)).unwrap_err()),
        IdxProblem::WrongRank {
            expected: 1,
            found: 3
        }
    );
    // Plain text is not IDX.
    assert!(matches!(
        idx_problem(decode_idx_images(b"hello world, not idx").unwrap_err()),
        IdxProblem::BadMagic { .. }
    ));
}

#[test]
fn idx_wrong_dims_and_sizes() {
    // A zero dimension.
    let p = idx_problem(decode_idx_images(&encode_idx_images(2, 0, 28, &[])).unwrap_err());
    assert!(matches!(p, IdxProblem::BadDimensions { .. }));
    // Header declares more than the file holds: rejected before allocating.
    let mut lie = encode_idx_images(60_000, 28, 28, &[0; 10]);
    assert!(matches!(
        idx_problem(decode_idx_images(&lie).unwrap_err()),
        IdxProblem::Truncated {
            needed: 47_040_016,
            available: 26
        }
    ));
    // Huge dimensions in a small gzip stream: implausible, rejected before reading.
    lie.truncate(16);
    lie[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
    let p = idx_problem(decode_idx_images(&gzip(&lie)).unwrap_err());
    assert!(
        matches!(
            p,
            IdxProblem::ImplausibleSize { .. } | IdxProblem::SizeOverflow { .. }
        ),
        "{p:?}"
    );
    // Trailing bytes, raw and gzip.
    let mut raw = images(2, 2, 2);
    raw.push(0);
    for bytes in [raw.clone(), gzip(&raw)] {
        assert!(matches!(
            idx_problem(decode_idx_images(&bytes).unwrap_err()),
            IdxProblem::TrailingBytes {
                declared: 24,
                actual: 25
            }
        ));
    }
}

#[test]
fn idx_label_out_of_range() {
    let p = idx_problem(decode_idx_labels(&encode_idx_labels(&[1, 2, 10, 3])).unwrap_err());
    assert_eq!(
        p,
        IdxProblem::LabelOutOfRange {
            index: 2,
            value: 10
        }
    );
}

#[test]
fn corrupt_gzip_is_a_gzip_error() {
    let gz = gzip(&images(4, 8, 8));
    let mut bad = gz.clone();
    // Flip a byte of the CRC-32 in the trailer: the payload decodes, the check fails.
    let n = bad.len();
    bad[n - 6] ^= 0xff;
    assert!(matches!(
        decode_idx_images(&bad).unwrap_err(),
        IdxDecodeError::Gzip(_)
    ));
}

#[test]
fn file_level_errors_name_the_file() {
    let tmp = TempDir::new("malformed");
    let img = tmp.path().join("img.idx3");
    let lab = tmp.path().join("lab.idx1");
    std::fs::write(&img, images(3, 2, 2)).expect("write");
    std::fs::write(&lab, encode_idx_labels(&[1, 2])).expect("write");
    match load_mnist(&img, &lab).unwrap_err() {
        DataError::CountMismatch {
            images,
            labels,
            image_count: 3,
            label_count: 2,
        } => {
            assert_eq!((images, labels), (img.clone(), lab.clone()));
        }
        other => panic!("{other}"),
    }
    std::fs::write(&img, &images(3, 2, 2)[..20]).expect("write");
    let e = load_mnist(&img, &lab).unwrap_err();
    let msg = e.to_string();
    assert!(
        matches!(e, DataError::Idx { ref path, problem: IdxProblem::Truncated { .. } } if *path == img)
    );
    assert!(
        msg.contains("img.idx3") && msg.contains("truncated"),
        "{msg}"
    );
    // A directory is not a data file.
    assert!(matches!(
        load_mnist(tmp.path(), &lab).unwrap_err(),
        DataError::NotAFile { .. }
    ));
    // A missing file is an I/O error naming it.
    let missing = tmp.path().join("nope");
    assert!(
        matches!(load_mnist(&missing, &lab).unwrap_err(), DataError::Io { ref path, .. } if *path == missing)
    );
}

#[test]
fn data_dir_reports_what_it_looked_for() {
    let tmp = TempDir::new("datadir");
    let dir = DataDir::new(tmp.path());
    match dir.mnist_path(MnistFile::TrainImages).unwrap_err() {
        DataError::NotFound { looked_for } => {
            assert_eq!(looked_for.len(), 2);
            assert!(looked_for[0].ends_with("mnist/train-images-idx3-ubyte.gz"));
            assert!(looked_for[1].ends_with("mnist/train-images-idx3-ubyte"));
        }
        other => panic!("{other}"),
    }
    let msg = dir.mnist_train().unwrap_err().to_string();
    assert!(msg.contains("train-images-idx3-ubyte.gz"), "{msg}");
    // An uncompressed copy is found too.
    std::fs::create_dir_all(dir.mnist_dir()).expect("mkdir");
    std::fs::write(
        dir.mnist_dir().join("t10k-images-idx3-ubyte"),
        images(2, 28, 28),
    )
    .expect("write");
    std::fs::write(
        dir.mnist_dir().join("t10k-labels-idx1-ubyte.gz"),
        gzip(&encode_idx_labels(&[4, 2])),
    )
    .expect("write");
    let test = dir.mnist_test().expect("raw images + gz labels load");
    assert_eq!(test.labels(), &[4, 2]);
    // An explicit path wins over the environment.
    assert_eq!(
        DataDir::resolve(Some(tmp.path())).expect("explicit").root(),
        tmp.path()
    );
}

const GOOD: &str = "5.0,0.5,1e-3,0\r\n0.0,2,3.25,0.0022645437\r\n";

#[test]
fn csv_accepts_crlf_and_lf() {
    let set = parse_labelled_csv(GOOD.as_bytes(), 4).expect("valid csv");
    assert_eq!(set.labels(), &[5, 0]);
    assert_eq!(set.row(0), &[0.5, 1e-3, 0.0]);
    assert_eq!(set.row(1), &[2.0, 3.25, 0.002_264_543_7]);
    let lf = GOOD.replace("\r\n", "\n");
    assert_eq!(parse_labelled_csv(lf.as_bytes(), 4).expect("lf"), set);
    // No final line break.
    assert_eq!(
        parse_labelled_csv(GOOD.trim_end().as_bytes(), 4).expect("no eol"),
        set
    );
}

fn csv_err(text: &str, columns: usize) -> (usize, usize, CsvProblem) {
    let e = parse_labelled_csv(text.as_bytes(), columns).unwrap_err();
    (e.line, e.field, e.problem)
}

#[test]
fn csv_errors_carry_line_and_column() {
    assert_eq!(
        csv_err("5.0,1,2\r\n1.0,abc,2\r\n", 3),
        (2, 1, CsvProblem::NotANumber { text: "abc".into() })
    );
    assert_eq!(
        csv_err("5.0,1,2\r\n1.0,2\r\n", 3),
        (
            2,
            2,
            CsvProblem::ColumnCount {
                expected: 3,
                found: 2
            }
        )
    );
    assert_eq!(
        csv_err("5.0,1,2,4\r\n", 3),
        (
            1,
            3,
            CsvProblem::ColumnCount {
                expected: 3,
                found: 4
            }
        )
    );
    assert_eq!(
        csv_err("5.5,1,2\r\n", 3),
        (1, 0, CsvProblem::LabelNotInteger { value: 5.5 })
    );
    assert_eq!(
        csv_err("10.0,1,2\r\n", 3),
        (1, 0, CsvProblem::LabelOutOfRange { value: 10.0 })
    );
    assert_eq!(
        csv_err("-1.0,1,2\r\n", 3),
        (1, 0, CsvProblem::LabelOutOfRange { value: -1.0 })
    );
    assert!(matches!(
        csv_err("1.0,NaN,2\r\n", 3),
        (1, 1, CsvProblem::NotFinite { .. })
    ));
    assert!(matches!(
        csv_err("1.0,1,inf\r\n", 3),
        (1, 2, CsvProblem::NotFinite { .. })
    ));
    // Finite as f64 but not as f32 (found by the train_csv fuzz target).
    assert_eq!(
        csv_err("1.0,1e39,2\r\n", 3),
        (1, 1, CsvProblem::OutOfF32Range { value: 1e39 })
    );
    assert_eq!(
        csv_err("1.0,1,2\r\n\r\n1.0,1,2\r\n", 3),
        (2, 0, CsvProblem::EmptyLine)
    );
    assert_eq!(
        csv_err("1.0,1\r,2\r\n", 3),
        (1, 1, CsvProblem::StrayCarriageReturn)
    );
    assert_eq!(
        csv_err("1.0,,2\r\n", 3).2,
        CsvProblem::NotANumber {
            text: String::new()
        }
    );
    assert_eq!(csv_err("", 3), (1, 0, CsvProblem::NoRows));
    let bad_utf8 = parse_labelled_csv(b"1.0,\xff,2\r\n", 3).unwrap_err();
    assert_eq!(
        (bad_utf8.line, bad_utf8.field, bad_utf8.problem),
        (1, 1, CsvProblem::InvalidUtf8)
    );
}

#[test]
fn csv_file_errors_name_the_file_and_position() {
    let tmp = TempDir::new("csv");
    let path = tmp.path().join("features.csv");
    std::fs::write(&path, "1.0,2\r\n3.0,x\r\n").expect("write");
    let e = load_labelled_csv(&path, 2).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, DataError::Csv { ref error, .. } if error.line == 2 && error.field == 1));
    assert!(
        msg.contains("features.csv") && msg.contains("line 2, column 1"),
        "{msg}"
    );
    // gzip CSVs are read transparently; a corrupt one is a gzip error.
    let gz = tmp.path().join("features.csv.gz");
    std::fs::write(&gz, gzip(b"1.0,2\r\n")).expect("write");
    assert_eq!(load_labelled_csv(&gz, 2).expect("gz csv").labels(), &[1]);
    let mut bytes = gzip(b"1.0,2\r\n3.0,4\r\n");
    let n = bytes.len();
    bytes[n - 6] ^= 0xff;
    std::fs::write(&gz, bytes).expect("write");
    assert!(matches!(
        load_labelled_csv(&gz, 2).unwrap_err(),
        DataError::Gzip { .. }
    ));
}
