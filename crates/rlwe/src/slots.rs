//! The slot algebra: the narrow interface that packing, polynomial evaluation and training
//! are written against, and its plaintext backend [`Clear`].
//!
//! A backend holds what it needs to evaluate (CKKS/BGV: parameters and evaluation keys) and
//! applies its scheme's rescale policy inside `mul`/`mul_plain`: every such product consumes
//! one level, so a circuit's depth is visible on [`Clear`] exactly as on ciphertexts.

use core::fmt;

/// A slot value: `f64` for approximate (CKKS) slots, `i64` for integer (BGV) slots.
pub trait SlotScalar: Copy + PartialEq + fmt::Debug + Send + Sync + 'static {
    /// Additive identity.
    const ZERO: Self;
    /// Multiplicative identity.
    const ONE: Self;
    /// Conversion from a small integer (masks, signs, counts).
    fn from_i64(v: i64) -> Self;
}

impl SlotScalar for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    fn from_i64(v: i64) -> Self {
        v as f64
    }
}

impl SlotScalar for i64 {
    const ZERO: Self = 0;
    const ONE: Self = 1;
    fn from_i64(v: i64) -> Self {
        v
    }
}

/// Add, multiply and rotate vectors of slots, encrypted or not.
///
/// Every method returns `Result`: mismatched levels that cannot be matched automatically,
/// exhausted levels, and missing keys are typed errors of the backend.
pub trait SlotAlgebra {
    /// A (possibly encrypted) slot vector.
    type Ct: Clone + fmt::Debug;
    /// An encoded, unencrypted slot vector.
    type Pt: fmt::Debug;
    /// Slot value type.
    type Scalar: SlotScalar;
    /// Error type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Number of slots.
    fn slots(&self) -> usize;
    /// Highest level a fresh ciphertext has.
    fn max_level(&self) -> usize;
    /// Level of `ct` (remaining multiplicative depth).
    fn level(&self, ct: &Self::Ct) -> usize;

    /// Encodes `values` (at most `slots()`; shorter vectors are zero-padded) at `level`.
    fn encode(&self, values: &[Self::Scalar], level: usize) -> Result<Self::Pt, Self::Error>;

    /// `a + b` (levels matched by dropping the higher one).
    fn add(&self, a: &Self::Ct, b: &Self::Ct) -> Result<Self::Ct, Self::Error>;
    /// `a - b`.
    fn sub(&self, a: &Self::Ct, b: &Self::Ct) -> Result<Self::Ct, Self::Error>;
    /// `-a`.
    fn neg(&self, a: &Self::Ct) -> Result<Self::Ct, Self::Error>;
    /// `a + p` slot-wise.
    fn add_plain(&self, a: &Self::Ct, p: &Self::Pt) -> Result<Self::Ct, Self::Error>;
    /// `a + c` in every slot.
    fn add_scalar(&self, a: &Self::Ct, c: Self::Scalar) -> Result<Self::Ct, Self::Error>;
    /// `a · p` slot-wise; consumes one level.
    fn mul_plain(&self, a: &Self::Ct, p: &Self::Pt) -> Result<Self::Ct, Self::Error>;
    /// `a · c` in every slot; consumes one level unless `c` is an integer the scheme can
    /// multiply exactly (then the level is kept).
    fn mul_scalar(&self, a: &Self::Ct, c: Self::Scalar) -> Result<Self::Ct, Self::Error>;
    /// `a · b` slot-wise with relinearization; consumes one level.
    fn mul(&self, a: &Self::Ct, b: &Self::Ct) -> Result<Self::Ct, Self::Error>;
    /// `a · a`; consumes one level.
    fn square(&self, a: &Self::Ct) -> Result<Self::Ct, Self::Error> {
        self.mul(a, a)
    }
    /// `Σ ct_i · pt_i` (a linear transform's inner loop), consuming one level; `None` for
    /// an empty sum. Backends may accumulate the products before a single rescale; the
    /// default multiplies and adds.
    fn mul_plain_sum(
        &self,
        terms: &[(&Self::Ct, &Self::Pt)],
    ) -> Result<Option<Self::Ct>, Self::Error> {
        let mut acc: Option<Self::Ct> = None;
        for &(c, p) in terms {
            let t = self.mul_plain(c, p)?;
            acc = Some(match acc {
                None => t,
                Some(a) => self.add(&a, &t)?,
            });
        }
        Ok(acc)
    }
    /// `Σ a_i · b_i` (ciphertext products), consuming one level; `None` for an empty sum.
    /// Backends may add the tensored products before a single relinearization and rescale
    /// (one key switch instead of one per product); the default multiplies and adds.
    fn mul_sum(&self, terms: &[(&Self::Ct, &Self::Ct)]) -> Result<Option<Self::Ct>, Self::Error> {
        let mut acc: Option<Self::Ct> = None;
        for &(a, b) in terms {
            let t = self.mul(a, b)?;
            acc = Some(match acc {
                None => t,
                Some(s) => self.add(&s, &t)?,
            });
        }
        Ok(acc)
    }
    /// Cyclic left rotation by `k` slots (`k < 0` rotates right).
    fn rotate(&self, a: &Self::Ct, k: i64) -> Result<Self::Ct, Self::Error>;
    /// Several rotations of one ciphertext; backends with hoisting share the decomposition.
    fn rotate_many(&self, a: &Self::Ct, ks: &[i64]) -> Result<Vec<Self::Ct>, Self::Error> {
        ks.iter().map(|&k| self.rotate(a, k)).collect()
    }
    /// Drops `a` to `level` without changing its slots.
    fn drop_to_level(&self, a: &Self::Ct, level: usize) -> Result<Self::Ct, Self::Error>;

    /// The level a refreshed (bootstrapped) ciphertext comes back at; `None` when this
    /// backend cannot refresh.
    fn refresh_level(&self) -> Option<usize> {
        None
    }
    /// The lowest level [`Self::refresh`] accepts (a bootstrap that starts with its
    /// SlotToCoeff step spends levels of its input; `0` when it needs none).
    fn refresh_input_level(&self) -> usize {
        0
    }
    /// Refreshes `a` (bootstrapping): the same slots, at [`Self::refresh_level`]. Backends
    /// that cannot refresh return a typed error.
    fn refresh(&self, a: &Self::Ct) -> Result<Self::Ct, Self::Error>;
}

/// The Galois element of a rotation by `k` slots for a ring of degree `2^log_n`, as used by
/// every backend, so plans can list the keys they need before any key exists.
pub fn rotation_galois_element(log_n: u32, k: i64) -> u64 {
    blindfold_rns::rotation_element(log_n, k)
}

/// Errors of the [`Clear`] backend, mirroring those of the encrypted backends.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClearError {
    /// More values than slots.
    TooManyValues { values: usize, slots: usize },
    /// A product needs a level the operand no longer has.
    OutOfLevels { op: &'static str },
    /// A level above the maximum or above the operand's.
    InvalidLevel { level: usize, max: usize },
    /// Vectors of different lengths (a plaintext built for another backend).
    LengthMismatch { left: usize, right: usize },
    /// `refresh` on a backend built without a refresh level (see [`Clear::with_refresh`]).
    NoRefresh,
    /// `refresh` of an operand below the lowest level a refresh accepts.
    RefreshInput { level: usize, min: usize },
}

impl fmt::Display for ClearError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooManyValues { values, slots } => {
                write!(f, "{values} values do not fit in {slots} slots")
            }
            Self::OutOfLevels { op } => {
                write!(f, "{op} needs a level, but the operand is at level 0")
            }
            Self::InvalidLevel { level, max } => write!(f, "level {level} is above {max}"),
            Self::LengthMismatch { left, right } => {
                write!(f, "slot vectors of lengths {left} and {right}")
            }
            Self::NoRefresh => write!(f, "this backend cannot refresh (no refresh level set)"),
            Self::RefreshInput { level, min } => {
                write!(
                    f,
                    "refresh needs an operand at level {min} or above, got {level}"
                )
            }
        }
    }
}

impl std::error::Error for ClearError {}

/// Slot arithmetic of a [`Clear`] backend: real (CKKS mirror) or integers modulo `t`
/// (BGV mirror, values kept centered in `(-t/2, t/2]`).
pub trait ClearArith: SlotScalar {
    /// Normalizes a value (identity for reals, centered reduction modulo `t` for integers).
    fn norm(self, t: u64) -> Self;
    /// Sum.
    fn add(self, b: Self, t: u64) -> Self;
    /// Product.
    fn mul(self, b: Self, t: u64) -> Self;
    /// Whether multiplying by this constant is exact without consuming a level.
    fn is_exact_constant(self) -> bool;
}

impl ClearArith for f64 {
    fn norm(self, _: u64) -> Self {
        self
    }
    fn add(self, b: Self, _: u64) -> Self {
        self + b
    }
    fn mul(self, b: Self, _: u64) -> Self {
        self * b
    }
    fn is_exact_constant(self) -> bool {
        self.fract() == 0.0 && self.abs() < 2f64.powi(30)
    }
}

impl ClearArith for i64 {
    fn norm(self, t: u64) -> Self {
        let t = t as i128;
        let r = (self as i128).rem_euclid(t);
        (if 2 * r > t { r - t } else { r }) as i64
    }
    fn add(self, b: Self, t: u64) -> Self {
        (((self as i128 + b as i128).rem_euclid(t as i128)) as i64).norm(t)
    }
    fn mul(self, b: Self, t: u64) -> Self {
        (((self as i128 * b as i128).rem_euclid(t as i128)) as i64).norm(t)
    }
    fn is_exact_constant(self) -> bool {
        true
    }
}

/// A slot vector of the [`Clear`] backend, with the level an encrypted one would have.
#[derive(Clone, Debug, PartialEq)]
pub struct ClearCt<S> {
    pub values: Vec<S>,
    pub level: usize,
}

/// The plaintext backend: the same circuit, the same levels, no encryption. Running a
/// circuit on `Clear` is the reference its encrypted run is checked against.
#[derive(Clone, Debug)]
pub struct Clear<S> {
    slots: usize,
    max_level: usize,
    /// Plaintext modulus for integer slots (ignored for reals).
    t: u64,
    /// Level a refresh jumps to (`None`: refresh is an error), and the lowest level it accepts.
    refresh: Option<usize>,
    refresh_input: usize,
    _s: core::marker::PhantomData<S>,
}

impl Clear<f64> {
    /// Real slots, mirroring CKKS.
    pub fn real(slots: usize, max_level: usize) -> Self {
        Self {
            slots,
            max_level,
            t: 0,
            refresh: None,
            refresh_input: 0,
            _s: core::marker::PhantomData,
        }
    }
}

impl Clear<i64> {
    /// Integer slots modulo `t`, mirroring BGV.
    pub fn integer(slots: usize, max_level: usize, t: u64) -> Self {
        Self {
            slots,
            max_level,
            t,
            refresh: None,
            refresh_input: 0,
            _s: core::marker::PhantomData,
        }
    }

    /// The plaintext modulus.
    pub fn plaintext_modulus(&self) -> u64 {
        self.t
    }
}

impl<S: ClearArith> Clear<S> {
    /// Mirrors a backend that refreshes (bootstraps) to `level`: [`SlotAlgebra::refresh`]
    /// keeps the slots and sets the level to `level`, as the encrypted refresh does.
    pub fn with_refresh(mut self, level: usize) -> Self {
        self.refresh = Some(level);
        self
    }

    /// The lowest level a refresh accepts (default 0), as on the mirrored backend.
    pub fn with_refresh_input_level(mut self, level: usize) -> Self {
        self.refresh_input = level;
        self
    }

    /// A "fresh encryption" of `values` at `level`.
    pub fn encrypt(&self, values: &[S], level: usize) -> Result<ClearCt<S>, ClearError> {
        self.encode(values, level)
    }

    fn zip(
        &self,
        a: &ClearCt<S>,
        b: &ClearCt<S>,
        f: impl Fn(S, S) -> S,
    ) -> Result<ClearCt<S>, ClearError> {
        if a.values.len() != b.values.len() {
            return Err(ClearError::LengthMismatch {
                left: a.values.len(),
                right: b.values.len(),
            });
        }
        let values = a
            .values
            .iter()
            .zip(&b.values)
            .map(|(&x, &y)| f(x, y))
            .collect();
        Ok(ClearCt {
            values,
            level: a.level.min(b.level),
        })
    }

    fn lower(ct: &ClearCt<S>, op: &'static str) -> Result<usize, ClearError> {
        ct.level
            .checked_sub(1)
            .ok_or(ClearError::OutOfLevels { op })
    }
}

impl<S: ClearArith> SlotAlgebra for Clear<S> {
    type Ct = ClearCt<S>;
    type Pt = ClearCt<S>;
    type Scalar = S;
    type Error = ClearError;

    fn slots(&self) -> usize {
        self.slots
    }

    fn max_level(&self) -> usize {
        self.max_level
    }

    fn level(&self, ct: &Self::Ct) -> usize {
        ct.level
    }

    fn encode(&self, values: &[S], level: usize) -> Result<Self::Pt, ClearError> {
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
        let mut v: Vec<S> = values.iter().map(|x| x.norm(self.t)).collect();
        v.resize(self.slots, S::ZERO);
        Ok(ClearCt { values: v, level })
    }

    fn add(&self, a: &Self::Ct, b: &Self::Ct) -> Result<Self::Ct, ClearError> {
        self.zip(a, b, |x, y| x.add(y, self.t))
    }

    fn sub(&self, a: &Self::Ct, b: &Self::Ct) -> Result<Self::Ct, ClearError> {
        let minus = S::from_i64(-1);
        self.zip(a, b, |x, y| x.add(y.mul(minus, self.t), self.t))
    }

    fn neg(&self, a: &Self::Ct) -> Result<Self::Ct, ClearError> {
        let minus = S::from_i64(-1);
        Ok(ClearCt {
            values: a.values.iter().map(|&x| x.mul(minus, self.t)).collect(),
            level: a.level,
        })
    }

    fn add_plain(&self, a: &Self::Ct, p: &Self::Pt) -> Result<Self::Ct, ClearError> {
        let mut r = self.zip(a, p, |x, y| x.add(y, self.t))?;
        r.level = a.level.min(p.level);
        Ok(r)
    }

    fn add_scalar(&self, a: &Self::Ct, c: S) -> Result<Self::Ct, ClearError> {
        Ok(ClearCt {
            values: a.values.iter().map(|&x| x.add(c, self.t)).collect(),
            level: a.level,
        })
    }

    fn mul_plain(&self, a: &Self::Ct, p: &Self::Pt) -> Result<Self::Ct, ClearError> {
        let level = Self::lower(a, "mul_plain")?;
        let mut r = self.zip(a, p, |x, y| x.mul(y, self.t))?;
        r.level = level.min(p.level);
        Ok(r)
    }

    fn mul_scalar(&self, a: &Self::Ct, c: S) -> Result<Self::Ct, ClearError> {
        let level = if c.is_exact_constant() {
            a.level
        } else {
            Self::lower(a, "mul_scalar")?
        };
        Ok(ClearCt {
            values: a.values.iter().map(|&x| x.mul(c, self.t)).collect(),
            level,
        })
    }

    fn mul(&self, a: &Self::Ct, b: &Self::Ct) -> Result<Self::Ct, ClearError> {
        let level = Self::lower(a, "mul")?.min(Self::lower(b, "mul")?);
        let mut r = self.zip(a, b, |x, y| x.mul(y, self.t))?;
        r.level = level;
        Ok(r)
    }

    fn rotate(&self, a: &Self::Ct, k: i64) -> Result<Self::Ct, ClearError> {
        let n = a.values.len();
        let mut values = a.values.clone();
        if n > 0 {
            values.rotate_left(k.rem_euclid(n as i64) as usize);
        }
        Ok(ClearCt {
            values,
            level: a.level,
        })
    }

    fn drop_to_level(&self, a: &Self::Ct, level: usize) -> Result<Self::Ct, ClearError> {
        if level > a.level {
            return Err(ClearError::InvalidLevel {
                level,
                max: a.level,
            });
        }
        Ok(ClearCt {
            values: a.values.clone(),
            level,
        })
    }

    fn refresh_level(&self) -> Option<usize> {
        self.refresh
    }

    fn refresh_input_level(&self) -> usize {
        self.refresh_input
    }

    fn refresh(&self, a: &Self::Ct) -> Result<Self::Ct, ClearError> {
        let level = self.refresh.ok_or(ClearError::NoRefresh)?;
        if a.level < self.refresh_input {
            return Err(ClearError::RefreshInput {
                level: a.level,
                min: self.refresh_input,
            });
        }
        Ok(ClearCt {
            values: a.values.clone(),
            level,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A generic circuit written once against the trait.
    fn circuit<A: SlotAlgebra>(
        alg: &A,
        x: &A::Ct,
        y: &A::Ct,
        c: A::Scalar,
    ) -> Result<A::Ct, A::Error> {
        let s = alg.add(x, y)?;
        let p = alg.mul(&s, &alg.rotate(x, 3)?)?;
        let q = alg.mul_scalar(&p, c)?;
        alg.sub(&q, &alg.rotate(y, -1)?)
    }

    proptest! {
        #[test]
        fn integer_circuit_matches_direct_arithmetic(
            xs in proptest::collection::vec(-1000i64..1000, 16),
            ys in proptest::collection::vec(-1000i64..1000, 16),
            c in -50i64..50,
        ) {
            let t = 65537u64;
            let alg = Clear::integer(16, 3, t);
            let x = alg.encrypt(&xs, 3).unwrap();
            let y = alg.encrypt(&ys, 3).unwrap();
            let r = circuit(&alg, &x, &y, c).unwrap();
            prop_assert_eq!(r.level, 2);
            for i in 0..16 {
                let expect = ((xs[i] + ys[i]) * xs[(i + 3) % 16] * c - ys[(i + 15) % 16]).norm(t);
                prop_assert_eq!(r.values[i], expect);
            }
        }

        #[test]
        fn real_circuit_matches_direct_arithmetic(
            xs in proptest::collection::vec(-1.0f64..1.0, 8),
            ys in proptest::collection::vec(-1.0f64..1.0, 8),
        ) {
            let alg = Clear::real(8, 2);
            let x = alg.encrypt(&xs, 2).unwrap();
            let y = alg.encrypt(&ys, 2).unwrap();
            let r = circuit(&alg, &x, &y, 0.5).unwrap();
            // mul and a non-integer constant each consume a level.
            prop_assert_eq!(r.level, 0);
            for i in 0..8 {
                let expect = (xs[i] + ys[i]) * xs[(i + 3) % 8] * 0.5 - ys[(i + 7) % 8];
                prop_assert!((r.values[i] - expect).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn levels_and_errors() {
        let alg = Clear::real(4, 1);
        let x = alg.encrypt(&[1.0, 2.0], 1).unwrap();
        assert_eq!(x.values, vec![1.0, 2.0, 0.0, 0.0]);
        let y = alg.mul(&x, &x).unwrap();
        assert_eq!(y.level, 0);
        assert_eq!(alg.mul(&y, &x), Err(ClearError::OutOfLevels { op: "mul" }));
        assert_eq!(
            alg.mul_scalar(&y, 3.0).unwrap().level,
            0,
            "integer constants keep the level"
        );
        assert!(alg.mul_scalar(&y, 0.5).is_err());
        assert!(alg.encrypt(&[0.0; 5], 0).is_err());
        assert!(alg.encrypt(&[0.0], 2).is_err());
        assert!(alg.drop_to_level(&y, 1).is_err());
        assert_eq!(
            alg.add(&x, &y).unwrap().level,
            0,
            "levels matched downwards"
        );
        let other = Clear::real(8, 1).encrypt(&[1.0], 1).unwrap();
        assert!(alg.add(&x, &other).is_err());
        let r = alg.rotate_many(&x, &[1, -1]).unwrap();
        assert_eq!(r[0].values, vec![2.0, 0.0, 0.0, 1.0]);
        assert_eq!(r[1].values, vec![0.0, 1.0, 2.0, 0.0]);
    }

    #[test]
    fn refresh_restores_the_level_and_keeps_the_slots() {
        let plain = Clear::real(4, 5);
        let x = plain.encrypt(&[0.5, -0.25], 2).unwrap();
        assert_eq!(plain.refresh_level(), None);
        assert_eq!(plain.refresh(&x), Err(ClearError::NoRefresh));

        let alg = Clear::real(4, 5)
            .with_refresh(4)
            .with_refresh_input_level(1);
        assert_eq!(alg.refresh_level(), Some(4));
        assert_eq!(alg.refresh_input_level(), 1);
        // A circuit that runs out of levels, refreshes and goes on.
        let mut y = x.clone();
        for _ in 0..3 {
            y = alg.mul(&y, &y).unwrap();
            if alg.level(&y) <= alg.refresh_input_level() {
                y = alg.refresh(&y).unwrap();
                assert_eq!(y.level, 4);
            }
        }
        assert_eq!(y.level, 2);
        assert_eq!(y.values[0], 0.5f64.powi(8));
        assert_eq!(y.values[1], 0.25f64.powi(8));
        // Below the input level: the typed error of the encrypted backend.
        let low = alg.drop_to_level(&x, 0).unwrap();
        assert_eq!(
            alg.refresh(&low),
            Err(ClearError::RefreshInput { level: 0, min: 1 })
        );
        // Integer slots refresh the same way.
        let int = Clear::integer(4, 2, 17).with_refresh(2);
        let z = int.encrypt(&[3, -5], 0).unwrap();
        let r = int.refresh(&z).unwrap();
        assert_eq!((r.values, r.level), (vec![3, -5, 0, 0], 2));
    }
}
