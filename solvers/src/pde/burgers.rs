//! 1-D viscous Burgers: u_t + (u²/2)_x = ν u_xx on a periodic interval.

use num_complex::Complex64;

use super::flux::QuadraticFlux;
use super::registry::{Dimension, Family, Parameter, PdeSpec, Setup};
use super::{FluxForm, LinearTerm, SemiLinearPde};
use crate::dealias::Dealias;
use crate::error::{positive, Result};
use crate::grid::Grid;

/// The `burgers` family of the PDE registry.
pub const SPEC: PdeSpec = PdeSpec {
    name: "burgers",
    aliases: &[],
    equation: "u_t + (u^2/2)_x = nu u_xx",
    field: "u",
    parameters: &[Parameter {
        name: "viscosity",
        default: None,
        allowed: "a finite number > 0",
    }],
    dimension: Dimension::One,
    forced: false,
    family: Family::SemiLinear(|s: &Setup<'_>| {
        Ok(Box::new(Burgers::new(
            s.grid,
            s.parameter("viscosity")?,
            s.dealias,
        )?))
    }),
};

/// Viscous Burgers in conservative form: L = −νk², N(u) = −(ik/2)·(u²)^.
#[derive(Debug, Clone)]
pub struct Burgers {
    viscosity: f64,
    core: QuadraticFlux,
}

impl Burgers {
    /// Burgers with viscosity ν > 0 on a 1-D `grid`.
    pub fn new(grid: &Grid, viscosity: f64, dealias: Dealias) -> Result<Self> {
        positive("viscosity", viscosity)?;
        Ok(Self {
            viscosity,
            core: QuadraticFlux::new(grid, |k| -viscosity * k * k, dealias)?,
        })
    }

    /// The viscosity ν.
    pub fn viscosity(&self) -> f64 {
        self.viscosity
    }
}

impl SemiLinearPde for Burgers {
    fn name(&self) -> &'static str {
        "burgers"
    }
    fn equation(&self) -> String {
        format!("u_t + (u^2/2)_x = nu u_xx, nu = {}", self.viscosity)
    }
    fn grid(&self) -> &Grid {
        self.core.grid()
    }
    fn linear(&self) -> &[Complex64] {
        self.core.linear()
    }
    fn nonlinear(&mut self, u_hat: &[Complex64], _t: f64, out: &mut [Complex64]) {
        self.core.nonlinear(u_hat, out);
    }
    fn nonlinear_consuming(&mut self, u_hat: &mut [Complex64], _t: f64, out: &mut [Complex64]) {
        self.core.nonlinear_consuming(u_hat, out);
    }
    fn cfl(&mut self, u_hat: &[Complex64], dt: f64) -> Option<f64> {
        let dx = self.core.grid().dx();
        Some(self.core.max_speed(u_hat) * dt / dx)
    }
    fn boxed_clone(&self) -> Box<dyn SemiLinearPde> {
        Box::new(self.clone())
    }
    fn linear_terms(&self) -> Vec<LinearTerm> {
        vec![self
            .core
            .linear_term(Some("viscosity"), self.viscosity, |k| -k * k)]
    }
    fn flux_form(&self) -> FluxForm {
        self.core.flux_form()
    }
    fn dealias(&self) -> Dealias {
        self.core.dealias()
    }
}
