use core::fmt;

use crate::security::{SecretDistribution, SecurityLevel};

/// Why a parameter literal was refused.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ParamsError {
    /// `log2 N` outside 10..=17 (4..=17 for insecure test parameters).
    InvalidDegree { log_n: u32 },
    /// No ciphertext prime.
    EmptyChain,
    /// Prime sizes must be 20..=61 bits.
    PrimeSize { bits: u32 },
    /// `dnum` must be in `1 ..= L+1`.
    InvalidDnum { dnum: usize, q_primes: usize },
    /// Only σ = 3.19 is implemented by the constant-time sampler.
    UnsupportedSigma { sigma: f64 },
    /// A sparse secret needs `1 <= h <= N`.
    InvalidHammingWeight { hamming_weight: usize },
    /// `P` must be at least as large as the largest gadget digit for key switching to stay
    /// accurate.
    SpecialModulusTooSmall { log_p: u32, log_digit: u32 },
    /// Not enough NTT-friendly primes of that size.
    NotEnoughPrimes { bits: u32 },
    /// `log2(Q·P)` exceeds the HE standard's bound.
    Insecure {
        log_n: u32,
        log_qp: u32,
        max: u32,
        level: SecurityLevel,
    },
    /// The standard has no row for this ring degree and secret distribution.
    NoSecurityEstimate {
        log_n: u32,
        secret: SecretDistribution,
    },
}

impl fmt::Display for ParamsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidDegree { log_n } => write!(f, "log2 N = {log_n} is not supported"),
            Self::EmptyChain => write!(f, "no ciphertext prime given"),
            Self::PrimeSize { bits } => write!(f, "prime size {bits} bits is outside 20..=61"),
            Self::InvalidDnum { dnum, q_primes } => {
                write!(
                    f,
                    "dnum = {dnum} must be between 1 and the {q_primes} ciphertext primes"
                )
            }
            Self::UnsupportedSigma { sigma } => {
                write!(f, "sigma = {sigma} is not supported (only 3.19)")
            }
            Self::InvalidHammingWeight { hamming_weight } => {
                write!(
                    f,
                    "Hamming weight {hamming_weight} is invalid for this ring"
                )
            }
            Self::SpecialModulusTooSmall { log_p, log_digit } => write!(
                f,
                "special modulus P has {log_p} bits but the largest gadget digit has {log_digit}: add P primes or raise dnum"
            ),
            Self::NotEnoughPrimes { bits } => {
                write!(f, "ran out of {bits}-bit NTT-friendly primes")
            }
            Self::Insecure {
                log_n,
                log_qp,
                max,
                level,
            } => write!(
                f,
                "log2(QP) = {log_qp} exceeds the HE standard's {max} for N = 2^{log_n} at {level:?}"
            ),
            Self::NoSecurityEstimate { log_n, secret } => write!(
                f,
                "the HE standard has no bound for N = 2^{log_n} with a {secret:?} secret; use an explicit estimate or insecure_for_tests"
            ),
        }
    }
}

/// Errors of the RLWE layer.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Parameters refused.
    Params(ParamsError),
    /// RNS-level failure (mismatched limbs, contexts, …).
    Rns(blindfold_rns::Error),
    /// Objects built for different parameters were combined.
    ParametersMismatch,
    /// A key switch or product needed a key that was not generated.
    MissingKey {
        what: &'static str,
        galois_element: Option<u64>,
    },
    /// The parameters have no special primes, so keys cannot be switched.
    NoSpecialPrimes,
    /// Ciphertext degree not valid for this operation.
    InvalidDegree {
        degree: usize,
        expected: &'static str,
    },
    /// A level outside `0 ..= L` or above the operand's level.
    InvalidLevel { level: usize, max: usize },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Params(e) => write!(f, "parameters: {e}"),
            Self::Rns(e) => write!(f, "{e}"),
            Self::ParametersMismatch => write!(f, "objects belong to different parameters"),
            Self::MissingKey {
                what,
                galois_element: Some(g),
            } => {
                write!(f, "no {what} for Galois element {g}: generate it first")
            }
            Self::MissingKey {
                what,
                galois_element: None,
            } => write!(f, "no {what}: generate it first"),
            Self::NoSpecialPrimes => write!(
                f,
                "parameters have no special primes P: key switching is impossible"
            ),
            Self::InvalidDegree { degree, expected } => {
                write!(f, "ciphertext of degree {degree}, expected {expected}")
            }
            Self::InvalidLevel { level, max } => write!(f, "level {level} is above {max}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<ParamsError> for Error {
    fn from(e: ParamsError) -> Self {
        Self::Params(e)
    }
}

impl From<blindfold_rns::Error> for Error {
    fn from(e: blindfold_rns::Error) -> Self {
        Self::Rns(e)
    }
}
