//! Plaintexts, ciphertexts, encryption, decryption and key switching.

use std::sync::Arc;

use blindfold_rns::{Ntt, Poly, SwitchKey, sample};
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

use crate::keys::{GaloisKey, KeySwitchKey, PublicKey, RelinearizationKey, SecretKey};
use crate::{Error, Parameters};

/// Scheme metadata carried with plaintexts and ciphertexts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Meta {
    /// CKKS scale Δ (exact, tracked with the true prime values); 1 for BGV.
    pub scale: f64,
    /// BGV correction factor in `[1, t)` introduced by modulus switching; 1 for CKKS.
    pub correction: u64,
}

impl Default for Meta {
    fn default() -> Self {
        Self {
            scale: 1.0,
            correction: 1,
        }
    }
}

/// An encoded message `m` in NTT form over the first `level + 1` primes of `Q`.
#[derive(Clone, Debug, PartialEq)]
pub struct Plaintext {
    pub poly: Poly<Ntt>,
    pub meta: Meta,
}

impl Plaintext {
    /// Level of the plaintext.
    pub fn level(&self) -> usize {
        self.poly.level()
    }
}

/// A ciphertext `(c_0, c_1, …)` decrypting to `Σ c_i·s^i`, always in NTT form.
#[derive(Clone, Debug, PartialEq)]
pub struct Ciphertext {
    pub parts: Vec<Poly<Ntt>>,
    pub meta: Meta,
    /// For a fresh secret-key encryption: the public seed `c_1` expands from, so the
    /// ciphertext can travel as `(seed, c_0)`. Any operation that writes `c_1` must reset it
    /// to `None`; the encoder re-checks it before relying on it.
    pub seed: Option<[u8; 32]>,
}

impl Ciphertext {
    /// A ciphertext from its parts (no seed).
    pub fn new(parts: Vec<Poly<Ntt>>, meta: Meta) -> Self {
        Self {
            parts,
            meta,
            seed: None,
        }
    }

    /// Degree (number of parts minus one).
    pub fn degree(&self) -> usize {
        self.parts.len().saturating_sub(1)
    }

    /// Level (index of the last active prime of `Q`).
    pub fn level(&self) -> usize {
        self.parts.first().map_or(0, Poly::level)
    }

    /// Drops primes down to `level` (no scaling: the message is unchanged).
    pub fn drop_to_level(&mut self, level: usize) -> Result<(), Error> {
        if level > self.level() {
            return Err(Error::InvalidLevel {
                level,
                max: self.level(),
            });
        }
        for p in &mut self.parts {
            p.drop_to_q_limbs(level + 1)?;
        }
        Ok(())
    }
}

/// Which key encrypts.
#[derive(Debug)]
enum EncKey<'a> {
    Secret(&'a SecretKey),
    Public(&'a PublicKey),
}

/// Encrypts plaintexts under a secret or public key. The error is multiplied by
/// `noise_factor` (1 for CKKS, the plaintext modulus `t` for BGV).
#[derive(Debug)]
pub struct Encryptor<'a> {
    params: Arc<Parameters>,
    key: EncKey<'a>,
    noise_factor: u64,
}

impl<'a> Encryptor<'a> {
    /// Secret-key encryption (smaller noise, `c_1` expandable from a seed).
    pub fn with_secret_key(sk: &'a SecretKey, noise_factor: u64) -> Self {
        Self {
            params: Arc::clone(sk.params()),
            key: EncKey::Secret(sk),
            noise_factor,
        }
    }

    /// Public-key encryption.
    pub fn with_public_key(params: &Arc<Parameters>, pk: &'a PublicKey, noise_factor: u64) -> Self {
        Self {
            params: Arc::clone(params),
            key: EncKey::Public(pk),
            noise_factor,
        }
    }

    fn error(
        &self,
        q_limbs: usize,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Poly<Ntt>, Error> {
        let ring = self.params.ring();
        let e = sample::gaussian(ring.n(), rng);
        let mut p = Poly::from_signed(ring, &e, q_limbs, 0)?;
        if self.noise_factor != 1 {
            p.scalar_mul_assign(self.noise_factor);
        }
        Ok(p.into_ntt())
    }

    /// Encrypts `pt` at its level.
    pub fn encrypt<G: RngCore + CryptoRng>(
        &self,
        pt: &Plaintext,
        rng: &mut G,
    ) -> Result<Ciphertext, Error> {
        let mut ct = self.encrypt_zero(pt.level(), rng)?;
        ct.parts[0].add_assign(&pt.poly)?;
        ct.meta = pt.meta;
        Ok(ct)
    }

    /// An encryption of zero at `level`.
    pub fn encrypt_zero<G: RngCore + CryptoRng>(
        &self,
        level: usize,
        rng: &mut G,
    ) -> Result<Ciphertext, Error> {
        let ring = self.params.ring();
        if level > ring.max_level() {
            return Err(Error::InvalidLevel {
                level,
                max: ring.max_level(),
            });
        }
        let q_limbs = level + 1;
        match self.key {
            EncKey::Secret(sk) => {
                if !Arc::ptr_eq(sk.params(), &self.params) && **sk.params() != *self.params {
                    return Err(Error::ParametersMismatch);
                }
                let mut seed = [0u8; 32];
                rng.fill_bytes(&mut seed);
                let a = sample::uniform_from_seed(ring, q_limbs, 0, &seed)?;
                let s = sk.restricted(q_limbs, false)?;
                let mut c0 = self.error(q_limbs, rng)?;
                c0.sub_assign(&a.mul(&s)?)?;
                Ok(Ciphertext {
                    parts: vec![c0, a],
                    meta: Meta::default(),
                    seed: Some(seed),
                })
            }
            EncKey::Public(pk) => {
                // (c0, c1) = (b·u + e0, a·u + e1) with a ternary u.
                let u = sample::ternary(ring.n(), rng);
                let u = Zeroizing::new(Poly::from_signed(ring, &u, q_limbs, 0)?.into_ntt());
                let b = pk.b.restricted(q_limbs, false)?;
                let a = pk.a.restricted(q_limbs, false)?;
                let mut c0 = self.error(q_limbs, rng)?;
                c0.mul_add_assign(&b, &u)?;
                let mut c1 = self.error(q_limbs, rng)?;
                c1.mul_add_assign(&a, &u)?;
                Ok(Ciphertext::new(vec![c0, c1], Meta::default()))
            }
        }
    }
}

/// Decrypts with the secret key.
#[derive(Debug)]
pub struct Decryptor<'a> {
    sk: &'a SecretKey,
}

impl<'a> Decryptor<'a> {
    /// A decryptor for `sk`.
    pub fn new(sk: &'a SecretKey) -> Self {
        Self { sk }
    }

    /// `Σ c_i·s^i` (NTT form): the noisy message, wiped when dropped. Constant time in `s`.
    pub fn decrypt(&self, ct: &Ciphertext) -> Result<Zeroizing<Poly<Ntt>>, Error> {
        let Some((last, rest)) = ct.parts.split_last() else {
            return Err(Error::InvalidDegree {
                degree: 0,
                expected: "at least 1",
            });
        };
        if rest.is_empty() {
            return Err(Error::InvalidDegree {
                degree: 0,
                expected: "at least 1",
            });
        }
        let s = self.sk.restricted(ct.level() + 1, false)?;
        // Horner: ((c_d·s + c_{d-1})·s + …)
        let mut acc = Zeroizing::new(last.clone());
        for c in rest.iter().rev() {
            let mut next = c.clone();
            next.mul_add_assign(&acc, &s)?;
            acc.zeroize();
            *acc = next;
        }
        Ok(acc)
    }
}

/// Hybrid key switching of one polynomial `c` (over `Q_l`): returns `(d_0, d_1)` over `Q_l`
/// with `d_0 + d_1·s ≈ c·s'`.
pub fn key_switch(
    c: &Poly<Ntt>,
    key: &KeySwitchKey,
    digit_size: usize,
) -> Result<(Poly<Ntt>, Poly<Ntt>), Error> {
    let digits = c.q_limbs().div_ceil(digit_size.max(1));
    check_digits(digits, key)?;
    let mut out = c.switch_keys(
        digit_size,
        &[SwitchKey {
            b: &key.b,
            a: &key.a,
            galois: None,
        }],
    )?;
    out.pop().ok_or(Error::InvalidDegree {
        degree: 0,
        expected: "one switched pair",
    })
}

fn check_digits(digits: usize, key: &KeySwitchKey) -> Result<(), Error> {
    if digits > key.b.len() || digits > key.a.len() {
        return Err(Error::InvalidDegree {
            degree: digits,
            expected: "no more digits than the key",
        });
    }
    Ok(())
}

/// The inner products and mod-down of key switching, from already decomposed digits
/// (shared by hoisted rotations).
pub fn key_switch_digits(
    digits: &[Poly<Ntt>],
    key: &KeySwitchKey,
) -> Result<(Poly<Ntt>, Poly<Ntt>), Error> {
    let first = digits.first().ok_or(Error::InvalidDegree {
        degree: 0,
        expected: "a decomposed polynomial",
    })?;
    if digits.len() > key.b.len() {
        return Err(Error::InvalidDegree {
            degree: digits.len(),
            expected: "no more digits than the key",
        });
    }
    let x: Vec<&Poly<Ntt>> = digits.iter().collect();
    let b: Vec<&Poly<Ntt>> = key.b.iter().take(digits.len()).collect();
    let a: Vec<&Poly<Ntt>> = key.a.iter().take(digits.len()).collect();
    let (d0, d1) = rayon::join(
        || -> Result<Poly<Ntt>, Error> {
            let mut d = Poly::<Ntt>::zero(first.ctx(), first.q_limbs(), first.p_limbs())?;
            d.set_inner_product(&x, &b)?;
            d.mod_down()?;
            Ok(d)
        },
        || -> Result<Poly<Ntt>, Error> {
            let mut d = Poly::<Ntt>::zero(first.ctx(), first.q_limbs(), first.p_limbs())?;
            d.set_inner_product(&x, &a)?;
            d.mod_down()?;
            Ok(d)
        },
    );
    Ok((d0?, d1?))
}

fn check_params(params: &Parameters, ct: &Ciphertext) -> Result<(), Error> {
    match ct.parts.first() {
        Some(p) if **p.ctx() == **params.ring() => Ok(()),
        Some(_) => Err(Error::ParametersMismatch),
        None => Err(Error::InvalidDegree {
            degree: 0,
            expected: "at least 1",
        }),
    }
}

/// Relinearizes a degree-2 ciphertext back to degree 1.
pub fn relinearize(
    params: &Parameters,
    ct: &Ciphertext,
    rk: &RelinearizationKey,
) -> Result<Ciphertext, Error> {
    check_params(params, ct)?;
    if ct.parts.len() != 3 {
        return Err(Error::InvalidDegree {
            degree: ct.degree(),
            expected: "2",
        });
    }
    let (mut c0, mut c1) = key_switch(&ct.parts[2], &rk.0, params.digit_size())?;
    c0.add_assign(&ct.parts[0])?;
    c1.add_assign(&ct.parts[1])?;
    Ok(Ciphertext::new(vec![c0, c1], ct.meta))
}

/// Applies `X -> X^g` to a degree-1 ciphertext and switches the key back to `s`.
pub fn apply_galois(
    params: &Parameters,
    ct: &Ciphertext,
    gk: &GaloisKey,
) -> Result<Ciphertext, Error> {
    Ok(apply_galois_hoisted(params, ct, &[gk])?.remove(0))
}

/// Several automorphisms of one ciphertext sharing a single decomposition of `c_1`
/// (hoisting: the mod-up runs once; each key costs only inner products and a mod-down).
pub fn apply_galois_hoisted(
    params: &Parameters,
    ct: &Ciphertext,
    keys: &[&GaloisKey],
) -> Result<Vec<Ciphertext>, Error> {
    check_params(params, ct)?;
    if ct.parts.len() != 2 {
        return Err(Error::InvalidDegree {
            degree: ct.degree(),
            expected: "1",
        });
    }
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let c1 = &ct.parts[1];
    let digits = c1.q_limbs().div_ceil(params.digit_size().max(1));
    for gk in keys {
        check_digits(digits, &gk.key)?;
    }
    let switched = if let [gk] = keys {
        // One key: permuting c_1 once is cheaper than reading every digit through the
        // permutation.
        let c1 = c1.automorphism(gk.element)?;
        let key = SwitchKey {
            b: &gk.key.b,
            a: &gk.key.a,
            galois: None,
        };
        c1.switch_keys(params.digit_size(), &[key])?
    } else {
        // The automorphism commutes with mod-up up to a multiple of the digit modulus,
        // which key switching tolerates like any other representative: one mod-up serves
        // every key.
        let switch: Vec<SwitchKey<'_>> = keys
            .iter()
            .map(|gk| SwitchKey {
                b: &gk.key.b,
                a: &gk.key.a,
                galois: Some(gk.element),
            })
            .collect();
        c1.switch_keys(params.digit_size(), &switch)?
    };
    keys.iter()
        .zip(switched)
        .map(|(gk, (mut c0, d1))| {
            c0.add_assign(&ct.parts[0].automorphism(gk.element)?)?;
            Ok(Ciphertext::new(vec![c0, d1], ct.meta))
        })
        .collect()
}
