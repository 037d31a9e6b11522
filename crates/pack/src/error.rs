//! Errors of the packing layer: shapes that do not fit, and the backend's own errors.

use core::fmt;

/// A shape, layout or plan that cannot be used. Found before any ciphertext is touched.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShapeError {
    /// A matrix or layout with no rows or no columns.
    Empty { rows: usize, cols: usize },
    /// `data.len()` is not `rows · cols`, or a row has the wrong length.
    LengthMismatch { expected: usize, found: usize },
    /// More slots needed than the backend has.
    DoesNotFit { needed: usize, slots: usize },
    /// A size that must be a power of two is not.
    NotPowerOfTwo { what: &'static str, value: usize },
    /// A replication period that does not divide the slot count or is shorter than the vector.
    InvalidPeriod {
        period: usize,
        cols: usize,
        slots: usize,
    },
    /// A rotate-and-sum stride of zero.
    ZeroStride,
    /// A number of baby steps outside `1..=slots`.
    InvalidBabySteps { baby_steps: usize, slots: usize },
    /// A diagonal index outside `0..slots`.
    InvalidDiagonal { index: usize, slots: usize },
    /// Planned for one slot count, run on a backend with another.
    SlotsMismatch { planned: usize, backend: usize },
    /// The operand is below the level the plaintexts were encoded at, or has no level left.
    LevelTooLow { needed: usize, found: usize },
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty { rows, cols } => write!(f, "empty {rows} x {cols} matrix"),
            Self::LengthMismatch { expected, found } => {
                write!(f, "expected {expected} values, found {found}")
            }
            Self::DoesNotFit { needed, slots } => {
                write!(f, "{needed} slots needed, the backend has {slots}")
            }
            Self::NotPowerOfTwo { what, value } => {
                write!(f, "{what} must be a power of two, got {value}")
            }
            Self::InvalidPeriod {
                period,
                cols,
                slots,
            } => write!(
                f,
                "period {period} must be at least {cols} and divide the {slots} slots"
            ),
            Self::ZeroStride => write!(f, "rotate-and-sum stride must be at least 1"),
            Self::InvalidBabySteps { baby_steps, slots } => {
                write!(f, "{baby_steps} baby steps: must be in 1..={slots}")
            }
            Self::InvalidDiagonal { index, slots } => {
                write!(f, "diagonal {index} outside 0..{slots}")
            }
            Self::SlotsMismatch { planned, backend } => {
                write!(f, "planned for {planned} slots, the backend has {backend}")
            }
            Self::LevelTooLow { needed, found } => {
                write!(f, "needs level {needed}, the operand is at level {found}")
            }
        }
    }
}

impl std::error::Error for ShapeError {}

/// An error of a packed computation: a bad shape, or an error of the backend `E`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackError<E> {
    Shape(ShapeError),
    Backend(E),
}

impl<E> From<ShapeError> for PackError<E> {
    fn from(e: ShapeError) -> Self {
        Self::Shape(e)
    }
}

impl<E: fmt::Display> fmt::Display for PackError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Shape(e) => e.fmt(f),
            Self::Backend(e) => write!(f, "backend: {e}"),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for PackError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Shape(e) => Some(e),
            Self::Backend(e) => Some(e),
        }
    }
}

/// Wraps a backend result (`?` cannot convert a generic `E` into `PackError<E>`).
pub(crate) fn be<T, E>(r: Result<T, E>) -> Result<T, PackError<E>> {
    r.map_err(PackError::Backend)
}
