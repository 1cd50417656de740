//! Helpers shared by the test binaries (each uses a subset, hence the allowance).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use galerkin::data::{simulate, Dataset, Recipe, SimulateOptions};

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

/// Runs the recipe at `recipe_path` (relative to the repository) into `output`, quietly.
pub fn simulate_recipe(recipe_path: &str, output: &Path) {
    simulate_recipe_with(recipe_path, output, &[]);
}

/// [`simulate_recipe`] with `--set`-style overrides.
pub fn simulate_recipe_with(recipe_path: &str, output: &Path, overrides: &[&str]) {
    let mut all = vec![format!("output={:?}", output.display().to_string())];
    all.extend(overrides.iter().map(|s| s.to_string()));
    let recipe = Recipe::from_file(Path::new(recipe_path), &all).unwrap();
    simulate(&recipe, &SimulateOptions::default()).unwrap();
}

/// A Python interpreter with `modules` (`scripts/python-env` makes the project's `.venv`
/// when the system Python lacks them); fails the test when none can be had.
pub fn python_with(modules: &[&str]) -> String {
    let out = std::process::Command::new("scripts/python-env")
        .args(modules)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python-env: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Runs `galerkin ARGS` and returns (success, stdout + stderr).
pub fn galerkin(args: &[&str]) -> (bool, String) {
    galerkin_with_env(args, &[])
}

/// [`galerkin`] with extra environment variables.
pub fn galerkin_with_env(args: &[&str], env: &[(&str, &Path)]) -> (bool, String) {
    let (status, text) = galerkin_exit(args, env);
    (status == Some(0), text)
}

/// Runs `galerkin ARGS` with extra environment variables and returns (exit status, stdout
/// + stderr); the status is `None` when a signal ended the process.
pub fn galerkin_exit(args: &[&str], env: &[(&str, &Path)]) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_galerkin"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("the galerkin binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

/// `p` as a command-line argument.
pub fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

/// A target directory `<target>/name` beside this test's own, for a nested cargo build
/// (the C library, the Python package): it neither waits for this build's lock nor
/// replaces its artifacts (the nested crate resolves features differently). Returns it and
/// the profile name of this test (`release` or `debug`).
pub fn nested_target_dir(name: &str) -> (PathBuf, std::ffi::OsString) {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let profile = profile_dir.file_name().unwrap().to_owned();
    (profile_dir.parent().unwrap().join(name), profile)
}
