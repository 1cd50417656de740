//! # galerkin
//!
//! Reduced-order modelling and operator learning on one orthogonal-basis core.
//!
//! The data flow (see `DESIGN.md`): recipes drive the pseudo-spectral solvers of
//! [`galerkin_solvers`], which write trajectory files; `reduce` turns trajectories into POD
//! bases and Galerkin / hyper-reduced / lifted ROMs; `train` fits neural operators to the
//! same trajectories; every result is compared against the full model and plotted.
//!
//! This crate holds the shared linear-algebra core, [`basis`], on which all of those
//! layers are built, and the `galerkin` command-line tool.

#![warn(missing_docs)]

pub mod basis;
pub mod data;
pub mod demo;
pub mod figures;
#[cfg(feature = "operators")]
pub mod operators;
pub mod plot;
pub mod rom;
