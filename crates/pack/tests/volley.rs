//! Volley Revolver on the plaintext backend: `A·Bᵀ` and `Eᵀ·A` against schoolbook products
//! (f64, and integers modulo t exactly), on the transfer-learning shapes and on random shapes
//! up to the slot count; each plan's counts, depth and rotation offsets against what ran.

use blindfold_pack::volley::{
    RotationStyle, Stage, VolleyLayout, VolleyShape, cycle, product, transposed_product,
};
use blindfold_pack::{Counting, Matrix, PackError, Plan, ShapeError};
use blindfold_rlwe::slots::ClearArith;
use blindfold_rlwe::{Clear, ClearCt, SlotAlgebra};
use proptest::prelude::*;

/// SplitMix64: reproducible test values without another dependency.
struct Rng(u64);

impl Rng {
    fn seed_from_u64(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

const T: u64 = 65537;

fn random_f64(rng: &mut Rng, rows: usize, cols: usize) -> Matrix<f64> {
    Matrix::from_fn(rows, cols, |_, _| {
        (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    })
    .unwrap()
}

fn random_i64(rng: &mut Rng, rows: usize, cols: usize) -> Matrix<i64> {
    Matrix::from_fn(rows, cols, |_, _| {
        (rng.next_u64() % T) as i64 - (T / 2) as i64
    })
    .unwrap()
}

/// Schoolbook `x·yᵀ` with the backend's arithmetic (modulo `t` for integers).
fn mul_transposed<S: ClearArith>(x: &Matrix<S>, y: &Matrix<S>, t: u64) -> Matrix<S> {
    Matrix::from_fn(x.rows(), y.rows(), |i, k| {
        (0..x.cols()).fold(S::ZERO, |acc, j| {
            acc.add(x.get(i, j).mul(y.get(k, j), t), t)
        })
    })
    .unwrap()
}

/// Schoolbook `eᵀ·x`.
fn transposed_mul<S: ClearArith>(e: &Matrix<S>, x: &Matrix<S>, t: u64) -> Matrix<S> {
    Matrix::from_fn(e.cols(), x.cols(), |k, j| {
        (0..e.rows()).fold(S::ZERO, |acc, i| {
            acc.add(e.get(i, k).mul(x.get(i, j), t), t)
        })
    })
    .unwrap()
}

fn encrypt_all<S: ClearArith>(alg: &Clear<S>, vs: &[Vec<S>], level: usize) -> Vec<ClearCt<S>> {
    vs.iter().map(|v| alg.encrypt(v, level).unwrap()).collect()
}

fn values<S: Clone>(cts: &[ClearCt<S>]) -> Vec<Vec<S>> {
    cts.iter().map(|c| c.values.clone()).collect()
}

/// Runs the three stages on `Counting<Clear>`, checks each stage's plan against the counts
/// and returns `(A·Bᵀ, Eᵀ·A)` decoded.
fn run<S: ClearArith>(
    alg: Clear<S>,
    layout: &VolleyLayout,
    style: RotationStyle,
    a: &Matrix<S>,
    b: &Matrix<S>,
    e: &Matrix<S>,
    same: fn(S, S) -> bool,
) -> (Matrix<S>, Matrix<S>) {
    let top = alg.max_level();
    let alg = Counting::new(alg);
    let a_cts = encrypt_all(alg.inner(), &layout.encode_a(a).unwrap(), top);
    let b_cts = encrypt_all(alg.inner(), &layout.encode_b(b).unwrap(), top);
    let e_cts = encrypt_all(alg.inner(), &layout.encode_scores(e).unwrap(), top);

    let check = |stage: Stage| {
        let plan = layout.plan(stage, style);
        let counts = alg.counts();
        assert_eq!(
            counts.cost(top),
            plan.cost(),
            "{stage:?} {style:?} {layout:?}"
        );
        assert_eq!(
            counts.offsets,
            plan.rotations_needed(),
            "{stage:?} {style:?}"
        );
        assert_eq!(counts.trivial_rotations, 0);
        if style == RotationStyle::Chain {
            assert_eq!(counts.hoisted_batches, 0);
        }
        alg.reset();
    };
    let cycled = cycle(&alg, layout, style, &a_cts).unwrap();
    check(Stage::Cycle);
    let scores = product(&alg, layout, &cycled, &b_cts).unwrap();
    check(Stage::Product);
    let grad = transposed_product(&alg, layout, style, &cycled, &e_cts).unwrap();
    check(Stage::Transpose);

    // The B layout is replicated: every copy of every class row must hold the result.
    let grad_values = values(&grad);
    let again = layout
        .encode_b(&layout.decode_b(&grad_values).unwrap())
        .unwrap();
    let mask = layout.encode_b(&Matrix::from_fn(b.rows(), b.cols(), |_, _| S::ONE).unwrap());
    for ((g, r), m) in grad_values.iter().zip(&again).zip(&mask.unwrap()) {
        for ((&x, &y), &keep) in g.iter().zip(r).zip(m) {
            if keep == S::ONE {
                assert!(same(x, y), "replicas of Eᵀ·A differ: {x:?} vs {y:?}");
            }
        }
    }
    (
        layout.decode_scores(&values(&scores)).unwrap(),
        layout.decode_b(&grad_values).unwrap(),
    )
}

fn near(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + b.abs())
}

fn exact(a: i64, b: i64) -> bool {
    a == b
}

fn assert_close(x: &Matrix<f64>, y: &Matrix<f64>, tol: f64) {
    assert_eq!((x.rows(), x.cols()), (y.rows(), y.cols()));
    for (a, b) in x.data().iter().zip(y.data()) {
        assert!((a - b).abs() <= tol * (1.0 + b.abs()), "{a} vs {b}");
    }
}

#[test]
fn transfer_learning_shapes_f64() {
    // X: 128 x 512 (400 features + bias, padded), W: 10 x 512, 2^15 slots (N = 2^16).
    let shape = VolleyShape {
        rows: 128,
        cols: 512,
        classes: 10,
    };
    let layout = VolleyLayout::new(shape, 1 << 15).unwrap();
    assert_eq!(
        layout.a_count(),
        2,
        "two ciphertexts, one per half of the columns"
    );
    let mut rng = Rng::seed_from_u64(1);
    let x = random_f64(&mut rng, 128, 512);
    let w = random_f64(&mut rng, 10, 512);
    let e = random_f64(&mut rng, 128, 10);
    for style in [RotationStyle::Chain, RotationStyle::Hoisted] {
        let (s, g) = run(Clear::real(1 << 15, 4), &layout, style, &x, &w, &e, near);
        assert_close(&s, &mul_transposed(&x, &w, 0), 1e-12);
        assert_close(&g, &transposed_mul(&e, &x, 0), 1e-12);
    }
    let iteration = layout.plan_stages(&[Stage::Product, Stage::Transpose], RotationStyle::Chain);
    let cost = iteration.cost();
    // Chiang: ≈ 3,040 rotations and 421 ct x ct products per iteration.
    assert!(cost.rotations * 10 <= 3040, "{cost:?}");
    assert!(cost.ct_mul < 421);
}

#[test]
fn transfer_learning_shapes_integer_exact() {
    let shape = VolleyShape {
        rows: 128,
        cols: 512,
        classes: 10,
    };
    let layout = VolleyLayout::new(shape, 1 << 15).unwrap();
    let mut rng = Rng::seed_from_u64(2);
    let x = random_i64(&mut rng, 128, 512);
    let w = random_i64(&mut rng, 10, 512);
    let e = random_i64(&mut rng, 128, 10);
    let (s, g) = run(
        Clear::integer(1 << 15, 4, T),
        &layout,
        RotationStyle::Chain,
        &x,
        &w,
        &e,
        exact,
    );
    assert_eq!(s, mul_transposed(&x, &w, T));
    assert_eq!(g, transposed_mul(&e, &x, T));
}

#[test]
fn row_chunks_and_a_partial_group() {
    // 19 row chunks of 8 rows, 76 items merged 8 to a ciphertext: the last group holds 4.
    let layout = layout_for(150, 40, 3, 64, Some(3));
    assert_eq!(
        (layout.row_chunks(), layout.items(), layout.score_count()),
        (19, 76, 10)
    );
    let mut rng = Rng::seed_from_u64(4);
    let (a, b, e) = (
        random_f64(&mut rng, 150, 40),
        random_f64(&mut rng, 3, 40),
        random_f64(&mut rng, 150, 3),
    );
    for style in [RotationStyle::Chain, RotationStyle::Hoisted] {
        let (s, g) = run(Clear::real(64, 4), &layout, style, &a, &b, &e, near);
        assert_close(&s, &mul_transposed(&a, &b, 0), 1e-12);
        assert_close(&g, &transposed_mul(&e, &a, 0), 1e-12);
    }
}

#[test]
fn planner_picks_the_cheapest_width() {
    let shape = VolleyShape {
        rows: 128,
        cols: 512,
        classes: 10,
    };
    let slots = 1 << 15;
    let chosen = VolleyLayout::new(shape, slots).unwrap();
    let iteration = |l: &VolleyLayout| {
        l.plan_stages(&[Stage::Product, Stage::Transpose], RotationStyle::Chain)
            .cost()
            .rotations
    };
    for log_w in 0..=11 {
        let other = VolleyLayout::with_width(shape, slots, 1 << log_w).unwrap();
        assert!(
            iteration(&chosen) <= iteration(&other),
            "width {}",
            1 << log_w
        );
    }
    assert!(
        VolleyLayout::with_width(shape, slots, 1 << 12).is_err(),
        "16 classes need 16 rows"
    );
    assert!(VolleyLayout::with_width(shape, slots, 3).is_err());
}

#[test]
fn encodings_round_trip_and_cover_every_entry_once() {
    let mut rng = Rng::seed_from_u64(3);
    for (n, d, c, slots) in [
        (5, 7, 3, 64),
        (37, 20, 10, 256),
        (9, 300, 2, 128),
        (3, 3, 64, 64),
    ] {
        let layout = VolleyLayout::new(
            VolleyShape {
                rows: n,
                cols: d,
                classes: c,
            },
            slots,
        )
        .unwrap();
        let m = random_i64(&mut rng, n, c);
        let enc = layout.encode_scores(&m).unwrap();
        assert_eq!(layout.decode_scores(&enc).unwrap(), m);
        let nonzero: usize = layout
            .score_mask::<i64>()
            .iter()
            .map(|v| v.iter().filter(|&&x| x == 1).count())
            .sum();
        assert_eq!(nonzero, n * c);
        let b = random_i64(&mut rng, c, d);
        assert_eq!(layout.decode_b(&layout.encode_b(&b).unwrap()).unwrap(), b);
    }
}

#[test]
fn bad_inputs_are_typed_errors() {
    let shape = |rows, cols, classes| VolleyShape {
        rows,
        cols,
        classes,
    };
    assert!(matches!(
        VolleyLayout::new(shape(0, 4, 2), 64),
        Err(ShapeError::Empty { .. })
    ));
    assert!(matches!(
        VolleyLayout::new(shape(4, 4, 0), 64),
        Err(ShapeError::Empty { .. })
    ));
    assert!(matches!(
        VolleyLayout::new(shape(4, 4, 2), 48),
        Err(ShapeError::NotPowerOfTwo { .. })
    ));
    assert!(matches!(
        VolleyLayout::new(shape(4, 4, 65), 64),
        Err(ShapeError::DoesNotFit { .. })
    ));
    let layout = VolleyLayout::new(shape(6, 10, 3), 64).unwrap();
    let wrong = Matrix::from_fn(6, 9, |_, _| 0.0).unwrap();
    assert!(layout.encode_a(&wrong).is_err());
    assert!(layout.encode_b(&wrong).is_err());
    assert!(layout.encode_scores(&wrong).is_err());
    assert!(layout.decode_b::<f64>(&[vec![0.0; 3]]).is_err());

    let alg = Clear::real(64, 3);
    let a = encrypt_all(
        &alg,
        &layout
            .encode_a(&Matrix::from_fn(6, 10, |_, _| 1.0).unwrap())
            .unwrap(),
        3,
    );
    let cycled = cycle(&alg, &layout, RotationStyle::Chain, &a).unwrap();
    let b = alg.encrypt(&[1.0], 3).unwrap();
    assert!(matches!(
        product(&alg, &layout, &cycled, &[b.clone(), b.clone(), b.clone()]),
        Err(PackError::Shape(ShapeError::LengthMismatch { .. }))
    ));
    assert!(matches!(
        transposed_product(&alg, &layout, RotationStyle::Chain, &cycled, &[]),
        Err(PackError::Shape(ShapeError::LengthMismatch { .. }))
    ));
    assert!(matches!(
        cycle(&Clear::real(128, 3), &layout, RotationStyle::Chain, &a),
        Err(PackError::Shape(ShapeError::SlotsMismatch { .. }))
    ));
    // Out of levels is the backend's error, passed through.
    let low = encrypt_all(
        &alg,
        &layout
            .encode_a(&Matrix::from_fn(6, 10, |_, _| 1.0).unwrap())
            .unwrap(),
        1,
    );
    let cycled = cycle(&alg, &layout, RotationStyle::Chain, &low).unwrap();
    let b = encrypt_all(
        &alg,
        &layout
            .encode_b(&Matrix::from_fn(3, 10, |_, _| 1.0).unwrap())
            .unwrap(),
        1,
    );
    assert!(matches!(
        product(&alg, &layout, &cycled, &b),
        Err(PackError::Backend(_))
    ));
}

/// `(rows, cols, classes, slots, width)`: rows up to three times the slot count (several row
/// chunks), the width either the planner's choice (`None`) or any valid one.
fn shape_strategy() -> impl Strategy<Value = (usize, usize, usize, usize, Option<u32>)> {
    (3u32..=7).prop_flat_map(|log_slots| {
        let slots = 1usize << log_slots;
        (
            1..=3 * slots,
            1..=slots,
            1..=slots,
            Just(slots),
            proptest::option::of(0..=log_slots),
        )
    })
}

fn layout_for(n: usize, d: usize, c: usize, slots: usize, width: Option<u32>) -> VolleyLayout {
    let shape = VolleyShape {
        rows: n,
        cols: d,
        classes: c,
    };
    match width {
        None => VolleyLayout::new(shape, slots).unwrap(),
        Some(log_w) => {
            let widest = slots / c.next_power_of_two();
            VolleyLayout::with_width(shape, slots, (1usize << log_w).min(widest)).unwrap()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random shapes up to the slot count (several row and column chunks, partial groups,
    /// one-item groups), both rotation styles: results and counts.
    #[test]
    fn random_shapes_f64((n, d, c, slots, w) in shape_strategy(), seed in any::<u64>(), hoisted in any::<bool>()) {
        let layout = layout_for(n, d, c, slots, w);
        let style = if hoisted { RotationStyle::Hoisted } else { RotationStyle::Chain };
        let mut rng = Rng::seed_from_u64(seed);
        let (a, b, e) = (random_f64(&mut rng, n, d), random_f64(&mut rng, c, d), random_f64(&mut rng, n, c));
        let (s, g) = run(Clear::real(slots, 4), &layout, style, &a, &b, &e, near);
        assert_close(&s, &mul_transposed(&a, &b, 0), 1e-12);
        assert_close(&g, &transposed_mul(&e, &a, 0), 1e-12);
    }

    #[test]
    fn random_shapes_integer((n, d, c, slots, w) in shape_strategy(), seed in any::<u64>()) {
        let layout = layout_for(n, d, c, slots, w);
        let mut rng = Rng::seed_from_u64(seed);
        let (a, b, e) = (random_i64(&mut rng, n, d), random_i64(&mut rng, c, d), random_i64(&mut rng, n, c));
        let (s, g) = run(Clear::integer(slots, 4, T), &layout, RotationStyle::Chain, &a, &b, &e, exact);
        prop_assert_eq!(s, mul_transposed(&a, &b, T));
        prop_assert_eq!(g, transposed_mul(&e, &a, T));
    }
}
