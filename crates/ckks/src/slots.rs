//! [`SlotAlgebra`] on CKKS: real slots, one level per product, scales kept on the ladder.

use std::sync::Arc;

use blindfold_rlwe::{Ciphertext, Plaintext, SlotAlgebra};

use crate::eval::same_scale;
use crate::{C64, Error, Evaluator};

/// An encoded slot vector for [`SlotAlgebra`]: the plaintext and the values it encodes, so
/// it can be re-encoded when used at another level or scale than the one it was made for.
#[derive(Clone, Debug)]
pub struct SlotPlaintext {
    values: Arc<[f64]>,
    pt: Plaintext,
}

impl SlotPlaintext {
    /// The encoded plaintext.
    pub fn plaintext(&self) -> &Plaintext {
        &self.pt
    }

    /// The slot values.
    pub fn values(&self) -> &[f64] {
        &self.values
    }
}

impl Evaluator {
    /// `p` as a plaintext at `ct`'s level with `scale`, re-encoding only when needed.
    fn plain_for<'a>(
        &self,
        ct: &Ciphertext,
        p: &'a SlotPlaintext,
        scale: f64,
    ) -> Result<std::borrow::Cow<'a, Plaintext>, Error> {
        if p.pt.level() >= ct.level() && same_scale(p.pt.meta.scale, scale) {
            return Ok(std::borrow::Cow::Borrowed(&p.pt));
        }
        Ok(std::borrow::Cow::Owned(self.encoder().encode(
            &p.values,
            self.slot_count(),
            ct.level(),
            scale,
        )?))
    }
}

impl SlotAlgebra for Evaluator {
    type Ct = Ciphertext;
    type Pt = SlotPlaintext;
    type Scalar = f64;
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

    fn encode(&self, values: &[f64], level: usize) -> Result<SlotPlaintext, Error> {
        let scale = self.params().scale(level);
        let pt = self
            .encoder()
            .encode(values, self.slot_count(), level, scale)?;
        Ok(SlotPlaintext {
            values: values.into(),
            pt,
        })
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

    fn add_plain(&self, a: &Ciphertext, p: &SlotPlaintext) -> Result<Ciphertext, Error> {
        let pt = self.plain_for(a, p, a.meta.scale)?;
        Evaluator::add_plain(self, a, &pt)
    }

    fn add_scalar(&self, a: &Ciphertext, c: f64) -> Result<Ciphertext, Error> {
        self.add_const(a, C64::real(c))
    }

    fn mul_plain(&self, a: &Ciphertext, p: &SlotPlaintext) -> Result<Ciphertext, Error> {
        if a.level() == 0 {
            return Err(Error::OutOfLevels { op: "mul_plain" });
        }
        let pt = self.plain_for(a, p, self.multiplier_scale(a))?;
        Evaluator::mul_plain(self, a, &pt)
    }

    fn mul_scalar(&self, a: &Ciphertext, c: f64) -> Result<Ciphertext, Error> {
        self.mul_const(a, C64::real(c))
    }

    fn mul(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, Error> {
        Evaluator::mul(self, a, b)
    }

    fn square(&self, a: &Ciphertext) -> Result<Ciphertext, Error> {
        Evaluator::square(self, a)
    }

    /// Products accumulated at the ciphertexts' scale, one rescale for the whole sum.
    fn mul_plain_sum(
        &self,
        terms: &[(&Ciphertext, &SlotPlaintext)],
    ) -> Result<Option<Ciphertext>, Error> {
        let Some(&(first, _)) = terms.first() else {
            return Ok(None);
        };
        let uniform = terms.iter().all(|(c, _)| {
            c.level() == first.level()
                && c.parts.len() == 2
                && same_scale(c.meta.scale, first.meta.scale)
        });
        if !uniform || first.level() == 0 {
            // Mixed levels or scales: the generic path matches them term by term.
            let mut acc: Option<Ciphertext> = None;
            for &(c, p) in terms {
                let t = SlotAlgebra::mul_plain(self, c, p)?;
                acc = Some(match acc {
                    None => t,
                    Some(a) => Evaluator::add(self, &a, &t)?,
                });
            }
            return Ok(acc);
        }
        let scale = self.multiplier_scale(first);
        let mut acc: Option<Ciphertext> = None;
        for &(c, p) in terms {
            let pt = self.plain_for(c, p, scale)?;
            match acc.as_mut() {
                None => acc = Some(self.mul_plain_no_rescale(c, &pt)?),
                Some(a) => {
                    let m = pt.poly.restricted(c.level() + 1, false)?;
                    a.parts[0].mul_add_assign(&c.parts[0], &m)?;
                    a.parts[1].mul_add_assign(&c.parts[1], &m)?;
                }
            }
        }
        match acc {
            Some(a) => Ok(Some(self.rescale(&a)?)),
            None => Ok(None),
        }
    }

    /// Tensored products added in the extended form: one relinearization (key switch) and
    /// one rescale for the whole sum, when the products share a level and scale.
    fn mul_sum(&self, terms: &[(&Ciphertext, &Ciphertext)]) -> Result<Option<Ciphertext>, Error> {
        let mut acc: Option<Ciphertext> = None;
        let mut uniform = true;
        let mut tensors = Vec::with_capacity(terms.len());
        for &(a, b) in terms {
            if a.level().min(b.level()) == 0 {
                return Err(Error::OutOfLevels { op: "mul_sum" });
            }
            tensors.push(self.tensor(a, b)?);
        }
        if let Some(first) = tensors.first() {
            uniform = tensors
                .iter()
                .all(|t| t.level() == first.level() && same_scale(t.meta.scale, first.meta.scale));
        }
        if !uniform {
            for t in &tensors {
                let p = self.rescale(&self.relinearize(t)?)?;
                acc = Some(match acc {
                    None => p,
                    Some(s) => Evaluator::add(self, &s, &p)?,
                });
            }
            return Ok(acc);
        }
        for t in tensors {
            match acc.as_mut() {
                None => acc = Some(t),
                Some(s) => {
                    for (x, y) in s.parts.iter_mut().zip(&t.parts) {
                        x.add_assign(y)?;
                    }
                }
            }
        }
        match acc {
            Some(s) => Ok(Some(self.rescale(&self.relinearize(&s)?)?)),
            None => Ok(None),
        }
    }

    fn rotate(&self, a: &Ciphertext, k: i64) -> Result<Ciphertext, Error> {
        Evaluator::rotate(self, a, k)
    }

    fn rotate_many(&self, a: &Ciphertext, ks: &[i64]) -> Result<Vec<Ciphertext>, Error> {
        self.rotate_hoisted(a, ks)
    }

    /// Drops to `level` onto the ladder scale of that level when `a` is on the ladder (one
    /// integer multiplication and a rescale if the scales differ), else keeps the scale.
    fn drop_to_level(&self, a: &Ciphertext, level: usize) -> Result<Ciphertext, Error> {
        if level == a.level() {
            return Ok(a.clone());
        }
        if self.on_ladder(a) {
            self.bring_to(a, level, self.params().scale(level))
        } else {
            Evaluator::drop_to_level(self, a, level)
        }
    }

    fn refresh_level(&self) -> Option<usize> {
        self.bootstrapper().map(|b| b.plan().output_level())
    }

    fn refresh_input_level(&self) -> usize {
        self.bootstrapper().map_or(0, |b| b.plan().input_level())
    }

    /// Bootstraps with the evaluator's [`Bootstrapper`](crate::bootstrap::Bootstrapper).
    fn refresh(&self, a: &Ciphertext) -> Result<Ciphertext, Error> {
        match self.bootstrapper() {
            Some(b) => b.bootstrap(self, a),
            None => Err(Error::NoBootstrapping),
        }
    }
}
