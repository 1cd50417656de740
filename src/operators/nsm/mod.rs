//! The neural spectral method (NSM; Du, Chalapathi, Krishnapriyan, "Neural Spectral
//! Methods: Self-supervised learning in the spectral domain", ICLR 2024, arXiv:2312.05225)
//! for 1-D viscous Burgers u_t + (u²/2)_x = ν u_xx on the periodic unit interval, t ∈ [0, T].
//!
//! A network maps the Fourier coefficients of u₀ to the coefficients û[part, k, m] of the
//! whole space-time solution in real Fourier modes (x) × Chebyshev polynomials (t)
//! ([`space::SpectralSpace`]). It is trained with **no solution data**: the loss is the PDE
//! residual computed in coefficient space, whose sum of squares equals a weighted L² norm of
//! the residual function by Parseval ([`residual::BurgersResidual`]). The initial condition
//! holds exactly by construction ([`network`]). [`train`] draws fresh Gaussian-random-field
//! initial conditions each step; [`reference`] measures the result against the
//! pseudo-spectral solver of `galerkin-solvers` and runs that solver at coarser settings
//! for the matched-accuracy comparison.

pub mod network;
pub mod reference;
pub mod residual;
pub mod space;
pub mod train;

use burn::tensor::{Device, Tensor, TensorData};
use faer::Mat;
use thiserror::Error;

/// What the neural spectral method refuses or fails at.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum NsmError {
    /// An argument outside its allowed range.
    #[error("invalid `{field}` = {value}: allowed {allowed}")]
    Invalid {
        /// The argument name.
        field: &'static str,
        /// The value that was passed, formatted.
        value: String,
        /// The allowed range, in words.
        allowed: &'static str,
    },
    /// From the basis core (the Fourier and Chebyshev matrices).
    #[error(transparent)]
    Basis(#[from] crate::basis::BasisError),
    /// From the reference solver.
    #[error(transparent)]
    Solver(#[from] galerkin_solvers::SolverError),
}

impl NsmError {
    /// The error for `field` = `value` outside `allowed`.
    pub(crate) fn invalid(
        field: &'static str,
        value: impl std::fmt::Display,
        allowed: &'static str,
    ) -> Self {
        Self::Invalid {
            field,
            value: value.to_string(),
            allowed,
        }
    }
}

/// Rejects a viscosity that is not a finite ν > 0.
pub(crate) fn check_viscosity(viscosity: f64) -> Result<()> {
    if viscosity.is_finite() && viscosity > 0.0 {
        Ok(())
    } else {
        Err(NsmError::invalid("viscosity", viscosity, "a finite ν > 0"))
    }
}

/// Result alias of the neural spectral method.
pub type Result<T> = std::result::Result<T, NsmError>;

/// A faer matrix as a row-major tensor on `device`.
pub(crate) fn tensor2(m: &Mat<f64>, device: &Device) -> Tensor<2> {
    Tensor::from_data(
        TensorData::new(space::row_major(m), [m.nrows(), m.ncols()]),
        device,
    )
}
