//! [`Instance`]: one run of a shared [`RomModel`] — its parameters, reduced state, time and
//! every buffer stepping needs, allocated once in [`Instance::new`].

use std::sync::Arc;

use galerkin_kernels::{dot, gemv_add, rk4_substeps, spectral_radius, Etdrk4};

use crate::error::{invalid, Result, RuntimeError};
use crate::midpoint::Midpoint;
use crate::model::{CachedExponential, Nonlinear, RomModel};
use crate::probe::Probe;

/// Relative tolerance of [`Instance::advance_to`] on a whole number of steps.
const WHOLE_STEPS_TOL: f64 = 1e-9;

/// One simulation of a [`RomModel`]: parameters θ, reduced state a, time, and the buffers
/// of its scheme: RK4 where one RK4 step per dt is stable (dt·ρ(A) ≤ 2.5), ETDRK4 where
/// the reduced linear operator is stiffer (its φ-functions formed when A(θ) is), implicit
/// midpoint for the lifted wave ROM — galerkin's `auto` rule. [`Instance::step`]
/// allocates nothing; many instances share one model.
#[derive(Debug)]
pub struct Instance {
    model: Arc<RomModel>,
    dt: f64,
    /// θ_q of every affine term (the build value until set).
    theta: Vec<f64>,
    /// A(θ), row-major r × r.
    a: Vec<f64>,
    /// c(θ).
    c: Vec<f64>,
    /// The reduced state.
    x: Vec<f64>,
    /// Whole steps taken since the state was last set.
    steps: u64,
    k: [Vec<f64>; 4],
    stage: Vec<f64>,
    /// Pair products (Galerkin) or factors and flux values at the points (hyper).
    scratch: Vec<f64>,
    /// The lifted wave ROM's mass, Q̂(m) and implicit midpoint buffers (lifted kind only).
    midpoint: Option<Midpoint>,
    /// ETDRK4's coefficients and stages, when A(θ) is too stiff for one RK4 step per dt.
    exponential: Option<Box<Etdrk4>>,
}

impl Instance {
    /// An instance of `model` stepping by `dt` (finite, > 0), at the parameters' build
    /// values, with the state a = 0 (u = ū) at time 0. Every buffer is allocated here.
    pub fn new(model: Arc<RomModel>, dt: f64) -> Result<Self> {
        if !(dt.is_finite() && dt > 0.0) {
            return Err(invalid("dt", dt, "a finite number > 0"));
        }
        let r = model.r;
        let scratch = match &model.nonlinear {
            Nonlinear::Quadratic(_) => r * (r + 1) / 2,
            Nonlinear::Hyper(h) => h.m * (h.rows.len() + 1),
            Nonlinear::Lifted(_) => 0,
        };
        let midpoint = match &model.nonlinear {
            Nonlinear::Lifted(lifted) => Some(Midpoint::new(lifted, r)?),
            _ => None,
        };
        let mut instance = Self {
            theta: model.terms.iter().map(|t| t.coefficient).collect(),
            dt,
            a: vec![0.0; r * r],
            c: vec![0.0; r],
            x: vec![0.0; r],
            steps: 0,
            k: std::array::from_fn(|_| vec![0.0; r]),
            stage: vec![0.0; r],
            scratch: vec![0.0; scratch],
            midpoint,
            exponential: None,
            model,
        };
        instance.reform()?;
        Ok(instance)
    }

    /// Sets parameter `name` (one of [`RomModel::parameter_names`]) to the finite `value`
    /// and re-forms A(θ), c(θ) and the scheme (RK4, or ETDRK4 with its coefficients); on
    /// error nothing changes.
    pub fn set_parameter(&mut self, name: &str, value: f64) -> Result<()> {
        let model = Arc::clone(&self.model);
        let known = model.parameter_names();
        if !known.contains(&name) {
            return Err(invalid(
                "parameter",
                format!("`{name}`"),
                format!("one of {known:?} (the affine terms of this model)"),
            ));
        }
        if !value.is_finite() {
            return Err(invalid(name, value, "a finite number"));
        }
        if let (Some(midpoint), Nonlinear::Lifted(lifted)) = (&mut self.midpoint, &model.nonlinear)
        {
            // `mass`, the lifted ROM's one parameter; on error the old Q̂ stays.
            return midpoint.set_mass(lifted, value);
        }
        let old = self.theta.clone();
        for (theta, term) in self.theta.iter_mut().zip(&model.terms) {
            if term.parameter.as_deref() == Some(name) {
                *theta = value;
            }
        }
        if let Err(e) = self.reform() {
            self.theta = old;
            self.reform()?;
            return Err(e);
        }
        Ok(())
    }

    /// A(θ) = A_fixed + Σ θ_q A_q, c(θ) = c_fixed + Σ θ_q o_q (rounded as galerkin forms
    /// them) and the scheme: one RK4 step per dt if ⌈dt ρ(A) / 2.5⌉ = 1, else ETDRK4 at dt
    /// (galerkin's `auto`); nothing for the lifted ROM (one implicit midpoint step per dt,
    /// its operators formed by the mass).
    fn reform(&mut self) -> Result<()> {
        let model = &self.model;
        if self.midpoint.is_some() {
            return Ok(());
        }
        self.a.copy_from_slice(&model.fixed);
        self.c.copy_from_slice(&model.constant);
        for (term, &theta) in model.terms.iter().zip(&self.theta) {
            self.a
                .iter_mut()
                .zip(&term.matrix)
                .for_each(|(a, m)| *a += theta * m);
            self.c
                .iter_mut()
                .zip(&term.offset)
                .for_each(|(c, o)| *c += theta * o);
        }
        if self.a.iter().chain(&self.c).any(|v| !v.is_finite()) {
            return Err(invalid(
                "linear operator A(θ), c(θ)",
                "a non-finite entry",
                "finite entries (the file's linear tensors or a parameter overflow)",
            ));
        }
        let rho = spectral_radius(&self.a, model.r);
        self.exponential = if rk4_substeps(self.dt, rho) > 1.0 {
            Some(Box::new(self.exponential_scheme(rho)?))
        } else {
            None
        };
        Ok(())
    }

    /// ETDRK4 for the current A(θ) and dt: a copy of the model's cached scheme when that
    /// was formed for the same A and dt (bit for bit: the same numbers in, the same
    /// coefficients out), else formed here and cached.
    fn exponential_scheme(&self, rho: f64) -> Result<Etdrk4> {
        let model = &self.model;
        // A poisoned lock only means another thread panicked mid-update: form afresh.
        let mut cache = model.exponential_cache.lock().ok();
        if let Some(Some(hit)) = cache.as_deref() {
            if hit.dt == self.dt && hit.a == self.a {
                return Ok(hit.scheme.clone());
            }
        }
        let scheme = Etdrk4::new(&self.a, model.r, self.dt).map_err(|e| {
            invalid(
                "linear operator A(θ)",
                format!("ρ(A) = {rho:e}"),
                format!("an operator whose ETDRK4 coefficients exist ({e})"),
            )
        })?;
        if let Some(cache) = cache.as_deref_mut() {
            *cache = Some(CachedExponential {
                a: self.a.clone(),
                dt: self.dt,
                scheme: scheme.clone(),
            });
        }
        Ok(scheme)
    }

    /// Sets the reduced state from a full state u (n finite values): a = VᵀW (u − ū).
    /// The time restarts at 0 (and the lifted ROM's Newton matrix is factored afresh).
    pub fn set_state_full(&mut self, u: &[f64]) -> Result<()> {
        let (n, r) = (self.model.n, self.model.r);
        check_len("u", u.len(), n)?;
        check_finite("u", u)?;
        let model = &self.model;
        self.x.fill(0.0);
        for (i, ui) in u.iter().enumerate() {
            let d = ui - model.mean.as_ref().map_or(0.0, |m| m[i]);
            let s = model.weights.as_ref().map_or(d, |w| w[i] * d);
            for (xj, vij) in self.x.iter_mut().zip(&model.basis[i * r..(i + 1) * r]) {
                *xj += vij * s;
            }
        }
        self.restart();
        Ok(())
    }

    /// Sets the reduced state a (r finite values). The time restarts at 0 (and the lifted
    /// ROM's Newton matrix is factored afresh).
    pub fn set_state_reduced(&mut self, a: &[f64]) -> Result<()> {
        check_len("a", a.len(), self.model.r)?;
        check_finite("a", a)?;
        self.x.copy_from_slice(a);
        self.restart();
        Ok(())
    }

    /// Time 0 and a new run: what setting a state does.
    fn restart(&mut self) {
        self.steps = 0;
        if let Some(midpoint) = &mut self.midpoint {
            midpoint.restart();
        }
    }

    /// The reduced state a.
    pub fn state(&self) -> &[f64] {
        &self.x
    }

    /// The time: whole steps taken since the state was set, times dt.
    pub fn time(&self) -> f64 {
        self.steps as f64 * self.dt
    }

    /// The step dt.
    pub fn dt(&self) -> f64 {
        self.dt
    }

    /// The scheme at the current parameters: `rk4`, `etdrk4` (a stiff A(θ)) or
    /// `implicit-midpoint` (the lifted ROM), as galerkin's `auto` integrator decides.
    pub fn integrator(&self) -> &'static str {
        if self.midpoint.is_some() {
            "implicit-midpoint"
        } else if self.exponential.is_some() {
            "etdrk4"
        } else {
            "rk4"
        }
    }

    /// The shared model.
    pub fn model(&self) -> &Arc<RomModel> {
        &self.model
    }

    /// Advances one step dt (one RK4 or ETDRK4 step, or one implicit midpoint step for the
    /// lifted ROM); allocates nothing. A non-finite state
    /// afterwards is [`RuntimeError::BlowUp`] (the time does not advance).
    pub fn step(&mut self) -> Result<()> {
        if let (Some(midpoint), Nonlinear::Lifted(lifted)) =
            (&mut self.midpoint, &self.model.nonlinear)
        {
            midpoint.step(lifted, self.dt, &mut self.x);
        } else if let Some(scheme) = &mut self.exponential {
            let (model, c, scratch) = (&self.model, &self.c, &mut self.scratch);
            scheme.step(&mut self.x, |y, out| {
                out.copy_from_slice(c);
                add_nonlinear(model, scratch, y, out);
            });
        } else {
            self.rk4();
        }
        if self.x.iter().any(|v| !v.is_finite()) {
            return Err(RuntimeError::BlowUp {
                time: (self.steps + 1) as f64 * self.dt,
            });
        }
        self.steps += 1;
        Ok(())
    }

    /// Steps until the time is `t`, which must be ≥ [`Instance::time`] and a whole number
    /// of steps dt away (within 1e-9 relative).
    pub fn advance_to(&mut self, t: f64) -> Result<()> {
        let now = self.time();
        let steps = ((t - now) / self.dt).round();
        let whole = (now + steps * self.dt - t).abs() <= WHOLE_STEPS_TOL * t.abs().max(self.dt);
        if !(t.is_finite() && steps >= 0.0 && whole && steps < u64::MAX as f64) {
            return Err(invalid(
                "t",
                t,
                format!(
                    "a finite time >= the current {now} a whole number of steps dt = {} away",
                    self.dt
                ),
            ));
        }
        for _ in 0..steps as u64 {
            self.step()?;
        }
        Ok(())
    }

    /// The full state u = ū + V a into `out` (n values).
    pub fn reconstruct(&self, out: &mut [f64]) -> Result<()> {
        check_len("out", out.len(), self.model.n)?;
        for (i, o) in out.iter_mut().enumerate() {
            *o = self.entry(i);
        }
        Ok(())
    }

    /// Entry `index` (< n) of the full state, ū_i + Σ_j V[i, j] a_j, in O(r).
    pub fn probe(&self, index: usize) -> Result<f64> {
        self.check_index(index)?;
        Ok(self.entry(index))
    }

    /// The entries `indices` (each < n) of the full state into `out` (the same length),
    /// O(r) each; on error `out` is untouched.
    pub fn probes(&self, indices: &[usize], out: &mut [f64]) -> Result<()> {
        check_len("out", out.len(), indices.len())?;
        for &i in indices {
            self.check_index(i)?;
        }
        for (o, &i) in out.iter_mut().zip(indices) {
            *o = self.entry(i);
        }
        Ok(())
    }

    /// The full state's value at the point of `probe` (made by [`RomModel::probe_at`] for
    /// this instance's model): ū(x) + Σ_j a_j φ_j(x), O(r), no allocation. On a grid point
    /// it equals [`Instance::probe`] of that index bit for bit. NaN for a probe of a model
    /// of another rank (a probe belongs to its model).
    pub fn value_at(&self, probe: &Probe) -> f64 {
        if probe.row.len() != self.x.len() {
            return f64::NAN;
        }
        let mut u = probe.offset;
        for (aj, pj) in self.x.iter().zip(&probe.row) {
            u += aj * pj;
        }
        u
    }

    /// The energy of the state, O(r). Galerkin and hyper-reduced ROMs: ½‖u‖²_W of the
    /// reconstruction u = ū + Va, i.e. ½ (ūᵀWū + 2 aᵀ(VᵀWū) + aᵀa) from the precomputed
    /// ūᵀWū and VᵀWū (VᵀWV = I; W = I without `weights`); it is Σ_i w_i u_i² / 2, with
    /// w_i the cell volume for cell-weighted bases. Lifted wave ROM: the conserved lifted
    /// energy cell · ½ ŷᵀQ̂(m)ŷ (galerkin's invariant of the lifted ROM, O(R²)), equal to
    /// the wave Hamiltonian ∫ ½p² + ½q·Kq + F(q) on lifted states.
    pub fn energy(&self) -> f64 {
        if let (Some(midpoint), Nonlinear::Lifted(lifted)) = (&self.midpoint, &self.model.nonlinear)
        {
            return midpoint.energy(lifted, &self.x);
        }
        let m = &self.model;
        0.5 * (m.mean_energy + 2.0 * dot(&self.x, &m.mean_cross) + dot(&self.x, &self.x))
    }

    fn check_index(&self, index: usize) -> Result<()> {
        if index >= self.model.n {
            return Err(invalid(
                "probe index",
                index,
                format!("0..{} (the grid values)", self.model.n),
            ));
        }
        Ok(())
    }

    /// ū_i + Σ_j a_j V[i, j], accumulated in the order of galerkin's reconstruction.
    pub(crate) fn entry(&self, i: usize) -> f64 {
        let r = self.model.r;
        let mut u = self.model.mean.as_ref().map_or(0.0, |m| m[i]);
        for (aj, vij) in self.x.iter().zip(&self.model.basis[i * r..(i + 1) * r]) {
            u += aj * vij;
        }
        u
    }

    /// One classical RK4 step of length dt (the order of galerkin's `Stepper`).
    fn rk4(&mut self) {
        let h = self.dt;
        let Self {
            model,
            a,
            c,
            x,
            k: [k1, k2, k3, k4],
            stage: s,
            scratch,
            ..
        } = self;
        rhs(model, a, c, scratch, x, k1);
        s.iter_mut()
            .zip(x.iter().zip(k1.iter()))
            .for_each(|(s, (x, k))| *s = x + 0.5 * h * k);
        rhs(model, a, c, scratch, s, k2);
        s.iter_mut()
            .zip(x.iter().zip(k2.iter()))
            .for_each(|(s, (x, k))| *s = x + 0.5 * h * k);
        rhs(model, a, c, scratch, s, k3);
        s.iter_mut()
            .zip(x.iter().zip(k3.iter()))
            .for_each(|(s, (x, k))| *s = x + h * k);
        rhs(model, a, c, scratch, s, k4);
        for (i, xi) in x.iter_mut().enumerate() {
            *xi += h / 6.0 * (k1[i] + 2.0 * (k2[i] + k3[i]) + k4[i]);
        }
    }
}

/// out = c + A x + N(x), rounded as galerkin's online model rounds.
fn rhs(model: &RomModel, a: &[f64], c: &[f64], scratch: &mut [f64], x: &[f64], out: &mut [f64]) {
    out.copy_from_slice(c);
    gemv_add(a, model.r, x, out);
    add_nonlinear(model, scratch, x, out);
}

/// out += N(x), rounded as galerkin's online model rounds.
fn add_nonlinear(model: &RomModel, scratch: &mut [f64], x: &[f64], out: &mut [f64]) {
    let r = model.r;
    match &model.nonlinear {
        Nonlinear::Quadratic(h) => h.add(x, scratch, out),
        // The lifted ROM steps by implicit midpoint (`Midpoint`), never through here.
        Nonlinear::Lifted(_) => {}
        Nonlinear::Hyper(hr) => {
            let m = hr.m;
            let q = hr.rows.len();
            let (factors, g) = scratch.split_at_mut(q * m);
            for (j, (rows, offsets)) in hr.rows.iter().zip(&hr.offsets).enumerate() {
                let f = &mut factors[j * m..(j + 1) * m];
                f.copy_from_slice(offsets);
                gemv_add(rows, r, x, f);
            }
            let mut point = [0.0; 4];
            for (p, gp) in g.iter_mut().enumerate() {
                for j in 0..q {
                    point[j] = factors[j * m + p];
                }
                *gp = hr.flux.eval(&point);
            }
            gemv_add(&hr.map, m, g, out);
        }
    }
}

/// An error unless `got` = `expected` values were given for `field`.
fn check_len(field: &str, got: usize, expected: usize) -> Result<()> {
    if got != expected {
        return Err(invalid(
            format!("length of {field}"),
            got,
            format!("{expected}"),
        ));
    }
    Ok(())
}

/// An error naming the first non-finite entry of `values`.
fn check_finite(field: &str, values: &[f64]) -> Result<()> {
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(invalid(
            format!("{field}[{i}]"),
            values[i],
            "a finite number",
        ));
    }
    Ok(())
}
