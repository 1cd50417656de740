//! An adaptive ROM, enriched online by galerkin, exported as the static ROM it has become
//! (`AdaptiveRom::model()` through `write_portable`), runs in the runtime as galerkin runs
//! that model.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use galerkin::rom::adaptive::{AdaptiveOptions, AdaptiveRom};
use galerkin::rom::{solve, RomIntegrator};
use galerkin_runtime::{Instance, RomModel};
use galerkin_solvers::{Burgers, Dealias, Grid, Scheme, SpectralModel};

use common::{portable_bytes, Case};

#[test]
fn an_enriched_adaptive_rom_exports_as_a_static_rom() {
    let case = Case::burgers();
    let qdeim = case.models().remove(1);
    // The full model at a smaller viscosity than the training one, so the ROM enriches.
    let grid = Grid::new_1d(128, 1.0).unwrap();
    let mut fom = SpectralModel::new(
        Box::new(Burgers::new(&grid, 0.005, Dealias::TwoThirds).unwrap()),
        Scheme::Etdrk4,
    )
    .unwrap();
    let mut adaptive = AdaptiveRom::from_model(qdeim.clone(), &mut fom).unwrap();
    let params = BTreeMap::from([("viscosity".to_string(), 0.005)]);
    let run = adaptive
        .run(
            case.u0(),
            200,
            50,
            &AdaptiveOptions {
                tol: 1e-4,
                dt: 1e-3,
                parameters: params.clone(),
                max_rank: 20,
            },
        )
        .unwrap();
    let enriched = adaptive.model().clone();
    eprintln!(
        "adaptive: {} full steps, rank {} → {}",
        run.full_steps.len(),
        qdeim.rank(),
        enriched.rank()
    );
    assert!(enriched.rank() > qdeim.rank(), "the ROM enriched itself");

    let rt = Arc::new(RomModel::from_bytes(&portable_bytes(&enriched, "adaptive")).unwrap());
    assert_eq!(rt.rank(), enriched.rank());
    assert_eq!(rt.kind().name(), enriched.kind().name());
    let x0 = enriched.project(case.u0()).unwrap();
    let mut online = enriched.online(&params).unwrap();
    let reference = solve(&mut online, RomIntegrator::Rk4, &x0, 1e-3, 100, 100)
        .unwrap()
        .pop()
        .unwrap();
    let mut instance = Instance::new(rt, 1e-3).unwrap();
    instance.set_parameter("viscosity", 0.005).unwrap();
    instance.set_state_reduced(&x0).unwrap();
    instance.advance_to(0.1).unwrap();
    assert_eq!(
        instance.state(),
        &reference[..],
        "bit-identical to galerkin's run"
    );
}
