//! Tikhonov-regularized linear least squares on the QR of the stacked matrix: what
//! Operator Inference solves (Peherstorfer & Willcox 2016, with the regularization of
//! McQuarrie, Huang & Willcox 2021).

use faer::linalg::triangular_solve::solve_upper_triangular_in_place;
use faer::{Mat, MatRef, Par};

use super::error::{ensure_finite, BasisError, Result};
use super::inner::InnerProduct;
use super::qr::householder_qr;

/// min_X ‖A X − B‖²_F + λ² ‖X‖²_F for A (m × n) and B (m × p), solved by the Householder QR
/// of the stacked [A; λI] (Golub–Van Loan §5.3 and §6.1): never the normal equations
/// AᵀA + λ²I, whose condition number is the square of this one. With λ = 0 it is the plain
/// least-squares solution, and A must have full column rank (numerically: every |R_ii| >
/// n ε max|R_ii|); a rank-deficient A is an error that asks for λ > 0.
pub fn regularized_least_squares(
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    lambda: f64,
) -> Result<Mat<f64>> {
    ensure_finite("a", a)?;
    ensure_finite("b", b)?;
    let (m, n) = (a.nrows(), a.ncols());
    if b.nrows() != m {
        return Err(BasisError::DimensionMismatch {
            field: "b",
            expected: m,
            got: b.nrows(),
        });
    }
    if !(lambda.is_finite() && lambda >= 0.0) {
        return Err(BasisError::InvalidParameter {
            field: "lambda",
            value: format!("{lambda}"),
            allowed: "a finite number >= 0",
        });
    }
    if lambda == 0.0 && m < n {
        return Err(BasisError::InvalidParameter {
            field: "a",
            value: format!("{m} rows × {n} columns"),
            allowed: "at least as many rows (data) as columns (unknowns), or lambda > 0",
        });
    }
    let stacked = Mat::from_fn(m + n, n, |i, j| {
        if i < m {
            a[(i, j)]
        } else if i - m == j {
            lambda
        } else {
            0.0
        }
    });
    let qr = householder_qr(stacked.as_ref(), &InnerProduct::Euclidean)?;
    let largest = (0..n).map(|i| qr.r[(i, i)].abs()).fold(0.0, f64::max);
    if (0..n).any(|i| qr.r[(i, i)].abs() <= n as f64 * f64::EPSILON * largest) || largest == 0.0 {
        return Err(BasisError::InvalidParameter {
            field: "a",
            value: "numerically rank-deficient".into(),
            allowed: "full column rank, or lambda > 0 (Tikhonov regularization)",
        });
    }
    // Qᵀ [B; 0]: only the first m rows of Q meet B.
    let mut x = qr.q.subrows(0, m).transpose() * b;
    solve_upper_triangular_in_place(qr.r.as_ref(), x.as_mut(), Par::Seq);
    Ok(x)
}
