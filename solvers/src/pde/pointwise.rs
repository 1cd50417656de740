//! Pointwise fluxes g(f₁, …, f_Q) of the flux form N(u) = A·g(K₁u, …, K_Q u) + f: the
//! nonlinearity a hyper-reduced model evaluates at its m points without the full model.
//! An open trait, so a user's PDE brings its own; the built-in ones are found by the name
//! stored in ROM files ([`builtin_flux`]).

use std::sync::Arc;

/// A pointwise function of Q factor values, with its gradient.
pub trait PointwiseFlux: Send + Sync + std::fmt::Debug {
    /// The name stored in ROM files (kebab-case, unique).
    fn name(&self) -> &str;
    /// Q, the number of factors g reads.
    fn factor_count(&self) -> usize;
    /// g at one point.
    fn eval(&self, f: &[f64]) -> f64;
    /// ∂g/∂f_j at one point, into `out` (Q values): the Jacobian of a hyper-reduced model.
    fn gradient(&self, f: &[f64], out: &mut [f64]);
    /// The symmetric bilinear form b with g(f) = b(f, f), for quadratic fluxes: what the
    /// exact Galerkin tensor projects. `None` (the default) for non-quadratic fluxes, whose
    /// models reduce by hyper-reduction only.
    fn bilinear(&self, _a: &[f64], _b: &[f64]) -> Option<f64> {
        None
    }
}

/// g(u) = u²/2 (one factor): Burgers, Kuramoto–Sivashinsky.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HalfSquare;

impl PointwiseFlux for HalfSquare {
    fn name(&self) -> &str {
        "half-square"
    }
    fn factor_count(&self) -> usize {
        1
    }
    fn eval(&self, f: &[f64]) -> f64 {
        0.5 * f[0] * f[0]
    }
    fn gradient(&self, f: &[f64], out: &mut [f64]) {
        out[0] = f[0];
    }
    fn bilinear(&self, a: &[f64], b: &[f64]) -> Option<f64> {
        Some(0.5 * a[0] * b[0])
    }
}

/// g(u, v, ω_x, ω_y) = u ω_x + v ω_y (four factors): 2-D vorticity advection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Advection2d;

impl PointwiseFlux for Advection2d {
    fn name(&self) -> &str {
        "advection-2d"
    }
    fn factor_count(&self) -> usize {
        4
    }
    fn eval(&self, f: &[f64]) -> f64 {
        f[0] * f[2] + f[1] * f[3]
    }
    fn gradient(&self, f: &[f64], out: &mut [f64]) {
        out[0] = f[2];
        out[1] = f[3];
        out[2] = f[0];
        out[3] = f[1];
    }
    fn bilinear(&self, a: &[f64], b: &[f64]) -> Option<f64> {
        Some(0.5 * (a[0] * b[2] + a[1] * b[3] + b[0] * a[2] + b[1] * a[3]))
    }
}

/// The built-in flux named `name`, if there is one.
pub fn builtin_flux(name: &str) -> Option<Arc<dyn PointwiseFlux>> {
    let all: [Arc<dyn PointwiseFlux>; 2] = [Arc::new(HalfSquare), Arc::new(Advection2d)];
    all.into_iter().find(|f| f.name() == name)
}
