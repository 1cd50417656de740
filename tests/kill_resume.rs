//! SIGKILL, Ctrl-C and a full disk in the middle of `galerkin simulate`, then the same
//! command again. A separate test binary whose tests take turns (`SERIAL`): a child process
//! inherits the parent's open HDF5 file descriptors (and their locks), so none may run
//! beside a test that holds files open.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use galerkin::data::partial_path;

use common::{all_data, temp_dir};

/// One test at a time (see the module comment).
static SERIAL: Mutex<()> = Mutex::new(());

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
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
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

/// Spawns `cmd`, waits until `sign` exists (at most `patience_s` seconds) and `delay_ms`
/// more, sends it SIGINT (Ctrl-C) and returns how it ended, stderr captured.
fn interrupt_when(
    mut cmd: Command,
    sign: &Path,
    patience_s: u64,
    delay_ms: u64,
) -> std::process::Output {
    let child = cmd.stderr(std::process::Stdio::piped()).spawn().unwrap();
    for _ in 0..patience_s * 200 {
        if sign.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(delay_ms));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    child.wait_with_output().unwrap()
}

/// Ctrl-C (SIGINT) in the middle of a run: it stops between trajectories, says how many
/// it kept and how to resume, exits with 130, and the same command completes the file
/// bit for bit.
#[test]
fn an_interrupted_run_says_what_it_kept_and_resumes() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = temp_dir("interrupt");
    let reference = dir.join("reference.h5");
    assert!(simulate_cmd(&reference).status().unwrap().success());
    let out = dir.join("interrupted.h5");
    // Interrupt once the run is under way (its partial file exists), a little later.
    let result = interrupt_when(simulate_cmd(&out), &partial_path(&out), 1, 150);
    let stderr = String::from_utf8_lossy(&result.stderr);
    if result.status.success() {
        // The run finished before the signal arrived: nothing to check but the file.
        assert_eq!(all_data(&out), all_data(&reference));
        return;
    }
    assert_eq!(result.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: ") && stderr.contains("re-run the same command to resume"),
        "{stderr}"
    );
    assert!(partial_path(&out).exists() && !out.exists());
    let rerun = simulate_cmd(&out).output().unwrap();
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert_eq!(all_data(&out), all_data(&reference));
    std::fs::remove_dir_all(&dir).ok();
}

/// Unmounts a test's file system when the test ends, however it ends.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A disk that fills up mid-run: the error names the file, what is kept and how to resume;
/// after space is freed the same command completes the file bit for bit. Needs a small
/// file system of its own (a 1 MiB tmpfs, mounted as root); skipped with the reason where
/// mounting is not allowed.
#[test]
fn a_full_disk_keeps_what_was_written_and_resumes() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = temp_dir("disk-full");
    let small = dir.join("small");
    std::fs::create_dir_all(&small).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&small)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!(
            "skipped: mounting a 1 MiB tmpfs (the full disk) needs root or CAP_SYS_ADMIN, \
             which this run lacks"
        );
        return;
    }
    let _unmount = Mounted(small.clone());
    let reference = dir.join("reference.h5");
    let out = small.join("full.h5");
    // 24 trajectories × 301 saves × 64 points of f64: 3.7 MB, which 1 MiB cannot hold.
    let cmd = simulate_cmd;
    assert!(cmd(&reference).status().unwrap().success());
    let full = cmd(&out).output().unwrap();
    let stderr = String::from_utf8_lossy(&full.stderr);
    assert!(!full.status.success(), "the run fit in 1 MiB: {stderr}");
    assert!(
        stderr.contains("no space left on the device")
            && stderr.contains("full.h5.partial")
            && stderr.contains("re-run the same command to resume"),
        "{stderr}"
    );
    let remounted = Command::new("mount")
        .args(["-o", "remount,size=64m"])
        .arg(&small)
        .status()
        .unwrap();
    assert!(remounted.success());
    let rerun = cmd(&out).output().unwrap();
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert_eq!(all_data(&out), all_data(&reference));
    drop(_unmount);
    std::fs::remove_dir_all(&dir).ok();
}

/// Ctrl-C in the middle of `galerkin train`: the run stops at the end of the epoch with a
/// checkpoint, says so, exits with 130, and the same command finishes with the weights of
/// an uninterrupted run, bit for bit.
#[cfg(feature = "operators")]
#[test]
fn an_interrupted_training_keeps_its_checkpoint_and_resumes() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = temp_dir("interrupt-train");
    let recipe = |name: &str| std::fs::read_to_string(name).unwrap();
    std::fs::write(
        dir.join("ds.toml"),
        recipe("datasets/burgers-tiny.toml").replace("data/burgers-tiny.h5", "ds.h5"),
    )
    .unwrap();
    let training = recipe("training/smoke-burgers.toml")
        .replace("datasets/operator-burgers-small.toml", "ds.toml")
        .replace("train = [0, 40]", "train = [0, 3]")
        .replace("test = [40, 48]", "test = [3, 4]");
    for run in ["straight", "interrupted"] {
        std::fs::write(
            dir.join(format!("{run}.toml")),
            training.replace("runs/smoke-burgers", run),
        )
        .unwrap();
    }
    let train = |run: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_galerkin"));
        cmd.current_dir(&dir)
            .args(["train", &format!("{run}.toml"), "--quiet"])
            .args([
                "--set",
                "train.epochs=1500",
                "--set",
                "train.checkpoint_every=500",
            ]);
        cmd
    };
    assert!(train("straight").status().unwrap().success());
    // Interrupt once the first checkpoint (epoch 500) exists: the run is under way.
    let checkpoint = dir.join("interrupted/checkpoint.h5");
    let result = interrupt_when(train("interrupted"), &checkpoint, 10, 0);
    let stderr = String::from_utf8_lossy(&result.stderr);
    if !result.status.success() {
        assert_eq!(result.status.code(), Some(130), "{stderr}");
        assert!(
            stderr.contains("interrupted: epoch ")
                && stderr.contains("re-run the same command to resume"),
            "{stderr}"
        );
        let rerun = train("interrupted").output().unwrap();
        assert!(
            rerun.status.success(),
            "{}",
            String::from_utf8_lossy(&rerun.stderr)
        );
    }
    let load = |run: &str| {
        galerkin::workflow::training::checkpoint::load(&dir.join(format!("{run}/checkpoint.h5")))
            .unwrap()
            .state
    };
    let (straight, resumed) = (load("straight"), load("interrupted"));
    assert_eq!(resumed.epoch, 1500);
    assert_eq!(resumed.weights, straight.weights);
    assert_eq!(resumed.history.train_loss, straight.history.train_loss);
    std::fs::remove_dir_all(&dir).ok();
}
