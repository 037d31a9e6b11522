//! A backend that holds only a level and a magnitude bound per ciphertext and counts what
//! runs: plans are the training step itself run on it, so their rotations, products and
//! levels are those of the real run by construction.
//!
//! Levels follow [`Clear`](blindfold_rlwe::Clear) (which mirrors CKKS and BGV): products
//! and non-exact scalars consume a level, sums take the lower level. The bound is a worst
//! case on `|slot value|` over all slots (sums add bounds, products multiply them), so in
//! fixed point it bounds the centred integers modulo `t`: below `t/2` nothing wraps.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::marker::PhantomData;

use blindfold_rlwe::{ClearError, SlotAlgebra};

use super::arith::FcScalar;

/// What a dry run did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DryCounts {
    /// Key-switched rotations.
    pub rotations: usize,
    /// Rotation offsets used, normalized to `0 < k < slots`.
    pub offsets: BTreeSet<usize>,
    /// Ciphertext × ciphertext products.
    pub ct_mul: usize,
    /// Relinearizations when each `mul_sum` is relinearized once.
    pub relinearizations: usize,
    /// Ciphertext × plaintext products.
    pub pt_mul: usize,
    /// Products by a scalar that consumed a level.
    pub scalar_mul: usize,
    /// Lowest level of any ciphertext produced.
    pub lowest_level: Option<usize>,
    /// Largest magnitude bound of any ciphertext produced.
    pub max_bound: f64,
    /// Refreshes (bootstraps).
    pub refreshes: usize,
}

/// A slot vector of the dry run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dry {
    pub level: usize,
    /// Bound on `|value|` of every slot.
    pub bound: f64,
}

/// The dry-run backend over scalars `S`.
#[derive(Debug)]
pub struct DryRun<S> {
    slots: usize,
    max_level: usize,
    /// Level a refresh jumps to (as `Clear::with_refresh`) and the lowest level it accepts.
    refresh: Option<usize>,
    refresh_input: usize,
    counts: RefCell<DryCounts>,
    _s: PhantomData<S>,
}

impl<S> DryRun<S> {
    pub fn new(slots: usize, max_level: usize) -> Self {
        Self {
            slots,
            max_level,
            refresh: None,
            refresh_input: 0,
            counts: RefCell::new(DryCounts::default()),
            _s: PhantomData,
        }
    }

    /// Refreshes jump to `level` (mirrors `Clear::with_refresh`).
    pub fn with_refresh(mut self, level: usize) -> Self {
        self.refresh = Some(level);
        self
    }

    /// The lowest level a refresh accepts.
    pub fn with_refresh_input_level(mut self, level: usize) -> Self {
        self.refresh_input = level;
        self
    }

    pub fn counts(&self) -> DryCounts {
        self.counts.borrow().clone()
    }

    fn produced(&self, level: usize, bound: f64) -> Dry {
        let mut c = self.counts.borrow_mut();
        c.lowest_level = Some(c.lowest_level.map_or(level, |m| m.min(level)));
        if bound > c.max_bound || bound.is_nan() {
            c.max_bound = bound;
        }
        Dry { level, bound }
    }

    fn lower(a: &Dry, op: &'static str) -> Result<usize, ClearError> {
        a.level.checked_sub(1).ok_or(ClearError::OutOfLevels { op })
    }
}

impl<S: FcScalar> SlotAlgebra for DryRun<S> {
    type Ct = Dry;
    type Pt = Dry;
    type Scalar = S;
    type Error = ClearError;

    fn slots(&self) -> usize {
        self.slots
    }

    fn max_level(&self) -> usize {
        self.max_level
    }

    fn level(&self, ct: &Dry) -> usize {
        ct.level
    }

    fn encode(&self, values: &[S], level: usize) -> Result<Dry, ClearError> {
        if values.len() > self.slots {
            return Err(ClearError::TooManyValues {
                values: values.len(),
                slots: self.slots,
            });
        }
        if level > self.max_level {
            return Err(ClearError::InvalidLevel {
                level,
                max: self.max_level,
            });
        }
        let bound = values.iter().fold(0.0f64, |m, v| m.max(v.magnitude()));
        Ok(Dry { level, bound })
    }

    fn add(&self, a: &Dry, b: &Dry) -> Result<Dry, ClearError> {
        Ok(self.produced(a.level.min(b.level), a.bound + b.bound))
    }

    fn sub(&self, a: &Dry, b: &Dry) -> Result<Dry, ClearError> {
        Ok(self.produced(a.level.min(b.level), a.bound + b.bound))
    }

    fn neg(&self, a: &Dry) -> Result<Dry, ClearError> {
        Ok(self.produced(a.level, a.bound))
    }

    fn add_plain(&self, a: &Dry, p: &Dry) -> Result<Dry, ClearError> {
        Ok(self.produced(a.level.min(p.level), a.bound + p.bound))
    }

    fn add_scalar(&self, a: &Dry, c: S) -> Result<Dry, ClearError> {
        Ok(self.produced(a.level, a.bound + c.magnitude()))
    }

    fn mul_plain(&self, a: &Dry, p: &Dry) -> Result<Dry, ClearError> {
        let l = Self::lower(a, "mul_plain")?.min(p.level);
        self.counts.borrow_mut().pt_mul += 1;
        Ok(self.produced(l, a.bound * p.bound))
    }

    fn mul_scalar(&self, a: &Dry, c: S) -> Result<Dry, ClearError> {
        let bound = a.bound * c.magnitude();
        if c.is_exact_constant() {
            return Ok(self.produced(a.level, bound));
        }
        let l = Self::lower(a, "mul_scalar")?;
        self.counts.borrow_mut().scalar_mul += 1;
        Ok(self.produced(l, bound))
    }

    fn mul(&self, a: &Dry, b: &Dry) -> Result<Dry, ClearError> {
        let l = Self::lower(a, "mul")?.min(Self::lower(b, "mul")?);
        {
            let mut c = self.counts.borrow_mut();
            c.ct_mul += 1;
            c.relinearizations += 1;
        }
        Ok(self.produced(l, a.bound * b.bound))
    }

    fn mul_plain_sum(&self, terms: &[(&Dry, &Dry)]) -> Result<Option<Dry>, ClearError> {
        let mut out: Option<(usize, f64)> = None;
        for &(a, p) in terms {
            let l = Self::lower(a, "mul_plain")?.min(p.level);
            let b = a.bound * p.bound;
            out = Some(out.map_or((l, b), |(m, s)| (m.min(l), s + b)));
        }
        self.counts.borrow_mut().pt_mul += terms.len();
        Ok(out.map(|(l, b)| self.produced(l, b)))
    }

    fn mul_sum(&self, terms: &[(&Dry, &Dry)]) -> Result<Option<Dry>, ClearError> {
        let mut out: Option<(usize, f64)> = None;
        for &(a, b) in terms {
            let l = Self::lower(a, "mul")?.min(Self::lower(b, "mul")?);
            let p = a.bound * b.bound;
            out = Some(out.map_or((l, p), |(m, s)| (m.min(l), s + p)));
        }
        if out.is_some() {
            let mut c = self.counts.borrow_mut();
            c.ct_mul += terms.len();
            c.relinearizations += 1;
        }
        Ok(out.map(|(l, b)| self.produced(l, b)))
    }

    fn rotate(&self, a: &Dry, k: i64) -> Result<Dry, ClearError> {
        let r = k.rem_euclid(self.slots.max(1) as i64) as usize;
        if r != 0 {
            let mut c = self.counts.borrow_mut();
            c.rotations += 1;
            c.offsets.insert(r);
        }
        Ok(self.produced(a.level, a.bound))
    }

    fn drop_to_level(&self, a: &Dry, level: usize) -> Result<Dry, ClearError> {
        if level > a.level {
            return Err(ClearError::InvalidLevel {
                level,
                max: a.level,
            });
        }
        Ok(self.produced(level, a.bound))
    }

    fn refresh_level(&self) -> Option<usize> {
        self.refresh
    }

    fn refresh_input_level(&self) -> usize {
        self.refresh_input
    }

    fn refresh(&self, a: &Dry) -> Result<Dry, ClearError> {
        let level = self.refresh.ok_or(ClearError::NoRefresh)?;
        if a.level < self.refresh_input {
            return Err(ClearError::RefreshInput {
                level: a.level,
                min: self.refresh_input,
            });
        }
        self.counts.borrow_mut().refreshes += 1;
        Ok(self.produced(level, a.bound))
    }
}
