//! The Burgers residual R = u_t + (u²/2)_x − ν u_xx of a space-time spectral solution,
//! computed entirely in coefficient space (Du, Chalapathi, Krishnapriyan, ICLR 2024, §3.2:
//! the spectral form of the differential operator), and the spectral loss.
//!
//! For u in the [`SpectralSpace`] (K, M), R lies exactly in the doubled space (2K, 2M):
//! u_t (recurrence matrix) and ν(2πk)²û are embedded from (K, M); the flux u²/2 is formed on
//! the (4K + 1) × (2M + 2) grid, where the trapezoid rule in x (total wavenumber ≤ 4K < 4K + 1)
//! and Gauss–Lobatto in t (degree ≤ 4M ≤ 2(2M + 2) − 3) project it onto (2K, 2M) without
//! aliasing, and ∂ₓ is then the exact coefficient matrix. Hence, by Parseval for both
//! orthonormal bases, the loss Σ R̂² is exactly
//!
//! ‖R‖²_w = ∫₋₁¹ ∫₀¹ R² dx (1 − s²)^{−1/2} ds = ∫₀ᵀ ∫₀¹ R(x, t)² dx dt / √(t(T − t)),
//!
//! the L² norm in x and the Chebyshev-weighted L² norm in t of the residual of the
//! truncated solution, with no quadrature error.

use burn::tensor::{Device, Tensor};
use faer::Mat;

use super::space::SpectralSpace;
use super::{tensor2, Result};

/// x `[a, n, b]` ↦ `[a, n', b]`, contracting the middle axis with the matrix whose
/// transpose is `matrix_t` `[n, n']` (a transform along time for the slot layout).
pub(crate) fn along_time(x: Tensor<3>, matrix_t: &Tensor<2>) -> Tensor<3> {
    let [a, n, b] = x.dims();
    let n_out = matrix_t.dims()[1];
    x.swap_dims(1, 2)
        .reshape([a * b, n])
        .matmul(matrix_t.clone())
        .reshape([a, b, n_out])
        .swap_dims(1, 2)
}

/// x `[a, rest…]` ↦ `[a', rest…]`: `matrix` `[a', a]` applied along the leading axis (a
/// transform along space for the slot layout).
pub(crate) fn along_space(x: Tensor<3>, matrix: &Tensor<2>) -> Tensor<3> {
    let [a, n, b] = x.dims();
    let a_out = matrix.dims()[0];
    matrix
        .clone()
        .matmul(x.reshape([a, n * b]))
        .reshape([a_out, n, b])
}

/// The fixed matrices of the coefficient-space Burgers residual for one space and ν.
#[derive(Debug, Clone)]
pub struct BurgersResidual {
    space: SpectralSpace,
    /// (E_t D_t)ᵀ: d/dt, embedded into degree 2M.
    derivative_t: Tensor<2>,
    /// E_tᵀ: degree M into degree 2M.
    embed_t: Tensor<2>,
    /// ν(2πk)² per spatial slot, `[2(K + 1), 1, 1]`.
    diffusion: Tensor<3>,
    /// E_x: wavenumbers K into 2K.
    embed_x: Tensor<2>,
    /// Time synthesis on the 2M + 2 residual Lobatto points, transposed.
    synth_t: Tensor<2>,
    /// Space synthesis on the 4K + 1 residual points.
    synth_x: Tensor<2>,
    /// ∂ₓ∘(space analysis onto 2K) from the residual points.
    flux_x: Tensor<2>,
    /// Time analysis onto degree 2M from the residual points, transposed.
    analysis_t: Tensor<2>,
}

impl BurgersResidual {
    /// The residual operator of viscosity ν > 0 on `space`, as tensors on `device`.
    pub fn new(space: SpectralSpace, viscosity: f64, device: &Device) -> Result<Self> {
        super::check_viscosity(viscosity)?;
        let big = space.doubled();
        let (nx, nt) = residual_grid(&space);
        let t = |m: Mat<f64>| tensor2(&m.transpose().to_owned(), device);
        let stiffness = space.space_stiffness();
        let diffusion: Vec<f64> = stiffness.iter().map(|s| viscosity * s).collect();
        Ok(Self {
            space,
            derivative_t: t(space.time_embedding(&big) * space.time_derivative()),
            embed_t: t(space.time_embedding(&big)),
            diffusion: Tensor::<1>::from_data(
                burn::tensor::TensorData::new(diffusion, [space.space_len()]),
                device,
            )
            .reshape([space.space_len(), 1, 1]),
            embed_x: tensor2(&space.space_embedding(&big), device),
            synth_t: t(space.time_synthesis(nt)?),
            synth_x: tensor2(&space.space_synthesis(nx)?, device),
            flux_x: tensor2(&(big.space_derivative() * big.space_analysis(nx)?), device),
            analysis_t: t(big.time_analysis(nt)?),
        })
    }

    /// The space of the solution.
    pub fn space(&self) -> SpectralSpace {
        self.space
    }

    /// Residual coefficients `[2(2K + 1), 2M + 1, B]` in the doubled space of solutions
    /// `u` `[2(K + 1), M + 1, B]` (slot layout of [`SpectralSpace`], batch last).
    pub fn residual(&self, u: Tensor<3>) -> Tensor<3> {
        let linear = along_time(u.clone(), &self.derivative_t)
            + along_time(u.clone() * self.diffusion.clone(), &self.embed_t);
        let linear = along_space(linear, &self.embed_x);
        let values = along_space(along_time(u, &self.synth_t), &self.synth_x);
        let flux = values.powf_scalar(2.0) * 0.5;
        let flux = along_time(along_space(flux, &self.flux_x), &self.analysis_t);
        linear + flux
    }

    /// The spectral loss: the batch mean of Σ R̂² = ‖R‖²_w (module docs), `[1]`.
    pub fn loss(&self, u: Tensor<3>) -> Tensor<1> {
        let r = self.residual(u);
        let [slots, degrees, batch] = r.dims();
        r.powf_scalar(2.0)
            .reshape([slots * degrees, batch])
            .sum_dim(0)
            .mean()
            .reshape([1])
    }
}

/// The residual grid: 4K + 1 uniform points in x, 2M + 2 Lobatto points in t.
pub fn residual_grid(space: &SpectralSpace) -> (usize, usize) {
    (4 * space.max_wavenumber + 1, 2 * space.degree + 2)
}
