//! EvalMod: `x ↦ x mod 1` on real slots `x = ε + I` (`I` an integer, `|I| ≤ K`, `|ε|` small),
//! through the complex exponential.
//!
//! With `y = x/(K+1) ∈ [−1, 1]` and `a = 2π(K+1)/2^r`, a Chebyshev interpolant gives
//! `z_0 ≈ e^{i·a·y}`; `r` squarings give `z_r = e^{2πi·x} = e^{2πi·ε}` (the integer part
//! vanishes), and `Im z_r = sin 2πε`. Squaring a unit complex number doubles its error
//! exactly, so the error of `z_0` reaches the output multiplied by `2^r` for every slot —
//! the real double-angle recursion `2c² − 1` multiplies it by up to `4^r` near `c = ±1`,
//! i.e. near `I = 0`, where most slots are. One more squaring removes the cubic error of the
//! sine (Richardson): `(8·sin φ − sin 2φ)/6 = φ − φ⁵/30`.
//!
//! The interpolant is evaluated baby-step/giant-step in depth `⌈log2(d+1)⌉` (as
//! `blindfold_approx::PolyEvaluator`, with complex coefficients: `e^{iay}` has real even and
//! imaginary odd Chebyshev coefficients, so each leaf is `A + i·B` with real combinations `A`,
//! `B` and an exact multiplication by `i`). Leaves are linear combinations with one rescale:
//! each power is multiplied by an integer that also absorbs its scale, so every ciphertext
//! stays on the parameters' scale ladder and the evaluator's level matching applies.

use std::collections::BTreeSet;
use std::f64::consts::PI;

use blindfold_rlwe::Ciphertext;
use blindfold_rns::{Ntt, Poly};

use crate::encoding::f64_to_mod;
use crate::{C64, Error, Evaluator};

/// Chebyshev coefficients (degree `degree`) of `scale·e^{i·a·y}` on `[−1, 1]`, from the
/// interpolant at many Chebyshev nodes truncated to `degree` (close to the series itself).
pub(crate) fn exp_coeffs(a: f64, scale: f64, degree: usize) -> Vec<C64> {
    let m = (4 * (degree + 1)).max(512);
    let mut c = vec![C64::default(); degree + 1];
    for j in 0..m {
        let theta = PI * (j as f64 + 0.5) / m as f64;
        let f = C64::cis(a * theta.cos()).scale(scale);
        for (k, ck) in c.iter_mut().enumerate() {
            *ck = *ck + f.scale((k as f64 * theta).cos());
        }
    }
    for (k, ck) in c.iter_mut().enumerate() {
        *ck = ck.scale(if k == 0 { 1.0 } else { 2.0 } / m as f64);
        // e^{iay} = J_0(a) + 2·Σ i^k·J_k(a)·T_k(y): real even, imaginary odd coefficients
        // (the other parts are rounding noise; zero, they cost no products).
        if k % 2 == 0 {
            ck.im = 0.0;
        } else {
            ck.re = 0.0;
        }
    }
    c
}

/// `Σ c_k T_k(y)` by Clenshaw.
pub(crate) fn clenshaw(c: &[C64], y: f64) -> C64 {
    let (mut b1, mut b2) = (C64::default(), C64::default());
    for &ck in c.iter().skip(1).rev() {
        let b0 = ck + b1.scale(2.0 * y) - b2;
        b2 = b1;
        b1 = b0;
    }
    c.first().copied().unwrap_or_default() + b1.scale(y) - b2
}

/// Largest error of `c` against `scale·e^{iay}` on a dense grid of `[−1, 1]`.
pub(crate) fn exp_error(c: &[C64], a: f64, scale: f64) -> f64 {
    (0..=4096)
        .map(|j| {
            let y = -1.0 + 2.0 * j as f64 / 4096.0;
            (clenshaw(c, y) - C64::cis(a * y).scale(scale)).abs()
        })
        .fold(0.0, f64::max)
}

fn ceil_log2(n: usize) -> usize {
    if n <= 1 {
        0
    } else {
        (usize::BITS - (n - 1).leading_zeros()) as usize
    }
}

fn degree_of(c: &[C64]) -> usize {
    c.iter()
        .rposition(|z| z.re != 0.0 || z.im != 0.0)
        .unwrap_or(0)
}

/// The evaluation tree: leaves are combinations of powers `T_i`, splits `q·T_g + r`.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Const(C64),
    Leaf {
        terms: Vec<(usize, C64)>,
        constant: C64,
    },
    Split {
        g: usize,
        q: Box<Node>,
        r: Box<Node>,
    },
}

/// Splits at the largest power of two until a leaf (degree `< baby`) fits the depth budget
/// (a leaf of degree `e` costs `⌈log2 e⌉ + 1` levels); quotients get one level less.
fn build(c: &[C64], budget: usize, baby: usize) -> Node {
    let e = degree_of(c);
    if e == 0 {
        return Node::Const(c[0]);
    }
    if e < baby && ceil_log2(e) < budget {
        return Node::Leaf {
            terms: (1..=e)
                .filter(|&i| c[i] != C64::default())
                .map(|i| (i, c[i]))
                .collect(),
            constant: c[0],
        };
    }
    let g = 1usize << e.ilog2();
    // T_{g+j} = 2·T_g·T_j − T_{g−j}.
    let mut q = vec![c[g]];
    q.extend(c[g + 1..=e].iter().map(|v| v.scale(2.0)));
    let mut r = c[..g].to_vec();
    for j in 1..=e - g {
        r[g - j] = r[g - j] - c[g + j];
    }
    Node::Split {
        g,
        q: Box::new(build(&q, budget.saturating_sub(1), baby)),
        r: Box::new(build(&r, budget, baby)),
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

/// For every needed power `i ≥ 2`, `i = a + b` with `a, b ≤ 2^{⌈log2 i⌉−1}` (depth
/// `⌈log2 i⌉`), preferring splits whose powers are already needed.
fn close_powers(needed: &BTreeSet<usize>) -> Vec<Step> {
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
                let new = cost(a) + usize::from(a != b) * cost(b) + cost(a - b);
                (new, !a.is_power_of_two(), a - b, usize::MAX - a)
            })
            .unwrap_or((top, i - top));
        for x in [a, b, a - b] {
            if x >= 2 && have.insert(x) {
                todo.insert(x);
            }
        }
        out.push((i, a, b));
    }
    out.sort_unstable();
    out
}

fn node_depth(node: &Node, depth: &[usize]) -> Option<usize> {
    match node {
        Node::Const(_) => None,
        Node::Leaf { terms, .. } => terms.iter().map(|&(i, _)| depth[i] + 1).max(),
        Node::Split { g, q, r } => {
            let dq = match node_depth(q, depth) {
                Some(d) => Some(d.max(depth[*g]) + 1),
                None => match **q {
                    Node::Const(c) if c != C64::default() => Some(depth[*g] + 1),
                    _ => None,
                },
            };
            dq.max(node_depth(r, depth))
        }
    }
}

/// A power `T_i = 2·T_a·T_b − T_{a−b}` as `(i, a, b)`.
type Step = (usize, usize, usize);

fn count_splits(node: &Node) -> usize {
    match node {
        Node::Split { q, r, .. } => {
            usize::from(!matches!(**q, Node::Const(_))) + count_splits(q) + count_splits(r)
        }
        _ => 0,
    }
}

/// EvalMod compiled for one `(K, r, degree)`.
#[derive(Clone, Debug)]
pub(crate) struct EvalMod {
    /// `a = 2π(K+1)/2^r`.
    #[cfg_attr(not(test), allow(dead_code))]
    pub a: f64,
    pub double_angle: u32,
    pub richardson: bool,
    /// Interpolant of `c_0·e^{iay}` (the constant `c_0` carries the output scaling).
    #[cfg_attr(not(test), allow(dead_code))]
    coeffs: Vec<C64>,
    tree: Node,
    steps: Vec<Step>,
    /// Levels of the interpolant, and ciphertext products (powers + splits).
    pub cheb_depth: usize,
    pub cheb_products: usize,
    /// `z_r` holds `c_r·e^{2πix}`; the Richardson combination multiplies it by `final_mul`.
    #[cfg_attr(not(test), allow(dead_code))]
    pub c_r: f64,
    final_mul: f64,
    /// Interpolation error of `e^{iay}` on `[−1, 1]`.
    pub approx_error: f64,
}

impl EvalMod {
    /// The output `w` is `(γ/2)·Q` with `Q = (8·z_r − z_{r+1})/6` (Richardson) or `Q = z_r`,
    /// so `(w − w̄)/i = 2·Im w ≈ 2πγ·(x mod 1)` for `x` near an integer.
    pub fn new(k: usize, double_angle: u32, degree: usize, richardson: bool, gamma: f64) -> Self {
        let a = 2.0 * PI * (k as f64 + 1.0) / 2f64.powi(double_angle as i32);
        // z_k holds c_k·z_k with c_{k+1} = c_k², ending on the wanted constants.
        let c_r = if richardson {
            (gamma / 12.0).sqrt()
        } else {
            gamma / 2.0
        };
        let final_mul = if richardson {
            2.0 * gamma / 3.0 / c_r
        } else {
            1.0
        };
        let c0 = c_r.powf(1.0 / 2f64.powi(double_angle as i32));
        let coeffs = exp_coeffs(a, c0, degree);
        let approx_error = exp_error(&coeffs, a, c0) / c0;
        let budget = ceil_log2(degree + 1);
        let mut best: Option<(usize, Node, Vec<Step>)> = None;
        for baby in [2usize, 4, 8, 16, 32] {
            let tree = build(&coeffs, budget, baby);
            let mut needed = BTreeSet::new();
            collect_powers(&tree, &mut needed);
            let steps = close_powers(&needed);
            let products = steps.len() + count_splits(&tree);
            if best.as_ref().is_none_or(|b| products < b.0) {
                best = Some((products, tree, steps));
            }
        }
        let (cheb_products, tree, steps) = best.unwrap_or((0, Node::Const(coeffs[0]), Vec::new()));
        let top = steps.last().map_or(1, |s| s.0);
        let mut depth = vec![0usize; top + 1];
        for &(i, _, _) in &steps {
            depth[i] = ceil_log2(i);
        }
        let cheb_depth = node_depth(&tree, &depth).unwrap_or(0);
        Self {
            a,
            double_angle,
            richardson,
            coeffs,
            tree,
            steps,
            cheb_depth,
            cheb_products,
            c_r,
            final_mul,
            approx_error,
        }
    }

    /// Levels consumed.
    pub fn depth(&self) -> usize {
        self.cheb_depth + self.double_angle as usize + usize::from(self.richardson)
    }

    /// Ciphertext products.
    pub fn products(&self) -> usize {
        self.cheb_products + self.double_angle as usize + usize::from(self.richardson)
    }

    /// The polynomial the tree evaluates, in the clear through the same recursions (tests).
    #[cfg(test)]
    pub fn eval_plain(&self, y: f64) -> C64 {
        let top = self.steps.last().map_or(1, |s| s.0);
        let mut t = vec![0.0f64; top + 1];
        t[0] = 1.0;
        if top >= 1 {
            t[1] = y;
        }
        for &(i, a, b) in &self.steps {
            t[i] = 2.0 * t[a] * t[b] - t[a - b];
        }
        fn walk(n: &Node, t: &[f64]) -> C64 {
            match n {
                Node::Const(c) => *c,
                Node::Leaf { terms, constant } => terms
                    .iter()
                    .fold(*constant, |acc, &(i, c)| acc + c.scale(t[i])),
                Node::Split { g, q, r } => walk(q, t).scale(t[*g]) + walk(r, t),
            }
        }
        walk(&self.tree, &t)
    }

    /// The reference polynomial (tests).
    #[cfg(test)]
    pub fn coeffs(&self) -> &[C64] {
        &self.coeffs
    }

    /// EvalMod of the real slots of `y` (on the ladder): a ciphertext whose slots `w` satisfy
    /// `(w − w̄)/i ≈ γ·(x mod 1)` with `x = (K+1)·y` (see [`Self::new`]).
    pub fn evaluate(
        &self,
        eval: &Evaluator,
        ipoly: &Poly<Ntt>,
        y: &Ciphertext,
    ) -> Result<Ciphertext, Error> {
        if y.level() < self.depth() {
            return Err(Error::OutOfLevels { op: "EvalMod" });
        }
        let mut z = self.chebyshev(eval, ipoly, y)?;
        for _ in 0..self.double_angle {
            z = square(eval, &z)?;
        }
        if self.richardson {
            let z2 = square(eval, &z)?;
            let z1 = eval.mul_const(&z, C64::real(self.final_mul))?;
            z = eval.sub(&z1, &z2)?;
        }
        Ok(z)
    }

    /// The interpolant `c_0·e^{iay}` at `y`.
    pub(crate) fn chebyshev(
        &self,
        eval: &Evaluator,
        ipoly: &Poly<Ntt>,
        y: &Ciphertext,
    ) -> Result<Ciphertext, Error> {
        let top = self.steps.last().map_or(1, |s| s.0);
        let mut t: Vec<Option<Ciphertext>> = vec![None; top + 1];
        t[1] = Some(y.clone());
        let missing = || Error::Internal("EvalMod power missing");
        for &(i, a, b) in &self.steps {
            let ta = t[a].as_ref().ok_or_else(missing)?;
            let tb = t[b].as_ref().ok_or_else(missing)?;
            // T_{a+b} = 2·T_a·T_b − T_{a−b}: the correction joins the product before its
            // rescale (an integer factor matches its scale, no level or rescale of its own).
            let p = if a == b {
                product(eval, ta, ta, 2, Correction::Constant(-1.0))?
            } else {
                let c = t[a - b].as_ref().ok_or_else(missing)?;
                product(eval, ta, tb, 2, Correction::Sub(c))?
            };
            t[i] = Some(p);
        }
        self.eval_node(eval, ipoly, &self.tree, &t)?
            .ok_or(Error::Internal("EvalMod of a constant"))
    }

    fn eval_node(
        &self,
        eval: &Evaluator,
        ipoly: &Poly<Ntt>,
        node: &Node,
        t: &[Option<Ciphertext>],
    ) -> Result<Option<Ciphertext>, Error> {
        let power = |i: usize| {
            t[i].as_ref()
                .ok_or(Error::Internal("EvalMod power missing"))
        };
        match node {
            Node::Const(_) => Ok(None),
            Node::Leaf { terms, constant } => {
                let terms: Vec<(&Ciphertext, C64)> = terms
                    .iter()
                    .map(|&(i, c)| Ok((power(i)?, c)))
                    .collect::<Result<_, Error>>()?;
                leaf(eval, ipoly, &terms, *constant).map(Some)
            }
            Node::Split { g, q, r } => {
                let rest = self.eval_node(eval, ipoly, r, t)?;
                let rest_const = match **r {
                    Node::Const(c) if c != C64::default() => Some(c),
                    _ => None,
                };
                match self.eval_node(eval, ipoly, q, t)? {
                    // q·T_g + r with r joining the product before its rescale.
                    Some(qc) => {
                        let tg = power(*g)?;
                        let at = qc.level().min(tg.level());
                        let corr = match (&rest, rest_const) {
                            (Some(rc), _) if rc.level() >= at => Correction::Add(rc),
                            (None, Some(c)) if c.im == 0.0 => Correction::Constant(c.re),
                            _ => Correction::None,
                        };
                        let folded = !matches!(corr, Correction::None);
                        let mut p = product(eval, &qc, tg, 1, corr)?;
                        match (&rest, rest_const) {
                            (Some(rc), _) if !folded => accumulate(eval, &mut p, rc, false)?,
                            (None, Some(c)) if !folded => p = eval.add_const(&p, c)?,
                            _ => {}
                        }
                        Ok(Some(p))
                    }
                    None => {
                        let prod = match **q {
                            Node::Const(c) if c != C64::default() => {
                                Some(leaf(eval, ipoly, &[(power(*g)?, c)], C64::default())?)
                            }
                            _ => None,
                        };
                        Ok(match (prod, rest) {
                            (Some(mut p), Some(r)) => {
                                accumulate(eval, &mut p, &r, false)?;
                                Some(p)
                            }
                            (Some(p), None) => match rest_const {
                                Some(c) => Some(eval.add_const(&p, c)?),
                                None => Some(p),
                            },
                            (None, rest) => rest,
                        })
                    }
                }
            }
        }
    }
}

/// `ct` at `level` (at or below its own) with exactly `scale`: primes dropped to `level + 1`,
/// then a product by the integer `round(scale·q/ct.scale)` and a rescale (relative error
/// `2^-50`). The evaluator's own matching treats scales within `10^-9` as equal and drops
/// primes without correcting them: harmless at 2^40, not for bootstrapping's 2^-45 targets.
pub(crate) fn align(
    eval: &Evaluator,
    ct: &Ciphertext,
    level: usize,
    scale: f64,
) -> Result<Ciphertext, Error> {
    if ct.level() == level {
        if !crate::eval::same_scale(ct.meta.scale, scale) {
            return Err(Error::ScaleMismatch {
                left: ct.meta.scale,
                right: scale,
            });
        }
        return Ok(ct.clone());
    }
    if ct.level() < level {
        return Err(Error::InvalidLevel {
            level,
            max: ct.level(),
        });
    }
    let mut out = ct.clone();
    out.seed = None;
    out.drop_to_level(level + 1)?;
    let c = (scale * eval.params().q(level + 1) as f64 / ct.meta.scale).round();
    if !(c >= 2f64.powi(20) && c < 2f64.powi(62)) {
        return Err(Error::ScaleMismatch {
            left: ct.meta.scale,
            right: scale,
        });
    }
    for p in &mut out.parts {
        p.scalar_mul_assign(c as u64);
        p.rescale()?;
    }
    out.meta.scale = scale;
    Ok(out)
}

/// Brings the higher of two operands onto the other's level and scale (exactly).
fn matched<'a>(
    eval: &Evaluator,
    a: &'a Ciphertext,
    b: &'a Ciphertext,
) -> Result<
    (
        std::borrow::Cow<'a, Ciphertext>,
        std::borrow::Cow<'a, Ciphertext>,
    ),
    Error,
> {
    use std::borrow::Cow;
    Ok(if a.level() > b.level() {
        (
            Cow::Owned(align(eval, a, b.level(), b.meta.scale)?),
            Cow::Borrowed(b),
        )
    } else if b.level() > a.level() {
        (
            Cow::Borrowed(a),
            Cow::Owned(align(eval, b, a.level(), a.meta.scale)?),
        )
    } else {
        (Cow::Borrowed(a), Cow::Borrowed(b))
    })
}

/// `a · b` after exact matching, relinearized, rescaled in place onto the ladder.
fn mul(eval: &Evaluator, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, Error> {
    let (a, b) = matched(eval, a, b)?;
    if a.level() == 0 {
        return Err(Error::OutOfLevels {
            op: "EvalMod product",
        });
    }
    let mut r = eval.relinearize(&eval.tensor(&a, &b)?)?;
    rescale(eval, &mut r)?;
    Ok(r)
}

/// What joins a product before its rescale.
enum Correction<'a> {
    None,
    /// A constant in every slot.
    Constant(f64),
    /// A ciphertext at or above the product's level, added or subtracted.
    Add(&'a Ciphertext),
    Sub(&'a Ciphertext),
}

/// `k·a·b + correction`, relinearized, rescaled once onto the ladder: the correction is read
/// on the product's primes and multiplied by the integer `round(scale_ab / scale_c)` first,
/// which matches its scale exactly (relative error `2^-50`) without a rescale of its own.
fn product(
    eval: &Evaluator,
    a: &Ciphertext,
    b: &Ciphertext,
    k: u64,
    corr: Correction<'_>,
) -> Result<Ciphertext, Error> {
    let (a, b) = matched(eval, a, b)?;
    if a.level() == 0 {
        return Err(Error::OutOfLevels {
            op: "EvalMod product",
        });
    }
    let mut r = eval.relinearize(&eval.tensor(&a, &b)?)?;
    if k != 1 {
        for p in &mut r.parts {
            p.scalar_mul_assign(k);
        }
    }
    let level = r.level();
    match corr {
        Correction::None => {}
        Correction::Constant(c) => add_const_in_place(&mut r, c),
        Correction::Add(c) | Correction::Sub(c) => {
            let sub = matches!(corr, Correction::Sub(_));
            if c.level() < level || c.parts.len() != 2 {
                return Err(Error::Internal("EvalMod correction below its product"));
            }
            let f = (r.meta.scale / c.meta.scale).round();
            for (rp, cp) in r.parts.iter_mut().zip(&c.parts) {
                for j in 0..=level {
                    let m = *rp.modulus(j);
                    let mut w = f64_to_mod(f, &m);
                    if sub {
                        w = m.neg(w);
                    }
                    m.scalar_mul_add_slice(rp.limb_mut(j), cp.limb(j), w);
                }
            }
        }
    }
    rescale(eval, &mut r)?;
    Ok(r)
}

/// `a²` (see [`mul`]).
pub(crate) fn square(eval: &Evaluator, a: &Ciphertext) -> Result<Ciphertext, Error> {
    mul(eval, a, a)
}

/// Rescales in place, snapping to the ladder scale it lands on.
fn rescale(eval: &Evaluator, ct: &mut Ciphertext) -> Result<(), Error> {
    let l = ct.level();
    for p in &mut ct.parts {
        p.rescale()?;
    }
    let params = eval.params();
    let s = ct.meta.scale / params.q(l) as f64;
    ct.meta.scale = if crate::eval::same_scale(s, params.scale(l - 1)) {
        params.scale(l - 1)
    } else {
        s
    };
    Ok(())
}

/// `acc ± b` in place after exact matching (`acc` must not be above `b`'s level... either
/// may be the higher one: the higher is brought down).
fn accumulate(
    eval: &Evaluator,
    acc: &mut Ciphertext,
    b: &Ciphertext,
    sub: bool,
) -> Result<(), Error> {
    if acc.level() > b.level() {
        *acc = align(eval, acc, b.level(), b.meta.scale)?;
    }
    let b = if b.level() > acc.level() {
        std::borrow::Cow::Owned(align(eval, b, acc.level(), acc.meta.scale)?)
    } else {
        std::borrow::Cow::Borrowed(b)
    };
    if !crate::eval::same_scale(acc.meta.scale, b.meta.scale) || acc.parts.len() != b.parts.len() {
        return Err(Error::ScaleMismatch {
            left: acc.meta.scale,
            right: b.meta.scale,
        });
    }
    for (x, y) in acc.parts.iter_mut().zip(&b.parts) {
        if sub {
            x.sub_assign(y)?;
        } else {
            x.add_assign(y)?;
        }
    }
    Ok(())
}

/// `ct + c` in every slot, in place (a constant polynomial is the same in every NTT slot).
fn add_const_in_place(ct: &mut Ciphertext, c: f64) {
    let v = (c * ct.meta.scale).round();
    let p = &mut ct.parts[0];
    for k in 0..p.q_limbs() {
        let m = *p.modulus(k);
        let r = f64_to_mod(v, &m);
        p.limb_mut(k).iter_mut().for_each(|x| *x = m.add(*x, r));
    }
}

/// `ct · i` (exact): pointwise product with the NTT form of `X^{N/2}`.
pub(crate) fn times_i(ipoly: &Poly<Ntt>, ct: &Ciphertext) -> Result<Ciphertext, Error> {
    let mut out = ct.clone();
    out.seed = None;
    for p in &mut out.parts {
        for k in 0..p.q_limbs() {
            let m = *p.modulus(k);
            m.mul_assign_slice(p.limb_mut(k), ipoly.limb(k));
        }
    }
    Ok(out)
}

/// `Σ c_k·T_k + constant` with complex constants at `level − 1` on the ladder, `level` the
/// lowest level of the terms: each term is read on the first `level + 1` primes and weighted
/// by the integers `round(Re/Im c_k · Δ_{level−1}·q_level / scale_k)` (which absorb the
/// terms' scales). Per limb, the real and imaginary sums are Horner passes
/// `acc ← acc·(w_{j−1}/w_j) + T_j` (vectorized `a·c + b`), joined as `A + i·B` (`i` the NTT
/// form of `X^{N/2}`) and rescaled once.
fn leaf(
    eval: &Evaluator,
    ipoly: &Poly<Ntt>,
    terms: &[(&Ciphertext, C64)],
    constant: C64,
) -> Result<Ciphertext, Error> {
    let level = terms
        .iter()
        .map(|(c, _)| c.level())
        .min()
        .ok_or(Error::Internal("empty leaf"))?;
    if level == 0 {
        return Err(Error::OutOfLevels { op: "EvalMod leaf" });
    }
    if terms.iter().any(|(c, _)| c.parts.len() != 2) {
        return Err(Error::Internal("EvalMod leaf operand"));
    }
    let params = eval.params();
    let ring = params.rlwe().ring();
    let n = ring.n();
    let target = params.scale(level - 1) * params.q(level) as f64;
    let weights = |re: bool| -> Vec<(usize, f64)> {
        terms
            .iter()
            .enumerate()
            .map(|(t, (ct, c))| (t, (if re { c.re } else { c.im }) * target / ct.meta.scale))
            .map(|(t, v)| (t, v.round()))
            .filter(|&(_, v)| v != 0.0)
            .collect()
    };
    let (wa, wb) = (weights(true), weights(false));
    let (k_re, k_im) = (
        (constant.re * target).round(),
        (constant.im * target).round(),
    );
    let mut parts = Vec::with_capacity(2);
    let (mut acc_a, mut acc_b, mut row) = (vec![0u64; n], vec![0u64; n], vec![0u64; n]);
    for j in 0..2 {
        let mut out = Poly::<Ntt>::zero(ring, level + 1, 0)?;
        for k in 0..=level {
            let m = *out.modulus(k);
            let limb = |t: usize| terms[t].0.parts[j].limb(k);
            // Σ w_t·T_t into `acc` (zero when empty); returns the last weight to apply.
            let horner = |ws: &[(usize, f64)], acc: &mut [u64]| -> u64 {
                let r: Vec<(usize, u64)> = ws
                    .iter()
                    .map(|&(t, v)| (t, f64_to_mod(v, &m)))
                    .filter(|&(_, r)| r != 0)
                    .collect();
                let Some(&(t0, _)) = r.first() else {
                    acc.fill(0);
                    return 0;
                };
                acc.copy_from_slice(limb(t0));
                for pair in r.windows(2) {
                    let (prev, (t, cur)) = (pair[0].1, pair[1]);
                    // cur ≠ 0 mod a prime: invertible.
                    let ratio = m.mul(prev, m.inv(cur).unwrap_or(0));
                    m.scalar_mul_add_to_slice(acc, limb(t), ratio);
                }
                r.last().map_or(0, |x| x.1)
            };
            let ca = horner(&wa, &mut acc_a);
            let cb = horner(&wb, &mut acc_b);
            // A = acc_a·ca + k_re, B = acc_b·cb + k_im, out = A + i·B.
            let (kr, ki) = if j == 0 {
                (f64_to_mod(k_re, &m), f64_to_mod(k_im, &m))
            } else {
                (0, 0)
            };
            row.fill(kr);
            m.scalar_mul_add_to_slice(&mut acc_a, &row, ca);
            row.fill(ki);
            m.scalar_mul_add_to_slice(&mut acc_b, &row, cb);
            let o = out.limb_mut(k);
            o.copy_from_slice(&acc_a);
            m.mul_add_slice(o, &acc_b, ipoly.limb(k));
        }
        parts.push(out);
    }
    let mut acc = Ciphertext::new(
        parts,
        blindfold_rlwe::Meta {
            scale: target,
            correction: 1,
        },
    );
    for p in &mut acc.parts {
        p.rescale()?;
    }
    acc.meta.scale = params.scale(level - 1);
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolant_and_tree_agree_with_the_exponential() {
        for (k, r, degree) in [(12usize, 4u32, 23usize), (130, 6, 44), (543, 7, 63)] {
            for richardson in [false, true] {
                let em = EvalMod::new(k, r, degree, richardson, 20.0);
                assert!(em.approx_error < 1e-9, "K={k} r={r}: {}", em.approx_error);
                // Depth ⌈log2(d+1)⌉ whatever the split.
                assert_eq!(em.cheb_depth, ceil_log2(degree + 1), "K={k} r={r}");
                let c0 = em.c_r.powf(1.0 / 2f64.powi(r as i32));
                for j in 0..=200 {
                    let y = -1.0 + j as f64 / 100.0;
                    let tree = em.eval_plain(y);
                    let direct = clenshaw(em.coeffs(), y);
                    assert!((tree - direct).abs() < 1e-10, "tree at {y}");
                    let exact = C64::cis(em.a * y).scale(c0);
                    assert!((tree - exact).abs() < 1e-9, "exp at {y}");
                }
            }
        }
    }

    #[test]
    fn squarings_and_richardson_give_x_mod_1() {
        // The clear pipeline: z_0 → r squarings → (8 sin φ − sin 2φ)/6.
        let (k, r, gamma) = (130usize, 6u32, 20.0);
        let em = EvalMod::new(k, r, 48, true, gamma);
        for &(i, eps) in &[
            (0i64, 1e-3),
            (-7, -3e-3),
            (130, 2e-3),
            (-131, 1e-4),
            (55, 0.0),
        ] {
            let x = i as f64 + eps;
            let mut z = em.eval_plain(x / (k as f64 + 1.0));
            for _ in 0..r {
                z = z * z;
            }
            let out = z.scale(em.final_mul) - z * z;
            // (out − conj out)/i = 2·Im(out) = 2πγ·ε.
            let got = 2.0 * out.im / gamma / (2.0 * PI);
            assert!((got - eps).abs() < 1e-8, "x = {x}: {got} vs {eps}");
        }
    }
}
