//! Every `Modulus` operation against plain `u128` arithmetic, for moduli of every bit length
//! 2..=62 and operands anywhere in each operation's documented input range. A mismatch panics,
//! which libFuzzer reports as a finding.
#![no_main]

use blindfold_modarith::Modulus;
use libfuzzer_sys::fuzz_target;

#[path = "common/words.rs"]
mod words;
use words::Words;

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn pow_ref(a: u64, mut e: u64, q: u128) -> u128 {
    let (mut acc, mut base) = (1 % q, a as u128 % q);
    while e != 0 {
        if e & 1 == 1 {
            acc = acc * base % q;
        }
        base = base * base % q;
        e >>= 1;
    }
    acc
}

fuzz_target!(|data: &[u8]| {
    let mut w = Words(data);
    let bits = 2 + u32::from(w.u8()) % 61;
    let raw = w.u64();
    assert_eq!(
        Modulus::new(raw).is_ok(),
        (2..1u64 << 62).contains(&raw),
        "Modulus::new({raw}) range check"
    );
    // The top `bits` bits of `raw`, with the leading bit forced: exactly `bits` bits long.
    let q = (raw >> (64 - bits)) | (1 << (bits - 1));
    let m = Modulus::new(q).expect("q has 2..=62 bits");
    assert_eq!((m.value(), m.bits()), (q, bits));

    let (xa, xb, xc, xe) = (w.u64(), w.u64(), w.u64(), w.u64());
    let wide = w.u128();
    let signed = w.u64() as i64;
    let (a, b, c) = (xa % q, xb % q, xc % q);
    let q1 = q as u128;
    let (a1, b1, c1) = (a as u128, b as u128, c as u128);
    let ctx = format!("q={q} a={a} b={b} c={c}");

    assert_eq!(m.add(a, b) as u128, (a1 + b1) % q1, "add {ctx}");
    assert_eq!(m.sub(a, b) as u128, (a1 + q1 - b1) % q1, "sub {ctx}");
    assert_eq!(m.neg(a) as u128, (q1 - a1) % q1, "neg {ctx}");
    assert_eq!(m.mul(a, b) as u128, a1 * b1 % q1, "mul {ctx}");
    assert_eq!(
        m.mul_add(c, a, b) as u128,
        (c1 + a1 * b1) % q1,
        "mul_add {ctx}"
    );

    // Barrett on the whole documented input range of each reduction.
    let below_4k = wide & ((1u128 << (2 * bits)) - 1);
    assert_eq!(
        m.reduce_product(below_4k) as u128,
        below_4k % q1,
        "reduce_product {ctx} x={below_4k}"
    );
    assert_eq!(m.reduce(xa), xa % q, "reduce {ctx} x={xa}");
    assert_eq!(
        m.reduce_u128(wide) as u128,
        wide % q1,
        "reduce_u128 {ctx} x={wide}"
    );
    let (x2, x4) = (xb % (2 * q), xc % (4 * q));
    assert_eq!(m.reduce_from_2q(x2), x2 % q, "reduce_from_2q {ctx} x={x2}");
    assert_eq!(m.reduce_from_4q(x4), x4 % q, "reduce_from_4q {ctx} x={x4}");
    let lazy = m.lazy_reduce_from_4q(x4);
    assert!(
        lazy < 2 * q && lazy % q == x4 % q,
        "lazy_reduce_from_4q {ctx} x={x4} -> {lazy}"
    );

    // Shoup: the quotient itself, then products with an arbitrary word `xa`.
    let bs = m.shoup(b);
    assert_eq!(bs as u128, (b1 << 64) / q1, "shoup {ctx}");
    let expect = xa as u128 * b1 % q1;
    let lazy = m.lazy_mul_shoup(xa, b, bs);
    assert!(
        lazy < 2 * q && lazy as u128 % q1 == expect,
        "lazy_mul_shoup {ctx} x={xa} -> {lazy}"
    );
    assert_eq!(
        m.mul_shoup(xa, b, bs) as u128,
        expect,
        "mul_shoup {ctx} x={xa}"
    );

    // Signed lifts.
    let centered = m.center(a);
    assert!(
        2 * (centered as i128) <= q as i128 && 2 * (centered as i128) > -(q as i128),
        "center {ctx} -> {centered}"
    );
    assert_eq!(
        (centered as i128).rem_euclid(q as i128),
        a as i128,
        "center {ctx}"
    );
    assert_eq!(
        m.from_i64(signed) as i128,
        (signed as i128).rem_euclid(q as i128),
        "from_i64 {ctx} v={signed}"
    );

    assert_eq!(m.pow(a, xe) as u128, pow_ref(a, xe, q1), "pow {ctx} e={xe}");
    match m.inv(a) {
        Some(ai) => assert!(
            ai < q && a1 * ai as u128 % q1 == 1 % q1,
            "inv {ctx} -> {ai}"
        ),
        None => assert_ne!(gcd(a, q), 1, "inv {ctx} returned None for a unit"),
    }

    // Slice forms on whatever input is left, split into three equal operands.
    if w.is_empty() {
        return;
    }
    let mut words = Vec::new();
    while !w.is_empty() {
        words.push(w.u64());
    }
    let n = words.len() / 3;
    let xs: Vec<u64> = words[..n].iter().map(|v| v % q).collect();
    let ys: Vec<u64> = words[n..2 * n].iter().map(|v| v % q).collect();
    let zs: Vec<u64> = words[2 * n..3 * n].iter().map(|v| v % q).collect();
    let elementwise = |name: &str, f: &dyn Fn(&mut [u64]), g: &dyn Fn(u128, u128, u128) -> u128| {
        let mut out = xs.clone();
        f(&mut out);
        for i in 0..n {
            let expect = g(xs[i] as u128, ys[i] as u128, zs[i] as u128);
            assert_eq!(
                out[i] as u128, expect,
                "{name} q={q} i={i} x={} y={} z={}",
                xs[i], ys[i], zs[i]
            );
        }
    };
    elementwise(
        "add_assign_slice",
        &|s| m.add_assign_slice(s, &ys),
        &|x, y, _| (x + y) % q1,
    );
    elementwise(
        "sub_assign_slice",
        &|s| m.sub_assign_slice(s, &ys),
        &|x, y, _| (x + q1 - y) % q1,
    );
    elementwise(
        "sub_from_slice",
        &|s| m.sub_from_slice(s, &ys),
        &|x, y, _| (y + q1 - x) % q1,
    );
    elementwise("neg_slice", &|s| m.neg_slice(s), &|x, _, _| (q1 - x) % q1);
    elementwise(
        "mul_assign_slice",
        &|s| m.mul_assign_slice(s, &ys),
        &|x, y, _| x * y % q1,
    );
    elementwise(
        "mul_add_slice",
        &|s| m.mul_add_slice(s, &ys, &zs),
        &|x, y, z| (x + y * z) % q1,
    );
    elementwise(
        "scalar_mul_slice",
        &|s| m.scalar_mul_slice(s, c),
        &|x, _, _| x * c1 % q1,
    );
    elementwise(
        "scalar_mul_add_slice",
        &|s| m.scalar_mul_add_slice(s, &ys, c),
        &|x, y, _| (x + y * c1) % q1,
    );
    let mut raw_words = words[..n].to_vec();
    m.reduce_slice(&mut raw_words);
    let mut below_4q: Vec<u64> = words[..n].iter().map(|v| v % (4 * q)).collect();
    m.reduce_from_4q_slice(&mut below_4q);
    for i in 0..n {
        assert_eq!(
            raw_words[i],
            words[i] % q,
            "reduce_slice q={q} x={}",
            words[i]
        );
        assert_eq!(
            below_4q[i],
            words[i] % (4 * q) % q,
            "reduce_from_4q_slice q={q} x={}",
            words[i]
        );
    }
});
