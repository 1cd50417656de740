//! The workflow layer (feature `hdf5`): the reduced-order and operator cores driven from
//! files. Trajectory files and recipes are [`crate::data`]'s; this module adds
//! - [`source`]: the snapshots of a trajectory file as a [`crate::rom::SnapshotSource`];
//! - [`reduce`](mod@reduce): trajectory file → POD → reduced model (`galerkin reduce`);
//! - [`learned`]: trajectory file (simulated or imported) → POD → Operator Inference,
//!   Galerkin + learned closure or DMD;
//! - [`evaluate`]: a reduced model against a trajectory of a file (`galerkin evaluate`);
//! - [`rom_file`]: ROM files (HDF5) of every [`crate::rom::RomKind`];
//! - [`portable`]: portable ROM files (safetensors layout, read without galerkin or HDF5;
//!   `docs/portable-rom.md`);
//! - [`lifted`]: the lifted wave ROM from a wave trajectory file, and its evaluation;
//! - [`training`] (feature `operators`): training recipes, samples cut from trajectory
//!   files, checkpoints.

pub mod error;
pub mod evaluate;
pub mod learned;
pub mod lifted;
pub mod portable;
pub mod reduce;
pub mod rom_file;
pub mod source;
#[cfg(feature = "operators")]
pub mod training;

pub use error::{Result, WorkflowError};
pub use evaluate::evaluate_on_dataset;
pub use learned::{
    reduce_learned, write_dmd_modes, Bagging, DmdOptions, LearnedMethod, LearnedReduceOptions,
};
pub use portable::{
    domain_of, encode_portable, export_rom, portable_bytes, read_portable, write_portable,
    write_portable_bytes, write_portable_lifted,
};
pub use reduce::{
    build_on_pod, build_on_pod_on, cell_weight_of, full_model_of, quadrature_of, reduce, reduce_on,
    ReduceOptions,
};
pub use rom_file::{kind_of, LiftedRomFile, StoredRom};
pub use source::DatasetSource;
