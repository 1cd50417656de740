//! Interpolation ("magic") points for hyper-reduction: EIM, DEIM and Q-DEIM.
//!
//! Given a basis U (n×m) of a nonlinear term, m row indices P let f be recovered from its
//! values at those rows only: f ≈ U (PᵀU)⁻¹ Pᵀ f, with the error bound
//! ‖f − f̂‖₂ ≤ ‖(PᵀU)⁻¹‖₂ ‖(I − UUᵀ) f‖₂ (Chaturantabut–Sorensen 2010, Lemma 3.2) for
//! orthonormal U. The algorithms differ in how they choose P to keep ‖(PᵀU)⁻¹‖₂ small.

use faer::{linalg::solvers::Solve, Mat, MatRef};

use super::error::{ensure_finite, ensure_tolerance, BasisError, Result};

/// DEIM point selection (Chaturantabut & Sorensen, "Nonlinear model reduction via discrete
/// empirical interpolation", SIAM J. Sci. Comput. 32(5), 2010, Algorithm 1): p₁ = argmax|u₁|;
/// for l = 2…m solve (PᵀU_{l−1})c = Pᵀu_l, r = u_l − U_{l−1}c, p_l = argmax|r|.
pub fn deim(u: MatRef<'_, f64>) -> Result<Vec<usize>> {
    check_basis(u)?;
    let m = u.ncols();
    let mut points = vec![argmax_abs(u.col(0).iter().copied())];
    for l in 1..m {
        let pu = Mat::from_fn(l, l, |i, j| u[(points[i], j)]);
        let rhs = Mat::from_fn(l, 1, |i, _| u[(points[i], l)]);
        let c = pu.partial_piv_lu().solve(&rhs);
        let residual = (0..u.nrows()).map(|i| {
            let fit: f64 = (0..l).map(|j| u[(i, j)] * c[(j, 0)]).sum();
            u[(i, l)] - fit
        });
        points.push(argmax_abs(residual));
    }
    Ok(points)
}

/// Q-DEIM point selection (Drmač & Gugercin, "A new selection operator for the discrete
/// empirical interpolation method — improved a priori error bound and extensions",
/// SIAM J. Sci. Comput. 38(2), 2016): the first m pivots of the column-pivoted QR of Uᵀ.
/// For orthonormal U it guarantees ‖(PᵀU)⁻¹‖₂ ≤ √(n − m + 1) · √(4^m + 6m − 1) / 3
/// (see [`qdeim_bound`]), and is a single factorization instead of m small solves.
pub fn qdeim(u: MatRef<'_, f64>) -> Result<Vec<usize>> {
    check_basis(u)?;
    let qr = u.transpose().col_piv_qr();
    let (forward, _) = qr.P().arrays();
    Ok(forward[..u.ncols()].to_vec())
}

/// Drmač–Gugercin's a-priori bound on ‖(PᵀU)⁻¹‖₂ for Q-DEIM with n rows and m points.
pub fn qdeim_bound(n: usize, m: usize) -> f64 {
    let (n, m) = (n as f64, m as f64);
    (n - m + 1.0).sqrt() * (4f64.powf(m) + 6.0 * m - 1.0).sqrt() / 3.0
}

/// Greedy empirical interpolation (Barrault, Maday, Nguyen, Patera, "An 'empirical
/// interpolation' method", C. R. Acad. Sci. Paris 339, 2004; Maday, Nguyen, Patera, Pau,
/// "A general multipurpose interpolation procedure: the magic points", CPAA 8(1), 2009):
/// at each step pick the snapshot worst interpolated in the max norm, put the next point
/// where its residual is largest, and add the residual scaled to 1 there.
#[derive(Debug, Clone)]
pub struct Eim {
    /// Interpolation functions q₁…q_M (n×M); Q\[points\[i\], j\] is unit lower triangular.
    pub basis: Mat<f64>,
    /// The magic points (row indices).
    pub points: Vec<usize>,
    /// Which snapshot column generated each function.
    pub generators: Vec<usize>,
    /// max_j ‖f_j − I_M f_j‖_∞ after M = 0, 1, … terms (length M + 1).
    pub max_errors: Vec<f64>,
}

impl Eim {
    /// Runs the greedy on the columns of `snapshots` (n×m) until the worst max-norm error is
    /// ≤ `tol` or `max_terms` functions are chosen. Each step costs O(n·m): the residuals
    /// of all snapshots are updated by one rank-one correction, r_j ← r_j − r_j(x_M) q_M.
    pub fn greedy(snapshots: MatRef<'_, f64>, tol: f64, max_terms: usize) -> Result<Self> {
        ensure_tolerance("tol", tol)?;
        ensure_finite("snapshots", snapshots)?;
        let (n, m) = (snapshots.nrows(), snapshots.ncols());
        if n == 0 || m == 0 {
            return Err(BasisError::InvalidParameter {
                field: "snapshots",
                value: format!("{n}×{m}"),
                allowed: "at least one row and one column",
            });
        }
        let mut residual = snapshots.to_owned();
        let mut eim = Self {
            basis: Mat::zeros(n, 0),
            points: Vec::new(),
            generators: Vec::new(),
            max_errors: Vec::new(),
        };
        loop {
            let (worst, err) =
                (0..m)
                    .map(|j| (j, residual.col(j).norm_max()))
                    .fold(
                        (0, -1.0),
                        |best, cur| if cur.1 > best.1 { cur } else { best },
                    );
            eim.max_errors.push(err);
            if err <= tol || eim.points.len() >= max_terms.min(n) {
                return Ok(eim);
            }
            let point = argmax_abs(residual.col(worst).iter().copied());
            let scale = residual[(point, worst)];
            let q: Vec<f64> = residual.col(worst).iter().map(|x| x / scale).collect();
            for j in 0..m {
                let at_point = residual[(point, j)];
                if at_point != 0.0 {
                    for (r, qi) in residual.col_as_slice_mut(j).iter_mut().zip(&q) {
                        *r -= at_point * qi;
                    }
                }
            }
            let k = eim.basis.ncols();
            eim.basis.resize_with(n, k + 1, |i, _| q[i]);
            eim.points.push(point);
            eim.generators.push(worst);
        }
    }
}

/// The oblique projector f ↦ U (PᵀU)⁻¹ Pᵀ f for a basis and its interpolation points,
/// with (PᵀU) factored once (partial-pivoting LU).
#[derive(Debug, Clone)]
pub struct Interpolator {
    u: Mat<f64>,
    points: Vec<usize>,
    sampled_inverse: Mat<f64>,
}

impl Interpolator {
    /// Builds the interpolator; fails if the points are out of range, repeated, or make
    /// PᵀU singular.
    pub fn new(u: MatRef<'_, f64>, points: Vec<usize>) -> Result<Self> {
        check_basis(u)?;
        let m = u.ncols();
        if points.len() != m {
            return Err(BasisError::DimensionMismatch {
                field: "points",
                expected: m,
                got: points.len(),
            });
        }
        let mut seen = points.clone();
        seen.sort_unstable();
        seen.dedup();
        if seen.len() != m || seen.last().is_some_and(|&p| p >= u.nrows()) {
            return Err(BasisError::InvalidParameter {
                field: "points",
                value: format!("{points:?}"),
                allowed: "distinct row indices below the number of rows",
            });
        }
        let pu = Mat::from_fn(m, m, |i, j| u[(points[i], j)]);
        let sampled_inverse = pu.partial_piv_lu().solve(Mat::<f64>::identity(m, m));
        if !sampled_inverse.norm_max().is_finite() {
            return Err(BasisError::InvalidParameter {
                field: "points",
                value: format!("{points:?}"),
                allowed: "points at which PᵀU is invertible",
            });
        }
        Ok(Self {
            u: u.to_owned(),
            points,
            sampled_inverse,
        })
    }

    /// The interpolation points.
    pub fn points(&self) -> &[usize] {
        &self.points
    }

    /// Coefficients c = (PᵀU)⁻¹ f(P) from the sampled values.
    pub fn coefficients(&self, sampled: &[f64]) -> Result<Vec<f64>> {
        if sampled.len() != self.points.len() {
            return Err(BasisError::DimensionMismatch {
                field: "sampled",
                expected: self.points.len(),
                got: sampled.len(),
            });
        }
        let m = self.points.len();
        Ok((0..m)
            .map(|i| {
                (0..m)
                    .map(|j| self.sampled_inverse[(i, j)] * sampled[j])
                    .sum()
            })
            .collect())
    }

    /// The interpolant U c of a full vector f, using only f at the points.
    pub fn interpolate(&self, f: &[f64]) -> Result<Vec<f64>> {
        if f.len() != self.u.nrows() {
            return Err(BasisError::DimensionMismatch {
                field: "f",
                expected: self.u.nrows(),
                got: f.len(),
            });
        }
        let sampled: Vec<f64> = self.points.iter().map(|&p| f[p]).collect();
        let c = self.coefficients(&sampled)?;
        Ok((0..self.u.nrows())
            .map(|i| (0..c.len()).map(|j| self.u[(i, j)] * c[j]).sum())
            .collect())
    }

    /// ‖(PᵀU)⁻¹‖₂, the factor by which interpolation can amplify the projection error.
    pub fn error_amplification(&self) -> Result<f64> {
        let s = self
            .sampled_inverse
            .singular_values()
            .map_err(|_| BasisError::NoConvergence {
                what: "singular values of (PᵀU)⁻¹",
            })?;
        Ok(s.first().copied().unwrap_or(0.0))
    }
}

fn check_basis(u: MatRef<'_, f64>) -> Result<()> {
    ensure_finite("u", u)?;
    if u.ncols() == 0 || u.ncols() > u.nrows() {
        return Err(BasisError::InvalidParameter {
            field: "u",
            value: format!("{}×{}", u.nrows(), u.ncols()),
            allowed: "1 <= columns <= rows",
        });
    }
    Ok(())
}

/// Index of the entry of largest magnitude (the first one on ties).
fn argmax_abs(values: impl Iterator<Item = f64>) -> usize {
    values
        .enumerate()
        .fold((0, -1.0), |best, (i, v)| {
            if v.abs() > best.1 {
                (i, v.abs())
            } else {
                best
            }
        })
        .0
}
