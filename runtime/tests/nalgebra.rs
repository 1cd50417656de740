//! The nalgebra interop (feature `nalgebra`, on in `cargo test --workspace` through the
//! root crate's dev-dependency) gives exactly what the slice API gives.

#![cfg(feature = "nalgebra")]

mod common;

use galerkin_runtime::Instance;
use nalgebra::DVector;

use common::{runtime_model, Case};

#[test]
fn nalgebra_views_equal_the_slice_api() {
    let case = Case::burgers();
    for model in case.models() {
        let rt = runtime_model(&model, "nalgebra");
        let (n, r) = (rt.full_dim(), rt.rank());
        let mut by_slice = Instance::new(rt.clone(), 1e-3).unwrap();
        let mut by_vector = Instance::new(rt.clone(), 1e-3).unwrap();
        by_slice.set_state_full(case.u0()).unwrap();
        by_vector
            .set_state_full_vector(&DVector::from_column_slice(case.u0()))
            .unwrap();
        for run in [&mut by_slice, &mut by_vector] {
            run.advance_to(0.1).unwrap();
        }
        assert_eq!(by_vector.state_vector().as_slice(), by_slice.state());
        let mut full = vec![0.0; n];
        by_slice.reconstruct(&mut full).unwrap();
        assert_eq!(by_vector.reconstruct_vector().as_slice(), &full[..]);
        let probes: Vec<_> = [0.0, 0.7, 3.3]
            .iter()
            .map(|&x| rt.probe_at(0, &[x]).unwrap())
            .collect();
        let values: Vec<f64> = probes.iter().map(|p| by_slice.value_at(p)).collect();
        assert_eq!(by_vector.probes_vector(&probes).as_slice(), &values[..]);
        let v = rt.basis_matrix();
        assert_eq!((v.nrows(), v.ncols()), (n, r));
        for i in 0..n {
            for j in 0..r {
                assert_eq!(v[(i, j)], model.basis.vectors()[(i, j)]);
            }
        }
        eprintln!("{:?}: nalgebra views equal the slice API", rt.kind());
    }
}
