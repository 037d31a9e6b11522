//! Noise-flooded decryption for results that leave the key owner.

mod common;

use blindfold_ckks::{C64, Error, FloodingPolicy, decrypt_for_release, precision_stats};
use blindfold_rns::sample::seeded_rng;
use common::{random_values, setup};

#[test]
fn flooding_costs_the_predicted_precision_and_no_more() {
    let slots = 512;
    let mut s = setup(slots, &[], 11);
    let l = s.params.max_level();
    let x = random_values(&mut s.rng, slots, 1.0);
    let ct = s.encrypt(&x, l, true);
    let plain = precision_stats(&x, &s.decrypt(&ct));
    let policy = FloodingPolicy {
        statistical_security: 30,
        queries: 1,
        noise_log2: 5.0,
        min_precision_bits: 3.0,
    };
    let predicted = policy.precision_after(s.params.n(), ct.meta.scale);
    let mut rng = seeded_rng([12; 32]);
    let got = decrypt_for_release(&s.sk, s.eval.encoder(), &ct, slots, &policy, &mut rng).unwrap();
    let st = precision_stats(&x, &got);
    // The flooding noise dominates: precision drops well below the plain decryption's,
    // but stays above the 6-sigma prediction.
    assert!(st.min_bits < plain.min_bits - 8.0, "{st:?} vs {plain:?}");
    assert!(
        st.min_bits > predicted - 1.0,
        "{st:?}, predicted {predicted}"
    );
    assert!(
        st.mean_bits < predicted + 6.0,
        "noise was not added: {st:?}"
    );
    // Two releases of the same ciphertext differ (fresh noise each time).
    let again =
        decrypt_for_release(&s.sk, s.eval.encoder(), &ct, slots, &policy, &mut rng).unwrap();
    assert!(got.iter().zip(&again).any(|(a, b)| a != b));
}

#[test]
fn flooding_refuses_to_destroy_the_result() {
    let slots = 64;
    let mut s = setup(slots, &[], 13);
    let ct = s.encrypt(&[C64::real(1.0)], 0, false);
    let mut rng = seeded_rng([14; 32]);
    let greedy = FloodingPolicy {
        noise_log2: 30.0,
        min_precision_bits: 10.0,
        ..FloodingPolicy::default()
    };
    assert!(matches!(
        decrypt_for_release(&s.sk, s.eval.encoder(), &ct, slots, &greedy, &mut rng),
        Err(Error::ReleasePrecision { .. })
    ));
    let bad = FloodingPolicy {
        queries: 0,
        ..FloodingPolicy::default()
    };
    assert!(matches!(
        decrypt_for_release(&s.sk, s.eval.encoder(), &ct, slots, &bad, &mut rng),
        Err(Error::InvalidPolicy(_))
    ));
}
