//! Block layouts and log-depth rotate-and-sum against direct sums on `Clear`.

use blindfold_pack::layout::{next_power_of_two, replicate};
use blindfold_pack::{
    BlockLayout, Counting, Direction, Matrix, PackError, Plan, RotateSum, Sequence, ShapeError,
};
use blindfold_rlwe::{Clear, SlotAlgebra};
use proptest::prelude::*;

/// Large enough that the sums below never wrap.
const T: u64 = 1 << 40;

/// Applies `rs` on a counting backend and checks the plan against what ran.
fn run_sum(alg: &Counting<Clear<i64>>, rs: &RotateSum, v: &[i64]) -> Vec<i64> {
    let ct = alg.inner().encrypt(v, 1).unwrap();
    alg.reset();
    let out = rs.apply(alg, &ct).unwrap();
    let c = alg.counts();
    assert_eq!(c.cost(1), rs.cost());
    assert_eq!(c.offsets, rs.rotations_needed());
    assert_eq!(out.level, 1, "no level used");
    out.values
}

/// (slots, rows, cols) with the padded matrix fitting.
fn shape() -> impl Strategy<Value = (usize, usize, usize)> {
    (2u32..=10).prop_flat_map(|e| {
        let slots = 1usize << e;
        (Just(slots), 1..=slots).prop_flat_map(move |(slots, cols)| {
            let max_rows = slots / next_power_of_two(cols);
            (Just(slots), 1..=max_rows, Just(cols))
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sums_and_spreads_match_direct_sums((slots, rows, cols) in shape(), seed in any::<u64>()) {
        let l = BlockLayout::new(rows, cols, slots).unwrap();
        prop_assert!(l.width().is_power_of_two() && l.width() >= cols && l.width() < 2 * cols.max(1) + 1);
        let m = Matrix::from_fn(rows, cols, |i, j| ((seed ^ (i * 1009 + j) as u64) % 2001) as i64 - 1000).unwrap();
        let packed = l.pack(&m).unwrap();
        prop_assert_eq!(&l.unpack(&packed).unwrap(), &m);
        let alg = Counting::new(Clear::integer(slots, 1, T));

        // Row sums land in the first slot of each block.
        let rs = run_sum(&alg, &l.sum_within_blocks(), &packed);
        for i in 0..rows {
            let want: i64 = m.row(i).iter().sum();
            prop_assert_eq!(rs[l.slot(i, 0)], want);
        }
        // Column sums land in the first block.
        let cs = run_sum(&alg, &l.sum_across_blocks(), &packed);
        for (j, &c) in cs.iter().enumerate().take(cols) {
            let want: i64 = (0..rows).map(|i| m.get(i, j)).sum();
            prop_assert_eq!(c, want);
        }
        // A column vector spread over its blocks: every entry of row i holds v[i].
        let v: Vec<i64> = (0..rows).map(|i| i as i64 * 3 - 7).collect();
        let sp = run_sum(&alg, &l.spread_within_blocks(), &l.column(&v).unwrap());
        for i in 0..l.height() {
            for j in 0..l.width() {
                prop_assert_eq!(sp[l.slot(i, j)], if i < rows { v[i] } else { 0 });
            }
        }
        // A row spread over all blocks equals the replicated row (padding rows included).
        let r: Vec<i64> = (0..cols).map(|j| 5 - j as i64).collect();
        let ra = run_sum(&alg, &l.spread_across_blocks(), &r);
        let rep = l.replicate_row(&r).unwrap();
        for i in 0..l.height() {
            for j in 0..l.width() {
                let want = if j < cols { r[j] } else { 0 };
                prop_assert_eq!(ra[l.slot(i, j)], want);
                if i < rows {
                    prop_assert_eq!(rep[l.slot(i, j)], want);
                }
            }
        }
    }

    /// The row method: packed matrix ⊙ replicated vector, summed inside blocks, masked.
    #[test]
    fn row_method_matvec((slots, rows, cols) in shape(), seed in any::<u64>()) {
        let l = BlockLayout::new(rows, cols, slots).unwrap();
        let m = Matrix::from_fn(rows, cols, |i, j| (((seed >> (j % 7)) ^ (i * 31 + j) as u64) % 17) as f64 - 8.0).unwrap();
        let x: Vec<f64> = (0..cols).map(|j| j as f64 * 0.5 - 1.0).collect();
        let alg = Counting::new(Clear::real(slots, 2));
        let pm = alg.encode(&l.pack(&m).unwrap(), 2).unwrap();
        let mask = alg.encode(&l.mask(|_, j| j == 0), 1).unwrap();
        let ct = alg.inner().encrypt(&l.replicate_row(&x).unwrap(), 2).unwrap();
        alg.reset();
        let prod = alg.mul_plain(&ct, &pm).unwrap();
        let sum = l.sum_within_blocks().apply(&alg, &prod).unwrap();
        let y = alg.mul_plain(&sum, &mask).unwrap();
        let plan = Sequence::new().then(&l.sum_within_blocks());
        let c = alg.counts();
        prop_assert_eq!(c.rotations, plan.cost().rotations);
        prop_assert_eq!(c.pt_mul, 2);
        prop_assert_eq!(y.level, 0);
        for i in 0..l.height() {
            for j in 0..l.width() {
                let want = if i < rows && j == 0 {
                    (0..cols).map(|k| m.get(i, k) * x[k]).sum()
                } else {
                    0.0
                };
                prop_assert!((y.values[l.slot(i, j)] - want).abs() < 1e-9);
            }
        }
    }
}

#[test]
fn general_rotate_sum_windows() {
    // Gather stride 3, count 4 over 16 slots: slot i = x[i] + x[i+3] + x[i+6] + x[i+9].
    let slots = 16;
    let x: Vec<i64> = (0..16).map(|i| 1 << i).collect();
    let alg = Counting::new(Clear::integer(slots, 1, T));
    let g = RotateSum::new(slots, 3, 4, Direction::Gather).unwrap();
    assert_eq!(g.rotations_needed(), [3, 6].into());
    let out = run_sum_big(&alg, &g, &x);
    for i in 0..16 {
        let want: i64 = (0..4).map(|t| x[(i + 3 * t) % 16]).sum();
        assert_eq!(out[i], want);
    }
    let s = RotateSum::new(slots, 3, 4, Direction::Spread).unwrap();
    assert_eq!(s.rotations_needed(), [13, 10].into());
    let out = run_sum_big(&alg, &s, &x);
    for i in 0..16 {
        let want: i64 = (0..4).map(|t| x[(i + 16 * 4 - 3 * t) % 16]).sum();
        assert_eq!(out[i], want);
    }
}

fn run_sum_big(alg: &Counting<Clear<i64>>, rs: &RotateSum, v: &[i64]) -> Vec<i64> {
    let ct = alg.inner().encrypt(v, 1).unwrap();
    alg.reset();
    let out = rs.apply(alg, &ct).unwrap();
    assert_eq!(alg.counts().cost(1), rs.cost());
    assert_eq!(alg.counts().offsets, rs.rotations_needed());
    out.values
}

#[test]
fn layout_errors() {
    assert_eq!(
        BlockLayout::new(5, 3, 16).unwrap_err(),
        ShapeError::DoesNotFit {
            needed: 32,
            slots: 16
        }
    );
    assert_eq!(
        BlockLayout::new(0, 3, 16).unwrap_err(),
        ShapeError::Empty { rows: 0, cols: 3 }
    );
    assert_eq!(
        BlockLayout::with_width(2, 3, 6, 16).unwrap_err(),
        ShapeError::NotPowerOfTwo {
            what: "block width",
            value: 6
        }
    );
    assert_eq!(
        BlockLayout::with_width(2, 3, 2, 16).unwrap_err(),
        ShapeError::LengthMismatch {
            expected: 2,
            found: 3
        }
    );
    assert_eq!(
        RotateSum::new(16, 1, 3, Direction::Gather).unwrap_err(),
        ShapeError::NotPowerOfTwo {
            what: "rotate-and-sum count",
            value: 3
        }
    );
    assert_eq!(
        RotateSum::new(16, 0, 4, Direction::Gather).unwrap_err(),
        ShapeError::ZeroStride
    );
    assert_eq!(
        RotateSum::new(16, 5, 4, Direction::Gather).unwrap_err(),
        ShapeError::DoesNotFit {
            needed: 20,
            slots: 16
        }
    );
    let l = BlockLayout::new(2, 3, 16).unwrap();
    assert!(l.pack(&Matrix::from_fn(3, 2, |_, _| 0.0).unwrap()).is_err());
    assert!(l.replicate_row(&[1.0; 4]).is_err());
    assert!(l.column(&[1.0; 3]).is_err());
    assert!(l.unpack(&[0.0; 7]).is_err());
    assert_eq!(
        replicate(&[1.0; 3], 2, 16).unwrap_err(),
        ShapeError::InvalidPeriod {
            period: 2,
            cols: 3,
            slots: 16
        }
    );
    let alg = Clear::real(8, 1);
    let ct = alg.encrypt(&[1.0], 1).unwrap();
    assert!(matches!(
        l.sum_within_blocks().apply(&alg, &ct),
        Err(PackError::Shape(ShapeError::SlotsMismatch {
            planned: 16,
            backend: 8
        }))
    ));
}
