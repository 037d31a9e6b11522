//! Precision over the whole chain at N = 2^16, Δ = 2^40 (heavy: run with
//! `cargo test --release -p blindfold-ckks --test deep -- --ignored --nocapture`).

mod common;

use blindfold_ckks::{C64, CkksParameters, precision_stats, presets};
use common::{random_values, setup_with};

#[test]
#[ignore = "N = 2^16: about a minute; run explicitly"]
fn depth_20_at_n16_keeps_20_bits() {
    let params = CkksParameters::new(presets::n16()).unwrap();
    let slots = params.max_slots();
    let mut s = setup_with(params, slots, &[1], 21);
    let l = s.params.max_level();
    // Products of values on the unit circle stay on it: the error is pure CKKS noise.
    let unit = |v: &[C64]| -> Vec<C64> { v.iter().map(|z| z.scale(1.0 / z.abs())).collect() };
    let x = unit(&random_values(&mut s.rng, slots, 1.0));
    let y = unit(&random_values(&mut s.rng, slots, 1.0));
    for public in [false, true] {
        let mut ct = s.encrypt(&x, l, public);
        let cy = s.encrypt(&y, l, public);
        let mut want = x.clone();
        let fresh = precision_stats(&want, &s.decrypt(&ct));
        let kind = if public { "pk" } else { "sk" };
        println!(
            "{kind} fresh: mean {:.2} bits, min {:.2} bits",
            fresh.mean_bits, fresh.min_bits
        );
        for d in 1..=20 {
            ct = s.eval.mul(&ct, &cy).unwrap();
            want = want.iter().zip(&y).map(|(a, b)| *a * *b).collect();
            if d % 5 == 0 {
                ct = s.eval.rotate(&ct, 1).unwrap();
                want.rotate_left(1);
            }
            let st = precision_stats(&want, &s.decrypt(&ct));
            if d % 5 == 0 {
                println!(
                    "{kind} depth {d:2} (level {:2}): mean {:.2} bits, min {:.2} bits",
                    ct.level(),
                    st.mean_bits,
                    st.min_bits
                );
            }
            if d == 20 && !public {
                assert!(st.mean_bits >= 20.0, "{st:?}");
            }
        }
    }
}
