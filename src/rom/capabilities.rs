//! The optional capabilities of a [`FullOrderModel`] a reduction method needs, asked for
//! with an error that names the model and what to implement.

use galerkin_solvers::{AffineLinear, FluxOperators, FullOrderModel, QuadraticForm};

use super::error::{invalid, Result};

/// The model's affine linear terms (every projection-based ROM needs them).
pub(crate) fn affine(fom: &mut dyn FullOrderModel) -> Result<&mut dyn AffineLinear> {
    let name = fom.name().to_string();
    fom.as_affine().ok_or_else(|| {
        invalid(
            "full model",
            name,
            "a model with affine linear terms (`AffineLinear`, offered by `as_affine`)",
        )
    })
}

/// The model's quadratic form (the exact Galerkin tensor needs it).
pub(crate) fn quadratic(fom: &mut dyn FullOrderModel) -> Result<&mut dyn QuadraticForm> {
    let name = fom.name().to_string();
    fom.as_quadratic().ok_or_else(|| {
        invalid(
            "full model",
            name,
            "a quadratic nonlinearity (`QuadraticForm`, offered by `as_quadratic`) for the \
             exact Galerkin tensor; reduce it with DEIM / Q-DEIM / EIM instead",
        )
    })
}

/// The model's flux form (hyper-reduction and the adaptive ROM's indicator need it).
pub(crate) fn flux(fom: &mut dyn FullOrderModel) -> Result<&mut dyn FluxOperators> {
    let name = fom.name().to_string();
    fom.as_flux().ok_or_else(|| {
        invalid(
            "full model",
            name,
            "a nonlinearity in flux form (`FluxOperators`, offered by `as_flux`) for \
             hyper-reduction",
        )
    })
}
