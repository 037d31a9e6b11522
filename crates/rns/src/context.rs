use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use blindfold_modarith::Modulus;
use blindfold_ntt::NttPlan;

use crate::Error;
use crate::automorphism::Automorphism;
use crate::convert::BaseConverter;

/// Source and target modulus indices of a cached base converter.
type ConverterKey = (Vec<usize>, Vec<usize>);

/// Smallest and largest supported `log2 N`.
pub const MIN_LOG_N: u32 = 4;
pub const MAX_LOG_N: u32 = 17;

/// The ring `Z[X]/(X^N + 1)` with its modulus chain `Q = q_0 … q_L` and special primes
/// `P = p_0 … p_{k-1}`: moduli, NTT plans and the constants every rescale or base
/// conversion needs, computed once and shared through `Arc`.
///
/// A polynomial holds a *limb set*: the first `q_limbs` primes of `Q` (its level is
/// `q_limbs - 1`), optionally followed by all of `P` (while key switching).
pub struct RingContext {
    log_n: u32,
    n: usize,
    /// `Q` primes, then `P` primes.
    moduli: Vec<Modulus>,
    plans: Vec<NttPlan>,
    num_q: usize,
    num_p: usize,
    /// `rescale[l][i] = q_l^{-1} mod q_i` with its Shoup quotient, for `i < l`.
    rescale: Vec<Vec<(u64, u64)>>,
    /// `P^{-1} mod q_i` with Shoup quotient.
    p_inv_mod_q: Vec<(u64, u64)>,
    converters: RwLock<HashMap<ConverterKey, Arc<BaseConverter>>>,
    automorphisms: RwLock<HashMap<u64, Arc<Automorphism>>>,
}

impl core::fmt::Debug for RingContext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RingContext")
            .field("n", &self.n)
            .field("q", &self.q_values())
            .field("p", &self.p_values())
            .finish()
    }
}

impl PartialEq for RingContext {
    fn eq(&self, other: &Self) -> bool {
        self.n == other.n && self.moduli == other.moduli && self.num_q == other.num_q
    }
}
impl Eq for RingContext {}

impl RingContext {
    /// Builds the context for `N = 2^log_n`, ciphertext primes `q` and special primes `p`.
    /// Every prime must be distinct, NTT-friendly (`≡ 1 mod 2N`) and below `2^62`.
    pub fn new(log_n: u32, q: &[u64], p: &[u64]) -> Result<Arc<Self>, Error> {
        if !(MIN_LOG_N..=MAX_LOG_N).contains(&log_n) {
            return Err(Error::InvalidDegree { log_n });
        }
        if q.is_empty() {
            return Err(Error::EmptyChain);
        }
        let n = 1usize << log_n;
        let all: Vec<u64> = q.iter().chain(p).copied().collect();
        for (i, v) in all.iter().enumerate() {
            if all[..i].contains(v) {
                return Err(Error::DuplicateModulus { value: *v });
            }
        }
        let moduli = all
            .iter()
            .map(|&v| Modulus::new(v))
            .collect::<Result<Vec<_>, _>>()?;
        let plans = all
            .iter()
            .map(|&v| NttPlan::new(n, v))
            .collect::<Result<Vec<_>, _>>()?;
        let inv = |m: &Modulus, v: u64| -> (u64, u64) {
            // Distinct primes are coprime, so the inverse exists.
            let x = m.inv(m.reduce(v)).unwrap_or(0);
            (x, m.shoup(x))
        };
        let rescale = (0..q.len())
            .map(|l| (0..l).map(|i| inv(&moduli[i], q[l])).collect())
            .collect();
        let p_inv_mod_q = moduli[..q.len()]
            .iter()
            .map(|m| {
                let prod = p.iter().fold(1u64, |acc, &pj| m.mul(acc, m.reduce(pj)));
                inv(m, prod)
            })
            .collect();
        Ok(Arc::new(Self {
            log_n,
            n,
            moduli,
            plans,
            num_q: q.len(),
            num_p: p.len(),
            rescale,
            p_inv_mod_q,
            converters: RwLock::new(HashMap::new()),
            automorphisms: RwLock::new(HashMap::new()),
        }))
    }

    /// Ring degree `N`.
    pub fn n(&self) -> usize {
        self.n
    }

    /// `log2 N`.
    pub fn log_n(&self) -> u32 {
        self.log_n
    }

    /// Number of ciphertext primes `L + 1`.
    pub fn num_q(&self) -> usize {
        self.num_q
    }

    /// Number of special primes.
    pub fn num_p(&self) -> usize {
        self.num_p
    }

    /// Highest level `L`.
    pub fn max_level(&self) -> usize {
        self.num_q - 1
    }

    /// All moduli, `Q` first then `P`.
    pub fn moduli(&self) -> &[Modulus] {
        &self.moduli
    }

    /// The NTT plan of modulus index `i` (same indexing as [`Self::moduli`]).
    pub fn plan(&self, i: usize) -> &NttPlan {
        &self.plans[i]
    }

    /// Values of the `Q` primes.
    pub fn q_values(&self) -> Vec<u64> {
        self.moduli[..self.num_q]
            .iter()
            .map(Modulus::value)
            .collect()
    }

    /// Values of the `P` primes.
    pub fn p_values(&self) -> Vec<u64> {
        self.moduli[self.num_q..]
            .iter()
            .map(Modulus::value)
            .collect()
    }

    /// Modulus indices of the limb set (`q_limbs` Q primes, then `p_limbs` P primes).
    pub fn limb_indices(&self, q_limbs: usize, p_limbs: usize) -> Vec<usize> {
        (0..q_limbs)
            .chain(self.num_q..self.num_q + p_limbs)
            .collect()
    }

    /// Checks a limb set against the chain.
    pub fn check_limbs(&self, q_limbs: usize, p_limbs: usize) -> Result<(), Error> {
        if q_limbs == 0 || q_limbs > self.num_q || !(p_limbs == 0 || p_limbs == self.num_p) {
            return Err(Error::InvalidLimbs {
                what: "this limb set",
                q_limbs,
                p_limbs,
            });
        }
        Ok(())
    }

    pub(crate) fn rescale_constants(&self, last: usize) -> &[(u64, u64)] {
        &self.rescale[last]
    }

    pub(crate) fn p_inv_mod_q(&self) -> &[(u64, u64)] {
        &self.p_inv_mod_q
    }

    /// The (cached) converter between two sets of modulus indices.
    pub fn converter(&self, from: &[usize], to: &[usize]) -> Arc<BaseConverter> {
        let key = (from.to_vec(), to.to_vec());
        if let Some(c) = self
            .converters
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Arc::clone(c);
        }
        let conv = Arc::new(BaseConverter::new(&self.moduli, from, to));
        self.converters
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_insert(conv)
            .clone()
    }

    /// The (cached) tables of the automorphism `X -> X^g`.
    pub fn automorphism(&self, g: u64) -> Result<Arc<Automorphism>, Error> {
        if let Some(a) = self
            .automorphisms
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&g)
        {
            return Ok(Arc::clone(a));
        }
        let auto = Arc::new(Automorphism::new(self.log_n, g)?);
        Ok(self
            .automorphisms
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(g)
            .or_insert(auto)
            .clone())
    }
}
