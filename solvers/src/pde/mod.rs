//! PDE definitions over the semi-linear core ∂ₜu = L u + N(u) (+ f).
//!
//! L is diagonal in Fourier space (a symbol per mode); N and f are evaluated
//! pseudo-spectrally. A PDE owns its transforms and scratch, so `nonlinear` takes `&mut self`
//! and allocates nothing; ensembles give each trajectory its own clone.

mod burgers;
mod flux;
mod kuramoto_sivashinsky;
mod navier_stokes;
mod pointwise;
pub mod registry;

pub use burgers::Burgers;
pub use kuramoto_sivashinsky::KuramotoSivashinsky;
pub use navier_stokes::{Forcing, NavierStokes};
pub use pointwise::{builtin_flux, Advection2d, HalfSquare, PointwiseFlux};
pub use registry::{pde_spec, PdeSpec, PDES};

use std::sync::Arc;

use num_complex::Complex64;

use crate::dealias::Dealias;
use crate::grid::Grid;

/// A semi-linear evolution equation ∂ₜu = L u + N(u, t) in normalized Fourier coefficients
/// (layout of [`crate::grid`]).
pub trait SemiLinearPde: Send {
    /// Short name (`burgers`, `ks`, `navier-stokes`).
    fn name(&self) -> &'static str;
    /// The equation in words/symbols, for file metadata.
    fn equation(&self) -> String;
    /// The grid.
    fn grid(&self) -> &Grid;
    /// The symbol L(k) of the linear part, one entry per spectral coefficient.
    fn linear(&self) -> &[Complex64];
    /// N(u, t) plus forcing, dealiased, written to `out`.
    fn nonlinear(&mut self, u_hat: &[Complex64], t: f64, out: &mut [Complex64]);
    /// [`SemiLinearPde::nonlinear`] of a spectrum the caller no longer needs (an
    /// integrator's last use of a stage): an implementation may take `u_hat` as the
    /// inverse transform's workspace and destroy it, saving a copy. The same values as
    /// `nonlinear`, bit for bit.
    fn nonlinear_consuming(&mut self, u_hat: &mut [Complex64], t: f64, out: &mut [Complex64]) {
        self.nonlinear(u_hat, t, out);
    }
    /// The advective CFL number Σᵢ max|uᵢ|·dt/dxᵢ of the state, for equations that advect.
    fn cfl(&mut self, _u_hat: &[Complex64], _dt: f64) -> Option<f64> {
        None
    }
    /// A boxed copy with fresh scratch (for ensembles).
    fn boxed_clone(&self) -> Box<dyn SemiLinearPde>;
    /// The affine decomposition L = Σ_q θ_q L_q of the linear part by parameter, so a
    /// reduced model can re-weight its projected terms for a new parameter value.
    fn linear_terms(&self) -> Vec<LinearTerm>;
    /// The flux form of the nonlinearity, N(u) = A·g(K₁u, …, K_Q u) + f (see [`FluxForm`]).
    fn flux_form(&self) -> FluxForm;
    /// The spectral forcing f̂ (time-independent), if any.
    fn forcing_hat(&self) -> Option<&[Complex64]> {
        None
    }
    /// The dealiasing of products.
    fn dealias(&self) -> Dealias;
}

/// One term θ_q L_q of the affine decomposition of the linear part.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearTerm {
    /// The recipe parameter θ_q is (`viscosity`, `drag`), or `None` for a fixed term.
    pub parameter: Option<&'static str>,
    /// The coefficient θ_q at this PDE's parameter values (1 for fixed terms).
    pub coefficient: f64,
    /// The symbol of L_q, one entry per spectral coefficient.
    pub symbol: Vec<Complex64>,
}

/// The nonlinearity as a linear operator of a pointwise function of linear operators of
/// the state: N(u) = A·g(K₁u, …, K_Q u) + f, with A and every K_j Fourier multipliers and A
/// including the dealiasing mask. Burgers/KS: K₁ = I, g = u²/2, A = −∂ₓ; Navier–Stokes:
/// K = (∂_y ψ, −∂_x ψ, ∂_x ω, ∂_y ω) with ψ = (−Δ)⁻¹ω, g = u ω_x + v ω_y, A = −I.
/// This is what DEIM needs: g is local, so its value at m points costs O(m) once the
/// factors there are known (Chaturantabut & Sorensen, SIAM J. Sci. Comput. 32, 2010, §3.5).
#[derive(Debug, Clone)]
pub struct FluxForm {
    /// The symbols of K₁ … K_Q.
    pub factors: Vec<Vec<Complex64>>,
    /// The symbol of A (before the dealiasing mask, which the caller applies).
    pub outer: Vec<Complex64>,
    /// The pointwise function g.
    pub flux: Arc<dyn PointwiseFlux>,
}

impl Clone for Box<dyn SemiLinearPde> {
    fn clone(&self) -> Self {
        self.boxed_clone()
    }
}

/// i·k for a first derivative along an axis, with the Nyquist mode's derivative set to 0.
pub(crate) fn derivative_symbol(k: f64, nyquist: bool) -> Complex64 {
    if nyquist {
        Complex64::default()
    } else {
        Complex64::new(0.0, k)
    }
}

/// max |v| over a physical field.
pub(crate) fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}
