//! [`Basis`]: n×r columns orthonormal under an inner product, grown by CGS2.
//!
//! Re-orthogonalization follows the "twice is enough" rule (Giraud, Langou, Rozložník,
//! "The loss of orthogonality in the Gram–Schmidt process", Comput. Math. Appl. 50, 2005):
//! classical Gram–Schmidt applied twice keeps ‖QᵀWQ − I‖ at O(ε) as long as each new vector
//! is not numerically dependent on the basis, which the drop tolerance guarantees.

use faer::{linalg::matmul::matmul, Accum, Mat, MatMut, MatRef, Par};

use super::error::{ensure_finite, ensure_tolerance, BasisError, Result};
use super::inner::InnerProduct;

/// Columns q₁…q_r ∈ ℝⁿ with ⟨qᵢ, qⱼ⟩_W = δᵢⱼ: the reduced space of a ROM, a POD basis,
/// a hyper-reduction basis, or a spectral basis under its quadrature.
///
/// ```
/// use faer::Mat;
/// use galerkin::basis::{householder_qr, Basis, InnerProduct};
///
/// // An orthonormal Q from the QR of a 50 × 3 matrix (columns 1, x, x² on [0, 1)).
/// let n = 50;
/// let a = Mat::from_fn(n, 3, |i, j| (i as f64 / n as f64).powi(j as i32));
/// let q = householder_qr(a.as_ref(), &InnerProduct::Euclidean)?.q;
/// let basis = Basis::from_orthonormal(q, InnerProduct::Euclidean, 1e-12)?;
/// assert_eq!((basis.dim(), basis.rank()), (n, 3));
/// assert!(basis.orthogonality_error() < 1e-13);
///
/// // A vector in the span (a quadratic) is projected to 3 coordinates and lifted back.
/// let u = Mat::from_fn(n, 1, |i, _| {
///     let x = i as f64 / n as f64;
///     2.0 - 3.0 * x + 0.5 * x * x
/// });
/// let coords = basis.project(u.as_ref())?;
/// assert_eq!((coords.nrows(), coords.ncols()), (3, 1));
/// let back = basis.lift(coords.as_ref())?;
/// assert!((&back - &u).norm_max() < 1e-12);
///
/// // A vector outside the span keeps its orthogonal part in the residual.
/// let v = Mat::from_fn(n, 1, |i, _| (i as f64 / n as f64).powi(3));
/// let r = basis.residual(v.as_ref())?;
/// assert!(r.norm_max() > 1e-3);
/// assert!(basis.project(r.as_ref())?.norm_max() < 1e-12);
/// # Ok::<(), galerkin::basis::BasisError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Basis {
    q: Mat<f64>,
    ip: InnerProduct,
}

impl Basis {
    /// The empty basis (r = 0) of ℝⁿ under `ip`.
    pub fn empty(n: usize, ip: InnerProduct) -> Result<Self> {
        ip.check_dim(n)?;
        Ok(Self {
            q: Mat::zeros(n, 0),
            ip,
        })
    }

    /// Orthonormalizes the columns of `a` by CGS2, dropping columns that are numerically
    /// dependent on the earlier ones (relative tolerance `drop_tol`, see [`Basis::extend`]).
    pub fn orthonormalize(a: MatRef<'_, f64>, ip: InnerProduct, drop_tol: f64) -> Result<Self> {
        let mut basis = Self::empty(a.nrows(), ip)?;
        basis.extend(a, drop_tol)?;
        Ok(basis)
    }

    /// Wraps columns that are already orthonormal under `ip` (e.g. the U of an SVD), after
    /// checking max |QᵀWQ − I| ≤ `tol`.
    pub fn from_orthonormal(q: Mat<f64>, ip: InnerProduct, tol: f64) -> Result<Self> {
        ensure_tolerance("tol", tol)?;
        ensure_finite("q", q.as_ref())?;
        ip.check_dim(q.nrows())?;
        let basis = Self { q, ip };
        let err = basis.orthogonality_error();
        if err > tol {
            return Err(BasisError::InvalidParameter {
                field: "q",
                value: format!("max |QᵀWQ − I| = {err:.3e}"),
                allowed: "columns orthonormal under the inner product to within `tol`",
            });
        }
        Ok(basis)
    }

    /// Ambient dimension n.
    pub fn dim(&self) -> usize {
        self.q.nrows()
    }

    /// Number of basis vectors r.
    pub fn rank(&self) -> usize {
        self.q.ncols()
    }

    /// The n×r matrix of basis vectors.
    pub fn vectors(&self) -> MatRef<'_, f64> {
        self.q.as_ref()
    }

    /// The inner product the basis is orthonormal under.
    pub fn inner_product(&self) -> &InnerProduct {
        &self.ip
    }

    /// Reduced coordinates QᵀW X (r×k) of the columns of X (n×k): the W-orthogonal projection.
    pub fn project(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        self.check_rows("x", x)?;
        Ok(self.ip.gram(self.q.as_ref(), x))
    }

    /// Full-space vectors Q C (n×k) from reduced coordinates C (r×k).
    pub fn lift(&self, coeffs: MatRef<'_, f64>) -> Result<Mat<f64>> {
        if coeffs.nrows() != self.rank() {
            return Err(BasisError::DimensionMismatch {
                field: "coeffs",
                expected: self.rank(),
                got: coeffs.nrows(),
            });
        }
        Ok(&self.q * coeffs)
    }

    /// X − Q QᵀW X: what the basis misses of each column of X.
    pub fn residual(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        let coeffs = self.project(x)?;
        Ok(x - &self.q * &coeffs)
    }

    /// Appends the columns of `v` after CGS2 re-orthogonalization against the basis (and
    /// against the columns of `v` already added). A column whose remainder after both passes
    /// has norm ≤ `drop_tol`·(its original norm) is numerically in the span and is dropped,
    /// as is a zero column. Returns how many vectors were actually added.
    pub fn extend(&mut self, v: MatRef<'_, f64>, drop_tol: f64) -> Result<usize> {
        ensure_tolerance("drop_tol", drop_tol)?;
        self.check_rows("v", v)?;
        ensure_finite("v", v)?;
        let n = self.dim();
        let before = self.rank();
        let mut w = vec![0.0; n];
        for j in 0..v.ncols() {
            for (i, wi) in w.iter_mut().enumerate() {
                *wi = v[(i, j)];
            }
            let original = self.ip.norm(&w);
            if original == 0.0 {
                continue;
            }
            self.orthogonalize_in_place(&mut w);
            self.orthogonalize_in_place(&mut w);
            let remainder = self.ip.norm(&w);
            if remainder <= drop_tol * original || remainder == 0.0 {
                continue;
            }
            let r = self.rank();
            self.q.resize_with(n, r + 1, |i, _| w[i] / remainder);
        }
        Ok(self.rank() - before)
    }

    /// Keeps the first `r` vectors.
    pub fn truncate(&mut self, r: usize) -> Result<()> {
        if r > self.rank() {
            return Err(BasisError::InvalidParameter {
                field: "r",
                value: r.to_string(),
                allowed: "at most the current rank",
            });
        }
        self.q.truncate(self.dim(), r);
        Ok(())
    }

    /// max |QᵀWQ − I|: the loss of orthonormality, 0 in exact arithmetic.
    pub fn orthogonality_error(&self) -> f64 {
        orthogonality_error(self.q.as_ref(), &self.ip)
    }

    /// One classical Gram–Schmidt pass w ← w − Q (QᵀW w), as two matrix–vector products.
    fn orthogonalize_in_place(&self, w: &mut [f64]) {
        let n = w.len();
        let coeffs = self
            .ip
            .gram(self.q.as_ref(), MatRef::from_column_major_slice(w, n, 1));
        matmul(
            MatMut::from_column_major_slice_mut(w, n, 1),
            Accum::Add,
            self.q.as_ref(),
            coeffs.as_ref(),
            -1.0,
            Par::Seq,
        );
    }

    fn check_rows(&self, field: &'static str, x: MatRef<'_, f64>) -> Result<()> {
        if x.nrows() == self.dim() {
            Ok(())
        } else {
            Err(BasisError::DimensionMismatch {
                field,
                expected: self.dim(),
                got: x.nrows(),
            })
        }
    }
}

/// max |QᵀWQ − I| for any n×r matrix Q.
pub fn orthogonality_error(q: MatRef<'_, f64>, ip: &InnerProduct) -> f64 {
    let g = ip.gram(q, q);
    let mut err = 0.0f64;
    for j in 0..g.ncols() {
        for i in 0..g.nrows() {
            let target = if i == j { 1.0 } else { 0.0 };
            err = err.max((g[(i, j)] - target).abs());
        }
    }
    err
}
