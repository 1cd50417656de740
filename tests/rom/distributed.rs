//! The POD and the reduced operators built by P thread ranks equal one process's: TSQR by
//! rows to round-off, the operator columns (quadratic tensor split by cost, affine terms,
//! DEIM flux snapshots) exactly on the same basis.

use galerkin::basis::Truncation;
use galerkin::rom::{
    build_model, build_model_on, Nonlinear, Pod, PodMethod, PodOptions, PointSelection, Reduction,
};
use galerkin_solvers::FullOrderModel;

use crate::fixtures::Case;
use crate::ranks::on_ranks;

fn options(method: PodMethod) -> PodOptions {
    PodOptions {
        truncation: Truncation::Rank(8),
        method,
        ..PodOptions::default()
    }
}

/// The basis, mean and singular values of TSQR over 1–4 thread ranks equal the serial
/// thin SVD's to 1e-12 (modes carry one sign convention on every route).
#[test]
fn pod_by_rows_over_ranks_equals_the_serial_pod() {
    let case = Case::burgers(0.02);
    let serial = Pod::compute(&mut case.snapshots(), &options(PodMethod::Thin)).unwrap();
    for size in 1..=4 {
        let snapshots = case.snapshots();
        let pods = on_ranks(size, |comm| {
            Pod::compute_on(&mut snapshots.clone(), &options(PodMethod::Thin), comm).unwrap()
        });
        for pod in &pods {
            let diff = (pod.basis.vectors() - serial.basis.vectors()).norm_max();
            // Separated modes (r = 8 of a smooth Burgers run): round-off, observed ~1e-14.
            assert!(diff <= 1e-12, "{size} ranks: basis differs by {diff:e}");
            assert_eq!(
                pod.mean, serial.mean,
                "{size} ranks: the mean is per row, exact"
            );
            let s0 = serial.singular_values[0];
            for (a, b) in pod.singular_values.iter().zip(&serial.singular_values) {
                assert!((a - b).abs() <= 1e-12 * s0);
            }
        }
    }
}

/// On one basis, the operators assembled over 1–4 thread ranks are the serial ones to
/// round-off (each column is computed alike; only the projection's blocking may differ):
/// Galerkin on Navier–Stokes (quadratic tensor columns split by cost), DEIM on Burgers
/// (flux snapshots split by block).
#[test]
fn operators_assembled_over_ranks_equal_the_serial_ones() {
    for (case, kind) in [
        (Case::navier_stokes(), Reduction::Galerkin),
        (
            Case::burgers(0.02),
            Reduction::Hyper {
                points: 12,
                selection: PointSelection::Deim,
            },
        ),
    ] {
        let pod = case.pod(8, true);
        let serial = build_model(&mut case.fom(), &mut case.snapshots(), &pod, 8, kind).unwrap();
        for size in 1..=4 {
            // Full models are `Send`, not `Sync`: each rank clones its own.
            let prototype = std::sync::Mutex::new(case.fom());
            let snapshots = case.snapshots();
            let models = on_ranks(size, |comm| {
                let mut fom = prototype.lock().unwrap().boxed_clone();
                build_model_on(fom.as_mut(), &mut snapshots.clone(), &pod, 8, kind, comm).unwrap()
            });
            for model in &models {
                let scale = serial.linear.terms[0].matrix.norm_max();
                for (a, b) in model.linear.terms.iter().zip(&serial.linear.terms) {
                    assert!((&a.matrix - &b.matrix).norm_max() <= 1e-13 * scale);
                }
                match (&model.nonlinear, &serial.nonlinear) {
                    (Nonlinear::Quadratic { h: a }, Nonlinear::Quadratic { h: b }) => {
                        let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                        let diff = a
                            .iter()
                            .zip(b)
                            .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
                        assert!(
                            diff <= 1e-13 * scale,
                            "{size} ranks: tensor differs by {diff:e}"
                        );
                    }
                    (Nonlinear::Hyper(a), Nonlinear::Hyper(b)) => {
                        assert_eq!(a.points, b.points, "{size} ranks");
                        assert!((&a.flux_basis - &b.flux_basis).norm_max() <= 1e-12);
                    }
                    _ => panic!("different kinds"),
                }
            }
        }
    }
}
