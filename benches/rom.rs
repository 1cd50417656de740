//! Full-model step vs reduced-model step, in one run (the speed-up table of `figures/rom-results.md`).
//!
//! For each case a short full-model trajectory gives a POD basis; the Galerkin ROM (exact
//! quadratic tensor) and the Q-DEIM ROM (m = 2r) are stepped with RK4 at the full model's
//! dt (with stability substeps where the reduced operator is stiff), and with the `auto`
//! integrator where it differs (ETDRK4 in reduced space), and the full model with its own
//! ETDRK4 loop. Criterion reports each; the ratio full / ROM per step is the speed-up.
//! Cases: Burgers N = 1024 (r = 32), KS L = 22 N = 64 (r = 20), NS 256² (r = 16 and
//! r = 48). Each Galerkin ROM is also stepped through the embedding routes ([`embedded`]:
//! runtime, C ABI, FMU doStep at r = 16) in the same run.
//!
//! Printed before the timings: for stiff cases, each scheme's relative error against the
//! full model's snapshots (RK4 substeps and ETDRK4 must agree); for every Galerkin ROM,
//! the fused multiply–adds of one RK4 step and the fraction of one core's peak FMA rate
//! they reach ([`peak`] measures the peak in the same run), for one trajectory and per
//! trajectory of an ensemble of 32 stepped together on one core (`Stepper::step_batch`);
//! criterion also times `solve_ensemble` on 64 trajectories over both cores.

#[path = "rom/embedded.rs"]
mod embedded;
#[path = "rom/peak.rs"]
mod peak;

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use galerkin::basis::Truncation;
use galerkin::rom::{
    build_model, solve, solve_ensemble, MatrixSource, Pod, PodOptions, PointSelection,
    ReducedModel, Reduction, RomIntegrator, Stepper, ENSEMBLE_BLOCK,
};
use galerkin_solvers::{
    Burgers, Dealias, Forcing, Grid, InitialCondition, KuramotoSivashinsky, NavierStokes, Schedule,
    Scheme, SemiLinearPde, Simulation, SpectralModel, Trajectory,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

struct Case {
    name: &'static str,
    pde: Box<dyn SemiLinearPde>,
    u0: Vec<f64>,
    dt: f64,
    steps: usize,
    save_every: usize,
    ranks: &'static [usize],
}

fn cases() -> Vec<Case> {
    let b = Grid::new_1d(1024, 1.0).unwrap();
    let k = Grid::new_1d(64, 22.0).unwrap();
    let n = Grid::new_2d(256, 256, 1.0, 1.0).unwrap();
    let sine = |g: &Grid, shift: f64, l: f64| -> Vec<f64> {
        g.x()
            .iter()
            .map(|x| (2.0 * std::f64::consts::PI * x / l).sin() + shift)
            .collect()
    };
    let ks0: Vec<f64> = k
        .x()
        .iter()
        .map(|x| {
            let q = 2.0 * std::f64::consts::PI * x / 22.0;
            q.cos() * (1.0 + q.sin())
        })
        .collect();
    let w0 = InitialCondition::fno_navier_stokes()
        .sample(&n, &mut ChaCha8Rng::seed_from_u64(0))
        .unwrap();
    vec![
        Case {
            name: "burgers-1024",
            pde: Box::new(Burgers::new(&b, 2e-3, Dealias::TwoThirds).unwrap()),
            u0: sine(&b, 0.5, 1.0),
            dt: 1e-4,
            steps: 5000,
            save_every: 50,
            ranks: &[32],
        },
        Case {
            name: "ks-l22",
            pde: Box::new(KuramotoSivashinsky::new(&k, Dealias::TwoThirds).unwrap()),
            u0: ks0,
            dt: 0.05,
            steps: 4000,
            save_every: 5,
            ranks: &[20],
        },
        Case {
            name: "ns-256",
            pde: Box::new(
                NavierStokes::new(
                    &n,
                    1e-3,
                    0.0,
                    Forcing::Fno { amplitude: 0.1 },
                    Dealias::TwoThirds,
                )
                .unwrap(),
            ),
            u0: w0,
            dt: 2e-3,
            steps: 500,
            save_every: 5,
            ranks: &[16, 48],
        },
    ]
}

/// The relative L2 error of the ROM run by `scheme` over the saved snapshots `truth`.
fn rom_error(model: &ReducedModel, scheme: RomIntegrator, truth: &[f64], case: &Case) -> f64 {
    let n = case.u0.len();
    let mut online = model.online(&BTreeMap::new()).unwrap();
    let x0 = model.project(&case.u0).unwrap();
    let states = solve(
        &mut online,
        scheme,
        &x0,
        case.dt,
        case.steps,
        case.save_every,
    )
    .unwrap();
    let mut full = vec![0.0; n];
    let (mut diff, mut norm) = (0.0, 0.0);
    for (state, snapshot) in states.iter().zip(truth.chunks_exact(n)) {
        model.reconstruct(state, &mut full);
        diff += full
            .iter()
            .zip(snapshot)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>();
        norm += snapshot.iter().map(|b| b * b).sum::<f64>();
    }
    (diff / norm).sqrt()
}

/// Prints the fused multiply–adds of one RK4 step of a Galerkin ROM of rank r (four
/// right-hand sides per substep, each A x and the packed Ĥ z) and the fraction of `peak`
/// FMA/s one step at `seconds` reaches.
fn report_flops(label: &str, r: usize, substeps: usize, seconds: f64, peak: f64) {
    let fmas = 4 * substeps * (r * r + r * galerkin_kernels::pair_count(r));
    let rate = fmas as f64 / seconds;
    println!(
        "{label} r = {r}: RK4 step {:.2} µs, {fmas} FMA, {:.2} GFMA/s = {:.0}% of one core's \
         measured peak ({:.2} GFMA/s, {} kernel)",
        seconds * 1e6,
        rate * 1e-9,
        100.0 * rate / peak,
        peak * 1e-9,
        galerkin_kernels::Kernel::detect().name()
    );
}

fn bench(c: &mut Criterion) {
    let peak_rate = peak::fma_rate();
    for case in cases() {
        let mut sim = Simulation::new(case.pde.clone(), Scheme::Etdrk4, case.dt, &case.u0).unwrap();
        let schedule = Schedule {
            dt: case.dt,
            n_steps: case.steps,
            save_every: case.save_every,
            cfl_limit: None,
        };
        let traj = Trajectory::collect(&mut sim, &schedule).unwrap();
        let n = case.u0.len();
        let snapshots = galerkin::rom::snapshot_matrix(&traj.data, n).to_owned();
        let max_rank = *case.ranks.iter().max().unwrap();
        let pod = Pod::compute(
            &mut MatrixSource(snapshots.clone()),
            &PodOptions {
                truncation: Truncation::Rank(max_rank),
                ..PodOptions::default()
            },
        )
        .unwrap();
        let mut group = c.benchmark_group(case.name);
        group.sample_size(20);
        group.bench_function("full model step (ETDRK4)", |bench| {
            bench.iter(|| sim.advance(1).unwrap())
        });
        for &r in case.ranks {
            let mut fom = SpectralModel::new(case.pde.clone(), Scheme::Etdrk4).unwrap();
            let kinds = [
                ("galerkin", Reduction::Galerkin),
                (
                    "qdeim",
                    Reduction::Hyper {
                        points: 2 * r,
                        selection: PointSelection::Qdeim,
                    },
                ),
            ];
            for (label, kind) in kinds {
                let exact = matches!(kind, Reduction::Galerkin);
                let model = build_model(
                    &mut fom,
                    &mut MatrixSource(snapshots.clone()),
                    &pod,
                    r,
                    kind,
                )
                .unwrap();
                let online = model.online(&BTreeMap::new()).unwrap();
                let x0 = model.project(&case.u0).unwrap();
                let mut rk4 = Stepper::new(RomIntegrator::Rk4, &online, case.dt).unwrap();
                let auto = Stepper::new(RomIntegrator::Auto, &online, case.dt).unwrap();
                let stiff = auto.active_scheme() != RomIntegrator::Rk4;
                if stiff {
                    for (scheme, stepper) in
                        [(RomIntegrator::Rk4, &rk4), (RomIntegrator::Auto, &auto)]
                    {
                        let error = rom_error(&model, scheme, &traj.data, &case);
                        println!(
                            "{} {label} r = {r}: {} ({} substeps) relative error vs the full \
                             model {error:.4e}",
                            case.name,
                            stepper.active_scheme().name(),
                            stepper.substeps()
                        );
                    }
                }
                if exact {
                    embedded::bench_routes(&mut group, label, &model, &x0, case.dt, r == 16);
                    let seconds = time_step(&mut rk4, &model, &x0, 1);
                    report_flops(case.name, r, rk4.substeps(), seconds, peak_rate);
                    let members = ENSEMBLE_BLOCK;
                    let seconds = time_step(&mut rk4, &model, &x0, members);
                    let label = format!("{} ensemble of {members}, per trajectory,", case.name);
                    report_flops(&label, r, rk4.substeps(), seconds, peak_rate);
                    bench_ensemble(&mut group, &model, &x0, case.dt, r);
                }
                let mut steppers = vec![("RK4", rk4)];
                if stiff {
                    steppers.push(("auto: ETDRK4", auto));
                }
                for (name, mut stepper) in steppers {
                    let mut online = model.online(&BTreeMap::new()).unwrap();
                    let mut x = x0.clone();
                    group.bench_function(format!("{label} ROM step r = {r} ({name})"), |bench| {
                        bench.iter(|| {
                            stepper.step(&mut online, black_box(&mut x));
                            if x.iter().any(|v| v.abs() > 1e6) {
                                x.copy_from_slice(&x0);
                            }
                        })
                    });
                }
            }
        }
        group.finish();
    }
}

/// `members` initial states near `x0` (x0 scaled by 1 ± 1 %), back to back.
fn ensemble_of(x0: &[f64], members: usize) -> Vec<f64> {
    (0..members)
        .flat_map(|b| {
            let scale = 1.0 + 0.01 * (b as f64 / members.max(2) as f64 - 0.5);
            x0.iter().map(move |v| scale * v)
        })
        .collect()
}

/// The median over 15 batches of the thread CPU time of one `stepper` step of `model`,
/// per trajectory, for an ensemble of `members` states near `x0` (one state: `step`;
/// more: `step_batch`, all on this thread).
fn time_step(stepper: &mut Stepper, model: &ReducedModel, x0: &[f64], members: usize) -> f64 {
    let mut online = model.online(&BTreeMap::new()).unwrap();
    let start_state = ensemble_of(x0, members);
    let mut x = start_state.clone();
    let batch = (2000 / members).max(20);
    let mut times: Vec<f64> = (0..15)
        .map(|_| {
            x.copy_from_slice(&start_state);
            let start = peak::thread_seconds();
            for _ in 0..batch {
                if members == 1 {
                    stepper.step(&mut online, black_box(&mut x));
                } else {
                    stepper.step_batch(&mut online, black_box(&mut x));
                }
            }
            (peak::thread_seconds() - start) / (batch * members) as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Criterion timing of [`solve_ensemble`]: 64 trajectories (two blocks, one per core) for
/// 10 steps by `auto`; the time per trajectory-step is the reported time / 640.
fn bench_ensemble(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    model: &ReducedModel,
    x0: &[f64],
    dt: f64,
    r: usize,
) {
    let members = 2 * ENSEMBLE_BLOCK;
    let start = ensemble_of(x0, members);
    let params = BTreeMap::new();
    group.bench_function(
        format!("galerkin ROM ensemble of {members} × 10 steps r = {r} (auto)"),
        |bench| {
            bench.iter(|| {
                solve_ensemble(model, &params, RomIntegrator::Auto, &start, dt, 10, 10).unwrap()
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
