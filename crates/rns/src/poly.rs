use core::marker::PhantomData;
use std::sync::Arc;

use blindfold_modarith::Modulus;
use rayon::prelude::*;
use zeroize::Zeroize;

use crate::{Error, RingContext};

mod sealed {
    pub trait Sealed {}
}

/// Marker for how a polynomial's limbs are stored.
pub trait Representation:
    sealed::Sealed + Copy + Default + core::fmt::Debug + Send + Sync + 'static
{
    /// Whether limbs hold NTT evaluations.
    const IS_NTT: bool;
}

/// Coefficients `a_0 … a_{N-1}` modulo each prime.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Coeff;
/// NTT evaluations (bit-reversed order, see `blindfold_ntt::NttPlan::forward`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ntt;

impl sealed::Sealed for Coeff {}
impl sealed::Sealed for Ntt {}
impl Representation for Coeff {
    const IS_NTT: bool = false;
}
impl Representation for Ntt {
    const IS_NTT: bool = true;
}

/// A polynomial of `Z[X]/(X^N+1)` in RNS form over a limb set of a [`RingContext`]:
/// the first `q_limbs` primes of `Q`, then either none or all of the `P` primes.
///
/// Limbs are stored contiguously, limb-major. Products only exist in [`Ntt`] form.
pub struct Poly<R: Representation> {
    ctx: Arc<RingContext>,
    q_limbs: usize,
    p_limbs: usize,
    data: Vec<u64>,
    _repr: PhantomData<R>,
}

impl<R: Representation> Clone for Poly<R> {
    fn clone(&self) -> Self {
        Self {
            ctx: Arc::clone(&self.ctx),
            q_limbs: self.q_limbs,
            p_limbs: self.p_limbs,
            data: self.data.clone(),
            _repr: PhantomData,
        }
    }
}

impl<R: Representation> core::fmt::Debug for Poly<R> {
    // Coefficients may be secret: print only the shape.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Poly")
            .field("repr", &R::default())
            .field("n", &self.ctx.n())
            .field("q_limbs", &self.q_limbs)
            .field("p_limbs", &self.p_limbs)
            .finish_non_exhaustive()
    }
}

impl<R: Representation> PartialEq for Poly<R> {
    /// Variable-time comparison: for public data and tests only.
    fn eq(&self, other: &Self) -> bool {
        self.same_basis(other) && self.data == other.data
    }
}

impl<R: Representation> Zeroize for Poly<R> {
    fn zeroize(&mut self) {
        self.data.zeroize();
    }
}

impl<R: Representation> Poly<R> {
    /// The zero polynomial over the given limb set.
    pub fn zero(ctx: &Arc<RingContext>, q_limbs: usize, p_limbs: usize) -> Result<Self, Error> {
        ctx.check_limbs(q_limbs, p_limbs)?;
        Ok(Self {
            ctx: Arc::clone(ctx),
            q_limbs,
            p_limbs,
            data: vec![0; ctx.n() * (q_limbs + p_limbs)],
            _repr: PhantomData,
        })
    }

    /// Wraps limb-major words, checking the length and that every word is below its modulus.
    pub fn from_words(
        ctx: &Arc<RingContext>,
        q_limbs: usize,
        p_limbs: usize,
        data: Vec<u64>,
    ) -> Result<Self, Error> {
        ctx.check_limbs(q_limbs, p_limbs)?;
        let expected = ctx.n() * (q_limbs + p_limbs);
        if data.len() != expected {
            return Err(Error::LengthMismatch {
                expected,
                actual: data.len(),
            });
        }
        let poly = Self {
            ctx: Arc::clone(ctx),
            q_limbs,
            p_limbs,
            data,
            _repr: PhantomData,
        };
        for (k, limb) in poly.limbs().enumerate() {
            let q = poly.modulus(k).value();
            if limb.iter().any(|&w| w >= q) {
                return Err(Error::InvalidLimbs {
                    what: "a word at or above its modulus",
                    q_limbs,
                    p_limbs,
                });
            }
        }
        Ok(poly)
    }

    /// The ring context.
    pub fn ctx(&self) -> &Arc<RingContext> {
        &self.ctx
    }

    /// Number of `Q` limbs (`level + 1`).
    pub fn q_limbs(&self) -> usize {
        self.q_limbs
    }

    /// Number of `P` limbs (0 or all of them).
    pub fn p_limbs(&self) -> usize {
        self.p_limbs
    }

    /// Level: index of the last active `Q` prime.
    pub fn level(&self) -> usize {
        self.q_limbs - 1
    }

    /// Total number of limbs.
    pub fn num_limbs(&self) -> usize {
        self.q_limbs + self.p_limbs
    }

    /// Modulus index (into [`RingContext::moduli`]) of limb `k`.
    pub fn modulus_index(&self, k: usize) -> usize {
        if k < self.q_limbs {
            k
        } else {
            self.ctx.num_q() + (k - self.q_limbs)
        }
    }

    /// Modulus indices of all limbs, in limb order.
    pub fn modulus_indices(&self) -> Vec<usize> {
        (0..self.num_limbs())
            .map(|k| self.modulus_index(k))
            .collect()
    }

    /// The modulus of limb `k`.
    pub fn modulus(&self, k: usize) -> &Modulus {
        &self.ctx.moduli()[self.modulus_index(k)]
    }

    /// Limb `k`.
    pub fn limb(&self, k: usize) -> &[u64] {
        let n = self.ctx.n();
        &self.data[k * n..(k + 1) * n]
    }

    /// Limb `k`, mutable. Words written must stay below the limb's modulus.
    pub fn limb_mut(&mut self, k: usize) -> &mut [u64] {
        let n = self.ctx.n();
        &mut self.data[k * n..(k + 1) * n]
    }

    /// All limbs in order.
    pub fn limbs(&self) -> core::slice::Chunks<'_, u64> {
        self.data.chunks(self.ctx.n())
    }

    /// All words, limb-major.
    pub fn words(&self) -> &[u64] {
        &self.data
    }

    pub(crate) fn words_mut(&mut self) -> &mut [u64] {
        &mut self.data
    }

    /// Consumes the polynomial and returns its words, limb-major.
    pub fn into_words(self) -> Vec<u64> {
        self.data
    }

    fn same_basis(&self, other: &Self) -> bool {
        (Arc::ptr_eq(&self.ctx, &other.ctx) || *self.ctx == *other.ctx)
            && self.q_limbs == other.q_limbs
            && self.p_limbs == other.p_limbs
    }

    fn check_same(&self, other: &Self) -> Result<(), Error> {
        if !(Arc::ptr_eq(&self.ctx, &other.ctx) || *self.ctx == *other.ctx) {
            return Err(Error::ContextMismatch);
        }
        if !self.same_basis(other) {
            return Err(Error::BasisMismatch {
                left: (self.q_limbs, self.p_limbs),
                right: (other.q_limbs, other.p_limbs),
            });
        }
        Ok(())
    }

    /// Runs `f(modulus, limb, other_limb)` on every limb pair, in parallel over limbs.
    fn zip_limbs(
        &mut self,
        other: &Self,
        f: impl Fn(&Modulus, &mut [u64], &[u64]) + Sync + Send,
    ) -> Result<(), Error> {
        self.check_same(other)?;
        let n = self.ctx.n();
        let idx = self.modulus_indices();
        let moduli = self.ctx.moduli();
        self.data
            .par_chunks_mut(n)
            .zip(other.data.par_chunks(n))
            .zip(idx.par_iter())
            .for_each(|((a, b), &i)| f(&moduli[i], a, b));
        Ok(())
    }

    /// Runs `f(modulus index, limb)` on every limb, in parallel.
    pub(crate) fn for_each_limb(&mut self, f: impl Fn(usize, &mut [u64]) + Sync + Send) {
        let n = self.ctx.n();
        let idx = self.modulus_indices();
        self.data
            .par_chunks_mut(n)
            .zip(idx.par_iter())
            .for_each(|(a, &i)| f(i, a));
    }

    /// `self += other`.
    pub fn add_assign(&mut self, other: &Self) -> Result<(), Error> {
        self.zip_limbs(other, |m, a, b| m.add_assign_slice(a, b))
    }

    /// `self -= other`.
    pub fn sub_assign(&mut self, other: &Self) -> Result<(), Error> {
        self.zip_limbs(other, |m, a, b| m.sub_assign_slice(a, b))
    }

    /// `self + other`.
    pub fn add(&self, other: &Self) -> Result<Self, Error> {
        let mut r = self.clone();
        r.add_assign(other)?;
        Ok(r)
    }

    /// `self - other`.
    pub fn sub(&self, other: &Self) -> Result<Self, Error> {
        let mut r = self.clone();
        r.sub_assign(other)?;
        Ok(r)
    }

    /// `self = -self`.
    pub fn neg_assign(&mut self) {
        let moduli = Arc::clone(&self.ctx);
        self.for_each_limb(|i, a| moduli.moduli()[i].neg_slice(a));
    }

    /// Multiplies by an integer constant (reduced modulo each prime).
    pub fn scalar_mul_assign(&mut self, c: u64) {
        let ctx = Arc::clone(&self.ctx);
        self.for_each_limb(|i, a| {
            let m = &ctx.moduli()[i];
            m.scalar_mul_slice(a, m.reduce(c));
        });
    }

    /// Multiplies by a signed integer constant.
    pub fn scalar_mul_signed_assign(&mut self, c: i64) {
        let ctx = Arc::clone(&self.ctx);
        self.for_each_limb(|i, a| {
            let m = &ctx.moduli()[i];
            m.scalar_mul_slice(a, m.from_i64(c));
        });
    }

    /// Multiplies limb `k` by `per_limb[k]` (each already reduced modulo its prime):
    /// multiplication by an integer given in RNS form.
    pub fn scalar_mul_limbs_assign(&mut self, per_limb: &[u64]) -> Result<(), Error> {
        if per_limb.len() != self.num_limbs() {
            return Err(Error::LengthMismatch {
                expected: self.num_limbs(),
                actual: per_limb.len(),
            });
        }
        let ctx = Arc::clone(&self.ctx);
        let n = ctx.n();
        let idx = self.modulus_indices();
        self.data
            .par_chunks_mut(n)
            .zip(idx.par_iter())
            .zip(per_limb.par_iter())
            .for_each(|((a, &i), &c)| {
                let m = &ctx.moduli()[i];
                m.scalar_mul_slice(a, m.reduce(c));
            });
        Ok(())
    }

    /// Keeps the first `q_limbs` primes of `Q` (dropping levels); `P` limbs are kept.
    pub fn drop_to_q_limbs(&mut self, q_limbs: usize) -> Result<(), Error> {
        if q_limbs == 0 || q_limbs > self.q_limbs {
            return Err(Error::InvalidLimbs {
                what: "raising the level by dropping",
                q_limbs,
                p_limbs: self.p_limbs,
            });
        }
        let n = self.ctx.n();
        if self.p_limbs > 0 {
            self.data.copy_within(self.q_limbs * n.., q_limbs * n);
        }
        self.data.truncate((q_limbs + self.p_limbs) * n);
        self.q_limbs = q_limbs;
        Ok(())
    }

    /// Removes the `P` limbs (no division: the caller knows the value is small or a multiple).
    pub fn drop_p(&mut self) {
        self.data.truncate(self.q_limbs * self.ctx.n());
        self.p_limbs = 0;
    }

    /// Copy with the first `q_limbs` Q limbs and the P limbs.
    pub fn restricted(&self, q_limbs: usize, keep_p: bool) -> Result<Self, Error> {
        if q_limbs == 0 || q_limbs > self.q_limbs || (keep_p && self.p_limbs == 0) {
            return Err(Error::InvalidLimbs {
                what: "restricting to absent limbs",
                q_limbs,
                p_limbs: self.p_limbs,
            });
        }
        let n = self.ctx.n();
        let mut data = self.data[..q_limbs * n].to_vec();
        let p_limbs = if keep_p { self.p_limbs } else { 0 };
        if keep_p {
            data.extend_from_slice(&self.data[self.q_limbs * n..]);
        }
        Ok(Self {
            ctx: Arc::clone(&self.ctx),
            q_limbs,
            p_limbs,
            data,
            _repr: PhantomData,
        })
    }

    /// Applies `X -> X^g`.
    pub fn automorphism(&self, g: u64) -> Result<Self, Error> {
        let auto = self.ctx.automorphism(g)?;
        let mut out = self.clone();
        let n = self.ctx.n();
        let idx = self.modulus_indices();
        let ctx = &self.ctx;
        out.data
            .par_chunks_mut(n)
            .zip(self.data.par_chunks(n))
            .zip(idx.par_iter())
            .for_each(|((o, a), &i)| {
                if R::IS_NTT {
                    auto.apply_ntt(a, o);
                } else {
                    auto.apply_coeff(a, o, &ctx.moduli()[i]);
                }
            });
        Ok(out)
    }

    pub(crate) fn with_data(&self, q_limbs: usize, p_limbs: usize, data: Vec<u64>) -> Self {
        debug_assert_eq!(data.len(), self.ctx.n() * (q_limbs + p_limbs));
        Self {
            ctx: Arc::clone(&self.ctx),
            q_limbs,
            p_limbs,
            data,
            _repr: PhantomData,
        }
    }

    fn retag<S: Representation>(self) -> Poly<S> {
        Poly {
            ctx: self.ctx,
            q_limbs: self.q_limbs,
            p_limbs: self.p_limbs,
            data: self.data,
            _repr: PhantomData,
        }
    }
}

impl Poly<Coeff> {
    /// Lifts small signed coefficients (e.g. a secret or an error) into every limb.
    /// Branch-free in the values.
    pub fn from_signed(
        ctx: &Arc<RingContext>,
        coeffs: &[i64],
        q_limbs: usize,
        p_limbs: usize,
    ) -> Result<Self, Error> {
        if coeffs.len() != ctx.n() {
            return Err(Error::LengthMismatch {
                expected: ctx.n(),
                actual: coeffs.len(),
            });
        }
        let mut p = Self::zero(ctx, q_limbs, p_limbs)?;
        let c = Arc::clone(ctx);
        p.for_each_limb(|i, a| {
            let m = &c.moduli()[i];
            for (x, &v) in a.iter_mut().zip(coeffs) {
                *x = m.from_i64(v);
            }
        });
        Ok(p)
    }

    /// Converts to NTT form (in parallel over limbs).
    pub fn into_ntt(mut self) -> Poly<Ntt> {
        let ctx = Arc::clone(&self.ctx);
        self.for_each_limb(|i, a| ctx.plan(i).forward(a));
        self.retag()
    }

    /// Multiplies by `X^k` (`k` taken modulo `2N`; `X^N = -1`).
    pub fn mul_monomial(&self, k: i64) -> Self {
        let n = self.ctx.n();
        let k = k.rem_euclid(2 * n as i64) as usize;
        let mut out = self.clone();
        let ctx = Arc::clone(&self.ctx);
        let idx = self.modulus_indices();
        out.data
            .par_chunks_mut(n)
            .zip(self.data.par_chunks(n))
            .zip(idx.par_iter())
            .for_each(|((o, a), &i)| {
                let m = &ctx.moduli()[i];
                for (j, &x) in a.iter().enumerate() {
                    let t = (j + k) % (2 * n);
                    if t < n { o[t] = x } else { o[t - n] = m.neg(x) }
                }
            });
        out
    }
}

impl Poly<Ntt> {
    /// Converts to coefficient form (in parallel over limbs).
    pub fn into_coeff(mut self) -> Poly<Coeff> {
        let ctx = Arc::clone(&self.ctx);
        self.for_each_limb(|i, a| ctx.plan(i).inverse(a));
        self.retag()
    }

    /// `self *= other` (pointwise).
    pub fn mul_assign(&mut self, other: &Self) -> Result<(), Error> {
        self.zip_limbs(other, |m, a, b| m.mul_assign_slice(a, b))
    }

    /// `self * other`.
    pub fn mul(&self, other: &Self) -> Result<Self, Error> {
        let mut r = self.clone();
        r.mul_assign(other)?;
        Ok(r)
    }

    /// `self += a * b` (fused, one reduction per word).
    pub fn mul_add_assign(&mut self, a: &Self, b: &Self) -> Result<(), Error> {
        a.check_same(b)?;
        self.check_same(a)?;
        let n = self.ctx.n();
        let idx = self.modulus_indices();
        let moduli = self.ctx.moduli();
        self.data
            .par_chunks_mut(n)
            .zip(a.data.par_chunks(n))
            .zip(b.data.par_chunks(n))
            .zip(idx.par_iter())
            .for_each(|(((acc, x), y), &i)| moduli[i].mul_add_slice(acc, x, y));
        Ok(())
    }

    /// Multiplies by `X^k` directly in NTT form.
    pub fn mul_monomial(&self, k: i64) -> Result<Self, Error> {
        // X^k's evaluations come from its coefficient form: one NTT per limb.
        let mut mono = vec![0i64; self.ctx.n()];
        mono[0] = 1;
        let x = Poly::<Coeff>::from_signed(&self.ctx, &mono, self.q_limbs, self.p_limbs)?
            .mul_monomial(k)
            .into_ntt();
        self.mul(&x)
    }
}
