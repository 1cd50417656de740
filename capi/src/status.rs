//! Status codes, the per-thread last-error message, and the guard that keeps every panic and
//! error on the Rust side of the boundary.

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use galerkin_runtime::RuntimeError;

/// What a `galerkin_*` function returns: `GALERKIN_STATUS_OK` or the class of the failure. The
/// message of the last failure on the calling thread is `galerkin_last_error()`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GalerkinStatus {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// A string argument was not valid UTF-8.
    BadString = 2,
    /// The file could not be read.
    Io = 3,
    /// The bytes are not a well-formed portable ROM file (truncated, corrupt, foreign).
    Corrupt = 4,
    /// A value outside its allowed range (the message names the field and the range).
    Invalid = 5,
    /// The reduced state became NaN or infinite; the state is that of the failed step.
    BlowUp = 6,
    /// A bug inside the library (a caught panic); the handle should be freed.
    Internal = 7,
}

/// A failure on the Rust side: its status and message.
#[derive(Debug)]
pub(crate) struct Failure {
    pub status: GalerkinStatus,
    pub message: String,
}

impl Failure {
    /// A failure of class `status` with `message`.
    pub fn new(status: GalerkinStatus, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// The NULL pointer `argument`.
    pub fn null(argument: &str) -> Self {
        Self::new(
            GalerkinStatus::NullArgument,
            format!("argument `{argument}` is NULL: allowed a valid pointer"),
        )
    }
}

impl From<RuntimeError> for Failure {
    fn from(e: RuntimeError) -> Self {
        let status = match e {
            RuntimeError::Io { .. } => GalerkinStatus::Io,
            RuntimeError::Corrupt { .. } => GalerkinStatus::Corrupt,
            RuntimeError::Invalid { .. } => GalerkinStatus::Invalid,
            RuntimeError::BlowUp { .. } => GalerkinStatus::BlowUp,
        };
        Self::new(status, e.to_string())
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records `message` as this thread's last error (interior NULs become spaces).
pub(crate) fn set_last_error(message: &str) {
    let text = CString::new(message.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|slot| *slot.borrow_mut() = text);
}

/// The message of the last failed `galerkin_*` call on this thread, or "" when none failed.
/// The pointer stays valid until the next failing call on the same thread; copy the text
/// to keep it.
#[no_mangle]
pub extern "C" fn galerkin_last_error() -> *const c_char {
    LAST_ERROR.with(|slot| slot.borrow().as_ptr())
}

/// A static, human-readable name of `status` (e.g. "invalid argument"), for messages.
#[no_mangle]
pub extern "C" fn galerkin_status_name(status: GalerkinStatus) -> *const c_char {
    let name: &'static CStr = match status {
        GalerkinStatus::Ok => c"ok",
        GalerkinStatus::NullArgument => c"null argument",
        GalerkinStatus::BadString => c"string is not UTF-8",
        GalerkinStatus::Io => c"cannot read file",
        GalerkinStatus::Corrupt => c"not a portable ROM file",
        GalerkinStatus::Invalid => c"invalid argument",
        GalerkinStatus::BlowUp => c"reduced state blew up",
        GalerkinStatus::Internal => c"internal error",
    };
    name.as_ptr()
}

/// Runs `body`, turning its error, or a panic inside it, into a status and this thread's
/// last-error message: nothing unwinds into the caller.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Failure>) -> GalerkinStatus {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => GalerkinStatus::Ok,
        Ok(Err(failure)) => {
            set_last_error(&failure.message);
            failure.status
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            set_last_error(&format!("internal error (caught panic): {what}"));
            GalerkinStatus::Internal
        }
    }
}

/// `*ptr` as a shared reference, or a NULL-argument failure naming `argument`.
///
/// # Safety
/// `ptr` is NULL or points to a live `T`.
pub(crate) unsafe fn deref<'a, T>(ptr: *const T, argument: &str) -> Result<&'a T, Failure> {
    ptr.as_ref().ok_or_else(|| Failure::null(argument))
}

/// `*ptr` as a mutable reference, or a NULL-argument failure naming `argument`.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` that nothing else uses during the call.
pub(crate) unsafe fn deref_mut<'a, T>(ptr: *mut T, argument: &str) -> Result<&'a mut T, Failure> {
    ptr.as_mut().ok_or_else(|| Failure::null(argument))
}

/// The NUL-terminated UTF-8 string at `ptr`, or a failure naming `argument`.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string.
pub(crate) unsafe fn utf8<'a>(ptr: *const c_char, argument: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(argument));
    }
    CStr::from_ptr(ptr).to_str().map_err(|e| {
        Failure::new(
            GalerkinStatus::BadString,
            format!("argument `{argument}` is not UTF-8 ({e}): allowed UTF-8 text"),
        )
    })
}

/// The `len` values at `ptr` as a slice (`len` = 0 accepts NULL), or a NULL failure.
///
/// # Safety
/// `ptr` is NULL or points to `len` initialised values.
pub(crate) unsafe fn slice<'a, T>(
    ptr: *const T,
    len: usize,
    argument: &str,
) -> Result<&'a [T], Failure> {
    match (ptr.is_null(), len) {
        (_, 0) => Ok(&[]),
        (true, _) => Err(Failure::null(argument)),
        (false, _) => Ok(std::slice::from_raw_parts(ptr, len)),
    }
}

/// The `len` values at `ptr` as a mutable slice (`len` = 0 accepts NULL), or a NULL failure.
///
/// # Safety
/// `ptr` is NULL or points to `len` writable values nothing else uses during the call.
pub(crate) unsafe fn slice_mut<'a, T>(
    ptr: *mut T,
    len: usize,
    argument: &str,
) -> Result<&'a mut [T], Failure> {
    match (ptr.is_null(), len) {
        (_, 0) => Ok(&mut []),
        (true, _) => Err(Failure::null(argument)),
        (false, _) => Ok(std::slice::from_raw_parts_mut(ptr, len)),
    }
}

/// Writes `value` to `*out`, or a NULL failure naming `argument`.
///
/// # Safety
/// `out` is NULL or points to a writable `T`.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T, argument: &str) -> Result<(), Failure> {
    if out.is_null() {
        return Err(Failure::null(argument));
    }
    out.write(value);
    Ok(())
}
