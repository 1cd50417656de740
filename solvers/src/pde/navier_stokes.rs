//! 2-D incompressible Navier–Stokes in vorticity–streamfunction form on a periodic box:
//! ω_t + u·∇ω = νΔω − αω + f,  −Δψ = ω,  u = (ψ_y, −ψ_x).

use std::f64::consts::PI;

use num_complex::Complex64;

use std::sync::Arc;

use super::registry::{Dimension, Family, Parameter, PdeSpec, Setup};
use super::{derivative_symbol, max_abs, Advection2d, FluxForm, LinearTerm, SemiLinearPde};
use crate::dealias::{Dealias, ProductEvaluator};
use crate::error::{invalid, non_negative, positive, Result};
use crate::fft::SpectralTransform;
use crate::grid::Grid;
use crate::par::{chunked, chunked2};

/// Body forcing of the vorticity equation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Forcing {
    /// No forcing (decaying turbulence).
    None,
    /// The FNO benchmark forcing f = A(sin 2π(x+y) + cos 2π(x+y)), A = 0.1 in Li et al.,
    /// "Fourier neural operator for parametric PDEs" (ICLR 2021), on (0, 1)².
    Fno {
        /// Amplitude A.
        amplitude: f64,
    },
    /// Kolmogorov flow: velocity forcing A·sin(2πn·y/Ly) along x, i.e. the vorticity forcing
    /// f = −A(2πn/Ly)·cos(2πn·y/Ly) (Kochkov et al., PNAS 118, 2021, use A = 1, n = 4 on
    /// [0, 2π]² with drag 0.1).
    Kolmogorov {
        /// Velocity amplitude A.
        amplitude: f64,
        /// Forcing mode n (integer wavenumber in y).
        wavenumber: u32,
    },
}

impl Forcing {
    /// The vorticity forcing f(x, y) at a point of a box of height `ly`.
    pub fn vorticity(&self, x: f64, y: f64, ly: f64) -> f64 {
        match *self {
            Self::None => 0.0,
            Self::Fno { amplitude } => {
                let phase = 2.0 * PI * (x + y);
                amplitude * (phase.sin() + phase.cos())
            }
            Self::Kolmogorov {
                amplitude,
                wavenumber,
            } => {
                let k = 2.0 * PI * wavenumber as f64 / ly;
                -amplitude * k * (k * y).cos()
            }
        }
    }
}

/// The `navier-stokes` family of the PDE registry.
pub const SPEC: PdeSpec = PdeSpec {
    name: "navier-stokes",
    aliases: &["ns"],
    equation: "w_t + u.grad(w) = nu lap(w) - drag w + f, -lap(psi) = w, u = (psi_y, -psi_x)",
    field: "vorticity",
    parameters: &[
        Parameter {
            name: "viscosity",
            default: None,
            allowed: "a finite number > 0",
        },
        Parameter {
            name: "drag",
            default: Some(0.0),
            allowed: "a finite number >= 0",
        },
    ],
    dimension: Dimension::Two,
    forced: true,
    family: Family::SemiLinear(|s: &Setup<'_>| {
        Ok(Box::new(NavierStokes::new(
            s.grid,
            s.parameter("viscosity")?,
            s.parameter("drag")?,
            s.forcing,
            s.dealias,
        )?))
    }),
};

/// Vorticity form: L = −ν|k|² − α, N(ω) = −(u·∇ω)^ + f̂ with u = (ψ_y, −ψ_x),
/// ψ̂ = ω̂/|k|² (ψ̂ = 0 at k = 0). The advection is formed in physical space from four
/// inverse transforms (u, v, ω_x, ω_y) and one forward transform.
#[derive(Debug, Clone)]
pub struct NavierStokes {
    viscosity: f64,
    drag: f64,
    forcing: Forcing,
    grid: Grid,
    linear: Vec<Complex64>,
    /// Real wavenumbers kx, ky per mode (0 at Nyquist): i·k·c is formed by hand.
    kx: Vec<f64>,
    ky: Vec<f64>,
    inv_laplacian: Vec<f64>,
    forcing_hat: Vec<Complex64>,
    spec: [Vec<Complex64>; 4],
    products: ProductEvaluator,
}

impl NavierStokes {
    /// NS on a 2-D `grid` with viscosity ν > 0, linear drag α ≥ 0 and a forcing.
    pub fn new(
        grid: &Grid,
        viscosity: f64,
        drag: f64,
        forcing: Forcing,
        dealias: Dealias,
    ) -> Result<Self> {
        positive("viscosity", viscosity)?;
        non_negative("drag", drag)?;
        if !grid.is_2d() {
            return Err(invalid("grid", format!("{:?}", grid.shape()), "a 2-D grid"));
        }
        match forcing {
            Forcing::Fno { amplitude } | Forcing::Kolmogorov { amplitude, .. }
                if !amplitude.is_finite() =>
            {
                return Err(invalid("forcing.amplitude", amplitude, "a finite number"));
            }
            Forcing::Kolmogorov { wavenumber: 0, .. } => {
                return Err(invalid("forcing.wavenumber", 0, "an integer >= 1"));
            }
            _ => {}
        }
        let linear = grid
            .spectral_symbol(|kx, ky| Complex64::new(-viscosity * (kx * kx + ky * ky) - drag, 0.0));
        let inv_laplacian = grid.spectral_symbol(|kx, ky| {
            let k2 = kx * kx + ky * ky;
            if k2 == 0.0 {
                0.0
            } else {
                1.0 / k2
            }
        });
        let (mut kx_sym, mut ky_sym) = (Vec::new(), Vec::new());
        grid.for_each_mode(|kx, ky, _| {
            kx_sym.push(derivative_symbol(grid.kx(kx), grid.is_nyquist_x(kx)).im);
            ky_sym.push(derivative_symbol(grid.ky(ky), grid.is_nyquist_y(ky)).im);
        });
        let (x, y) = (grid.x(), grid.y());
        let field: Vec<f64> = y
            .iter()
            .flat_map(|&yj| x.iter().map(move |&xi| (xi, yj)))
            .map(|(xi, yj)| forcing.vorticity(xi, yj, grid.ly()))
            .collect();
        let mut forcing_hat = vec![Complex64::default(); grid.spectral_len()];
        SpectralTransform::new(grid).forward(&field, &mut forcing_hat);
        let zeros = vec![Complex64::default(); grid.spectral_len()];
        Ok(Self {
            viscosity,
            drag,
            forcing,
            grid: grid.clone(),
            linear,
            kx: kx_sym,
            ky: ky_sym,
            inv_laplacian,
            forcing_hat,
            spec: [zeros.clone(), zeros.clone(), zeros.clone(), zeros],
            products: ProductEvaluator::new(grid, dealias, 4)?,
        })
    }

    /// The viscosity ν.
    pub fn viscosity(&self) -> f64 {
        self.viscosity
    }
    /// The drag coefficient α.
    pub fn drag(&self) -> f64 {
        self.drag
    }
    /// The forcing.
    pub fn forcing(&self) -> Forcing {
        self.forcing
    }

    /// Spectra of u = ψ_y, v = −ψ_x (and, with `gradient`, ω_x, ω_y) in one pass, then their
    /// physical fields into slots 0, 1 (2, 3).
    fn fields_to_physical(&mut self, w_hat: &[Complex64], gradient: bool) {
        // i·k·c = (−k·c.im, k·c.re).
        let ik = |k: f64, c: Complex64| Complex64::new(-k * c.im, k * c.re);
        let (kx, ky, inv) = (&self.kx, &self.ky, &self.inv_laplacian);
        let [u, v, wx, wy] = &mut self.spec;
        // (u, v) from ψ = ω/|k|², then (ω_x, ω_y): each pass writes two spectra, in
        // parallel chunks on large grids, zipping the chunk's slices of its inputs.
        chunked2(u, v, |o, u, v| {
            let r = o..o + u.len();
            let symbols = kx[r.clone()]
                .iter()
                .zip(&ky[r.clone()])
                .zip(&inv[r.clone()]);
            let out = u.iter_mut().zip(v.iter_mut());
            for ((u, v), (((kx, ky), inv), w)) in out.zip(symbols.zip(&w_hat[r])) {
                let psi = w * *inv;
                *u = ik(*ky, psi);
                *v = -ik(*kx, psi);
            }
        });
        if gradient {
            chunked2(wx, wy, |o, wx, wy| {
                let r = o..o + wx.len();
                let symbols = kx[r.clone()].iter().zip(&ky[r.clone()]);
                let out = wx.iter_mut().zip(wy.iter_mut());
                for ((wx, wy), ((kx, ky), w)) in out.zip(symbols.zip(&w_hat[r])) {
                    *wx = ik(*kx, *w);
                    *wy = ik(*ky, *w);
                }
            });
        }
        let slots = if gradient { 4 } else { 2 };
        for slot in 0..slots {
            self.products
                .to_physical_in_place(&mut self.spec[slot], slot);
        }
    }
}

impl SemiLinearPde for NavierStokes {
    fn name(&self) -> &'static str {
        "navier-stokes"
    }
    fn equation(&self) -> String {
        format!(
            "w_t + u.grad(w) = nu lap(w) - alpha w + f, -lap(psi) = w, u = (psi_y, -psi_x); \
             nu = {}, alpha = {}, forcing = {:?}",
            self.viscosity, self.drag, self.forcing
        )
    }
    fn grid(&self) -> &Grid {
        &self.grid
    }
    fn linear(&self) -> &[Complex64] {
        &self.linear
    }
    fn nonlinear(&mut self, w_hat: &[Complex64], _t: f64, out: &mut [Complex64]) {
        self.fields_to_physical(w_hat, true);
        let p = self.products.product_slot();
        let (f, product) = self.products.fields.split_at_mut(p);
        let [u, v, wx, wy] = [&f[0], &f[1], &f[2], &f[3]];
        chunked(&mut product[0], |o, q| {
            let r = o..o + q.len();
            let factors = u[r.clone()].iter().zip(&v[r.clone()]);
            let factors = factors.zip(wx[r.clone()].iter().zip(&wy[r]));
            for (q, ((u, v), (wx, wy))) in q.iter_mut().zip(factors) {
                *q = u * wx + v * wy;
            }
        });
        let forcing = &self.forcing_hat;
        self.products
            .product_to_spectral(out, |k, advection| forcing[k] - advection);
    }
    fn cfl(&mut self, w_hat: &[Complex64], dt: f64) -> Option<f64> {
        self.fields_to_physical(w_hat, false);
        let (dx, dy) = (self.grid.dx(), self.grid.dy());
        let fields = &self.products.fields;
        Some(dt * (max_abs(&fields[0]) / dx + max_abs(&fields[1]) / dy))
    }
    fn boxed_clone(&self) -> Box<dyn SemiLinearPde> {
        Box::new(self.clone())
    }
    fn linear_terms(&self) -> Vec<LinearTerm> {
        let term = |parameter, coefficient, symbol: Vec<Complex64>| LinearTerm {
            parameter: Some(parameter),
            coefficient,
            symbol,
        };
        vec![
            term(
                "viscosity",
                self.viscosity,
                self.grid
                    .spectral_symbol(|kx, ky| Complex64::new(-(kx * kx + ky * ky), 0.0)),
            ),
            term(
                "drag",
                self.drag,
                vec![Complex64::new(-1.0, 0.0); self.grid.spectral_len()],
            ),
        ]
    }
    fn flux_form(&self) -> FluxForm {
        let symbol = |k: &[f64], inv: Option<&[f64]>| -> Vec<Complex64> {
            k.iter()
                .enumerate()
                .map(|(idx, &k)| Complex64::new(0.0, k * inv.map_or(1.0, |v| v[idx])))
                .collect()
        };
        let inv = Some(self.inv_laplacian.as_slice());
        let minus_kx: Vec<f64> = self.kx.iter().map(|k| -k).collect();
        FluxForm {
            factors: vec![
                symbol(&self.ky, inv),
                symbol(&minus_kx, inv),
                symbol(&self.kx, None),
                symbol(&self.ky, None),
            ],
            outer: vec![Complex64::new(-1.0, 0.0); self.grid.spectral_len()],
            flux: Arc::new(Advection2d),
        }
    }
    fn forcing_hat(&self) -> Option<&[Complex64]> {
        (self.forcing != Forcing::None).then_some(self.forcing_hat.as_slice())
    }
    fn dealias(&self) -> Dealias {
        self.products.dealias()
    }
}
