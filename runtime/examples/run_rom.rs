//! Runs a portable ROM file with the runtime alone (no galerkin, no HDF5): prints the rank,
//! the parameters, then the field at a few grid points as the ROM advances from its mean.
//!
//! cargo run --release -p galerkin-runtime --example run_rom -- ROM.safetensors \
//!     [--set NAME=VALUE] [--dt DT] [--t-end T]

use std::sync::Arc;

use galerkin_runtime::{Instance, RomModel, RuntimeError};

/// The command line: the ROM file, parameter overrides, step and horizon.
struct Args {
    rom: String,
    set: Vec<(String, f64)>,
    dt: f64,
    t_end: f64,
}

/// Parses the command line, or explains it.
fn args() -> Result<Args, String> {
    let usage = "usage: run_rom ROM.safetensors [--set NAME=VALUE] [--dt DT] [--t-end T]";
    let mut it = std::env::args().skip(1);
    let mut parsed = Args {
        rom: it.next().ok_or(usage)?,
        set: Vec::new(),
        dt: 1e-3,
        t_end: 0.5,
    };
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(usage)?;
        let number = |v: &str| {
            v.parse::<f64>()
                .map_err(|_| format!("{flag}: `{v}` is not a number"))
        };
        match flag.as_str() {
            "--set" => {
                let (name, v) = value.split_once('=').ok_or(usage)?;
                parsed.set.push((name.to_string(), number(v)?));
            }
            "--dt" => parsed.dt = number(&value)?,
            "--t-end" => parsed.t_end = number(&value)?,
            _ => return Err(usage.into()),
        }
    }
    Ok(parsed)
}

fn run(args: &Args) -> Result<(), RuntimeError> {
    let model = Arc::new(RomModel::from_file(&args.rom)?);
    println!(
        "{} ROM of `{}`: r = {}, n = {}, parameters {:?}",
        model.kind().name(),
        model.pde(),
        model.rank(),
        model.full_dim(),
        model.parameters()
    );
    let mut run = Instance::new(model.clone(), args.dt)?;
    for (name, value) in &args.set {
        run.set_parameter(name, *value)?;
    }
    let n = model.full_dim();
    let points = [0, n / 4, n / 2, 3 * n / 4];
    let mut values = [0.0; 4];
    let saves = 10;
    let steps_per_save = ((args.t_end / args.dt / saves as f64).round() as u64).max(1);
    for save in 0..=saves {
        if save > 0 {
            let t = run.time() + steps_per_save as f64 * args.dt;
            run.advance_to(t)?;
        }
        run.probes(&points, &mut values)?;
        println!("t = {:8.4}  u{points:?} = {values:.6?}", run.time());
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let result = args()
        .map_err(|e| e.to_string())
        .and_then(|a| run(&a).map_err(|e| e.to_string()));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("run_rom: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
