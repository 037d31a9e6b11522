//! The Homomorphic Encryption Standard's bounds on `log2(Q·P)` (Albrecht et al., v1.1, 2018,
//! as encoded in OpenFHE's `stdlatticeparms.cpp` and SEAL's `hestdparms.h`; the rows for
//! N = 2^16 and 2^17 are OpenFHE's additions).

/// Classical security target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SecurityLevel {
    /// 128-bit classical security.
    Classical128,
    /// 192-bit classical security.
    Classical192,
    /// 256-bit classical security.
    Classical256,
    /// 128-bit quantum security (ternary secrets only).
    Quantum128,
}

/// Distribution of the secret key, which decides the table row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SecretDistribution {
    /// Uniform ternary {-1, 0, 1} (the default of OpenFHE, SEAL and Lattigo).
    Ternary,
    /// Ternary with exactly `h` non-zero coefficients. Not covered by the standard's tables:
    /// accepted only with an explicit estimate (see `ParametersLiteral::sparse_estimate`).
    SparseTernary { hamming_weight: usize },
    /// Discrete Gaussian secret (the standard's "error" distribution).
    Gaussian,
}

/// `log2 N` for the rows below: 10 ..= 17.
const FIRST_LOG_N: u32 = 10;

/// Ternary secret, classical: 128 / 192 / 256 bits, N = 2^10 … 2^17.
pub const TERNARY_CLASSICAL: [[u32; 3]; 8] = [
    [27, 19, 14],
    [54, 37, 29],
    [109, 75, 58],
    [218, 152, 118],
    [438, 305, 237],
    [881, 611, 476],
    [1747, 1199, 929],
    [3523, 2411, 1866],
];

/// Ternary secret, quantum: 128 / 192 / 256 bits, N = 2^10 … 2^16 (no 2^17 row).
pub const TERNARY_QUANTUM: [[u32; 3]; 7] = [
    [25, 17, 13],
    [51, 35, 27],
    [101, 70, 54],
    [202, 141, 109],
    [411, 284, 220],
    [827, 571, 443],
    [1663, 1145, 888],
];

/// Gaussian ("error") secret, classical: N = 2^10 … 2^16 (2^16 from OpenFHE).
pub const ERROR_CLASSICAL: [[u32; 3]; 7] = [
    [29, 21, 16],
    [56, 39, 31],
    [111, 77, 60],
    [220, 154, 120],
    [440, 307, 239],
    [883, 613, 478],
    [1749, 1201, 931],
];

/// Largest `log2(Q·P)` allowed for `N = 2^log_n`, or `None` when the standard has no row
/// (a sparse secret, or N outside the table).
pub fn max_log_qp(log_n: u32, secret: SecretDistribution, level: SecurityLevel) -> Option<u32> {
    let row = log_n.checked_sub(FIRST_LOG_N)? as usize;
    let col = match level {
        SecurityLevel::Classical128 | SecurityLevel::Quantum128 => 0,
        SecurityLevel::Classical192 => 1,
        SecurityLevel::Classical256 => 2,
    };
    let table: &[[u32; 3]] = match (secret, level) {
        (SecretDistribution::SparseTernary { .. }, _) => return None,
        (SecretDistribution::Ternary, SecurityLevel::Quantum128) => &TERNARY_QUANTUM,
        (SecretDistribution::Gaussian, SecurityLevel::Quantum128) => return None,
        (SecretDistribution::Ternary, _) => &TERNARY_CLASSICAL,
        (SecretDistribution::Gaussian, _) => &ERROR_CLASSICAL,
    };
    table.get(row).map(|r| r[col])
}

/// Exact bit length of the product of `moduli` (not the sum of nominal sizes).
pub fn product_bits(moduli: &[u64]) -> u32 {
    // Little-endian base-2^64 big integer.
    let mut acc: Vec<u64> = vec![1];
    for &m in moduli {
        let mut carry = 0u128;
        for w in acc.iter_mut() {
            let t = *w as u128 * m as u128 + carry;
            *w = t as u64;
            carry = t >> 64;
        }
        if carry != 0 {
            acc.push(carry as u64);
        }
    }
    let top = acc.len() - 1;
    (top as u32) * 64 + (64 - acc[top].leading_zeros())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables must match `shared/security.md`, the document the project's promise rests on.
    #[test]
    fn tables_match_security_md() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/security.md");
        let Ok(text) = std::fs::read_to_string(path) else {
            // A clone without shared/ beside it: the constants were checked when written.
            eprintln!("security.md not found at {path}; table cross-check skipped");
            return;
        };
        let row = |n: u64| -> Vec<u32> {
            let prefix = format!("| {n} ");
            let line = text
                .lines()
                .find(|l| l.starts_with(&prefix))
                .unwrap_or_default();
            line.split('|')
                .skip(2)
                .take(3)
                .filter_map(|c| c.trim().parse().ok())
                .collect()
        };
        for (i, expect) in TERNARY_CLASSICAL.iter().enumerate() {
            assert_eq!(
                row(1 << (FIRST_LOG_N + i as u32)),
                expect.to_vec(),
                "row 2^{}",
                FIRST_LOG_N + i as u32
            );
        }
    }

    #[test]
    fn lookups() {
        let t = SecretDistribution::Ternary;
        assert_eq!(max_log_qp(16, t, SecurityLevel::Classical128), Some(1747));
        assert_eq!(max_log_qp(17, t, SecurityLevel::Classical256), Some(1866));
        assert_eq!(max_log_qp(15, t, SecurityLevel::Quantum128), Some(827));
        assert_eq!(max_log_qp(9, t, SecurityLevel::Classical128), None);
        assert_eq!(max_log_qp(18, t, SecurityLevel::Classical128), None);
        assert_eq!(
            max_log_qp(
                16,
                SecretDistribution::Gaussian,
                SecurityLevel::Classical128
            ),
            Some(1749)
        );
        assert_eq!(
            max_log_qp(
                17,
                SecretDistribution::Gaussian,
                SecurityLevel::Classical128
            ),
            None
        );
        let sparse = SecretDistribution::SparseTernary {
            hamming_weight: 192,
        };
        assert_eq!(max_log_qp(16, sparse, SecurityLevel::Classical128), None);
    }

    #[test]
    fn product_bit_length() {
        assert_eq!(product_bits(&[]), 1);
        assert_eq!(product_bits(&[3]), 2);
        assert_eq!(product_bits(&[1 << 40, 1 << 40]), 81);
        assert_eq!(product_bits(&[(1 << 40) - 1, (1 << 40) - 1]), 80);
        assert_eq!(product_bits(&[u64::MAX, u64::MAX, 2]), 129);
    }
}
