//! The optional capabilities of a [`FullOrderModel`] a reduction method needs, asked for
//! with an error that names the model and what to implement. The happy path is two
//! `Option` checks and allocates nothing (the adaptive ROM asks on every enrichment).

use galerkin_solvers::{AffineLinear, FluxOperators, FullOrderModel, QuadraticForm};

use super::error::{invalid, Result, RomError};

/// The error for a model `fom` that lacks the capability described by `allowed`.
fn missing(fom: &dyn FullOrderModel, allowed: &str) -> RomError {
    invalid("full model", fom.name(), allowed)
}

/// The model's affine linear terms (every projection-based ROM needs them).
pub(crate) fn affine(fom: &mut dyn FullOrderModel) -> Result<&mut dyn AffineLinear> {
    if fom.as_affine().is_none() {
        return Err(missing(
            fom,
            "a model with affine linear terms (`AffineLinear`, offered by `as_affine`)",
        ));
    }
    Ok(fom.as_affine().expect("present: checked above"))
}

/// The model's quadratic form (the exact Galerkin tensor needs it).
pub(crate) fn quadratic(fom: &mut dyn FullOrderModel) -> Result<&mut dyn QuadraticForm> {
    if fom.as_quadratic().is_none() {
        return Err(missing(
            fom,
            "a quadratic nonlinearity (`QuadraticForm`, offered by `as_quadratic`) for the \
             exact Galerkin tensor; reduce it with DEIM / Q-DEIM / EIM instead",
        ));
    }
    Ok(fom.as_quadratic().expect("present: checked above"))
}

/// The model's flux form (hyper-reduction and the adaptive ROM's indicator need it).
pub(crate) fn flux(fom: &mut dyn FullOrderModel) -> Result<&mut dyn FluxOperators> {
    if fom.as_flux().is_none() {
        return Err(missing(
            fom,
            "a nonlinearity in flux form (`FluxOperators`, offered by `as_flux`) for \
             hyper-reduction",
        ));
    }
    Ok(fom.as_flux().expect("present: checked above"))
}
