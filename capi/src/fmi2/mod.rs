//! The FMI 2.0 co-simulation entry points (`fmi2Instantiate`, `fmi2DoStep`, ...) that make
//! `libgalerkin_rom` the binary of every FMU `galerkin fmu` writes. Each converts pointers,
//! calls the safe `Component` of `component.rs`, logs failures through the master's logger
//! and returns an fmi2Status; panics are caught and reported as fmi2Fatal.

mod component;
mod types;
mod uri;

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::null_mut;

use crate::status;
use component::{Component, Phase, Saved};
use types::{
    CallbackFunctions, Fmi2Status, CO_SIMULATION, DISCARD, ERROR, FATAL, LAST_SUCCESSFUL_TIME, OK,
};

/// What the master knows an instance by: its name, logger and the component.
struct Fmu {
    name: CString,
    callbacks: CallbackFunctions,
    logging: bool,
    component: Component,
}

impl Fmu {
    /// Logs `message` at `status` (errors always, the rest when logging is on).
    fn log(&self, status: Fmi2Status, message: &str) {
        if status >= ERROR || self.logging {
            log_with(&self.callbacks, &self.name, status, message);
        }
    }
}

/// Sends `message` to the master's logger, if it gave one.
fn log_with(callbacks: &CallbackFunctions, name: &CStr, status: Fmi2Status, message: &str) {
    let Some(logger) = callbacks.logger else {
        return;
    };
    let category = if status >= ERROR {
        c"logStatusError"
    } else {
        c"logAll"
    };
    // The message is the format itself, `%` escaped: masters that ignore the variadic
    // arguments (FMPy's ctypes logger) still show the whole text.
    let format = CString::new(message.replace('\0', " ").replace('%', "%%")).unwrap_or_default();
    // SAFETY: the logger is the master's printf-style function, given a format without
    // conversions.
    unsafe {
        logger(
            callbacks.component_environment,
            name.as_ptr(),
            status,
            category.as_ptr(),
            format.as_ptr(),
        );
    }
}

/// Runs `body` on the instance `c`: an error is logged and returned as fmi2Error, a panic as
/// fmi2Fatal; a NULL instance is fmi2Error.
fn with_fmu(
    c: *mut c_void,
    function: &str,
    body: impl FnOnce(&mut Fmu) -> Result<Fmi2Status, String>,
) -> Fmi2Status {
    // SAFETY: a non-NULL component is a Box<Fmu> from fmi2Instantiate (FMI contract).
    let Some(fmu) = (unsafe { c.cast::<Fmu>().as_mut() }) else {
        return ERROR;
    };
    match catch_unwind(AssertUnwindSafe(|| body(fmu))) {
        Ok(Ok(status)) => status,
        Ok(Err(message)) => {
            fmu.log(ERROR, &format!("{function}: {message}"));
            ERROR
        }
        Err(_) => {
            fmu.log(FATAL, &format!("{function}: internal error (caught panic)"));
            FATAL
        }
    }
}

/// The `n` values at `ptr` (NULL allowed when `n` = 0), or an error naming `argument`:
/// the C ABI's check, its message as the FMI log line.
///
/// # Safety
/// `ptr` is NULL or points to `n` values.
unsafe fn values<'a, T>(ptr: *const T, n: usize, argument: &str) -> Result<&'a [T], String> {
    status::slice(ptr, n, argument).map_err(|f| f.message)
}

/// As [`values`], writable.
///
/// # Safety
/// `ptr` is NULL or points to `n` writable values.
unsafe fn values_mut<'a, T>(ptr: *mut T, n: usize, argument: &str) -> Result<&'a mut [T], String> {
    status::slice_mut(ptr, n, argument).map_err(|f| f.message)
}

/// An error unless the instance is in one of `allowed` phases.
fn require(fmu: &Fmu, allowed: &[Phase], function: &str) -> Result<(), String> {
    if allowed.contains(&fmu.component.phase()) {
        Ok(())
    } else {
        Err(format!(
            "not allowed in phase {:?}: allowed in {allowed:?} ({function})",
            fmu.component.phase()
        ))
    }
}

/// "default": the FMI 2.0 standard types.
#[no_mangle]
pub extern "C" fn fmi2GetTypesPlatform() -> *const c_char {
    c"default".as_ptr()
}

/// "2.0".
#[no_mangle]
pub extern "C" fn fmi2GetVersion() -> *const c_char {
    c"2.0".as_ptr()
}

/// Creates an instance from the FMU's `resources/` (fmu.json and the ROM); NULL on failure,
/// after logging why (wrong type, wrong GUID, unreadable resources).
///
/// # Safety
/// The arguments follow the FMI 2.0 standard (strings NUL-terminated, `functions` valid).
#[no_mangle]
pub unsafe extern "C" fn fmi2Instantiate(
    instance_name: *const c_char,
    fmu_type: c_int,
    fmu_guid: *const c_char,
    fmu_resource_location: *const c_char,
    functions: *const CallbackFunctions,
    _visible: c_int,
    logging_on: c_int,
) -> *mut c_void {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let callbacks = functions.as_ref().copied().unwrap_or(CallbackFunctions {
            logger: None,
            allocate_memory: None,
            free_memory: None,
            step_finished: None,
            component_environment: null_mut(),
        });
        let name = if instance_name.is_null() {
            c"galerkin".to_owned()
        } else {
            CStr::from_ptr(instance_name).to_owned()
        };
        let text = |p: *const c_char| {
            (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().into_owned())
        };
        let built = (|| {
            if fmu_type != CO_SIMULATION {
                return Err(format!(
                    "invalid `fmuType` = {fmu_type}: allowed {CO_SIMULATION} (fmi2CoSimulation)"
                ));
            }
            let location = text(fmu_resource_location)
                .ok_or("argument `fmuResourceLocation` is NULL: allowed a file URI")?;
            let guid = text(fmu_guid).ok_or("argument `fmuGUID` is NULL: allowed the GUID")?;
            Component::new(&uri::to_path(&location)?, &guid)
        })();
        match built {
            Ok(component) => {
                let fmu = Fmu {
                    name,
                    callbacks,
                    logging: logging_on != 0,
                    component,
                };
                fmu.log(OK, "instantiated");
                Box::into_raw(Box::new(fmu)).cast::<c_void>()
            }
            Err(message) => {
                log_with(
                    &callbacks,
                    &name,
                    ERROR,
                    &format!("fmi2Instantiate: {message}"),
                );
                null_mut()
            }
        }
    }));
    result.unwrap_or(null_mut())
}

/// Frees an instance (NULL is a no-op).
///
/// # Safety
/// `c` is NULL or an instance from fmi2Instantiate not yet freed.
#[no_mangle]
pub unsafe extern "C" fn fmi2FreeInstance(c: *mut c_void) {
    if !c.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(c.cast::<Fmu>()))));
    }
}

/// Turns logging of non-error messages on or off (categories are not filtered further).
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2SetDebugLogging(
    c: *mut c_void,
    logging_on: c_int,
    _n_categories: usize,
    _categories: *const *const c_char,
) -> Fmi2Status {
    with_fmu(c, "fmi2SetDebugLogging", |fmu| {
        fmu.logging = logging_on != 0;
        Ok(OK)
    })
}

/// Records the start time (tolerance and stop time are not used by the fixed-step ROM).
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2SetupExperiment(
    c: *mut c_void,
    _tolerance_defined: c_int,
    _tolerance: f64,
    start_time: f64,
    _stop_time_defined: c_int,
    _stop_time: f64,
) -> Fmi2Status {
    with_fmu(c, "fmi2SetupExperiment", |fmu| {
        require(fmu, &[Phase::Instantiated], "fmi2SetupExperiment")?;
        fmu.component.setup_experiment(start_time)?;
        Ok(OK)
    })
}

/// Enters initialization mode.
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2EnterInitializationMode(c: *mut c_void) -> Fmi2Status {
    with_fmu(c, "fmi2EnterInitializationMode", |fmu| {
        require(fmu, &[Phase::Instantiated], "fmi2EnterInitializationMode")?;
        fmu.component.set_phase(Phase::Initialization);
        Ok(OK)
    })
}

/// Leaves initialization mode: the ROM instance is built from dt, the parameters and a0.
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2ExitInitializationMode(c: *mut c_void) -> Fmi2Status {
    with_fmu(c, "fmi2ExitInitializationMode", |fmu| {
        require(fmu, &[Phase::Initialization], "fmi2ExitInitializationMode")?;
        fmu.component.initialize()?;
        fmu.component.set_phase(Phase::Stepping);
        fmu.log(OK, "initialized");
        Ok(OK)
    })
}

/// Ends the simulation.
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2Terminate(c: *mut c_void) -> Fmi2Status {
    with_fmu(c, "fmi2Terminate", |fmu| {
        fmu.component.set_phase(Phase::Terminated);
        Ok(OK)
    })
}

/// Back to the state after fmi2Instantiate (start values).
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2Reset(c: *mut c_void) -> Fmi2Status {
    with_fmu(c, "fmi2Reset", |fmu| {
        fmu.component.reset();
        Ok(OK)
    })
}

/// Reads Real variables: parameters, probes (O(r) each) and reduced coordinates.
///
/// # Safety
/// `c` is NULL or a live instance; `vr` and `value` are NULL or hold `nvr` entries.
#[no_mangle]
pub unsafe extern "C" fn fmi2GetReal(
    c: *mut c_void,
    vr: *const u32,
    nvr: usize,
    value: *mut f64,
) -> Fmi2Status {
    with_fmu(c, "fmi2GetReal", |fmu| {
        let refs = values(vr, nvr, "vr")?;
        let out = values_mut(value, nvr, "value")?;
        for (o, &r) in out.iter_mut().zip(refs) {
            *o = fmu.component.get_real(r)?;
        }
        Ok(OK)
    })
}

/// Sets Real parameters (finite; fixed ones only before initialization ends).
///
/// # Safety
/// `c` is NULL or a live instance; `vr` and `value` are NULL or hold `nvr` entries.
#[no_mangle]
pub unsafe extern "C" fn fmi2SetReal(
    c: *mut c_void,
    vr: *const u32,
    nvr: usize,
    value: *const f64,
) -> Fmi2Status {
    with_fmu(c, "fmi2SetReal", |fmu| {
        let refs = values(vr, nvr, "vr")?;
        for (&r, &v) in refs.iter().zip(values(value, nvr, "value")?) {
            fmu.component.set_real(r, v)?;
        }
        Ok(OK)
    })
}

/// An error unless `nvr` = 0: these FMUs have only Real variables.
fn no_variables_of(type_name: &str, nvr: usize) -> Result<Fmi2Status, String> {
    if nvr == 0 {
        Ok(OK)
    } else {
        Err(format!(
            "this FMU has no {type_name} variables: allowed Real value references only"
        ))
    }
}

/// No Integer variables: only nvr = 0 succeeds.
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2GetInteger(
    c: *mut c_void,
    _vr: *const u32,
    nvr: usize,
    _value: *mut c_int,
) -> Fmi2Status {
    with_fmu(c, "fmi2GetInteger", |_| no_variables_of("Integer", nvr))
}

/// No Integer variables: only nvr = 0 succeeds.
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2SetInteger(
    c: *mut c_void,
    _vr: *const u32,
    nvr: usize,
    _value: *const c_int,
) -> Fmi2Status {
    with_fmu(c, "fmi2SetInteger", |_| no_variables_of("Integer", nvr))
}

/// No Boolean variables: only nvr = 0 succeeds.
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2GetBoolean(
    c: *mut c_void,
    _vr: *const u32,
    nvr: usize,
    _value: *mut c_int,
) -> Fmi2Status {
    with_fmu(c, "fmi2GetBoolean", |_| no_variables_of("Boolean", nvr))
}

/// No Boolean variables: only nvr = 0 succeeds.
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2SetBoolean(
    c: *mut c_void,
    _vr: *const u32,
    nvr: usize,
    _value: *const c_int,
) -> Fmi2Status {
    with_fmu(c, "fmi2SetBoolean", |_| no_variables_of("Boolean", nvr))
}

/// No String variables: only nvr = 0 succeeds.
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2GetString(
    c: *mut c_void,
    _vr: *const u32,
    nvr: usize,
    _value: *mut *const c_char,
) -> Fmi2Status {
    with_fmu(c, "fmi2GetString", |_| no_variables_of("String", nvr))
}

/// No String variables: only nvr = 0 succeeds.
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2SetString(
    c: *mut c_void,
    _vr: *const u32,
    nvr: usize,
    _value: *const *const c_char,
) -> Fmi2Status {
    with_fmu(c, "fmi2SetString", |_| no_variables_of("String", nvr))
}

/// Saves the state into `*state` (a new one, or overwriting the one given).
///
/// # Safety
/// `c` is NULL or a live instance; `state` is NULL or points to NULL or a saved state.
#[no_mangle]
pub unsafe extern "C" fn fmi2GetFMUstate(c: *mut c_void, state: *mut *mut c_void) -> Fmi2Status {
    with_fmu(c, "fmi2GetFMUstate", |fmu| {
        let slot = state
            .as_mut()
            .ok_or("argument `FMUstate` is NULL: allowed a pointer")?;
        let saved = fmu.component.save()?;
        match slot.cast::<Saved>().as_mut() {
            Some(existing) => *existing = saved,
            None => *slot = Box::into_raw(Box::new(saved)).cast(),
        }
        Ok(OK)
    })
}

/// Restores a state saved by fmi2GetFMUstate or fmi2DeSerializeFMUstate.
///
/// # Safety
/// `c` is NULL or a live instance; `state` is NULL or a saved state of this FMU.
#[no_mangle]
pub unsafe extern "C" fn fmi2SetFMUstate(c: *mut c_void, state: *mut c_void) -> Fmi2Status {
    with_fmu(c, "fmi2SetFMUstate", |fmu| {
        let saved = state
            .cast::<Saved>()
            .as_ref()
            .ok_or("argument `FMUstate` is NULL: allowed a saved state")?;
        fmu.component.restore(saved)?;
        Ok(OK)
    })
}

/// Frees a saved state and sets `*state` to NULL.
///
/// # Safety
/// `c` is NULL or a live instance; `state` is NULL or points to NULL or a saved state.
#[no_mangle]
pub unsafe extern "C" fn fmi2FreeFMUstate(c: *mut c_void, state: *mut *mut c_void) -> Fmi2Status {
    with_fmu(c, "fmi2FreeFMUstate", |_| {
        if let Some(slot) = state.as_mut() {
            if !slot.is_null() {
                drop(Box::from_raw(slot.cast::<Saved>()));
                *slot = null_mut();
            }
        }
        Ok(OK)
    })
}

/// The size in bytes of a serialized state.
///
/// # Safety
/// `c` is NULL or a live instance; `state` a saved state; `size` writable.
#[no_mangle]
pub unsafe extern "C" fn fmi2SerializedFMUstateSize(
    c: *mut c_void,
    state: *mut c_void,
    size: *mut usize,
) -> Fmi2Status {
    with_fmu(c, "fmi2SerializedFMUstateSize", |_| {
        let saved = state
            .cast::<Saved>()
            .as_ref()
            .ok_or("argument `FMUstate` is NULL: allowed a saved state")?;
        let size = size.as_mut().ok_or("argument `size` is NULL")?;
        *size = saved.to_bytes().len();
        Ok(OK)
    })
}

/// Serializes a saved state into `size` bytes at `bytes`.
///
/// # Safety
/// `c` is NULL or a live instance; `state` a saved state; `bytes` holds `size` bytes.
#[no_mangle]
pub unsafe extern "C" fn fmi2SerializeFMUstate(
    c: *mut c_void,
    state: *mut c_void,
    bytes: *mut c_char,
    size: usize,
) -> Fmi2Status {
    with_fmu(c, "fmi2SerializeFMUstate", |_| {
        let saved = state
            .cast::<Saved>()
            .as_ref()
            .ok_or("argument `FMUstate` is NULL: allowed a saved state")?;
        let data = saved.to_bytes();
        if data.len() != size {
            return Err(format!(
                "invalid `size` = {size}: allowed {} (fmi2SerializedFMUstateSize)",
                data.len()
            ));
        }
        values_mut(bytes.cast::<u8>(), size, "serializedState")?.copy_from_slice(&data);
        Ok(OK)
    })
}

/// Rebuilds a saved state from `size` serialized bytes into `*state`.
///
/// # Safety
/// `c` is NULL or a live instance; `bytes` holds `size` bytes; `state` is writable.
#[no_mangle]
pub unsafe extern "C" fn fmi2DeSerializeFMUstate(
    c: *mut c_void,
    bytes: *const c_char,
    size: usize,
    state: *mut *mut c_void,
) -> Fmi2Status {
    with_fmu(c, "fmi2DeSerializeFMUstate", |fmu| {
        let data = values(bytes.cast::<u8>(), size, "serializedState")?;
        let saved = fmu.component.parse_state(data)?;
        let slot = state
            .as_mut()
            .ok_or("argument `FMUstate` is NULL: allowed a pointer")?;
        if !slot.is_null() {
            drop(Box::from_raw(slot.cast::<Saved>()));
        }
        *slot = Box::into_raw(Box::new(saved)).cast();
        Ok(OK)
    })
}

/// Not provided (providesDirectionalDerivative="false").
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2GetDirectionalDerivative(
    c: *mut c_void,
    _unknown: *const u32,
    _n_unknown: usize,
    _known: *const u32,
    _n_known: usize,
    _dv_known: *const f64,
    _dv_unknown: *mut f64,
) -> Fmi2Status {
    with_fmu(c, "fmi2GetDirectionalDerivative", |_| {
        Err("not provided (providesDirectionalDerivative=\"false\")".into())
    })
}

/// Not provided: the FMU has no inputs to interpolate (canInterpolateInputs="false").
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2SetRealInputDerivatives(
    c: *mut c_void,
    _vr: *const u32,
    _nvr: usize,
    _order: *const c_int,
    _value: *const f64,
) -> Fmi2Status {
    with_fmu(c, "fmi2SetRealInputDerivatives", |_| {
        Err("not provided (canInterpolateInputs=\"false\")".into())
    })
}

/// Not provided (maxOutputDerivativeOrder="0").
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2GetRealOutputDerivatives(
    c: *mut c_void,
    _vr: *const u32,
    _nvr: usize,
    _order: *const c_int,
    _value: *mut f64,
) -> Fmi2Status {
    with_fmu(c, "fmi2GetRealOutputDerivatives", |_| {
        Err("not provided (maxOutputDerivativeOrder=\"0\")".into())
    })
}

/// Advances the ROM from `current` by `h` (a whole number of ROM steps dt).
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2DoStep(
    c: *mut c_void,
    current: f64,
    h: f64,
    _no_set_prior_state: c_int,
) -> Fmi2Status {
    with_fmu(c, "fmi2DoStep", |fmu| {
        require(fmu, &[Phase::Stepping], "fmi2DoStep")?;
        fmu.component.do_step(current, h)?;
        Ok(OK)
    })
}

/// Nothing to cancel: doStep is synchronous.
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2CancelStep(c: *mut c_void) -> Fmi2Status {
    with_fmu(c, "fmi2CancelStep", |_| {
        Err("no asynchronous step to cancel (doStep is synchronous)".into())
    })
}

/// Status queries other than fmi2LastSuccessfulTime: not applicable (fmi2Discard).
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2GetStatus(
    c: *mut c_void,
    _kind: c_int,
    _value: *mut c_int,
) -> Fmi2Status {
    with_fmu(c, "fmi2GetStatus", |_| Ok(DISCARD))
}

/// fmi2LastSuccessfulTime: the FMU's time; other kinds fmi2Discard.
///
/// # Safety
/// `c` is NULL or a live instance; `value` writable.
#[no_mangle]
pub unsafe extern "C" fn fmi2GetRealStatus(
    c: *mut c_void,
    kind: c_int,
    value: *mut f64,
) -> Fmi2Status {
    with_fmu(c, "fmi2GetRealStatus", |fmu| {
        if kind != LAST_SUCCESSFUL_TIME {
            return Ok(DISCARD);
        }
        *value.as_mut().ok_or("argument `value` is NULL")? = fmu.component.time();
        Ok(OK)
    })
}

/// Not applicable (fmi2Discard).
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2GetIntegerStatus(
    c: *mut c_void,
    _kind: c_int,
    _value: *mut c_int,
) -> Fmi2Status {
    with_fmu(c, "fmi2GetIntegerStatus", |_| Ok(DISCARD))
}

/// Not applicable (fmi2Discard).
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2GetBooleanStatus(
    c: *mut c_void,
    _kind: c_int,
    _value: *mut c_int,
) -> Fmi2Status {
    with_fmu(c, "fmi2GetBooleanStatus", |_| Ok(DISCARD))
}

/// Not applicable (fmi2Discard).
///
/// # Safety
/// `c` is NULL or a live instance.
#[no_mangle]
pub unsafe extern "C" fn fmi2GetStringStatus(
    c: *mut c_void,
    _kind: c_int,
    _value: *mut *const c_char,
) -> Fmi2Status {
    with_fmu(c, "fmi2GetStringStatus", |_| Ok(DISCARD))
}
