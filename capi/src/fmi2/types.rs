//! The C types of the FMI 2.0 standard (fmi2TypesPlatform.h, fmi2FunctionTypes.h) that the
//! exported functions take.

use std::ffi::{c_char, c_int, c_void};

/// fmi2Status.
pub type Fmi2Status = c_int;
/// fmi2OK.
pub const OK: Fmi2Status = 0;
/// fmi2Discard.
pub const DISCARD: Fmi2Status = 2;
/// fmi2Error.
pub const ERROR: Fmi2Status = 3;
/// fmi2Fatal.
pub const FATAL: Fmi2Status = 4;

/// fmi2CoSimulation, the only fmi2Type these FMUs implement.
pub const CO_SIMULATION: c_int = 1;
/// fmi2LastSuccessfulTime, the fmi2StatusKind answered by fmi2GetRealStatus.
pub const LAST_SUCCESSFUL_TIME: c_int = 2;

/// The logger: (environment, instance name, status, category, printf format, ...).
pub type Logger =
    unsafe extern "C" fn(*mut c_void, *const c_char, Fmi2Status, *const c_char, *const c_char, ...);

/// fmi2CallbackFunctions.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CallbackFunctions {
    /// The master's logger (may be NULL).
    pub logger: Option<Logger>,
    /// Unused: these FMUs allocate with Rust's allocator (canNotUseMemoryManagementFunctions).
    pub allocate_memory: Option<unsafe extern "C" fn(usize, usize) -> *mut c_void>,
    /// Unused, as `allocate_memory`.
    pub free_memory: Option<unsafe extern "C" fn(*mut c_void)>,
    /// Unused: doStep never runs asynchronously.
    pub step_finished: Option<unsafe extern "C" fn(*mut c_void, Fmi2Status)>,
    /// Passed back to the logger.
    pub component_environment: *mut c_void,
}
