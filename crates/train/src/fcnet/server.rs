//! The server's side: one mini-batch SGD step on ciphertexts only, and the whole protocol on
//! `Clear` (the plaintext mirror).

use blindfold_pack::{Counting, Direction, PackError, RotateSum};
use blindfold_rlwe::{ClearCt, ClearError, SlotAlgebra};

use super::arith::{FcScalar, Num, Pair, Val};
use super::dryrun::{Dry, DryRun};
use super::layout::Field;
use super::poly::{Scaled, depth, derivative, eval_masked};
use super::{FcError, FcPlan, ModelSlots, SetupError, decode_model, owner_batch, owner_model};
use crate::Matrix;
use crate::reference::mlp::{Loss, Mlp};

fn be<T, E>(r: Result<T, E>) -> Result<T, FcError<E>> {
    r.map_err(FcError::Backend)
}

fn pk<T, E>(r: Result<T, PackError<E>>) -> Result<T, FcError<E>> {
    r.map_err(|e| match e {
        PackError::Backend(b) => FcError::Backend(b),
        PackError::Shape(_) => FcError::State {
            reason: "a rotate-and-sum does not fit the backend's slots",
        },
    })
}

fn state<E>(reason: &'static str) -> FcError<E> {
    FcError::State { reason }
}

/// The encrypted model: weights and biases of every layer in the plan's layout, with the
/// fixed-point exponent of each layer's weights and biases (public; 0 on reals).
#[derive(Clone, Debug)]
pub struct Model<C> {
    weights: Vec<Vec<C>>,
    biases: Vec<Vec<C>>,
    weight_exps: Vec<u32>,
    bias_exps: Vec<u32>,
    steps: usize,
}

impl<C: Clone> Model<C> {
    /// From the encryptions of [`owner_model`]'s slot vectors (initial exponents).
    pub fn new(
        plan: &FcPlan,
        weights: Vec<Vec<C>>,
        biases: Vec<Vec<C>>,
    ) -> Result<Self, SetupError> {
        let e = plan.config().fixed().map_or(0, |f| f.weight_bits);
        let layers = plan.layout().layers();
        Self::from_parts(plan, weights, biases, vec![e; layers], vec![e; layers], 0)
    }

    /// From stored parts (as [`Self::into_parts`] gives them).
    pub fn from_parts(
        plan: &FcPlan,
        weights: Vec<Vec<C>>,
        biases: Vec<Vec<C>>,
        weight_exps: Vec<u32>,
        bias_exps: Vec<u32>,
        steps: usize,
    ) -> Result<Self, SetupError> {
        let lay = plan.layout();
        let layers = lay.layers();
        let bad = |reason| SetupError::Config {
            name: "model ciphertexts",
            reason,
        };
        if weights.len() != layers
            || biases.len() != layers
            || weight_exps.len() != layers
            || bias_exps.len() != layers
        {
            return Err(bad("one entry per layer is needed"));
        }
        for l in 1..=layers {
            if weights[l - 1].len() != lay.weight_count(l) || biases[l - 1].len() != lay.o_chunks(l)
            {
                return Err(bad("ciphertext counts do not match the plan's layout"));
            }
        }
        if plan.config().fixed().is_none()
            && (weight_exps.iter().chain(&bias_exps).any(|&e| e != 0))
        {
            return Err(bad("real-valued models have no fixed-point exponents"));
        }
        Ok(Self {
            weights,
            biases,
            weight_exps,
            bias_exps,
            steps,
        })
    }

    /// `(weights, biases, weight exponents, bias exponents, steps)`.
    #[allow(clippy::type_complexity)]
    pub fn into_parts(self) -> (Vec<Vec<C>>, Vec<Vec<C>>, Vec<u32>, Vec<u32>, usize) {
        (
            self.weights,
            self.biases,
            self.weight_exps,
            self.bias_exps,
            self.steps,
        )
    }

    /// Weight ciphertexts of every layer (`o`-chunk major).
    pub fn weights(&self) -> &[Vec<C>] {
        &self.weights
    }

    /// Bias ciphertexts of every layer.
    pub fn biases(&self) -> &[Vec<C>] {
        &self.biases
    }

    pub fn weight_exps(&self) -> &[u32] {
        &self.weight_exps
    }

    pub fn bias_exps(&self) -> &[u32] {
        &self.bias_exps
    }

    /// SGD steps taken.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The model's decrypted slot vectors (`decrypt` applied to every ciphertext) with its
    /// exponents, ready for [`decode_model`].
    pub fn decrypted<S, E>(
        &self,
        mut decrypt: impl FnMut(&C) -> Result<Vec<S>, E>,
    ) -> Result<ModelSlots<S>, E> {
        let mut each = |v: &[Vec<C>]| -> Result<Vec<Vec<Vec<S>>>, E> {
            v.iter()
                .map(|l| l.iter().map(&mut decrypt).collect())
                .collect()
        };
        Ok(ModelSlots {
            weights: each(&self.weights)?,
            biases: each(&self.biases)?,
            weight_exps: self.weight_exps.clone(),
            bias_exps: self.bias_exps.clone(),
        })
    }

    fn map<D>(&self, f: impl Fn(&C) -> D) -> Model<D> {
        let m = |v: &[Vec<C>]| v.iter().map(|l| l.iter().map(&f).collect()).collect();
        Model {
            weights: m(&self.weights),
            biases: m(&self.biases),
            weight_exps: self.weight_exps.clone(),
            bias_exps: self.bias_exps.clone(),
            steps: self.steps,
        }
    }
}

/// One encrypted mini-batch: the inputs in the layer-1 input layout and the one-hot targets
/// in the output layout ([`owner_batch`]).
#[derive(Clone, Debug)]
pub struct Batch<C> {
    x: Vec<C>,
    y: Vec<C>,
}

impl<C> Batch<C> {
    pub fn new(plan: &FcPlan, x: Vec<C>, y: Vec<C>) -> Result<Self, SetupError> {
        let lay = plan.layout();
        if x.len() != lay.input_count(1) || y.len() != lay.output_count(lay.layers()) {
            return Err(SetupError::Config {
                name: "batch ciphertexts",
                reason: "counts do not match the plan's layout",
            });
        }
        Ok(Self { x, y })
    }

    pub fn x(&self) -> &[C] {
        &self.x
    }

    pub fn y(&self) -> &[C] {
        &self.y
    }
}

/// One SGD step on `batch`. The levels it needs are checked on a dry run before any
/// ciphertext is touched. On a backend that refreshes (bootstraps), the step refreshes
/// operands where it would otherwise leave the levels a refresh accepts (see
/// [`FcPlan::refreshes`] for how many), so steps run for as long as asked.
pub fn train_step<A: SlotAlgebra>(
    plan: &FcPlan,
    alg: &A,
    batch: &Batch<A::Ct>,
    model: Model<A::Ct>,
) -> Result<Model<A::Ct>, FcError<A::Error>>
where
    A::Scalar: FcScalar,
{
    check_backend::<A>(plan, alg)?;
    let levels = |v: &[A::Ct]| v.iter().map(|c| alg.level(c)).collect::<Vec<_>>();
    let available = model
        .weights
        .iter()
        .chain(&model.biases)
        .flatten()
        .chain(&batch.x)
        .chain(&batch.y)
        .map(|c| alg.level(c))
        .min()
        .unwrap_or(0);
    let dry_model = model.map(|c| Dry {
        level: alg.level(c),
        bound: 0.0,
    });
    let dry_batch = Batch {
        x: levels(&batch.x)
            .into_iter()
            .map(|level| Dry { level, bound: 0.0 })
            .collect(),
        y: levels(&batch.y)
            .into_iter()
            .map(|level| Dry { level, bound: 0.0 })
            .collect(),
    };
    let mut dry = DryRun::<A::Scalar>::new(alg.slots(), alg.max_level());
    let floor = alg.refresh_input_level();
    if let Some(top) = alg.refresh_level() {
        dry = dry.with_refresh(top).with_refresh_input_level(floor);
    }
    match step_impl(plan, &dry, &dry_batch, dry_model.clone(), true) {
        // A refreshing step must leave a model the next one can refresh.
        Ok(next) if alg.refresh_level().is_some() => {
            if next
                .weights
                .iter()
                .chain(&next.biases)
                .flatten()
                .any(|d| d.level < floor)
            {
                return Err(state(
                    "the step would leave the model below the refresh's input level",
                ));
            }
        }
        Ok(_) => {}
        Err(e) => {
            return Err(match e {
                FcError::Backend(ClearError::RefreshInput { level, min }) => FcError::OutOfLevels {
                    needed: min,
                    available: level,
                },
                FcError::Backend(ClearError::OutOfLevels { .. }) => {
                    let needed = levels_used::<A::Scalar>(plan, &dry_model, &dry_batch, available);
                    FcError::OutOfLevels { needed, available }
                }
                FcError::Backend(_) => state("the dry run of the step failed"),
                FcError::Setup(s) => FcError::Setup(s),
                FcError::OutOfLevels { needed, available } => {
                    FcError::OutOfLevels { needed, available }
                }
                FcError::ConstantOverflow { exp } => FcError::ConstantOverflow { exp },
                FcError::State { reason } => FcError::State { reason },
            });
        }
    }
    step_impl(plan, alg, batch, model, true)
}

/// Levels a step from these levels consumes, measured on a dry run lifted far above them.
fn levels_used<S: FcScalar>(
    plan: &FcPlan,
    model: &Model<Dry>,
    batch: &Batch<Dry>,
    available: usize,
) -> usize {
    const LIFT: usize = 1 << 20;
    let up = |d: &Dry| Dry {
        level: d.level + LIFT,
        bound: 0.0,
    };
    let dry = DryRun::<S>::new(plan.layout().slots(), usize::MAX / 2);
    let m = model.map(up);
    let b = Batch {
        x: batch.x.iter().map(up).collect(),
        y: batch.y.iter().map(up).collect(),
    };
    match step_impl(plan, &dry, &b, m, false) {
        Ok(_) => dry
            .counts()
            .lowest_level
            .map_or(0, |low| (available + LIFT).saturating_sub(low)),
        Err(_) => usize::MAX,
    }
}

fn check_backend<A: SlotAlgebra>(plan: &FcPlan, alg: &A) -> Result<(), FcError<A::Error>>
where
    A::Scalar: FcScalar,
{
    if alg.slots() != plan.layout().slots() {
        return Err(SetupError::Config {
            name: "backend",
            reason: "its slot count differs from the plan's",
        }
        .into());
    }
    if A::Scalar::FIXED != plan.config().fixed().is_some() {
        return Err(SetupError::Config {
            name: "backend",
            reason: "fixed-point plans need integer slots, real plans real slots",
        }
        .into());
    }
    Ok(())
}

/// The step itself, on any backend (the dry runs included).
///
/// `track`: whether fixed-point exponents are tracked (a dry run that only counts operations
/// may drop them).
pub(crate) fn step_impl<A: SlotAlgebra>(
    plan: &FcPlan,
    alg: &A,
    batch: &Batch<A::Ct>,
    model: Model<A::Ct>,
    track: bool,
) -> Result<Model<A::Ct>, FcError<A::Error>>
where
    A::Scalar: FcScalar,
{
    check_backend::<A>(plan, alg)?;
    let lay = plan.layout();
    let layers = lay.layers();
    let slots = lay.slots();
    if batch.x.len() != lay.input_count(1) || batch.y.len() != lay.output_count(layers) {
        return Err(state("batch ciphertexts do not match the plan"));
    }
    let num = Num::new(alg, track);
    let fixed = plan.config().fixed();
    let fixed_flag = num.fixed();
    let coeff_bits = fixed.map_or(0, |f| f.coeff_bits);
    let x_exp = fixed.map_or(0, |f| f.input_bits);
    let eta = plan.config().learning_rate / lay.batch() as f64;

    let vals = |v: &[A::Ct], e: u32| -> Vec<Val<A::Ct>> {
        v.iter().map(|c| Val::new(c.clone(), e)).collect()
    };
    let mut w: Vec<Vec<Val<A::Ct>>> = (0..layers)
        .map(|l| vals(&model.weights[l], model.weight_exps[l]))
        .collect();
    let mut bias: Vec<Vec<Val<A::Ct>>> = (0..layers)
        .map(|l| vals(&model.biases[l], model.bias_exps[l]))
        .collect();
    let mut y = vals(&batch.y, 0);

    let rs = |f: Field, count: usize, dir: Direction| {
        RotateSum::new(slots, lay.stride(f), count, dir).map_err(|_| FcError::<A::Error>::State {
            reason: "a rotate-and-sum does not fit the slots",
        })
    };
    let hidden = plan.hidden_coeffs();
    let output = plan.output_coeffs();
    let hidden_p = Scaled::new(hidden, 1.0, fixed_flag);
    let hidden_d = Scaled::new(&derivative(hidden), 1.0, fixed_flag);
    // Levels each layer's activation (or the output delta) takes from `z`: on a backend that
    // refreshes, the layer's operands are refreshed up front so that `z` never needs it
    // (pre-activations reach the sigmoid's interval, far outside what a refresh keeps
    // precise; activations, weights and deltas stay small).
    let hidden_depth = depth(hidden_p.degree().max(hidden_d.degree()));
    let out_depth = output_depth(plan, output);
    // Levels from layer `l`'s inputs to its activation (or the output delta); the backward
    // chain below δ_l takes two levels a layer (δW, ⊙σ') and the gradient's one.
    let forward_cost = |l: usize| 1 + if l < layers { hidden_depth } else { out_depth };
    let span = num.refresh_span();
    let schedule = plan.refresh_schedule();
    let ahead = |own: usize, rest: usize| span.map_or(own, |s| (own + rest).min(s).max(own));

    // Forward: acts[l] is layer l+1's input; dps[l−1] the masked σ'(Z_l) of hidden layer l.
    let mut acts: Vec<Vec<Val<A::Ct>>> = vec![vals(&batch.x, x_exp)];
    let mut dps: Vec<Vec<Val<A::Ct>>> = Vec::new();
    let mut delta: Vec<Val<A::Ct>> = Vec::new();
    for l in 1..=layers {
        let (bcs, ocs, ncs) = (lay.b_chunks(), lay.o_chunks(l), lay.n_chunks(l));
        let mut need = forward_cost(l);
        if schedule.forward(l) {
            need = ahead(need, (l + 1..=layers).map(forward_cost).sum());
        }
        num.reserve_all(&mut acts[l - 1], need)?;
        num.reserve_all(&mut w[l - 1], need)?;
        num.reserve_all(&mut bias[l - 1], need - 1)?;
        if l == layers {
            num.reserve_all(&mut y, 1)?;
        }
        let gather_n = rs(lay.n_field(l), lay.n_extent(l), Direction::Gather)?;
        let mut next = Vec::with_capacity(bcs * ocs);
        let mut dp = Vec::with_capacity(bcs * ocs);
        for bc in 0..bcs {
            for oc in 0..ocs {
                let terms: Vec<Pair<'_, A::Ct>> = (0..ncs)
                    .map(|nc| (&acts[l - 1][bc * ncs + nc], &w[l - 1][oc * ncs + nc]))
                    .collect();
                let mut z = num.mul_sum(&terms)?;
                z.ct = pk(gather_n.apply(alg, &z.ct))?;
                let z = num.add(&z, &bias[l - 1][oc])?;
                let ct = bc * ocs + oc;
                let mask = lay.output_mask(l, ct);
                if l < layers {
                    let mut r = eval_masked(&num, &z, &[&hidden_p, &hidden_d], coeff_bits, &mask)?;
                    let d = r.pop().ok_or_else(|| state("missing derivative"))?;
                    let mut a = r.pop().ok_or_else(|| state("missing activation"))?;
                    let spread = rs(lay.n_field(l), lay.o_extent(l + 1), Direction::Spread)?;
                    a.ct = pk(spread.apply(alg, &a.ct))?;
                    next.push(a);
                    dp.push(d);
                } else {
                    delta.push(output_delta(
                        &num, plan, &z, &y[ct], output, eta, coeff_bits, &mask,
                    )?);
                }
            }
        }
        if l < layers {
            acts.push(next);
            dps.push(dp);
        }
    }

    // Backward and updates, with the weights before the step.
    let all_b = rs(Field::B, lay.size(Field::B), Direction::Gather)?;
    let mut new_w = w.clone();
    let mut new_b = bias.clone();
    for l in (1..=layers).rev() {
        let (bcs, ocs, ncs) = (lay.b_chunks(), lay.o_chunks(l), lay.n_chunks(l));
        // δ enters the gradient and, above layer 1, `(δ W) ⊙ σ'`.
        let back = usize::from(l > 1);
        let mut need = 1 + back;
        if schedule.backward(l) {
            // Above layer 1: the deltas below need no refresh; at layer 1: the new W_1 lands
            // where the next step's first layer needs it.
            let rest = if l > 1 { 2 * l - 3 } else { forward_cost(1) };
            need = ahead(need, rest);
        }
        num.reserve_all(&mut delta, need)?;
        num.reserve_all(&mut acts[l - 1], 1)?;
        num.reserve_all(&mut w[l - 1], 2 * back)?;
        if l > 1 {
            num.reserve_all(&mut dps[l - 2], 1)?;
        }
        // Bias: Σ over the batch of the clean (unspread) deltas.
        for oc in 0..ocs {
            let mut s = delta[oc].clone();
            for bc in 1..bcs {
                s = num.add(&s, &delta[bc * ocs + oc])?;
            }
            s.ct = pk(all_b.apply(alg, &s.ct))?;
            new_b[l - 1][oc] = num.sub(&bias[l - 1][oc], &s)?;
        }
        let spread_n = rs(lay.n_field(l), lay.n_extent(l), Direction::Spread)?;
        let ds: Vec<Val<A::Ct>> = delta
            .iter()
            .map(|d| Ok(Val::new(pk(spread_n.apply(alg, &d.ct))?, d.exp)))
            .collect::<Result<_, FcError<A::Error>>>()?;
        for oc in 0..ocs {
            for nc in 0..ncs {
                let terms: Vec<Pair<'_, A::Ct>> = (0..bcs)
                    .map(|bc| (&ds[bc * ocs + oc], &acts[l - 1][bc * ncs + nc]))
                    .collect();
                let mut g = num.mul_sum(&terms)?;
                g.ct = pk(all_b.apply(alg, &g.ct))?;
                new_w[l - 1][oc * ncs + nc] = num.sub(&w[l - 1][oc * ncs + nc], &g)?;
            }
        }
        if l > 1 {
            let gather_o = rs(lay.o_field(l), lay.o_extent(l), Direction::Gather)?;
            let mut back = Vec::with_capacity(bcs * ncs);
            for bc in 0..bcs {
                for nc in 0..ncs {
                    let terms: Vec<Pair<'_, A::Ct>> = (0..ocs)
                        .map(|oc| (&ds[bc * ocs + oc], &w[l - 1][oc * ncs + nc]))
                        .collect();
                    let mut d = num.mul_sum(&terms)?;
                    d.ct = pk(gather_o.apply(alg, &d.ct))?;
                    back.push(num.mul(&d, &dps[l - 2][bc * ncs + nc])?);
                }
            }
            delta = back;
        }
    }
    let split = |v: Vec<Vec<Val<A::Ct>>>| -> (Vec<Vec<A::Ct>>, Vec<u32>) {
        let exps = v.iter().map(|l| l.first().map_or(0, |x| x.exp)).collect();
        (
            v.into_iter()
                .map(|l| l.into_iter().map(|x| x.ct).collect())
                .collect(),
            exps,
        )
    };
    for layer in new_w.iter().chain(&new_b) {
        if layer.windows(2).any(|p| p[0].exp != p[1].exp) {
            return Err(state("ciphertexts of one layer at different exponents"));
        }
    }
    let (weights, weight_exps) = split(new_w);
    let (biases, bias_exps) = split(new_b);
    Ok(Model {
        weights,
        biases,
        weight_exps,
        bias_exps,
        steps: model.steps + 1,
    })
}

/// Levels [`output_delta`] takes from the output pre-activation.
fn output_depth(plan: &FcPlan, output: &[f64]) -> usize {
    let d = derivative(output);
    let p = Scaled::new(output, 1.0, false).degree();
    match plan.config().loss {
        Loss::Mse if d.iter().skip(1).any(|&c| c != 0.0) => {
            depth(p.max(Scaled::new(&d, 1.0, false).degree())) + 1
        }
        _ => depth(p),
    }
}

/// `δ_L` (unspread, at `n = 0`, already multiplied by `η`) from the output pre-activation.
#[allow(clippy::too_many_arguments)]
fn output_delta<A: SlotAlgebra>(
    num: &Num<'_, A>,
    plan: &FcPlan,
    z: &Val<A::Ct>,
    y: &Val<A::Ct>,
    output: &[f64],
    eta: f64,
    coeff_bits: u32,
    mask: &[f64],
) -> Result<Val<A::Ct>, FcError<A::Error>>
where
    A::Scalar: FcScalar,
{
    let fixed = num.fixed();
    let d = derivative(output);
    let d_constant = d.iter().skip(1).all(|&c| c == 0.0);
    match plan.config().loss {
        Loss::Mse if !d_constant => {
            let p = Scaled::new(output, 1.0, fixed);
            let dp = Scaled::new(&d, eta, fixed);
            let mut r = eval_masked(num, z, &[&p, &dp], coeff_bits, mask)?;
            let dp = r.pop().ok_or_else(|| state("missing derivative"))?;
            let a = r.pop().ok_or_else(|| state("missing activation"))?;
            num.mul(&num.sub(&a, y)?, &dp)
        }
        loss => {
            // δ = κ (a − y) with κ = η (cross-entropy) or η·σ' (a linear output, quadratic loss).
            let kappa = match loss {
                Loss::Mse => eta * d[0],
                Loss::CrossEntropy => eta,
            };
            let p = Scaled::new(output, kappa, fixed);
            let a = eval_masked(num, z, &[&p], coeff_bits, mask)?
                .pop()
                .ok_or_else(|| state("missing activation"))?;
            let ky = num.scale(y, kappa, coeff_bits)?;
            num.sub(&a, &ky)
        }
    }
}

/// The protocol on `Clear` (the plaintext mirror): the owner's encoding of `model` and of
/// each batch, one step per batch with fresh ciphertexts at `levels` (data at the model's
/// lowest level, as an owner would encrypt it), and the decoded model after each step
/// (`on_step(step, &model)`). `S = f64` runs `Clear::real`, `S = i64` `Clear::integer`
/// modulo the plan's `t`.
pub fn train_clear<'a, S: FcScalar>(
    plan: &FcPlan,
    model: &Mlp,
    levels: usize,
    batches: impl IntoIterator<Item = (&'a Matrix, &'a [u8])>,
    on_step: impl FnMut(usize, &Mlp),
) -> Result<Mlp, FcError<ClearError>> {
    let t = plan.config().fixed().map_or(0, |f| f.plaintext_modulus);
    let alg = Counting::new(S::mirror(plan.layout().slots(), levels, t));
    Ok(run_clear(plan, &alg, model, levels, false, batches, on_step)?.0)
}

/// The mirror of a bootstrapped run: the model and every batch encrypted at `level`, where
/// a refresh also lands, a refresh accepting operands from `input_level` up (the encrypted
/// backend's [`SlotAlgebra::refresh_level`] and [`SlotAlgebra::refresh_input_level`]), the
/// refreshes where [`train_step`] puts them. Returns the last model and the ciphertext
/// refreshes done.
pub fn train_clear_refreshing<'a, S: FcScalar>(
    plan: &FcPlan,
    model: &Mlp,
    level: usize,
    input_level: usize,
    batches: impl IntoIterator<Item = (&'a Matrix, &'a [u8])>,
    on_step: impl FnMut(usize, &Mlp),
) -> Result<(Mlp, usize), FcError<ClearError>> {
    let t = plan.config().fixed().map_or(0, |f| f.plaintext_modulus);
    let alg = Counting::new(
        S::mirror(plan.layout().slots(), level, t)
            .with_refresh(level)
            .with_refresh_input_level(input_level),
    );
    run_clear(plan, &alg, model, level, true, batches, on_step)
}

fn run_clear<'a, S: FcScalar>(
    plan: &FcPlan,
    alg: &Counting<blindfold_rlwe::Clear<S>>,
    model: &Mlp,
    levels: usize,
    refreshing: bool,
    batches: impl IntoIterator<Item = (&'a Matrix, &'a [u8])>,
    mut on_step: impl FnMut(usize, &Mlp),
) -> Result<(Mlp, usize), FcError<ClearError>> {
    let slots = owner_model::<S>(plan, model)?;
    let enc = |v: &[Vec<S>], level: usize| -> Result<Vec<ClearCt<S>>, FcError<ClearError>> {
        v.iter()
            .map(|s| be(alg.inner().encrypt(s, level)))
            .collect()
    };
    let weights = slots
        .weights
        .iter()
        .map(|l| enc(l, levels))
        .collect::<Result<Vec<_>, _>>()?;
    let biases = slots
        .biases
        .iter()
        .map(|l| enc(l, levels))
        .collect::<Result<Vec<_>, _>>()?;
    let mut state = Model::new(plan, weights, biases)?;
    let mut current = model.clone();
    for (i, (x, labels)) in batches.into_iter().enumerate() {
        // Data where the model is (one chain), or where a refresh lands (bootstrapped).
        let data_level = if refreshing {
            levels
        } else {
            state
                .weights
                .iter()
                .chain(&state.biases)
                .flatten()
                .map(|c| c.level)
                .min()
                .unwrap_or(levels)
        };
        let b = owner_batch::<S>(plan, x, labels)?;
        let batch = Batch::new(plan, enc(&b.x, data_level)?, enc(&b.y, data_level)?)?;
        // The checks of `train_step` cost as much as a mirror step; errors surface anyway.
        state = step_impl(plan, alg, &batch, state, true)?;
        let decrypted = be(state.decrypted(|c| Ok::<_, ClearError>(c.values.clone())))?;
        current = decode_model(plan, &decrypted)?;
        on_step(i, &current);
    }
    Ok((current, alg.counts().refreshes))
}
