//! The full-order model as the reduced-order layer sees it: a state vector of grid values
//! and the operators Galerkin projection and hyper-reduction need, nothing of the spectral
//! internals. [`SpectralModel`] implements it for every [`SemiLinearPde`].

use std::sync::Arc;

use num_complex::Complex64;

use crate::dealias::{MaskedFactor, ProductEvaluator};
use crate::error::{invalid, Result, SolverError};
use crate::fft::SpectralTransform;
use crate::grid::Grid;
use crate::integrators::{Integrator, Scheme};
use crate::pde::{FluxForm, LinearTerm, PointwiseFlux, SemiLinearPde};

/// A full-order model du/dt = F(u, t) on n values: the minimal contract every model
/// offers, whatever its equations. What a reduction method needs beyond it is an optional
/// capability, asked for through the `as_*` methods (default: absent), so a user's own model
/// implements only what it has:
/// - [`AffineLinear`]: F = Σ_q θ_q L_q u + N(u) + f with parameter-affine linear terms (all
///   projection-based ROMs);
/// - [`QuadraticForm`]: N(u) = B(u, u) with a symmetric bilinear B (the exact Galerkin
///   tensor, an r×r×r array);
/// - [`FluxOperators`]: N(u) = A·g(K₁u, …, K_Q u) with g pointwise (DEIM / Q-DEIM / EIM).
///
/// [`SpectralModel`] offers all three for every [`SemiLinearPde`].
pub trait FullOrderModel: Send {
    /// Short PDE name (`burgers`, `ks`, `navier-stokes`, or a user's).
    fn name(&self) -> &str;
    /// The state dimension n.
    fn dim(&self) -> usize;
    /// The right-hand side at state `u` and time `t`.
    fn rhs(&mut self, u: &[f64], t: f64, out: &mut [f64]);
    /// Advances `u` from `t` to `t + dt` with the model's own integrator (one step).
    fn step(&mut self, u: &mut [f64], t: f64, dt: f64) -> Result<()>;
    /// A copy with its own scratch, for parallel offline assembly.
    fn boxed_clone(&self) -> Box<dyn FullOrderModel>;
    /// The affine linear terms, if the model has them.
    fn as_affine(&mut self) -> Option<&mut dyn AffineLinear> {
        None
    }
    /// The quadratic form of the nonlinearity, if it is quadratic.
    fn as_quadratic(&mut self) -> Option<&mut dyn QuadraticForm> {
        None
    }
    /// The flux form of the nonlinearity, if it has one.
    fn as_flux(&mut self) -> Option<&mut dyn FluxOperators> {
        None
    }
}

/// The linear part L = Σ_q θ_q L_q, affine in named parameters, and the forcing f.
pub trait AffineLinear {
    /// The affine terms of the linear part: parameter name and coefficient θ_q.
    fn linear_terms(&self) -> Vec<(Option<&'static str>, f64)>;
    /// out = L_q v for term `term` of [`AffineLinear::linear_terms`] (without θ_q).
    fn apply_linear_term(&mut self, term: usize, v: &[f64], out: &mut [f64]);
    /// out = L v = Σ_q θ_q L_q v.
    fn apply_linear(&mut self, v: &[f64], out: &mut [f64]);
    /// The forcing f, or `None` for an unforced model.
    fn forcing(&mut self) -> Option<Vec<f64>>;
}

/// A quadratic nonlinearity N(u) = B(u, u) with B symmetric and bilinear.
pub trait QuadraticForm {
    /// out = B(u, v); an error for a model whose nonlinearity is not quadratic after all
    /// (its flux has no bilinear form).
    fn apply_quadratic(&mut self, u: &[f64], v: &[f64], out: &mut [f64]) -> Result<()>;
}

/// A nonlinearity in flux form N(u) = A·g(K₁u, …, K_Q u) with g pointwise and A, K_j
/// linear (Chaturantabut & Sorensen 2010, §3.5): what DEIM samples.
pub trait FluxOperators {
    /// Q, the number of factor fields K_j u the flux reads.
    fn flux_factor_count(&self) -> usize;
    /// The factor fields K_j v, j = 1..Q, each of length n (linear in `v`).
    fn flux_factors(&mut self, v: &[f64], out: &mut [Vec<f64>]);
    /// The pointwise flux g.
    fn flux(&self) -> Arc<dyn PointwiseFlux>;
    /// out = A g for a flux field `g` (A includes any dealiasing mask).
    fn apply_flux_outer(&mut self, g: &[f64], out: &mut [f64]);
    /// g(K u) at the grid indices `points` (the DEIM samples of the nonlinearity).
    fn nonlinear_at(&mut self, u: &[f64], points: &[usize], out: &mut [f64]);
}

/// [`FullOrderModel`] for a pseudo-spectral [`SemiLinearPde`]: every operator is a Fourier
/// multiplier applied between one forward and one inverse real FFT.
pub struct SpectralModel {
    pde: Box<dyn SemiLinearPde>,
    scheme: Scheme,
    integrator: Option<Box<dyn Integrator>>,
    transform: SpectralTransform,
    terms: Vec<LinearTerm>,
    linear: Vec<Complex64>,
    flux: FluxForm,
    /// The flux factors of two states on the product grid (slots 0..Q and Q..2Q).
    products: ProductEvaluator,
    /// The flux's outer operator on the modes a product keeps, 0 on the others.
    outer_kept: MaskedFactor,
    spec: Vec<Complex64>,
    spec_out: Vec<Complex64>,
    point_factors: Vec<f64>,
    /// Whether the flux has a bilinear form (fixed by the PDE, so decided once).
    quadratic: bool,
    factor_fields: Vec<Vec<f64>>,
}

impl std::fmt::Debug for SpectralModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpectralModel")
            .field("pde", &self.pde.name())
            .field("scheme", &self.scheme)
            .finish()
    }
}

impl SpectralModel {
    /// The model of `pde`, stepped with `scheme` by [`FullOrderModel::step`].
    pub fn new(pde: Box<dyn SemiLinearPde>, scheme: Scheme) -> Result<Self> {
        let grid = pde.grid().clone();
        let flux = pde.flux_form();
        let q = flux.factors.len();
        let len = grid.spectral_len();
        let zeros = vec![0.0; q];
        let products = ProductEvaluator::new(&grid, pde.dealias(), 2 * q)?;
        Ok(Self {
            transform: SpectralTransform::new(&grid),
            terms: pde.linear_terms(),
            linear: pde.linear().to_vec(),
            outer_kept: products.masked(&flux.outer),
            products,
            spec: vec![Complex64::default(); len],
            spec_out: vec![Complex64::default(); len],
            point_factors: vec![0.0; q],
            quadratic: flux.flux.bilinear(&zeros, &zeros).is_some(),
            factor_fields: vec![vec![0.0; grid.len()]; q],
            flux,
            pde,
            scheme,
            integrator: None,
        })
    }

    /// The grid.
    pub fn grid(&self) -> &Grid {
        self.pde.grid()
    }

    /// The PDE.
    pub fn pde(&self) -> &dyn SemiLinearPde {
        self.pde.as_ref()
    }

    /// out = IFFT(symbol · FFT(v)).
    fn apply_symbol(&mut self, symbol: impl Fn(usize) -> Complex64, v: &[f64], out: &mut [f64]) {
        self.transform.forward(v, &mut self.spec);
        for (k, c) in self.spec.iter_mut().enumerate() {
            *c *= symbol(k);
        }
        self.transform.inverse_in_place(&mut self.spec, out);
    }

    /// The flux factors of `v` into product slots `first..first + Q`.
    fn factors_to_product_grid(&mut self, v: &[f64], first: usize) {
        self.transform.forward(v, &mut self.spec);
        for (j, symbol) in self.flux.factors.iter().enumerate() {
            for ((o, c), s) in self.spec_out.iter_mut().zip(&self.spec).zip(symbol) {
                *o = c * s;
            }
            self.products
                .to_physical_in_place(&mut self.spec_out, first + j);
        }
    }
}

impl FullOrderModel for SpectralModel {
    fn name(&self) -> &str {
        self.pde.name()
    }

    fn dim(&self) -> usize {
        self.pde.grid().len()
    }

    fn rhs(&mut self, u: &[f64], t: f64, out: &mut [f64]) {
        self.transform.forward(u, &mut self.spec);
        self.pde.nonlinear(&self.spec, t, &mut self.spec_out);
        for ((o, c), l) in self
            .spec_out
            .iter_mut()
            .zip(&self.spec)
            .zip(self.pde.linear())
        {
            *o += l * c;
        }
        self.transform.inverse_in_place(&mut self.spec_out, out);
    }

    fn step(&mut self, u: &mut [f64], t: f64, dt: f64) -> Result<()> {
        if self.integrator.as_ref().is_none_or(|i| i.dt() != dt) {
            self.integrator = Some(self.scheme.build(self.pde.linear(), dt)?);
        }
        let integrator = self.integrator.as_mut().expect("built above");
        self.transform.forward(u, &mut self.spec);
        integrator.step(self.pde.as_mut(), &mut self.spec, t);
        self.transform.inverse_in_place(&mut self.spec, u);
        if let Some(bad) = u.iter().find(|v| !v.is_finite()) {
            return Err(SolverError::BlowUp {
                time: t + dt,
                step: 1,
                value: *bad,
            });
        }
        Ok(())
    }

    fn boxed_clone(&self) -> Box<dyn FullOrderModel> {
        Box::new(
            Self::new(self.pde.boxed_clone(), self.scheme)
                .expect("a model that was built once builds again"),
        )
    }

    fn as_affine(&mut self) -> Option<&mut dyn AffineLinear> {
        Some(self)
    }

    /// Present when the flux has a bilinear form (every built-in PDE's does).
    fn as_quadratic(&mut self) -> Option<&mut dyn QuadraticForm> {
        if self.quadratic {
            Some(self)
        } else {
            None
        }
    }

    fn as_flux(&mut self) -> Option<&mut dyn FluxOperators> {
        Some(self)
    }
}

impl AffineLinear for SpectralModel {
    fn linear_terms(&self) -> Vec<(Option<&'static str>, f64)> {
        self.terms
            .iter()
            .map(|t| (t.parameter, t.coefficient))
            .collect()
    }

    fn apply_linear_term(&mut self, term: usize, v: &[f64], out: &mut [f64]) {
        let symbol = std::mem::take(&mut self.terms[term].symbol);
        self.apply_symbol(|k| symbol[k], v, out);
        self.terms[term].symbol = symbol;
    }

    fn apply_linear(&mut self, v: &[f64], out: &mut [f64]) {
        let linear = std::mem::take(&mut self.linear);
        self.apply_symbol(|k| linear[k], v, out);
        self.linear = linear;
    }

    fn forcing(&mut self) -> Option<Vec<f64>> {
        let mut hat = self.pde.forcing_hat()?.to_vec();
        let mut field = vec![0.0; self.dim()];
        self.transform.inverse_in_place(&mut hat, &mut field);
        Some(field)
    }
}

impl QuadraticForm for SpectralModel {
    fn apply_quadratic(&mut self, u: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        let q = self.flux.factors.len();
        let (mut a, mut b) = (vec![0.0; q], vec![0.0; q]);
        if !self.quadratic {
            return Err(invalid(
                "nonlinearity",
                self.pde.name(),
                "a quadratic flux for the exact Galerkin tensor (use DEIM instead)",
            ));
        }
        self.factors_to_product_grid(u, 0);
        self.factors_to_product_grid(v, q);
        let slot = self.products.product_slot();
        let (factors, product) = self.products.fields.split_at_mut(slot);
        for (i, p) in product[0].iter_mut().enumerate() {
            for j in 0..q {
                a[j] = factors[j][i];
                b[j] = factors[q + j][i];
            }
            *p = self.flux.flux.bilinear(&a, &b).unwrap_or(f64::NAN);
        }
        self.products
            .product_to_spectral_scaled(&mut self.spec_out, &self.outer_kept);
        self.transform.inverse_in_place(&mut self.spec_out, out);
        Ok(())
    }
}

impl FluxOperators for SpectralModel {
    fn flux_factor_count(&self) -> usize {
        self.flux.factors.len()
    }

    fn flux_factors(&mut self, v: &[f64], out: &mut [Vec<f64>]) {
        self.transform.forward(v, &mut self.spec);
        for (symbol, field) in self.flux.factors.iter().zip(out.iter_mut()) {
            for ((o, c), s) in self.spec_out.iter_mut().zip(&self.spec).zip(symbol) {
                *o = c * s;
            }
            self.transform.inverse_in_place(&mut self.spec_out, field);
        }
    }

    fn flux(&self) -> Arc<dyn PointwiseFlux> {
        Arc::clone(&self.flux.flux)
    }

    fn apply_flux_outer(&mut self, g: &[f64], out: &mut [f64]) {
        self.transform.forward(g, &mut self.spec);
        for (k, c) in self.spec.iter_mut().enumerate() {
            *c = if self.products.keeps(k) {
                *c * self.flux.outer[k]
            } else {
                Complex64::default()
            };
        }
        self.transform.inverse_in_place(&mut self.spec, out);
    }

    fn nonlinear_at(&mut self, u: &[f64], points: &[usize], out: &mut [f64]) {
        let mut fields = std::mem::take(&mut self.factor_fields);
        self.flux_factors(u, &mut fields);
        for (o, &p) in out.iter_mut().zip(points) {
            for (f, field) in self.point_factors.iter_mut().zip(&fields) {
                *f = field[p];
            }
            *o = self.flux.flux.eval(&self.point_factors);
        }
        self.factor_fields = fields;
    }
}
