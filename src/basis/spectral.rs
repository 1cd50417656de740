//! Truncated Fourier and Chebyshev bases as explicit matrices, orthonormal under the
//! quadrature of their grid. Spectral layers (FNO's truncated DFT, neural spectral methods)
//! and ROM tests use them as exact reference bases.

use std::f64::consts::PI;

use faer::Mat;

use super::error::{BasisError, Result};
use super::inner::InnerProduct;
use super::orthonormal::Basis;

/// Real truncated Fourier basis on the uniform periodic grid xᵢ = iL/n, i = 0…n−1, of [0, L):
/// columns 1/√L, then √(2/L)·cos(2πkx/L), √(2/L)·sin(2πkx/L) for k = 1…K, in that order
/// (2K + 1 columns). The trapezoid rule (weights L/n) integrates trigonometric products of
/// total wavenumber < n exactly, so the columns are orthonormal in the discrete L²(0, L)
/// product when K < n/2 (Trefethen, "Spectral Methods in MATLAB", ch. 3).
pub fn fourier_basis(n: usize, max_wavenumber: usize, length: f64) -> Result<Basis> {
    if n < 3 {
        return Err(invalid("n", n.to_string(), "n >= 3 grid points"));
    }
    if 2 * max_wavenumber >= n {
        return Err(invalid(
            "max_wavenumber",
            max_wavenumber.to_string(),
            "0 <= K < n/2 (the Nyquist mode has no sine partner)",
        ));
    }
    if !(length.is_finite() && length > 0.0) {
        return Err(invalid("length", length.to_string(), "a finite length > 0"));
    }
    let cols = 2 * max_wavenumber + 1;
    let q = Mat::from_fn(n, cols, |i, j| {
        let x = i as f64 * length / n as f64;
        if j == 0 {
            return 1.0 / length.sqrt();
        }
        let k = j.div_ceil(2) as f64;
        let phase = 2.0 * PI * k * x / length;
        let amp = (2.0 / length).sqrt();
        if j % 2 == 1 {
            amp * phase.cos()
        } else {
            amp * phase.sin()
        }
    });
    let ip = InnerProduct::diagonal(vec![length / n as f64; n])?;
    Basis::from_orthonormal(q, ip, 1e-12)
}

/// The n Chebyshev–Gauss–Lobatto points xⱼ = cos(πj/(n−1)), j = 0…n−1 (from 1 down to −1).
pub fn chebyshev_lobatto_points(n: usize) -> Vec<f64> {
    (0..n)
        .map(|j| (PI * j as f64 / (n - 1) as f64).cos())
        .collect()
}

/// Chebyshev basis T₀…T_d sampled on the n Chebyshev–Gauss–Lobatto points of [−1, 1],
/// orthonormal under the Gauss–Lobatto quadrature of ∫ f g (1 − x²)^{−1/2} dx (weights π/(n−1),
/// halved at the two ends), which is exact for polynomial degree ≤ 2n − 3. Column k is
/// T_k/√c_k with the discrete norms c₀ = c_{n−1} = π and c_k = π/2 otherwise (Canuto,
/// Hussaini, Quarteroni, Zang, "Spectral Methods: Fundamentals in Single Domains", §2.4).
/// Requires degree d ≤ n − 1.
pub fn chebyshev_basis(n: usize, degree: usize) -> Result<Basis> {
    if n < 2 {
        return Err(invalid("n", n.to_string(), "n >= 2 Lobatto points"));
    }
    if degree >= n {
        return Err(invalid(
            "degree",
            degree.to_string(),
            "0 <= degree <= n − 1 (n points resolve degree n − 1)",
        ));
    }
    let x = chebyshev_lobatto_points(n);
    let last = n - 1;
    let q = Mat::from_fn(n, degree + 1, |i, k| {
        let norm = if k == 0 || k == last { PI } else { PI / 2.0 };
        // T_k(cos θ) = cos kθ, evaluated stably from the angle.
        let theta = PI * i as f64 / last as f64;
        debug_assert!((theta.cos() - x[i]).abs() < 1e-15);
        (k as f64 * theta).cos() / norm.sqrt()
    });
    let weights = (0..n)
        .map(|i| {
            let w = PI / last as f64;
            if i == 0 || i == last {
                w / 2.0
            } else {
                w
            }
        })
        .collect();
    Basis::from_orthonormal(q, InnerProduct::diagonal(weights)?, 1e-12)
}

fn invalid(field: &'static str, value: String, allowed: &'static str) -> BasisError {
    BasisError::InvalidParameter {
        field,
        value,
        allowed,
    }
}
