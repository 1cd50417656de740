//! Embedding a ROM in other programs: the C and Fortran examples compiled with the system
//! compilers against `libgalerkin_rom`, and FMUs written by `galerkin fmu` checked by FMPy,
//! all against galerkin's own online ROM run (what `galerkin evaluate` computes).

#[path = "../common/mod.rs"]
mod common;
#[path = "../rom/fixtures.rs"]
#[allow(dead_code)]
mod fixtures;

mod c_fortran;
mod fmu;
mod library;
