//! PDE definitions over the semi-linear core ∂ₜu = L u + N(u) (+ f).
//!
//! L is diagonal in Fourier space (a symbol per mode); N and f are evaluated
//! pseudo-spectrally. A PDE owns its transforms and scratch, so `nonlinear` takes `&mut self`
//! and allocates nothing; ensembles give each trajectory its own clone.

mod burgers;
mod flux;
mod kuramoto_sivashinsky;
mod navier_stokes;

pub use burgers::Burgers;
pub use kuramoto_sivashinsky::KuramotoSivashinsky;
pub use navier_stokes::{Forcing, NavierStokes};

use num_complex::Complex64;

use crate::dealias::Dealias;
use crate::error::{invalid, Result};
use crate::grid::Grid;

/// The PDE families, by the names recipes use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdeKind {
    /// `burgers`: [`Burgers`].
    Burgers,
    /// `ks`: [`KuramotoSivashinsky`].
    KuramotoSivashinsky,
    /// `navier-stokes`: [`NavierStokes`].
    NavierStokes,
    /// `wave`: a conservative wave [`crate::wave::ConservativeWave`] (second order in
    /// time, fields q and p; not a [`SemiLinearPde`]).
    Wave,
}

impl PdeKind {
    /// Parses `burgers`, `ks` (or `kuramoto-sivashinsky`), `navier-stokes` (or `ns`) or
    /// `wave`.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "burgers" => Ok(Self::Burgers),
            "ks" | "kuramoto-sivashinsky" => Ok(Self::KuramotoSivashinsky),
            "navier-stokes" | "ns" => Ok(Self::NavierStokes),
            "wave" => Ok(Self::Wave),
            other => Err(invalid(
                "pde",
                other,
                "one of `burgers`, `ks`, `navier-stokes`, `wave`",
            )),
        }
    }
}

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
#[derive(Debug, Clone, PartialEq)]
pub struct FluxForm {
    /// The symbols of K₁ … K_Q.
    pub factors: Vec<Vec<Complex64>>,
    /// The symbol of A (before the dealiasing mask, which the caller applies).
    pub outer: Vec<Complex64>,
    /// The pointwise function g.
    pub flux: PointwiseFlux,
}

/// The pointwise flux g of a [`FluxForm`], named so a reduced model can evaluate it without
/// the full model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointwiseFlux {
    /// g(u) = u²/2 (one factor): Burgers, KS.
    HalfSquare,
    /// g(u, v, ω_x, ω_y) = u ω_x + v ω_y (four factors): 2-D vorticity advection.
    Advection2d,
}

impl PointwiseFlux {
    /// The name stored in files.
    pub fn name(&self) -> &'static str {
        match self {
            Self::HalfSquare => "half-square",
            Self::Advection2d => "advection-2d",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "half-square" => Ok(Self::HalfSquare),
            "advection-2d" => Ok(Self::Advection2d),
            other => Err(invalid("flux", other, "`half-square` or `advection-2d`")),
        }
    }

    /// Q, the number of factors g reads.
    pub fn factor_count(&self) -> usize {
        match self {
            Self::HalfSquare => 1,
            Self::Advection2d => 4,
        }
    }

    /// g at one point.
    pub fn eval(&self, f: &[f64]) -> f64 {
        match self {
            Self::HalfSquare => 0.5 * f[0] * f[0],
            Self::Advection2d => f[0] * f[2] + f[1] * f[3],
        }
    }

    /// ∂g/∂f_j at one point, into `out` (Q values): the Jacobian of a hyper-reduced model.
    pub fn gradient(&self, f: &[f64], out: &mut [f64]) {
        match self {
            Self::HalfSquare => out[0] = f[0],
            Self::Advection2d => {
                out[0] = f[2];
                out[1] = f[3];
                out[2] = f[0];
                out[3] = f[1];
            }
        }
    }

    /// The symmetric bilinear form b with g(f) = b(f, f), for quadratic fluxes (`None`
    /// for non-polynomial ones).
    pub fn bilinear(&self, a: &[f64], b: &[f64]) -> Option<f64> {
        match self {
            Self::HalfSquare => Some(0.5 * a[0] * b[0]),
            Self::Advection2d => {
                Some(0.5 * (a[0] * b[2] + a[1] * b[3] + b[0] * a[2] + b[1] * a[3]))
            }
        }
    }
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
