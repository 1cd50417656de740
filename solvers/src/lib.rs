//! # galerkin-solvers
//!
//! Pseudo-spectral solvers for 1-D viscous Burgers, 1-D Kuramoto–Sivashinsky and 2-D
//! incompressible Navier–Stokes, with stiff exponential / IMEX / structure-preserving
//! integrators, random initial conditions and deterministic parallel ensembles.
//!
//! This crate depends on no other crate of the workspace. Its contents arrive with the
//! solver-layer issue (#3); until then it only reserves its place in the workspace.
