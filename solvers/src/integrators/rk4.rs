//! The classical explicit Runge–Kutta method of order 4 on F(u) = L u + N(u).

use num_complex::Complex64;

use super::{buffer, Integrator, Scheme};
use crate::pde::SemiLinearPde;

/// Classical RK4 (Kutta 1901): k₁ = F(u), k₂ = F(u + h/2·k₁), k₃ = F(u + h/2·k₂),
/// k₄ = F(u + h·k₃), u⁺ = u + h/6·(k₁ + 2k₂ + 2k₃ + k₄). Stable only for h·|L| ≲ 2.8.
#[derive(Debug, Clone)]
pub struct Rk4 {
    dt: f64,
    linear: Vec<Complex64>,
    stage: Vec<Complex64>,
    k: [Vec<Complex64>; 4],
}

impl Rk4 {
    /// RK4 for symbol `linear` and step `dt`.
    pub fn new(linear: &[Complex64], dt: f64) -> Self {
        let n = linear.len();
        Self {
            dt,
            linear: linear.to_vec(),
            stage: buffer(n),
            k: [buffer(n), buffer(n), buffer(n), buffer(n)],
        }
    }
}

impl Integrator for Rk4 {
    fn step(&mut self, pde: &mut dyn SemiLinearPde, u: &mut [Complex64], t: f64) {
        // Each stage: k = N(x) from the PDE, then one fused pass adds L·x and forms the
        // next stage's argument (no separate pass for the linear part).
        let h = self.dt;
        let l = &self.linear;
        let [k1, k2, k3, k4] = &mut self.k;
        pde.nonlinear(u, t, k1);
        for i in 0..u.len() {
            k1[i] += l[i] * u[i];
            self.stage[i] = u[i] + 0.5 * h * k1[i];
        }
        pde.nonlinear(&self.stage, t + 0.5 * h, k2);
        for i in 0..u.len() {
            k2[i] += l[i] * self.stage[i];
            self.stage[i] = u[i] + 0.5 * h * k2[i];
        }
        pde.nonlinear(&self.stage, t + 0.5 * h, k3);
        for i in 0..u.len() {
            k3[i] += l[i] * self.stage[i];
            self.stage[i] = u[i] + h * k3[i];
        }
        pde.nonlinear(&self.stage, t + h, k4);
        for i in 0..u.len() {
            k4[i] += l[i] * self.stage[i];
            u[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    fn dt(&self) -> f64 {
        self.dt
    }
    fn scheme(&self) -> Scheme {
        Scheme::Rk4
    }
}
