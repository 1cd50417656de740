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

/// The SVD A = U Σ Vᵀ of one least-squares matrix, kept to solve
/// min_X ‖A X − B‖²_F + λ² ‖X‖²_F for many λ: X(λ) = V diag(σ / (σ² + λ²)) Uᵀ B (the
/// filter-factor form of Tikhonov regularization, Hansen, "Rank-Deficient and Discrete
/// Ill-Posed Problems", SIAM 1998, §4.2). One SVD, then O(n·(n + p)) per λ: what a grid
/// search over λ needs, and as stable as the stacked QR (no normal equations).
#[derive(Debug, Clone)]
pub struct TikhonovPath {
    /// V (n × s), s = min(m, n).
    v: Mat<f64>,
    /// σ₁ ≥ … ≥ σ_s.
    s: Vec<f64>,
    /// Uᵀ B (s × p).
    utb: Mat<f64>,
}

impl TikhonovPath {
    /// Factors `a` (m × n) once for the right-hand sides `b` (m × p).
    pub fn new(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<Self> {
        ensure_finite("a", a)?;
        ensure_finite("b", b)?;
        if b.nrows() != a.nrows() {
            return Err(BasisError::DimensionMismatch {
                field: "b",
                expected: a.nrows(),
                got: b.nrows(),
            });
        }
        let svd = super::svd::thin_svd(a, &InnerProduct::Euclidean)?;
        let utb = svd.u.transpose() * b;
        Ok(Self {
            v: svd.v,
            s: svd.s,
            utb,
        })
    }

    /// The singular values of A.
    pub fn singular_values(&self) -> &[f64] {
        &self.s
    }

    /// X(λ) (n × p). With λ = 0 it is the least-squares solution, and A must have full
    /// column rank (every σ > n ε σ₁); otherwise an error that asks for λ > 0.
    pub fn solve(&self, lambda: f64) -> Result<Mat<f64>> {
        if !(lambda.is_finite() && lambda >= 0.0) {
            return Err(BasisError::InvalidParameter {
                field: "lambda",
                value: format!("{lambda}"),
                allowed: "a finite number >= 0",
            });
        }
        let n = self.v.nrows();
        let largest = self.s.first().copied().unwrap_or(0.0);
        if lambda == 0.0
            && (self.s.len() < n
                || largest == 0.0
                || self
                    .s
                    .iter()
                    .any(|&s| s <= n as f64 * f64::EPSILON * largest))
        {
            return Err(BasisError::InvalidParameter {
                field: "a",
                value: "numerically rank-deficient".into(),
                allowed: "full column rank, or lambda > 0 (Tikhonov regularization)",
            });
        }
        let filtered = Mat::from_fn(self.utb.nrows(), self.utb.ncols(), |i, j| {
            let s = self.s[i];
            let f = if s == 0.0 {
                0.0
            } else {
                s / (s * s + lambda * lambda)
            };
            f * self.utb[(i, j)]
        });
        Ok(&self.v * filtered)
    }
}
