//! The two number systems the network is trained in, behind one generic circuit: real slots
//! (CKKS and `Clear::real`) and fixed-point integers modulo `t` (BGV and `Clear::integer`).
//!
//! A fixed-point value is an integer `v` standing for `v / 2^exp`. BGV cannot divide, so
//! exponents only grow: a product adds them, a sum first lifts the operand with the smaller
//! exponent by an exact integer factor `2^k` (free in BGV: no level). Every exponent is public
//! and known before the step runs; the overflow planner ([`super::FixedPlan`]) bounds the
//! integers they imply against `t`. Real slots carry exponent 0 throughout.

use blindfold_rlwe::slots::ClearArith;
use blindfold_rlwe::{Clear, SlotAlgebra, SlotScalar};

use super::FcError;

/// Largest magnitude of an integer constant the circuit builds (`2^62`): beyond it the value
/// cannot be meant modulo any usable `t`.
const MAX_CONSTANT: f64 = 4_611_686_018_427_387_904.0;

/// A slot scalar the network can be trained with.
pub trait FcScalar: SlotScalar + ClearArith {
    /// Whether values are fixed-point integers (exponents tracked) rather than reals.
    const FIXED: bool;

    /// `x` at exponent `exp`: `x` itself for reals, `round(x · 2^exp)` for integers
    /// (`None` when that is not below `2^62`, or `x` is not finite).
    fn from_real(x: f64, exp: u32) -> Option<Self>;

    /// The real value of `self` at exponent `exp`.
    fn to_real(self, exp: u32) -> f64;

    /// `|self|` as a float (for magnitude bounds).
    fn magnitude(self) -> f64;

    /// The plaintext backend of this number system: `Clear::real` or `Clear::integer`
    /// (modulo `t`).
    fn mirror(slots: usize, max_level: usize, t: u64) -> Clear<Self>;
}

impl FcScalar for f64 {
    const FIXED: bool = false;

    fn from_real(x: f64, _exp: u32) -> Option<Self> {
        x.is_finite().then_some(x)
    }

    fn to_real(self, _exp: u32) -> f64 {
        self
    }

    fn magnitude(self) -> f64 {
        self.abs()
    }

    fn mirror(slots: usize, max_level: usize, _t: u64) -> Clear<Self> {
        Clear::real(slots, max_level)
    }
}

impl FcScalar for i64 {
    const FIXED: bool = true;

    fn from_real(x: f64, exp: u32) -> Option<Self> {
        let v = (x * (exp as f64).exp2()).round();
        (v.is_finite() && v.abs() < MAX_CONSTANT).then_some(v as i64)
    }

    fn to_real(self, exp: u32) -> f64 {
        self as f64 / (exp as f64).exp2()
    }

    fn magnitude(self) -> f64 {
        self.unsigned_abs() as f64
    }

    fn mirror(slots: usize, max_level: usize, t: u64) -> Clear<Self> {
        Clear::integer(slots, max_level, t)
    }
}

/// A ciphertext with the exponent of its fixed-point values (0 for reals).
#[derive(Clone, Debug)]
pub(crate) struct Val<C> {
    pub ct: C,
    pub exp: u32,
}

impl<C> Val<C> {
    pub fn new(ct: C, exp: u32) -> Self {
        Self { ct, exp }
    }
}

/// A pair of factors of a sum of products.
pub(crate) type Pair<'v, C> = (&'v Val<C>, &'v Val<C>);

/// Exponent-aware arithmetic on a backend.
pub(crate) struct Num<'a, A> {
    pub alg: &'a A,
    fixed: bool,
    /// On a backend that refreshes: the level a refresh lands at and the lowest it accepts.
    refresh: Option<(usize, usize)>,
}

fn be<T, E>(r: Result<T, E>) -> Result<T, FcError<E>> {
    r.map_err(FcError::Backend)
}

impl<'a, A: SlotAlgebra> Num<'a, A>
where
    A::Scalar: FcScalar,
{
    /// Exponents are tracked on integer slots when `track` (a dry run that only counts
    /// operations may drop them: the operations are the same, the constants are not).
    pub fn new(alg: &'a A, track: bool) -> Self {
        Self {
            alg,
            fixed: A::Scalar::FIXED && track,
            refresh: alg
                .refresh_level()
                .map(|top| (top, alg.refresh_input_level())),
        }
    }

    /// Makes `v` able to lose `levels` levels and still be refreshable afterwards: on a
    /// backend that refreshes, refreshes it when it sits below the refresh's input level plus
    /// `levels` (elsewhere a no-op: the dry run has checked the levels). Refreshing every
    /// operand this way before the products it enters keeps every value of a step, and so
    /// the model after it, at or above the input level. A refresh level too low for
    /// `levels` is a typed [`FcError::OutOfLevels`].
    pub fn reserve(&self, v: &mut Val<A::Ct>, levels: usize) -> Result<(), FcError<A::Error>> {
        let Some((top, floor)) = self.refresh else {
            return Ok(());
        };
        let needed = floor + levels;
        if self.alg.level(&v.ct) >= needed {
            return Ok(());
        }
        if top < needed {
            return Err(FcError::OutOfLevels {
                needed,
                available: top,
            });
        }
        v.ct = be(self.alg.refresh(&v.ct))?;
        Ok(())
    }

    /// Levels a refresh gives a computation before the next one (`None`: no refresh).
    pub fn refresh_span(&self) -> Option<usize> {
        self.refresh.map(|(top, floor)| top.saturating_sub(floor))
    }

    /// [`Self::reserve`] for each value.
    pub fn reserve_all(
        &self,
        vs: &mut [Val<A::Ct>],
        levels: usize,
    ) -> Result<(), FcError<A::Error>> {
        vs.iter_mut().try_for_each(|v| self.reserve(v, levels))
    }

    /// Whether exponents are tracked.
    pub fn fixed(&self) -> bool {
        self.fixed
    }

    /// Exponent of a sum of values at exponents `a` and `b`.
    pub fn join(&self, a: u32, b: u32) -> u32 {
        if self.fixed { a.max(b) } else { 0 }
    }

    /// Exponent of a product.
    pub fn times(&self, a: u32, b: u32) -> u32 {
        if self.fixed { a + b } else { 0 }
    }

    /// `v` lifted to exponent `exp ≥ v.exp` by exact integer factors (no level).
    pub fn lift(&self, v: &Val<A::Ct>, exp: u32) -> Result<Val<A::Ct>, FcError<A::Error>> {
        if !self.fixed || exp == v.exp {
            return Ok(v.clone());
        }
        if exp < v.exp {
            return Err(FcError::State {
                reason: "a fixed-point value cannot be lowered to a smaller exponent",
            });
        }
        let mut ct = v.ct.clone();
        let mut k = exp - v.exp;
        while k > 0 {
            let s = k.min(62);
            ct = be(self.alg.mul_scalar(&ct, A::Scalar::from_i64(1i64 << s)))?;
            k -= s;
        }
        Ok(Val::new(ct, exp))
    }

    pub fn add(&self, a: &Val<A::Ct>, b: &Val<A::Ct>) -> Result<Val<A::Ct>, FcError<A::Error>> {
        let e = self.join(a.exp, b.exp);
        let (a, b) = (self.lift(a, e)?, self.lift(b, e)?);
        Ok(Val::new(be(self.alg.add(&a.ct, &b.ct))?, e))
    }

    pub fn sub(&self, a: &Val<A::Ct>, b: &Val<A::Ct>) -> Result<Val<A::Ct>, FcError<A::Error>> {
        let e = self.join(a.exp, b.exp);
        let (a, b) = (self.lift(a, e)?, self.lift(b, e)?);
        Ok(Val::new(be(self.alg.sub(&a.ct, &b.ct))?, e))
    }

    pub fn mul(&self, a: &Val<A::Ct>, b: &Val<A::Ct>) -> Result<Val<A::Ct>, FcError<A::Error>> {
        Ok(Val::new(
            be(self.alg.mul(&a.ct, &b.ct))?,
            self.times(a.exp, b.exp),
        ))
    }

    /// `Σ a_i · b_i` with one relinearization on backends that batch it; every product must
    /// have the same exponent.
    pub fn mul_sum(&self, terms: &[Pair<'_, A::Ct>]) -> Result<Val<A::Ct>, FcError<A::Error>> {
        let Some(&(a0, b0)) = terms.first() else {
            return Err(FcError::State {
                reason: "an empty sum of products",
            });
        };
        let exp = self.times(a0.exp, b0.exp);
        if terms.iter().any(|(a, b)| self.times(a.exp, b.exp) != exp) {
            return Err(FcError::State {
                reason: "products of different fixed-point exponents in one sum",
            });
        }
        let pairs: Vec<(&A::Ct, &A::Ct)> = terms.iter().map(|(a, b)| (&a.ct, &b.ct)).collect();
        let s = be(self.alg.mul_sum(&pairs))?.ok_or(FcError::State {
            reason: "an empty sum of products",
        })?;
        Ok(Val::new(s, exp))
    }

    /// `c · v` for a real `c`: in fixed point a power of two `2^{−s}` only shifts the
    /// exponent and any other `c` is the integer `round(c · 2^bits)` (no level either way);
    /// on reals a product by `c` (a level unless `c` is an integer).
    pub fn scale(
        &self,
        v: &Val<A::Ct>,
        c: f64,
        bits: u32,
    ) -> Result<Val<A::Ct>, FcError<A::Error>> {
        if self.fixed {
            if c > 0.0 && c <= 1.0 {
                let s = (-c.log2()).round();
                if (-s).exp2() == c {
                    return Ok(Val::new(v.ct.clone(), v.exp + s as u32));
                }
            }
            let k = A::Scalar::from_real(c, bits).ok_or(FcError::ConstantOverflow { exp: bits })?;
            return Ok(Val::new(be(self.alg.mul_scalar(&v.ct, k))?, v.exp + bits));
        }
        if c == 1.0 {
            return Ok(v.clone());
        }
        let k = A::Scalar::from_real(c, 0).ok_or(FcError::ConstantOverflow { exp: 0 })?;
        Ok(Val::new(be(self.alg.mul_scalar(&v.ct, k))?, 0))
    }

    /// Slot vector of reals `values` at exponent `exp`, encoded at `level`.
    pub fn encode(
        &self,
        values: &[f64],
        exp: u32,
        level: usize,
    ) -> Result<A::Pt, FcError<A::Error>> {
        let v = values
            .iter()
            .map(|&x| {
                A::Scalar::from_real(x, if self.fixed { exp } else { 0 })
                    .ok_or(FcError::ConstantOverflow { exp })
            })
            .collect::<Result<Vec<_>, _>>()?;
        be(self.alg.encode(&v, level))
    }
}
