//! Conservative waves: an exact sine-Gordon breather at second order, energy conservation
//! (round-off for quadratic energies, bounded otherwise) and the energy-quadratized
//! liftings (same trajectories, identities kept, lifted energy exact).

use galerkin_solvers::{ConservativeWave, Grid, LiftedWave, WaveNonlinearity};

/// The breather u = 4 atan(√(1−ω²)/ω · sin ωt / cosh(√(1−ω²) x)) and u_t, centred in [0, L).
fn breather(grid: &Grid, omega: f64, t: f64) -> (Vec<f64>, Vec<f64>) {
    let beta = (1.0 - omega * omega).sqrt();
    let c = grid.lx() / 2.0;
    let x = grid.x();
    let q = x
        .iter()
        .map(|x| 4.0 * (beta / omega * (omega * t).sin() / (beta * (x - c)).cosh()).atan())
        .collect();
    let p = x
        .iter()
        .map(|x| {
            let a = beta / omega * (omega * t).sin() / (beta * (x - c)).cosh();
            4.0 / (1.0 + a * a) * beta * (omega * t).cos() / (beta * (x - c)).cosh()
        })
        .collect();
    (q, p)
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}

/// A smooth 2-D bump and zero velocity.
fn bump(grid: &Grid, amplitude: f64) -> (Vec<f64>, Vec<f64>) {
    let (x, y) = (grid.x(), grid.y());
    let (cx, cy) = (grid.lx() / 2.0, grid.ly() / 2.0);
    let q: Vec<f64> = y
        .iter()
        .flat_map(|&yj| {
            x.iter()
                .map(move |&xi| amplitude * (-((xi - cx).powi(2) + (yj - cy).powi(2)) / 2.0).exp())
        })
        .collect();
    let p = vec![0.0; q.len()];
    (q, p)
}

#[test]
fn sine_gordon_breather_is_reproduced_at_second_order() {
    let grid = Grid::new_1d(256, 60.0).unwrap();
    let (omega, t_end) = (0.8, 4.0);
    let (exact, _) = breather(&grid, omega, t_end);
    let error = |dt: f64| {
        let mut wave = ConservativeWave::new(&grid, WaveNonlinearity::SineGordon, 0.0).unwrap();
        let (mut q, mut p) = breather(&grid, omega, 0.0);
        for _ in 0..(t_end / dt).round() as usize {
            wave.step_midpoint(&mut q, &mut p, dt).unwrap();
        }
        max_diff(&q, &exact)
    };
    let (e1, e2) = (error(0.04), error(0.02));
    // Implicit midpoint is 2nd order: ratio 4 ± 15 % on halving dt.
    assert!(
        (e1 / e2 - 4.0).abs() < 0.6,
        "ratio {} ({e1:.2e}, {e2:.2e})",
        e1 / e2
    );
    assert!(e2 < 1e-3, "{e2}");
}

#[test]
fn quadratic_energy_is_conserved_to_round_off() {
    let grid = Grid::new_2d(48, 48, 12.0, 12.0).unwrap();
    let mut wave = ConservativeWave::new(&grid, WaveNonlinearity::Linear, 1.5).unwrap();
    let (mut q, mut p) = bump(&grid, 1.0);
    let h0 = wave.hamiltonian(&q, &p);
    for _ in 0..200 {
        wave.step_midpoint(&mut q, &mut p, 0.05).unwrap();
    }
    let drift = (wave.hamiltonian(&q, &p) - h0).abs() / h0;
    assert!(drift < 1e-13, "{drift:e}");
}

#[test]
fn original_energies_stay_bounded_without_drift() {
    let g1 = Grid::new_1d(128, 20.0).unwrap();
    let g2 = Grid::new_2d(48, 48, 12.0, 12.0).unwrap();
    for (grid, f, mass) in [
        (&g1, WaveNonlinearity::Exponential, 0.0),
        (&g2, WaveNonlinearity::SineGordon, 0.0),
        (&g2, WaveNonlinearity::Cubic, 1.0),
    ] {
        let mut wave = ConservativeWave::new(grid, f, mass).unwrap();
        let (mut q, mut p) = if grid.is_2d() {
            bump(grid, 2.0)
        } else {
            let q = grid
                .x()
                .iter()
                .map(|x| (-(x - 10.0).powi(2)).exp())
                .collect();
            (q, vec![0.0; grid.len()])
        };
        let h0 = wave.hamiltonian(&q, &p);
        let mut errors = Vec::new();
        for _ in 0..400 {
            wave.step_midpoint(&mut q, &mut p, 0.05).unwrap();
            errors.push((wave.hamiltonian(&q, &p) - h0).abs() / h0.abs());
        }
        let first = errors[..200].iter().fold(0f64, |m, e| m.max(*e));
        let second = errors[200..].iter().fold(0f64, |m, e| m.max(*e));
        // Symplectic: an O(dt²) oscillation, not a drift.
        assert!(
            first < 1e-2 && second < 2.0 * first,
            "{f:?}: {first:e} then {second:e}"
        );
    }
}

#[test]
fn liftings_conserve_the_lifted_energy_and_follow_the_original() {
    let g1 = Grid::new_1d(128, 20.0).unwrap();
    let g2 = Grid::new_2d(32, 32, 12.0, 12.0).unwrap();
    for (grid, f, mass) in [
        (&g1, WaveNonlinearity::Exponential, 0.0),
        (&g2, WaveNonlinearity::SineGordon, 0.0),
        (&g2, WaveNonlinearity::Cubic, 1.0),
    ] {
        let (q0, p0) = if grid.is_2d() {
            bump(grid, 2.0)
        } else {
            (
                grid.x()
                    .iter()
                    .map(|x| (-(x - 10.0).powi(2)).exp())
                    .collect(),
                vec![0.0; grid.len()],
            )
        };
        let mut lifted = LiftedWave::new(ConservativeWave::new(grid, f, mass).unwrap());
        // On lifted states the two energies agree.
        let y0 = lifted.lift(&q0, &p0);
        let h = lifted.wave().hamiltonian(&q0, &p0);
        assert!((lifted.energy(&y0) - h).abs() < 1e-12 * h.abs(), "{f:?}");
        let run = |dt: f64| {
            let mut lifted = LiftedWave::new(ConservativeWave::new(grid, f, mass).unwrap());
            let mut wave = ConservativeWave::new(grid, f, mass).unwrap();
            let (mut q, mut p) = (q0.clone(), p0.clone());
            let mut y = lifted.lift(&q0, &p0);
            let e0 = lifted.energy(&y);
            let mut drift = 0f64;
            for _ in 0..(2.0 / dt).round() as usize {
                lifted.step_midpoint(&mut y, dt).unwrap();
                wave.step_midpoint(&mut q, &mut p, dt).unwrap();
                drift = drift.max((lifted.energy(&y) - e0).abs() / e0.abs());
            }
            let identity = max_diff(&lifted.lift(&y[0], &y[1])[2], &y[2]);
            (drift, max_diff(&y[0], &q), identity)
        };
        let (drift, gap1, id1) = run(0.05);
        let (_, gap2, id2) = run(0.025);
        // Quadratic invariant under implicit midpoint: conserved to the sweep tolerance.
        assert!(drift < 1e-12, "{f:?}: lifted energy drift {drift:e}");
        // Lifted and original trajectories differ by the integrators' O(dt²) errors only,
        // and the lifting identity w = w(q) holds to O(dt²): ratio 4 ± 25 %.
        assert!(
            gap2 < 1e-3 && (gap1 / gap2 - 4.0).abs() < 1.0,
            "{f:?}: {gap1:e} {gap2:e}"
        );
        // For the cubic case w − q²/√2 is itself a quadratic invariant of the lifted
        // system, which implicit midpoint keeps exactly.
        let exact_identity = f == WaveNonlinearity::Cubic && id1 < 1e-12 && id2 < 1e-12;
        assert!(
            exact_identity || (id2 < 1e-3 && (id1 / id2 - 4.0).abs() < 1.0),
            "{f:?}: {id1:e} {id2:e}"
        );
    }
}

#[test]
fn bad_input_is_refused() {
    let grid = Grid::new_1d(64, 10.0).unwrap();
    let err = ConservativeWave::new(&grid, WaveNonlinearity::Cubic, -1.0).unwrap_err();
    assert!(err.to_string().contains("mass"), "{err}");
    let err = galerkin_solvers::error::parse_name::<WaveNonlinearity>("nonlinearity", "quartic")
        .unwrap_err();
    assert!(err.to_string().contains("sine-gordon"), "{err}");
    // A step far too long for the fixed-point iteration on a stiff potential.
    let mut wave = ConservativeWave::new(&grid, WaveNonlinearity::Exponential, 0.0).unwrap();
    let mut q = vec![3.0; 64];
    let mut p = vec![0.0; 64];
    let err = wave.step_midpoint(&mut q, &mut p, 5.0).unwrap_err();
    assert!(err.to_string().contains("reduce dt"), "{err}");
}
