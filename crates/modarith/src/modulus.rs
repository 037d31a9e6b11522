use crate::{Error, MAX_MODULUS_BITS};

/// A modulus `2 <= q < 2^62` with precomputed reduction constants.
///
/// Values passed to the fully reduced operations must lie in `[0, q)`; the `lazy_*` forms
/// document their own input and output ranges. Nothing here branches on residue values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Modulus {
    q: u64,
    /// Bit length `k` of `q`: `2^(k-1) <= q < 2^k`.
    bits: u32,
    /// `floor(4^k / q) < 2^(k+1)`: Barrett constant for products `x < 4^k` (HAC 14.42).
    mu: u64,
    /// `floor(2^64 / q)`: Barrett constant for one word.
    mu_word: u64,
    /// `floor(2^128 / q)` as (high, low) words: Barrett constant for any `u128`.
    mu128_hi: u64,
    mu128_lo: u64,
}

/// `x - q` if `x >= q`, else `x`; valid for `x < 2q`, `q < 2^62`. Branch-free: the borrow of
/// `x - q` lands in the sign bit because both operands are below `2^63`.
#[inline(always)]
const fn csub(x: u64, q: u64) -> u64 {
    let r = x.wrapping_sub(q);
    let mask = ((r as i64) >> 63) as u64;
    r.wrapping_add(q & mask)
}

#[inline(always)]
const fn mul_hi(a: u64, b: u64) -> u64 {
    ((a as u128 * b as u128) >> 64) as u64
}

impl Modulus {
    /// Builds the constants for `q`; fails unless `2 <= q < 2^62`.
    pub const fn new(q: u64) -> Result<Self, Error> {
        if q < 2 || q >> MAX_MODULUS_BITS != 0 {
            return Err(Error::ModulusOutOfRange { value: q });
        }
        let bits = 64 - q.leading_zeros();
        let mu = ((1u128 << (2 * bits)) / q as u128) as u64;
        // floor(2^64 / q) == floor((2^64 - 1) / q) unless q divides 2^64, impossible for
        // q >= 2 that is not a power of two; powers of two are handled by the +1 correction.
        let mut mu_word = u64::MAX / q;
        if (u64::MAX % q) == q - 1 {
            mu_word += 1;
        }
        // floor(2^128 / q) from floor((2^128 - 1) / q), same correction.
        let mut mu128 = u128::MAX / q as u128;
        if u128::MAX % q as u128 == (q - 1) as u128 {
            mu128 += 1;
        }
        Ok(Self {
            q,
            bits,
            mu,
            mu_word,
            mu128_hi: (mu128 >> 64) as u64,
            mu128_lo: mu128 as u64,
        })
    }

    /// The modulus value.
    #[inline(always)]
    pub const fn value(&self) -> u64 {
        self.q
    }

    /// Bit length of the modulus.
    #[inline(always)]
    pub const fn bits(&self) -> u32 {
        self.bits
    }

    /// `(a + b) mod q` for `a, b < q`.
    #[inline(always)]
    pub const fn add(&self, a: u64, b: u64) -> u64 {
        csub(a + b, self.q)
    }

    /// `(a - b) mod q` for `a, b < q`.
    #[inline(always)]
    pub const fn sub(&self, a: u64, b: u64) -> u64 {
        csub(a + self.q - b, self.q)
    }

    /// `-a mod q` for `a < q`.
    #[inline(always)]
    pub const fn neg(&self, a: u64) -> u64 {
        csub(self.q - a, self.q)
    }

    /// `a * b mod q` for `a, b < q` (Barrett, HAC 14.42).
    #[inline(always)]
    pub const fn mul(&self, a: u64, b: u64) -> u64 {
        self.reduce_product(a as u128 * b as u128)
    }

    /// Reduces `x < 4^k` (`k` the bit length of `q`), e.g. a product of two values below `q`.
    #[inline(always)]
    pub const fn reduce_product(&self, x: u128) -> u64 {
        debug_assert!(x >> (2 * self.bits) == 0);
        let q1 = (x >> (self.bits - 1)) as u64;
        let q3 = mul_hi_shift(q1, self.mu, self.bits + 1);
        // The true remainder estimate is below 3q < 2^64, so wrapping word arithmetic is exact.
        let r = (x as u64).wrapping_sub(q3.wrapping_mul(self.q));
        csub(csub(r, self.q), self.q)
    }

    /// Reduces any `u64`.
    #[inline(always)]
    pub const fn reduce(&self, x: u64) -> u64 {
        let quot = mul_hi(x, self.mu_word);
        csub(x.wrapping_sub(quot.wrapping_mul(self.q)), self.q)
    }

    /// Reduces any `u128` (used after accumulating several products without reduction).
    #[inline(always)]
    pub const fn reduce_u128(&self, x: u128) -> u64 {
        let x0 = x as u64;
        let x1 = (x >> 64) as u64;
        // floor(x * mu128 / 2^128) up to an error of 1, from the four partial products.
        let lo_lo_hi = mul_hi(x0, self.mu128_lo);
        let mid1 = x0 as u128 * self.mu128_hi as u128;
        let mid2 = x1 as u128 * self.mu128_lo as u128;
        let (s, c1) = (mid1 as u64).overflowing_add(lo_lo_hi);
        let (_, c2) = s.overflowing_add(mid2 as u64);
        let quot = x1
            .wrapping_mul(self.mu128_hi)
            .wrapping_add((mid1 >> 64) as u64)
            .wrapping_add((mid2 >> 64) as u64)
            .wrapping_add(c1 as u64)
            .wrapping_add(c2 as u64);
        csub(x0.wrapping_sub(quot.wrapping_mul(self.q)), self.q)
    }

    /// Fused `(acc + a * b) mod q` for `acc, a, b < q`.
    #[inline(always)]
    pub const fn mul_add(&self, acc: u64, a: u64, b: u64) -> u64 {
        // acc + a*b < q + q^2 <= 4^k as q < 2^k.
        self.reduce_product(a as u128 * b as u128 + acc as u128)
    }

    /// Shoup's precomputed quotient `floor(w * 2^64 / q)` for a constant `w < q`.
    #[inline(always)]
    pub const fn shoup(&self, w: u64) -> u64 {
        debug_assert!(w < self.q);
        (((w as u128) << 64) / self.q as u128) as u64
    }

    /// `a * w mod q` in `[0, 2q)` for any `a < 2^64`, given `w < q` and `w_shoup = shoup(w)`.
    #[inline(always)]
    pub const fn lazy_mul_shoup(&self, a: u64, w: u64, w_shoup: u64) -> u64 {
        let quot = mul_hi(a, w_shoup);
        a.wrapping_mul(w).wrapping_sub(quot.wrapping_mul(self.q))
    }

    /// `a * w mod q` fully reduced, for any `a < 2^64`, `w < q`, `w_shoup = shoup(w)`.
    #[inline(always)]
    pub const fn mul_shoup(&self, a: u64, w: u64, w_shoup: u64) -> u64 {
        csub(self.lazy_mul_shoup(a, w, w_shoup), self.q)
    }

    /// Maps `x < 2q` into `[0, q)`.
    #[inline(always)]
    pub const fn reduce_from_2q(&self, x: u64) -> u64 {
        csub(x, self.q)
    }

    /// Maps `x < 4q` into `[0, q)`.
    #[inline(always)]
    pub const fn reduce_from_4q(&self, x: u64) -> u64 {
        csub(csub(x, 2 * self.q), self.q)
    }

    /// Maps `x < 4q` into `[0, 2q)` (the first step of a Harvey butterfly).
    #[inline(always)]
    pub const fn lazy_reduce_from_4q(&self, x: u64) -> u64 {
        csub(x, 2 * self.q)
    }

    /// Centered lift of `a < q` into `[-(q-1)/2, q/2]`.
    #[inline(always)]
    pub const fn center(&self, a: u64) -> i64 {
        // a > q/2  <=>  q/2 - a underflows; select a - q without branching.
        let over = ((self.q >> 1).wrapping_sub(a) >> 63).wrapping_neg();
        (a as i64).wrapping_sub((self.q & over) as i64)
    }

    /// `v mod q` for any signed `v`.
    #[inline(always)]
    pub const fn from_i64(&self, v: i64) -> u64 {
        let r = self.reduce(v.unsigned_abs());
        let negative = ((v >> 63) as u64) & 1;
        // Negate r when v < 0; self.neg maps 0 to 0.
        let mask = negative.wrapping_neg();
        (r & !mask) | (self.neg(r) & mask)
    }

    /// `a^e mod q` for `a < q`. Branches on the bits of `e`: the exponent must be public.
    pub const fn pow(&self, a: u64, mut e: u64) -> u64 {
        let mut base = a;
        let mut acc = self.reduce(1);
        while e != 0 {
            if e & 1 == 1 {
                acc = self.mul(acc, base);
            }
            base = self.mul(base, base);
            e >>= 1;
        }
        acc
    }

    /// Inverse of `a` modulo `q`, if `gcd(a, q) = 1`. Variable time: for public values only.
    pub const fn inv(&self, a: u64) -> Option<u64> {
        let (mut r0, mut r1) = (self.q as i128, (a % self.q) as i128);
        let (mut t0, mut t1) = (0i128, 1i128);
        while r1 != 0 {
            let quot = r0 / r1;
            (r0, r1) = (r1, r0 - quot * r1);
            (t0, t1) = (t1, t0 - quot * t1);
        }
        if r0 != 1 {
            return None;
        }
        if t0 < 0 {
            t0 += self.q as i128;
        }
        Some(t0 as u64)
    }

    /// `a[i] = (a[i] + b[i]) mod q`.
    pub fn add_assign_slice(&self, a: &mut [u64], b: &[u64]) {
        assert_eq!(a.len(), b.len(), "slice lengths differ");
        for (x, &y) in a.iter_mut().zip(b) {
            *x = self.add(*x, y);
        }
    }

    /// `a[i] = (a[i] - b[i]) mod q`.
    pub fn sub_assign_slice(&self, a: &mut [u64], b: &[u64]) {
        assert_eq!(a.len(), b.len(), "slice lengths differ");
        for (x, &y) in a.iter_mut().zip(b) {
            *x = self.sub(*x, y);
        }
    }

    /// `a[i] = (b[i] - a[i]) mod q`: subtraction with the operands swapped, in place.
    pub fn sub_from_slice(&self, a: &mut [u64], b: &[u64]) {
        assert_eq!(a.len(), b.len(), "slice lengths differ");
        for (x, &y) in a.iter_mut().zip(b) {
            *x = self.sub(y, *x);
        }
    }

    /// `a[i] = -a[i] mod q`.
    pub fn neg_slice(&self, a: &mut [u64]) {
        for x in a.iter_mut() {
            *x = self.neg(*x);
        }
    }

    /// Whether the AVX2 slice products serve this modulus on this CPU.
    #[inline]
    fn simd(&self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            self.q < crate::avx2::MAX_Q && crate::avx2::available()
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    /// `a[i] = a[i] * b[i] mod q` (values below `q`).
    pub fn mul_assign_slice(&self, a: &mut [u64], b: &[u64]) {
        assert_eq!(a.len(), b.len(), "slice lengths differ");
        debug_assert!(a.iter().chain(b).all(|&x| x < self.q), "input not reduced");
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if self.simd() {
            // SAFETY: `simd` checked that the CPU has AVX2 and FMA, and q < 2^52.
            unsafe { crate::avx2::mul_assign(self.q, a, b) };
            done = a.len() / 4 * 4;
        }
        for (x, &y) in a[done..].iter_mut().zip(&b[done..]) {
            *x = self.mul(*x, y);
        }
    }

    /// `acc[i] = (acc[i] + a[i] * b[i]) mod q` (values below `q`).
    pub fn mul_add_slice(&self, acc: &mut [u64], a: &[u64], b: &[u64]) {
        assert!(
            acc.len() == a.len() && a.len() == b.len(),
            "slice lengths differ"
        );
        debug_assert!(
            acc.iter().chain(a).chain(b).all(|&x| x < self.q),
            "input not reduced"
        );
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if self.simd() {
            // SAFETY: `simd` checked that the CPU has AVX2 and FMA, and q < 2^52.
            unsafe { crate::avx2::mul_add_assign(self.q, acc, a, b) };
            done = acc.len() / 4 * 4;
        }
        for ((z, &x), &y) in acc[done..].iter_mut().zip(&a[done..]).zip(&b[done..]) {
            *z = self.mul_add(*z, x, y);
        }
    }

    /// `a[i] = a[i] * c mod q` for a constant `c < q` (Shoup).
    pub fn scalar_mul_slice(&self, a: &mut [u64], c: u64) {
        let c_shoup = self.shoup(c);
        for x in a.iter_mut() {
            *x = self.mul_shoup(*x, c, c_shoup);
        }
    }

    /// `acc[i] = (acc[i] + a[i] * c) mod q` for a constant `c < q` (Shoup).
    pub fn scalar_mul_add_slice(&self, acc: &mut [u64], a: &[u64], c: u64) {
        assert_eq!(acc.len(), a.len(), "slice lengths differ");
        let c_shoup = self.shoup(c);
        for (z, &x) in acc.iter_mut().zip(a) {
            *z = self.add(*z, self.mul_shoup(x, c, c_shoup));
        }
    }

    /// `a[i] = (a[i] - b[i]) * c mod q` for a constant `c < q` (values below `q`).
    pub fn sub_scalar_mul_slice(&self, a: &mut [u64], b: &[u64], c: u64) {
        assert_eq!(a.len(), b.len(), "slice lengths differ");
        debug_assert!(
            c < self.q && a.iter().chain(b).all(|&x| x < self.q),
            "input not reduced"
        );
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if self.simd() {
            // SAFETY: `simd` checked that the CPU has AVX2 and FMA, and q < 2^52.
            unsafe { crate::avx2::sub_scalar_mul(self.q, a, b, c) };
            done = a.len() / 4 * 4;
        }
        let c_shoup = self.shoup(c);
        for (x, &y) in a[done..].iter_mut().zip(&b[done..]) {
            *x = self.mul_shoup(self.sub(*x, y), c, c_shoup);
        }
    }

    /// `a[i] = (a[i] * c + b[i]) mod q` for a constant `c < q` (values below `q`).
    pub fn scalar_mul_add_to_slice(&self, a: &mut [u64], b: &[u64], c: u64) {
        assert_eq!(a.len(), b.len(), "slice lengths differ");
        debug_assert!(
            c < self.q && a.iter().chain(b).all(|&x| x < self.q),
            "input not reduced"
        );
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if self.simd() {
            // SAFETY: `simd` checked that the CPU has AVX2 and FMA, and q < 2^52.
            unsafe { crate::avx2::scalar_mul_add_to(self.q, a, b, c) };
            done = a.len() / 4 * 4;
        }
        let c_shoup = self.shoup(c);
        for (x, &y) in a[done..].iter_mut().zip(&b[done..]) {
            *x = self.add(self.mul_shoup(*x, c, c_shoup), y);
        }
    }

    /// `a[i] = a[i] mod q` for arbitrary words.
    pub fn reduce_slice(&self, a: &mut [u64]) {
        for x in a.iter_mut() {
            *x = self.reduce(*x);
        }
    }

    /// `a[i] = a[i] mod q` for words known to be below `4q` (after lazy butterflies).
    pub fn reduce_from_4q_slice(&self, a: &mut [u64]) {
        for x in a.iter_mut() {
            *x = self.reduce_from_4q(*x);
        }
    }
}

/// `floor(a * b / 2^s)` through a `u128` product.
#[inline(always)]
const fn mul_hi_shift(a: u64, b: u64, s: u32) -> u64 {
    ((a as u128 * b as u128) >> s) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Moduli of 20 to 62 bits, odd, with the extremes over-represented.
    fn modulus() -> impl Strategy<Value = u64> {
        prop_oneof![
            (20u32..=62)
                .prop_flat_map(|b| (1u64 << (b - 1))..(1u64 << b))
                .prop_map(|q| q | 1),
            Just((1u64 << 62) - 1),
            Just((1u64 << 62) - 57),
            Just((1u64 << 61) + 1),
            Just((1u64 << 19) + 1),
            (2u64..1000),
        ]
    }

    /// A residue of `q`, with 0, 1 and q-1 over-represented.
    fn residue(q: u64) -> impl Strategy<Value = u64> {
        prop_oneof![
            Just(0),
            Just(1 % q),
            Just(q - 1),
            Just(q / 2),
            (0..q),
            (0..q)
        ]
    }

    fn pair() -> impl Strategy<Value = (u64, u64, u64)> {
        modulus().prop_flat_map(|q| (Just(q), residue(q), residue(q)))
    }

    proptest! {
        #[test]
        fn ring_ops_match_u128((q, a, b) in pair()) {
            let m = Modulus::new(q).unwrap();
            let (q1, a1, b1) = (q as u128, a as u128, b as u128);
            prop_assert_eq!(m.add(a, b) as u128, (a1 + b1) % q1);
            prop_assert_eq!(m.sub(a, b) as u128, (a1 + q1 - b1) % q1);
            prop_assert_eq!(m.neg(a) as u128, (q1 - a1) % q1);
            prop_assert_eq!(m.mul(a, b) as u128, a1 * b1 % q1);
            prop_assert_eq!(m.mul_add(b, a, b) as u128, (a1 * b1 + b1) % q1);
            let ws = m.shoup(b);
            prop_assert_eq!(m.mul_shoup(a, b, ws) as u128, a1 * b1 % q1);
        }

        #[test]
        fn reductions_match_u128(q in modulus(), x in any::<u64>(), y in any::<u128>()) {
            let m = Modulus::new(q).unwrap();
            prop_assert_eq!(m.reduce(x), x % q);
            prop_assert_eq!(m.reduce_u128(y) as u128, y % q as u128);
            prop_assert_eq!(m.reduce_u128(u128::MAX) as u128, u128::MAX % q as u128);
            prop_assert_eq!(m.reduce(u64::MAX), u64::MAX % q);
            let x4 = x % (4 * q);
            prop_assert_eq!(m.reduce_from_4q(x4), x4 % q);
            prop_assert!(m.lazy_reduce_from_4q(x4) < 2 * q);
            prop_assert_eq!(m.lazy_reduce_from_4q(x4) % q, x4 % q);
            prop_assert_eq!(m.reduce_from_2q(x % (2 * q)), x % q);
        }

        #[test]
        fn lazy_shoup_any_word((q, _a, w) in pair(), a in any::<u64>()) {
            let m = Modulus::new(q).unwrap();
            let r = m.lazy_mul_shoup(a, w, m.shoup(w));
            prop_assert!(r < 2 * q);
            prop_assert_eq!(r as u128 % q as u128, a as u128 * w as u128 % q as u128);
        }

        #[test]
        fn signed_lifts((q, a, _b) in pair(), v in any::<i64>()) {
            let m = Modulus::new(q).unwrap();
            let c = m.center(a);
            prop_assert!(2 * c.unsigned_abs() <= q);
            prop_assert!(2 * (c as i128) > -(q as i128));
            prop_assert_eq!(m.from_i64(c), a);
            prop_assert_eq!(m.from_i64(v) as i128, (v as i128).rem_euclid(q as i128));
        }

        #[test]
        fn pow_and_inverse((q, a, _b) in pair(), e in 0u64..1_000_000) {
            let m = Modulus::new(q).unwrap();
            let mut expect = 1u128 % q as u128;
            let mut base = a as u128;
            let mut k = e;
            while k > 0 {
                if k & 1 == 1 { expect = expect * base % q as u128; }
                base = base * base % q as u128;
                k >>= 1;
            }
            prop_assert_eq!(m.pow(a, e) as u128, expect);
            match m.inv(a) {
                Some(ai) => prop_assert_eq!(a as u128 * ai as u128 % q as u128, 1 % q as u128),
                None => prop_assert!(gcd(a, q) != 1),
            }
        }

        #[test]
        fn slice_products_match_scalar_near_float_limit(
            q in prop_oneof![(2u64..64), (1u64 << 48)..(1u64 << 52), Just((1u64 << 52) - 1), Just((1u64 << 52) + 1)],
            seed in any::<u64>(),
            len in 0usize..70,
        ) {
            // The AVX2 path (q < 2^52) against the scalar per-word products, extremes included.
            let m = Modulus::new(q).unwrap();
            let mut s = seed;
            let mut next = move || { s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); s >> 1 };
            let mut pick = || match next() % 8 { 0 => 0, 1 => q - 1, 2 => q / 2, 3 => (q / 2 + 1) % q, _ => next() % q };
            let a: Vec<u64> = (0..len).map(|_| pick()).collect();
            let b: Vec<u64> = (0..len).map(|_| pick()).collect();
            let c: Vec<u64> = (0..len).map(|_| pick()).collect();
            let k = pick();
            let mut x = a.clone();
            m.mul_assign_slice(&mut x, &b);
            let mut z = c.clone();
            m.mul_add_slice(&mut z, &a, &b);
            let mut u = a.clone();
            m.sub_scalar_mul_slice(&mut u, &b, k);
            let mut v = a.clone();
            m.scalar_mul_add_to_slice(&mut v, &b, k);
            let ks = m.shoup(k);
            for i in 0..len {
                prop_assert_eq!(x[i], m.mul(a[i], b[i]), "mul at {}", i);
                prop_assert_eq!(z[i], m.mul_add(c[i], a[i], b[i]), "mul_add at {}", i);
                prop_assert_eq!(x[i] as u128, a[i] as u128 * b[i] as u128 % q as u128);
                prop_assert_eq!(u[i], m.mul_shoup(m.sub(a[i], b[i]), k, ks), "sub_scalar_mul at {}", i);
                prop_assert_eq!(v[i], m.add(m.mul_shoup(a[i], k, ks), b[i]), "scalar_mul_add_to at {}", i);
            }
        }

        #[test]
        fn slice_ops_match_scalar(q in modulus(), seed in any::<u64>(), len in 0usize..70) {
            let m = Modulus::new(q).unwrap();
            let mut s = seed;
            let mut next = move || { s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); (s >> 1) % q };
            let a: Vec<u64> = (0..len).map(|_| next()).collect();
            let b: Vec<u64> = (0..len).map(|_| next()).collect();
            let c = next();
            let check = |f: &dyn Fn(&mut Vec<u64>), g: &dyn Fn(u64, u64) -> u64| {
                let mut x = a.clone();
                f(&mut x);
                for i in 0..len { assert_eq!(x[i], g(a[i], b[i]), "index {i}"); }
            };
            check(&|x| m.add_assign_slice(x, &b), &|x, y| m.add(x, y));
            check(&|x| m.sub_assign_slice(x, &b), &|x, y| m.sub(x, y));
            check(&|x| m.sub_from_slice(x, &b), &|x, y| m.sub(y, x));
            check(&|x| m.neg_slice(x), &|x, _| m.neg(x));
            check(&|x| m.mul_assign_slice(x, &b), &|x, y| m.mul(x, y));
            check(&|x| m.mul_add_slice(x, &b, &b), &|x, y| m.mul_add(x, y, y));
            check(&|x| m.scalar_mul_slice(x, c), &|x, _| ((x as u128 * c as u128) % q as u128) as u64);
            check(&|x| m.scalar_mul_add_slice(x, &b, c), &|x, y| ((x as u128 + y as u128 * c as u128) % q as u128) as u64);
            check(&|x| m.reduce_slice(x), &|x, _| x);
            check(&|x| m.sub_scalar_mul_slice(x, &b, c), &|x, y| (((x as u128 + q as u128 - y as u128) % q as u128) * c as u128 % q as u128) as u64);
            check(&|x| m.scalar_mul_add_to_slice(x, &b, c), &|x, y| ((x as u128 * c as u128 + y as u128) % q as u128) as u64);
        }
    }

    fn gcd(mut a: u64, mut b: u64) -> u64 {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    }

    #[test]
    fn rejects_out_of_range() {
        for q in [0, 1, 1 << 62, u64::MAX] {
            assert_eq!(Modulus::new(q), Err(Error::ModulusOutOfRange { value: q }));
        }
        assert!(Modulus::new(2).is_ok());
        assert!(Modulus::new((1 << 62) - 1).is_ok());
    }

    #[test]
    fn power_of_two_modulus_constants() {
        // Powers of two divide 2^64 and 2^128 exactly: the Barrett constants must be exact.
        for k in 1..62 {
            let m = Modulus::new(1 << k).unwrap();
            assert_eq!(m.reduce(u64::MAX), u64::MAX % (1 << k));
            assert_eq!(m.reduce_u128(u128::MAX), (u128::MAX % (1u128 << k)) as u64);
        }
    }
}
