//! Incremental (streaming) SVD by Brand's rank-one updates with a lazily applied rotation.
//!
//! M. Brand, "Fast low-rank modifications of the thin singular value decomposition",
//! Linear Algebra Appl. 415(1), 2006. The left factor is kept as U = U_store · M with a small
//! r′×r mixing matrix M: a new column only appends one vector to U_store and multiplies M by
//! an (r+1)×(r+1) rotation, so it costs O(n·r′ + r³) instead of rotating all n rows
//! (O(n·r²)). When U_store grows past about twice the rank it is materialized, and then
//! re-orthonormalized by a QR whose R is folded back into the small SVD, which bounds the
//! slow loss of orthogonality that rank-one updates accumulate (as in libROM's
//! `IncrementalSVDBrand`).

use faer::{linalg::matmul::matmul, Accum, Mat, MatMut, MatRef, Par};

use super::error::{ensure_finite, ensure_tolerance, BasisError, Result};
use super::svd::ThinSvd;

/// Parameters of [`IncrementalSvd`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IncrementalSvdOptions {
    /// A column whose remainder after projection has norm ≤ this × its own norm is taken as
    /// lying in the current span (no new direction is added).
    pub linear_dependence_tol: f64,
    /// Singular values below this × σ₁ are truncated after each update.
    pub singular_value_tol: f64,
    /// Hard cap on the rank kept.
    pub max_rank: usize,
    /// Also maintain the right singular vectors V (costs O(m·r²) per column for m columns
    /// seen); POD needs only U and σ.
    pub track_right_vectors: bool,
}

impl Default for IncrementalSvdOptions {
    fn default() -> Self {
        Self {
            linear_dependence_tol: 1e-10,
            singular_value_tol: 1e-12,
            max_rank: usize::MAX,
            track_right_vectors: false,
        }
    }
}

/// A thin SVD of the columns seen so far, updated one column at a time.
#[derive(Debug, Clone)]
pub struct IncrementalSvd {
    opts: IncrementalSvdOptions,
    u_store: Mat<f64>,
    mix: Mat<f64>,
    s: Vec<f64>,
    v: Mat<f64>,
    columns_seen: usize,
    store_capacity: usize,
    scratch: Vec<f64>,
}

impl IncrementalSvd {
    /// An empty decomposition of columns of length `n`.
    pub fn new(n: usize, opts: IncrementalSvdOptions) -> Result<Self> {
        ensure_tolerance("linear_dependence_tol", opts.linear_dependence_tol)?;
        ensure_tolerance("singular_value_tol", opts.singular_value_tol)?;
        if opts.max_rank == 0 || n == 0 {
            return Err(BasisError::InvalidParameter {
                field: if n == 0 { "n" } else { "max_rank" },
                value: "0".into(),
                allowed: ">= 1",
            });
        }
        Ok(Self {
            opts,
            u_store: Mat::zeros(n, 0),
            mix: Mat::zeros(0, 0),
            s: Vec::new(),
            v: Mat::zeros(0, 0),
            columns_seen: 0,
            store_capacity: 0,
            scratch: vec![0.0; n],
        })
    }

    /// Current rank r.
    pub fn rank(&self) -> usize {
        self.s.len()
    }

    /// Number of columns added so far.
    pub fn columns_seen(&self) -> usize {
        self.columns_seen
    }

    /// Current singular values, non-increasing.
    pub fn singular_values(&self) -> &[f64] {
        &self.s
    }

    /// Adds every column of `a` in order.
    pub fn push_columns(&mut self, a: MatRef<'_, f64>) -> Result<()> {
        for j in 0..a.ncols() {
            let col: Vec<f64> = a.col(j).iter().copied().collect();
            self.push(&col)?;
        }
        Ok(())
    }

    /// Brand's update with one new column c: m = Uᵀc, p = c − Um (twice, CGS2), ρ = ‖p‖;
    /// the (r+1)×(r+1) core K = [[Σ, m], [0, ρ]] (or r×(r+1) [Σ, m] if ρ is negligible) is
    /// re-diagonalized, K = FΘGᵀ, and U ← [U, p/ρ]F, Σ ← Θ, V ← blkdiag(V, 1)G.
    pub fn push(&mut self, c: &[f64]) -> Result<()> {
        let n = self.u_store.nrows();
        if c.len() != n {
            return Err(BasisError::DimensionMismatch {
                field: "column",
                expected: n,
                got: c.len(),
            });
        }
        ensure_finite("column", MatRef::from_column_major_slice(c, n, 1))?;
        let c_norm = MatRef::from_column_major_slice(c, n, 1).norm_l2();
        self.scratch.copy_from_slice(c);
        let mut coeffs = self.orthogonalize_scratch();
        let again = self.orthogonalize_scratch();
        for (a, b) in coeffs.iter_mut().zip(&again) {
            *a += b;
        }
        let rho = MatRef::from_column_major_slice(&self.scratch, n, 1).norm_l2();
        let r = self.rank();
        let new_direction = rho > self.opts.linear_dependence_tol * c_norm && rho > 0.0;
        let rows = if new_direction { r + 1 } else { r };
        let core = Mat::from_fn(rows, r + 1, |i, j| match (i, j) {
            (i, j) if i == j && i < r => self.s[i],
            (i, j) if j == r && i < r => coeffs[i],
            (i, j) if i == r && j == r => rho,
            _ => 0.0,
        });
        let svd = core.thin_svd().map_err(|_| BasisError::NoConvergence {
            what: "incremental SVD core",
        })?;
        let (f, g) = (svd.U(), svd.V());
        let theta: Vec<f64> = svd.S().column_vector().iter().copied().collect();

        if new_direction {
            let new_col = self.u_store.ncols();
            if new_col == self.store_capacity {
                // Amortized doubling: appending stays O(n) per column on average.
                self.store_capacity = (2 * new_col).max(8);
                self.u_store.reserve(n, self.store_capacity);
            }
            let inv = 1.0 / rho;
            let scratch = &self.scratch;
            self.u_store
                .resize_with(n, new_col + 1, |i, _| scratch[i] * inv);
            let mix_ext = block_diag_one(self.mix.as_ref());
            self.mix = &mix_ext * f;
        } else {
            self.mix = &self.mix * f;
        }
        if self.opts.track_right_vectors {
            self.v = &block_diag_one(self.v.as_ref()) * g;
        }
        self.s = theta;
        self.columns_seen += 1;
        self.truncate_small();
        if self.u_store.ncols() > 2 * self.rank() + 8 {
            self.materialize()?;
        }
        Ok(())
    }

    /// The left singular vectors U = U_store·M (n×r), materialized.
    pub fn left_vectors(&self) -> Mat<f64> {
        &self.u_store * &self.mix
    }

    /// The decomposition so far as a [`ThinSvd`]; `v` is empty (m×0 columns) unless
    /// `track_right_vectors` was set.
    pub fn to_svd(&self) -> ThinSvd {
        let v = if self.opts.track_right_vectors {
            self.v.clone()
        } else {
            Mat::zeros(self.columns_seen, 0)
        };
        ThinSvd {
            u: self.left_vectors(),
            s: self.s.clone(),
            v,
        }
    }

    /// scratch ← scratch − U(Uᵀ scratch); returns Uᵀ scratch. Two matrix–vector products
    /// with U_store (O(n·r′), SIMD through faer) and two with the small M.
    fn orthogonalize_scratch(&mut self) -> Vec<f64> {
        let n = self.scratch.len();
        let stored =
            self.u_store.transpose() * MatRef::from_column_major_slice(&self.scratch, n, 1);
        let coeffs = self.mix.transpose() * &stored;
        let back = &self.mix * &coeffs;
        matmul(
            MatMut::from_column_major_slice_mut(&mut self.scratch, n, 1),
            Accum::Add,
            self.u_store.as_ref(),
            back.as_ref(),
            -1.0,
            Par::Seq,
        );
        coeffs.col(0).iter().copied().collect()
    }

    /// Drops singular values below the relative tolerance and beyond `max_rank`.
    fn truncate_small(&mut self) {
        let top = self.s.first().copied().unwrap_or(0.0);
        let keep = self
            .s
            .iter()
            .take_while(|&&x| x > self.opts.singular_value_tol * top && x > 0.0)
            .count()
            .min(self.opts.max_rank);
        if keep < self.s.len() {
            self.s.truncate(keep);
            self.mix = self.mix.subcols(0, keep).to_owned();
            if self.opts.track_right_vectors {
                self.v = self.v.subcols(0, keep).to_owned();
            }
        }
    }

    /// U_store ← orthonormal U_store·M, M ← I, re-diagonalizing the QR's R into Σ and V.
    fn materialize(&mut self) -> Result<()> {
        let u = self.left_vectors();
        let qr = u.qr();
        let q = qr.compute_thin_Q();
        let r_diag = Mat::from_fn(self.rank(), self.rank(), |i, j| {
            qr.thin_R()[(i, j)] * self.s[j]
        });
        let svd = r_diag.thin_svd().map_err(|_| BasisError::NoConvergence {
            what: "incremental SVD re-orthonormalization",
        })?;
        self.u_store = &q * svd.U();
        self.store_capacity = self.u_store.ncols();
        self.mix = Mat::identity(self.rank(), self.rank());
        self.s = svd.S().column_vector().iter().copied().collect();
        if self.opts.track_right_vectors {
            self.v = &self.v * svd.V();
        }
        Ok(())
    }
}

/// [[A, 0], [0, 1]].
fn block_diag_one(a: MatRef<'_, f64>) -> Mat<f64> {
    let (r, c) = (a.nrows(), a.ncols());
    Mat::from_fn(r + 1, c + 1, |i, j| match (i < r, j < c) {
        (true, true) => a[(i, j)],
        (false, false) => 1.0,
        _ => 0.0,
    })
}
