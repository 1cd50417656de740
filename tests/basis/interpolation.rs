//! DEIM, Q-DEIM and EIM: point quality and the interpolation error bound.

use faer::Mat;
use galerkin::basis::{deim, qdeim, qdeim_bound, thin_svd, Eim, InnerProduct, Interpolator};
use proptest::prelude::*;

/// Snapshots of the parametric family f(x; μ) = 1/√((x − μ)² + δ²) on [0, 1] (a moving
/// peak, the standard DEIM test of Chaturantabut–Sorensen §3.3 in spirit).
fn peaks(n: usize, params: &[f64], delta: f64) -> Mat<f64> {
    Mat::from_fn(n, params.len(), |i, j| {
        let x = i as f64 / (n - 1) as f64;
        1.0 / ((x - params[j]).powi(2) + delta * delta).sqrt()
    })
}

fn train_params(count: usize) -> Vec<f64> {
    (0..count)
        .map(|j| 0.1 + 0.8 * j as f64 / (count - 1) as f64)
        .collect()
}

fn pod_basis(n: usize, m: usize) -> Mat<f64> {
    let svd = thin_svd(
        peaks(n, &train_params(60), 0.2).as_ref(),
        &InnerProduct::Euclidean,
    )
    .unwrap();
    svd.truncated(m).unwrap().u
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn deim_and_qdeim_obey_the_interpolation_error_bound(m in 1usize..14, mu in 0.1f64..0.9) {
        let n = 400;
        let u = pod_basis(n, m);
        let f: Vec<f64> = peaks(n, &[mu], 0.2).col(0).iter().copied().collect();
        let coeffs = u.transpose() * faer::MatRef::from_column_major_slice(&f, n, 1);
        let proj = &u * &coeffs;
        let proj_err = norm(&f.iter().zip(proj.col(0).iter()).map(|(a, b)| a - b).collect::<Vec<_>>());
        for (name, points) in [("DEIM", deim(u.as_ref()).unwrap()), ("Q-DEIM", qdeim(u.as_ref()).unwrap())] {
            let interp = Interpolator::new(u.as_ref(), points.clone()).unwrap();
            let fit = interp.interpolate(&f).unwrap();
            let err = norm(&f.iter().zip(&fit).map(|(a, b)| a - b).collect::<Vec<_>>());
            let amp = interp.error_amplification().unwrap();
            // Chaturantabut–Sorensen Lemma 3.2, plus round-off of the solve.
            prop_assert!(err <= amp * proj_err + 1e-12 * norm(&f), "{name}: {err} > {amp}·{proj_err}");
            // Interpolation reproduces f exactly at the points.
            for &p in &points {
                prop_assert!((fit[p] - f[p]).abs() <= 1e-9 * norm(&f));
            }
            if name == "Q-DEIM" {
                prop_assert!(amp <= qdeim_bound(n, m), "Drmač–Gugercin bound violated: {amp}");
            }
        }
    }
}

#[test]
fn qdeim_pivots_follow_column_pivoted_qr() {
    // The first Q-DEIM point is the row of U with the largest norm.
    let u = pod_basis(300, 6);
    let points = qdeim(u.as_ref()).unwrap();
    let row_norm = |i: usize| (0..6).map(|j| u[(i, j)].powi(2)).sum::<f64>();
    let best = (0..300)
        .max_by(|&a, &b| row_norm(a).partial_cmp(&row_norm(b)).unwrap())
        .unwrap();
    assert_eq!(points[0], best);
    let mut sorted = points.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 6);
}

#[test]
fn interpolator_is_exact_on_the_span_and_rejects_bad_points() {
    let u = pod_basis(200, 5);
    let points = deim(u.as_ref()).unwrap();
    let interp = Interpolator::new(u.as_ref(), points.clone()).unwrap();
    let c = [0.3, -1.0, 2.0, 0.5, 0.1];
    let f: Vec<f64> = (0..200)
        .map(|i| (0..5).map(|j| u[(i, j)] * c[j]).sum())
        .collect();
    let got = interp
        .coefficients(&points.iter().map(|&p| f[p]).collect::<Vec<_>>())
        .unwrap();
    for (a, b) in got.iter().zip(&c) {
        assert!((a - b).abs() < 1e-10);
    }
    assert!(Interpolator::new(u.as_ref(), vec![0, 0, 1, 2, 3]).is_err());
    assert!(Interpolator::new(u.as_ref(), vec![0, 1, 2, 3, 999]).is_err());
    assert!(Interpolator::new(u.as_ref(), vec![0, 1]).is_err());
}

#[test]
fn eim_greedy_converges_and_interpolates_at_magic_points() {
    let n = 300;
    let snaps = peaks(n, &train_params(80), 0.15);
    let eim = Eim::greedy(snaps.as_ref(), 1e-8, 60).unwrap();
    let m = eim.points.len();
    assert!(
        *eim.max_errors.last().unwrap() <= 1e-8,
        "{:?}",
        eim.max_errors
    );
    assert!(m < 60);
    // Unit lower-triangular interpolation matrix B_ij = q_j(x_i).
    for i in 0..m {
        assert!((eim.basis[(eim.points[i], i)] - 1.0).abs() < 1e-14);
        for j in i + 1..m {
            assert!(eim.basis[(eim.points[i], j)].abs() < 1e-12);
        }
    }
    // Held-out parameter: the EIM interpolant from the magic points is accurate.
    let f: Vec<f64> = peaks(n, &[0.537], 0.15).col(0).iter().copied().collect();
    let interp = Interpolator::new(eim.basis.as_ref(), eim.points.clone()).unwrap();
    let fit = interp.interpolate(&f).unwrap();
    let err = f
        .iter()
        .zip(&fit)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(err < 1e-6, "held-out max error {err}");
    // The error history decreases overall (EIM's greedy error is not monotone in general,
    // but on this smooth family it drops by orders of magnitude).
    assert!(eim.max_errors[m] < 1e-6 * eim.max_errors[0]);
}
