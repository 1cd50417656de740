//! Proper orthogonal decomposition of snapshot sets, streamed block by block from any
//! [`SnapshotSource`] (in memory, a trajectory file, a user's own store).
//!
//! The snapshot matrix S (n × n_s) is read one block (a trajectory) at a time. If it fits
//! the memory budget it is gathered and decomposed by the thin SVD (TSQR → small SVD: the
//! same O(n·n_s²) cost as the method of snapshots without squaring the condition number);
//! otherwise it is streamed through Brand's incremental SVD, one block at a time, so
//! memory stays O(n·r). The method of snapshots is available on request (Sirovich 1987).

use faer::{Mat, MatRef};

use super::error::{invalid, Result, RomError};
use crate::basis::{
    method_of_snapshots_leading, thin_svd_leading, Basis, IncrementalSvd, IncrementalSvdOptions,
    InnerProduct, ThinSvd, Truncation, BLOCK_COLUMNS,
};

/// A source of snapshot blocks (n × k matrices, one column per snapshot).
pub trait SnapshotSource {
    /// State dimension n.
    fn dim(&self) -> usize;
    /// Number of blocks.
    fn n_blocks(&self) -> usize;
    /// Columns in block `b`.
    fn block_len(&self, b: usize) -> usize;
    /// Block `b`; an error if any value is not finite.
    fn block(&mut self, b: usize) -> Result<Mat<f64>>;
}

/// How the SVD of the snapshot matrix is computed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantNames,
)]
#[strum(serialize_all = "kebab-case")]
pub enum PodMethod {
    /// Thin SVD when S fits the memory budget, incremental otherwise.
    Auto,
    /// Gather S and take its thin SVD (TSQR route for tall S).
    Thin,
    /// Gather S and use the method of snapshots (eigenvectors of SᵀWS).
    Snapshots,
    /// Stream S through Brand's incremental SVD.
    Incremental,
    /// One POD per block (trajectory), then the POD of their modes scaled by their
    /// singular values (HAPOD, Himpe, Leibner & Rave 2018), with the a-priori bound of the
    /// energy tolerance; over MPI ranks, each rank takes the blocks it holds.
    Hapod,
}

impl PodMethod {
    /// The name used in files and logs (`auto`, `thin`, `snapshots`, `incremental`).
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// POD settings.
#[derive(Debug, Clone, PartialEq)]
pub struct PodOptions {
    /// How many modes to keep.
    pub truncation: Truncation,
    /// Subtract the snapshot mean first (the ROM then evolves u − ū).
    pub center: bool,
    /// Quadrature weight of every grid point (cell area): the POD is then L²-optimal;
    /// `None` for the Euclidean inner product.
    pub cell_weight: Option<f64>,
    /// Quadrature weight of every value (non-uniform grids, unstructured points: the
    /// `/weights` of an imported file); exclusive with `cell_weight`.
    pub weights: Option<Vec<f64>>,
    /// The SVD route.
    pub method: PodMethod,
    /// Largest snapshot matrix (bytes) the `auto` route gathers in memory.
    pub memory_budget: usize,
    /// The HAPOD's ω ∈ (0, 1): the share of the error budget its root keeps
    /// ([`crate::basis::HapodOptions::omega`]).
    pub hapod_omega: f64,
}

impl Default for PodOptions {
    fn default() -> Self {
        Self {
            truncation: Truncation::RelativeEnergy(1e-8),
            center: true,
            cell_weight: None,
            weights: None,
            method: PodMethod::Auto,
            memory_budget: 2 << 30,
            hapod_omega: 0.75,
        }
    }
}

/// A POD basis: modes, all singular values computed, and the mean if centred.
#[derive(Debug, Clone)]
pub struct Pod {
    /// The kept modes, orthonormal under the POD inner product.
    pub basis: Basis,
    /// Every singular value computed (not only the kept ones), for decay plots.
    pub singular_values: Vec<f64>,
    /// The snapshot mean ū, if subtracted.
    pub mean: Option<Vec<f64>>,
    /// Snapshots used.
    pub n_snapshots: usize,
    /// The SVD route taken.
    pub method: PodMethod,
}

impl Pod {
    /// POD of every snapshot `source` yields.
    ///
    /// ```
    /// use faer::Mat;
    /// use galerkin::basis::{householder_qr, InnerProduct, Truncation};
    /// use galerkin::rom::{MatrixSource, Pod, PodOptions};
    ///
    /// // S = 3·a₁b₁ᵀ + 2·a₂b₂ᵀ + 1·a₃b₃ᵀ (40 values × 12 snapshots) with orthonormal aᵢ and
    /// // bᵢ: rank 3, singular values 3, 2, 1 exactly.
    /// let orthonormal = |rows: usize, shift: f64| {
    ///     let m = Mat::from_fn(rows, 3, |i, j| (i as f64 / rows as f64 + shift).powi(j as i32));
    ///     householder_qr(m.as_ref(), &InnerProduct::Euclidean).unwrap().q
    /// };
    /// let (a, b) = (orthonormal(40, 0.0), orthonormal(12, 0.5));
    /// let sigma = [3.0, 2.0, 1.0];
    /// let s = Mat::from_fn(40, 12, |i, j| (0..3).map(|k| sigma[k] * a[(i, k)] * b[(j, k)]).sum());
    ///
    /// let options = PodOptions {
    ///     truncation: Truncation::RelativeEnergy(1e-12),
    ///     center: false,
    ///     ..PodOptions::default()
    /// };
    /// let pod = Pod::compute(&mut MatrixSource(s), &options)?;
    /// assert_eq!(pod.rank(), 3);
    /// assert_eq!(pod.n_snapshots, 12);
    /// for (computed, exact) in pod.singular_values.iter().zip(sigma) {
    ///     assert!((computed - exact).abs() < 1e-12, "{computed} vs {exact}");
    /// }
    /// // Every other singular value is round-off, and the modes span the aᵢ.
    /// assert!(pod.singular_values[3..].iter().all(|s| *s < 1e-12));
    /// assert!(pod.basis.residual(a.as_ref())?.norm_max() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compute(source: &mut dyn SnapshotSource, opts: &PodOptions) -> Result<Self> {
        let n = source.dim();
        let n_s: usize = (0..source.n_blocks()).map(|b| source.block_len(b)).sum();
        let ip = check_request(n, n_s, opts)?;
        let mean = if opts.center {
            Some(snapshot_mean(source, n, n_s)?)
        } else {
            None
        };
        let method = opts.route(n, n_s);
        if method == PodMethod::Hapod {
            return Self::compute_on(source, opts, &crate::parallel::SingleProcess);
        }
        let svd = match method {
            PodMethod::Incremental => streamed_svd(source, mean.as_deref(), &ip)?,
            _ => {
                let s = gathered(source, mean.as_deref())?;
                return Self::of_gathered(s.as_ref(), ip, mean, method, opts.truncation);
            }
        };
        let all = svd.s.clone();
        Self::finish(svd, all, ip, mean, n_s, method, opts.truncation)
    }

    /// POD of the columns of a matrix held by the caller (any strides: a numpy array, a
    /// faer view). Without centring, the thin SVD and the method of snapshots read it in
    /// place, with no copy of it; centring (which must subtract the mean) and the streamed
    /// route go through [`Pod::compute`] on a copy.
    pub fn of_matrix(s: MatRef<'_, f64>, opts: &PodOptions) -> Result<Self> {
        let (n, n_s) = (s.nrows(), s.ncols());
        let method = opts.route(n, n_s);
        if opts.center || matches!(method, PodMethod::Incremental | PodMethod::Hapod) {
            return Self::compute(&mut MatrixSource(s.to_owned()), opts);
        }
        let ip = check_request(n, n_s, opts)?;
        Self::of_gathered(s, ip, None, method, opts.truncation)
    }

    /// The POD of the gathered (and centred, if `mean`) snapshots `s` by the thin SVD or
    /// the method of snapshots (which forms only the kept modes).
    fn of_gathered(
        s: MatRef<'_, f64>,
        ip: InnerProduct,
        mean: Option<Vec<f64>>,
        method: PodMethod,
        truncation: Truncation,
    ) -> Result<Self> {
        let (svd, all) = if method == PodMethod::Snapshots {
            method_of_snapshots_leading(s, &ip, |s| truncation.rank(s))?
        } else {
            thin_svd_leading(s, &ip, |s| truncation.rank(s))?
        };
        Self::finish(svd, all, ip, mean, s.ncols(), method, truncation)
    }

    /// Truncates `svd` (whose singular values, all of them, are `all`) by `truncation`
    /// into the POD.
    pub(super) fn finish(
        svd: ThinSvd,
        all: Vec<f64>,
        ip: InnerProduct,
        mean: Option<Vec<f64>>,
        n_snapshots: usize,
        method: PodMethod,
        truncation: Truncation,
    ) -> Result<Self> {
        let resolved = numerical_rank(&all, method);
        let r = match truncation {
            // The method of snapshots drops the Gram eigenvalues lost to round-off: it can
            // hand out fewer modes than the snapshots span.
            Truncation::Rank(r) if r > all.len() => {
                return Err(invalid(
                    "rank",
                    r,
                    &format!(
                        "1 ..= {}: the `{}` route resolves only {} singular values{}",
                        all.len(),
                        method.name(),
                        all.len(),
                        if method == PodMethod::Snapshots {
                            " (the method of snapshots squares the condition number; \
                             --pod-method thin resolves to round-off)"
                        } else {
                            ""
                        }
                    ),
                ))
            }
            Truncation::Rank(r) => r,
            // Energy and tolerance rules never keep a numerically null mode.
            rule => rule.rank(&all)?.min(resolved),
        };
        if r == 0 {
            return Err(invalid(
                "truncation",
                format!("{truncation:?}"),
                "a rule keeping at least one mode (the snapshots may all equal their mean)",
            ));
        }
        let basis = svd.truncated(r)?.with_sign_convention().left_basis(ip)?;
        Ok(Self {
            basis,
            singular_values: all,
            mean,
            n_snapshots,
            method,
        })
    }

    /// The number of modes kept.
    pub fn rank(&self) -> usize {
        self.basis.rank()
    }

    /// The number of singular values above what the route resolves (σ/σ₁ > 1e-12, or
    /// 1e-7 for the method of snapshots): modes past it are round-off. A rank rule keeps
    /// what it was asked for; callers say when that passes this number.
    pub fn resolved_rank(&self) -> usize {
        numerical_rank(&self.singular_values, self.method)
    }
}

/// The smallest σ/σ₁ a route resolves: the SVD routes work on the snapshots themselves
/// (relative accuracy ≈ n·ε, 1e-12 leaves room), the method of snapshots on their Gram
/// matrix, whose eigenvalues σ² carry an absolute error ≈ ε σ₁², so σ below √ε σ₁ ≈ 1.5e-8
/// σ₁ is noise.
fn resolution(method: PodMethod) -> f64 {
    match method {
        PodMethod::Snapshots => 1e-7,
        _ => 1e-12,
    }
}

/// The number of singular values in `s` (non-increasing) above the route's resolution.
fn numerical_rank(s: &[f64], method: PodMethod) -> usize {
    let floor = s.first().copied().unwrap_or(0.0) * resolution(method);
    s.iter().take_while(|&&x| x > floor).count()
}

/// Checks a POD request on n values × n_s snapshots (truncation, rank range, weight) and
/// returns its inner product.
pub(super) fn check_request(n: usize, n_s: usize, opts: &PodOptions) -> Result<InnerProduct> {
    opts.truncation.validate()?;
    if n == 0 || n_s == 0 {
        return Err(invalid(
            "snapshots",
            format!("{n} values × {n_s} snapshots"),
            "at least one snapshot of at least one value",
        ));
    }
    if let Truncation::Rank(r) = opts.truncation {
        let limit = if opts.center { n_s - 1 } else { n_s }.min(n);
        if r == 0 || r > limit {
            return Err(invalid(
                "rank",
                r,
                &format!(
                    "1 ..= {limit} (the number of {}snapshots{})",
                    if opts.center { "mean-subtracted " } else { "" },
                    if limit == n {
                        ", capped by the state size"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
    match (opts.cell_weight, &opts.weights) {
        (Some(_), Some(_)) => Err(invalid(
            "cell_weight",
            "given with weights",
            "one of cell_weight (uniform) or weights (per value)",
        )),
        (None, Some(w)) if w.len() != n => Err(invalid(
            "weights",
            format!("{} values", w.len()),
            &format!("one per value of a snapshot ({n})"),
        )),
        (None, Some(w)) => Ok(InnerProduct::diagonal(w.clone())?),
        (Some(w), None) if w.is_finite() && w > 0.0 => Ok(InnerProduct::diagonal(vec![w; n])?),
        (Some(w), None) => Err(invalid("cell_weight", w, "a finite number > 0")),
        (None, None) => Ok(InnerProduct::Euclidean),
    }
}

impl PodOptions {
    /// The SVD route `method` resolves to for n values × n_s snapshots (`auto`: thin SVD
    /// when the matrix fits the memory budget, incremental otherwise).
    fn route(&self, n: usize, n_s: usize) -> PodMethod {
        let fits = n.saturating_mul(n_s).saturating_mul(8) <= self.memory_budget;
        match self.method {
            PodMethod::Auto if fits => PodMethod::Thin,
            PodMethod::Auto => PodMethod::Incremental,
            m => m,
        }
    }
}

/// Adds the columns of `block` to `sum`, one after the other.
pub(super) fn add_columns(sum: &mut [f64], block: &Mat<f64>) {
    for j in 0..block.ncols() {
        for (s, v) in sum.iter_mut().zip(block.col_as_slice(j)) {
            *s += v;
        }
    }
}

fn snapshot_mean(source: &mut dyn SnapshotSource, n: usize, n_s: usize) -> Result<Vec<f64>> {
    let mut mean = vec![0.0; n];
    for b in 0..source.n_blocks() {
        add_columns(&mut mean, &source.block(b)?);
    }
    mean.iter_mut().for_each(|m| *m /= n_s as f64);
    Ok(mean)
}

pub(super) fn subtract_mean(block: &mut Mat<f64>, mean: Option<&[f64]>) {
    if let Some(mean) = mean {
        for j in 0..block.ncols() {
            for (v, m) in block.col_as_slice_mut(j).iter_mut().zip(mean) {
                *v -= m;
            }
        }
    }
}

/// Every snapshot of `source` in one n × n_s matrix, each minus `mean` if given.
pub(crate) fn gathered(source: &mut dyn SnapshotSource, mean: Option<&[f64]>) -> Result<Mat<f64>> {
    let n_s: usize = (0..source.n_blocks()).map(|b| source.block_len(b)).sum();
    let mut s = Mat::zeros(source.dim(), n_s);
    let mut col = 0;
    for b in 0..source.n_blocks() {
        let mut block = source.block(b)?;
        subtract_mean(&mut block, mean);
        for j in 0..block.ncols() {
            s.col_as_slice_mut(col)
                .copy_from_slice(block.col_as_slice(j));
            col += 1;
        }
    }
    Ok(s)
}

/// Brand's incremental SVD of W^{1/2}S, block by block, mapped back to W-orthonormal modes.
///
/// The source's blocks (one trajectory each, often only a few saves) are regrouped into
/// updates of [`BLOCK_COLUMNS`] columns: each update re-diagonalizes an (r + s)-sized core
/// at O((r + s)³), which dominates once the rank is large, so full blocks need the fewest.
fn streamed_svd(
    source: &mut dyn SnapshotSource,
    mean: Option<&[f64]>,
    ip: &InnerProduct,
) -> Result<ThinSvd> {
    let n = source.dim();
    let mut isvd = IncrementalSvd::new(n, IncrementalSvdOptions::default())?;
    let width = BLOCK_COLUMNS.min(n);
    let mut pending: Vec<f64> = Vec::with_capacity(n * width);
    for b in 0..source.n_blocks() {
        let mut block = source.block(b)?;
        subtract_mean(&mut block, mean);
        let block = ip.whiten(block.as_ref());
        for j in 0..block.ncols() {
            pending.extend_from_slice(block.col_as_slice(j));
            if pending.len() == n * width {
                isvd.push_block(MatRef::from_column_major_slice(&pending, n, width))?;
                pending.clear();
            }
        }
    }
    isvd.push_block(MatRef::from_column_major_slice(
        &pending,
        n,
        pending.len() / n,
    ))?;
    let mut svd = isvd.to_svd();
    svd.u = ip.unwhiten_owned(svd.u);
    Ok(svd)
}

/// The one snapshot convention: snapshots of `n` values stored one after the other
/// (snapshot-major, as trajectories and files hold them) are the columns of an
/// n × (len / n) column-major matrix, viewed without a copy.
///
/// ```
/// let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // two snapshots of three values
/// let s = galerkin::rom::snapshot_matrix(&data, 3);
/// assert_eq!((s.nrows(), s.ncols()), (3, 2));
/// assert_eq!(s[(0, 1)], 4.0);
/// ```
pub fn snapshot_matrix(data: &[f64], n: usize) -> MatRef<'_, f64> {
    let columns = data.len().checked_div(n).unwrap_or(0);
    MatRef::from_column_major_slice(&data[..n * columns], n, columns)
}

/// Snapshots held in memory (one block).
#[derive(Debug, Clone)]
pub struct MatrixSource(pub Mat<f64>);

impl MatrixSource {
    /// The snapshot-major `data` (snapshots of `n` values) as one block.
    pub fn from_snapshots(data: &[f64], n: usize) -> Self {
        Self(snapshot_matrix(data, n).to_owned())
    }
}

impl SnapshotSource for MatrixSource {
    fn dim(&self) -> usize {
        self.0.nrows()
    }
    fn n_blocks(&self) -> usize {
        1
    }
    fn block_len(&self, _b: usize) -> usize {
        self.0.ncols()
    }
    fn block(&mut self, _b: usize) -> Result<Mat<f64>> {
        check_finite(&self.0, 0, 0)?;
        Ok(self.0.clone())
    }
}

/// An error if a column of `m` (snapshots `first_time..` of `trajectory`) is not finite.
pub(crate) fn check_finite(m: &Mat<f64>, trajectory: usize, first_time: usize) -> Result<()> {
    for j in 0..m.ncols() {
        if let Some(bad) = m.col_as_slice(j).iter().find(|v| !v.is_finite()) {
            return Err(RomError::NonFiniteSnapshot {
                trajectory,
                time_index: first_time + j,
                value: *bad,
            });
        }
    }
    Ok(())
}
