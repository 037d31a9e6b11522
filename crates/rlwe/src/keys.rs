//! Secret, public and key-switching keys.

use std::collections::BTreeMap;
use std::sync::Arc;

use blindfold_rns::{Ntt, Poly, sample};
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

use crate::security::SecretDistribution;
use crate::{Error, Parameters};

/// The secret key `s`, held in NTT form over every prime of `Q ∪ P`.
///
/// Wiped on drop; `Debug` prints nothing of it; it has no `==` (a variable-time comparison
/// would leak it).
pub struct SecretKey {
    params: Arc<Parameters>,
    coeffs: Zeroizing<Vec<i64>>,
    s: Poly<Ntt>,
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.s.zeroize();
    }
}

impl core::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// Samples a secret from the parameters' distribution.
    pub fn generate<G: RngCore + CryptoRng>(
        params: &Arc<Parameters>,
        rng: &mut G,
    ) -> Result<Self, Error> {
        let n = params.n();
        let coeffs = match params.literal().secret {
            SecretDistribution::Ternary => sample::ternary(n, rng),
            SecretDistribution::SparseTernary { hamming_weight } => {
                sample::ternary_fixed_weight(n, hamming_weight, rng)?
            }
            SecretDistribution::Gaussian => sample::gaussian(n, rng),
        };
        Self::from_signed(params, coeffs)
    }

    /// A key from its signed coefficients (already validated by the caller).
    pub(crate) fn from_signed(
        params: &Arc<Parameters>,
        coeffs: Zeroizing<Vec<i64>>,
    ) -> Result<Self, Error> {
        let ring = params.ring();
        let s = Poly::from_signed(ring, &coeffs, ring.num_q(), ring.num_p())?.into_ntt();
        Ok(Self {
            params: Arc::clone(params),
            coeffs,
            s,
        })
    }

    /// The parameters.
    pub fn params(&self) -> &Arc<Parameters> {
        &self.params
    }

    pub(crate) fn signed_coeffs(&self) -> &Zeroizing<Vec<i64>> {
        &self.coeffs
    }

    /// `s` in NTT form over `Q ∪ P` (secret: keep it inside the owner's process).
    pub fn poly(&self) -> &Poly<Ntt> {
        &self.s
    }

    /// `s` restricted to the first `q_limbs` primes of `Q`, optionally with `P`.
    pub(crate) fn restricted(
        &self,
        q_limbs: usize,
        with_p: bool,
    ) -> Result<Zeroizing<Poly<Ntt>>, Error> {
        Ok(Zeroizing::new(self.s.restricted(q_limbs, with_p)?))
    }

    /// The key's image under `X -> X^g`, as a new secret key (for Galois keys).
    pub(crate) fn automorphism(&self, g: u64) -> Result<Self, Error> {
        let ring = self.params.ring();
        let coeff = Poly::from_signed(ring, &self.coeffs, ring.num_q(), ring.num_p())?;
        let mut image = coeff.automorphism(g)?;
        let s = image.clone().into_ntt();
        let coeffs = Zeroizing::new(
            (0..ring.n())
                .map(|i| image.modulus(0).center(image.limb(0)[i]))
                .collect::<Vec<i64>>(),
        );
        image.zeroize();
        Ok(Self {
            params: Arc::clone(&self.params),
            coeffs,
            s,
        })
    }

    /// `s²` as a secret in NTT form (for the relinearization key).
    pub(crate) fn squared(&self) -> Result<Zeroizing<Poly<Ntt>>, Error> {
        Ok(Zeroizing::new(self.s.mul(&self.s)?))
    }
}

/// A public key `(b, a) = (-a·s + e, a)` over `Q`, with `a` expanded from a public seed.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicKey {
    pub(crate) b: Poly<Ntt>,
    pub(crate) a: Poly<Ntt>,
    pub(crate) seed: [u8; 32],
}

/// A key switching key from `s'` to `s`: for each gadget digit `d`,
/// `(b_d, a_d) = (-a_d·s + e_d + P·T_d·s', a_d)` over `Q ∪ P`, where `T_d ≡ 1` modulo the
/// digit's primes and `≡ 0` modulo the other primes of `Q`.
#[derive(Clone, Debug, PartialEq)]
pub struct KeySwitchKey {
    pub(crate) b: Vec<Poly<Ntt>>,
    pub(crate) a: Vec<Poly<Ntt>>,
    pub(crate) seeds: Vec<[u8; 32]>,
}

impl KeySwitchKey {
    /// Number of gadget digits.
    pub fn digits(&self) -> usize {
        self.b.len()
    }

    /// The `b_d` of every digit (public key material, over `Q ∪ P`).
    pub fn b(&self) -> &[Poly<Ntt>] {
        &self.b
    }

    /// The `a_d` of every digit (public key material, over `Q ∪ P`).
    pub fn a(&self) -> &[Poly<Ntt>] {
        &self.a
    }
}

/// Key switching key from `s²` to `s`.
#[derive(Clone, Debug, PartialEq)]
pub struct RelinearizationKey(pub(crate) KeySwitchKey);

impl RelinearizationKey {
    /// The underlying key switching key.
    pub fn key(&self) -> &KeySwitchKey {
        &self.0
    }
}

/// Key switching key from `σ_g(s)` to `s` for one Galois element `g`.
#[derive(Clone, Debug, PartialEq)]
pub struct GaloisKey {
    pub(crate) element: u64,
    pub(crate) key: KeySwitchKey,
}

impl GaloisKey {
    /// The Galois element `g`.
    pub fn element(&self) -> u64 {
        self.element
    }

    /// The underlying key switching key.
    pub fn key(&self) -> &KeySwitchKey {
        &self.key
    }
}

/// The evaluation keys a server holds: relinearization and the Galois keys asked for.
#[derive(Clone, Debug, Default)]
pub struct EvaluationKeys {
    pub relin: Option<RelinearizationKey>,
    pub galois: BTreeMap<u64, GaloisKey>,
}

impl EvaluationKeys {
    /// The Galois key for `g`, or a typed error naming it.
    pub fn galois(&self, g: u64) -> Result<&GaloisKey, Error> {
        self.galois.get(&g).ok_or(Error::MissingKey {
            what: "Galois key",
            galois_element: Some(g),
        })
    }

    /// The relinearization key, or a typed error.
    pub fn relin(&self) -> Result<&RelinearizationKey, Error> {
        self.relin.as_ref().ok_or(Error::MissingKey {
            what: "relinearization key",
            galois_element: None,
        })
    }
}

/// Generates keys from a secret key.
#[derive(Debug)]
pub struct KeyGenerator<'a> {
    sk: &'a SecretKey,
}

impl<'a> KeyGenerator<'a> {
    /// A generator for `sk`.
    pub fn new(sk: &'a SecretKey) -> Self {
        Self { sk }
    }

    fn params(&self) -> &Arc<Parameters> {
        self.sk.params()
    }

    /// `-a·s + e` over the limb set of `a` (NTT form).
    fn rlwe_sample<G: RngCore + CryptoRng>(
        &self,
        a: &Poly<Ntt>,
        rng: &mut G,
    ) -> Result<Poly<Ntt>, Error> {
        let ring = self.params().ring();
        let s = self.sk.restricted(a.q_limbs(), a.p_limbs() > 0)?;
        let e = sample::gaussian(ring.n(), rng);
        let mut b = Poly::from_signed(ring, &e, a.q_limbs(), a.p_limbs())?.into_ntt();
        let mut as_ = Zeroizing::new(a.mul(&s)?);
        b.sub_assign(&as_)?;
        as_.zeroize();
        Ok(b)
    }

    /// A public key at the top level.
    pub fn public_key<G: RngCore + CryptoRng>(&self, rng: &mut G) -> Result<PublicKey, Error> {
        let ring = self.params().ring();
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let a = sample::uniform_from_seed(ring, ring.num_q(), 0, &seed)?;
        let b = self.rlwe_sample(&a, rng)?;
        Ok(PublicKey { b, a, seed })
    }

    /// Key switching key from `from` (NTT form over `Q ∪ P`) to this generator's secret.
    pub fn key_switch_key<G: RngCore + CryptoRng>(
        &self,
        from: &Poly<Ntt>,
        rng: &mut G,
    ) -> Result<KeySwitchKey, Error> {
        let params = self.params();
        let ring = params.ring();
        if ring.num_p() == 0 {
            return Err(Error::NoSpecialPrimes);
        }
        let (num_q, alpha) = (ring.num_q(), params.digit_size());
        // P mod q_i for every Q prime.
        let p_mod_q: Vec<u64> = ring.moduli()[..num_q]
            .iter()
            .map(|m| {
                params
                    .p()
                    .iter()
                    .fold(1u64, |acc, &p| m.mul(acc, m.reduce(p)))
            })
            .collect();
        let mut out = KeySwitchKey {
            b: Vec::new(),
            a: Vec::new(),
            seeds: Vec::new(),
        };
        for d in 0..num_q.div_ceil(alpha) {
            let mut seed = [0u8; 32];
            rng.fill_bytes(&mut seed);
            let a = sample::uniform_from_seed(ring, num_q, ring.num_p(), &seed)?;
            let mut b = self.rlwe_sample(&a, rng)?;
            // Add P·s' on the digit's primes only (T_d vanishes on the other primes and on P).
            let digit = d * alpha..((d + 1) * alpha).min(num_q);
            for (i, &pq) in digit.clone().zip(&p_mod_q[digit]) {
                let m = ring.moduli()[i];
                let pqs = m.shoup(pq);
                let src = from.limb(i).to_vec();
                for (x, &v) in b.limb_mut(i).iter_mut().zip(&src) {
                    *x = m.add(*x, m.mul_shoup(v, pq, pqs));
                }
            }
            out.b.push(b);
            out.a.push(a);
            out.seeds.push(seed);
        }
        Ok(out)
    }

    /// The relinearization key (`s² → s`).
    pub fn relinearization_key<G: RngCore + CryptoRng>(
        &self,
        rng: &mut G,
    ) -> Result<RelinearizationKey, Error> {
        let s2 = self.sk.squared()?;
        Ok(RelinearizationKey(self.key_switch_key(&s2, rng)?))
    }

    /// The Galois key for `g` (`σ_g(s) → s`).
    pub fn galois_key<G: RngCore + CryptoRng>(
        &self,
        g: u64,
        rng: &mut G,
    ) -> Result<GaloisKey, Error> {
        let image = self.sk.automorphism(g)?;
        Ok(GaloisKey {
            element: g,
            key: self.key_switch_key(image.poly(), rng)?,
        })
    }

    /// Evaluation keys: relinearization (if asked) and exactly the Galois elements listed.
    pub fn evaluation_keys<G: RngCore + CryptoRng>(
        &self,
        relin: bool,
        galois_elements: &[u64],
        rng: &mut G,
    ) -> Result<EvaluationKeys, Error> {
        let mut keys = EvaluationKeys::default();
        if relin {
            keys.relin = Some(self.relinearization_key(rng)?);
        }
        for &g in galois_elements {
            if let std::collections::btree_map::Entry::Vacant(slot) = keys.galois.entry(g) {
                slot.insert(self.galois_key(g, rng)?);
            }
        }
        Ok(keys)
    }
}
