//! Inner products on ℝⁿ: the Euclidean one and diagonal (lumped-mass / quadrature) weights.
//!
//! A diagonal weight W = diag(w) turns ⟨x, y⟩ = xᵀ W y into the discrete L² product of a
//! quadrature rule (trapezoid on a periodic grid, Clenshaw–Curtis / Gauss on Chebyshev points,
//! lumped finite-element masses). Every weighted algorithm in the core reduces to the
//! Euclidean one through the whitening map x ↦ W^{1/2} x, which is exact for diagonal W.

use std::sync::Arc;

use faer::{Mat, MatRef};

use super::error::{BasisError, Result};

/// The inner product a [`Basis`](super::Basis) is orthonormal under.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum InnerProduct {
    /// ⟨x, y⟩ = xᵀy.
    #[default]
    Euclidean,
    /// ⟨x, y⟩ = Σᵢ wᵢ xᵢ yᵢ with all wᵢ > 0 (quadrature or lumped-mass weights).
    Diagonal(Arc<[f64]>),
}

impl InnerProduct {
    /// A diagonal inner product; every weight must be finite and > 0.
    pub fn diagonal(weights: Vec<f64>) -> Result<Self> {
        if weights.is_empty() {
            return Err(BasisError::InvalidParameter {
                field: "weights",
                value: "[] (empty)".into(),
                allowed: "at least one weight",
            });
        }
        if let Some((i, w)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w > 0.0))
        {
            return Err(BasisError::InvalidParameter {
                field: "weights",
                value: format!("weights[{i}] = {w}"),
                allowed: "finite values > 0",
            });
        }
        Ok(Self::Diagonal(weights.into()))
    }

    /// Checks that this inner product acts on vectors of length `n`.
    pub fn check_dim(&self, n: usize) -> Result<()> {
        match self {
            Self::Euclidean => Ok(()),
            Self::Diagonal(w) if w.len() == n => Ok(()),
            Self::Diagonal(w) => Err(BasisError::DimensionMismatch {
                field: "weights",
                expected: n,
                got: w.len(),
            }),
        }
    }

    /// ⟨x, y⟩ for two slices of equal length.
    pub fn dot(&self, x: &[f64], y: &[f64]) -> f64 {
        match self {
            Self::Euclidean => x.iter().zip(y).map(|(a, b)| a * b).sum(),
            Self::Diagonal(w) => x
                .iter()
                .zip(y)
                .zip(w.iter())
                .map(|((a, b), w)| w * a * b)
                .sum(),
        }
    }

    /// ‖x‖ = √⟨x, x⟩.
    pub fn norm(&self, x: &[f64]) -> f64 {
        self.dot(x, x).sqrt()
    }

    /// The Gram matrix AᵀWB.
    pub fn gram(&self, a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
        match self {
            Self::Euclidean => a.transpose() * b,
            Self::Diagonal(_) => a.transpose() * self.apply_weights(b),
        }
    }

    /// W·B (row i scaled by wᵢ).
    pub fn apply_weights(&self, b: MatRef<'_, f64>) -> Mat<f64> {
        self.scale_rows(b, |w| w)
    }

    /// [`InnerProduct::apply_weights`] taking ownership: no copy for the Euclidean product.
    pub fn apply_weights_owned(&self, b: Mat<f64>) -> Mat<f64> {
        match self {
            Self::Euclidean => b,
            Self::Diagonal(_) => self.apply_weights(b.as_ref()),
        }
    }

    /// W^{1/2}·A: maps the weighted problem to a Euclidean one.
    pub fn whiten(&self, a: MatRef<'_, f64>) -> Mat<f64> {
        self.scale_rows(a, f64::sqrt)
    }

    /// W^{-1/2}·A: maps a Euclidean result back (an orthonormal Q̃ becomes W-orthonormal).
    pub fn unwhiten(&self, a: MatRef<'_, f64>) -> Mat<f64> {
        self.scale_rows(a, |w| 1.0 / w.sqrt())
    }

    /// [`InnerProduct::unwhiten`] taking ownership: no copy for the Euclidean product.
    pub fn unwhiten_owned(&self, a: Mat<f64>) -> Mat<f64> {
        match self {
            Self::Euclidean => a,
            Self::Diagonal(_) => self.unwhiten(a.as_ref()),
        }
    }

    fn scale_rows(&self, a: MatRef<'_, f64>, f: impl Fn(f64) -> f64) -> Mat<f64> {
        match self {
            Self::Euclidean => a.to_owned(),
            Self::Diagonal(w) => {
                let s: Vec<f64> = w.iter().map(|&w| f(w)).collect();
                Mat::from_fn(a.nrows(), a.ncols(), |i, j| s[i] * a[(i, j)])
            }
        }
    }
}
