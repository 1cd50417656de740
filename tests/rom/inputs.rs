//! POD routes and bad input: clear errors, never a panic or a NaN.

use faer::Mat;
use galerkin::basis::Truncation;
use galerkin::rom::{MatrixSource, Pod, PodMethod, PodOptions, Reduction, RomError};

use super::fixtures::Case;

#[test]
fn pod_routes_agree() {
    let case = Case::burgers(0.02);
    let mut values = Vec::new();
    for method in [
        PodMethod::Thin,
        PodMethod::Snapshots,
        PodMethod::Incremental,
    ] {
        let pod = Pod::compute(
            &mut case.snapshots(),
            &PodOptions {
                truncation: Truncation::Rank(8),
                method,
                ..PodOptions::default()
            },
        )
        .unwrap();
        assert_eq!(pod.method, method);
        assert!(pod.basis.orthogonality_error() < 1e-10);
        values.push(pod.singular_values[..8].to_vec());
    }
    for v in &values[1..] {
        for (a, b) in v.iter().zip(&values[0]) {
            // σ above 1e-6 σ₁: the method of snapshots squares κ, still ≤ 1e-8 relative.
            assert!((a - b).abs() < 1e-8 * values[0][0], "{a} vs {b}");
        }
    }
    // A budget of zero bytes makes `auto` stream.
    let pod = Pod::compute(
        &mut case.snapshots(),
        &PodOptions {
            truncation: Truncation::Rank(8),
            memory_budget: 0,
            ..PodOptions::default()
        },
    )
    .unwrap();
    assert_eq!(pod.method, PodMethod::Incremental);
}

#[test]
fn cell_weights_give_an_l2_orthonormal_basis() {
    let case = Case::burgers(0.02);
    let dx = 1.0 / 128.0;
    let pod = Pod::compute(
        &mut case.snapshots(),
        &PodOptions {
            truncation: Truncation::RelativeEnergy(1e-10),
            cell_weight: Some(dx),
            ..PodOptions::default()
        },
    )
    .unwrap();
    let v = pod.basis.vectors();
    let gram: f64 = (0..128).map(|i| v[(i, 0)] * v[(i, 0)] * dx).sum();
    assert!((gram - 1.0).abs() < 1e-12, "{gram}");
}

#[test]
fn rank_beyond_the_snapshots_is_refused() {
    let case = Case::burgers(0.02);
    let n_s = case.traj.times.len();
    let err = Pod::compute(
        &mut case.snapshots(),
        &PodOptions {
            truncation: Truncation::Rank(n_s),
            ..PodOptions::default()
        },
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("rank") && text.contains(&format!("1 ..= {}", n_s - 1)),
        "{text}"
    );
    let pod = case.pod(6, true);
    let err = galerkin::rom::build_model(
        &mut case.fom(),
        &mut case.snapshots(),
        &pod,
        7,
        Reduction::Galerkin,
    )
    .unwrap_err();
    assert!(err.to_string().contains("1 ..= 6"), "{err}");
}

#[test]
fn non_finite_and_empty_snapshots_are_refused() {
    let mut m = Mat::from_fn(16, 4, |i, j| (i * j) as f64);
    m[(3, 2)] = f64::NAN;
    let err = Pod::compute(&mut MatrixSource(m), &PodOptions::default()).unwrap_err();
    assert!(
        matches!(err, RomError::NonFiniteSnapshot { time_index: 2, .. }),
        "{err}"
    );
    let err =
        Pod::compute(&mut MatrixSource(Mat::zeros(16, 0)), &PodOptions::default()).unwrap_err();
    assert!(err.to_string().contains("at least one snapshot"), "{err}");
    // Identical snapshots: nothing left after the mean.
    let same = Mat::from_fn(16, 4, |i, _| i as f64);
    let err = Pod::compute(&mut MatrixSource(same), &PodOptions::default()).unwrap_err();
    assert!(err.to_string().contains("at least one mode"), "{err}");
}

#[test]
fn mismatched_model_and_snapshots_are_refused() {
    let burgers = Case::burgers(0.02);
    let ns = Case::navier_stokes();
    let pod = burgers.pod(4, true);
    let err = galerkin::rom::build_model(
        &mut ns.fom(),
        &mut burgers.snapshots(),
        &pod,
        4,
        Reduction::Galerkin,
    )
    .unwrap_err();
    assert!(err.to_string().contains("values per snapshot"), "{err}");
}

/// `Pod::of_matrix` reads a caller's matrix in place (here a row-major view, as numpy's
/// C order gives) and forms only the kept modes, yet every route gives the POD that
/// `Pod::compute` gives on an owned copy: the same singular values (all of them, for decay
/// plots) and the same subspace.
#[test]
fn pod_of_a_strided_view_equals_pod_of_a_copy() {
    let case = Case::burgers(0.02);
    let owned = case.snapshots().0;
    let (n, m) = (owned.nrows(), owned.ncols());
    let row_major: Vec<f64> = (0..n)
        .flat_map(|i| (0..m).map(move |j| (i, j)))
        .map(|(i, j)| owned[(i, j)])
        .collect();
    // SAFETY: `row_major` holds n·m values, row i at i·m, and outlives the view.
    let view = unsafe { faer::MatRef::from_raw_parts(row_major.as_ptr(), n, m, m as isize, 1) };
    for method in [
        PodMethod::Thin,
        PodMethod::Snapshots,
        PodMethod::Incremental,
    ] {
        for (center, truncation) in [
            (false, Truncation::Rank(6)),
            (true, Truncation::RelativeEnergy(1e-6)),
        ] {
            let opts = PodOptions {
                truncation,
                center,
                method,
                ..PodOptions::default()
            };
            let copy = Pod::compute(&mut MatrixSource(owned.clone()), &opts).unwrap();
            let in_place = Pod::of_matrix(view, &opts).unwrap();
            assert_eq!(in_place.rank(), copy.rank(), "{method:?} center {center}");
            assert_eq!(
                in_place.singular_values.len(),
                copy.singular_values.len(),
                "{method:?}: every singular value is kept for decay plots"
            );
            // Same algorithm on the same numbers, read through other strides: round-off.
            let top = copy.singular_values[0];
            for (a, b) in in_place.singular_values.iter().zip(&copy.singular_values) {
                assert!((a - b).abs() <= 1e-12 * top, "{method:?}: σ {a} vs {b}");
            }
            let residual = copy.basis.residual(in_place.basis.vectors()).unwrap();
            assert!(
                residual.norm_max() < 1e-8,
                "{method:?}: {}",
                residual.norm_max()
            );
        }
    }
}
