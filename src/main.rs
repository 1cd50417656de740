//! The `galerkin` command-line tool: parse, call the library, report. No numerics here.

use std::process::ExitCode;

use anyhow::Result;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand, ValueEnum};
use galerkin::app::figures::FigureGroup;
use galerkin::app::processes::Processes;
use galerkin::data::ExportFormat;
use galerkin::rom::{PodMethod, RomIntegrator};

/// A parser of the kebab-case names of an enumeration of the library (derived with strum),
/// which lists them in `--help` and in its error.
fn named<T>() -> impl TypedValueParser<Value = T>
where
    T: std::str::FromStr + strum::VariantNames + Clone + Send + Sync + 'static,
{
    PossibleValuesParser::new(T::VARIANTS).map(|name| {
        T::from_str(&name)
            .ok()
            .expect("PossibleValuesParser checked the name")
    })
}

/// What `galerkin reduce` builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReduceMethod {
    /// The exact reduced quadratic tensor (Burgers, KS, Navier–Stokes).
    Galerkin,
    /// DEIM hyper-reduction of the pointwise flux.
    Deim,
    /// Q-DEIM hyper-reduction of the pointwise flux.
    Qdeim,
    /// EIM hyper-reduction of the pointwise flux.
    Eim,
    /// The energy-quadratized lifting of a wave file.
    LiftedQuadratic,
    /// Operator Inference: ĉ + Âq + Ĥ(q⊗q) learned from the snapshots alone (any file,
    /// imported ones included); λ chosen by the integrated training error.
    Opinf,
    /// The Galerkin model plus a closure learned by operator inference from its residual
    /// (simulated files: needs the full model).
    GalerkinClosure,
    /// Dynamic mode decomposition (exact, or BOP-DMD with --dmd-bags): a linear model on
    /// an uncentred POD.
    Dmd,
}

impl ReduceMethod {
    /// Whether the method learns from data (no full model needed, except the closure's
    /// Galerkin part).
    fn is_learned(self) -> bool {
        matches!(self, Self::Opinf | Self::GalerkinClosure | Self::Dmd)
    }
}

/// Settings of the learned methods (`--method opinf | galerkin-closure | dmd`).
#[derive(Debug, clap::Args)]
struct LearnArgs {
    /// Candidate Tikhonov λ of the constant and linear operators, comma-separated (default
    /// 1e-6,1e-5,…,1e3); each candidate model is integrated over the training window and
    /// the one with the smallest error that stays within --growth × max|q| is kept.
    #[arg(long, allow_negative_numbers = true, value_delimiter = ',')]
    lambdas: Vec<f64>,
    /// Candidate ratios λ_quadratic / λ, comma-separated (default 1,10,100).
    #[arg(long, allow_negative_numbers = true, value_delimiter = ',')]
    quadratic_ratios: Vec<f64>,
    /// Order of the finite-difference time derivatives (2 to 6; non-uniform times allowed),
    /// or 0 for the derivative-free integral form (trapezoidal rule between saves).
    #[arg(long, default_value_t = 4)]
    derivative_order: usize,
    /// Growth bound of the λ selection: a candidate leaving GROWTH × max|q| is rejected.
    #[arg(long, allow_negative_numbers = true, default_value_t = 2.0)]
    growth: f64,
    /// Score each λ candidate on consecutive segments of this many saves, each run from its
    /// own first state (default: whole trajectories). For chaotic data (KS), where every
    /// model decorrelates within a few Lyapunov times, e.g. 160 saves.
    #[arg(long, value_name = "SAVES")]
    score_window: Option<usize>,
    /// Skip the stability check of the λ selection (by default each candidate's run continues
    /// past the training data for as long again and must stay within --growth × max|q|).
    #[arg(long)]
    no_stability_check: bool,
    /// Make the learned constant and linear operators affine in this parameter
    /// (repeatable), e.g. --affine viscosity: one model for held-out parameter values.
    #[arg(long = "affine", value_name = "NAME")]
    affine: Vec<String>,
    /// DMD: clamp the eigenvalues to the stable half-plane Re ≤ 0.
    #[arg(long)]
    dmd_stable: bool,
    /// DMD: BOP-DMD with this many bags (optimized DMD on random subsets of the first
    /// training trajectory; eigenvalues averaged, their spread reported).
    #[arg(long)]
    dmd_bags: Option<usize>,
    /// DMD: fraction of the snapshots in each bag.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.6)]
    dmd_fraction: f64,
    /// DMD: seed of the bags.
    #[arg(long, default_value_t = 0)]
    dmd_seed: u64,
    /// DMD: also write the eigenvalues and the full-space modes to this HDF5 file
    /// (`/eigenvalues` [m][2], `/modes_real`, `/modes_imag` [m][n], `/eigenvalue_spread`).
    #[arg(long, value_name = "PATH")]
    dmd_modes: Option<std::path::PathBuf>,
}

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
    #[command(flatten)]
    keys: RecipeKeys,
    /// No progress bar (for scripts and logs).
    #[arg(long)]
    quiet: bool,
    /// Exit with success even when every trajectory blew up (the file is written either
    /// way, with NaN and health status 2 for each failed trajectory).
    #[arg(long)]
    allow_failed: bool,
}

/// Recipe keys set from the command line, by the commands that run a dataset recipe.
#[derive(Debug, clap::Args)]
struct RecipeKeys {
    /// Base seed of the initial conditions (overrides `seed`).
    #[arg(long, allow_negative_numbers = true)]
    seed: Option<u64>,
    /// Override any recipe key: --set time.dt=1e-4 --set parameters.viscosity=0.01
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

impl RecipeKeys {
    /// The typed overrides (paths and numbers as given, never re-parsed from text).
    fn overrides(
        &self,
        output: Option<std::path::PathBuf>,
        n_traj: Option<usize>,
    ) -> galerkin::data::RecipeOverrides {
        galerkin::data::RecipeOverrides {
            set: self.set.clone(),
            output,
            n_traj,
            seed: self.seed,
        }
    }
}

/// Arguments of `galerkin lyapunov` (times in the recipe's time units).
#[derive(Debug, clap::Args)]
struct LyapunovArgs {
    /// The dataset recipe (TOML), e.g. datasets/ks-l22.toml.
    recipe: std::path::PathBuf,
    /// Time discarded before measuring, to reach the attractor (0 or >= dt).
    #[arg(long, default_value_t = 100.0, allow_negative_numbers = true)]
    spin_up: f64,
    /// Time τ between renormalizations of the separation (>= dt).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    renormalize_every: f64,
    /// Measuring time the exponent is averaged over (>= τ; error ∝ 1/√time).
    #[arg(long, default_value_t = 1000.0, allow_negative_numbers = true)]
    average_over: f64,
    /// Initial separation, relative to the state's norm, in (0, 0.01].
    #[arg(long, default_value_t = 1e-8, allow_negative_numbers = true)]
    separation: f64,
    /// Number of initial conditions (the recipe's random ICs, different seeds).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    initial_conditions: u16,
    /// Window of the departure check (>= τ): a run whose separation grows by less than a
    /// factor e over it, or whose state stops changing, has left the attractor. Many
    /// Lyapunov times long.
    #[arg(long, default_value_t = 400.0, allow_negative_numbers = true)]
    departure_window: f64,
    #[command(flatten)]
    keys: RecipeKeys,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

/// Arguments of `galerkin reduce`.
#[derive(Debug, clap::Args)]
struct ReduceArgs {
    /// The trajectory file (.h5) written by `galerkin simulate`.
    input: std::path::PathBuf,
    /// The ROM file to write (default: data/<input stem>-rom.h5); an existing file is refused
    /// unless --force.
    #[arg(short, long)]
    output: Option<std::path::PathBuf>,
    /// Number of POD modes r (exclusive with --energy).
    #[arg(long, conflicts_with = "energy")]
    rank: Option<usize>,
    /// Keep the fewest modes whose discarded snapshot energy is at most this (default 1e-8).
    #[arg(long, allow_negative_numbers = true)]
    energy: Option<f64>,
    /// `galerkin` (exact quadratic tensor), `deim`, `qdeim` or `eim` (hyper-reduction);
    /// for wave files (pde = "wave") `lifted-quadratic`: the energy-quadratized lifting
    /// with one POD basis of --rank modes per lifted block (default 20), which conserves
    /// the lifted energy exactly.
    #[arg(long, value_enum, default_value_t = ReduceMethod::Galerkin)]
    method: ReduceMethod,
    /// Interpolation points for deim / qdeim / eim (default 2r).
    #[arg(long)]
    points: Option<usize>,
    /// Do not subtract the snapshot mean.
    #[arg(long)]
    no_center: bool,
    /// Weight grid points by the cell area (L² POD) instead of the Euclidean product.
    #[arg(long)]
    cell_weights: bool,
    /// SVD route: thin SVD when the snapshots fit in memory, streamed incremental SVD
    /// otherwise (`auto`), or one of them, or the method of snapshots, or `hapod` (one POD
    /// per trajectory, then the POD of their modes; needs --energy, whose discarded-energy
    /// bound it guarantees). Under `mpirun -n P`: `auto`/`thin` split the snapshot rows
    /// over the ranks (exact TSQR), `hapod` the trajectories.
    #[arg(long, value_parser = named::<PodMethod>(), default_value = "auto")]
    pod_method: PodMethod,
    /// Training trajectories, comma-separated (default: all).
    #[arg(long, value_delimiter = ',')]
    trajectories: Vec<usize>,
    /// Training save indices START..END (default: all).
    #[arg(long)]
    times: Option<String>,
    /// Also write the ROM as a portable file (safetensors layout, readable without
    /// galerkin or HDF5; docs/portable-rom.md), of any kind (lifted ROMs included).
    #[arg(long, value_name = "PATH")]
    portable: Option<std::path::PathBuf>,
    /// Overwrite an existing ROM file (and --portable file); without it they are refused.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    learn: LearnArgs,
}

/// Arguments of `galerkin import`.
#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// An import specification (TOML: `output`, `name`, `[snapshots]`, `[times]`, `[grid]`,
    /// `[parameters]`, `[inputs]`; see datasets/README.md). Or give the flags below.
    spec: Option<std::path::PathBuf>,
    /// The snapshot array: FILE.npy, FILE.npz:KEY or FILE.h5:DATASET.
    #[arg(long, value_name = "FILE[:KEY]", conflicts_with = "spec")]
    snapshots: Option<String>,
    /// The names of the snapshot array's axes in its order, from trajectory, time, x, y,
    /// point, field (default: time,x for 2-D arrays, trajectory,time,x for 3-D).
    #[arg(long, value_delimiter = ',')]
    axes: Vec<String>,
    /// The save times: an array FILE[:KEY] (one per snapshot).
    #[arg(long, value_name = "FILE[:KEY]")]
    times: Option<String>,
    /// Or a uniform save interval (with --t0).
    #[arg(long, allow_negative_numbers = true, conflicts_with = "times")]
    dt: Option<f64>,
    /// The first time of --dt.
    #[arg(long, allow_negative_numbers = true, requires = "dt")]
    t0: Option<f64>,
    /// x coordinates of a grid [nx].
    #[arg(long, value_name = "FILE[:KEY]")]
    x: Option<String>,
    /// Coordinates of an unstructured point cloud [n_points, d] (axis `point`).
    #[arg(long, value_name = "FILE[:KEY]")]
    points: Option<String>,
    /// Quadrature weight of every point (> 0): makes `reduce --cell-weights` L²-optimal on
    /// non-uniform and unstructured grids.
    #[arg(long, value_name = "FILE[:KEY]")]
    weights: Option<String>,
    /// A parameter per trajectory, repeatable: NAME=v1,v2,… or NAME=@FILE[:KEY].
    #[arg(long = "param", value_name = "NAME=VALUES")]
    params: Vec<String>,
    /// Inputs u(t) of a forced system: FILE[:KEY] of shape [trajectory, time, input].
    #[arg(long, value_name = "FILE[:KEY]")]
    inputs: Option<String>,
    /// The dataset's name (stored as its `pde`; ROMs are checked against it).
    #[arg(long, default_value = "imported")]
    name: String,
    /// The native file to write (overrides the specification's `output`).
    #[arg(short, long)]
    output: Option<std::path::PathBuf>,
    /// Overwrite an existing output file.
    #[arg(long)]
    force: bool,
}

/// Arguments of `galerkin export-rom`.
#[derive(Debug, clap::Args)]
struct ExportRomArgs {
    /// The ROM file (.h5) written by `galerkin reduce` (any kind: `galerkin`, `deim`,
    /// `qdeim`, `eim` or `lifted-quadratic`).
    rom: std::path::PathBuf,
    /// The portable ROM file to write (e.g. ROM.safetensors).
    #[arg(short, long)]
    output: std::path::PathBuf,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    force: bool,
}

/// Arguments of `galerkin fmu`.
#[derive(Debug, clap::Args)]
struct FmuArgs {
    /// The ROM: a portable file (.safetensors) or a ROM file (.h5) of `galerkin reduce`
    /// (kinds the portable format holds).
    rom: std::path::PathBuf,
    /// The FMU to write (its file stem becomes the FMI model identifier).
    #[arg(short, long)]
    output: std::path::PathBuf,
    /// A probe output, repeatable: `x=0.25` (2-D: `x=0.5,y=0.25`) is the field at that
    /// physical point (trigonometric interpolation of the grid values, O(r) per read);
    /// `field=NAME,x=…` picks another field (e.g. `p` of a wave ROM); `index=I` is the full
    /// state at grid index I (row-major over the grid, fields one after the other).
    #[arg(long = "probe", value_name = "SPEC")]
    probes: Vec<String>,
    /// The ROM step (the FMU's `dt` parameter; default: the recipe's dt of --initial-from).
    /// Every communication step of the master must be a whole number of steps.
    #[arg(long, allow_negative_numbers = true)]
    dt: Option<f64>,
    /// Take the initial state (the `a0[k]` parameters' start values) from a trajectory file
    /// (its first snapshot, projected); without it the initial state is the mean (a = 0).
    #[arg(long, value_name = "DATA.h5")]
    initial_from: Option<std::path::PathBuf>,
    /// The trajectory of --initial-from.
    #[arg(long, default_value_t = 0)]
    trajectory: usize,
    /// The default experiment's stop time (default: the trajectory's horizon, else 100 dt).
    #[arg(long, allow_negative_numbers = true)]
    stop_time: Option<f64>,
    /// The runtime library to embed as the FMU binary (default: libgalerkin_rom next to
    /// this program, or $GALERKIN_FMU_BINARY).
    #[arg(long, value_name = "LIB")]
    binary: Option<std::path::PathBuf>,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    force: bool,
}

/// Arguments of `galerkin evaluate`.
#[derive(Debug, clap::Args)]
struct EvaluateArgs {
    /// The ROM file written by `galerkin reduce`.
    rom: std::path::PathBuf,
    /// A trajectory file of the same PDE and grid.
    data: std::path::PathBuf,
    /// Trajectories to run, comma-separated (default: all).
    #[arg(long, value_delimiter = ',')]
    trajectory: Vec<usize>,
    /// Online step (default: the recipe's dt).
    #[arg(long, allow_negative_numbers = true)]
    dt: Option<f64>,
    /// Online scheme: `auto` takes RK4 while one RK4 step per dt is stable and ETDRK4 (the
    /// φ-functions of the reduced linear operator, formed once) when the reduced operator
    /// is stiffer (KS at larger r); `rk4` (with stability substeps), `etdrk4`, or the
    /// implicit midpoint rule (A-stable, conserves quadratic invariants).
    #[arg(long, value_parser = named::<RomIntegrator>(), default_value = "auto")]
    integrator: RomIntegrator,
    /// Parameter values, e.g. --set viscosity=0.02 (affine re-weighting of the ROM).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    parameters: Vec<String>,
    /// Run the adaptive ROM (DEIM / Q-DEIM ROM files, which carry the indicator's flux
    /// basis): when the error indicator exceeds --tol, one full-model step (rebuilt from
    /// the trajectory file's recipe) enriches the bases, and the ROM goes on.
    #[arg(long)]
    adaptive: bool,
    /// Indicator tolerance of --adaptive.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1e-3)]
    tol: f64,
    /// Score on the save indices START..END only (the run starts from the projection of
    /// snapshot START): a held-out window without slicing files.
    #[arg(long, value_name = "START..END")]
    times: Option<String>,
    /// Also write the ROM's reduced states at every save to PATH, as text: one line per
    /// save, `TRAJECTORY TIME a_0 … a_{r−1}`, every number printed so that it parses back
    /// to the same double (to check another program's run of the same ROM against
    /// galerkin's). Not with --adaptive (its rank changes).
    #[arg(long, value_name = "PATH")]
    states: Option<std::path::PathBuf>,
    /// Overwrite an existing --states file.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the end-to-end demo (about 15 s the first time, a few seconds once its files
    /// exist), in four stages: exact Burgers snapshots → POD by four SVD routes → DEIM /
    /// Q-DEIM; then a Burgers ensemble simulated into data/demo-burgers.h5, its summary, and
    /// the space–time figure figures/demo-burgers.png; then 2-D Navier–Stokes on a 128²
    /// grid (a double shear layer rolling up, datasets/demo-ns.toml) simulated at five
    /// viscosities into data/demo-ns.h5, a POD-Galerkin ROM (r = 20) trained on four and
    /// run on the held-out fifth (data/demo-ns-rom.h5, figures/demo-rom.png), with its
    /// error against the full model, the POD projection floor, and the speed-up per step
    /// measured against the full model at the same dt; then an FNO-1D trained on 40
    /// Burgers pairs and tested on 8 held-out ones (`galerkin train
    /// training/smoke-burgers.toml`, report in runs/smoke-burgers/).
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
    /// Build a POD basis and a reduced-order model (ROM file) from a trajectory file.
    ///
    /// Projection methods rebuild the full model from the recipe stored in the file, on the
    /// stored grid: `galerkin` keeps the exact quadratic tensor (Burgers, KS,
    /// Navier–Stokes), `deim` / `qdeim` / `eim` interpolate the pointwise flux at
    /// `--points` grid points (online cost independent of the grid). Learned methods need
    /// only the snapshots, so they also reduce files of `galerkin import`: `opinf`
    /// (Operator Inference, λ chosen by the integrated training error), `dmd` (exact or
    /// BOP-DMD); `galerkin-closure` adds a learned correction to the Galerkin model
    /// (simulated files). The POD streams trajectories (incremental SVD) when they exceed
    /// the memory budget.
    ///
    /// Example: galerkin reduce data/ks-l22.h5 --rank 20 -o data/ks-l22-rom.h5
    /// Example: galerkin reduce data/my-cfd.h5 --method opinf --rank 12 --times 0..400
    Reduce(ReduceArgs),
    /// Turn external snapshots (.npy, .npz, HDF5; any axis order) into a trajectory file
    /// that the learned reduction methods, `info`, `evaluate` and `export` read.
    ///
    /// The file keeps times (non-uniform allowed), grid coordinates or an unstructured point
    /// cloud with quadrature weights, several trajectories, parameter values and inputs.
    /// No recipe is invented: such a file has no full model, and `reduce` offers it the
    /// data-driven methods only (`--method opinf`, `--method dmd`).
    ///
    /// Example: galerkin import --snapshots u.npy --axes x,time --dt 0.01 -o data/mine.h5
    /// Example: galerkin import my-import.toml
    Import(ImportArgs),
    /// Convert a ROM file (HDF5) into a portable ROM file that other programs read without
    /// galerkin and without HDF5.
    ///
    /// The portable file uses the safetensors layout (a JSON header, then little-endian
    /// row-major arrays); every array's name, shape and meaning and how to run the model
    /// are in docs/portable-rom.md, and scripts/portable_rom.py runs one with numpy only.
    /// Galerkin and hyper-reduced (deim, qdeim, eim) ROMs only.
    ///
    /// Example: galerkin export-rom data/ks-l22-rom.h5 -o data/ks-l22-rom.safetensors
    ExportRom(ExportRomArgs),
    /// Pack a ROM as an FMI 2.0 co-simulation FMU for Modelica tools, Simulink and
    /// co-simulation masters.
    ///
    /// The FMU holds modelDescription.xml, the runtime library (libgalerkin_rom, no HDF5, no
    /// galerkin) as binaries/linux64/<id>.so and the portable ROM in resources/. Variables:
    /// the ROM parameters (tunable), `dt` and the initial reduced state `a0[k]` (fixed),
    /// the probes, the reduced coordinates `a[k]` and `energy` (outputs). fmi2DoStep advances by
    /// whole ROM steps; FMU state get/set/serialize is supported. Build the library first:
    /// `cargo build --release -p galerkin-capi`.
    ///
    /// Example: galerkin fmu data/b-rom.safetensors -o burgers.fmu --probe x=0.25
    /// --probe x=0.5 --initial-from data/b.h5
    Fmu(FmuArgs),
    /// Run a ROM file and compare it with the trajectories of a trajectory file.
    ///
    /// Each trajectory starts from the projection of its first snapshot and uses its own
    /// parameter values (`--set` overrides them, e.g. for held-out viscosities). Prints the
    /// relative error over the horizon, the POD projection error (the floor for this
    /// basis) and the online time.
    ///
    /// Example: galerkin evaluate data/ks-l22-rom.h5 data/ks-l22.h5 --trajectory 0
    Evaluate(EvaluateArgs),
    /// Estimate the largest Lyapunov exponent λ_max of the system a dataset recipe
    /// describes (Benettin's two-trajectory renormalization).
    ///
    /// A reference trajectory and a companion δ away run together; every τ their distance d
    /// is measured, ln(d/δ) summed and the companion pulled back to δ: λ_max is the sum
    /// over the measuring time, and 1/λ_max the Lyapunov time, the horizon over which
    /// errors grow e-fold. Each initial condition (the recipe's random IC generator,
    /// trajectories 0..K of `galerkin simulate` with the same seed) gives one estimate;
    /// the report gives each, their mean ± standard error and 1/λ. A run that leaves the
    /// chaotic attractor (the state becomes steady or a travelling wave, or the
    /// separation stops growing, as KS on small domains does) is reported with the time
    /// it left and excluded from the mean. All times are in the recipe's time units.
    ///
    /// Example: galerkin lyapunov datasets/ks-l22.toml --spin-up 100 --average-over 2000
    /// Example: galerkin lyapunov datasets/ks-l22.toml --set grid.length=16
    Lyapunov(LyapunovArgs),
    /// Train a Fourier neural operator (1-D or 2-D, from the data) from a training recipe.
    ///
    /// The recipe (TOML, examples in training/) names a dataset recipe (simulated first
    /// if its file is missing), the training and held-out trajectory ranges, the task
    /// (`final`: u(t_in) ↦ u(t_out); `autoregressive`: h frames ↦ the next, with k-step
    /// rollout training), the model size and the optimization (AdamW or Muon, cosine or
    /// step schedule, relative L² or H¹ loss). A progress bar shows loss, learning rate and
    /// samples/s. A checkpoint with the optimizer state is written every
    /// `train.checkpoint_every` epochs to OUTPUT/checkpoint.h5, and running the same
    /// command again resumes from it (raise `train.epochs` to train longer). At the end:
    /// the held-out relative L² error, OUTPUT/report.md, OUTPUT/loss.png and, for
    /// autoregressive tasks, the rollout error against time (OUTPUT/rollout.png).
    ///
    /// Example: galerkin train training/fno-burgers.toml --set train.epochs=50
    Train(TrainArgs),
    /// Regenerate every figure and table in figures/ from the recipes in datasets/.
    ///
    /// Groups `operators` and `nsm` (neural operators, a few minutes each): see
    /// figures/operators-results.md and figures/nsm-results.md.
    /// Group `learned`: Galerkin, Operator Inference, the Galerkin + learned closure and DMD
    /// on one basis for Burgers and KS L = 22, trained on a window and run past it (error
    /// vs time → figures/learned-results.md).
    /// Group `lifting`: the energy-quadratized wave ROMs against DEIM (energy error vs
    /// time, error vs r, timings, parametric Klein–Gordon → figures/lifting-results.md).
    /// Group `rom`: simulates any missing trajectory file (data/rom-*.h5), then: error vs r for
    /// Burgers (smooth and travelling front), KS L = 22 and Navier–Stokes 256²; the KS
    /// valid-prediction time and long-time statistics; the speed-up at matched error; the
    /// parametric Burgers table; POD singular values. Tables go to figures/rom-results.md.
    /// Takes a few minutes on 2 cores (most of it simulating NS 256² the first time).
    Figures {
        /// No progress bars.
        #[arg(long)]
        quiet: bool,
        /// Only one group: `rom` (POD-Galerkin, DEIM), `lifting` (energy-quadratized
        /// wave ROMs), `adaptive` (indicator-driven enrichment), `learned` (Galerkin,
        /// Operator Inference, Galerkin + closure, DMD: error vs time), `operators` (FNO: Muon vs
        /// AdamW on FNO Burgers, FNO-2D rollout) or `nsm` (neural spectral method vs the
        /// solver at matched accuracy).
        #[arg(long, value_enum)]
        only: Option<FigureGroup>,
    },
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
        /// The target layout.
        #[arg(long, value_parser = named::<ExportFormat>())]
        format: ExportFormat,
        /// The native trajectory file.
        input: std::path::PathBuf,
        /// Where to write the export (its directory is made if missing; never the input).
        #[arg(short, long)]
        output: std::path::PathBuf,
        /// Overwrite an existing output file.
        #[arg(long)]
        force: bool,
        /// Export trajectories that blew up (stored as NaN) too; refused without it.
        #[arg(long)]
        allow_non_finite: bool,
    },
}

/// Arguments of `galerkin train`.
#[derive(Debug, clap::Args)]
struct TrainArgs {
    /// The training recipe (.toml).
    recipe: std::path::PathBuf,
    /// Override a recipe key, e.g. `--set train.epochs=20 --set train.optimizer=muon`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Ignore an existing checkpoint and start from the seed.
    #[arg(long)]
    fresh: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

fn main() -> ExitCode {
    #[cfg(feature = "operators")]
    galerkin::operators::keep_freed_memory();
    // A reader that closes the pipe (`galerkin info f | head -1`) ends the program quietly,
    // as it ends any Unix tool, instead of a panic in `println!`.
    #[cfg(unix)]
    // SAFETY: sets the default disposition of SIGPIPE, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    // Ctrl-C stops long work at its next safe point (a simulation keeps what it finished);
    // under mpirun the launcher owns the signal.
    if galerkin::parallel::launched_by_mpi().is_none() {
        galerkin::app::interrupt::install();
    }
    // faer splits its kernels into a fixed number of tasks: the same results on any number
    // of threads (RAYON_NUM_THREADS).
    galerkin::basis::use_fixed_parallelism();
    let procs = match Processes::start() {
        Ok(procs) => procs,
        Err(err) => {
            // Every rank fails alike here; one message is enough. The others wait a moment
            // before exiting: mpirun ends the job at the first failed exit, which could
            // otherwise come before rank 0 has printed.
            if galerkin::parallel::launched_by_mpi().is_none_or(|(rank, _)| rank == 0) {
                eprintln!("error: {err}");
            } else {
                std::thread::sleep(std::time::Duration::from_secs(2));
            }
            return ExitCode::FAILURE;
        }
    };
    // Ranks other than 0 log errors only (they would repeat rank 0's warnings P times).
    let level = if procs.is_root() {
        cli.log.as_str()
    } else {
        "error"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .event_format(PlainEvents)
        .init();
    match run(cli.command, &procs) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            procs.fail(&err);
            eprintln!("error: {}", error_chain(&err));
            // The shell's convention for a run ended by SIGINT.
            let interrupted = matches!(
                err.downcast_ref::<galerkin::data::DataError>(),
                Some(galerkin::data::DataError::Cancelled { .. })
            ) || matches!(
                err.downcast_ref::<galerkin::app::error::AppError>(),
                Some(galerkin::app::error::AppError::Interrupted { .. })
            );
            if interrupted {
                ExitCode::from(130)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Log lines in the program's own style, `warning: …` like `error: …`: no timestamp, no
/// module path, no colour codes (they would land raw in piped output and logs).
struct PlainEvents;

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for PlainEvents
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let level = match *event.metadata().level() {
            tracing::Level::ERROR => "error",
            tracing::Level::WARN => "warning",
            tracing::Level::INFO => "info",
            tracing::Level::DEBUG => "debug",
            tracing::Level::TRACE => "trace",
        };
        write!(writer, "{level}: ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// An error and its causes joined by ": ", each said once: library errors often include
/// their source's text in their own message already (an OS error, HDF5's), which anyhow's
/// `{:#}` would print a second time.
fn error_chain(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// The subcommand's name, as typed.
fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Demo { .. } => "demo",
        Command::Simulate(_) => "simulate",
        Command::Export { .. } => "export",
        Command::Info { .. } => "info",
        Command::Reduce(_) => "reduce",
        Command::Import(_) => "import",
        Command::ExportRom(_) => "export-rom",
        Command::Fmu(_) => "fmu",
        Command::Figures { .. } => "figures",
        Command::Evaluate(_) => "evaluate",
        Command::Train(_) => "train",
        Command::Lyapunov(_) => "lyapunov",
    }
}

fn run(command: Command, procs: &Processes) -> Result<()> {
    if !matches!(
        command,
        Command::Simulate(_) | Command::Reduce(_) | Command::Train(_)
    ) {
        procs.require_single(command_name(&command))?;
    }
    match command {
        Command::Demo { quiet } => {
            let demo_start = std::time::Instant::now();
            let mut stage_seconds = Vec::new();
            println!("== 1. The basis core on exact snapshots ==\n");
            let report = galerkin::app::demo::run(galerkin::app::demo::DemoConfig::default())?;
            println!("{report}");
            stage_seconds.push(report.seconds);
            println!("\n== 2. Simulate a Burgers ensemble → HDF5 → summary → figure ==\n");
            let clock = std::time::Instant::now();
            let pipeline = galerkin::app::demo::run_pipeline(
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
            stage_seconds.push(clock.elapsed().as_secs_f64());
            println!(
                "\n== 3. Reduce: a 2-D Navier–Stokes ROM on a held-out viscosity vs the full \
                 model ==\n"
            );
            let clock = std::time::Instant::now();
            let rom = galerkin::app::demo::rom::run_reduction(
                std::path::Path::new("data"),
                std::path::Path::new("data/demo-ns-rom.h5"),
                std::path::Path::new("figures/demo-rom.png"),
                quiet,
            )?;
            println!("{rom}");
            stage_seconds.push(clock.elapsed().as_secs_f64());
            let clock = std::time::Instant::now();
            demo_training(quiet, procs)?;
            stage_seconds.push(clock.elapsed().as_secs_f64());
            let stages: Vec<String> = stage_seconds
                .iter()
                .enumerate()
                .map(|(i, s)| format!("{} {s:.1} s", i + 1))
                .collect();
            println!(
                "\nDemo done in {:.1} s (stages {}).",
                demo_start.elapsed().as_secs_f64(),
                stages.join(", ")
            );
            Ok(())
        }
        Command::Simulate(args) => {
            let overrides = args.keys.overrides(args.output.clone(), args.n_traj);
            let recipe = galerkin::data::Recipe::from_file_with(&args.recipe, &overrides)?;
            let opts = galerkin::data::SimulateOptions {
                progress: galerkin::app::progress::trajectories(args.quiet || !procs.is_root()),
                ..Default::default()
            };
            #[cfg(feature = "mpi")]
            let summary = match procs.mpi() {
                Some(mpi) => galerkin::data::simulate_on(&recipe, &opts, mpi)?,
                None => galerkin::data::simulate(&recipe, &opts)?,
            };
            #[cfg(not(feature = "mpi"))]
            let summary = galerkin::data::simulate(&recipe, &opts)?;
            if procs.is_root() {
                println!("{summary}");
                if procs.comm().size() > 1 {
                    println!("({} MPI ranks)", procs.comm().size());
                }
                if summary.failed() == summary.total() && !args.allow_failed {
                    anyhow::bail!(
                        "every one of the {} trajectories failed (see above); {} holds only \
                         NaN. Fix the recipe and simulate into a new file, or pass \
                         --allow-failed to accept such a run",
                        summary.total(),
                        summary.output.display()
                    );
                }
            }
            Ok(())
        }
        Command::Lyapunov(args) => {
            let recipe = galerkin::data::Recipe::from_file_with(
                &args.recipe,
                &args.keys.overrides(None, None),
            )?;
            let config = galerkin::app::lyapunov::LyapunovConfig {
                spin_up: args.spin_up,
                renormalize_every: args.renormalize_every,
                average_over: args.average_over,
                separation: args.separation,
                initial_conditions: args.initial_conditions.into(),
                seed: args.keys.seed,
                departure_window: args.departure_window,
                quiet: args.quiet,
            };
            print!("{}", galerkin::app::lyapunov::run(&recipe, &config)?);
            Ok(())
        }
        Command::Export {
            format,
            input,
            output,
            force,
            allow_non_finite,
        } => {
            let opts = galerkin::data::ExportOptions {
                format,
                force,
                allow_non_finite,
            };
            for warning in galerkin::data::export(&input, &output, &opts)? {
                tracing::warn!("{warning}");
            }
            println!("wrote {}", output.display());
            Ok(())
        }
        Command::Info { file } => {
            print!("{}", galerkin::data::Dataset::open(&file)?.summary()?);
            Ok(())
        }
        Command::Reduce(args) => reduce(args, procs),
        Command::Import(args) => {
            let spec = import_spec(&args)?;
            if let Some(path) = &args.spec {
                galerkin::data::check_output(&spec.output, &[path], args.force)?;
            }
            let summary = galerkin::data::import(&spec, args.force)?;
            println!("{summary}");
            Ok(())
        }
        Command::ExportRom(args) => {
            galerkin::data::check_output(&args.output, &[&args.rom], args.force)?;
            let kind = galerkin::workflow::export_rom(&args.rom, &args.output, args.force)?;
            println!("portable `{}` ROM → {}", kind.name(), args.output.display());
            Ok(())
        }
        Command::Fmu(args) => {
            let inputs: Vec<&std::path::Path> = std::iter::once(&args.rom)
                .chain(&args.initial_from)
                .chain(&args.binary)
                .map(|p| p.as_path())
                .collect();
            galerkin::data::check_output(&args.output, &inputs, args.force)?;
            let summary = galerkin::app::fmu::write_fmu(&galerkin::app::fmu::FmuOptions {
                rom: args.rom,
                output: args.output.clone(),
                probes: args.probes,
                dt: args.dt,
                initial_from: args.initial_from,
                trajectory: args.trajectory,
                stop_time: args.stop_time,
                binary: args.binary,
                force: args.force,
            })?;
            println!(
                "FMU `{}` (FMI 2.0 co-simulation): r = {}, {} variables, dt = {} → {}",
                summary.model_identifier,
                summary.rank,
                summary.variables,
                summary.dt,
                args.output.display()
            );
            Ok(())
        }
        Command::Figures { quiet, only } => {
            let md = galerkin::app::figures::run_all(&galerkin::app::figures::FiguresOptions {
                recipes: "datasets".into(),
                out: "figures".into(),
                quiet,
                only,
            })?;
            println!("{md}");
            Ok(())
        }
        Command::Evaluate(args) => evaluate(args),
        Command::Train(args) => train(args, procs),
    }
}

/// Stage 4 of the demo: `galerkin train training/smoke-burgers.toml`.
#[cfg(feature = "operators")]
fn demo_training(quiet: bool, procs: &Processes) -> Result<()> {
    println!("\n== 4. Train: an FNO-1D learns the Burgers solution operator u0 ↦ u(0.5) ==\n");
    train(
        TrainArgs {
            recipe: "training/smoke-burgers.toml".into(),
            set: Vec::new(),
            fresh: true,
            quiet,
        },
        procs,
    )
}

#[cfg(not(feature = "operators"))]
fn demo_training(_: bool, _: &Processes) -> Result<()> {
    println!("\n(stage 4, neural-operator training, needs the default `operators` feature)");
    Ok(())
}

#[cfg(feature = "operators")]
fn train(args: TrainArgs, procs: &Processes) -> Result<()> {
    use galerkin::app::train;
    use galerkin::workflow::training::recipe::TrainRecipe;
    let recipe = TrainRecipe::from_file(&args.recipe, &args.set)?;
    let summary = train::run_on(
        &recipe,
        &train::RunOptions {
            fresh: args.fresh,
            quiet: args.quiet,
        },
        procs.comm(),
    )?;
    if !procs.is_root() {
        return Ok(());
    }
    let h = &summary.state.history;
    println!(
        "{}: {} epochs ({} this session), {} optimizer steps, {:.1} s of training",
        recipe.name,
        summary.state.epoch,
        summary.state.epoch - summary.resumed_from,
        summary.state.step,
        h.seconds.last().copied().unwrap_or(0.0)
    );
    println!(
        "final training loss {:.4e}; held-out relative L2 {:.4e}",
        h.train_loss.last().copied().unwrap_or(f64::NAN),
        summary.test_error
    );
    if let (Some(first), Some(last)) = (summary.rollout.first(), summary.rollout.last()) {
        println!(
            "held-out rollout: relative L2 {:.3e} at t = {:.3} → {:.3e} at t = {:.3}",
            first.1, first.0, last.1, last.0
        );
    }
    println!(
        "checkpoint {}; report {}",
        recipe.checkpoint_path().display(),
        summary.report.display()
    );
    Ok(())
}

#[cfg(not(feature = "operators"))]
fn train(_: TrainArgs, _: &Processes) -> Result<()> {
    anyhow::bail!("this galerkin was built without the `operators` feature; rebuild with default features to train neural operators")
}

/// An array argument FILE or FILE:KEY (the key: an .npz entry or an HDF5 dataset path).
fn array_arg(text: &str) -> galerkin::data::ArraySource {
    let (file, key) = match text.rsplit_once(':') {
        Some((file, key))
            if !key.contains('/') || file.ends_with(".h5") || file.ends_with(".hdf5") =>
        {
            (file, Some(key.to_string()))
        }
        _ => (text, None),
    };
    galerkin::data::ArraySource {
        file: file.into(),
        key,
        axes: Vec::new(),
    }
}

/// The import specification of `galerkin import`: the TOML file, or the flags.
fn import_spec(args: &ImportArgs) -> Result<galerkin::data::ImportSpec> {
    use galerkin::data::{ImportGridSpec, ImportSpec, TimesSpec, ValuesSpec};
    if let Some(path) = &args.spec {
        let mut spec = ImportSpec::from_file(path)?;
        if let Some(output) = &args.output {
            spec.output = output.clone();
        }
        return Ok(spec);
    }
    let Some(snapshots) = &args.snapshots else {
        anyhow::bail!("give an import specification (TOML) or --snapshots FILE[:KEY] (see --help)");
    };
    let Some(output) = args.output.clone() else {
        anyhow::bail!("--output (-o) is required with --snapshots");
    };
    let mut parameters = std::collections::BTreeMap::new();
    for p in &args.params {
        let (name, values) = p.split_once('=').ok_or_else(|| {
            anyhow::anyhow!("--param must be NAME=v1,v2,… or NAME=@FILE[:KEY], got `{p}`")
        })?;
        let values = match values.strip_prefix('@') {
            Some(file) => ValuesSpec::Array(array_arg(file)),
            None => ValuesSpec::Values(
                values
                    .split(',')
                    .map(|v| v.trim().parse::<f64>())
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|e| anyhow::anyhow!("--param {name}: {e} in `{values}`"))?,
            ),
        };
        parameters.insert(name.trim().to_string(), values);
    }
    let times_array = args.times.as_deref().map(array_arg);
    Ok(ImportSpec {
        output,
        name: args.name.clone(),
        snapshots: galerkin::data::ArraySource {
            axes: args.axes.clone(),
            ..array_arg(snapshots)
        },
        times: TimesSpec {
            file: times_array.as_ref().map(|a| a.file.clone()),
            key: times_array.and_then(|a| a.key),
            values: None,
            dt: args.dt,
            t0: args.t0,
        },
        grid: ImportGridSpec {
            x: args.x.as_deref().map(array_arg),
            y: None,
            points: args.points.as_deref().map(array_arg),
            weights: args.weights.as_deref().map(array_arg),
        },
        parameters,
        inputs: args.inputs.as_deref().map(array_arg),
    })
}

/// A START..END range of save indices.
fn parse_range(flag: &str, text: &str) -> Result<std::ops::Range<usize>> {
    let bad = || anyhow::anyhow!("{flag} must be START..END (save indices), got `{text}`");
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    let index = |v: &str| v.trim().parse::<usize>().map_err(|_| bad());
    Ok(index(a)?..index(b)?)
}

/// The learned method of `galerkin reduce --method opinf | galerkin-closure | dmd`.
fn learned_method(method: ReduceMethod, a: &LearnArgs) -> galerkin::workflow::LearnedMethod {
    use galerkin::rom::learn::LearnOptions;
    use galerkin::workflow::{Bagging, DmdOptions, LearnedMethod};
    let defaults = LearnOptions::default();
    let learn = LearnOptions {
        derivative_order: a.derivative_order,
        lambdas: if a.lambdas.is_empty() {
            defaults.lambdas
        } else {
            a.lambdas.clone()
        },
        quadratic_ratios: if a.quadratic_ratios.is_empty() {
            defaults.quadratic_ratios
        } else {
            a.quadratic_ratios.clone()
        },
        growth: a.growth,
        score_window: a.score_window,
        stability_check: !a.no_stability_check,
        affine_parameters: a.affine.clone(),
        ..defaults
    };
    match method {
        ReduceMethod::GalerkinClosure => LearnedMethod::Closure(learn),
        ReduceMethod::Dmd => LearnedMethod::Dmd(DmdOptions {
            stable: a.dmd_stable,
            bagging: a.dmd_bags.map(|bags| Bagging {
                bags,
                fraction: a.dmd_fraction,
                seed: a.dmd_seed,
            }),
        }),
        _ => LearnedMethod::Opinf(learn),
    }
}

/// The report line of a learned model: the λ chosen and its training error, or DMD's
/// eigenvalues.
fn learned_report(learned: &galerkin::rom::Learned) -> String {
    if learned.kind == galerkin::rom::RomKind::Dmd {
        let shown: Vec<String> = learned
            .eigenvalues
            .iter()
            .zip(&learned.eigenvalue_spread)
            .take(6)
            .map(|(e, s)| format!("{:.4}{:+.4}i (± {s:.1e})", e.re, e.im))
            .collect();
        return format!(
            "DMD eigenvalues {}{}; training error {:.3e}; operators learned in {:.4} s",
            shown.join(", "),
            if learned.eigenvalues.len() > 6 {
                ", …"
            } else {
                ""
            },
            learned.training_error,
            learned.fit_seconds
        );
    }
    let finite = learned
        .scores
        .iter()
        .filter(|s| s.training_error.is_finite())
        .count();
    let prior = match (learned.kind, learned.toward_galerkin) {
        (galerkin::rom::RomKind::GalerkinClosure, true) => ", toward the Galerkin operators",
        (galerkin::rom::RomKind::GalerkinClosure, false) => {
            ", toward zero (Operator Inference fitted the training data better)"
        }
        _ => "",
    };
    format!(
        "λ = {:e} (quadratic × {}{prior}) chosen from {} candidates ({} stayed bounded); \
         training error {:.3e}; operators learned in {:.4} s",
        learned.lambda,
        learned.quadratic_ratio,
        learned.scores.len(),
        finite,
        learned.training_error,
        learned.fit_seconds
    )
}

fn reduce(args: ReduceArgs, procs: &Processes) -> Result<()> {
    use galerkin::basis::Truncation;
    use galerkin::rom::{PodOptions, PointSelection, Reduction};
    use galerkin::workflow::ReduceOptions;
    let truncation = match (args.rank, args.energy) {
        (Some(r), _) => Truncation::Rank(r),
        (None, Some(e)) => Truncation::RelativeEnergy(e),
        (None, None) => Truncation::RelativeEnergy(1e-8),
    };
    let dataset = galerkin::data::Dataset::open(&args.input)?;
    let output = args.output.clone().unwrap_or_else(|| {
        let stem = args.input.file_stem().unwrap_or_default().to_string_lossy();
        std::path::PathBuf::from(format!("data/{stem}-rom.h5"))
    });
    for target in std::iter::once(&output).chain(&args.portable) {
        galerkin::data::check_output(target, &[&args.input], args.force)?;
    }
    if let Some(modes) = &args.learn.dmd_modes {
        if args.method != ReduceMethod::Dmd {
            anyhow::bail!("--dmd-modes needs --method dmd");
        }
        galerkin::data::check_output(modes, &[&args.input], args.force)?;
    }
    if args.method.is_learned() {
        procs.require_single("reduce --method opinf | galerkin-closure | dmd")?;
        return reduce_learned(&args, &dataset, truncation, &output);
    }
    let is_wave = dataset.recipe()?.is_wave()?;
    if is_wave {
        procs.require_single("reduce (wave files)")?;
    }
    match (is_wave, args.method) {
        (true, ReduceMethod::LiftedQuadratic) => {
            let start = std::time::Instant::now();
            let r = args.rank.unwrap_or(20);
            let file = galerkin::workflow::lifted::reduce_lifted(&dataset, r, &args.trajectories)?;
            file.save(&output)?;
            if let Some(portable) = &args.portable {
                galerkin::workflow::write_portable_lifted(&file, portable, args.force)?;
                println!("portable ROM → {}", portable.display());
            }
            println!(
                "lifted-quadratic ROM ({} wave): {} blocks × r = {r} modes, built in {:.2} s → {}",
                file.rom.nonlinearity.name(),
                file.rom.bases.len(),
                start.elapsed().as_secs_f64(),
                output.display()
            );
            return Ok(());
        }
        (true, other) => anyhow::bail!(
            "--method {} does not apply to wave files (two fields q, p); use \
             --method lifted-quadratic",
            other
                .to_possible_value()
                .expect("no skipped variants")
                .get_name()
        ),
        (false, ReduceMethod::LiftedQuadratic) => anyhow::bail!(
            "--method lifted-quadratic needs a wave file (pde = \"wave\", see \
             datasets/wave-*.toml); this file holds `{}`",
            dataset.attribute("pde").unwrap_or_default()
        ),
        _ => {}
    }
    let cell_weight = if args.cell_weights {
        Some(galerkin::workflow::cell_weight_of(&dataset)?)
    } else {
        None
    };
    let selection = |selection| Reduction::Hyper {
        selection,
        points: args.points.unwrap_or(0),
    };
    let kind = match args.method {
        ReduceMethod::Deim => selection(PointSelection::Deim),
        ReduceMethod::Qdeim => selection(PointSelection::Qdeim),
        ReduceMethod::Eim => selection(PointSelection::Eim),
        ReduceMethod::Galerkin => Reduction::Galerkin,
        // Wave files, this method and the learned ones were dispatched above; say so
        // rather than guess.
        ReduceMethod::LiftedQuadratic
        | ReduceMethod::Opinf
        | ReduceMethod::GalerkinClosure
        | ReduceMethod::Dmd => {
            anyhow::bail!(
                "--method {:?} was dispatched before this point",
                args.method
            )
        }
    };
    let times = args
        .times
        .as_deref()
        .map(|t| parse_range("--times", t))
        .transpose()?;
    let opts = ReduceOptions {
        pod: PodOptions {
            truncation,
            center: !args.no_center,
            cell_weight,
            method: args.pod_method,
            ..PodOptions::default()
        },
        kind,
        trajectories: args.trajectories.clone(),
        times,
    };
    let start = std::time::Instant::now();
    let (model, pod) = galerkin::workflow::reduce_on(&dataset, &opts, procs.comm())?;
    if procs.is_root() {
        save_and_report(&model, &pod, &args, &output, start)?;
        if procs.comm().size() > 1 {
            println!("({} MPI ranks)", procs.comm().size());
        }
    }
    Ok(())
}

/// Saves a reduced model (and its portable file with --portable) and prints what was built.
fn save_and_report(
    model: &galerkin::rom::ReducedModel,
    pod: &galerkin::rom::Pod,
    args: &ReduceArgs,
    output: &std::path::Path,
    start: std::time::Instant,
) -> Result<()> {
    use galerkin::basis::Truncation;
    if model.rank() > pod.resolved_rank() {
        tracing::warn!(
            "modes {}..={} of the POD are round-off (σ/σ₁ below what the `{}` route \
             resolves): the snapshots span {} directions; the {} modes asked for are kept",
            pod.resolved_rank() + 1,
            model.rank(),
            pod.method.name(),
            pod.resolved_rank(),
            model.rank()
        );
    }
    model.save(output)?;
    if let Some(portable) = &args.portable {
        galerkin::workflow::write_portable(model, portable, args.force)?;
        println!("portable ROM → {}", portable.display());
    }
    let discarded = match (pod.method, args.energy) {
        // The HAPOD knows only its kept singular values; its bound is the tolerance.
        (galerkin::rom::PodMethod::Hapod, energy) => {
            format!("≤ {:.1e} (HAPOD a-priori bound)", energy.unwrap_or(1e-8))
        }
        _ => format!(
            "{:.2e}",
            Truncation::discarded_energy(&pod.singular_values, model.rank())
        ),
    };
    println!(
        "POD ({}) of {} snapshots: r = {} modes, discarded energy {discarded}\n\
         ROM `{}` for {} built in {:.2} s → {}",
        pod.method.name(),
        pod.n_snapshots,
        model.rank(),
        model.kind().name(),
        model.pde,
        start.elapsed().as_secs_f64(),
        output.display()
    );
    Ok(())
}

/// `galerkin reduce --method opinf | galerkin-closure | dmd`.
fn reduce_learned(
    args: &ReduceArgs,
    dataset: &galerkin::data::Dataset,
    truncation: galerkin::basis::Truncation,
    output: &std::path::Path,
) -> Result<()> {
    use galerkin::rom::PodOptions;
    use galerkin::workflow::LearnedReduceOptions;
    let mut pod = PodOptions {
        truncation,
        center: !args.no_center,
        method: args.pod_method,
        ..PodOptions::default()
    };
    if args.cell_weights {
        galerkin::workflow::quadrature_of(dataset, &mut pod)?;
    }
    let opts = LearnedReduceOptions {
        pod,
        method: learned_method(args.method, &args.learn),
        trajectories: args.trajectories.clone(),
        times: args
            .times
            .as_deref()
            .map(|t| parse_range("--times", t))
            .transpose()?,
    };
    let start = std::time::Instant::now();
    let (model, pod) = galerkin::workflow::reduce_learned(dataset, &opts)?;
    save_and_report(&model, &pod, args, output, start)?;
    if let Some(learned) = &model.learned {
        println!("{}", learned_report(learned));
    }
    if let Some(path) = &args.learn.dmd_modes {
        galerkin::workflow::write_dmd_modes(&model, path, args.force)?;
        println!("DMD eigenvalues and modes → {}", path.display());
    }
    Ok(())
}

fn evaluate(args: EvaluateArgs) -> Result<()> {
    use galerkin::rom::RunOptions;
    use galerkin::workflow::{evaluate_on_dataset, StoredRom};
    if let Some(states) = &args.states {
        galerkin::data::check_output(states, &[&args.rom, &args.data], args.force)?;
    }
    let dataset = galerkin::data::Dataset::open(&args.data)?;
    let model = match StoredRom::load(&args.rom)? {
        StoredRom::Lifted(file) => return evaluate_lifted(&args, &file, &dataset),
        StoredRom::Projected(model) => *model,
    };
    let mut parameters = std::collections::BTreeMap::new();
    for p in &args.parameters {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--set must be NAME=VALUE, got `{p}`"))?;
        let value = v
            .trim()
            .parse::<f64>()
            .map_err(|_| anyhow::anyhow!("--set {}: `{}` is not a number", k.trim(), v.trim()))?;
        parameters.insert(k.trim().to_string(), value);
    }
    let window = args
        .times
        .as_deref()
        .map(|t| parse_range("--times", t))
        .transpose()?;
    let dt = match args.dt {
        Some(dt) => dt,
        // An imported file has no solver step: one ROM step per save interval (RK4 adds
        // the substeps its stability rule asks for).
        None if dataset.is_imported() => {
            let t = dataset.times()?;
            let first = window.as_ref().map_or(0, |w| w.start);
            t.get(first + 1)
                .zip(t.get(first))
                .map_or(1.0, |(b, a)| b - a)
        }
        None => dataset.recipe()?.time.dt,
    };
    let opts = RunOptions {
        dt,
        integrator: args.integrator,
        parameters,
    };
    let which: Vec<usize> = if args.trajectory.is_empty() {
        (0..dataset.n_traj()).collect()
    } else {
        args.trajectory.clone()
    };
    println!(
        "ROM `{}` r = {} for {}; dt = {dt}, {}",
        model.kind().name(),
        model.rank(),
        model.pde,
        opts.integrator.name()
    );
    if args.adaptive {
        if args.states.is_some() {
            anyhow::bail!("--states does not apply to --adaptive (the rank changes)");
        }
        return evaluate_adaptive(&model, &dataset, &which, &opts, args.tol);
    }
    let mut states = String::new();
    println!("traj  params                         rel. error   projection   online (s)  steps");
    for i in which {
        let c = evaluate_on_dataset(&model, &dataset, i, &opts, window.clone())?;
        state_lines(&mut states, i, &c.times, &c.coefficients);
        let params: Vec<String> = dataset
            .parameters(i)?
            .iter()
            .map(|(k, v)| format!("{k}={v:.4}"))
            .collect();
        println!(
            "{i:>4}  {:<30} {:>10.3e}   {:>10.3e}   {:>10.4}  {}",
            params.join(" "),
            c.relative_error,
            c.projection_relative_error,
            c.online_seconds,
            c.steps
        );
    }
    write_states(args.states.as_deref(), &states)
}

/// Appends one line `TRAJECTORY TIME a_0 … a_{r−1}` per save to `out`, each number in
/// Rust's shortest form that parses back to the same double.
fn state_lines(out: &mut String, trajectory: usize, times: &[f64], states: &[Vec<f64>]) {
    use std::fmt::Write;
    for (t, a) in times.iter().zip(states) {
        let _ = write!(out, "{trajectory} {t:?}");
        for v in a {
            let _ = write!(out, " {v:?}");
        }
        out.push('\n');
    }
}

/// Writes the `--states` text to `path`, if given.
fn write_states(path: Option<&std::path::Path>, text: &str) -> Result<()> {
    if let Some(path) = path {
        galerkin::data::write_text_atomically(path, text)
            .map_err(|e| anyhow::anyhow!("--states {}: {e}", path.display()))?;
        println!("reduced states → {}", path.display());
    }
    Ok(())
}

fn evaluate_lifted(
    args: &EvaluateArgs,
    file: &galerkin::workflow::LiftedRomFile,
    dataset: &galerkin::data::Dataset,
) -> Result<()> {
    let which: Vec<usize> = if args.trajectory.is_empty() {
        (0..dataset.n_traj()).collect()
    } else {
        args.trajectory.clone()
    };
    println!(
        "lifted-quadratic ROM, {} wave, {} blocks, R = {}; implicit midpoint at the recipe's dt",
        file.rom.nonlinearity.name(),
        file.rom.bases.len(),
        file.rom.dim()
    );
    println!("traj  params          q rel. error   lifted energy drift   energy error   µs/step");
    let worst = |e: &[f64]| e.iter().fold(0f64, |m, v| m.max(*v));
    let times = dataset.times()?;
    let mut states = String::new();
    for i in which {
        let run = galerkin::workflow::lifted::evaluate_lifted(file, dataset, i)?;
        state_lines(&mut states, i, &times, &run.states);
        let params: Vec<String> = dataset
            .parameters(i)?
            .iter()
            .map(|(k, v)| format!("{k}={v:.3}"))
            .collect();
        println!(
            "{i:>4}  {:<15} {:>12.3e}   {:>19.2e}   {:>12.2e}   {:>7.1}",
            params.join(" "),
            run.error,
            worst(&run.lifted_energy_error),
            worst(&run.energy_error),
            run.step_seconds * 1e6
        );
    }
    write_states(args.states.as_deref(), &states)
}

fn evaluate_adaptive(
    model: &galerkin::rom::ReducedModel,
    dataset: &galerkin::data::Dataset,
    which: &[usize],
    opts: &galerkin::rom::RunOptions,
    tol: f64,
) -> Result<()> {
    use galerkin::rom::adaptive::{AdaptiveOptions, AdaptiveRom};
    println!("adaptive: indicator tolerance {tol:.1e}; one full-model step per trigger");
    println!("traj  rel. error   max error   full steps   share    final r   final m");
    let times = dataset.times()?;
    let every = ((times[1] - times[0]) / opts.dt).round() as usize;
    for &i in which {
        let mut fom = galerkin::workflow::full_model_of(dataset, i)?;
        let truth = dataset.solver_snapshots(i, 0..times.len())?;
        let n = model.basis.dim();
        let mut params = opts.parameters.clone();
        for (name, value) in dataset.parameters(i)? {
            if model.parameter_names().contains(&name) {
                params.entry(name).or_insert(value);
            }
        }
        let mut rom = AdaptiveRom::from_model(model.clone(), &mut fom)?;
        let steps = every * (times.len() - 1);
        let run = rom.run(
            &truth[..n],
            steps,
            every,
            &AdaptiveOptions {
                tol,
                dt: opts.dt,
                parameters: params,
                max_rank: 4 * model.rank().max(30),
            },
        )?;
        let worst = run
            .fields
            .chunks_exact(n)
            .zip(truth.chunks_exact(n))
            .map(|(a, b)| galerkin::basis::relative_error(a, b))
            .fold(0f64, f64::max);
        let total = galerkin::basis::relative_error(&run.fields, &truth[..run.fields.len()]);
        println!(
            "{i:>4}  {:>10.3e}   {:>9.3e}   {:>10}   {:>5.2} %  {:>7}   {:>7}",
            total,
            worst,
            run.full_steps.len(),
            100.0 * run.full_steps.len() as f64 / steps as f64,
            run.final_rank,
            run.final_points
        );
    }
    Ok(())
}
