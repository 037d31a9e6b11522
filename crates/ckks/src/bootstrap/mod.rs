//! CKKS bootstrapping: a ciphertext at a low level comes back at a high level with the same
//! slots (Cheon–Han–Kim–Kim–Song with the improvements of Chen–Chillotti–Song, Han–Ki and
//! Bossuat et al.).
//!
//! The order is Lattigo's: **SlotToCoeff first**, on the input (`input_level → 0`), so the
//! coefficients that go through ModRaise are the slot values themselves; then **ModRaise**
//! (the level-0 ciphertext read modulo the top modulus: `t = m + q_0·I`), for sparse slots the
//! **trace** onto the subring, **CoeffToSlot** (`t/q_0` into the slots), **EvalMod** (removes
//! `I`) on the real and imaginary parts. The output needs no transform after EvalMod, and
//! EvalMod's error reaches each slot as is, not summed over `n` coefficients (`√n` times
//! smaller than with SlotToCoeff last).
//!
//! - [`BootstrapConfig`]: slots, levels per transform, the overflow bound `K` (from the
//!   secret's Hamming weight and a failure probability), double angles, degree.
//! - [`BootstrapPlan`]: everything known before any key exists — the Galois elements (so key
//!   generation creates exactly that set), the levels consumed, the input and output levels,
//!   the key switches and products per refresh.
//! - [`Bootstrapper`]: the plan with its diagonals encoded once; [`Bootstrapper::bootstrap`],
//!   or [`Evaluator::with_bootstrapper`] and then `SlotAlgebra::refresh`.

mod dft;
mod evalmod;
mod lintrans;

use std::f64::consts::PI;
use std::sync::Arc;

use blindfold_rlwe::Ciphertext;
use blindfold_rlwe::cipher::apply_galois_hoisted;
use blindfold_rns::{Coeff, Ntt, Poly, conjugation_element};

use crate::eval::same_scale;
use crate::{CkksParameters, Encoder, Error, Evaluator};
use evalmod::{EvalMod, times_i};
use lintrans::{EncodedLevel, LevelShape, Used, element, galois_key};

/// What to bootstrap and how: see the field docs and [`BootstrapConfig::new`] for defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct BootstrapConfig {
    /// Slots (a power of two `≤ N/2`; below `N/2` the ciphertexts are sparsely packed).
    pub slots: usize,
    /// Levels of SlotToCoeff, spent from the input: a refresh takes a ciphertext at this
    /// level or above.
    pub slot_to_coeff_levels: usize,
    /// Levels of CoeffToSlot, spent at the top of the chain.
    pub coeff_to_slot_levels: usize,
    /// `log2` of the baby steps of each transform level.
    pub log_baby_steps: u32,
    /// `K`: ModRaise's overflow `|I| ≤ K` must hold for every coefficient
    /// (see [`BootstrapConfig::overflow_bound`]).
    pub overflow_bound: usize,
    /// Squarings `r` after the interpolant of `e^{2πi·x/2^r}`.
    pub double_angle: u32,
    /// Degree of that interpolant.
    pub degree: usize,
    /// `log2(q_0/Δ')`, `Δ'` the scale of the coefficients entering ModRaise (`R`). The sine
    /// (with Richardson) is off by `φ⁴/30` relative, `φ = 2π·z/R`: with `R = 2^7`, slot parts
    /// `|z| ≤ 1` lose nothing measurable (`2^-22` at `|z| = 1`), `|z| = 2` keeps 18 bits
    /// relative, `|z| = 4` 14 bits; the refresh wraps around at `|z| ≈ R/4`.
    pub log_message_ratio: u32,
    /// One more squaring that cancels the sine's cubic error (one more level).
    pub richardson: bool,
}

impl BootstrapConfig {
    /// Defaults for `params` and `slots`: 3 + 3 transform levels, 8 baby steps, `K` for a
    /// failure probability of `2^-40` per refresh, `r` with `2π(K+1)/2^r ≤ 27`, the smallest
    /// degree interpolating `e^{iay}` within `2^-40`, `q_0/Δ' = 2^7`, Richardson on.
    pub fn new(params: &CkksParameters, slots: usize) -> Self {
        let k = Self::overflow_bound(params.log_n(), 40);
        let mut r = 0u32;
        while 2.0 * PI * (k as f64 + 1.0) / 2f64.powi(r as i32) > 27.0 {
            r += 1;
        }
        let a = 2.0 * PI * (k as f64 + 1.0) / 2f64.powi(r as i32);
        Self {
            slots,
            slot_to_coeff_levels: 3,
            coeff_to_slot_levels: 3,
            log_baby_steps: 3,
            overflow_bound: k,
            double_angle: r,
            degree: Self::degree_for(a, 2f64.powi(-40)),
            log_message_ratio: 7,
            richardson: true,
        }
    }

    /// `K` for a dense ternary secret of `N = 2^log_n` and a failure probability `2^-λ` per
    /// refresh. After ModRaise, `x = t/q_0 = c_0/q_0 + Σ_j c_{1,j}·s_{i−j}/q_0` is a sum of
    /// `h + 1` terms uniform in `[−1/2, 1/2)` (`h` the Hamming weight), sub-Gaussian with
    /// variance `σ² = (h+1)/12`, so `P(|x| > K+1) ≤ 2·exp(−(K+1)²/(2σ²))` per coefficient
    /// (Chernoff); the union over the `N` coefficients gives `K`. `h` is bounded by
    /// `2N/3 + 8·√(2N/9)` (eight standard deviations of the binomial weight: probability
    /// below `2^-48`). N = 2^16, λ = 40: `K = 547` (OpenFHE takes 512 for uniform ternary).
    pub fn overflow_bound(log_n: u32, failure_log2: u32) -> usize {
        let n = (1u64 << log_n) as f64;
        let h = 2.0 * n / 3.0 + 8.0 * (2.0 * n / 9.0).sqrt();
        let var = (h + 1.0) / 12.0;
        // 2N·2·exp(−(K+1)²/(2σ²)) ≤ 2^-λ.
        let t =
            (2.0 * var * ((failure_log2 as f64 + 2.0) * core::f64::consts::LN_2 + n.ln())).sqrt();
        (t - 1.0).ceil().max(1.0) as usize
    }

    /// The smallest degree whose interpolant of `e^{iay}` on `[−1, 1]` is within `max_error`.
    pub fn degree_for(a: f64, max_error: f64) -> usize {
        (4..=255)
            .find(|&d| evalmod::exp_error(&evalmod::exp_coeffs(a, 1.0, d), a, 1.0) <= max_error)
            .unwrap_or(255)
    }
}

/// Key switches and products of one refresh (full slots run EvalMod twice).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BootstrapCost {
    /// Rotations sharing one decomposition (baby steps), per transform.
    pub hoisted_rotations: usize,
    /// Rotations with their own decomposition (giant steps, trace).
    pub rotations: usize,
    /// Conjugations.
    pub conjugations: usize,
    /// Ciphertext products (each with a relinearization).
    pub products: usize,
}

/// A bootstrap known before any key exists: its Galois elements, levels and cost.
#[derive(Clone, Debug)]
pub struct BootstrapPlan {
    params: Arc<CkksParameters>,
    config: BootstrapConfig,
    stc: Vec<LevelShape>,
    cts: Vec<LevelShape>,
    trace: Vec<i64>,
    evalmod: EvalMod,
    galois: Vec<u64>,
}

impl BootstrapPlan {
    /// Checks `config` against `params`: the transforms, the EvalMod depth and at least the
    /// input level must fit in the chain.
    pub fn new(params: &Arc<CkksParameters>, config: BootstrapConfig) -> Result<Self, Error> {
        let n = config.slots;
        if !n.is_power_of_two() || n > params.max_slots() {
            return Err(Error::InvalidSlots {
                slots: n,
                max: params.max_slots(),
            });
        }
        let bad = |reason| Err(Error::InvalidBootstrap { reason });
        if config.slot_to_coeff_levels == 0 || config.coeff_to_slot_levels == 0 {
            return bad("each transform needs at least one level");
        }
        if !(1..=12).contains(&config.log_baby_steps) {
            return bad("log2 of the baby steps must be in 1..=12");
        }
        if config.overflow_bound == 0 || !(2..=60).contains(&config.log_message_ratio) {
            return bad("the overflow bound must be positive and the message ratio 2^2..2^60");
        }
        if !(4..=255).contains(&config.degree) || config.double_angle > 30 {
            return bad("degree must be in 4..=255 and double angles at most 30");
        }
        let baby = 1usize << config.log_baby_steps;
        let shapes = |mats: Vec<(dft::DiagMatrix, usize)>| -> Vec<LevelShape> {
            mats.iter()
                .map(|(m, s)| LevelShape::new(m, *s, baby.min(m.diags().len().max(1))))
                .collect()
        };
        let stc = shapes(dft::slots_to_coeffs(n, config.slot_to_coeff_levels));
        let cts = shapes(dft::coeffs_to_slots(n, config.coeff_to_slot_levels));
        let gap = params.max_slots() / n;
        let trace: Vec<i64> = (0..gap.trailing_zeros()).map(|k| (n << k) as i64).collect();
        let gamma = 2f64.powi(config.log_message_ratio as i32) / (2.0 * PI);
        let evalmod = EvalMod::new(
            config.overflow_bound,
            config.double_angle,
            config.degree,
            config.richardson,
            gamma,
        );
        let input = stc.len();
        let top = params.max_level();
        let after_cts = top.checked_sub(cts.len());
        match after_cts.and_then(|l| l.checked_sub(evalmod.depth())) {
            Some(out) if out >= input => {}
            _ => return bad("the chain is too short for this bootstrap"),
        }
        let log_n = params.log_n();
        let mut galois: Vec<u64> = stc
            .iter()
            .chain(&cts)
            .flat_map(|s| s.rotations().into_iter().map(move |k| element(log_n, n, k)))
            .chain(trace.iter().map(|&k| element(log_n, params.max_slots(), k)))
            .chain([conjugation_element(log_n)])
            .collect();
        galois.sort_unstable();
        galois.dedup();
        Ok(Self {
            params: Arc::clone(params),
            config,
            stc,
            cts,
            trace,
            evalmod,
            galois,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &BootstrapConfig {
        &self.config
    }

    /// The parameters.
    pub fn params(&self) -> &Arc<CkksParameters> {
        &self.params
    }

    /// Galois elements of every rotation and conjugation a refresh performs (sorted): pass
    /// them, with a relinearization key, to `KeyGenerator::evaluation_keys`.
    pub fn galois_elements(&self) -> &[u64] {
        &self.galois
    }

    /// Lowest level a refresh accepts (SlotToCoeff's levels).
    pub fn input_level(&self) -> usize {
        self.stc.len()
    }

    /// Level of a refreshed ciphertext.
    pub fn output_level(&self) -> usize {
        self.params.max_level() - self.cts.len() - self.evalmod.depth()
    }

    /// Levels left for computation between two refreshes.
    pub fn computation_levels(&self) -> usize {
        self.output_level() - self.input_level()
    }

    /// Levels of (SlotToCoeff, CoeffToSlot, EvalMod).
    pub fn depths(&self) -> (usize, usize, usize) {
        (self.stc.len(), self.cts.len(), self.evalmod.depth())
    }

    /// Interpolation error of `e^{iay}` (before the `2^r` amplification of the squarings).
    pub fn interpolation_error(&self) -> f64 {
        self.evalmod.approx_error
    }

    /// Key switches and products of one refresh.
    pub fn cost(&self) -> BootstrapCost {
        let mut c = BootstrapCost::default();
        for s in self.stc.iter().chain(&self.cts) {
            let (h, g) = s.key_switches();
            c.hoisted_rotations += h;
            c.rotations += g;
        }
        c.rotations += self.trace.len();
        c.conjugations = 2;
        c.products = 2 * self.evalmod.products();
        c
    }
}

/// A [`BootstrapPlan`] with its transforms encoded (done once; the diagonals are the bulk
/// of its memory, next to the keys).
pub struct Bootstrapper {
    plan: BootstrapPlan,
    stc: Vec<EncodedLevel>,
    cts: Vec<EncodedLevel>,
    /// Scale of the coefficients entering ModRaise, `q_0 / 2^log_message_ratio`.
    raise_scale: f64,
    /// `X^{N/2}` (multiplication by `i`) in NTT form over every `Q` prime.
    ipoly: Poly<Ntt>,
    used: Used,
}

impl core::fmt::Debug for Bootstrapper {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Bootstrapper")
            .field("slots", &self.plan.config.slots)
            .field("input_level", &self.plan.input_level())
            .field("output_level", &self.plan.output_level())
            .finish_non_exhaustive()
    }
}

/// SlotToCoeff starts by multiplying its input by this exact integer (no level): the baby
/// rotations' mod-down noise then sits `2^5` further below the message, while the diagonals
/// lose only `2^5/3` of their scale (both errors are then about `2^-29` at N = 2^16).
const STC_GAIN: i64 = 1 << 5;

/// Plaintext scales for a chain of transform levels `(matrix, level)` taking scale `s_in` to
/// `s_out`: all equal (`s·pt/(q·max_abs)` per level), so no level encodes its diagonals with
/// less precision than the others.
fn pt_scales(
    params: &CkksParameters,
    levels: &[(&dft::DiagMatrix, usize)],
    s_in: f64,
    s_out: f64,
) -> Vec<f64> {
    let log_total = s_out.ln() - s_in.ln()
        + levels
            .iter()
            .map(|(m, l)| (params.q(*l) as f64).ln() + m.max_abs().ln())
            .sum::<f64>();
    let pt = (log_total / levels.len() as f64).exp();
    vec![pt; levels.len()]
}

impl Bootstrapper {
    /// Encodes the plan's transforms.
    pub fn new(plan: BootstrapPlan) -> Result<Self, Error> {
        let params = Arc::clone(&plan.params);
        let encoder = Encoder::new(&params);
        let cfg = &plan.config;
        let n = cfg.slots;
        let gap = params.max_slots() / n;
        let raise_scale = params.q(0) as f64 / 2f64.powi(cfg.log_message_ratio as i32);
        // SlotToCoeff: from the ladder scale of the input level to `raise_scale` at level 0.
        let input = plan.input_level();
        let s_in = params.scale(input) * STC_GAIN as f64;
        let mats = dft::slots_to_coeffs(n, cfg.slot_to_coeff_levels);
        let at: Vec<(&dft::DiagMatrix, usize)> = mats
            .iter()
            .enumerate()
            .map(|(j, (m, _))| (m, input - j))
            .collect();
        let pts = pt_scales(&params, &at, s_in, raise_scale);
        let mut stc = Vec::with_capacity(mats.len());
        for (((m, level), shape), pt) in at.iter().zip(&plan.stc).zip(pts) {
            stc.push(EncodedLevel::new(
                &encoder,
                m,
                shape.clone(),
                *level,
                pt,
                false,
            )?);
        }
        // CoeffToSlot: from `raise_scale` to the ladder scale where EvalMod starts, with
        // 1/(2·gap·R·(K+1)) folded in (y/2 out, y = x/(K+1), x = z/R + I).
        let top = params.max_level();
        let out_level = top - plan.cts.len();
        let s_out = params.scale(out_level);
        let mut mats = dft::coeffs_to_slots(n, cfg.coeff_to_slot_levels);
        let fold = 1.0
            / (2.0
                * gap as f64
                * 2f64.powi(cfg.log_message_ratio as i32)
                * (cfg.overflow_bound as f64 + 1.0));
        if let Some((m, _)) = mats.last_mut() {
            m.scale(fold);
        }
        let at: Vec<(&dft::DiagMatrix, usize)> = mats
            .iter()
            .enumerate()
            .map(|(j, (m, _))| (m, top - j))
            .collect();
        let pts = pt_scales(&params, &at, raise_scale, s_out);
        let mut cts = Vec::with_capacity(mats.len());
        for (((m, level), shape), pt) in at.iter().zip(&plan.cts).zip(pts) {
            cts.push(EncodedLevel::new(
                &encoder,
                m,
                shape.clone(),
                *level,
                pt,
                true,
            )?);
        }
        let ring = params.rlwe().ring();
        let mut mono = vec![0i64; ring.n()];
        mono[ring.n() / 2] = 1;
        let ipoly = Poly::<Coeff>::from_signed(ring, &mono, ring.num_q(), 0)?.into_ntt();
        Ok(Self {
            plan,
            stc,
            cts,
            raise_scale,
            ipoly,
            used: Used::default(),
        })
    }

    /// Galois elements of every key the bootstraps so far have used (sorted): equal to
    /// [`BootstrapPlan::galois_elements`] after one refresh.
    pub fn used_galois_elements(&self) -> Vec<u64> {
        let used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        used.iter().copied().collect()
    }

    fn conjugate(&self, eval: &Evaluator, ct: &Ciphertext) -> Result<Ciphertext, Error> {
        let params = eval.params();
        let key = galois_key(eval, &self.used, conjugation_element(params.log_n()), None)?;
        Ok(apply_galois_hoisted(params.rlwe(), ct, &[key])?.remove(0))
    }

    /// The plan.
    pub fn plan(&self) -> &BootstrapPlan {
        &self.plan
    }

    /// Checks that `eval` can run this bootstrap: same parameters and slots, a
    /// relinearization key and every Galois key of the plan.
    pub fn check_keys(&self, eval: &Evaluator) -> Result<(), Error> {
        if !Arc::ptr_eq(eval.params(), &self.plan.params) && **eval.params() != *self.plan.params {
            return Err(blindfold_rlwe::Error::ParametersMismatch.into());
        }
        if eval.slot_count() != self.plan.config.slots {
            return Err(Error::InvalidBootstrap {
                reason: "the evaluator's slot count differs from the plan's",
            });
        }
        if eval.keys().relin.is_none() {
            return Err(Error::MissingRelinearizationKey);
        }
        for &g in &self.plan.galois {
            eval.keys()
                .galois
                .get(&g)
                .ok_or(Error::MissingRotationKey {
                    rotation: None,
                    galois_element: g,
                })?;
        }
        Ok(())
    }

    /// Refreshes `ct` (degree 1, at [`BootstrapPlan::input_level`] or above, on the scale
    /// ladder) to [`BootstrapPlan::output_level`].
    pub fn bootstrap(&self, eval: &Evaluator, ct: &Ciphertext) -> Result<Ciphertext, Error> {
        self.check_keys(eval)?;
        let params = eval.params();
        let input = self.plan.input_level();
        if ct.parts.len() != 2 {
            return Err(Error::InvalidDegree {
                degree: ct.degree(),
                expected: "1 (relinearize before refreshing)",
            });
        }
        if ct.level() < input {
            return Err(Error::RefreshInput {
                level: ct.level(),
                min: input,
            });
        }
        let mut x = self.stc_input(eval, ct)?;
        // SlotToCoeff: the coefficients become the (bit-reversed) slot values.
        for lvl in &self.stc {
            x = lvl.apply(eval, &self.used, &x)?;
        }
        x.meta.scale = self.raise_scale;
        let mut x = self.mod_raise(eval, &x)?;
        // Sparse slots: the trace onto the subring (×N/(2n), folded into CoeffToSlot).
        let (log_n, full) = (params.log_n(), params.max_slots());
        for &k in &self.plan.trace {
            let key = galois_key(eval, &self.used, element(log_n, full, k), Some(k))?;
            let r = apply_galois_hoisted(params.rlwe(), &x, &[key])?.remove(0);
            for (a, b) in x.parts.iter_mut().zip(&r.parts) {
                a.add_assign(b)?;
            }
        }
        // CoeffToSlot: y/2 with y = (z/R + I)/(K+1).
        for lvl in &self.cts {
            x = lvl.apply(eval, &self.used, &x)?;
        }
        let level = x.level();
        if !same_scale(x.meta.scale, params.scale(level)) {
            return Err(Error::Internal("CoeffToSlot left the scale ladder"));
        }
        x.meta.scale = params.scale(level);
        let xc = self.conjugate(eval, &x)?;
        let u = eval.add(&x, &xc)?;
        let v = eval.neg(&times_i(&self.ipoly, &eval.sub(&x, &xc)?)?)?;
        // EvalMod on the real and imaginary parts: w with (w − w̄)/i = z_re (resp. z_im).
        let wu = self.plan.evalmod.evaluate(eval, &self.ipoly, &u)?;
        let wv = self.plan.evalmod.evaluate(eval, &self.ipoly, &v)?;
        // z = −i(w_u − w̄_u) + (w_v − w̄_v) = A + conj(B), A = −i·w_u + w_v, B = −i·w_u − w_v.
        let iwu = times_i(&self.ipoly, &wu)?;
        let a = eval.sub(&wv, &iwu)?;
        let b = eval.neg(&eval.add(&iwu, &wv)?)?;
        eval.add(&a, &self.conjugate(eval, &b)?)
    }

    /// `ct` at the input level on the ladder, times [`STC_GAIN`] (as scale).
    fn stc_input(&self, eval: &Evaluator, ct: &Ciphertext) -> Result<Ciphertext, Error> {
        let input = self.plan.input_level();
        let mut x = eval.bring_to(ct, input, eval.params().scale(input))?;
        x = eval.mul_int(&x, STC_GAIN)?;
        x.meta.scale *= STC_GAIN as f64;
        Ok(x)
    }

    /// Reads a level-0 ciphertext modulo every prime of `Q` (centered lift).
    fn mod_raise(&self, eval: &Evaluator, ct: &Ciphertext) -> Result<Ciphertext, Error> {
        let ring = eval.params().rlwe().ring();
        let parts = ct
            .parts
            .iter()
            .map(|p| {
                let c = p.restricted(1, false)?.into_coeff();
                let m = *c.modulus(0);
                let signed: Vec<i64> = c.limb(0).iter().map(|&w| m.center(w)).collect();
                Ok(Poly::<Coeff>::from_signed(ring, &signed, ring.num_q(), 0)?.into_ntt())
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Ciphertext::new(parts, ct.meta))
    }
}

impl Evaluator {
    /// This evaluator with bootstrapping: `SlotAlgebra::refresh` runs `boot`. Fails unless the
    /// keys hold everything the plan needs and the slots match.
    pub fn with_bootstrapper(self, boot: Arc<Bootstrapper>) -> Result<Self, Error> {
        boot.check_keys(&self)?;
        Ok(self.set_bootstrapper(boot))
    }
}

#[cfg(test)]
mod tests;
