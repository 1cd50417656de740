//! Basis (CGS2), Householder QR and TSQR: orthonormality and reconstruction.

use faer::Mat;
use galerkin::basis::{householder_qr, orthogonality_error, tsqr, Basis, BasisError, InnerProduct};
use proptest::prelude::*;

use crate::common::{gaussian, with_singular_values};

/// Orthogonality loss allowed for a backward-stable orthogonalization of an n-row matrix:
/// O(n·ε) with a constant covering the blocked Householder / CGS2 constants.
fn ortho_tol(n: usize) -> f64 {
    32.0 * n as f64 * f64::EPSILON
}

fn positive_weights(n: usize, seed: u64) -> InnerProduct {
    let g = gaussian(n, 1, seed);
    // Weights spread over two orders of magnitude, like a graded quadrature.
    InnerProduct::diagonal((0..n).map(|i| 10f64.powf(g[(i, 0)].tanh())).collect()).unwrap()
}

/// Condition numbers up to 1e12: singular values logarithmically spaced from 1 to 1/κ.
fn graded(k: usize, log10_kappa: f64) -> Vec<f64> {
    (0..k)
        .map(|i| 10f64.powf(-log10_kappa * i as f64 / (k.max(2) - 1) as f64))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn cgs2_basis_is_orthonormal_and_spans_input(
        n in 20usize..200, k in 1usize..20, seed in 0u64..1000, log_kappa in 0.0f64..12.0, weighted: bool,
    ) {
        let k = k.min(n);
        let a = with_singular_values(n, k, &graded(k, log_kappa), seed);
        let ip = if weighted { positive_weights(n, seed + 7) } else { InnerProduct::Euclidean };
        let basis = Basis::orthonormalize(a.as_ref(), ip, 1e-13).unwrap();
        // Full rank up to κ = 1e12 ≪ 1/drop_tol: nothing may be dropped.
        prop_assert_eq!(basis.rank(), k);
        prop_assert!(basis.orthogonality_error() <= ortho_tol(n), "loss {}", basis.orthogonality_error());
        // The input lies in the span: residual at round-off relative to ‖A‖ (= 1 here),
        // amplified at most by the weight spread (≤ 100).
        let res = basis.residual(a.as_ref()).unwrap();
        prop_assert!(res.norm_max() <= 1e3 * n as f64 * f64::EPSILON, "residual {}", res.norm_max());
    }

    #[test]
    fn cgs2_reveals_numerical_rank(
        n in 30usize..150, true_rank in 1usize..8, extra in 1usize..8, seed in 0u64..1000,
    ) {
        // k > true_rank columns spanning a true_rank-dimensional space, plus 1e-14 noise.
        let k = true_rank + extra;
        let b = gaussian(n, true_rank, seed);
        let c = gaussian(true_rank, k, seed + 1);
        let noise = gaussian(n, k, seed + 2);
        let a = &b * &c + noise * 1e-14;
        let mut basis = Basis::empty(n, InnerProduct::Euclidean).unwrap();
        let added = basis.extend(a.as_ref(), 1e-8).unwrap();
        prop_assert_eq!(added, true_rank);
        prop_assert!(basis.orthogonality_error() <= ortho_tol(n));
        // Extending again by vectors already in the span adds nothing.
        prop_assert_eq!(basis.extend(b.as_ref(), 1e-8).unwrap(), 0);
    }

    #[test]
    fn householder_and_tsqr_are_backward_stable(
        n in 64usize..400, k in 1usize..16, seed in 0u64..1000, log_kappa in 0.0f64..12.0,
        block in 16usize..64,
    ) {
        let a = with_singular_values(n, k, &graded(k, log_kappa), seed);
        for qr in [householder_qr(a.as_ref(), &InnerProduct::Euclidean).unwrap(), tsqr(a.as_ref(), block.max(k)).unwrap()] {
            prop_assert!(orthogonality_error(qr.q.as_ref(), &InnerProduct::Euclidean) <= ortho_tol(n));
            let back = &qr.q * &qr.r;
            prop_assert!((&back - &a).norm_max() <= ortho_tol(n), "‖QR − A‖ {}", (&back - &a).norm_max());
            for j in 0..k {
                for i in j + 1..k {
                    prop_assert_eq!(qr.r[(i, j)], 0.0);
                }
            }
        }
    }

    #[test]
    fn weighted_householder_is_w_orthonormal(n in 10usize..120, k in 1usize..10, seed in 0u64..1000) {
        let k = k.min(n);
        let ip = positive_weights(n, seed);
        let a = gaussian(n, k, seed + 3);
        let qr = householder_qr(a.as_ref(), &ip).unwrap();
        prop_assert!(orthogonality_error(qr.q.as_ref(), &ip) <= ortho_tol(n));
        prop_assert!((&qr.q * &qr.r - &a).norm_max() <= 1e3 * n as f64 * f64::EPSILON);
    }
}

#[test]
fn tsqr_r_matches_householder_up_to_row_signs() {
    let a = gaussian(1000, 12, 5);
    let h = householder_qr(a.as_ref(), &InnerProduct::Euclidean).unwrap();
    let t = tsqr(a.as_ref(), 100).unwrap();
    for i in 0..12 {
        let sign = (h.r[(i, i)] * t.r[(i, i)]).signum();
        for j in i..12 {
            assert!((h.r[(i, j)] - sign * t.r[(i, j)]).abs() < 1e-12 * h.r[(0, 0)].abs());
        }
    }
}

#[test]
fn project_lift_truncate_round_trip() {
    let ip = positive_weights(50, 1);
    let mut basis = Basis::orthonormalize(gaussian(50, 6, 2).as_ref(), ip, 1e-12).unwrap();
    let coeffs = gaussian(6, 3, 3);
    let x = basis.lift(coeffs.as_ref()).unwrap();
    let back = basis.project(x.as_ref()).unwrap();
    assert!((&back - &coeffs).norm_max() < 1e-12);
    basis.truncate(4).unwrap();
    assert_eq!(basis.rank(), 4);
    assert!(basis.truncate(5).is_err());
}

#[test]
fn bad_input_is_refused_with_named_fields() {
    let mut a = gaussian(10, 3, 0);
    a[(4, 2)] = f64::NAN;
    assert_eq!(
        Basis::orthonormalize(a.as_ref(), InnerProduct::Euclidean, 1e-10).unwrap_err(),
        BasisError::NonFinite {
            field: "v",
            row: 4,
            col: 2
        }
    );
    let err = InnerProduct::diagonal(vec![1.0, -2.0]).unwrap_err();
    assert!(err.to_string().contains("weights[1] = -2"), "{err}");
    let basis = Basis::empty(10, InnerProduct::Euclidean).unwrap();
    assert!(matches!(
        basis.project(Mat::<f64>::zeros(9, 1).as_ref()),
        Err(BasisError::DimensionMismatch {
            field: "x",
            expected: 10,
            got: 9
        })
    ));
    assert!(tsqr(gaussian(10, 3, 0).as_ref(), 2).is_err());
    assert!(tsqr(gaussian(3, 10, 0).as_ref(), 4).is_err());
    let mut b = Basis::empty(10, InnerProduct::Euclidean).unwrap();
    assert!(b.extend(gaussian(10, 1, 0).as_ref(), -1.0).is_err());
}
