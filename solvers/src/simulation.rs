//! Fixed-step runs with saved snapshots, blow-up and CFL checks.
//!
//! A [`Schedule`] saves every `save_every` steps; a [`SavePlan`] saves at any list of times,
//! including times off the step grid: the run keeps its fixed steps of dt, and a save at
//! t = k·dt + h (0 < h < dt) is one shorter step of h taken from the state at k·dt on a copy
//! of the state, so the saves in between never perturb the trajectory (an uniform plan gives
//! the very bits of its schedule), and a final time that is no multiple of dt ends with one
//! shorter step instead of being rounded.

use num_complex::Complex64;

use crate::error::{invalid, positive, Result, SolverError};
use crate::fft::{SpectralTransform, PARALLEL_MIN_POINTS};
use crate::integrators::{Integrator, Scheme};

/// Relative tolerance under which a save time counts as on the step grid (k·dt).
pub const STEP_GRID_TOLERANCE: f64 = 1e-9;
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

/// One save of a [`SavePlan`]: the state after `step` whole steps of dt, advanced by one
/// shorter step of `remainder` (0 ≤ remainder < dt) when that is not 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SavePoint {
    /// Whole steps of dt before the save.
    pub step: usize,
    /// The length of the final shorter step (0: the save is on the step grid).
    pub remainder: f64,
    /// The time reported with the snapshot (step·dt + remainder, or the time asked for).
    pub time: f64,
}

impl SavePoint {
    /// The save at time `t` ≥ 0 for steps of `dt`: on the step grid (remainder 0, time
    /// k·dt) when t is k·dt to [`STEP_GRID_TOLERANCE`] relative, else k = ⌊t/dt⌋ whole steps
    /// and one step of t − k·dt, reported at t exactly. `field` names t in errors.
    pub fn at(dt: f64, t: f64, field: &str) -> Result<Self> {
        positive("dt", dt)?;
        if !(t.is_finite() && t >= 0.0) {
            return Err(invalid(field, t, "a finite time >= 0"));
        }
        let nearest = (t / dt).round();
        if (nearest * dt - t).abs() <= STEP_GRID_TOLERANCE * t.max(dt) {
            return Ok(Self {
                step: nearest as usize,
                remainder: 0.0,
                time: nearest * dt,
            });
        }
        let step = (t / dt).floor();
        let remainder = t - step * dt;
        if !(remainder > 0.0 && remainder < dt) {
            return Err(invalid(field, t, "a time reachable with steps of dt"));
        }
        Ok(Self {
            step: step as usize,
            remainder,
            time: t,
        })
    }
}

/// When to save, as a list of times (see the module docs): uniform schedules, time windows,
/// explicit lists, and final times that are no multiple of dt.
#[derive(Debug, Clone, PartialEq)]
pub struct SavePlan {
    /// Step size of the run.
    pub dt: f64,
    /// The saves, in increasing time.
    pub points: Vec<SavePoint>,
    /// Largest advective CFL number tolerated at save points (None: no check).
    pub cfl_limit: Option<f64>,
}

impl SavePlan {
    /// A plan from save points; they must be in strictly increasing time, with remainders
    /// in [0, dt), and at least one.
    pub fn new(dt: f64, points: Vec<SavePoint>, cfl_limit: Option<f64>) -> Result<Self> {
        positive("dt", dt)?;
        if points.is_empty() {
            return Err(invalid("save times", "(none)", "at least one save"));
        }
        for (i, p) in points.iter().enumerate() {
            if !(p.remainder >= 0.0 && p.remainder < dt && p.time.is_finite()) {
                return Err(invalid(
                    "save time",
                    p.time,
                    "a time whose last step is shorter than dt",
                ));
            }
            if i > 0 {
                let q = &points[i - 1];
                if (p.step, p.remainder) <= (q.step, q.remainder) || p.time <= q.time {
                    return Err(invalid(
                        "save time",
                        p.time,
                        &format!("a time after the previous save {}", q.time),
                    ));
                }
            }
        }
        Ok(Self {
            dt,
            points,
            cfl_limit,
        })
    }

    /// The plan of the saves at `times` (strictly increasing), each by [`SavePoint::at`].
    pub fn at_times(dt: f64, times: &[f64], cfl_limit: Option<f64>) -> Result<Self> {
        let points = times
            .iter()
            .map(|&t| SavePoint::at(dt, t, "save time"))
            .collect::<Result<Vec<_>>>()?;
        Self::new(dt, points, cfl_limit)
    }

    /// Number of snapshots.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Always false: a plan has at least one save.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Times of the snapshots.
    pub fn times(&self) -> Vec<f64> {
        self.points.iter().map(|p| p.time).collect()
    }

    /// Whether every save is on the step grid (no shorter step anywhere).
    pub fn on_step_grid(&self) -> bool {
        self.points.iter().all(|p| p.remainder == 0.0)
    }
}

impl From<&Schedule> for SavePlan {
    /// The saves of a uniform schedule, at the same times (i·save_every·dt) and with the
    /// same bits when run.
    fn from(s: &Schedule) -> Self {
        Self {
            dt: s.dt,
            points: (0..s.n_saves())
                .map(|i| SavePoint {
                    step: i * s.save_every,
                    remainder: 0.0,
                    time: (i * s.save_every) as f64 * s.dt,
                })
                .collect(),
            cfl_limit: s.cfl_limit,
        }
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
    ///
    /// On grids large enough for parallel transforms ([`PARALLEL_MIN_POINTS`]), a call
    /// from a thread outside the rayon pool runs its steps on a pool thread: a parallel
    /// pass started from outside the pool waits for a pool thread to pick it up (tens of µs
    /// on a busy machine), started from inside it costs a work-stealing join. The results
    /// are the same bits either way.
    pub fn advance(&mut self, n: usize) -> Result<()> {
        if rayon::current_thread_index().is_none() && self.pde.grid().len() >= PARALLEL_MIN_POINTS {
            return rayon::scope(|_| self.advance_steps(n));
        }
        self.advance_steps(n)
    }

    fn advance_steps(&mut self, n: usize) -> Result<()> {
        for _ in 0..n {
            self.integrator
                .step(self.pde.as_mut(), &mut self.u_hat, self.time);
            self.steps += 1;
            self.time = self.steps as f64 * self.integrator.dt();
            // A branch-free pass (it vectorizes) says whether to look for the bad mode.
            let finite = self
                .u_hat
                .iter()
                .fold(true, |ok, c| ok & c.re.is_finite() & c.im.is_finite());
            if !finite {
                let bad = self
                    .u_hat
                    .iter()
                    .find(|c| !(c.re.is_finite() && c.im.is_finite()))
                    .expect("a non-finite mode exists");
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

    /// Runs `plan`, handing each saved snapshot to `sink` as soon as it exists: whole steps
    /// of dt, and for a save off the step grid one shorter step on a copy of the state (the
    /// run itself goes on from the grid state). A blow-up or CFL violation stops the run
    /// after the snapshots already handed over.
    pub fn run_plan(
        &mut self,
        plan: &SavePlan,
        mut sink: impl FnMut(&Snapshot<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut field = vec![0.0; self.pde.grid().len()];
        // Integrators of the shorter steps, by step length (bits).
        let mut short: Vec<(u64, Box<dyn Integrator>)> = Vec::new();
        for (index, point) in plan.points.iter().enumerate() {
            if point.step < self.steps {
                return Err(invalid(
                    "save time",
                    point.time,
                    &format!("a time after the current time {}", self.time),
                ));
            }
            self.advance(point.step - self.steps)?;
            let cfl = if point.remainder == 0.0 {
                let cfl = self.pde.cfl(&self.u_hat, plan.dt);
                check_cfl(plan, cfl, point.time, self.steps)?;
                self.physical(&mut field);
                cfl
            } else {
                let key = point.remainder.to_bits();
                let at = match short.iter().position(|(k, _)| *k == key) {
                    Some(at) => at,
                    None => {
                        let integrator = self
                            .integrator
                            .scheme()
                            .build(self.pde.linear(), point.remainder)?;
                        short.push((key, integrator));
                        short.len() - 1
                    }
                };
                let mut u = self.u_hat.clone();
                short[at].1.step(self.pde.as_mut(), &mut u, self.time);
                if let Some(bad) = u.iter().find(|c| !(c.re.is_finite() && c.im.is_finite())) {
                    return Err(SolverError::BlowUp {
                        time: point.time,
                        step: self.steps,
                        value: if bad.re.is_finite() { bad.im } else { bad.re },
                    });
                }
                let cfl = self.pde.cfl(&u, plan.dt);
                check_cfl(plan, cfl, point.time, self.steps)?;
                self.transform.inverse(&u, &mut field);
                cfl
            };
            sink(&Snapshot {
                index,
                time: point.time,
                field: &field,
                cfl,
            })?;
        }
        Ok(())
    }
}

/// The CFL stop of a save at `time` after `step` steps, if `cfl` exceeds the plan's limit.
fn check_cfl(plan: &SavePlan, cfl: Option<f64>, time: f64, step: usize) -> Result<()> {
    if let (Some(limit), Some(cfl)) = (plan.cfl_limit, cfl) {
        if cfl > limit {
            return Err(SolverError::Cfl {
                time,
                step,
                cfl,
                limit,
                safe_dt: plan.dt * limit / cfl,
            });
        }
    }
    Ok(())
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
        let mut traj = Self::with_room(schedule.n_saves(), sim.pde().grid().len());
        sim.run(schedule, |snap| traj.push(snap))?;
        Ok(traj)
    }

    /// Runs `plan` on `sim` and collects every snapshot ([`Simulation::run_plan`]).
    pub fn collect_plan(sim: &mut Simulation, plan: &SavePlan) -> Result<Self> {
        let mut traj = Self::with_room(plan.len(), sim.pde().grid().len());
        sim.run_plan(plan, |snap| traj.push(snap))?;
        Ok(traj)
    }

    /// An empty trajectory with room for `saves` snapshots of `points` values.
    fn with_room(saves: usize, points: usize) -> Self {
        Self {
            times: Vec::with_capacity(saves),
            data: Vec::with_capacity(saves * points),
            max_cfl: None,
        }
    }

    /// Appends `snap` and folds its CFL number into the maximum.
    fn push(&mut self, snap: &Snapshot<'_>) -> Result<()> {
        self.times.push(snap.time);
        self.data.extend_from_slice(snap.field);
        if let Some(c) = snap.cfl {
            self.max_cfl = Some(self.max_cfl.map_or(c, |m: f64| m.max(c)));
        }
        Ok(())
    }

    /// Snapshot `i`.
    pub fn snapshot(&self, i: usize) -> &[f64] {
        let n = self.data.len() / self.times.len();
        &self.data[i * n..(i + 1) * n]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Burgers, Dealias, Grid};

    fn burgers(dt: f64) -> Simulation {
        let grid = Grid::new_1d(64, 1.0).unwrap();
        let u0: Vec<f64> = grid
            .x()
            .iter()
            .map(|x| 0.3 + (2.0 * std::f64::consts::PI * x).sin())
            .collect();
        let pde = Burgers::new(&grid, 0.05, Dealias::TwoThirds).unwrap();
        Simulation::new(Box::new(pde), Scheme::Etdrk4, dt, &u0).unwrap()
    }

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn a_uniform_plan_runs_the_schedule_bit_for_bit() {
        let schedule = Schedule::from_t_end(0.01, 0.2, 5).unwrap();
        let a = Trajectory::collect(&mut burgers(0.01), &schedule).unwrap();
        let b = Trajectory::collect_plan(&mut burgers(0.01), &SavePlan::from(&schedule)).unwrap();
        assert_eq!(bits(&a.times), bits(&b.times));
        assert_eq!(bits(&a.data), bits(&b.data));
        assert_eq!(a.max_cfl, b.max_cfl);
    }

    #[test]
    fn saves_off_the_step_grid_take_one_shorter_step() {
        // t = 0.105 is 10 steps of 0.01 and one of 0.005 (to rounding).
        let p = SavePoint::at(0.01, 0.105, "t").unwrap();
        assert_eq!(p.step, 10);
        assert!((p.remainder - 0.005).abs() < 1e-15 && p.time == 0.105);
        // On the grid to 1e-9 relative: no short step, the grid time is reported.
        let q = SavePoint::at(0.01, 0.3, "t").unwrap();
        assert_eq!((q.step, q.remainder), (30, 0.0));
        let plan = SavePlan::at_times(0.01, &[0.0, 0.105, 0.2], None).unwrap();
        let traj = Trajectory::collect_plan(&mut burgers(0.01), &plan).unwrap();
        assert_eq!(traj.times, vec![0.0, 0.105, 0.2]);
        // The same state from a run whose step divides 0.105.
        let fine = SavePlan::at_times(0.005, &[0.105], None).unwrap();
        let reference = Trajectory::collect_plan(&mut burgers(0.005), &fine).unwrap();
        let dist = |a: &[f64], b: &[f64]| {
            a.iter()
                .zip(b)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f64::max)
        };
        // Agreement to the time-stepping error of dt = 0.01 (~1e-6), while the states at
        // the neighbouring grid times 0.1 and 0.11 are ~1e-2 away.
        let err = dist(traj.snapshot(1), reference.snapshot(0));
        assert!(err < 1e-5, "{err}");
        let grid_times = SavePlan::at_times(0.01, &[0.1, 0.11], None).unwrap();
        let neighbours = Trajectory::collect_plan(&mut burgers(0.01), &grid_times).unwrap();
        for i in 0..2 {
            assert!(dist(neighbours.snapshot(i), reference.snapshot(0)) > 100.0 * err);
        }
        // The short step is taken on a copy: the save at 0.2 is the one without it.
        let plain = SavePlan::at_times(0.01, &[0.0, 0.2], None).unwrap();
        let without = Trajectory::collect_plan(&mut burgers(0.01), &plain).unwrap();
        assert_eq!(bits(traj.snapshot(2)), bits(without.snapshot(1)));
    }

    #[test]
    fn bad_plans_name_the_time() {
        let err = SavePlan::at_times(0.01, &[0.1, 0.05], None).unwrap_err();
        assert!(
            err.to_string().contains("after the previous save 0.1"),
            "{err}"
        );
        let err = SavePoint::at(0.01, -1.0, "time.save_times").unwrap_err();
        assert!(err.to_string().contains("`time.save_times` = -1"), "{err}");
        assert!(SavePlan::at_times(0.01, &[], None).is_err());
    }
}
