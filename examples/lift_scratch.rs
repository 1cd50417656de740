use galerkin::rom::wave_study::*;
use galerkin_solvers::*;
fn main() {
    let which = std::env::args().nth(1).unwrap_or("sg".into());
    let (grid, f, mass, dt, t_end) = match which.as_str() {
        "exp" => (
            Grid::new_1d(256, 20.0).unwrap(),
            WaveNonlinearity::Exponential,
            1.0,
            0.01,
            10.0,
        ),
        "kg" => (
            Grid::new_2d(64, 64, 14.0, 14.0).unwrap(),
            WaveNonlinearity::Cubic,
            1.0,
            0.01,
            10.0,
        ),
        _ => (
            Grid::new_2d(64, 64, 14.0, 14.0).unwrap(),
            WaveNonlinearity::SineGordon,
            0.0,
            0.01,
            10.0,
        ),
    };
    let (x, y) = (grid.x(), grid.y());
    let c = grid.lx() / 2.0;
    let q0: Vec<f64> = if grid.is_2d() {
        y.iter()
            .flat_map(|&yj| {
                x.iter().map(move |&xi| {
                    let r = ((xi - c).powi(2) + (yj - c).powi(2)).sqrt();
                    if f == WaveNonlinearity::SineGordon {
                        4.0 * (3.0 - r).exp().atan()
                    } else {
                        2.0 * (-(r * r) / 2.0).exp()
                    }
                })
            })
            .collect()
    } else {
        x.iter().map(|x| 2.0 * (-(x - c).powi(2)).exp()).collect()
    };
    let p0 = vec![0.0; q0.len()];
    let mut wave = ConservativeWave::new(&grid, f, mass).unwrap();
    let save = 10;
    let n_steps = (t_end / dt) as usize;
    let traj = simulate_wave(&mut wave, &q0, &p0, dt, n_steps, save).unwrap();
    println!(
        "FOM step {:.1} us, energy drift {:.2e}",
        traj.step_seconds * 1e6,
        traj.energy
            .iter()
            .map(|e| (e - traj.energy[0]).abs() / traj.energy[0].abs())
            .fold(0.0, f64::max)
    );
    let mut model = LiftedWave::new(ConservativeWave::new(&grid, f, mass).unwrap());
    for r in [5, 10, 15, 20, 30] {
        let l = run_lifted(&mut model, &[&traj], &traj, r, mass, dt, save);
        let d = run_deim(&mut model, &[&traj], &traj, r, 2 * r, mass, dt, save);
        match l {
            Ok(l) => println!(
                "r={r} lifted err {:.2e} E {:.2e} lifted E {:.2e} off {:.2}s on {:.1}us",
                l.error,
                l.energy_error.iter().fold(0.0f64, |a, b| a.max(*b)),
                l.lifted_energy_error.iter().fold(0.0f64, |a, b| a.max(*b)),
                l.offline_seconds,
                l.step_seconds * 1e6
            ),
            Err(e) => println!("r={r} lifted {e}"),
        }
        match d {
            Ok(d) => println!(
                "r={r} deim   err {:.2e} E {:.2e} off {:.2}s on {:.1}us",
                d.error,
                d.energy_error.iter().fold(0.0f64, |a, b| a.max(*b)),
                d.offline_seconds,
                d.step_seconds * 1e6
            ),
            Err(e) => println!("r={r} deim {e}"),
        }
    }
}
