//! Verification of the solvers against exact solutions, invariants and observed orders.

use std::f64::consts::PI;

use galerkin_solvers::{
    Burgers, Dealias, Forcing, Grid, KuramotoSivashinsky, NavierStokes, Schedule, Scheme,
    SemiLinearPde, Simulation, Trajectory,
};

fn relative_l2(a: &[f64], b: &[f64]) -> f64 {
    let num: f64 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum();
    let den: f64 = b.iter().map(|y| y * y).sum();
    (num / den).sqrt()
}

fn field_1d(grid: &Grid, f: impl Fn(f64) -> f64) -> Vec<f64> {
    grid.x().into_iter().map(f).collect()
}

fn field_2d(grid: &Grid, f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    let (x, y) = (grid.x(), grid.y());
    let f = &f;
    y.iter()
        .flat_map(|&yj| x.iter().map(move |&xi| f(xi, yj)))
        .collect()
}

fn run(
    pde: Box<dyn SemiLinearPde>,
    scheme: Scheme,
    dt: f64,
    t_end: f64,
    save_every: usize,
    u0: &[f64],
) -> Trajectory {
    let mut sim = Simulation::new(pde, scheme, dt, u0).unwrap();
    Trajectory::collect(
        &mut sim,
        &Schedule::from_t_end(dt, t_end, save_every).unwrap(),
    )
    .unwrap()
}

/// Periodic Cole–Hopf solution of Burgers on [0, 2π): with θ = a + b e^{−νt} cos x,
/// u = −2ν θ_x/θ = 2ν b e^{−νt} sin x / (a + b e^{−νt} cos x), a > |b| > 0.
fn cole_hopf(nu: f64, a: f64, b: f64, x: f64, t: f64) -> f64 {
    let d = b * (-nu * t).exp();
    2.0 * nu * d * x.sin() / (a + d * x.cos())
}

#[test]
fn burgers_matches_cole_hopf_smooth_and_steep() {
    // Fourier coefficients decay like ρ^k, ρ = (a − √(a² − b²))/b: 0.27 (smooth) and 0.72
    // (steep, b/a = 0.95), so N = 128 and 512 resolve them to round-off under the 2/3 rule.
    for (n, nu, a, b) in [(128, 0.1, 1.0, 0.5), (512, 0.05, 1.0, 0.95)] {
        let grid = Grid::new_1d(n, 2.0 * PI).unwrap();
        let pde = Box::new(Burgers::new(&grid, nu, Dealias::TwoThirds).unwrap());
        let u0 = field_1d(&grid, |x| cole_hopf(nu, a, b, x, 0.0));
        let traj = run(pde, Scheme::Etdrk4, 1e-3, 1.0, 250, &u0);
        let mut worst = 0.0f64;
        for (i, &t) in traj.times.iter().enumerate() {
            let exact = field_1d(&grid, |x| cole_hopf(nu, a, b, x, t));
            let err = relative_l2(traj.snapshot(i), &exact);
            assert!(
                err <= 1e-9,
                "N = {n}, b = {b}, t = {t}: relative error {err:.2e}"
            );
            worst = worst.max(err);
        }
        eprintln!("Cole-Hopf N = {n}, b/a = {b}: max relative L2 error {worst:.2e}");
    }
}

#[test]
fn navier_stokes_taylor_green_decays_exactly() {
    // ω = −2 cos x cos y has u·∇ω = 0 and Δω = −2ω: ω(t) = ω₀ e^{−(2ν + α)t}.
    let grid = Grid::new_2d(32, 32, 2.0 * PI, 2.0 * PI).unwrap();
    for drag in [0.0, 0.1] {
        let pde = Box::new(
            NavierStokes::new(&grid, 0.01, drag, Forcing::None, Dealias::TwoThirds).unwrap(),
        );
        let w0 = field_2d(&grid, |x, y| -2.0 * x.cos() * y.cos());
        let traj = run(pde, Scheme::Etdrk4, 0.01, 2.0, 50, &w0);
        for (i, &t) in traj.times.iter().enumerate() {
            let decay = (-(2.0 * 0.01 + drag) * t).exp();
            let exact: Vec<f64> = w0.iter().map(|w| w * decay).collect();
            let err = relative_l2(traj.snapshot(i), &exact);
            assert!(err <= 1e-10, "drag {drag}, t = {t}: {err:.2e}");
        }
    }
}

#[test]
fn navier_stokes_fno_forcing_exact_mode() {
    // ω₀ and f in span{sin 2π(x+y), cos 2π(x+y)}: advection vanishes, |k|² = 8π², so
    // ω(t) = ω_s + (ω₀ − ω_s) e^{−8π²νt} with ω_s = f/(8π²ν).
    let nu = 1e-3;
    let grid = Grid::new_2d(32, 32, 1.0, 1.0).unwrap();
    let forcing = Forcing::Fno { amplitude: 0.1 };
    let pde = Box::new(NavierStokes::new(&grid, nu, 0.0, forcing, Dealias::TwoThirds).unwrap());
    let w0 = field_2d(&grid, |x, y| {
        (2.0 * PI * (x + y)).sin() - 0.5 * (2.0 * PI * (x + y)).cos()
    });
    let traj = run(pde, Scheme::Etdrk4, 1e-2, 5.0, 100, &w0);
    let k2 = 8.0 * PI * PI;
    for (i, &t) in traj.times.iter().enumerate() {
        let decay = (-k2 * nu * t).exp();
        let exact = field_2d(&grid, |x, y| {
            let ws = forcing.vorticity(x, y, 1.0) / (k2 * nu);
            let w = (2.0 * PI * (x + y)).sin() - 0.5 * (2.0 * PI * (x + y)).cos();
            ws + (w - ws) * decay
        });
        let err = relative_l2(traj.snapshot(i), &exact);
        assert!(err <= 1e-10, "t = {t}: {err:.2e}");
    }
}

#[test]
fn navier_stokes_kolmogorov_laminar_state() {
    // From ω₀ = 0: ω(t) = ω_s (1 − e^{−(νk² + α)t}), ω_s = f/(νk² + α), f = −A k cos(k y).
    let (nu, drag, k) = (1e-3, 0.1, 4.0);
    let grid = Grid::new_2d(32, 48, 2.0 * PI, 2.0 * PI).unwrap();
    let forcing = Forcing::Kolmogorov {
        amplitude: 1.0,
        wavenumber: 4,
    };
    let pde = Box::new(NavierStokes::new(&grid, nu, drag, forcing, Dealias::TwoThirds).unwrap());
    let traj = run(pde, Scheme::Etdrk4, 0.01, 3.0, 100, &vec![0.0; grid.len()]);
    let rate = nu * k * k + drag;
    for (i, &t) in traj.times.iter().enumerate().skip(1) {
        let exact = field_2d(&grid, |x, y| {
            forcing.vorticity(x, y, 2.0 * PI) / rate * (1.0 - (-rate * t).exp())
        });
        let err = relative_l2(traj.snapshot(i), &exact);
        assert!(err <= 1e-10, "t = {t}: {err:.2e}");
    }
}

/// Final state of Burgers (ν = 0.1, N = 32, u₀ = sin x + ½cos 2x) at T = 1 with `scheme`.
fn burgers_final(scheme: Scheme, steps: usize) -> Vec<f64> {
    let grid = Grid::new_1d(32, 2.0 * PI).unwrap();
    let pde = Box::new(Burgers::new(&grid, 0.1, Dealias::TwoThirds).unwrap());
    let u0 = field_1d(&grid, |x| x.sin() + 0.5 * (2.0 * x).cos());
    let traj = run(pde, scheme, 1.0 / steps as f64, 1.0, steps, &u0);
    traj.snapshot(1).to_vec()
}

#[test]
fn every_integrator_shows_its_order() {
    let reference = burgers_final(Scheme::Etdrk4, 5120);
    for scheme in [
        Scheme::Etdrk4,
        Scheme::Etdrk2,
        Scheme::ImexArs233,
        Scheme::Rk4,
    ] {
        let errors: Vec<f64> = [20, 40, 80]
            .iter()
            .map(|&steps| relative_l2(&burgers_final(scheme, steps), &reference))
            .collect();
        let expected = 2f64.powi(scheme.order() as i32);
        let ratio = errors[1] / errors[2];
        eprintln!("{scheme:?}: errors {errors:?} ratio {ratio}");
        // Order p: halving dt divides the error by 2^p; allow ±10 %.
        assert!(
            (ratio / expected - 1.0).abs() <= 0.10,
            "{scheme:?}: errors {errors:?}, ratio {ratio:.2} vs {expected}"
        );
    }
}

#[test]
fn ks_small_mode_grows_at_the_linear_rate() {
    // u = ε cos(kx) evolves as ε e^{(k² − k⁴)t} cos(kx) up to O(ε²) from the nonlinearity.
    let l = 22.0;
    let grid = Grid::new_1d(64, l).unwrap();
    for m in [1, 2, 3, 5] {
        let k = 2.0 * PI * m as f64 / l;
        let eps = 1e-9;
        let pde = Box::new(KuramotoSivashinsky::new(&grid, Dealias::TwoThirds).unwrap());
        let u0 = field_1d(&grid, |x| eps * (k * x).cos());
        let traj = run(pde, Scheme::Etdrk4, 0.01, 2.0, 200, &u0);
        let growth = ((k * k - k.powi(4)) * 2.0).exp();
        let exact: Vec<f64> = u0.iter().map(|u| u * growth).collect();
        let err = relative_l2(traj.snapshot(1), &exact);
        assert!(err <= 1e-7, "mode {m}: {err:.2e}");
    }
}

fn ks_chaotic_state(grid: &Grid) -> Vec<f64> {
    let l = grid.lx();
    field_1d(grid, |x| {
        (2.0 * PI * x / l).cos() * (1.0 + (2.0 * PI * x / l).sin()) + 0.3 * (6.0 * PI * x / l).sin()
    })
}

#[test]
fn ks_conserves_the_mean() {
    let grid = Grid::new_1d(64, 22.0).unwrap();
    let pde = Box::new(KuramotoSivashinsky::new(&grid, Dealias::TwoThirds).unwrap());
    let u0: Vec<f64> = ks_chaotic_state(&grid).iter().map(|u| u + 0.7).collect();
    let traj = run(pde, Scheme::Etdrk4, 0.05, 50.0, 100, &u0);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    for i in 0..traj.times.len() {
        assert!((mean(traj.snapshot(i)) - 0.7).abs() <= 1e-13);
    }
}

#[test]
fn ks_is_galilean_invariant() {
    // If u solves KS, so does v(x, t) = u(x − ct, t) + c.
    let (l, c, t_end) = (22.0, 0.8, 4.0);
    let grid = Grid::new_1d(64, l).unwrap();
    let u0 = ks_chaotic_state(&grid);
    let v0: Vec<f64> = u0.iter().map(|u| u + c).collect();
    let make = || Box::new(KuramotoSivashinsky::new(&grid, Dealias::TwoThirds).unwrap());
    let u = run(make(), Scheme::Etdrk4, 1e-3, t_end, 4000, &u0);
    let v = run(make(), Scheme::Etdrk4, 1e-3, t_end, 4000, &v0);
    // Shift u(·, T) by cT exactly with the Fourier shift theorem.
    let shift = c * t_end;
    let uf = u.snapshot(1);
    let shifted: Vec<f64> = grid
        .x()
        .iter()
        .map(|x| interpolate(uf, l, x - shift) + c)
        .collect();
    let err = relative_l2(v.snapshot(1), &shifted);
    assert!(err <= 1e-8, "Galilean mismatch {err:.2e}");
}

/// Band-limited trigonometric interpolation of periodic samples at x.
fn interpolate(samples: &[f64], l: f64, x: f64) -> f64 {
    let n = samples.len();
    let mut total = 0.0;
    for k in 0..=n / 2 {
        let (mut a, mut b) = (0.0, 0.0);
        for (j, s) in samples.iter().enumerate() {
            let phase = 2.0 * PI * (k * j) as f64 / n as f64;
            a += s * phase.cos();
            b += s * phase.sin();
        }
        let w = if k == 0 || (n % 2 == 0 && k == n / 2) {
            1.0
        } else {
            2.0
        };
        let theta = 2.0 * PI * k as f64 * x / l;
        total += w / n as f64 * (a * theta.cos() + b * theta.sin());
    }
    total
}
