//! The download path against a local HTTP server on 127.0.0.1 (never the real network).
#![cfg(feature = "download")]

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use blindfold_train::data::download::{DownloadOptions, download_files, download_mnist};
use blindfold_train::data::idx::{encode_idx_images, encode_idx_labels};
use blindfold_train::data::{DataDir, DataError, ExpectedFile, MnistFile, load_mnist, sha256_file};
use common::{TempDir, gzip};
use sha2::Digest;

/// Serves `files` (path -> body) over HTTP/1.1 for at most `connections` connections or 30 s,
/// one request per connection; returns the requested paths.
fn serve(files: HashMap<String, Vec<u8>>, connections: usize) -> (String, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    listener.set_nonblocking(true).expect("nonblocking");
    let files = Arc::new(files);
    let handle = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut seen = Vec::new();
        while seen.len() < connections && Instant::now() < deadline {
            let (mut stream, _) = match listener.accept() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                Err(_) => break,
            };
            let _ = stream.set_nonblocking(false);
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let line = String::from_utf8_lossy(&request)
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let response = match files.get(&path) {
                Some(body) => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(body);
                    r
                }
                None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec(),
            };
            let _ = stream.write_all(&response);
            let _ = stream.flush();
            seen.push(path);
        }
        seen
    });
    (base, handle)
}

fn expected(name: &str, body: &[u8]) -> ExpectedFile {
    ExpectedFile {
        name: name.to_string(),
        size: body.len() as u64,
        sha256: sha2::Sha256::digest(body).into(),
    }
}

fn local() -> DownloadOptions {
    DownloadOptions {
        timeout: Duration::from_secs(20),
        use_env_proxy: false,
    }
}

fn leftovers(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains("partial"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn sha256_of_a_known_vector() {
    let tmp = TempDir::new("sha");
    let p = tmp.path().join("abc");
    std::fs::write(&p, b"abc").expect("write");
    // FIPS 180-2 example: SHA-256("abc").
    let want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    let got: String = sha256_file(&p)
        .expect("hash")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn download_happy_path_then_cached() {
    let pixels: Vec<u8> = (0..3 * 28 * 28).map(|i| (i % 251) as u8).collect();
    let images = gzip(&encode_idx_images(3, 28, 28, &pixels));
    let labels = gzip(&encode_idx_labels(&[7, 2, 1]));
    let files = vec![expected("img.gz", &images), expected("lab.gz", &labels)];
    let served = HashMap::from([
        ("/data/img.gz".to_string(), images.clone()),
        ("/data/lab.gz".to_string(), labels.clone()),
    ]);
    let (base, server) = serve(served, 2);
    let tmp = TempDir::new("dl-ok");
    let dest = tmp.path().join("mnist");
    let got = download_files(&format!("{base}/data/"), &dest, &files, &local()).expect("download");
    assert!(got.iter().all(|f| f.downloaded));
    assert_eq!(std::fs::read(dest.join("img.gz")).expect("read"), images);
    let ds = load_mnist(&dest.join("img.gz"), &dest.join("lab.gz")).expect("loads");
    assert_eq!(ds.labels(), &[7, 2, 1]);
    assert!(leftovers(&dest).is_empty());
    let mut paths = server.join().expect("server thread");
    paths.sort();
    assert_eq!(paths, ["/data/img.gz", "/data/lab.gz"]);
    // The server is gone: a second call must not need it (verified copies are kept).
    let again = download_files(&format!("{base}/data"), &dest, &files, &local()).expect("cached");
    assert!(again.iter().all(|f| !f.downloaded));
}

#[test]
fn download_refuses_corrupted_file() {
    let body = gzip(b"some payload that will be corrupted in transit");
    let want = expected("f.gz", &body);
    let mut corrupt = body.clone();
    corrupt[20] ^= 0x40;
    let (base, server) = serve(HashMap::from([("/f.gz".to_string(), corrupt.clone())]), 1);
    let tmp = TempDir::new("dl-bad");
    let err = download_files(&base, tmp.path(), std::slice::from_ref(&want), &local()).unwrap_err();
    match &err {
        DataError::ChecksumMismatch {
            path,
            expected,
            actual,
        } => {
            assert!(path.ends_with("f.gz"));
            assert_eq!(*expected, want.sha256);
            let corrupt_digest: [u8; 32] = sha2::Sha256::digest(&corrupt).into();
            assert_eq!(*actual, corrupt_digest);
        }
        other => panic!("expected a checksum mismatch, got {other}"),
    }
    assert!(err.to_string().contains("SHA-256"));
    // Nothing is left behind: no target, no temporary file.
    assert!(!tmp.path().join("f.gz").exists());
    assert!(leftovers(tmp.path()).is_empty());
    server.join().expect("server thread");
}

#[test]
fn download_reports_http_status_and_short_bodies() {
    let body = b"0123456789".to_vec();
    let mut short = expected("short.bin", &body);
    short.size += 5; // the server sends fewer bytes than expected
    let missing = expected("missing.bin", &body);
    let (base, server) = serve(HashMap::from([("/short.bin".to_string(), body)]), 2);
    let tmp = TempDir::new("dl-status");
    match download_files(&base, tmp.path(), &[missing], &local()).unwrap_err() {
        DataError::HttpStatus { url, status: 404 } => assert!(url.ends_with("/missing.bin")),
        other => panic!("expected 404, got {other}"),
    }
    match download_files(&base, tmp.path(), &[short], &local()).unwrap_err() {
        DataError::SizeMismatch {
            expected: 15,
            actual: 10,
            ..
        } => {}
        other => panic!("expected a size mismatch, got {other}"),
    }
    assert!(leftovers(tmp.path()).is_empty());
    server.join().expect("server thread");
    // Nobody listens any more: a transfer error, not a panic.
    let e = download_files(&base, tmp.path(), &[expected("x", b"x")], &local()).unwrap_err();
    assert!(matches!(e, DataError::Transfer { .. }), "{e}");
}

#[test]
fn download_mnist_verifies_the_published_digests() {
    let Some(dir) = common::data_dir() else {
        return;
    };
    let served: HashMap<String, Vec<u8>> = MnistFile::ALL
        .iter()
        .map(|&f| {
            let path = dir.mnist_path(f).expect("present");
            (
                format!("/mnist/{}", f.gz_name()),
                std::fs::read(path).expect("read"),
            )
        })
        .collect();
    let (base, server) = serve(served, 4);
    let tmp = TempDir::new("dl-mnist");
    let target = DataDir::new(tmp.path());
    let got = download_mnist(&format!("{base}/mnist"), &target, &local()).expect("download");
    assert_eq!(got.len(), 4);
    assert_eq!(target.mnist_test().expect("loads").len(), 10_000);
    server.join().expect("server thread");
}
