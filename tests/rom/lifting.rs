//! Energy-quadratization lifting ROMs: structure (skew Ĵ, energy-neutral couplings),
//! exact conservation of the reduced lifted energy, accuracy against the full model,
//! parametric Klein–Gordon, and the DEIM baseline.

use faer::Mat;
use galerkin::app::figures::wave_study::{run_deim, run_lifted};
use galerkin::rom::lifting::{block_pod, LiftedRom};
use galerkin::rom::wave_run::{simulate_wave, WaveTrajectory};
use galerkin::rom::Dynamics;
use galerkin_solvers::{ConservativeWave, Grid, LiftedWave, WaveNonlinearity};

/// A short trajectory: 1-D exponential (48 points) or 2-D (24²) from a Gaussian bump.
fn trajectory(f: WaveNonlinearity, mass: f64) -> (Grid, WaveTrajectory) {
    let grid = if f == WaveNonlinearity::Exponential {
        Grid::new_1d(48, 20.0).unwrap()
    } else {
        Grid::new_2d(24, 24, 12.0, 12.0).unwrap()
    };
    let (x, y) = (grid.x(), grid.y());
    let c = grid.lx() / 2.0;
    let two_d = grid.is_2d();
    let q0: Vec<f64> = y
        .iter()
        .flat_map(|&yj| {
            x.iter().map(move |&xi| {
                let r2 = (xi - c).powi(2) + if two_d { (yj - c).powi(2) } else { 0.0 };
                1.5 * (-r2 / 2.0).exp()
            })
        })
        .collect();
    let p0 = vec![0.0; q0.len()];
    let mut wave = ConservativeWave::new(&grid, f, mass).unwrap();
    let traj = simulate_wave(&mut wave, &q0, &p0, 0.02, 250, 5).unwrap();
    (grid, traj)
}

const CASES: [(WaveNonlinearity, f64); 3] = [
    (WaveNonlinearity::Exponential, 1.0),
    (WaveNonlinearity::SineGordon, 0.0),
    (WaveNonlinearity::Cubic, 1.0),
];

/// A lifted ROM of `r` modes per block of the short run of `f` at `mass`, with its full
/// model and the run.
pub(super) fn rom(
    f: WaveNonlinearity,
    mass: f64,
    r: usize,
) -> (LiftedWave, LiftedRom, WaveTrajectory) {
    let (grid, traj) = trajectory(f, mass);
    let mut model = LiftedWave::new(ConservativeWave::new(&grid, f, mass).unwrap());
    let blocks = traj.lifted(&model);
    let bases = block_pod(&blocks, &vec![r; blocks.len()]).unwrap();
    let rom = LiftedRom::build(&mut model, bases).unwrap();
    (model, rom, traj)
}

#[test]
fn reduced_structure_is_skew_and_energy_neutral() {
    for (f, mass) in CASES {
        let (_, rom, _) = rom(f, mass, 6);
        let n = rom.dim();
        let y: Vec<f64> = (0..n).map(|i| ((i * 37 % 11) as f64 - 5.0) / 3.0).collect();
        let j = rom.structure(&y);
        let skew = (&j + j.transpose()).norm_max();
        assert!(skew <= 1e-14 * j.norm_max(), "{f:?}: ‖Ĵ + Ĵᵀ‖ = {skew:e}");
        let j0_skew = (&rom.j0 + rom.j0.transpose()).norm_max();
        assert!(j0_skew <= 1e-14 * rom.j0.norm_max(), "{f:?}: {j0_skew:e}");
        // ∇Ĥᵀ Ĵ(ŷ) ∇Ĥ = 0: the quadratic part neither makes nor destroys energy.
        let q = rom.energy_matrix(mass);
        let g = &q * Mat::from_fn(n, 1, |i, _| y[i]);
        let power = (g.transpose() * &j * &g)[(0, 0)];
        let scale = g.norm_l2().powi(2) * j.norm_max();
        assert!(
            power.abs() <= 1e-14 * scale,
            "{f:?}: {power:e} of {scale:e}"
        );
    }
}

#[test]
fn lifted_energy_is_conserved_for_every_rank() {
    for (f, mass) in CASES {
        let (grid, traj) = trajectory(f, mass);
        let mut model = LiftedWave::new(ConservativeWave::new(&grid, f, mass).unwrap());
        let mut previous = f64::INFINITY;
        for r in [2, 4, 8, 12] {
            let run = run_lifted(&mut model, &[&traj], &traj, r, mass, 0.02, 5).unwrap();
            let drift = run.lifted_energy_error.iter().fold(0f64, |m, e| m.max(*e));
            assert!(
                drift <= 1e-12,
                "{f:?} r = {r}: lifted energy drift {drift:e}"
            );
            if r >= 8 {
                assert!(
                    run.error < previous,
                    "{f:?} r = {r}: {} vs {previous}",
                    run.error
                );
            }
            previous = run.error;
        }
        // 12 modes per block reproduce these short runs to a few per cent or better.
        assert!(previous < 0.05, "{f:?}: {previous}");
    }
}

#[test]
fn jacobians_match_finite_differences() {
    for (f, mass) in CASES {
        let (mut model, rom, traj) = rom(f, mass, 4);
        let mut online = rom.online(mass);
        let y0 = model.lift(
            &WaveTrajectory::column(&traj.q, 10),
            &WaveTrajectory::column(&traj.p, 10),
        );
        let x = rom.project(&y0);
        check_jacobian(&mut online, &x, &format!("lifted {f:?}"));
        let deim =
            galerkin::rom::lifting::DeimWaveRom::build(&mut model, &traj.q, &traj.p, [4, 4], 8)
                .unwrap();
        let mut online = deim.online(mass);
        let x = deim.project(
            &WaveTrajectory::column(&traj.q, 10),
            &WaveTrajectory::column(&traj.p, 10),
        );
        check_jacobian(&mut online, &x, &format!("DEIM {f:?}"));
    }
}

fn check_jacobian(model: &mut dyn Dynamics, x: &[f64], what: &str) {
    let n = x.len();
    let mut jac = vec![0.0; n * n];
    model.jacobian(x, &mut jac);
    let (mut fp, mut fm) = (vec![0.0; n], vec![0.0; n]);
    let h = 1e-6;
    for l in 0..n {
        let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
        xp[l] += h;
        xm[l] -= h;
        model.rhs(&xp, &mut fp);
        model.rhs(&xm, &mut fm);
        for k in 0..n {
            let fd = (fp[k] - fm[k]) / (2.0 * h);
            // Central differences: O(h²) truncation on smooth terms, ε|f|/h round-off.
            assert!(
                (fd - jac[k * n + l]).abs() < 1e-5 * (1.0 + fd.abs()),
                "{what} ({k},{l}): {fd} vs {}",
                jac[k * n + l]
            );
        }
    }
}

#[test]
fn parametric_klein_gordon_generalizes_inside_the_training_range() {
    let f = WaveNonlinearity::Cubic;
    let train: Vec<(Grid, WaveTrajectory)> = [0.8, 1.2].iter().map(|&m| trajectory(f, m)).collect();
    let (grid, held_out) = trajectory(f, 1.0);
    let mut model = LiftedWave::new(ConservativeWave::new(&grid, f, 1.0).unwrap());
    let refs: Vec<&WaveTrajectory> = train.iter().map(|(_, t)| t).collect();
    let run = run_lifted(&mut model, &refs, &held_out, 12, 1.0, 0.02, 5).unwrap();
    assert!(run.error < 0.05, "held-out m = 1: {}", run.error);
    let drift = run.lifted_energy_error.iter().fold(0f64, |m, e| m.max(*e));
    assert!(drift <= 1e-12, "{drift:e}");
}

#[test]
fn deim_baseline_runs_and_does_not_conserve_exactly() {
    let f = WaveNonlinearity::Cubic;
    let (grid, traj) = trajectory(f, 1.0);
    let mut model = LiftedWave::new(ConservativeWave::new(&grid, f, 1.0).unwrap());
    let deim = run_deim(&mut model, &[&traj], &traj, 8, 16, 1.0, 0.02, 5).unwrap();
    let lifted = run_lifted(&mut model, &[&traj], &traj, 8, 1.0, 0.02, 5).unwrap();
    assert!(deim.error < 0.1, "{}", deim.error);
    let worst = |e: &[f64]| e.iter().fold(0f64, |m, v| m.max(*v));
    // The original energy: neither ROM keeps it exactly; the DEIM one is not even
    // structured, so its error is far above round-off.
    assert!(
        worst(&deim.energy_error) > 1e-8,
        "{}",
        worst(&deim.energy_error)
    );
    assert!(worst(&lifted.lifted_energy_error) < 1e-12);
}

#[test]
fn bases_must_match_the_lifting() {
    let (grid, traj) = trajectory(WaveNonlinearity::SineGordon, 0.0);
    let mut model =
        LiftedWave::new(ConservativeWave::new(&grid, WaveNonlinearity::SineGordon, 0.0).unwrap());
    let blocks = traj.lifted(&model);
    let bases = block_pod(&blocks[..3], &[4, 4, 4]).unwrap();
    let err = LiftedRom::build(&mut model, bases).unwrap_err();
    assert!(err.to_string().contains("4 bases"), "{err}");
    let err = block_pod(&blocks, &[4, 4]).unwrap_err();
    assert!(err.to_string().contains("one rank per block"), "{err}");
}
