//! The adaptive ROM: indicator behaviour, incremental updates equal to a rebuild, the
//! accuracy / cost trade-off out of the training regime, and refusals.

use std::collections::BTreeMap;

use faer::Mat;
use galerkin::rom::adaptive::{AdaptiveOptions, AdaptiveRom};
use galerkin::rom::galerkin::project_linear;
use galerkin::rom::hyper::hyper_from;
use galerkin::rom::model::Nonlinear;
use galerkin::rom::{MatrixSource, PointSelection, Reduction};
use galerkin_solvers::{Burgers, Dealias, Grid, Scheme, SpectralModel};

use super::fixtures::Case;

fn training() -> (Case, Mat<f64>) {
    // Three viscosities, one initial condition.
    let cases: Vec<Case> = [0.05, 0.075, 0.1]
        .iter()
        .map(|&nu| Case::burgers(nu))
        .collect();
    let n = cases[0].n();
    let columns: Vec<&[f64]> = cases
        .iter()
        .flat_map(|c| (0..c.traj.times.len()).map(move |i| c.traj.snapshot(i)))
        .collect();
    let s = Mat::from_fn(n, columns.len(), |i, j| columns[j][i]);
    (cases.into_iter().next().unwrap(), s)
}

fn target_model(nu: f64) -> SpectralModel {
    let grid = Grid::new_1d(128, 1.0).unwrap();
    SpectralModel::new(
        Box::new(Burgers::new(&grid, nu, Dealias::TwoThirds).unwrap()),
        Scheme::Etdrk4,
    )
    .unwrap()
}

fn training_pod(s: &Mat<f64>, r: usize) -> galerkin::rom::Pod {
    galerkin::rom::Pod::compute(
        &mut MatrixSource(s.clone()),
        &galerkin::rom::PodOptions {
            truncation: galerkin::basis::Truncation::Rank(r),
            ..Default::default()
        },
    )
    .unwrap()
}

fn options(tol: f64) -> AdaptiveOptions {
    AdaptiveOptions {
        tol,
        dt: 1e-3,
        parameters: BTreeMap::new(),
        max_rank: 60,
    }
}

fn error(run: &galerkin::rom::adaptive::AdaptiveRun, truth: &Case) -> f64 {
    let n = truth.n();
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..run.times.len() {
        let (a, b) = (&run.fields[i * n..(i + 1) * n], truth.traj.snapshot(i));
        num += a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>();
        den += b.iter().map(|v| v * v).sum::<f64>();
    }
    (num / den).sqrt()
}

/// Asserts max|a − b| ≤ 1e-10 max|b|.
fn close(a: &[f64], b: &[f64], what: &str) {
    let scale = b.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
    let diff = a.iter().zip(b).fold(0f64, |m, (x, y)| m.max((x - y).abs()));
    assert!(
        a.len() == b.len() && diff <= 1e-10 * scale,
        "{what}: {diff:e} of {scale:e}"
    );
}

/// The entries of `m`, row-major.
fn flat(m: &Mat<f64>) -> Vec<f64> {
    (0..m.nrows() * m.ncols())
        .map(|k| m[(k / m.ncols(), k % m.ncols())])
        .collect()
}

#[test]
fn adaptive_rom_keeps_the_error_near_tol_where_the_static_one_fails() {
    let (_, s) = training();
    let truth = Case::burgers(0.01);
    let pod = training_pod(&s, 8);
    let run = |tol: f64| {
        let mut fom = target_model(0.01);
        let mut rom =
            AdaptiveRom::build(&mut fom, &mut MatrixSource(s.clone()), &pod, 8, 12).unwrap();
        rom.run(truth.traj.snapshot(0), 500, 10, &options(tol))
            .unwrap()
    };
    let static_run = run(f64::INFINITY);
    assert!(static_run.full_steps.is_empty());
    let tol = 1e-3;
    let adaptive = run(tol);
    let (e_static, e_adaptive) = (error(&static_run, &truth), error(&adaptive, &truth));
    // The measured pair: static ≫ 10·tol, adaptive a few tol, with few full steps.
    assert!(e_static > 10.0 * tol, "static {e_static:e}");
    assert!(e_adaptive < 5.0 * tol, "adaptive {e_adaptive:e}");
    assert!(
        adaptive.full_steps.len() * 10 <= 500,
        "{} full steps",
        adaptive.full_steps.len()
    );
    assert!(adaptive.final_rank > 8 && adaptive.final_points > 12);
    // The indicator follows the error: small at the start, large where the static ROM fails.
    let (first, last) = (
        static_run.indicator[1],
        *static_run.indicator.last().unwrap(),
    );
    assert!(last > 10.0 * first, "{first:e} → {last:e}");
}

#[test]
fn incremental_updates_equal_a_rebuild() {
    let (_, s) = training();
    let truth = Case::burgers(0.01);
    let pod = training_pod(&s, 6);
    let mut fom = target_model(0.01);
    let mut rom = AdaptiveRom::build(&mut fom, &mut MatrixSource(s.clone()), &pod, 6, 10).unwrap();
    let run = rom
        .run(truth.traj.snapshot(0), 60, 10, &options(1e-4))
        .unwrap();
    assert!(
        !run.full_steps.is_empty(),
        "the tolerance must trigger enrichments"
    );
    let model = rom.model().clone();
    let Nonlinear::Hyper(h) = &model.nonlinear else {
        panic!("hyper-reduced")
    };
    let mut fom = target_model(0.01);
    let linear = project_linear(&mut fom, &model.basis, model.mean.as_deref(), false).unwrap();
    let rebuilt = hyper_from(
        &mut fom,
        &model.basis,
        model.mean.as_deref(),
        &h.flux_basis,
        (h.points.clone(), h.sample.clone()),
        PointSelection::Qdeim,
    )
    .unwrap();
    for (a, b) in model.linear.terms.iter().zip(&linear.terms) {
        close(&flat(&a.matrix), &flat(&b.matrix), "linear term");
        close(&a.offset, &b.offset, "offset");
    }
    close(&model.linear.constant, &linear.constant, "constant");
    close(&h.map, &rebuilt.map, "DEIM map");
    for (a, b) in h.factor_rows.iter().zip(&rebuilt.factor_rows) {
        close(a, b, "factor rows");
    }
    for (a, b) in h.factor_offsets.iter().zip(&rebuilt.factor_offsets) {
        close(a, b, "factor offsets");
    }
    // Both bases stay orthonormal through the enrichments.
    assert!(model.basis.orthogonality_error() < 1e-12);
    let u = &h.flux_basis;
    let gram = u.transpose() * u;
    let identity = Mat::<f64>::identity(u.ncols(), u.ncols());
    assert!((&gram - &identity).norm_max() < 1e-12);
}

#[test]
fn only_oversampled_hyper_reduced_models_adapt() {
    let case = Case::burgers(0.05);
    let pod = case.pod(6, true);
    let galerkin = case.model(&pod, 6, Reduction::Galerkin);
    let mut fom = case.fom();
    let err = AdaptiveRom::from_model(galerkin, &mut fom).err().unwrap();
    assert!(err.to_string().contains("`deim` or `qdeim`"), "{err}");
    let eim = case.model(
        &pod,
        6,
        Reduction::Hyper {
            points: 8,
            selection: PointSelection::Eim,
        },
    );
    let err = AdaptiveRom::from_model(eim, &mut fom).err().unwrap();
    assert!(err.to_string().contains("over-sampled"), "{err}");
    let (_, s) = training();
    let pod = training_pod(&s, 6);
    let mut fom = target_model(0.01);
    let mut rom = AdaptiveRom::build(&mut fom, &mut MatrixSource(s.clone()), &pod, 6, 10).unwrap();
    let err = rom
        .run(case.traj.snapshot(0), 10, 5, &options(f64::NAN))
        .unwrap_err();
    assert!(err.to_string().contains("tol"), "{err}");
}

#[test]
fn galerkin_models_adapt_with_incremental_tensor_slices() {
    use galerkin::rom::galerkin::project_quadratic;
    let (_, s) = training();
    let truth = Case::burgers(0.01);
    let pod = training_pod(&s, 6);
    let mut fom = target_model(0.01);
    let mut rom = AdaptiveRom::build_kind(
        &mut fom,
        &mut MatrixSource(s.clone()),
        &pod,
        (6, 10),
        Reduction::Galerkin,
    )
    .unwrap();
    let run = rom
        .run(truth.traj.snapshot(0), 60, 10, &options(1e-4))
        .unwrap();
    assert!(run.final_rank > 6, "the tolerance must trigger enrichments");
    let model = rom.model().clone();
    let Nonlinear::Quadratic { h } = &model.nonlinear else {
        panic!("a Galerkin model stays one")
    };
    let mut fom = target_model(0.01);
    let linear = project_linear(&mut fom, &model.basis, model.mean.as_deref(), true).unwrap();
    let Nonlinear::Quadratic { h: rebuilt } = project_quadratic(&fom, &model.basis).unwrap() else {
        panic!("quadratic")
    };
    close(h, &rebuilt, "quadratic tensor");
    close(
        &flat(&model.linear.fixed),
        &flat(&linear.fixed),
        "2VᵀB(ū, V)",
    );
    close(&model.linear.constant, &linear.constant, "constant");
    // And it helps: the adaptive Galerkin ROM beats the static one by far.
    let galerkin_run = |tol: f64| {
        let mut fom = target_model(0.01);
        let mut rom = AdaptiveRom::build_kind(
            &mut fom,
            &mut MatrixSource(s.clone()),
            &pod,
            (6, 10),
            Reduction::Galerkin,
        )
        .unwrap();
        rom.run(truth.traj.snapshot(0), 500, 10, &options(tol))
            .unwrap()
    };
    let (static_run, adaptive) = (galerkin_run(f64::INFINITY), galerkin_run(1e-3));
    assert!(error(&adaptive, &truth) < 0.1 * error(&static_run, &truth));
}
