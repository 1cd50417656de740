//! The `galerkin` command-line tool: parse, call the library, report. No numerics here.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// galerkin — simulate PDEs, reduce them to fast reduced-order models, train neural
/// operators against the same solvers, and reproduce the benchmark figures.
///
/// A typical workflow: `galerkin simulate datasets/ks-l22.toml` writes trajectories to HDF5,
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

/// Arguments of `galerkin simulate`.
#[derive(Debug, clap::Args)]
struct SimulateArgs {
    /// The recipe (TOML), e.g. datasets/burgers-fno-nu0.1.toml.
    recipe: std::path::PathBuf,
    /// Output file (overrides the recipe's `output`).
    #[arg(short, long)]
    output: Option<std::path::PathBuf>,
    /// Number of trajectories (overrides `n_traj`).
    #[arg(long)]
    n_traj: Option<usize>,
    /// Base seed (overrides `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Override any recipe key: --set time.dt=1e-4 --set parameters.viscosity=0.01
    #[arg(long = "set", value_name = "KEY=VALUE")]
    overrides: Vec<String>,
    /// No progress bar (for scripts and logs).
    #[arg(long)]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the end-to-end demo (a few seconds): exact Burgers snapshots → POD by four SVD
    /// routes → DEIM / Q-DEIM; then a Burgers ensemble simulated into data/demo-burgers.h5,
    /// its summary, and the space–time figure figures/demo-burgers.png.
    Demo {
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Generate a trajectory dataset from a recipe (TOML) into an HDF5 file.
    ///
    /// Trajectories run in parallel and stream into `<output>.partial`, renamed to the
    /// output when complete. Re-running the same command after an interruption resumes
    /// where it stopped (results are bit-identical to an uninterrupted run); a partial file
    /// of a different recipe is refused. Presets live in datasets/ (see datasets/README.md).
    ///
    /// Example: galerkin simulate datasets/burgers-tiny.toml --n-traj 8 -o /tmp/b.h5
    Simulate(SimulateArgs),
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
    Info {
        /// The trajectory file (.h5).
        file: std::path::PathBuf,
    },
    /// Export a trajectory file to the PDEBench or The Well layout.
    ///
    /// PDEBench: 1-D files get the `tensor` / `x-coordinate` / `t-coordinate` layout,
    /// 2-D files the per-sample group layout. The Well: its HDF5 schema (t0_fields,
    /// dimensions, boundary_conditions, scalars). Example:
    /// galerkin export --format the-well data/ks-l22.h5 -o ks_l22.hdf5
    Export {
        /// `pdebench` or `the-well`.
        #[arg(long)]
        format: String,
        /// The native trajectory file.
        input: std::path::PathBuf,
        /// Where to write the export.
        #[arg(short, long)]
        output: std::path::PathBuf,
    },
}

impl Command {
    /// For a subcommand that does not exist yet: its name and the issue that brings it.
    fn pending(&self) -> Option<(&'static str, u32)> {
        match self {
            Command::Demo { .. } => None,
            Command::Simulate(_) | Command::Info { .. } => None,
            Command::Export { .. } => None,
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
        Command::Demo { quiet } => {
            println!("== 1. The basis core on exact snapshots ==\n");
            let report = galerkin::demo::run(galerkin::demo::DemoConfig::default())?;
            println!("{report}");
            println!("\n== 2. Simulate a Burgers ensemble → HDF5 → summary → figure ==\n");
            let pipeline = galerkin::demo::run_pipeline(
                std::path::Path::new("data"),
                std::path::Path::new("figures/demo-burgers.png"),
                quiet,
            )?;
            println!(
                "{}\n\n{}\n\nfigure: {}",
                pipeline.simulation,
                pipeline.info,
                pipeline.figure.display()
            );
            Ok(())
        }
        Command::Simulate(args) => {
            let mut overrides = args.overrides.clone();
            if let Some(o) = &args.output {
                overrides.push(format!("output={:?}", o.display().to_string()));
            }
            if let Some(n) = args.n_traj {
                overrides.push(format!("n_traj={n}"));
            }
            if let Some(seed) = args.seed {
                overrides.push(format!("seed={seed}"));
            }
            let recipe = galerkin::data::Recipe::from_file(&args.recipe, &overrides)?;
            let opts = galerkin::data::SimulateOptions {
                quiet: args.quiet,
                ..Default::default()
            };
            let summary = galerkin::data::simulate(&recipe, &opts)?;
            println!("{summary}");
            Ok(())
        }
        Command::Export {
            format,
            input,
            output,
        } => {
            let format = galerkin::data::ExportFormat::parse(&format)?;
            galerkin::data::export(&input, &output, format)?;
            println!("wrote {}", output.display());
            Ok(())
        }
        Command::Info { file } => {
            print!("{}", galerkin::data::Dataset::open(&file)?.summary()?);
            Ok(())
        }
        other => unreachable!("pending subcommand {other:?} handled before dispatch"),
    }
}
