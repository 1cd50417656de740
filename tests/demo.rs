//! The demo workflow computes what it prints, and its SVD routes agree.

use galerkin::app::demo::{run, DemoConfig};

#[test]
fn demo_routes_agree_on_exact_burgers_snapshots() {
    let config = DemoConfig {
        n: 512,
        snapshots: 120,
        ..DemoConfig::default()
    };
    let report = run(config).unwrap();
    // Singular values decay geometrically for this analytic solution.
    let s = &report.singular_values;
    assert!(
        s.windows(2)
            .all(|w| w[1] < 0.2 * w[0] || w[1] < 1e-12 * s[0]),
        "{s:?}"
    );
    assert!(report.compared_rank >= 3);
    // σ₁…σ_r with σ_r/σ₁ ≥ 1e-4: the method of snapshots squares the condition number
    // (error ≈ ε σ₁²/σ_r² ≈ 1e-8), the others are at round-off.
    assert!(
        report.snapshots_vs_svd < 1e-7,
        "{}",
        report.snapshots_vs_svd
    );
    assert!(
        report.randomized_vs_svd < 1e-10,
        "{}",
        report.randomized_vs_svd
    );
    assert!(
        report.incremental_vs_svd < 1e-7,
        "{}",
        report.incremental_vs_svd
    );
    assert!(report.qr_orthogonality.0 < 1e-13 && report.qr_orthogonality.1 < 1e-13);
    // DEIM / Q-DEIM within a modest factor of the optimal projection error.
    let (deim, qdeim) = report.interpolation_errors;
    assert!(
        deim <= 50.0 * report.flux_projection_error,
        "{deim} vs {}",
        report.flux_projection_error
    );
    assert!(
        qdeim <= 50.0 * report.flux_projection_error,
        "{qdeim} vs {}",
        report.flux_projection_error
    );
    assert!(report.to_string().contains("Q-DEIM"));
}

#[test]
fn demo_pipeline_simulates_summarizes_and_draws() {
    let dir = std::env::temp_dir().join(format!("galerkin-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let figure = dir.join("figures/demo-burgers.png");
    let report = galerkin::app::demo::run_pipeline(&dir.join("data"), &figure, true).unwrap();
    assert!(
        report.simulation.contains("8 trajectories computed"),
        "{}",
        report.simulation
    );
    assert!(report.info.contains("complete  8/8"), "{}", report.info);
    let png = std::fs::read(&figure).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert!(png.len() > 20_000, "a real plot, not an empty canvas");
    // A second run finds the complete file and does not recompute it.
    let again = galerkin::app::demo::run_pipeline(&dir.join("data"), &figure, true).unwrap();
    assert!(
        again.simulation.contains("0 trajectories computed"),
        "{}",
        again.simulation
    );
    // Stage 3: a ROM trained on 7 trajectories, run on the held-out 8th.
    let dataset = galerkin::data::Dataset::open(&again.dataset).unwrap();
    let rom = galerkin::app::demo::rom::run_reduction(
        &dataset,
        &dir.join("data/rom.h5"),
        &dir.join("figures/demo-rom.png"),
    )
    .unwrap();
    assert_eq!((rom.trained_on, rom.held_out, rom.rank), (7, 7, 32));
    // Measured 1.15e-2 vs a projection error of 7.98e-3: Galerkin within 2× of the best
    // fit in the basis, on an initial condition it never saw.
    assert!(rom.error < 2.0 * rom.projection_error, "{rom}");
    assert!(rom.error < 0.03, "{rom}");
    assert!(galerkin::rom::ReducedModel::load(&rom.rom_file).is_ok());
    assert!(std::fs::read(&rom.figure).unwrap().len() > 20_000);
    std::fs::remove_dir_all(&dir).ok();
}
