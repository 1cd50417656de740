//! What an FMU of a ROM holds besides the binary: its configuration (`resources/fmu.json`),
//! the layout of its variables (value references) and its `modelDescription.xml`. Shared by
//! the writer (`galerkin fmu`) and the FMU binary (the `fmi2*` functions), so both always
//! agree on the value references.

mod config;
mod description;
mod variables;

pub use config::{FmuConfig, ProbeAt, ProbeSpec, CONFIG_FILE, ROM_FILE};
pub use description::model_description;
pub use variables::{variables, Role, Variable};
