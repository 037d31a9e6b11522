//! The references against independent computations: finite differences, closed forms, and
//! brute-force definitions.

mod common;

use blindfold_train::Matrix;
use blindfold_train::data::RegnetFile;
use blindfold_train::data::preprocess::{
    add_bias_column, downsample_2x2, features_matrix, one_hot, pad_to_power_of_two, pixels_unit,
};
use blindfold_train::reference::mlp::{DenseLayer, Loss, Mlp, MlpConfig, Precision, train_mlp};
use blindfold_train::reference::mlr::{
    MlrConfig, NagSchedule, NagVariant, Preconditioner, quadratic_gradient_diagonal, sle_gradient,
    sle_log_likelihood, train_mlr,
};
use blindfold_train::reference::{Activation, Polynomial, sigmoid};
use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

fn random_matrix(rng: &mut ChaCha8Rng, rows: usize, cols: usize, scale: f64) -> Matrix {
    let data = (0..rows * cols)
        .map(|_| scale * ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0))
        .collect();
    Matrix::from_vec(rows, cols, data).expect("shape")
}

// ---------------------------------------------------------------- polynomials

#[test]
fn polynomial_eval_derivative_and_scaling() {
    let p = Polynomial::new(vec![1.0, -2.0, 0.5, 3.0]).expect("finite");
    // 1 - 2x + 0.5x^2 + 3x^3 at x = 2: 1 - 4 + 2 + 24 = 23; derivative -2 + x + 9x^2 = 36.
    assert_eq!(p.eval(2.0), 23.0);
    assert_eq!(p.derivative_at(2.0), 36.0);
    assert_eq!(p.derivative().coeffs(), &[-2.0, 1.0, 9.0]);
    // The same polynomial in t = x / 4: coefficients c_k 4^k.
    let q = Polynomial::scaled(vec![1.0, -8.0, 8.0, 192.0], 4.0).expect("valid");
    for x in [-3.0, -0.5, 0.0, 1.25, 2.0] {
        assert!((q.eval(x) - p.eval(x)).abs() < 1e-12);
        assert!((q.derivative_at(x) - p.derivative_at(x)).abs() < 1e-12);
    }
    assert_eq!(q.monomial_coeffs(), p.coeffs());
    assert!(Polynomial::new(vec![]).is_err());
    assert!(Polynomial::new(vec![f64::NAN]).is_err());
}

#[test]
fn least_squares_fit_recovers_polynomials_and_kims_sigmoid() {
    // A polynomial of the fitted degree is reproduced exactly.
    let truth = |x: f64| 0.3 - 0.2 * x + 0.05 * x * x * x;
    let fit = Polynomial::fit_least_squares(truth, 3, -5.0, 5.0).expect("fit");
    for x in [-5.0, -1.0, 0.3, 4.9] {
        assert!((fit.eval(x) - truth(x)).abs() < 1e-9);
    }
    // Kim et al. (2018) publish the degree-3 least-squares sigmoid on [-8, 8] as
    // 0.5 + 0.15012 x - 0.0015930 x^3; a discrete fit lands within 0.1 %.
    let s = Polynomial::fit_least_squares(sigmoid, 3, -8.0, 8.0).expect("fit");
    let m = s.monomial_coeffs();
    assert!((m[0] - 0.5).abs() < 1e-9 && m[2].abs() < 1e-9);
    assert!((m[1] / 0.15012 - 1.0).abs() < 1e-3, "{m:?}");
    assert!((m[3] / -0.0015930 - 1.0).abs() < 1e-3, "{m:?}");
    // A cubic on [-8, 8] is a rough sigmoid: about 0.1 off around |x| = 2 and at the ends.
    let worst = |half: f64| {
        (0..=200)
            .map(|i| -half + half * f64::from(i) / 100.0)
            .map(|x| (s.eval(x) - sigmoid(x)).abs())
            .fold(0.0, f64::max)
    };
    assert!(worst(4.0) < 0.1, "max error on [-4, 4]: {}", worst(4.0));
    assert!(worst(8.0) < 0.12, "max error on [-8, 8]: {}", worst(8.0));
}

// ---------------------------------------------------------------- Chiang MLR

#[test]
fn sle_gradient_matches_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let x = random_matrix(&mut rng, 9, 5, 1.5);
    let labels = [0u8, 2, 1, 1, 0, 2, 2, 1, 0];
    let y = one_hot(&labels, 3).expect("labels");
    let w = random_matrix(&mut rng, 3, 5, 0.7);
    let g = sle_gradient(&x, &y, &w, &Activation::Sigmoid).expect("shapes");
    let h = 1e-6;
    for k in 0..3 {
        for j in 0..5 {
            let (mut wp, mut wm) = (w.clone(), w.clone());
            wp.set(k, j, w.get(k, j) + h);
            wm.set(k, j, w.get(k, j) - h);
            let fd = (sle_log_likelihood(&x, &y, &wp).expect("ok")
                - sle_log_likelihood(&x, &y, &wm).expect("ok"))
                / (2.0 * h);
            assert!(
                (fd - g.get(k, j)).abs() < 1e-6,
                "({k},{j}): fd {fd} vs {}",
                g.get(k, j)
            );
        }
    }
}

/// Brute force from the definition `B_jj = eps + 1/4 sum_k sum_i |x_ij| |x_ik|`.
fn b_bar_brute(x: &Matrix, eps: f64) -> Vec<f64> {
    (0..x.cols())
        .map(|j| {
            let mut s = 0.0;
            for k in 0..x.cols() {
                for i in 0..x.rows() {
                    s += x.get(i, j).abs() * x.get(i, k).abs();
                }
            }
            eps + 0.25 * s
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `B - X^T X / 4` is positive semidefinite: `v^T B v >= |X v|^2 / 4`.
    #[test]
    fn quadratic_gradient_bound_dominates_hessian(
        seed in any::<u64>(), n in 1usize..7, d in 1usize..6, scale in 0.1f64..10.0,
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let x = random_matrix(&mut rng, n, d, scale);
        let b = quadratic_gradient_diagonal(&x, 1e-10);
        let brute = b_bar_brute(&x, 1e-10);
        for (a, c) in b.iter().zip(&brute) {
            prop_assert!((a - c).abs() <= 1e-12 * c.abs().max(1.0));
        }
        for _ in 0..8 {
            let v = random_matrix(&mut rng, 1, d, 1.0);
            let vbv: f64 = v.as_slice().iter().zip(&b).map(|(vi, bi)| bi * vi * vi).sum();
            let xv2: f64 = x.row_iter().map(|r| {
                let s: f64 = r.iter().zip(v.as_slice()).map(|(a, c)| a * c).sum();
                s * s
            }).sum();
            prop_assert!(vbv + 1e-9 * vbv.abs().max(1.0) >= 0.25 * xv2);
        }
    }
}

#[test]
fn nag_schedule_values() {
    // lambda_0 = 0.01: lambda_1 = (1 + sqrt(1.0004)) / 2, eta_0 = 0.99 / lambda_1.
    let mut s = NagSchedule::new(0.01);
    let l1 = (1.0 + 1.0004f64.sqrt()) / 2.0;
    assert!((s.next_eta() - 0.99 / l1).abs() < 1e-15);
    let l2 = (1.0 + (1.0 + 4.0 * l1 * l1).sqrt()) / 2.0;
    assert!((s.next_eta() - (1.0 - l1) / l2).abs() < 1e-15);
}

#[test]
fn quadratic_gradient_nag_steps_match_closed_form() {
    // Bias + one feature, three samples, two classes, exact sigmoid, zero start.
    let x = Matrix::from_vec(3, 2, vec![1.0, 2.0, 1.0, -1.0, 1.0, 0.5]).expect("shape");
    let labels = [0u8, 1, 1];
    let config = MlrConfig {
        iterations: 2,
        activation: Activation::Sigmoid,
        preconditioner: Preconditioner::QuadraticGradient { epsilon: 1e-10 },
        nag: NagVariant::Kim,
        initial_weight: 0.0,
        lambda0: 0.01,
    };
    let one = MlrConfig {
        iterations: 1,
        ..config.clone()
    };
    let run1 = train_mlr(&x, &labels, &x, &labels, 2, &one).expect("trains");
    // Row sums of |x|: 3, 2, 1.5. B_00 = 6.5 / 4, B_11 = (2*3 + 1*2 + 0.5*1.5) / 4.
    let b = [1.625 + 1e-10, 2.1875 + 1e-10];
    assert_eq!(run1.b_diagonal.as_deref(), Some(&b[..]));
    // At W = 0 every p = 1/2: G_0 = 0.5 x_0 - 0.5 x_1 - 0.5 x_2 = (-0.5, 1.25), G_1 = -G_0.
    // alpha_0 = 1 + 1/(1 * 3).
    let alpha0 = 4.0 / 3.0;
    let w1 = [
        alpha0 * -0.5 / b[0],
        alpha0 * 1.25 / b[1],
        alpha0 * 0.5 / b[0],
        alpha0 * -1.25 / b[1],
    ];
    for (a, c) in run1.weights.as_slice().iter().zip(w1) {
        assert!((a - c).abs() < 1e-14, "{a} vs {c}");
    }
    // Second step from the look-ahead v_1 = (1 - eta_0) w_1 (w_0 = 0).
    let l1 = (1.0 + 1.0004f64.sqrt()) / 2.0;
    let eta0 = 0.99 / l1;
    let v1: Vec<f64> = w1.iter().map(|w| (1.0 - eta0) * w).collect();
    let y = [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]];
    let mut g = [0.0; 4];
    for (i, yi) in y.iter().enumerate() {
        for (k, &yik) in yi.iter().enumerate() {
            let z = v1[2 * k] * x.get(i, 0) + v1[2 * k + 1] * x.get(i, 1);
            let r = yik - 1.0 / (1.0 + (-z).exp());
            g[2 * k] += r * x.get(i, 0);
            g[2 * k + 1] += r * x.get(i, 1);
        }
    }
    let alpha1 = 1.0 + 1.0 / 6.0;
    let w2: Vec<f64> = (0..4).map(|i| v1[i] + alpha1 * g[i] / b[i % 2]).collect();
    let run2 = train_mlr(&x, &labels, &x, &labels, 2, &config).expect("trains");
    for (a, c) in run2.weights.as_slice().iter().zip(&w2) {
        assert!((a - c).abs() < 1e-12, "{a} vs {c}");
    }
    assert_eq!(run2.history.len(), 3);
    // This separable toy is classified perfectly after two steps.
    assert_eq!(run2.history[2].train_accuracy, 1.0);
    assert!(run2.history[2].log_likelihood > run2.history[0].log_likelihood);
}

#[test]
fn chiang_paper_mode_on_real_features() {
    let Some(dir) = common::data_dir() else {
        return;
    };
    let set = dir.regnet(RegnetFile::First512).expect("csv loads");
    let x = pad_to_power_of_two(&add_bias_column(&features_matrix(&set)));
    assert_eq!(x.cols(), 512);
    let (train, test) = (x.slice_rows(0..128), x.slice_rows(128..512));
    let (ly, lt) = (&set.labels()[..128], &set.labels()[128..]);
    let run = train_mlr(&train, ly, &test, lt, 10, &MlrConfig::chiang_paper()).expect("trains");
    // The paper: 21.49 % after two encrypted iterations (on the full test set).
    let two = run.history[2].test_accuracy;
    assert!((0.15..0.30).contains(&two), "after 2 iterations: {two}");
    // Its plaintext replay reaches about 74 % after 30 iterations.
    let config = MlrConfig {
        iterations: 30,
        ..MlrConfig::chiang_paper()
    };
    let run = train_mlr(&train, ly, &test, lt, 10, &config).expect("trains");
    let last = run.history[30].test_accuracy;
    assert!((0.65..0.85).contains(&last), "after 30 iterations: {last}");
}

// ---------------------------------------------------------------- Nandakumar MLP

fn tiny_net(seed: u64) -> Mlp {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Mlp::new_random(&[5, 4, 3, 3], 1.5, &mut rng)
}

fn check_backprop(act: &Activation, loss: Loss) {
    let net = tiny_net(3);
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let inputs = random_matrix(&mut rng, 4, 5, 1.0);
    let labels = [0u8, 2, 1, 2];
    let grads = net.gradient(&inputs, &labels, act, loss).expect("shapes");
    let total = |m: &Mlp| -> f64 {
        inputs
            .row_iter()
            .zip(&labels)
            .map(|(x, &l)| m.loss(x, l, act, loss).expect("ok"))
            .sum()
    };
    let h = 1e-6;
    for (l, g) in grads.iter().enumerate() {
        let (rows, cols) = (g.weights.rows(), g.weights.cols());
        for i in 0..rows {
            for j in 0..cols {
                let (mut p, mut m) = (net.clone(), net.clone());
                let w = net.layers()[l].weights.get(i, j);
                p.layers_mut()[l].weights.set(i, j, w + h);
                m.layers_mut()[l].weights.set(i, j, w - h);
                let fd = (total(&p) - total(&m)) / (2.0 * h);
                let an = g.weights.get(i, j);
                assert!(
                    (fd - an).abs() < 1e-6 * (1.0 + an.abs()),
                    "{act:?} {loss:?} W{l}[{i},{j}]: {fd} vs {an}"
                );
            }
        }
        for j in 0..g.bias.len() {
            let (mut p, mut m) = (net.clone(), net.clone());
            p.layers_mut()[l].bias[j] += h;
            m.layers_mut()[l].bias[j] -= h;
            let fd = (total(&p) - total(&m)) / (2.0 * h);
            assert!(
                (fd - g.bias[j]).abs() < 1e-6 * (1.0 + g.bias[j].abs()),
                "b{l}[{j}]"
            );
        }
    }
}

#[test]
fn backprop_matches_finite_differences() {
    check_backprop(&Activation::Sigmoid, Loss::Mse);
    check_backprop(&Activation::Sigmoid, Loss::CrossEntropy);
    check_backprop(
        &Activation::Polynomial(Polynomial::chiang_sigmoid3()),
        Loss::Mse,
    );
    let wide = Polynomial::fit_least_squares(sigmoid, 7, -16.0, 16.0).expect("fit");
    check_backprop(&Activation::Polynomial(wide), Loss::Mse);
}

#[test]
fn sgd_step_is_minus_lr_over_batch_times_gradient() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let inputs = random_matrix(&mut rng, 6, 5, 1.0);
    let labels = [1u8, 0, 2, 2, 1, 0];
    let act = Activation::Polynomial(Polynomial::chiang_sigmoid3());
    let config = MlpConfig {
        layers: vec![5, 4, 3, 3],
        learning_rate: 0.3,
        weight_decay: 0.01,
        ..MlpConfig::nandakumar(act.clone())
    };
    let net = tiny_net(9);
    let batch = [4usize, 1, 3];
    let sub = Matrix::from_rows(&batch.map(|i| inputs.row(i))).expect("rows");
    let sub_labels = batch.map(|i| labels[i]);
    let grads = net
        .gradient(&sub, &sub_labels, &act, Loss::Mse)
        .expect("shapes");
    let mut stepped = net.clone();
    stepped
        .train_step(&inputs, &labels, &batch, &config)
        .expect("step");
    for (l, (g, (before, after))) in grads
        .iter()
        .zip(net.layers().iter().zip(stepped.layers()))
        .enumerate()
    {
        for ((w0, w1), gw) in before
            .weights
            .as_slice()
            .iter()
            .zip(after.weights.as_slice())
            .zip(g.weights.as_slice())
        {
            let want = w0 - 0.3 / 3.0 * gw - 0.3 * 0.01 * w0;
            assert!((w1 - want).abs() < 1e-12, "layer {l}: {w1} vs {want}");
        }
        for ((b0, b1), gb) in before.bias.iter().zip(&after.bias).zip(&g.bias) {
            assert!((b1 - (b0 - 0.1 * gb)).abs() < 1e-12);
        }
    }
}

#[test]
fn fixed_point_step_stays_on_the_grid_and_converges_to_float() {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let inputs = random_matrix(&mut rng, 6, 5, 1.0);
    let labels = [1u8, 0, 2, 2, 1, 0];
    let act = Activation::Polynomial(Polynomial::chiang_sigmoid3());
    let float = MlpConfig {
        layers: vec![5, 4, 3, 3],
        learning_rate: 0.5,
        ..MlpConfig::nandakumar(act)
    };
    let grid = |v: f64, bits: u32| {
        let s = f64::from(bits).exp2();
        (v * s).round_ties_even() / s
    };
    // Start from a model on the 8-bit grid.
    let mut start = tiny_net(4);
    for layer in start.layers_mut() {
        let DenseLayer { weights, bias } = layer;
        weights
            .as_mut_slice()
            .iter_mut()
            .chain(bias.iter_mut())
            .for_each(|w| *w = grid(*w, 8));
    }
    let batch = [0usize, 1, 2, 3, 4, 5];
    let mut fixed8 = start.clone();
    let c8 = MlpConfig {
        precision: Precision::Fixed { frac_bits: 8 },
        ..float.clone()
    };
    fixed8
        .train_step(&inputs, &labels, &batch, &c8)
        .expect("step");
    for layer in fixed8.layers() {
        for &w in layer.weights.as_slice().iter().chain(&layer.bias) {
            assert_eq!(w, grid(w, 8), "{w} is not a multiple of 2^-8");
        }
    }
    let mut f = start.clone();
    f.train_step(&inputs, &labels, &batch, &float)
        .expect("step");
    let mut fixed36 = start.clone();
    let c36 = MlpConfig {
        precision: Precision::Fixed { frac_bits: 36 },
        ..float.clone()
    };
    fixed36
        .train_step(&inputs, &labels, &batch, &c36)
        .expect("step");
    let diff = |a: &Mlp, b: &Mlp| {
        a.layers()
            .iter()
            .zip(b.layers())
            .flat_map(|(x, y)| {
                x.weights
                    .as_slice()
                    .iter()
                    .zip(y.weights.as_slice())
                    .map(|(p, q)| (p - q).abs())
            })
            .fold(0.0, f64::max)
    };
    // The inputs themselves are rounded, so 36 bits agree with float to about 2^-30.
    assert!(diff(&fixed36, &f) < 1e-8, "{}", diff(&fixed36, &f));
    assert!(diff(&fixed8, &f) > 1e-6, "8 bits should visibly differ");
    assert!(c8.precision != float.precision);
    let bad = MlpConfig {
        precision: Precision::Fixed { frac_bits: 0 },
        ..float
    };
    assert!(
        start
            .clone()
            .train_step(&inputs, &labels, &batch, &bad)
            .is_err()
    );
}

#[test]
fn mlp_learns_a_small_mnist_subset() {
    let Some(dir) = common::data_dir() else {
        return;
    };
    let train = dir.mnist_train().expect("loads").slice(0..3000);
    let test = dir.mnist_test().expect("loads").slice(0..1000);
    let tx = downsample_2x2(&pixels_unit(&train), 28, 28).expect("28x28");
    let ex = downsample_2x2(&pixels_unit(&test), 28, 28).expect("28x28");
    let config = MlpConfig {
        layers: vec![196, 64, 32, 10],
        epochs: 8,
        batch_size: 20,
        loss: Loss::CrossEntropy,
        learning_rate: 0.5,
        ..MlpConfig::nandakumar(Activation::Sigmoid)
    };
    let run = train_mlp(&tx, train.labels(), &ex, test.labels(), &config, |_| {}).expect("trains");
    let acc = run.epochs.last().map_or(0.0, |e| e.test_accuracy);
    assert!(acc > 0.80, "test accuracy {acc}");
    assert!(run.epochs[0].train_loss > run.epochs[7].train_loss);
}
