//! The one ROM interface and the reductors: every kind runs through `ReducedOrderModel`,
//! and extending a basis gives the ROM that reducing on the larger basis gives.

use std::collections::BTreeMap;

use faer::Mat;
use galerkin::rom::lifting::{block_pod, LiftedRom};
use galerkin::rom::wave_run::simulate_wave;
use galerkin::rom::{
    GalerkinReductor, HyperReductor, LiftedReductor, PointSelection, ReducedModel,
    ReducedOrderModel, Reduction, Reductor, RomIntegrator, RomKind, RunOptions,
};
use galerkin_solvers::{ConservativeWave, FullOrderModel, Grid, LiftedWave, WaveNonlinearity};

use super::fixtures::Case;

fn flat(m: &Mat<f64>) -> Vec<f64> {
    (0..m.nrows() * m.ncols())
        .map(|k| m[(k / m.ncols(), k % m.ncols())])
        .collect()
}

fn max_difference(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// The reduced right-hand side of `model` at `x` (default parameters).
fn rhs(model: &dyn ReducedOrderModel, x: &[f64]) -> Vec<f64> {
    let mut dynamics = model.dynamics(&BTreeMap::new()).unwrap();
    let mut out = vec![0.0; x.len()];
    dynamics.rhs(x, &mut out);
    out
}

#[test]
fn trait_runs_match_the_concrete_models() {
    // The trait's solve is the same integration run_against does: same coefficients.
    let case = Case::burgers(0.02);
    let pod = case.pod(12, true);
    for kind in [
        Reduction::Galerkin,
        Reduction::Hyper {
            points: 24,
            selection: PointSelection::Qdeim,
        },
    ] {
        let model = case.model(&pod, 12, kind);
        let opts = RunOptions {
            dt: case.dt,
            integrator: RomIntegrator::Rk4,
            parameters: BTreeMap::new(),
        };
        let direct =
            galerkin::rom::run_against(&model, &case.traj.data, &case.traj.times, &opts).unwrap();
        let rom: &dyn ReducedOrderModel = &model;
        let a0 = rom.project(&case.traj.data[..case.n()]).unwrap();
        let steps = direct.steps;
        let path = rom
            .solve(
                &a0,
                &BTreeMap::new(),
                RomIntegrator::Rk4,
                case.dt,
                steps,
                10,
            )
            .unwrap();
        assert_eq!(path, direct.coefficients, "{kind:?}");
        assert_eq!(rom.full_dim(), case.n());
        assert_eq!(rom.parameter_names(), vec!["viscosity".to_string()]);
    }
}

#[test]
fn kinds_are_typed_and_named() {
    let case = Case::burgers(0.02);
    let pod = case.pod(6, true);
    let galerkin = case.model(&pod, 6, Reduction::Galerkin);
    assert_eq!(ReducedOrderModel::kind(&galerkin), RomKind::Galerkin);
    let eim = case.model(
        &pod,
        6,
        Reduction::Hyper {
            points: 12,
            selection: PointSelection::Eim,
        },
    );
    assert_eq!(eim.kind(), RomKind::Eim);
    for kind in [
        RomKind::Galerkin,
        RomKind::Deim,
        RomKind::Qdeim,
        RomKind::Eim,
        RomKind::LiftedQuadratic,
        RomKind::WaveDeim,
    ] {
        assert_eq!(RomKind::from_name(kind.name()), Some(kind));
    }
    assert_eq!(RomKind::LiftedQuadratic.name(), "lifted-quadratic");
    assert_eq!(RomKind::from_name("pod"), None);
    let err = galerkin::names::parse::<PointSelection>("selection", "pod").unwrap_err();
    assert!(err.to_string().contains("`deim`, `qdeim`, `eim`"), "{err}");
}

#[test]
fn unknown_or_non_finite_parameters_are_refused_through_the_trait() {
    let case = Case::burgers(0.02);
    let pod = case.pod(6, true);
    let model = case.model(&pod, 6, Reduction::Galerkin);
    let rom: &dyn ReducedOrderModel = &model;
    let bad = BTreeMap::from([("drag".to_string(), 0.1)]);
    assert!(rom
        .dynamics(&bad)
        .err()
        .unwrap()
        .to_string()
        .contains("drag"));
    let nan = BTreeMap::from([("viscosity".to_string(), f64::NAN)]);
    assert!(rom.dynamics(&nan).is_err());
}

/// Galerkin and hyper-reduced: extend r = 6 by the next 4 POD modes, compare with the ROM
/// reduced directly on 10 modes (same span, same order: the operators agree to round-off).
#[test]
fn extending_the_basis_equals_reducing_on_the_larger_basis() {
    let case = Case::burgers(0.02);
    let pod = case.pod(10, true);
    let v = pod.basis.vectors();
    let next: Vec<Vec<f64>> = (6..10)
        .map(|j| v.col(j).iter().copied().collect())
        .collect();
    let x: Vec<f64> = (0..10).map(|i| 0.3 / (1.0 + i as f64)).collect();
    let mut fom = case.fom();
    let fom: &mut dyn FullOrderModel = &mut fom;

    let mut reductor = GalerkinReductor;
    let mut small = reductor.reduce(fom, &pod.trial_space(6).unwrap()).unwrap();
    // A direction already in the span adds nothing.
    assert_eq!(
        reductor.extend_basis(fom, &mut small, &next[..0]).unwrap(),
        0
    );
    let first: Vec<f64> = v.col(0).iter().map(|c| 2.0 * c).collect();
    assert_eq!(reductor.extend_basis(fom, &mut small, &[first]).unwrap(), 0);
    assert_eq!(reductor.extend_basis(fom, &mut small, &next).unwrap(), 4);
    let big = reductor.reduce(fom, &pod.trial_space(10).unwrap()).unwrap();
    // CGS2 keeps the new modes' signs: same basis to round-off, so same operators.
    assert!(
        max_difference(
            &flat(&small.basis.vectors().to_owned()),
            &flat(&big.basis.vectors().to_owned())
        ) < 1e-12
    );
    let (a, b) = (rhs(&small, &x), rhs(&big, &x));
    assert!(max_difference(&a, &b) < 1e-10 * b.iter().fold(1.0, |m, v| f64::max(m, v.abs())));

    let mut states = case.snapshots();
    let mut hyper = HyperReductor {
        states: &mut states,
        points: 20,
        selection: PointSelection::Qdeim,
    };
    let mut small = hyper.reduce(fom, &pod.trial_space(6).unwrap()).unwrap();
    assert_eq!(hyper.extend_basis(fom, &mut small, &next).unwrap(), 4);
    let big = hyper.reduce(fom, &pod.trial_space(10).unwrap()).unwrap();
    let (a, b) = (rhs(&small, &x), rhs(&big, &x));
    // Same flux basis and points (the same flux snapshots): equal to round-off.
    assert!(max_difference(&a, &b) < 1e-9 * b.iter().fold(1.0, |m, v| f64::max(m, v.abs())));
    // A Galerkin model is not the hyper reductor's to extend.
    let mut galerkin: ReducedModel = GalerkinReductor
        .reduce(fom, &pod.trial_space(6).unwrap())
        .unwrap();
    let err = hyper.extend_basis(fom, &mut galerkin, &next).unwrap_err();
    assert!(err.to_string().contains("hyper-reduced"), "{err}");
}

/// The lifted ROM through the trait: the invariant is the lifted energy, conserved by
/// implicit midpoint; extending each block by a new direction grows the rank by the blocks.
#[test]
fn lifted_rom_runs_and_extends_through_the_interfaces() {
    let grid = Grid::new_1d(64, 2.0 * std::f64::consts::PI).unwrap();
    let f = WaveNonlinearity::SineGordon;
    let mut wave = ConservativeWave::new(&grid, f, 0.5).unwrap();
    let q0: Vec<f64> = grid
        .x()
        .iter()
        .map(|x| 1.5 * (-(x - 3.0).powi(2)).exp())
        .collect();
    let traj = simulate_wave(&mut wave, &q0, &vec![0.0; 64], 0.02, 200, 5).unwrap();
    let mut model = LiftedWave::new(ConservativeWave::new(&grid, f, 0.5).unwrap());
    let blocks = traj.lifted(&model);
    let bases = block_pod(&blocks, &vec![8; blocks.len()]).unwrap();
    let mut reductor = LiftedReductor;
    let mut rom: LiftedRom = reductor.reduce(&mut model, &bases).unwrap();
    let y0: Vec<f64> = model.lift(&q0, &vec![0.0; 64]).concat();
    let a0 = ReducedOrderModel::project(&rom, &y0).unwrap();
    let none = BTreeMap::new();
    let path = rom
        .solve(&a0, &none, RomIntegrator::ImplicitMidpoint, 0.02, 200, 20)
        .unwrap();
    let e0 = rom.invariant(&path[0], &none).unwrap();
    for a in &path {
        let drift = (rom.invariant(a, &none).unwrap() - e0).abs() / e0.abs();
        assert!(drift < 1e-12, "lifted energy drift {drift:e}");
    }
    let mut y = vec![0.0f64; rom.full_dim()];
    ReducedOrderModel::reconstruct(&rom, path.last().unwrap(), &mut y);
    assert!(y.iter().all(|v| v.is_finite()));
    // Another mass through the parameter; an unknown parameter is refused.
    assert!(rom
        .dynamics(&BTreeMap::from([("mass".to_string(), 1.0)]))
        .is_ok());
    assert!(rom
        .dynamics(&BTreeMap::from([("viscosity".to_string(), 1.0)]))
        .is_err());
    // The last lifted snapshot as a new direction: every block grows by at most one mode.
    let last: Vec<f64> = blocks
        .iter()
        .flat_map(|b| b.col(b.ncols() - 1).iter().copied().collect::<Vec<_>>())
        .collect();
    let before = rom.rank();
    let added = reductor
        .extend_basis(&mut model, &mut rom, &[last])
        .unwrap();
    assert!(added <= blocks.len());
    assert_eq!(rom.rank(), before + added);
    let bad = reductor.extend_basis(&mut model, &mut rom, &[vec![0.0; 3]]);
    assert!(bad.is_err());
}
