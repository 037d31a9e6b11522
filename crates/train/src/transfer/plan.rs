//! What a training run needs, known before any key exists: rotations (Galois keys), the
//! depth of each iteration, the levels of a run, operation counts.

use std::collections::BTreeSet;

use blindfold_approx::Polynomial;
use blindfold_pack::volley::{RotationStyle, Stage, VolleyLayout, VolleyShape};
use blindfold_pack::{Cost, Plan};

use super::SetupError;
use super::poly::MaskedPoly;

/// The training problem: `samples` rows of `features` values (bias and padding included:
/// Chiang's `[1, x, 0…]`, 512 for the 400 RegNet features) and `classes` labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransferShape {
    pub samples: usize,
    pub features: usize,
    pub classes: usize,
}

/// How to train.
#[derive(Clone, Debug, PartialEq)]
pub struct TransferConfig {
    /// The sigmoid's stand-in (any basis; evaluated in the monomial basis of the raw score).
    pub sigmoid: Polynomial,
    /// `λ₀` of Kim et al.'s NAG schedule.
    pub lambda0: f64,
    /// `ε` of the quadratic-gradient diagonal `B̄ = ε + ¼ Σ|x||x|`.
    pub epsilon: f64,
    /// Every weight starts here. Zero (Chiang's start) is public: the server then needs no
    /// initial ciphertexts and the first iteration skips the scores.
    pub initial_weight: f64,
    /// How repeated rotations of one ciphertext are made (keys vs speed).
    pub rotations: RotationStyle,
}

impl TransferConfig {
    /// Chiang's setting: the degree-3 sigmoid `0.5 + 0.1068x − 0.000385x³`, `λ₀ = 0.01`,
    /// `ε = 1e-10`, zero start.
    pub fn chiang_paper() -> Self {
        Self {
            sigmoid: blindfold_approx::chiang::chiang_sigmoid3(),
            lambda0: 0.01,
            epsilon: 1e-10,
            initial_weight: 0.0,
            rotations: RotationStyle::Chain,
        }
    }
}

/// The plan of a training run: slot layouts, rotations, depth and counts per iteration.
#[derive(Clone, Debug)]
pub struct TransferPlan {
    shape: TransferShape,
    config: TransferConfig,
    layout: VolleyLayout,
    sigmoid: MaskedPoly,
}

impl TransferPlan {
    /// Checks the configuration and lays the matrices out in `slots` slots.
    pub fn new(
        shape: TransferShape,
        config: TransferConfig,
        slots: usize,
    ) -> Result<Self, SetupError> {
        let bad = |name, reason| Err(SetupError::Config { name, reason });
        if !(config.lambda0.is_finite()) {
            return bad("lambda0", "must be finite");
        }
        if !(config.epsilon.is_finite() && config.epsilon > 0.0) {
            return bad("epsilon", "must be positive and finite");
        }
        if !config.initial_weight.is_finite() {
            return bad("initial weight", "must be finite");
        }
        if shape.classes > usize::from(u8::MAX) + 1 {
            return bad("classes", "labels are bytes: at most 256 classes");
        }
        let monomial = config
            .sigmoid
            .to_monomial()
            .map_err(|_| SetupError::Config {
                name: "sigmoid polynomial",
                reason: "its monomial coefficients overflow",
            })?;
        let layout = VolleyLayout::new(
            VolleyShape {
                rows: shape.samples,
                cols: shape.features,
                classes: shape.classes,
            },
            slots,
        )?;
        Ok(Self {
            shape,
            sigmoid: MaskedPoly::new(monomial.coeffs().to_vec()),
            config,
            layout,
        })
    }

    pub fn shape(&self) -> TransferShape {
        self.shape
    }

    pub fn config(&self) -> &TransferConfig {
        &self.config
    }

    /// The Volley layouts of `X` (data), `W`, `V`, `B̄⁻¹` (weights) and `Y`, `E` (scores).
    pub fn layout(&self) -> &VolleyLayout {
        &self.layout
    }

    pub(crate) fn sigmoid(&self) -> &MaskedPoly {
        &self.sigmoid
    }

    /// Whether the weights start at public zeros.
    pub fn zero_start(&self) -> bool {
        self.config.initial_weight == 0.0
    }

    fn stage(&self, stage: Stage) -> Cost {
        self.layout.plan(stage, self.config.rotations).cost()
    }

    /// Cycling `X` once, before the first iteration.
    pub fn setup_cost(&self) -> Cost {
        self.stage(Stage::Cycle)
    }

    /// The sigmoid on the score ciphertexts.
    pub fn sigmoid_cost(&self) -> Cost {
        let one = self.sigmoid.cost();
        let n = self.layout.score_count();
        Cost {
            ct_mul: one.ct_mul * n,
            pt_mul: one.pt_mul * n,
            ..one
        }
    }

    /// `W' = V + (α B̄⁻¹) ⊙ G` and `V' = … + ((1 − η) α B̄⁻¹) ⊙ G`, per weight ciphertext.
    fn update_cost(&self) -> Cost {
        Cost {
            ct_mul: 2 * self.layout.b_count(),
            depth: 1,
            ..Cost::default()
        }
    }

    /// Iteration `t` (from 0): scores, sigmoid, gradient, update; the first iteration from
    /// zero weights only the gradient and the update.
    pub fn iteration_cost(&self, t: usize) -> Cost {
        let gradient = self.stage(Stage::Transpose) + self.update_cost();
        if t == 0 && self.zero_start() {
            gradient
        } else {
            self.stage(Stage::Product) + self.sigmoid_cost() + gradient
        }
    }

    /// Relinearizations of iteration `t` on a backend whose `mul_sum` relinearizes each sum
    /// once (one per ct × ct product otherwise, [`Cost::ct_mul`]).
    pub fn iteration_relinearizations(&self, t: usize) -> usize {
        let update = 2 * self.layout.b_count();
        let gradient = self
            .layout
            .plan(Stage::Transpose, self.config.rotations)
            .product_sums()
            + update;
        if t == 0 && self.zero_start() {
            gradient
        } else {
            self.layout
                .plan(Stage::Product, self.config.rotations)
                .product_sums()
                + self.sigmoid_cost().ct_mul
                + gradient
        }
    }

    /// Levels consumed by iteration `t`.
    pub fn iteration_depth(&self, t: usize) -> usize {
        self.iteration_cost(t).depth
    }

    /// Levels a run of `iterations` consumes: fresh ciphertexts need at least this level.
    pub fn levels_needed(&self, iterations: usize) -> usize {
        (0..iterations).map(|t| self.iteration_depth(t)).sum()
    }

    /// Iterations that fit in `levels` levels.
    pub fn iterations_within(&self, levels: usize) -> usize {
        let mut t = 0;
        let mut used = 0;
        loop {
            used += self.iteration_depth(t);
            if used > levels {
                return t;
            }
            t += 1;
        }
    }

    /// Setup plus `iterations` iterations.
    pub fn run_cost(&self, iterations: usize) -> Cost {
        (0..iterations).fold(self.setup_cost(), |c, t| c + self.iteration_cost(t))
    }
}

/// All rotations of a run; [`Plan::cost`] is one steady-state iteration (scores included).
impl Plan for TransferPlan {
    fn rotations_needed(&self) -> BTreeSet<usize> {
        self.layout
            .plan_stages(
                &[Stage::Cycle, Stage::Product, Stage::Transpose],
                self.config.rotations,
            )
            .rotations_needed()
    }

    fn cost(&self) -> Cost {
        self.iteration_cost(1)
    }
}
