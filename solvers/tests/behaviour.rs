//! Dealiasing, determinism, initial conditions, chaos and bad input.

use std::f64::consts::PI;

use galerkin_solvers::dealias::{two_thirds_cutoff, ProductEvaluator};
use galerkin_solvers::ensemble::{run_ensemble, EnsemblePlan, ParameterGrid};
use galerkin_solvers::fft::SpectralTransform;
use galerkin_solvers::lyapunov::{largest_lyapunov_exponent, LyapunovOptions};
use galerkin_solvers::{
    Burgers, Dealias, Forcing, Grid, InitialCondition, KuramotoSivashinsky, NavierStokes, Schedule,
    Scheme, Simulation, SolverError, Trajectory,
};
use num_complex::Complex64;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Spectrum of a random real field with modes |m| ≤ cutoff per axis only.
fn band_limited(grid: &Grid, cutoff: i64, seed: u64) -> Vec<Complex64> {
    let ic = InitialCondition::RandomFourier {
        max_mode: cutoff as usize,
        decay: 0.0,
        amplitude: 1.0,
    };
    let field = ic
        .sample(grid, &mut ChaCha8Rng::seed_from_u64(seed))
        .unwrap();
    let mut spec = vec![Complex64::default(); grid.spectral_len()];
    SpectralTransform::new(grid).forward(&field, &mut spec);
    spec
}

/// Exact spectrum of the product of two band-limited fields by direct convolution on the
/// full (unaliased) mode lattice, restricted to the stored modes.
fn exact_product(grid: &Grid, a: &[f64], b: &[f64]) -> Vec<Complex64> {
    // Evaluate the product on a grid fine enough (4×) to be alias-free, then read the modes.
    let fine = if grid.is_2d() {
        Grid::new_2d(4 * grid.nx(), 4 * grid.ny(), grid.lx(), grid.ly()).unwrap()
    } else {
        Grid::new_1d(4 * grid.nx(), grid.lx()).unwrap()
    };
    let up = |f: &[f64]| -> Vec<f64> {
        let mut spec = vec![Complex64::default(); grid.spectral_len()];
        SpectralTransform::new(grid).forward(f, &mut spec);
        let mut fine_spec = vec![Complex64::default(); fine.spectral_len()];
        grid.for_each_mode(|kx, ky, idx| {
            if grid.is_nyquist_x(kx) || grid.is_nyquist_y(ky) {
                return;
            }
            let my = grid.mode_y(ky);
            let fy = if my >= 0 {
                my as usize
            } else {
                (fine.ny() as i64 + my) as usize
            };
            fine_spec[kx * fine.ny() + fy] = spec[idx];
        });
        let mut out = vec![0.0; fine.len()];
        SpectralTransform::new(&fine).inverse(&fine_spec, &mut out);
        out
    };
    let (fa, fb) = (up(a), up(b));
    let prod: Vec<f64> = fa.iter().zip(&fb).map(|(x, y)| x * y).collect();
    let mut fine_spec = vec![Complex64::default(); fine.spectral_len()];
    SpectralTransform::new(&fine).forward(&prod, &mut fine_spec);
    let mut out = vec![Complex64::default(); grid.spectral_len()];
    grid.for_each_mode(|kx, ky, idx| {
        let my = grid.mode_y(ky);
        let fy = if my >= 0 {
            my as usize
        } else {
            (fine.ny() as i64 + my) as usize
        };
        out[idx] = fine_spec[kx * fine.ny() + fy];
    });
    out
}

fn product_leak(grid: &Grid, dealias: Dealias, cutoff: i64) -> f64 {
    let mut eval = ProductEvaluator::new(grid, dealias, 2).unwrap();
    let (sa, sb) = (band_limited(grid, cutoff, 1), band_limited(grid, cutoff, 2));
    eval.to_physical(&sa, 0);
    eval.to_physical(&sb, 1);
    let mut phys = vec![vec![0.0; grid.len()]; 2];
    let mut t = SpectralTransform::new(grid);
    t.inverse(&sa, &mut phys[0]);
    t.inverse(&sb, &mut phys[1]);
    let p = eval.product_slot();
    let n = eval.fields[0].len();
    for i in 0..n {
        eval.fields[p][i] = eval.fields[0][i] * eval.fields[1][i];
    }
    let mut out = vec![Complex64::default(); grid.spectral_len()];
    eval.product_to_spectral(&mut out, |_, p| p);
    let exact = exact_product(grid, &phys[0], &phys[1]);
    let mut worst = 0.0f64;
    grid.for_each_mode(|_, _, idx| {
        if eval.keeps(idx) {
            worst = worst.max((out[idx] - exact[idx]).norm());
        }
    });
    worst
}

#[test]
fn dealiased_products_leak_nothing_into_kept_modes() {
    for grid in [
        Grid::new_1d(48, 3.0).unwrap(),
        Grid::new_2d(24, 36, 1.0, 2.0).unwrap(),
    ] {
        let shortest = if grid.is_2d() {
            grid.nx().min(grid.ny())
        } else {
            grid.nx()
        };
        // 2/3 rule: factors resolved up to the 2/3 cutoff.
        let leak = product_leak(&grid, Dealias::TwoThirds, two_thirds_cutoff(shortest));
        assert!(
            leak < 1e-14,
            "2/3 rule leaked {leak:e} on {:?}",
            grid.shape()
        );
        // 3/2 padding: factors resolved up to just below Nyquist, every mode exact.
        let below_nyquist = (shortest / 2 - 1) as i64;
        let leak = product_leak(&grid, Dealias::ThreeHalves, below_nyquist);
        assert!(
            leak < 1e-14,
            "3/2 padding leaked {leak:e} on {:?}",
            grid.shape()
        );
        // Without dealiasing the same product does alias (the check can fail).
        let leak = product_leak(&grid, Dealias::None, below_nyquist);
        assert!(
            leak > 1e-3,
            "expected aliasing without dealiasing, got {leak:e}"
        );
    }
}

fn ensemble_snapshots(threads: usize) -> Vec<(usize, Vec<f64>)> {
    let grid = Grid::new_2d(32, 32, 1.0, 1.0).unwrap();
    let plan = EnsemblePlan {
        grid: ParameterGrid::default()
            .with_axis("viscosity", vec![1e-3, 2e-3])
            .unwrap(),
        samples: 3,
        base_seed: 42,
    };
    let members: Vec<_> = (0..plan.len()).map(|i| plan.member(i)).collect();
    let schedule = Schedule::from_t_end(0.01, 0.5, 10).unwrap();
    let out = std::sync::Mutex::new(Vec::new());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        run_ensemble::<_, _, SolverError>(
            &members,
            &schedule,
            |m| {
                let nu = m.parameter("viscosity").unwrap();
                let pde = NavierStokes::new(
                    &grid,
                    nu,
                    0.0,
                    Forcing::Fno { amplitude: 0.1 },
                    Dealias::TwoThirds,
                )?;
                let w0 = InitialCondition::fno_navier_stokes().sample(&grid, &mut m.rng())?;
                Simulation::new(Box::new(pde), Scheme::Etdrk4, schedule.dt, &w0)
            },
            |m, traj| {
                out.lock().unwrap().push((m.index, traj?.data));
                Ok(())
            },
        )
    })
    .unwrap();
    let mut v = out.into_inner().unwrap();
    v.sort_by_key(|(i, _)| *i);
    v
}

#[test]
fn ensembles_are_bit_identical_on_one_and_two_threads() {
    let one = ensemble_snapshots(1);
    let two = ensemble_snapshots(2);
    assert_eq!(one.len(), 6);
    for ((i, a), (j, b)) in one.iter().zip(&two) {
        assert_eq!(i, j);
        assert!(
            a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
            "member {i} differs"
        );
    }
    // Different members really differ (seeds are independent).
    assert!(one[0].1 != one[1].1);
}

/// One NS trajectory on a grid whose transforms and per-mode passes run in parallel
/// (≥ `PARALLEL_MIN_POINTS`), stepped in a pool of `threads` threads: its final spectrum
/// and physical field, plus the physical field of one transform started from inside the
/// pool and one from outside it.
fn parallel_trajectory(scheme: Scheme, threads: usize) -> (Vec<Complex64>, Vec<f64>) {
    let grid = Grid::new_2d(192, 160, 1.0, 1.0).unwrap();
    assert!(grid.len() >= galerkin_solvers::fft::PARALLEL_MIN_POINTS);
    let pde = NavierStokes::new(
        &grid,
        1e-3,
        0.0,
        Forcing::Fno { amplitude: 0.1 },
        Dealias::TwoThirds,
    )
    .unwrap();
    let w0 = InitialCondition::fno_navier_stokes()
        .sample(&grid, &mut ChaCha8Rng::seed_from_u64(7))
        .unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut sim = Simulation::new(Box::new(pde), scheme, 1e-4, &w0).unwrap();
        sim.advance(4).unwrap();
        let mut field = vec![0.0; grid.len()];
        sim.physical(&mut field);
        (sim.spectral().to_vec(), field)
    })
}

#[test]
fn one_trajectory_is_bit_identical_on_one_two_and_three_threads() {
    // The transforms split rows and columns into a fixed number of blocks and the per-mode
    // passes into fixed chunks: every value is computed by the same arithmetic whichever
    // thread computes it, so the bits may not depend on the pool (tolerance: none).
    for scheme in [Scheme::Etdrk4, Scheme::Rk4] {
        let (spec1, field1) = parallel_trajectory(scheme, 1);
        for threads in [2, 3] {
            let (spec, field) = parallel_trajectory(scheme, threads);
            let same_spec = spec1
                .iter()
                .zip(&spec)
                .all(|(a, b)| a.re.to_bits() == b.re.to_bits() && a.im.to_bits() == b.im.to_bits());
            assert!(
                same_spec,
                "{scheme:?}: spectrum differs on {threads} threads"
            );
            assert!(
                field1
                    .iter()
                    .zip(&field)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{scheme:?}: physical field differs on {threads} threads"
            );
        }
        // The run stayed finite (a NaN would compare equal bitwise and hide nothing).
        assert!(field1.iter().all(|v| v.is_finite()));
    }
}

#[test]
fn parallel_transforms_match_a_direct_fourier_sum() {
    // A 2-D grid above the parallel threshold with nx ≠ ny and an odd nkx: forward then
    // inverse round-trips to 1e-12 (round-off of two FFTs of ≈ 3·10⁴ points), and a few
    // coefficients equal the direct sum (1/N) Σ u e^(−ik·x) to 1e-12.
    let grid = Grid::new_2d(192, 96, 1.0, 1.0).unwrap();
    assert!(grid.len() >= galerkin_solvers::fft::PARALLEL_MIN_POINTS);
    let field = InitialCondition::fno_navier_stokes()
        .sample(&grid, &mut ChaCha8Rng::seed_from_u64(3))
        .unwrap();
    let mut transform = SpectralTransform::new(&grid);
    let mut spec = vec![Complex64::default(); grid.spectral_len()];
    transform.forward(&field, &mut spec);
    let mut back = vec![0.0; grid.len()];
    transform.inverse(&spec, &mut back);
    let scale = field.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let err = field
        .iter()
        .zip(&back)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(err < 1e-12 * scale, "round trip error {err:e}");
    let (nx, ny) = (grid.nx(), grid.ny());
    for (mx, my) in [(0usize, 0usize), (1, 0), (3, 5), (40, 90), (96, 1)] {
        let mut direct = Complex64::default();
        for j in 0..ny {
            for i in 0..nx {
                let phase = -2.0 * PI * ((mx * i) as f64 / nx as f64 + (my * j) as f64 / ny as f64);
                direct += field[j * nx + i] * Complex64::from_polar(1.0, phase);
            }
        }
        direct /= (nx * ny) as f64;
        let got = spec[mx * ny + my];
        assert!(
            (got - direct).norm() < 1e-12 * scale,
            "mode ({mx}, {my}): {got} vs direct {direct}"
        );
    }
}

#[test]
fn gaussian_random_field_has_the_prescribed_spectrum() {
    // Mode k has variance σ²(|k|² + τ²)^(−α)/|D| in normalized coefficients; check the
    // average over 400 samples within 4 standard errors (each |û|² is χ²₂/2-distributed, so
    // the standard error of the mean is 1/√400 = 5 % of the variance).
    let grid = Grid::new_1d(64, 1.0).unwrap();
    let (sigma, tau, alpha) = (25.0, 5.0, 2.0);
    let ic = InitialCondition::GaussianRandomField { sigma, tau, alpha };
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut power = vec![0.0; grid.spectral_len()];
    let samples = 400;
    let mut t = SpectralTransform::new(&grid);
    for _ in 0..samples {
        let u = ic.sample(&grid, &mut rng).unwrap();
        let mut spec = vec![Complex64::default(); grid.spectral_len()];
        t.forward(&u, &mut spec);
        for (p, c) in power.iter_mut().zip(&spec) {
            *p += c.norm_sqr() / samples as f64;
        }
    }
    assert!(power[0] < 1e-20, "mean mode must be zero");
    for kx in [1, 2, 5, 10] {
        let k = 2.0 * PI * kx as f64;
        let expected = sigma * sigma * (k * k + tau * tau).powf(-alpha);
        let rel = (power[kx] / expected - 1.0).abs();
        assert!(
            rel < 0.2,
            "mode {kx}: {} vs {expected} ({rel:.2})",
            power[kx]
        );
    }
}

#[test]
fn random_fourier_series_respects_its_band_and_amplitude() {
    let grid = Grid::new_2d(32, 16, 1.0, 1.0).unwrap();
    let ic = InitialCondition::RandomFourier {
        max_mode: 3,
        decay: 1.0,
        amplitude: 2.5,
    };
    let u = ic.sample(&grid, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
    let max = u.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!((max - 2.5).abs() < 1e-12);
    let mut spec = vec![Complex64::default(); grid.spectral_len()];
    SpectralTransform::new(&grid).forward(&u, &mut spec);
    grid.for_each_mode(|kx, ky, idx| {
        if grid.mode_x(kx).abs().max(grid.mode_y(ky).abs()) > 3 {
            assert!(spec[idx].norm() < 1e-14);
        }
    });
    let again = ic.sample(&grid, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
    assert_eq!(u, again);
}

#[test]
fn initial_conditions_from_expression_and_files() {
    let grid = Grid::new_2d(8, 4, 2.0, 1.0).unwrap();
    let ic = InitialCondition::Expression("sin(2*pi*x/lx) * cos(2*pi*y/ly)".into());
    let u = ic.sample(&grid, &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
    assert!((u[1] - (PI / 4.0).sin()).abs() < 1e-15);

    let dir = std::env::temp_dir().join(format!("galerkin-ic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("u0.h5");
    {
        let file = hdf5::File::create(&path).unwrap();
        file.new_dataset::<f64>()
            .shape([4, 8])
            .create("u0")
            .unwrap()
            .write_raw(&u)
            .unwrap();
        file.new_dataset::<f64>()
            .shape([3, 8])
            .create("wrong")
            .unwrap()
            .write_raw(&u[..24])
            .unwrap();
    }
    let read = InitialCondition::File {
        path: path.clone(),
        dataset: None,
    };
    assert_eq!(
        read.sample(&grid, &mut ChaCha8Rng::seed_from_u64(0))
            .unwrap(),
        u
    );
    let wrong = InitialCondition::File {
        path: path.clone(),
        dataset: Some("wrong".into()),
    };
    let err = wrong
        .sample(&grid, &mut ChaCha8Rng::seed_from_u64(0))
        .unwrap_err();
    assert!(matches!(err, SolverError::ShapeMismatch { .. }), "{err}");
    let missing = InitialCondition::File {
        path: dir.join("nope.npy"),
        dataset: None,
    };
    let err = missing
        .sample(&grid, &mut ChaCha8Rng::seed_from_u64(0))
        .unwrap_err();
    assert!(matches!(err, SolverError::UnreadableFile { .. }), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// λ_max of KS at L = 22 by two-trajectory renormalization over `intervals` time units.
fn ks22_lyapunov(intervals: usize) -> f64 {
    let grid = Grid::new_1d(64, 22.0).unwrap();
    let u0: Vec<f64> = grid
        .x()
        .iter()
        .map(|x| 0.1 * (2.0 * PI * x / 22.0).cos() + 0.05 * (4.0 * PI * x / 22.0).sin())
        .collect();
    let make = || {
        let pde = Box::new(KuramotoSivashinsky::new(&grid, Dealias::TwoThirds).unwrap());
        Simulation::new(pde, Scheme::Etdrk4, 0.05, &u0).unwrap()
    };
    let (mut a, mut b) = (make(), make());
    let opts = LyapunovOptions {
        transient_steps: 4000,
        renormalize_every: 20,
        intervals,
        relative_separation: 1e-8,
    };
    largest_lyapunov_exponent(&mut a, &mut b, &opts)
        .unwrap()
        .exponent
}

/// Literature: λ_max ≈ 0.048 for KS at L = 22 (Cvitanović, Davidchack, Siminos, "On the
/// state space geometry of the Kuramoto–Sivashinsky flow in a periodic domain", SIAM J.
/// Appl. Dyn. Syst. 9(1), 2010, §2). Estimates over 5·10⁴–10⁵ time units here fluctuate by
/// ≈ 3 % (0.047–0.050), so the full check uses 10⁵.
const KS22_LYAPUNOV: f64 = 0.048;

#[test]
fn ks22_lyapunov_exponent_smoke() {
    // 2000 time units: positive and of the right size (the full run is ignored below).
    let lambda = ks22_lyapunov(2000);
    eprintln!("smoke lambda {lambda}");
    assert!(
        lambda > 0.5 * KS22_LYAPUNOV && lambda < 1.5 * KS22_LYAPUNOV,
        "λ = {lambda}"
    );
}

#[test]
#[ignore = "long run (≈ 5 s release, 10⁵ time units): cargo test --release -- --ignored ks22"]
fn ks22_lyapunov_exponent_matches_literature() {
    let lambda = ks22_lyapunov(100_000);
    eprintln!("KS L = 22: λ_max = {lambda:.4}");
    assert!((lambda / KS22_LYAPUNOV - 1.0).abs() <= 0.10, "λ = {lambda}");
}

#[test]
fn bad_input_names_the_field_and_range() {
    let g1 = Grid::new_1d(64, 1.0).unwrap();
    let g2 = Grid::new_2d(16, 16, 1.0, 1.0).unwrap();
    let field_of = |e: SolverError| match e {
        SolverError::InvalidParameter { field, .. } => field,
        other => panic!("unexpected error {other}"),
    };
    assert_eq!(
        field_of(Burgers::new(&g1, -0.1, Dealias::TwoThirds).unwrap_err()),
        "viscosity"
    );
    assert_eq!(
        field_of(Burgers::new(&g1, f64::NAN, Dealias::TwoThirds).unwrap_err()),
        "viscosity"
    );
    assert_eq!(
        field_of(
            NavierStokes::new(&g2, 1e-3, -1.0, Forcing::None, Dealias::TwoThirds).unwrap_err()
        ),
        "drag"
    );
    assert_eq!(field_of(Grid::new_1d(3, 1.0).unwrap_err()), "n");
    assert_eq!(field_of(Grid::new_2d(16, 2, 1.0, 1.0).unwrap_err()), "ny");
    assert_eq!(field_of(Scheme::Rk4.build(&[], 0.0).err().unwrap()), "dt");
    assert_eq!(field_of(Scheme::Rk4.build(&[], -1.0).err().unwrap()), "dt");
    assert_eq!(
        field_of(Schedule::from_t_end(0.1, 0.05, 1).unwrap_err()),
        "t_end"
    );
    assert_eq!(
        field_of(galerkin_solvers::pde_spec("heat").unwrap_err()),
        "pde"
    );
    assert_eq!(
        field_of(galerkin_solvers::error::parse_name::<Scheme>("integrator", "euler").unwrap_err()),
        "integrator"
    );
    let msg = Burgers::new(&g1, -0.1, Dealias::TwoThirds)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("a finite number > 0"), "{msg}");
    let ks = KuramotoSivashinsky::new(&g1, Dealias::TwoThirds).unwrap();
    let err = Simulation::new(Box::new(ks), Scheme::Etdrk4, 0.1, &[0.0; 10]).unwrap_err();
    assert!(matches!(err, SolverError::ShapeMismatch { .. }));
    let bad_kind = InitialCondition::RandomFourier {
        max_mode: 40,
        decay: 1.0,
        amplitude: 1.0,
    };
    assert_eq!(
        field_of(
            bad_kind
                .sample(&g1, &mut ChaCha8Rng::seed_from_u64(0))
                .unwrap_err()
        ),
        "ic.max_mode"
    );
}

#[test]
fn blow_up_and_cfl_violations_stop_the_run_with_what_was_saved() {
    // Inviscid-like Burgers with a huge dt: the CFL check fires at the first save after
    // the velocity exceeds the limit, and the snapshots before it were delivered.
    let grid = Grid::new_1d(64, 2.0 * PI).unwrap();
    let pde = Box::new(Burgers::new(&grid, 1e-3, Dealias::TwoThirds).unwrap());
    let u0: Vec<f64> = grid.x().iter().map(|x| 5.0 * x.sin()).collect();
    let mut sim = Simulation::new(pde, Scheme::Etdrk4, 0.05, &u0).unwrap();
    let schedule = Schedule::from_t_end(0.05, 5.0, 1).unwrap();
    let mut saved = 0;
    let err = sim
        .run(&schedule, |_| {
            saved += 1;
            Ok(())
        })
        .unwrap_err();
    match err {
        SolverError::Cfl {
            cfl, limit, step, ..
        } => {
            assert!(cfl > limit);
            assert_eq!(saved, step);
        }
        other => panic!("expected a CFL stop, got {other}"),
    }
    // RK4 far beyond its stability limit on KS blows up: the NaN check stops it.
    let ks = Box::new(
        KuramotoSivashinsky::new(&Grid::new_1d(64, 22.0).unwrap(), Dealias::TwoThirds).unwrap(),
    );
    let u0: Vec<f64> = (0..64).map(|i| (i as f64 * 0.3).sin()).collect();
    let mut sim = Simulation::new(ks, Scheme::Rk4, 0.1, &u0).unwrap();
    let err = Trajectory::collect(
        &mut sim,
        &Schedule {
            dt: 0.1,
            n_steps: 2000,
            save_every: 10,
            cfl_limit: None,
        },
    )
    .unwrap_err();
    assert!(matches!(err, SolverError::BlowUp { .. }), "{err}");
    assert!(err.to_string().contains("reduce dt"));
}
