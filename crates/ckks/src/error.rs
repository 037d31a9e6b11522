use core::fmt;

/// Errors of the CKKS layer.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// From the RLWE core (parameters, keys, limbs).
    Rlwe(blindfold_rlwe::Error),
    /// Slot count not a power of two in `1 ..= N/2`.
    InvalidSlots { slots: usize, max: usize },
    /// More values than slots.
    TooManyValues { values: usize, slots: usize },
    /// A value is NaN or infinite.
    NonFiniteValue,
    /// A scale below 1, NaN or infinite.
    InvalidScale { scale: f64 },
    /// A level outside `0 ..= max`.
    InvalidLevel { level: usize, max: usize },
    /// The operation needs a level the operand does not have.
    OutOfLevels { op: &'static str },
    /// Operands at the same level whose scales differ and cannot be matched.
    ScaleMismatch { left: f64, right: f64 },
    /// A plaintext below the ciphertext's level.
    PlaintextLevel { plaintext: usize, ciphertext: usize },
    /// Ciphertext degree not valid for the operation (e.g. rotating before relinearizing).
    InvalidDegree {
        degree: usize,
        expected: &'static str,
    },
    /// No Galois key for a rotation (`k`) or conjugation.
    MissingRotationKey {
        rotation: Option<i64>,
        galois_element: u64,
    },
    /// No relinearization key.
    MissingRelinearizationKey,
    /// Noise flooding would leave fewer bits than required.
    ReleasePrecision { bits: f64, required: f64 },
    /// An invalid flooding policy.
    InvalidPolicy(&'static str),
    /// `refresh` on an evaluator built without bootstrapping keys.
    NoBootstrapping,
    /// A bootstrap configuration or set-up that cannot work.
    InvalidBootstrap { reason: &'static str },
    /// `refresh` of a ciphertext below the lowest level the bootstrap accepts.
    RefreshInput { level: usize, min: usize },
    /// An invariant that should always hold did not (a bug: please report).
    Internal(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rlwe(e) => write!(f, "{e}"),
            Self::InvalidSlots { slots, max } => {
                write!(f, "{slots} slots: must be a power of two at most {max}")
            }
            Self::TooManyValues { values, slots } => {
                write!(f, "{values} values do not fit in {slots} slots")
            }
            Self::NonFiniteValue => write!(f, "a value to encode is NaN or infinite"),
            Self::InvalidScale { scale } => write!(f, "invalid scale {scale}"),
            Self::InvalidLevel { level, max } => write!(f, "level {level} is above {max}"),
            Self::OutOfLevels { op } => {
                write!(f, "{op} needs a level, but the operand has none left")
            }
            Self::ScaleMismatch { left, right } => write!(
                f,
                "scales 2^{:.6} and 2^{:.6} at the same level cannot be matched",
                left.log2(),
                right.log2()
            ),
            Self::PlaintextLevel {
                plaintext,
                ciphertext,
            } => write!(
                f,
                "plaintext at level {plaintext} is below the ciphertext's level {ciphertext}"
            ),
            Self::InvalidDegree { degree, expected } => {
                write!(f, "ciphertext of degree {degree}, expected {expected}")
            }
            Self::MissingRotationKey {
                rotation: Some(k),
                galois_element,
            } => write!(
                f,
                "no Galois key for a rotation by {k} (element {galois_element}): generate it first"
            ),
            Self::MissingRotationKey {
                rotation: None,
                galois_element,
            } => write!(
                f,
                "no Galois key for element {galois_element}: generate it first"
            ),
            Self::MissingRelinearizationKey => {
                write!(f, "no relinearization key: generate it first")
            }
            Self::ReleasePrecision { bits, required } => write!(
                f,
                "noise flooding leaves {bits:.1} bits of precision, below the {required:.1} required"
            ),
            Self::InvalidPolicy(why) => write!(f, "invalid flooding policy: {why}"),
            Self::NoBootstrapping => write!(
                f,
                "this evaluator cannot refresh: build it with bootstrapping keys first"
            ),
            Self::InvalidBootstrap { reason } => write!(f, "invalid bootstrap: {reason}"),
            Self::RefreshInput { level, min } => write!(
                f,
                "refresh needs a ciphertext at level {min} or above, got level {level}"
            ),
            Self::Internal(what) => write!(f, "internal error: {what}"),
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
