//! Prints the error table of the built-in approximations, the reproduction of the published
//! sigmoid cubics, and the measured accuracy of the Chebyshev ↔ monomial conversion.
//!
//! `cargo run --release -p blindfold-approx --example approx_report`

use blindfold_approx::chiang::{
    CHIANG_SIGMOID3, ChiangOptions, chiang_reference_fit, chiang_sobolev_cubic,
};
use blindfold_approx::targets::{Method, sigmoid_approx};
use blindfold_approx::{
    ApproxError, Interval, LeastSquaresOptions, Polynomial, RemezOptions, approximation_table,
    least_squares, remez,
};

/// Deterministic coefficients in [-1, 1] (xorshift64*), to keep the crate dependency-free.
fn pseudo_random(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            let u = s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
            2.0 * (u as f64 / (1u64 << 53) as f64) - 1.0
        })
        .collect()
}

fn main() -> Result<(), ApproxError> {
    println!("== Errors of the built-in approximations (max/mean |f - p| on 20001 points) ==");
    print!("{}", approximation_table());

    println!();
    println!("== Published sigmoid cubics on [-8, 8] ==");
    let i8 = Interval::symmetric(8.0)?;
    let ls = least_squares(
        blindfold_approx::targets::sigmoid,
        i8,
        &LeastSquaresOptions::new(3),
    )?
    .to_monomial()?;
    println!(
        "plain least squares (Kim et al.)  : 0.5 + {:.8} x + {:.8e} x^3",
        ls.coeffs()[1],
        ls.coeffs()[3]
    );
    let z = chiang_reference_fit()?;
    println!(
        "Chiang step 1, degree-11 LS on -8:0.01:8: z1 = {:.16e}, z11 = {:.16e}",
        z.coeffs()[1],
        z.coeffs()[11]
    );
    for (label, artifacts) in [
        ("as published (float + sign slip)", true),
        ("corrected derivative            ", false),
    ] {
        let p = chiang_sobolev_cubic(ChiangOptions {
            lambda: 128.0,
            published_artifacts: artifacts,
        })?;
        println!(
            "Chiang Sobolev lambda=128, {label}: 0.5 + {:.17} x + {:.17e} x^3",
            p.coeffs()[1],
            p.coeffs()[3]
        );
    }
    println!(
        "Chiang published constant         : 0.5 + {:.17} x + {:.17e} x^3",
        CHIANG_SIGMOID3[1], CHIANG_SIGMOID3[3]
    );
    for method in [Method::Interpolation, Method::Minimax] {
        let p = sigmoid_approx(8.0, 3, method)?.to_monomial()?;
        println!(
            "{method:?} cubic: 0.5 + {:.6} x + {:.6e} x^3 (ratio {:.5})",
            p.coeffs()[1],
            p.coeffs()[3],
            p.coeffs()[3] / p.coeffs()[1]
        );
    }

    println!();
    println!(
        "== Chebyshev -> monomial -> Chebyshev round trip (random coefficients in [-1, 1]) =="
    );
    println!("deg  interval     max|c - c'|   cond = sum|a_k| M^k   eval gap max|p_cheb - p_mono|");
    for (a, b) in [(-1.0, 1.0), (-8.0, 8.0), (0.0, 4.0)] {
        let interval = Interval::new(a, b)?;
        for degree in [3usize, 7, 15, 31, 63] {
            let c = pseudo_random(degree + 1, 0x9E37_79B9 + degree as u64);
            let p = Polynomial::chebyshev(c.clone(), interval)?;
            let m = p.to_monomial()?;
            let back = m.to_chebyshev()?;
            let err = c
                .iter()
                .zip(back.coeffs())
                .fold(0.0f64, |s, (x, y)| s.max((x - y).abs()));
            let big = a.abs().max(b.abs());
            let cond: f64 = m
                .coeffs()
                .iter()
                .enumerate()
                .map(|(k, v)| v.abs() * big.powi(k as i32))
                .sum();
            let gap = (0..=2000)
                .map(|i| a + (b - a) * i as f64 / 2000.0)
                .fold(0.0f64, |s, x| s.max((p.eval(x) - m.eval(x)).abs()));
            println!("{degree:>3}  [{a}, {b}]  {err:>11.2e}   {cond:>11.2e}          {gap:>11.2e}");
        }
    }

    println!();
    println!("== Minimax sigmoid on [-8, 8]: levelled error and alternation ==");
    for degree in [3usize, 7, 15, 31, 63] {
        let fit = remez(
            blindfold_approx::targets::sigmoid,
            i8,
            &RemezOptions::new(degree),
        )?;
        println!(
            "deg {degree:>2}: E = {:.6e}, max = {:.6e}, {} alternation points, {} iterations{}",
            fit.levelled_error,
            fit.max_error,
            fit.alternation.len(),
            fit.iterations,
            if fit.at_noise_floor {
                " (noise floor)"
            } else {
                ""
            }
        );
    }
    Ok(())
}
