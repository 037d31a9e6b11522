//! Diagnostic: bootstrap precision on a small insecure ring for several input magnitudes
//! (separates noise, which does not depend on the input, from the sine's systematic error).
//! `cargo run --release -p blindfold-ckks --example bootstrap_probe [log_n]`

use std::sync::Arc;

use blindfold_ckks::bootstrap::{BootstrapConfig, BootstrapPlan, Bootstrapper};
use blindfold_ckks::{C64, CkksParameters, Evaluator, precision_stats};
use blindfold_rlwe::security::{SecretDistribution, SecurityLevel};
use blindfold_rlwe::{Encryptor, KeyGenerator, ParametersLiteral, SecretKey, SlotAlgebra};
use blindfold_rns::sample::seeded_rng;
use rand_core::RngCore;

fn main() {
    let log_n: u32 = std::env::args().nth(1).map_or(11, |s| s.parse().unwrap());
    let log_q = vec![
        47, 40, 40, 40, 40, 46, 47, 49, 51, 51, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50,
    ];
    let lit = ParametersLiteral {
        log_n,
        log_q,
        log_p: vec![55; 5],
        dnum: 4,
        secret: SecretDistribution::Ternary,
        sigma: blindfold_rns::sample::SIGMA,
        security: SecurityLevel::Classical128,
    };
    let params = CkksParameters::insecure_for_tests(lit).unwrap();
    let mut cfg = BootstrapConfig::new(&params, params.max_slots());
    if let Some(r) = std::env::args().nth(2) {
        cfg.richardson = r == "1";
    }
    println!("{cfg:?}");
    let mut rng = seeded_rng([1; 32]);
    let sk = SecretKey::generate(params.rlwe(), &mut rng).unwrap();
    let plan = BootstrapPlan::new(&params, cfg.clone()).unwrap();
    println!(
        "depths {:?}, output level {}, interpolation error {:e}, cost {:?}",
        plan.depths(),
        plan.output_level(),
        plan.interpolation_error(),
        plan.cost()
    );
    let keys = KeyGenerator::new(&sk)
        .evaluation_keys(true, plan.galois_elements(), &mut rng)
        .unwrap();
    let boot = Arc::new(Bootstrapper::new(plan).unwrap());
    let n = cfg.slots;
    let eval = Evaluator::new(&params, Arc::new(keys), n)
        .unwrap()
        .with_bootstrapper(boot)
        .unwrap();
    for bound in [0.0, 1e-3, 1e-2, 1e-1, 0.5, 1.0] {
        let mut f = || ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * bound;
        let values: Vec<C64> = (0..n).map(|_| C64::new(f(), f())).collect();
        let lvl = eval.refresh_input_level();
        let pt = eval
            .encoder()
            .encode_complex(&values, n, lvl, params.scale(lvl))
            .unwrap();
        let ct = Encryptor::with_secret_key(&sk, 1)
            .encrypt(&pt, &mut rng)
            .unwrap();
        let t = std::time::Instant::now();
        let out = eval.refresh(&ct).unwrap();
        let el = t.elapsed();
        let got = eval
            .encoder()
            .decode_complex(&blindfold_ckks::decrypt(&sk, &out).unwrap(), n)
            .unwrap();
        let st = precision_stats(&values, &got);
        // Errors split into real and imaginary parts.
        let re: f64 = values
            .iter()
            .zip(&got)
            .map(|(a, b)| (a.re - b.re).abs())
            .sum::<f64>()
            / n as f64;
        let im: f64 = values
            .iter()
            .zip(&got)
            .map(|(a, b)| (a.im - b.im).abs())
            .sum::<f64>()
            / n as f64;
        println!(
            "bound {bound:>6}: mean {:.2} bits, min {:.2} bits; re {:.2} im {:.2}; {el:?}",
            st.mean_bits,
            st.min_bits,
            -re.log2(),
            -im.log2()
        );
    }
}
