use faer::Mat;
use galerkin::basis::Truncation;
use galerkin::rom::{
    build_model, run_against, MatrixSource, Pod, PodOptions, PointSelection, RomIntegrator,
    RomKind, RunOptions,
};
use galerkin_solvers::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map(String::as_str).unwrap_or("burgers");
    let (pde, u0, dt, t_end, save): (Box<dyn SemiLinearPde>, Vec<f64>, f64, f64, usize) =
        match which {
            "burgers" => {
                let g = Grid::new_1d(256, 1.0).unwrap();
                let x = g.x();
                let u0: Vec<f64> = x
                    .iter()
                    .map(|x| (2.0 * std::f64::consts::PI * x).sin() + 0.5)
                    .collect();
                (
                    Box::new(Burgers::new(&g, 0.01, Dealias::TwoThirds).unwrap()),
                    u0,
                    1e-4,
                    0.5,
                    50,
                )
            }
            "steep" => {
                let g = Grid::new_1d(1024, 1.0).unwrap();
                let x = g.x();
                let u0: Vec<f64> = x
                    .iter()
                    .map(|x| (2.0 * std::f64::consts::PI * x).sin())
                    .collect();
                (
                    Box::new(Burgers::new(&g, 2e-3, Dealias::TwoThirds).unwrap()),
                    u0,
                    1e-4,
                    0.5,
                    50,
                )
            }
            "ks" => {
                let g = Grid::new_1d(64, 22.0).unwrap();
                let x = g.x();
                let u0: Vec<f64> = x
                    .iter()
                    .map(|x| {
                        (2.0 * std::f64::consts::PI * x / 22.0).cos()
                            * (1.0 + (2.0 * std::f64::consts::PI * x / 22.0).sin())
                    })
                    .collect();
                (
                    Box::new(KuramotoSivashinsky::new(&g, Dealias::TwoThirds).unwrap()),
                    u0,
                    0.01,
                    100.0,
                    10,
                )
            }
            _ => {
                let g = Grid::new_2d(64, 64, 1.0, 1.0).unwrap();
                use rand::SeedableRng;
                let u0 = InitialCondition::fno_navier_stokes()
                    .sample(&g, &mut rand_chacha::ChaCha8Rng::seed_from_u64(1))
                    .unwrap();
                (
                    Box::new(
                        NavierStokes::new(
                            &g,
                            1e-3,
                            0.0,
                            Forcing::Fno { amplitude: 0.1 },
                            Dealias::TwoThirds,
                        )
                        .unwrap(),
                    ),
                    u0,
                    1e-2,
                    10.0,
                    10,
                )
            }
        };
    let mut sim = Simulation::new(pde.clone(), Scheme::Etdrk4, dt, &u0).unwrap();
    let sched = Schedule {
        dt,
        n_steps: (t_end / dt).round() as usize,
        save_every: save,
        cfl_limit: None,
    };
    let traj = Trajectory::collect(&mut sim, &sched).unwrap();
    let n = pde.grid().len();
    let nt = traj.times.len();
    let s = Mat::from_fn(n, nt, |i, j| traj.data[j * n + i]);
    let mut fom = SpectralModel::new(pde, Scheme::Etdrk4).unwrap();
    let mut src = MatrixSource(s);
    let pod = Pod::compute(
        &mut src,
        &PodOptions {
            truncation: Truncation::Rank(40.min(nt - 1)),
            ..Default::default()
        },
    )
    .unwrap();
    for r in [4, 8, 12, 16, 20, 24, 32, 40] {
        if r > pod.rank() {
            break;
        }
        for kind in [
            RomKind::Galerkin,
            RomKind::Hyper {
                points: 2 * r,
                selection: PointSelection::Qdeim,
            },
        ] {
            let t0 = std::time::Instant::now();
            let model = match build_model(&mut fom, &mut src, &pod, r, kind) {
                Ok(m) => m,
                Err(e) => {
                    println!("r={r} {e}");
                    continue;
                }
            };
            let build = t0.elapsed().as_secs_f64();
            for integ in [RomIntegrator::Rk4, RomIntegrator::ImplicitMidpoint] {
                let res = run_against(
                    &model,
                    &traj.data,
                    &traj.times,
                    &RunOptions {
                        dt,
                        integrator: integ,
                        parameters: Default::default(),
                    },
                );
                match res {
                    Ok(c) => println!(
                        "r={r:3} {:8} {:18} err={:.3e} proj={:.3e} online={:.4}s build={build:.2}s",
                        model.kind(),
                        integ.name(),
                        c.relative_error,
                        c.projection_relative_error,
                        c.online_seconds
                    ),
                    Err(e) => println!("r={r} {} {e}", model.kind()),
                }
            }
        }
    }
}
