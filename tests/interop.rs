//! The files the Rust side writes, opened by h5py: native schema and both exports, 1-D
//! and 2-D (`scripts/check_exports.py`, run in a local virtualenv with numpy and h5py,
//! created by `scripts/python-env` when missing).

use std::path::Path;
use std::process::Command;

use galerkin::data::{export, Dataset, ExportFormat, ExportOptions};

mod common;

use common::python_with;

/// A plain export: no overwrite, no failed trajectories.
fn options(format: ExportFormat) -> ExportOptions {
    ExportOptions {
        format,
        force: false,
        allow_non_finite: false,
    }
}

fn check(recipe_path: &str, two_d: bool, dir: &Path) {
    let native = dir.join("native.h5");
    common::simulate_recipe(recipe_path, &native);
    let (pdebench, well) = (dir.join("pdebench.h5"), dir.join("well.hdf5"));
    export(&native, &pdebench, &options(ExportFormat::PdeBench)).unwrap();
    export(&native, &well, &options(ExportFormat::TheWell)).unwrap();
    let ds = Dataset::open(&native).unwrap();
    let shape = ds.shape().to_vec();
    let mut samples = Vec::new();
    for (i, t, x) in [(0, 0, 0), (ds.n_traj() - 1, shape[1] - 1, shape[2] / 3)] {
        let traj = ds.trajectory(i).unwrap();
        let per_t = ds.snapshot_len();
        let index = if two_d {
            vec![i, t, x, 1]
        } else {
            vec![i, t, x]
        };
        let offset = t * per_t + if two_d { x * shape[3] + 1 } else { x };
        samples.push(format!(
            "{:?}",
            [
                index.iter().map(|v| *v as f64).collect::<Vec<_>>(),
                vec![traj[offset]]
            ]
            .concat()
        ));
    }
    let params: Vec<String> = ds
        .parameter_names()
        .unwrap()
        .into_iter()
        .map(|n| format!("{n:?}: {:?}", ds.read_vec(&format!("params/{n}")).unwrap()))
        .collect();
    let expect = format!(
        "{{\"native\": {:?}, \"pdebench\": {:?}, \"well\": {:?}, \"two_d\": {two_d}, \"n_traj\": {}, \
         \"shape\": {:?}, \"samples\": [{}], \"params\": {{{}}}}}",
        native.display().to_string(),
        pdebench.display().to_string(),
        well.display().to_string(),
        ds.n_traj(),
        shape,
        samples.join(", "),
        params.join(", "),
    );
    let expect_path = dir.join("expect.json");
    std::fs::write(&expect_path, expect).unwrap();
    let out = Command::new(python_with(&["numpy", "h5py"]))
        .arg("scripts/check_exports.py")
        .arg(&expect_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{recipe_path}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn h5py_reads_native_files_and_exports() {
    for (recipe, two_d) in [
        ("datasets/burgers-tiny.toml", false),
        ("datasets/ns-tiny.toml", true),
    ] {
        let dir =
            std::env::temp_dir().join(format!("galerkin-interop-{}-{two_d}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        check(recipe, two_d, &dir);
        std::fs::remove_dir_all(&dir).ok();
    }
}
