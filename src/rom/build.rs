//! POD basis + full model → Galerkin or hyper-reduced model.

use galerkin_solvers::FullOrderModel;

use super::error::Result;
use super::hyper::PointSelection;
use super::model::ReducedModel;
use super::pod::{Pod, SnapshotSource};
use super::reduced::Reductor;
use super::reductors::{GalerkinReductor, HyperReductor};

/// Which nonlinearity the reduced model carries: the choice between the two reductors of
/// models with a polynomial or pointwise-flux nonlinearity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// The exact projected quadratic tensor ([`GalerkinReductor`]; polynomial models only).
    Galerkin,
    /// Hyper-reduction of the flux at `points` points ([`HyperReductor`]).
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
    let space = pod.trial_space(r)?;
    match reduction {
        Reduction::Galerkin => GalerkinReductor.reduce(fom, &space),
        Reduction::Hyper { points, selection } => HyperReductor {
            states,
            points,
            selection,
        }
        .reduce(fom, &space),
    }
}
