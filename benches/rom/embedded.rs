//! The same ROM stepped through the embedding routes, in the run of the in-crate step:
//! the runtime (`galerkin-runtime`), the C ABI (`galerkin_instance_step`) and an FMU's
//! `fmi2DoStep` (one ROM step per communication step). Ratios to the in-crate step are the
//! runtime's speed; differences between them are the C ABI and FMI overheads.

use std::ffi::{c_char, c_int, c_void, CString};
use std::path::Path;
use std::sync::Arc;

use criterion::measurement::WallTime;
use criterion::BenchmarkGroup;
use galerkin::rom::ReducedModel;
use galerkin_rom::fmi2::{
    fmi2DoStep, fmi2EnterInitializationMode, fmi2ExitInitializationMode, fmi2FreeInstance,
    fmi2GetFMUstate, fmi2Instantiate, fmi2SetFMUstate, fmi2SetupExperiment,
};
use galerkin_rom::fmu::{FmuConfig, CONFIG_FILE, ROM_FILE};
use galerkin_rom::{
    galerkin_instance_free, galerkin_instance_new, galerkin_instance_set_state_reduced,
    galerkin_instance_step, galerkin_model_free, galerkin_model_load, GalerkinStatus,
};
use galerkin_runtime::{Instance, RomModel};

/// Benchmarks `label`'s ROM `model` (rank r, initial reduced state `x0`, step `dt`) through
/// the runtime and the C ABI, and through an FMU when `with_fmu`.
pub fn bench_routes(
    group: &mut BenchmarkGroup<'_, WallTime>,
    label: &str,
    model: &ReducedModel,
    x0: &[f64],
    dt: f64,
    with_fmu: bool,
) {
    let r = x0.len();
    let dir =
        std::env::temp_dir().join(format!("galerkin-bench-{label}-{r}-{}", std::process::id()));
    let resources = dir.join("resources");
    std::fs::create_dir_all(&resources).unwrap();
    let rom = resources.join(ROM_FILE);
    galerkin::workflow::write_portable(model, &rom, true).unwrap();

    let shared = Arc::new(RomModel::from_file(&rom).unwrap());
    let mut run = Instance::new(shared, dt).unwrap();
    run.set_state_reduced(x0).unwrap();
    group.bench_function(format!("{label} runtime step r = {r}"), |bench| {
        bench.iter(|| {
            if run.step().is_err() {
                run.set_state_reduced(x0).unwrap();
            }
        })
    });

    let path = CString::new(rom.to_str().unwrap()).unwrap();
    unsafe {
        let (mut handle, mut instance) = (std::ptr::null_mut(), std::ptr::null_mut());
        assert_eq!(
            galerkin_model_load(path.as_ptr(), &mut handle),
            GalerkinStatus::Ok
        );
        assert_eq!(
            galerkin_instance_new(handle, dt, &mut instance),
            GalerkinStatus::Ok
        );
        galerkin_instance_set_state_reduced(instance, x0.as_ptr(), r);
        group.bench_function(format!("{label} C ABI step r = {r}"), |bench| {
            bench.iter(|| {
                if galerkin_instance_step(instance) != GalerkinStatus::Ok {
                    galerkin_instance_set_state_reduced(instance, x0.as_ptr(), r);
                }
            })
        });
        galerkin_instance_free(instance);
        galerkin_model_free(handle);
    }
    if with_fmu {
        bench_fmu(group, label, &resources, x0, dt);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `fmi2DoStep` of one ROM step on an FMU whose resources are under `resources`.
fn bench_fmu(
    group: &mut BenchmarkGroup<'_, WallTime>,
    label: &str,
    resources: &Path,
    x0: &[f64],
    dt: f64,
) {
    let config = FmuConfig {
        guid: "{bench}".into(),
        dt,
        initial_state: x0.to_vec(),
        probes: vec![],
        stop_time: 1.0,
    };
    std::fs::write(
        resources.join(CONFIG_FILE),
        serde_json::to_vec(&config).unwrap(),
    )
    .unwrap();
    let uri = CString::new(format!("file://{}", resources.display())).unwrap();
    let name: *const c_char = c"bench".as_ptr();
    unsafe {
        let c = fmi2Instantiate(
            name,
            1,
            c"{bench}".as_ptr(),
            uri.as_ptr(),
            std::ptr::null(),
            0,
            0,
        );
        assert!(!c.is_null(), "fmi2Instantiate");
        assert_eq!(fmi2SetupExperiment(c, 0, 0.0, 0.0, 0, 0.0), 0);
        assert_eq!(fmi2EnterInitializationMode(c), 0);
        assert_eq!(fmi2ExitInitializationMode(c), 0);
        let mut start: *mut c_void = std::ptr::null_mut();
        assert_eq!(fmi2GetFMUstate(c, &mut start), 0);
        let mut t = 0.0;
        group.bench_function(format!("{label} FMU doStep r = {}", x0.len()), |bench| {
            bench.iter(|| {
                let status: c_int = fmi2DoStep(c, t, dt, 1);
                t += dt;
                if status != 0 {
                    fmi2SetFMUstate(c, start);
                    t = 0.0;
                }
            })
        });
        fmi2FreeInstance(c);
    }
}
