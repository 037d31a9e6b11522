//! Published sigmoid cubics and how they were obtained.
//!
//! **Kim et al. 2018** ("Logistic regression model training based on the approximate homomorphic
//! encryption", BMC Med. Genomics) use `0.5 + 0.15012x - 0.001593x³`: the plain continuous
//! least-squares cubic of the sigmoid on `[-8, 8]` (uniform weight). [`crate::least_squares`]
//! reproduces it (`0.150120…`, `-0.00159302…`).
//!
//! **Chiang 2023** ("Privacy-Preserving CNN Training with Transfer Learning", arXiv 2304.03807,
//! code at github.com/petitioner/HE.CNNtraining) uses `0.5 + 0.1068x - 0.000385x³`, in full
//! `0.5 + 0.10679534503216294x - 0.00038503259805075x³` "(lambda = 128)". It is *not* a plain
//! least-squares fit on any `[-B, B]`: `B ≈ 12.27` matches the slope but gives `-0.00052x³`,
//! `B ≈ 14.38` matches the cubic/linear ratio (`-0.0036`) but gives slope `0.0929`; on `[-8, 8]`
//! least squares, Chebyshev interpolation and minimax all have a ratio near `-0.011`. It comes
//! from his earlier note "On Polynomial
//! Approximation of Activation Function" (arXiv 2202.00004; repository
//! petitioner/PolynomialApproximation, `Sigmoid/PolynomialApproximation.java` and its README,
//! which lists the cubics for λ = 100 … 500):
//!
//! 1. fit `z`, the degree-11 least-squares polynomial of the sigmoid on the 1601 points
//!    `x = -8:0.01:8` (Octave `polyfit`); [`chiang_reference_fit`] reproduces his printed
//!    coefficients to 1e-12;
//! 2. choose `p = 0.5 + b x + c x³` minimizing the Sobolev-type criterion
//!    `λ ∫(p - z)² + ∫(p' - z')²` over `[-8, 8]` with λ = 128 ([`crate::sobolev_least_squares`]).
//!
//! In step 2 the hard-coded `z'` has the wrong sign on its `x⁶` coefficient (`+1.118e-4·x⁶`;
//! the derivative of `-1.5975e-5·x⁷` is `-1.118e-4·x⁶`), and the coefficients were pasted as
//! 8-digit `float` printouts of `-2z` and `-2z'`. With both artifacts [`chiang_sobolev_cubic`]
//! gives `0.10679534503216292x - 0.00038503259805075627x³`, his numbers to the last printed
//! digit; with the sign slip alone `0.1067954x - 0.00038503x³` (the paper's 4 digits). With the
//! correct derivative the same criterion gives `0.150019x - 0.00159020x³`, i.e. essentially
//! Kim's least-squares cubic. So the published cubic's smaller slope comes from a transcription
//! slip in the derivative, not from the weighting; we keep it because it is the polynomial the
//! published training runs used (SLE loss, see [`sle_sigmoid`]).

use crate::error::ApproxError;
use crate::lsq::{SobolevOptions, least_squares_discrete, sobolev_least_squares};
use crate::poly::{Basis, Interval, Polynomial, Terms, horner};
use crate::targets::sigmoid;

/// Chiang's cubic as printed in the paper: `0.5 + 0.1068x - 0.000385x³` (monomial, low first).
pub const CHIANG_SIGMOID3_PRINTED: [f64; 4] = [0.5, 0.1068, 0.0, -0.000385];

/// Chiang's cubic to the 17 digits of his code and README (λ = 128).
pub const CHIANG_SIGMOID3: [f64; 4] = [0.5, 0.10679534503216294, 0.0, -0.00038503259805075];

/// The λ of the published cubic.
pub const CHIANG_LAMBDA: f64 = 128.0;

/// Kim et al.'s least-squares cubic on `[-8, 8]`, as printed: `0.5 + 0.15012x - 0.001593x³`.
pub const KIM_SIGMOID3_PRINTED: [f64; 4] = [0.5, 0.15012, 0.0, -0.001593];

/// Both cubics are meant for `[-8, 8]`.
pub const SIGMOID3_INTERVAL: Interval = Interval::new_unchecked(-8.0, 8.0);

/// Chiang's published cubic (monomial basis on `[-8, 8]`).
pub fn chiang_sigmoid3() -> Polynomial {
    Polynomial::from_parts(Basis::Monomial, CHIANG_SIGMOID3.to_vec(), SIGMOID3_INTERVAL)
}

/// Kim et al.'s printed cubic (monomial basis on `[-8, 8]`).
pub fn kim_sigmoid3() -> Polynomial {
    Polynomial::from_parts(
        Basis::Monomial,
        KIM_SIGMOID3_PRINTED.to_vec(),
        SIGMOID3_INTERVAL,
    )
}

/// The sigmoid used to replace softmax: Chiang's SLE ("squared likelihood error") loss scores
/// each class `k` independently with `σ(w_k·x)` instead of the coupled `softmax(Wx)_k`, so the
/// encrypted training only ever evaluates this one cubic per class (no exponentials, no division
/// by a sum). This is the same polynomial as [`chiang_sigmoid3`], on `[-8, 8]`.
pub fn sle_sigmoid() -> Polynomial {
    chiang_sigmoid3()
}

/// Step 1 of Chiang's procedure: the degree-11 least-squares fit of the sigmoid on the points
/// `x_i = -8 + 0.01 i`, `i = 0..=1600` (equal weights), all terms, monomial basis.
pub fn chiang_reference_fit() -> Result<Polynomial, ApproxError> {
    let xs: Vec<f64> = (0..=1600).map(|i| -8.0 + 0.01 * i as f64).collect();
    let ys: Vec<f64> = xs.iter().map(|&x| sigmoid(x)).collect();
    least_squares_discrete(&xs, &ys, None, SIGMOID3_INTERVAL, 11, Terms::All)?.to_monomial()
}

/// Settings of [`chiang_sobolev_cubic`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChiangOptions {
    pub lambda: f64,
    /// Reproduce the artifacts of the published computation: `z` and `z'` rounded through their
    /// `float` printouts (of `-2z`, `-2z'`) and the sign slip on the `x⁶` term of `z'`.
    pub published_artifacts: bool,
}

/// Step 2: the cubic `p` minimizing `λ ∫(p - z)² + ∫(p' - z')²` on `[-8, 8]`, where `z` is
/// [`chiang_reference_fit`] restricted to its odd part plus `1/2` (as in the original code), in
/// the monomial basis.
pub fn chiang_sobolev_cubic(options: ChiangOptions) -> Result<Polynomial, ApproxError> {
    let z = chiang_reference_fit()?;
    let mut zc: Vec<f64> = z
        .coeffs()
        .iter()
        .enumerate()
        .map(|(k, &c)| if k % 2 == 1 { c } else { 0.0 })
        .collect();
    let mut dz: Vec<f64> = (1..zc.len()).map(|k| k as f64 * zc[k]).collect();
    if options.published_artifacts {
        // The code stored `float` printouts of -2z and -2z'.
        let through_float = |v: f64| -> f64 {
            let printed = format!("{}", (-2.0 * v) as f32);
            printed.parse::<f64>().map_or(v, |w| w / -2.0)
        };
        zc.iter_mut().for_each(|c| *c = through_float(*c));
        dz.iter_mut().for_each(|c| *c = through_float(*c));
        dz[6] = -dz[6];
    }
    zc[0] = 0.5;
    let fit = sobolev_least_squares(
        |x| horner(&zc, x),
        |x| horner(&dz, x),
        SIGMOID3_INTERVAL,
        &SobolevOptions {
            degree: 3,
            terms: Terms::All,
            lambda: options.lambda,
            quadrature_points: Some(64),
        },
    )?;
    fit.to_monomial()
}
