//! Accuracy and exactness of Galerkin and hyper-reduced models.

use std::collections::BTreeMap;

use galerkin::rom::{run_against, PointSelection, Reduction, RomIntegrator, RunOptions, Stepper};
use galerkin_solvers::FullOrderModel;

use super::fixtures::Case;

/// The Euclidean distance |a − b|.
fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

fn rk4(dt: f64) -> RunOptions {
    RunOptions {
        dt,
        integrator: RomIntegrator::Rk4,
        parameters: BTreeMap::new(),
    }
}

#[test]
fn galerkin_rom_converges_to_the_projection_error() {
    let case = Case::burgers(0.02);
    let pod = case.pod(20, true);
    let mut previous = f64::INFINITY;
    for r in [4, 8, 12, 16] {
        let model = case.model(&pod, r, Reduction::Galerkin);
        let c = run_against(&model, &case.traj.data, &case.traj.times, &rk4(case.dt)).unwrap();
        // Galerkin is quasi-optimal here: within 2× of the best approximation in the span,
        // and each 4 modes gain at least a factor 3 on this smooth problem.
        assert!(
            c.relative_error < 2.0 * c.projection_relative_error,
            "r = {r}: {c:?}"
        );
        assert!(
            c.relative_error < previous / 3.0,
            "r = {r}: {} vs {previous}",
            c.relative_error
        );
        previous = c.relative_error;
    }
    assert!(previous < 1e-3, "r = 16 error {previous}");
}

#[test]
fn reduced_rhs_is_the_projected_full_rhs() {
    // Without a mean, c + A a + H(a, a) must equal VᵀW f(V a) exactly (up to round-off):
    // the quadratic tensor is the projection, not an approximation.
    for (case, center) in [
        (Case::burgers(0.02), false),
        (Case::burgers(0.02), true),
        (Case::navier_stokes(), true),
    ] {
        let pod = case.pod(10, center);
        let model = case.model(&pod, 10, Reduction::Galerkin);
        let mut online = model.online(&BTreeMap::new()).unwrap();
        let a: Vec<f64> = (0..10).map(|i| ((i * 7 + 3) % 5) as f64 - 2.0).collect();
        let mut reduced = vec![0.0; 10];
        online.rhs(&a, &mut reduced);
        let n = case.n();
        let mut u = vec![0.0; n];
        model.reconstruct(&a, &mut u);
        let mut f = vec![0.0; n];
        case.fom().rhs(&u, 0.0, &mut f);
        // Project f without the mean shift: VᵀW f.
        let v = model.basis.vectors();
        let scale = reduced.iter().fold(0f64, |m, x| m.max(x.abs()));
        for k in 0..10 {
            let pk: f64 = (0..n).map(|i| v[(i, k)] * f[i]).sum();
            assert!(
                (pk - reduced[k]).abs() < 1e-10 * scale,
                "mode {k}: {pk} vs {}",
                reduced[k]
            );
        }
    }
}

#[test]
fn deim_rom_matches_the_galerkin_rom() {
    let case = Case::burgers(0.02);
    let pod = case.pod(12, true);
    let galerkin = case.model(&pod, 12, Reduction::Galerkin);
    let g = run_against(&galerkin, &case.traj.data, &case.traj.times, &rk4(case.dt)).unwrap();
    for selection in [
        PointSelection::Deim,
        PointSelection::Qdeim,
        PointSelection::Eim,
    ] {
        let hyper = case.model(
            &pod,
            12,
            Reduction::Hyper {
                points: 24,
                selection,
            },
        );
        let d = run_against(&hyper, &case.traj.data, &case.traj.times, &rk4(case.dt)).unwrap();
        // 24 points for 12 modes: the interpolation error stays below the truncation error.
        assert!(
            d.relative_error < 1.5 * g.relative_error,
            "{selection:?}: {} vs {}",
            d.relative_error,
            g.relative_error
        );
    }
    // Too few points to interpolate the flux: visibly worse, still finite.
    let poor = case.model(
        &pod,
        12,
        Reduction::Hyper {
            points: 4,
            selection: PointSelection::Qdeim,
        },
    );
    if let Ok(p) = run_against(&poor, &case.traj.data, &case.traj.times, &rk4(case.dt)) {
        assert!(
            p.relative_error > 2.0 * g.relative_error,
            "{} vs {}",
            p.relative_error,
            g.relative_error
        );
    }
}

#[test]
fn navier_stokes_rom_is_accurate_with_few_modes() {
    let case = Case::navier_stokes();
    let pod = case.pod(12, true);
    for kind in [
        Reduction::Galerkin,
        Reduction::Hyper {
            points: 24,
            selection: PointSelection::Qdeim,
        },
    ] {
        let model = case.model(&pod, 12, kind);
        let c = run_against(&model, &case.traj.data, &case.traj.times, &rk4(case.dt)).unwrap();
        assert!(c.relative_error < 1e-2, "{kind:?}: {}", c.relative_error);
    }
}

#[test]
fn jacobians_match_finite_differences() {
    for case in [Case::navier_stokes(), Case::burgers(0.02)] {
        let pod = case.pod(6, true);
        for kind in [
            Reduction::Galerkin,
            Reduction::Hyper {
                points: 12,
                selection: PointSelection::Deim,
            },
        ] {
            let model = case.model(&pod, 6, kind);
            let mut online = model.online(&BTreeMap::new()).unwrap();
            let x: Vec<f64> = (0..6).map(|i| 0.3 * i as f64 - 0.7).collect();
            let mut jac = vec![0.0; 36];
            online.jacobian(&x, &mut jac);
            let (mut fp, mut fm) = (vec![0.0; 6], vec![0.0; 6]);
            let h = 1e-6;
            for l in 0..6 {
                let mut xp = x.clone();
                let mut xm = x.clone();
                xp[l] += h;
                xm[l] -= h;
                online.rhs(&xp, &mut fp);
                online.rhs(&xm, &mut fm);
                for k in 0..6 {
                    let fd = (fp[k] - fm[k]) / (2.0 * h);
                    // Central differences of a quadratic are exact up to round-off ~ ε|f|/h.
                    assert!(
                        (fd - jac[k * 6 + l]).abs() < 1e-6 * (1.0 + fd.abs()),
                        "{kind:?} ({k},{l}): {fd} vs {}",
                        jac[k * 6 + l]
                    );
                }
            }
        }
    }
}

#[test]
fn implicit_midpoint_is_second_order() {
    let case = Case::burgers(0.05);
    let pod = case.pod(8, true);
    let model = case.model(&pod, 8, Reduction::Galerkin);
    let a0 = model.project(case.traj.snapshot(0)).unwrap();
    let run = |scheme, dt: f64, steps: usize| {
        let mut online = model.online(&BTreeMap::new()).unwrap();
        let mut stepper = Stepper::new(scheme, &online, dt).unwrap();
        let mut x = a0.clone();
        for _ in 0..steps {
            stepper.step(&mut online, &mut x);
        }
        x
    };
    let reference = run(RomIntegrator::Rk4, 1e-4, 2000);
    let err = |x: Vec<f64>| distance(&x, &reference);
    let e1 = err(run(RomIntegrator::ImplicitMidpoint, 0.01, 20));
    let e2 = err(run(RomIntegrator::ImplicitMidpoint, 0.005, 40));
    // 2nd order: ratio 4 on halving dt, ± 15 %.
    assert!((e1 / e2 - 4.0).abs() < 0.6, "ratio {}", e1 / e2);
}

#[test]
fn etdrk4_takes_the_full_models_step_on_a_stiff_rom() {
    let case = Case::kuramoto_sivashinsky();
    let pod = case.pod(16, true);
    let model = case.model(&pod, 16, Reduction::Galerkin);
    let online = model.online(&BTreeMap::new()).unwrap();
    let rk4_stepper = Stepper::new(RomIntegrator::Rk4, &online, case.dt).unwrap();
    let auto = Stepper::new(RomIntegrator::Auto, &online, case.dt).unwrap();
    assert!(
        rk4_stepper.substeps() > 4,
        "the KS ROM is stiff at the full model's dt"
    );
    assert_eq!(
        auto.active_scheme(),
        RomIntegrator::Etdrk4,
        "auto takes ETDRK4"
    );

    // At the full model's dt, one ETDRK4 step is at least as accurate against the full
    // model as the RK4 substeps (measured 2.3e-7 vs 3.4e-7; 5% slack for round-off).
    let run = |integrator| {
        let opts = RunOptions {
            dt: case.dt,
            integrator,
            parameters: BTreeMap::new(),
        };
        run_against(&model, &case.traj.data, &case.traj.times, &opts).unwrap()
    };
    let (substepped, exponential) = (run(RomIntegrator::Rk4), run(RomIntegrator::Auto));
    eprintln!(
        "KS r = 16: RK4 ({} substeps) error {:.4e}, ETDRK4 {:.4e}",
        rk4_stepper.substeps(),
        substepped.relative_error,
        exponential.relative_error
    );
    assert!(
        exponential.relative_error <= 1.05 * substepped.relative_error,
        "ETDRK4 {:e} vs RK4 {:e}",
        exponential.relative_error,
        substepped.relative_error
    );

    // Order on the ROM itself over t ∈ [0, 2], dt = 0.1 … 0.0125 (dt·ρ(A) ≈ 55 … 7).
    let a0 = model.project(case.traj.snapshot(0)).unwrap();
    let solve = |scheme, dt: f64, steps: usize| {
        let mut online = model.online(&BTreeMap::new()).unwrap();
        galerkin::rom::solve(&mut online, scheme, &a0, dt, steps, steps)
            .unwrap()
            .pop()
            .unwrap()
    };
    let reference = solve(RomIntegrator::Etdrk4, 2.0 / 2560.0, 2560);
    let err = |x: Vec<f64>| distance(&x, &reference);
    let errors: Vec<f64> = [20, 40, 80, 160]
        .iter()
        .map(|&n| err(solve(RomIntegrator::Etdrk4, 2.0 / n as f64, n)))
        .collect();
    let ratios: Vec<f64> = errors.windows(2).map(|p| p[0] / p[1]).collect();
    // ETDRK4 shows stiff order reduction while dt·ρ ≫ 1 (Hochbruck & Ostermann, SIAM J.
    // Numer. Anal. 43, 2005): measured ratios 11.0, 12.6, 13.9 on halving dt, rising
    // toward the classical 16. Each in [10, 20], increasing, the last ≥ 13.
    assert!(
        ratios.iter().all(|r| (10.0..=20.0).contains(r))
            && ratios.windows(2).all(|p| p[1] > p[0])
            && ratios[ratios.len() - 1] >= 13.0,
        "ratios {ratios:?}, errors {errors:?}"
    );
}

#[test]
fn etdrk4_is_refused_for_a_model_without_a_linear_part() {
    // A Dynamics without the A x + g(x) split (the lifted wave ROM's kind).
    struct NoSplit;
    impl galerkin::rom::Dynamics for NoSplit {
        fn dim(&self) -> usize {
            2
        }
        fn rhs(&mut self, x: &[f64], out: &mut [f64]) {
            out.copy_from_slice(x);
        }
        fn jacobian(&mut self, _: &[f64], jac: &mut [f64]) {
            jac.copy_from_slice(&[1.0, 0.0, 0.0, 1.0]);
        }
        fn linear_spectral_radius(&self) -> f64 {
            1.0
        }
    }
    let e = Stepper::new(RomIntegrator::Etdrk4, &NoSplit, 0.1).unwrap_err();
    assert!(e.to_string().contains("etdrk4 needs a linear part"), "{e}");
    let auto = Stepper::new(RomIntegrator::Auto, &NoSplit, 10.0).unwrap();
    assert_eq!(
        auto.active_scheme(),
        RomIntegrator::Rk4,
        "auto falls back to RK4 substeps"
    );
    assert_eq!(auto.substeps(), 4);
}

#[test]
fn affine_parameters_reweight_exactly() {
    // A ROM built at ν = 0.02 and run at ν = 0.05 has the operators of one built at 0.05.
    let at_02 = Case::burgers(0.02);
    let at_05 = Case::burgers(0.05);
    let pod = at_02.pod(8, true);
    let m02 = at_02.model(&pod, 8, Reduction::Galerkin);
    let m05 = at_05.model(&pod, 8, Reduction::Galerkin);
    let params = BTreeMap::from([("viscosity".to_string(), 0.05)]);
    let mut re = m02.online(&params).unwrap();
    let mut direct = m05.online(&BTreeMap::new()).unwrap();
    let x: Vec<f64> = (0..8).map(|i| 0.1 * i as f64).collect();
    let (mut a, mut b) = (vec![0.0; 8], vec![0.0; 8]);
    re.rhs(&x, &mut a);
    direct.rhs(&x, &mut b);
    for k in 0..8 {
        assert!(
            (a[k] - b[k]).abs() < 1e-10 * (1.0 + b[k].abs()),
            "{k}: {} vs {}",
            a[k],
            b[k]
        );
    }
    let err = m02
        .online(&BTreeMap::from([("drag".to_string(), 1.0)]))
        .unwrap_err();
    assert!(err.to_string().contains("viscosity"), "{err}");
}
