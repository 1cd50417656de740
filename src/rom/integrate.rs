//! Online time integration of reduced models: explicit RK4, ETDRK4 (exponential, for
//! stiff linear parts), the implicit midpoint rule (A-stable, symplectic, conserves
//! quadratic invariants) solved by Newton's method, and `auto`, which picks RK4 or
//! ETDRK4 by the stiffness of the reduced linear operator.

use faer::linalg::solvers::Solve;
use faer::Mat;
use galerkin_kernels::{rk4_substeps, Etdrk4};

use super::error::{invalid, Result, RomError};
use super::model::Online;

/// A reduced system dx/dt = f(x) that the online integrators can step.
pub trait Dynamics {
    /// The dimension.
    fn dim(&self) -> usize;
    /// out = f(x).
    fn rhs(&mut self, x: &[f64], out: &mut [f64]);
    /// ∂f/∂x at `x`, row-major into `jac`.
    fn jacobian(&mut self, x: &[f64], jac: &mut [f64]);
    /// A bound on the spectral radius of the stiff (linear) part, for RK4 substeps.
    fn linear_spectral_radius(&self) -> f64;
    /// The linear part A of f(x) = A x + g(x), row-major r × r, when f has that split
    /// (what exponential integrators need); `None` otherwise.
    fn linear_operator(&self) -> Option<&[f64]> {
        None
    }
    /// out = g(x) = f(x) − A x, for a model with a [`Dynamics::linear_operator`].
    fn nonlinear_rhs(&mut self, x: &[f64], out: &mut [f64]) {
        self.rhs(x, out);
        if let Some(a) = self.linear_operator() {
            let r = out.len();
            for (o, row) in out.iter_mut().zip(a.chunks_exact(r)) {
                *o -= galerkin_kernels::dot(row, x);
            }
        }
    }
    /// [`Dynamics::rhs`] of an ensemble: `x` and `out` hold B states back to back (r × B,
    /// column-major). The default evaluates them one by one; a model whose terms are
    /// products (the Galerkin ROM) evaluates them as matrix–matrix products.
    fn rhs_batch(&mut self, x: &[f64], out: &mut [f64]) {
        let r = self.dim();
        for (xb, ob) in x.chunks_exact(r).zip(out.chunks_exact_mut(r)) {
            self.rhs(xb, ob);
        }
    }
    /// [`Dynamics::nonlinear_rhs`] of an ensemble laid out as in [`Dynamics::rhs_batch`].
    fn nonlinear_rhs_batch(&mut self, x: &[f64], out: &mut [f64]) {
        let r = self.dim();
        for (xb, ob) in x.chunks_exact(r).zip(out.chunks_exact_mut(r)) {
            self.nonlinear_rhs(xb, ob);
        }
    }
}

impl Dynamics for Online<'_> {
    fn dim(&self) -> usize {
        Online::dim(self)
    }
    fn rhs(&mut self, x: &[f64], out: &mut [f64]) {
        Online::rhs(self, x, out)
    }
    fn jacobian(&mut self, x: &[f64], jac: &mut [f64]) {
        Online::jacobian(self, x, jac)
    }
    fn linear_spectral_radius(&self) -> f64 {
        Online::linear_spectral_radius(self)
    }
    fn linear_operator(&self) -> Option<&[f64]> {
        Some(Online::linear_operator(self))
    }
    fn nonlinear_rhs(&mut self, x: &[f64], out: &mut [f64]) {
        Online::nonlinear_rhs(self, x, out)
    }
    fn rhs_batch(&mut self, x: &[f64], out: &mut [f64]) {
        Online::rhs_batch(self, x, out)
    }
    fn nonlinear_rhs_batch(&mut self, x: &[f64], out: &mut [f64]) {
        Online::nonlinear_rhs_batch(self, x, out)
    }
}

/// The online scheme.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantNames,
)]
#[strum(serialize_all = "kebab-case")]
pub enum RomIntegrator {
    /// RK4 when one RK4 step per dt is stable (dt·ρ(A) ≤ 2.5), ETDRK4 when the reduced
    /// linear operator is stiffer than that and the model splits f = A x + g(x); RK4
    /// substeps otherwise.
    Auto,
    /// Classical Runge–Kutta 4: four right-hand sides per step, no solves; split into
    /// ⌈dt·ρ(A)/2.5⌉ substeps when the linear part is stiff.
    Rk4,
    /// ETDRK4 (Cox & Matthews 2002) with the φ-functions of the r × r linear operator
    /// formed once per step size: the full model's dt however stiff A is, four nonlinear
    /// evaluations and nine r × r products per step.
    Etdrk4,
    /// Implicit midpoint x⁺ = x + dt f((x + x⁺)/2), Newton to 1e-13 relative: for stiff
    /// reduced operators (KS at larger r) and for structure preservation.
    ImplicitMidpoint,
}

impl RomIntegrator {
    /// The name used in files and tables (`auto`, `rk4`, `etdrk4`, `implicit-midpoint`).
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// The scheme a [`Stepper`] runs, with its state.
#[derive(Debug, Clone)]
enum Active {
    Rk4,
    Etdrk4(Box<Etdrk4>),
    Midpoint,
}

/// A stepper with its stage buffers, allocated once. RK4 splits each step into as many
/// equal substeps as the spectral radius ρ(A) of the reduced linear operator needs for
/// stability, dt·ρ ≤ 2.5 (the k⁴ term of KS makes VᵀLV stiff as r grows); `auto` takes
/// ETDRK4 instead where RK4 would need substeps.
#[derive(Debug, Clone)]
pub struct Stepper {
    scheme: RomIntegrator,
    /// The model's dimension r.
    dim: usize,
    active: Active,
    dt: f64,
    substeps: usize,
    /// ρ(A), computed once (RK4 and `auto` only).
    radius: f64,
    /// A copy of A for forming ETDRK4's coefficients at a new step (`auto`, `etdrk4`).
    linear: Option<Vec<f64>>,
    k: [Vec<f64>; 4],
    stage: Vec<f64>,
    jac: Vec<f64>,
    /// The LU of I − (dt/2) J_f kept across implicit steps.
    lu: Option<faer::linalg::solvers::PartialPivLu<f64>>,
}

impl Stepper {
    /// A stepper for `model` with step `dt` > 0.
    ///
    /// # Errors
    /// An invalid `dt`; `etdrk4` for a model without a linear part (the lifted wave ROM);
    /// ETDRK4 coefficients that cannot be formed (a non-finite A).
    pub fn new(scheme: RomIntegrator, model: &dyn Dynamics, dt: f64) -> Result<Self> {
        let r = model.dim();
        let linear = match scheme {
            RomIntegrator::Auto | RomIntegrator::Etdrk4 => {
                model.linear_operator().map(<[f64]>::to_vec)
            }
            RomIntegrator::Rk4 | RomIntegrator::ImplicitMidpoint => None,
        };
        if scheme == RomIntegrator::Etdrk4 && linear.is_none() {
            return Err(invalid(
                "integrator",
                "etdrk4",
                "a scheme this model supports: etdrk4 needs a linear part A (Galerkin, \
                 hyper-reduced and learned ROMs); use rk4, auto or implicit-midpoint",
            ));
        }
        let radius = match scheme {
            RomIntegrator::Rk4 | RomIntegrator::Auto => model.linear_spectral_radius(),
            RomIntegrator::Etdrk4 | RomIntegrator::ImplicitMidpoint => 0.0,
        };
        let mut stepper = Self {
            scheme,
            dim: r,
            active: Active::Rk4,
            dt,
            substeps: 1,
            radius,
            linear,
            k: std::array::from_fn(|_| vec![0.0; r]),
            stage: vec![0.0; r],
            jac: vec![0.0; r * r],
            lu: None,
        };
        stepper.set_step(dt)?;
        Ok(stepper)
    }

    /// Changes the step to `dt` > 0 (steps of varying length: save times that are not
    /// equally spaced) with [`Stepper::new`]'s rule; buffers are kept, and ETDRK4's
    /// coefficients are formed again only when `dt` changes.
    pub fn set_step(&mut self, dt: f64) -> Result<()> {
        if !(dt.is_finite() && dt > 0.0) {
            return Err(invalid("dt", dt, "a finite number > 0"));
        }
        let rk4 = rk4_substeps(dt, self.radius);
        let exponential = match self.scheme {
            RomIntegrator::Etdrk4 => true,
            RomIntegrator::Auto => rk4 > 1.0 && self.linear.is_some(),
            RomIntegrator::Rk4 | RomIntegrator::ImplicitMidpoint => false,
        };
        let current = matches!(&self.active, Active::Etdrk4(s) if s.step_size() == dt);
        if exponential && !current {
            let a = self.linear.as_deref().expect("checked in new");
            let r = self.dim;
            let scheme = Etdrk4::new(a, r, dt)?;
            self.active = Active::Etdrk4(Box::new(scheme));
        } else if !exponential {
            self.active = match self.scheme {
                RomIntegrator::ImplicitMidpoint => Active::Midpoint,
                _ => Active::Rk4,
            };
        }
        let substeps = match self.active {
            Active::Rk4 => {
                if rk4 > 1e9 {
                    return Err(invalid(
                        "dt",
                        dt,
                        &format!(
                            "a step needing at most 1e9 RK4 substeps (ρ(A) = {:e}); or the \
                             etdrk4 integrator",
                            self.radius
                        ),
                    ));
                }
                rk4 as usize
            }
            Active::Etdrk4(_) | Active::Midpoint => 1,
        };
        self.dt = dt / substeps as f64;
        self.substeps = substeps;
        // The implicit midpoint's LU belongs to the old step.
        self.lu = None;
        Ok(())
    }

    /// Advances `x` by one step (of the `dt` given to [`Stepper::new`]): the ensemble step
    /// [`Stepper::step_batch`] of one state.
    pub fn step(&mut self, model: &mut dyn Dynamics, x: &mut [f64]) {
        self.step_batch(model, x);
    }

    /// Advances an ensemble of B states by one step: `x` holds them back to back (r × B,
    /// column-major; B = 1 is [`Stepper::step`]). RK4 and ETDRK4 evaluate the right-hand
    /// side for all B states at once ([`Dynamics::rhs_batch`]), so the Galerkin ROM's
    /// operators are read once per stage for the whole ensemble rather than once per
    /// trajectory; the implicit midpoint rule steps the states one by one (each its own
    /// Newton iteration, starting from the LU the previous state left, which is refreshed
    /// if it does not contract). Stage buffers grow to the ensemble once and are reused.
    ///
    /// # Panics
    /// If `x.len()` is not a positive multiple of the model's dimension.
    pub fn step_batch(&mut self, model: &mut dyn Dynamics, x: &mut [f64]) {
        let r = model.dim();
        assert!(
            r > 0 && !x.is_empty() && x.len() % r == 0,
            "Stepper::step_batch: state length"
        );
        match &mut self.active {
            Active::Etdrk4(scheme) => {
                scheme.step(x, |y, out| model.nonlinear_rhs_batch(y, out));
            }
            Active::Rk4 => {
                for _ in 0..self.substeps {
                    rk4(self.dt, &mut self.k, &mut self.stage, x, |y, out| {
                        model.rhs_batch(y, out)
                    });
                }
            }
            Active::Midpoint => {
                for state in x.chunks_exact_mut(r) {
                    (0..self.substeps).for_each(|_| self.midpoint(model, state));
                }
            }
        }
    }

    /// The scheme that runs: `auto` resolved to `rk4` or `etdrk4`.
    pub fn active_scheme(&self) -> RomIntegrator {
        match self.active {
            Active::Rk4 => RomIntegrator::Rk4,
            Active::Etdrk4(_) => RomIntegrator::Etdrk4,
            Active::Midpoint => RomIntegrator::ImplicitMidpoint,
        }
    }

    /// Substeps per step (1 unless RK4 needs more for stability).
    pub fn substeps(&self) -> usize {
        self.substeps
    }

    /// Simplified Newton on G(y) = y − x − dt f((x + y)/2) with J_G = I − (dt/2) J_f: the
    /// LU of J_G is kept across steps and refreshed only when an iteration stops
    /// contracting fast, so most steps cost a few right-hand sides and triangular solves.
    /// Iterates to round-off (|δ| ≤ 1e-15 |y|), which is what makes quadratic invariants
    /// exact at the fully discrete level.
    fn midpoint(&mut self, model: &mut dyn Dynamics, x: &mut [f64]) {
        let (dt, r) = (self.dt, x.len());
        let [y, f, mid, residual] = self.k.each_mut().map(|k| &mut k[..r]);
        model.rhs(x, f);
        y.iter_mut()
            .zip(x.iter().zip(f.iter()))
            .for_each(|(y, (x, f))| *y = x + dt * f);
        let mut refreshed = false;
        let mut previous = f64::INFINITY;
        for _ in 0..60 {
            mid.iter_mut()
                .zip(x.iter().zip(y.iter()))
                .for_each(|(m, (x, y))| *m = 0.5 * (x + y));
            model.rhs(mid, f);
            for i in 0..r {
                residual[i] = y[i] - x[i] - dt * f[i];
            }
            let norm = residual.iter().fold(0f64, |m, v| m.max(v.abs()));
            let scale = y.iter().fold(f64::MIN_POSITIVE, |m, v| m.max(v.abs()));
            if !norm.is_finite() || norm <= 1e-16 * scale {
                break;
            }
            // Refresh the LU only when contraction is slow far from convergence (near
            // round-off the residual stagnates by nature).
            let slow = norm > 0.1 * previous && norm > 1e-12 * scale;
            if self.lu.is_none() || (slow && !refreshed) {
                model.jacobian(mid, &mut self.jac);
                let jg = Mat::from_fn(r, r, |i, j| {
                    f64::from(u8::from(i == j)) - 0.5 * dt * self.jac[i * r + j]
                });
                self.lu = Some(jg.partial_piv_lu());
                refreshed = true;
            }
            let rhs = faer::MatRef::from_column_major_slice(residual, r, 1);
            let delta = self.lu.as_ref().expect("factored above").solve(rhs);
            for (i, yi) in y.iter_mut().enumerate() {
                *yi -= delta[(i, 0)];
            }
            if delta.norm_max() <= 1e-15 * scale || norm > 0.9 * previous {
                break;
            }
            previous = norm;
        }
        x.copy_from_slice(y);
    }
}

/// One classical RK4 step of `dt` for x' = f(x) with `f(y, out)` writing f(y): `x` is one
/// state or an ensemble back to back, and the stage buffers `k` and `stage` are grown to
/// its length (once) and reused.
fn rk4(
    dt: f64,
    k: &mut [Vec<f64>; 4],
    stage: &mut Vec<f64>,
    x: &mut [f64],
    mut f: impl FnMut(&[f64], &mut [f64]),
) {
    let len = x.len();
    for buffer in k.iter_mut().chain([&mut *stage]) {
        if buffer.len() < len {
            buffer.resize(len, 0.0);
        }
    }
    let [k1, k2, k3, k4] = k.each_mut().map(|k| &mut k[..len]);
    let s = &mut stage[..len];
    f(x, k1);
    s.iter_mut()
        .zip(x.iter().zip(k1.iter()))
        .for_each(|(s, (x, k))| *s = x + 0.5 * dt * k);
    f(s, k2);
    s.iter_mut()
        .zip(x.iter().zip(k2.iter()))
        .for_each(|(s, (x, k))| *s = x + 0.5 * dt * k);
    f(s, k3);
    s.iter_mut()
        .zip(x.iter().zip(k3.iter()))
        .for_each(|(s, (x, k))| *s = x + dt * k);
    f(s, k4);
    for (i, xi) in x.iter_mut().enumerate() {
        *xi += dt / 6.0 * (k1[i] + 2.0 * (k2[i] + k3[i]) + k4[i]);
    }
}

/// Integrates from `x0` for `n_steps` steps of `dt`, keeping every `save_every`-th state
/// (and the initial one); stops with [`RomError::BlowUp`] at a non-finite state.
pub fn solve(
    model: &mut dyn Dynamics,
    scheme: RomIntegrator,
    x0: &[f64],
    dt: f64,
    n_steps: usize,
    save_every: usize,
) -> Result<Vec<Vec<f64>>> {
    if save_every == 0 {
        return Err(invalid("save_every", 0, "an integer >= 1"));
    }
    let mut stepper = Stepper::new(scheme, model, dt)?;
    run_saving(&mut stepper, model, x0.to_vec(), dt, n_steps, save_every)
}

/// Steps `x` (one state, or an ensemble back to back: [`Stepper::step_batch`] is
/// [`Stepper::step`] for one) `n_steps` times of `dt` (the stepper's), keeping the
/// initial state and every `save_every`-th one; stops with [`RomError::BlowUp`] at a
/// non-finite state.
pub(crate) fn run_saving(
    stepper: &mut Stepper,
    model: &mut dyn Dynamics,
    mut x: Vec<f64>,
    dt: f64,
    n_steps: usize,
    save_every: usize,
) -> Result<Vec<Vec<f64>>> {
    let mut saved = vec![x.clone()];
    for step in 1..=n_steps {
        stepper.step_batch(model, &mut x);
        if x.iter().any(|v| !v.is_finite()) {
            return Err(RomError::BlowUp {
                time: step as f64 * dt,
                step,
            });
        }
        if step % save_every == 0 {
            saved.push(x.clone());
        }
    }
    Ok(saved)
}
