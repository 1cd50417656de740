//! Newton–Schulz iterations for the orthogonal polar factor of a matrix.
//!
//! For G = UΣVᵀ the polar factor is UVᵀ, the orthogonal matrix nearest to G. Newton–Schulz
//! iterations approximate it with matrix products only, which is why Muon (K. Jordan et al.,
//! "Muon: an optimizer for hidden layers in neural networks", 2024) uses them to
//! orthogonalize gradient updates. Each step applies an odd polynomial p to the singular
//! values, σ ↦ p(σ), leaving the singular vectors untouched.

use faer::{Mat, MatRef};

use super::error::{ensure_finite, Result};

/// Coefficients (a, b, c) of Muon's quintic p(σ) = aσ + bσ³ + cσ⁵.
pub const MUON_QUINTIC: (f64, f64, f64) = (3.4445, -4.7750, 2.0315);

/// Muon's documented output band: after 5 quintic steps, every singular value σ of the
/// input with σ/‖G‖_F ≥ 1e-2 is mapped into [0.68, 1.14] (obtained by iterating the scalar
/// polynomial; the quintic deliberately trades convergence to 1 for a steep start).
pub const MUON_QUINTIC_BAND: (f64, f64) = (0.68, 1.14);

/// Which iteration to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewtonSchulzKind {
    /// Classical cubic X ← 1.5X − 0.5 X XᵀX (Higham, "Functions of Matrices", §8.3):
    /// p(σ) = (3σ − σ³)/2 converges quadratically to 1 for all σ ∈ (0, √3), so after the
    /// Frobenius normalization it converges to the exact polar factor.
    Cubic,
    /// Muon's quintic with [`MUON_QUINTIC`]: fast growth of small σ, oscillation within
    /// [`MUON_QUINTIC_BAND`] instead of convergence.
    MuonQuintic,
}

/// Runs `steps` iterations of `kind` on G / (‖G‖_F + 1e-7) (the normalization puts every
/// singular value in [0, 1]). Wide and tall matrices are both handled: the Gram matrix is
/// formed on the short side (XXᵀ for wide X, as in Muon after its transpose).
pub fn newton_schulz(g: MatRef<'_, f64>, kind: NewtonSchulzKind, steps: usize) -> Result<Mat<f64>> {
    ensure_finite("g", g)?;
    let tall = g.nrows() > g.ncols();
    let oriented = if tall { g.transpose() } else { g };
    let scale = 1.0 / (oriented.norm_l2() + 1e-7);
    let mut x = Mat::from_fn(oriented.nrows(), oriented.ncols(), |i, j| {
        oriented[(i, j)] * scale
    });
    let (a, b, c) = match kind {
        NewtonSchulzKind::Cubic => (1.5, -0.5, 0.0),
        NewtonSchulzKind::MuonQuintic => MUON_QUINTIC,
    };
    for _ in 0..steps {
        let gram = &x * x.transpose();
        let poly = if c == 0.0 {
            &gram * b
        } else {
            &gram * b + (&gram * &gram) * c
        };
        x = &x * a + &poly * &x;
    }
    Ok(if tall { x.transpose().to_owned() } else { x })
}

/// The exact polar factor UVᵀ of G from its thin SVD (the reference for Newton–Schulz).
pub fn polar_factor(g: MatRef<'_, f64>) -> Result<Mat<f64>> {
    let svd = super::svd::thin_svd(g, &super::inner::InnerProduct::Euclidean)?;
    Ok(&svd.u * svd.v.transpose())
}
