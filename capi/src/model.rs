//! The model handle: a loaded, checked portable ROM that any number of instances share.

use std::ffi::{c_char, CString};
use std::sync::Arc;

use galerkin_runtime::RomModel;

use crate::status::{deref, guard, slice, utf8, write_out, Failure, GalerkinStatus};

/// A loaded portable ROM (opaque). Immutable: instances on several threads may share it.
/// Free it with `galerkin_model_free` after the instances made from it (they keep the data
/// alive themselves, so the order does not matter for safety).
pub struct GalerkinModel {
    pub(crate) model: Arc<RomModel>,
    parameter_names: Vec<CString>,
    kind: CString,
    pde: CString,
}

impl GalerkinModel {
    /// Wraps `model` with the C strings its getters hand out.
    pub(crate) fn new(model: RomModel) -> Self {
        let text = |s: &str| CString::new(s.replace('\0', " ")).unwrap_or_default();
        Self {
            parameter_names: model.parameter_names().into_iter().map(text).collect(),
            kind: text(model.kind().name()),
            pde: text(model.pde()),
            model: Arc::new(model),
        }
    }
}

/// Moves `model` to the heap and writes its handle to `*out`.
unsafe fn hand_out(model: RomModel, out: *mut *mut GalerkinModel) -> Result<(), Failure> {
    let handle = Box::into_raw(Box::new(GalerkinModel::new(model)));
    write_out(out, handle, "out").inspect_err(|_| drop(Box::from_raw(handle)))
}

/// Loads and checks the portable ROM file at `path` (NUL-terminated UTF-8) into `*out`.
/// On failure `*out` is left untouched and the status says why (`GALERKIN_IO`,
/// `GALERKIN_CORRUPT` for a truncated or foreign file, `GALERKIN_INVALID` for a newer
/// format version or an out-of-range value).
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn galerkin_model_load(
    path: *const c_char,
    out: *mut *mut GalerkinModel,
) -> GalerkinStatus {
    guard(|| {
        let path = utf8(path, "path")?;
        hand_out(RomModel::from_file(path)?, out)
    })
}

/// Loads and checks a portable ROM held in memory (`len` bytes at `bytes`) into `*out`; the
/// bytes are copied, the caller keeps them.
///
/// # Safety
/// `bytes` is NULL or points to `len` readable bytes; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn galerkin_model_load_bytes(
    bytes: *const u8,
    len: usize,
    out: *mut *mut GalerkinModel,
) -> GalerkinStatus {
    guard(|| {
        let bytes = slice(bytes, len, "bytes")?;
        hand_out(RomModel::from_bytes(bytes)?, out)
    })
}

/// Frees a model handle (NULL is a no-op). Instances made from it stay usable.
///
/// # Safety
/// `model` is NULL or a handle from `galerkin_model_load*` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn galerkin_model_free(model: *mut GalerkinModel) {
    if !model.is_null() {
        let _ = guard(|| {
            drop(Box::from_raw(model));
            Ok(())
        });
    }
}

/// The reduced dimension r (number of modes) into `*out`.
///
/// # Safety
/// `model` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn galerkin_model_rank(
    model: *const GalerkinModel,
    out: *mut usize,
) -> GalerkinStatus {
    guard(|| write_out(out, deref(model, "model")?.model.rank(), "out"))
}

/// The full state size n (grid values of all fields) into `*out`.
///
/// # Safety
/// `model` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn galerkin_model_full_dim(
    model: *const GalerkinModel,
    out: *mut usize,
) -> GalerkinStatus {
    guard(|| write_out(out, deref(model, "model")?.model.full_dim(), "out"))
}

/// The number of settable parameters into `*out`.
///
/// # Safety
/// `model` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn galerkin_model_parameter_count(
    model: *const GalerkinModel,
    out: *mut usize,
) -> GalerkinStatus {
    guard(|| write_out(out, deref(model, "model")?.parameter_names.len(), "out"))
}

/// The name of parameter `index` (< the count) into `*out`: a NUL-terminated string owned
/// by the model, valid until it is freed.
///
/// # Safety
/// `model` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn galerkin_model_parameter_name(
    model: *const GalerkinModel,
    index: usize,
    out: *mut *const c_char,
) -> GalerkinStatus {
    guard(|| {
        let names = &deref(model, "model")?.parameter_names;
        let name = names.get(index).ok_or_else(|| {
            Failure::new(
                GalerkinStatus::Invalid,
                format!(
                    "invalid `index` = {index}: allowed 0..{} (the parameter count)",
                    names.len()
                ),
            )
        })?;
        write_out(out, name.as_ptr(), "out")
    })
}

/// The ROM kind (`galerkin`, `deim`, `qdeim`, `eim`, ...) into `*out`: a string owned by
/// the model.
///
/// # Safety
/// `model` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn galerkin_model_kind(
    model: *const GalerkinModel,
    out: *mut *const c_char,
) -> GalerkinStatus {
    guard(|| write_out(out, deref(model, "model")?.kind.as_ptr(), "out"))
}

/// The PDE name of the full model (e.g. `burgers`) into `*out`: a string owned by the model.
///
/// # Safety
/// `model` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn galerkin_model_pde(
    model: *const GalerkinModel,
    out: *mut *const c_char,
) -> GalerkinStatus {
    guard(|| write_out(out, deref(model, "model")?.pde.as_ptr(), "out"))
}

/// The number of fields of the full state into `*out` (1 for Burgers, KS and vorticity;
/// 3 or 4 for the lifted wave ROM: q, p and the lifted variables).
///
/// # Safety
/// `model` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn galerkin_model_field_count(
    model: *const GalerkinModel,
    out: *mut usize,
) -> GalerkinStatus {
    guard(|| write_out(out, deref(model, "model")?.model.field_names().len(), "out"))
}

/// The number of grid axes into `*out` (1 or 2): the coordinates a probe point takes.
///
/// # Safety
/// `model` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn galerkin_model_dims(
    model: *const GalerkinModel,
    out: *mut usize,
) -> GalerkinStatus {
    guard(|| write_out(out, deref(model, "model")?.model.grid_shape().len(), "out"))
}

/// The domain length of grid axis `axis` (< dims; `[y, x]` order in 2-D) into `*out`:
/// probe coordinates on that axis lie in [0, length).
///
/// # Safety
/// `model` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn galerkin_model_domain_length(
    model: *const GalerkinModel,
    axis: usize,
    out: *mut f64,
) -> GalerkinStatus {
    guard(|| {
        let domain = deref(model, "model")?.model.domain();
        let length = domain.get(axis).copied().ok_or_else(|| {
            Failure::new(
                GalerkinStatus::Invalid,
                format!("invalid `axis` = {axis}: allowed 0..{}", domain.len()),
            )
        })?;
        write_out(out, length, "out")
    })
}
