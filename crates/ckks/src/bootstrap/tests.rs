//! Stage-by-stage checks of the bootstrap with the secret key: SlotToCoeff against the
//! bit-reversed slots, CoeffToSlot against `z + R·I` (integer `I`), EvalMod on known inputs.

use std::sync::Arc;

use blindfold_rlwe::security::{SecretDistribution, SecurityLevel};
use blindfold_rlwe::{Ciphertext, Encryptor, KeyGenerator, ParametersLiteral, SecretKey};
use blindfold_rns::sample::seeded_rng;
use rand_core::RngCore;

use super::*;
use crate::C64;
use crate::encoding::centered_coeffs;

fn params() -> Arc<CkksParameters> {
    let log_q = vec![
        47, 40, 40, 40, 40, 46, 47, 49, 51, 51, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50,
    ];
    let lit = ParametersLiteral {
        log_n: 11,
        log_q,
        log_p: vec![55; 5],
        dnum: 4,
        secret: SecretDistribution::Ternary,
        sigma: blindfold_rns::sample::SIGMA,
        security: SecurityLevel::Classical128,
    };
    CkksParameters::insecure_for_tests(lit).unwrap()
}

struct Env {
    params: Arc<CkksParameters>,
    sk: SecretKey,
    eval: Evaluator,
    boot: Bootstrapper,
    rng: rand_chacha::ChaCha20Rng,
}

fn env(params: Arc<CkksParameters>, slots: usize) -> Env {
    let mut rng = seeded_rng([9; 32]);
    let sk = SecretKey::generate(params.rlwe(), &mut rng).unwrap();
    let plan = BootstrapPlan::new(&params, BootstrapConfig::new(&params, slots)).unwrap();
    let keys = KeyGenerator::new(&sk)
        .evaluation_keys(true, plan.galois_elements(), &mut rng)
        .unwrap();
    let eval = Evaluator::new(&params, Arc::new(keys), slots).unwrap();
    let boot = Bootstrapper::new(plan).unwrap();
    Env {
        params,
        sk,
        eval,
        boot,
        rng,
    }
}

fn unit(rng: &mut impl RngCore) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

fn bit_reverse(v: &[C64]) -> Vec<C64> {
    let n = v.len();
    let bits = n.trailing_zeros();
    (0..n)
        .map(|i| {
            if bits == 0 {
                v[i]
            } else {
                v[i.reverse_bits() >> (usize::BITS - bits)]
            }
        })
        .collect()
}

impl Env {
    fn encrypt(&mut self, values: &[C64], level: usize, scale: f64) -> Ciphertext {
        let n = self.eval.slot_count();
        let pt = self
            .eval
            .encoder()
            .encode_complex(values, n, level, scale)
            .unwrap();
        Encryptor::with_secret_key(&self.sk, 1)
            .encrypt(&pt, &mut self.rng)
            .unwrap()
    }

    fn slots(&self, ct: &Ciphertext) -> Vec<C64> {
        let pt = crate::decrypt(&self.sk, ct).unwrap();
        self.eval
            .encoder()
            .decode_complex(&pt, self.eval.slot_count())
            .unwrap()
    }

    /// The complex coefficient vector (sparse layout) divided by the scale.
    fn coeffs(&self, ct: &Ciphertext) -> Vec<C64> {
        let pt = crate::decrypt(&self.sk, ct).unwrap();
        let c = centered_coeffs(&pt.poly).unwrap();
        let big_n = self.params.n();
        let n = self.eval.slot_count();
        let gap = big_n / 2 / n;
        (0..n)
            .map(|i| C64::new(c[i * gap], c[big_n / 2 + i * gap]).scale(1.0 / ct.meta.scale))
            .collect()
    }
}

fn bits(errs: impl Iterator<Item = f64>) -> (f64, f64) {
    let v: Vec<f64> = errs.collect();
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let max = v.iter().copied().fold(0.0, f64::max);
    (-mean.log2(), -max.log2())
}

#[test]
fn stages_are_accurate() {
    stages(params(), 1 << 10, 34.0);
}

/// Each stage against its exact output; `z0_bits` is the floor for the interpolant's error.
fn stages(params: Arc<CkksParameters>, slots: usize, z0_bits: f64) {
    let t = std::time::Instant::now();
    let mut e = env(params, slots);
    eprintln!("keys and bootstrapper: {:?}", t.elapsed());
    let n = e.eval.slot_count();
    let cfg = e.boot.plan.config.clone();
    let r = 2f64.powi(cfg.log_message_ratio as i32);
    let k1 = cfg.overflow_bound as f64 + 1.0;
    let z: Vec<C64> = (0..n)
        .map(|_| C64::new(unit(&mut e.rng), unit(&mut e.rng)))
        .collect();
    let input = e.boot.plan.input_level();
    let ct = e.encrypt(&z, input, e.params.scale(input));
    // SlotToCoeff.
    let t = std::time::Instant::now();
    let mut x = e.boot.stc_input(&e.eval, &ct).unwrap();
    for lvl in &e.boot.stc {
        x = lvl.apply(&e.eval, &e.boot.used, &x).unwrap();
    }
    eprintln!("StC {:?}", t.elapsed());
    assert_eq!(x.level(), 0);
    let c = e.coeffs(&x);
    let want = bit_reverse(&z);
    let (mean, max) = bits(c.iter().zip(&want).map(|(a, b)| (*a - *b).abs()));
    eprintln!(
        "StC: {mean:.2} bits mean, {max:.2} worst; scale 2^{:.3}",
        x.meta.scale.log2()
    );
    assert!(mean > z0_bits - 6.0, "StC {mean}");
    // ModRaise and CoeffToSlot: slots ·2(K+1)R = z + R·I.
    x.meta.scale = e.boot.raise_scale;
    let t = std::time::Instant::now();
    let mut y = e.boot.mod_raise(&e.eval, &x).unwrap();
    eprintln!("ModRaise {:?}", t.elapsed());
    for lvl in &e.boot.cts {
        let t = std::time::Instant::now();
        y = lvl.apply(&e.eval, &e.boot.used, &y).unwrap();
        eprintln!("CtS level {:?}", t.elapsed());
    }
    let s = e.slots(&y);
    let mut imax = 0.0f64;
    let errs = s.iter().zip(&z).map(|(w, zz)| {
        let v = w.scale(2.0 * k1 * r);
        let (ire, iim) = (((v.re - zz.re) / r).round(), ((v.im - zz.im) / r).round());
        imax = imax.max(ire.abs()).max(iim.abs());
        (v - C64::new(ire * r, iim * r) - *zz).abs()
    });
    let (mean, max) = bits(errs);
    eprintln!(
        "CtS (z units): {mean:.2} bits mean, {max:.2} worst; max |I| {imax}; level {}, scale 2^{:.3} (ladder 2^{:.3})",
        y.level(),
        y.meta.scale.log2(),
        e.params.scale(y.level()).log2()
    );
    assert!(mean > z0_bits - 9.0, "CtS {mean} {max}");
    assert!(
        imax >= 1.0 && imax <= cfg.overflow_bound as f64,
        "|I| {imax}"
    );
    // EvalMod on known inputs x = ε + I.
    let l0 = y.level();
    let mut eps = Vec::new();
    let xs: Vec<C64> = (0..n)
        .map(|_| {
            let ep = unit(&mut e.rng) / r;
            eps.push(ep);
            let i = (unit(&mut e.rng) * k1 / 5.0).round();
            C64::real((ep + i) / k1)
        })
        .collect();
    let yin = e.encrypt(&xs, l0, e.params.scale(l0));
    let gamma = r / (2.0 * PI);
    let em = &e.boot.plan.evalmod;
    let c0 = em.c_r.powf(1.0 / 2f64.powi(em.double_angle as i32));
    let t = std::time::Instant::now();
    let mut z0 = em.chebyshev(&e.eval, &e.boot.ipoly, &yin).unwrap();
    eprintln!(
        "Chebyshev {:?} ({} products)",
        t.elapsed(),
        em.cheb_products
    );
    for k in 0..=em.double_angle {
        let zs = e.slots(&z0);
        let (mean, max) = bits(zs.iter().zip(&xs).map(|(w, x)| {
            let want = C64::cis(em.a * x.re * 2f64.powi(k as i32)).scale(c0.powi(1 << k));
            (*w - want).abs()
        }));
        eprintln!(
            "z_{k}: {mean:.2} bits mean, {max:.2} worst (level {}, scale 2^{:.3})",
            z0.level(),
            z0.meta.scale.log2()
        );
        // Squaring a unit complex number doubles its error: one bit per step.
        assert!(mean > z0_bits - k as f64 * 1.2, "z_{k} {mean}");
        if k < em.double_angle {
            z0 = e.eval.square(&z0).unwrap();
        }
    }
    let w = e
        .boot
        .plan
        .evalmod
        .evaluate(&e.eval, &e.boot.ipoly, &yin)
        .unwrap();
    let ws = e.slots(&w);
    let (mean, max) = bits(
        ws.iter()
            .zip(&eps)
            .map(|(w, ep)| (2.0 * w.im / (2.0 * PI * gamma) - ep).abs() * r),
    );
    eprintln!(
        "EvalMod (z units): {mean:.2} bits mean, {max:.2} worst; level {}",
        w.level()
    );
    assert!(mean > z0_bits - 11.0, "EvalMod {mean} {max}");
    assert_eq!(w.level(), e.boot.plan.output_level());
}

/// The stages at N = 2^16 on the secure preset (about two minutes and 10 GB):
/// `cargo test --release -p blindfold-ckks --lib bootstrap::tests::stages_n16 -- --ignored --nocapture`
#[test]
#[ignore]
fn stages_n16() {
    let params = CkksParameters::new(crate::presets::n16_bootstrap()).unwrap();
    eprintln!(
        "log2 QP = {}, ladder: {:?}",
        params.rlwe().log_qp(),
        (0..=params.max_level())
            .map(|l| format!("{l}:{:.2}", params.scale(l).log2()))
            .collect::<Vec<_>>()
    );
    stages(params, 1 << 15, 23.0);
}
