//! ROMs learned from simulated Burgers data (the workflow of `galerkin reduce --method
//! opinf | galerkin-closure | dmd`): inside the training window Operator Inference reaches
//! the POD projection floor and the closure is at least as good as Galerkin; the
//! derivative-free integral form does too; a model affine in the viscosity beats one model
//! for all viscosities on held-out ones; the ROM files round-trip.

use std::collections::BTreeMap;

use galerkin::basis::Truncation;
use galerkin::data::Dataset;
use galerkin::rom::learn::LearnOptions;
use galerkin::rom::{
    Comparison, PodOptions, ReducedModel, Reduction, RomIntegrator, RomKind, RunOptions,
};
use galerkin::workflow::{
    evaluate_on_dataset, reduce, reduce_learned, LearnedMethod, LearnedReduceOptions, ReduceOptions,
};

use super::common::{self, temp_dir};

fn pod(r: usize) -> PodOptions {
    PodOptions {
        truncation: Truncation::Rank(r),
        ..PodOptions::default()
    }
}

fn learned(data: &Dataset, r: usize, method: LearnedMethod, times: usize) -> ReducedModel {
    let opts = LearnedReduceOptions {
        pod: pod(r),
        method,
        trajectories: vec![],
        times: Some(0..times),
    };
    reduce_learned(data, &opts).unwrap().0
}

fn score(
    model: &ReducedModel,
    data: &Dataset,
    index: usize,
    window: std::ops::Range<usize>,
) -> Comparison {
    let run = RunOptions {
        dt: 1e-3,
        integrator: RomIntegrator::Rk4,
        parameters: BTreeMap::new(),
    };
    evaluate_on_dataset(model, data, index, &run, Some(window)).unwrap()
}

#[test]
fn learned_roms_reach_the_projection_floor_in_the_training_window() {
    let dir = temp_dir("learned");
    let path = dir.join("b.h5");
    // Burgers ν = 0.05 on 128 points, 101 saves on [0, 1]; train on the first 51.
    common::simulate_recipe_with("datasets/rom-burgers-smooth.toml", &path, &["grid.n=128"]);
    let data = Dataset::open(&path).unwrap();
    let r = 8;
    let galerkin = reduce(
        &data,
        &ReduceOptions {
            pod: pod(r),
            kind: Reduction::Galerkin,
            trajectories: vec![],
            times: Some(0..51),
        },
    )
    .unwrap()
    .0;
    let defaults = LearnOptions::default();
    let opinf = learned(&data, r, LearnedMethod::Opinf(defaults.clone()), 51);
    let closure = learned(&data, r, LearnedMethod::Closure(defaults.clone()), 51);
    let integral = learned(
        &data,
        r,
        LearnedMethod::Opinf(LearnOptions {
            derivative_order: 0,
            ..defaults.clone()
        }),
        51,
    );
    let inside = |m: &ReducedModel| score(m, &data, 0, 0..51);
    let (g, o, c, i) = (
        inside(&galerkin),
        inside(&opinf),
        inside(&closure),
        inside(&integral),
    );
    let floor = g.projection_relative_error;
    eprintln!(
        "in-sample: floor {floor:.3e}, Galerkin {:.3e}, OpInf {:.3e}, closure {:.3e}, \
         integral-form OpInf {:.3e}",
        g.relative_error, o.relative_error, c.relative_error, i.relative_error
    );
    // OpInf and the closure fit the training window to the floor (measured 1.00×); 1.1×
    // leaves room for round-off in the λ choice. The Galerkin ROM is above it (measured
    // 1.1×): its truncated modes are missing, which the closure learns.
    assert!(
        o.relative_error <= 1.1 * floor,
        "{} vs {floor}",
        o.relative_error
    );
    assert!(
        c.relative_error <= 1.1 * floor,
        "{} vs {floor}",
        c.relative_error
    );
    assert!(c.relative_error <= g.relative_error);
    // The integral form's trapezoidal rule is second order in the save interval: with
    // Δt = 0.01 and the fastest reduced time scales its quadrature error dominates (measured
    // 4.4× the floor, still 0.03 %); bounded at 6×.
    assert!(
        i.relative_error <= 6.0 * floor,
        "{} vs {floor}",
        i.relative_error
    );
    assert_eq!(opinf.kind(), RomKind::Opinf);
    assert_eq!(closure.kind(), RomKind::GalerkinClosure);
    let record = opinf.learned.as_ref().unwrap();
    assert_eq!(record.scores.len(), 30);
    assert!(record.training_error.is_finite() && record.lambda > 0.0);
    // Beyond the window: every learned model stays bounded (no blow-up).
    for m in [&opinf, &closure, &integral] {
        let after = score(m, &data, 0, 50..101);
        assert!(after.relative_error.is_finite() && after.relative_error < 1.0);
    }
    // ROM files round-trip, the learned record included (its timing is not stored).
    let file = dir.join("closure.h5");
    closure.save(&file).unwrap();
    let back = ReducedModel::load(&file).unwrap();
    assert_eq!(back.kind(), RomKind::GalerkinClosure);
    let (a, b) = (closure.learned.unwrap(), back.learned.unwrap());
    assert_eq!((a.lambda, a.quadratic_ratio), (b.lambda, b.quadratic_ratio));
    assert_eq!(a.scores, b.scores);
    assert_eq!(back.linear.fixed, closure.linear.fixed);
}

#[test]
fn affine_operator_inference_generalizes_to_held_out_viscosities() {
    let dir = temp_dir("learned-affine");
    let (train, test) = (dir.join("train.h5"), dir.join("test.h5"));
    common::simulate_recipe("datasets/rom-burgers-param-train.toml", &train);
    common::simulate_recipe("datasets/rom-burgers-param-test.toml", &test);
    let (train, test) = (
        Dataset::open(&train).unwrap(),
        Dataset::open(&test).unwrap(),
    );
    let fit = |affine: Vec<String>| {
        learned(
            &train,
            10,
            LearnedMethod::Opinf(LearnOptions {
                affine_parameters: affine,
                ..LearnOptions::default()
            }),
            train.shape()[1],
        )
    };
    let (single, affine) = (fit(vec![]), fit(vec!["viscosity".into()]));
    assert_eq!(affine.parameter_names(), vec!["viscosity".to_string()]);
    // Held-out viscosities inside the training range (0.025, 0.06, 0.09).
    let mut errors = [0.0f64; 2];
    for index in 0..3 {
        for (e, model) in errors.iter_mut().zip([&single, &affine]) {
            let c = score(model, &test, index, 0..test.shape()[1]);
            *e = e.max(c.relative_error);
        }
    }
    eprintln!(
        "held-out viscosities: one model {:.3e}, affine in ν {:.3e}",
        errors[0], errors[1]
    );
    // One model for all viscosities cannot follow ν (measured 30 % error); the affine
    // model can (0.16 %): at least 20× smaller worst-case error.
    assert!(errors[1] < errors[0] / 20.0, "{errors:?}");
}
