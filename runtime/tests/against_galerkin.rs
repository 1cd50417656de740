//! The runtime runs a portable file exactly as galerkin runs the model it was written from
//! with its `auto` integrator: the same scheme (RK4, or ETDRK4 for a stiff step), the same
//! final reduced state (bit for bit), the same projection and reconstruction, and probes
//! equal to the reconstruction's entries.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use galerkin::rom::{solve, RomIntegrator, Stepper};
use galerkin_runtime::{Instance, RomKind, RomModel};

use common::{relative_diff, runtime_model, Case};

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<RomModel>();
    send_sync::<Arc<RomModel>>();
};

#[test]
fn runtime_matches_galerkin_solve() {
    let case = Case::burgers();
    let u0 = case.u0();
    let params = BTreeMap::from([("viscosity".to_string(), 0.015)]);
    // dt = 0.1 is too stiff for one RK4 step (ETDRK4 runs); 1e-3 is not (RK4 runs).
    for (dt, steps) in [(0.1, 5), (1e-3, 200)] {
        for model in case.models() {
            let rt = runtime_model(&model, "match");
            assert_eq!(rt.rank(), 8);
            assert_eq!(rt.full_dim(), 128);
            assert_eq!(rt.grid_shape(), model.grid_shape.as_slice());
            assert_eq!(rt.parameter_names(), model.parameter_names());
            assert_eq!(rt.kind().name(), model.kind().name());

            let mut online = model.online(&params).unwrap();
            let x0 = model.project(u0).unwrap();
            let stepper = Stepper::new(RomIntegrator::Auto, &online, dt).unwrap();
            let reference = solve(&mut online, RomIntegrator::Auto, &x0, dt, steps, steps)
                .unwrap()
                .pop()
                .unwrap();

            let mut run = Instance::new(rt.clone(), dt).unwrap();
            run.set_parameter("viscosity", 0.015).unwrap();
            assert_eq!(
                run.integrator(),
                stepper.active_scheme().name(),
                "the same scheme"
            );
            let expected = if dt == 0.1 { "etdrk4" } else { "rk4" };
            assert_eq!(run.integrator(), expected, "dt exercises the rule");

            // The projection of a full state (different summation order: ≤ 1e-12).
            run.set_state_full(u0).unwrap();
            let projection = relative_diff(run.state(), &x0);
            eprintln!(
                "{:?}: projection relative difference {projection:e}",
                rt.kind()
            );
            assert!(projection <= 1e-12, "projection differs by {projection:e}");

            run.set_state_reduced(&x0).unwrap();
            run.advance_to(steps as f64 * dt).unwrap();
            assert_eq!(run.time(), steps as f64 * dt);
            let diff = relative_diff(run.state(), &reference);
            eprintln!(
                "{:?} dt = {dt}: {}, final state relative difference {diff:e}",
                rt.kind(),
                run.integrator()
            );
            assert_eq!(run.state(), &reference[..], "bit-identical final state");

            // Reconstruction and probes.
            let mut expected = vec![0.0; 128];
            model.reconstruct(&reference, &mut expected);
            let mut full = vec![0.0; 128];
            run.reconstruct(&mut full).unwrap();
            assert_eq!(full, expected, "reconstruction bit-identical");
            let indices = [0, 5, 64, 127, 5];
            let mut probes = [0.0; 5];
            run.probes(&indices, &mut probes).unwrap();
            for (&i, &p) in indices.iter().zip(&probes) {
                assert_eq!(p, full[i]);
                assert_eq!(run.probe(i).unwrap(), full[i]);
            }
        }
    }
}

#[test]
fn instances_share_one_model_across_threads() {
    let case = Case::burgers();
    let model = case.models().remove(1);
    let rt = runtime_model(&model, "threads");
    assert_eq!(rt.kind(), RomKind::Qdeim);
    let x0 = model.project(case.u0()).unwrap();
    let finals: Vec<Vec<f64>> = [0.01, 0.02]
        .into_iter()
        .map(|nu| {
            let (rt, x0) = (rt.clone(), x0.clone());
            std::thread::spawn(move || {
                let mut run = Instance::new(rt, 1e-3).unwrap();
                run.set_parameter("viscosity", nu).unwrap();
                run.set_state_reduced(&x0).unwrap();
                run.advance_to(0.05).unwrap();
                run.state().to_vec()
            })
        })
        .map(|h| h.join().unwrap())
        .collect();
    assert_ne!(
        finals[0], finals[1],
        "each instance keeps its own parameters"
    );
    assert_eq!(Arc::strong_count(&rt), 1);
}

#[test]
fn instances_reuse_an_etdrk4_scheme_only_for_the_same_operator_and_step() {
    // One model shared by instances at viscosity 0.015, 0.03, 0.015 and at another dt: each
    // runs as an instance of a fresh copy of the file (nothing cached) runs, bit for bit,
    // so the cached scheme is taken for the same A(θ) and dt only.
    let case = Case::burgers();
    let model = case.models().remove(0);
    let x0 = model.project(case.u0()).unwrap();
    let shared = runtime_model(&model, "cache");
    let run = |rt: &Arc<RomModel>, nu: f64, dt: f64| {
        let mut run = Instance::new(rt.clone(), dt).unwrap();
        run.set_parameter("viscosity", nu).unwrap();
        assert_eq!(run.integrator(), "etdrk4", "dt {dt} is stiff");
        run.set_state_reduced(&x0).unwrap();
        run.advance_to(5.0 * dt).unwrap();
        run.state().to_vec()
    };
    let cases = [(0.015, 0.1), (0.03, 0.1), (0.015, 0.1), (0.015, 0.2)];
    let shared_runs: Vec<Vec<f64>> = cases.iter().map(|&(nu, dt)| run(&shared, nu, dt)).collect();
    for (&(nu, dt), got) in cases.iter().zip(&shared_runs) {
        let fresh = run(&runtime_model(&model, "fresh"), nu, dt);
        assert_eq!(
            got, &fresh,
            "viscosity {nu}, dt {dt}: as with nothing cached"
        );
    }
    assert_ne!(
        shared_runs[0], shared_runs[1],
        "another viscosity runs otherwise"
    );
}
