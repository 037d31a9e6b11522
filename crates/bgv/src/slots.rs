//! [`SlotAlgebra`] on BGV: integer slots modulo `t`, one level per product (the modulus
//! switch is the rescale policy), mirroring `Clear::integer(N/2, L, t)`.
//!
//! The algebra's `N/2` slots are row 0 of the `2 × N/2` hypercube with the vector
//! replicated in row 1, so `rotate(k)` (`X ↦ X^{5^k}`, both rows left by `k`) is a cyclic
//! rotation of the `N/2`-vector exactly as on `Clear`. The native [`Evaluator`] methods
//! still offer all `N` slots and `rotate_columns`.

use std::borrow::Cow;

use blindfold_rlwe::{Ciphertext, Plaintext, SlotAlgebra};

use crate::{Error, Evaluator};

impl Evaluator {
    /// Number of slots seen through [`SlotAlgebra`]: `N/2`.
    pub fn slot_count(&self) -> usize {
        self.params().n() / 2
    }

    /// `values` (at most `N/2`, zero-padded) replicated in both rows, encoded at `level`.
    pub fn encode_replicated(&self, values: &[i64], level: usize) -> Result<Plaintext, Error> {
        let half = self.slot_count();
        if values.len() > half {
            return Err(Error::TooManyValues {
                values: values.len(),
                slots: half,
            });
        }
        let mut v = values.to_vec();
        v.resize(half, 0);
        v.extend_from_within(..);
        self.encoder().encode_signed(&v, level)
    }
}

impl SlotAlgebra for Evaluator {
    type Ct = Ciphertext;
    type Pt = Plaintext;
    type Scalar = i64;
    type Error = Error;

    fn slots(&self) -> usize {
        self.slot_count()
    }

    fn max_level(&self) -> usize {
        self.params().max_level()
    }

    fn level(&self, ct: &Ciphertext) -> usize {
        ct.level()
    }

    fn encode(&self, values: &[i64], level: usize) -> Result<Plaintext, Error> {
        self.encode_replicated(values, level)
    }

    fn add(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, Error> {
        Evaluator::add(self, a, b)
    }

    fn sub(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, Error> {
        Evaluator::sub(self, a, b)
    }

    fn neg(&self, a: &Ciphertext) -> Result<Ciphertext, Error> {
        Evaluator::neg(self, a)
    }

    fn add_plain(&self, a: &Ciphertext, p: &Plaintext) -> Result<Ciphertext, Error> {
        Evaluator::add_plain(self, a, p)
    }

    fn add_scalar(&self, a: &Ciphertext, c: i64) -> Result<Ciphertext, Error> {
        Evaluator::add_scalar(self, a, c)
    }

    fn mul_plain(&self, a: &Ciphertext, p: &Plaintext) -> Result<Ciphertext, Error> {
        Evaluator::mul_plain(self, a, p)
    }

    /// Integers are exact in BGV: the level is kept.
    fn mul_scalar(&self, a: &Ciphertext, c: i64) -> Result<Ciphertext, Error> {
        Evaluator::mul_scalar(self, a, c)
    }

    fn mul(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, Error> {
        Evaluator::mul(self, a, b)
    }

    fn square(&self, a: &Ciphertext) -> Result<Ciphertext, Error> {
        Evaluator::square(self, a)
    }

    /// The products accumulated at one level, then a single modulus switch.
    fn mul_plain_sum(
        &self,
        terms: &[(&Ciphertext, &Plaintext)],
    ) -> Result<Option<Ciphertext>, Error> {
        if terms.is_empty() {
            return Ok(None);
        }
        let mut work = usize::MAX;
        let mut target = usize::MAX;
        for &(c, p) in terms {
            let below = c
                .level()
                .checked_sub(1)
                .ok_or(Error::OutOfLevels { op: "mul_plain" })?;
            if c.parts.len() != 2 {
                return Err(Error::InvalidDegree {
                    degree: c.degree(),
                    expected: "1",
                });
            }
            work = work.min(c.level()).min(p.level());
            target = target.min(below).min(p.level());
        }
        let lowered = terms
            .iter()
            .map(|&(c, p)| Ok((Cow::Owned(self.mod_switch_to(c, work)?), p)))
            .collect::<Result<Vec<_>, Error>>()?;
        match self.sum_of_products(&lowered)? {
            Some(sum) => Ok(Some(self.mod_switch_to(&sum, target)?)),
            None => Ok(None),
        }
    }

    /// The tensored products summed at one level (correction factors matched before the
    /// switch, where the extra factors cost least), then one relinearization and one switch.
    fn mul_sum(&self, terms: &[(&Ciphertext, &Ciphertext)]) -> Result<Option<Ciphertext>, Error> {
        let mut work = usize::MAX;
        for &(a, b) in terms {
            let level = a.level().min(b.level());
            if level == 0 {
                return Err(Error::OutOfLevels { op: "mul" });
            }
            work = work.min(level);
        }
        let mut acc: Option<Ciphertext> = None;
        for &(a, b) in terms {
            let (a, b) = (self.lowered(a, work)?, self.lowered(b, work)?);
            let product = self.tensor(&a, &b)?;
            acc = Some(match acc {
                None => product,
                Some(sum) => Evaluator::add(self, &sum, &product)?,
            });
        }
        match acc {
            Some(sum) => Ok(Some(self.mod_switch(&self.relinearize(&sum)?)?)),
            None => Ok(None),
        }
    }

    fn rotate(&self, a: &Ciphertext, k: i64) -> Result<Ciphertext, Error> {
        self.rotate_rows(a, k)
    }

    /// Hoisted: one key-switching decomposition for all the rotations.
    fn rotate_many(&self, a: &Ciphertext, ks: &[i64]) -> Result<Vec<Ciphertext>, Error> {
        self.rotate_rows_hoisted(a, ks)
    }

    /// Modulus switching down to `level` (the noise shrinks with the modulus).
    fn drop_to_level(&self, a: &Ciphertext, level: usize) -> Result<Ciphertext, Error> {
        self.mod_switch_to(a, level)
    }

    /// BGV has no bootstrapping here: [`SlotAlgebra::refresh_level`] is `None`.
    fn refresh(&self, _: &Ciphertext) -> Result<Ciphertext, Error> {
        Err(Error::Unsupported { op: "refresh" })
    }
}
