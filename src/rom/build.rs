//! POD basis + full model → Galerkin or hyper-reduced model.

use galerkin_solvers::FullOrderModel;

use super::error::Result;
use super::hyper::PointSelection;
use super::model::ReducedModel;
use super::pod::{Pod, SnapshotSource};
use super::reductors::{galerkin_on, hyper_on};
use crate::parallel::{Collective, SingleProcess};

/// Which nonlinearity the reduced model carries: the choice between the two reductors of
/// models with a polynomial or pointwise-flux nonlinearity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// The exact projected quadratic tensor ([`super::GalerkinReductor`]; polynomial models
    /// only).
    Galerkin,
    /// Hyper-reduction of the flux at `points` points ([`super::HyperReductor`]).
    Hyper {
        /// Number of interpolation points m (= flux modes).
        points: usize,
        /// How the points are chosen.
        selection: PointSelection,
    },
}

/// Builds the reduced model from the `r` leading modes of `pod` (r ≤ its rank) with the
/// reductor `reduction` names; `states` are the training states (read by hyper-reduction
/// for its flux snapshots).
pub fn build_model(
    fom: &mut dyn FullOrderModel,
    states: &mut dyn SnapshotSource,
    pod: &Pod,
    r: usize,
    reduction: Reduction,
) -> Result<ReducedModel> {
    build_model_on(fom, states, pod, r, reduction, &SingleProcess)
}

/// [`build_model`] with the operator assembly (affine terms, quadratic tensor columns,
/// flux snapshots) shared among the ranks of `comm`; every rank returns the same model.
pub fn build_model_on(
    fom: &mut dyn FullOrderModel,
    states: &mut dyn SnapshotSource,
    pod: &Pod,
    r: usize,
    reduction: Reduction,
    comm: &dyn Collective,
) -> Result<ReducedModel> {
    let space = pod.trial_space(r)?;
    match reduction {
        Reduction::Galerkin => galerkin_on(fom, &space, comm),
        Reduction::Hyper { points, selection } => {
            hyper_on(fom, states, &space, (points, selection), comm)
        }
    }
}
