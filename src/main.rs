//! The `galerkin` command-line tool: parse, call the library, report. No numerics here.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// galerkin — simulate PDEs, reduce them to fast reduced-order models, train neural
/// operators against the same solvers, and reproduce the benchmark figures.
///
/// A typical workflow: `galerkin simulate datasets/burgers.toml` writes trajectories to HDF5,
/// `galerkin reduce` builds a POD-Galerkin ROM from them, `galerkin evaluate` compares the ROM
/// with the full model, `galerkin figures` regenerates every figure in figures/.
/// Start with `galerkin demo`.
#[derive(Debug, Parser)]
#[command(
    name = "galerkin",
    version,
    about,
    long_about,
    propagate_version = true
)]
struct Cli {
    /// Log verbosity for diagnostics on stderr (error, warn, info, debug, trace).
    /// Overridden by the RUST_LOG environment variable.
    #[arg(long, global = true, default_value = "warn")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the end-to-end demo: exact Burgers snapshots → POD by four SVD routes →
    /// DEIM / Q-DEIM hyper-reduction, printing what was computed and how well it agrees.
    Demo,
    /// Generate a trajectory dataset from a recipe (TOML) into an HDF5 file.
    /// [not built yet: arrives with the datasets-and-CLI issue #4]
    Simulate,
    /// Build a POD basis and a reduced-order model from trajectory files.
    /// [not built yet: arrives with the ROM-core issue #5]
    Reduce,
    /// Run a ROM file and compare it with a full-model trajectory file.
    /// [not built yet: arrives with the ROM-core issue #5]
    Evaluate,
    /// Train a neural operator (FNO, neural spectral method) from a recipe.
    /// [not built yet: arrives with the neural-operator issue #8]
    Train,
    /// Regenerate every figure in figures/ from its recipe.
    /// [not built yet: arrives with the ROM-core issue #5]
    Figures,
    /// Print the schema, recipe and health summary of a trajectory file.
    /// [not built yet: arrives with the datasets-and-CLI issue #4]
    Info,
    /// Export a trajectory file to the PDEBench or The Well layout.
    /// [not built yet: arrives with the datasets-and-CLI issue #4]
    Export,
}

impl Command {
    /// For a subcommand that does not exist yet: its name and the issue that brings it.
    fn pending(&self) -> Option<(&'static str, u32)> {
        match self {
            Command::Demo => None,
            Command::Simulate => Some(("simulate", 4)),
            Command::Info => Some(("info", 4)),
            Command::Export => Some(("export", 4)),
            Command::Reduce => Some(("reduce", 5)),
            Command::Evaluate => Some(("evaluate", 5)),
            Command::Figures => Some(("figures", 5)),
            Command::Train => Some(("train", 8)),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cli.log));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    if let Some((name, issue)) = cli.command.pending() {
        eprintln!(
            "galerkin {name}: not built yet. It arrives with issue #{issue}; \
             run `galerkin demo` to see what works today."
        );
        return ExitCode::from(2);
    }
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<()> {
    match command {
        Command::Demo => {
            tracing::info!("running the basis-core demo");
            let report = galerkin::demo::run(galerkin::demo::DemoConfig::default())?;
            println!("{report}");
            Ok(())
        }
        other => unreachable!("pending subcommand {other:?} handled before dispatch"),
    }
}
