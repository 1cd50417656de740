//! A POD-Galerkin and a DEIM ROM built in memory, without files: simulate viscous Burgers,
//! take the POD of its snapshots, project the full model through the `FullOrderModel`
//! contract, and compare both ROMs with the full model for several ranks.
//!
//! Run: `cargo run --release --example rom_in_memory`

use std::collections::BTreeMap;

use galerkin::basis::Truncation;
use galerkin::rom::{
    build_model, run_against, MatrixSource, Pod, PodOptions, PointSelection, Reduction,
    RomIntegrator, RunOptions,
};
use galerkin_solvers::{
    Burgers, Dealias, Grid, Schedule, Scheme, SemiLinearPde, Simulation, SpectralModel, Trajectory,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let grid = Grid::new_1d(512, 1.0)?;
    let u0: Vec<f64> = grid
        .x()
        .iter()
        .map(|x| (2.0 * std::f64::consts::PI * x).sin() + 0.5)
        .collect();
    let pde: Box<dyn SemiLinearPde> = Box::new(Burgers::new(&grid, 5e-3, Dealias::TwoThirds)?);
    let dt = 1e-4;
    let mut sim = Simulation::new(pde.clone(), Scheme::Etdrk4, dt, &u0)?;
    let schedule = Schedule::from_t_end(dt, 0.5, 50)?;
    let traj = Trajectory::collect(&mut sim, &schedule)?;
    let n = grid.len();
    let snapshots = galerkin::rom::snapshot_matrix(&traj.data, n).to_owned();
    let pod = Pod::compute(
        &mut MatrixSource(snapshots.clone()),
        &PodOptions {
            truncation: Truncation::Rank(48),
            ..PodOptions::default()
        },
    )?;
    let mut fom = SpectralModel::new(pde, Scheme::Etdrk4)?;
    let run = RunOptions {
        dt,
        integrator: RomIntegrator::Rk4,
        parameters: BTreeMap::new(),
    };
    println!(
        "Burgers ν = 5e-3, {n} points, {} snapshots",
        traj.times.len()
    );
    println!("  r   Galerkin ROM   Q-DEIM ROM   POD projection   ROM µs/step");
    for r in [8, 16, 24, 32, 48] {
        let galerkin = build_model(
            &mut fom,
            &mut MatrixSource(snapshots.clone()),
            &pod,
            r,
            Reduction::Galerkin,
        )?;
        let deim = build_model(
            &mut fom,
            &mut MatrixSource(snapshots.clone()),
            &pod,
            r,
            Reduction::Hyper {
                points: 2 * r,
                selection: PointSelection::Qdeim,
            },
        )?;
        let g = run_against(&galerkin, &traj.data, &traj.times, &run)?;
        let d = run_against(&deim, &traj.data, &traj.times, &run)?;
        println!(
            "{r:3}   {:.3e}      {:.3e}    {:.3e}        {:.2}",
            g.relative_error,
            d.relative_error,
            g.projection_relative_error,
            g.online_seconds / g.steps as f64 * 1e6
        );
    }
    Ok(())
}
