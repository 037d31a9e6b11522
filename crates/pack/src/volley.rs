//! Volley Revolver (Chiang 2023): matrix products A·Bᵀ and Eᵀ·X with row-packed matrices.
