#![allow(dead_code)]

use std::sync::Arc;

use blindfold_ckks::{C64, CkksParameters, Evaluator, presets};
use blindfold_rlwe::{Ciphertext, Encryptor, KeyGenerator, PublicKey, SecretKey};
use blindfold_rns::sample::seeded_rng;
use rand_chacha::ChaCha20Rng;

pub struct Setup {
    pub params: Arc<CkksParameters>,
    pub sk: SecretKey,
    pub pk: PublicKey,
    pub eval: Evaluator,
    pub rng: ChaCha20Rng,
}

/// Keys for `rotations` (plus conjugation) over `slots` slots on the insecure test preset.
pub fn setup(slots: usize, rotations: &[i64], seed: u8) -> Setup {
    setup_with(
        CkksParameters::insecure_for_tests(presets::insecure_test()).unwrap(),
        slots,
        rotations,
        seed,
    )
}

pub fn setup_with(params: Arc<CkksParameters>, slots: usize, rotations: &[i64], seed: u8) -> Setup {
    let mut rng = seeded_rng([seed; 32]);
    let sk = SecretKey::generate(params.rlwe(), &mut rng).unwrap();
    let kg = KeyGenerator::new(&sk);
    let pk = kg.public_key(&mut rng).unwrap();
    let mut elements = blindfold_ckks::rotation_elements(&params, slots, rotations);
    elements.push(blindfold_rns::conjugation_element(params.log_n()));
    let keys = kg.evaluation_keys(true, &elements, &mut rng).unwrap();
    let eval = Evaluator::new(&params, Arc::new(keys), slots).unwrap();
    Setup {
        params,
        sk,
        pk,
        eval,
        rng,
    }
}

impl Setup {
    pub fn encrypt(&mut self, values: &[C64], level: usize, public: bool) -> Ciphertext {
        let pt = self
            .eval
            .encoder()
            .encode_complex(
                values,
                self.eval.slot_count(),
                level,
                self.params.scale(level),
            )
            .unwrap();
        if public {
            Encryptor::with_public_key(self.params.rlwe(), &self.pk, 1)
                .encrypt(&pt, &mut self.rng)
                .unwrap()
        } else {
            Encryptor::with_secret_key(&self.sk, 1)
                .encrypt(&pt, &mut self.rng)
                .unwrap()
        }
    }

    pub fn decrypt(&self, ct: &Ciphertext) -> Vec<C64> {
        let pt = blindfold_ckks::decrypt(&self.sk, ct).unwrap();
        self.eval
            .encoder()
            .decode_complex(&pt, self.eval.slot_count())
            .unwrap()
    }
}

pub fn random_values(rng: &mut impl rand_core::RngCore, n: usize, bound: f64) -> Vec<C64> {
    let mut f = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 * bound - bound;
    (0..n).map(|_| C64::new(f(), f())).collect()
}
