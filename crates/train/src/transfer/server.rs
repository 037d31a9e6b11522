//! The server's side: one NAG iteration on ciphertexts only.

use blindfold_pack::volley::{self, CycledA};
use blindfold_rlwe::{Clear, SlotAlgebra};

use super::{OwnerData, TransferError, TransferPlan, decode_weights, owner_prepare};
use crate::Matrix;
use crate::reference::mlr::NagSchedule;

fn be<T, E>(r: Result<T, E>) -> Result<T, TransferError<E>> {
    r.map_err(TransferError::Backend)
}

/// The owner's ciphertexts, with `X` cycled once ([`TransferPlan::setup_cost`]).
#[derive(Clone, Debug)]
pub struct ServerData<C> {
    x: CycledA<C>,
    y: Vec<C>,
    b_inverse: Vec<C>,
}

impl<C: Clone> ServerData<C> {
    /// From the encryptions of [`OwnerData`]'s `x`, `y` and `b_inverse`.
    pub fn new<A: SlotAlgebra<Ct = C, Scalar = f64>>(
        plan: &TransferPlan,
        alg: &A,
        x: &[C],
        y: Vec<C>,
        b_inverse: Vec<C>,
    ) -> Result<Self, TransferError<A::Error>> {
        let layout = plan.layout();
        if y.len() != layout.score_count() || b_inverse.len() != layout.b_count() {
            return Err(TransferError::State {
                reason: "label or B̄⁻¹ ciphertexts do not match the plan",
            });
        }
        let x = volley::cycle(alg, layout, plan.config().rotations, x)?;
        Ok(Self { x, y, b_inverse })
    }
}

/// Weights `W` (the model) and look-ahead `V` after some iterations.
#[derive(Clone, Debug)]
pub struct TrainState<C> {
    iteration: usize,
    /// `None`: public zeros.
    w: Option<Vec<C>>,
    v: Option<Vec<C>>,
    schedule: NagSchedule,
}

impl<C: Clone> TrainState<C> {
    /// Before the first iteration, from public zero weights.
    pub fn zero(plan: &TransferPlan) -> Self {
        Self {
            iteration: 0,
            w: None,
            v: None,
            schedule: NagSchedule::new(plan.config().lambda0),
        }
    }

    /// Before the first iteration, from the encryption of [`OwnerData::initial_weights`].
    pub fn from_encrypted(plan: &TransferPlan, w0: Vec<C>) -> Self {
        Self {
            iteration: 0,
            w: Some(w0.clone()),
            v: Some(w0),
            schedule: NagSchedule::new(plan.config().lambda0),
        }
    }

    /// Iterations done.
    pub fn iteration(&self) -> usize {
        self.iteration
    }

    /// The model `W` in the weight layout (`None` while it is the public zero start).
    pub fn weights(&self) -> Option<&[C]> {
        self.w.as_deref()
    }
}

/// One iteration: `W' = V + α B̄⁻¹ ⊙ G(V)`, `V' = (1 − η) W' + η W`, `G(V) = (Y − σ(X Vᵀ))ᵀ X`.
/// Checks the levels left before any work ([`TransferPlan::iteration_depth`]).
pub fn train_step<A: SlotAlgebra<Scalar = f64>>(
    plan: &TransferPlan,
    alg: &A,
    data: &ServerData<A::Ct>,
    state: TrainState<A::Ct>,
) -> Result<TrainState<A::Ct>, TransferError<A::Error>> {
    let layout = plan.layout();
    let t = state.iteration;
    let TrainState {
        w, v, mut schedule, ..
    } = state;
    if v.is_none() && !(t == 0 && plan.zero_start()) {
        return Err(TransferError::State {
            reason: "zero weights are only a start from a zero-start plan",
        });
    }
    if let Some(v) = &v
        && (v.len() != layout.b_count() || w.as_ref().is_none_or(|w| w.len() != v.len()))
    {
        return Err(TransferError::State {
            reason: "weight ciphertexts do not match the plan",
        });
    }
    let needed = plan.iteration_depth(t);
    let (w, v) = refresh_if_low(alg, needed, w, v)?;
    let available = match &v {
        Some(v) => v.iter().map(|c| alg.level(c)).min().unwrap_or(0),
        None => data.y.iter().map(|c| alg.level(c)).min().unwrap_or(0),
    };
    if available < needed {
        return Err(TransferError::OutOfLevels { needed, available });
    }

    // E = Y − mask ⊙ σ(X Vᵀ), zero outside the score entries.
    let masks = layout.score_mask::<f64>();
    let scores = match &v {
        Some(v) => Some(volley::product(alg, layout, &data.x, v)?),
        None => None,
    };
    let sigmoid = plan.sigmoid();
    let mut e = Vec::with_capacity(layout.score_count());
    for (g, (y, mask)) in data.y.iter().zip(&masks).enumerate() {
        let c0: Vec<f64> = mask.iter().map(|m| -sigmoid.constant() * m).collect();
        let base = be(alg.add_plain(y, &be(alg.encode(&c0, alg.level(y)))?))?;
        let rest = match &scores {
            Some(s) => be(sigmoid.eval(alg, &s[g], mask))?,
            None => None,
        };
        e.push(match rest {
            Some(r) => be(alg.sub(&base, &r))?,
            None => base,
        });
    }
    let grad = volley::transposed_product(alg, layout, plan.config().rotations, &data.x, &e)?;

    let n = plan.shape().samples as f64;
    let alpha = 1.0 + 1.0 / ((t + 1) as f64 * n);
    let eta = schedule.next_eta();
    let mut w_next = Vec::with_capacity(grad.len());
    let mut v_next = Vec::with_capacity(grad.len());
    for (h, (g, binv)) in grad.iter().zip(&data.b_inverse).enumerate() {
        let step_w = be(alg.mul(&be(alg.mul_scalar(binv, alpha))?, g))?;
        let step_v = be(alg.mul(&be(alg.mul_scalar(binv, (1.0 - eta) * alpha))?, g))?;
        match (&w, &v) {
            (Some(w), Some(v)) => {
                w_next.push(be(alg.add(&v[h], &step_w))?);
                let kept = be(alg.add(
                    &be(alg.mul_scalar(&v[h], 1.0 - eta))?,
                    &be(alg.mul_scalar(&w[h], eta))?,
                ))?;
                v_next.push(be(alg.add(&kept, &step_v))?);
            }
            _ => {
                w_next.push(step_w);
                v_next.push(step_v);
            }
        }
    }
    Ok(TrainState {
        iteration: t + 1,
        w: Some(w_next),
        v: Some(v_next),
        schedule,
    })
}

/// On a backend that refreshes (bootstraps), refreshes `W` and `V` before an iteration of
/// `needed` levels that would leave them below the lowest level a refresh accepts: the
/// level invariant then holds after every iteration, whatever comes next (at the price of
/// at most one refresh more than a run that knew its last iteration).
#[allow(clippy::type_complexity)]
fn refresh_if_low<A: SlotAlgebra>(
    alg: &A,
    needed: usize,
    w: Option<Vec<A::Ct>>,
    v: Option<Vec<A::Ct>>,
) -> Result<(Option<Vec<A::Ct>>, Option<Vec<A::Ct>>), TransferError<A::Error>> {
    let (Some(top), Some(wv), Some(vv)) = (alg.refresh_level(), &w, &v) else {
        return Ok((w, v));
    };
    let level = wv.iter().chain(vv).map(|c| alg.level(c)).min().unwrap_or(0);
    let floor = needed + alg.refresh_input_level();
    if level >= floor {
        return Ok((w, v));
    }
    if top < floor {
        // Refreshed weights could not take the iteration and be refreshed again.
        return Err(TransferError::OutOfLevels {
            needed: floor,
            available: top,
        });
    }
    let refresh = |cts: &[A::Ct]| -> Result<Vec<A::Ct>, TransferError<A::Error>> {
        cts.iter().map(|c| be(alg.refresh(c))).collect()
    };
    Ok((Some(refresh(wv)?), Some(refresh(vv)?)))
}

/// The whole protocol on [`Clear::real`] (the plaintext mirror): the owner's preparation,
/// `iterations` server steps with exactly the levels the plan asks for, and the model after
/// each iteration.
pub fn train_clear(
    plan: &TransferPlan,
    x: &Matrix,
    labels: &[u8],
    iterations: usize,
) -> Result<Vec<Matrix>, TransferError<blindfold_rlwe::ClearError>> {
    let levels = plan.levels_needed(iterations);
    let alg = Clear::real(plan.layout().slots(), levels);
    run_clear(plan, &alg, levels, x, labels, iterations)
}

/// The mirror of a bootstrapped run: data and weights start at `level`, where a refresh
/// also lands, and a refresh accepts operands from `input_level` up (the encrypted
/// backend's [`SlotAlgebra::refresh_level`] and [`SlotAlgebra::refresh_input_level`]).
/// Returns the model after each iteration and the refreshes done.
pub fn train_clear_refreshing(
    plan: &TransferPlan,
    x: &Matrix,
    labels: &[u8],
    iterations: usize,
    level: usize,
    input_level: usize,
) -> Result<(Vec<Matrix>, usize), TransferError<blindfold_rlwe::ClearError>> {
    let alg = blindfold_pack::Counting::new(
        Clear::real(plan.layout().slots(), level)
            .with_refresh(level)
            .with_refresh_input_level(input_level),
    );
    let models = run_clear(plan, &alg, level, x, labels, iterations)?;
    Ok((models, alg.counts().refreshes))
}

fn run_clear<A>(
    plan: &TransferPlan,
    alg: &A,
    level: usize,
    x: &Matrix,
    labels: &[u8],
    iterations: usize,
) -> Result<Vec<Matrix>, TransferError<blindfold_rlwe::ClearError>>
where
    A: SlotAlgebra<Scalar = f64, Error = blindfold_rlwe::ClearError> + ClearValues,
{
    let OwnerData {
        x: xs,
        y,
        b_inverse,
        initial_weights,
    } = owner_prepare(plan, x, labels)?;
    let enc = |vs: Vec<Vec<f64>>| -> Result<Vec<_>, _> {
        vs.iter().map(|v| alg.encrypt_values(v, level)).collect()
    };
    let data = ServerData::new(
        plan,
        alg,
        &enc(xs).map_err(TransferError::Backend)?,
        enc(y).map_err(TransferError::Backend)?,
        enc(b_inverse).map_err(TransferError::Backend)?,
    )?;
    let mut state = match initial_weights {
        Some(w0) => TrainState::from_encrypted(plan, enc(w0).map_err(TransferError::Backend)?),
        None => TrainState::zero(plan),
    };
    let mut models = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        state = train_step(plan, alg, &data, state)?;
        let w = state.weights().ok_or(TransferError::State {
            reason: "no weights after a step",
        })?;
        let values: Vec<Vec<f64>> = w.iter().map(|c| alg.values(c)).collect();
        models.push(
            decode_weights(plan, &values)
                .map_err(TransferError::<blindfold_rlwe::ClearError>::from)?,
        );
    }
    Ok(models)
}

/// A plaintext backend whose ciphertexts can be made from and read as slot values.
trait ClearValues: SlotAlgebra {
    fn encrypt_values(&self, v: &[f64], level: usize) -> Result<Self::Ct, Self::Error>;
    fn values(&self, c: &Self::Ct) -> Vec<f64>;
}

impl ClearValues for Clear<f64> {
    fn encrypt_values(&self, v: &[f64], level: usize) -> Result<Self::Ct, Self::Error> {
        self.encrypt(v, level)
    }
    fn values(&self, c: &Self::Ct) -> Vec<f64> {
        c.values.clone()
    }
}

impl ClearValues for blindfold_pack::Counting<Clear<f64>> {
    fn encrypt_values(&self, v: &[f64], level: usize) -> Result<Self::Ct, Self::Error> {
        self.inner().encrypt(v, level)
    }
    fn values(&self, c: &Self::Ct) -> Vec<f64> {
        c.values.clone()
    }
}
