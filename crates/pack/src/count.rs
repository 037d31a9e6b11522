//! [`Counting`]: a [`SlotAlgebra`] that delegates every operation and counts what ran, so
//! tests can hold a plan's [`Cost`] and rotation set against the work actually done.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard};

use blindfold_rlwe::SlotAlgebra;

use crate::plan::Cost;

/// What a [`Counting`] backend has seen since it was created or last reset.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Key-switched rotations (each rotation of a hoisted batch counts).
    pub rotations: usize,
    /// Calls to `rotate_many` with at least one rotation.
    pub hoisted_batches: usize,
    /// Rotations by a multiple of the slot count (no key, no work): plans never ask for these.
    pub trivial_rotations: usize,
    /// Ciphertext × ciphertext products (`mul`, `square`).
    pub ct_mul: usize,
    /// Ciphertext × plaintext products (`mul_plain`, and each term of `mul_plain_sum`).
    pub pt_mul: usize,
    /// Calls to `mul_plain_sum`.
    pub pt_mul_sums: usize,
    /// Products by a scalar that consumed a level.
    pub scalar_mul: usize,
    /// Products by a scalar the backend did exactly, keeping the level.
    pub exact_scalar_mul: usize,
    /// Additions and subtractions of two ciphertexts.
    pub ct_add: usize,
    /// Refreshes (bootstraps).
    pub refreshes: usize,
    /// Rotation offsets used, normalized to `0 < k < slots`.
    pub offsets: BTreeSet<usize>,
    /// Lowest level of any ciphertext produced.
    pub lowest_level: Option<usize>,
}

impl Counts {
    /// The counts as a [`Cost`], the depth measured from `start_level` (the level of the
    /// computation's input) down to the lowest level produced.
    pub fn cost(&self, start_level: usize) -> Cost {
        Cost {
            rotations: self.rotations,
            ct_mul: self.ct_mul,
            pt_mul: self.pt_mul,
            depth: self
                .lowest_level
                .map_or(0, |l| start_level.saturating_sub(l)),
        }
    }
}

/// A backend wrapper that counts operations. Batched operations (`rotate_many`,
/// `mul_plain_sum`) are forwarded as batches, so a backend's hoisting or single rescale is
/// what runs.
#[derive(Debug)]
pub struct Counting<A> {
    inner: A,
    counts: Mutex<Counts>,
}

impl<A: SlotAlgebra> Counting<A> {
    pub fn new(inner: A) -> Self {
        Self {
            inner,
            counts: Mutex::new(Counts::default()),
        }
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &A {
        &self.inner
    }

    /// A copy of the counts so far.
    pub fn counts(&self) -> Counts {
        self.lock().clone()
    }

    /// Clears the counts.
    pub fn reset(&self) {
        *self.lock() = Counts::default();
    }

    fn lock(&self) -> MutexGuard<'_, Counts> {
        // A poisoned lock only means a panic elsewhere; the counts stay usable.
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn produced(&self, c: &mut Counts, ct: &A::Ct) {
        let l = self.inner.level(ct);
        c.lowest_level = Some(c.lowest_level.map_or(l, |m| m.min(l)));
    }

    fn record(&self, ct: &A::Ct) {
        let mut c = self.lock();
        self.produced(&mut c, ct);
    }

    fn record_rotation(&self, c: &mut Counts, k: i64) {
        let slots = self.inner.slots().max(1) as i64;
        let r = k.rem_euclid(slots) as usize;
        if r == 0 {
            c.trivial_rotations += 1;
        } else {
            c.rotations += 1;
            c.offsets.insert(r);
        }
    }
}

impl<A: SlotAlgebra> SlotAlgebra for Counting<A> {
    type Ct = A::Ct;
    type Pt = A::Pt;
    type Scalar = A::Scalar;
    type Error = A::Error;

    fn slots(&self) -> usize {
        self.inner.slots()
    }

    fn max_level(&self) -> usize {
        self.inner.max_level()
    }

    fn level(&self, ct: &Self::Ct) -> usize {
        self.inner.level(ct)
    }

    fn encode(&self, values: &[Self::Scalar], level: usize) -> Result<Self::Pt, Self::Error> {
        self.inner.encode(values, level)
    }

    fn add(&self, a: &Self::Ct, b: &Self::Ct) -> Result<Self::Ct, Self::Error> {
        let r = self.inner.add(a, b)?;
        let mut c = self.lock();
        c.ct_add += 1;
        self.produced(&mut c, &r);
        Ok(r)
    }

    fn sub(&self, a: &Self::Ct, b: &Self::Ct) -> Result<Self::Ct, Self::Error> {
        let r = self.inner.sub(a, b)?;
        let mut c = self.lock();
        c.ct_add += 1;
        self.produced(&mut c, &r);
        Ok(r)
    }

    fn neg(&self, a: &Self::Ct) -> Result<Self::Ct, Self::Error> {
        let r = self.inner.neg(a)?;
        self.record(&r);
        Ok(r)
    }

    fn add_plain(&self, a: &Self::Ct, p: &Self::Pt) -> Result<Self::Ct, Self::Error> {
        let r = self.inner.add_plain(a, p)?;
        self.record(&r);
        Ok(r)
    }

    fn add_scalar(&self, a: &Self::Ct, s: Self::Scalar) -> Result<Self::Ct, Self::Error> {
        let r = self.inner.add_scalar(a, s)?;
        self.record(&r);
        Ok(r)
    }

    fn mul_plain(&self, a: &Self::Ct, p: &Self::Pt) -> Result<Self::Ct, Self::Error> {
        let r = self.inner.mul_plain(a, p)?;
        let mut c = self.lock();
        c.pt_mul += 1;
        self.produced(&mut c, &r);
        Ok(r)
    }

    fn mul_scalar(&self, a: &Self::Ct, s: Self::Scalar) -> Result<Self::Ct, Self::Error> {
        let r = self.inner.mul_scalar(a, s)?;
        let mut c = self.lock();
        if self.inner.level(&r) < self.inner.level(a) {
            c.scalar_mul += 1;
        } else {
            c.exact_scalar_mul += 1;
        }
        self.produced(&mut c, &r);
        Ok(r)
    }

    fn mul(&self, a: &Self::Ct, b: &Self::Ct) -> Result<Self::Ct, Self::Error> {
        let r = self.inner.mul(a, b)?;
        let mut c = self.lock();
        c.ct_mul += 1;
        self.produced(&mut c, &r);
        Ok(r)
    }

    fn square(&self, a: &Self::Ct) -> Result<Self::Ct, Self::Error> {
        let r = self.inner.square(a)?;
        let mut c = self.lock();
        c.ct_mul += 1;
        self.produced(&mut c, &r);
        Ok(r)
    }

    fn mul_plain_sum(
        &self,
        terms: &[(&Self::Ct, &Self::Pt)],
    ) -> Result<Option<Self::Ct>, Self::Error> {
        let r = self.inner.mul_plain_sum(terms)?;
        let mut c = self.lock();
        c.pt_mul += terms.len();
        c.pt_mul_sums += 1;
        if let Some(ct) = &r {
            self.produced(&mut c, ct);
        }
        Ok(r)
    }

    fn rotate(&self, a: &Self::Ct, k: i64) -> Result<Self::Ct, Self::Error> {
        let r = self.inner.rotate(a, k)?;
        let mut c = self.lock();
        self.record_rotation(&mut c, k);
        self.produced(&mut c, &r);
        Ok(r)
    }

    fn rotate_many(&self, a: &Self::Ct, ks: &[i64]) -> Result<Vec<Self::Ct>, Self::Error> {
        let r = self.inner.rotate_many(a, ks)?;
        let mut c = self.lock();
        if !ks.is_empty() {
            c.hoisted_batches += 1;
        }
        for &k in ks {
            self.record_rotation(&mut c, k);
        }
        for ct in &r {
            self.produced(&mut c, ct);
        }
        Ok(r)
    }

    fn drop_to_level(&self, a: &Self::Ct, level: usize) -> Result<Self::Ct, Self::Error> {
        let r = self.inner.drop_to_level(a, level)?;
        self.record(&r);
        Ok(r)
    }

    fn refresh_level(&self) -> Option<usize> {
        self.inner.refresh_level()
    }

    fn refresh_input_level(&self) -> usize {
        self.inner.refresh_input_level()
    }

    fn refresh(&self, a: &Self::Ct) -> Result<Self::Ct, Self::Error> {
        let r = self.inner.refresh(a)?;
        let mut c = self.lock();
        c.refreshes += 1;
        self.produced(&mut c, &r);
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use blindfold_rlwe::Clear;

    #[test]
    fn counts_each_kind_of_operation() {
        let alg = Counting::new(Clear::real(8, 3));
        let x = alg.inner().encrypt(&[1.0, 2.0, 3.0], 3).unwrap();
        let p = alg.encode(&[2.0; 8], 3).unwrap();
        let y = alg.mul(&x, &x).unwrap();
        let z = alg.mul_plain(&y, &p).unwrap();
        let _ = alg.mul_scalar(&z, 3.0).unwrap();
        let _ = alg.mul_scalar(&z, 0.5).unwrap();
        let rs = alg.rotate_many(&x, &[1, -1, 8]).unwrap();
        let _ = alg.rotate(&rs[0], 3).unwrap();
        let s = alg
            .mul_plain_sum(&[(&x, &p), (&rs[0], &p)])
            .unwrap()
            .unwrap();
        let _ = alg.add(&s, &y).unwrap();
        let c = alg.counts();
        assert_eq!(c.ct_mul, 1);
        assert_eq!(c.pt_mul, 3);
        assert_eq!(c.pt_mul_sums, 1);
        assert_eq!((c.scalar_mul, c.exact_scalar_mul), (1, 1));
        assert_eq!(
            (c.rotations, c.trivial_rotations, c.hoisted_batches),
            (3, 1, 1)
        );
        assert_eq!(c.offsets, BTreeSet::from([1, 3, 7]));
        assert_eq!(c.ct_add, 1);
        assert_eq!(c.lowest_level, Some(0));
        assert_eq!(c.cost(3).depth, 3);
        assert_eq!(c.refreshes, 0);
        alg.reset();
        assert_eq!(alg.counts(), Counts::default());
    }

    #[test]
    fn forwards_and_counts_refreshes() {
        let alg = Counting::new(
            Clear::real(4, 3)
                .with_refresh(3)
                .with_refresh_input_level(1),
        );
        assert_eq!(alg.refresh_level(), Some(3));
        assert_eq!(alg.refresh_input_level(), 1);
        let x = alg.inner().encrypt(&[1.0, -2.0], 1).unwrap();
        let y = alg.refresh(&x).unwrap();
        assert_eq!((y.level, y.values.clone()), (3, x.values.clone()));
        let low = alg.drop_to_level(&x, 0).unwrap();
        assert!(alg.refresh(&low).is_err(), "errors are forwarded");
        assert_eq!(alg.counts().refreshes, 1);
        let none = Counting::new(Clear::real(4, 3));
        assert_eq!(none.refresh_level(), None);
        assert!(none.refresh(&x).is_err());
        assert_eq!(none.counts().refreshes, 0);
    }
}
