//! The full-order-model contract: the pieces the ROM layer projects add up to the solver's
//! own right-hand side, for every PDE and dealiasing mode.

use galerkin_solvers::{
    AffineLinear, Burgers, Dealias, FluxOperators, Forcing, FullOrderModel, Grid, InitialCondition,
    KuramotoSivashinsky, NavierStokes, QuadraticForm, Scheme, SemiLinearPde, Simulation,
    SpectralModel,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn pdes(dealias: Dealias) -> Vec<Box<dyn SemiLinearPde>> {
    let g1 = Grid::new_1d(64, 1.0).unwrap();
    let g2 = Grid::new_2d(32, 24, 1.0, 1.3).unwrap();
    vec![
        Box::new(Burgers::new(&g1, 0.01, dealias).unwrap()),
        Box::new(KuramotoSivashinsky::new(&Grid::new_1d(64, 22.0).unwrap(), dealias).unwrap()),
        Box::new(
            NavierStokes::new(&g2, 1e-3, 0.1, Forcing::Fno { amplitude: 0.1 }, dealias).unwrap(),
        ),
    ]
}

fn field(grid: &Grid, seed: u64) -> Vec<f64> {
    InitialCondition::RandomFourier {
        max_mode: 10,
        decay: 1.0,
        amplitude: 1.0,
    }
    .sample(grid, &mut ChaCha8Rng::seed_from_u64(seed))
    .unwrap()
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, x| m.max(x.abs()))
}

#[test]
fn rhs_is_linear_plus_quadratic_plus_forcing() {
    for dealias in [Dealias::TwoThirds, Dealias::ThreeHalves, Dealias::None] {
        for pde in pdes(dealias) {
            let grid = pde.grid().clone();
            let mut fom = SpectralModel::new(pde, Scheme::Etdrk4).unwrap();
            let u = field(&grid, 1);
            let n = fom.dim();
            let (mut rhs, mut lin, mut quad) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
            fom.rhs(&u, 0.0, &mut rhs);
            fom.apply_linear(&u, &mut lin);
            fom.apply_quadratic(&u, &u, &mut quad).unwrap();
            let f = fom.forcing().unwrap_or(vec![0.0; n]);
            let sum: Vec<f64> = (0..n).map(|i| lin[i] + quad[i] + f[i]).collect();
            // FFT round-off: 1e-12 relative to the largest term.
            let scale = max_abs(&rhs).max(max_abs(&lin));
            assert!(
                max_diff(&rhs, &sum) < 1e-12 * scale,
                "{} {dealias:?}: {}",
                fom.name(),
                max_diff(&rhs, &sum) / scale
            );
            // The affine terms sum to L.
            let mut acc = vec![0.0; n];
            let mut term = vec![0.0; n];
            for (q, (_, theta)) in fom.linear_terms().into_iter().enumerate() {
                fom.apply_linear_term(q, &u, &mut term);
                acc.iter_mut().zip(&term).for_each(|(a, t)| *a += theta * t);
            }
            assert!(max_diff(&acc, &lin) < 1e-12 * max_abs(&lin));
        }
    }
}

#[test]
fn quadratic_is_symmetric_and_bilinear() {
    for pde in pdes(Dealias::TwoThirds) {
        let grid = pde.grid().clone();
        let mut fom = SpectralModel::new(pde, Scheme::Rk4).unwrap();
        let (a, b) = (field(&grid, 2), field(&grid, 3));
        let n = fom.dim();
        let (mut ab, mut ba, mut aa, mut bb, mut sum) = (
            vec![0.0; n],
            vec![0.0; n],
            vec![0.0; n],
            vec![0.0; n],
            vec![0.0; n],
        );
        fom.apply_quadratic(&a, &b, &mut ab).unwrap();
        fom.apply_quadratic(&b, &a, &mut ba).unwrap();
        fom.apply_quadratic(&a, &a, &mut aa).unwrap();
        fom.apply_quadratic(&b, &b, &mut bb).unwrap();
        let apb: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
        fom.apply_quadratic(&apb, &apb, &mut sum).unwrap();
        let scale = max_abs(&sum);
        assert!(max_diff(&ab, &ba) < 1e-13 * scale, "{}", fom.name());
        // Polarization: B(a+b, a+b) = B(a,a) + 2B(a,b) + B(b,b).
        let polar: Vec<f64> = (0..n).map(|i| aa[i] + 2.0 * ab[i] + bb[i]).collect();
        assert!(max_diff(&sum, &polar) < 1e-12 * scale, "{}", fom.name());
    }
}

#[test]
fn flux_form_reproduces_the_nonlinearity_with_two_thirds_dealiasing() {
    // With the 2/3 rule the product is formed on the n-grid, so A·g(Ku) + f is N(u)
    // exactly; this is what DEIM samples pointwise.
    for pde in pdes(Dealias::TwoThirds) {
        let grid = pde.grid().clone();
        let mut fom = SpectralModel::new(pde, Scheme::Rk4).unwrap();
        let u = field(&grid, 4);
        let n = fom.dim();
        let mut factors = vec![vec![0.0; n]; fom.flux_factor_count()];
        fom.flux_factors(&u, &mut factors);
        let all: Vec<usize> = (0..n).collect();
        let mut g = vec![0.0; n];
        fom.nonlinear_at(&u, &all, &mut g);
        let mut at_point = vec![0.0; factors.len()];
        for i in [0, n / 3, n - 1] {
            at_point
                .iter_mut()
                .zip(&factors)
                .for_each(|(p, f)| *p = f[i]);
            assert_eq!(g[i], fom.flux().eval(&at_point));
        }
        let (mut ag, mut quad) = (vec![0.0; n], vec![0.0; n]);
        fom.apply_flux_outer(&g, &mut ag);
        fom.apply_quadratic(&u, &u, &mut quad).unwrap();
        assert!(
            max_diff(&ag, &quad) < 1e-12 * max_abs(&quad),
            "{}: {}",
            fom.name(),
            max_diff(&ag, &quad)
        );
    }
}

#[test]
fn step_matches_the_simulation() {
    for pde in pdes(Dealias::TwoThirds) {
        let grid = pde.grid().clone();
        let dt = if grid.is_2d() { 1e-2 } else { 1e-3 };
        let mut u = field(&grid, 5);
        let mut sim = Simulation::new(pde.clone(), Scheme::Etdrk4, dt, &u).unwrap();
        let mut fom = SpectralModel::new(pde, Scheme::Etdrk4).unwrap();
        sim.advance(3).unwrap();
        for s in 0..3 {
            fom.step(&mut u, s as f64 * dt, dt).unwrap();
        }
        let mut expected = vec![0.0; grid.len()];
        sim.physical(&mut expected);
        assert!(max_diff(&u, &expected) < 1e-12 * max_abs(&expected));
    }
}

#[test]
fn step_reports_a_blow_up() {
    let grid = Grid::new_1d(32, 1.0).unwrap();
    let pde = Burgers::new(&grid, 1e-3, Dealias::TwoThirds).unwrap();
    let mut fom = SpectralModel::new(Box::new(pde), Scheme::Rk4).unwrap();
    let mut u = vec![1e200; 32];
    u[3] = -1e200;
    let err = fom.step(&mut u, 0.0, 1.0).unwrap_err();
    assert!(err.to_string().contains("blow-up"), "{err}");
}
