//! The instance handle: one simulation of a shared model (parameters, state, time).

use std::ffi::c_char;

use galerkin_runtime::Instance;

use crate::model::GalerkinModel;
use crate::status::{
    deref, deref_mut, guard, slice, slice_mut, utf8, write_out, Failure, GalerkinStatus,
};

/// One simulation of a model (opaque): parameters, reduced state, time, step buffers. Use
/// one instance from one thread at a time; make several instances to run in parallel.
pub struct GalerkinInstance {
    pub(crate) run: Instance,
}

/// A new instance of `model` stepping by `dt` (finite, > 0) into `*out`: parameters at their
/// build values, reduced state 0 (the full state is the mean), time 0.
///
/// # Safety
/// `model` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn galerkin_instance_new(
    model: *const GalerkinModel,
    dt: f64,
    out: *mut *mut GalerkinInstance,
) -> GalerkinStatus {
    guard(|| {
        let model = deref(model, "model")?.model.clone();
        let run = Instance::new(model, dt)?;
        let handle = Box::into_raw(Box::new(GalerkinInstance { run }));
        write_out(out, handle, "out").inspect_err(|_| drop(Box::from_raw(handle)))
    })
}

/// Frees an instance handle (NULL is a no-op).
///
/// # Safety
/// `instance` is NULL or a handle from `galerkin_instance_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn galerkin_instance_free(instance: *mut GalerkinInstance) {
    if !instance.is_null() {
        let _ = guard(|| {
            drop(Box::from_raw(instance));
            Ok(())
        });
    }
}

/// Sets parameter `name` to the finite `value` (re-forms the reduced operator); on failure
/// nothing changes.
///
/// # Safety
/// `instance` is NULL or a live handle; `name` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn galerkin_instance_set_parameter(
    instance: *mut GalerkinInstance,
    name: *const c_char,
    value: f64,
) -> GalerkinStatus {
    guard(|| {
        let run = &mut deref_mut(instance, "instance")?.run;
        Ok(run.set_parameter(utf8(name, "name")?, value)?)
    })
}

/// Sets the state from a full field `u` of `len` (= n) finite values, projected onto the
/// modes; the time restarts at 0.
///
/// # Safety
/// `instance` is NULL or a live handle; `u` is NULL or points to `len` values.
#[no_mangle]
pub unsafe extern "C" fn galerkin_instance_set_state_full(
    instance: *mut GalerkinInstance,
    u: *const f64,
    len: usize,
) -> GalerkinStatus {
    guard(|| {
        let run = &mut deref_mut(instance, "instance")?.run;
        Ok(run.set_state_full(slice(u, len, "u")?)?)
    })
}

/// Sets the reduced state from `len` (= r) finite coordinates `a`; the time restarts at 0.
///
/// # Safety
/// `instance` is NULL or a live handle; `a` is NULL or points to `len` values.
#[no_mangle]
pub unsafe extern "C" fn galerkin_instance_set_state_reduced(
    instance: *mut GalerkinInstance,
    a: *const f64,
    len: usize,
) -> GalerkinStatus {
    guard(|| {
        let run = &mut deref_mut(instance, "instance")?.run;
        Ok(run.set_state_reduced(slice(a, len, "a")?)?)
    })
}

/// Copies the reduced state (r values) into `out` (`len` = r).
///
/// # Safety
/// `instance` is NULL or a live handle; `out` is NULL or points to `len` writable values.
#[no_mangle]
pub unsafe extern "C" fn galerkin_instance_reduced_state(
    instance: *const GalerkinInstance,
    out: *mut f64,
    len: usize,
) -> GalerkinStatus {
    guard(|| {
        let state = deref(instance, "instance")?.run.state();
        let out = slice_mut(out, len, "out")?;
        if out.len() != state.len() {
            return Err(Failure::new(
                GalerkinStatus::Invalid,
                format!("invalid `len` = {len}: allowed {} (the rank)", state.len()),
            ));
        }
        out.copy_from_slice(state);
        Ok(())
    })
}

/// Advances one step dt with the ROM's integrator; allocates nothing. `GALERKIN_BLOW_UP`
/// when the state becomes non-finite.
///
/// # Safety
/// `instance` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn galerkin_instance_step(instance: *mut GalerkinInstance) -> GalerkinStatus {
    guard(|| Ok(deref_mut(instance, "instance")?.run.step()?))
}

/// Steps until the time is `t` (≥ the current time, a whole number of steps dt away).
///
/// # Safety
/// `instance` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn galerkin_instance_advance_to(
    instance: *mut GalerkinInstance,
    t: f64,
) -> GalerkinStatus {
    guard(|| Ok(deref_mut(instance, "instance")?.run.advance_to(t)?))
}

/// The time (steps taken since the state was set, times dt) into `*out`.
///
/// # Safety
/// `instance` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn galerkin_instance_time(
    instance: *const GalerkinInstance,
    out: *mut f64,
) -> GalerkinStatus {
    guard(|| write_out(out, deref(instance, "instance")?.run.time(), "out"))
}

/// The full state (n values, the solver's grid layout) into `out` (`len` = n).
///
/// # Safety
/// `instance` is NULL or a live handle; `out` is NULL or points to `len` writable values.
#[no_mangle]
pub unsafe extern "C" fn galerkin_instance_reconstruct(
    instance: *const GalerkinInstance,
    out: *mut f64,
    len: usize,
) -> GalerkinStatus {
    guard(|| {
        let run = &deref(instance, "instance")?.run;
        Ok(run.reconstruct(slice_mut(out, len, "out")?)?)
    })
}

/// The full state at grid index `index` (< n) into `*out`, in O(r).
///
/// # Safety
/// `instance` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn galerkin_instance_probe(
    instance: *const GalerkinInstance,
    index: usize,
    out: *mut f64,
) -> GalerkinStatus {
    guard(|| {
        let value = deref(instance, "instance")?.run.probe(index)?;
        write_out(out, value, "out")
    })
}

/// The energy of the state into `*out`, O(r): ½‖u‖²_W of the reconstruction for Galerkin
/// and hyper-reduced ROMs, the conserved lifted energy for the lifted wave ROM.
///
/// # Safety
/// `instance` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn galerkin_instance_energy(
    instance: *const GalerkinInstance,
    out: *mut f64,
) -> GalerkinStatus {
    guard(|| write_out(out, deref(instance, "instance")?.run.energy(), "out"))
}
