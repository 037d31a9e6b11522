//! What training needs, known before any key exists: the layout with the fewest rotations,
//! the rotations (Galois keys), products and depth of a step, the levels of a run and, in
//! fixed point, how many steps stay below the plaintext modulus.
//!
//! Every figure comes from running the step itself on [`DryRun`] (levels and magnitude
//! bounds only), so the plan cannot drift from the code it describes.

use std::collections::BTreeSet;

use blindfold_pack::{Cost, Plan};
use blindfold_rlwe::ClearError;

use super::arith::FcScalar;
use super::dryrun::{Dry, DryCounts, DryRun};
use super::layout::FcLayout;
use super::server::{Batch, Model, step_impl};
use super::{Arithmetic, FcConfig, FcError, FcShape, SetupError};

/// Operation counts and depth of one step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepCost {
    /// Key-switched rotations.
    pub rotations: usize,
    /// Ciphertext × ciphertext products.
    pub ct_mul: usize,
    /// Relinearizations (key switches) when each sum of products is relinearized once.
    pub relinearizations: usize,
    /// Ciphertext × plaintext products.
    pub pt_mul: usize,
    /// Products by a scalar that consume a level.
    pub scalar_mul: usize,
    /// Levels the step consumes (from the model's lowest level to the updated model's).
    pub depth: usize,
}

impl StepCost {
    fn from_counts(c: &DryCounts, start: usize) -> Self {
        Self {
            rotations: c.rotations,
            ct_mul: c.ct_mul,
            relinearizations: c.relinearizations,
            pt_mul: c.pt_mul,
            scalar_mul: c.scalar_mul,
            depth: c.lowest_level.map_or(0, |l| start.saturating_sub(l)),
        }
    }

    fn key(&self) -> (usize, usize, usize, usize) {
        (
            self.rotations,
            self.relinearizations,
            self.ct_mul,
            self.pt_mul,
        )
    }
}

/// The plan of a training run: layout, costs, rotations.
#[derive(Clone, Debug)]
pub struct FcPlan {
    shape: FcShape,
    config: FcConfig,
    layout: FcLayout,
    hidden: Vec<f64>,
    output: Vec<f64>,
    step: StepCost,
    offsets: BTreeSet<usize>,
    schedule: RefreshSchedule,
}

/// Where a step on a backend that refreshes (bootstraps) refreshes its operands. By default
/// each layer refreshes only what its own products need (lazily); a layer marked *ahead*
/// refreshes its inputs for the rest of the pass instead (forward: the layers after it;
/// backward: the deltas of the layers below). Refreshing few ciphertexts early can spare
/// many later: [`FcPlan::tune_refreshes`] searches the marks on dry runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RefreshSchedule {
    /// Bit `l − 1`: layer `l`'s forward products refresh for the rest of the forward pass.
    pub forward_ahead: u32,
    /// Bit `l − 1`: layer `l`'s delta is refreshed for the rest of the backward pass.
    pub backward_ahead: u32,
}

impl RefreshSchedule {
    pub(crate) fn forward(&self, l: usize) -> bool {
        self.forward_ahead >> (l - 1) & 1 == 1
    }

    pub(crate) fn backward(&self, l: usize) -> bool {
        self.backward_ahead >> (l - 1) & 1 == 1
    }
}

/// Far above any real chain, so dry runs never run out of levels.
const TOP: usize = 1 << 24;

impl FcPlan {
    /// Checks the configuration and picks, of the field splits of `slots` (a power of two),
    /// the layout whose step takes the fewest rotations (then relinearizations, products).
    pub fn new(shape: FcShape, config: FcConfig, slots: usize) -> Result<Self, SetupError> {
        let c = Self::candidates(&shape, &config, slots)?;
        c.into_iter()
            .min_by_key(|p| (p.step.key(), p.layout.model_count()))
            .ok_or(SetupError::Config {
                name: "slots",
                reason: "no layout fits",
            })
    }

    /// The plan with field sizes `2^p_bits`, `2^q_bits` (the batch field takes the rest).
    pub fn with_fields(
        shape: FcShape,
        config: FcConfig,
        slots: usize,
        p_bits: u32,
        q_bits: u32,
    ) -> Result<Self, SetupError> {
        Self::validate(&shape, &config)?;
        let layout = FcLayout::new(&shape.layers, shape.batch, slots, p_bits, q_bits)?;
        Self::build(shape, config, layout)
    }

    /// Plans of the field splits whose products stay within twice the fewest, each with its
    /// step cost: what [`Self::new`] chooses from.
    pub fn candidates(
        shape: &FcShape,
        config: &FcConfig,
        slots: usize,
    ) -> Result<Vec<Self>, SetupError> {
        Self::validate(shape, config)?;
        if !slots.is_power_of_two() || slots < 2 {
            return Err(SetupError::Config {
                name: "slots",
                reason: "must be a power of two, at least 2",
            });
        }
        let log = slots.ilog2();
        let mut layouts = Vec::new();
        for p in 0..=log {
            for q in 0..=log - p {
                let l = FcLayout::new(&shape.layers, shape.batch, slots, p, q)?;
                let products: usize = (1..=l.layers())
                    .map(|i| l.b_chunks() * l.o_chunks(i) * l.n_chunks(i))
                    .sum();
                layouts.push((products, l));
            }
        }
        let fewest = layouts.iter().map(|(p, _)| *p).min().unwrap_or(0);
        layouts
            .into_iter()
            .filter(|(p, _)| *p <= 2 * fewest)
            .map(|(_, l)| Self::build(shape.clone(), config.clone(), l))
            .collect()
    }

    fn validate(shape: &FcShape, config: &FcConfig) -> Result<(), SetupError> {
        let bad = |name, reason| Err(SetupError::Config { name, reason });
        if shape.layers.len() < 2 || shape.layers.contains(&0) {
            return bad("layers", "need an input and at least one layer, none empty");
        }
        if shape.batch == 0 {
            return bad("batch", "must be positive");
        }
        if shape.layers[shape.layers.len() - 1] > usize::from(u8::MAX) + 1 {
            return bad("classes", "labels are bytes: at most 256 classes");
        }
        if !(config.learning_rate.is_finite() && config.learning_rate > 0.0) {
            return bad("learning rate", "must be positive and finite");
        }
        for (name, p) in [("hidden", &config.hidden), ("output", &config.output)] {
            let c = p.monomial_coeffs();
            if c.iter().any(|v| !v.is_finite()) {
                return bad(name, "monomial coefficients overflow");
            }
            if c.iter().skip(1).all(|&v| v == 0.0) {
                return bad(name, "an activation needs degree at least 1");
            }
        }
        if let Arithmetic::Fixed(f) = config.arithmetic {
            if f.plaintext_modulus < 3 {
                return bad("plaintext modulus", "must be at least 3");
            }
            if f.input_bits > 40 || f.weight_bits > 40 || f.coeff_bits > 40 {
                return bad("fixed-point bits", "at most 40 bits per value");
            }
        }
        Ok(())
    }

    fn build(shape: FcShape, config: FcConfig, layout: FcLayout) -> Result<Self, SetupError> {
        let trim = |mut c: Vec<f64>| {
            while c.len() > 1 && c[c.len() - 1] == 0.0 {
                c.pop();
            }
            c
        };
        let mut plan = Self {
            hidden: trim(config.hidden.monomial_coeffs()),
            output: trim(config.output.monomial_coeffs()),
            shape,
            config,
            layout,
            step: StepCost::default(),
            offsets: BTreeSet::new(),
            schedule: RefreshSchedule::default(),
        };
        let runs = plan
            .dry_run(1, TOP, 1.0, 1.0, false, None)
            .map_err(|e| match e {
                FcError::Setup(s) => s,
                _ => SetupError::Config {
                    name: "configuration",
                    reason: "the step cannot run on this layout (dry run failed)",
                },
            })?;
        let (counts, _) = &runs[0];
        plan.step = StepCost::from_counts(counts, TOP);
        plan.offsets = counts.offsets.clone();
        Ok(plan)
    }

    pub fn shape(&self) -> &FcShape {
        &self.shape
    }

    pub fn config(&self) -> &FcConfig {
        &self.config
    }

    pub fn layout(&self) -> &FcLayout {
        &self.layout
    }

    /// Monomial coefficients of the hidden activation.
    pub fn hidden_coeffs(&self) -> &[f64] {
        &self.hidden
    }

    /// Monomial coefficients of the output activation.
    pub fn output_coeffs(&self) -> &[f64] {
        &self.output
    }

    /// The first step's counts and depth (from a model and batch at one level).
    pub fn step_cost(&self) -> StepCost {
        self.step
    }

    /// Runs `steps` steps on [`DryRun`] from a model and batch at level `top` with inputs
    /// bounded by `x_bound` and weights by `w_bound`, the data of each step at the model's
    /// lowest level; per step its counts and the model after it.
    ///
    /// `refresh: Some(input_level)`: the backend refreshes to `top` operands at
    /// `input_level` or above, and every batch comes at `top` (a bootstrapped run).
    #[allow(clippy::type_complexity)]
    fn dry_run(
        &self,
        steps: usize,
        top: usize,
        x_bound: f64,
        w_bound: f64,
        track: bool,
        refresh: Option<usize>,
    ) -> Result<Vec<(DryCounts, Model<Dry>)>, FcError<ClearError>> {
        let (s, x, w) = (steps, x_bound, w_bound);
        match self.config.arithmetic {
            Arithmetic::Float => self.dry_run_as::<f64>(s, top, x, w, track, refresh),
            Arithmetic::Fixed(_) => self.dry_run_as::<i64>(s, top, x, w, track, refresh),
        }
    }

    /// The refresh schedule steps of this plan follow on a backend that refreshes.
    pub fn refresh_schedule(&self) -> RefreshSchedule {
        self.schedule
    }

    /// This plan with `schedule`.
    pub fn with_refresh_schedule(mut self, schedule: RefreshSchedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// This plan with a refresh schedule that does fewer refreshes over the first `steps`
    /// steps of a run refreshing to `level` operands at `input_level` or above: from the lazy
    /// schedule, the single mark (forward or backward, any layer) that saves the most, while
    /// one saves any (a local search on dry runs, `2·layers` per round). Deterministic: the
    /// owner and the server find the same.
    pub fn tune_refreshes(
        self,
        level: usize,
        input_level: usize,
        steps: usize,
    ) -> Result<Self, FcError<ClearError>> {
        let layers = self.layout.layers().min(32);
        let total = |schedule: RefreshSchedule| -> Option<usize> {
            let plan = self.clone().with_refresh_schedule(schedule);
            Some(plan.refreshes(level, input_level, steps).ok()?.iter().sum())
        };
        let mut best = RefreshSchedule::default();
        let mut best_total: usize = self.refreshes(level, input_level, steps)?.iter().sum();
        loop {
            let mut found: Option<(usize, RefreshSchedule)> = None;
            for bit in 0..layers {
                for backward in [false, true] {
                    let mut s = best;
                    let mask = if backward {
                        &mut s.backward_ahead
                    } else {
                        &mut s.forward_ahead
                    };
                    if *mask >> bit & 1 == 1 {
                        continue;
                    }
                    *mask |= 1 << bit;
                    if let Some(t) = total(s)
                        && t < found.map_or(best_total, |(f, _)| f)
                    {
                        found = Some((t, s));
                    }
                }
            }
            match found {
                Some((t, s)) => (best_total, best) = (t, s),
                None => return Ok(self.with_refresh_schedule(best)),
            }
        }
    }

    /// Refreshes each of `steps` steps does on a backend that refreshes to `level`
    /// operands at `input_level` or above, the model and every batch encrypted at `level`
    /// (a bootstrapped run: the levels and refreshes are the same whatever the data).
    /// [`FcError::OutOfLevels`] when a refresh to `level` cannot carry the step.
    pub fn refreshes(
        &self,
        level: usize,
        input_level: usize,
        steps: usize,
    ) -> Result<Vec<usize>, FcError<ClearError>> {
        let runs = self.dry_run(steps, level, 1.0, 1.0, false, Some(input_level))?;
        Ok(runs.iter().map(|(c, _)| c.refreshes).collect())
    }

    #[allow(clippy::type_complexity)]
    fn dry_run_as<S: FcScalar>(
        &self,
        steps: usize,
        top: usize,
        x_bound: f64,
        w_bound: f64,
        track: bool,
        refresh: Option<usize>,
    ) -> Result<Vec<(DryCounts, Model<Dry>)>, FcError<ClearError>> {
        let lay = &self.layout;
        let fixed = self.config.fixed();
        let scale = |bits: u32| {
            if fixed.is_some() {
                (bits as f64).exp2()
            } else {
                1.0
            }
        };
        let wb = w_bound * scale(fixed.map_or(0, |f| f.weight_bits));
        let xb = x_bound * scale(fixed.map_or(0, |f| f.input_bits));
        let dry = |level, bound| Dry { level, bound };
        let weights = (1..=lay.layers())
            .map(|l| vec![dry(top, wb); lay.weight_count(l)])
            .collect();
        let biases = (1..=lay.layers())
            .map(|l| vec![dry(top, wb); lay.o_chunks(l)])
            .collect();
        let mut model = Model::new(self, weights, biases)?;
        let mut out = Vec::with_capacity(steps);
        for _ in 0..steps {
            let level = model
                .weights()
                .iter()
                .chain(model.biases())
                .flatten()
                .map(|d| d.level)
                .min()
                .filter(|_| refresh.is_none())
                .unwrap_or(top);
            let batch = Batch::new(
                self,
                vec![dry(level, xb); lay.input_count(1)],
                vec![dry(level, 1.0); lay.output_count(lay.layers())],
            )?;
            let mut alg = DryRun::<S>::new(lay.slots(), top);
            if let Some(input) = refresh {
                alg = alg.with_refresh(top).with_refresh_input_level(input);
            }
            model = step_impl(self, &alg, &batch, model, track)?;
            out.push((alg.counts(), model.clone()));
        }
        Ok(out)
    }

    /// Levels a run of `steps` steps consumes: fresh model ciphertexts need at least this
    /// level (`None` if a dry run fails).
    pub fn levels_needed(&self, steps: usize) -> Option<usize> {
        if steps == 0 {
            return Some(0);
        }
        let runs = self.dry_run(steps, TOP, 1.0, 1.0, false, None).ok()?;
        let lowest = runs.iter().filter_map(|(c, _)| c.lowest_level).min()?;
        Some(TOP - lowest)
    }

    /// Steps that fit in `levels` levels (at most `cap`).
    pub fn steps_within(&self, levels: usize, cap: usize) -> usize {
        let mut k = 0;
        while k < cap && self.levels_needed(k + 1).is_some_and(|n| n <= levels) {
            k += 1;
        }
        k
    }

    /// The level step `step` (from 0) of a run started at `top` encrypts its batch at: the
    /// model's lowest level when the step starts.
    pub fn data_level(&self, step: usize, top: usize) -> Option<usize> {
        top.checked_sub(self.levels_needed(step)?)
    }

    /// The overflow planner of a fixed-point plan: bounds every integer of every step from
    /// inputs bounded by `input_bound` and initial weights and biases by `weight_bound`
    /// (worst case: sums add bounds, products multiply them), for up to `max_steps` steps.
    pub fn fixed_plan(
        &self,
        input_bound: f64,
        weight_bound: f64,
        max_steps: usize,
    ) -> Result<FixedPlan, SetupError> {
        let Arithmetic::Fixed(f) = self.config.arithmetic else {
            return Err(SetupError::Config {
                name: "arithmetic",
                reason: "the overflow planner is for fixed-point plans",
            });
        };
        let ok = |b: f64| b.is_finite() && b >= 0.0;
        if !(ok(input_bound) && ok(weight_bound)) {
            return Err(SetupError::Config {
                name: "bounds",
                reason: "must be finite and non-negative",
            });
        }
        let half = (f.plaintext_modulus / 2) as f64;
        let mut step_bits = Vec::new();
        let mut exps = Vec::new();
        let mut steps = 0;
        // Steps are run one more each time so a constant overflow ends the count cleanly.
        for k in 1..=max_steps {
            let Ok(runs) = self.dry_run(k, TOP, input_bound, weight_bound, true, None) else {
                step_bits.push(f64::INFINITY);
                break;
            };
            let (c, m) = &runs[k - 1];
            step_bits.push(c.max_bound.max(1.0).log2());
            exps.push((m.weight_exps().to_vec(), m.bias_exps().to_vec()));
            if c.max_bound.is_nan() || c.max_bound >= half {
                break;
            }
            steps = k;
        }
        Ok(FixedPlan {
            t_bits: (f.plaintext_modulus as f64).log2(),
            steps,
            step_bits,
            exps,
        })
    }
}

/// How many fixed-point steps stay below `t/2`.
#[derive(Clone, Debug, PartialEq)]
pub struct FixedPlan {
    /// `log2 t`.
    pub t_bits: f64,
    /// Steps whose every integer is bounded below `t/2`.
    pub steps: usize,
    /// `log2` of the largest integer bound of each step run (the last one may be the step
    /// that overflows; infinite when a constant no longer fits 62 bits).
    pub step_bits: Vec<f64>,
    /// Weight and bias exponents per layer after each step run.
    pub exps: Vec<(Vec<u32>, Vec<u32>)>,
}

/// All rotations of a step; [`Plan::cost`] is the first step's.
impl Plan for FcPlan {
    fn rotations_needed(&self) -> BTreeSet<usize> {
        self.offsets.clone()
    }

    fn cost(&self) -> Cost {
        Cost {
            rotations: self.step.rotations,
            ct_mul: self.step.ct_mul,
            pt_mul: self.step.pt_mul,
            depth: self.step.depth,
        }
    }
}
