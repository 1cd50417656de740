//! Exponential time differencing: Cox & Matthews, "Exponential time differencing for stiff
//! systems", J. Comput. Phys. 176, 2002, with the φ-function coefficients evaluated by the
//! contour integrals of Kassam & Trefethen, "Fourth-order time-stepping for stiff PDEs",
//! SIAM J. Sci. Comput. 26(4), 2005: f(z) = (1/2πi)∮ f(ζ)/(ζ − z) dζ on a circle of radius 1
//! around z, discretized by the trapezoid rule. This avoids the cancellation in
//! (e^z − 1 − z)/z² and friends for small |z| that ruins the direct formulas.

use num_complex::Complex64;

use super::{buffer, Integrator, Scheme};
use crate::par::chunked;
use crate::pde::SemiLinearPde;

/// Contour points on the circle |ζ − z| = 1 (full circle: L may be complex).
const CONTOUR_POINTS: usize = 64;

/// Mean of f over the contour around z: the Cauchy integral, exact to round-off for the
/// entire functions used here.
fn contour_mean(z: Complex64, f: impl Fn(Complex64) -> Complex64) -> Complex64 {
    let m = CONTOUR_POINTS as f64;
    let sum: Complex64 = (0..CONTOUR_POINTS)
        .map(|j| {
            let theta = 2.0 * std::f64::consts::PI * (j as f64 + 0.5) / m;
            f(z + Complex64::from_polar(1.0, theta))
        })
        .sum();
    sum / m
}

/// The ETDRK4 coefficients e^{hL}, e^{hL/2}, Q and f₁, f₂, f₃ per mode, as complex numbers
/// or, for a real symbol L (every built-in PDE), as real ones: a real coefficient times a
/// complex value is two products instead of four plus two sums, and rounds to the same
/// bits as the complex product with a zero imaginary part.
#[derive(Debug, Clone)]
struct Coefficients<C> {
    e: Vec<C>,
    e2: Vec<C>,
    q: Vec<C>,
    f1: Vec<C>,
    f2: Vec<C>,
    f3: Vec<C>,
}

impl<C> Coefficients<C> {
    /// The table of `value(k)` for each coefficient kind, from the complex ones.
    fn map(all: &Coefficients<Complex64>, value: impl Fn(Complex64) -> C) -> Self {
        let column = |c: &[Complex64]| c.iter().map(|&z| value(z)).collect();
        Coefficients {
            e: column(&all.e),
            e2: column(&all.e2),
            q: column(&all.q),
            f1: column(&all.f1),
            f2: column(&all.f2),
            f3: column(&all.f3),
        }
    }
}

/// Real or complex coefficients ([`Coefficients`]).
#[derive(Debug, Clone)]
enum Table {
    Real(Coefficients<f64>),
    Complex(Coefficients<Complex64>),
}

/// The stage values N(u), N(a), N(b), N(c) and the stages a, b, c.
#[derive(Debug, Clone)]
struct Stages {
    nu: Vec<Complex64>,
    na: Vec<Complex64>,
    nb: Vec<Complex64>,
    nc: Vec<Complex64>,
    a: Vec<Complex64>,
    b: Vec<Complex64>,
    c: Vec<Complex64>,
}

/// Cox–Matthews ETDRK4:
/// a = e^{hL/2}u + Q N(u), b = e^{hL/2}u + Q N(a), c = e^{hL/2}a + Q(2N(b) − N(u)),
/// u⁺ = e^{hL}u + f₁N(u) + 2f₂(N(a) + N(b)) + f₃N(c) (Kassam–Trefethen eq. 2.5).
#[derive(Debug, Clone)]
pub struct Etdrk4 {
    dt: f64,
    table: Table,
    stages: Stages,
}

impl Etdrk4 {
    /// Coefficients for symbol `linear` and step `dt`.
    pub fn new(linear: &[Complex64], dt: f64) -> Self {
        let n = linear.len();
        let mut all = Coefficients {
            e: buffer(n),
            e2: buffer(n),
            q: buffer(n),
            f1: buffer(n),
            f2: buffer(n),
            f3: buffer(n),
        };
        for (k, l) in linear.iter().enumerate() {
            let z = l * dt;
            all.e[k] = z.exp();
            all.e2[k] = (z / 2.0).exp();
            all.q[k] = dt * contour_mean(z, |r| ((r / 2.0).exp() - 1.0) / r);
            all.f1[k] = dt
                * contour_mean(z, |r| {
                    (-4.0 - r + r.exp() * (4.0 - 3.0 * r + r * r)) / r.powi(3)
                });
            all.f2[k] = dt * contour_mean(z, |r| (2.0 + r + r.exp() * (r - 2.0)) / r.powi(3));
            all.f3[k] = dt
                * contour_mean(z, |r| {
                    (-4.0 - 3.0 * r - r * r + r.exp() * (4.0 - r)) / r.powi(3)
                });
        }
        // A real L gives real coefficients up to the contour's round-off in their
        // imaginary parts, which are dropped (they are ≤ 1e-16 relative).
        let table = if linear.iter().all(|l| l.im == 0.0) {
            Table::Real(Coefficients::map(&all, |z| z.re))
        } else {
            Table::Complex(all)
        };
        Self {
            dt,
            table,
            stages: Stages {
                nu: buffer(n),
                na: buffer(n),
                nb: buffer(n),
                nc: buffer(n),
                a: buffer(n),
                b: buffer(n),
                c: buffer(n),
            },
        }
    }
}

/// One ETDRK4 step of `u` with the coefficients `k`, real or complex.
fn etdrk4_step<C>(
    k: &Coefficients<C>,
    s: &mut Stages,
    h: f64,
    pde: &mut dyn SemiLinearPde,
    u: &mut [Complex64],
    t: f64,
) where
    C: Copy + Sync + std::ops::Mul<Complex64, Output = Complex64>,
{
    // Each per-mode pass writes one array ([`chunked`]: in parallel on long spectra)
    // and zips the chunk's slices of its inputs (no bounds checks in the loops).
    let (e, e2, q) = (&k.e, &k.e2, &k.q);
    let (f1, f2, f3) = (&k.f1, &k.f2, &k.f3);
    pde.nonlinear(u, t, &mut s.nu);
    // x = e^{hL/2}·y + Q·n.
    let half_step = |x: &mut [Complex64], y: &[Complex64], n: &[Complex64]| {
        chunked(x, |o, x| {
            let r = o..o + x.len();
            let ins = e2[r.clone()].iter().zip(&y[r.clone()]);
            for (x, ((e2, y), (q, n))) in x.iter_mut().zip(ins.zip(q[r.clone()].iter().zip(&n[r])))
            {
                *x = *e2 * *y + *q * *n;
            }
        })
    };
    half_step(&mut s.a, u, &s.nu);
    pde.nonlinear(&s.a, t + h / 2.0, &mut s.na);
    half_step(&mut s.b, u, &s.na);
    // b and c are not needed after their nonlinear terms: they serve as its workspace.
    pde.nonlinear_consuming(&mut s.b, t + h / 2.0, &mut s.nb);
    let (a, nu, nb) = (&s.a, &s.nu, &s.nb);
    chunked(&mut s.c, |o, c| {
        let r = o..o + c.len();
        let ins = e2[r.clone()].iter().zip(&a[r.clone()]).zip(&q[r.clone()]);
        for (c, (((e2, a), q), (nb, nu))) in
            c.iter_mut().zip(ins.zip(nb[r.clone()].iter().zip(&nu[r])))
        {
            *c = *e2 * *a + *q * (2.0 * *nb - *nu);
        }
    });
    pde.nonlinear_consuming(&mut s.c, t + h, &mut s.nc);
    let (na, nc) = (&s.na, &s.nc);
    chunked(u, |o, u| {
        let r = o..o + u.len();
        let first = e[r.clone()].iter().zip(&f1[r.clone()]).zip(&nu[r.clone()]);
        let middle = f2[r.clone()].iter().zip(&na[r.clone()]).zip(&nb[r.clone()]);
        let last = f3[r.clone()].iter().zip(&nc[r]);
        for (u, (((e, f1), nu), (((f2, na), nb), (f3, nc)))) in
            u.iter_mut().zip(first.zip(middle.zip(last)))
        {
            *u = *e * *u + *f1 * *nu + *f2 * (2.0 * (*na + *nb)) + *f3 * *nc;
        }
    });
}

impl Integrator for Etdrk4 {
    fn step(&mut self, pde: &mut dyn SemiLinearPde, u: &mut [Complex64], t: f64) {
        match &self.table {
            Table::Real(k) => etdrk4_step(k, &mut self.stages, self.dt, pde, u, t),
            Table::Complex(k) => etdrk4_step(k, &mut self.stages, self.dt, pde, u, t),
        }
    }
    fn dt(&self) -> f64 {
        self.dt
    }
    fn scheme(&self) -> Scheme {
        Scheme::Etdrk4
    }
}

/// Cox–Matthews ETD2RK: a = e^{hL}u + hφ₁(hL)N(u), u⁺ = a + hφ₂(hL)(N(a) − N(u)) with
/// φ₁(z) = (e^z − 1)/z, φ₂(z) = (e^z − 1 − z)/z².
#[derive(Debug, Clone)]
pub struct Etdrk2 {
    dt: f64,
    e: Vec<Complex64>,
    phi1: Vec<Complex64>,
    phi2: Vec<Complex64>,
    nu: Vec<Complex64>,
    na: Vec<Complex64>,
    a: Vec<Complex64>,
}

impl Etdrk2 {
    /// Coefficients for symbol `linear` and step `dt`.
    pub fn new(linear: &[Complex64], dt: f64) -> Self {
        let n = linear.len();
        let mut s = Self {
            dt,
            e: buffer(n),
            phi1: buffer(n),
            phi2: buffer(n),
            nu: buffer(n),
            na: buffer(n),
            a: buffer(n),
        };
        for (k, l) in linear.iter().enumerate() {
            let z = l * dt;
            s.e[k] = z.exp();
            s.phi1[k] = dt * contour_mean(z, |r| (r.exp() - 1.0) / r);
            s.phi2[k] = dt * contour_mean(z, |r| (r.exp() - 1.0 - r) / (r * r));
        }
        s
    }
}

impl Integrator for Etdrk2 {
    fn step(&mut self, pde: &mut dyn SemiLinearPde, u: &mut [Complex64], t: f64) {
        pde.nonlinear(u, t, &mut self.nu);
        for k in 0..u.len() {
            self.a[k] = self.e[k] * u[k] + self.phi1[k] * self.nu[k];
        }
        pde.nonlinear(&self.a, t + self.dt, &mut self.na);
        for k in 0..u.len() {
            u[k] = self.a[k] + self.phi2[k] * (self.na[k] - self.nu[k]);
        }
    }
    fn dt(&self) -> f64 {
        self.dt
    }
    fn scheme(&self) -> Scheme {
        Scheme::Etdrk2
    }
}
