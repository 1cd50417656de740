//! 1-D Kuramoto–Sivashinsky: u_t + u u_x + u_xx + u_xxxx = 0 on [0, L), periodic.

use num_complex::Complex64;

use super::burgers::square_flux;
use super::{derivative_symbol, SemiLinearPde};
use crate::dealias::{Dealias, ProductEvaluator};
use crate::error::{invalid, Result};
use crate::grid::Grid;

/// KS in conservative form: L = k² − k⁴ (long waves grow, short waves decay),
/// N(u) = −(ik/2)·(u²)^. Chaotic for L ≳ 13; L = 22 is the standard test domain
/// (Cvitanović, Davidchack, Siminos, SIAM J. Appl. Dyn. Syst. 9(1), 2010).
#[derive(Debug, Clone)]
pub struct KuramotoSivashinsky {
    grid: Grid,
    linear: Vec<Complex64>,
    half_ik: Vec<Complex64>,
    products: ProductEvaluator,
}

impl KuramotoSivashinsky {
    /// KS on a 1-D `grid` (its length is the domain size L).
    pub fn new(grid: &Grid, dealias: Dealias) -> Result<Self> {
        if grid.is_2d() {
            return Err(invalid("grid", format!("{:?}", grid.shape()), "a 1-D grid"));
        }
        let linear = grid.spectral_symbol(|k, _| Complex64::new(k * k - k.powi(4), 0.0));
        let mut half_ik = Vec::with_capacity(grid.spectral_len());
        grid.for_each_mode(|kx, _, _| {
            half_ik.push(-0.5 * derivative_symbol(grid.kx(kx), grid.is_nyquist_x(kx)))
        });
        Ok(Self {
            grid: grid.clone(),
            linear,
            half_ik,
            products: ProductEvaluator::new(grid, dealias, 1)?,
        })
    }
}

impl SemiLinearPde for KuramotoSivashinsky {
    fn name(&self) -> &'static str {
        "ks"
    }
    fn equation(&self) -> String {
        format!("u_t + u u_x + u_xx + u_xxxx = 0, L = {}", self.grid.lx())
    }
    fn grid(&self) -> &Grid {
        &self.grid
    }
    fn linear(&self) -> &[Complex64] {
        &self.linear
    }
    fn nonlinear(&mut self, u_hat: &[Complex64], _t: f64, out: &mut [Complex64]) {
        square_flux(&mut self.products, &self.half_ik, u_hat, out);
    }
    fn boxed_clone(&self) -> Box<dyn SemiLinearPde> {
        Box::new(self.clone())
    }
}
