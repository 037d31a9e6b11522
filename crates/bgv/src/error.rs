use core::fmt;

/// Errors of the BGV layer.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// From the RLWE core (parameters, keys, limbs, missing keys).
    Rlwe(blindfold_rlwe::Error),
    /// The plaintext modulus `t` is unusable (below 2, too large, or sharing a factor with
    /// a ciphertext or special prime).
    InvalidPlaintextModulus { t: u64, reason: &'static str },
    /// Slot (batch) encoding needs `t` prime with `t ≡ 1 (mod 2N)`.
    NoBatching { t: u64, two_n: u64 },
    /// More values than slots (or coefficients).
    TooManyValues { values: usize, slots: usize },
    /// An unsigned value at or above `t`.
    ValueOutOfRange { value: u64, t: u64 },
    /// A level outside `0 ..= max`.
    InvalidLevel { level: usize, max: usize },
    /// The operation needs a level the operand does not have.
    OutOfLevels { op: &'static str },
    /// Ciphertext or plaintext built for other parameters.
    ParametersMismatch,
    /// A correction factor that is 0, not below `t`, or not invertible modulo `t`.
    InvalidCorrection { correction: u64, t: u64 },
    /// Ciphertext degree not valid for the operation (e.g. rotating before relinearizing).
    InvalidDegree {
        degree: usize,
        expected: &'static str,
    },
    /// The noise filled the modulus: decrypting would return a wrong message.
    DecryptionFailure { log2_noise: f64, log2_modulus: f64 },
    /// An operation this scheme does not provide (e.g. refresh: BGV has no bootstrapping here).
    Unsupported { op: &'static str },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rlwe(e) => write!(f, "{e}"),
            Self::InvalidPlaintextModulus { t, reason } => {
                write!(f, "plaintext modulus t = {t}: {reason}")
            }
            Self::NoBatching { t, two_n } => write!(
                f,
                "slot encoding needs a prime t ≡ 1 mod 2N = {two_n}; t = {t} is not (use coefficient encoding)"
            ),
            Self::TooManyValues { values, slots } => {
                write!(f, "{values} values do not fit in {slots} slots")
            }
            Self::ValueOutOfRange { value, t } => {
                write!(f, "value {value} is not below the plaintext modulus {t}")
            }
            Self::InvalidLevel { level, max } => write!(f, "level {level} is above {max}"),
            Self::OutOfLevels { op } => {
                write!(f, "{op} needs a level, but the operand has none left")
            }
            Self::ParametersMismatch => write!(f, "objects belong to different parameters"),
            Self::InvalidCorrection { correction, t } => write!(
                f,
                "correction factor {correction} is not an invertible residue modulo t = {t}"
            ),
            Self::InvalidDegree { degree, expected } => {
                write!(f, "ciphertext of degree {degree}, expected {expected}")
            }
            Self::Unsupported { op } => write!(f, "{op} is not supported by BGV here"),
            Self::DecryptionFailure {
                log2_noise,
                log2_modulus,
            } => write!(
                f,
                "noise of 2^{log2_noise:.1} fills the modulus 2^{log2_modulus:.1}: no noise budget left, decryption would be wrong"
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<blindfold_rlwe::Error> for Error {
    fn from(e: blindfold_rlwe::Error) -> Self {
        Self::Rlwe(e)
    }
}

impl From<blindfold_rns::Error> for Error {
    fn from(e: blindfold_rns::Error) -> Self {
        Self::Rlwe(e.into())
    }
}
