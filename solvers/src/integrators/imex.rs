//! IMEX Runge–Kutta ARS(2,3,3): Ascher, Ruuth & Spiteri, "Implicit-explicit Runge–Kutta
//! methods for time-dependent partial differential equations", Appl. Numer. Math. 25, 1997,
//! §2.4: L-stable-DIRK implicit part with two stages, three explicit stages, order 3.
//! With γ = (3 + √3)/6 the tableaux are
//! implicit: c = (0, γ, 1−γ), A = [[0,0,0],[0,γ,0],[0,1−2γ,γ]], b = (0, ½, ½);
//! explicit: Â = [[0,0,0],[γ,0,0],[γ−1, 2(1−γ), 0]], b̂ = (0, ½, ½).

use num_complex::Complex64;

use super::{buffer, Integrator, Scheme};
use crate::pde::SemiLinearPde;

/// ARS(2,3,3) with L implicit (a per-mode division by 1 − hγL) and N explicit.
#[derive(Debug, Clone)]
pub struct ImexArs233 {
    dt: f64,
    gamma: f64,
    linear: Vec<Complex64>,
    inv: Vec<Complex64>,
    n1: Vec<Complex64>,
    n2: Vec<Complex64>,
    n3: Vec<Complex64>,
    u2: Vec<Complex64>,
    u3: Vec<Complex64>,
}

impl ImexArs233 {
    /// Coefficients for symbol `linear` and step `dt`.
    pub fn new(linear: &[Complex64], dt: f64) -> Self {
        let gamma = (3.0 + 3f64.sqrt()) / 6.0;
        let n = linear.len();
        Self {
            dt,
            gamma,
            linear: linear.to_vec(),
            inv: linear
                .iter()
                .map(|l| 1.0 / (1.0 - dt * gamma * l))
                .collect(),
            n1: buffer(n),
            n2: buffer(n),
            n3: buffer(n),
            u2: buffer(n),
            u3: buffer(n),
        }
    }
}

impl Integrator for ImexArs233 {
    fn step(&mut self, pde: &mut dyn SemiLinearPde, u: &mut [Complex64], t: f64) {
        let (h, g) = (self.dt, self.gamma);
        pde.nonlinear(u, t, &mut self.n1);
        for k in 0..u.len() {
            self.u2[k] = (u[k] + h * g * self.n1[k]) * self.inv[k];
        }
        pde.nonlinear(&self.u2, t + g * h, &mut self.n2);
        for k in 0..u.len() {
            let l_u2 = self.linear[k] * self.u2[k];
            self.u3[k] = (u[k]
                + h * (1.0 - 2.0 * g) * l_u2
                + h * ((g - 1.0) * self.n1[k] + 2.0 * (1.0 - g) * self.n2[k]))
                * self.inv[k];
        }
        pde.nonlinear(&self.u3, t + (1.0 - g) * h, &mut self.n3);
        for k in 0..u.len() {
            let l = self.linear[k];
            u[k] += 0.5 * h * (l * (self.u2[k] + self.u3[k]) + self.n2[k] + self.n3[k]);
        }
    }
    fn dt(&self) -> f64 {
        self.dt
    }
    fn scheme(&self) -> Scheme {
        Scheme::ImexArs233
    }
}
