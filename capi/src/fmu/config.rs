//! `resources/fmu.json`: how `galerkin fmu` configured the FMU (step, probes, initial state).

use serde::{Deserialize, Serialize};

/// The name of the configuration file in the FMU's `resources/`.
pub const CONFIG_FILE: &str = "fmu.json";
/// The name of the portable ROM file in the FMU's `resources/`.
pub const ROM_FILE: &str = "rom.safetensors";

/// One probe output: the full field at a grid index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeSpec {
    /// The output variable's name.
    pub name: String,
    /// The grid index (< n) of the full state.
    pub index: usize,
}

/// The FMU's configuration, written by `galerkin fmu` and read at `fmi2Instantiate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FmuConfig {
    /// The GUID of the modelDescription.xml (checked at instantiation).
    pub guid: String,
    /// The default ROM step dt (the `dt` parameter's start value).
    pub dt: f64,
    /// The default initial reduced state (the `a0[k]` parameters' start values).
    pub initial_state: Vec<f64>,
    /// The probe outputs.
    pub probes: Vec<ProbeSpec>,
    /// The default stop time of the experiment (DefaultExperiment).
    pub stop_time: f64,
}
