"""OpenFHE CKKS bootstrapping for `cargo xtask bench bootstrap`, printed as `<group> <ms>`.

The group is the Rust bench's (benches/benches/bootstrap.rs): `bootstrap/n16-full/refresh`,
one `EvalBootstrap` of a full-slot ciphertext (N = 2^16, 32,768 slots) at its lowest level.
Set-up as OpenFHE's examples: CKKSRNS, UNIFORM_TERNARY secret (dense, like ours), HYBRID key
switching, FLEXIBLEAUTO, 128-bit classical security, level budget [3, 3], first prime 8 bits
above the scale at most (EvalBootstrap's limit with its default correction factor),
`EvalBootstrapSetup`, `EvalBootstrapKeyGen`.

Levels after bootstrapping, scale and digits: 3 levels of 59 bits, 6 digits by default
(OpenFHE's usual bootstrapping scale; 6 digits are what fits 128-bit security at N = 2^16).
OpenFHE 1.6.1 cannot leave our 9 levels at a usable scale here: 9 levels of 50 bits exceed
the bound even with 8 digits, and 9 levels of 40 bits run (81 s) but return noise (−3 bits).
BLINDFOLD_OPENFHE_BOOT=levels,bits,digits changes them. Key generation, set-up and precision
(mean and worst log2 error against the input, real parts of values uniform in [−1, 1]) are
printed as `#` notes. Times are process CPU time (wall time with BLINDFOLD_BENCH_WALL=1),
median of `reps` calls. Usage: bootstrap.py [reps]
"""

import math
import os
import random
import resource
import statistics
import sys
import time

import openfhe as fhe

CLOCK = time.perf_counter if os.environ.get("BLINDFOLD_BENCH_WALL") else time.process_time


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    shape = os.environ.get("BLINDFOLD_OPENFHE_BOOT", "3,59,6").split(",")
    levels_after, scale_bits, digits = int(shape[0]), int(shape[1]), int(shape[2])
    budget = [3, 3]
    dist = fhe.SecretKeyDist.UNIFORM_TERNARY
    p = fhe.CCParamsCKKSRNS()
    p.SetSecretKeyDist(dist)
    p.SetSecurityLevel(fhe.SecurityLevel.HEStd_128_classic)
    p.SetRingDim(1 << 16)
    p.SetScalingModSize(scale_bits)
    # EvalBootstrap wants firstModSize − scaleModSize at most its correction factor (8 here).
    p.SetFirstModSize(min(scale_bits + 8, 60))
    p.SetScalingTechnique(fhe.ScalingTechnique.FLEXIBLEAUTO)
    p.SetKeySwitchTechnique(fhe.KeySwitchTechnique.HYBRID)
    p.SetNumLargeDigits(digits)
    depth = levels_after + fhe.CryptoContext.GetBootstrapDepth(budget, dist)
    p.SetMultiplicativeDepth(depth)
    cc = fhe.GenCryptoContext(p)
    for feature in (fhe.PKE, fhe.KEYSWITCH, fhe.LEVELEDSHE, fhe.ADVANCEDSHE, fhe.FHE):
        cc.Enable(feature)
    slots = cc.GetRingDimension() // 2
    clock = "wall" if CLOCK is time.perf_counter else "process CPU"
    print(
        f"# OpenFHE CKKSRNS bootstrap: N = 2^{cc.GetRingDimension().bit_length() - 1}, "
        f"{slots} slots, depth {depth} ({levels_after} levels of {scale_bits} bits after "
        f"bootstrapping), {digits} digits, level budget {budget}, UNIFORM_TERNARY, {clock} time",
        flush=True,
    )
    t = CLOCK()
    cc.EvalBootstrapSetup(budget, [0, 0], slots)
    setup = CLOCK() - t
    t = CLOCK()
    keys = cc.KeyGen()
    cc.EvalMultKeyGen(keys.secretKey)
    cc.EvalBootstrapKeyGen(keys.secretKey, slots)
    keygen = CLOCK() - t
    print(f"# OpenFHE set-up {setup:.1f} s, key generation {keygen:.1f} s", flush=True)
    rng = random.Random(7)
    values = [rng.uniform(-1.0, 1.0) for _ in range(slots)]
    pt = cc.MakeCKKSPackedPlaintext(values, 1, depth - 1)
    pt.SetLength(slots)
    ct = cc.Encrypt(keys.publicKey, pt)
    times = []
    out = None
    for _ in range(max(reps, 1)):
        t = CLOCK()
        out = cc.EvalBootstrap(ct)
        times.append((CLOCK() - t) * 1e3)
    res = cc.Decrypt(keys.secretKey, out)
    res.SetLength(slots)
    got = res.GetRealPackedValue()
    errs = [abs(a - b) for a, b in zip(values, got)]
    mean, worst = sum(errs) / len(errs), max(errs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(
        f"# OpenFHE precision: {-math.log2(mean):.2f} bits mean, {-math.log2(worst):.2f} "
        f"bits worst slot; {out.GetLevel()} levels used of {depth} after bootstrapping; "
        f"peak memory {peak:.2f} GB",
        flush=True,
    )
    print(f"bootstrap/n16-full/refresh {statistics.median(times):.6f}", flush=True)


if __name__ == "__main__":
    main()
