//! 1-D Kuramoto–Sivashinsky: u_t + u u_x + u_xx + u_xxxx = 0 on [0, L), periodic.

use num_complex::Complex64;

use super::flux::QuadraticFlux;
use super::registry::{Dimension, Family, PdeSpec, Setup};
use super::{FluxForm, LinearTerm, SemiLinearPde};
use crate::dealias::Dealias;
use crate::error::Result;
use crate::grid::Grid;

/// The `ks` family of the PDE registry (the domain length L is the grid's).
pub const SPEC: PdeSpec = PdeSpec {
    name: "ks",
    aliases: &["kuramoto-sivashinsky"],
    equation: "u_t + u u_x + u_xx + u_xxxx = 0",
    field: "u",
    parameters: &[],
    dimension: Dimension::One,
    forced: false,
    family: Family::SemiLinear(|s: &Setup<'_>| {
        Ok(Box::new(KuramotoSivashinsky::new(s.grid, s.dealias)?))
    }),
};

/// KS in conservative form: L = k² − k⁴ (long waves grow, short waves decay),
/// N(u) = −(ik/2)·(u²)^. Chaotic for L ≳ 13; L = 22 is the standard test domain
/// (Cvitanović, Davidchack, Siminos, SIAM J. Appl. Dyn. Syst. 9(1), 2010).
#[derive(Debug, Clone)]
pub struct KuramotoSivashinsky {
    core: QuadraticFlux,
}

impl KuramotoSivashinsky {
    /// KS on a 1-D `grid` (its length is the domain size L).
    pub fn new(grid: &Grid, dealias: Dealias) -> Result<Self> {
        Ok(Self {
            core: QuadraticFlux::new(grid, |k| k * k - k.powi(4), dealias)?,
        })
    }
}

impl SemiLinearPde for KuramotoSivashinsky {
    fn name(&self) -> &'static str {
        "ks"
    }
    fn equation(&self) -> String {
        format!(
            "u_t + u u_x + u_xx + u_xxxx = 0, L = {}",
            self.core.grid().lx()
        )
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
    fn boxed_clone(&self) -> Box<dyn SemiLinearPde> {
        Box::new(self.clone())
    }
    fn linear_terms(&self) -> Vec<LinearTerm> {
        vec![self.core.linear_term(None, 1.0, |k| k * k - k.powi(4))]
    }
    fn flux_form(&self) -> FluxForm {
        self.core.flux_form()
    }
    fn dealias(&self) -> Dealias {
        self.core.dealias()
    }
}
