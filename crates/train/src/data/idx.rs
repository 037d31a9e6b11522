//! The IDX container of MNIST: magic `00 00 08 <rank>`, `rank` big-endian u32 sizes, then the
//! payload in row-major order. Files may be gzip-compressed (detected by the bytes `1f 8b`).
//!
//! Nothing is allocated from a header size before that size is checked against what the file
//! can hold: the raw length for plain files, and DEFLATE's maximum expansion (1032:1) for gzip,
//! whose payload is then read incrementally so memory follows the bytes actually present.

use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;

use super::error::{DataError, IdxProblem};
use super::{Dataset, read_regular_file};

/// First two bytes of every gzip stream (RFC 1952).
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// DEFLATE never expands by more than about 1032:1 (a 258-byte match costs at least 2 bits);
/// a header declaring more than that is a lie we can reject before allocating.
const MAX_DEFLATE_RATIO: u64 = 1032;

/// IDX element type code for unsigned bytes.
const IDX_TYPE_U8: u8 = 0x08;

/// Images decoded from a rank-3 IDX file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxImages {
    pub count: usize,
    pub rows: usize,
    pub cols: usize,
    /// `count * rows * cols` pixels, image after image, each row-major.
    pub pixels: Vec<u8>,
}

/// Why in-memory IDX bytes could not be decoded.
#[derive(Debug)]
#[non_exhaustive]
pub enum IdxDecodeError {
    Idx(IdxProblem),
    Gzip(std::io::Error),
}

impl core::fmt::Display for IdxDecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Idx(p) => write!(f, "IDX {p}"),
            Self::Gzip(e) => write!(f, "gzip stream is corrupt: {e}"),
        }
    }
}

impl std::error::Error for IdxDecodeError {}

impl From<IdxProblem> for IdxDecodeError {
    fn from(p: IdxProblem) -> Self {
        Self::Idx(p)
    }
}

impl IdxDecodeError {
    fn at(self, path: &Path) -> DataError {
        match self {
            Self::Idx(problem) => DataError::Idx {
                path: path.to_path_buf(),
                problem,
            },
            Self::Gzip(source) => DataError::Gzip {
                path: path.to_path_buf(),
                source,
            },
        }
    }
}

/// Whether `bytes` start with the gzip magic.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// Reads until `buf` is full or the stream ends; a decoder's "unexpected EOF" counts as the end
/// (a cut gzip file is reported as truncated, which is what it is).
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> Result<usize, std::io::Error> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Parsed header: dimensions and the header length in bytes.
fn check_magic(magic: [u8; 4], rank: u8) -> Result<(), IdxProblem> {
    if magic[0] != 0 || magic[1] != 0 {
        return Err(IdxProblem::BadMagic { found: magic });
    }
    if magic[2] != IDX_TYPE_U8 {
        return Err(IdxProblem::UnsupportedType { code: magic[2] });
    }
    if magic[3] != rank {
        return Err(IdxProblem::WrongRank {
            expected: rank,
            found: magic[3],
        });
    }
    Ok(())
}

fn payload_len(dims: &[u32]) -> Result<u64, IdxProblem> {
    let mut total: u64 = 1;
    for &d in dims {
        if d == 0 {
            return Err(IdxProblem::BadDimensions {
                dims: dims.to_vec(),
            });
        }
        total = total
            .checked_mul(u64::from(d))
            .ok_or_else(|| IdxProblem::SizeOverflow {
                dims: dims.to_vec(),
            })?;
    }
    if usize::try_from(total).is_err() {
        return Err(IdxProblem::SizeOverflow {
            dims: dims.to_vec(),
        });
    }
    Ok(total)
}

/// Decodes an IDX array of unsigned bytes with the given rank, from raw or gzip bytes.
/// Returns the dimensions and the payload.
pub fn decode_idx(bytes: &[u8], rank: u8) -> Result<(Vec<u32>, Vec<u8>), IdxDecodeError> {
    let header_len = 4 + 4 * u64::from(rank);
    if is_gzip(bytes) {
        let mut dec = GzDecoder::new(bytes);
        let mut header = vec![0u8; 4 + 4 * usize::from(rank)];
        let got = read_full(&mut dec, &mut header[..4]).map_err(IdxDecodeError::Gzip)?;
        if got < 4 {
            return Err(IdxProblem::Truncated {
                needed: 4,
                available: got as u64,
            }
            .into());
        }
        check_magic([header[0], header[1], header[2], header[3]], rank)?;
        let got = read_full(&mut dec, &mut header[4..]).map_err(IdxDecodeError::Gzip)?;
        if (4 + got as u64) < header_len {
            return Err(IdxProblem::Truncated {
                needed: header_len,
                available: 4 + got as u64,
            }
            .into());
        }
        let dims = parse_dims(&header[4..]);
        let declared = payload_len(&dims)?;
        let compressed = bytes.len() as u64;
        if declared + header_len > compressed.saturating_mul(MAX_DEFLATE_RATIO) {
            return Err(IdxProblem::ImplausibleSize {
                declared,
                compressed,
            }
            .into());
        }
        // Grow with the data that actually arrives; read one byte past to detect trailing data.
        let mut payload = Vec::with_capacity(declared.min(1 << 20) as usize);
        let mut limited = (&mut dec).take(declared + 1);
        loop {
            let mut chunk = [0u8; 64 * 1024];
            let n = read_full(&mut limited, &mut chunk).map_err(IdxDecodeError::Gzip)?;
            payload.extend_from_slice(&chunk[..n]);
            if n < chunk.len() {
                break;
            }
        }
        let actual = payload.len() as u64;
        if actual < declared {
            return Err(IdxProblem::Truncated {
                needed: header_len + declared,
                available: header_len + actual,
            }
            .into());
        }
        if actual > declared {
            // Count everything that follows, bounded by the ratio check above.
            let rest = std::io::copy(&mut dec, &mut std::io::sink()).unwrap_or(0);
            return Err(IdxProblem::TrailingBytes {
                declared: header_len + declared,
                actual: header_len + actual + rest,
            }
            .into());
        }
        // Drain to the end so the decoder checks what it can.
        let mut tail = [0u8; 1];
        if read_full(&mut dec, &mut tail).map_err(IdxDecodeError::Gzip)? != 0 {
            return Err(IdxProblem::TrailingBytes {
                declared: header_len + declared,
                actual: header_len + declared + 1,
            }
            .into());
        }
        let mut crc = flate2::Crc::new();
        crc.update(&header);
        crc.update(&payload);
        check_gzip_trailer(bytes, crc.sum(), header_len + declared)
            .map_err(IdxDecodeError::Gzip)?;
        Ok((dims, payload))
    } else {
        let available = bytes.len() as u64;
        let Some(magic) = bytes.get(..4) else {
            return Err(IdxProblem::Truncated {
                needed: 4,
                available,
            }
            .into());
        };
        check_magic([magic[0], magic[1], magic[2], magic[3]], rank)?;
        let Some(dim_bytes) = bytes.get(4..header_len as usize) else {
            return Err(IdxProblem::Truncated {
                needed: header_len,
                available,
            }
            .into());
        };
        let dims = parse_dims(dim_bytes);
        let declared = payload_len(&dims)?;
        let needed = header_len + declared;
        if available < needed {
            return Err(IdxProblem::Truncated { needed, available }.into());
        }
        if available > needed {
            return Err(IdxProblem::TrailingBytes {
                declared: needed,
                actual: available,
            }
            .into());
        }
        Ok((dims, bytes[header_len as usize..].to_vec()))
    }
}

/// Checks the trailer of a single-member gzip file against the decompressed data. The decoder
/// does not notice a file cut inside its 8-byte trailer, so we compare CRC-32 and length
/// ourselves: a truncated file ends in deflate bytes, which almost never match both.
pub(crate) fn check_gzip_trailer(gz: &[u8], crc: u32, len: u64) -> Result<(), std::io::Error> {
    let trailer = gz
        .len()
        .checked_sub(8)
        .and_then(|at| gz.get(at..))
        .filter(|_| gz.len() >= 18);
    let ok = trailer.is_some_and(|t| {
        u32::from_le_bytes([t[0], t[1], t[2], t[3]]) == crc
            && u32::from_le_bytes([t[4], t[5], t[6], t[7]]) == len as u32
    });
    if ok {
        Ok(())
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "gzip trailer (CRC-32, length) missing or wrong: file truncated or corrupt",
        ))
    }
}

fn parse_dims(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Decodes a rank-3 IDX image file (raw or gzip).
pub fn decode_idx_images(bytes: &[u8]) -> Result<IdxImages, IdxDecodeError> {
    let (dims, pixels) = decode_idx(bytes, 3)?;
    Ok(IdxImages {
        count: dims[0] as usize,
        rows: dims[1] as usize,
        cols: dims[2] as usize,
        pixels,
    })
}

/// Decodes a rank-1 IDX label file (raw or gzip); every label must be a digit `0..=9`.
pub fn decode_idx_labels(bytes: &[u8]) -> Result<Vec<u8>, IdxDecodeError> {
    let (_, labels) = decode_idx(bytes, 1)?;
    if let Some((index, &value)) = labels.iter().enumerate().find(|(_, v)| **v > 9) {
        return Err(IdxProblem::LabelOutOfRange { index, value }.into());
    }
    Ok(labels)
}

/// Loads a rank-3 IDX image file (raw or gzip).
pub fn load_idx_images(path: &Path) -> Result<IdxImages, DataError> {
    let bytes = read_regular_file(path)?;
    decode_idx_images(&bytes).map_err(|e| e.at(path))
}

/// Loads a rank-1 IDX label file (raw or gzip).
pub fn load_idx_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    let bytes = read_regular_file(path)?;
    decode_idx_labels(&bytes).map_err(|e| e.at(path))
}

/// Loads an image file and its label file and checks that they hold the same number of items.
pub fn load_mnist(images: &Path, labels: &Path) -> Result<Dataset, DataError> {
    let img = load_idx_images(images)?;
    let lab = load_idx_labels(labels)?;
    if img.count != lab.len() {
        return Err(DataError::CountMismatch {
            images: images.to_path_buf(),
            labels: labels.to_path_buf(),
            image_count: img.count,
            label_count: lab.len(),
        });
    }
    Ok(Dataset::from_parts_unchecked(
        img.pixels, lab, img.rows, img.cols,
    ))
}

/// Encodes images as a raw rank-3 IDX file (used by tests and by tools that write subsets).
pub fn encode_idx_images(count: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + pixels.len());
    out.extend_from_slice(&[0, 0, IDX_TYPE_U8, 3]);
    for d in [count, rows, cols] {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(pixels);
    out
}

/// Encodes labels as a raw rank-1 IDX file.
pub fn encode_idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + labels.len());
    out.extend_from_slice(&[0, 0, IDX_TYPE_U8, 1]);
    out.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    out.extend_from_slice(labels);
    out
}
