//! Bad input is an error naming the field and its allowed range, never a panic.

mod common;

use std::sync::Arc;

use galerkin_runtime::{Instance, RomModel, RuntimeError};

use common::{assert_refused, portable_bytes, with_meta, Case};

fn load_error(bytes: &[u8]) -> String {
    RomModel::from_bytes(bytes)
        .expect_err("refused")
        .to_string()
}

#[test]
fn bad_files_are_refused_by_name() {
    let case = Case::burgers();
    let models = case.models();
    let good = portable_bytes(&models[1], "bad-files");
    assert!(RomModel::from_bytes(&good).is_ok());

    assert!(load_error(&good[..5]).contains("shorter than the 8-byte header length"));
    for cut in [good.len() - 3, good.len() / 2, 100] {
        let e = load_error(&good[..cut]);
        assert!(e.starts_with("not a portable ROM file"), "{e}");
    }
    let mut huge = good.clone();
    huge[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(load_error(&huge).contains("header length"));
    let mut garbage = good.clone();
    garbage[8] = b'#';
    assert!(load_error(&garbage).contains("header is not JSON"));
    let foreign = br#"{"__metadata__":{"format":"pt"}}"#;
    let mut foreign_file = (foreign.len() as u64).to_le_bytes().to_vec();
    foreign_file.extend(foreign);
    assert!(load_error(&foreign_file).contains("invalid `format` = `pt`"));

    let newer = load_error(&with_meta(&good, "version", "2"));
    assert!(
        newer.contains("`version` = 2") && newer.contains("1..=1"),
        "{newer}"
    );
    let unknown = load_error(&with_meta(&good, "rom_kind", "wave-deim"));
    assert!(unknown.contains("`rom_kind` = `wave-deim`"), "{unknown}");
    assert!(unknown.contains("`lifted-quadratic`"), "{unknown}");
    // A lifted label on hyper tensors: the lifted keys are missing.
    let lifted = load_error(&with_meta(&good, "rom_kind", "lifted-quadratic"));
    assert!(
        lifted.contains("`lifted.block_ranks` is missing"),
        "{lifted}"
    );
    // The optional geometry keys, when present, must fit the grid and the state.
    assert_refused(
        &good,
        &[
            ("domain", "[1.0, 2.0]", "`domain`"),
            ("domain", "[1.0, 2.0]", "1 finite lengths > 0"),
            ("domain", "[-1.0]", "1 finite lengths > 0"),
            ("domain", "1.0", "a JSON list of domain lengths"),
            ("fields", "[\"q\", \"p\"]", "`fields`"),
            ("fields", "[\"q\", \"p\"]", "1 names"),
            ("fields", "[1]", "a JSON list of field names"),
        ],
    );
    let flux = load_error(&with_meta(&good, "flux", "cubic"));
    assert!(
        flux.contains("`flux` = `cubic`") && flux.contains("half-square"),
        "{flux}"
    );
    let factors = load_error(&with_meta(&good, "hyper.factors", "2"));
    assert!(factors.contains("hyper.factors"), "{factors}");
    // A Galerkin label on hyper tensors: the quadratic tensor is missing.
    let kind = load_error(&with_meta(&good, "rom_kind", "galerkin"));
    assert!(kind.contains("tensor `quadratic.h` is missing"), "{kind}");

    assert!(matches!(
        RomModel::from_file("/nonexistent/rom.safetensors"),
        Err(RuntimeError::Io { .. })
    ));
}

#[test]
fn bad_arguments_are_refused_by_name() {
    let case = Case::burgers();
    let model = case.models().remove(0);
    let rt = Arc::new(RomModel::from_bytes(&portable_bytes(&model, "bad-args")).unwrap());
    for dt in [0.0, -1e-3, f64::NAN, f64::INFINITY] {
        let e = Instance::new(rt.clone(), dt).unwrap_err().to_string();
        assert!(
            e.contains("invalid `dt`") && e.contains("finite number > 0"),
            "{e}"
        );
    }
    let mut run = Instance::new(rt.clone(), 1e-3).unwrap();
    let scheme = run.integrator();

    let e = run.set_parameter("reynolds", 1.0).unwrap_err().to_string();
    assert!(
        e.contains("`parameter` = `reynolds`") && e.contains("viscosity"),
        "{e}"
    );
    for bad in [f64::NAN, f64::INFINITY] {
        let e = run.set_parameter("viscosity", bad).unwrap_err().to_string();
        assert!(
            e.contains("invalid `viscosity`") && e.contains("finite"),
            "{e}"
        );
    }
    assert!(
        run.set_parameter("viscosity", 1e308).is_err(),
        "overflowing A(θ)"
    );
    assert_eq!(
        run.integrator(),
        scheme,
        "a refused parameter changes nothing"
    );

    let e = run.set_state_full(&[0.0; 3]).unwrap_err().to_string();
    assert!(e.contains("length of u") && e.contains("128"), "{e}");
    let e = run.set_state_reduced(&[0.0; 3]).unwrap_err().to_string();
    assert!(e.contains("length of a") && e.contains("allowed 8"), "{e}");
    let mut u = case.u0().to_vec();
    u[7] = f64::NAN;
    let e = run.set_state_full(&u).unwrap_err().to_string();
    assert!(e.contains("`u[7]` = NaN"), "{e}");
    let mut a = vec![0.0; 8];
    a[2] = f64::NEG_INFINITY;
    assert!(run.set_state_reduced(&a).is_err());
    assert!(run.reconstruct(&mut [0.0; 5]).is_err());

    let e = run.probe(128).unwrap_err().to_string();
    assert!(
        e.contains("`probe index` = 128") && e.contains("0..128"),
        "{e}"
    );
    let mut out = [7.0; 2];
    assert!(run.probes(&[1, 500], &mut out).is_err());
    assert_eq!(out, [7.0; 2], "untouched on error");
    assert!(run.probes(&[1], &mut out).is_err(), "lengths differ");

    run.set_state_full(case.u0()).unwrap();
    run.advance_to(0.002).unwrap();
    for t in [0.001, 0.0025, f64::NAN, f64::INFINITY] {
        let e = run.advance_to(t).unwrap_err().to_string();
        assert!(
            e.contains("invalid `t`") && e.contains("whole number of steps"),
            "{e}"
        );
    }
    run.advance_to(0.002).unwrap();
    assert_eq!(run.time(), 0.002);

    // A state far outside the training range overflows: a blow-up with its time.
    run.set_state_reduced(&[1e150; 8]).unwrap();
    match run.step() {
        Err(RuntimeError::BlowUp { time }) => assert_eq!(time, 1e-3),
        other => panic!("expected a blow-up, got {other:?}"),
    }
}
