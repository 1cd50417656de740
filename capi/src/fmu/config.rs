//! `resources/fmu.json`: how `galerkin fmu` configured the FMU (step, probes, initial state).

use serde::{Deserialize, Serialize};

/// The name of the configuration file in the FMU's `resources/`.
pub const CONFIG_FILE: &str = "fmu.json";
/// The name of the portable ROM file in the FMU's `resources/`.
pub const ROM_FILE: &str = "rom.safetensors";

/// Where a probe output reads the full field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ProbeAt {
    /// The full state at a grid index (< n).
    Index {
        /// The grid index.
        index: usize,
    },
    /// Field `field` at a physical point (coordinates in grid-shape order, `[y, x]` in 2-D),
    /// by periodic trigonometric interpolation.
    Point {
        /// The field (index into the model's field names).
        field: usize,
        /// The coordinates.
        point: Vec<f64>,
    },
}

/// One probe output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeSpec {
    /// The output variable's name.
    pub name: String,
    /// Where it reads.
    #[serde(flatten)]
    pub at: ProbeAt,
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
