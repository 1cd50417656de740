//! Conservative nonlinear wave equations q_tt = Δq − m²q − F′(q) on a periodic box, in
//! first-order form q_t = p, p_t = −Kq − F′(q) with K = −Δ + m², and their energy-
//! quadratized liftings (Sharma, Giannoni & Kramer, arXiv:2503.02273, 2025).
//!
//! The Hamiltonian H(q, p) = ∫ ½p² + ½ q·Kq + F(q) dx is conserved. The lifting adds
//! auxiliary fields w (and z) with F(q) = ½w², so that the lifted energy
//! H = ∫ ½p² + ½ q·Kq + ½|w|² dx is quadratic and the lifted dynamics are quadratic in
//! skew form y_t = J(y) ∇H(y) with J(y) skew and linear in y. Implicit midpoint conserves
//! that quadratic energy exactly (to the solver tolerance) and the original one up to a
//! bounded oscillation (it is symplectic).
//!
//! Laplacians are Fourier multipliers (pseudo-spectral), so K is symmetric positive
//! semi-definite in the Euclidean product on grid values.

use num_complex::Complex64;

use crate::error::{invalid, non_negative, Result, SolverError};
use crate::fft::SpectralTransform;
use crate::grid::Grid;

/// The potential F of q_tt = Δq − m²q − F′(q) (`linear`, `exponential`, `sine-gordon`,
/// `cubic`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantNames,
)]
#[strum(serialize_all = "kebab-case")]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "kebab-case")
)]
pub enum WaveNonlinearity {
    /// F = 0: the linear Klein–Gordon equation (a quadratic energy already; no lifting).
    Linear,
    /// F = e^q: the 1-D wave equation with exponential nonlinearity. Lifting
    /// w = √2 e^{q/2}: p_t = −Kq − w²/2, w_t = w p/2.
    Exponential,
    /// F = 1 − cos q: sine-Gordon. Lifting w = 2 sin(q/2), z = cos(q/2):
    /// p_t = −Kq − z w, w_t = z p, z_t = −w p/4.
    SineGordon,
    /// F = q⁴/4: cubic Klein–Gordon (with the mass m² in K). Lifting w = q²/√2:
    /// p_t = −Kq − √2 q w, w_t = √2 q p.
    Cubic,
}

impl WaveNonlinearity {
    /// The name used in files.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// F(q).
    pub fn potential(&self, q: f64) -> f64 {
        match self {
            Self::Linear => 0.0,
            Self::Exponential => q.exp(),
            Self::SineGordon => 1.0 - q.cos(),
            Self::Cubic => 0.25 * q.powi(4),
        }
    }

    /// F′(q).
    pub fn force(&self, q: f64) -> f64 {
        match self {
            Self::Linear => 0.0,
            Self::Exponential => q.exp(),
            Self::SineGordon => q.sin(),
            Self::Cubic => q.powi(3),
        }
    }

    /// F″(q) (for Newton steps and DEIM Jacobians).
    pub fn stiffness(&self, q: f64) -> f64 {
        match self {
            Self::Linear => 0.0,
            Self::Exponential => q.exp(),
            Self::SineGordon => q.cos(),
            Self::Cubic => 3.0 * q * q,
        }
    }

    /// Number of auxiliary fields of the lifting.
    pub fn auxiliary_fields(&self) -> usize {
        match self {
            Self::Linear => 0,
            Self::SineGordon => 2,
            _ => 1,
        }
    }

    /// The auxiliary fields at one point: (w) or (w, z).
    pub fn lift_point(&self, q: f64, out: &mut [f64]) {
        match self {
            Self::Linear => {}
            Self::Exponential => out[0] = std::f64::consts::SQRT_2 * (0.5 * q).exp(),
            Self::SineGordon => {
                out[0] = 2.0 * (0.5 * q).sin();
                out[1] = (0.5 * q).cos();
            }
            Self::Cubic => out[0] = q * q / std::f64::consts::SQRT_2,
        }
    }

    /// The couplings of the lifted J(y) beyond q_t = p, p_t = −Kq (block indices:
    /// 0 = q, 1 = p, 2 = w, 3 = z).
    pub fn couplings(&self) -> Vec<Coupling> {
        match self {
            Self::Linear => Vec::new(),
            Self::Exponential => vec![Coupling::new(1, 2, 2, -0.5)],
            Self::SineGordon => vec![Coupling::new(1, 2, 3, -1.0), Coupling::new(1, 3, 2, 0.25)],
            Self::Cubic => vec![Coupling::new(1, 2, 0, -std::f64::consts::SQRT_2)],
        }
    }
}

/// One skew pair of entries of J(y): J_{row,col} += coef·diag(y_by) and
/// J_{col,row} −= coef·diag(y_by).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coupling {
    /// Block receiving the term.
    pub row: usize,
    /// Block whose energy gradient it multiplies.
    pub col: usize,
    /// Block whose values make the diagonal.
    pub by: usize,
    /// The coefficient.
    pub coef: f64,
}

impl Coupling {
    const fn new(row: usize, col: usize, by: usize, coef: f64) -> Self {
        Self { row, col, by, coef }
    }
}

/// The `wave` family of the PDE registry: built from its own `[wave]` section, not as a
/// semi-linear PDE.
pub const SPEC: crate::pde::registry::PdeSpec = crate::pde::registry::PdeSpec {
    name: "wave",
    aliases: &[],
    equation: "q_tt = lap(q) - mass^2 q - F'(q); fields (q, p = q_t)",
    field: "q",
    parameters: &[crate::pde::registry::Parameter {
        name: "mass",
        default: Some(0.0),
        allowed: "a finite number >= 0",
    }],
    dimension: crate::pde::registry::Dimension::Either,
    forced: false,
    family: crate::pde::registry::Family::ConservativeWave,
};

/// A conservative wave equation on a periodic grid.
#[derive(Debug, Clone)]
pub struct ConservativeWave {
    grid: Grid,
    nonlinearity: WaveNonlinearity,
    mass: f64,
    /// |k|² per spectral coefficient.
    k2: Vec<f64>,
    transform: SpectralTransform,
    spec: Vec<Complex64>,
}

/// The largest number of fixed-point sweeps an implicit-midpoint step may take.
const MAX_SWEEPS: usize = 200;

impl ConservativeWave {
    /// q_tt = Δq − m²q − F′(q) with mass m ≥ 0 on `grid` (1-D or 2-D).
    pub fn new(grid: &Grid, nonlinearity: WaveNonlinearity, mass: f64) -> Result<Self> {
        non_negative("mass", mass)?;
        Ok(Self {
            grid: grid.clone(),
            nonlinearity,
            mass,
            k2: grid.spectral_symbol(|kx, ky| kx * kx + ky * ky),
            transform: SpectralTransform::new(grid),
            spec: vec![Complex64::default(); grid.spectral_len()],
        })
    }

    /// The grid.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }
    /// The nonlinearity.
    pub fn nonlinearity(&self) -> WaveNonlinearity {
        self.nonlinearity
    }
    /// The mass m.
    pub fn mass(&self) -> f64 {
        self.mass
    }

    /// The volume of one grid cell (the quadrature weight of every point).
    pub fn cell(&self) -> f64 {
        self.grid.dx()
            * if self.grid.is_2d() {
                self.grid.dy()
            } else {
                1.0
            }
    }

    /// out = IFFT(symbol(|k|²) · FFT(v)).
    fn multiplier(&mut self, v: &[f64], out: &mut [f64], symbol: impl Fn(f64) -> f64) {
        self.transform.forward(v, &mut self.spec);
        for (c, k2) in self.spec.iter_mut().zip(&self.k2) {
            *c *= symbol(*k2);
        }
        self.transform.inverse_in_place(&mut self.spec, out);
    }

    /// out = −Δv (the stiffness without the mass).
    pub fn apply_minus_laplacian(&mut self, v: &[f64], out: &mut [f64]) {
        self.multiplier(v, out, |k2| k2);
    }

    /// out = Kv = −Δv + m²v.
    pub fn apply_k(&mut self, v: &[f64], out: &mut [f64]) {
        let m2 = self.mass * self.mass;
        self.multiplier(v, out, |k2| k2 + m2);
    }

    /// H(q, p) = ∫ ½p² + ½ q·Kq + F(q) dx (rectangle rule, spectrally exact for K).
    pub fn hamiltonian(&mut self, q: &[f64], p: &[f64]) -> f64 {
        let mut kq = vec![0.0; q.len()];
        self.apply_k(q, &mut kq);
        let f = self.nonlinearity;
        self.cell()
            * q.iter()
                .zip(p)
                .zip(&kq)
                .map(|((q, p), kq)| 0.5 * p * p + 0.5 * q * kq + f.potential(*q))
                .sum::<f64>()
    }

    /// The right-hand side (q_t, p_t) = (p, −Kq − F′(q)).
    pub fn rhs(&mut self, q: &[f64], p: &[f64], dq: &mut [f64], dp: &mut [f64]) {
        dq.copy_from_slice(p);
        self.apply_k(q, dp);
        let f = self.nonlinearity;
        for (d, q) in dp.iter_mut().zip(q) {
            *d = -*d - f.force(*q);
        }
    }

    /// One implicit-midpoint step of the original system. The midpoint q̄ solves
    /// (I + dt²K/4) q̄ = q + (dt/2) p − (dt²/4) F′(q̄), by fixed-point sweeps to 1e-14
    /// relative; then p ← p + dt(−Kq̄ − F′(q̄)), q ← 2q̄ − q. Symplectic: the energy error
    /// stays bounded (no drift). Returns the sweeps taken.
    pub fn step_midpoint(&mut self, q: &mut [f64], p: &mut [f64], dt: f64) -> Result<usize> {
        let f = self.nonlinearity;
        let m2 = self.mass * self.mass;
        let h = 0.25 * dt * dt;
        let base: Vec<f64> = q
            .iter()
            .zip(p.iter())
            .map(|(q, p)| q + 0.5 * dt * p)
            .collect();
        let mut bar = q.to_vec();
        let mut rhs = vec![0.0; q.len()];
        let mut next = vec![0.0; q.len()];
        let mut sweeps = 0;
        loop {
            sweeps += 1;
            for ((r, b), qb) in rhs.iter_mut().zip(&base).zip(&bar) {
                *r = b - h * f.force(*qb);
            }
            self.multiplier(&rhs, &mut next, |k2| 1.0 / (1.0 + h * (k2 + m2)));
            let (diff, scale) = next.iter().zip(&bar).fold((0f64, 0f64), |(d, s), (a, b)| {
                (d.max((a - b).abs()), s.max(a.abs()))
            });
            std::mem::swap(&mut bar, &mut next);
            if !diff.is_finite() || sweeps >= MAX_SWEEPS {
                return Err(not_converged(dt, sweeps, diff));
            }
            if diff <= 1e-14 * scale.max(1.0) {
                break;
            }
        }
        let mut kbar = vec![0.0; q.len()];
        self.apply_k(&bar, &mut kbar);
        for i in 0..q.len() {
            p[i] += dt * (-kbar[i] - f.force(bar[i]));
            q[i] = 2.0 * bar[i] - q[i];
        }
        Ok(sweeps)
    }
}

fn not_converged(dt: f64, sweeps: usize, diff: f64) -> SolverError {
    invalid(
        "dt",
        dt,
        &format!(
            "a step the implicit-midpoint iteration converges for (stopped after {sweeps} \
             sweeps at change {diff:.2e}); reduce dt"
        ),
    )
}

/// The energy-quadratized lifting of a [`ConservativeWave`]: state blocks
/// y = (q, p, w[, z]), each a field on the grid.
#[derive(Debug, Clone)]
pub struct LiftedWave {
    wave: ConservativeWave,
    couplings: Vec<Coupling>,
}

impl LiftedWave {
    /// The lifting of `wave`.
    pub fn new(wave: ConservativeWave) -> Self {
        let couplings = wave.nonlinearity.couplings();
        Self { wave, couplings }
    }

    /// The original system.
    pub fn wave(&mut self) -> &mut ConservativeWave {
        &mut self.wave
    }

    /// Number of blocks: 2 + auxiliary fields.
    pub fn blocks(&self) -> usize {
        2 + self.wave.nonlinearity.auxiliary_fields()
    }

    /// The couplings of J(y) beyond the canonical (q, p) pair.
    pub fn couplings(&self) -> &[Coupling] {
        &self.couplings
    }

    /// Whether block `b` enters the energy (z of sine-Gordon does not).
    pub fn in_energy(&self, b: usize) -> bool {
        b < 3
    }

    /// y = (q, p, w[, z]) from (q, p).
    pub fn lift(&self, q: &[f64], p: &[f64]) -> Vec<Vec<f64>> {
        let aux = self.wave.nonlinearity.auxiliary_fields();
        let mut y = vec![q.to_vec(), p.to_vec()];
        y.extend((0..aux).map(|_| vec![0.0; q.len()]));
        let mut point = [0.0; 2];
        for (i, &qi) in q.iter().enumerate() {
            self.wave.nonlinearity.lift_point(qi, &mut point);
            for a in 0..aux {
                y[2 + a][i] = point[a];
            }
        }
        y
    }

    /// ∇H(y) block b into `out`: Kq, p, w, 0.
    pub fn energy_gradient(&mut self, y: &[Vec<f64>], b: usize, out: &mut [f64]) {
        match b {
            0 => self.wave.apply_k(&y[0], out),
            _ if self.in_energy(b) => out.copy_from_slice(&y[b]),
            _ => out.fill(0.0),
        }
    }

    /// H(y) = ∫ ½p² + ½ q·Kq + ½|w|² dx: equal to the original H on lifted states.
    pub fn energy(&mut self, y: &[Vec<f64>]) -> f64 {
        let n = y[0].len();
        let mut g = vec![0.0; n];
        let mut total = 0.0;
        for b in 0..self.blocks() {
            self.energy_gradient(y, b, &mut g);
            total += 0.5 * y[b].iter().zip(&g).map(|(a, b)| a * b).sum::<f64>();
        }
        total * self.wave.cell()
    }

    /// ∇H(y), every block.
    fn gradients(&mut self, y: &[Vec<f64>]) -> Vec<Vec<f64>> {
        (0..self.blocks())
            .map(|b| {
                let mut g = vec![0.0; y[b].len()];
                self.energy_gradient(y, b, &mut g);
                g
            })
            .collect()
    }

    /// out += the coupling part of J(y) ∇H(y) (blocks p, w, z; never q).
    fn add_couplings(&self, y: &[Vec<f64>], grads: &[Vec<f64>], out: &mut [Vec<f64>]) {
        for c in &self.couplings {
            for i in 0..y[0].len() {
                let d = c.coef * y[c.by][i];
                out[c.row][i] += d * grads[c.col][i];
                out[c.col][i] -= d * grads[c.row][i];
            }
        }
    }

    /// y_t = J(y) ∇H(y) into `out` (same block layout).
    pub fn rhs(&mut self, y: &[Vec<f64>], out: &mut [Vec<f64>]) {
        let grads = self.gradients(y);
        out[0].copy_from_slice(&grads[1]);
        for (o, g) in out[1].iter_mut().zip(&grads[0]) {
            *o = -g;
        }
        for o in out.iter_mut().skip(2) {
            o.fill(0.0);
        }
        self.add_couplings(y, &grads, out);
    }

    /// One implicit-midpoint step y ← 2ȳ − y with ȳ = y + (dt/2) f(ȳ). The stiff canonical
    /// part is solved exactly in Fourier space, (I + dt²K/4) q̄ = q + (dt/2)p + (dt²/4)N_p(ȳ),
    /// p̄ = 2(q̄ − q)/dt, and the couplings N(ȳ) by fixed-point sweeps to 1e-14 relative.
    /// Conserves the quadratic lifted energy to that tolerance. Returns the sweeps taken.
    pub fn step_midpoint(&mut self, y: &mut [Vec<f64>], dt: f64) -> Result<usize> {
        let blocks = self.blocks();
        let n = y[0].len();
        let h = 0.25 * dt * dt;
        let m2 = self.wave.mass * self.wave.mass;
        let mut mid: Vec<Vec<f64>> = y.to_vec();
        let mut coupling: Vec<Vec<f64>> = vec![vec![0.0; n]; blocks];
        let mut rhs = vec![0.0; n];
        let mut q_new = vec![0.0; n];
        let mut sweeps = 0;
        loop {
            sweeps += 1;
            let grads = self.gradients(&mid);
            coupling.iter_mut().for_each(|c| c.fill(0.0));
            self.add_couplings(&mid, &grads, &mut coupling);
            for i in 0..n {
                rhs[i] = y[0][i] + 0.5 * dt * y[1][i] + h * coupling[1][i];
            }
            self.wave
                .multiplier(&rhs, &mut q_new, |k2| 1.0 / (1.0 + h * (k2 + m2)));
            let (mut diff, mut scale) = (0f64, 0f64);
            let mut update = |old: &mut f64, new: f64| {
                diff = diff.max((new - *old).abs());
                scale = scale.max(new.abs());
                *old = new;
            };
            for i in 0..n {
                update(&mut mid[0][i], q_new[i]);
                update(&mut mid[1][i], 2.0 * (q_new[i] - y[0][i]) / dt);
                for b in 2..blocks {
                    update(&mut mid[b][i], y[b][i] + 0.5 * dt * coupling[b][i]);
                }
            }
            if !diff.is_finite() || sweeps >= MAX_SWEEPS {
                return Err(not_converged(dt, sweeps, diff));
            }
            if diff <= 1e-14 * scale.max(1.0) {
                break;
            }
        }
        for b in 0..blocks {
            for i in 0..n {
                y[b][i] = 2.0 * mid[b][i] - y[b][i];
            }
        }
        Ok(sweeps)
    }
}
