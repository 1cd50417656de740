//! Fourier and Chebyshev bases: orthonormality under quadrature and exact projection.

use std::f64::consts::PI;

use faer::Mat;
use galerkin::basis::{chebyshev_basis, chebyshev_lobatto_points, fourier_basis};

#[test]
fn fourier_basis_is_orthonormal_and_projects_trig_polynomials_exactly() {
    let (n, k, l) = (64, 20, 3.0);
    let basis = fourier_basis(n, k, l).unwrap();
    assert_eq!(basis.rank(), 2 * k + 1);
    assert!(basis.orthogonality_error() < 1e-13);
    let f = Mat::from_fn(n, 1, |i, _| {
        let x = i as f64 * l / n as f64;
        2.0 + (2.0 * PI * 3.0 * x / l).sin() - 0.5 * (2.0 * PI * 17.0 * x / l).cos()
    });
    assert!(basis.residual(f.as_ref()).unwrap().norm_max() < 1e-13);
    // A mode beyond K is orthogonal to the basis.
    let g = Mat::from_fn(n, 1, |i, _| (2.0 * PI * 25.0 * i as f64 / n as f64).cos());
    assert!(basis.project(g.as_ref()).unwrap().norm_max() < 1e-13);
    assert!(fourier_basis(64, 32, 1.0).is_err());
    assert!(fourier_basis(64, 4, -1.0).is_err());
}

#[test]
fn chebyshev_basis_is_orthonormal_and_projects_polynomials_exactly() {
    let n = 33;
    let basis = chebyshev_basis(n, n - 1).unwrap();
    assert!(basis.orthogonality_error() < 1e-13);
    let x = chebyshev_lobatto_points(n);
    let p = Mat::from_fn(n, 1, |i, _| x[i].powi(7) - 3.0 * x[i].powi(2) + 0.25);
    let low = chebyshev_basis(n, 7).unwrap();
    assert!(low.residual(p.as_ref()).unwrap().norm_max() < 1e-13);
    let low6 = chebyshev_basis(n, 6).unwrap();
    assert!(
        low6.residual(p.as_ref()).unwrap().norm_max() > 1e-3,
        "degree 7 not in span of T₀…T₆"
    );
    assert!(chebyshev_basis(8, 8).is_err());
}
