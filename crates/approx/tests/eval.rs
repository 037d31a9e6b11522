//! Homomorphic polynomial evaluation on `Clear`: the result equals direct (Clenshaw / Horner)
//! evaluation of the same polynomial, the levels consumed equal the plan's depth, and the
//! plan's product counts equal what a counting backend saw.

use blindfold_approx::chiang::chiang_sigmoid3;
use blindfold_approx::targets::{Method, sigmoid, sigmoid_approx, softplus_approx, tanh_approx};
use blindfold_approx::{
    EvalError, EvalOptions, InputMap, Interval, Parity, PlanError, PolyEvaluator, Polynomial,
};
use blindfold_pack::Counting;
use blindfold_rlwe::{Clear, ClearError, SlotAlgebra};
use proptest::prelude::*;

const SLOTS: usize = 64;
const LEVELS: usize = 12;

fn ceil_log2(n: usize) -> usize {
    (usize::BITS - (n - 1).leading_zeros()) as usize * usize::from(n > 1)
}

/// Deterministic pseudo-random values in `[-1, 1)`.
fn values(seed: u64, n: usize) -> Vec<f64> {
    let mut s = seed ^ 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        })
        .collect()
}

/// Evaluates `ev` on points spread over the interval (ends included) and checks the result
/// against `poly.eval`, the levels against the plan's depth, the counts against the plan.
/// Returns the largest error.
fn check(poly: &Polynomial, ev: &PolyEvaluator, tol: f64) -> f64 {
    let i = poly.interval();
    let xs: Vec<f64> = (0..SLOTS)
        .map(|k| i.a() + (i.b() - i.a()) * k as f64 / (SLOTS - 1) as f64)
        .collect();
    let alg = Counting::new(Clear::real(SLOTS, LEVELS));
    let x = alg.inner().encrypt(&xs, LEVELS).unwrap();
    let y = ev.evaluate(&alg, &x).unwrap();
    let plan = ev.plan();
    assert_eq!(LEVELS - y.level, plan.depth, "depth == plan ({plan:?})");
    let c = alg.counts();
    assert_eq!(c.ct_mul, plan.ct_mul, "ct-ct products");
    assert_eq!(
        c.scalar_mul, plan.scalar_mul,
        "level-consuming scalar products"
    );
    assert_eq!(
        c.exact_scalar_mul, plan.exact_scalar_mul,
        "integer scalar products"
    );
    assert_eq!(c.rotations, 0);
    let scale: f64 = 1.0 + poly.coeffs().iter().map(|c| c.abs()).sum::<f64>();
    let mut worst = 0.0f64;
    for (k, &xv) in xs.iter().enumerate() {
        let err = (y.values[k] - poly.eval(xv)).abs();
        worst = worst.max(err);
        assert!(
            err <= tol * scale,
            "x = {xv}: {} vs {} ({plan:?})",
            y.values[k],
            poly.eval(xv)
        );
    }
    worst
}

fn evaluator(poly: &Polynomial) -> PolyEvaluator {
    PolyEvaluator::new(poly, EvalOptions::default()).unwrap()
}

#[test]
fn depth_is_ceil_log2_for_every_degree_up_to_63() {
    // Intervals where the map onto [-1, 1] is free: identity, integer scale, folded scale.
    let cases = [
        (Interval::UNIT, InputMap::Identity),
        (Interval::new(0.0, 1.0).unwrap(), InputMap::Exact),
        (Interval::new(-0.25, 0.25).unwrap(), InputMap::Exact),
        (Interval::new(-2.0, 2.0).unwrap(), InputMap::Folded),
        (Interval::new(1.0, 4.0).unwrap(), InputMap::Folded),
        (Interval::new(-0.3, 0.4).unwrap(), InputMap::Folded),
    ];
    for (interval, map) in cases {
        for d in 1..=63 {
            let poly = Polynomial::chebyshev(values(d as u64, d + 1), interval).unwrap();
            let ev = evaluator(&poly);
            let plan = ev.plan();
            assert_eq!(plan.map, map, "{interval:?} d = {d}");
            assert_eq!(
                plan.depth,
                ceil_log2(d + 1),
                "{interval:?} d = {d}: {plan:?}"
            );
            assert!(plan.max_magnitude <= 4.0, "{plan:?}");
            check(&poly, &ev, 1e-12);
        }
    }
}

#[test]
fn wide_intervals_fold_while_magnitudes_allow_then_spend_one_level() {
    let interval = Interval::symmetric(8.0).unwrap();
    let mut folded = 0;
    for d in 1..=63 {
        let poly = Polynomial::chebyshev(values(100 + d as u64, d + 1), interval).unwrap();
        let ev = evaluator(&poly);
        let plan = ev.plan();
        match plan.map {
            InputMap::Folded => {
                folded += 1;
                assert!(plan.max_magnitude <= 256.0);
                assert_eq!(plan.depth, ceil_log2(d + 1));
            }
            InputMap::Level => assert_eq!(plan.depth, ceil_log2(d + 1) + 1),
            m => panic!("unexpected map {m:?}"),
        }
        check(&poly, &ev, 1e-11);
        // Never folding is always possible and costs exactly the one level.
        let never = PolyEvaluator::new(
            &poly,
            EvalOptions {
                max_fold_magnitude: 0.0,
                ..EvalOptions::default()
            },
        )
        .unwrap();
        assert_eq!(never.plan().map, InputMap::Level);
        assert_eq!(never.plan().depth, ceil_log2(d + 1) + 1);
        check(&poly, &never, 1e-12);
    }
    assert!(folded >= 3, "low degrees fold on [-8, 8]");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Every baby-step count gives the same values and a plan that matches what ran.
    #[test]
    fn any_baby_step_count(d in 1usize..=40, log_b in 1u32..=7, seed in any::<u64>(), lo in -3.0f64..0.0, w in 0.5f64..5.0) {
        let interval = Interval::new(lo, lo + w).unwrap();
        let poly = Polynomial::chebyshev(values(seed, d + 1), interval).unwrap();
        let ev = PolyEvaluator::new(&poly, EvalOptions { log_baby_steps: Some(log_b), ..EvalOptions::default() }).unwrap();
        prop_assert_eq!(ev.plan().baby_steps, 1 << log_b);
        let extra = usize::from(ev.plan().map == InputMap::Level);
        prop_assert_eq!(ev.plan().depth, ceil_log2(d + 1) + extra);
        check(&poly, &ev, 1e-11);
        // The automatic choice never uses more products.
        prop_assert!(evaluator(&poly).plan().ct_mul <= ev.plan().ct_mul || evaluator(&poly).plan().map != ev.plan().map);
    }

    #[test]
    fn monomial_polynomials(d in 1usize..=12, seed in any::<u64>(), r in 0.5f64..1.5) {
        let interval = Interval::symmetric(r).unwrap();
        let poly = Polynomial::monomial(values(seed, d + 1), interval).unwrap();
        let ev = evaluator(&poly);
        prop_assert_eq!(ev.plan().map, InputMap::Identity);
        prop_assert_eq!(ev.plan().depth, ceil_log2(d + 1));
        check(&poly, &ev, 1e-12);
    }
}

#[test]
fn odd_and_even_polynomials_skip_half_the_powers() {
    for d in [7usize, 15, 31, 63] {
        let all = values(d as u64, d + 1);
        let odd: Vec<f64> = all
            .iter()
            .enumerate()
            .map(|(i, &c)| if i % 2 == 1 { c } else { 0.0 })
            .collect();
        let even: Vec<f64> = all
            .iter()
            .enumerate()
            .map(|(i, &c)| if i % 2 == 0 { c } else { 0.0 })
            .collect();
        let p_all = Polynomial::chebyshev(all, Interval::UNIT).unwrap();
        let p_odd = Polynomial::chebyshev(odd.clone(), Interval::UNIT).unwrap();
        let p_even = Polynomial::chebyshev(even[..d].to_vec(), Interval::UNIT).unwrap();
        let (e_all, e_odd, e_even) = (evaluator(&p_all), evaluator(&p_odd), evaluator(&p_even));
        assert_eq!(e_odd.plan().parity, Parity::Odd);
        assert_eq!(e_even.plan().parity, Parity::Even);
        assert_eq!(e_all.plan().parity, Parity::None);
        // Odd: every even power computed is a power of two (a giant step or a factor).
        for &i in &e_odd.plan().powers {
            assert!(
                i % 2 == 1 || i.is_power_of_two(),
                "odd d = {d} computes T_{i}"
            );
        }
        for &i in &e_even.plan().powers {
            assert!(i % 2 == 0, "even d = {d} computes T_{i}");
        }
        // Never more products (strictly fewer from degree 31: at low degree the powers of
        // two every polynomial needs dominate), and from degree 15 on half the leaf terms.
        let (po, pe, pa) = (e_odd.plan(), e_even.plan(), e_all.plan());
        assert!(po.ct_mul <= pa.ct_mul && pe.ct_mul <= pa.ct_mul, "d = {d}");
        if d >= 31 {
            assert!(po.ct_mul < pa.ct_mul && pe.ct_mul < pa.ct_mul, "d = {d}");
        }
        if d >= 15 {
            assert!(
                po.scalar_mul < pa.scalar_mul && pe.scalar_mul < pa.scalar_mul,
                "d = {d}"
            );
        }
        assert_eq!(e_odd.plan().depth, ceil_log2(d + 1));
        check(&p_all, &e_all, 1e-12);
        check(&p_odd, &e_odd, 1e-12);
        check(&p_even, &e_even, 1e-12);

        // A constant plus odd terms (sigmoid-like) also skips the even powers.
        let mut shifted = odd;
        shifted[0] = 0.5;
        let p = Polynomial::chebyshev(shifted, Interval::UNIT).unwrap();
        let ev = evaluator(&p);
        assert_eq!(ev.plan().parity, Parity::Odd);
        assert_eq!(ev.plan().powers, e_odd.plan().powers);
        check(&p, &ev, 1e-12);
    }
}

#[test]
fn negligible_coefficients_of_the_other_parity_are_dropped() {
    let mut c = values(7, 16);
    for i in (2..16).step_by(2) {
        c[i] *= 1e-15;
    }
    let p = Polynomial::chebyshev(c, Interval::UNIT).unwrap();
    assert_eq!(evaluator(&p).plan().parity, Parity::Odd);
    check(&p, &evaluator(&p), 1e-13);
    let strict = PolyEvaluator::new(
        &p,
        EvalOptions {
            parity_tolerance: 0.0,
            ..EvalOptions::default()
        },
    )
    .unwrap();
    assert_eq!(strict.plan().parity, Parity::None);
    check(&p, &strict, 1e-13);
}

#[test]
fn chiang_degree_3_sigmoid() {
    // Monomial in the raw x: c3·x·x² + c1·x + 1/2, two products, depth 2, no map.
    let p = chiang_sigmoid3();
    let ev = evaluator(&p);
    let plan = ev.plan();
    assert_eq!(
        (plan.depth, plan.ct_mul, plan.map),
        (2, 2, InputMap::Identity)
    );
    assert_eq!(plan.parity, Parity::Odd);
    check(&p, &ev, 1e-14);
    // The same cubic in the Chebyshev basis on [-8, 8]: the map folds, still depth 2.
    let pc = p.to_chebyshev().unwrap();
    let evc = evaluator(&pc);
    assert_eq!((evc.plan().depth, evc.plan().map), (2, InputMap::Folded));
    check(&pc, &evc, 1e-13);
}

#[test]
fn degree_31_sigmoid() {
    let p = sigmoid_approx(8.0, 31, Method::Interpolation).unwrap();
    let ev = evaluator(&p);
    let plan = ev.plan().clone();
    assert_eq!(plan.parity, Parity::Odd);
    assert_eq!(plan.degree, 31);
    // [-8, 8] is too wide to fold degree 31 (|U_16| would reach 2·4^16): one level for the map.
    assert_eq!((plan.map, plan.depth), (InputMap::Level, 6));
    assert!(plan.ct_mul <= 12, "{plan:?}");
    let worst = check(&p, &ev, 1e-13);
    assert!(worst < 1e-12);
    // Against the sigmoid itself: the fit's own error, nothing added.
    let alg = Clear::real(SLOTS, LEVELS);
    let xs: Vec<f64> = (0..SLOTS)
        .map(|k| -8.0 + 16.0 * k as f64 / (SLOTS - 1) as f64)
        .collect();
    let y = ev
        .evaluate(&alg, &alg.encrypt(&xs, LEVELS).unwrap())
        .unwrap();
    for (k, &x) in xs.iter().enumerate() {
        assert!((y.values[k] - sigmoid(x)).abs() < 1e-5);
    }
    // With the input already divided by 8 (folded into the previous layer), depth 5.
    let unit = Polynomial::chebyshev(p.coeffs().to_vec(), Interval::UNIT).unwrap();
    let ev1 = evaluator(&unit);
    assert_eq!((ev1.plan().depth, ev1.plan().ct_mul), (5, plan.ct_mul));
    check(&unit, &ev1, 1e-13);
}

#[test]
fn other_activations() {
    for p in [
        tanh_approx(4.0, 15, Method::Minimax).unwrap(),
        softplus_approx(4.0, 16, Method::LeastSquares).unwrap(),
        sigmoid_approx(2.0, 63, Method::Interpolation).unwrap(),
    ] {
        let ev = evaluator(&p);
        let extra = usize::from(ev.plan().map == InputMap::Level);
        assert_eq!(ev.plan().depth, ceil_log2(ev.plan().degree + 1) + extra);
        check(&p, &ev, 1e-12);
    }
}

#[test]
fn constants_linear_and_errors() {
    let c = Polynomial::chebyshev(vec![0.75, 0.0], Interval::new(-3.0, 1.0).unwrap()).unwrap();
    let ev = evaluator(&c);
    assert_eq!((ev.plan().depth, ev.plan().ct_mul), (0, 0));
    check(&c, &ev, 0.0);
    let lin = Polynomial::chebyshev(vec![0.5, 0.3], Interval::new(-3.0, 1.0).unwrap()).unwrap();
    let ev = evaluator(&lin);
    assert_eq!((ev.plan().depth, ev.plan().ct_mul), (1, 0));
    check(&lin, &ev, 1e-15);

    let p = Polynomial::chebyshev(values(3, 10), Interval::UNIT).unwrap();
    let ev = evaluator(&p);
    let alg = Clear::real(8, 3);
    let x = alg.encrypt(&[0.5], 3).unwrap();
    assert_eq!(
        ev.evaluate(&alg, &x).unwrap_err(),
        EvalError::<ClearError>::NotEnoughLevels {
            needed: 4,
            available: 3
        }
    );
    for l in [0, 21] {
        assert_eq!(
            PolyEvaluator::new(
                &p,
                EvalOptions {
                    log_baby_steps: Some(l),
                    ..EvalOptions::default()
                }
            )
            .unwrap_err(),
            PlanError::InvalidBabySteps { log_baby_steps: l }
        );
    }
    assert!(matches!(
        PolyEvaluator::new(
            &p,
            EvalOptions {
                max_fold_magnitude: f64::NAN,
                ..EvalOptions::default()
            }
        ),
        Err(PlanError::InvalidOption {
            name: "max_fold_magnitude",
            ..
        })
    ));
    assert!(matches!(
        PolyEvaluator::new(
            &p,
            EvalOptions {
                parity_tolerance: -1.0,
                ..EvalOptions::default()
            }
        ),
        Err(PlanError::InvalidOption {
            name: "parity_tolerance",
            ..
        })
    ));
    // Enough levels for the plan: runs to level 0.
    let deep = Clear::real(8, 4);
    let y = ev
        .evaluate(&deep, &deep.encrypt(&[0.5], 4).unwrap())
        .unwrap();
    assert_eq!(deep.level(&y), 0);
}

/// Prints the plans for the report: `cargo test --release -p blindfold-approx --test eval -- --ignored --nocapture`.
#[test]
#[ignore = "prints a table"]
fn print_plans() {
    for d in [3usize, 7, 15, 31, 63] {
        let all = Polynomial::chebyshev(values(d as u64, d + 1), Interval::UNIT).unwrap();
        let odd: Vec<f64> = values(d as u64, d + 1)
            .iter()
            .enumerate()
            .map(|(i, &c)| if i % 2 == 1 { c } else { 0.0 })
            .collect();
        let odd = Polynomial::chebyshev(odd, Interval::UNIT).unwrap();
        for (name, p) in [("all", all), ("odd", odd)] {
            let pl = evaluator(&p).plan().clone();
            println!(
                "d={d:2} {name}: depth {} ct_mul {} scalar {} exact {} b {} powers {:?}",
                pl.depth, pl.ct_mul, pl.scalar_mul, pl.exact_scalar_mul, pl.baby_steps, pl.powers
            );
        }
    }
}
