//! Non-intrusive EIM of parametric operators (Casenave, Ern, Lelièvre, Sylvand,
//! arXiv:1307.4330): from assembled sparse matrices A(μ) only, a separated approximation
//! A(μ) ≈ Σₘ βₘ(μ) A(μₘ) whose coefficients need just M "magic" entries of A(μ), so a
//! reduced operator Σₘ βₘ(μ) VᵀA(μₘ)V is formed online without the assembly routines.
//!
//! The greedy runs the discrete EIM of the basis core on the vectors of non-zeros (the
//! matrices share one sparsity pattern): the worst-approximated training matrix joins the
//! selection, the largest entry of its residual becomes a magic entry.

use faer::linalg::solvers::Solve;
use faer::Mat;
use sprs::{CsMat, TriMat};

use super::error::{invalid, Result};
use crate::basis::Eim;

/// A black box μ ↦ A(μ) with a fixed sparsity pattern.
pub trait OperatorFamily {
    /// The assembled operator at `mu`.
    fn assemble(&self, mu: &[f64]) -> Result<CsMat<f64>>;
}

/// A spatially varying conductivity, the classic non-affine example: the periodic 1-D
/// operator (A u)_i = [κ_{i+½}(u_{i+1} − u_i) − κ_{i−½}(u_i − u_{i−1})]/dx² with
/// κ(x; μ) = 1 + μ₀ exp(−(x − μ₁)²/(2w²)) — non-affine in the bump position μ₁.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VariableDiffusion {
    /// Grid points.
    pub n: usize,
    /// Bump width w.
    pub width: f64,
}

impl OperatorFamily for VariableDiffusion {
    fn assemble(&self, mu: &[f64]) -> Result<CsMat<f64>> {
        let [amplitude, centre] = mu else {
            return Err(invalid(
                "mu",
                format!("{mu:?}"),
                "two values: bump amplitude and centre",
            ));
        };
        if !(amplitude.is_finite() && *amplitude > -1.0 && centre.is_finite()) {
            return Err(invalid(
                "mu",
                format!("{mu:?}"),
                "a finite amplitude > −1 (κ > 0) and a finite centre",
            ));
        }
        let n = self.n;
        let dx = 1.0 / n as f64;
        let kappa = |x: f64| {
            // Periodic distance to the centre on [0, 1).
            let d = (x - centre).rem_euclid(1.0);
            let d = d.min(1.0 - d);
            1.0 + amplitude * (-d * d / (2.0 * self.width * self.width)).exp()
        };
        let mut t = TriMat::new((n, n));
        for i in 0..n {
            let x = i as f64 * dx;
            let (east, west) = (kappa(x + 0.5 * dx), kappa(x - 0.5 * dx));
            t.add_triplet(i, (i + 1) % n, east / (dx * dx));
            t.add_triplet(i, (i + n - 1) % n, west / (dx * dx));
            t.add_triplet(i, i, -(east + west) / (dx * dx));
        }
        Ok(t.to_csr())
    }
}

/// The separated approximation A(μ) ≈ Σₘ βₘ(μ) A(μₘ).
#[derive(Debug, Clone)]
pub struct OperatorEim {
    /// The selected parameters μₘ.
    pub parameters: Vec<Vec<f64>>,
    /// The assembled A(μₘ).
    pub matrices: Vec<CsMat<f64>>,
    /// The magic entries (row, column).
    pub entries: Vec<(usize, usize)>,
    /// The greedy's worst training error (max-entry norm, relative) after each term.
    pub max_errors: Vec<f64>,
    /// [A(μₘ)]_{entry k} (M × M), the interpolation matrix.
    interpolation: Mat<f64>,
}

/// The non-zeros of `a` in storage order, after checking its pattern against `pattern`.
fn values(a: &CsMat<f64>, pattern: &CsMat<f64>) -> Result<Vec<f64>> {
    if a.indptr() != pattern.indptr() || a.indices() != pattern.indices() {
        return Err(invalid(
            "operator family",
            "a matrix",
            "assembled matrices that share one sparsity pattern",
        ));
    }
    Ok(a.data().to_vec())
}

impl OperatorEim {
    /// The greedy over `training` parameters, up to `max_terms` terms or a relative
    /// max-entry residual ≤ `tol`.
    pub fn greedy(
        family: &dyn OperatorFamily,
        training: &[Vec<f64>],
        max_terms: usize,
        tol: f64,
    ) -> Result<Self> {
        if training.is_empty() || max_terms == 0 {
            return Err(invalid(
                "training",
                training.len(),
                "at least one parameter and one term",
            ));
        }
        let first = family.assemble(&training[0])?;
        let nnz = first.nnz();
        let mut snapshots = Mat::zeros(nnz, training.len());
        for (j, mu) in training.iter().enumerate() {
            let v = values(&family.assemble(mu)?, &first)?;
            snapshots.col_as_slice_mut(j).copy_from_slice(&v);
        }
        let scale = snapshots.norm_max();
        let eim = Eim::greedy(snapshots.as_ref(), tol * scale, max_terms)?;
        let m = eim.points.len();
        // The (row, column) of every non-zero, in storage order.
        let mut coordinates = Vec::with_capacity(nnz);
        for (row, vec) in first.outer_iterator().enumerate() {
            for (col, _) in vec.iter() {
                coordinates.push((row, col));
            }
        }
        let interpolation =
            Mat::from_fn(m, m, |k, l| snapshots[(eim.points[k], eim.generators[l])]);
        Ok(Self {
            parameters: eim
                .generators
                .iter()
                .map(|&g| training[g].clone())
                .collect(),
            matrices: eim
                .generators
                .iter()
                .map(|&g| family.assemble(&training[g]))
                .collect::<Result<_>>()?,
            entries: eim.points.iter().map(|&p| coordinates[p]).collect(),
            max_errors: eim.max_errors.iter().map(|e| e / scale).collect(),
            interpolation,
        })
    }

    /// The number of terms M.
    pub fn terms(&self) -> usize {
        self.matrices.len()
    }

    /// β(μ) from the M magic entries of A(μ) (read from the assembled matrix: the only
    /// access to the black box online), using the first `terms` terms.
    pub fn coefficients(&self, a: &CsMat<f64>, terms: usize) -> Result<Vec<f64>> {
        let m = terms.min(self.terms());
        let rhs = Mat::from_fn(m, 1, |k, _| {
            let (i, j) = self.entries[k];
            a.get(i, j).copied().unwrap_or(0.0)
        });
        let sub = Mat::from_fn(m, m, |k, l| self.interpolation[(k, l)]);
        let beta = sub.partial_piv_lu().solve(&rhs);
        let out: Vec<f64> = (0..m).map(|k| beta[(k, 0)]).collect();
        if out.iter().any(|b| !b.is_finite()) {
            return Err(invalid(
                "terms",
                m,
                "terms with an invertible interpolation matrix",
            ));
        }
        Ok(out)
    }

    /// Σₘ βₘ A(μₘ) for coefficients `beta` (the first `beta.len()` terms).
    pub fn combine(&self, beta: &[f64]) -> CsMat<f64> {
        let mut sum = &self.matrices[0] * beta[0];
        for (a, b) in self.matrices.iter().zip(beta).skip(1) {
            sum = &sum + &(a * *b);
        }
        sum
    }

    /// VᵀA(μₘ)V for every term: the offline part of the reduced operator.
    pub fn reduce(&self, basis: &Mat<f64>) -> Vec<Mat<f64>> {
        self.matrices.iter().map(|a| project(a, basis)).collect()
    }
}

/// VᵀAV for a sparse A.
pub fn project(a: &CsMat<f64>, basis: &Mat<f64>) -> Mat<f64> {
    let (n, r) = (basis.nrows(), basis.ncols());
    let mut av = Mat::<f64>::zeros(n, r);
    for (row, vec) in a.outer_iterator().enumerate() {
        for (col, &value) in vec.iter() {
            for j in 0..r {
                av[(row, j)] += value * basis[(col, j)];
            }
        }
    }
    basis.transpose() * &av
}

/// ‖A − B‖_F / ‖A‖_F for two matrices of one pattern.
pub fn relative_difference(a: &CsMat<f64>, b: &CsMat<f64>) -> f64 {
    let diff = a - b;
    let norm = |m: &CsMat<f64>| m.data().iter().map(|v| v * v).sum::<f64>().sqrt();
    norm(&diff) / norm(a).max(f64::MIN_POSITIVE)
}
