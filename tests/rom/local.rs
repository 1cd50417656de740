//! Local bases: the angle dissimilarity separates subspaces whatever the amplitudes (what
//! Euclidean clustering cannot), nearest-medoid selection, the efficiency criterion.

use faer::Mat;
use galerkin::basis::Truncation;
use galerkin::rom::local::{efficiency, kmedoids, Dissimilarity, LocalBases};

/// Two families of snapshots in two different 3-D subspaces, amplitudes from 0.1 to 10.
fn two_subspaces() -> Mat<f64> {
    let n = 64;
    let x: Vec<f64> = (0..n)
        .map(|i| i as f64 / n as f64 * std::f64::consts::TAU)
        .collect();
    let mut cols = Vec::new();
    for k in 0..40 {
        let a = 0.1 * 100f64.powf(k as f64 / 39.0);
        let phase = k as f64 * 0.7;
        let family = k % 2;
        cols.push(
            x.iter()
                .map(|x| {
                    let (m1, m2) = if family == 0 { (1.0, 2.0) } else { (5.0, 7.0) };
                    a * ((m1 * x + phase).sin() + 0.5 * (m2 * x).cos())
                })
                .collect::<Vec<f64>>(),
        );
    }
    Mat::from_fn(n, cols.len(), |i, j| cols[j][i])
}

#[test]
fn angle_clustering_finds_the_subspaces_that_euclidean_misses() {
    let s = two_subspaces();
    let angle = kmedoids(&s, 2, Dissimilarity::Angle, 1).unwrap();
    // The clusters are exactly the two families (even vs odd columns).
    let first = angle.labels[0];
    for (j, &l) in angle.labels.iter().enumerate() {
        assert_eq!(l == first, j % 2 == 0, "column {j}");
    }
    let local = LocalBases::build(&s, &angle, Truncation::Rank(3)).unwrap();
    let error = local.projection_error(&s, |j, _| angle.labels[j]);
    assert!(error < 1e-12, "two 3-D subspaces, rank 3 each: {error:e}");
    // Euclidean k-medoids groups by amplitude instead, and rank 3 per cluster fails.
    let euclid = kmedoids(&s, 2, Dissimilarity::Euclidean, 1).unwrap();
    let local_e = LocalBases::build(&s, &euclid, Truncation::Rank(3)).unwrap();
    let error_e = local_e.projection_error(&s, |j, _| euclid.labels[j]);
    assert!(error_e > 1e-3, "{error_e:e}");
    // Online selection by nearest medoid recovers each snapshot's own cluster.
    for j in 0..s.ncols() {
        let u: Vec<f64> = s.col(j).iter().copied().collect();
        assert_eq!(local.select(&u), angle.labels[j], "column {j}");
    }
    // The criterion: one global basis needs 6 modes, each local one 3.
    let e = efficiency(&s, &angle, 1e-6).unwrap();
    assert!((e - 2.0).abs() < 1e-12, "{e}");
}

#[test]
fn kmedoids_is_deterministic_and_checks_k() {
    let s = two_subspaces();
    let a = kmedoids(&s, 3, Dissimilarity::Angle, 5).unwrap();
    let b = kmedoids(&s, 3, Dissimilarity::Angle, 5).unwrap();
    assert_eq!(a, b);
    let err = kmedoids(&s, 41, Dissimilarity::Angle, 5).unwrap_err();
    assert!(err.to_string().contains("1 ..= 40"), "{err}");
}
