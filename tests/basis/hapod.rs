//! The distributed HAPOD (Himpe, Leibner & Rave 2018): its a-priori bound on the
//! mean-square projection error holds for every split of the snapshots and every ω, the
//! modes are orthonormal, and there are never more of them than a plain POD keeps at
//! tolerance ω ε* √|S|.

use faer::{Mat, MatRef};
use galerkin::basis::{distributed_hapod, thin_svd, HapodOptions, InnerProduct};
use proptest::prelude::*;

use crate::common::with_singular_values;

/// Σ_s ‖s − U Uᵀ s‖² / |S| for the columns s of `x`.
fn mean_square_error(x: &Mat<f64>, u: MatRef<'_, f64>) -> f64 {
    let residual = x - u * (u.transpose() * x);
    residual.squared_norm_l2() / x.ncols() as f64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn the_a_priori_bound_holds_for_any_split_and_omega(
        cuts in proptest::collection::vec(0usize..120, 0..5),
        omega in prop_oneof![Just(0.1), Just(0.5), Just(0.9)],
        relative in prop_oneof![Just(1e-1), Just(1e-3), Just(1e-6)],
        seed in 0u64..500,
    ) {
        // 120 snapshots of 80 values with geometrically decaying singular values.
        let s: Vec<f64> = (0..40).map(|i| 0.7f64.powi(i)).collect();
        let x = with_singular_values(80, 120, &s, seed);
        let rms = (x.squared_norm_l2() / 120.0).sqrt();
        let epsilon = relative * rms;
        // Uneven slices (possibly empty) at the sorted cut points.
        let mut cuts = cuts;
        cuts.extend([0, 120]);
        cuts.sort_unstable();
        let slices: Vec<MatRef<'_, f64>> = cuts
            .windows(2)
            .map(|w| x.as_ref().subcols(w[0], w[1] - w[0]))
            .collect();
        let opts = HapodOptions { epsilon, omega };
        let hapod = distributed_hapod(&slices, &InnerProduct::Euclidean, &opts).unwrap();
        let u = hapod.modes.as_ref();
        // The bound: mean-square error ≤ ε*² (a tiny slack for round-off in the sums).
        let error = mean_square_error(&x, u);
        prop_assert!(error <= epsilon * epsilon * (1.0 + 1e-9) + 1e-28 * rms * rms,
            "{error:e} > {:e}", epsilon * epsilon);
        // Orthonormal modes.
        let gram = u.transpose() * u;
        let identity = Mat::<f64>::identity(u.ncols(), u.ncols());
        prop_assert!((&gram - &identity).norm_max() <= 1e-12);
        // No more modes than the POD at tolerance ω ε* √|S|.
        let pod = thin_svd(x.as_ref(), &InnerProduct::Euclidean).unwrap();
        let tol = omega * epsilon * (120f64).sqrt();
        let mut tail = 0.0;
        let mut pod_rank = pod.s.len();
        while pod_rank > 0 && tail + pod.s[pod_rank - 1].powi(2) <= tol * tol {
            tail += pod.s[pod_rank - 1].powi(2);
            pod_rank -= 1;
        }
        prop_assert!(u.ncols() <= pod_rank, "{} modes > POD's {pod_rank}", u.ncols());
        prop_assert_eq!(hapod.snapshots, 120);
    }
}

#[test]
fn one_slice_is_the_pod_and_bad_settings_are_refused() {
    let s: Vec<f64> = (0..20).map(|i| 0.5f64.powi(i)).collect();
    let x = with_singular_values(50, 30, &s, 7);
    let opts = HapodOptions {
        epsilon: 1e-3,
        omega: 0.5,
    };
    let hapod = distributed_hapod(&[x.as_ref()], &InnerProduct::Euclidean, &opts).unwrap();
    // One leaf: the root's SVD of U Σ has the POD's singular values.
    for (a, b) in hapod.singular_values.iter().zip(&s) {
        assert!((a - b).abs() <= 1e-12 * s[0], "{a} vs {b}");
    }
    let bad = |epsilon: f64, omega: f64| {
        distributed_hapod(
            &[x.as_ref()],
            &InnerProduct::Euclidean,
            &HapodOptions { epsilon, omega },
        )
        .unwrap_err()
        .to_string()
    };
    assert!(bad(-1.0, 0.5).contains("epsilon"));
    assert!(bad(1e-3, 1.0).contains("omega"));
    let y = Mat::<f64>::zeros(40, 3);
    let e = distributed_hapod(&[x.as_ref(), y.as_ref()], &InnerProduct::Euclidean, &opts)
        .unwrap_err()
        .to_string();
    assert!(e.contains("slices"), "{e}");
}
