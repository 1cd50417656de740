//! Solver throughput: NS 256² (RK4 and ETDRK4; one trajectory — whose transforms and
//! per-mode passes use every thread of the pool — and an ensemble of two), KS N = 256
//! ETDRK4 (one trajectory, and ensembles of two and of 64 trajectories, one rayon task
//! each), Burgers N = 1024 ETDRK4.
//!
//! `scripts/bench-solvers` runs this, `scripts/numpy_solvers.py` (the same algorithms in
//! numpy) and `scripts/exponax_solvers.py` (exponax on JAX-CPU, f64, jit, vmap) in one go
//! and prints steps/s and the ratios.

use std::f64::consts::PI;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use galerkin_solvers::{
    Burgers, Dealias, Forcing, Grid, InitialCondition, KuramotoSivashinsky, NavierStokes, Scheme,
    SemiLinearPde, Simulation,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Steps per timed iteration.
const STEPS: usize = 20;

fn ns_sim(scheme: Scheme, seed: u64) -> Simulation {
    let grid = Grid::new_2d(256, 256, 1.0, 1.0).unwrap();
    let pde = NavierStokes::new(
        &grid,
        1e-3,
        0.0,
        Forcing::Fno { amplitude: 0.1 },
        Dealias::TwoThirds,
    )
    .unwrap();
    let w0 = InitialCondition::fno_navier_stokes()
        .sample(&grid, &mut ChaCha8Rng::seed_from_u64(seed))
        .unwrap();
    Simulation::new(Box::new(pde), scheme, 1e-4, &w0).unwrap()
}

fn ks_sim(seed: u64) -> Simulation {
    let grid = Grid::new_1d(256, 22.0 * 4.0).unwrap();
    let pde: Box<dyn SemiLinearPde> =
        Box::new(KuramotoSivashinsky::new(&grid, Dealias::TwoThirds).unwrap());
    let ic = InitialCondition::RandomFourier {
        max_mode: 10,
        decay: 1.0,
        amplitude: 1.0,
    };
    let u0 = ic
        .sample(&grid, &mut ChaCha8Rng::seed_from_u64(seed))
        .unwrap();
    Simulation::new(pde, Scheme::Etdrk4, 0.05, &u0).unwrap()
}

fn burgers_sim() -> Simulation {
    let grid = Grid::new_1d(1024, 1.0).unwrap();
    let pde = Burgers::new(&grid, 1e-3, Dealias::TwoThirds).unwrap();
    let u0: Vec<f64> = grid.x().iter().map(|x| (2.0 * PI * x).sin()).collect();
    Simulation::new(Box::new(pde), Scheme::Etdrk4, 1e-4, &u0).unwrap()
}

/// Advances every simulation STEPS steps, one per rayon task.
fn advance_all(sims: &mut [Simulation]) {
    sims.par_iter_mut().for_each(|s| s.advance(STEPS).unwrap());
}

fn bench_solvers(c: &mut Criterion) {
    let mut group = c.benchmark_group("solvers");
    group.sample_size(10);
    for scheme in [Scheme::Rk4, Scheme::Etdrk4] {
        let mut one = ns_sim(scheme, 1);
        group.throughput(Throughput::Elements(STEPS as u64));
        group.bench_function(BenchmarkId::new("ns256_single", scheme.name()), |b| {
            b.iter(|| one.advance(black_box(STEPS)).unwrap())
        });
        let mut pair = vec![ns_sim(scheme, 1), ns_sim(scheme, 2)];
        group.throughput(Throughput::Elements(2 * STEPS as u64));
        group.bench_function(BenchmarkId::new("ns256_ensemble2", scheme.name()), |b| {
            b.iter(|| advance_all(black_box(&mut pair)))
        });
    }
    let mut ks_one = ks_sim(1);
    group.throughput(Throughput::Elements(STEPS as u64));
    group.bench_function(BenchmarkId::new("ks256_single", "etdrk4"), |b| {
        b.iter(|| ks_one.advance(black_box(STEPS)).unwrap())
    });
    for n in [2usize, 64] {
        let mut ks: Vec<Simulation> = (1..=n as u64).map(ks_sim).collect();
        group.throughput(Throughput::Elements((n * STEPS) as u64));
        group.bench_function(
            BenchmarkId::new(format!("ks256_ensemble{n}"), "etdrk4"),
            |b| b.iter(|| advance_all(black_box(&mut ks))),
        );
    }
    let mut burgers = burgers_sim();
    group.throughput(Throughput::Elements(STEPS as u64));
    group.bench_function(BenchmarkId::new("burgers1024_single", "etdrk4"), |b| {
        b.iter(|| burgers.advance(black_box(STEPS)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_solvers);
criterion_main!(benches);
