//! The adaptive-ROM figures: a Q-DEIM ROM trained in one regime and run in
//! another, static vs adaptive at several tolerances vs the full model, the full-model
//! steps used, and how the indicator tracks the true error.

use std::fmt::Write as _;

use faer::Mat;
use galerkin_solvers::{
    Burgers, Dealias, Forcing, Grid, InitialCondition, KuramotoSivashinsky, NavierStokes, Schedule,
    Scheme, SemiLinearPde, Simulation, SpectralModel, Trajectory,
};
use rand::SeedableRng;

use super::{dataset, write_text, FiguresOptions, Result};
use crate::app::plot::{line_chart, LineChart, Series, Style};
use crate::basis::Truncation;
use crate::rom::adaptive::{AdaptiveOptions, AdaptiveRom, AdaptiveRun};
use crate::rom::{MatrixSource, Pod, PodOptions};

/// One demonstration: training runs, the target model and initial state, and the ROM size.
struct Case {
    name: &'static str,
    title: String,
    train: Vec<Trajectory>,
    target: Box<dyn SemiLinearPde>,
    truth: Trajectory,
    dt: f64,
    save_every: usize,
    r: usize,
    m: usize,
    tols: [f64; 3],
}

fn run(
    pde: &dyn SemiLinearPde,
    u0: &[f64],
    dt: f64,
    t_end: f64,
    save_every: usize,
) -> Result<Trajectory> {
    let mut sim = Simulation::new(pde.boxed_clone(), Scheme::Etdrk4, dt, u0)?;
    let schedule = Schedule {
        dt,
        n_steps: (t_end / dt).round() as usize,
        save_every,
        cfl_limit: None,
    };
    Ok(Trajectory::collect(&mut sim, &schedule)?)
}

fn sine(grid: &Grid, a: f64, b: f64) -> Vec<f64> {
    grid.x()
        .iter()
        .map(|x| {
            let q = 2.0 * std::f64::consts::PI * x / grid.lx();
            a * q.sin() + b * (2.0 * q).cos()
        })
        .collect()
}

/// (a) Burgers trained on ν ∈ {0.05, 0.075, 0.1}, run at ν = 0.01.
fn burgers() -> Result<Case> {
    let grid = Grid::new_1d(256, 1.0)?;
    let u0 = sine(&grid, 1.0, 0.5);
    let (dt, t_end, every) = (1e-4, 0.5, 50);
    let train = [0.05, 0.075, 0.1]
        .iter()
        .map(|&nu| {
            run(
                &Burgers::new(&grid, nu, Dealias::TwoThirds)?,
                &u0,
                dt,
                t_end,
                every,
            )
        })
        .collect::<Result<_>>()?;
    let target = Burgers::new(&grid, 0.01, Dealias::TwoThirds)?;
    let truth = run(&target, &u0, dt, t_end, every)?;
    Ok(Case {
        name: "burgers",
        title: "Burgers: trained at ν ∈ [0.05, 0.1], run at ν = 0.01".into(),
        train,
        target: Box::new(target),
        truth,
        dt,
        save_every: every,
        r: 12,
        m: 16,
        tols: [1e-2, 3e-3, 1e-3],
    })
}

/// (b) KS trained on L = 22, run at L = 26 (same 64 points) from an attractor state.
fn kuramoto_sivashinsky() -> Result<Case> {
    let g22 = Grid::new_1d(64, 22.0)?;
    let g26 = Grid::new_1d(64, 26.0)?;
    let ks22 = KuramotoSivashinsky::new(&g22, Dealias::TwoThirds)?;
    let (dt, every) = (0.01, 10);
    let transient = run(&ks22, &sine(&g22, 1.0, 0.5), dt, 100.0, 1000)?;
    let on_attractor = transient.snapshot(transient.times.len() - 1).to_vec();
    let train = vec![run(&ks22, &on_attractor, dt, 200.0, every)?];
    let target = KuramotoSivashinsky::new(&g26, Dealias::TwoThirds)?;
    let truth = run(&target, &on_attractor, dt, 10.0, every)?;
    Ok(Case {
        name: "ks",
        title: "KS: trained at L = 22, run at L = 26 (t ∈ [0, 10])".into(),
        train,
        target: Box::new(target),
        truth,
        dt,
        save_every: every,
        r: 16,
        m: 24,
        tols: [1e-2, 3e-3, 1e-3],
    })
}

/// (c) Navier–Stokes 64² trained at ν = 10⁻³, run at ν = 2.5·10⁻⁴ (same forcing and ω₀).
fn navier_stokes() -> Result<Case> {
    let grid = Grid::new_2d(64, 64, 1.0, 1.0)?;
    let w0 = InitialCondition::fno_navier_stokes()
        .sample(&grid, &mut rand_chacha::ChaCha8Rng::seed_from_u64(3))?;
    let (dt, t_end, every) = (5e-3, 5.0, 10);
    let forcing = Forcing::Fno { amplitude: 0.1 };
    let train_pde = NavierStokes::new(&grid, 1e-3, 0.0, forcing, Dealias::TwoThirds)?;
    let train = vec![run(&train_pde, &w0, dt, t_end, every)?];
    let target = NavierStokes::new(&grid, 2.5e-4, 0.0, forcing, Dealias::TwoThirds)?;
    let truth = run(&target, &w0, dt, t_end, every)?;
    Ok(Case {
        name: "ns",
        title: "Navier–Stokes 64²: trained at ν = 10⁻³, run at ν = 2.5·10⁻⁴".into(),
        train,
        target: Box::new(target),
        truth,
        dt,
        save_every: every,
        r: 12,
        m: 16,
        tols: [1e-2, 3e-3, 1e-3],
    })
}

/// Relative error per save of an adaptive run against the truth.
fn errors(run: &AdaptiveRun, truth: &Trajectory) -> Vec<f64> {
    let n = truth.data.len() / truth.times.len();
    (0..run.times.len())
        .map(|i| crate::basis::relative_error(&run.fields[i * n..(i + 1) * n], truth.snapshot(i)))
        .collect()
}

/// Σ-over-time relative error.
fn total_error(run: &AdaptiveRun, truth: &Trajectory) -> f64 {
    let len = run.fields.len().min(truth.data.len());
    crate::basis::relative_error(&run.fields[..len], &truth.data[..len])
}

/// Runs one case at tolerance `tol` (∞: the static ROM).
fn adaptive_run(case: &Case, snapshots: &Mat<f64>, pod: &Pod, tol: f64) -> Result<AdaptiveRun> {
    let mut fom = SpectralModel::new(case.target.boxed_clone(), Scheme::Etdrk4)?;
    let mut rom = AdaptiveRom::build(
        &mut fom,
        &mut MatrixSource(snapshots.clone()),
        pod,
        case.r,
        case.m,
    )?;
    let steps = (case.truth.times.len() - 1) * case.save_every;
    Ok(rom.run(
        case.truth.snapshot(0),
        steps,
        case.save_every,
        &AdaptiveOptions {
            tol,
            dt: case.dt,
            parameters: Default::default(),
            max_rank: 120,
        },
    )?)
}

/// One case: the error-vs-time figure, its table rows and (indicator, error) pairs.
fn case_study(
    opts: &FiguresOptions,
    case: &Case,
    md: &mut String,
    pairs: &mut Vec<Series>,
    colour: usize,
) -> Result<()> {
    let n = case.truth.data.len() / case.truth.times.len();
    let columns: Vec<&[f64]> = case
        .train
        .iter()
        .flat_map(|t| (0..t.times.len()).map(move |i| t.snapshot(i)))
        .collect();
    let snapshots = Mat::from_fn(n, columns.len(), |i, j| columns[j][i]);
    let pod = Pod::compute(
        &mut MatrixSource(snapshots.clone()),
        &PodOptions {
            truncation: Truncation::Rank(case.r),
            ..PodOptions::default()
        },
    )?;
    let steps = (case.truth.times.len() - 1) * case.save_every;
    let static_run = adaptive_run(case, &snapshots, &pod, f64::INFINITY)?;
    let static_errors = errors(&static_run, &case.truth);
    pairs.push(Series {
        label: format!("{} (static ROM)", case.name),
        points: static_run
            .indicator
            .iter()
            .copied()
            .zip(static_errors.iter().copied())
            .skip(1)
            .collect(),
        style: Style::Markers,
        colour: Some(colour),
    });
    let t = &case.truth.times;
    let mut series = vec![Series {
        label: format!("static ROM (r = {}, m = {})", case.r, case.m),
        points: t
            .iter()
            .copied()
            .zip(static_errors.iter().copied())
            .collect(),
        style: Style::Line,
        colour: Some(6),
    }];
    let _ = writeln!(
        md,
        "\n### {}\n\n`figures/adaptive-{}.png`. {} steps of dt = {}; static Q-DEIM ROM r = {}, m = {}: relative error {:.2e} (max over time {:.2e}).\n\n| tol | error over the run | max error | full-model steps | share of steps | final r | final m |\n|---|---|---|---|---|---|---|",
        case.title,
        case.name,
        steps,
        case.dt,
        case.r,
        case.m,
        total_error(&static_run, &case.truth),
        static_errors.iter().fold(0f64, |m, e| m.max(*e))
    );
    for (k, &tol) in case.tols.iter().enumerate() {
        let adaptive = adaptive_run(case, &snapshots, &pod, tol)?;
        let e = errors(&adaptive, &case.truth);
        let _ = writeln!(
            md,
            "| {tol:.0e} | {:.2e} | {:.2e} | {} | {:.2} % | {} | {} |",
            total_error(&adaptive, &case.truth),
            e.iter().fold(0f64, |m, v| m.max(*v)),
            adaptive.full_steps.len(),
            100.0 * adaptive.full_steps.len() as f64 / steps as f64,
            adaptive.final_rank,
            adaptive.final_points
        );
        series.push(Series {
            label: format!(
                "adaptive, tol = {tol:.0e} ({} full steps)",
                adaptive.full_steps.len()
            ),
            points: t.iter().copied().zip(e.iter().copied()).collect(),
            style: Style::Line,
            colour: Some(k),
        });
    }
    line_chart(
        &opts.out.join(format!("adaptive-{}.png", case.name)),
        &LineChart {
            title: case.title.clone(),
            x_label: "t".into(),
            y_label: "relative error vs the full model".into(),
            log_x: false,
            log_y: true,
            series,
        },
    )?;
    Ok(())
}

/// Pearson correlation of log₁₀ x and log₁₀ y over positive pairs.
fn log_correlation(points: &[(f64, f64)]) -> f64 {
    let p: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.log10(), y.log10()))
        .collect();
    let k = p.len() as f64;
    let (mx, my) = (
        p.iter().map(|v| v.0).sum::<f64>() / k,
        p.iter().map(|v| v.1).sum::<f64>() / k,
    );
    let cov: f64 = p.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let vx: f64 = p.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    let vy: f64 = p.iter().map(|(_, y)| (y - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

/// Regenerates the adaptive figures and `figures/adaptive-results.md`.
pub fn run_group(opts: &FiguresOptions) -> Result<String> {
    let mut md = String::from(
        "# Adaptive ROM results\n\nRegenerated by `galerkin figures --only adaptive`. A Q-DEIM ROM is trained in one regime and run in another. \
         Indicator: relative gappy-POD residual of the flux at the over-sampled points S ⊃ P (cost independent of n; `src/rom/adaptive.rs`). \
         Adaptive: when it exceeds tol, one full-model step from the reconstructed state, the new state and its time derivative enrich the state basis, \
         its flux the flux basis (one new DEIM point), operators updated incrementally.\n",
    );
    let mut pairs = Vec::new();
    for (k, case) in [burgers()?, kuramoto_sivashinsky()?, navier_stokes()?]
        .iter()
        .enumerate()
    {
        tracing::info!("adaptive: {}", case.name);
        case_study(opts, case, &mut md, &mut pairs, k)?;
    }
    let all: Vec<(f64, f64)> = pairs
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .collect();
    let _ = writeln!(
        md,
        "\n### Indicator vs true error\n\n`figures/adaptive-indicator.png`: (indicator, relative error) at every save of the three static runs. Pearson correlation of the logarithms: {:.3} (per case: {}).",
        log_correlation(&all),
        pairs
            .iter()
            .map(|s| format!("{} {:.3}", s.label, log_correlation(&s.points)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    line_chart(
        &opts.out.join("adaptive-indicator.png"),
        &LineChart {
            title: "Error indicator vs true error (static ROMs outside their training regime)"
                .into(),
            x_label: "indicator E (gappy-POD flux residual)".into(),
            y_label: "relative error vs the full model".into(),
            log_x: true,
            log_y: true,
            series: pairs,
        },
    )?;
    tracing::info!("local bases");
    local_bases(opts, &mut md)?;
    tracing::info!("non-intrusive operator EIM");
    operator_eim(opts, &mut md)?;
    write_text(&opts.out.join("adaptive-results.md"), &md)?;
    Ok(md)
}

/// Local bases: intra-cluster projection error vs the number of clusters, angle vs
/// Euclidean k-medoids, on KS (training window of `rom-ks-l22`) and NS (`rom-ns-256`).
fn local_bases(opts: &FiguresOptions, md: &mut String) -> Result<()> {
    use crate::rom::local::{efficiency, kmedoids, Dissimilarity, LocalBases};
    let _ = writeln!(
        md,
        "\n### Local bases: k-medoids with angle vs Euclidean dissimilarity\n\n`figures/local-bases.png`: relative projection error of the training snapshots, each on its own cluster's uncentred POD basis of fixed rank, vs the number of clusters K. \
         Held-out: snapshots outside the training window, projected on the basis of their nearest medoid in angle (the online selection). \
         Efficiency: the a-priori criterion, global POD dimension / population-weighted mean local dimension at the same tolerance (> 1: local bases pay off).\n\n| data | K | angle: error | Euclidean: error | angle: held-out | Euclidean: held-out | efficiency angle / Euclidean |\n|---|---|---|---|---|---|---|"
    );
    let mut series = Vec::new();
    // (file, training saves, held-out saves, rank per cluster, criterion tolerance)
    let cases = [
        (
            "rom-ks-l22",
            "KS L = 22",
            (400..4400).step_by(4).collect::<Vec<_>>(),
            (4400..8000).step_by(8).collect::<Vec<_>>(),
            6,
            0.05,
        ),
        (
            "rom-ns-256",
            "NS 256²",
            (0..161).collect(),
            (161..201).collect(),
            2,
            1e-3,
        ),
    ];
    for (k, (file, label, train_idx, test_idx, rank, tol)) in cases.into_iter().enumerate() {
        let data = dataset(opts, file)?;
        let n = data.snapshot_len();
        let all = data.solver_snapshots(0, 0..data.shape()[1])?;
        let pick = |idx: &[usize]| Mat::from_fn(n, idx.len(), |i, j| all[idx[j] * n + i]);
        let (train, test) = (pick(&train_idx), pick(&test_idx));
        let mut points = [Vec::new(), Vec::new()];
        for clusters in [1, 2, 3, 4, 6, 8] {
            let mut cells = Vec::new();
            let mut held = Vec::new();
            let mut eff = Vec::new();
            for (d, dissimilarity) in [Dissimilarity::Angle, Dissimilarity::Euclidean]
                .into_iter()
                .enumerate()
            {
                let clustering = kmedoids(&train, clusters, dissimilarity, 7)?;
                let local = LocalBases::build(&train, &clustering, Truncation::Rank(rank))?;
                let error = local.projection_error(&train, |j, _| clustering.labels[j]);
                points[d].push((clusters as f64, error));
                cells.push(format!("{error:.3e}"));
                held.push(format!(
                    "{:.3e}",
                    local.projection_error(&test, |_, u| local.select(u))
                ));
                eff.push(format!("{:.2}", efficiency(&train, &clustering, tol)?));
            }
            let _ = writeln!(
                md,
                "| {label} (r = {rank}) | {clusters} | {} | {} | {} |",
                cells.join(" | "),
                held.join(" | "),
                eff.join(" / ")
            );
        }
        let [angle, euclid] = points;
        series.push(Series {
            label: format!("{label}, angle"),
            points: angle,
            style: Style::LineAndMarkers,
            colour: Some(2 * k),
        });
        series.push(Series {
            label: format!("{label}, Euclidean"),
            points: euclid,
            style: Style::LineAndMarkers,
            colour: Some(2 * k + 1),
        });
    }
    line_chart(
        &opts.out.join("local-bases.png"),
        &LineChart {
            title: "Local POD bases: intra-cluster projection error vs clusters".into(),
            x_label: "clusters K".into(),
            y_label: "relative projection error (fixed rank per cluster)".into(),
            log_x: false,
            log_y: true,
            series,
        },
    )?;
    Ok(())
}

/// Implicit Euler for u_t = A u + f from u0, `steps` steps of `dt`; returns every state.
fn implicit_euler(a: &Mat<f64>, f: &[f64], u0: &[f64], dt: f64, steps: usize) -> Vec<Vec<f64>> {
    use faer::linalg::solvers::Solve;
    let n = u0.len();
    let lhs = Mat::from_fn(n, n, |i, j| f64::from(u8::from(i == j)) - dt * a[(i, j)]);
    let lu = lhs.partial_piv_lu();
    let mut u = u0.to_vec();
    let mut out = vec![u.clone()];
    for _ in 0..steps {
        let rhs = Mat::from_fn(n, 1, |i, _| u[i] + dt * f[i]);
        let next = lu.solve(&rhs);
        u = (0..n).map(|i| next[(i, 0)]).collect();
        out.push(u.clone());
    }
    out
}

/// Non-intrusive EIM of a non-affine diffusion operator, and the parametric ROM built on it.
fn operator_eim(opts: &FiguresOptions, md: &mut String) -> Result<()> {
    use crate::rom::operator_eim::{
        project, relative_difference, OperatorEim, OperatorFamily, VariableDiffusion,
    };
    use rand::Rng;
    let family = VariableDiffusion {
        n: 128,
        width: 0.05,
    };
    let training: Vec<Vec<f64>> = [0.5, 4.0]
        .iter()
        .flat_map(|&a| (0..48).map(move |c| vec![a, c as f64 / 48.0]))
        .collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let test: Vec<Vec<f64>> = (0..20)
        .map(|_| vec![rng.random_range(0.5..4.0), rng.random_range(0.0..1.0)])
        .collect();
    let eim = OperatorEim::greedy(&family, &training, 60, 1e-12)?;
    let dense = |a: &sprs::CsMat<f64>| {
        let mut m = Mat::<f64>::zeros(family.n, family.n);
        for (i, row) in a.outer_iterator().enumerate() {
            for (j, &v) in row.iter() {
                m[(i, j)] = v;
            }
        }
        m
    };
    // The heat equation u_t = A(μ)u + f: snapshots at 8 training parameters → POD.
    let x: Vec<f64> = (0..family.n).map(|i| i as f64 / family.n as f64).collect();
    let f: Vec<f64> = x
        .iter()
        .map(|x| (std::f64::consts::TAU * x).sin() + (3.0 * std::f64::consts::TAU * x).cos())
        .collect();
    let u0: Vec<f64> = x
        .iter()
        .map(|x| (-(x - 0.3f64).powi(2) / 0.005).exp())
        .collect();
    let (dt, steps) = (5e-4, 100);
    let mut columns = Vec::new();
    for mu in training.iter().step_by(12) {
        columns.extend(implicit_euler(
            &dense(&family.assemble(mu)?),
            &f,
            &u0,
            dt,
            steps,
        ));
    }
    let snapshots = Mat::from_fn(family.n, columns.len(), |i, j| columns[j][i]);
    let pod = Pod::compute(
        &mut MatrixSource(snapshots),
        &PodOptions {
            truncation: Truncation::Rank(20),
            center: false,
            ..PodOptions::default()
        },
    )?;
    let v = pod.basis.vectors().to_owned();
    let reduced_terms = eim.reduce(&v);
    let fr: Vec<f64> = (0..20)
        .map(|k| v.col(k).iter().zip(&f).map(|(a, b)| a * b).sum())
        .collect();
    let u0r: Vec<f64> = (0..20)
        .map(|k| v.col(k).iter().zip(&u0).map(|(a, b)| a * b).sum())
        .collect();
    let lift = |a: &[f64]| -> Vec<f64> {
        (0..family.n)
            .map(|i| (0..20).map(|k| v[(i, k)] * a[k]).sum())
            .collect()
    };
    let rom_error = |ar: &Mat<f64>, truth: &[Vec<f64>]| -> f64 {
        let states = implicit_euler(ar, &fr, &u0r, dt, steps);
        let (mut num, mut den) = (0.0, 0.0);
        for (s, t) in states.iter().zip(truth) {
            let u = lift(s);
            num += crate::basis::squared_distance(&u, t);
            den += t.iter().map(|v| v * v).sum::<f64>();
        }
        (num / den).sqrt()
    };
    let _ = writeln!(
        md,
        "\n### Non-intrusive EIM of a parametric operator\n\n`figures/operator-eim.png`. A(μ): periodic 1-D diffusion with conductivity κ(x; μ) = 1 + μ₀ exp(−(x − μ₁)²/(2·0.05²)), 128 points, assembled as a sparse matrix (`sprs`) by a black box; non-affine in the bump position μ₁. \
         Greedy over 96 training parameters (μ₀ ∈ {{0.5, 4}}, μ₁ on 48 points); A(μ) ≈ Σₘ βₘ(μ) A(μₘ) with β from M magic entries of A(μ). \
         Test: 20 random μ. Parametric ROM of u_t = A(μ)u + f (implicit Euler, 100 steps of 5·10⁻⁴, POD r = 20 from 8 training runs): Â(μ) = Σₘ βₘ(μ) VᵀA(μₘ)V vs the intrusive VᵀA(μ)V.\n\n| M terms | max operator error (test) | mean ROM error, EIM operator | mean ROM error, intrusive operator |\n|---|---|---|---|"
    );
    let mut op_points = Vec::new();
    let mut intrusive = 0.0;
    let truths: Vec<(sprs::CsMat<f64>, Vec<Vec<f64>>)> = test
        .iter()
        .map(|mu| {
            let a = family.assemble(mu)?;
            let truth = implicit_euler(&dense(&a), &f, &u0, dt, steps);
            Ok((a, truth))
        })
        .collect::<Result<_>>()?;
    for (a, truth) in &truths {
        intrusive += rom_error(&project(a, &v), truth) / test.len() as f64;
    }
    let all = eim.terms();
    let mut rows = vec![1, 2, 4, 8, 16, 24, 32, 48, all];
    rows.retain(|&m| m <= all);
    rows.dedup();
    for m in rows {
        let (mut worst, mut mean) = (0f64, 0.0);
        for (a, truth) in &truths {
            let beta = eim.coefficients(a, m)?;
            worst = worst.max(relative_difference(a, &eim.combine(&beta)));
            let mut ar = Mat::<f64>::zeros(20, 20);
            for (b, t) in beta.iter().zip(&reduced_terms) {
                ar += *b * t;
            }
            mean += rom_error(&ar, truth) / test.len() as f64;
        }
        op_points.push((m as f64, worst));
        let _ = writeln!(md, "| {m} | {worst:.2e} | {mean:.2e} | {intrusive:.2e} |");
    }
    line_chart(
        &opts.out.join("operator-eim.png"),
        &LineChart {
            title: "Non-intrusive EIM of A(μ): worst relative error on 20 test parameters".into(),
            x_label: "terms M".into(),
            y_label: "‖A(μ) − Σ βₘ A(μₘ)‖_F / ‖A(μ)‖_F".into(),
            log_x: false,
            log_y: true,
            series: vec![Series {
                label: "max over test parameters".into(),
                points: op_points,
                style: Style::LineAndMarkers,
                colour: Some(0),
            }],
        },
    )?;
    Ok(())
}
