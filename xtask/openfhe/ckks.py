"""OpenFHE CKKSRNS timings for `cargo xtask bench ckks`, printed as `<group> <milliseconds>`.

Same shapes as benches/benches/ckks.rs: HYBRID key switching, 128-bit classical security,
fresh ciphertexts at the top level, full N/2 slots:
- n16-depth20: N = 2^16, depth 20, 60-bit first prime, 50-bit scale primes, dnum 3;
- n16-depth24: N = 2^16, depth 24, 60-bit first prime, 40-bit scale primes, dnum 3;
- n14:         N = 2^14, depth 6, 60-bit first prime, 40-bit scale primes, dnum 4.
FIXEDMANUAL so EvalMult is exactly tensor + relinearization and Rescale is explicit.
Figures are medians of several timed calls. Usage: ckks.py [reps] [preset,preset...]
(or BLINDFOLD_CKKS_PRESETS=preset,preset, as for the Rust bench).
"""

import math
import os
import statistics
import sys
import time

import openfhe as fhe

CONFIGS = {
    "n16-depth20": (16, 20, 50, 3),
    "n16-depth24": (16, 24, 40, 3),
    "n14": (14, 6, 40, 4),
}


def median_ms(fn, reps):
    fn()  # warm-up (caches, lazy precomputation)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def bench(name, reps):
    log_n, depth, scale_bits, dnum = CONFIGS[name]
    p = fhe.CCParamsCKKSRNS()
    p.SetMultiplicativeDepth(depth)
    p.SetScalingModSize(scale_bits)
    p.SetFirstModSize(60)
    p.SetRingDim(1 << log_n)
    p.SetBatchSize(1 << (log_n - 1))
    p.SetKeySwitchTechnique(fhe.KeySwitchTechnique.HYBRID)
    p.SetNumLargeDigits(dnum)
    p.SetScalingTechnique(fhe.ScalingTechnique.FIXEDMANUAL)
    p.SetSecurityLevel(fhe.SecurityLevel.HEStd_128_classic)
    cc = fhe.GenCryptoContext(p)
    for feature in (fhe.PKE, fhe.KEYSWITCH, fhe.LEVELEDSHE):
        cc.Enable(feature)
    print(
        f"# OpenFHE CKKSRNS {name}: N=2^{log_n}, depth {depth}, scale {scale_bits} bits, "
        f"dnum {dnum}, log2 Q = {math.log2(cc.GetModulus()):.1f}",
        flush=True,
    )
    keys = cc.KeyGen()
    cc.EvalMultKeyGen(keys.secretKey)
    rotations = list(range(1, 9))
    cc.EvalRotateKeyGen(keys.secretKey, rotations)
    slots = 1 << (log_n - 1)
    values = [math.sin(i * 0.001) for i in range(slots)]
    pt = cc.MakeCKKSPackedPlaintext(values)
    a = cc.Encrypt(keys.publicKey, pt)
    b = cc.Encrypt(keys.publicKey, pt)
    prod = cc.EvalMult(a, b)
    m = 2 * (1 << log_n)

    def hoisted():
        pre = cc.EvalFastRotationPrecompute(a)
        return [cc.EvalFastRotation(a, k, m, pre) for k in rotations]

    g = f"ckks/{name}"
    figures = [
        ("encode", lambda: cc.MakeCKKSPackedPlaintext(values)),
        ("encrypt-pk", lambda: cc.Encrypt(keys.publicKey, pt)),
        ("add", lambda: cc.EvalAdd(a, b)),
        ("mul-plain", lambda: cc.EvalMult(a, pt)),
        ("mul+relin", lambda: cc.EvalMult(a, b)),
        ("rescale", lambda: cc.Rescale(prod)),
        ("rotate", lambda: cc.EvalRotate(a, 1)),
        ("rotate-8-hoisted", hoisted),
        ("decrypt+decode", lambda: cc.Decrypt(keys.secretKey, a)),
    ]
    for op, fn in figures:
        print(f"{g}/{op} {median_ms(fn, reps):.6f}", flush=True)


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    # Same selection as benches/benches/ckks.rs: BLINDFOLD_CKKS_PRESETS=a,b (default: all).
    env = os.environ.get("BLINDFOLD_CKKS_PRESETS", "")
    names = sys.argv[2].split(",") if len(sys.argv) > 2 else (env.split(",") if env else list(CONFIGS))
    for name in names:
        bench(name, reps)


if __name__ == "__main__":
    main()
