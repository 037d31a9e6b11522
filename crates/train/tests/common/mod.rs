//! Finding the real data for tests: `$BLINDFOLD_DATA`, else `shared/data` beside the checkout.
//! Missing data fails the test with instructions, unless `BLINDFOLD_SKIP_DATA_TESTS=1`.

#![allow(dead_code)]

use std::path::PathBuf;

use blindfold_train::data::DataDir;

pub fn data_dir() -> Option<DataDir> {
    if let Some(v) = std::env::var_os("BLINDFOLD_DATA").filter(|v| !v.is_empty()) {
        return Some(DataDir::new(PathBuf::from(v)));
    }
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if beside.is_dir() {
        return Some(DataDir::new(beside));
    }
    if std::env::var("BLINDFOLD_SKIP_DATA_TESTS").as_deref() == Ok("1") {
        eprintln!("BLINDFOLD_SKIP_DATA_TESTS=1: skipping a test that needs the real data");
        return None;
    }
    panic!(
        "this test needs the real data: set BLINDFOLD_DATA to a directory with mnist/ and \
         regnet/ (see shared/data/README.md), or BLINDFOLD_SKIP_DATA_TESTS=1 to skip; \
         also looked in {}",
        beside.display()
    );
}

/// A fresh empty directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "blindfold-train-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create temp dir");
        Self(p)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// gzip-compresses bytes.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("gzip in memory");
    enc.finish().expect("gzip in memory")
}
