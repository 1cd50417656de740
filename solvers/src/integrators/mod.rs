//! Fixed-step time integrators for ∂ₜu = L u + N(u), generic over the PDE.
//!
//! L is diagonal, so every implicit or exponential part is a per-mode scalar computed once
//! for the step size; a step allocates nothing.

// Per-mode stage updates read up to seven coefficient arrays at one index: indexed loops
// state the formulas more plainly than seven-way zips.
#![allow(clippy::needless_range_loop)]

mod etd;
mod imex;
mod rk4;

pub use etd::{Etdrk2, Etdrk4};
pub use imex::ImexArs233;
pub use rk4::Rk4;

use num_complex::Complex64;

use crate::error::{positive, Result};
use crate::pde::SemiLinearPde;

/// One step of a fixed-dt scheme.
pub trait Integrator: Send {
    /// Advances `u` from t to t + dt in place.
    fn step(&mut self, pde: &mut dyn SemiLinearPde, u: &mut [Complex64], t: f64);
    /// The step size.
    fn dt(&self) -> f64;
    /// The scheme.
    fn scheme(&self) -> Scheme;
}

/// The available schemes (`etdrk4`, `etdrk2`, `imex-ars233`, `rk4`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantNames,
)]
#[strum(serialize_all = "kebab-case")]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "kebab-case")
)]
pub enum Scheme {
    /// Cox–Matthews ETDRK4 (4th order), φ-functions by Kassam–Trefethen contour integrals.
    Etdrk4,
    /// Cox–Matthews ETD2RK (2nd order).
    Etdrk2,
    /// Ascher–Ruuth–Spiteri IMEX Runge–Kutta (2,3,3) (3rd order), L implicit.
    ImexArs233,
    /// Classical explicit Runge–Kutta 4 on L u + N(u) (4th order; dt limited by L's
    /// spectral radius).
    Rk4,
}

impl Scheme {
    /// The name used in files and recipes.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The classical order of accuracy.
    pub fn order(&self) -> u32 {
        match self {
            Self::Etdrk4 | Self::Rk4 => 4,
            Self::ImexArs233 => 3,
            Self::Etdrk2 => 2,
        }
    }

    /// Builds the integrator for the linear symbol `linear` and step `dt` > 0.
    pub fn build(&self, linear: &[Complex64], dt: f64) -> Result<Box<dyn Integrator>> {
        positive("dt", dt)?;
        Ok(match self {
            Self::Etdrk4 => Box::new(Etdrk4::new(linear, dt)),
            Self::Etdrk2 => Box::new(Etdrk2::new(linear, dt)),
            Self::ImexArs233 => Box::new(ImexArs233::new(linear, dt)),
            Self::Rk4 => Box::new(Rk4::new(linear, dt)),
        })
    }
}

/// A zeroed spectral buffer.
pub(crate) fn buffer(len: usize) -> Vec<Complex64> {
    vec![Complex64::default(); len]
}
