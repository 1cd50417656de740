//! Datasets (workflow layer, feature `hdf5`): recipes (TOML), the native HDF5 trajectory
//! file (schema in `datasets/README.md`) written atomically and resumably, lazy reading,
//! per-trajectory health, exports, imports of external snapshots, and the progress sink of
//! long runs.

mod blowup;
mod dataset;
#[cfg(feature = "mpi")]
mod distributed;
mod ensemble_run;
mod error;
mod export;
mod health;
mod import;
mod memory;
pub mod progress;
mod recipe;
mod simulate;
mod wave;
mod writer;

pub use dataset::Dataset;
#[cfg(feature = "mpi")]
pub use distributed::simulate_on;
pub use ensemble_run::{SimulateOptions, SimulateSummary};
pub use error::{describe_hdf5_error, DataError, Result};
pub use export::{export, ExportFormat, ExportOptions};
pub use health::{Health, TAIL_RATIO_LIMIT};
pub use import::{
    import, read_array, Array, ArraySource, GridSpec as ImportGridSpec, ImportSpec, ImportSummary,
    TimesSpec, ValuesSpec, IMPORTED_ORIGIN,
};
pub use memory::{available_bytes, bytes as format_bytes, MemoryEstimate, BYTES_PER_POINT};
pub use progress::{Progress, Silent};
#[cfg(feature = "operators")]
pub(crate) use recipe::apply_override;
pub use recipe::{
    parse_override, ForcingSpec, GridSpec, IcSpec, ParameterValues, Precision, Recipe,
    RecipeOverrides, SaveSpec, TimeSpec, WaveSpec,
};
pub use simulate::{open_or_simulate, simulate};
pub(crate) use writer::write_hdf5_atomically;
pub use writer::{
    check_output, partial_path, read_string_attr, write_string_attr, write_text_atomically,
    FileMetadata, Layout, SCHEMA_VERSION,
};
