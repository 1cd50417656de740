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
}

impl PdeKind {
    /// Parses `burgers`, `ks` (or `kuramoto-sivashinsky`) or `navier-stokes` (or `ns`).
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "burgers" => Ok(Self::Burgers),
            "ks" | "kuramoto-sivashinsky" => Ok(Self::KuramotoSivashinsky),
            "navier-stokes" | "ns" => Ok(Self::NavierStokes),
            other => Err(invalid(
                "pde",
                other,
                "one of `burgers`, `ks`, `navier-stokes`",
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
