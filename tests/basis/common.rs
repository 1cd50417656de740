//! Test matrices with prescribed singular values, reproducible from a seed.

use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// An n×k matrix with independent N(0, 1) entries.
pub fn gaussian(n: usize, k: usize, seed: u64) -> Mat<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut m = Mat::zeros(n, k);
    for j in 0..k {
        for x in m.col_as_slice_mut(j) {
            *x = StandardNormal.sample(&mut rng);
        }
    }
    m
}

/// Q factor of a Gaussian matrix: Haar-distributed orthonormal columns.
pub fn random_orthonormal(n: usize, k: usize, seed: u64) -> Mat<f64> {
    gaussian(n, k, seed).qr().compute_thin_Q()
}

/// A = U diag(s) Vᵀ with random orthonormal U (n×k) and V (m×k), k = s.len().
pub fn with_singular_values(n: usize, m: usize, s: &[f64], seed: u64) -> Mat<f64> {
    let k = s.len();
    let u = random_orthonormal(n, k, seed);
    let v = random_orthonormal(m, k, seed.wrapping_add(1));
    let us = Mat::from_fn(n, k, |i, j| u[(i, j)] * s[j]);
    &us * v.transpose()
}

/// Spectral norm ‖A‖₂.
pub fn norm2(a: &Mat<f64>) -> f64 {
    a.singular_values().unwrap()[0]
}

/// Max relative difference of the leading `k` entries.
pub fn max_rel_diff(reference: &[f64], other: &[f64], k: usize) -> f64 {
    (0..k)
        .map(|i| (reference[i] - other[i]).abs() / reference[i])
        .fold(0.0, f64::max)
}
