//! The shared core of the 1-D conservation laws ∂ₜu = L u − ∂ₓ(u²/2) (Burgers, KS).

use num_complex::Complex64;

use std::sync::Arc;

use super::{derivative_symbol, max_abs, FluxForm, HalfSquare, LinearTerm};
use crate::dealias::{Dealias, MaskedFactor, ProductEvaluator};
use crate::error::{invalid, Result};
use crate::grid::Grid;

/// L(k) given by a real symbol, N(u) = −(ik/2)·(u²)^ dealiased.
#[derive(Debug, Clone)]
pub(crate) struct QuadraticFlux {
    grid: Grid,
    linear: Vec<Complex64>,
    half_ik: Vec<Complex64>,
    /// −ik/2 on the modes the dealiased product keeps, 0 on the others.
    half_ik_kept: MaskedFactor,
    products: ProductEvaluator,
}

impl QuadraticFlux {
    /// The core on a 1-D `grid` with linear symbol `symbol(k)`.
    pub(crate) fn new(grid: &Grid, symbol: impl Fn(f64) -> f64, dealias: Dealias) -> Result<Self> {
        if grid.is_2d() {
            return Err(invalid("grid", format!("{:?}", grid.shape()), "a 1-D grid"));
        }
        let linear = grid.spectral_symbol(|k, _| Complex64::new(symbol(k), 0.0));
        let mut half_ik = Vec::with_capacity(grid.spectral_len());
        grid.for_each_mode(|kx, _, _| {
            half_ik.push(-0.5 * derivative_symbol(grid.kx(kx), grid.is_nyquist_x(kx)))
        });
        let products = ProductEvaluator::new(grid, dealias, 1)?;
        Ok(Self {
            grid: grid.clone(),
            linear,
            half_ik_kept: products.masked(&half_ik),
            half_ik,
            products,
        })
    }

    pub(crate) fn grid(&self) -> &Grid {
        &self.grid
    }

    pub(crate) fn linear(&self) -> &[Complex64] {
        &self.linear
    }

    /// out = −(ik/2)·(u²)^, dealiased.
    pub(crate) fn nonlinear(&mut self, u_hat: &[Complex64], out: &mut [Complex64]) {
        self.products.to_physical(u_hat, 0);
        self.square_to_spectral(out);
    }

    /// [`QuadraticFlux::nonlinear`] taking `u_hat` as workspace (destroyed).
    pub(crate) fn nonlinear_consuming(&mut self, u_hat: &mut [Complex64], out: &mut [Complex64]) {
        self.products.to_physical_in_place(u_hat, 0);
        self.square_to_spectral(out);
    }

    /// out = −(ik/2)·(u²)^ from u in the first physical slot.
    fn square_to_spectral(&mut self, out: &mut [Complex64]) {
        let p = self.products.product_slot();
        let (factors, product) = self.products.fields.split_at_mut(p);
        for (q, u) in product[0].iter_mut().zip(&factors[0]) {
            *q = u * u;
        }
        self.products
            .product_to_spectral_scaled(out, &self.half_ik_kept);
    }

    /// The flux form N(u) = −∂ₓ(u²/2): K₁ = I, A = −ik.
    pub(crate) fn flux_form(&self) -> FluxForm {
        FluxForm {
            factors: vec![vec![Complex64::new(1.0, 0.0); self.half_ik.len()]],
            outer: self.half_ik.iter().map(|c| 2.0 * c).collect(),
            flux: Arc::new(HalfSquare),
        }
    }

    /// The dealiasing of the product u².
    pub(crate) fn dealias(&self) -> Dealias {
        self.products.dealias()
    }

    /// The linear term with a parameter-free symbol `symbol(k)` scaled by `coefficient`.
    pub(crate) fn linear_term(
        &self,
        parameter: Option<&'static str>,
        coefficient: f64,
        symbol: impl Fn(f64) -> f64,
    ) -> LinearTerm {
        LinearTerm {
            parameter,
            coefficient,
            symbol: self
                .grid
                .spectral_symbol(|k, _| Complex64::new(symbol(k), 0.0)),
        }
    }

    /// max|u| of the state.
    pub(crate) fn max_speed(&mut self, u_hat: &[Complex64]) -> f64 {
        self.products.to_physical(u_hat, 0);
        max_abs(&self.products.fields[0])
    }
}
