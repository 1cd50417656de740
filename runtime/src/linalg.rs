//! The few dense kernels the runtime needs, written to round exactly like galerkin's online
//! model (the same summation order), so a run matches `galerkin::rom::solve` bit for bit.

use faer::Mat;

/// Σ a_i b_i with four accumulators (the order galerkin's online model uses).
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    acc[0] + acc[1] + acc[2] + acc[3] + tail
}

/// The spectral radius of the row-major r × r matrix `a` (faer's eigenvalues, largest
/// modulus), or the Gershgorin bound max_k Σ_l |a_kl| if the eigenvalue solver fails: the
/// rule of galerkin's RK4 `Stepper`. `a` must be finite (checked by the caller).
pub(crate) fn spectral_radius(a: &[f64], r: usize) -> f64 {
    let m = Mat::from_fn(r, r, |i, j| a[i * r + j]);
    match m.eigenvalues() {
        Ok(values) => values.iter().map(|l| l.norm()).fold(0.0, f64::max),
        Err(_) => a
            .chunks_exact(r.max(1))
            .map(|row| row.iter().map(|v| v.abs()).sum::<f64>())
            .fold(0.0, f64::max),
    }
}
