//! Diagonal (BSGS) transforms against the plain matrix product on `Clear`, with the plan's
//! cost and rotation set held against what a counting backend saw.

use blindfold_pack::layout::{next_power_of_two, replicate};
use blindfold_pack::{
    Bsgs, Counting, Diagonals, InputLayout, LinearTransform, Matrix, PackError, Plan, ShapeError,
};
use blindfold_rlwe::{Clear, SlotAlgebra};
use proptest::prelude::*;

const T: u64 = 65537;

fn centered(v: i128) -> i64 {
    let t = T as i128;
    let r = v.rem_euclid(t);
    (if 2 * r > t { r - t } else { r }) as i64
}

/// Reference `m·x` in f64.
fn matvec_f64(m: &Matrix<f64>, x: &[f64]) -> Vec<f64> {
    (0..m.rows())
        .map(|i| (0..m.cols()).map(|j| m.get(i, j) * x[j]).sum())
        .collect()
}

/// Reference `m·x` modulo `T` in i128.
fn matvec_mod(m: &Matrix<i64>, x: &[i64]) -> Vec<i64> {
    (0..m.rows())
        .map(|i| {
            centered(
                (0..m.cols())
                    .map(|j| m.get(i, j) as i128 * x[j] as i128)
                    .sum(),
            )
        })
        .collect()
}

fn input_slots<S: blindfold_rlwe::SlotScalar>(
    x: &[S],
    layout: InputLayout,
    slots: usize,
) -> Vec<S> {
    match layout {
        InputLayout::ZeroPadded => x.to_vec(),
        InputLayout::Replicated { period } => replicate(x, period, slots).unwrap(),
    }
}

/// Runs `lt` on `Counting<Clear>` at `level` and checks levels, counts and rotation set.
fn run<S: blindfold_rlwe::slots::ClearArith>(
    alg: &Counting<Clear<S>>,
    lt: &LinearTransform<S>,
    input: &[S],
    level: usize,
) -> Vec<S> {
    let enc = lt.encode(alg, level).unwrap();
    let ct = alg.inner().encrypt(input, alg.max_level()).unwrap();
    alg.reset();
    let out = enc.apply(alg, &ct).unwrap();
    let counts = alg.counts();
    assert_eq!(out.level, level - 1, "depth 1 below the encoding level");
    assert_eq!(
        counts.cost(level),
        lt.plan().cost(),
        "plan cost == what ran"
    );
    assert_eq!(counts.offsets, lt.plan().rotations_needed(), "rotation set");
    assert_eq!(counts.trivial_rotations, 0);
    assert!(counts.hoisted_batches <= 1);
    out.values
}

fn layout_strategy(slots: usize, cols: usize) -> BoxedStrategy<InputLayout> {
    let min = next_power_of_two(cols);
    let periods: Vec<usize> = (0..=slots.ilog2())
        .map(|e| 1usize << e)
        .filter(|&p| p >= min)
        .collect();
    prop_oneof![
        Just(InputLayout::ZeroPadded),
        proptest::sample::select(periods).prop_map(|period| InputLayout::Replicated { period }),
    ]
    .boxed()
}

fn bsgs_strategy(slots: usize) -> BoxedStrategy<Bsgs> {
    prop_oneof![
        3 => (1..=slots).prop_map(Bsgs::BabySteps),
        1 => Just(Bsgs::Auto),
        1 => (-4i32..5).prop_map(Bsgs::LogRatio),
    ]
    .boxed()
}

/// (slots, rows, cols, layout, bsgs, density in percent).
fn shape() -> impl Strategy<Value = (usize, usize, usize, InputLayout, Bsgs, u32)> {
    (3u32..=8)
        .prop_flat_map(|e| {
            let slots = 1usize << e;
            (Just(slots), 1..=slots, 1..=slots)
        })
        .prop_flat_map(|(slots, rows, cols)| {
            (
                Just(slots),
                Just(rows),
                Just(cols),
                layout_strategy(slots, cols),
                bsgs_strategy(slots),
                prop_oneof![Just(100u32), 1u32..100],
            )
        })
}

fn sparse<T: Copy>(vals: &[T], keep: &[u32], density: u32, zero: T) -> Vec<T> {
    vals.iter()
        .zip(keep)
        .map(|(&v, &k)| if k % 100 < density { v } else { zero })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn real_matvec_and_transpose_match_the_plain_product(
        (slots, rows, cols, layout, bsgs, density) in shape(),
        seed in any::<u64>(),
    ) {
        let mut s = seed;
        let mut next = || { s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); s };
        let vals: Vec<f64> = (0..rows * cols).map(|_| (next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0).collect();
        let keep: Vec<u32> = (0..rows * cols).map(|_| (next() >> 33) as u32).collect();
        let m = Matrix::new(rows, cols, sparse(&vals, &keep, density, 0.0)).unwrap();
        let x: Vec<f64> = (0..cols).map(|_| (next() >> 11) as f64 / (1u64 << 53) as f64 - 0.5).collect();

        let alg = Counting::new(Clear::real(slots, 3));
        let lt = LinearTransform::matrix(&m, slots, layout, bsgs).unwrap();
        let max_diagonals = match layout {
            InputLayout::ZeroPadded => (rows + cols - 1).min(slots),
            InputLayout::Replicated { period } => period,
        };
        prop_assert!(lt.plan().diagonals().len() <= max_diagonals);
        let y = run(&alg, &lt, &input_slots(&x, layout, slots), 2);
        let want = matvec_f64(&m, &x);
        for i in 0..slots {
            let w = if i < rows { want[i] } else { 0.0 };
            prop_assert!((y[i] - w).abs() < 1e-12 * cols as f64, "slot {}: {} vs {}", i, y[i], w);
        }

        // Transpose: input of length rows, laid out the same way when the period allows.
        let tlayout = match layout {
            InputLayout::Replicated { period } if period >= rows => layout,
            _ => InputLayout::ZeroPadded,
        };
        let z: Vec<f64> = (0..rows).map(|i| i as f64 * 0.25 - 1.0).collect();
        let ltt = LinearTransform::matrix_transpose(&m, slots, tlayout, bsgs).unwrap();
        let yt = run(&alg, &ltt, &input_slots(&z, tlayout, slots), 3);
        let want_t = matvec_f64(&m.transpose(), &z);
        for j in 0..slots {
            let w = if j < cols { want_t[j] } else { 0.0 };
            prop_assert!((yt[j] - w).abs() < 1e-12 * rows as f64, "slot {}: {} vs {}", j, yt[j], w);
        }
    }

    #[test]
    fn integer_matvec_is_exact(
        (slots, rows, cols, layout, bsgs, density) in shape(),
        seed in any::<u64>(),
    ) {
        let mut s = seed;
        let mut next = || { s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); s };
        let vals: Vec<i64> = (0..rows * cols).map(|_| ((next() >> 33) % 2001) as i64 - 1000).collect();
        let keep: Vec<u32> = (0..rows * cols).map(|_| (next() >> 33) as u32).collect();
        let m = Matrix::new(rows, cols, sparse(&vals, &keep, density, 0)).unwrap();
        let x: Vec<i64> = (0..cols).map(|_| ((next() >> 33) % (T / 2)) as i64).collect();

        let alg = Counting::new(Clear::integer(slots, 2, T));
        let lt = LinearTransform::matrix(&m, slots, layout, bsgs).unwrap();
        let y = run(&alg, &lt, &input_slots(&x, layout, slots), 2);
        let want = matvec_mod(&m, &x);
        for i in 0..slots {
            prop_assert_eq!(y[i], if i < rows { want[i] } else { 0 }, "slot {}", i);
        }
        let ltt = LinearTransform::matrix_transpose(&m, slots, InputLayout::ZeroPadded, bsgs).unwrap();
        let z: Vec<i64> = (0..rows).map(|i| i as i64 * 37 - 500).collect();
        let yt = run(&alg, &ltt, &z, 1);
        let want_t = matvec_mod(&m.transpose(), &z);
        for j in 0..cols {
            prop_assert_eq!(yt[j], want_t[j], "slot {}", j);
        }
    }

    #[test]
    fn auto_uses_the_fewest_rotations_over_powers_of_two(
        (slots, rows, cols, layout, _bsgs, density) in shape(),
        seed in any::<u64>(),
    ) {
        let m = Matrix::from_fn(rows, cols, |i, j| {
            let h = (i as u64 * 31 + j as u64 * 17) ^ seed;
            if h % 100 < density as u64 { 1.0 + (h % 7) as f64 } else { 0.0 }
        }).unwrap();
        let d = Diagonals::from_matrix(&m, slots, layout).unwrap();
        let auto = LinearTransform::new(&d, Bsgs::Auto).unwrap();
        let best = auto.plan().cost().rotations;
        prop_assert!(best <= auto.plan().naive_rotations());
        for e in 0..=slots.ilog2() {
            let p = LinearTransform::new(&d, Bsgs::BabySteps(1 << e)).unwrap();
            prop_assert!(best <= p.plan().cost().rotations);
        }
    }
}

#[test]
fn square_128_needs_far_fewer_rotations_than_naive() {
    let slots = 1024;
    let m = Matrix::from_fn(128, 128, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0).unwrap();
    let x: Vec<f64> = (0..128).map(|j| (j as f64).sin()).collect();
    let layout = InputLayout::Replicated { period: 128 };
    let lt = LinearTransform::matrix(&m, slots, layout, Bsgs::Auto).unwrap();
    let plan = lt.plan();
    assert_eq!(plan.diagonals().len(), 128);
    assert_eq!(plan.naive_rotations(), 127);
    // 128 = 16 · 8: 15 baby + 7 giant (or 7 + 15) rotations.
    assert_eq!(plan.cost().rotations, 22);
    assert_eq!(plan.cost().pt_mul, 128);
    let alg = Counting::new(Clear::real(slots, 1));
    let y = run(&alg, &lt, &replicate(&x, 128, slots).unwrap(), 1);
    let want = matvec_f64(&m, &x);
    for i in 0..128 {
        assert!((y[i] - want[i]).abs() < 1e-10);
    }
    // Zero-padded input: 255 diagonals, still about 2·√255 rotations.
    let zp = LinearTransform::matrix(&m, slots, InputLayout::ZeroPadded, Bsgs::Auto).unwrap();
    assert_eq!(zp.plan().diagonals().len(), 255);
    assert!(zp.plan().cost().rotations <= 32, "{:?}", zp.plan());
    // Galois elements: one per rotation, distinct.
    assert_eq!(
        plan.galois_elements(11).len(),
        plan.rotations_needed().len()
    );
}

#[test]
fn ratio_moves_work_between_baby_and_giant_steps() {
    let slots = 256;
    let m = Matrix::from_fn(64, 64, |i, j| (i + j) as f64).unwrap();
    let layout = InputLayout::Replicated { period: 64 };
    let n1 = |r| {
        LinearTransform::matrix(&m, slots, layout, Bsgs::LogRatio(r))
            .unwrap()
            .plan()
            .baby_steps()
    };
    assert_eq!(n1(0), 8);
    assert_eq!(n1(2), 16);
    assert_eq!(n1(-2), 4);
    assert_eq!(n1(-20), 1);
    assert_eq!(n1(20), 256);
}

#[test]
fn zero_matrix_and_identity() {
    let slots = 16;
    let alg = Counting::new(Clear::real(slots, 2));
    let zero = LinearTransform::matrix(
        &Matrix::new(3, 5, vec![0.0; 15]).unwrap(),
        slots,
        InputLayout::ZeroPadded,
        Bsgs::Auto,
    )
    .unwrap();
    assert!(zero.plan().diagonals().is_empty());
    let y = run(&alg, &zero, &[1.0, 2.0, 3.0, 4.0, 5.0], 2);
    assert!(y.iter().all(|&v| v == 0.0));

    let id = LinearTransform::matrix(
        &Matrix::from_fn(slots, slots, |i, j| f64::from(u8::from(i == j))).unwrap(),
        slots,
        InputLayout::ZeroPadded,
        Bsgs::Auto,
    )
    .unwrap();
    assert_eq!(id.plan().cost().rotations, 0);
    let x: Vec<f64> = (0..slots).map(|i| i as f64).collect();
    assert_eq!(run(&alg, &id, &x, 2), x);
}

#[test]
fn encoded_level_is_enforced_and_higher_inputs_are_dropped() {
    let slots = 8;
    let m = Matrix::from_fn(4, 4, |i, j| (i * 4 + j) as i64).unwrap();
    let alg = Clear::integer(slots, 3, T);
    let lt = LinearTransform::matrix(&m, slots, InputLayout::ZeroPadded, Bsgs::Auto).unwrap();
    let enc = lt.encode(&alg, 2).unwrap();
    let hi = alg.encrypt(&[1, 2, 3, 4], 3).unwrap();
    assert_eq!(enc.apply(&alg, &hi).unwrap().level, 1);
    let lo = alg.encrypt(&[1, 2, 3, 4], 1).unwrap();
    assert_eq!(
        enc.apply(&alg, &lo).unwrap_err(),
        PackError::Shape(ShapeError::LevelTooLow {
            needed: 2,
            found: 1
        })
    );
    assert_eq!(
        lt.encode(&alg, 0).unwrap_err(),
        PackError::Shape(ShapeError::LevelTooLow {
            needed: 1,
            found: 0
        })
    );
    let other = Clear::integer(16, 3, T);
    assert!(matches!(
        lt.encode(&other, 2),
        Err(PackError::Shape(ShapeError::SlotsMismatch {
            planned: 8,
            backend: 16
        }))
    ));
    assert!(matches!(
        enc.apply(&other, &other.encrypt(&[1], 3).unwrap()),
        Err(PackError::Shape(ShapeError::SlotsMismatch { .. }))
    ));
}

#[test]
fn bad_shapes_are_typed_errors() {
    let m = Matrix::from_fn(5, 3, |_, _| 1.0).unwrap();
    assert_eq!(
        Diagonals::from_matrix(&m, 4, InputLayout::ZeroPadded).unwrap_err(),
        ShapeError::DoesNotFit {
            needed: 5,
            slots: 4
        }
    );
    for period in [0, 2, 3, 32] {
        assert_eq!(
            Diagonals::from_matrix(&m, 16, InputLayout::Replicated { period }).unwrap_err(),
            ShapeError::InvalidPeriod {
                period,
                cols: 3,
                slots: 16
            }
        );
    }
    let d = Diagonals::from_matrix(&m, 16, InputLayout::ZeroPadded).unwrap();
    for n1 in [0, 17] {
        assert_eq!(
            LinearTransform::new(&d, Bsgs::BabySteps(n1)).unwrap_err(),
            ShapeError::InvalidBabySteps {
                baby_steps: n1,
                slots: 16
            }
        );
    }
    assert_eq!(
        Diagonals::from_map(8, [(8, vec![1.0])].into()).unwrap_err(),
        ShapeError::InvalidDiagonal { index: 8, slots: 8 }
    );
    assert_eq!(
        Diagonals::from_map(8, [(1, vec![1.0; 9])].into()).unwrap_err(),
        ShapeError::DoesNotFit {
            needed: 9,
            slots: 8
        }
    );
    assert_eq!(
        Matrix::new(2, 2, vec![1.0; 3]).unwrap_err(),
        ShapeError::LengthMismatch {
            expected: 4,
            found: 3
        }
    );
    assert_eq!(
        Matrix::<f64>::new(0, 2, vec![]).unwrap_err(),
        ShapeError::Empty { rows: 0, cols: 2 }
    );
}

#[test]
fn explicit_diagonals_give_a_cyclic_shift() {
    // A permutation given by its diagonals: y[i] = x[(i + 3) mod 8] is diagonal 3 of ones.
    let slots = 8;
    let d =
        Diagonals::from_map(slots, [(3, vec![1i64; slots]), (0, vec![0; slots])].into()).unwrap();
    assert_eq!(d.len(), 1, "all-zero diagonals are dropped");
    let lt = LinearTransform::new(&d, Bsgs::Auto).unwrap();
    let alg = Counting::new(Clear::integer(slots, 1, T));
    let x: Vec<i64> = (0..8).collect();
    assert_eq!(run(&alg, &lt, &x, 1), vec![3, 4, 5, 6, 7, 0, 1, 2]);
}
