//! `galerkin lyapunov` end to end: the KS L = 22 exponent against the literature, a
//! settling system reported as such, and the errors users see for bad input.

mod common;

/// Runs `galerkin ARGS` and returns (exit code, stdout + stderr).
fn galerkin(args: &[&str]) -> (Option<i32>, String) {
    common::galerkin_exit(args, &[])
}

/// The number after `label` in `text` (up to the next space).
fn number_after(text: &str, label: &str) -> f64 {
    let rest = &text[text
        .find(label)
        .unwrap_or_else(|| panic!("no {label:?}: {text}"))
        + label.len()..];
    rest.split_whitespace()
        .next()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no number after {label:?}: {text}"))
}

#[test]
fn ks22_exponent_is_positive_and_near_the_literature() {
    // 4 ICs × 1000 time units after a 100-unit spin-up (well under a second in release).
    let (code, text) = galerkin(&[
        "lyapunov",
        "datasets/ks-l22.toml",
        "--quiet",
        "--spin-up",
        "100",
        "--average-over",
        "1000",
        "--initial-conditions",
        "4",
    ]);
    assert_eq!(code, Some(0), "{text}");
    let lambda = number_after(&text, "λ_max = ");
    let sem = number_after(&text, &format!("λ_max = {lambda} ± "));
    // Literature: λ_max ≈ 0.043 (Edson et al. 2019) – 0.048 (Cvitanović, Davidchack,
    // Siminos 2010). A 1000-unit estimate scatters with sd ≈ 0.006 (finite-time exponents
    // of 400 units have sd ≈ 0.0096, falling like 1/√T), so the mean of 4 has sd ≈ 0.003:
    // [0.032, 0.062] is the literature range widened by about 4 sd each side.
    assert!((0.032..=0.062).contains(&lambda), "{text}");
    assert!(sem > 0.0 && sem < 0.01, "{text}");
    assert!(text.contains("over 4 of 4 initial conditions"), "{text}");
    let lyapunov_time = number_after(&text, "Lyapunov time 1/λ = ");
    assert!((lyapunov_time * lambda - 1.0).abs() < 0.05, "{text}");
    assert!(!text.contains("left the attractor"), "{text}");
}

#[test]
fn a_settling_system_is_reported_not_averaged() {
    // KS on L = 16: the recipe's random starts fall onto stable states within the spin-up,
    // so no run is chaotic and no exponent is given.
    let (code, text) = galerkin(&[
        "lyapunov",
        "datasets/ks-l22.toml",
        "--quiet",
        "--set",
        "grid.length=16",
        "--average-over",
        "1000",
    ]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("IC 0 was not chaotic after the spin-up (confirmed at t = 500)"),
        "{text}"
    );
    assert!(
        text.contains("Every initial condition left the chaotic attractor"),
        "{text}"
    );
    assert!(!text.contains("λ_max ="), "{text}");
}

#[test]
fn bad_input_names_the_flag_and_the_range() {
    let ks = "datasets/ks-l22.toml";
    for (args, fragment) in [
        (
            vec!["--spin-up", "-5"],
            "invalid `--spin-up` = -5: allowed 0 or a finite time >= dt = 0.05",
        ),
        (
            vec!["--renormalize-every", "0.01"],
            "invalid `--renormalize-every` = 0.01: allowed a finite time >= dt = 0.05",
        ),
        (
            vec!["--average-over", "0.5"],
            "invalid `--average-over` = 0.5: allowed a finite time >= --renormalize-every",
        ),
        (vec!["--separation", "0.5"], "invalid `--separation` = 0.5"),
    ] {
        let mut all = vec!["lyapunov", ks, "--quiet"];
        all.extend(&args);
        let (code, text) = galerkin(&all);
        // Refused by the application (exit 1), before anything runs.
        assert_eq!(code, Some(1), "{args:?}: {text}");
        assert!(text.contains(fragment), "{args:?}: {text}");
        assert!(!text.contains("panicked"), "{text}");
    }
    let (code, text) = galerkin(&["lyapunov", "datasets/no-such-recipe.toml"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("cannot read recipe `datasets/no-such-recipe.toml`"),
        "{text}"
    );
    // Rejected by the argument parser (exit 2).
    let (code, text) = galerkin(&["lyapunov", ks, "--initial-conditions", "0"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("--initial-conditions"), "{text}");
}
