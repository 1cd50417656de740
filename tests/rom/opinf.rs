//! Operator Inference's numerical core: finite-difference derivatives of the stated order
//! on non-uniform times, and a fit that recovers a known quadratic system.

use faer::Mat;
use galerkin::basis::regularized_least_squares;
use galerkin::rom::model::Nonlinear;
use std::collections::BTreeMap;

use galerkin::basis::{Basis, InnerProduct};
use galerkin::rom::learn::{learn, LearnOptions, ReducedTrajectory};
use galerkin::rom::opinf::{data_row, fit, integrate, time_derivatives, OpInfOperators};
use galerkin::rom::{Pod, PodMethod, ReducedModel, RomKind};

/// Non-uniform times on [0, 2]: a smooth warp of k equal intervals.
fn warped_times(k: usize) -> Vec<f64> {
    (0..k)
        .map(|j| {
            let s = j as f64 / (k - 1) as f64;
            2.0 * (s + 0.15 * (std::f64::consts::PI * s).sin() * s * (1.0 - s))
        })
        .collect()
}

#[test]
fn finite_differences_converge_at_their_order_on_non_uniform_times() {
    for order in [2, 4, 6] {
        let error = |k: usize| {
            let t = warped_times(k);
            let q = Mat::from_fn(1, k, |_, j| (3.0 * t[j]).sin());
            let dq = time_derivatives(q.as_ref(), &t, order).unwrap();
            (0..k)
                .map(|j| (dq[(0, j)] - 3.0 * (3.0 * t[j]).cos()).abs())
                .fold(0.0, f64::max)
        };
        let (coarse, fine) = (error(81), error(161));
        let observed = (coarse / fine).log2();
        eprintln!(
            "order {order}: max error {coarse:.2e} → {fine:.2e}, observed order {observed:.2}"
        );
        // Order p: halving the spacing divides the error by 2^p (±0.5 in the exponent for
        // the one-sided ends and the warp), well above round-off at these sizes.
        assert!(
            (observed - order as f64).abs() < 0.5,
            "order {order}: errors {coarse:e} → {fine:e}, observed order {observed:.2}"
        );
    }
}

/// A damped quadratic system of r = 3 with all three kinds of terms.
fn truth() -> OpInfOperators {
    let linear = Mat::from_fn(3, 3, |i, j| match (i, j) {
        (i, j) if i == j => -0.5 - 0.2 * i as f64,
        (0, 1) => 1.0,
        (1, 0) => -1.0,
        (2, 0) => 0.3,
        _ => 0.0,
    });
    // Energy-preserving-like quadratic coupling plus a little of every pair.
    let quadratic = (0..3 * 6)
        .map(|x| 0.05 * ((x * 7 % 11) as f64 - 5.0))
        .collect();
    OpInfOperators {
        constant: vec![0.1, -0.2, 0.05],
        linear,
        quadratic: Nonlinear::Quadratic { h: quadratic },
    }
}

/// RK4 states of `model` from q0, `saves` saves every `every` steps of dt (the library's
/// integrator, checked against the full models elsewhere).
fn trajectory(model: &OpInfOperators, q0: &[f64], dt: f64, every: usize, saves: usize) -> Mat<f64> {
    let times: Vec<f64> = (0..saves).map(|s| (s * every) as f64 * dt).collect();
    integrate(&mut model.dynamics(), q0, &times, every, f64::INFINITY)
        .unwrap()
        .unwrap()
}

/// The packed tensor of a learned model.
fn tensor(model: &OpInfOperators) -> &[f64] {
    match &model.quadratic {
        Nonlinear::Quadratic { h } => h,
        Nonlinear::Hyper(_) => panic!("a learned model holds a quadratic tensor"),
    }
}

fn max_difference(a: &OpInfOperators, b: &OpInfOperators) -> f64 {
    let c = a
        .constant
        .iter()
        .zip(&b.constant)
        .map(|(x, y)| (x - y).abs());
    let l = (0..3).flat_map(|i| (0..3).map(move |j| (i, j)));
    let l = l.map(|(i, j)| (a.linear[(i, j)] - b.linear[(i, j)]).abs());
    let h = tensor(a).iter().zip(tensor(b)).map(|(x, y)| (x - y).abs());
    c.chain(l).chain(h).fold(0.0, f64::max)
}

#[test]
fn fit_recovers_a_known_quadratic_system() {
    let model = truth();
    // Two trajectories so that the 10 unknowns per row are well determined.
    let a = trajectory(&model, &[1.0, 0.0, -0.5], 1e-3, 10, 200);
    let b = trajectory(&model, &[-0.6, 0.8, 0.4], 1e-3, 10, 200);
    let times: Vec<f64> = (0..200).map(|s| s as f64 * 1e-2).collect();
    let mut q = Mat::zeros(3, 400);
    let mut exact = Mat::zeros(3, 400);
    let mut dq = Mat::zeros(3, 400);
    for (offset, traj) in [(0, &a), (200, &b)] {
        let d = time_derivatives(traj.as_ref(), &times, 6).unwrap();
        for j in 0..200 {
            let state: Vec<f64> = (0..3).map(|i| traj[(i, j)]).collect();
            let mut f = vec![0.0; 3];
            model.dynamics().rhs(&state, &mut f);
            for i in 0..3 {
                q[(i, offset + j)] = state[i];
                dq[(i, offset + j)] = d[(i, j)];
                exact[(i, offset + j)] = f[i];
            }
        }
    }
    // Exact derivatives: the least squares alone, to round-off.
    let from_exact = fit(q.as_ref(), exact.as_ref(), 0.0).unwrap();
    assert!(
        max_difference(&from_exact, &model) < 1e-10,
        "{:e}",
        max_difference(&from_exact, &model)
    );
    // Sixth-order differences of RK4 data at Δt = 1e-2: the operators to ~1e-7.
    let learned = fit(q.as_ref(), dq.as_ref(), 0.0).unwrap();
    let err = max_difference(&learned, &model);
    eprintln!(
        "operators recovered: {:.1e} from exact derivatives, {err:.1e} from 6th-order differences",
        max_difference(&from_exact, &model)
    );
    assert!(err < 1e-6, "{err:e}");
    // Regularization shrinks the operators toward zero as λ grows.
    let norm = |o: &OpInfOperators| tensor(o).iter().map(|h| h * h).sum::<f64>();
    let shrunk = fit(q.as_ref(), dq.as_ref(), 10.0).unwrap();
    assert!(norm(&shrunk) < norm(&learned));
}

#[test]
fn bad_input_is_a_clear_error() {
    let t = warped_times(20);
    let q = Mat::from_fn(2, 20, |i, j| (i as f64 + t[j]).sin());
    let message = |e: galerkin::rom::RomError| e.to_string();
    let e = time_derivatives(q.as_ref(), &t, 7).unwrap_err();
    assert!(message(e).contains("`order` = 7: allowed 2 ..= 6"));
    let e = time_derivatives(q.as_ref(), &t[..10], 4).unwrap_err();
    assert!(message(e).contains("one per snapshot (20)"));
    let mut back = t.clone();
    back.swap(3, 4);
    let e = time_derivatives(q.as_ref(), &back, 4).unwrap_err();
    assert!(message(e).contains("strictly increasing"));
    // r = 2 has 1 + 2 + 3 = 6 unknowns per row: 5 snapshots are too few without λ.
    let few = Mat::from_fn(2, 5, |i, j| (i + j) as f64);
    let e = fit(few.as_ref(), few.as_ref(), 0.0).unwrap_err();
    assert!(message(e).contains("at least 6"));
    // Collinear data are rank-deficient: an error that asks for λ > 0, and λ fixes it.
    let line = Mat::from_fn(2, 40, |i, j| (1 + i) as f64 * j as f64);
    let d = Mat::from_fn(2, 40, |_, _| 1.0);
    let e = message(fit(line.as_ref(), d.as_ref(), 0.0).unwrap_err());
    assert!(e.contains("lambda > 0"), "{e}");
    assert!(fit(line.as_ref(), d.as_ref(), 1e-6).is_ok());
    let mut row = vec![0.0; 1 + 2 + 3 + 3 + 1];
    data_row(&[2.0, 3.0], &[0.5], &[-7.0], &mut row);
    assert_eq!(row, vec![1.0, 2.0, 3.0, 4.0, 6.0, 9.0, 0.5, 1.0, 1.5, -7.0]);
    let a = Mat::from_fn(3, 2, |i, j| (i + j) as f64);
    assert!(regularized_least_squares(a.as_ref(), a.as_ref(), -1.0).is_err());
}

/// The identity "POD" of r = 3 coordinates: the learned model's states are the data's.
fn identity_space() -> Pod {
    Pod {
        basis: Basis::from_orthonormal(Mat::identity(3, 3), InnerProduct::Euclidean, 1e-12)
            .unwrap(),
        singular_values: vec![1.0; 3],
        mean: None,
        n_snapshots: 0,
        method: PodMethod::Thin,
    }
}

#[test]
fn regularization_is_chosen_by_the_integrated_training_error() {
    let model = truth();
    let clean = trajectory(&model, &[1.0, 0.0, -0.5], 1e-3, 10, 300);
    let times: Vec<f64> = (0..300).map(|s| s as f64 * 1e-2).collect();
    // Measurement noise of 1e-3 (deterministic), which finite differences amplify.
    let noisy = Mat::from_fn(3, 300, |i, j| {
        clean[(i, j)] + 1e-3 * ((i * 7919 + j * 104_729) as f64).sin()
    });
    let data = [ReducedTrajectory {
        states: noisy.clone(),
        times: times.clone(),
        parameters: BTreeMap::new(),
        inputs: None,
    }];
    let opts = LearnOptions {
        derivative_order: 2,
        lambdas: vec![0.0, 1e-4, 1e-3, 1e-2, 1e-1, 1.0],
        quadratic_ratios: vec![1.0],
        growth: 2.0,
        substeps: 4,
        stability_check: true,
        score_window: None,
        affine_parameters: Vec::new(),
    };
    let base = ReducedModel::without_operators("test", &identity_space());
    let chosen = learn(&base, RomKind::Opinf, &data, &opts).unwrap();
    let learned = chosen.learned.clone().unwrap();
    assert_eq!(learned.scores.len(), opts.lambdas.len());
    let best = learned
        .scores
        .iter()
        .map(|s| s.training_error)
        .fold(f64::INFINITY, f64::min);
    // The chosen model is the best-scoring one: its own run reproduces that score.
    let q0 = [noisy[(0, 0)], noisy[(1, 0)], noisy[(2, 0)]];
    let mut online = chosen.online(&BTreeMap::new()).unwrap();
    let run = integrate(&mut online, &q0, &times, 4, f64::INFINITY)
        .unwrap()
        .unwrap();
    let error = (&run - &noisy).norm_l2() / noisy.norm_l2();
    eprintln!(
        "λ scores {:?}; chosen λ = {} error {error:.2e}",
        learned.scores, learned.lambda
    );
    assert!(
        (error - best).abs() <= 1e-12 * best.max(1e-300) && learned.training_error == best,
        "{error} vs {best}"
    );
    // ... and, learned from noisy data, it tracks the clean trajectory to the noise level.
    let to_clean = (&run - &clean).norm_l2() / clean.norm_l2();
    assert!(to_clean < 0.05, "{to_clean:e}");
    // A closure of a model that is already exact keeps it (λ = ∞ or a negligible
    // correction): its training error is at most the exact model's.
    let exact_base = ReducedModel {
        linear: galerkin::rom::LinearPart {
            terms: Vec::new(),
            fixed: model.linear.clone(),
            constant: model.constant.clone(),
        },
        nonlinear: model.quadratic.clone(),
        ..base.clone()
    };
    let closure = learn(&exact_base, RomKind::GalerkinClosure, &data, &opts).unwrap();
    let closure_scores = closure.learned.unwrap().scores;
    let alone = closure_scores.last().unwrap();
    assert!(alone.lambda.is_infinite());
    assert!(closure_scores.iter().all(|s| s.training_error >= 0.0));
    assert!(
        closure_scores
            .iter()
            .map(|s| s.training_error)
            .fold(f64::INFINITY, f64::min)
            <= alone.training_error
    );
    // Constant states make the data matrix rank-deficient: λ = 0 alone is no candidate, a
    // clear error that suggests larger λ.
    let flat = [ReducedTrajectory {
        states: Mat::from_fn(3, 300, |i, _| 0.3 * (i + 1) as f64),
        ..data[0].clone()
    }];
    let only_zero = LearnOptions {
        lambdas: vec![0.0],
        ..opts.clone()
    };
    let e = learn(&base, RomKind::Opinf, &flat, &only_zero)
        .unwrap_err()
        .to_string();
    assert!(e.contains("try larger λ"), "{e}");
}
