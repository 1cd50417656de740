//! The basis core from numpy: POD, thin / randomized / incremental SVD, DEIM and Q-DEIM
//! points. Matrices are read in place (any strides, no copy); results are new arrays.

use faer::MatRef;
use galerkin::basis::{
    self, IncrementalSvd as Isvd, IncrementalSvdOptions, InnerProduct, RandomizedSvdOptions,
    ThinSvd, Truncation,
};
use galerkin::rom::{Pod as PodBasis, PodMethod, PodOptions};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::error::{invalid, to_py};

/// A numpy matrix as a faer view of the same memory (numpy's element strides).
pub fn view<'a>(array: &'a PyReadonlyArray2<'_, f64>) -> MatRef<'a, f64> {
    let a = array.as_array();
    let (rows, cols) = a.dim();
    let strides = a.strides();
    // SAFETY: the view borrows `array`, which keeps the buffer alive and (through numpy's
    // borrow checking) unmodified by Rust for 'a; the strides are numpy's, in elements.
    unsafe { MatRef::from_raw_parts(a.as_ptr(), rows, cols, strides[0], strides[1]) }
}

/// A faer matrix as a new numpy array.
pub fn to_numpy<'py>(py: Python<'py>, m: MatRef<'_, f64>) -> Bound<'py, PyArray2<f64>> {
    Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)]).into_pyarray(py)
}

/// The truncation rule of `rank` / `energy` (at most one; the default keeps the modes
/// whose discarded energy is at most 1e-8).
pub fn truncation(rank: Option<usize>, energy: Option<f64>) -> PyResult<Truncation> {
    match (rank, energy) {
        (Some(_), Some(_)) => Err(invalid(
            "rank / energy",
            "both given",
            "one of them: a rank r, or the discarded energy fraction ε",
        )),
        (Some(r), None) => Ok(Truncation::Rank(r)),
        (None, Some(eps)) => Ok(Truncation::RelativeEnergy(eps)),
        (None, None) => Ok(Truncation::RelativeEnergy(1e-8)),
    }
}

/// A POD method name.
pub fn pod_method(name: &str) -> PyResult<PodMethod> {
    name.parse().map_err(|_| {
        invalid(
            "method",
            format!("`{name}`"),
            "auto, thin, snapshots or incremental",
        )
    })
}

/// A POD basis: the kept modes, every singular value computed, the mean if centred.
#[pyclass(module = "galerkin._core", name = "Pod", frozen)]
pub struct Pod {
    pub(crate) pod: PodBasis,
}

#[pymethods]
impl Pod {
    /// The kept modes, an n × r array (orthonormal in the POD's inner product).
    #[getter]
    fn modes<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        to_numpy(py, self.pod.basis.vectors())
    }

    /// Every singular value computed (not only the kept ones).
    #[getter]
    fn singular_values<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.pod.singular_values)
    }

    /// The snapshot mean, or None when not centred.
    #[getter]
    fn mean<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f64>>> {
        self.pod.mean.as_ref().map(|m| PyArray1::from_slice(py, m))
    }

    /// The number of modes kept, r.
    #[getter]
    fn rank(&self) -> usize {
        self.pod.rank()
    }

    /// Snapshots used.
    #[getter]
    fn n_snapshots(&self) -> usize {
        self.pod.n_snapshots
    }

    /// The SVD route taken: thin, snapshots or incremental.
    #[getter]
    fn method(&self) -> &'static str {
        self.pod.method.name()
    }

    /// The fraction of snapshot energy the kept modes discard: Σ_{i>r} σᵢ² / Σ σᵢ².
    #[getter]
    fn discarded_energy(&self) -> f64 {
        Truncation::discarded_energy(&self.pod.singular_values, self.pod.rank())
    }

    fn __repr__(&self) -> String {
        format!(
            "Pod(rank={}, n={}, n_snapshots={}, method='{}', discarded_energy={:.3e})",
            self.pod.rank(),
            self.pod.basis.dim(),
            self.pod.n_snapshots,
            self.pod.method.name(),
            self.discarded_energy()
        )
    }
}

/// POD of the columns of `snapshots` (n values × m snapshots).
#[pyfunction]
#[pyo3(signature = (snapshots, rank = None, energy = None, method = "auto", center = false, cell_weight = None))]
pub fn pod(
    py: Python<'_>,
    snapshots: PyReadonlyArray2<'_, f64>,
    rank: Option<usize>,
    energy: Option<f64>,
    method: &str,
    center: bool,
    cell_weight: Option<f64>,
) -> PyResult<Pod> {
    let opts = PodOptions {
        truncation: truncation(rank, energy)?,
        center,
        cell_weight,
        method: pod_method(method)?,
        ..PodOptions::default()
    };
    let s = view(&snapshots);
    let pod = py.detach(|| PodBasis::of_matrix(s, &opts)).map_err(to_py)?;
    Ok(Pod { pod })
}

/// (U, s, Vᵀ) of a [`ThinSvd`], as numpy's `linalg.svd(full_matrices=False)` returns.
type SvdArrays<'py> = (
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray2<f64>>,
);

fn svd_arrays(py: Python<'_>, svd: ThinSvd) -> SvdArrays<'_> {
    (
        to_numpy(py, svd.u.as_ref()),
        PyArray1::from_vec(py, svd.s),
        to_numpy(py, svd.v.transpose()),
    )
}

/// Thin SVD A = U diag(s) Vᵀ (TSQR route for tall matrices).
#[pyfunction]
pub fn thin_svd<'py>(py: Python<'py>, a: PyReadonlyArray2<'py, f64>) -> PyResult<SvdArrays<'py>> {
    let m = view(&a);
    let svd = py
        .detach(|| basis::thin_svd(m, &InnerProduct::Euclidean))
        .map_err(to_py)?;
    Ok(svd_arrays(py, svd))
}

/// Randomized SVD of rank `rank` (Halko, Martinsson & Tropp 2011).
#[pyfunction]
#[pyo3(signature = (a, rank, oversampling = 10, power_iterations = 2, seed = 0))]
pub fn randomized_svd<'py>(
    py: Python<'py>,
    a: PyReadonlyArray2<'py, f64>,
    rank: usize,
    oversampling: usize,
    power_iterations: usize,
    seed: u64,
) -> PyResult<SvdArrays<'py>> {
    let m = view(&a);
    let opts = RandomizedSvdOptions {
        rank,
        oversampling,
        power_iterations,
        seed,
    };
    let svd = py
        .detach(|| basis::randomized_svd(m, &opts))
        .map_err(to_py)?;
    Ok(svd_arrays(py, svd))
}

/// Brand's incremental SVD: columns pushed block by block, memory O(n r).
#[pyclass(module = "galerkin._core", name = "IncrementalSVD")]
pub struct IncrementalSvd {
    inner: Isvd,
}

#[pymethods]
impl IncrementalSvd {
    /// An empty SVD of columns of `n` values; singular values below `tol` × σ₁ are dropped
    /// after each update, and at most `max_rank` are kept.
    #[new]
    #[pyo3(signature = (n, max_rank = None, tol = 1e-12))]
    fn new(n: usize, max_rank: Option<usize>, tol: f64) -> PyResult<Self> {
        let opts = IncrementalSvdOptions {
            singular_value_tol: tol,
            max_rank: max_rank.unwrap_or(usize::MAX),
            ..IncrementalSvdOptions::default()
        };
        Ok(Self {
            inner: Isvd::new(n, opts).map_err(to_py)?,
        })
    }

    /// Adds the columns of `columns` (n × k).
    fn push(&mut self, py: Python<'_>, columns: PyReadonlyArray2<'_, f64>) -> PyResult<()> {
        let m = view(&columns);
        let inner = &mut self.inner;
        py.detach(|| inner.push_columns(m)).map_err(to_py)
    }

    /// The current rank.
    #[getter]
    fn rank(&self) -> usize {
        self.inner.rank()
    }

    /// Columns pushed so far.
    #[getter]
    fn columns_seen(&self) -> usize {
        self.inner.columns_seen()
    }

    /// The current singular values.
    #[getter]
    fn singular_values<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, self.inner.singular_values())
    }

    /// The current left singular vectors, n × rank.
    #[getter]
    fn modes<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        to_numpy(py, self.inner.left_vectors().as_ref())
    }
}

/// DEIM points of the columns of `u` (Chaturantabut & Sorensen 2010).
#[pyfunction]
pub fn deim<'py>(
    py: Python<'py>,
    u: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<usize>>> {
    points(py, &u, basis::deim)
}

/// Q-DEIM points of the columns of `u` (Drmač & Gugercin 2016: pivoted QR of Uᵀ).
#[pyfunction]
pub fn qdeim<'py>(
    py: Python<'py>,
    u: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<usize>>> {
    points(py, &u, basis::qdeim)
}

/// The interpolation points `select` picks for the columns of `u`, as a numpy array.
fn points<'py>(
    py: Python<'py>,
    u: &PyReadonlyArray2<'py, f64>,
    select: fn(MatRef<'_, f64>) -> basis::Result<Vec<usize>>,
) -> PyResult<Bound<'py, PyArray1<usize>>> {
    Ok(select(view(u)).map_err(to_py)?.into_pyarray(py))
}

/// An owned copy of a 1-D numpy array (any strides): what a call keeps while it runs
/// with the GIL released.
pub fn values(a: &PyReadonlyArray1<'_, f64>) -> Vec<f64> {
    a.as_array().iter().copied().collect()
}
