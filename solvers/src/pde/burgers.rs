//! 1-D viscous Burgers: u_t + (u²/2)_x = ν u_xx on a periodic interval.

use num_complex::Complex64;

use super::{derivative_symbol, max_abs, SemiLinearPde};
use crate::dealias::{Dealias, ProductEvaluator};
use crate::error::{invalid, positive, Result};
use crate::grid::Grid;

/// Viscous Burgers in conservative form: L = −νk², N(u) = −(ik/2)·(u²)^.
#[derive(Debug, Clone)]
pub struct Burgers {
    viscosity: f64,
    grid: Grid,
    linear: Vec<Complex64>,
    half_ik: Vec<Complex64>,
    products: ProductEvaluator,
}

impl Burgers {
    /// Burgers with viscosity ν > 0 on a 1-D `grid`.
    pub fn new(grid: &Grid, viscosity: f64, dealias: Dealias) -> Result<Self> {
        positive("viscosity", viscosity)?;
        if grid.is_2d() {
            return Err(invalid("grid", format!("{:?}", grid.shape()), "a 1-D grid"));
        }
        let linear = grid.spectral_symbol(|k, _| Complex64::new(-viscosity * k * k, 0.0));
        let mut half_ik = Vec::with_capacity(grid.spectral_len());
        grid.for_each_mode(|kx, _, _| {
            half_ik.push(-0.5 * derivative_symbol(grid.kx(kx), grid.is_nyquist_x(kx)))
        });
        Ok(Self {
            viscosity,
            grid: grid.clone(),
            linear,
            half_ik,
            products: ProductEvaluator::new(grid, dealias, 1)?,
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
        &self.grid
    }
    fn linear(&self) -> &[Complex64] {
        &self.linear
    }
    fn nonlinear(&mut self, u_hat: &[Complex64], _t: f64, out: &mut [Complex64]) {
        square_flux(&mut self.products, &self.half_ik, u_hat, out);
    }
    fn cfl(&mut self, u_hat: &[Complex64], dt: f64) -> Option<f64> {
        self.products.to_physical(u_hat, 0);
        let dx = self.products.grid().dx();
        Some(max_abs(&self.products.fields[0]) * dt / dx)
    }
    fn boxed_clone(&self) -> Box<dyn SemiLinearPde> {
        Box::new(self.clone())
    }
}

/// out = coeff · (u²)^ with dealiasing: the shared flux of Burgers and KS.
pub(crate) fn square_flux(
    products: &mut ProductEvaluator,
    coeff: &[Complex64],
    u_hat: &[Complex64],
    out: &mut [Complex64],
) {
    products.to_physical(u_hat, 0);
    let p = products.product_slot();
    let (factors, product) = products.fields.split_at_mut(p);
    for (q, u) in product[0].iter_mut().zip(&factors[0]) {
        *q = u * u;
    }
    products.product_to_spectral(out, |k, p| coeff[k] * p);
}
