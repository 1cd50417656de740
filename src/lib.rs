//! # galerkin
//!
//! Reduced-order modelling and operator learning on one orthogonal-basis core.
//!
//! Layers, each importing only those above it (see `ARCHITECTURE.md`):
//! - [`basis`]: the orthogonal-basis core (QR, SVDs, Newton–Schulz, DEIM / Q-DEIM / EIM,
//!   Fourier and Chebyshev bases);
//! - the solvers, crate [`galerkin_solvers`]: pseudo-spectral full-order models;
//! - [`rom`]: POD, the [`rom::ReducedOrderModel`] and [`rom::Reductor`] traits and every
//!   ROM kind (Galerkin, hyper-reduced, lifted, adaptive); [`operators`] (feature
//!   `operators`): neural operators and the neural spectral method. Neither reads files.
//! - [`data`] and [`workflow`] (feature `hdf5`): recipes, HDF5 trajectory and ROM files,
//!   reduce / evaluate / train from files;
//! - [`parallel`]: the collectives the distributed POD and operator assembly run on (one
//!   process, or MPI ranks with feature `mpi`);
//! - [`app`] (feature `app`, default): figures, demo, plots, progress bars, and the
//!   `galerkin` command.
//!
//! With `default-features = false` the crate is the cores alone: no HDF5, no CLI, no
//! plotting, no deep-learning framework.

#![warn(missing_docs)]

#[cfg(feature = "app")]
pub mod app;
pub mod basis;
#[cfg(feature = "hdf5")]
pub mod data;
pub mod names;
#[cfg(feature = "operators")]
pub mod operators;
pub mod parallel;
pub mod rom;
#[cfg(feature = "hdf5")]
pub mod workflow;
