use core::fmt;

/// Errors of this crate. Every variant carries the values that caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The modulus must satisfy `2 <= q < 2^62`.
    ModulusOutOfRange { value: u64 },
    /// Prime bit sizes must lie in `[2, 62]` and leave room for the `2N`-th roots.
    InvalidPrimeBits { bits: u32, two_n: u64 },
    /// `2N` must be a power of two, at least 2.
    InvalidOrder { two_n: u64 },
    /// Fewer primes of the requested shape exist than were asked for.
    NotEnoughPrimes {
        bits: u32,
        two_n: u64,
        requested: usize,
        found: usize,
    },
    /// The modulus is not a prime congruent to 1 modulo `2N`.
    NoRootOfUnity { modulus: u64, two_n: u64 },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ModulusOutOfRange { value } => {
                write!(f, "modulus {value} is out of range: need 2 <= q < 2^62")
            }
            Self::InvalidPrimeBits { bits, two_n } => write!(
                f,
                "cannot search {bits}-bit primes congruent to 1 mod {two_n}: need 2 <= bits <= 62 and 2^bits > 2N"
            ),
            Self::InvalidOrder { two_n } => {
                write!(f, "2N = {two_n} is not a power of two >= 2")
            }
            Self::NotEnoughPrimes {
                bits,
                two_n,
                requested,
                found,
            } => write!(
                f,
                "asked for {requested} primes of {bits} bits congruent to 1 mod {two_n}, found only {found}"
            ),
            Self::NoRootOfUnity { modulus, two_n } => write!(
                f,
                "{modulus} has no primitive {two_n}-th root of unity (not a prime = 1 mod {two_n})"
            ),
        }
    }
}

impl std::error::Error for Error {}
