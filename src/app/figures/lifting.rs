//! The lifting figures: energy error vs time and state error vs r for the
//! energy-quadratized lifted ROM against the POD-Galerkin-DEIM baseline and the full
//! model, offline / online times, and parametric Klein–Gordon.

use std::fmt::Write as _;

use faer::Mat;

use super::wave_study::{run_deim, run_lifted};
use super::{dataset, write_text, FiguresOptions, Result};
use crate::app::plot::{line_chart, LineChart, Series, Style};
use crate::rom::wave_run::{simulate_wave, WaveRomRun, WaveTrajectory};
use crate::workflow::lifted::{wave_model_of, wave_trajectory};

/// A wave case: recipe, title, training trajectory.
struct WaveCase {
    name: &'static str,
    title: &'static str,
}

const CASES: [WaveCase; 3] = [
    WaveCase {
        name: "wave-exponential",
        title: "1-D wave, F = e^q (m = 1)",
    },
    WaveCase {
        name: "wave-sine-gordon",
        title: "2-D sine-Gordon ring soliton",
    },
    WaveCase {
        name: "wave-klein-gordon-train",
        title: "2-D cubic Klein–Gordon (m = 1)",
    },
];

const RANKS: [usize; 7] = [4, 8, 12, 16, 20, 24, 32];

/// The rank of the energy-vs-time figures.
const ENERGY_RANK: usize = 20;

/// The first `saves` saves of a trajectory (the training window).
fn window(t: &WaveTrajectory, saves: usize) -> WaveTrajectory {
    let n = t.q.nrows();
    WaveTrajectory {
        times: t.times[..saves].to_vec(),
        q: Mat::from_fn(n, saves, |i, j| t.q[(i, j)]),
        p: Mat::from_fn(n, saves, |i, j| t.p[(i, j)]),
        energy: t.energy[..saves].to_vec(),
        step_seconds: t.step_seconds,
    }
}

fn worst(e: &[f64]) -> f64 {
    e.iter().fold(0f64, |m, v| m.max(*v))
}

fn over_time(times: &[f64], values: &[f64], label: &str, colour: usize) -> Series {
    Series {
        label: label.into(),
        points: times.iter().copied().zip(values.iter().copied()).collect(),
        style: Style::Line,
        colour: Some(colour),
    }
}

/// One case: error-vs-r and energy-vs-time figures and its table.
fn case_study(opts: &FiguresOptions, case: &WaveCase, md: &mut String) -> Result<()> {
    let data = dataset(opts, case.name)?;
    let recipe = data.recipe()?;
    let index = if data.n_traj() > 1 { 1 } else { 0 };
    let mut model = wave_model_of(&data, index)?;
    let mass = model.wave().mass();
    // The full model's step time, measured on a short run from the stored initial state.
    let reference = wave_trajectory(&data, index, model.wave())?;
    let full = simulate_wave(
        model.wave(),
        &WaveTrajectory::column(&reference.q, 0),
        &WaveTrajectory::column(&reference.p, 0),
        recipe.time.dt,
        200,
        200,
    )?;
    let training = window(&reference, reference.times.len() / 2 + 1);
    let (dt, every) = (recipe.time.dt, recipe.time.save_every);
    let _ = writeln!(
        md,
        "\n### {}\n\n`datasets/{}.toml`; training t ∈ [0, {}], runs over t ∈ [0, {}] (time extrapolation beyond the training window); full model {:.1} µs/step; `figures/lift-error-{}.png`, `figures/lift-energy-{}.png`.\n\n| r per block | lifted error, training window | DEIM error, training window | lifted error, whole run | DEIM error, whole run | lifted energy drift | energy error lifted / DEIM | offline s lifted / DEIM | online µs/step lifted / DEIM |\n|---|---|---|---|---|---|---|---|---|",
        case.title,
        case.name,
        training.times.last().copied().unwrap_or(0.0),
        reference.times.last().copied().unwrap_or(0.0),
        full.step_seconds * 1e6,
        case.name,
        case.name
    );
    let (mut lifted_points, mut deim_points) = (Vec::new(), Vec::new());
    let (mut lifted_whole, mut deim_whole) = (Vec::new(), Vec::new());
    let mut energy_runs: Option<(WaveRomRun, Option<WaveRomRun>)> = None;
    for r in RANKS {
        let lifted = run_lifted(&mut model, &[&training], &reference, r, mass, dt, every)?;
        let deim = run_deim(
            &mut model,
            &[&training],
            &reference,
            r,
            2 * r,
            mass,
            dt,
            every,
        )
        .ok();
        let train_saves = training.times.len();
        let _ = writeln!(
            md,
            "| {r} | {:.2e} | {} | {:.2e} | {} | {:.1e} | {:.1e} / {} | {:.3} / {} | {:.1} / {} |",
            lifted.error_until(train_saves),
            deim.as_ref().map_or("blew up".into(), |d| format!(
                "{:.2e}",
                d.error_until(train_saves)
            )),
            lifted.error,
            deim.as_ref()
                .map_or("blew up".into(), |d| format!("{:.2e}", d.error)),
            worst(&lifted.lifted_energy_error),
            worst(&lifted.energy_error),
            deim.as_ref()
                .map_or("—".into(), |d| format!("{:.1e}", worst(&d.energy_error))),
            lifted.offline_seconds,
            deim.as_ref()
                .map_or("—".into(), |d| format!("{:.3}", d.offline_seconds)),
            lifted.step_seconds * 1e6,
            deim.as_ref()
                .map_or("—".into(), |d| format!("{:.1}", d.step_seconds * 1e6)),
        );
        lifted_points.push((r as f64, lifted.error_until(train_saves)));
        lifted_whole.push((r as f64, lifted.error));
        if let Some(d) = &deim {
            deim_points.push((r as f64, d.error_until(train_saves)));
            deim_whole.push((r as f64, d.error));
        }
        if r == ENERGY_RANK {
            energy_runs = Some((lifted, deim));
        }
    }
    line_chart(
        &opts.out.join(format!("lift-error-{}.png", case.name)),
        &LineChart {
            title: format!(
                "{}: relative q error over t ∈ [0, {}]",
                case.title,
                reference.times.last().copied().unwrap_or(0.0)
            ),
            x_label: "modes per block r".into(),
            y_label: "relative error".into(),
            log_x: false,
            log_y: true,
            series: vec![
                Series {
                    label: "lifted ROM, training window".into(),
                    points: lifted_points,
                    style: Style::LineAndMarkers,
                    colour: Some(0),
                },
                Series {
                    label: "DEIM ROM, training window".into(),
                    points: deim_points,
                    style: Style::LineAndMarkers,
                    colour: Some(1),
                },
                Series {
                    label: "lifted ROM, whole run (extrapolation)".into(),
                    points: lifted_whole,
                    style: Style::Markers,
                    colour: Some(0),
                },
                Series {
                    label: "DEIM ROM, whole run (extrapolation)".into(),
                    points: deim_whole,
                    style: Style::Markers,
                    colour: Some(1),
                },
            ],
        },
    )?;
    let (lifted, deim) = energy_runs.expect("ENERGY_RANK is in RANKS");
    let t = &reference.times;
    let h0 = reference.energy[0];
    let full_error: Vec<f64> = reference
        .energy
        .iter()
        .map(|h| (h - h0).abs() / h0.abs())
        .collect();
    let mut series = vec![
        over_time(t, &full_error, "full model (implicit midpoint), H", 6),
        over_time(
            t,
            &lifted.lifted_energy_error,
            "lifted ROM, lifted energy",
            0,
        ),
        over_time(t, &lifted.energy_error, "lifted ROM, original H", 2),
    ];
    if let Some(d) = &deim {
        series.push(over_time(t, &d.energy_error, "DEIM ROM, original H", 1));
    }
    line_chart(
        &opts.out.join(format!("lift-energy-{}.png", case.name)),
        &LineChart {
            title: format!(
                "{}: relative energy error, r = {ENERGY_RANK} per block",
                case.title
            ),
            x_label: "t".into(),
            y_label: "|E(t) − E(0)| / |E(0)|".into(),
            log_x: false,
            log_y: true,
            series,
        },
    )?;
    Ok(())
}

/// Parametric Klein–Gordon: ROMs on m ∈ {0.6, 1.0, 1.4}, tested on held-out masses.
fn parametric(opts: &FiguresOptions, md: &mut String) -> Result<()> {
    let train = dataset(opts, "wave-klein-gordon-train")?;
    let test = dataset(opts, "wave-klein-gordon-test")?;
    let recipe = train.recipe()?;
    let (dt, every) = (recipe.time.dt, recipe.time.save_every);
    let mut model = wave_model_of(&train, 0)?;
    let training: Vec<WaveTrajectory> = (0..train.n_traj())
        .map(|i| wave_trajectory(&train, i, model.wave()))
        .collect::<crate::workflow::Result<_>>()?;
    let refs: Vec<&WaveTrajectory> = training.iter().collect();
    let _ = writeln!(
        md,
        "\n### Parametric cubic Klein–Gordon: training m ∈ {{0.6, 1.0, 1.4}}, held-out m\n\nOne block basis from all three training trajectories over t ∈ [0, 20]; K̂(m) = V_qᵀ(−Δ)V_q + m²I is re-weighted for each m.\n\n| m | set | lifted r = 20 | DEIM r = 20 | lifted r = 32 | DEIM r = 32 | lifted energy drift (r = 32) |\n|---|---|---|---|---|---|---|"
    );
    let mut rows = Vec::new();
    for (file, is_train) in [(&train, true), (&test, false)] {
        for i in 0..file.n_traj() {
            let mut held = wave_model_of(file, i)?;
            let mass = held.wave().mass();
            let reference = wave_trajectory(file, i, held.wave())?;
            let set = if is_train {
                "training"
            } else if (0.6..=1.4).contains(&mass) {
                "held-out, inside"
            } else {
                "held-out, outside"
            };
            let mut cells = Vec::new();
            let mut drift = 0.0;
            for r in [20, 32] {
                let l = run_lifted(&mut model, &refs, &reference, r, mass, dt, every)?;
                let d = run_deim(&mut model, &refs, &reference, r, 2 * r, mass, dt, every);
                cells.push(format!("{:.2e}", l.error));
                cells.push(d.map_or("blew up".into(), |d| format!("{:.2e}", d.error)));
                drift = worst(&l.lifted_energy_error);
            }
            rows.push((
                mass,
                format!("| {mass} | {set} | {} | {drift:.1e} |", cells.join(" | ")),
            ));
        }
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (_, row) in rows {
        let _ = writeln!(md, "{row}");
    }
    Ok(())
}

/// Regenerates the lifting figures and `figures/lifting-results.md`; returns the markdown.
pub fn run(opts: &FiguresOptions) -> Result<String> {
    let mut md = String::from(
        "# Lifting ROM results\n\nRegenerated by `galerkin figures --only lifting` from `datasets/wave-*.toml`. \
         Lifted ROM: energy-quadratized lifting (Sharma, Giannoni & Kramer, arXiv:2503.02273), one POD basis of r modes per lifted block, \
         Galerkin projection keeping Ĵ skew, implicit midpoint (Newton to round-off). Baseline: POD-Galerkin on (q, p) with r modes each and \
         Q-DEIM (m = 2r points) on F′(q), also implicit midpoint. Errors: relative L² error of q over all saves. Energy drift: max over time of \
         |E(t) − E(0)|/|E(0)|. Timings on this machine, one run.\n",
    );
    for case in &CASES {
        tracing::info!("lifting study: {}", case.name);
        case_study(opts, case, &mut md)?;
    }
    tracing::info!("parametric Klein–Gordon");
    parametric(opts, &mut md)?;
    write_text(&opts.out.join("lifting-results.md"), &md)?;
    Ok(md)
}
