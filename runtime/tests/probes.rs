//! Probes at physical points and the energy: on grid points a probe is the grid value bit
//! for bit; off the grid it is the trigonometric interpolant, checked against fields known
//! analytically (a 2-D model whose modes and mean are Fourier modes) and against the
//! interpolant from the DFT of the reconstruction; the O(r) energy against the O(n) sum.

mod common;

use std::f64::consts::{PI, TAU};
use std::sync::Arc;

use faer::Mat;
use galerkin::basis::{Basis, InnerProduct};
use galerkin::rom::{LinearPart, Nonlinear, ReducedModel};
use galerkin_runtime::{Instance, RomModel, RuntimeError};

use common::{runtime_model, Case};

/// Grid of the analytic model: ny = 15 (odd), nx = 24 (even, so a Nyquist mode), on
/// [0, 9) × [0, 12).
const NY: usize = 15;
const NX: usize = 24;
const LY: f64 = 9.0;
const LX: f64 = 12.0;

/// The analytic fields at (y, x): the mean, then the modes (before normalization).
fn mean_at(y: f64, x: f64) -> f64 {
    0.3 + 0.2 * (TAU * x / LX).sin() * (TAU * y / LY).cos()
}

fn modes_at(y: f64, x: f64) -> [f64; 5] {
    let (kx, ky) = (TAU * x / LX, TAU * y / LY);
    [
        kx.cos(),
        (2.0 * ky).sin(),
        (3.0 * kx + ky).cos(),
        (2.0 * kx - 3.0 * ky).sin(),
        // The Nyquist mode of x, which the even-N interpolant keeps as a cosine.
        (NX as f64 / 2.0 * kx).cos(),
    ]
}

/// A Galerkin model (zero operators) whose modes and mean are the fields above on the
/// grid, with a recipe whose grid is that grid, so the file's `domain` is [9, 12].
fn analytic_model() -> Arc<RomModel> {
    let point = |i: usize| {
        let (j, k) = (i / NX, i % NX);
        (j as f64 * LY / NY as f64, k as f64 * LX / NX as f64)
    };
    let n = NY * NX;
    let raw = Mat::from_fn(n, 5, |i, c| {
        let (y, x) = point(i);
        modes_at(y, x)[c]
    });
    let norms: Vec<f64> = (0..5).map(|c| raw.col(c).norm_l2()).collect();
    let v = Mat::from_fn(n, 5, |i, c| raw[(i, c)] / norms[c]);
    let recipe = std::fs::read_to_string("../datasets/wave-tiny.toml")
        .unwrap()
        .replace("nx = 24", &format!("nx = {NX}"))
        .replace("ny = 24", &format!("ny = {NY}"))
        .replace("ly = 12.0", &format!("ly = {LY:?}"))
        .replace("lx = 12.0", &format!("lx = {LX:?}"));
    let model = ReducedModel {
        pde: "navier-stokes".into(),
        grid_shape: vec![NY, NX],
        basis: Basis::from_orthonormal(v, InnerProduct::Euclidean, 1e-12).unwrap(),
        mean: Some((0..n).map(|i| mean_at(point(i).0, point(i).1)).collect()),
        linear: LinearPart {
            terms: Vec::new(),
            fixed: Mat::zeros(5, 5),
            constant: vec![0.0; 5],
        },
        nonlinear: Nonlinear::Quadratic { h: vec![0.0; 75] },
        singular_values: Vec::new(),
        recipe,
        training_parameters: Default::default(),
        learned: None,
    };
    let bytes = common::portable_bytes(&model, "analytic");
    let rt = RomModel::from_bytes(&bytes).unwrap();
    // The reduced state that makes u = ū + Σ c_j φ_j with φ_j the raw fields.
    assert_eq!(rt.domain(), &[LY, LX]);
    assert_eq!(rt.field_names(), &["vorticity".to_string()]);
    Arc::new(rt)
}

#[test]
fn probes_at_points_interpolate_band_limited_fields_exactly() {
    let rt = analytic_model();
    let n = NY * NX;
    let coefficients = [0.7, -1.1, 0.4, 0.25, -0.6];
    // a_j = c_j ‖φ_j‖ on the grid makes the reconstruction Σ c_j φ_j.
    let raw_norm = |c: usize| {
        (0..n)
            .map(|i| {
                let (y, x) = (
                    (i / NX) as f64 * LY / NY as f64,
                    (i % NX) as f64 * LX / NX as f64,
                );
                modes_at(y, x)[c].powi(2)
            })
            .sum::<f64>()
            .sqrt()
    };
    let a: Vec<f64> = (0..5).map(|c| coefficients[c] * raw_norm(c)).collect();
    let mut run = Instance::new(rt.clone(), 0.1).unwrap();
    run.set_state_reduced(&a).unwrap();
    let exact = |y: f64, x: f64| {
        let m = modes_at(y, x);
        mean_at(y, x) + (0..5).map(|c| coefficients[c] * m[c]).sum::<f64>()
    };
    let mut worst = 0f64;
    for (y, x) in [
        (0.1, 0.2),
        (4.37, 11.9),
        (8.99, 5.5),
        (2.0, 7.123456),
        (0.0, 0.3),
    ] {
        let probe = rt.probe_at(0, &[y, x]).unwrap();
        let e = (run.value_at(&probe) - exact(y, x)).abs();
        worst = worst.max(e);
    }
    eprintln!("off-grid probes vs the analytic field: max error {worst:e}");
    // The field is of order 1; the kernel sums n = 360 terms of order 1: round-off.
    assert!(worst <= 1e-12, "{worst:e}");
    // On grid points the probe is the grid value, bit for bit.
    for index in [0, 17, NX, n - 1, 5 * NX + 7] {
        let (j, k) = (index / NX, index % NX);
        let point = [j as f64 * LY / NY as f64, k as f64 * LX / NX as f64];
        let probe = rt.probe_at(0, &point).unwrap();
        assert_eq!(run.value_at(&probe), run.probe(index).unwrap());
    }
}

/// The trigonometric interpolant of `values` (N even, period `length`) at `x`, from its
/// DFT (O(N²), no FFT): the modes |k| < N/2 and the Nyquist mode as a cosine.
fn dft_interpolant(values: &[f64], length: f64, x: f64) -> f64 {
    let n = values.len();
    let mut total = 0.0;
    for k in 0..=n / 2 {
        let (mut re, mut im) = (0.0, 0.0);
        for (j, v) in values.iter().enumerate() {
            let phase = TAU * (k * j) as f64 / n as f64;
            re += v * phase.cos();
            im -= v * phase.sin();
        }
        let theta = TAU * k as f64 * x / length;
        let term = re * theta.cos() - im * theta.sin();
        let weight = if k == 0 || 2 * k == n { 1.0 } else { 2.0 };
        total += weight * term;
    }
    total / n as f64
}

#[test]
fn probes_match_the_dft_interpolant_and_grid_values() {
    let case = Case::burgers();
    let model = case.models().remove(0);
    let rt = runtime_model(&model, "probe-dft");
    // Built in memory without a recipe: the documented default domain.
    assert_eq!(rt.domain(), &[TAU]);
    assert_eq!(rt.field_names(), &["u".to_string()]);
    let mut run = Instance::new(rt.clone(), 1e-3).unwrap();
    run.set_state_full(case.u0()).unwrap();
    run.advance_to(0.05).unwrap();
    let mut full = vec![0.0; rt.full_dim()];
    run.reconstruct(&mut full).unwrap();
    let scale = full.iter().fold(0f64, |m, v| m.max(v.abs()));
    let mut worst = 0f64;
    for x in [0.01, 1.0, PI, 5.123, TAU - 1e-3] {
        let probe = rt.probe_at(0, &[x]).unwrap();
        worst = worst.max((run.value_at(&probe) - dft_interpolant(&full, TAU, x)).abs());
    }
    eprintln!(
        "off-grid probes vs the DFT interpolant: max error / max |u| {:e}",
        worst / scale
    );
    // Two O(n)-term sums of the same interpolant: round-off.
    assert!(worst <= 1e-12 * scale, "{worst:e}");
    let h = TAU / 128.0;
    for index in [0, 1, 64, 127] {
        let probe = rt.probe_at(0, &[index as f64 * h]).unwrap();
        assert_eq!(run.value_at(&probe), run.probe(index).unwrap());
        assert_eq!(probe.row().len(), rt.rank());
    }
}

#[test]
fn bad_probe_points_are_refused() {
    let case = Case::burgers();
    let rt = runtime_model(&case.models().remove(0), "probe-bad");
    let invalid = |field: usize, point: &[f64]| match rt.probe_at(field, point) {
        Err(RuntimeError::Invalid { field, allowed, .. }) => format!("{field}: {allowed}"),
        other => panic!("not refused: {other:?}"),
    };
    assert!(invalid(1, &[0.5]).contains("0..1"));
    assert!(invalid(0, &[0.5, 0.5]).contains("1 coordinates"));
    assert!(invalid(0, &[]).contains("1 coordinates"));
    for x in [f64::NAN, f64::INFINITY, -0.1, TAU] {
        assert!(invalid(0, &[x]).starts_with("point[0]"), "{x}");
    }
}

#[test]
fn energy_is_half_the_weighted_norm_of_the_reconstruction() {
    let case = Case::burgers();
    for model in case.models() {
        let rt = runtime_model(&model, "energy");
        let weights: Vec<f64> = match model.basis.inner_product() {
            InnerProduct::Diagonal(w) => w.to_vec(),
            InnerProduct::Euclidean => vec![1.0; rt.full_dim()],
        };
        let mut run = Instance::new(rt.clone(), 1e-3).unwrap();
        run.set_state_full(case.u0()).unwrap();
        for t in [0.0, 0.1, 0.3] {
            run.advance_to(t).unwrap();
            let mut u = vec![0.0; rt.full_dim()];
            run.reconstruct(&mut u).unwrap();
            let direct: f64 = 0.5 * u.iter().zip(&weights).map(|(u, w)| w * u * u).sum::<f64>();
            let diff = (run.energy() - direct).abs() / direct;
            eprintln!(
                "{:?} t = {t}: energy relative difference {diff:e}",
                rt.kind()
            );
            // VᵀWV = I to round-off and sums of n terms in another order.
            assert!(diff <= 1e-12, "{diff:e}");
        }
    }
}
