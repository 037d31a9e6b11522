"""OpenFHE BGVRNS timings for `cargo xtask bench bgv`, printed as `<group> <milliseconds>`.

Same groups, ring dimensions, depths and t as benches/benches/bgv.rs: t = 65537, HYBRID key
switching with OpenFHE's default digit count, 128-bit classical security, N = 2^14 at depth 5
(the deepest OpenFHE's FIXEDMANUAL accepts there) and N = 2^15 at depth 12.

Each figure uses OpenFHE's fastest mode for it: FLEXIBLEAUTO (a smaller chain; its EvalMult
on fresh ciphertexts is tensor + relinearization) for everything but the modulus switch,
which only FIXEDMANUAL exposes as an explicit ModReduce (FLEXIBLEAUTO folds it into the next
product). Figures are medians of several timed calls, in process CPU time like the Rust
bench (wall time with BLINDFOLD_BENCH_WALL=1); lines starting with `#` describe the set-up.
Usage: bgv.py [reps]
"""

import math
import os
import statistics
import sys
import time

import openfhe as fhe

CONFIGS = [(14, 5), (15, 12)]
T = 65537


CLOCK = time.perf_counter if os.environ.get("BLINDFOLD_BENCH_WALL") else time.process_time


def median_ms(fn, reps):
    fn()  # warm-up (caches, lazy precomputation)
    times = []
    for _ in range(reps):
        start = CLOCK()
        fn()
        times.append((CLOCK() - start) * 1e3)
    return statistics.median(times)


def context(log_n, depth, technique):
    p = fhe.CCParamsBGVRNS()
    p.SetPlaintextModulus(T)
    p.SetMultiplicativeDepth(depth)
    p.SetRingDim(1 << log_n)
    p.SetKeySwitchTechnique(fhe.KeySwitchTechnique.HYBRID)
    p.SetScalingTechnique(technique)
    p.SetSecurityLevel(fhe.SecurityLevel.HEStd_128_classic)
    cc = fhe.GenCryptoContext(p)
    for feature in (fhe.PKE, fhe.KEYSWITCH, fhe.LEVELEDSHE):
        cc.Enable(feature)
    print(
        f"# OpenFHE BGVRNS N=2^{log_n} depth {depth} t={T} {technique.name}: "
        f"log2 Q = {math.log2(cc.GetModulus()):.1f}, HYBRID, "
        f"{'wall' if CLOCK is time.perf_counter else 'process CPU'} time",
        flush=True,
    )
    keys = cc.KeyGen()
    cc.EvalMultKeyGen(keys.secretKey)
    cc.EvalRotateKeyGen(keys.secretKey, [1])
    return cc, keys


def bench(log_n, depth, reps):
    n = 1 << log_n
    a = [(7 * i + 3) % T for i in range(n)]
    b = [(i * i + 11) % T for i in range(n)]
    g = f"bgv/n=2^{log_n}"

    cc, keys = context(log_n, depth, fhe.ScalingTechnique.FLEXIBLEAUTO)
    pa = cc.MakePackedPlaintext(a)
    pb = cc.MakePackedPlaintext(b)
    ca = cc.Encrypt(keys.publicKey, pa)
    cb = cc.Encrypt(keys.publicKey, pb)
    figures = [
        ("encode", lambda: cc.MakePackedPlaintext(a)),
        ("encrypt-pk", lambda: cc.Encrypt(keys.publicKey, pa)),
        ("encrypt-sk", lambda: cc.Encrypt(keys.secretKey, pa)),
        ("decrypt", lambda: cc.Decrypt(keys.secretKey, ca)),
        ("add", lambda: cc.EvalAdd(ca, cb)),
        ("mul-plain", lambda: cc.EvalMult(ca, pb)),
        ("mul-relin", lambda: cc.EvalMult(ca, cb)),
        ("rotate", lambda: cc.EvalRotate(ca, 1)),
    ]
    for name, fn in figures:
        print(f"{g}/{name} {median_ms(fn, reps):.6f}", flush=True)
    check(cc, keys, cc.EvalMult(ca, cb), a, b)

    cc, keys = context(log_n, depth, fhe.ScalingTechnique.FIXEDMANUAL)
    ca = cc.Encrypt(keys.publicKey, cc.MakePackedPlaintext(a))
    cb = cc.Encrypt(keys.publicKey, cc.MakePackedPlaintext(b))
    prod = cc.EvalMult(ca, cb)
    print(f"{g}/mod-switch {median_ms(lambda: cc.ModReduce(prod), reps):.6f}", flush=True)
    check(cc, keys, cc.ModReduce(prod), a, b)


def check(cc, keys, prod, a, b):
    """What was timed computes the right thing: the slot-wise product."""
    got = cc.Decrypt(keys.secretKey, prod)
    got.SetLength(len(a))
    if [v % T for v in got.GetPackedValue()] != [(x * y) % T for x, y in zip(a, b)]:
        print("# OpenFHE product check FAILED", flush=True)
        sys.exit(1)


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    for log_n, depth in CONFIGS:
        bench(log_n, depth, reps)


if __name__ == "__main__":
    main()
