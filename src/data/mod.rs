//! Datasets: recipes (TOML), the native HDF5 trajectory file (DESIGN §5) written atomically
//! and resumably, lazy reading, and per-trajectory health.

mod dataset;
mod error;
mod export;
mod health;
mod recipe;
mod simulate;
mod wave;
mod writer;

pub use dataset::Dataset;
pub use error::{DataError, Result};
pub use export::{export, ExportFormat};
pub use health::{Health, TAIL_RATIO_LIMIT};
pub(crate) use recipe::apply_override;
pub use recipe::{
    ForcingSpec, GridSpec, IcSpec, ParameterValues, Precision, Recipe, TimeSpec, WaveSpec,
};
pub use simulate::{simulate, SimulateOptions, SimulateSummary};
pub use writer::{
    partial_path, read_string_attr, write_string_attr, FileMetadata, Layout, SCHEMA_VERSION,
};
