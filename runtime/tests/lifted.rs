//! The lifted wave ROM in the portable format: the runtime steps it by implicit midpoint
//! as galerkin does, at the build mass and at another one, keeps and reports galerkin's
//! lifted energy, and projects and reconstructs the lifted state (q, p, w[, z]).

mod common;

use std::collections::BTreeMap;

use galerkin::rom::wave_run::WaveTrajectory;
use galerkin::rom::{solve, ReducedOrderModel, RomIntegrator};
use galerkin_runtime::{Instance, RomKind, RomModel, RuntimeError};
use galerkin_solvers::WaveNonlinearity;

use common::{assert_refused, lifted_bytes, lifted_rom, relative_diff, runtime_lifted};

const DT: f64 = 0.02;
const STEPS: usize = 100;

#[test]
fn lifted_rom_runs_as_galerkin_runs_it() {
    for (f, mass) in [
        (WaveNonlinearity::Exponential, 1.0),
        (WaveNonlinearity::SineGordon, 0.0),
        (WaveNonlinearity::Cubic, 1.0),
    ] {
        let (file, traj, model) = lifted_rom(f, mass);
        let rom = &file.rom;
        let rt = runtime_lifted(&file, "lifted");
        assert_eq!(rt.kind(), RomKind::LiftedQuadratic);
        assert_eq!(rt.rank(), rom.dim());
        assert_eq!(rt.full_dim(), ReducedOrderModel::full_dim(rom));
        assert_eq!(rt.parameter_names(), vec!["mass"]);
        let fields: Vec<&str> = rt.field_names().iter().map(String::as_str).collect();
        let expected = ["q", "p", "w", "z"];
        assert_eq!(fields, expected[..rom.bases.len()], "{f:?}");

        let lifted = model.lift(
            &WaveTrajectory::column(&traj.q, 0),
            &WaveTrajectory::column(&traj.p, 0),
        );
        let y0: Vec<f64> = lifted.concat();
        let x0 = ReducedOrderModel::project(rom, &y0).unwrap();
        let mut run = Instance::new(rt.clone(), DT).unwrap();
        assert_eq!(run.integrator(), "implicit-midpoint", "one step per dt");
        // The projection sums in another order than galerkin's: round-off only.
        run.set_state_full(&y0).unwrap();
        let projection = relative_diff(run.state(), &x0);
        assert!(projection <= 1e-12, "{f:?}: projection {projection:e}");

        for m in [mass, mass + 0.5] {
            let params = BTreeMap::from([("mass".to_string(), m)]);
            let mut online = rom.online(m);
            let reference = solve(
                &mut online,
                RomIntegrator::ImplicitMidpoint,
                &x0,
                DT,
                STEPS,
                STEPS,
            )
            .unwrap()
            .pop()
            .unwrap();
            run.set_parameter("mass", m).unwrap();
            run.set_state_reduced(&x0).unwrap();
            let e0 = run.energy();
            let galerkin_e0 = rom.invariant(&x0, &params).unwrap();
            assert_eq!(e0, galerkin_e0, "{f:?}: the energy galerkin evaluates");
            run.advance_to(STEPS as f64 * DT).unwrap();
            let diff = relative_diff(run.state(), &reference);
            eprintln!(
                "{f:?} m = {m}: final state relative difference {diff:e} (bit-identical: {})",
                run.state() == &reference[..]
            );
            // Newton iterates to round-off each step; the runtime's in-place LU and solves
            // may differ from galerkin's allocating ones in the last bits.
            assert!(diff <= 1e-12, "{f:?} m = {m}: {diff:e}");
            let energy = run.energy();
            assert_eq!(energy, rom.invariant(run.state(), &params).unwrap());
            let drift = (energy - e0).abs() / e0.abs();
            eprintln!("{f:?} m = {m}: lifted energy drift {drift:e}");
            // Implicit midpoint keeps the quadratic energy to the Newton tolerance.
            assert!(drift <= 1e-10, "{f:?} m = {m}: drift {drift:e}");

            let mut full = vec![0.0; rt.full_dim()];
            run.reconstruct(&mut full).unwrap();
            let mut expected = vec![0.0; rt.full_dim()];
            ReducedOrderModel::reconstruct(rom, run.state(), &mut expected);
            // The block-diagonal basis adds exact zeros: the same values.
            assert!(relative_diff(&full, &expected) <= 1e-15);
        }
    }
}

#[test]
fn lifted_parameters_are_checked() {
    let (file, _, _) = lifted_rom(WaveNonlinearity::Cubic, 1.0);
    let rt = runtime_lifted(&file, "lifted-bad");
    let mut run = Instance::new(rt, DT).unwrap();
    let before = run.energy();
    for (name, value) in [("viscosity", 1.0), ("mass", f64::NAN), ("mass", 1e300)] {
        let err = run.set_parameter(name, value).unwrap_err();
        assert!(matches!(err, RuntimeError::Invalid { .. }), "{err}");
        eprintln!("{name} = {value}: {err}");
    }
    assert_eq!(run.energy(), before, "a refused parameter changes nothing");
}

#[test]
fn bad_lifted_files_are_refused_by_name() {
    let (file, _, _) = lifted_rom(WaveNonlinearity::SineGordon, 0.0);
    let good = lifted_bytes(&file, "lifted-files");
    assert!(RomModel::from_bytes(&good).is_ok());
    assert_refused(
        &good,
        &[
            ("lifted.block_ranks", "[5, 5, 5]", "summing to r = 20"),
            ("lifted.block_ranks", "[20]", "at least 2 ranks"),
            ("lifted.block_ranks", "[5, 5, 5, 0, 5]", "ranks >= 1"),
            ("lifted.in_energy", "[true]", "4 booleans"),
            ("lifted.mass", "inf", "a finite number"),
            ("lifted.cell", "-1", "a finite number > 0"),
            ("lifted.coupling.0.by", "7", "0..4 (the blocks)"),
            ("lifted.coupling.0.coef", "x", "a number"),
            (
                "lifted.couplings",
                "99",
                "metadata `lifted.coupling.2.row` is missing",
            ),
            ("fields", "[\"q\"]", "4 names"),
        ],
    );
}
