//! The same reduction on 1, 2 and 4 threads gives the same bits: every POD route, the
//! Galerkin projection and the hyper-reductions, run under faer's fixed parallelism as the
//! `galerkin` command runs them.

use faer::Mat;
use galerkin::basis::{randomized_svd, use_fixed_parallelism, RandomizedSvdOptions, Truncation};
use galerkin::rom::{
    Pod, PodMethod, PodOptions, PointSelection, Reduction, Result, SnapshotSource,
};

use super::fixtures::Case;

/// The snapshots of a matrix in blocks of `width` columns (trajectories, as a file holds
/// them): the incremental SVD and the HAPOD then see several blocks.
struct Blocks {
    s: Mat<f64>,
    width: usize,
}

impl SnapshotSource for Blocks {
    fn dim(&self) -> usize {
        self.s.nrows()
    }
    fn n_blocks(&self) -> usize {
        self.s.ncols().div_ceil(self.width)
    }
    fn block_len(&self, b: usize) -> usize {
        self.width.min(self.s.ncols() - b * self.width)
    }
    fn block(&mut self, b: usize) -> Result<Mat<f64>> {
        let len = self.block_len(b);
        Ok(self.s.subcols(b * self.width, len).to_owned())
    }
}

/// Every result of the reductions of `case`, printed in full (`{:?}` writes each f64 so
/// that it reads back to the same bits): equal texts are equal bits.
fn reductions(case: &Case) -> String {
    let s = case.snapshots().0;
    let mut out = String::new();
    for method in [
        PodMethod::Thin,
        PodMethod::Snapshots,
        PodMethod::Incremental,
        PodMethod::Hapod,
    ] {
        let options = PodOptions {
            // The HAPOD truncates by its error bound only.
            truncation: if method == PodMethod::Hapod {
                Truncation::RelativeEnergy(1e-8)
            } else {
                Truncation::Rank(8)
            },
            cell_weight: Some(1.0 / case.n() as f64),
            method,
            ..PodOptions::default()
        };
        let mut blocks = Blocks {
            s: s.clone(),
            width: 10,
        };
        let pod = Pod::compute(&mut blocks, &options).unwrap();
        out += &format!(
            "{method:?}: {:?} {:?} {:?}\n",
            pod.basis.vectors(),
            pod.singular_values,
            pod.mean
        );
    }
    let svd = randomized_svd(s.as_ref(), &RandomizedSvdOptions::new(8)).unwrap();
    out += &format!("randomized: {:?} {:?} {:?}\n", svd.u, svd.s, svd.v);
    let pod = case.pod(8, true);
    for kind in [
        Reduction::Galerkin,
        Reduction::Hyper {
            points: 8,
            selection: PointSelection::Qdeim,
        },
        Reduction::Hyper {
            points: 8,
            selection: PointSelection::Deim,
        },
    ] {
        let model = case.model(&pod, 8, kind);
        out += &format!(
            "{kind:?}: {:?} {:?} {:?} {:?}\n",
            model.basis.vectors(),
            model.singular_values,
            model.linear,
            model.nonlinear
        );
    }
    out
}

#[test]
fn reductions_give_the_same_bits_on_any_number_of_threads() {
    use_fixed_parallelism();
    // Burgers (128 values × 51 snapshots: faer's direct SVD) and Navier–Stokes (1024 × 41:
    // the TSQR route), every product large enough for faer's parallel kernels.
    let cases: [fn() -> Case; 2] = [|| Case::burgers(0.01), Case::navier_stokes];
    for case in cases {
        let runs: Vec<String> = [1, 2, 4]
            .into_iter()
            .map(|threads| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
                    .install(|| reductions(&case()))
            })
            .collect();
        for (threads, run) in [2, 4].into_iter().zip(&runs[1..]) {
            if run != &runs[0] {
                let (line, (a, b)) = runs[0]
                    .lines()
                    .zip(run.lines())
                    .enumerate()
                    .find(|(_, (a, b))| a != b)
                    .expect("texts differ in some line");
                panic!(
                    "{threads} threads differ from 1 in result {line}: {}… vs {}…",
                    &a[..a.len().min(60)],
                    &b[..b.len().min(60)]
                );
            }
        }
    }
}
