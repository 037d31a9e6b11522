//! BGV: exact batched integer arithmetic modulo `t` with modulus switching.
