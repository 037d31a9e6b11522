//! Matrices in slots: row-major blocks of power-of-two width, replication, masks, and
//! rotate-and-sum inside and across blocks in `log2` rotations.
//!
//! A [`BlockLayout`] puts row `i` of an `rows × cols` matrix at slots
//! `i·width .. i·width + cols`, with `width` = `cols` rounded up to a power of two and the
//! rows padded to `height` (a power of two), so `height · width ≤ slots`. Padding slots are
//! zero, which is what lets the log-depth sums below read past a block without error.

use std::collections::BTreeSet;

use blindfold_rlwe::{SlotAlgebra, SlotScalar};

use crate::error::{PackError, ShapeError, be};
use crate::matrix::Matrix;
use crate::plan::{Cost, Plan};

/// Smallest power of two `≥ n` (1 for 0).
pub fn next_power_of_two(n: usize) -> usize {
    n.max(1).next_power_of_two()
}

/// `v` repeated with period `period` over `slots` slots (`slot j = v[j mod period]`, zero
/// where `j mod period ≥ v.len()`): the replicated input of
/// [`InputLayout::Replicated`](crate::lintrans::InputLayout::Replicated).
pub fn replicate<S: SlotScalar>(
    v: &[S],
    period: usize,
    slots: usize,
) -> Result<Vec<S>, ShapeError> {
    if period == 0 || period < v.len() || !slots.is_multiple_of(period) {
        return Err(ShapeError::InvalidPeriod {
            period,
            cols: v.len(),
            slots,
        });
    }
    Ok((0..slots)
        .map(|j| v.get(j % period).copied().unwrap_or(S::ZERO))
        .collect())
}

/// A matrix packed row by row into power-of-two blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockLayout {
    rows: usize,
    cols: usize,
    width: usize,
    height: usize,
    slots: usize,
}

impl BlockLayout {
    /// The smallest layout of a `rows × cols` matrix: `width = next_pow2(cols)`,
    /// `height = next_pow2(rows)`.
    pub fn new(rows: usize, cols: usize, slots: usize) -> Result<Self, ShapeError> {
        Self::with_width(rows, cols, next_power_of_two(cols), slots)
    }

    /// A layout with a chosen block width (a power of two `≥ cols`), e.g. to match another
    /// matrix's blocks.
    pub fn with_width(
        rows: usize,
        cols: usize,
        width: usize,
        slots: usize,
    ) -> Result<Self, ShapeError> {
        if rows == 0 || cols == 0 {
            return Err(ShapeError::Empty { rows, cols });
        }
        if !width.is_power_of_two() {
            return Err(ShapeError::NotPowerOfTwo {
                what: "block width",
                value: width,
            });
        }
        if width < cols {
            return Err(ShapeError::LengthMismatch {
                expected: width,
                found: cols,
            });
        }
        let height = next_power_of_two(rows);
        let needed = height.saturating_mul(width);
        if needed > slots {
            return Err(ShapeError::DoesNotFit { needed, slots });
        }
        Ok(Self {
            rows,
            cols,
            width,
            height,
            slots,
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Block (padded row) width, a power of two.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Padded number of rows, a power of two.
    pub fn height(&self) -> usize {
        self.height
    }

    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Slot of entry `(i, j)`.
    pub fn slot(&self, i: usize, j: usize) -> usize {
        i * self.width + j
    }

    /// The slot vector of `m` (which must be `rows × cols`).
    pub fn pack<S: SlotScalar>(&self, m: &Matrix<S>) -> Result<Vec<S>, ShapeError> {
        if (m.rows(), m.cols()) != (self.rows, self.cols) {
            return Err(ShapeError::LengthMismatch {
                expected: self.rows * self.cols,
                found: m.rows() * m.cols(),
            });
        }
        let mut v = vec![S::ZERO; self.slots];
        for i in 0..self.rows {
            let s = self.slot(i, 0);
            v[s..s + self.cols].copy_from_slice(m.row(i));
        }
        Ok(v)
    }

    /// The matrix held in a slot vector (padding ignored).
    pub fn unpack<S: SlotScalar>(&self, values: &[S]) -> Result<Matrix<S>, ShapeError> {
        if values.len() < self.height * self.width {
            return Err(ShapeError::LengthMismatch {
                expected: self.height * self.width,
                found: values.len(),
            });
        }
        Matrix::from_fn(self.rows, self.cols, |i, j| values[self.slot(i, j)])
    }

    /// `v` (length `cols`) copied into each of the `rows` blocks: the right operand of a
    /// slot-wise product with a packed matrix.
    pub fn replicate_row<S: SlotScalar>(&self, v: &[S]) -> Result<Vec<S>, ShapeError> {
        if v.len() != self.cols {
            return Err(ShapeError::LengthMismatch {
                expected: self.cols,
                found: v.len(),
            });
        }
        let mut out = vec![S::ZERO; self.slots];
        for i in 0..self.rows {
            let s = self.slot(i, 0);
            out[s..s + self.cols].copy_from_slice(v);
        }
        Ok(out)
    }

    /// `v[i]` (length `rows`) in the first slot of block `i`.
    pub fn column<S: SlotScalar>(&self, v: &[S]) -> Result<Vec<S>, ShapeError> {
        if v.len() != self.rows {
            return Err(ShapeError::LengthMismatch {
                expected: self.rows,
                found: v.len(),
            });
        }
        let mut out = vec![S::ZERO; self.slots];
        for (i, &x) in v.iter().enumerate() {
            out[self.slot(i, 0)] = x;
        }
        Ok(out)
    }

    /// A plaintext mask: one at the slots of the entries `(i, j)` (inside the matrix) where
    /// `keep(i, j)`, zero elsewhere.
    pub fn mask<S: SlotScalar>(&self, keep: impl Fn(usize, usize) -> bool) -> Vec<S> {
        let mut out = vec![S::ZERO; self.slots];
        for i in 0..self.rows {
            for j in 0..self.cols {
                if keep(i, j) {
                    out[self.slot(i, j)] = S::ONE;
                }
            }
        }
        out
    }

    /// Sums each block into its first slot (row sums), `log2(width)` rotations.
    pub fn sum_within_blocks(&self) -> RotateSum {
        RotateSum::checked(self.slots, 1, self.width, Direction::Gather)
    }

    /// Copies the first slot of each block over the block, `log2(width)` rotations.
    pub fn spread_within_blocks(&self) -> RotateSum {
        RotateSum::checked(self.slots, 1, self.width, Direction::Spread)
    }

    /// Sums the blocks into the first block (column sums), `log2(height)` rotations.
    pub fn sum_across_blocks(&self) -> RotateSum {
        RotateSum::checked(self.slots, self.width, self.height, Direction::Gather)
    }

    /// Copies the first block into all `height` blocks, `log2(height)` rotations.
    pub fn spread_across_blocks(&self) -> RotateSum {
        RotateSum::checked(self.slots, self.width, self.height, Direction::Spread)
    }
}

/// Which way a [`RotateSum`] accumulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Left rotations: slot `i` ends up with `Σ_{t < count} x[i + t·stride]`.
    Gather,
    /// Right rotations: slot `i` ends up with `Σ_{t < count} x[i − t·stride]`.
    Spread,
}

/// `x ← x + rot(x, ±stride·2^j)` for `j < log2(count)`: a sum of `count` shifted copies in
/// `log2(count)` rotations and no multiplication (indices cyclic modulo the slot count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RotateSum {
    slots: usize,
    stride: usize,
    count: usize,
    direction: Direction,
}

impl RotateSum {
    /// `count` must be a power of two, `stride ≥ 1` and `stride · count ≤ slots`.
    pub fn new(
        slots: usize,
        stride: usize,
        count: usize,
        direction: Direction,
    ) -> Result<Self, ShapeError> {
        if !count.is_power_of_two() {
            return Err(ShapeError::NotPowerOfTwo {
                what: "rotate-and-sum count",
                value: count,
            });
        }
        if stride == 0 {
            return Err(ShapeError::ZeroStride);
        }
        let needed = stride.saturating_mul(count);
        if needed > slots {
            return Err(ShapeError::DoesNotFit { needed, slots });
        }
        Ok(Self {
            slots,
            stride,
            count,
            direction,
        })
    }

    /// For shapes a [`BlockLayout`] already checked.
    fn checked(slots: usize, stride: usize, count: usize, direction: Direction) -> Self {
        debug_assert!(count.is_power_of_two() && stride >= 1 && stride * count <= slots);
        Self {
            slots,
            stride,
            count,
            direction,
        }
    }

    pub fn count(&self) -> usize {
        self.count
    }

    pub fn stride(&self) -> usize {
        self.stride
    }

    /// The signed rotations, in the order applied.
    fn steps(&self) -> impl Iterator<Item = i64> + '_ {
        let sign = match self.direction {
            Direction::Gather => 1,
            Direction::Spread => -1,
        };
        (0..self.count.trailing_zeros()).map(move |j| sign * (self.stride << j) as i64)
    }

    /// Runs the sum on `ct`.
    pub fn apply<A: SlotAlgebra>(&self, alg: &A, ct: &A::Ct) -> Result<A::Ct, PackError<A::Error>> {
        if alg.slots() != self.slots {
            return Err(ShapeError::SlotsMismatch {
                planned: self.slots,
                backend: alg.slots(),
            }
            .into());
        }
        let mut acc = ct.clone();
        for k in self.steps() {
            let r = be(alg.rotate(&acc, k))?;
            acc = be(alg.add(&acc, &r))?;
        }
        Ok(acc)
    }
}

impl Plan for RotateSum {
    fn rotations_needed(&self) -> BTreeSet<usize> {
        let n = self.slots as i64;
        self.steps()
            .map(|k| k.rem_euclid(n) as usize)
            .filter(|&k| k != 0)
            .collect()
    }

    fn cost(&self) -> Cost {
        Cost {
            rotations: self.count.trailing_zeros() as usize,
            ..Cost::default()
        }
    }
}
