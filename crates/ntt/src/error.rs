use core::fmt;

use crate::Kernel;

/// Why a modulus was rejected by [`NttPlan::new`](crate::NttPlan::new).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModulusIssue {
    /// `q < 2` or `q >= 2^62` (lazy butterflies keep values below `4q`, which must fit a word).
    OutOfRange,
    /// `q` is not prime.
    NotPrime,
    /// `q` is prime but not congruent to 1 modulo `2N`, so no primitive `2N`-th root exists.
    NotOneMod2N,
}

/// Errors of plan construction. Every variant carries the values that caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// `n` is not a power of two in `[MIN_DEGREE, MAX_DEGREE]`.
    InvalidDegree { n: usize },
    /// `q` cannot serve as an NTT modulus for degree `n`.
    InvalidModulus {
        q: u64,
        n: usize,
        issue: ModulusIssue,
    },
    /// The root search failed although `q` passed the checks above (not expected to happen).
    NoRoot { q: u64, two_n: u64 },
    /// The requested kernel needs a CPU feature this machine lacks.
    KernelUnavailable { kernel: Kernel },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidDegree { n } => write!(
                f,
                "NTT degree {n} is not a power of two in [{}, {}]",
                crate::MIN_DEGREE,
                crate::MAX_DEGREE
            ),
            Self::InvalidModulus { q, n, issue } => {
                let why = match issue {
                    ModulusIssue::OutOfRange => "it is outside [2, 2^62)",
                    ModulusIssue::NotPrime => "it is not prime",
                    ModulusIssue::NotOneMod2N => "it is not congruent to 1 modulo 2N",
                };
                write!(f, "modulus {q} is unusable for an NTT of degree {n}: {why}")
            }
            Self::NoRoot { q, two_n } => {
                write!(f, "no primitive {two_n}-th root of unity found modulo {q}")
            }
            Self::KernelUnavailable { kernel } => {
                write!(f, "the {kernel:?} NTT kernel is not supported by this CPU")
            }
        }
    }
}

impl std::error::Error for Error {}
