//! Fixed-step runs with saved snapshots, blow-up and CFL checks.

use num_complex::Complex64;

use crate::error::{invalid, positive, Result, SolverError};
use crate::fft::SpectralTransform;
use crate::integrators::{Integrator, Scheme};
use crate::pde::SemiLinearPde;

/// When to save: every `save_every` steps of size `dt`, `n_steps` steps in all; the initial
/// state is saved too, so a run yields n_steps / save_every + 1 snapshots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// Step size.
    pub dt: f64,
    /// Number of steps.
    pub n_steps: usize,
    /// Steps between saved snapshots.
    pub save_every: usize,
    /// Largest advective CFL number tolerated at save points (None: no check).
    pub cfl_limit: Option<f64>,
}

impl Schedule {
    /// From a final time: n_steps = t_end/dt, which must be a whole number (to 1e-9
    /// relative), and a multiple of `save_every`.
    pub fn from_t_end(dt: f64, t_end: f64, save_every: usize) -> Result<Self> {
        positive("dt", dt)?;
        positive("t_end", t_end)?;
        if t_end < dt {
            return Err(invalid("t_end", t_end, "t_end >= dt"));
        }
        if save_every == 0 {
            return Err(invalid("save_every", 0, "an integer >= 1"));
        }
        let steps = (t_end / dt).round();
        if (steps * dt - t_end).abs() > 1e-9 * t_end {
            return Err(invalid(
                "t_end",
                t_end,
                "a whole multiple of dt (t_end / dt must be an integer)",
            ));
        }
        let n_steps = steps as usize;
        if n_steps % save_every != 0 {
            return Err(invalid(
                "save_every",
                save_every,
                "a divisor of the number of steps t_end / dt",
            ));
        }
        Ok(Self {
            dt,
            n_steps,
            save_every,
            cfl_limit: Some(1.0),
        })
    }

    /// Number of snapshots a run saves (including the initial state).
    pub fn n_saves(&self) -> usize {
        self.n_steps / self.save_every + 1
    }

    /// Times of the saved snapshots.
    pub fn save_times(&self) -> Vec<f64> {
        (0..self.n_saves())
            .map(|i| (i * self.save_every) as f64 * self.dt)
            .collect()
    }
}

/// A PDE, an integrator and the current state, stepped in spectral space.
///
/// ```
/// use galerkin_solvers::{Burgers, Dealias, Grid, Scheme, Simulation};
///
/// // Viscous Burgers, ν = 0.01, on 128 points of [0, 1): u0 = 0.3 + sin 2πx.
/// let grid = Grid::new_1d(128, 1.0)?;
/// let u0: Vec<f64> = grid
///     .x()
///     .iter()
///     .map(|x| 0.3 + (2.0 * std::f64::consts::PI * x).sin())
///     .collect();
/// let pde = Burgers::new(&grid, 0.01, Dealias::TwoThirds)?;
/// let dt = 1e-3;
/// let mut sim = Simulation::new(Box::new(pde), Scheme::Etdrk4, dt, &u0)?;
/// sim.advance(200)?;
/// assert_eq!(sim.steps(), 200);
/// assert!((sim.time() - 0.2).abs() < 1e-12);
///
/// // u_t + (u²/2)_x = ν u_xx conserves the mean and dissipates the energy ∫u².
/// let mut u = vec![0.0; grid.len()];
/// sim.physical(&mut u);
/// let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
/// let energy = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>();
/// assert!((mean(&u) - 0.3).abs() < 1e-12, "mean {}", mean(&u));
/// assert!(energy(&u) < energy(&u0));
/// # Ok::<(), galerkin_solvers::SolverError>(())
/// ```
pub struct Simulation {
    pde: Box<dyn SemiLinearPde>,
    integrator: Box<dyn Integrator>,
    transform: SpectralTransform,
    u_hat: Vec<Complex64>,
    time: f64,
    steps: usize,
}

impl std::fmt::Debug for Simulation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulation")
            .field("pde", &self.pde.name())
            .field("scheme", &self.integrator.scheme())
            .field("time", &self.time)
            .field("steps", &self.steps)
            .finish()
    }
}

impl Simulation {
    /// Starts from the physical field `u0` (layout of [`crate::grid`]).
    pub fn new(pde: Box<dyn SemiLinearPde>, scheme: Scheme, dt: f64, u0: &[f64]) -> Result<Self> {
        let grid = pde.grid().clone();
        if u0.len() != grid.len() {
            return Err(SolverError::ShapeMismatch {
                field: "initial condition".into(),
                expected: grid.shape(),
                got: vec![u0.len()],
            });
        }
        if let Some(bad) = u0.iter().find(|v| !v.is_finite()) {
            return Err(invalid(
                "initial condition",
                bad,
                "finite values everywhere (no NaN or Inf)",
            ));
        }
        let integrator = scheme.build(pde.linear(), dt)?;
        let mut transform = SpectralTransform::new(&grid);
        let mut u_hat = vec![Complex64::default(); grid.spectral_len()];
        transform.forward(u0, &mut u_hat);
        Ok(Self {
            pde,
            integrator,
            transform,
            u_hat,
            time: 0.0,
            steps: 0,
        })
    }

    /// The PDE.
    pub fn pde(&self) -> &dyn SemiLinearPde {
        self.pde.as_ref()
    }
    /// Current time.
    pub fn time(&self) -> f64 {
        self.time
    }
    /// Steps taken.
    pub fn steps(&self) -> usize {
        self.steps
    }
    /// The spectral state.
    pub fn spectral(&self) -> &[Complex64] {
        &self.u_hat
    }
    /// The spectral state, mutable (for perturbations and renormalization).
    pub fn spectral_mut(&mut self) -> &mut [Complex64] {
        &mut self.u_hat
    }

    /// Writes the physical state into `out`.
    pub fn physical(&mut self, out: &mut [f64]) {
        self.transform.inverse(&self.u_hat, out);
    }

    /// Takes `n` steps, stopping with [`SolverError::BlowUp`] at the first non-finite state.
    pub fn advance(&mut self, n: usize) -> Result<()> {
        for _ in 0..n {
            self.integrator
                .step(self.pde.as_mut(), &mut self.u_hat, self.time);
            self.steps += 1;
            self.time = self.steps as f64 * self.integrator.dt();
            if let Some(bad) = self
                .u_hat
                .iter()
                .find(|c| !(c.re.is_finite() && c.im.is_finite()))
            {
                return Err(SolverError::BlowUp {
                    time: self.time,
                    step: self.steps,
                    value: if bad.re.is_finite() { bad.im } else { bad.re },
                });
            }
        }
        Ok(())
    }

    /// Runs `schedule`, handing each saved snapshot to `sink` as soon as it exists; a
    /// blow-up or CFL violation stops the run after the snapshots already handed over.
    pub fn run(
        &mut self,
        schedule: &Schedule,
        mut sink: impl FnMut(&Snapshot<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut field = vec![0.0; self.pde.grid().len()];
        for save in 0..schedule.n_saves() {
            if save > 0 {
                self.advance(schedule.save_every)?;
            }
            let cfl = self.pde.cfl(&self.u_hat, schedule.dt);
            if let (Some(limit), Some(cfl)) = (schedule.cfl_limit, cfl) {
                if cfl > limit {
                    return Err(SolverError::Cfl {
                        time: self.time,
                        step: self.steps,
                        cfl,
                        limit,
                        safe_dt: schedule.dt * limit / cfl,
                    });
                }
            }
            self.physical(&mut field);
            sink(&Snapshot {
                index: save,
                time: self.time,
                field: &field,
                cfl,
            })?;
        }
        Ok(())
    }
}

/// One saved state, as handed to a sink.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot<'a> {
    /// Save index (0 = initial state).
    pub index: usize,
    /// Simulation time.
    pub time: f64,
    /// Physical field (layout of [`crate::grid`]).
    pub field: &'a [f64],
    /// Advective CFL number at this state, for equations that advect.
    pub cfl: Option<f64>,
}

/// A whole trajectory in memory: `n_saves` snapshots of `grid.len()` values each.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// Save times.
    pub times: Vec<f64>,
    /// Snapshots, concatenated (snapshot-major).
    pub data: Vec<f64>,
    /// Largest CFL number seen at the saves (None for equations without advection).
    pub max_cfl: Option<f64>,
}

impl Trajectory {
    /// Runs `schedule` on `sim` and collects every snapshot.
    pub fn collect(sim: &mut Simulation, schedule: &Schedule) -> Result<Self> {
        let mut traj = Self {
            times: Vec::with_capacity(schedule.n_saves()),
            data: Vec::with_capacity(schedule.n_saves() * sim.pde().grid().len()),
            max_cfl: None,
        };
        sim.run(schedule, |snap| {
            traj.times.push(snap.time);
            traj.data.extend_from_slice(snap.field);
            if let Some(c) = snap.cfl {
                traj.max_cfl = Some(traj.max_cfl.map_or(c, |m: f64| m.max(c)));
            }
            Ok(())
        })?;
        Ok(traj)
    }

    /// Snapshot `i`.
    pub fn snapshot(&self, i: usize) -> &[f64] {
        let n = self.data.len() / self.times.len();
        &self.data[i * n..(i + 1) * n]
    }
}
