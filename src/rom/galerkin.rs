//! Offline Galerkin projection through the [`FullOrderModel`] contract: the affine linear
//! terms VᵀW L_q V, the forcing, and the exact quadratic tensor VᵀW B(v_i, v_j) from
//! r(r+1)/2 calls of `apply_quadratic` (symmetry of B halves the r² pairs), in parallel.
//!
//! The `_on` forms share the work among the ranks of a [`Collective`]: each rank applies
//! the operator to its share of the basis columns (the quadratic tensor's column j, with
//! j + 1 form evaluations, split by cost), projects them and the projected columns are
//! gathered in order, so every rank ends with the same operators as one process.

use faer::Mat;
use galerkin_solvers::FullOrderModel;
use rayon::prelude::*;

use super::capabilities::{affine, quadratic};
use super::error::Result;
use super::model::{LinearPart, Nonlinear, ProjectedTerm};
use crate::basis::Basis;
use crate::parallel::{column_major, share_by_cost, Collective, SingleProcess};

/// VᵀW y for the columns of `y`.
pub(crate) fn project_columns(basis: &Basis, y: &Mat<f64>) -> Result<Mat<f64>> {
    Ok(basis.project(y.as_ref())?)
}

/// Applies `op` to each basis column and returns the n × r results.
pub(crate) fn map_columns(
    basis: &Basis,
    mut op: impl FnMut(&[f64], &mut [f64]) -> Result<()>,
) -> Result<Mat<f64>> {
    let v = basis.vectors();
    let (n, r) = (v.nrows(), v.ncols());
    let mut out = Mat::zeros(n, r);
    let mut column = vec![0.0; n];
    for j in 0..r {
        column
            .iter_mut()
            .zip(v.col(j).iter())
            .for_each(|(c, x)| *c = *x);
        op(&column, out.col_as_slice_mut(j))?;
    }
    Ok(out)
}

fn project_vector(basis: &Basis, y: &[f64]) -> Result<Vec<f64>> {
    let m = Mat::from_fn(y.len(), 1, |i, _| y[i]);
    let p = project_columns(basis, &m)?;
    Ok((0..p.nrows()).map(|i| p[(i, 0)]).collect())
}

/// VᵀW op(v_j) for every basis column j (r × r), each rank of `comm` applying `op` to
/// its share of the columns.
fn projected_map_on(
    basis: &Basis,
    comm: &dyn Collective,
    mut op: impl FnMut(&[f64], &mut [f64]) -> Result<()>,
) -> Result<Mat<f64>> {
    let v = basis.vectors();
    let (n, r) = (v.nrows(), v.ncols());
    let share = comm.my_share(r);
    let mut out = Mat::zeros(n, share.len());
    let mut column = vec![0.0; n];
    for (k, j) in share.enumerate() {
        column
            .iter_mut()
            .zip(v.col(j).iter())
            .for_each(|(c, x)| *c = *x);
        op(&column, out.col_as_slice_mut(k))?;
    }
    let projected = project_columns(basis, &out)?;
    let all = comm.all_gather(&column_major(projected.as_ref())).concat();
    Ok(Mat::from_fn(r, r, |i, j| all[j * r + i]))
}

/// The affine linear terms, their mean offsets and the projected forcing. `with_mean_in_b`
/// adds the quadratic model's mean terms 2VᵀW B(ū, V) and VᵀW B(ū, ū).
pub fn project_linear(
    fom: &mut dyn FullOrderModel,
    basis: &Basis,
    mean: Option<&[f64]>,
    with_mean_in_b: bool,
) -> Result<LinearPart> {
    project_linear_on(fom, basis, mean, with_mean_in_b, &SingleProcess)
}

/// [`project_linear`] with the columns of every term shared among the ranks of `comm`.
pub fn project_linear_on(
    fom: &mut dyn FullOrderModel,
    basis: &Basis,
    mean: Option<&[f64]>,
    with_mean_in_b: bool,
    comm: &dyn Collective,
) -> Result<LinearPart> {
    let (n, r) = (basis.dim(), basis.rank());
    let mut terms = Vec::new();
    let mut scratch = vec![0.0; n];
    let linear = affine(fom)?;
    for (q, (parameter, coefficient)) in linear.linear_terms().into_iter().enumerate() {
        let matrix = projected_map_on(basis, comm, |v, out| {
            linear.apply_linear_term(q, v, out);
            Ok(())
        })?;
        let offset = match mean {
            Some(m) => {
                linear.apply_linear_term(q, m, &mut scratch);
                project_vector(basis, &scratch)?
            }
            None => vec![0.0; r],
        };
        terms.push(ProjectedTerm {
            parameter: parameter.map(str::to_string),
            coefficient,
            matrix,
            offset,
        });
    }
    let mut constant = match linear.forcing() {
        Some(f) => project_vector(basis, &f)?,
        None => vec![0.0; r],
    };
    let mut fixed = Mat::zeros(r, r);
    if let (Some(m), true) = (mean, with_mean_in_b) {
        let b = quadratic(fom)?;
        fixed = 2.0 * projected_map_on(basis, comm, |v, out| Ok(b.apply_quadratic(m, v, out)?))?;
        b.apply_quadratic(m, m, &mut scratch)?;
        constant
            .iter_mut()
            .zip(project_vector(basis, &scratch)?)
            .for_each(|(c, b)| *c += b);
    }
    Ok(LinearPart {
        terms,
        fixed,
        constant,
    })
}

/// The packed quadratic tensor Ĥ_{k,(i,j)} = v_kᵀW B(v_i, v_j), i ≤ j, with the factor 2 of
/// the off-diagonal pairs folded in so that N_r(a) = Σ_{i≤j} Ĥ_{:,(i,j)} a_i a_j. Columns
/// j run in parallel, each task on its own copy of the model.
pub fn project_quadratic(fom: &dyn FullOrderModel, basis: &Basis) -> Result<Nonlinear> {
    project_quadratic_on(fom, basis, &SingleProcess)
}

/// [`project_quadratic`] with the columns shared among the ranks of `comm` by cost
/// (column j costs j + 1 evaluations).
pub fn project_quadratic_on(
    fom: &dyn FullOrderModel,
    basis: &Basis,
    comm: &dyn Collective,
) -> Result<Nonlinear> {
    let v = basis.vectors();
    let (n, r) = (v.nrows(), v.ncols());
    let columns: Vec<Vec<f64>> = (0..r).map(|j| v.col(j).iter().copied().collect()).collect();
    // A `Mutex` makes the prototype shareable: models are `Send`, not `Sync`.
    let mut prototype = fom.boxed_clone();
    quadratic(prototype.as_mut())?;
    let prototype = std::sync::Mutex::new(prototype);
    let costs: Vec<f64> = (0..r).map(|j| (j + 1) as f64).collect();
    let blocks: Vec<Result<Mat<f64>>> = share_by_cost(&costs, comm.size(), comm.rank())
        .into_par_iter()
        .map_init(
            || prototype.lock().expect("not poisoned").boxed_clone(),
            |fom, j| {
                let mut b = Mat::zeros(n, j + 1);
                let form = quadratic(fom.as_mut())?;
                for i in 0..=j {
                    form.apply_quadratic(&columns[i], &columns[j], b.col_as_slice_mut(i))?;
                }
                project_columns(basis, &b)
            },
        )
        .collect();
    let mut local = Vec::new();
    for block in blocks {
        local.extend(column_major(block?.as_ref()));
    }
    // Column j's block holds r × (j + 1) values; in order over all ranks they are the
    // columns (i, j), i ≤ j, of the packed tensor.
    let all = comm.all_gather(&local).concat();
    let np = r * (r + 1) / 2;
    let mut h = vec![0.0; r * np];
    for j in 0..r {
        for i in 0..=j {
            let p = j * (j + 1) / 2 + i;
            let factor = if i == j { 1.0 } else { 2.0 };
            for k in 0..r {
                h[k * np + p] = factor * all[p * r + k];
            }
        }
    }
    Ok(Nonlinear::Quadratic { h })
}
