//! Reduced-order models against their full models: accuracy, exactness of the projected
//! operators, hyper-reduction, integrators, files and bad input.

#[path = "../common/mod.rs"]
mod common;

mod adaptive;
mod determinism;
mod distributed;
mod dmd;
mod ensemble;
mod fixtures;
mod galerkin;
mod inputs;
mod io;
mod learned;
mod lifting;
mod local;
mod operator_eim;
mod opinf;
mod portable;
#[path = "../common/ranks.rs"]
mod ranks;
mod traits;
mod user_pde;
