//! The classical explicit Runge–Kutta method of order 4 on F(u) = L u + N(u).

use num_complex::Complex64;

use super::{buffer, Integrator, Scheme};
use crate::par::{chunked, chunked2};
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
        // next stage's argument (no separate pass for the linear part); passes run in
        // parallel chunks on long spectra ([`chunked`]).
        let h = self.dt;
        let l = &self.linear;
        let [k1, k2, k3, k4] = &mut self.k;
        let stage = &mut self.stage;
        // k += L·x for the stage argument x, then the next argument u + c·k, in one pass.
        let finish_stage = |k: &mut [Complex64], x: &mut [Complex64], u: &[Complex64], c: f64| {
            chunked2(k, x, |o, k, x| {
                let r = o..o + k.len();
                let ins = l[r.clone()].iter().zip(&u[r]);
                for ((k, x), (l, u)) in k.iter_mut().zip(x.iter_mut()).zip(ins) {
                    *k += l * *x;
                    *x = u + c * *k;
                }
            })
        };
        pde.nonlinear(u, t, k1);
        chunked2(k1, stage, |o, k, x| {
            let r = o..o + k.len();
            let ins = l[r.clone()].iter().zip(&u[r]);
            for ((k, x), (l, u)) in k.iter_mut().zip(x.iter_mut()).zip(ins) {
                *k += l * u;
                *x = u + 0.5 * h * *k;
            }
        });
        pde.nonlinear(stage, t + 0.5 * h, k2);
        finish_stage(k2, stage, u, 0.5 * h);
        pde.nonlinear(stage, t + 0.5 * h, k3);
        finish_stage(k3, stage, u, h);
        pde.nonlinear(stage, t + h, k4);
        chunked(k4, |o, k| {
            let r = o..o + k.len();
            for (k, (l, x)) in k.iter_mut().zip(l[r.clone()].iter().zip(&stage[r])) {
                *k += l * x;
            }
        });
        let (k1, k2, k3, k4) = (&*k1, &*k2, &*k3, &*k4);
        chunked(u, |o, u| {
            let r = o..o + u.len();
            let ks = k1[r.clone()].iter().zip(&k2[r.clone()]);
            let ks = ks.zip(k3[r.clone()].iter().zip(&k4[r]));
            for (u, ((k1, k2), (k3, k4))) in u.iter_mut().zip(ks) {
                *u += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
            }
        });
    }
    fn dt(&self) -> f64 {
        self.dt
    }
    fn scheme(&self) -> Scheme {
        Scheme::Rk4
    }
}
