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
//! initial conditions each step. The comparison with the pseudo-spectral solver of
//! `galerkin-solvers` is a study of the application layer (`galerkin figures --only nsm`).

pub mod network;
pub mod residual;
pub mod space;
pub mod train;

use super::error::{invalid, Result};
use burn::tensor::{Device, Tensor, TensorData};
use faer::Mat;

/// Rejects a viscosity that is not a finite ν > 0.
pub(crate) fn check_viscosity(viscosity: f64) -> Result<()> {
    if viscosity.is_finite() && viscosity > 0.0 {
        Ok(())
    } else {
        Err(invalid("viscosity", viscosity, "a finite ν > 0"))
    }
}

/// A faer matrix as a row-major tensor on `device`.
pub(crate) fn tensor2(m: &Mat<f64>, device: &Device) -> Tensor<2> {
    Tensor::from_data(
        TensorData::new(space::row_major(m), [m.nrows(), m.ncols()]),
        device,
    )
}
