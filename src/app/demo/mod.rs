//! `galerkin demo`: the end-to-end showcase, run by the README's first command, in four
//! stages:
//! 1. the basis core on a real snapshot matrix: the exact Cole–Hopf solution of periodic
//!    viscous Burgers, u(x, t) = 2νk·b·e^(−νk²t) sin(kx) / (a + b·e^(−νk²t) cos(kx)),
//!    sampled on a uniform grid (a steep front when a → b), POD by four SVD routes, and
//!    DEIM / Q-DEIM of its nonlinear flux u²/2 ([`run`]);
//! 2. a Burgers ensemble simulated into a trajectory file, its summary and space–time
//!    figure ([`run_pipeline`]);
//! 3. 2-D Navier–Stokes (a double shear layer on a 128² grid) simulated at five
//!    viscosities, a POD-Galerkin ROM trained on four and run on the held-out fifth, with
//!    its error and its speed-up per step over the full model ([`rom::run_reduction`]);
//! 4. an FNO-1D trained on Burgers pairs (`galerkin train training/smoke-burgers.toml`,
//!    with the `operators` feature).

pub mod rom;

use std::fmt;

use faer::Mat;

use crate::app::error::AppError;

use crate::basis::{
    deim, householder_qr, method_of_snapshots, orthogonality_error, qdeim, randomized_svd,
    thin_svd, tsqr, IncrementalSvd, IncrementalSvdOptions, InnerProduct, Interpolator,
    RandomizedSvdOptions, Result, Truncation,
};

/// Parameters of the demo snapshot set.
#[derive(Debug, Clone, Copy)]
pub struct DemoConfig {
    /// Grid points on [0, 2π).
    pub n: usize,
    /// Number of snapshots in t ∈ [0, t_end].
    pub snapshots: usize,
    /// Viscosity ν.
    pub viscosity: f64,
    /// Cole–Hopf constants a > |b| > 0 (b/a → 1 steepens the front).
    pub a: f64,
    /// See `a`.
    pub b: f64,
    /// Final time.
    pub t_end: f64,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            n: 2048,
            snapshots: 400,
            viscosity: 0.05,
            a: 1.0,
            b: 0.9,
            t_end: 4.0,
        }
    }
}

/// Everything the demo computed, printed by `galerkin demo`.
#[derive(Debug, Clone)]
pub struct DemoReport {
    /// The configuration used.
    pub config: DemoConfig,
    /// Leading singular values of the state snapshots (thin SVD, trapezoid weights).
    pub singular_values: Vec<f64>,
    /// POD ranks for relative discarded energies 1e-4, 1e-8, 1e-12.
    pub energy_ranks: [(f64, usize); 3],
    /// Max relative difference of σ₁…σ_r between method of snapshots and thin SVD.
    pub snapshots_vs_svd: f64,
    /// Max relative difference of σ₁…σ_r between randomized SVD and thin SVD.
    pub randomized_vs_svd: f64,
    /// Max relative difference of σ₁…σ_r between incremental SVD and thin SVD.
    pub incremental_vs_svd: f64,
    /// The rank r at which the three SVDs were compared.
    pub compared_rank: usize,
    /// Orthogonality loss max|QᵀWQ − I| of Householder QR and TSQR.
    pub qr_orthogonality: (f64, f64),
    /// Number of hyper-reduction points m.
    pub interpolation_points: usize,
    /// Relative interpolation error of the held-out flux, DEIM and Q-DEIM.
    pub interpolation_errors: (f64, f64),
    /// Relative projection error of the held-out flux onto its POD basis (the optimum).
    pub flux_projection_error: f64,
    /// Wall time of the whole demo in seconds.
    pub seconds: f64,
}

/// The Cole–Hopf solution with wavenumber k = 1 at (x, t).
fn cole_hopf(c: &DemoConfig, x: f64, t: f64) -> f64 {
    let decay = c.b * (-c.viscosity * t).exp();
    2.0 * c.viscosity * decay * x.sin() / (c.a + decay * x.cos())
}

/// Snapshot matrix (n × count) of u at equispaced times in [t0, t_end], or of the flux u²/2.
fn snapshot_matrix(c: &DemoConfig, count: usize, t0: f64, flux: bool) -> Mat<f64> {
    let dx = 2.0 * std::f64::consts::PI / c.n as f64;
    Mat::from_fn(c.n, count, |i, j| {
        let t = t0 + (c.t_end - t0) * j as f64 / (count.max(2) - 1) as f64;
        let u = cole_hopf(c, i as f64 * dx, t);
        if flux {
            0.5 * u * u
        } else {
            u
        }
    })
}

fn max_relative_difference(reference: &[f64], other: &[f64]) -> f64 {
    reference
        .iter()
        .zip(other)
        .map(|(r, o)| (r - o).abs() / r.abs())
        .fold(0.0, f64::max)
}

/// Runs the demo.
pub fn run(config: DemoConfig) -> Result<DemoReport> {
    let start = std::time::Instant::now();
    let c = config;
    let weights = InnerProduct::diagonal(vec![2.0 * std::f64::consts::PI / c.n as f64; c.n])?;
    let x = snapshot_matrix(&c, c.snapshots, 0.0, false);

    let svd = thin_svd(x.as_ref(), &weights)?;
    let mut energy_ranks = [(1e-4, 0), (1e-8, 0), (1e-12, 0)];
    for (eps, r) in energy_ranks.iter_mut() {
        *r = Truncation::RelativeEnergy(*eps).rank(&svd.s)?;
    }
    let r = energy_ranks[1].1.max(1);

    let mos = method_of_snapshots(x.as_ref(), &weights)?;
    let whitened = weights.whiten(x.as_ref());
    let mut opts = RandomizedSvdOptions::new(r);
    opts.seed = 7;
    let rsvd = randomized_svd(whitened.as_ref(), &opts)?;
    let mut isvd = IncrementalSvd::new(c.n, IncrementalSvdOptions::default())?;
    isvd.push_columns(whitened.as_ref())?;

    let hh = householder_qr(x.as_ref(), &InnerProduct::Euclidean)?;
    let ts = tsqr(x.as_ref(), 512)?;
    let qr_orthogonality = (
        orthogonality_error(hh.q.as_ref(), &InnerProduct::Euclidean),
        orthogonality_error(ts.q.as_ref(), &InnerProduct::Euclidean),
    );

    // Hyper-reduction of the flux: basis from training times, test on a held-out time.
    let flux = snapshot_matrix(&c, c.snapshots, 0.0, true);
    let flux_svd = thin_svd(flux.as_ref(), &InnerProduct::Euclidean)?;
    let m = Truncation::RelativeEnergy(1e-10).rank(&flux_svd.s)?.max(1);
    let u_flux = flux_svd.clone().truncated(m)?.u;
    let held_out = snapshot_matrix(&c, 2, 0.37 * c.t_end, true);
    let f: Vec<f64> = held_out.col(0).iter().copied().collect();
    let deim_fit = Interpolator::new(u_flux.as_ref(), deim(u_flux.as_ref())?)?.interpolate(&f)?;
    let qdeim_fit = Interpolator::new(u_flux.as_ref(), qdeim(u_flux.as_ref())?)?.interpolate(&f)?;
    let coeffs = u_flux.transpose() * held_out.col(0);
    let projected: Vec<f64> = (&u_flux * &coeffs).iter().copied().collect();

    Ok(DemoReport {
        config: c,
        singular_values: svd.s.iter().take(12).copied().collect(),
        energy_ranks,
        snapshots_vs_svd: max_relative_difference(&svd.s[..r], &mos.s[..r]),
        randomized_vs_svd: max_relative_difference(&svd.s[..r], &rsvd.s),
        incremental_vs_svd: max_relative_difference(&svd.s[..r], &isvd.singular_values()[..r]),
        compared_rank: r,
        qr_orthogonality,
        interpolation_points: m,
        interpolation_errors: (
            crate::basis::relative_error(&deim_fit, &f),
            crate::basis::relative_error(&qdeim_fit, &f),
        ),
        flux_projection_error: crate::basis::relative_error(&projected, &f),
        seconds: start.elapsed().as_secs_f64(),
    })
}

impl fmt::Display for DemoReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        writeln!(
            f,
            "Snapshots: exact Cole–Hopf Burgers solution, ν = {}, a = {}, b = {}, \
             {} grid points × {} times in [0, {}]",
            c.viscosity, c.a, c.b, c.n, c.snapshots, c.t_end
        )?;
        writeln!(
            f,
            "\nLeading singular values (thin SVD, trapezoid weights):"
        )?;
        for (i, s) in self.singular_values.iter().enumerate() {
            writeln!(f, "  σ{:<2} = {s:.6e}", i + 1)?;
        }
        writeln!(f, "\nPOD rank for discarded energy ε:")?;
        for (eps, r) in self.energy_ranks {
            writeln!(f, "  ε = {eps:.0e}  →  r = {r}")?;
        }
        writeln!(
            f,
            "\nSVD routes agree on σ₁…σ_{} (max relative difference vs thin SVD):",
            self.compared_rank
        )?;
        writeln!(f, "  method of snapshots   {:.2e}", self.snapshots_vs_svd)?;
        writeln!(f, "  randomized (seed 7)   {:.2e}", self.randomized_vs_svd)?;
        writeln!(f, "  incremental (Brand)   {:.2e}", self.incremental_vs_svd)?;
        writeln!(
            f,
            "\nOrthogonality loss max|QᵀQ − I|: Householder {:.2e}, TSQR {:.2e}",
            self.qr_orthogonality.0, self.qr_orthogonality.1
        )?;
        writeln!(
            f,
            "\nHyper-reduction of the flux u²/2 with m = {} points (held-out time):",
            self.interpolation_points
        )?;
        writeln!(
            f,
            "  POD projection error  {:.2e}  (the optimum)",
            self.flux_projection_error
        )?;
        writeln!(
            f,
            "  DEIM                  {:.2e}",
            self.interpolation_errors.0
        )?;
        writeln!(
            f,
            "  Q-DEIM                {:.2e}",
            self.interpolation_errors.1
        )?;
        write!(f, "\nDone in {:.2} s.", self.seconds)
    }
}

/// The recipe of the demo's Burgers ensemble (datasets/demo-burgers.toml).
pub const DEMO_RECIPE: &str = include_str!("../../../datasets/demo-burgers.toml");

/// What the dataset stage of the demo produced.
#[derive(Debug, Clone)]
pub struct PipelineReport {
    /// The simulation summary.
    pub simulation: String,
    /// `galerkin info` of the file, without the recipe text.
    pub info: String,
    /// The figure written.
    pub figure: std::path::PathBuf,
    /// The trajectory file.
    pub dataset: std::path::PathBuf,
}

/// Simulates the demo Burgers ensemble into `data_dir`, summarizes the file, and draws the
/// space–time plot of trajectory 0 into `figure`.
pub fn run_pipeline(
    data_dir: &std::path::Path,
    figure: &std::path::Path,
    quiet: bool,
) -> std::result::Result<PipelineReport, AppError> {
    let output = data_dir.join("demo-burgers.h5");
    let recipe = crate::data::Recipe::parse(
        DEMO_RECIPE,
        "datasets/demo-burgers.toml",
        &[format!("output={:?}", output.display().to_string())],
    )?;
    let opts = crate::data::SimulateOptions {
        progress: crate::app::progress::trajectories(quiet),
        ..Default::default()
    };
    let summary = crate::data::simulate(&recipe, &opts)?;
    let dataset = crate::data::Dataset::open(&summary.output)?;
    let full = dataset.summary()?;
    let info = full
        .split("recipe:")
        .next()
        .unwrap_or(&full)
        .trim_end()
        .to_string();
    let x = dataset.read_vec("x")?;
    let t = dataset.times()?;
    let u = dataset.trajectory(0)?;
    if let Some(dir) = figure.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| crate::data::DataError::Io {
            action: "create the figure directory",
            path: dir.to_path_buf(),
            source,
        })?;
    }
    crate::app::plot::space_time(
        figure,
        &x,
        &t,
        &u,
        "Viscous Burgers, ν = 5·10⁻³, trajectory 0",
        "u(x, t)",
    )?;
    Ok(PipelineReport {
        simulation: summary.to_string(),
        info,
        figure: figure.to_path_buf(),
        dataset: summary.output.clone(),
    })
}
