//! A PDE defined outside the crate (the Fisher–KPP example, with its own pointwise flux)
//! reduces through the same reductors as the built-in ones.

#[path = "../../examples/fisher_kpp.rs"]
#[allow(dead_code)]
mod fisher_kpp;

use fisher_kpp::{study, Outcome, Setting};

#[test]
fn a_user_pde_reduces_by_pod_galerkin_and_qdeim() {
    let (rows, full_us) = study(Setting::default(), &[8, 24]).unwrap();
    assert!(full_us > 0.0);
    let error = |o: Outcome| match o {
        Outcome::Ran { error, .. } => error,
        Outcome::BlewUp(t) => panic!("blew up at t = {t}"),
    };
    let (coarse, fine) = (rows[0], rows[1]);
    // The basis resolves the held-out fronts at r = 24 (projection 1.25e-3 when written).
    assert!(fine.projection < 2e-3, "{}", fine.projection);
    for (name, e) in [
        ("Galerkin", error(fine.galerkin)),
        ("Q-DEIM", error(fine.qdeim)),
    ] {
        // A stable ROM stays within a small factor of the projection floor (1.16× seen).
        assert!(
            e < 2.0 * fine.projection,
            "{name}: {e} vs {}",
            fine.projection
        );
        assert!(
            e >= fine.projection * 0.999,
            "{name} beats the projection: {e}"
        );
    }
    // More modes, smaller error (r = 8: 0.15 / 0.22; r = 24: 1.4e-3).
    assert!(error(fine.galerkin) < 0.1 * error(coarse.galerkin));
    assert!(error(fine.qdeim) < 0.1 * error(coarse.qdeim));
}
