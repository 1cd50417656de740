//! SIGKILL in the middle of `galerkin simulate`, then the same command again. A separate
//! test binary: a child process inherits the parent's open HDF5 file descriptors (and
//! their locks), so it must not run beside tests that hold files open.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use galerkin::data::partial_path;

use common::{all_data, temp_dir};

/// `galerkin simulate` of a run lasting about a second, as a child process.
fn simulate_cmd(output: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_galerkin"));
    cmd.args([
        "simulate",
        "datasets/ks-tiny.toml",
        "--quiet",
        "--n-traj",
        "24",
    ])
    .args([
        "--set",
        "time.t_end=3000.0",
        "--set",
        "time.save_every=200",
        "-o",
    ])
    .arg(output);
    cmd
}

/// SIGKILL in the middle of `galerkin simulate`, then the same command again: the run
/// resumes and the file is bit-identical to an uninterrupted run.
#[test]
fn killed_runs_resume_to_identical_files() {
    let dir = temp_dir("kill");
    let reference = dir.join("reference.h5");
    assert!(simulate_cmd(&reference).status().unwrap().success());
    let expected = all_data(&reference);
    let mut interrupted = 0;
    for (k, delay_ms) in [100u64, 300, 500].into_iter().enumerate() {
        let out = dir.join(format!("killed-{k}.h5"));
        let mut child = simulate_cmd(&out).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        if partial_path(&out).exists() {
            assert!(
                !out.exists(),
                "a killed run must not leave a complete-looking file"
            );
            interrupted += 1;
        }
        let rerun = simulate_cmd(&out).output().unwrap();
        assert!(
            rerun.status.success(),
            "{}",
            String::from_utf8_lossy(&rerun.stderr)
        );
        assert_eq!(all_data(&out), expected, "kill after {delay_ms} ms");
    }
    // The run takes about a second, so the kills land mid-run.
    assert!(
        interrupted >= 2,
        "only {interrupted} of 3 kills interrupted the run"
    );
    std::fs::remove_dir_all(&dir).ok();
}
