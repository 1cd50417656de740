//! `galerkin figures`: regenerates every ROM figure and table in figures/ from the recipes
//! in datasets/ (simulating whatever trajectory file is missing), so each published number
//! has one command behind it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use thiserror::Error;

mod adaptive;
mod lifting;
#[cfg(feature = "operators")]
mod nsm;
#[cfg(feature = "operators")]
mod operators;

use crate::data::{simulate, DataError, Dataset, Recipe, SimulateOptions};
use crate::plot::{line_chart, LineChart, PlotError, Series, Style};
use crate::rom::study::{
    error_vs_rank, long_run, reference, rk4, statistics, valid_prediction_time, RankRow, Trained,
};
use crate::rom::{evaluate_on_dataset, full_model_step_seconds, RomError, RomKind, Stepper};

/// Why a figure could not be made.
#[derive(Debug, Error)]
pub enum FiguresError {
    /// From the ROM layer.
    #[error(transparent)]
    Rom(#[from] RomError),
    /// From the data layer.
    #[error(transparent)]
    Data(#[from] DataError),
    /// From plotting.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// From operator learning.
    #[cfg(feature = "operators")]
    #[error(transparent)]
    Operator(#[from] crate::operators::error::OperatorError),
    /// From the solvers (timing runs).
    #[error(transparent)]
    Solver(#[from] galerkin_solvers::SolverError),
    /// Writing a table.
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

type Result<T> = std::result::Result<T, FiguresError>;

/// Where recipes, data and figures live.
#[derive(Debug, Clone)]
pub struct FiguresOptions {
    /// Recipes (datasets/).
    pub recipes: PathBuf,
    /// Figures and tables (figures/).
    pub out: PathBuf,
    /// No progress bars.
    pub quiet: bool,
    /// Only this group (`rom`, `lifting`, `adaptive`, `operators` or `nsm`); all if `None`.
    pub only: Option<String>,
}

/// An error-vs-rank case.
struct Case {
    name: &'static str,
    title: &'static str,
    ranks: &'static [usize],
    train_times: Option<Range<usize>>,
    eval_times: Option<Range<usize>>,
    /// The matched-error target of the speed-up table.
    target: f64,
}

const CASES: [Case; 4] = [
    Case {
        name: "burgers-smooth",
        title: "Burgers ν = 0.05 (smooth)",
        ranks: &[2, 4, 6, 8, 10, 12, 16, 20],
        train_times: None,
        eval_times: None,
        target: 1e-3,
    },
    Case {
        name: "burgers-steep",
        title: "Burgers ν = 2·10⁻³ (travelling front)",
        ranks: &[4, 8, 16, 24, 32, 48, 64],
        train_times: None,
        eval_times: None,
        target: 1e-2,
    },
    Case {
        name: "ks-l22",
        title: "KS L = 22 (train t ∈ [100, 1100], error over t ∈ [100, 120])",
        ranks: &[4, 8, 12, 16, 20, 24, 28, 32],
        train_times: Some(400..4400),
        eval_times: Some(400..481),
        target: 1e-2,
    },
    Case {
        name: "ns-256",
        title: "Navier–Stokes 256², ν = 10⁻³ (t ∈ [0, 10])",
        ranks: &[2, 4, 8, 12, 16, 24, 32, 48],
        train_times: None,
        eval_times: None,
        target: 1e-2,
    },
];

/// Opens the trajectory file of `datasets/<name>.toml`, simulating it first if missing.
fn dataset(opts: &FiguresOptions, name: &str) -> Result<Dataset> {
    let recipe = Recipe::from_file(&opts.recipes.join(format!("{name}.toml")), &[])?;
    if !recipe.output.exists() {
        simulate(
            &recipe,
            &SimulateOptions {
                quiet: opts.quiet,
                ..Default::default()
            },
        )?;
    }
    Ok(Dataset::open(&recipe.output)?)
}

fn write_text(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|source| FiguresError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// Median seconds per RK4 step of `model` (3 runs of `steps` steps from `a0`).
fn rom_step_seconds(
    model: &crate::rom::ReducedModel,
    a0: &[f64],
    dt: f64,
    steps: usize,
) -> Result<f64> {
    let mut online = model.online(&BTreeMap::new())?;
    let mut stepper = Stepper::new(crate::rom::RomIntegrator::Rk4, &online, dt)?;
    let mut samples = Vec::new();
    for _ in 0..3 {
        let mut x = a0.to_vec();
        let start = Instant::now();
        for _ in 0..steps {
            stepper.step(&mut online, &mut x);
        }
        samples.push(start.elapsed().as_secs_f64() / steps as f64);
    }
    samples.sort_by(f64::total_cmp);
    Ok(samples[1])
}

/// One row of the speed-up table.
struct SpeedRow {
    case: &'static str,
    full_dt: f64,
    rom_dt: f64,
    r: usize,
    error: f64,
    full: f64,
    galerkin: f64,
    deim: f64,
    deim_error: f64,
}

/// Error vs r for one case: the figure, the table rows, the singular values and the
/// matched-error speed-up row.
fn rank_study(
    opts: &FiguresOptions,
    case: &Case,
    md: &mut String,
    decay: &mut Vec<Series>,
) -> Result<SpeedRow> {
    let data = dataset(opts, &format!("rom-{}", case.name))?;
    let n_t = data.shape()[1];
    let train = case.train_times.clone().unwrap_or(0..n_t);
    let eval = case.eval_times.clone().unwrap_or(0..n_t);
    let max_rank = *case.ranks.iter().max().expect("ranks");
    let trained = Trained::new(&data, &[0], train, max_rank)?;
    let recipe = data.recipe()?;
    let run = rk4(recipe.time.dt);
    let rows = error_vs_rank(&trained, case.ranks, 0, eval.clone(), &run)?;
    let s = &trained.pod.singular_values;
    decay.push(Series {
        label: case.name.to_string(),
        points: s
            .iter()
            .take(100)
            .enumerate()
            .map(|(i, v)| ((i + 1) as f64, v / s[0]))
            .collect(),
        style: Style::Line,
        colour: None,
    });
    let series = |label: &str, f: fn(&RankRow) -> f64| Series {
        label: label.to_string(),
        points: rows.iter().map(|row| (row.r as f64, f(row))).collect(),
        style: Style::LineAndMarkers,
        colour: None,
    };
    line_chart(
        &opts.out.join(format!("rom-error-{}.png", case.name)),
        &LineChart {
            title: case.title.to_string(),
            x_label: "modes r".into(),
            y_label: "relative error over the horizon".into(),
            log_x: false,
            log_y: true,
            series: vec![
                series("Galerkin ROM (exact quadratic tensor)", |r| r.galerkin),
                series("DEIM ROM (Q-DEIM, m = 2r)", |r| r.deim),
                series("POD projection", |r| r.projection),
            ],
        },
    )?;
    let _ = writeln!(
        md,
        "\n### {}\n\n`figures/rom-error-{}.png`\n\n| r | Galerkin ROM | DEIM ROM (m = 2r) | projection | Galerkin µs/step | DEIM µs/step |\n|---|---|---|---|---|---|",
        case.title, case.name
    );
    for row in &rows {
        let _ = writeln!(
            md,
            "| {} | {:.2e} | {:.2e} | {:.2e} | {:.2} | {:.2} |",
            row.r,
            row.galerkin,
            row.deim,
            row.projection,
            row.galerkin_step_seconds * 1e6,
            row.deim_step_seconds * 1e6
        );
    }
    // Matched error: the smallest r meeting the target (else the largest).
    let best = rows
        .iter()
        .find(|row| row.galerkin <= case.target)
        .unwrap_or(rows.last().expect("rows"));
    let galerkin = trained.model(best.r, RomKind::Galerkin)?;
    let hyper = trained.model(
        best.r,
        RomKind::Hyper {
            points: (2 * best.r).min(trained.pod.n_snapshots),
            selection: crate::rom::PointSelection::Qdeim,
        },
    )?;
    let (snap0, _) = reference(&data, 0, eval.start..eval.start + 1)?;
    let a0 = galerkin.project(&snap0)?;
    let steps = 2000;
    let g_step = rom_step_seconds(&galerkin, &a0, run.dt, steps)?;
    let d_step = rom_step_seconds(&hyper, &a0, run.dt, steps)?;
    let pde = recipe.pde_on(&recipe.solver_grid()?, &data.parameters(0)?)?;
    let scheme = galerkin_solvers::Scheme::parse(&recipe.time.integrator)?;
    let mut sim = galerkin_solvers::Simulation::new(pde, scheme, recipe.time.dt, &snap0)?;
    let full_steps = if data.snapshot_len() > 10_000 {
        20
    } else {
        2000
    };
    let full = full_model_step_seconds(&mut sim, full_steps, 5)?;
    Ok(SpeedRow {
        case: case.name,
        full_dt: recipe.time.dt,
        rom_dt: run.dt,
        r: best.r,
        error: best.galerkin,
        full,
        galerkin: g_step,
        deim: d_step,
        deim_error: best.deim,
    })
}

/// KS: valid-prediction time vs r from held-out states, and long-time statistics.
fn ks_study(opts: &FiguresOptions, md: &mut String) -> Result<()> {
    let data = dataset(opts, "rom-ks-l22")?;
    let ranks = [8, 12, 16, 20, 24, 28, 32];
    let trained = Trained::new(&data, &[0], 400..4400, 32)?;
    let run = rk4(data.recipe()?.time.dt);
    let lyapunov_time = 1.0 / 0.048;
    let starts: Vec<usize> = (0..10).map(|j| 4400 + 160 * j).collect();
    let horizon = 1200; // saves of 0.25 → 300 time units
    let _ = writeln!(
        md,
        "\n### KS L = 22: valid-prediction time (normalized error > 0.5)\n\n`figures/rom-ks-vpt.png`. Training: t ∈ [100, 1100]; 10 held-out starts t₀ = 1100 + 40j; horizon 300; Lyapunov time 1/λ = {lyapunov_time:.1} (λ = 0.048).\n\n| r | mean VPT | min | max | mean VPT / Lyapunov time |\n|---|---|---|---|---|"
    );
    let mut mean_points = Vec::new();
    let mut min_points = Vec::new();
    let mut models = BTreeMap::new();
    for &r in &ranks {
        let model = trained.model(r, RomKind::Galerkin)?;
        let mut vpts = Vec::new();
        for &s in &starts {
            let (snaps, t) = reference(&data, 0, s..s + horizon + 1)?;
            vpts.push(valid_prediction_time(&model, &snaps, &t, &run, 0.5)?);
        }
        let mean = vpts.iter().sum::<f64>() / vpts.len() as f64;
        let (lo, hi) = vpts
            .iter()
            .fold((f64::INFINITY, 0f64), |(a, b), &v| (a.min(v), b.max(v)));
        let _ = writeln!(
            md,
            "| {r} | {mean:.1} | {lo:.1} | {hi:.1} | {:.2} |",
            mean / lyapunov_time
        );
        mean_points.push((r as f64, mean));
        min_points.push((r as f64, lo));
        models.insert(r, model);
    }
    line_chart(
        &opts.out.join("rom-ks-vpt.png"),
        &LineChart {
            title: "KS L = 22: valid-prediction time of the POD-Galerkin ROM".into(),
            x_label: "modes r".into(),
            y_label: "time until normalized error > 0.5".into(),
            log_x: false,
            log_y: false,
            series: vec![
                Series {
                    label: "mean over 10 held-out starts".into(),
                    points: mean_points,
                    style: Style::LineAndMarkers,
                    colour: None,
                },
                Series {
                    label: "minimum".into(),
                    points: min_points,
                    style: Style::LineAndMarkers,
                    colour: None,
                },
            ],
        },
    )?;
    // Long-time statistics over t ∈ [100, 2000].
    let n = data.snapshot_len();
    let n_t = data.shape()[1];
    let (truth, _) = reference(&data, 0, 400..n_t)?;
    let full = statistics(&truth, n);
    let save_every = 5;
    let n_steps = (n_t - 1 - 400) * save_every;
    let mut series = vec![Series {
        label: "full model".into(),
        points: spectrum_points(&full.spectrum),
        style: Style::Line,
        colour: None,
    }];
    let _ = writeln!(
        md,
        "\n### KS L = 22: long-time statistics over t ∈ [100, 2000]\n\n`figures/rom-ks-spectrum.png`\n\n| model | RMS of u | spectrum error (mean |log₁₀ E_rom/E_full|, k ≤ 12) |\n|---|---|---|\n| full model | {:.4} | — |",
        full.rms
    );
    for r in [16, 24, 32] {
        let model = &models[&r];
        let a0 = model.project(&truth[..n])?;
        match long_run(model, &a0, &run, n_steps, save_every) {
            Ok(fields) => {
                let st = statistics(&fields, n);
                let mismatch: f64 = (1..=12)
                    .map(|k| (st.spectrum[k] / full.spectrum[k]).log10().abs())
                    .sum::<f64>()
                    / 12.0;
                let _ = writeln!(md, "| ROM r = {r} | {:.4} | {mismatch:.3} |", st.rms);
                series.push(Series {
                    label: format!("ROM r = {r}"),
                    points: spectrum_points(&st.spectrum),
                    style: Style::Line,
                    colour: None,
                });
            }
            Err(e) => {
                let _ = writeln!(md, "| ROM r = {r} | {e} | — |");
            }
        }
    }
    line_chart(
        &opts.out.join("rom-ks-spectrum.png"),
        &LineChart {
            title: "KS L = 22: time-averaged energy spectrum, t ∈ [100, 2000]".into(),
            x_label: "wavenumber index k (q = 2πk/L)".into(),
            y_label: "⟨|û_k|²⟩".into(),
            log_x: false,
            log_y: true,
            series,
        },
    )?;
    Ok(())
}

fn spectrum_points(spectrum: &[f64]) -> Vec<(f64, f64)> {
    spectrum
        .iter()
        .enumerate()
        .skip(1)
        // Up to the 2/3-rule cutoff of 64 points (21): beyond it only round-off is left.
        .take(20)
        .map(|(k, e)| (k as f64, *e))
        .collect()
}

/// Parametric Burgers: ROMs on five training viscosities, tested on held-out ones.
fn parametric_study(opts: &FiguresOptions, md: &mut String) -> Result<()> {
    let train = dataset(opts, "rom-burgers-param-train")?;
    let test = dataset(opts, "rom-burgers-param-test")?;
    let n_t = train.shape()[1];
    let trained = Trained::new(&train, &[0, 1, 2, 3, 4], 0..n_t, 24)?;
    let run = rk4(train.recipe()?.time.dt);
    let _ = writeln!(
        md,
        "\n### Parametric Burgers: training ν ∈ {{0.02, 0.035, 0.05, 0.075, 0.1}}, held-out ν\n\nOne POD basis of all training snapshots; the linear operator ν·VᵀD₂V is re-weighted for each ν.\n\n| ν | set | ROM r = 12 | projection r = 12 | ROM r = 24 | projection r = 24 |\n|---|---|---|---|---|---|"
    );
    let models = [
        trained.model(12, RomKind::Galerkin)?,
        trained.model(24, RomKind::Galerkin)?,
    ];
    let mut rows = Vec::new();
    for (file, label) in [(&train, "training"), (&test, "held-out")] {
        for i in 0..file.n_traj() {
            let nu = file.parameters(i)?["viscosity"];
            let set = match label {
                "training" => "training".to_string(),
                _ if (0.02..=0.1).contains(&nu) => "held-out, inside".to_string(),
                _ => "held-out, outside".to_string(),
            };
            let mut cells = Vec::new();
            for m in &models {
                let c = evaluate_on_dataset(m, file, i, &run)?;
                cells.push(format!(
                    "{:.2e} | {:.2e}",
                    c.relative_error, c.projection_relative_error
                ));
            }
            rows.push((nu, format!("| {nu} | {set} | {} |", cells.join(" | "))));
        }
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (_, row) in rows {
        let _ = writeln!(md, "{row}");
    }
    Ok(())
}

/// Regenerates every figure group (or only `opts.only`): the POD-Galerkin / DEIM group
/// (`figures/rom-results.md`) and the lifting group (`figures/lifting-results.md`);
/// returns their markdown.
pub fn run_all(opts: &FiguresOptions) -> Result<String> {
    std::fs::create_dir_all(&opts.out).map_err(|source| FiguresError::Io {
        path: opts.out.clone(),
        source,
    })?;
    let mut md = String::new();
    match opts.only.as_deref() {
        None => {
            md += &rom_group(opts)?;
            md += &lifting::run(opts)?;
            md += &adaptive::run_group(opts)?;
            #[cfg(feature = "operators")]
            {
                md += &operators::run_group(opts)?;
                md += &nsm::run_group(opts)?;
            }
        }
        Some("rom") => md += &rom_group(opts)?,
        Some("lifting") => md += &lifting::run(opts)?,
        Some("adaptive") => md += &adaptive::run_group(opts)?,
        #[cfg(feature = "operators")]
        Some("operators") => md += &operators::run_group(opts)?,
        #[cfg(feature = "operators")]
        Some("nsm") => md += &nsm::run_group(opts)?,
        Some(other) => {
            return Err(FiguresError::Rom(RomError::Invalid {
                field: "only".into(),
                value: other.into(),
                allowed: "`rom`, `lifting`, `adaptive`, `operators` or `nsm`".into(),
            }))
        }
    }
    Ok(md)
}

/// The POD-Galerkin / DEIM group (issue #5).
fn rom_group(opts: &FiguresOptions) -> Result<String> {
    let mut md = String::from(
        "# ROM results (issue #5)\n\nRegenerated by `galerkin figures` from the recipes `datasets/rom-*.toml`. \
         Errors are relative L² errors over the horizon, (Σₜ‖u_rom − u‖² / Σₜ‖u‖²)^½; online RK4 at the recipe's dt; \
         timings on this machine in one run.\n\n## Error vs number of modes\n",
    );
    let mut decay = Vec::new();
    let mut speed = Vec::new();
    for case in &CASES {
        tracing::info!("error vs rank: {}", case.name);
        speed.push(rank_study(opts, case, &mut md, &mut decay)?);
    }
    line_chart(
        &opts.out.join("rom-singular-values.png"),
        &LineChart {
            title: "POD singular values of the training snapshots".into(),
            x_label: "index i".into(),
            y_label: "σᵢ / σ₁".into(),
            log_x: false,
            log_y: true,
            series: decay,
        },
    )?;
    let _ = writeln!(
        md,
        "\n## Speed-up at matched error\n\nFull model: the solver's own spectral time loop on its grid (ETDRK4 at the recipe's dt, median of 5 runs); ROM: RK4 (median of 3 runs of 2000 steps) at the dt of the error sweep. r is the smallest swept rank whose Galerkin ROM meets the target error. Speed-up = cost per unit of simulated time, full / ROM.\n\n| case | target | r | Galerkin error | full model µs/step (dt) | Galerkin ROM µs/step (dt) | speed-up | DEIM ROM µs/step | DEIM error | DEIM speed-up |\n|---|---|---|---|---|---|---|---|---|---|"
    );
    for (row, case) in speed.iter().zip(&CASES) {
        let _ = writeln!(
            md,
            "| {} | {:.0e} | {} | {:.2e} | {:.1} ({}) | {:.2} ({}) | {:.1}× | {:.2} | {:.2e} | {:.1}× |",
            row.case,
            case.target,
            row.r,
            row.error,
            row.full * 1e6,
            row.full_dt,
            row.galerkin * 1e6,
            row.rom_dt,
            (row.full / row.full_dt) / (row.galerkin / row.rom_dt),
            row.deim * 1e6,
            row.deim_error,
            (row.full / row.full_dt) / (row.deim / row.rom_dt)
        );
    }
    tracing::info!("KS valid-prediction time and statistics");
    ks_study(opts, &mut md)?;
    tracing::info!("parametric Burgers");
    parametric_study(opts, &mut md)?;
    write_text(&opts.out.join("rom-results.md"), &md)?;
    Ok(md)
}
