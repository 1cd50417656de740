use faer::Mat;
use galerkin::basis::Truncation;
use galerkin::rom::adaptive::*;
use galerkin::rom::{run_against, MatrixSource, Pod, PodOptions, RomIntegrator, RunOptions};
use galerkin_solvers::*;
use std::collections::BTreeMap;

fn traj(nu: f64) -> Trajectory {
    let g = Grid::new_1d(256, 1.0).unwrap();
    let u0: Vec<f64> = g
        .x()
        .iter()
        .map(|x| {
            (2.0 * std::f64::consts::PI * x).sin() + 0.5 * (4.0 * std::f64::consts::PI * x).cos()
        })
        .collect();
    let mut sim = Simulation::new(
        Box::new(Burgers::new(&g, nu, Dealias::TwoThirds).unwrap()),
        Scheme::Etdrk4,
        1e-4,
        &u0,
    )
    .unwrap();
    Trajectory::collect(
        &mut sim,
        &Schedule {
            dt: 1e-4,
            n_steps: 5000,
            save_every: 50,
            cfl_limit: None,
        },
    )
    .unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let r: usize = args.get(1).map(|s| s.parse().unwrap()).unwrap_or(12);
    let m: usize = args.get(2).map(|s| s.parse().unwrap()).unwrap_or(16);
    let train: Vec<Trajectory> = [0.05, 0.075, 0.1].iter().map(|&nu| traj(nu)).collect();
    let test = traj(0.01);
    let n = 256;
    let nt: usize = train.iter().map(|t| t.times.len()).sum();
    let mut cols = Vec::new();
    for t in &train {
        cols.extend_from_slice(&t.data);
    }
    let s = Mat::from_fn(n, nt, |i, j| cols[j * n + i]);
    let pod = Pod::compute(
        &mut MatrixSource(s.clone()),
        &PodOptions {
            truncation: Truncation::Rank(r),
            ..Default::default()
        },
    )
    .unwrap();
    let g = Grid::new_1d(256, 1.0).unwrap();
    let mut fom = SpectralModel::new(
        Box::new(Burgers::new(&g, 0.01, Dealias::TwoThirds).unwrap()),
        Scheme::Etdrk4,
    )
    .unwrap();
    let params = BTreeMap::from([("viscosity".to_string(), 0.01)]);
    // static
    let mut rom = AdaptiveRom::build(&mut fom, &mut MatrixSource(s.clone()), &pod, r, m).unwrap();
    let static_model = rom.model().clone();
    let st = run_against(
        &static_model,
        &test.data,
        &test.times,
        &RunOptions {
            dt: 1e-4,
            integrator: RomIntegrator::Rk4,
            parameters: params.clone(),
        },
    );
    match &st {
        Ok(c) => println!(
            "static err {:.3e} proj {:.3e}",
            c.relative_error, c.projection_relative_error
        ),
        Err(e) => println!("static {e}"),
    }
    if let Ok(c) = &st {
        // indicator along static run vs true error
        for (i, a) in c.coefficients.iter().enumerate().step_by(10) {
            println!(
                "  t={:.2} ind {:.2e} err {:.2e}",
                test.times[i],
                rom.indicator(a),
                c.error[i]
            );
        }
    }
    for tol in [1e-1, 3e-2, 1e-2, 3e-3, 1e-3] {
        let mut fom = SpectralModel::new(
            Box::new(Burgers::new(&g, 0.01, Dealias::TwoThirds).unwrap()),
            Scheme::Etdrk4,
        )
        .unwrap();
        let mut rom =
            AdaptiveRom::build(&mut fom, &mut MatrixSource(s.clone()), &pod, r, m).unwrap();
        let t0 = std::time::Instant::now();
        let run = rom
            .run(
                &test.data[..n],
                5000,
                50,
                &AdaptiveOptions {
                    tol,
                    dt: 1e-4,
                    parameters: params.clone(),
                    max_rank: 80,
                },
            )
            .unwrap();
        let el = t0.elapsed().as_secs_f64();
        let mut num = 0.0;
        let mut den = 0.0;
        let mut maxe: f64 = 0.0;
        for i in 0..run.times.len() {
            let a = &run.fields[i * n..(i + 1) * n];
            let b = &test.data[i * n..(i + 1) * n];
            let e: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
            let d: f64 = b.iter().map(|v| v * v).sum();
            num += e;
            den += d;
            maxe = maxe.max((e / d).sqrt());
        }
        println!("tol {tol:.0e}: err {:.3e} max {:.3e}, full steps {} ({:.1}%), rank {} points {} in {el:.2}s", (num/den).sqrt(), maxe, run.full_steps.len(), 100.0*run.full_steps.len() as f64/5000.0, run.final_rank, run.final_points);
    }
}
