//! The neural-spectral-method figures: self-supervised training of an NSM on
//! Burgers ν = 0.1 (loss vs step), its held-out error against the pseudo-spectral solver,
//! and the solver's error and cost over grid size and step, so NSM inference and the solver
//! can be compared at matched accuracy.

use std::fmt::Write as _;
use std::time::Instant;

use galerkin_solvers::InitialCondition;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::nsm_reference::{
    interpolate, nsm_fields, record, simulation, solve, Comparison, SolverSettings,
};
use super::{write_text, FiguresOptions, Result};
use crate::app::plot::{line_chart, LineChart, Series, Style};
use crate::operators::cpu_f64;
use crate::operators::nsm::network::{Nsm, NsmConfig, NsmMatrices};
use crate::operators::nsm::space::SpectralSpace;
use crate::operators::nsm::train::{predict, residual_loss, train, BurgersProblem, TrainOptions};

/// Held-out initial conditions (drawn from seed 1000, disjoint from training draws).
const TEST_SAMPLES: usize = 32;
/// The reference solver: n = 128, ETDRK4 dt = 10⁻⁴.
const REFERENCE: SolverSettings = SolverSettings { n: 128, dt: 1e-4 };
/// Fields are compared at t = 0.05, 0.1, …, 0.5 on 128 points.
const COMPARE: Comparison = Comparison { n: 128, saves: 10 };
/// Solver grids and steps of the matched-accuracy sweep (dt = 0.05/2^j).
const SWEEP_N: [usize; 5] = [8, 12, 16, 24, 32];
const SWEEP_SUBSTEPS: [usize; 6] = [1, 2, 4, 8, 16, 32];
/// Steps per point of the loss curve (per-step losses are on fresh batches, so noisy).
const LOSS_BLOCK: usize = 40;

/// One solver setting of the sweep.
struct SweepRow {
    settings: SolverSettings,
    error: f64,
    /// Seconds per sample: ETDRK4 set-up and run.
    seconds: f64,
    /// Seconds per sample of the run alone (set-up amortized away).
    run_seconds: f64,
}

/// The median of 5 measurements, each the seconds `measure` reports.
fn median_seconds(mut measure: impl FnMut() -> Result<f64>) -> Result<f64> {
    let mut samples = (0..5).map(|_| measure()).collect::<Result<Vec<f64>>>()?;
    samples.sort_by(f64::total_cmp);
    Ok(samples[2])
}

/// Mean relative error over the held-out set of the solver at `settings`, and its median
/// wall time per sample with and without the set-up of the ETDRK4 coefficients (never the
/// interpolation onto the comparison grid).
fn sweep_row(
    problem: &BurgersProblem,
    test: &[Vec<f64>],
    reference: &[Vec<f64>],
    settings: SolverSettings,
) -> Result<SweepRow> {
    let mut error = 0.0;
    for (u0, r) in test.iter().zip(reference) {
        let mut sim = simulation(problem, u0, settings)?;
        let fields = record(&mut sim, problem, settings, COMPARE.saves)?;
        error += crate::basis::relative_error(&interpolate(&fields, settings.n, COMPARE)?, r);
    }
    let seconds = median_seconds(|| {
        let start = Instant::now();
        for u0 in test {
            let mut sim = simulation(problem, u0, settings)?;
            record(&mut sim, problem, settings, COMPARE.saves)?;
        }
        Ok(start.elapsed().as_secs_f64())
    })?;
    let run_seconds = median_seconds(|| {
        let mut sims = test
            .iter()
            .map(|u0| simulation(problem, u0, settings))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let start = Instant::now();
        for sim in &mut sims {
            record(sim, problem, settings, COMPARE.saves)?;
        }
        Ok(start.elapsed().as_secs_f64())
    })?;
    let samples = test.len() as f64;
    Ok(SweepRow {
        settings,
        error: error / samples,
        seconds: seconds / samples,
        run_seconds: run_seconds / samples,
    })
}

/// Trains the NSM, compares it with the solver and writes the figures and
/// `figures/nsm-results.md`.
pub fn run_group(opts: &FiguresOptions) -> Result<String> {
    let space = SpectralSpace::new(8, 16, 0.5)?;
    let problem = BurgersProblem::new(0.1, space, InitialCondition::fno_burgers(), 6)?;
    let config = NsmConfig {
        width: 16,
        layers: 4,
        projection: 32,
    };
    let options = TrainOptions {
        steps: 4000,
        batch: 16,
        lr: 1e-2,
        weight_decay: 1e-4,
        seed: 1,
    };
    let device = cpu_f64();
    tracing::info!("NSM: training {} steps", options.steps);
    let report = train(&problem, config, &options, &device)?;
    let train_seconds = report.seconds.last().copied().unwrap_or(0.0);
    let test = problem.sample_batch(TEST_SAMPLES, &mut ChaCha8Rng::seed_from_u64(1000))?;
    let reference: Vec<Vec<f64>> = test
        .iter()
        .map(|u0| solve(&problem, u0, REFERENCE, COMPARE))
        .collect::<std::result::Result<_, _>>()?;

    // NSM: one batched forward pass for the held-out set (the matrices and the network are
    // built once, outside the timing; the output is the coefficient array).
    let matrices = NsmMatrices::new(space, &device)?;
    let model = Nsm::new(&report.weights, &device, false);
    let coeffs = predict(&model, &matrices, &test, &device);
    let errors: Vec<f64> = coeffs
        .iter()
        .zip(&reference)
        .map(|(c, r)| {
            Ok(crate::basis::relative_error(
                &nsm_fields(&space, c, COMPARE)?,
                r,
            ))
        })
        .collect::<Result<_>>()?;
    let nsm_error = errors.iter().sum::<f64>() / errors.len() as f64;
    let nsm_worst = errors.iter().fold(0f64, |m, e| m.max(*e));
    let timed = |batch: &[Vec<f64>]| {
        median_seconds(|| {
            let start = Instant::now();
            predict(&model, &matrices, batch, &device);
            Ok(start.elapsed().as_secs_f64())
        })
    };
    let batched = timed(&test)? / TEST_SAMPLES as f64;
    let single = timed(&test[..1])?;
    let held_out_loss = residual_loss(&problem, &report.weights, &test, &device)?;

    tracing::info!("NSM: solver sweep");
    let mut rows = Vec::new();
    for n in SWEEP_N {
        for sub in SWEEP_SUBSTEPS {
            let settings = SolverSettings {
                n,
                dt: 0.05 / sub as f64,
            };
            rows.push(sweep_row(&problem, &test, &reference, settings)?);
        }
    }
    let matched = rows
        .iter()
        .filter(|r| r.error <= nsm_error)
        .min_by(|a, b| a.seconds.total_cmp(&b.seconds));

    let md = markdown(
        &problem,
        &config,
        &options,
        (train_seconds, &report.loss, held_out_loss),
        (nsm_error, nsm_worst, batched, single),
        &rows,
        matched,
    );
    plot(opts, &report.loss, &rows, (nsm_error, batched))?;
    write_text(&opts.out.join("nsm-results.md"), &md)?;
    Ok(md)
}

/// The results page.
fn markdown(
    problem: &BurgersProblem,
    config: &NsmConfig,
    options: &TrainOptions,
    (train_seconds, loss, held_out_loss): (f64, &[f64], f64),
    (nsm_error, nsm_worst, batched, single): (f64, f64, f64, f64),
    rows: &[SweepRow],
    matched: Option<&SweepRow>,
) -> String {
    let s = problem.space;
    let mut md = format!(
        "# Neural spectral method\n\nRegenerated by `galerkin figures --only nsm`. \
         Burgers u_t + (u²/2)_x = ν u_xx, ν = {nu}, periodic x ∈ [0, 1), t ∈ [0, {t}]; u₀ from the FNO Gaussian random field N(0, 625(−Δ + 25I)⁻²) cut to wavenumbers ≤ {k0}. \
         NSM (Du, Chalapathi, Krishnapriyan, ICLR 2024): coefficients in Fourier modes k ≤ {k} × Chebyshev degrees ≤ {m} in t; width {w}, {l} spectral layers (complex per-(k, m) channel mix + pointwise, GELU at the {cx} × {ct} collocation points), projection {p}; \
         u = u₀ + v − v(·, 0) so the initial condition holds exactly. \
         Trained with **no solution data**: loss = Σ R̂² over the residual coefficients of R = u_t + (u²/2)_x − ν u_xx in Fourier k ≤ {k2} × Chebyshev ≤ {m2}, which equals ∫₀ᵀ∫₀¹ R² dx dt/√(t(T − t)) exactly (Parseval; no aliasing). \
         AdamW lr {lr} (cosine), weight decay {wd}, batch {b} fresh draws per step, {steps} steps, seed {seed}; f64 on the CPU (burn flex, 2 cores).\n\n\
         Errors: relative L² over x (128 points) and t = 0.05, 0.1, …, 0.5 against the solver of `galerkin-solvers` at n = {rn}, ETDRK4 dt = {rdt} (pseudo-spectral, 2/3 rule), mean over {ns} held-out draws (seed 1000). \
         Solver timings: ETDRK4 set-up and run per sample, median of 5 passes over the held-out set; coarse solutions are trigonometrically interpolated onto the comparison grid (not timed). \
         NSM timings: the forward pass to the coefficient array (the solution at every x and t), median of 5.\n\n\
         `figures/nsm-training-loss.png` (loss per step, averaged over blocks of 40 steps), `figures/nsm-accuracy-vs-time.png` (solver error vs cost per sample; the NSM as the crossing of its error level and its inference time)\n\n\
         ## NSM\n\n| quantity | value |\n|---|---|\n\
         | training time | {train_seconds:.1} s ({per_step:.1} ms/step) |\n\
         | residual loss, first → last step | {first:.3e} → {last:.3e} |\n\
         | held-out residual loss | {held_out_loss:.3e} |\n\
         | held-out relative L² error (mean / worst) | {nsm_error:.2e} / {nsm_worst:.2e} |\n\
         | inference, batched ({ns} samples) | {bus:.1} µs/sample |\n\
         | inference, one sample | {sus:.1} µs |\n",
        nu = problem.viscosity,
        t = s.t_end,
        k0 = problem.initial_modes,
        k = s.max_wavenumber,
        m = s.degree,
        w = config.width,
        l = config.layers,
        cx = s.collocation().0,
        ct = s.collocation().1,
        p = config.projection,
        k2 = 2 * s.max_wavenumber,
        m2 = 2 * s.degree,
        lr = options.lr,
        wd = options.weight_decay,
        b = options.batch,
        steps = options.steps,
        seed = options.seed,
        rn = REFERENCE.n,
        rdt = REFERENCE.dt,
        ns = TEST_SAMPLES,
        per_step = 1e3 * train_seconds / options.steps as f64,
        first = loss.first().copied().unwrap_or(f64::NAN),
        last = loss.last().copied().unwrap_or(f64::NAN),
        bus = batched * 1e6,
        sus = single * 1e6,
    );
    let _ = writeln!(
        md,
        "\n## Matched accuracy\n\n{}\n\n## Solver sweep\n\nThe 2/3 rule keeps wavenumbers ≤ (n − 1)/3 of the n-point grid, so n = 8 and 12 cannot hold all of u₀.\n\n| n | dt | relative L² error | µs/sample | µs/sample without set-up |\n|---|---|---|---|---|",
        match matched {
            Some(r) => format!(
                "Cheapest solver setting at least as accurate as the NSM ({nsm_error:.2e}): n = {}, dt = {} with error {:.2e} at {:.1} µs/sample ({:.1} µs without the ETDRK4 set-up), against {:.1} µs/sample for batched NSM inference: the solver is {} ({}).",
                r.settings.n,
                r.settings.dt,
                r.error,
                r.seconds * 1e6,
                r.run_seconds * 1e6,
                batched * 1e6,
                speed(r.seconds, batched),
                speed(r.run_seconds, batched)
            ),
            None => "No swept solver setting reaches the NSM's error.".into(),
        }
    );
    for r in rows {
        let _ = writeln!(
            md,
            "| {} | {} | {:.2e} | {:.1} | {:.1} |",
            r.settings.n,
            r.settings.dt,
            r.error,
            r.seconds * 1e6,
            r.run_seconds * 1e6
        );
    }
    md
}

/// "k× faster" or "k× slower" for the solver's `solver` seconds against the NSM's `nsm`.
fn speed(solver: f64, nsm: f64) -> String {
    if solver < nsm {
        format!("{:.1}× faster", nsm / solver)
    } else {
        format!("{:.1}× slower", solver / nsm)
    }
}

/// The loss curve and the error-vs-time chart.
fn plot(
    opts: &FiguresOptions,
    loss: &[f64],
    rows: &[SweepRow],
    (nsm_error, batched): (f64, f64),
) -> Result<()> {
    line_chart(
        &opts.out.join("nsm-training-loss.png"),
        &LineChart {
            title: "NSM on Burgers ν = 0.1: residual loss (no solution data)".into(),
            x_label: "optimizer step".into(),
            y_label: "‖R‖²_w of the step's batch".into(),
            log_x: false,
            log_y: true,
            series: vec![Series {
                label: format!("spectral residual loss, mean over {LOSS_BLOCK} steps"),
                points: loss
                    .chunks(LOSS_BLOCK)
                    .enumerate()
                    .map(|(i, block)| {
                        let mean = block.iter().sum::<f64>() / block.len() as f64;
                        (((i + 1) * LOSS_BLOCK) as f64, mean)
                    })
                    .collect(),
                style: Style::Line,
                colour: None,
            }],
        },
    )?;
    let mut series: Vec<Series> = SWEEP_N
        .iter()
        .enumerate()
        .map(|(c, &n)| Series {
            label: format!("solver n = {n} (dt = 0.05 … 0.05/32)"),
            points: rows
                .iter()
                .filter(|r| r.settings.n == n)
                .map(|r| (r.seconds * 1e6, r.error))
                .collect(),
            style: Style::LineAndMarkers,
            colour: Some(c),
        })
        .collect();
    let amortized = 16;
    series.push(Series {
        label: format!("solver n = {amortized}, set-up amortized"),
        points: rows
            .iter()
            .filter(|r| r.settings.n == amortized)
            .map(|r| (r.run_seconds * 1e6, r.error))
            .collect(),
        style: Style::Markers,
        colour: Some(2),
    });
    // The NSM's error level and inference time as lines, which cross at its point (the
    // legend sits in the upper right, where the point itself tends to fall).
    let (lo, hi) = rows.iter().fold((batched, batched), |(a, b), r| {
        (a.min(r.run_seconds), b.max(r.seconds))
    });
    let (e_lo, e_hi) = rows.iter().fold((nsm_error, nsm_error), |(a, b), r| {
        (a.min(r.error), b.max(r.error))
    });
    let black = Some(6);
    series.extend([
        Series {
            label: format!("NSM error {nsm_error:.1e}"),
            points: vec![(lo * 1e6, nsm_error), (hi * 1e6, nsm_error)],
            style: Style::Line,
            colour: black,
        },
        Series {
            label: format!("NSM batched inference {:.0} µs", batched * 1e6),
            points: vec![(batched * 1e6, e_lo), (batched * 1e6, e_hi)],
            style: Style::Line,
            colour: black,
        },
    ]);
    line_chart(
        &opts.out.join("nsm-accuracy-vs-time.png"),
        &LineChart {
            title: "Burgers ν = 0.1: error vs wall time per sample".into(),
            x_label: "µs per sample".into(),
            y_label: "relative L² error vs reference".into(),
            log_x: true,
            log_y: true,
            series,
        },
    )?;
    Ok(())
}
