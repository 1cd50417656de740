//! The reduction stage of `galerkin demo`: a POD-Galerkin ROM of 2-D incompressible
//! Navier–Stokes (vorticity, periodic box, 128² grid), trained on four viscosities and run
//! on a held-out fifth, against the full model: its error, the POD projection floor, two
//! naive predictions for scale, and the measured cost per step of both models.
//!
//! The flow (datasets/demo-ns.toml) is a double shear layer that rolls up into vortices
//! (Kelvin–Helmholtz), which then merge and decay; the viscosity sets how fast and how far.
//! The ROM is parametric: ν multiplies the reduced Laplacian VᵀΔV, so one model serves every
//! ν, and the held-out trajectory runs at its own ν = 0.0085.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::app::error::AppError;
use crate::app::plot::{line_charts, LineChart, Series, Style};
use crate::basis::Truncation;
use crate::data::{Dataset, Recipe, SimulateOptions};
use crate::rom::{
    full_model_step_seconds, PodOptions, ReducedModel, Reduction, RomIntegrator, RunOptions,
    Stepper,
};
use crate::workflow::{evaluate_on_dataset, reduce, ReduceOptions};

/// The recipe of the demo's Navier–Stokes ensemble (datasets/demo-ns.toml).
pub const DEMO_NS_RECIPE: &str = include_str!("../../../datasets/demo-ns.toml");

/// Modes of the demo ROM: the smallest rank whose error on the held-out viscosity is below
/// 5 % (r = 16 gives 5.3 %, r = 24 gives 3.4 % at about half the speed-up).
pub const DEMO_RANK: usize = 20;

/// Timed runs of each model; the fastest is reported (the least disturbed by other work
/// on the machine, the same estimator for both models).
const TIMING_REPEATS: usize = 5;

/// Full-model steps per timing run (about 0.1 s each at 128²).
const FULL_TIMING_STEPS: usize = 100;

/// Wall time of the parts of the reduction stage, in seconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct StageSeconds {
    /// Simulating the ensemble (0 when the file was already complete).
    pub simulate: f64,
    /// POD and the Galerkin projection of the full model.
    pub reduce: f64,
    /// The ROM run against the held-out trajectory, the baselines and the figure.
    pub evaluate: f64,
    /// Timing both models step by step.
    pub timing: f64,
}

impl StageSeconds {
    /// The whole stage.
    pub fn total(&self) -> f64 {
        self.simulate + self.reduce + self.evaluate + self.timing
    }
}

/// What the reduction stage produced.
#[derive(Debug, Clone)]
pub struct RomDemoReport {
    /// The simulation summary.
    pub simulation: String,
    /// The trajectory file.
    pub dataset: PathBuf,
    /// The simulation (and stored) grid, [nx, ny].
    pub grid: Vec<usize>,
    /// The time step of both models.
    pub dt: f64,
    /// The time horizon of the held-out run, [t₀, t₁].
    pub horizon: [f64; 2],
    /// Training trajectories.
    pub trained_on: Vec<usize>,
    /// Their viscosities.
    pub training_viscosities: Vec<f64>,
    /// The held-out trajectory.
    pub held_out: usize,
    /// Its viscosity.
    pub held_out_viscosity: f64,
    /// POD snapshots.
    pub snapshots: usize,
    /// Modes.
    pub rank: usize,
    /// Relative error of the ROM over the held-out horizon, (Σₜ‖ω_rom − ω‖² / Σₜ‖ω‖²)^½.
    pub error: f64,
    /// ‖ω_rom − ω‖ / ‖ω‖ at the final time.
    pub final_error: f64,
    /// Relative POD projection error of the held-out trajectory (the floor of any ROM in
    /// this basis).
    pub projection_error: f64,
    /// The training trajectory closest to the held-out one, taken as its prediction:
    /// (its viscosity, its relative error over the horizon). What a ROM must beat to be
    /// worth running at a new viscosity.
    pub closest_training: (f64, f64),
    /// Relative error of the initial state held fixed (how much the flow changes).
    pub frozen_error: f64,
    /// Full-model seconds per step (its own grid and scheme at `dt`; fastest of 5 runs).
    pub full_step: f64,
    /// ROM seconds per step (RK4 at `dt`, with its stability substeps; fastest of 5 runs).
    pub rom_step: f64,
    /// RK4 substeps per ROM step (1 unless `dt` exceeds its stability limit).
    pub substeps: usize,
    /// Floating-point operations per full-model step: the 20 real FFTs of ETDRK4 (4 stages,
    /// each 4 inverse and 1 forward transform) at 2.5·N log₂N, a lower bound.
    pub full_flops: f64,
    /// Floating-point operations per ROM step: 4 RK4 stages of r²(r+1) (the packed
    /// quadratic tensor) + 2r² (the linear part) + r(r+1)/2 (the products), per substep.
    pub rom_flops: f64,
    /// The ROM file.
    pub rom_file: PathBuf,
    /// The figure.
    pub figure: PathBuf,
    /// Wall time of each part.
    pub seconds: StageSeconds,
}

impl RomDemoReport {
    /// The measured speed-up per step, full model / ROM, at the same dt.
    pub fn speed_up(&self) -> f64 {
        self.full_step / self.rom_step
    }

    /// The operation-count ratio per step, full model / ROM (deterministic).
    pub fn flop_ratio(&self) -> f64 {
        self.full_flops / self.rom_flops
    }
}

fn list(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl std::fmt::Display for RomDemoReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}", self.simulation)?;
        writeln!(
            f,
            "2-D Navier–Stokes vorticity, periodic [0, 2π]², a double shear layer rolling up \
             into vortices; {}×{} grid, ETDRK4, dt = {}, t ∈ [{}, {}]",
            self.grid[0], self.grid[1], self.dt, self.horizon[0], self.horizon[1]
        )?;
        writeln!(
            f,
            "\nPOD-Galerkin ROM, r = {} modes from {} snapshots of trajectories {}–{} \
             (ν = {}) → {}",
            self.rank,
            self.snapshots,
            self.trained_on.first().copied().unwrap_or(0),
            self.trained_on.last().copied().unwrap_or(0),
            list(&self.training_viscosities),
            self.rom_file.display()
        )?;
        writeln!(
            f,
            "held-out trajectory {} (ν = {}), from the projection of its initial state:",
            self.held_out, self.held_out_viscosity
        )?;
        writeln!(
            f,
            "  ROM relative error        {:.2e} over the horizon, {:.2e} at t = {}",
            self.error, self.final_error, self.horizon[1]
        )?;
        writeln!(
            f,
            "  POD projection error      {:.2e}  (the floor for this basis)",
            self.projection_error
        )?;
        writeln!(
            f,
            "  closest training run      {:.2e}  (the ν = {} trajectory as the answer)",
            self.closest_training.1, self.closest_training.0
        )?;
        writeln!(f, "  initial state held fixed  {:.2e}", self.frozen_error)?;
        writeln!(
            f,
            "\nstep time at dt = {}: full model {:.0} µs ({}×{}, ETDRK4), ROM {:.2} µs \
             (RK4, {} substep{}) → speed-up {:.0}× (operation count: {:.0}×)",
            self.dt,
            self.full_step * 1e6,
            self.grid[0],
            self.grid[1],
            self.rom_step * 1e6,
            self.substeps,
            if self.substeps == 1 { "" } else { "s" },
            self.speed_up(),
            self.flop_ratio()
        )?;
        writeln!(
            f,
            "stage time: simulate {:.1} s, reduce {:.1} s, evaluate and plot {:.1} s, time the \
             steps {:.1} s",
            self.seconds.simulate, self.seconds.reduce, self.seconds.evaluate, self.seconds.timing
        )?;
        write!(f, "figure: {}", self.figure.display())
    }
}

/// The floating-point operations of one RK4 step of a Galerkin ROM with `r` modes and
/// `substeps` substeps (see [`RomDemoReport::rom_flops`]).
pub fn rom_step_flops(r: usize, substeps: usize) -> f64 {
    let r = r as f64;
    let rhs = r * r * (r + 1.0) + 2.0 * r * r + r * (r + 1.0) / 2.0;
    substeps as f64 * (4.0 * rhs + 10.0 * r)
}

/// A lower bound of the floating-point operations of one ETDRK4 step of the vorticity
/// equation on `n` grid points: 4 stages of 5 real FFTs (see [`RomDemoReport::full_flops`]).
pub fn full_step_flops(n: usize) -> f64 {
    let n = n as f64;
    20.0 * 2.5 * n * n.log2()
}

fn create_dir_of(file: &Path) -> Result<(), AppError> {
    match file.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir).map_err(|source| AppError::Io {
            path: dir.to_path_buf(),
            source,
        }),
        None => Ok(()),
    }
}

/// Seconds per step of `model` at `opts` from `a0`, the fastest of [`TIMING_REPEATS`] runs
/// of `steps` steps, and the RK4 substeps per step.
fn rom_step_seconds(
    model: &ReducedModel,
    a0: &[f64],
    opts: &RunOptions,
    steps: usize,
) -> Result<(f64, usize), AppError> {
    let mut online = model.online(&opts.parameters)?;
    let mut stepper = Stepper::new(opts.integrator, &online, opts.dt)?;
    let mut fastest = f64::INFINITY;
    for _ in 0..TIMING_REPEATS {
        let mut a = a0.to_vec();
        let start = Instant::now();
        for _ in 0..steps {
            stepper.step(&mut online, &mut a);
        }
        fastest = fastest.min(start.elapsed().as_secs_f64() / steps as f64);
        // Keep the work observable.
        std::hint::black_box(&a);
    }
    Ok((fastest, stepper.substeps()))
}

/// Per-save relative distance ‖a − b‖ / ‖b‖ and over all saves, of snapshot-major fields.
fn relative_errors(a: &[f64], b: &[f64], n: usize) -> (Vec<f64>, f64) {
    let (mut num, mut den) = (0.0, 0.0);
    let per = a
        .chunks_exact(n)
        .zip(b.chunks_exact(n))
        .map(|(x, y)| {
            let d = crate::basis::squared_distance(x, y);
            let s: f64 = y.iter().map(|v| v * v).sum();
            num += d;
            den += s;
            (d / s.max(f64::MIN_POSITIVE)).sqrt()
        })
        .collect();
    (per, (num / den.max(f64::MIN_POSITIVE)).sqrt())
}

/// Simulates the demo ensemble (datasets/demo-ns.toml) into `data_dir`/demo-ns.h5 (a
/// complete file of the same recipe is kept), reduces trajectories 0–3 to a POD-Galerkin
/// ROM of [`DEMO_RANK`] modes saved to `rom_file`, runs it on the held-out trajectory 4,
/// times both models per step, and draws the error over time and the vorticity along a line
/// into `figure`.
pub fn run_reduction(
    data_dir: &Path,
    rom_file: &Path,
    figure: &Path,
    quiet: bool,
) -> Result<RomDemoReport, AppError> {
    let mut seconds = StageSeconds::default();
    let clock = Instant::now();
    let output = data_dir.join("demo-ns.h5");
    let recipe = Recipe::parse(
        DEMO_NS_RECIPE,
        "datasets/demo-ns.toml",
        &[format!("output={:?}", output.display().to_string())],
    )?;
    let summary = crate::data::simulate(
        &recipe,
        &SimulateOptions {
            progress: crate::app::progress::trajectories(quiet),
            ..Default::default()
        },
    )?;
    let dataset = Dataset::open(&summary.output)?;
    seconds.simulate = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let held_out = dataset.n_traj() - 1;
    let trained_on: Vec<usize> = (0..held_out).collect();
    let (model, pod) = reduce(
        &dataset,
        &ReduceOptions {
            pod: PodOptions {
                truncation: Truncation::Rank(DEMO_RANK),
                ..PodOptions::default()
            },
            kind: Reduction::Galerkin,
            trajectories: trained_on.clone(),
            times: None,
        },
    )?;
    create_dir_of(rom_file)?;
    model.save(rom_file)?;
    seconds.reduce = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let dt = recipe.time.dt;
    let viscosity = |i: usize| -> Result<f64, AppError> {
        Ok(dataset
            .parameters(i)?
            .get("viscosity")
            .copied()
            .unwrap_or(f64::NAN))
    };
    let mut run = RunOptions {
        dt,
        integrator: RomIntegrator::Rk4,
        parameters: BTreeMap::new(),
    };
    // Runs at the held-out trajectory's own ν (the file's parameters).
    let comparison = evaluate_on_dataset(&model, &dataset, held_out, &run, None)?;
    let times = dataset.times()?;
    let n = dataset.snapshot_len();
    let truth = dataset.solver_snapshots(held_out, 0..times.len())?;
    let frozen: Vec<f64> = truth[..n].repeat(times.len());
    let (_, frozen_error) = relative_errors(&frozen, &truth, n);
    let mut closest: Option<(f64, f64, Vec<f64>)> = None;
    let mut training_viscosities = Vec::new();
    for &i in &trained_on {
        let nu = viscosity(i)?;
        training_viscosities.push(nu);
        let other = dataset.solver_snapshots(i, 0..times.len())?;
        let (per, total) = relative_errors(&other, &truth, n);
        if closest.as_ref().is_none_or(|c| total < c.1) {
            closest = Some((nu, total, per));
        }
    }
    let (closest_nu, closest_error, closest_per) = closest.ok_or_else(|| AppError::Invalid {
        field: "n_traj".into(),
        value: dataset.n_traj().to_string(),
        allowed: "at least 2 (training runs and a held-out one)".into(),
    })?;
    draw(
        figure,
        &model,
        &comparison,
        &truth,
        (closest_nu, &closest_per),
        viscosity(held_out)?,
        &recipe,
    )?;
    seconds.evaluate = clock.elapsed().as_secs_f64();

    // Both models timed at the same dt from the held-out initial state: the full model on
    // its own grid with its own scheme, the ROM at the held-out ν.
    let clock = Instant::now();
    let pde = recipe.semi_linear_pde(&recipe.solver_grid()?, &dataset.parameters(held_out)?)?;
    let grid = pde.grid().shape();
    let mut sim = galerkin_solvers::Simulation::new(pde, recipe.scheme()?, dt, &truth[..n])?;
    let mut full_step = f64::INFINITY;
    for _ in 0..TIMING_REPEATS {
        full_step = full_step.min(full_model_step_seconds(&mut sim, FULL_TIMING_STEPS, 1)?);
    }
    run.parameters = dataset
        .parameters(held_out)?
        .into_iter()
        .filter(|(name, _)| model.parameter_names().contains(name))
        .collect();
    let a0 = model.project(&truth[..n])?;
    let horizon_steps = ((times[times.len() - 1] - times[0]) / dt).round() as usize;
    let (rom_step, substeps) = rom_step_seconds(&model, &a0, &run, horizon_steps.max(100))?;
    seconds.timing = clock.elapsed().as_secs_f64();

    Ok(RomDemoReport {
        simulation: summary.to_string(),
        dataset: summary.output.clone(),
        dt,
        horizon: [times[0], times[times.len() - 1]],
        training_viscosities,
        held_out,
        held_out_viscosity: viscosity(held_out)?,
        trained_on,
        snapshots: pod.n_snapshots,
        rank: model.rank(),
        error: comparison.relative_error,
        final_error: comparison.error.last().copied().unwrap_or(f64::NAN),
        projection_error: comparison.projection_relative_error,
        closest_training: (closest_nu, closest_error),
        frozen_error,
        full_step,
        rom_step,
        substeps,
        full_flops: full_step_flops(n),
        rom_flops: rom_step_flops(model.rank(), substeps),
        grid,
        rom_file: rom_file.to_path_buf(),
        figure: figure.to_path_buf(),
        seconds,
    })
}

/// Two panels: the relative error over time (ROM, projection floor, closest training run)
/// and the vorticity along the lower shear layer's centre line y = π/2 during the roll-up
/// and at the final time, full model against ROM.
fn draw(
    figure: &Path,
    model: &ReducedModel,
    c: &crate::rom::Comparison,
    truth: &[f64],
    closest: (f64, &[f64]),
    nu: f64,
    recipe: &Recipe,
) -> Result<(), AppError> {
    create_dir_of(figure)?;
    let r = model.rank();
    let t = &c.times;
    let curve = |label: String, values: &[f64], style: Style, colour: usize| Series {
        label,
        points: t.iter().copied().zip(values.iter().copied()).collect(),
        style,
        colour: Some(colour),
    };
    let errors = LineChart {
        title: format!("Held-out ν = {nu}: relative error vs the full model"),
        x_label: "t".into(),
        y_label: "‖ω − ω_full‖ / ‖ω_full‖".into(),
        log_x: false,
        log_y: true,
        series: vec![
            curve(
                format!("POD-Galerkin ROM, r = {r}"),
                &c.error,
                Style::Line,
                0,
            ),
            curve(
                format!("POD projection, r = {r} (floor)"),
                &c.projection_error,
                Style::Line,
                1,
            ),
            curve(
                format!("training run ν = {} as the answer", closest.0),
                closest.1,
                Style::Line,
                2,
            ),
        ],
    };
    let grid = recipe.solver_grid()?;
    let shape = grid.shape();
    let (nx, ny) = (shape[0], shape[1]);
    let n = nx * ny;
    // Row y = π/2 (a quarter of the box) of the solver layout [y][x], during the roll-up
    // (a quarter of the horizon) and at the end.
    let row = ny / 4;
    let x: Vec<f64> = (0..nx).map(|i| i as f64 * grid.dx()).collect();
    let mut rom = vec![0.0; n];
    let mut series = Vec::new();
    for (colour, k) in [(t.len() - 1) / 4, t.len() - 1].into_iter().enumerate() {
        let full = &truth[k * n + row * nx..k * n + (row + 1) * nx];
        model.reconstruct(&c.coefficients[k], &mut rom);
        series.push(Series {
            label: format!("full model ({nx}×{ny}, ETDRK4), t = {}", t[k]),
            points: x.iter().copied().zip(full.iter().copied()).collect(),
            style: Style::Line,
            colour: Some(3 + colour),
        });
        series.push(Series {
            label: format!("ROM, r = {r}, t = {}", t[k]),
            // Every 2nd point: the markers should not hide the reference line.
            points: x
                .iter()
                .copied()
                .zip(rom[row * nx..(row + 1) * nx].iter().copied())
                .step_by(2)
                .collect(),
            style: Style::Markers,
            colour: Some(3 + colour),
        });
    }
    let field = LineChart {
        title: format!("Held-out ν = {nu}: vorticity along y = π/2"),
        x_label: "x".into(),
        y_label: "ω(x, π/2, t)".into(),
        log_x: false,
        log_y: false,
        series,
    };
    line_charts(figure, &[errors, field])?;
    Ok(())
}
