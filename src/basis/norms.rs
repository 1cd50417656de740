//! Euclidean distances and relative errors of vectors: the one place every error the
//! project reports (ROM vs full model, network vs solver) is computed from.

/// ‖a − b‖² over the common length.
pub fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// ‖a − b‖.
pub fn distance(a: &[f64], b: &[f64]) -> f64 {
    squared_distance(a, b).sqrt()
}

/// ‖approx − exact‖ / ‖exact‖ over the common length; of snapshots stored one after the
/// other, the space–time error (Σₜ‖eₜ‖² / Σₜ‖uₜ‖²)^½. A zero `exact` counts as the smallest
/// positive norm (0 when `approx` is zero too).
///
/// ```
/// let e = galerkin::basis::relative_error(&[1.0, 2.0], &[1.0, 2.5]);
/// assert!((e - 0.5 / 7.25f64.sqrt()).abs() < 1e-15);
/// ```
pub fn relative_error(approx: &[f64], exact: &[f64]) -> f64 {
    let norm: f64 = exact.iter().map(|v| v * v).sum();
    (squared_distance(approx, exact) / norm.max(f64::MIN_POSITIVE)).sqrt()
}
