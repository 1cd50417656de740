//! Hyper-reduction of the flux g by interpolation at m points (Barrault, Maday, Nguyen,
//! Patera 2004, EIM; Chaturantabut & Sorensen 2010, DEIM; Drmač & Gugercin 2016, Q-DEIM).
//!
//! Flux snapshots g(K u_s) of the training states are POD-compressed to U (n × m); the
//! points P come from the basis core; then N(u) = A g ≈ A U (PᵀU)⁻¹ Pᵀg, and the Galerkin
//! projection M = VᵀW A U (PᵀU)⁻¹ (r × m) is precomputed. Online, the Q factor fields are
//! needed only at the m points: f_j = (K_j ū)\[P\] + (K_j V)\[P,:\] a, O(Q·m·r), then g pointwise.

use faer::linalg::solvers::Solve;
use faer::Mat;
use galerkin_solvers::{FluxOperators, FullOrderModel};

use super::capabilities;
use super::error::{invalid, Result};
use super::galerkin::{map_columns, project_columns};
use super::model::{HyperReduction, Nonlinear};
use super::pod::{gathered, Pod, PodMethod, PodOptions, SnapshotSource};
use crate::basis::{deim, qdeim, Basis, Eim, Truncation};
use crate::parallel::{column_major, Collective, SingleProcess};

/// How interpolation points are chosen.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantNames,
)]
#[strum(serialize_all = "kebab-case")]
pub enum PointSelection {
    /// DEIM's greedy residual maximization.
    Deim,
    /// Column-pivoted QR of Uᵀ.
    Qdeim,
    /// Empirical interpolation: greedy over the flux snapshots themselves (the basis is
    /// the EIM one, not POD).
    Eim,
}

impl PointSelection {
    /// The name used in files (`deim`, `qdeim`, `eim`).
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// The flux snapshots g(K u) of another source's states, block by block.
pub(crate) struct FluxSource<'a> {
    pub(crate) states: &'a mut dyn SnapshotSource,
    pub(crate) fom: &'a mut dyn FluxOperators,
    pub(crate) all_points: Vec<usize>,
}

impl SnapshotSource for FluxSource<'_> {
    fn dim(&self) -> usize {
        self.states.dim()
    }
    fn n_blocks(&self) -> usize {
        self.states.n_blocks()
    }
    fn block_len(&self, b: usize) -> usize {
        self.states.block_len(b)
    }
    fn block(&mut self, b: usize) -> Result<Mat<f64>> {
        let states = self.states.block(b)?;
        let mut out = Mat::zeros(states.nrows(), states.ncols());
        for j in 0..states.ncols() {
            self.fom.nonlinear_at(
                states.col_as_slice(j),
                &self.all_points,
                out.col_as_slice_mut(j),
            );
        }
        Ok(out)
    }
}

/// The blocks of another source, each computed by the rank of a [`Collective`] that owns it
/// and gathered, so every rank holds all of them (the flux snapshots, computed in parallel
/// across ranks).
pub(crate) struct SharedBlocks {
    n: usize,
    blocks: Vec<Mat<f64>>,
}

impl SharedBlocks {
    /// Computes this rank's share of the blocks of `inner` and gathers every block.
    pub(crate) fn new(inner: &mut dyn SnapshotSource, comm: &dyn Collective) -> Result<Self> {
        let n = inner.dim();
        let mut local = Vec::new();
        for b in comm.my_share(inner.n_blocks()) {
            local.extend(column_major(inner.block(b)?.as_ref()));
        }
        let all = comm.all_gather(&local).concat();
        let mut blocks = Vec::with_capacity(inner.n_blocks());
        let mut at = 0;
        for b in 0..inner.n_blocks() {
            let k = inner.block_len(b);
            blocks.push(Mat::from_fn(n, k, |i, j| all[at + j * n + i]));
            at += n * k;
        }
        Ok(Self { n, blocks })
    }
}

impl SnapshotSource for SharedBlocks {
    fn dim(&self) -> usize {
        self.n
    }
    fn n_blocks(&self) -> usize {
        self.blocks.len()
    }
    fn block_len(&self, b: usize) -> usize {
        self.blocks[b].ncols()
    }
    fn block(&mut self, b: usize) -> Result<Mat<f64>> {
        Ok(self.blocks[b].clone())
    }
}

/// Builds the hyper-reduced nonlinearity with `m` points for the basis `basis` (and mean).
pub fn hyper_reduce(
    fom: &mut dyn FullOrderModel,
    states: &mut dyn SnapshotSource,
    basis: &Basis,
    mean: Option<&[f64]>,
    m: usize,
    selection: PointSelection,
) -> Result<Nonlinear> {
    hyper_reduce_on(fom, states, basis, mean, m, selection, &SingleProcess)
}

/// [`hyper_reduce`] with the flux snapshots of each block (trajectory) computed by one rank
/// of `comm` and gathered on every rank.
pub fn hyper_reduce_on(
    fom: &mut dyn FullOrderModel,
    states: &mut dyn SnapshotSource,
    basis: &Basis,
    mean: Option<&[f64]>,
    m: usize,
    selection: PointSelection,
    comm: &dyn Collective,
) -> Result<Nonlinear> {
    let n = fom.dim();
    if m == 0 || m > n {
        return Err(invalid("points", m, &format!("1 ..= {n} (the grid size)")));
    }
    let mut local_flux = FluxSource {
        states,
        fom: capabilities::flux(fom)?,
        all_points: (0..n).collect(),
    };
    let mut shared;
    let flux: &mut dyn SnapshotSource = if comm.size() > 1 {
        shared = SharedBlocks::new(&mut local_flux, comm)?;
        &mut shared
    } else {
        &mut local_flux
    };
    let (u, points, sample) = match selection {
        PointSelection::Eim => {
            let g = gathered(flux, None)?;
            let eim = Eim::greedy(g.as_ref(), 0.0, m)?;
            if eim.points.len() < m {
                return Err(invalid(
                    "points",
                    m,
                    &format!(
                        "at most {} (the flux snapshots span no more)",
                        eim.points.len()
                    ),
                ));
            }
            let sample = eim.points.clone();
            (eim.basis, eim.points, sample)
        }
        PointSelection::Deim | PointSelection::Qdeim => {
            // A flux basis up to twice as large gives the over-sampled indicator points.
            let total: usize = (0..flux.n_blocks()).map(|b| flux.block_len(b)).sum();
            let big = (2 * m).min(total).min(n).max(m);
            let u_big = flux_pod(flux, big)?;
            let u = Mat::from_fn(n, m, |i, j| u_big[(i, j)]);
            let points = if selection == PointSelection::Deim {
                deim(u.as_ref())?
            } else {
                qdeim(u.as_ref())?
            };
            let mut sample = points.clone();
            if big > m {
                sample.extend(qdeim(u_big.as_ref())?);
                sample.sort_unstable();
                sample.dedup();
            }
            (u, points, sample)
        }
    };
    Ok(Nonlinear::Hyper(hyper_from(
        fom,
        basis,
        mean,
        &u,
        (points, sample),
        selection,
    )?))
}

/// The non-centred POD (rank `m`) of the flux snapshots g(K u) of `states`.
fn flux_pod(flux: &mut dyn SnapshotSource, m: usize) -> Result<Mat<f64>> {
    let pod = Pod::compute(
        flux,
        &PodOptions {
            truncation: Truncation::Rank(m),
            center: false,
            cell_weight: None,
            method: PodMethod::Auto,
            ..PodOptions::default()
        },
    )?;
    Ok(pod.basis.vectors().to_owned())
}

/// The hyper-reduction for the flux basis `u` (n × m), its interpolation `points` and the
/// over-sampled indicator points `sample`: every n-sized product is formed here, once.
pub fn hyper_from(
    fom: &mut dyn FullOrderModel,
    basis: &Basis,
    mean: Option<&[f64]>,
    u: &Mat<f64>,
    (points, sample): (Vec<usize>, Vec<usize>),
    selection: PointSelection,
) -> Result<HyperReduction> {
    let fom = capabilities::flux(fom)?;
    let (n, m) = (u.nrows(), u.ncols());
    let r = basis.rank();
    // M = VᵀW A U (PᵀU)⁻¹.
    let au = {
        let u_basis_cols: Vec<Vec<f64>> =
            (0..m).map(|j| u.col(j).iter().copied().collect()).collect();
        let mut au = Mat::zeros(n, m);
        for (j, col) in u_basis_cols.iter().enumerate() {
            fom.apply_flux_outer(col, au.col_as_slice_mut(j));
        }
        au
    };
    let projected = project_columns(basis, &au)?;
    let pu = Mat::from_fn(m, m, |i, j| u[(points[i], j)]);
    let pu_inv = pu.partial_piv_lu().solve(Mat::<f64>::identity(m, m));
    if !pu_inv.norm_max().is_finite() {
        return Err(invalid(
            "points",
            format!("{points:?}"),
            "points at which PᵀU is invertible",
        ));
    }
    let map_mat = &projected * &pu_inv;
    let map: Vec<f64> = (0..r * m).map(|k| map_mat[(k / m, k % m)]).collect();
    // Factor rows and offsets at the points.
    let q = fom.flux_factor_count();
    let mut factor_rows = vec![vec![0.0; m * r]; q];
    let mut fields = vec![vec![0.0; n]; q];
    let mut column = 0;
    map_columns(basis, |v, _| {
        fom.flux_factors(v, &mut fields);
        for (rows, field) in factor_rows.iter_mut().zip(&fields) {
            for (p, &point) in points.iter().enumerate() {
                rows[p * r + column] = field[point];
            }
        }
        column += 1;
        Ok(())
    })?;
    let factor_offsets = match mean {
        Some(mean) => {
            fom.flux_factors(mean, &mut fields);
            fields
                .iter()
                .map(|f| points.iter().map(|&p| f[p]).collect())
                .collect()
        }
        None => vec![vec![0.0; m]; q],
    };
    Ok(HyperReduction {
        flux: fom.flux(),
        selection,
        points,
        map,
        factor_rows,
        factor_offsets,
        flux_basis: u.clone(),
        sample,
    })
}
