//! Versioned, compact binary encoding of parameters, keys, plaintexts and ciphertexts.
//!
//! Layout: magic `BFLD`, format version (u16 LE), type tag (u8), then the body. Words of a
//! limb are bit-packed at the bit width of its prime. Loading follows SEAL's rules: the
//! metadata is read and checked against the parameters before anything is allocated,
//! sizes are computed with checked arithmetic and capped by what the parameters allow,
//! every word must lie below its modulus, and trailing bytes are refused. Each failure is a
//! [`WireError`] naming the rule.
//!
//! Public `a` polynomials travel as their 32-byte seeds and are re-expanded on load.

use core::fmt;
use std::sync::Arc;

use blindfold_rns::{Ntt, Poly, sample};
use zeroize::{Zeroize, Zeroizing};

use crate::keys::{
    EvaluationKeys, GaloisKey, KeySwitchKey, PublicKey, RelinearizationKey, SecretKey,
};
use crate::security::{SecretDistribution, SecurityLevel};
use crate::{Ciphertext, Meta, Parameters, ParametersLiteral, Plaintext};

/// Magic bytes opening every encoded object.
pub const MAGIC: [u8; 4] = *b"BFLD";
/// Current format version; a newer version is refused.
pub const VERSION: u16 = 1;
/// Largest ciphertext degree accepted (SEAL's limit is 16 parts).
pub const MAX_CIPHERTEXT_PARTS: usize = 16;

/// Type tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    Parameters = 1,
    PublicKey = 2,
    RelinearizationKey = 3,
    GaloisKey = 4,
    EvaluationKeys = 5,
    Ciphertext = 6,
    Plaintext = 7,
    SecretKey = 8,
}

/// Why an encoded object was refused.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum WireError {
    /// The input ended early.
    Truncated { needed: usize, available: usize },
    /// Not a Blindfold object.
    BadMagic,
    /// Written by a newer (or unknown) format version.
    UnsupportedVersion { found: u16 },
    /// Another kind of object than the one asked for.
    WrongKind { expected: u8, found: u8 },
    /// A metadata field is out of range or inconsistent.
    InvalidField { field: &'static str, value: u64 },
    /// A scale that is not a positive normal number.
    InvalidScale,
    /// A word at or above its modulus.
    WordOutOfRange { limb: usize, index: usize },
    /// The object was made for other parameters.
    ParametersMismatch,
    /// Parameters that fail their own checks (insecure, inconsistent, …).
    Parameters(crate::Error),
    /// Bytes left after the object.
    TrailingBytes { count: usize },
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, available } => {
                write!(
                    f,
                    "input truncated: needed {needed} more bytes, {available} left"
                )
            }
            Self::BadMagic => write!(f, "not a Blindfold object (bad magic)"),
            Self::UnsupportedVersion { found } => {
                write!(
                    f,
                    "format version {found} is not supported (this build reads {VERSION})"
                )
            }
            Self::WrongKind { expected, found } => {
                write!(f, "expected object kind {expected}, found {found}")
            }
            Self::InvalidField { field, value } => {
                write!(f, "field {field} has invalid value {value}")
            }
            Self::InvalidScale => write!(f, "scale is not a positive normal number"),
            Self::WordOutOfRange { limb, index } => {
                write!(f, "word {index} of limb {limb} is not below its modulus")
            }
            Self::ParametersMismatch => write!(f, "object was made for other parameters"),
            Self::Parameters(e) => write!(f, "invalid parameters: {e}"),
            Self::TrailingBytes { count } => write!(f, "{count} unexpected bytes after the object"),
        }
    }
}

impl std::error::Error for WireError {}

struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    fn new(kind: Kind) -> Self {
        let mut buf = Vec::new();
        buf.extend_from_slice(&MAGIC);
        buf.extend_from_slice(&VERSION.to_le_bytes());
        buf.push(kind as u8);
        Self { buf }
    }
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
    /// Words below `2^bits`, packed little-endian.
    fn packed(&mut self, words: &[u64], bits: u32) {
        let mut acc: u128 = 0;
        let mut filled = 0u32;
        for &w in words {
            acc |= (w as u128) << filled;
            filled += bits;
            while filled >= 8 {
                self.buf.push(acc as u8);
                acc >>= 8;
                filled -= 8;
            }
        }
        if filled > 0 {
            self.buf.push(acc as u8);
        }
    }
    fn poly(&mut self, p: &Poly<Ntt>) {
        self.u32(p.q_limbs() as u32);
        self.u32(p.p_limbs() as u32);
        for k in 0..p.num_limbs() {
            self.packed(p.limb(k), p.modulus(k).bits());
        }
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8], kind: Kind) -> Result<Self, WireError> {
        let mut r = Self { data, pos: 0 };
        if r.take(4)? != MAGIC {
            return Err(WireError::BadMagic);
        }
        let version = u16::from_le_bytes([r.u8()?, r.u8()?]);
        if version != VERSION {
            return Err(WireError::UnsupportedVersion { found: version });
        }
        let found = r.u8()?;
        if found != kind as u8 {
            return Err(WireError::WrongKind {
                expected: kind as u8,
                found,
            });
        }
        Ok(r)
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let available = self.data.len() - self.pos;
        if n > available {
            return Err(WireError::Truncated {
                needed: n,
                available,
            });
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, WireError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, WireError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }
    fn f64(&mut self) -> Result<f64, WireError> {
        Ok(f64::from_bits(self.u64()?))
    }
    fn seed(&mut self) -> Result<[u8; 32], WireError> {
        let mut s = [0u8; 32];
        s.copy_from_slice(self.take(32)?);
        Ok(s)
    }
    /// A bounded count: refused above `max` before anything is allocated.
    fn count(&mut self, field: &'static str, max: usize) -> Result<usize, WireError> {
        let v = self.u32()? as usize;
        if v > max {
            return Err(WireError::InvalidField {
                field,
                value: v as u64,
            });
        }
        Ok(v)
    }
    fn packed(&mut self, out: &mut [u64], bits: u32) -> Result<(), WireError> {
        let total_bits = out
            .len()
            .checked_mul(bits as usize)
            .ok_or(WireError::InvalidField {
                field: "length",
                value: out.len() as u64,
            })?;
        let bytes = self.take(total_bits.div_ceil(8))?;
        let mask = (1u128 << bits) - 1;
        let mut acc: u128 = 0;
        let mut filled = 0u32;
        let mut it = bytes.iter();
        for w in out.iter_mut() {
            while filled < bits {
                acc |= (*it.next().unwrap_or(&0) as u128) << filled;
                filled += 8;
            }
            *w = (acc & mask) as u64;
            acc >>= bits;
            filled -= bits;
        }
        Ok(())
    }
    /// A polynomial whose limb set must be exactly `(q_limbs, p_limbs)`.
    fn poly(
        &mut self,
        params: &Parameters,
        q_limbs: usize,
        p_limbs: usize,
    ) -> Result<Poly<Ntt>, WireError> {
        let (q, p) = (self.u32()? as usize, self.u32()? as usize);
        if q != q_limbs {
            return Err(WireError::InvalidField {
                field: "q_limbs",
                value: q as u64,
            });
        }
        if p != p_limbs {
            return Err(WireError::InvalidField {
                field: "p_limbs",
                value: p as u64,
            });
        }
        let ring = params.ring();
        let n = ring.n();
        // Size checked against the input before allocating (limb widths are at least 20 bits).
        let min_bytes = (q + p) * n * 20 / 8;
        if min_bytes > self.data.len() - self.pos {
            return Err(WireError::Truncated {
                needed: min_bytes,
                available: self.data.len() - self.pos,
            });
        }
        let mut words = vec![0u64; (q + p) * n];
        let idx = ring.limb_indices(q, p);
        for (k, limb) in words.chunks_mut(n).enumerate() {
            let m = ring.moduli()[idx[k]];
            self.packed(limb, m.bits())?;
            if let Some(index) = limb.iter().position(|&w| w >= m.value()) {
                return Err(WireError::WordOutOfRange { limb: k, index });
            }
        }
        Poly::from_words(ring, q, p, words).map_err(|e| WireError::Parameters(e.into()))
    }
    fn finish(self) -> Result<(), WireError> {
        let count = self.data.len() - self.pos;
        if count != 0 {
            return Err(WireError::TrailingBytes { count });
        }
        Ok(())
    }
}

fn write_params_id(w: &mut Writer, params: &Parameters) {
    // A digest-free identity: the exact primes. Cheap to compare, impossible to confuse.
    w.u32(params.q().len() as u32);
    w.u32(params.p().len() as u32);
    for &v in params.q().iter().chain(params.p()) {
        w.u64(v);
    }
}

fn check_params_id(r: &mut Reader<'_>, params: &Parameters) -> Result<(), WireError> {
    let (nq, np) = (r.u32()? as usize, r.u32()? as usize);
    if nq != params.q().len() || np != params.p().len() {
        return Err(WireError::ParametersMismatch);
    }
    for &v in params.q().iter().chain(params.p()) {
        if r.u64()? != v {
            return Err(WireError::ParametersMismatch);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- parameters

fn secret_code(s: SecretDistribution) -> (u8, u64) {
    match s {
        SecretDistribution::Ternary => (0, 0),
        SecretDistribution::SparseTernary { hamming_weight } => (1, hamming_weight as u64),
        SecretDistribution::Gaussian => (2, 0),
    }
}

fn level_code(l: SecurityLevel) -> u8 {
    match l {
        SecurityLevel::Classical128 => 0,
        SecurityLevel::Classical192 => 1,
        SecurityLevel::Classical256 => 2,
        SecurityLevel::Quantum128 => 3,
    }
}

/// Encodes parameters: the literal, whether they were checked as secure, and the primes.
pub fn encode_parameters(params: &Parameters) -> Vec<u8> {
    let l = params.literal();
    let mut w = Writer::new(Kind::Parameters);
    w.u32(l.log_n);
    w.u32(l.log_q.len() as u32);
    l.log_q.iter().for_each(|&b| w.u8(b as u8));
    w.u32(l.log_p.len() as u32);
    l.log_p.iter().for_each(|&b| w.u8(b as u8));
    w.u32(l.dnum as u32);
    let (code, h) = secret_code(l.secret);
    w.u8(code);
    w.u64(h);
    w.f64(l.sigma);
    w.u8(level_code(l.security));
    w.u8(params.is_secure() as u8);
    write_params_id(&mut w, params);
    w.buf
}

/// Decodes parameters and rebuilds them through the usual checks. Parameters marked
/// insecure are refused unless `allow_insecure` is set; the primes must match the ones the
/// literal produces.
pub fn decode_parameters(bytes: &[u8], allow_insecure: bool) -> Result<Arc<Parameters>, WireError> {
    let mut r = Reader::new(bytes, Kind::Parameters)?;
    let log_n = r.u32()?;
    let nq = r.count("log_q length", 128)?;
    let log_q = (0..nq)
        .map(|_| r.u8().map(u32::from))
        .collect::<Result<Vec<_>, _>>()?;
    let np = r.count("log_p length", 32)?;
    let log_p = (0..np)
        .map(|_| r.u8().map(u32::from))
        .collect::<Result<Vec<_>, _>>()?;
    let dnum = r.u32()? as usize;
    let secret = match (r.u8()?, r.u64()?) {
        (0, _) => SecretDistribution::Ternary,
        (1, h) => SecretDistribution::SparseTernary {
            hamming_weight: usize::try_from(h).unwrap_or(usize::MAX),
        },
        (2, _) => SecretDistribution::Gaussian,
        (c, _) => {
            return Err(WireError::InvalidField {
                field: "secret distribution",
                value: c as u64,
            });
        }
    };
    let sigma = r.f64()?;
    let security = match r.u8()? {
        0 => SecurityLevel::Classical128,
        1 => SecurityLevel::Classical192,
        2 => SecurityLevel::Classical256,
        3 => SecurityLevel::Quantum128,
        c => {
            return Err(WireError::InvalidField {
                field: "security level",
                value: c as u64,
            });
        }
    };
    let secure = match r.u8()? {
        0 => false,
        1 => true,
        c => {
            return Err(WireError::InvalidField {
                field: "secure flag",
                value: c as u64,
            });
        }
    };
    let literal = ParametersLiteral {
        log_n,
        log_q,
        log_p,
        dnum,
        secret,
        sigma,
        security,
    };
    if !secure && !allow_insecure {
        return Err(WireError::Parameters(
            crate::ParamsError::NoSecurityEstimate { log_n, secret }.into(),
        ));
    }
    let params = if secure {
        Parameters::new(literal)
    } else {
        Parameters::insecure_for_tests(literal)
    }
    .map_err(WireError::Parameters)?;
    check_params_id(&mut r, &params)?;
    r.finish()?;
    Ok(params)
}

// ---------------------------------------------------------------- keys

fn write_ksk(w: &mut Writer, k: &KeySwitchKey) {
    w.u32(k.b.len() as u32);
    for (b, seed) in k.b.iter().zip(&k.seeds) {
        w.bytes(seed);
        w.poly(b);
    }
}

fn read_ksk(r: &mut Reader<'_>, params: &Parameters) -> Result<KeySwitchKey, WireError> {
    let ring = params.ring();
    let digits = r.count("digits", params.dnum())?;
    if digits != params.dnum() {
        return Err(WireError::InvalidField {
            field: "digits",
            value: digits as u64,
        });
    }
    let mut key = KeySwitchKey {
        b: Vec::new(),
        a: Vec::new(),
        seeds: Vec::new(),
    };
    for _ in 0..digits {
        let seed = r.seed()?;
        let b = r.poly(params, ring.num_q(), ring.num_p())?;
        let a = sample::uniform_from_seed(ring, ring.num_q(), ring.num_p(), &seed)
            .map_err(|e| WireError::Parameters(e.into()))?;
        key.b.push(b);
        key.a.push(a);
        key.seeds.push(seed);
    }
    Ok(key)
}

/// Encodes a public key as `(seed, b)`.
pub fn encode_public_key(params: &Parameters, pk: &PublicKey) -> Vec<u8> {
    let mut w = Writer::new(Kind::PublicKey);
    write_params_id(&mut w, params);
    w.bytes(&pk.seed);
    w.poly(&pk.b);
    w.buf
}

/// Decodes a public key for `params`.
pub fn decode_public_key(bytes: &[u8], params: &Parameters) -> Result<PublicKey, WireError> {
    let mut r = Reader::new(bytes, Kind::PublicKey)?;
    check_params_id(&mut r, params)?;
    let seed = r.seed()?;
    let ring = params.ring();
    let b = r.poly(params, ring.num_q(), 0)?;
    r.finish()?;
    let a = sample::uniform_from_seed(ring, ring.num_q(), 0, &seed)
        .map_err(|e| WireError::Parameters(e.into()))?;
    Ok(PublicKey { b, a, seed })
}

/// Encodes a relinearization key.
pub fn encode_relinearization_key(params: &Parameters, rk: &RelinearizationKey) -> Vec<u8> {
    let mut w = Writer::new(Kind::RelinearizationKey);
    write_params_id(&mut w, params);
    write_ksk(&mut w, &rk.0);
    w.buf
}

/// Decodes a relinearization key for `params`.
pub fn decode_relinearization_key(
    bytes: &[u8],
    params: &Parameters,
) -> Result<RelinearizationKey, WireError> {
    let mut r = Reader::new(bytes, Kind::RelinearizationKey)?;
    check_params_id(&mut r, params)?;
    let k = read_ksk(&mut r, params)?;
    r.finish()?;
    Ok(RelinearizationKey(k))
}

fn read_galois_element(r: &mut Reader<'_>, params: &Parameters) -> Result<u64, WireError> {
    let g = r.u64()?;
    let two_n = 2 * params.n() as u64;
    if g % 2 == 0 || g >= two_n {
        return Err(WireError::InvalidField {
            field: "Galois element",
            value: g,
        });
    }
    Ok(g)
}

/// Encodes a Galois key.
pub fn encode_galois_key(params: &Parameters, gk: &GaloisKey) -> Vec<u8> {
    let mut w = Writer::new(Kind::GaloisKey);
    write_params_id(&mut w, params);
    w.u64(gk.element);
    write_ksk(&mut w, &gk.key);
    w.buf
}

/// Decodes a Galois key for `params`.
pub fn decode_galois_key(bytes: &[u8], params: &Parameters) -> Result<GaloisKey, WireError> {
    let mut r = Reader::new(bytes, Kind::GaloisKey)?;
    check_params_id(&mut r, params)?;
    let element = read_galois_element(&mut r, params)?;
    let key = read_ksk(&mut r, params)?;
    r.finish()?;
    Ok(GaloisKey { element, key })
}

/// Encodes a bundle of evaluation keys (what the server receives).
pub fn encode_evaluation_keys(params: &Parameters, keys: &EvaluationKeys) -> Vec<u8> {
    let mut w = Writer::new(Kind::EvaluationKeys);
    write_params_id(&mut w, params);
    w.u8(keys.relin.is_some() as u8);
    if let Some(rk) = &keys.relin {
        write_ksk(&mut w, &rk.0);
    }
    w.u32(keys.galois.len() as u32);
    for gk in keys.galois.values() {
        w.u64(gk.element);
        write_ksk(&mut w, &gk.key);
    }
    w.buf
}

/// Decodes a bundle of evaluation keys; Galois elements must be strictly increasing.
pub fn decode_evaluation_keys(
    bytes: &[u8],
    params: &Parameters,
) -> Result<EvaluationKeys, WireError> {
    let mut r = Reader::new(bytes, Kind::EvaluationKeys)?;
    check_params_id(&mut r, params)?;
    let mut keys = EvaluationKeys::default();
    match r.u8()? {
        0 => {}
        1 => keys.relin = Some(RelinearizationKey(read_ksk(&mut r, params)?)),
        c => {
            return Err(WireError::InvalidField {
                field: "relinearization flag",
                value: c as u64,
            });
        }
    }
    let count = r.count("Galois key count", params.n())?;
    let mut last = 0;
    for _ in 0..count {
        let element = read_galois_element(&mut r, params)?;
        if element <= last {
            return Err(WireError::InvalidField {
                field: "Galois element order",
                value: element,
            });
        }
        last = element;
        let key = read_ksk(&mut r, params)?;
        keys.galois.insert(element, GaloisKey { element, key });
    }
    r.finish()?;
    Ok(keys)
}

/// Encodes the secret key (for the data owner's own storage only).
pub fn encode_secret_key(sk: &SecretKey) -> Zeroizing<Vec<u8>> {
    let params = sk.params();
    let mut w = Writer::new(Kind::SecretKey);
    write_params_id(&mut w, params);
    // Coefficients in {-19..19} as (value + 32) in one byte each.
    let coeffs = sk.signed_coeffs();
    for &c in coeffs.iter() {
        w.u8((c + 32) as u8);
    }
    Zeroizing::new(core::mem::take(&mut w.buf))
}

/// Decodes a secret key for `params`; coefficients must fit the parameters' distribution.
pub fn decode_secret_key(bytes: &[u8], params: &Arc<Parameters>) -> Result<SecretKey, WireError> {
    let mut r = Reader::new(bytes, Kind::SecretKey)?;
    check_params_id(&mut r, params)?;
    let raw = r.take(params.n())?;
    r.finish()?;
    let bound: i64 = match params.literal().secret {
        SecretDistribution::Gaussian => sample::GAUSSIAN_BOUND,
        _ => 1,
    };
    let mut coeffs = Zeroizing::new(Vec::with_capacity(params.n()));
    // Validation in constant time over the whole vector: accumulate, then decide once.
    let mut bad = 0u64;
    for &b in raw {
        let c = b as i64 - 32;
        bad |= ((bound - c.abs()) as u64) >> 63;
        coeffs.push(c);
    }
    if bad != 0 {
        coeffs.zeroize();
        return Err(WireError::InvalidField {
            field: "secret coefficient",
            value: 0,
        });
    }
    SecretKey::from_signed(params, coeffs).map_err(WireError::Parameters)
}

// ---------------------------------------------------------------- plaintexts and ciphertexts

fn write_meta(w: &mut Writer, m: &Meta) {
    w.f64(m.scale);
    w.u64(m.correction);
}

fn read_meta(r: &mut Reader<'_>) -> Result<Meta, WireError> {
    let scale = r.f64()?;
    if !(scale.is_normal() && scale > 0.0) {
        return Err(WireError::InvalidScale);
    }
    let correction = r.u64()?;
    if correction == 0 {
        return Err(WireError::InvalidField {
            field: "correction factor",
            value: 0,
        });
    }
    Ok(Meta { scale, correction })
}

/// Encodes a ciphertext.
pub fn encode_ciphertext(params: &Parameters, ct: &Ciphertext) -> Vec<u8> {
    let mut w = Writer::new(Kind::Ciphertext);
    write_params_id(&mut w, params);
    w.u32(ct.parts.len() as u32);
    w.u32(ct.level() as u32);
    write_meta(&mut w, &ct.meta);
    // Seeded form (SEAL's rule: only with two parts), after checking that c_1 really is the
    // seed's expansion, so a stale seed can never change the ciphertext.
    let seeded = match (&ct.seed, ct.parts.as_slice()) {
        (Some(seed), [_, c1]) => sample::uniform_from_seed(params.ring(), c1.q_limbs(), 0, seed)
            .is_ok_and(|a| a == *c1)
            .then_some(seed),
        _ => None,
    };
    match seeded {
        Some(seed) => {
            w.u8(1);
            w.bytes(seed);
            w.poly(&ct.parts[0]);
        }
        None => {
            w.u8(0);
            for p in &ct.parts {
                w.poly(p);
            }
        }
    }
    w.buf
}

/// Decodes a ciphertext for `params`: 2 to 16 parts, all at the stated level.
pub fn decode_ciphertext(bytes: &[u8], params: &Parameters) -> Result<Ciphertext, WireError> {
    let mut r = Reader::new(bytes, Kind::Ciphertext)?;
    check_params_id(&mut r, params)?;
    let parts = r.count("parts", MAX_CIPHERTEXT_PARTS)?;
    if parts < 2 {
        return Err(WireError::InvalidField {
            field: "parts",
            value: parts as u64,
        });
    }
    let level = r.count("level", params.max_level())?;
    let meta = read_meta(&mut r)?;
    match r.u8()? {
        0 => {
            let parts = (0..parts)
                .map(|_| r.poly(params, level + 1, 0))
                .collect::<Result<Vec<_>, _>>()?;
            r.finish()?;
            Ok(Ciphertext::new(parts, meta))
        }
        1 if parts == 2 => {
            let seed = r.seed()?;
            let c0 = r.poly(params, level + 1, 0)?;
            r.finish()?;
            let c1 = sample::uniform_from_seed(params.ring(), level + 1, 0, &seed)
                .map_err(|e| WireError::Parameters(e.into()))?;
            Ok(Ciphertext {
                parts: vec![c0, c1],
                meta,
                seed: Some(seed),
            })
        }
        c => Err(WireError::InvalidField {
            field: "seeded flag",
            value: c as u64,
        }),
    }
}

/// Encodes a plaintext.
pub fn encode_plaintext(params: &Parameters, pt: &Plaintext) -> Vec<u8> {
    let mut w = Writer::new(Kind::Plaintext);
    write_params_id(&mut w, params);
    w.u32(pt.level() as u32);
    write_meta(&mut w, &pt.meta);
    w.poly(&pt.poly);
    w.buf
}

/// Decodes a plaintext for `params`.
pub fn decode_plaintext(bytes: &[u8], params: &Parameters) -> Result<Plaintext, WireError> {
    let mut r = Reader::new(bytes, Kind::Plaintext)?;
    check_params_id(&mut r, params)?;
    let level = r.count("level", params.max_level())?;
    let meta = read_meta(&mut r)?;
    let poly = r.poly(params, level + 1, 0)?;
    r.finish()?;
    Ok(Plaintext { poly, meta })
}
