//! What a computation needs before it runs: rotations (Galois keys), depth, operation counts.

use std::collections::BTreeSet;
use std::ops::{Add, AddAssign};

use blindfold_rlwe::slots::rotation_galois_element;

/// Operation counts and depth of a planned computation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    /// Key-switched rotations (a hoisted batch counts each rotation).
    pub rotations: usize,
    /// Ciphertext × ciphertext products (each with a relinearization).
    pub ct_mul: usize,
    /// Ciphertext × plaintext products.
    pub pt_mul: usize,
    /// Levels consumed.
    pub depth: usize,
}

impl Add for Cost {
    type Output = Cost;
    /// Sequential composition: counts add, depths add.
    fn add(self, o: Cost) -> Cost {
        Cost {
            rotations: self.rotations + o.rotations,
            ct_mul: self.ct_mul + o.ct_mul,
            pt_mul: self.pt_mul + o.pt_mul,
            depth: self.depth + o.depth,
        }
    }
}

impl AddAssign for Cost {
    fn add_assign(&mut self, o: Cost) {
        *self = *self + o;
    }
}

impl Cost {
    /// Side-by-side composition (independent branches joined at the end): counts add, the
    /// depth is the larger one.
    pub fn beside(self, o: Cost) -> Cost {
        Cost {
            rotations: self.rotations + o.rotations,
            ct_mul: self.ct_mul + o.ct_mul,
            pt_mul: self.pt_mul + o.pt_mul,
            depth: self.depth.max(o.depth),
        }
    }
}

/// Plans run one after the other: the union of their rotations, the sum of their costs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sequence {
    rotations: BTreeSet<usize>,
    cost: Cost,
}

impl Sequence {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `step`.
    pub fn then(mut self, step: &dyn Plan) -> Self {
        self.rotations.extend(step.rotations_needed());
        self.cost += step.cost();
        self
    }
}

impl Plan for Sequence {
    fn rotations_needed(&self) -> BTreeSet<usize> {
        self.rotations.clone()
    }
    fn cost(&self) -> Cost {
        self.cost
    }
}

/// A computation known before it runs.
pub trait Plan {
    /// Rotation offsets used, normalized to `0 < k < slots` (left rotations).
    fn rotations_needed(&self) -> BTreeSet<usize>;
    /// Operation counts and depth.
    fn cost(&self) -> Cost;
    /// The Galois elements of [`Self::rotations_needed`] for a ring of degree `2^log_n`: the
    /// keys to generate.
    fn galois_elements(&self, log_n: u32) -> BTreeSet<u64> {
        self.rotations_needed()
            .into_iter()
            .map(|k| rotation_galois_element(log_n, k as i64))
            .collect()
    }
}
