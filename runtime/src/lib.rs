//! `galerkin-runtime`: loads a portable ROM file (`docs/portable-rom.md`, the safetensors
//! layout written by `galerkin::workflow::write_portable` or `write_portable_lifted`) and
//! runs it, with no HDF5, no system library and no dependency on the `galerkin` crate:
//! Galerkin and hyper-reduced ROMs by RK4, or by ETDRK4 where the reduced linear operator
//! is too stiff for one RK4 step per dt, the lifted wave ROM by implicit midpoint. It
//! also reads the full state at physical points ([`Probe`]) and the state's energy.
//!
//! A [`RomModel`] is the immutable, checked content of one file; it is `Send + Sync`, so
//! many [`Instance`]s (one per simulation, each with its own parameters, state and
//! buffers) share it through an `Arc`. Stepping an instance allocates nothing.
//!
//! ```no_run
//! use std::sync::Arc;
//! use galerkin_runtime::{Instance, RomModel};
//! let model = Arc::new(RomModel::from_file("burgers.safetensors")?);
//! let mut run = Instance::new(model.clone(), 1e-3)?;
//! run.set_parameter("viscosity", 0.015)?;
//! run.set_state_full(&vec![0.0; model.full_dim()])?;
//! run.advance_to(0.5)?;
//! let u0 = run.probe(0)?;
//! # Ok::<(), galerkin_runtime::RuntimeError>(())
//! ```

mod error;
pub mod format;
mod instance;
#[cfg(feature = "nalgebra")]
mod interop;
mod midpoint;
mod model;
mod probe;

pub use error::{Result, RuntimeError};
pub use instance::Instance;
pub use model::{Flux, RomKind, RomModel};
pub use probe::Probe;
