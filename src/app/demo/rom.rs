//! The reduction stage of `galerkin demo`: POD-Galerkin ROM of the demo Burgers ensemble,
//! trained on some trajectories and run on a held-out one, against the full model.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::app::error::AppError;
use crate::app::plot::{line_chart, LineChart, Series, Style};
use crate::basis::Truncation;
use crate::data::Dataset;
use crate::rom::{full_model_step_seconds, PodOptions, Reduction, RomIntegrator, RunOptions};
use crate::workflow::{evaluate_on_dataset, reduce, ReduceOptions};

/// Modes of the demo ROM.
pub const DEMO_RANK: usize = 32;

/// What the reduction stage produced.
#[derive(Debug, Clone)]
pub struct RomDemoReport {
    /// Training trajectories.
    pub trained_on: usize,
    /// The held-out trajectory.
    pub held_out: usize,
    /// POD snapshots.
    pub snapshots: usize,
    /// Modes.
    pub rank: usize,
    /// Relative error of the ROM over the held-out trajectory.
    pub error: f64,
    /// Relative POD projection error of the held-out trajectory.
    pub projection_error: f64,
    /// Full-model seconds per step (the simulation's own grid and scheme).
    pub full_step: f64,
    /// ROM seconds per step (RK4 at the same dt).
    pub rom_step: f64,
    /// The ROM file.
    pub rom_file: PathBuf,
    /// The figure.
    pub figure: PathBuf,
}

impl std::fmt::Display for RomDemoReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "POD-Galerkin ROM, r = {} modes from {} snapshots of trajectories 0–{} → {}",
            self.rank,
            self.snapshots,
            self.trained_on - 1,
            self.rom_file.display()
        )?;
        writeln!(
            f,
            "held-out trajectory {}: relative error {:.2e} (POD projection error {:.2e})",
            self.held_out, self.error, self.projection_error
        )?;
        writeln!(
            f,
            "step time: full model {:.1} µs, ROM {:.2} µs → speed-up {:.1}× \
             (a 1-D spectral model is cheap; see figures/rom-results.md for NS 256²)",
            self.full_step * 1e6,
            self.rom_step * 1e6,
            self.full_step / self.rom_step
        )?;
        write!(f, "figure: {}", self.figure.display())
    }
}

/// Reduces `dataset` (the demo ensemble) on all but its last trajectory, runs the ROM on
/// the last, writes the ROM to `rom_file` and the comparison to `figure`.
pub fn run_reduction(
    dataset: &Dataset,
    rom_file: &Path,
    figure: &Path,
) -> Result<RomDemoReport, AppError> {
    let n_traj = dataset.n_traj();
    let held_out = n_traj - 1;
    let opts = ReduceOptions {
        pod: PodOptions {
            truncation: Truncation::Rank(DEMO_RANK),
            ..PodOptions::default()
        },
        kind: Reduction::Galerkin,
        trajectories: (0..held_out).collect(),
        times: None,
    };
    let (model, pod) = reduce(dataset, &opts)?;
    model.save(rom_file)?;
    let recipe = dataset.recipe()?;
    let run = RunOptions {
        dt: recipe.time.dt,
        integrator: RomIntegrator::Rk4,
        parameters: BTreeMap::new(),
    };
    let c = evaluate_on_dataset(&model, dataset, held_out, &run, None)?;
    // The full model as it was simulated (its own grid, scheme and dt).
    let pde = recipe.semi_linear_pde(&recipe.solver_grid()?, &dataset.parameters(held_out)?)?;
    let grid = pde.grid().clone();
    let u0: Vec<f64> = grid
        .x()
        .iter()
        .map(|x| (2.0 * std::f64::consts::PI * x).sin())
        .collect();
    let scheme = recipe.scheme()?;
    let mut sim = galerkin_solvers::Simulation::new(pde, scheme, recipe.time.dt, &u0)?;
    let full_step = full_model_step_seconds(&mut sim, 500, 5)?;
    let x = dataset.read_vec("x")?;
    let n = x.len();
    let times = dataset.times()?;
    let truth = dataset.solver_snapshots(held_out, 0..times.len())?;
    let mut rom_field = vec![0.0; n];
    let mut series = Vec::new();
    for (colour, &i) in [0, times.len() / 2, times.len() - 1].iter().enumerate() {
        model.reconstruct(&c.coefficients[i], &mut rom_field);
        series.push(Series {
            label: format!("full model, t = {:.2}", times[i]),
            points: x
                .iter()
                .copied()
                .zip(truth[i * n..(i + 1) * n].iter().copied())
                .collect(),
            style: Style::Line,
            colour: Some(colour),
        });
        series.push(Series {
            label: format!("ROM r = {}, t = {:.2}", model.rank(), times[i]),
            // Every 6th point: the markers should not hide the reference line.
            points: x
                .iter()
                .copied()
                .zip(rom_field.iter().copied())
                .step_by(6)
                .collect(),
            style: Style::Markers,
            colour: Some(colour),
        });
    }
    line_chart(
        figure,
        &LineChart {
            title: format!(
                "Burgers ν = 5·10⁻³, held-out trajectory {held_out}: ROM (r = {}) vs full model",
                model.rank()
            ),
            x_label: "x".into(),
            y_label: "u(x, t)".into(),
            log_x: false,
            log_y: false,
            series,
        },
    )?;
    Ok(RomDemoReport {
        trained_on: held_out,
        held_out,
        snapshots: pod.n_snapshots,
        rank: model.rank(),
        error: c.relative_error,
        projection_error: c.projection_relative_error,
        full_step,
        rom_step: c.online_seconds / c.steps as f64,
        rom_file: rom_file.to_path_buf(),
        figure: figure.to_path_buf(),
    })
}
