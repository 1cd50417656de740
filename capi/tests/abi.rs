//! The C ABI called as C would call it: NULL and invalid arguments, non-UTF-8 strings,
//! corrupt and foreign files and blow-ups give a status and a message, never a crash.

use std::ffi::{c_char, CStr};
use std::ptr::{null, null_mut};

use galerkin_rom::*;

/// This thread's last-error message.
fn last_error() -> String {
    unsafe { CStr::from_ptr(galerkin_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// `status` is `expected` and the last error mentions `needle`.
fn assert_failure(status: GalerkinStatus, expected: GalerkinStatus, needle: &str) {
    assert_eq!(status, expected, "{}", last_error());
    assert!(
        last_error().contains(needle),
        "`{needle}` not in `{}`",
        last_error()
    );
}

#[test]
fn null_arguments_are_errors_not_crashes() {
    unsafe {
        let mut model = null_mut();
        assert_failure(
            galerkin_model_load(null(), &mut model),
            GalerkinStatus::NullArgument,
            "`path` is NULL",
        );
        assert!(model.is_null());
        assert_failure(
            galerkin_model_load(c"x".as_ptr(), null_mut()),
            GalerkinStatus::Io,
            "cannot read",
        );
        let mut r = 0usize;
        assert_failure(
            galerkin_model_rank(null(), &mut r),
            GalerkinStatus::NullArgument,
            "`model`",
        );
        let mut run = null_mut();
        assert_failure(
            galerkin_instance_new(null(), 1e-3, &mut run),
            GalerkinStatus::NullArgument,
            "`model`",
        );
        assert_failure(
            galerkin_instance_step(null_mut()),
            GalerkinStatus::NullArgument,
            "`instance`",
        );
        assert_failure(
            galerkin_model_load_bytes(null(), 10, &mut model),
            GalerkinStatus::NullArgument,
            "`bytes`",
        );
        galerkin_model_free(null_mut());
        galerkin_instance_free(null_mut());
    }
}

#[test]
fn foreign_and_truncated_bytes_are_corrupt() {
    unsafe {
        let mut model = null_mut();
        let foreign = b"PK\x03\x04 this is a zip file, not a ROM";
        assert_failure(
            galerkin_model_load_bytes(foreign.as_ptr(), foreign.len(), &mut model),
            GalerkinStatus::Corrupt,
            "not a portable ROM file",
        );
        assert_failure(
            galerkin_model_load_bytes(foreign.as_ptr(), 0, &mut model),
            GalerkinStatus::Corrupt,
            "not a portable ROM file",
        );
        assert!(model.is_null());
    }
}

#[test]
fn non_utf8_path_is_reported() {
    let bad: [c_char; 3] = [0xff_u8 as c_char, 0x41, 0];
    let mut model = null_mut();
    let status = unsafe { galerkin_model_load(bad.as_ptr(), &mut model) };
    assert_failure(status, GalerkinStatus::BadString, "not UTF-8");
}

#[test]
fn every_status_has_a_name() {
    for status in [
        GalerkinStatus::Ok,
        GalerkinStatus::NullArgument,
        GalerkinStatus::BadString,
        GalerkinStatus::Io,
        GalerkinStatus::Corrupt,
        GalerkinStatus::Invalid,
        GalerkinStatus::BlowUp,
        GalerkinStatus::Internal,
    ] {
        let name = unsafe { CStr::from_ptr(galerkin_status_name(status)) };
        assert!(!name.to_bytes().is_empty());
    }
    let version = unsafe { CStr::from_ptr(galerkin_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}
