//! Volley Revolver (Chiang 2023): the products `A·Bᵀ` and `Eᵀ·A` of a row-packed data matrix
//! `A` (`n × d`, e.g. the training features) with a small matrix `B` (`c × d`, the weights)
//! whose rows are cycled against `A`'s rows, and the transposed product the gradient needs,
//! without decrypting or re-encrypting anything.
//!
//! # Layouts (`S` slots; `d'`, `c'` are `d`, `c` rounded up to powers of two)
//!
//! * **A** ("data"): one block of `w` slots per row, `R = S / w` rows per ciphertext, with
//!   `w` chosen by [`VolleyLayout::new`] to minimise an iteration's rotations (products of
//!   different column chunks add up for free while row chunks must be merged with rotations,
//!   and the final sum over rows costs `log2(R / c')` per column chunk). Ciphertext `q·H + h`
//!   holds rows `q·R ..` and columns `h·w ..` (`Q` row chunks, `H` column chunks). For `X` of 128 × 512 at `S = 2^15`: `w = 256`, `R = 128`,
//!   two ciphertexts, one per half of the columns.
//! * **B** ("volley"): ciphertext `h` holds, in block `b`, row `b mod c'` of `B` (its columns
//!   `h·w ..`): `B`'s rows stacked and replicated to `A`'s height (`R / c'` copies).
//! * **Scores** (`A·Bᵀ`, and the `E` that goes into `Eᵀ·A`): the `Q·c'` "items" `(q, u)` are
//!   merged `g = min(w, Q·c')` to a ciphertext; block `b` of item `(q, u)`'s ciphertext has
//!   its value at slot `b·w + sb·(j + g − 1) mod S` (`j` the item's index in its group,
//!   `sb = w / g`), the entry `(q·R + (b − u) mod R, b mod c')`. Each entry appears once.
//!
//! # Algorithms
//!
//! * [`cycle`] (once per data matrix): `A_u = rot(A, −u·w)` for `u < c'`, i.e. `A`'s rows
//!   moved down by `u`. Slot block `b` of `A_u ⊙ B` then pairs data row `b − u` with class
//!   `b mod c'`, so the `c'` shifts pair every row with every class. (Chiang cycles `B`; `A`
//!   is constant across training iterations, so cycling it once saves the rotations every
//!   iteration.)
//! * [`product`] `A·Bᵀ`: `P_u = Σ_h A_{h,u} ⊙ B_h` (ct × ct), then the `g` items of a group
//!   are merged into one ciphertext, item `j` into sub-block `j` of every block, each
//!   sub-block holding the item's partial sums over the `g` sub-blocks: `C = Σ_s rot(Z_s,
//!   −sb·(top − s))` with `Z_s = Σ_t mask_t ⊙ P_{t+g−1−s}`, evaluated Horner-style with a
//!   single rotation key (`−sb`), `g + m − 2` rotations and **one** level of plaintext masks;
//!   finally a log-depth rotate-and-sum inside the sub-blocks (`log2 sb` rotations).
//! * [`transposed_product`] `Eᵀ·A` (for a clean `E`: zero outside the item slots): each
//!   item value is spread over its sub-block (`log2 sb` rotations), shifted copies
//!   `rot(Ẽ, 1 + sb·k)` for `k = −1 .. m + g − 3` are made (a chain with one key, or hoisted),
//!   and item `j`'s block-replicated `E_j = Σ_t mask_t ⊙ rot(Ẽ, σ(j, t))` (one level) meets its
//!   cycled `A_u`: `T_h = Σ_j E_j ⊙ A_{h,u}` (ct × ct). Block `b` of `T_h` sums data rows
//!   `b − u` with class `b mod c'`; a rotate-and-sum over blocks with stride `c'·w`
//!   (`log2(R / c')` rotations) finishes the sum over all rows and leaves `(Eᵀ·A)` in the
//!   **B** layout, replicated, ready to update `B`.
//!
//! For the transfer-learning shapes (`X` 128 × 512 → 2 ciphertexts, `W` 10 × 512, `c' = 16`)
//! an iteration (`product` + `transposed_product`) takes 75 rotations, 64 ct × ct and 512
//! ct × pt products and 4 levels, with 10 distinct rotation keys (chain style); cycling `X`
//! once takes 30 more rotations. The ct × ct products come as 18 sums
//! (`SlotAlgebra::mul_sum`): 18 relinearizations on a backend that batches them. Chiang's implementation: ≈ 3,040 rotations and 421 ct × ct
//! products per iteration.

use std::collections::BTreeSet;

use blindfold_rlwe::{SlotAlgebra, SlotScalar};

use crate::error::{PackError, ShapeError, be};
use crate::layout::{Direction, RotateSum, next_power_of_two};
use crate::matrix::Matrix;
use crate::plan::{Cost, Plan};

/// The shapes of a Volley Revolver computation: `A` is `rows × cols`, `B` is
/// `classes × cols`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolleyShape {
    pub rows: usize,
    pub cols: usize,
    pub classes: usize,
}

/// How several rotations of one ciphertext are made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RotationStyle {
    /// Each from the previous one by the same offset: one Galois key per chain. At
    /// `N = 2^16` a key is ≈ 100 MB, so this is the default.
    #[default]
    Chain,
    /// All from the same ciphertext with `rotate_many` (hoisted: cheaper per rotation), one
    /// key per offset.
    Hoisted,
}

/// Where the slots of the three layouts are (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolleyLayout {
    shape: VolleyShape,
    slots: usize,
    /// Block width `w` (slots per row).
    width: usize,
    /// Rows per ciphertext `R = slots / width`.
    height: usize,
    /// Row chunks `Q`.
    row_chunks: usize,
    /// Column chunks `H`.
    col_chunks: usize,
    /// Class period `c'`.
    period: usize,
    /// Items per merged ciphertext `g`.
    group: usize,
    /// Sub-block size `sb = w / g`.
    sub: usize,
    /// Sum (and spread) inside sub-blocks: stride 1, `sb` terms.
    sub_sum: RotateSum,
    /// Sum over a class row's `R / c'` copies: stride `c'·w`.
    row_sum: RotateSum,
}

impl VolleyLayout {
    /// The layout for `shape` on a backend with `slots` slots (a power of two): of the
    /// block widths `w ≤ d'` with `c' ≤ slots / w`, the one whose iteration ([`Stage::Product`]
    /// then [`Stage::Transpose`]) takes the fewest rotations, then the fewest products.
    pub fn new(shape: VolleyShape, slots: usize) -> Result<Self, ShapeError> {
        let period = Self::check_shape(shape, slots)?;
        let widest = next_power_of_two(shape.cols).min(slots / period);
        let mut best: Option<(Cost, Self)> = None;
        let mut width = 1;
        while width <= widest {
            let layout = Self::with_width(shape, slots, width)?;
            let cost = layout
                .plan_stages(&[Stage::Product, Stage::Transpose], RotationStyle::Chain)
                .cost();
            let key = |c: &Cost| (c.rotations, c.ct_mul, c.pt_mul);
            if best.as_ref().is_none_or(|(b, _)| key(&cost) <= key(b)) {
                best = Some((cost, layout));
            }
            width *= 2;
        }
        best.map(|(_, l)| l).ok_or(ShapeError::DoesNotFit {
            needed: period,
            slots,
        })
    }

    /// The layout with block width `width`: a power of two with `c' · width ≤ slots`.
    pub fn with_width(shape: VolleyShape, slots: usize, width: usize) -> Result<Self, ShapeError> {
        let period = Self::check_shape(shape, slots)?;
        if !width.is_power_of_two() {
            return Err(ShapeError::NotPowerOfTwo {
                what: "block width",
                value: width,
            });
        }
        if width > slots / period {
            return Err(ShapeError::DoesNotFit {
                needed: width.saturating_mul(period),
                slots,
            });
        }
        let height = slots / width;
        let row_chunks = shape.rows.div_ceil(height);
        let col_chunks = shape.cols.div_ceil(width);
        let items = row_chunks * period;
        let group = width.min(next_power_of_two(items));
        let sub = width / group;
        Ok(Self {
            shape,
            slots,
            width,
            height,
            row_chunks,
            col_chunks,
            period,
            group,
            sub,
            sub_sum: RotateSum::new(slots, 1, sub, Direction::Gather)?,
            row_sum: RotateSum::new(slots, period * width, height / period, Direction::Gather)?,
        })
    }

    /// Checks the shape and slot count; returns the class period `c'`.
    fn check_shape(shape: VolleyShape, slots: usize) -> Result<usize, ShapeError> {
        let VolleyShape {
            rows,
            cols,
            classes,
        } = shape;
        if rows == 0 || cols == 0 {
            return Err(ShapeError::Empty { rows, cols });
        }
        if classes == 0 {
            return Err(ShapeError::Empty {
                rows: classes,
                cols,
            });
        }
        if !slots.is_power_of_two() {
            return Err(ShapeError::NotPowerOfTwo {
                what: "slot count",
                value: slots,
            });
        }
        let period = next_power_of_two(classes);
        if period > slots {
            return Err(ShapeError::DoesNotFit {
                needed: period,
                slots,
            });
        }
        Ok(period)
    }

    pub fn shape(&self) -> VolleyShape {
        self.shape
    }

    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Block width `w`: slots per row of `A`.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Rows of `A` per ciphertext.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Row chunks of `A`.
    pub fn row_chunks(&self) -> usize {
        self.row_chunks
    }

    /// Column chunks of `A` (and ciphertexts of `B`).
    pub fn col_chunks(&self) -> usize {
        self.col_chunks
    }

    /// Class period `c'`: `classes` rounded up to a power of two.
    pub fn period(&self) -> usize {
        self.period
    }

    /// Ciphertexts of `A`.
    pub fn a_count(&self) -> usize {
        self.row_chunks * self.col_chunks
    }

    /// Ciphertexts of `B` (and of `Eᵀ·A`).
    pub fn b_count(&self) -> usize {
        self.col_chunks
    }

    /// Items `(q, u)`: one per row chunk and row shift.
    pub fn items(&self) -> usize {
        self.row_chunks * self.period
    }

    /// Ciphertexts of the score layout.
    pub fn score_count(&self) -> usize {
        self.items().div_ceil(self.group)
    }

    /// Items per merged score ciphertext.
    pub fn group(&self) -> usize {
        self.group
    }

    /// Sub-block size `w / group`.
    pub fn sub_block(&self) -> usize {
        self.sub
    }

    /// Items in score ciphertext `gi`.
    fn group_len(&self, gi: usize) -> usize {
        (self.items() - gi * self.group).min(self.group)
    }

    /// Slot of block `b` of item `j` within its group.
    fn item_slot(&self, b: usize, j: usize) -> usize {
        (b * self.width + self.sub * (j + self.group - 1)) % self.slots
    }

    /// The entry `(row, class)` at block `b` of item `(q, u)`, if inside the matrix.
    fn item_entry(&self, q: usize, u: usize, b: usize) -> Option<(usize, usize)> {
        let row = q * self.height + (b + self.height - u % self.height) % self.height;
        let class = b % self.period;
        (row < self.shape.rows && class < self.shape.classes).then_some((row, class))
    }

    /// `(ciphertext, slot)` of each score entry `(row, class)`, in the matrix's row-major order
    /// of visit: calls `f(ct, slot, row, class)`.
    fn for_each_score(&self, mut f: impl FnMut(usize, usize, usize, usize)) {
        for gi in 0..self.score_count() {
            for j in 0..self.group_len(gi) {
                let item = gi * self.group + j;
                let (q, u) = (item / self.period, item % self.period);
                for b in 0..self.height {
                    if let Some((row, class)) = self.item_entry(q, u, b) {
                        f(gi, self.item_slot(b, j), row, class);
                    }
                }
            }
        }
    }

    fn check_matrix<S: SlotScalar>(
        m: &Matrix<S>,
        rows: usize,
        cols: usize,
    ) -> Result<(), ShapeError> {
        if (m.rows(), m.cols()) != (rows, cols) {
            return Err(ShapeError::LengthMismatch {
                expected: rows * cols,
                found: m.rows() * m.cols(),
            });
        }
        Ok(())
    }

    fn check_vectors<S: SlotScalar>(
        &self,
        cts: &[impl AsRef<[S]>],
        count: usize,
    ) -> Result<(), ShapeError> {
        if cts.len() != count {
            return Err(ShapeError::LengthMismatch {
                expected: count,
                found: cts.len(),
            });
        }
        for v in cts {
            if v.as_ref().len() < self.slots {
                return Err(ShapeError::LengthMismatch {
                    expected: self.slots,
                    found: v.as_ref().len(),
                });
            }
        }
        Ok(())
    }

    /// The slot vectors of `A` (`rows × cols`), [`Self::a_count`] of them.
    pub fn encode_a<S: SlotScalar>(&self, a: &Matrix<S>) -> Result<Vec<Vec<S>>, ShapeError> {
        Self::check_matrix(a, self.shape.rows, self.shape.cols)?;
        let mut out = vec![vec![S::ZERO; self.slots]; self.a_count()];
        for i in 0..self.shape.rows {
            let (q, b) = (i / self.height, i % self.height);
            for (h, chunk) in a.row(i).chunks(self.width).enumerate() {
                let s = b * self.width;
                out[q * self.col_chunks + h][s..s + chunk.len()].copy_from_slice(chunk);
            }
        }
        Ok(out)
    }

    /// The slot vectors of `B` (`classes × cols`), [`Self::b_count`] of them: rows stacked
    /// and replicated to `A`'s height.
    pub fn encode_b<S: SlotScalar>(&self, b: &Matrix<S>) -> Result<Vec<Vec<S>>, ShapeError> {
        Self::check_matrix(b, self.shape.classes, self.shape.cols)?;
        let mut out = vec![vec![S::ZERO; self.slots]; self.b_count()];
        for blk in 0..self.height {
            let k = blk % self.period;
            if k >= self.shape.classes {
                continue;
            }
            for (h, chunk) in b.row(k).chunks(self.width).enumerate() {
                let s = blk * self.width;
                out[h][s..s + chunk.len()].copy_from_slice(chunk);
            }
        }
        Ok(out)
    }

    /// `B` (`classes × cols`) read back from its slot vectors (first copy).
    pub fn decode_b<S: SlotScalar>(
        &self,
        cts: &[impl AsRef<[S]>],
    ) -> Result<Matrix<S>, ShapeError> {
        self.check_vectors(cts, self.b_count())?;
        Matrix::from_fn(self.shape.classes, self.shape.cols, |k, j| {
            cts[j / self.width].as_ref()[k * self.width + j % self.width]
        })
    }

    /// The score-layout slot vectors of `m` (`rows × classes`), zero outside the entries'
    /// slots: how the caller supplies `E` (or labels) for [`transposed_product`].
    pub fn encode_scores<S: SlotScalar>(&self, m: &Matrix<S>) -> Result<Vec<Vec<S>>, ShapeError> {
        Self::check_matrix(m, self.shape.rows, self.shape.classes)?;
        let mut out = vec![vec![S::ZERO; self.slots]; self.score_count()];
        self.for_each_score(|ct, slot, row, class| out[ct][slot] = m.get(row, class));
        Ok(out)
    }

    /// The `rows × classes` matrix held in score-layout slot vectors.
    pub fn decode_scores<S: SlotScalar>(
        &self,
        cts: &[impl AsRef<[S]>],
    ) -> Result<Matrix<S>, ShapeError> {
        self.check_vectors(cts, self.score_count())?;
        let (n, c) = (self.shape.rows, self.shape.classes);
        let mut data = vec![S::ZERO; n * c];
        self.for_each_score(|ct, slot, row, class| data[row * c + class] = cts[ct].as_ref()[slot]);
        Matrix::new(n, c, data)
    }

    /// Ones at the score layout's entry slots (inside the matrix), zero elsewhere: folded
    /// into the caller's own plaintext products it cleans a [`product`] output for
    /// [`transposed_product`].
    pub fn score_mask<S: SlotScalar>(&self) -> Vec<Vec<S>> {
        let mut out = vec![vec![S::ZERO; self.slots]; self.score_count()];
        self.for_each_score(|ct, slot, _, _| out[ct][slot] = S::ONE);
        out
    }

    /// Ones on sub-block `t` of every block.
    fn sub_block_mask<S: SlotScalar>(&self, t: usize) -> Vec<S> {
        let mut v = vec![S::ZERO; self.slots];
        for b in 0..self.height {
            let s = b * self.width + t * self.sub;
            v[s..s + self.sub].fill(S::ONE);
        }
        v
    }

    /// The shift `σ(j, t)` taking item `j`'s spread values to sub-block `t`, as an index
    /// `k + 1` into the shifted copies `rot(Ẽ, 1 + sb·k)`, `k ≥ −1`.
    fn shift_index(&self, j: usize, t: usize) -> usize {
        j + self.group - 1 - t
    }

    /// Offsets `1 + sb·k`, `k = −1 .. m + g − 3`, of the shifted copies of a spread group.
    fn spread_shifts(&self, m: usize) -> Vec<i64> {
        let sb = self.sub as i64;
        (-1..=(m + self.group) as i64 - 3)
            .map(|k| 1 + sb * k)
            .collect()
    }

    /// The plan of one stage.
    pub fn plan(&self, stage: Stage, style: RotationStyle) -> VolleyPlan {
        VolleyPlan {
            layout: self.clone(),
            stages: vec![stage],
            style,
        }
    }

    /// The plan of several stages run one after the other.
    pub fn plan_stages(&self, stages: &[Stage], style: RotationStyle) -> VolleyPlan {
        VolleyPlan {
            layout: self.clone(),
            stages: stages.to_vec(),
            style,
        }
    }

    fn check_slots<E>(&self, slots: usize) -> Result<(), PackError<E>> {
        if slots != self.slots {
            return Err(ShapeError::SlotsMismatch {
                planned: self.slots,
                backend: slots,
            }
            .into());
        }
        Ok(())
    }
}

fn count_err<E>(expected: usize, found: usize) -> PackError<E> {
    ShapeError::LengthMismatch { expected, found }.into()
}

/// A stage of the Volley Revolver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// [`cycle`]: the row-shifted copies of `A` (once per data matrix).
    Cycle,
    /// [`product`]: `A·Bᵀ` in the score layout.
    Product,
    /// [`transposed_product`]: `Eᵀ·A` in the **B** layout.
    Transpose,
}

/// The rotations and costs of a sequence of [`Stage`]s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolleyPlan {
    layout: VolleyLayout,
    stages: Vec<Stage>,
    style: RotationStyle,
}

impl VolleyPlan {
    pub fn layout(&self) -> &VolleyLayout {
        &self.layout
    }

    /// Sums of ciphertext products (`SlotAlgebra::mul_sum` calls): the relinearizations when
    /// the backend relinearizes each sum once (otherwise there is one per product).
    pub fn product_sums(&self) -> usize {
        let l = &self.layout;
        self.stages
            .iter()
            .map(|s| match s {
                Stage::Cycle => 0,
                Stage::Product => l.items(),
                Stage::Transpose => l.score_count() * l.col_chunks,
            })
            .sum()
    }

    /// Signed rotation offsets of one stage, each as often as it is applied.
    fn offsets(&self, stage: Stage) -> Vec<i64> {
        let l = &self.layout;
        let w = l.width as i64;
        let mut out = Vec::new();
        match stage {
            Stage::Cycle => {
                for _ in 0..l.a_count() {
                    for u in 1..l.period as i64 {
                        out.push(match self.style {
                            RotationStyle::Chain => -w,
                            RotationStyle::Hoisted => -u * w,
                        });
                    }
                }
            }
            Stage::Product => {
                for gi in 0..l.score_count() {
                    let m = l.group_len(gi);
                    if l.group > 1 {
                        out.extend(std::iter::repeat_n(-(l.sub as i64), l.group + m - 2));
                    }
                    out.extend(sum_offsets(&l.sub_sum));
                }
            }
            Stage::Transpose => {
                for gi in 0..l.score_count() {
                    out.extend(sum_offsets(&l.sub_sum));
                    let shifts = l.spread_shifts(l.group_len(gi));
                    match self.style {
                        RotationStyle::Hoisted => out.extend(shifts.iter().filter(|&&k| k != 0)),
                        RotationStyle::Chain => {
                            if shifts[0] != 0 {
                                out.push(shifts[0]);
                            }
                            out.extend(std::iter::repeat_n(l.sub as i64, shifts.len() - 1));
                        }
                    }
                }
                for _ in 0..l.b_count() {
                    out.extend(sum_offsets(&l.row_sum));
                }
            }
        }
        out
    }

    fn stage_cost(&self, stage: Stage) -> Cost {
        let l = &self.layout;
        let rotations = self
            .offsets(stage)
            .iter()
            .filter(|&&k| k.rem_euclid(l.slots as i64) != 0)
            .count();
        let masks = if l.group > 1 { l.group * l.items() } else { 0 };
        let mask_depth = usize::from(l.group > 1);
        let products = l.items() * l.col_chunks;
        match stage {
            Stage::Cycle => Cost {
                rotations,
                ..Cost::default()
            },
            Stage::Product | Stage::Transpose => Cost {
                rotations,
                ct_mul: products,
                pt_mul: masks,
                depth: 1 + mask_depth,
            },
        }
    }
}

fn sum_offsets(rs: &RotateSum) -> impl Iterator<Item = i64> {
    let stride = rs.stride() as i64;
    (0..rs.count().trailing_zeros()).map(move |j| stride << j)
}

impl Plan for VolleyPlan {
    fn rotations_needed(&self) -> BTreeSet<usize> {
        let n = self.layout.slots as i64;
        self.stages
            .iter()
            .flat_map(|&s| self.offsets(s))
            .map(|k| k.rem_euclid(n) as usize)
            .filter(|&k| k != 0)
            .collect()
    }

    fn cost(&self) -> Cost {
        self.stages
            .iter()
            .map(|&s| self.stage_cost(s))
            .fold(Cost::default(), |a, b| a + b)
    }
}

/// `A`'s row-shifted copies `rot(A, −u·w)`, `u < c'`, made once by [`cycle`].
#[derive(Clone, Debug)]
pub struct CycledA<C> {
    /// `[q·H + h][u]`.
    cts: Vec<Vec<C>>,
    period: usize,
}

impl<C> CycledA<C> {
    /// The copy of ciphertext `ct` shifted down by `u` rows.
    pub fn get(&self, ct: usize, u: usize) -> Option<&C> {
        self.cts.get(ct)?.get(u)
    }
}

/// The row-shifted copies of `A` (its [`VolleyLayout::encode_a`] ciphertexts): `a_count · (c' − 1)`
/// rotations, no level.
pub fn cycle<A: SlotAlgebra>(
    alg: &A,
    layout: &VolleyLayout,
    style: RotationStyle,
    a: &[A::Ct],
) -> Result<CycledA<A::Ct>, PackError<A::Error>> {
    layout.check_slots(alg.slots())?;
    if a.len() != layout.a_count() {
        return Err(count_err(layout.a_count(), a.len()));
    }
    let w = layout.width as i64;
    let mut cts = Vec::with_capacity(a.len());
    for ct in a {
        let mut copies = Vec::with_capacity(layout.period);
        copies.push(ct.clone());
        match style {
            RotationStyle::Chain => {
                for _ in 1..layout.period {
                    let next = be(alg.rotate(&copies[copies.len() - 1], -w))?;
                    copies.push(next);
                }
            }
            RotationStyle::Hoisted => {
                let ks: Vec<i64> = (1..layout.period as i64).map(|u| -u * w).collect();
                if !ks.is_empty() {
                    copies.extend(be(alg.rotate_many(ct, &ks))?);
                }
            }
        }
        cts.push(copies);
    }
    Ok(CycledA {
        cts,
        period: layout.period,
    })
}

fn check_cycled<C, E>(layout: &VolleyLayout, a: &CycledA<C>) -> Result<(), PackError<E>> {
    if a.cts.len() != layout.a_count() || a.period != layout.period {
        return Err(count_err(layout.a_count(), a.cts.len()));
    }
    Ok(())
}

/// `A·Bᵀ` in the score layout, from the cycled `A` and `B`'s [`VolleyLayout::b_count`]
/// ciphertexts ([`VolleyLayout::encode_b`]). Slots outside the entries hold partial sums:
/// mask them (see [`VolleyLayout::score_mask`]) before [`transposed_product`]. Depth 2 (one
/// when a group holds a single item).
pub fn product<A: SlotAlgebra>(
    alg: &A,
    layout: &VolleyLayout,
    a: &CycledA<A::Ct>,
    b: &[A::Ct],
) -> Result<Vec<A::Ct>, PackError<A::Error>> {
    layout.check_slots(alg.slots())?;
    check_cycled(layout, a)?;
    if b.len() != layout.b_count() {
        return Err(count_err(layout.b_count(), b.len()));
    }
    let l = layout;
    let mut prods = Vec::with_capacity(l.items());
    for item in 0..l.items() {
        let (q, u) = (item / l.period, item % l.period);
        let terms: Vec<(&A::Ct, &A::Ct)> = b
            .iter()
            .enumerate()
            .map(|(h, bh)| (&a.cts[q * l.col_chunks + h][u], bh))
            .collect();
        let acc = be(alg.mul_sum(&terms))?;
        prods.push(acc.ok_or_else(|| count_err(1, 0))?);
    }
    let masks = if l.group > 1 {
        let level = alg.level(&prods[0]);
        (0..l.group)
            .map(|t| be(alg.encode(&l.sub_block_mask::<A::Scalar>(t), level)))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        Vec::new()
    };
    let sub_sum = l.sub_sum;
    let mut out = Vec::with_capacity(l.score_count());
    for (gi, items) in prods.chunks(l.group).enumerate() {
        let m = l.group_len(gi);
        let merged = if l.group == 1 {
            items[0].clone()
        } else {
            merge(alg, l, items, &masks, m)?
        };
        out.push(sub_sum.apply(alg, &merged)?);
    }
    Ok(out)
}

/// `Σ_s rot(Z_s, −sb·(top − s))`, `Z_s = Σ_t mask_t ⊙ items[t + g − 1 − s]`, Horner-style.
fn merge<A: SlotAlgebra>(
    alg: &A,
    l: &VolleyLayout,
    items: &[A::Ct],
    masks: &[A::Pt],
    m: usize,
) -> Result<A::Ct, PackError<A::Error>> {
    let g = l.group;
    let (bottom, top) = (g - m, 2 * g - 2);
    let mut acc: Option<A::Ct> = None;
    for s in bottom..=top {
        let terms: Vec<(&A::Ct, &A::Pt)> = (0..g)
            .filter_map(|t| {
                let j = (t + g - 1).checked_sub(s)?;
                (j < m).then(|| (&items[j], &masks[t]))
            })
            .collect();
        let z = be(alg.mul_plain_sum(&terms))?.ok_or_else(|| count_err(1, 0))?;
        acc = Some(match acc {
            None => z,
            Some(a) => {
                let r = be(alg.rotate(&a, -(l.sub as i64)))?;
                be(alg.add(&r, &z))?
            }
        });
    }
    acc.ok_or_else(|| count_err(1, 0))
}

/// `Eᵀ·A` in the **B** layout ([`VolleyLayout::b_count`] ciphertexts, every class row
/// replicated as in [`VolleyLayout::encode_b`]), from `E` in the score layout. `E` must be
/// zero outside the entry slots ([`VolleyLayout::encode_scores`], or a [`product`] output
/// multiplied by [`VolleyLayout::score_mask`]). Depth 2 (one when a group holds a single
/// item).
pub fn transposed_product<A: SlotAlgebra>(
    alg: &A,
    layout: &VolleyLayout,
    style: RotationStyle,
    a: &CycledA<A::Ct>,
    e: &[A::Ct],
) -> Result<Vec<A::Ct>, PackError<A::Error>> {
    layout.check_slots(alg.slots())?;
    check_cycled(layout, a)?;
    if e.len() != layout.score_count() {
        return Err(count_err(layout.score_count(), e.len()));
    }
    let l = layout;
    let sub_sum = l.sub_sum;
    let mut acc: Vec<Option<A::Ct>> = vec![None; l.col_chunks];
    for (gi, eg) in e.iter().enumerate() {
        let m = l.group_len(gi);
        // Item values are at sub-block starts: the same left rotate-and-sum copies each over
        // the sb slots ending at it.
        let spread = sub_sum.apply(alg, eg)?;
        let shifts = l.spread_shifts(m);
        let copies = shifted_copies(alg, l, style, &spread, &shifts)?;
        let masks = if l.group > 1 {
            let level = alg.level(&copies[0]);
            (0..l.group)
                .map(|t| be(alg.encode(&l.sub_block_mask::<A::Scalar>(t), level)))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            Vec::new()
        };
        let mut replicated = Vec::with_capacity(m);
        for j in 0..m {
            replicated.push(if l.group == 1 {
                copies[0].clone()
            } else {
                let terms: Vec<(&A::Ct, &A::Pt)> = (0..l.group)
                    .map(|t| (&copies[l.shift_index(j, t)], &masks[t]))
                    .collect();
                be(alg.mul_plain_sum(&terms))?.ok_or_else(|| count_err(1, 0))?
            });
        }
        // One sum of products per column chunk: backends relinearize it once.
        for (h, slot) in acc.iter_mut().enumerate() {
            let terms: Vec<(&A::Ct, &A::Ct)> = replicated
                .iter()
                .enumerate()
                .map(|(j, r)| {
                    let item = gi * l.group + j;
                    let (q, u) = (item / l.period, item % l.period);
                    (r, &a.cts[q * l.col_chunks + h][u])
                })
                .collect();
            let p = be(alg.mul_sum(&terms))?.ok_or_else(|| count_err(1, 0))?;
            *slot = Some(match slot.take() {
                None => p,
                Some(s) => be(alg.add(&s, &p))?,
            });
        }
    }
    let row_sum = l.row_sum;
    acc.into_iter()
        .map(|t| row_sum.apply(alg, &t.ok_or_else(|| count_err(1, 0))?))
        .collect()
}

/// `rot(x, k)` for each of `shifts` (consecutive ones `sb` apart).
fn shifted_copies<A: SlotAlgebra>(
    alg: &A,
    l: &VolleyLayout,
    style: RotationStyle,
    x: &A::Ct,
    shifts: &[i64],
) -> Result<Vec<A::Ct>, PackError<A::Error>> {
    let n = l.slots as i64;
    match style {
        RotationStyle::Chain => {
            let mut out: Vec<A::Ct> = Vec::with_capacity(shifts.len());
            for (i, &k) in shifts.iter().enumerate() {
                let next = if i == 0 {
                    if k.rem_euclid(n) == 0 {
                        x.clone()
                    } else {
                        be(alg.rotate(x, k))?
                    }
                } else {
                    be(alg.rotate(&out[i - 1], l.sub as i64))?
                };
                out.push(next);
            }
            Ok(out)
        }
        RotationStyle::Hoisted => {
            let ks: Vec<i64> = shifts
                .iter()
                .copied()
                .filter(|k| k.rem_euclid(n) != 0)
                .collect();
            let mut rotated = be(alg.rotate_many(x, &ks))?.into_iter();
            shifts
                .iter()
                .map(|&k| {
                    if k.rem_euclid(n) == 0 {
                        Ok(x.clone())
                    } else {
                        rotated.next().ok_or_else(|| count_err(ks.len(), 0))
                    }
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfer_learning_layout() {
        let l = VolleyLayout::new(
            VolleyShape {
                rows: 128,
                cols: 512,
                classes: 10,
            },
            1 << 15,
        )
        .unwrap();
        assert_eq!(
            (l.width(), l.height(), l.row_chunks(), l.col_chunks()),
            (256, 128, 1, 2)
        );
        assert_eq!(
            (l.period(), l.group(), l.sub_block(), l.score_count()),
            (16, 16, 16, 1)
        );
        let iteration = l.plan_stages(&[Stage::Product, Stage::Transpose], RotationStyle::Chain);
        let c = iteration.cost();
        assert_eq!((c.rotations, c.ct_mul, c.pt_mul, c.depth), (75, 64, 512, 4));
        // −16 (merge), 1, 2, 4, 8 (sub-block sums), −15 and 16 (spread copies), 4096, 8192,
        // 16384 (row sums).
        assert_eq!(iteration.rotations_needed().len(), 10);
        assert_eq!(iteration.product_sums(), 18);
        assert_eq!(
            l.plan(Stage::Cycle, RotationStyle::Chain).cost().rotations,
            30
        );
    }
}
