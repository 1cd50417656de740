//! The command line end to end: simulate → reduce → evaluate (Galerkin, Q-DEIM, adaptive,
//! lifted), and the errors users see for wrong combinations.

mod common;

use std::path::Path;
use std::process::Command;

/// Runs `galerkin ARGS` and returns (success, stdout + stderr).
fn galerkin(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_galerkin"))
        .args(args)
        .output()
        .expect("the galerkin binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

#[test]
fn reduce_and_evaluate_from_the_command_line() {
    let dir = common::temp_dir("cli");
    let data = dir.join("b.h5");
    let (ok, text) = galerkin(&[
        "simulate",
        "datasets/burgers-tiny.toml",
        "--quiet",
        "-o",
        path(&data),
    ]);
    assert!(ok, "{text}");
    for (method, rom) in [("galerkin", "g.h5"), ("qdeim", "q.h5")] {
        let rom = dir.join(rom);
        let (ok, text) = galerkin(&[
            "reduce",
            path(&data),
            "--rank",
            "6",
            "--method",
            method,
            "-o",
            path(&rom),
        ]);
        assert!(ok && text.contains(&format!("ROM `{method}`")), "{text}");
        let (ok, text) = galerkin(&["evaluate", path(&rom), path(&data), "--trajectory", "0,2"]);
        assert!(ok && text.contains("rel. error"), "{text}");
    }
    // The adaptive ROM from a Q-DEIM file; a Galerkin file is refused with the reason.
    let (ok, text) = galerkin(&[
        "evaluate",
        path(&dir.join("q.h5")),
        path(&data),
        "--trajectory",
        "0",
        "--adaptive",
        "--tol",
        "1e-2",
    ]);
    assert!(ok && text.contains("full steps"), "{text}");
    let (ok, text) = galerkin(&[
        "evaluate",
        path(&dir.join("g.h5")),
        path(&data),
        "--adaptive",
    ]);
    assert!(!ok && text.contains("`deim` or `qdeim`"), "{text}");
    // Wrong combinations name the problem.
    let (ok, text) = galerkin(&[
        "reduce",
        path(&data),
        "--rank",
        "500",
        "-o",
        path(&dir.join("x.h5")),
    ]);
    assert!(!ok && text.contains("rank"), "{text}");
    let (ok, text) = galerkin(&["evaluate", path(&data), path(&data)]);
    assert!(!ok && text.contains("not a ROM file"), "{text}");
    let (ok, text) = galerkin(&["reduce", path(&data), "--method", "lifted-quadratic"]);
    assert!(!ok && text.contains("needs a wave file"), "{text}");
}

#[test]
fn lifted_roms_from_the_command_line() {
    let dir = common::temp_dir("cli-wave");
    let data = dir.join("w.h5");
    let (ok, text) = galerkin(&[
        "simulate",
        "datasets/wave-tiny.toml",
        "--quiet",
        "-o",
        path(&data),
    ]);
    assert!(ok, "{text}");
    let rom = dir.join("lifted.h5");
    let (ok, text) = galerkin(&[
        "reduce",
        path(&data),
        "--method",
        "lifted-quadratic",
        "--rank",
        "6",
        "-o",
        path(&rom),
    ]);
    assert!(ok && text.contains("lifted-quadratic ROM"), "{text}");
    let (ok, text) = galerkin(&["evaluate", path(&rom), path(&data)]);
    assert!(ok && text.contains("lifted energy drift"), "{text}");
    let (ok, text) = galerkin(&["reduce", path(&data), "--rank", "4"]);
    assert!(!ok && text.contains("lifted-quadratic"), "{text}");
}
