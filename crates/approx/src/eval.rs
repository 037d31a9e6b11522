//! Evaluating a [`Polynomial`] on any [`SlotAlgebra`] with real slots (CKKS, or its mirror
//! [`Clear`](blindfold_rlwe::Clear)): a plan first ([`EvalPlan`]: depth, products, scalar
//! products), then the evaluation, which does exactly what the plan says.
//!
//! **Basis.** Chebyshev polynomials are evaluated in the Chebyshev basis of `t = αx + β`
//! (`T_{a+b} = 2T_a·T_b − T_{|a−b|}`), monomial ones in the powers of the raw `x`.
//!
//! **Baby-step/giant-step.** `p = q·T_g + r` with `g` the largest power of two `≤ deg p`
//! (`q_0 = c_g`, `q_j = 2c_{g+j}`, `r_{g−j} = c_{g−j} − c_{g+j}`), recursively, down to
//! leaves of degree `< b` (the baby steps, `b` a power of two) that are linear combinations
//! of the powers. Only the powers the leaves and the splits use are computed, each by one
//! product, so odd (or even, or constant + odd) polynomials skip the other half of the
//! powers. The number of baby steps is chosen to minimize ciphertext products
//! (Paterson–Stockmeyer's `≈ √(2d)`) unless given.
//!
//! **Depth `⌈log2(d+1)⌉`.** On CKKS (and `Clear`) a product by a non-integer scalar costs a
//! level like a ciphertext product. A leaf of degree `e` costs `⌈log2 e⌉ + 1` levels, which
//! fits in the budget everywhere except along the chain of quotients `q` that multiply the
//! top powers; there the split continues (at powers of two below `b`) until it fits. So the
//! depth is `⌈log2(d+1)⌉` for every degree, for a few more products than plain BSGS.
//!
//! **The map onto `[-1, 1]`.** `t = αx + β` is free when `α` is an integer. Otherwise the
//! scalars are carried in the powers instead of being applied (`U_i = T_i / s_i`, `s_1 = α`,
//! `U_1 = x − center`), folded into the leaf coefficients and into the corrections
//! `T_{|a−b|}`, which are one level shallower than the product they correct, so no level is
//! spent. The price is magnitude: `|U_i| ≤ 1/s_i`, which stays `≤ 2` when the half width is
//! at most 2 (integer factors renormalize it) but grows like `2(h/2)^i` beyond; when that
//! bound exceeds [`EvalOptions::max_fold_magnitude`] the map is applied instead and costs
//! one level. (In this level model that is unavoidable: a ciphertext of depth `j` and degree
//! `2^j` has an integer leading coefficient, hence magnitude `≥ 2(h/2)^{2^j}` on the
//! interval.) Rescaling the input in the layer before (`h ≤ 2`) keeps the depth at
//! `⌈log2(d+1)⌉`.

use core::fmt;
use std::collections::BTreeSet;

use blindfold_rlwe::SlotAlgebra;
use blindfold_rlwe::slots::ClearArith;

use crate::poly::{Basis, DEFAULT_PARITY_TOLERANCE, Polynomial};

/// Largest integer renormalization factor of a power (far below any backend's exact range).
const MAX_FACTOR: f64 = (1u64 << 20) as f64;

/// Options of [`PolyEvaluator::new`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EvalOptions {
    /// `log2` of the number of baby steps (`≥ 1`); `None` picks the fewest products.
    pub log_baby_steps: Option<u32>,
    /// Largest bound on the magnitude of an intermediate power for which the map onto
    /// `[-1, 1]` is folded into the powers; above it the map costs one level. `0` never folds.
    pub max_fold_magnitude: f64,
    /// Coefficients of one parity (index `≥ 1`) at most this fraction of the largest are
    /// dropped, so a numerically odd (or even, or constant + odd) polynomial skips half the
    /// powers. `0` drops only exact zeros.
    pub parity_tolerance: f64,
}

impl Default for EvalOptions {
    fn default() -> Self {
        Self {
            log_baby_steps: None,
            max_fold_magnitude: 256.0,
            parity_tolerance: DEFAULT_PARITY_TOLERANCE,
        }
    }
}

/// How the input reaches the evaluation variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputMap {
    /// The polynomial is in the input itself (monomial basis, or the interval `[-1, 1]`).
    Identity,
    /// `t = αx + β` with an integer `α`: no level.
    Exact,
    /// The scalars are carried in the powers: no level.
    Folded,
    /// `t = αx + β` applied with one level.
    Level,
}

/// Parity detected (index `≥ 1`; the constant is free either way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parity {
    None,
    /// Only odd powers (plus a constant).
    Odd,
    /// Only even powers.
    Even,
}

/// What an evaluation will do, known before any ciphertext is touched.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalPlan {
    /// Degree evaluated (after dropping negligible coefficients of the other parity).
    pub degree: usize,
    /// Levels consumed.
    pub depth: usize,
    /// Ciphertext × ciphertext products (powers, then the giant-step products).
    pub ct_mul: usize,
    /// Products by a non-integer scalar (each consumes a level on its operand).
    pub scalar_mul: usize,
    /// Products by an integer scalar (no level).
    pub exact_scalar_mul: usize,
    /// Number of baby steps `b` (a power of two).
    pub baby_steps: usize,
    /// Powers computed (indices `≥ 2`; `1` is the input).
    pub powers: Vec<usize>,
    /// How the input is mapped.
    pub map: InputMap,
    pub parity: Parity,
    /// Bound on the magnitude of every intermediate ciphertext before the final sums, for
    /// inputs in the polynomial's interval.
    pub max_magnitude: f64,
}

/// Invalid evaluation options.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum PlanError {
    /// `log_baby_steps` must be between 1 and 20.
    InvalidBabySteps { log_baby_steps: u32 },
    /// An option that must be finite and non-negative is not.
    InvalidOption { name: &'static str, value: f64 },
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidBabySteps { log_baby_steps } => {
                write!(
                    f,
                    "log2 of the baby steps must be in 1..=20, got {log_baby_steps}"
                )
            }
            Self::InvalidOption { name, value } => {
                write!(f, "{name} must be finite and non-negative, got {value}")
            }
        }
    }
}

impl std::error::Error for PlanError {}

/// An evaluation that could not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvalError<E> {
    /// The input has fewer levels than the plan's depth (found before any operation).
    NotEnoughLevels {
        needed: usize,
        available: usize,
    },
    Backend(E),
}

impl<E: fmt::Display> fmt::Display for EvalError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotEnoughLevels { needed, available } => {
                write!(
                    f,
                    "the polynomial needs {needed} levels, the input has {available}"
                )
            }
            Self::Backend(e) => write!(f, "backend: {e}"),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for EvalError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Backend(e) => Some(e),
            Self::NotEnoughLevels { .. } => None,
        }
    }
}

fn be<T, E>(r: Result<T, E>) -> Result<T, EvalError<E>> {
    r.map_err(EvalError::Backend)
}

/// Whether a product by `c` keeps the level (the backends' rule, mirrored by `Clear`).
fn exact(c: f64) -> bool {
    c.is_exact_constant()
}

fn ceil_log2(n: usize) -> usize {
    if n <= 1 {
        0
    } else {
        (usize::BITS - (n - 1).leading_zeros()) as usize
    }
}

/// One computed power: `U_i = k·U_a·U_b − σ·U_c − κ` (`c = 0`: no ciphertext term).
#[derive(Clone, Debug, PartialEq)]
struct PowerStep {
    i: usize,
    a: usize,
    b: usize,
    k: f64,
    c: usize,
    sigma: f64,
    kappa: f64,
}

/// The evaluation tree. Coefficients are final scalars on the powers `U_i`.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Const(f64),
    /// `Σ σ_i·U_i + constant`.
    Leaf {
        terms: Vec<(usize, f64)>,
        constant: f64,
    },
    /// `q·U_g + r`.
    Split {
        g: usize,
        q: Box<Node>,
        r: Box<Node>,
    },
}

/// A polynomial compiled for homomorphic evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct PolyEvaluator {
    map: InputMap,
    alpha: f64,
    beta: f64,
    steps: Vec<PowerStep>,
    tree: Node,
    plan: EvalPlan,
}

/// Drops the coefficients of index `≥ 1` of the parity that is negligible.
fn apply_parity(c: &mut [f64], tolerance: f64) -> Parity {
    let max = c.iter().skip(1).fold(0.0f64, |m, v| m.max(v.abs()));
    if max == 0.0 {
        return Parity::None;
    }
    let max_of = |start: usize| {
        c.iter()
            .skip(start)
            .step_by(2)
            .fold(0.0f64, |m, v| m.max(v.abs()))
    };
    if max_of(2) <= tolerance * max {
        c.iter_mut().skip(2).step_by(2).for_each(|v| *v = 0.0);
        Parity::Odd
    } else if max_of(1) <= tolerance * max {
        c.iter_mut().skip(1).step_by(2).for_each(|v| *v = 0.0);
        Parity::Even
    } else {
        Parity::None
    }
}

fn degree(c: &[f64]) -> usize {
    c.iter().rposition(|&v| v != 0.0).unwrap_or(0)
}

/// Tree structure, coefficients still in the basis of `T_i` (or `x^i`).
fn build(c: &[f64], budget: usize, baby: usize, level0: usize, chebyshev: bool) -> Node {
    let e = degree(c);
    if e == 0 {
        return Node::Const(c[0]);
    }
    if e < baby && ceil_log2(e) + level0 < budget {
        return Node::Leaf {
            terms: (1..=e)
                .filter(|&i| c[i] != 0.0)
                .map(|i| (i, c[i]))
                .collect(),
            constant: c[0],
        };
    }
    let g = 1usize << e.ilog2();
    let (q, r) = if chebyshev {
        let mut q = vec![c[g]];
        q.extend(c[g + 1..=e].iter().map(|v| 2.0 * v));
        let mut r = c[..g].to_vec();
        for j in 1..=e - g {
            r[g - j] -= c[g + j];
        }
        (q, r)
    } else {
        (c[g..=e].to_vec(), c[..g].to_vec())
    };
    Node::Split {
        g,
        q: Box::new(build(&q, budget - 1, baby, level0, chebyshev)),
        r: Box::new(build(&r, budget, baby, level0, chebyshev)),
    }
}

fn collect_powers(node: &Node, out: &mut BTreeSet<usize>) {
    match node {
        Node::Const(_) => {}
        Node::Leaf { terms, .. } => out.extend(terms.iter().map(|&(i, _)| i)),
        Node::Split { g, q, r } => {
            out.insert(*g);
            collect_powers(q, out);
            collect_powers(r, out);
        }
    }
}

/// For every needed power `i ≥ 2`, a split `i = a + b` with `a, b ≤ 2^{⌈log2 i⌉ − 1}` (so
/// `U_i` has depth `⌈log2 i⌉`), choosing the one that adds the fewest new powers.
fn close_powers(needed: &BTreeSet<usize>, chebyshev: bool) -> Vec<(usize, usize, usize)> {
    let mut have: BTreeSet<usize> = needed.clone();
    have.insert(1);
    let mut todo: BTreeSet<usize> = needed.iter().copied().filter(|&i| i >= 2).collect();
    let mut out = Vec::new();
    while let Some(i) = todo.pop_last() {
        let top = 1usize << (ceil_log2(i) - 1);
        let cost = |x: usize| usize::from(x >= 1 && !have.contains(&x));
        let (a, b) = (i.div_ceil(2)..=top.min(i - 1))
            .map(|a| (a, i - a))
            .min_by_key(|&(a, b)| {
                let c = if chebyshev { a - b } else { 0 };
                let new = cost(a) + usize::from(b != a) * cost(b) + cost(c);
                (new, !a.is_power_of_two(), c, usize::MAX - a)
            })
            .unwrap_or((top, i - top));
        let c = if chebyshev { a - b } else { 0 };
        for x in [a, b, c] {
            if x >= 2 && have.insert(x) {
                todo.insert(x);
            }
        }
        out.push((i, a, b));
    }
    out.sort_unstable();
    out
}

/// Final scalars: leaves multiply by `s_i` and by the factor `f` folded from the splits above.
fn finalize(node: &Node, f: f64, s: &[f64]) -> Node {
    match node {
        Node::Const(c) => Node::Const(c * f),
        Node::Leaf { terms, constant } => Node::Leaf {
            terms: terms.iter().map(|&(i, c)| (i, c * s[i] * f)).collect(),
            constant: constant * f,
        },
        Node::Split { g, q, r } => Node::Split {
            g: *g,
            q: Box::new(finalize(q, f * s[*g], s)),
            r: Box::new(finalize(r, f, s)),
        },
    }
}

/// Level cost and counts of a product by the scalar `c` (1 and −1 are free and uncounted).
fn scalar_cost(c: f64, plan: &mut EvalPlan) -> usize {
    if c == 1.0 || c == -1.0 {
        0
    } else if exact(c) {
        plan.exact_scalar_mul += 1;
        0
    } else {
        plan.scalar_mul += 1;
        1
    }
}

/// Depth of a node (`None` for a constant), counting its operations into `plan`.
fn node_depth(node: &Node, depth: &[usize], plan: &mut EvalPlan) -> Option<usize> {
    match node {
        Node::Const(_) => None,
        Node::Leaf { terms, .. } => terms
            .iter()
            .map(|&(i, sigma)| depth[i] + scalar_cost(sigma, plan))
            .max(),
        Node::Split { g, q, r } => {
            let dq = match node_depth(q, depth, plan) {
                Some(dq) => {
                    plan.ct_mul += 1;
                    Some(dq.max(depth[*g]) + 1)
                }
                None => match **q {
                    Node::Const(c) if c != 0.0 => Some(depth[*g] + scalar_cost(c, plan)),
                    _ => None,
                },
            };
            let dr = node_depth(r, depth, plan);
            dq.max(dr)
        }
    }
}

impl PolyEvaluator {
    /// Compiles `poly` (evaluated in its own basis).
    pub fn new(poly: &Polynomial, options: EvalOptions) -> Result<Self, PlanError> {
        if let Some(l) = options.log_baby_steps
            && !(1..=20).contains(&l)
        {
            return Err(PlanError::InvalidBabySteps { log_baby_steps: l });
        }
        for (name, value) in [
            ("max_fold_magnitude", options.max_fold_magnitude),
            ("parity_tolerance", options.parity_tolerance),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(PlanError::InvalidOption { name, value });
            }
        }
        let chebyshev = poly.basis() == Basis::Chebyshev;
        let mut c = poly.coeffs().to_vec();
        let parity = apply_parity(&mut c, options.parity_tolerance);
        c.truncate(degree(&c) + 1);
        let (alpha, beta) = poly.change_of_basis();
        let maps: &[InputMap] = if !chebyshev || (alpha == 1.0 && beta == 0.0) {
            &[InputMap::Identity]
        } else if exact(alpha) {
            &[InputMap::Exact]
        } else {
            &[InputMap::Folded, InputMap::Level]
        };
        let e = c.len() - 1;
        let radius = if chebyshev {
            1.0
        } else {
            let i = poly.interval();
            i.a().abs().max(i.b().abs())
        };
        let logs: Vec<u32> = match options.log_baby_steps {
            Some(l) => vec![l],
            None => (1..=ceil_log2(e + 1).max(1) as u32).collect(),
        };
        for &map in maps {
            let best = logs
                .iter()
                .map(|&l| Self::compile(&c, parity, chebyshev, (alpha, beta), radius, map, 1 << l))
                .filter(|ev| {
                    map != InputMap::Folded || ev.plan.max_magnitude <= options.max_fold_magnitude
                })
                .min_by_key(|ev| (ev.plan.ct_mul, ev.plan.scalar_mul, ev.plan.baby_steps));
            if let Some(best) = best {
                return Ok(best);
            }
        }
        // Only a folded map can be refused, and it is always followed by `Level`.
        Ok(Self::compile(
            &c,
            parity,
            chebyshev,
            (alpha, beta),
            radius,
            InputMap::Level,
            2,
        ))
    }

    fn compile(
        c: &[f64],
        parity: Parity,
        chebyshev: bool,
        (alpha, beta): (f64, f64),
        radius: f64,
        map: InputMap,
        baby: usize,
    ) -> Self {
        let e = c.len() - 1;
        let level0 = usize::from(map == InputMap::Level);
        let budget = ceil_log2(e + 1) + level0;
        let shape = build(c, budget, baby, level0, chebyshev);
        let mut needed = BTreeSet::new();
        collect_powers(&shape, &mut needed);
        let splits = close_powers(&needed, chebyshev);

        // Scalars s_i (T_i = s_i·U_i), depths and magnitude bounds of the powers.
        let top = splits.last().map_or(1, |s| s.0).max(1);
        let mut s = vec![1.0; top + 1];
        let mut depth = vec![0; top + 1];
        let mut mag = vec![1.0; top + 1];
        let mut plan = EvalPlan {
            degree: e,
            depth: 0,
            ct_mul: 0,
            scalar_mul: 0,
            exact_scalar_mul: 0,
            baby_steps: baby,
            powers: splits.iter().map(|s| s.0).collect(),
            map,
            parity,
            max_magnitude: 1.0,
        };
        let uses_input = !needed.is_empty();
        if uses_input {
            match map {
                InputMap::Identity => mag[1] = radius,
                InputMap::Exact | InputMap::Level => depth[1] = scalar_cost(alpha, &mut plan),
                InputMap::Folded => {
                    s[1] = alpha;
                    mag[1] = 1.0 / alpha;
                }
            }
        }
        let mut steps = Vec::with_capacity(splits.len());
        for &(i, a, b) in &splits {
            let prod = if chebyshev { 2.0 * s[a] * s[b] } else { 1.0 };
            let k = if chebyshev {
                prod.round().clamp(1.0, MAX_FACTOR)
            } else {
                1.0
            };
            s[i] = prod / k;
            plan.ct_mul += 1;
            let mut d = depth[a].max(depth[b]) + 1;
            if k != 1.0 {
                plan.exact_scalar_mul += 1;
            }
            let before = k * mag[a] * mag[b];
            plan.max_magnitude = plan.max_magnitude.max(before);
            let (cc, sigma, kappa) = if !chebyshev {
                (0, 0.0, 0.0)
            } else if a == b {
                (0, 0.0, 1.0 / s[i])
            } else {
                let cc = a - b;
                let sigma = s[cc] / s[i];
                d = d.max(depth[cc] + scalar_cost(sigma, &mut plan));
                (cc, sigma, 0.0)
            };
            depth[i] = d;
            mag[i] = if chebyshev {
                1.0 / s[i]
            } else {
                mag[a] * mag[b]
            };
            steps.push(PowerStep {
                i,
                a,
                b,
                k,
                c: cc,
                sigma,
                kappa,
            });
        }
        // NaN-propagating maximum: a non-finite bound must refuse the fold.
        plan.max_magnitude = mag.iter().fold(plan.max_magnitude, |m, &v| {
            if v.is_nan() || m.is_nan() {
                f64::NAN
            } else {
                m.max(v)
            }
        });
        if plan.max_magnitude.is_nan() {
            plan.max_magnitude = f64::INFINITY;
        }
        let tree = finalize(&shape, 1.0, &s);
        plan.depth = match node_depth(&tree, &depth, &mut plan) {
            Some(d) => d,
            None => {
                // A constant: x·0 + c.
                plan.exact_scalar_mul += 1;
                0
            }
        };
        Self {
            map,
            alpha,
            beta,
            steps,
            tree,
            plan,
        }
    }

    /// What [`Self::evaluate`] will do.
    pub fn plan(&self) -> &EvalPlan {
        &self.plan
    }

    /// `p(x)` slot-wise. Fails before any operation if `x` has fewer levels than the depth.
    pub fn evaluate<A: SlotAlgebra<Scalar = f64>>(
        &self,
        alg: &A,
        x: &A::Ct,
    ) -> Result<A::Ct, EvalError<A::Error>> {
        let available = alg.level(x);
        if available < self.plan.depth {
            return Err(EvalError::NotEnoughLevels {
                needed: self.plan.depth,
                available,
            });
        }
        let top = self.steps.last().map_or(1, |s| s.i);
        let mut u: Vec<Option<A::Ct>> = vec![None; top + 1];
        if !matches!(self.tree, Node::Const(_)) {
            u[1] = Some(match self.map {
                InputMap::Identity => x.clone(),
                InputMap::Exact | InputMap::Level => {
                    let t = scale(alg, x, self.alpha)?;
                    add_const(alg, t, self.beta)?
                }
                InputMap::Folded => add_const(alg, x.clone(), self.beta / self.alpha)?,
            });
        }
        for st in &self.steps {
            let (ua, ub) = (power(&u, st.a), power(&u, st.b));
            let mut v = if st.a == st.b {
                be(alg.square(ua))?
            } else {
                be(alg.mul(ua, ub))?
            };
            if st.k != 1.0 {
                v = be(alg.mul_scalar(&v, st.k))?;
            }
            if st.c >= 1 {
                let corr = scale(alg, power(&u, st.c), st.sigma)?;
                v = be(alg.sub(&v, &corr))?;
            }
            v = add_const(alg, v, -st.kappa)?;
            u[st.i] = Some(v);
        }
        match self.eval_node(alg, &self.tree, &u)? {
            Some(ct) => Ok(ct),
            None => {
                let Node::Const(c) = self.tree else {
                    unreachable!("only a constant tree has no ciphertext")
                };
                let zero = be(alg.mul_scalar(x, 0.0))?;
                add_const(alg, zero, c)
            }
        }
    }

    fn eval_node<A: SlotAlgebra<Scalar = f64>>(
        &self,
        alg: &A,
        node: &Node,
        u: &[Option<A::Ct>],
    ) -> Result<Option<A::Ct>, EvalError<A::Error>> {
        match node {
            Node::Const(_) => Ok(None),
            Node::Leaf { terms, constant } => {
                let mut acc: Option<A::Ct> = None;
                for &(i, sigma) in terms {
                    let t = scale(alg, power(u, i), sigma)?;
                    acc = Some(match acc {
                        None => t,
                        Some(a) => be(alg.add(&a, &t))?,
                    });
                }
                acc.map(|a| add_const(alg, a, *constant)).transpose()
            }
            Node::Split { g, q, r } => {
                let prod = match self.eval_node(alg, q, u)? {
                    Some(qc) => Some(be(alg.mul(&qc, power(u, *g)))?),
                    None => match **q {
                        Node::Const(c) if c != 0.0 => Some(scale(alg, power(u, *g), c)?),
                        _ => None,
                    },
                };
                let rest = self.eval_node(alg, r, u)?;
                Ok(match (prod, rest) {
                    (Some(p), Some(r)) => Some(be(alg.add(&p, &r))?),
                    (Some(p), None) => Some(add_const(alg, p, const_of(r))?),
                    (None, Some(r)) => Some(r),
                    (None, None) => None,
                })
            }
        }
    }
}

fn const_of(node: &Node) -> f64 {
    match node {
        Node::Const(c) => *c,
        _ => 0.0,
    }
}

fn power<C>(u: &[Option<C>], i: usize) -> &C {
    u[i].as_ref()
        .expect("every power is computed before it is used")
}

fn scale<A: SlotAlgebra<Scalar = f64>>(
    alg: &A,
    ct: &A::Ct,
    c: f64,
) -> Result<A::Ct, EvalError<A::Error>> {
    if c == 1.0 {
        Ok(ct.clone())
    } else if c == -1.0 {
        be(alg.neg(ct))
    } else {
        be(alg.mul_scalar(ct, c))
    }
}

fn add_const<A: SlotAlgebra<Scalar = f64>>(
    alg: &A,
    ct: A::Ct,
    c: f64,
) -> Result<A::Ct, EvalError<A::Error>> {
    if c == 0.0 {
        Ok(ct)
    } else {
        be(alg.add_scalar(&ct, c))
    }
}
