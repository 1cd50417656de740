//! Ensembles of reduced trajectories stepped together: each member against the same
//! trajectory run alone, the same bits on any thread count, and bad input.

use std::collections::BTreeMap;

use galerkin::rom::{
    solve, solve_ensemble, PointSelection, ReducedModel, Reduction, RomError, RomIntegrator,
    ENSEMBLE_BLOCK,
};

use super::fixtures::Case;

/// `members` initial states: the projection of the case's first snapshot, scaled by
/// 1 − 5 % … 1 + 5 %, back to back.
fn initial_states(case: &Case, model: &ReducedModel, members: usize) -> Vec<f64> {
    let x0 = model.project(&case.traj.data[..case.n()]).unwrap();
    (0..members)
        .flat_map(|b| {
            let scale = 0.95 + 0.1 * b as f64 / (members - 1) as f64;
            x0.iter().map(move |v| scale * v).collect::<Vec<_>>()
        })
        .collect()
}

/// The largest difference between a member of the ensemble and its own run, relative to
/// the largest coordinate of that run, over all saves and members.
fn ensemble_vs_alone(case: &Case, model: &ReducedModel, scheme: RomIntegrator) -> f64 {
    let (r, members, steps) = (model.rank(), ENSEMBLE_BLOCK + 9, 100);
    let x0 = initial_states(case, model, members);
    let params = BTreeMap::new();
    let together = solve_ensemble(model, &params, scheme, &x0, case.dt, steps, 10).unwrap();
    assert_eq!(together.len(), steps / 10 + 1, "saves");
    let mut worst: f64 = 0.0;
    for (b, start) in x0.chunks_exact(r).enumerate() {
        let mut online = model.online(&params).unwrap();
        let alone = solve(&mut online, scheme, start, case.dt, steps, 10).unwrap();
        for (save, state) in together.iter().zip(&alone) {
            let scale = state.iter().fold(0f64, |m, v| m.max(v.abs()));
            let member = &save[b * r..(b + 1) * r];
            for (x, y) in member.iter().zip(state) {
                worst = worst.max((x - y).abs() / scale);
            }
        }
    }
    worst
}

#[test]
fn each_member_of_an_ensemble_follows_its_trajectory_run_alone() {
    // The ensemble's matrix–matrix products sum in another order than the single
    // trajectory's matrix–vector products: the members differ from their lone runs by
    // round-off (≈ 1e-16 per product) grown over 100 steps: measured 1e-15 … 9e-15,
    // bounded at 1e-12 for a 100× margin.
    let ns = Case::navier_stokes();
    let pod = ns.pod(12, true);
    let galerkin = ns.model(&pod, 12, Reduction::Galerkin);
    let hyper = ns.model(
        &pod,
        12,
        Reduction::Hyper {
            points: 24,
            selection: PointSelection::Qdeim,
        },
    );
    let ks = Case::kuramoto_sivashinsky();
    let ks_model = ks.model(&ks.pod(16, true), 16, Reduction::Galerkin);
    let runs = [
        ("NS Galerkin, RK4", &ns, &galerkin, RomIntegrator::Rk4),
        ("NS Q-DEIM, RK4", &ns, &hyper, RomIntegrator::Rk4),
        (
            "KS Galerkin, auto = ETDRK4",
            &ks,
            &ks_model,
            RomIntegrator::Auto,
        ),
        (
            "KS Galerkin, implicit midpoint",
            &ks,
            &ks_model,
            RomIntegrator::ImplicitMidpoint,
        ),
    ];
    for (name, case, model, scheme) in runs {
        let worst = ensemble_vs_alone(case, model, scheme);
        assert!(worst < 1e-12, "{name}: member vs alone {worst:e}");
    }
}

#[test]
fn an_ensemble_gives_the_same_bits_on_any_number_of_threads() {
    let case = Case::navier_stokes();
    let model = case.model(&case.pod(12, true), 12, Reduction::Galerkin);
    let x0 = initial_states(&case, &model, 2 * ENSEMBLE_BLOCK + 5);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                solve_ensemble(
                    &model,
                    &BTreeMap::new(),
                    RomIntegrator::Auto,
                    &x0,
                    case.dt,
                    50,
                    25,
                )
                .unwrap()
            })
    };
    let one = run(1);
    for threads in [2, 3] {
        let other = run(threads);
        let same = one
            .iter()
            .flatten()
            .zip(other.iter().flatten())
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(same, "{threads} threads differ from 1");
    }
}

#[test]
fn bad_ensembles_are_refused_and_a_blow_up_is_reported() {
    let case = Case::navier_stokes();
    let model = case.model(&case.pod(8, true), 8, Reduction::Galerkin);
    let params = BTreeMap::new();
    let go = |x0: &[f64], save_every: usize| {
        solve_ensemble(
            &model,
            &params,
            RomIntegrator::Rk4,
            x0,
            case.dt,
            20,
            save_every,
        )
    };
    let e = go(&[0.0; 12], 1).unwrap_err().to_string();
    assert!(e.contains("x0") && e.contains("r = 8"), "{e}");
    let e = go(&[], 1).unwrap_err().to_string();
    assert!(e.contains("x0"), "{e}");
    let e = go(&[0.0; 16], 0).unwrap_err().to_string();
    assert!(e.contains("save_every"), "{e}");
    // One member of the second block starts far outside the data: its quadratic term
    // overflows within a few steps and the whole run stops with the step.
    let mut x0 = initial_states(&case, &model, ENSEMBLE_BLOCK + 4);
    x0[(ENSEMBLE_BLOCK + 2) * 8] = 1e120;
    match go(&x0, 1) {
        Err(RomError::BlowUp { step, .. }) => assert!(step <= 5, "blow-up at step {step}"),
        other => panic!("expected a blow-up, got {other:?}"),
    }
}
