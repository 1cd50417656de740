//! The probe handle: the full field at a physical point, prepared once (O(n r)) and read
//! from any instance of its model in O(r).

use galerkin_runtime::Probe;

use crate::instance::GalerkinInstance;
use crate::model::GalerkinModel;
use crate::status::{deref, guard, slice, write_out, Failure, GalerkinStatus};

/// A point probe of one model (opaque): made by `galerkin_probe_new`, read by
/// `galerkin_instance_value_at`, freed by `galerkin_probe_free`.
pub struct GalerkinProbe {
    probe: Probe,
}

/// A probe of field `field` (< the model's field count; 0 for single-field models) at the
/// physical point `point` (`dims` coordinates in the order of the grid shape, `[y, x]` in
/// 2-D, each in [0, L) of its axis) into `*out`, by periodic trigonometric interpolation.
///
/// # Safety
/// `model` is NULL or a live handle; `point` is NULL or holds `dims` values; `out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn galerkin_probe_new(
    model: *const GalerkinModel,
    field: usize,
    point: *const f64,
    dims: usize,
    out: *mut *mut GalerkinProbe,
) -> GalerkinStatus {
    guard(|| {
        let model = &deref(model, "model")?.model;
        let probe = model.probe_at(field, slice(point, dims, "point")?)?;
        let handle = Box::into_raw(Box::new(GalerkinProbe { probe }));
        write_out(out, handle, "out").inspect_err(|_| drop(Box::from_raw(handle)))
    })
}

/// Frees a probe (NULL is a no-op).
///
/// # Safety
/// `probe` is NULL or a handle from `galerkin_probe_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn galerkin_probe_free(probe: *mut GalerkinProbe) {
    if !probe.is_null() {
        let _ = guard(|| {
            drop(Box::from_raw(probe));
            Ok(())
        });
    }
}

/// The full field at the point of `probe` into `*out`, in O(r) without allocating.
/// `GALERKIN_STATUS_INVALID` for a probe of another model.
///
/// # Safety
/// `instance` and `probe` are NULL or live handles; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn galerkin_instance_value_at(
    instance: *const GalerkinInstance,
    probe: *const GalerkinProbe,
    out: *mut f64,
) -> GalerkinStatus {
    guard(|| {
        let run = &deref(instance, "instance")?.run;
        let probe = &deref(probe, "probe")?.probe;
        if probe.row().len() != run.state().len() {
            return Err(Failure::new(
                GalerkinStatus::Invalid,
                format!(
                    "invalid `probe` of a rank-{} model: allowed a probe of this instance's \
                     model (rank {})",
                    probe.row().len(),
                    run.state().len()
                ),
            ));
        }
        write_out(out, run.value_at(probe), "out")
    })
}
