//! Writes one valid encoding of every wire type into `<dir>/wire_<kind>/seed`, as seed inputs
//! for the fuzz targets. The parameters (`presets::insecure_tiny`) and key seeds match
//! `fuzz/fuzz_targets/common/rlwe.rs`.
//!
//! `cargo run -p blindfold-rlwe --example wire_seeds -- fuzz/seeds`

use blindfold_rlwe::wire::*;
use blindfold_rlwe::*;
use blindfold_rns::{rotation_element, sample};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/seeds".into()),
    );
    let params = Parameters::insecure_for_tests(presets::insecure_tiny())?;
    let mut rng = sample::seeded_rng([7; 32]);
    let sk = SecretKey::generate(&params, &mut rng)?;
    let kg = KeyGenerator::new(&sk);
    let keys = kg.evaluation_keys(true, &[rotation_element(4, 1)], &mut rng)?;
    let ct = Encryptor::with_secret_key(&sk, 1).encrypt_zero(2, &mut rng)?;
    let mut rng = sample::seeded_rng([8; 32]);
    let pk = kg.public_key(&mut rng)?;
    let rk = keys.relin()?;
    let gk = keys.galois(rotation_element(4, 1))?;
    let pt = Plaintext {
        poly: ct.parts[0].clone(),
        meta: ct.meta,
    };
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        ("wire_parameters", encode_parameters(&params)),
        ("wire_public_key", encode_public_key(&params, &pk)),
        (
            "wire_relinearization_key",
            encode_relinearization_key(&params, rk),
        ),
        ("wire_galois_key", encode_galois_key(&params, gk)),
        (
            "wire_evaluation_keys",
            encode_evaluation_keys(&params, &keys),
        ),
        ("wire_ciphertext", encode_ciphertext(&params, &ct)),
        ("wire_plaintext", encode_plaintext(&params, &pt)),
        ("wire_secret_key", encode_secret_key(&sk).to_vec()),
    ];
    for (target, bytes) in seeds {
        let d = dir.join(target);
        std::fs::create_dir_all(&d)?;
        std::fs::write(d.join("seed"), &bytes)?;
        println!("{target}: {} bytes", bytes.len());
    }
    Ok(())
}
