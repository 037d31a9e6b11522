//! Sampler statistics and reproducibility.

use blindfold_modarith::primes::ntt_primes;
use blindfold_rns::{RingContext, sample};

fn mean_var(v: &[i64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
    (mean, var)
}

#[test]
fn gaussian_statistics() {
    let mut rng = sample::seeded_rng([1; 32]);
    let v = sample::gaussian(1 << 18, &mut rng);
    let (mean, var) = mean_var(&v);
    let target = sample::SIGMA * sample::SIGMA;
    // Standard error of the mean is σ/512 ≈ 0.006; of the variance ≈ var·√(2/n) ≈ 0.028.
    assert!(mean.abs() < 0.04, "mean {mean}");
    assert!((var - target).abs() < 0.2, "variance {var} vs {target}");
    assert!(v.iter().all(|x| x.abs() <= sample::GAUSSIAN_BOUND));
    // Tails: P(|x| > 2σ) ≈ 4.6 % for a Gaussian.
    let tail = v
        .iter()
        .filter(|x| (x.abs() as f64) > 2.0 * sample::SIGMA)
        .count() as f64
        / v.len() as f64;
    assert!((tail - 0.046).abs() < 0.006, "tail {tail}");
    // Symmetry.
    let pos = v.iter().filter(|&&x| x > 0).count() as f64;
    let neg = v.iter().filter(|&&x| x < 0).count() as f64;
    assert!((pos / neg - 1.0).abs() < 0.02);
}

#[test]
fn ternary_statistics() {
    let mut rng = sample::seeded_rng([2; 32]);
    let v = sample::ternary(1 << 18, &mut rng);
    let (mean, var) = mean_var(&v);
    assert!(mean.abs() < 0.01, "mean {mean}");
    assert!((var - 2.0 / 3.0).abs() < 0.01, "variance {var}");
    assert!(v.iter().all(|x| x.abs() <= 1));
    for value in [-1, 0, 1] {
        let f = v.iter().filter(|&&x| x == value).count() as f64 / v.len() as f64;
        assert!((f - 1.0 / 3.0).abs() < 0.01);
    }
}

#[test]
fn fixed_weight_ternary() {
    let mut rng = sample::seeded_rng([3; 32]);
    let n = 1 << 12;
    let mut hits = vec![0u32; n];
    for _ in 0..64 {
        let v = sample::ternary_fixed_weight(n, 192, &mut rng).unwrap();
        assert_eq!(v.iter().filter(|&&x| x != 0).count(), 192);
        assert!(v.iter().all(|x| x.abs() <= 1));
        for (h, &x) in hits.iter_mut().zip(v.iter()) {
            *h += (x != 0) as u32;
        }
    }
    // Positions spread over the whole vector, not just the first h.
    assert!(hits[n / 2..].iter().sum::<u32>() > 64 * 192 / 2 - 600);
    assert!(sample::ternary_fixed_weight(n, n + 1, &mut rng).is_err());
    assert!(sample::ternary_fixed_weight(100, 10, &mut rng).is_err());
}

#[test]
fn reproducible_with_seed() {
    let a = sample::gaussian(1000, &mut sample::seeded_rng([9; 32]));
    let b = sample::gaussian(1000, &mut sample::seeded_rng([9; 32]));
    assert_eq!(*a, *b);
    let c = sample::gaussian(1000, &mut sample::seeded_rng([8; 32]));
    assert_ne!(*a, *c);
    let t1 = sample::ternary(1000, &mut sample::seeded_rng([9; 32]));
    let t2 = sample::ternary(1000, &mut sample::seeded_rng([9; 32]));
    assert_eq!(*t1, *t2);
    let os1 = sample::gaussian(64, &mut sample::os_rng());
    let os2 = sample::gaussian(64, &mut sample::os_rng());
    assert_ne!(*os1, *os2, "OS-seeded generators differ");
}

#[test]
fn uniform_from_seed() {
    let log_n = 10;
    let q = ntt_primes(50, 2 << log_n, 3, &[]).unwrap();
    let p = ntt_primes(55, 2 << log_n, 1, &[]).unwrap();
    let ctx = RingContext::new(log_n, &q, &p).unwrap();
    let seed = [7u8; 32];
    let full = sample::uniform_from_seed(&ctx, 3, 1, &seed).unwrap();
    let low = sample::uniform_from_seed(&ctx, 1, 1, &seed).unwrap();
    // A limb's value does not depend on which other limbs are present.
    assert_eq!(full.limb(0), low.limb(0));
    assert_eq!(full.limb(3), low.limb(1));
    assert_eq!(full, sample::uniform_from_seed(&ctx, 3, 1, &seed).unwrap());
    // Uniform over [0, q): mean close to q/2, every word below q.
    for k in 0..4 {
        let m = full.modulus(k).value() as f64;
        let mean = full.limb(k).iter().map(|&x| x as f64).sum::<f64>() / 1024.0;
        assert!((mean / m - 0.5).abs() < 0.05);
        assert!(full.limb(k).iter().all(|&x| (x as f64) < m));
    }
    let mut rng = sample::seeded_rng([5; 32]);
    let u1 = sample::uniform(&ctx, 3, 0, &mut rng).unwrap();
    let u2 = sample::uniform(&ctx, 3, 0, &mut rng).unwrap();
    assert_ne!(u1, u2);
}
