//! Halevi–Shoup linear transforms: a plaintext matrix times an encrypted vector, stored as
//! its non-zero generalized diagonals and applied with baby-step/giant-step (BSGS).
//!
//! With `diag_k[i] = M'[i][(i + k) mod S]` (`M'` the `S × S` matrix acting on the whole slot
//! vector), `M'·x = Σ_k diag_k ⊙ rot(x, k)`. Writing `k = g + b` with `b` a baby step
//! (`0 ≤ b < n1`) and `g` a giant step (a multiple of `n1`),
//!
//! `M'·x = Σ_g rot( Σ_b rot(diag_{g+b}, −g) ⊙ rot(x, b), g )`:
//!
//! the baby rotations of `x` are one hoisted [`SlotAlgebra::rotate_many`], the diagonals are
//! pre-rotated by `−g` in the clear, each inner sum is one [`SlotAlgebra::mul_plain_sum`]
//! (one rescale on CKKS), and each non-zero giant step costs one rotation. Rotations:
//! `#babies + #giants` (about `2√#diagonals`) instead of `#diagonals − 1`; plaintext
//! products: `#diagonals`; depth 1. As in Lattigo's `lintrans`, the number of baby steps is
//! tunable ([`Bsgs`]) and the plan ([`LinTransPlan`]) lists the rotations before any key
//! exists.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use blindfold_rlwe::{SlotAlgebra, SlotScalar};

use crate::error::{PackError, ShapeError, be};
use crate::matrix::Matrix;
use crate::plan::{Cost, Plan};

/// Where the input vector `x` (length `cols`) of a matrix sits in the slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputLayout {
    /// `x` in slots `0..cols`, zero elsewhere. An `n × m` matrix has at most `n + m − 1`
    /// non-zero diagonals.
    ZeroPadded,
    /// `x` repeated with period `period` over all slots (`slot j = x[j mod period]`, zero
    /// where `j mod period ≥ cols`; see [`crate::layout::replicate`]). `period ≥ cols` must
    /// divide the slot count. A matrix has at most `period` non-zero diagonals (`n` for a
    /// square `n × n` matrix with `period = n`).
    Replicated { period: usize },
}

/// The non-zero generalized diagonals of a linear map on `slots` slots:
/// `y[i] = Σ_k diag_k[i] · x[(i + k) mod slots]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagonals<S> {
    slots: usize,
    diags: BTreeMap<usize, Vec<S>>,
}

impl<S: SlotScalar> Diagonals<S> {
    /// The diagonals of `y = m·x` with `x` laid out as `input`; `y` lands in slots
    /// `0..rows` with zeros elsewhere. Zero entries of `m` produce no diagonal, so sparse and
    /// banded matrices cost less.
    pub fn from_matrix(
        m: &Matrix<S>,
        slots: usize,
        input: InputLayout,
    ) -> Result<Self, ShapeError> {
        let (rows, cols) = (m.rows(), m.cols());
        for needed in [rows, cols] {
            if needed > slots {
                return Err(ShapeError::DoesNotFit { needed, slots });
            }
        }
        // Slot i + k must hold x[j]: k = j − i modulo the slot count (zero padded) or
        // modulo the period (replicated, with k < period).
        let modulus = match input {
            InputLayout::ZeroPadded => slots,
            InputLayout::Replicated { period } => {
                if period == 0 || period < cols || !slots.is_multiple_of(period) {
                    return Err(ShapeError::InvalidPeriod {
                        period,
                        cols,
                        slots,
                    });
                }
                period
            }
        };
        let mut diags: BTreeMap<usize, Vec<S>> = BTreeMap::new();
        for i in 0..rows {
            for (j, &v) in m.row(i).iter().enumerate() {
                if v != S::ZERO {
                    let k = (j + modulus - i % modulus) % modulus;
                    diags.entry(k).or_insert_with(|| vec![S::ZERO; slots])[i] = v;
                }
            }
        }
        Ok(Self { slots, diags })
    }

    /// Diagonals given directly (index `k < slots` ↦ values, zero-padded to `slots`);
    /// all-zero diagonals are dropped.
    pub fn from_map(slots: usize, map: BTreeMap<usize, Vec<S>>) -> Result<Self, ShapeError> {
        let mut diags = BTreeMap::new();
        for (k, mut d) in map {
            if k >= slots {
                return Err(ShapeError::InvalidDiagonal { index: k, slots });
            }
            if d.len() > slots {
                return Err(ShapeError::DoesNotFit {
                    needed: d.len(),
                    slots,
                });
            }
            if d.iter().any(|&v| v != S::ZERO) {
                d.resize(slots, S::ZERO);
                diags.insert(k, d);
            }
        }
        Ok(Self { slots, diags })
    }

    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Indices of the non-zero diagonals.
    pub fn indices(&self) -> BTreeSet<usize> {
        self.diags.keys().copied().collect()
    }

    /// Diagonal `k`, if non-zero.
    pub fn get(&self, k: usize) -> Option<&[S]> {
        self.diags.get(&k).map(Vec::as_slice)
    }

    pub fn len(&self) -> usize {
        self.diags.len()
    }

    pub fn is_empty(&self) -> bool {
        self.diags.is_empty()
    }
}

/// How many baby steps a transform uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bsgs {
    /// The power of two with the fewest rotations (ties: more baby steps, which are hoisted).
    Auto,
    /// The smallest power of two with `#baby terms ≥ 2^r · #giant groups`: `r = 0` balances
    /// them (fewest keys, close to [`Bsgs::Auto`]); larger `r` moves work to the hoisted
    /// baby steps; very negative `r` gives no baby steps at all.
    LogRatio(i32),
    /// Exactly `n1` baby steps, `1 ≤ n1 ≤ slots` (any integer): `1` rotates after each
    /// product (no hoisting), `slots` rotates the input by every diagonal index in one
    /// hoisted batch (the naive method).
    BabySteps(usize),
}

/// The plan of a [`LinearTransform`]: diagonal indices, baby and giant rotations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinTransPlan {
    slots: usize,
    baby_steps: usize,
    diagonals: BTreeSet<usize>,
    babies: BTreeSet<usize>,
    giants: BTreeSet<usize>,
}

/// `k = g + b (mod slots)` with `0 ≤ b < n1` and `g` a multiple of `n1`, taking `k` in
/// `(−slots/2, slots/2]` so that diagonals below the main one use negative giant steps.
fn split(k: usize, n1: usize, slots: usize) -> (usize, usize) {
    let s = slots as i64;
    let c = if k > slots / 2 {
        k as i64 - s
    } else {
        k as i64
    };
    let b = c.rem_euclid(n1 as i64);
    ((c - b).rem_euclid(s) as usize, b as usize)
}

impl LinTransPlan {
    /// The plan for the diagonals `diagonals` (indices `< slots`).
    pub fn new(slots: usize, diagonals: &BTreeSet<usize>, bsgs: Bsgs) -> Result<Self, ShapeError> {
        if let Some(&k) = diagonals.iter().find(|&&k| k >= slots) {
            return Err(ShapeError::InvalidDiagonal { index: k, slots });
        }
        let with = |n1| Self::with_baby_steps(slots, diagonals, n1);
        let powers = || (0..=slots.max(1).ilog2()).map(|e| 1usize << e);
        let plan = match bsgs {
            Bsgs::BabySteps(n1) => {
                if n1 == 0 || n1 > slots {
                    return Err(ShapeError::InvalidBabySteps {
                        baby_steps: n1,
                        slots,
                    });
                }
                with(n1)
            }
            Bsgs::Auto => powers()
                .map(with)
                .min_by_key(|p| (p.rotation_count(), usize::MAX - p.baby_steps))
                .unwrap_or_else(|| with(1)),
            Bsgs::LogRatio(r) => {
                let target = 2f64.powi(r);
                let mut chosen = None;
                for n1 in powers() {
                    let p = with(n1);
                    let terms = p.babies.len() + usize::from(p.uses_baby_zero());
                    let groups = p.giants.len() + usize::from(p.uses_giant_zero());
                    let ok = terms as f64 >= target * groups as f64;
                    chosen = Some(p);
                    if ok {
                        break;
                    }
                }
                chosen.unwrap_or_else(|| with(1))
            }
        };
        Ok(plan)
    }

    fn with_baby_steps(slots: usize, diagonals: &BTreeSet<usize>, n1: usize) -> Self {
        let mut babies = BTreeSet::new();
        let mut giants = BTreeSet::new();
        for &k in diagonals {
            let (g, b) = split(k, n1, slots);
            babies.insert(b);
            giants.insert(g);
        }
        babies.remove(&0);
        giants.remove(&0);
        Self {
            slots,
            baby_steps: n1,
            diagonals: diagonals.clone(),
            babies,
            giants,
        }
    }

    fn uses_baby_zero(&self) -> bool {
        self.diagonals
            .iter()
            .any(|&k| split(k, self.baby_steps, self.slots).1 == 0)
    }

    fn uses_giant_zero(&self) -> bool {
        self.diagonals
            .iter()
            .any(|&k| split(k, self.baby_steps, self.slots).0 == 0)
    }

    fn rotation_count(&self) -> usize {
        self.babies.len() + self.giants.len()
    }

    pub fn slots(&self) -> usize {
        self.slots
    }

    /// `n1`.
    pub fn baby_steps(&self) -> usize {
        self.baby_steps
    }

    /// Non-zero diagonal indices.
    pub fn diagonals(&self) -> &BTreeSet<usize> {
        &self.diagonals
    }

    /// Non-zero baby rotations (one hoisted batch).
    pub fn babies(&self) -> &BTreeSet<usize> {
        &self.babies
    }

    /// Non-zero giant rotations (one each).
    pub fn giants(&self) -> &BTreeSet<usize> {
        &self.giants
    }

    /// Rotations of the naive method (rotate the input by every non-zero diagonal index).
    pub fn naive_rotations(&self) -> usize {
        self.diagonals.iter().filter(|&&k| k != 0).count()
    }
}

impl Plan for LinTransPlan {
    fn rotations_needed(&self) -> BTreeSet<usize> {
        self.babies.union(&self.giants).copied().collect()
    }

    fn cost(&self) -> Cost {
        Cost {
            rotations: self.rotation_count(),
            ct_mul: 0,
            pt_mul: self.diagonals.len(),
            depth: 1,
        }
    }
}

/// One giant step: its rotation and its pre-rotated diagonals, by baby step.
#[derive(Clone, Debug, PartialEq)]
struct Group<S> {
    giant: usize,
    terms: Vec<(usize, Vec<S>)>,
}

/// A linear transform ready to be encoded: its plan and its pre-rotated diagonals.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearTransform<S> {
    plan: LinTransPlan,
    groups: Vec<Group<S>>,
}

impl<S: SlotScalar> LinearTransform<S> {
    /// The transform with diagonals `d`, split as `bsgs` says.
    pub fn new(d: &Diagonals<S>, bsgs: Bsgs) -> Result<Self, ShapeError> {
        let plan = LinTransPlan::new(d.slots, &d.indices(), bsgs)?;
        let mut groups: BTreeMap<usize, Vec<(usize, Vec<S>)>> = BTreeMap::new();
        for (&k, diag) in &d.diags {
            let (g, b) = split(k, plan.baby_steps, plan.slots);
            // rot(diag, −g): the giant rotation applied after the product undoes it.
            let mut pre = diag.clone();
            pre.rotate_right(g);
            groups.entry(g).or_default().push((b, pre));
        }
        let groups = groups
            .into_iter()
            .map(|(giant, terms)| Group { giant, terms })
            .collect();
        Ok(Self { plan, groups })
    }

    /// `y = m·x` (`y` in slots `0..m.rows()`, zero elsewhere).
    pub fn matrix(
        m: &Matrix<S>,
        slots: usize,
        input: InputLayout,
        bsgs: Bsgs,
    ) -> Result<Self, ShapeError> {
        Self::new(&Diagonals::from_matrix(m, slots, input)?, bsgs)
    }

    /// `y = mᵀ·x` (`x` of length `m.rows()`, `y` in slots `0..m.cols()`).
    pub fn matrix_transpose(
        m: &Matrix<S>,
        slots: usize,
        input: InputLayout,
        bsgs: Bsgs,
    ) -> Result<Self, ShapeError> {
        Self::matrix(&m.transpose(), slots, input, bsgs)
    }

    pub fn plan(&self) -> &LinTransPlan {
        &self.plan
    }

    /// Encodes the diagonals once for `alg` at `level` (the level the input will be at, at
    /// least 1); the result is applied any number of times.
    pub fn encode<A: SlotAlgebra<Scalar = S>>(
        &self,
        alg: &A,
        level: usize,
    ) -> Result<EncodedTransform<A>, PackError<A::Error>> {
        if alg.slots() != self.plan.slots {
            return Err(ShapeError::SlotsMismatch {
                planned: self.plan.slots,
                backend: alg.slots(),
            }
            .into());
        }
        if level == 0 {
            return Err(ShapeError::LevelTooLow {
                needed: 1,
                found: 0,
            }
            .into());
        }
        let babies: Vec<usize> = self.plan.babies.iter().copied().collect();
        let mut groups = Vec::with_capacity(self.groups.len());
        for grp in &self.groups {
            let mut terms = Vec::with_capacity(grp.terms.len());
            for (b, diag) in &grp.terms {
                // Position in the hoisted batch; `None` is the unrotated input.
                let src = (*b != 0).then(|| babies.binary_search(b).unwrap_or(0));
                terms.push((src, be(alg.encode(diag, level))?));
            }
            groups.push((grp.giant, terms));
        }
        Ok(EncodedTransform {
            plan: self.plan.clone(),
            level,
            babies: babies.iter().map(|&b| b as i64).collect(),
            groups,
        })
    }
}

/// Baby-step source (`None`: the input itself) and encoded pre-rotated diagonal.
type EncodedTerm<A> = (Option<usize>, <A as SlotAlgebra>::Pt);

/// A [`LinearTransform`] encoded for one backend at one level.
pub struct EncodedTransform<A: SlotAlgebra> {
    plan: LinTransPlan,
    level: usize,
    babies: Vec<i64>,
    groups: Vec<(usize, Vec<EncodedTerm<A>>)>,
}

impl<A: SlotAlgebra> fmt::Debug for EncodedTransform<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncodedTransform")
            .field("plan", &self.plan)
            .field("level", &self.level)
            .finish_non_exhaustive()
    }
}

impl<A: SlotAlgebra> EncodedTransform<A> {
    pub fn plan(&self) -> &LinTransPlan {
        &self.plan
    }

    /// Level the diagonals were encoded at; the output is one below.
    pub fn level(&self) -> usize {
        self.level
    }

    /// `M'·ct`. An input above the encoding level is first dropped to it; one below is an
    /// error.
    pub fn apply(&self, alg: &A, ct: &A::Ct) -> Result<A::Ct, PackError<A::Error>> {
        if alg.slots() != self.plan.slots {
            return Err(ShapeError::SlotsMismatch {
                planned: self.plan.slots,
                backend: alg.slots(),
            }
            .into());
        }
        let found = alg.level(ct);
        if found < self.level {
            return Err(ShapeError::LevelTooLow {
                needed: self.level,
                found,
            }
            .into());
        }
        let x = if found > self.level {
            be(alg.drop_to_level(ct, self.level))?
        } else {
            ct.clone()
        };
        if self.groups.is_empty() {
            // The zero map, at the depth of every other transform.
            let zero = be(alg.sub(&x, &x))?;
            return be(alg.drop_to_level(&zero, self.level - 1));
        }
        let rotated = be(alg.rotate_many(&x, &self.babies))?;
        let mut acc: Option<A::Ct> = None;
        for (giant, terms) in &self.groups {
            let pairs: Vec<(&A::Ct, &A::Pt)> = terms
                .iter()
                .map(|(src, pt)| (src.map_or(&x, |i| &rotated[i]), pt))
                .collect();
            let Some(mut sum) = be(alg.mul_plain_sum(&pairs))? else {
                continue;
            };
            if *giant != 0 {
                sum = be(alg.rotate(&sum, *giant as i64))?;
            }
            acc = Some(match acc {
                None => sum,
                Some(a) => be(alg.add(&a, &sum))?,
            });
        }
        // Groups are never empty, so at least one sum exists.
        acc.ok_or(PackError::Shape(ShapeError::Empty { rows: 0, cols: 0 }))
    }
}
