//! The Python package: builds `python/` with maturin into the project's virtualenv (as
//! `pip install ./python` does, with the `operators` feature) and runs its pytest suite, which compares it with this
//! build's `galerkin` command (same seeds → the same arrays, the same ROM files).

mod common;

use std::path::Path;
use std::process::Command;

use common::{nested_target_dir, python_with};

#[test]
fn python_package_passes_its_pytest_suite() {
    let python = python_with(&["numpy", "h5py", "pytest", "maturin"]);
    let bin_dir = Path::new(&python).parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let install = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-build-isolation",
            "--no-deps",
            "--force-reinstall",
            "./python",
        ])
        .env("PATH", &path)
        // Beside this test's target directory (its own lock, its own feature resolution).
        .env("CARGO_TARGET_DIR", nested_target_dir("python").0)
        // The suite covers the neural operators too.
        .env("MATURIN_PEP517_ARGS", "--features operators")
        .output()
        .unwrap();
    assert!(
        install.status.success(),
        "pip install ./python failed:\n{}{}",
        String::from_utf8_lossy(&install.stdout),
        String::from_utf8_lossy(&install.stderr)
    );
    let run = Command::new(&python)
        .args([
            "-m",
            "pytest",
            "python/tests",
            "-q",
            "-p",
            "no:cacheprovider",
        ])
        .env("GALERKIN_BIN", env!("CARGO_BIN_EXE_galerkin"))
        .env("PATH", &path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    eprintln!("{text}");
    // pytest exits 5 when it collects nothing: that is a failure here too.
    assert!(
        run.status.success(),
        "pytest failed ({:?}):\n{text}",
        run.status
    );
    let summary = text.lines().last().unwrap_or_default();
    assert!(
        summary.contains(" passed") && !summary.contains("skipped"),
        "every test must run (none skipped): {summary}"
    );
}
