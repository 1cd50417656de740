//! Non-intrusive EIM of parametric operators: exact at the selected parameters, converging
//! on held-out ones, and refusing families whose sparsity pattern changes.

use galerkin::rom::operator_eim::{
    relative_difference, OperatorEim, OperatorFamily, VariableDiffusion,
};
use sprs::{CsMat, TriMat};

fn training() -> Vec<Vec<f64>> {
    [0.5, 3.0]
        .iter()
        .flat_map(|&a| (0..24).map(move |c| vec![a, c as f64 / 24.0]))
        .collect()
}

#[test]
fn operator_eim_is_exact_on_its_parameters_and_converges_elsewhere() {
    let family = VariableDiffusion { n: 64, width: 0.08 };
    let eim = OperatorEim::greedy(&family, &training(), 40, 1e-9).unwrap();
    // The greedy's training error decreases (up to round-off) and ends below tolerance.
    assert!(
        *eim.max_errors.last().unwrap() <= 1e-9,
        "{:?}",
        eim.max_errors
    );
    for (m, mu) in eim.parameters.iter().enumerate() {
        let a = family.assemble(mu).unwrap();
        let beta = eim.coefficients(&a, eim.terms()).unwrap();
        for (k, b) in beta.iter().enumerate() {
            let expected = if k == m { 1.0 } else { 0.0 };
            // Stopping at 1e-9 keeps the interpolation matrix well conditioned.
            assert!((b - expected).abs() < 1e-8, "term {m}: β_{k} = {b}");
        }
    }
    // Held-out parameters: the error falls by orders of magnitude as terms are added.
    let held_out = [vec![1.7, 0.013], vec![0.9, 0.41], vec![2.6, 0.77]];
    let worst = |terms: usize| {
        held_out
            .iter()
            .map(|mu| {
                let a = family.assemble(mu).unwrap();
                relative_difference(&a, &eim.combine(&eim.coefficients(&a, terms).unwrap()))
            })
            .fold(0f64, f64::max)
    };
    let (few, all) = (worst(4), worst(eim.terms()));
    assert!(all < 1e-6 && all < 1e-4 * few, "{few:e} → {all:e}");
}

struct ChangingPattern;

impl OperatorFamily for ChangingPattern {
    fn assemble(&self, mu: &[f64]) -> galerkin::rom::Result<CsMat<f64>> {
        let mut t = TriMat::new((3, 3));
        t.add_triplet(0, 0, 1.0);
        if mu[0] > 0.5 {
            t.add_triplet(1, 2, mu[0]);
        }
        Ok(t.to_csr())
    }
}

#[test]
fn bad_families_and_parameters_are_refused() {
    let err = OperatorEim::greedy(&ChangingPattern, &[vec![0.0], vec![1.0]], 2, 1e-12).unwrap_err();
    assert!(err.to_string().contains("sparsity pattern"), "{err}");
    let family = VariableDiffusion { n: 16, width: 0.1 };
    let err = family.assemble(&[-2.0, 0.5]).unwrap_err();
    assert!(err.to_string().contains("κ > 0"), "{err}");
    let err = OperatorEim::greedy(&family, &[], 3, 1e-12).unwrap_err();
    assert!(err.to_string().contains("training"), "{err}");
}
