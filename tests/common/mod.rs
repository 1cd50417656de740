//! Helpers shared by the dataset tests.

use std::path::{Path, PathBuf};

use galerkin::data::Dataset;

/// A fresh, empty temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("galerkin-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every value of every trajectory of a file, as bit patterns.
pub fn all_data(path: &Path) -> Vec<u64> {
    let ds = Dataset::open(path).unwrap();
    (0..ds.n_traj())
        .flat_map(|i| ds.trajectory(i).unwrap())
        .map(f64::to_bits)
        .collect()
}
