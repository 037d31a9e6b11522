use core::fmt;

/// Errors of the RNS layer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A modulus or prime search failed.
    Modulus(blindfold_modarith::Error),
    /// An NTT plan could not be built.
    Ntt(blindfold_ntt::Error),
    /// The ring degree `2^log_n` is outside the supported range.
    InvalidDegree { log_n: u32 },
    /// The chain has no ciphertext modulus.
    EmptyChain,
    /// The same prime appears twice in the chain.
    DuplicateModulus { value: u64 },
    /// Operands live in different ring contexts.
    ContextMismatch,
    /// Operands have different limb sets.
    BasisMismatch {
        left: (usize, usize),
        right: (usize, usize),
    },
    /// An operation needs limbs the polynomial does not have.
    InvalidLimbs {
        what: &'static str,
        q_limbs: usize,
        p_limbs: usize,
    },
    /// A Galois element must be odd and below `2N`.
    InvalidGaloisElement { element: u64, two_n: u64 },
    /// A data vector has the wrong length.
    LengthMismatch { expected: usize, actual: usize },
    /// A Hamming weight larger than the ring degree was asked for.
    InvalidHammingWeight { weight: usize, n: usize },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Modulus(e) => write!(f, "modulus: {e}"),
            Self::Ntt(e) => write!(f, "ntt: {e}"),
            Self::InvalidDegree { log_n } => {
                write!(
                    f,
                    "ring degree 2^{log_n} is outside the supported range 2^4..=2^17"
                )
            }
            Self::EmptyChain => write!(f, "the modulus chain has no ciphertext prime"),
            Self::DuplicateModulus { value } => {
                write!(f, "prime {value} appears twice in the chain")
            }
            Self::ContextMismatch => write!(f, "operands belong to different ring contexts"),
            Self::BasisMismatch { left, right } => write!(
                f,
                "operands have different limbs: (Q, P) = {left:?} vs {right:?}"
            ),
            Self::InvalidLimbs {
                what,
                q_limbs,
                p_limbs,
            } => write!(
                f,
                "{what} is not possible with {q_limbs} Q limbs and {p_limbs} P limbs"
            ),
            Self::InvalidGaloisElement { element, two_n } => {
                write!(
                    f,
                    "Galois element {element} must be odd and below 2N = {two_n}"
                )
            }
            Self::LengthMismatch { expected, actual } => {
                write!(f, "expected {expected} values, got {actual}")
            }
            Self::InvalidHammingWeight { weight, n } => {
                write!(f, "Hamming weight {weight} exceeds the ring degree {n}")
            }
        }
    }
}

impl std::error::Error for Error {}

impl From<blindfold_modarith::Error> for Error {
    fn from(e: blindfold_modarith::Error) -> Self {
        Self::Modulus(e)
    }
}

impl From<blindfold_ntt::Error> for Error {
    fn from(e: blindfold_ntt::Error) -> Self {
        Self::Ntt(e)
    }
}
