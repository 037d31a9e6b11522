//! The fully connected network's SGD step, generic over the slot algebra, on its plaintext
//! mirrors: against an independent plain-f64 implementation of the same math, against the
//! float reference `Mlp::train_step`, against finite differences, against its own plan (counts,
//! levels), and in fixed point against the float step and the overflow planner.

mod fcnet_common;

use blindfold_pack::{Counting, Plan};
use blindfold_rlwe::{Clear, ClearError, SlotAlgebra};
use blindfold_train::fcnet::{
    Arithmetic, Batch, FcConfig, FcError, FcPlan, FcShape, FixedPoint, Model, PlainNet,
    RefreshSchedule, decode_model, owner_batch, owner_model, train_clear, train_clear_refreshing,
    train_step,
};
use blindfold_train::reference::mlp::{Loss, MlpConfig, Precision};
use blindfold_train::reference::{Activation, Polynomial};
use fcnet_common::{Net, problem};

const DIMS: [usize; 4] = [6, 5, 4, 3];
const ROWS: usize = 5;

fn config(loss: Loss, linear_output: bool) -> FcConfig {
    let mut c = FcConfig::cubic(8.0, 1.5).unwrap();
    c.loss = loss;
    if linear_output {
        c.output = Polynomial::new(vec![0.0, 1.0]).unwrap();
    }
    c
}

fn shape() -> FcShape {
    FcShape {
        layers: DIMS.to_vec(),
        batch: ROWS,
    }
}

/// Every layout the planner considers at 256 slots (chunked and not), both losses, both
/// output activations: two mirror steps equal two plain steps.
#[test]
fn mirror_steps_equal_the_plain_math() {
    let (model, data) = problem(&DIMS, ROWS, 2, 1);
    let mut layouts = 0;
    for (loss, linear) in [
        (Loss::Mse, false),
        (Loss::Mse, true),
        (Loss::CrossEntropy, false),
    ] {
        let cfg = config(loss, linear);
        let (hidden, output) = (cfg.hidden.monomial_coeffs(), cfg.output.monomial_coeffs());
        let mut want = Net::from_mlp(&model);
        let mut expected = Vec::new();
        for (x, labels) in &data {
            want = want.step(x, labels, &hidden, &output, loss, cfg.learning_rate);
            expected.push(want.clone());
        }
        for plan in FcPlan::candidates(&shape(), &cfg, 256).unwrap() {
            layouts += 1;
            let levels = plan.levels_needed(2).unwrap();
            let mut got = Vec::new();
            train_clear::<f64>(
                &plan,
                &model,
                levels,
                data.iter().map(|(x, l)| (x, l.as_slice())),
                |_, m| got.push(m.clone()),
            )
            .unwrap();
            for (w, g) in expected.iter().zip(&got) {
                let gap = w.gap(g);
                assert!(
                    gap <= 1e-12 * w.scale().max(1.0),
                    "{loss:?} linear {linear} fields {:?}: gap {gap:e}",
                    plan.layout().field_bits()
                );
            }
        }
    }
    assert!(layouts >= 6, "{layouts} layouts");
}

/// A mirror that refreshes (as a bootstrapped run does) takes as many steps as asked, the
/// same steps as a mirror with levels for all of them, from a refresh level far below one
/// step's depth: the refreshes happen inside the steps, where the plan says.
#[test]
fn refreshing_mirror_runs_past_one_chain() {
    let steps = 5;
    let (model, data) = problem(&DIMS, ROWS, steps, 4);
    for (loss, linear) in [
        (Loss::Mse, false),
        (Loss::CrossEntropy, false),
        (Loss::Mse, true),
    ] {
        let plan = FcPlan::new(shape(), config(loss, linear), 256).unwrap();
        let depth = plan.levels_needed(1).unwrap();
        let input_level = 3;
        // The lowest refresh level that carries the steps: a layer's activation (or the
        // output delta, 4 levels with the cubic and the quadratic loss) plus its product.
        let level = (input_level..)
            .find(|&l| plan.refreshes(l, input_level, 1).is_ok())
            .unwrap();
        assert!(level < depth + input_level, "{loss:?}: {level} vs {depth}");
        let batches = || data.iter().map(|(x, l)| (x, l.as_slice()));
        let mut want = Vec::new();
        train_clear::<f64>(
            &plan,
            &model,
            plan.levels_needed(steps).unwrap(),
            batches(),
            |_, m| want.push(m.clone()),
        )
        .unwrap();
        for top in [level, level + 3, depth + input_level] {
            let lazy3: usize = plan.refreshes(top, input_level, 3).unwrap().iter().sum();
            let tuned = plan.clone().tune_refreshes(top, input_level, 3).unwrap();
            let tuned3: usize = tuned.refreshes(top, input_level, 3).unwrap().iter().sum();
            assert!(tuned3 <= lazy3, "tuned {tuned3} > lazy {lazy3}");
            let every = RefreshSchedule {
                forward_ahead: u32::MAX,
                backward_ahead: u32::MAX,
            };
            for p in [
                plan.clone(),
                tuned,
                plan.clone().with_refresh_schedule(every),
            ] {
                let schedule = p.refresh_schedule();
                let planned = p.refreshes(top, input_level, steps).unwrap();
                let mut got = Vec::new();
                let (_, refreshes) = train_clear_refreshing::<f64>(
                    &p,
                    &model,
                    top,
                    input_level,
                    batches(),
                    |_, m| got.push(m.clone()),
                )
                .unwrap();
                assert_eq!(got, want, "{loss:?} from {top}, {schedule:?}");
                assert_eq!(refreshes, planned.iter().sum::<usize>(), "{schedule:?}");
                assert!(planned[1..].iter().all(|&r| r > 0), "{planned:?}");
                if top < depth + input_level {
                    assert!(planned[0] > 0, "{planned:?}");
                }
            }
        }
        // One level short: typed, before any work.
        let short = train_clear_refreshing::<f64>(
            &plan,
            &model,
            level - 1,
            input_level,
            batches(),
            |_, _| {},
        );
        assert!(
            matches!(short, Err(FcError::OutOfLevels { needed, available }) if needed == level && available == level - 1),
            "{short:?}"
        );
        assert!(matches!(
            plan.refreshes(level - 1, input_level, 1),
            Err(FcError::OutOfLevels { .. })
        ));
    }
}

/// `train_step` on a backend that refreshes (what the encrypted server runs): the plan's
/// refreshes, the mirror's model, every model ciphertext left refreshable; a model below the
/// refresh's input level is refused before any work.
#[test]
fn train_step_refreshes_inside_the_step() {
    let steps = 3;
    let (model, data) = problem(&DIMS, ROWS, steps, 6);
    let plan = FcPlan::new(shape(), config(Loss::Mse, false), 256).unwrap();
    let (input_level, top) = (2, 7);
    let alg = Counting::new(
        Clear::real(256, top)
            .with_refresh(top)
            .with_refresh_input_level(input_level),
    );
    let clear = alg.inner();
    let m = owner_model::<f64>(&plan, &model).unwrap();
    let enc = |v: &[Vec<f64>], level| -> Vec<_> {
        v.iter().map(|s| clear.encrypt(s, level).unwrap()).collect()
    };
    let mut state = Model::new(
        &plan,
        m.weights.iter().map(|l| enc(l, top)).collect(),
        m.biases.iter().map(|l| enc(l, top)).collect(),
    )
    .unwrap();
    let planned = plan.refreshes(top, input_level, steps).unwrap();
    let mut want = Vec::new();
    train_clear_refreshing::<f64>(
        &plan,
        &model,
        top,
        input_level,
        data.iter().map(|(x, l)| (x, l.as_slice())),
        |_, m| want.push(m.clone()),
    )
    .unwrap();
    for (k, (x, labels)) in data.iter().enumerate() {
        let b = owner_batch::<f64>(&plan, x, labels).unwrap();
        let batch = Batch::new(&plan, enc(&b.x, top), enc(&b.y, top)).unwrap();
        alg.reset();
        state = train_step(&plan, &alg, &batch, state).unwrap();
        assert_eq!(alg.counts().refreshes, planned[k], "step {k}");
        let levels = state.weights().iter().chain(state.biases()).flatten();
        assert!(levels.clone().all(|c| c.level >= input_level));
        let slots = state
            .decrypted(|c| Ok::<_, ClearError>(c.values.clone()))
            .unwrap();
        assert_eq!(decode_model(&plan, &slots).unwrap(), want[k]);
    }
    // A model that a refresh no longer accepts.
    let low = Model::new(
        &plan,
        m.weights.iter().map(|l| enc(l, input_level - 1)).collect(),
        m.biases.iter().map(|l| enc(l, input_level - 1)).collect(),
    )
    .unwrap();
    let (x, labels) = &data[0];
    let b = owner_batch::<f64>(&plan, x, labels).unwrap();
    let batch = Batch::new(&plan, enc(&b.x, top), enc(&b.y, top)).unwrap();
    alg.reset();
    match train_step(&plan, &alg, &batch, low) {
        Err(FcError::OutOfLevels { needed, available }) => {
            assert_eq!((needed, available), (input_level, input_level - 1))
        }
        other => panic!("expected OutOfLevels, got {other:?}"),
    }
    assert_eq!(alg.counts(), Default::default());
}

/// The batched plain-f64 network (what the example trains on all of MNIST) takes the
/// mirror's steps.
#[test]
fn plain_network_takes_the_mirror_steps() {
    let (model, data) = problem(&DIMS, ROWS, 3, 10);
    for (loss, linear) in [
        (Loss::Mse, false),
        (Loss::Mse, true),
        (Loss::CrossEntropy, false),
    ] {
        let cfg = config(loss, linear);
        let plan = FcPlan::new(shape(), cfg.clone(), 256).unwrap();
        let mut mirror = Vec::new();
        train_clear::<f64>(
            &plan,
            &model,
            plan.levels_needed(3).unwrap(),
            data.iter().map(|(x, l)| (x, l.as_slice())),
            |_, m| mirror.push(m.clone()),
        )
        .unwrap();
        let mut plain = PlainNet::from_mlp(&model);
        for ((x, labels), m) in data.iter().zip(&mirror) {
            plain.step(&cfg, x, labels).unwrap();
            let want = Net::from_mlp(&plain.to_mlp().unwrap());
            let gap = want.gap(m);
            assert!(gap <= 1e-12 * want.scale(), "{loss:?} {linear}: {gap:e}");
        }
        let (x, labels) = &data[0];
        let acc = plain.accuracy(&cfg, x, labels).unwrap();
        let predicted = model_predictions(&plain.to_mlp().unwrap(), &cfg, x);
        let want =
            predicted.iter().zip(labels).filter(|(p, l)| p == l).count() as f64 / ROWS as f64;
        assert_eq!(acc, want);
    }
}

fn model_predictions(
    m: &blindfold_train::reference::mlp::Mlp,
    cfg: &FcConfig,
    x: &blindfold_train::Matrix,
) -> Vec<u8> {
    m.predict(x, &Activation::Polynomial(cfg.hidden.clone()))
        .unwrap()
}

/// The same activation on every layer: the mirror follows `Mlp::train_step` (Precision::Float).
#[test]
fn mirror_follows_the_float_reference() {
    let (model, data) = problem(&DIMS, ROWS, 3, 2);
    for loss in [Loss::Mse, Loss::CrossEntropy] {
        let cfg = config(loss, false);
        let plan = FcPlan::new(shape(), cfg.clone(), 512).unwrap();
        let mlp_config = MlpConfig {
            layers: DIMS.to_vec(),
            activation: Activation::Polynomial(cfg.hidden.clone()),
            loss,
            batch_size: ROWS,
            learning_rate: cfg.learning_rate,
            epochs: 1,
            seed: 0,
            precision: Precision::Float,
            init_scale: 1.0,
            weight_decay: 0.0,
        };
        let mut reference = model.clone();
        let mut got = Vec::new();
        train_clear::<f64>(
            &plan,
            &model,
            plan.levels_needed(3).unwrap(),
            data.iter().map(|(x, l)| (x, l.as_slice())),
            |_, m| got.push(m.clone()),
        )
        .unwrap();
        for ((x, labels), g) in data.iter().zip(&got) {
            let rows: Vec<usize> = (0..ROWS).collect();
            reference.train_step(x, labels, &rows, &mlp_config).unwrap();
            let want = Net::from_mlp(&reference);
            let gap = want.gap(g);
            assert!(gap <= 1e-9 * want.scale(), "{loss:?}: gap {gap:e}");
        }
    }
}

/// The update of one step is `−η ∇(Σ_rows ½||a − y||²)`: compared with central differences
/// of the plain loss, for every weight and bias (quadratic loss, cubic and linear outputs).
#[test]
fn backprop_matches_finite_differences() {
    let (model, data) = problem(&DIMS, ROWS, 1, 3);
    let (x, labels) = &data[0];
    for linear in [false, true] {
        let cfg = config(Loss::Mse, linear);
        let (hidden, output) = (cfg.hidden.monomial_coeffs(), cfg.output.monomial_coeffs());
        let plan = FcPlan::new(shape(), cfg.clone(), 256).unwrap();
        let after = train_clear::<f64>(
            &plan,
            &model,
            plan.levels_needed(1).unwrap(),
            [(x, labels.as_slice())],
            |_, _| {},
        )
        .unwrap();
        let (before, after) = (Net::from_mlp(&model), Net::from_mlp(&after));
        let eta = cfg.learning_rate / ROWS as f64;
        let h = 1e-5;
        let mut worst = 0.0f64;
        for l in 0..before.w.len() {
            for o in 0..before.w[l].len() {
                for n in 0..=before.w[l][o].len() {
                    // n == len: the bias.
                    let mut plus = before.clone();
                    let mut minus = before.clone();
                    let (p, m, got) = if n == before.w[l][o].len() {
                        plus.b[l][o] += h;
                        minus.b[l][o] -= h;
                        (&plus, &minus, (before.b[l][o] - after.b[l][o]) / eta)
                    } else {
                        plus.w[l][o][n] += h;
                        minus.w[l][o][n] -= h;
                        (&plus, &minus, (before.w[l][o][n] - after.w[l][o][n]) / eta)
                    };
                    let numeric = (p.mse(x, labels, &hidden, &output)
                        - m.mse(x, labels, &hidden, &output))
                        / (2.0 * h);
                    let err = (got - numeric).abs() / numeric.abs().max(1e-3);
                    worst = worst.max(err);
                }
            }
        }
        assert!(
            worst < 1e-6,
            "linear {linear}: worst relative error {worst:e}"
        );
    }
}

/// A step on `Counting(Clear)` does what the plan says: rotations (and their offsets),
/// products, levels.
#[test]
fn counts_and_levels_match_the_plan() {
    let (model, data) = problem(&DIMS, ROWS, 1, 4);
    let (x, labels) = &data[0];
    for plan in FcPlan::candidates(&shape(), &config(Loss::Mse, false), 256).unwrap() {
        let top = plan.levels_needed(1).unwrap() + 2;
        let alg = Counting::new(Clear::real(256, top));
        let clear = alg.inner();
        let m = owner_model::<f64>(&plan, &model).unwrap();
        let enc = |v: &[Vec<f64>], level| -> Vec<_> {
            v.iter().map(|s| clear.encrypt(s, level).unwrap()).collect()
        };
        let state = Model::new(
            &plan,
            m.weights.iter().map(|l| enc(l, top)).collect(),
            m.biases.iter().map(|l| enc(l, top)).collect(),
        )
        .unwrap();
        let b = owner_batch::<f64>(&plan, x, labels).unwrap();
        let batch = Batch::new(&plan, enc(&b.x, top), enc(&b.y, top)).unwrap();
        let out = train_step(&plan, &alg, &batch, state).unwrap();
        let c = alg.counts();
        let s = plan.step_cost();
        assert_eq!(
            (c.rotations, c.ct_mul, c.pt_mul),
            (s.rotations, s.ct_mul, s.pt_mul)
        );
        assert_eq!(c.offsets, plan.rotations_needed());
        assert_eq!(c.cost(top).depth, s.depth);
        let lowest = out.weights().iter().flatten().map(|c| c.level).min();
        assert_eq!(lowest, Some(top - s.depth));
    }
}

/// Too few levels: refused before any ciphertext operation.
#[test]
fn out_of_levels_is_refused_before_any_work() {
    let (model, data) = problem(&DIMS, ROWS, 1, 5);
    let (x, labels) = &data[0];
    let plan = FcPlan::new(shape(), config(Loss::Mse, false), 256).unwrap();
    let needed = plan.levels_needed(1).unwrap();
    let top = needed - 1;
    let alg = Counting::new(Clear::real(256, top));
    let m = owner_model::<f64>(&plan, &model).unwrap();
    let enc = |v: &[Vec<f64>]| -> Vec<_> {
        v.iter()
            .map(|s| alg.inner().encrypt(s, top).unwrap())
            .collect()
    };
    let state = Model::new(
        &plan,
        m.weights.iter().map(|l| enc(l)).collect(),
        m.biases.iter().map(|l| enc(l)).collect(),
    )
    .unwrap();
    let b = owner_batch::<f64>(&plan, x, labels).unwrap();
    let batch = Batch::new(&plan, enc(&b.x), enc(&b.y)).unwrap();
    match train_step(&plan, &alg, &batch, state) {
        Err(FcError::OutOfLevels {
            needed: n,
            available,
        }) => assert_eq!((n, available), (needed, top)),
        other => panic!("expected OutOfLevels, got {other:?}"),
    }
    let c = alg.counts();
    assert_eq!((c.rotations, c.ct_mul, c.pt_mul, c.ct_add), (0, 0, 0, 0));
    assert_eq!(plan.steps_within(needed - 1, 5), 0);
    assert_eq!(plan.steps_within(needed, 5), 1);
    assert_eq!(plan.data_level(1, needed), Some(0));
}

/// A fixed-point configuration: `x_bits` for inputs and weights, `c_bits` for coefficients,
/// a cubic sigmoid fitted on [−4, 4], η = lr / rows = 1/4 (kept in the exponents).
fn fixed(x_bits: u32, c_bits: u32, t: u64, linear_output: bool, rows: usize) -> FcConfig {
    let mut c = FcConfig::cubic(4.0, rows as f64 / 4.0).unwrap();
    if linear_output {
        c.output = Polynomial::new(vec![0.0, 1.0]).unwrap();
    }
    c.arithmetic = Arithmetic::Fixed(FixedPoint {
        input_bits: x_bits,
        weight_bits: x_bits,
        coeff_bits: c_bits,
        plaintext_modulus: t,
    });
    c
}

/// 2^61 − 1 (prime).
const BIG_T: u64 = (1 << 61) - 1;

/// `c` with coefficient `k` rounded to `2^-(bits + (deg − k)·e)`: what the fixed-point
/// evaluation of a degree-`deg` polynomial of an input at exponent `e` multiplies by.
fn quantized_poly(c: &[f64], bits: u32, e: u32) -> Vec<f64> {
    let d = c.len() - 1;
    c.iter()
        .enumerate()
        .map(|(k, &v)| fcnet_common::quantize(v, (bits + (d - k) as u32 * e) as i32))
        .collect()
}

/// One fixed-point step on `Clear::integer` is the float step with the inputs, weights and
/// coefficients rounded where the encoding rounds them (exact integer arithmetic): a
/// single layer with the cubic output (the paper's output layer) and two layers with a
/// linear output.
#[test]
fn fixed_point_step_is_the_quantized_float_step() {
    for (dims, x_bits, c_bits, linear) in
        [(vec![6, 3], 3u32, 8u32, false), (vec![6, 5, 3], 2, 6, true)]
    {
        let rows = 4;
        let (model, data) = problem(&dims, rows, 1, 6);
        let (x, labels) = &data[0];
        let shape = FcShape {
            layers: dims.clone(),
            batch: rows,
        };
        let cfg = fixed(x_bits, c_bits, BIG_T, linear, rows);
        let plan = FcPlan::new(shape.clone(), cfg.clone(), 64).unwrap();
        let report = plan.fixed_plan(1.0, 1.0, 1).unwrap();
        assert_eq!(report.steps, 1, "{report:?}");
        let got = train_clear::<i64>(
            &plan,
            &model,
            plan.levels_needed(1).unwrap(),
            [(x, labels.as_slice())],
            |_, _| {},
        )
        .unwrap();
        let e = 2 * x_bits; // exponent of Z_1
        let hidden = cfg.hidden.monomial_coeffs();
        let output = cfg.output.monomial_coeffs();
        let q = |c: &[f64], z_exp: u32| quantized_poly(c, c_bits, z_exp);
        let d = fcnet_common::derivative;
        let (h, hd) = (q(&hidden, e), q(&d(&hidden), e));
        // One layer: the output sees Z_1; linear outputs are exact.
        let (o, od) = if linear {
            (output.clone(), d(&output))
        } else {
            (q(&output, e), q(&d(&output), e))
        };
        let xq: Vec<f64> = x
            .as_slice()
            .iter()
            .map(|&v| fcnet_common::quantize(v, x_bits as i32))
            .collect();
        let xq = blindfold_train::Matrix::from_vec(rows, dims[0], xq).unwrap();
        let want = Net::from_mlp(&model).quantized(x_bits as i32).step_with(
            [&h, &hd, &o, &od],
            &xq,
            labels,
            Loss::Mse,
            cfg.learning_rate,
        );
        let gap = want.gap(&got);
        assert!(gap <= 1e-12 * want.scale(), "{dims:?}: gap {gap:e}");
        // And the rounding keeps it near the exact float step.
        let float =
            Net::from_mlp(&model).step(x, labels, &hidden, &output, Loss::Mse, cfg.learning_rate);
        let moved = float.gap(&model);
        assert!(float.gap(&got) < 0.5 * moved.max(0.25), "{dims:?}");
    }
}

/// Within the planned steps a smaller `t` computes exactly what `2^61 − 1` does (nothing
/// wrapped); where the planner allows no step, a small `t` does wrap.
#[test]
fn fixed_point_planner_is_safe() {
    let dims = vec![6, 5, 3];
    let rows = 4;
    let (model, data) = problem(&dims, rows, 2, 7);
    let shape = FcShape {
        layers: dims.clone(),
        batch: rows,
    };
    let run = |t: u64, steps: usize| {
        let plan = FcPlan::new(shape.clone(), fixed(2, 6, t, true, rows), 64).unwrap();
        let m = train_clear::<i64>(
            &plan,
            &model,
            plan.levels_needed(steps).unwrap(),
            data[..steps].iter().map(|(x, l)| (x, l.as_slice())),
            |_, _| {},
        )
        .unwrap();
        (plan.fixed_plan(1.0, 1.0, 3).unwrap(), Net::from_mlp(&m))
    };
    // 2^61 − 1 allows one step (worst case just under 60 bits), the second overflows.
    let (report, got) = run(BIG_T, 1);
    assert_eq!(report.steps, 1, "{report:?}");
    assert!(
        report.step_bits[0] < 60.0 && report.step_bits[1] > 61.0,
        "{report:?}"
    );
    // The same step modulo the largest prime below 2^63: identical, nothing wrapped.
    let (_, wide) = run(9_223_372_036_854_775_783, 1);
    assert_eq!(wide.gap(&got.to_mlp()), 0.0);
    // Below the bound the planner refuses the step, and a small t does wrap.
    let (small_report, _) = run(72_057_594_037_927_931, 1);
    assert_eq!(small_report.steps, 0, "{small_report:?}");
    let (_, wrapped) = run(65537, 1);
    assert!(
        wide.gap(&wrapped.to_mlp()) > 1e-3,
        "65537 should have wrapped"
    );
}

#[test]
fn typed_errors() {
    let (model, data) = problem(&DIMS, ROWS, 1, 8);
    let (x, labels) = &data[0];
    let cfg = config(Loss::Mse, false);
    let plan = FcPlan::new(shape(), cfg.clone(), 256).unwrap();
    // Configuration.
    let bad_shape = FcShape {
        layers: vec![4],
        batch: 2,
    };
    assert!(FcPlan::new(bad_shape, cfg.clone(), 256).is_err());
    let zero_batch = FcShape {
        layers: DIMS.to_vec(),
        batch: 0,
    };
    assert!(FcPlan::new(zero_batch, cfg.clone(), 256).is_err());
    assert!(FcPlan::new(shape(), cfg.clone(), 255).is_err());
    let mut no_lr = cfg.clone();
    no_lr.learning_rate = f64::NAN;
    assert!(FcPlan::new(shape(), no_lr, 256).is_err());
    let mut constant = cfg.clone();
    constant.hidden = Polynomial::new(vec![0.5]).unwrap();
    assert!(FcPlan::new(shape(), constant, 256).is_err());
    assert!(plan.fixed_plan(1.0, 1.0, 2).is_err());
    // Owner inputs.
    assert!(owner_batch::<f64>(&plan, x, &labels[..ROWS - 1]).is_err());
    assert!(owner_batch::<f64>(&plan, &x.slice_rows(0..ROWS - 1), &labels[..ROWS - 1]).is_err());
    let mut bad_labels = labels.clone();
    bad_labels[0] = 3;
    assert!(owner_batch::<f64>(&plan, x, &bad_labels).is_err());
    let other = problem(&[6, 5, 3], ROWS, 1, 9).0;
    assert!(owner_model::<f64>(&plan, &other).is_err());
    let mut slots = owner_model::<f64>(&plan, &model).unwrap();
    slots.weights.pop();
    assert!(decode_model(&plan, &slots).is_err());
    // Backends and ciphertext counts.
    let clear = Clear::real(512, 20);
    let m = owner_model::<f64>(&plan, &model).unwrap();
    let enc = |alg: &Clear<f64>, v: &[Vec<f64>]| -> Vec<_> {
        v.iter()
            .map(|s| alg.encrypt(&s[..s.len().min(alg.slots())], 20).unwrap())
            .collect()
    };
    let state = Model::new(
        &plan,
        m.weights.iter().map(|l| enc(&clear, l)).collect(),
        m.biases.iter().map(|l| enc(&clear, l)).collect(),
    )
    .unwrap();
    let b = owner_batch::<f64>(&plan, x, labels).unwrap();
    let batch = Batch::new(&plan, enc(&clear, &b.x), enc(&clear, &b.y)).unwrap();
    assert!(matches!(
        train_step(&plan, &clear, &batch, state.clone()),
        Err(FcError::Setup(_))
    ));
    assert!(Batch::new(&plan, enc(&clear, &b.x[1..]), enc(&clear, &b.y)).is_err());
    let (w, bias, we, bex, steps) = state.into_parts();
    assert!(
        Model::from_parts(
            &plan,
            w.clone(),
            bias.clone(),
            vec![3; 3],
            bex.clone(),
            steps
        )
        .is_err()
    );
    assert!(Model::from_parts(&plan, w[1..].to_vec(), bias, we, bex, steps).is_err());
    // A fixed-point plan on real slots.
    let fplan = FcPlan::new(shape(), fixed(4, 8, BIG_T, true, ROWS), 256).unwrap();
    let clear = Clear::real(256, 40);
    let m = owner_model::<f64>(&fplan, &model).unwrap();
    let state = Model::new(
        &fplan,
        m.weights.iter().map(|l| enc(&clear, l)).collect(),
        m.biases.iter().map(|l| enc(&clear, l)).collect(),
    )
    .unwrap();
    let b = owner_batch::<f64>(&fplan, x, labels).unwrap();
    let batch = Batch::new(&fplan, enc(&clear, &b.x), enc(&clear, &b.y)).unwrap();
    let r: Result<_, FcError<ClearError>> = train_step(&fplan, &clear, &batch, state);
    assert!(matches!(r, Err(FcError::Setup(_))));
}
