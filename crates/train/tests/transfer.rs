//! The encrypted transfer-learning pipeline run on the plaintext backend (its mirror): the
//! same models as the float64 reference with the same polynomial sigmoid, the planned counts,
//! depth and rotations equal to what ran, and typed errors for bad inputs.

mod common;

use blindfold_pack::{Counting, Plan};
use blindfold_rlwe::{Clear, ClearCt, SlotAlgebra};
use blindfold_train::Matrix;
use blindfold_train::data::RegnetFile;
use blindfold_train::data::preprocess::{add_bias_column, features_matrix, pad_to_power_of_two};
use blindfold_train::reference::mlr::{MlrConfig, NagVariant, Preconditioner, scores, train_mlr};
use blindfold_train::reference::{Activation, Polynomial, accuracy};
use blindfold_train::transfer::{
    RotationStyle, ServerData, SetupError, TrainState, TransferConfig, TransferError, TransferPlan,
    TransferShape, owner_prepare, train_clear, train_clear_refreshing, train_step,
};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// `n` rows `[1, features, 0-pad]` with non-negative features (like ReLU outputs), and labels.
fn synthetic(seed: u64, n: usize, features: usize, classes: usize) -> (Matrix, Vec<u8>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let labels: Vec<u8> = (0..n)
        .map(|_| (rng.next_u64() % classes as u64) as u8)
        .collect();
    let data = (0..n * features)
        .map(|i| {
            let class_signal = if i % features == usize::from(labels[i / features]) {
                1.5
            } else {
                0.0
            };
            uniform(&mut rng) + class_signal
        })
        .collect();
    let raw = Matrix::from_vec(n, features, data).unwrap();
    (pad_to_power_of_two(&add_bias_column(&raw)), labels)
}

fn reference_config(config: &TransferConfig, iterations: usize) -> MlrConfig {
    let coeffs = config.sigmoid.to_monomial().unwrap().coeffs().to_vec();
    MlrConfig {
        iterations,
        activation: Activation::Polynomial(Polynomial::new(coeffs).unwrap()),
        preconditioner: Preconditioner::QuadraticGradient {
            epsilon: config.epsilon,
        },
        nag: NagVariant::Kim,
        initial_weight: config.initial_weight,
        lambda0: config.lambda0,
    }
}

/// Largest `|a − b|` relative to the largest `|b|`.
fn relative_gap(a: &Matrix, b: &Matrix) -> f64 {
    assert_eq!((a.rows(), a.cols()), (b.rows(), b.cols()));
    let scale = b.as_slice().iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let gap = a
        .as_slice()
        .iter()
        .zip(b.as_slice())
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    gap / scale.max(f64::MIN_POSITIVE)
}

fn check_against_reference(
    config: TransferConfig,
    x: &Matrix,
    labels: &[u8],
    classes: usize,
    slots: usize,
    iterations: usize,
) -> Vec<Matrix> {
    let shape = TransferShape {
        samples: x.rows(),
        features: x.cols(),
        classes,
    };
    let plan = TransferPlan::new(shape, config.clone(), slots).unwrap();
    let models = train_clear(&plan, x, labels, iterations).unwrap();
    assert_eq!(models.len(), iterations);
    for (t, model) in models.iter().enumerate() {
        let reference = train_mlr(
            x,
            labels,
            x,
            labels,
            classes,
            &reference_config(&config, t + 1),
        )
        .unwrap();
        let gap = relative_gap(model, &reference.weights);
        eprintln!(
            "iteration {}: relative gap to the reference {gap:.1e}",
            t + 1
        );
        assert!(gap < 1e-9, "iteration {}: relative gap {gap:e}", t + 1);
    }
    models
}

#[test]
fn mirror_matches_the_float_reference() {
    // 37 rows (padding rows), 20 features + bias -> 32 columns, 3 classes (padded to 4).
    let (x, labels) = synthetic(1, 37, 20, 3);
    check_against_reference(TransferConfig::chiang_paper(), &x, &labels, 3, 1024, 4);
    // Encrypted non-zero start (Chiang's C++: 0.022), hoisted rotations.
    let config = TransferConfig {
        initial_weight: 0.022,
        rotations: RotationStyle::Hoisted,
        ..TransferConfig::chiang_paper()
    };
    check_against_reference(config, &x, &labels, 3, 1024, 3);
    // A degree-5 stand-in (Chebyshev basis, converted), several row and column chunks.
    let (x, labels) = synthetic(2, 70, 40, 5);
    let quintic = blindfold_approx::Polynomial::monomial(
        vec![0.5, 0.2, 0.0, -0.004, 0.0, 3e-5],
        blindfold_approx::Interval::new(-8.0, 8.0).unwrap(),
    )
    .unwrap()
    .to_chebyshev()
    .unwrap();
    let config = TransferConfig {
        sigmoid: quintic,
        ..TransferConfig::chiang_paper()
    };
    check_against_reference(config, &x, &labels, 5, 256, 3);
}

/// A mirror that refreshes (as a bootstrapped run does) trains as many iterations as asked
/// and takes exactly the steps of a mirror with levels for all of them; a refresh happens
/// only when the next iteration would leave the weights below the refresh's input level.
#[test]
fn refreshing_mirror_runs_past_one_chain() {
    let (x, labels) = synthetic(3, 37, 20, 3);
    let plan = TransferPlan::new(
        TransferShape {
            samples: 37,
            features: 32,
            classes: 3,
        },
        TransferConfig::chiang_paper(),
        1024,
    )
    .unwrap();
    let iterations = 12;
    let (level, input_level) = (12, 3);
    assert!(plan.levels_needed(iterations) > level);
    let want = train_clear(&plan, &x, &labels, iterations).unwrap();
    let (got, refreshes) =
        train_clear_refreshing(&plan, &x, &labels, iterations, level, input_level).unwrap();
    assert_eq!(got, want);
    // Weights start at `level`; iteration t needs depth(t) and must leave ≥ input_level.
    let mut l = level;
    let mut expected = 0;
    for t in 0..iterations {
        let d = plan.iteration_depth(t);
        if t > 0 && l < d + input_level {
            l = level;
            expected += 1;
        }
        l -= d;
    }
    // W and V: every ciphertext of both.
    assert_eq!(refreshes, expected * 2 * plan.layout().b_count());
    assert!(expected >= 2, "{expected} refreshes");
    // A refresh level too low for one iteration and the input level: a typed error.
    assert!(matches!(
        train_clear_refreshing(&plan, &x, &labels, iterations, 9, 3),
        Err(TransferError::OutOfLevels {
            needed: 10,
            available: 9
        })
    ));
}

#[test]
fn paper_sigmoid_is_the_references() {
    let ours = TransferConfig::chiang_paper()
        .sigmoid
        .to_monomial()
        .unwrap();
    assert_eq!(ours.coeffs(), &Polynomial::CHIANG_SIGMOID3[..]);
}

/// Runs the steps on `Counting<Clear>` and holds every iteration against its plan.
#[test]
fn counts_depth_and_rotations_match_the_plan() {
    let (x, labels) = synthetic(3, 128, 400, 10);
    assert_eq!(x.cols(), 512);
    let shape = TransferShape {
        samples: 128,
        features: 512,
        classes: 10,
    };
    let plan = TransferPlan::new(shape, TransferConfig::chiang_paper(), 1 << 15).unwrap();
    let iterations = 3;
    let levels = plan.levels_needed(iterations);
    assert_eq!(
        plan.iteration_depth(0),
        3,
        "zero start: gradient and update only"
    );
    assert_eq!(plan.iteration_depth(1), 7);
    assert_eq!(levels, 17);
    assert_eq!(plan.iterations_within(10), 2);
    assert_eq!(plan.iterations_within(16), 2);
    assert_eq!(plan.iterations_within(17), 3);

    let alg = Counting::new(Clear::real(1 << 15, levels));
    let owner = owner_prepare(&plan, &x, &labels).unwrap();
    let enc = |vs: &[Vec<f64>]| -> Vec<ClearCt<f64>> {
        vs.iter()
            .map(|v| alg.inner().encrypt(v, levels).unwrap())
            .collect()
    };
    let data = ServerData::new(
        &plan,
        &alg,
        &enc(&owner.x),
        enc(&owner.y),
        enc(&owner.b_inverse),
    )
    .unwrap();
    let setup = alg.counts();
    assert_eq!(setup.cost(levels), plan.setup_cost());
    alg.reset();

    let mut state = TrainState::zero(&plan);
    let mut start = levels;
    let mut rotations = std::collections::BTreeSet::new();
    for t in 0..iterations {
        state = train_step(&plan, &alg, &data, state).unwrap();
        let counts = alg.counts();
        assert_eq!(counts.cost(start), plan.iteration_cost(t), "iteration {t}");
        assert_eq!(counts.trivial_rotations, 0);
        rotations.extend(counts.offsets.iter().copied());
        start -= plan.iteration_depth(t);
        let w = state.weights().unwrap();
        assert!(w.iter().all(|c| alg.level(c) == start));
        alg.reset();
    }
    assert_eq!(start, 0, "the run used exactly the planned levels");
    rotations.extend(setup.offsets);
    assert_eq!(rotations, plan.rotations_needed());
    // The performance bar: <= 300 rotations per iteration (Chiang: ~3,040 and 421 ct x ct).
    let steady = plan.cost();
    assert!(steady.rotations <= 300 && steady.ct_mul < 421, "{steady:?}");
    // 16 score sums + 2 sigmoid products + 2 gradient sums + 4 updates.
    assert_eq!(plan.iteration_relinearizations(1), 24);
    assert_eq!(plan.iteration_relinearizations(0), 6);
    // One more step has no level left: refused before any work.
    match train_step(&plan, &alg, &data, state) {
        Err(TransferError::OutOfLevels { needed, available }) => {
            assert_eq!((needed, available), (7, 0));
        }
        other => panic!("expected OutOfLevels, got {other:?}"),
    }
    assert_eq!(alg.counts().ct_mul, 0);
}

#[test]
fn bad_inputs_are_typed_errors() {
    let shape = TransferShape {
        samples: 10,
        features: 8,
        classes: 3,
    };
    let bad_eps = TransferConfig {
        epsilon: 0.0,
        ..TransferConfig::chiang_paper()
    };
    assert!(matches!(
        TransferPlan::new(shape, bad_eps, 256),
        Err(SetupError::Config { .. })
    ));
    assert!(matches!(
        TransferPlan::new(shape, TransferConfig::chiang_paper(), 100),
        Err(SetupError::Layout(_))
    ));
    let plan = TransferPlan::new(shape, TransferConfig::chiang_paper(), 256).unwrap();
    let (x, labels) = synthetic(4, 10, 7, 3);
    assert!(owner_prepare(&plan, &x, &labels[..9]).is_err());
    let mut bad_labels = labels.clone();
    bad_labels[0] = 3;
    assert!(matches!(
        owner_prepare(&plan, &x, &bad_labels),
        Err(SetupError::Shape(_))
    ));
    let mut nan = x.clone();
    nan.set(2, 3, f64::NAN);
    assert!(owner_prepare(&plan, &nan, &labels).is_err());
    let wide = synthetic(4, 10, 9, 3).0;
    assert!(owner_prepare(&plan, &wide, &labels).is_err());

    let alg = Clear::real(256, 10);
    let owner = owner_prepare(&plan, &x, &labels).unwrap();
    let enc = |vs: &[Vec<f64>]| -> Vec<ClearCt<f64>> {
        vs.iter().map(|v| alg.encrypt(v, 10).unwrap()).collect()
    };
    assert!(matches!(
        ServerData::new(&plan, &alg, &enc(&owner.x), vec![], enc(&owner.b_inverse)),
        Err(TransferError::State { .. })
    ));
    let data = ServerData::new(
        &plan,
        &alg,
        &enc(&owner.x),
        enc(&owner.y),
        enc(&owner.b_inverse),
    )
    .unwrap();
    // A non-zero start needs its initial weights.
    let nonzero = TransferPlan::new(
        shape,
        TransferConfig {
            initial_weight: 0.5,
            ..TransferConfig::chiang_paper()
        },
        256,
    )
    .unwrap();
    assert!(matches!(
        train_step(&nonzero, &alg, &data, TrainState::zero(&nonzero)),
        Err(TransferError::State { .. })
    ));
    let one_ct = TrainState::from_encrypted(&plan, vec![alg.encrypt(&[0.0], 10).unwrap(); 2]);
    assert!(matches!(
        train_step(&plan, &alg, &data, one_ct),
        Err(TransferError::State { .. })
    ));
}

/// Paper mode on the real features: the first 128 rows, 2 iterations, the degree-3 sigmoid,
/// evaluated on rows 128..512 (the test-set features are not published).
#[test]
fn paper_mode_on_real_features() {
    let Some(dir) = common::data_dir() else {
        return;
    };
    let set = dir.regnet(RegnetFile::First512).expect("csv loads");
    let x = pad_to_power_of_two(&add_bias_column(&features_matrix(&set)));
    let (train, test) = (x.slice_rows(0..128), x.slice_rows(128..512));
    let (ly, lt) = (&set.labels()[..128], &set.labels()[128..]);
    let models =
        check_against_reference(TransferConfig::chiang_paper(), &train, ly, 10, 1 << 15, 2);
    let reference = train_mlr(&train, ly, &test, lt, 10, &MlrConfig::chiang_paper()).unwrap();
    for (t, model) in models.iter().enumerate() {
        let acc = accuracy(&scores(&test, model).unwrap(), lt).unwrap();
        eprintln!(
            "paper mode, iteration {}: mirror {:.2}% on rows 128..512 (reference {:.2}%)",
            t + 1,
            100.0 * acc,
            100.0 * reference.history[t + 1].test_accuracy
        );
        assert_eq!(acc, reference.history[t + 1].test_accuracy);
    }
    let two = accuracy(&scores(&test, &models[1]).unwrap(), lt).unwrap();
    assert!((0.15..0.30).contains(&two), "after 2 iterations: {two}");
}
