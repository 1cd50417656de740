//! The C ABI of the galerkin ROM runtime (`libgalerkin_rom.so` / `.a`, header
//! `include/galerkin_rom.h`) and the FMI 2.0 co-simulation functions every FMU written by
//! `galerkin fmu` carries as its binary.
//!
//! Conventions of the C ABI: a model (`GalerkinModel`) and an instance (`GalerkinInstance`)
//! are opaque handles; every fallible function returns a `GalerkinStatus` (0 = success) and
//! writes its results through out-pointers; the message of the last failure on the calling
//! thread is `galerkin_last_error()`. NULL or invalid arguments are errors, never crashes,
//! and a panic inside the library is caught and reported as `GALERKIN_INTERNAL`.

/// cbindgen:ignore
pub mod fmi2;
pub mod fmu;
mod instance;
mod model;
mod probe;
mod status;

pub use instance::*;
pub use model::*;
pub use probe::*;
pub use status::{galerkin_last_error, galerkin_status_name, GalerkinStatus};

/// The library version (NUL-terminated, static), e.g. "0.1.0".
#[no_mangle]
pub extern "C" fn galerkin_version() -> *const std::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
