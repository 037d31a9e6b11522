//! Criterion benches across crates live in `benches/`.
