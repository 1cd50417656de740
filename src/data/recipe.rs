//! Dataset recipes: one TOML file says which PDE, parameters, grid, initial condition,
//! integrator, schedule, ensemble size and output make a dataset.
//!
//! ```toml
//! name = "burgers-tiny"
//! pde = "burgers"                 # burgers | ks | navier-stokes | wave (the PDE registry)
//! n_traj = 4
//! seed = 0
//! precision = "f32"               # f32 | f64 (storage only; solvers run in f64)
//! output = "data/burgers-tiny.h5"
//!
//! [constants]                     # optional: names for expressions (numbers or formulas)
//! nu0 = "0.01/pi"                 # may use pi, e and the other constants
//!
//! [parameters]                    # a value, a list, a grid, or uniform random per trajectory
//! viscosity = 0.1                 # = [0.1, 0.05] | { start = 0.01, stop = 0.1, num = 4 } | { low = 0.01, high = 0.1 }
//!                                 # numbers may be formulas of constants: "0.01/pi", "2*nu0"
//!
//! [grid]
//! n = 1024                        # nx, ny for 2-D
//! length = 1.0                    # lx, ly for 2-D
//! origin = 0.0                    # left end x0 (and y0 in 2-D): x in [x0, x0 + length); or x0 = …, y0 = …
//! save_n = 256                    # store every (n / save_n)-th point (save_nx, save_ny in 2-D)
//!
//! [initial_condition]
//! kind = "gaussian-random-field"  # | fno-burgers | fno-navier-stokes | random-fourier | expression | file
//! sigma = 25.0
//! tau = 5.0
//! alpha = 2.0
//! # kind = "expression": expression = "-sin(pi*x)*viscosity/nu0" (x, y, lx, ly, pi, e,
//! # the constants and the trajectory's parameter values)
//!
//! [time]
//! integrator = "etdrk4"           # etdrk4 | etdrk2 | imex-ars233 | rk4 | implicit-midpoint (waves)
//! dealias = "two-thirds"          # two-thirds | three-halves | none
//! dt = 1e-4
//! t_end = 1.0                     # no multiple of dt: the run ends with one shorter step
//! save_every = 100                # saves every 100 steps (and at t_end) …
//! save_from = 0.5                 # … only inside [save_from, save_until] (or [time.save] from, until)
//! save_times = [0.25, 0.333]      # and/or at these times (off the step grid: one shorter step)
//!
//! [forcing]                       # pde = "navier-stokes" only
//! kind = "fno"                    # none | fno | kolmogorov (with `wavenumber`)
//!
//! [wave]                          # pde = "wave" only (integrator "implicit-midpoint")
//! nonlinearity = "sine-gordon"    # linear | exponential | sine-gordon | cubic
//! ```
//!
//! Unknown keys are rejected with the key's name and line. List and grid parameters form a
//! Cartesian product; `n_traj` must be a multiple of its size. Uniform parameters are drawn
//! per trajectory from that trajectory's own random stream (so resumed and parallel runs
//! agree bit for bit). Every value a parameter can take (each list entry, both bounds of a
//! range) is checked against the PDE before any trajectory runs.
//!
//! Formulas (constants, parameter values) are evaluated by [`galerkin_solvers::expr`], a
//! pure function of the text: every process, every resumed run gets the same bits. The
//! canonical text keeps the formulas as written; the files store the values. A save off the
//! step grid (an explicit time, or a `t_end` that is no multiple of dt) is one shorter step
//! taken on a copy of the state ([`galerkin_solvers::SavePlan`]); the run itself keeps its
//! steps of dt. New optional keys are left out of the canonical text when unused, so the
//! fingerprints (and files) of existing recipes do not change.

use std::collections::BTreeMap;
use std::path::PathBuf;

use galerkin_solvers::ensemble::{EnsemblePlan, Member, ParameterGrid};
use galerkin_solvers::expr::{is_identifier, is_reserved, Expression};
use galerkin_solvers::pde::registry::{Dimension, Family};
use galerkin_solvers::simulation::STEP_GRID_TOLERANCE;
use galerkin_solvers::{
    pde_spec, ConservativeWave, Dealias, Forcing, Grid, InitialCondition, PdeSpec, SavePlan,
    SavePoint, Schedule, Scheme, SemiLinearPde, Simulation, WaveNonlinearity,
};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::error::{invalid, DataError, Result};

/// A parsed recipe (the TOML document, typed).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// Dataset name (file metadata, The Well's `dataset_name`).
    pub name: String,
    /// Free text: source, purpose.
    #[serde(default)]
    pub description: String,
    /// A PDE of the registry (`galerkin_solvers::PDES`): `burgers`, `ks`,
    /// `navier-stokes`, `wave`. A name rather than an enumeration, so that registering a
    /// PDE needs no change here.
    pub pde: String,
    /// Parameter name → value, list, grid or uniform range (see the module docs); numbers
    /// may be formulas of the constants (`"0.01/pi"`).
    #[serde(default)]
    pub parameters: BTreeMap<String, toml::Value>,
    /// Named constants (`[constants]`): numbers or formulas of `pi`, `e` and each other,
    /// usable in parameter formulas and expressions. Left out of the canonical text when
    /// empty, so recipes without constants keep their fingerprint.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub constants: BTreeMap<String, toml::Value>,
    /// The spatial grid.
    pub grid: GridSpec,
    /// The initial condition.
    pub initial_condition: IcSpec,
    /// Time stepping.
    pub time: TimeSpec,
    /// Body forcing (Navier–Stokes only).
    #[serde(default)]
    pub forcing: Option<ForcingSpec>,
    /// The potential of a conservative wave (pde = "wave" only).
    #[serde(default)]
    pub wave: Option<WaveSpec>,
    /// Number of trajectories.
    pub n_traj: usize,
    /// Base seed of the ensemble.
    #[serde(default)]
    pub seed: u64,
    /// Storage precision.
    #[serde(default)]
    pub precision: Precision,
    /// Output file.
    pub output: PathBuf,
}

/// Grid section: `n`/`length` in 1-D, `nx`/`ny`/`lx`/`ly` in 2-D, optional save resolution.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// 1-D points.
    pub n: Option<usize>,
    /// 1-D length.
    pub length: Option<f64>,
    /// 2-D points along x.
    pub nx: Option<usize>,
    /// 2-D points along y.
    pub ny: Option<usize>,
    /// 2-D length along x.
    pub lx: Option<f64>,
    /// 2-D length along y.
    pub ly: Option<f64>,
    /// Stored points (1-D); must divide `n`.
    pub save_n: Option<usize>,
    /// Stored points along x (2-D).
    pub save_nx: Option<usize>,
    /// Stored points along y (2-D).
    pub save_ny: Option<usize>,
    /// The domain's left end (x0, and y0 in 2-D), default 0: x ∈ [origin, origin + length),
    /// e.g. −1 for [−1, 1). Moves the coordinates of expressions and of `/x` `/y` only.
    pub origin: Option<f64>,
    /// The domain's left end along x (instead of `origin`).
    pub x0: Option<f64>,
    /// The domain's lower end along y, 2-D (instead of `origin`).
    pub y0: Option<f64>,
}

/// Initial-condition section, by `kind`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum IcSpec {
    /// σ²(−Δ + τ²)^(−α) Gaussian random field.
    GaussianRandomField {
        /// σ.
        sigma: f64,
        /// τ.
        tau: f64,
        /// α.
        alpha: f64,
    },
    /// The FNO Burgers preset N(0, 625(−Δ + 25)^(−2)).
    FnoBurgers,
    /// The FNO Navier–Stokes preset N(0, 7^{3/2}(−Δ + 49)^(−2.5)).
    FnoNavierStokes,
    /// Random truncated Fourier series.
    RandomFourier {
        /// Highest mode.
        max_mode: usize,
        /// Amplitude decay exponent.
        decay: f64,
        /// max|u|.
        amplitude: f64,
    },
    /// A formula in x, y, lx, ly, pi, e, the constants and the trajectory's parameter
    /// values.
    Expression {
        /// The formula.
        expression: String,
    },
    /// A field from `.npy` or HDF5.
    File {
        /// The file.
        path: PathBuf,
        /// HDF5 dataset (default `u0`).
        dataset: Option<String>,
    },
}

/// Time section.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TimeSpec {
    /// The time integrator (default `etdrk4`).
    #[serde(default)]
    pub integrator: TimeIntegrator,
    /// Step size.
    pub dt: f64,
    /// Final time; when it is no multiple of dt the run ends with one shorter step.
    pub t_end: f64,
    /// Steps between stored snapshots (0 or absent: only `save_times`); must divide the
    /// number of whole steps ⌊t_end/dt⌋. Left out of the canonical text when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub save_every: usize,
    /// Uniform saves only from this time on (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_from: Option<f64>,
    /// Uniform saves only up to this time (default t_end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_until: Option<f64>,
    /// Explicit save times in [0, t_end], increasing (with `save_every` or alone); a time
    /// off the step grid is reached by one shorter step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_times: Option<Vec<f64>>,
    /// The same as a table: `[time.save]` with `from`, `until`, `times`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save: Option<SaveSpec>,
    /// The dealiasing of products (default `two-thirds`).
    #[serde(default)]
    pub dealias: Dealias,
    /// Largest CFL number tolerated at save points (default 1; Burgers / NS only).
    #[serde(default = "default_cfl")]
    pub cfl_limit: f64,
}

/// The time integrator of a recipe: a solver [`Scheme`] for semi-linear PDEs, the
/// implicit midpoint rule for conservative waves.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum TimeIntegrator {
    /// ETDRK4 (the default).
    #[default]
    Etdrk4,
    /// ETDRK2.
    Etdrk2,
    /// IMEX ARS(2,3,3).
    ImexArs233,
    /// Classical RK4.
    Rk4,
    /// The implicit midpoint rule (structure-preserving; conservative waves).
    ImplicitMidpoint,
}

impl TimeIntegrator {
    /// The solver scheme, or `None` for the implicit midpoint rule of waves.
    pub fn scheme(self) -> Option<Scheme> {
        match self {
            Self::Etdrk4 => Some(Scheme::Etdrk4),
            Self::Etdrk2 => Some(Scheme::Etdrk2),
            Self::ImexArs233 => Some(Scheme::ImexArs233),
            Self::Rk4 => Some(Scheme::Rk4),
            Self::ImplicitMidpoint => None,
        }
    }

    /// The name used in recipes and files.
    pub fn name(self) -> &'static str {
        self.into()
    }
}
fn default_cfl() -> f64 {
    1.0
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// `[time.save]`: the save window and explicit times as a table (the same as `save_from`,
/// `save_until`, `save_times`; giving one both ways is an error).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SaveSpec {
    /// Uniform saves only from this time on.
    pub from: Option<f64>,
    /// Uniform saves only up to this time.
    pub until: Option<f64>,
    /// Explicit save times.
    pub times: Option<Vec<f64>>,
}

/// Overrides of a recipe, typed: what `galerkin simulate` passes for `-o`, `--n-traj`,
/// `--seed` and `--set`. Typed values are set as they are, never written into TOML text and
/// parsed back, so any path (non-ASCII, quotes, backslashes) arrives unchanged.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecipeOverrides {
    /// `key=value` assignments ([`parse_override`]), applied first.
    pub set: Vec<String>,
    /// The output file (instead of `output`).
    pub output: Option<PathBuf>,
    /// The number of trajectories (instead of `n_traj`).
    pub n_traj: Option<usize>,
    /// The base seed (instead of `seed`).
    pub seed: Option<u64>,
}

/// Wave section: q_tt = Δq − m²q − F′(q), with the mass m a parameter (`mass`, default 0)
/// and the initial condition giving q (p = q_t starts at 0).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WaveSpec {
    /// F: `linear` (0), `exponential` (e^q), `sine-gordon` (1 − cos q), `cubic` (q⁴/4).
    pub nonlinearity: WaveNonlinearity,
}

/// Forcing section (Navier–Stokes).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ForcingSpec {
    /// No forcing.
    None,
    /// FNO forcing A(sin 2π(x+y) + cos 2π(x+y)).
    Fno {
        /// A (default 0.1).
        #[serde(default = "default_fno_amplitude")]
        amplitude: f64,
    },
    /// Kolmogorov forcing A sin(2πn y/Ly) along x.
    Kolmogorov {
        /// A (default 1).
        #[serde(default = "default_kolmogorov_amplitude")]
        amplitude: f64,
        /// n.
        wavenumber: u32,
    },
}

fn default_fno_amplitude() -> f64 {
    0.1
}
fn default_kolmogorov_amplitude() -> f64 {
    1.0
}

/// A floating-point precision, `f32` or `f64`: the storage of `/u` in dataset recipes, the
/// arithmetic of training in training recipes (`train.precision`).
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit floats (the default, as PDEBench and The Well).
    #[default]
    F32,
    /// 64-bit floats.
    F64,
}

/// How one parameter varies over the ensemble.
#[derive(Debug, Clone, PartialEq)]
pub enum ParameterValues {
    /// One value (or a list / grid): part of the Cartesian product.
    Grid(Vec<f64>),
    /// Uniform on [low, high), drawn per trajectory (low = high is a single value, `Grid`).
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
}

impl Recipe {
    /// Parses recipe text; `origin` names it in errors. `overrides` are `key=value` pairs
    /// (dotted keys, TOML values; bare words are taken as strings) applied before typing.
    pub fn parse(text: &str, origin: &str, overrides: &[String]) -> Result<Self> {
        Self::parse_with(
            text,
            origin,
            &RecipeOverrides {
                set: overrides.to_vec(),
                ..Default::default()
            },
        )
    }

    /// Parses recipe text with typed overrides: the `set` assignments, then output, number
    /// of trajectories and seed as given. A key the recipe does not know is reported with
    /// its line in `text` (or the `--set` that brought it).
    pub fn parse_with(text: &str, origin: &str, overrides: &RecipeOverrides) -> Result<Self> {
        let recipe_error = |message: String| DataError::Recipe {
            origin: origin.to_string(),
            message,
        };
        let mut doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| recipe_error(e.to_string()))?;
        for o in &overrides.set {
            apply_override(&mut doc, o)?;
        }
        let mut recipe = Self::from_table(doc)
            .map_err(|e| recipe_error(locate_type_error(text, &overrides.set, e.message())))?;
        if let Some(output) = &overrides.output {
            recipe.output = output.clone();
        }
        if let Some(n) = overrides.n_traj {
            recipe.n_traj = n;
        }
        if let Some(seed) = overrides.seed {
            recipe.seed = seed;
        }
        recipe.validate()?;
        Ok(recipe)
    }

    fn from_table(doc: toml::Table) -> std::result::Result<Self, toml::de::Error> {
        toml::Value::Table(doc).try_into()
    }

    /// Types and validates a recipe given as a TOML document (built by a program rather
    /// than parsed from text), after setting the dotted keys of `overrides` to their values
    /// as given (typed, never re-parsed from text); `origin` names it in errors.
    pub fn from_document(
        mut doc: toml::Table,
        origin: &str,
        overrides: &[(String, toml::Value)],
    ) -> Result<Self> {
        for (key, value) in overrides {
            set_dotted(&mut doc, key, value.clone())?;
        }
        let recipe = Self::from_table(doc).map_err(|e| DataError::Recipe {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        recipe.validate()?;
        Ok(recipe)
    }

    /// Reads and parses a recipe file.
    pub fn from_file(path: &std::path::Path, overrides: &[String]) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| DataError::Io {
            action: "read recipe",
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string(), overrides)
    }

    /// Reads and parses a recipe file with typed overrides ([`Recipe::parse_with`]).
    pub fn from_file_with(path: &std::path::Path, overrides: &RecipeOverrides) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| DataError::Io {
            action: "read recipe",
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse_with(&text, &path.display().to_string(), overrides)
    }

    /// The canonical text stored in files (keys sorted, overrides applied): two runs are
    /// the same dataset exactly when these agree. [`Recipe::validate`] checks that every
    /// value has a TOML form (UTF-8 output path, integers within i64).
    pub fn canonical_text(&self) -> String {
        toml::to_string(self).expect("a parsed recipe serializes")
    }

    /// The PDE's registry entry.
    pub fn pde_spec(&self) -> Result<&'static PdeSpec> {
        Ok(pde_spec(&self.pde)?)
    }

    /// Whether the PDE is a conservative wave (two stored fields q, p; implicit midpoint).
    pub fn is_wave(&self) -> Result<bool> {
        Ok(matches!(self.pde_spec()?.family, Family::ConservativeWave))
    }

    /// The solver scheme of a semi-linear PDE's recipe.
    pub fn scheme(&self) -> Result<Scheme> {
        self.time.integrator.scheme().ok_or_else(|| {
            invalid(
                "time.integrator",
                self.time.integrator.name(),
                "`etdrk4`, `etdrk2`, `imex-ars233` or `rk4` (a semi-linear PDE)",
            )
        })
    }

    /// Checks every field; run by [`Recipe::parse`].
    pub fn validate(&self) -> Result<()> {
        let spec = self.pde_spec()?;
        if self.output.to_str().is_none() {
            return Err(invalid(
                "output",
                self.output.display(),
                "a path that is valid UTF-8 (it is stored in the file's recipe text)",
            ));
        }
        if i64::try_from(self.seed).is_err() {
            return Err(invalid("seed", self.seed, "an integer from 0 to 2^63 - 1"));
        }
        if i64::try_from(self.n_traj).is_err() {
            return Err(invalid(
                "n_traj",
                self.n_traj,
                "an integer from 1 to 2^63 - 1",
            ));
        }
        self.constant_values()?;
        self.solver_grid()?;
        self.save_strides()?;
        self.save_plan()?;
        super::memory::check_recipe(self)?;
        if self.is_wave()? {
            self.schedule()?;
            if self.time.integrator != TimeIntegrator::ImplicitMidpoint {
                return Err(invalid(
                    "time.integrator",
                    self.time.integrator.name(),
                    "`implicit-midpoint` (the structure-preserving scheme of pde = \"wave\")",
                ));
            }
            if self.wave.is_none() {
                return Err(invalid(
                    "wave",
                    "(missing)",
                    "a [wave] section with `nonlinearity`",
                ));
            }
        } else {
            self.scheme()?;
            if self.wave.is_some() {
                return Err(invalid("wave", "(given)", "only for pde = \"wave\""));
            }
        }
        if self.n_traj == 0 {
            return Err(invalid("n_traj", 0, "an integer >= 1"));
        }
        let params = self.parameter_values()?;
        let constants = self.constant_values()?;
        for name in params.keys() {
            if constants.contains_key(name) {
                return Err(invalid(
                    &format!("constants.{name}"),
                    &self.constants[name],
                    "a name that is not also a parameter (expressions could not tell them apart)",
                ));
            }
        }
        for p in spec.parameters {
            if p.default.is_none() && !params.contains_key(p.name) {
                return Err(invalid(
                    &format!("parameters.{}", p.name),
                    "(missing)",
                    &format!("{} (required for pde = \"{}\")", p.allowed, self.pde),
                ));
            }
        }
        let grid_points: usize = params
            .values()
            .map(|v| match v {
                ParameterValues::Grid(values) => values.len(),
                ParameterValues::Uniform { .. } => 1,
            })
            .product();
        if self.n_traj % grid_points != 0 {
            let sizes: Vec<String> = params
                .iter()
                .filter_map(|(name, v)| match v {
                    ParameterValues::Grid(values) if values.len() > 1 => {
                        Some(format!("{name}: {}", values.len()))
                    }
                    _ => None,
                })
                .collect();
            return Err(invalid(
                "n_traj",
                self.n_traj,
                &format!(
                    "a multiple of the {grid_points} points of the parameter grid ({})",
                    sizes.join(" × ")
                ),
            ));
        }
        if self.forcing.is_some() && !spec.forced {
            let forced: Vec<&str> = galerkin_solvers::PDES
                .iter()
                .filter(|s| s.forced)
                .map(|s| s.name)
                .collect();
            return Err(invalid(
                "forcing",
                "(given)",
                &format!("only for pde = {forced:?}"),
            ));
        }
        // Every value a parameter can take, checked by the solvers before anything runs.
        self.check_parameter_ranges(&params)?;
        // Build one member's model (and initial condition's formula).
        let plan = self.plan()?;
        let member = plan.member(0);
        if self.is_wave()? {
            self.wave_member(&member)?;
        } else {
            self.build_pde(&member, &mut member.rng())?;
        }
        Ok(())
    }

    /// Parameter specs, checked against the PDE.
    pub fn parameter_values(&self) -> Result<BTreeMap<String, ParameterValues>> {
        let spec = self.pde_spec()?;
        let constants = self.constant_values()?;
        let mut out = BTreeMap::new();
        for (name, value) in &self.parameters {
            let field = format!("parameters.{name}");
            if !spec.parameters.iter().any(|p| p.name == name.as_str()) {
                let names = spec.parameter_names();
                return Err(invalid(
                    &field,
                    value,
                    &format!("a parameter of {}: {names:?}", self.pde),
                ));
            }
            out.insert(name.clone(), parse_parameter(&field, value, &constants)?);
        }
        Ok(out)
    }

    /// The values of `[constants]`: numbers, or formulas of `pi`, `e` and other constants
    /// (in any order; a cycle or an unknown name is an error naming the constant).
    pub fn constant_values(&self) -> Result<BTreeMap<String, f64>> {
        for name in self.constants.keys() {
            if !is_identifier(name) || is_reserved(name) {
                return Err(invalid(
                    &format!("constants.{name}"),
                    &self.constants[name],
                    "a name of letters, digits and `_` (not starting with a digit) other \
                     than x, y, lx, ly, pi, e and the function names",
                ));
            }
        }
        let mut values = BTreeMap::new();
        let mut pending: Vec<&String> = self.constants.keys().collect();
        while !pending.is_empty() {
            let before = pending.len();
            let mut first_error = None;
            pending.retain(
                |name| match constant_number(&self.constants[*name], &values) {
                    Ok(v) => {
                        values.insert((*name).clone(), v);
                        false
                    }
                    Err(e) => {
                        first_error.get_or_insert(((*name).clone(), e));
                        true
                    }
                },
            );
            if pending.len() == before {
                let (name, reason) = first_error.expect("a pending constant failed");
                return Err(invalid(
                    &format!("constants.{name}"),
                    &self.constants[&name],
                    &format!(
                        "a number or a formula of pi, e and other constants, without \
                         cycles ({reason})"
                    ),
                ));
            }
        }
        Ok(values)
    }

    /// The names an initial-condition expression of a trajectory with parameter values
    /// `params` may use beside the coordinates: the constants and the parameters.
    pub fn expression_names(
        &self,
        params: &BTreeMap<String, f64>,
    ) -> Result<BTreeMap<String, f64>> {
        let mut names = self.constant_values()?;
        names.extend(params.iter().map(|(k, v)| (k.clone(), *v)));
        Ok(names)
    }

    /// The grid's origin (x0, y0) from `origin` / `x0` / `y0` (default 0).
    fn origin(&self, two_d: bool) -> Result<(f64, f64)> {
        let g = &self.grid;
        if g.origin.is_some() && (g.x0.is_some() || g.y0.is_some()) {
            return Err(invalid(
                "grid.origin",
                g.origin.unwrap_or_default(),
                "either `origin` or `x0` / `y0`, not both",
            ));
        }
        if !two_d && g.y0.is_some() {
            return Err(invalid(
                "grid.y0",
                g.y0.unwrap_or_default(),
                "only for a 2-D grid (use `origin` or `x0` in 1-D)",
            ));
        }
        let x0 = g.origin.or(g.x0).unwrap_or(0.0);
        let y0 = if two_d {
            g.origin.or(g.y0).unwrap_or(0.0)
        } else {
            0.0
        };
        for (field, v) in [("grid.x0", x0), ("grid.y0", y0)] {
            if !v.is_finite() {
                return Err(invalid(field, v, "a finite number"));
            }
        }
        Ok((x0, y0))
    }

    /// The simulation grid.
    pub fn solver_grid(&self) -> Result<Grid> {
        let g = &self.grid;
        let two_d = match self.pde_spec()?.dimension {
            Dimension::One => false,
            Dimension::Two => true,
            Dimension::Either => g.nx.is_some(),
        };
        Ok(if two_d {
            let need = |v: Option<usize>, f: &str| {
                v.ok_or_else(|| {
                    invalid(&format!("grid.{f}"), "(missing)", "required for a 2-D PDE")
                })
            };
            let len = |v: Option<f64>| v.unwrap_or(1.0);
            let (x0, y0) = self.origin(true)?;
            Grid::new_2d(need(g.nx, "nx")?, need(g.ny, "ny")?, len(g.lx), len(g.ly))
                .and_then(|grid| grid.with_origin(x0, y0))
                .map_err(in_grid_section)?
        } else {
            let n =
                g.n.ok_or_else(|| invalid("grid.n", "(missing)", "required for a 1-D PDE"))?;
            let (x0, _) = self.origin(false)?;
            Grid::new_1d(n, g.length.unwrap_or(1.0))
                .and_then(|grid| grid.with_origin(x0, 0.0))
                .map_err(in_grid_section)?
        })
    }

    /// Strides (x, y) between stored points.
    pub fn save_strides(&self) -> Result<(usize, usize)> {
        let grid = self.solver_grid()?;
        let stride = |n: usize, save: Option<usize>, field: &str| -> Result<usize> {
            match save {
                None => Ok(1),
                Some(s) if s >= 1 && s <= n && n % s == 0 => Ok(n / s),
                Some(s) => Err(invalid(
                    field,
                    s,
                    &format!("a divisor of the grid size {n}"),
                )),
            }
        };
        if grid.is_2d() {
            Ok((
                stride(grid.nx(), self.grid.save_nx, "grid.save_nx")?,
                stride(grid.ny(), self.grid.save_ny, "grid.save_ny")?,
            ))
        } else {
            Ok((stride(grid.nx(), self.grid.save_n, "grid.save_n")?, 1))
        }
    }

    /// The uniform save schedule (every `save_every` steps up to a `t_end` that is a whole
    /// number of steps): what conservative waves run. A recipe with a save window or
    /// explicit times is refused here naming the key: [`Recipe::save_plan`] runs those.
    pub fn schedule(&self) -> Result<Schedule> {
        let t = &self.time;
        let non_uniform = [
            ("time.save_from", t.save_from.is_some()),
            ("time.save_until", t.save_until.is_some()),
            ("time.save_times", t.save_times.is_some()),
            ("time.save", t.save.is_some()),
        ];
        if let Some((field, _)) = non_uniform.iter().find(|(_, given)| *given) {
            return Err(invalid(
                field,
                "(given)",
                "only for semi-linear PDEs: pde = \"wave\" saves every `save_every` steps \
                 from 0 to a t_end that is a multiple of dt",
            ));
        }
        let mut schedule = Schedule::from_t_end(t.dt, t.t_end, t.save_every)?;
        if !(t.cfl_limit.is_finite() && t.cfl_limit > 0.0) {
            return Err(invalid(
                "time.cfl_limit",
                t.cfl_limit,
                "a finite number > 0",
            ));
        }
        schedule.cfl_limit = Some(t.cfl_limit);
        Ok(schedule)
    }

    /// When a run saves (see the module docs): every `save_every` steps inside the window
    /// [`save_from`, `save_until`], the final time `t_end` (one shorter step when it is no
    /// multiple of dt), and the explicit `save_times`. For a recipe without these keys and
    /// a `t_end` on the step grid it is exactly the uniform [`Recipe::schedule`].
    pub fn save_plan(&self) -> Result<SavePlan> {
        let t = &self.time;
        if !(t.dt.is_finite() && t.dt > 0.0) {
            return Err(invalid("dt", t.dt, "a finite number > 0"));
        }
        if !(t.t_end.is_finite() && t.t_end > 0.0) {
            return Err(invalid("t_end", t.t_end, "a finite number > 0"));
        }
        if t.t_end < t.dt {
            return Err(invalid("t_end", t.t_end, "t_end >= dt"));
        }
        if !(t.cfl_limit.is_finite() && t.cfl_limit > 0.0) {
            return Err(invalid(
                "time.cfl_limit",
                t.cfl_limit,
                "a finite number > 0",
            ));
        }
        let table = t.save.clone().unwrap_or_default();
        let both = |field: &str, a: bool, b: bool| -> Result<()> {
            if a && b {
                Err(invalid(
                    &format!("time.save_{field}"),
                    "(given twice)",
                    &format!("either `time.save_{field}` or `time.save.{field}`, not both"),
                ))
            } else {
                Ok(())
            }
        };
        both("from", t.save_from.is_some(), table.from.is_some())?;
        both("until", t.save_until.is_some(), table.until.is_some())?;
        both("times", t.save_times.is_some(), table.times.is_some())?;
        let from = t.save_from.or(table.from);
        let until = t.save_until.or(table.until);
        let times = t.save_times.clone().or(table.times);
        let tolerance = STEP_GRID_TOLERANCE * t.t_end.max(t.dt);
        let end = SavePoint::at(t.dt, t.t_end, "time.t_end")?;
        let mut points: Vec<SavePoint> = Vec::new();
        if t.save_every == 0 {
            if times.is_none() {
                return Err(invalid(
                    "time.save_every",
                    "(missing)",
                    "an integer >= 1, or explicit `save_times`",
                ));
            }
            if let Some((field, v)) = from
                .map(|v| ("time.save_from", v))
                .or(until.map(|v| ("time.save_until", v)))
            {
                return Err(invalid(
                    field,
                    v,
                    "only with `save_every` (the window selects uniform saves)",
                ));
            }
        } else {
            let steps = end.step;
            if steps % t.save_every != 0 {
                return Err(invalid(
                    "save_every",
                    t.save_every,
                    &format!(
                        "a divisor of the number of whole steps t_end / dt ({steps}, rounded \
                         down)"
                    ),
                ));
            }
            let lo = from.unwrap_or(0.0);
            let hi = until.unwrap_or(t.t_end);
            for (field, v) in [("time.save_from", lo), ("time.save_until", hi)] {
                if !(v.is_finite() && v >= 0.0 && v <= t.t_end + tolerance) {
                    return Err(invalid(
                        field,
                        v,
                        &format!("a time in [0, t_end = {}]", t.t_end),
                    ));
                }
            }
            if lo > hi {
                return Err(invalid(
                    "time.save_from",
                    lo,
                    &format!("a time <= save_until = {hi}"),
                ));
            }
            points.extend(
                (0..=steps)
                    .step_by(t.save_every)
                    .map(|k| SavePoint {
                        step: k,
                        remainder: 0.0,
                        time: k as f64 * t.dt,
                    })
                    .chain((end.remainder > 0.0).then_some(end))
                    .filter(|p| p.time >= lo - tolerance && p.time <= hi + tolerance),
            );
            if points.is_empty() && times.is_none() {
                return Err(invalid(
                    "time.save_from",
                    lo,
                    &format!(
                        "a window [save_from, save_until] = [{lo}, {hi}] that holds at least \
                         one save (every {} steps of {})",
                        t.save_every, t.dt
                    ),
                ));
            }
        }
        if let Some(times) = times {
            if times.is_empty() {
                return Err(invalid("time.save_times", "[]", "at least one time"));
            }
            for (i, &time) in times.iter().enumerate() {
                if !(time.is_finite() && time >= 0.0 && time <= t.t_end + tolerance) {
                    return Err(invalid(
                        "time.save_times",
                        time,
                        &format!("times in [0, t_end = {}]", t.t_end),
                    ));
                }
                if i > 0 && time <= times[i - 1] {
                    return Err(invalid(
                        "time.save_times",
                        time,
                        &format!("increasing times (it follows {})", times[i - 1]),
                    ));
                }
                let point = SavePoint::at(t.dt, time.min(t.t_end), "time.save_times")?;
                points.push(
                    if (point.step, point.remainder) == (end.step, end.remainder) {
                        end
                    } else {
                        point
                    },
                );
            }
        }
        // Uniform saves come first, so a time given both ways keeps the uniform one.
        points.sort_by(|a, b| {
            a.step
                .cmp(&b.step)
                .then(a.remainder.total_cmp(&b.remainder))
        });
        points.dedup_by(|b, a| a.step == b.step && a.remainder == b.remainder);
        Ok(SavePlan::new(t.dt, points, Some(t.cfl_limit))?)
    }

    /// Checks every value each parameter can take (each list or grid entry, both bounds of
    /// a uniform range) with the PDE's own builder, the others at their first values: a
    /// range that leaves the allowed set fails here, naming the parameter, the offending
    /// value and the allowed range, before any trajectory runs.
    fn check_parameter_ranges(&self, values: &BTreeMap<String, ParameterValues>) -> Result<()> {
        let spec = self.pde_spec()?;
        let first: BTreeMap<String, f64> = values
            .iter()
            .map(|(name, v)| {
                let x = match v {
                    ParameterValues::Grid(list) => list[0],
                    ParameterValues::Uniform { low, .. } => *low,
                };
                (name.clone(), x)
            })
            .collect();
        let grid = self.solver_grid()?;
        let wave = self.is_wave()?;
        for (name, v) in values {
            let candidates: Vec<(String, f64)> = match v {
                ParameterValues::Grid(list) => list
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (format!("entry {i}"), *x))
                    .collect(),
                ParameterValues::Uniform { low, high } => {
                    vec![("low".into(), *low), ("high".into(), *high)]
                }
            };
            let mut checked: Vec<u64> = Vec::new();
            for (which, x) in candidates {
                if checked.contains(&x.to_bits()) {
                    continue;
                }
                checked.push(x.to_bits());
                let mut params = first.clone();
                params.insert(name.clone(), x);
                let built = if wave {
                    self.wave_on(&grid, &params).map(|_| ())
                } else {
                    self.semi_linear_pde(&grid, &params).map(|_| ())
                };
                if let Err(e) = built {
                    let allowed = spec
                        .parameters
                        .iter()
                        .find(|p| p.name == name.as_str())
                        .map_or("a value the PDE accepts", |p| p.allowed);
                    return Err(invalid(
                        &format!("parameters.{name}"),
                        &self.parameters[name],
                        &format!(
                            "{allowed}, for every value it can take ({which} = {x} is not: {e})"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The ensemble: the Cartesian product of list/grid parameters × samples per point.
    pub fn plan(&self) -> Result<EnsemblePlan> {
        let mut grid = ParameterGrid::default();
        for (name, values) in self.parameter_values()? {
            if let ParameterValues::Grid(v) = values {
                grid = grid.with_axis(&name, v)?;
            }
        }
        let samples = self.n_traj / grid.len();
        Ok(EnsemblePlan {
            grid,
            samples,
            base_seed: self.seed,
        })
    }

    /// Parameter values of `member`: its grid point, then uniform draws from `rng` in name
    /// order, then defaults.
    pub fn member_parameters(
        &self,
        member: &Member,
        rng: &mut impl Rng,
    ) -> Result<BTreeMap<String, f64>> {
        let mut out = BTreeMap::new();
        for (name, spec) in self.parameter_values()? {
            let value = match spec {
                ParameterValues::Grid(_) => member.parameter(&name).expect("grid axis"),
                ParameterValues::Uniform { low, high } => rng.random_range(low..high),
            };
            out.insert(name, value);
        }
        Ok(self.pde_spec()?.complete(&out)?)
    }

    fn build_pde(
        &self,
        member: &Member,
        rng: &mut impl Rng,
    ) -> Result<(Box<dyn SemiLinearPde>, BTreeMap<String, f64>)> {
        let params = self.member_parameters(member, rng)?;
        let pde = self.semi_linear_pde(&self.solver_grid()?, &params)?;
        Ok((pde, params))
    }

    /// The recipe's semi-linear PDE on `grid` with the parameter values `params` (missing
    /// ones take their defaults), built by the PDE registry: how a reduced model rebuilds
    /// the full model a trajectory file came from, on the file's grid.
    pub fn semi_linear_pde(
        &self,
        grid: &Grid,
        params: &BTreeMap<String, f64>,
    ) -> Result<Box<dyn SemiLinearPde>> {
        let forcing = match self.forcing.clone().unwrap_or(ForcingSpec::None) {
            ForcingSpec::None => Forcing::None,
            ForcingSpec::Fno { amplitude } => Forcing::Fno { amplitude },
            ForcingSpec::Kolmogorov {
                amplitude,
                wavenumber,
            } => Forcing::Kolmogorov {
                amplitude,
                wavenumber,
            },
        };
        Ok(self
            .pde_spec()?
            .build(grid, params, self.time.dealias, forcing)?)
    }

    /// The recipe's conservative wave on `grid` with parameters `params` (pde = "wave").
    pub fn wave_on(&self, grid: &Grid, params: &BTreeMap<String, f64>) -> Result<ConservativeWave> {
        let spec = self
            .wave
            .as_ref()
            .ok_or_else(|| invalid("wave", "(missing)", "a [wave] section with `nonlinearity`"))?;
        let params = self.pde_spec()?.complete(params)?;
        Ok(ConservativeWave::new(
            grid,
            spec.nonlinearity,
            params["mass"],
        )?)
    }

    /// The wave, initial q and parameters of `member` (pde = "wave"); p starts at 0.
    pub fn wave_member(
        &self,
        member: &Member,
    ) -> Result<(ConservativeWave, Vec<f64>, BTreeMap<String, f64>)> {
        let mut rng = member.rng();
        let params = self.member_parameters(member, &mut rng)?;
        let grid = self.solver_grid()?;
        let wave = self.wave_on(&grid, &params)?;
        let names = self.expression_names(&params)?;
        let q0 = self
            .initial_condition()
            .sample_with(&grid, &mut rng, &names)?;
        Ok((wave, q0, params))
    }

    /// The grid the trajectory file stores (the solver grid every save stride).
    pub fn save_grid(&self) -> Result<Grid> {
        let grid = self.solver_grid()?;
        let (sx, sy) = self.save_strides()?;
        Ok(if grid.is_2d() {
            Grid::new_2d(grid.nx() / sx, grid.ny() / sy, grid.lx(), grid.ly())?
        } else {
            Grid::new_1d(grid.nx() / sx, grid.lx())?
        }
        .with_origin(grid.x0(), grid.y0())?)
    }

    /// The solver initial condition.
    pub fn initial_condition(&self) -> InitialCondition {
        match self.initial_condition.clone() {
            IcSpec::GaussianRandomField { sigma, tau, alpha } => {
                InitialCondition::GaussianRandomField { sigma, tau, alpha }
            }
            IcSpec::FnoBurgers => InitialCondition::fno_burgers(),
            IcSpec::FnoNavierStokes => InitialCondition::fno_navier_stokes(),
            IcSpec::RandomFourier {
                max_mode,
                decay,
                amplitude,
            } => InitialCondition::RandomFourier {
                max_mode,
                decay,
                amplitude,
            },
            IcSpec::Expression { expression } => InitialCondition::Expression(expression),
            IcSpec::File { path, dataset } => InitialCondition::File { path, dataset },
        }
    }

    /// The simulation of `member` and its parameter values. The member's random stream
    /// draws uniform parameters first, then the initial condition.
    pub fn simulation(&self, member: &Member) -> Result<(Simulation, BTreeMap<String, f64>)> {
        let mut rng = member.rng();
        let (pde, params) = self.build_pde(member, &mut rng)?;
        let grid = pde.grid().clone();
        let names = self.expression_names(&params)?;
        let u0 = self
            .initial_condition()
            .sample_with(&grid, &mut rng, &names)?;
        Ok((
            Simulation::new(pde, self.scheme()?, self.time.dt, &u0)?,
            params,
        ))
    }
}

/// A number, or a formula (a string) of `pi`, `e` and `names`, evaluated once; the error
/// is the reason in words.
fn constant_number(
    v: &toml::Value,
    names: &BTreeMap<String, f64>,
) -> std::result::Result<f64, String> {
    match v {
        toml::Value::Float(f) => Ok(*f),
        toml::Value::Integer(i) => Ok(*i as f64),
        toml::Value::String(text) => Expression::constant(text, names).map_err(|e| e.to_string()),
        other => Err(format!("{} is not a number", other.type_str())),
    }
}

/// A parameter value: number, list of numbers, `{start, stop, num}` or `{low, high}`; each
/// number may be a formula of the constants `names`.
fn parse_parameter(
    field: &str,
    value: &toml::Value,
    names: &BTreeMap<String, f64>,
) -> Result<ParameterValues> {
    let allowed = "a number or formula of constants, a list of them, { start, stop, num } or \
                   { low, high }";
    let number = |v: &toml::Value| -> Result<f64> {
        constant_number(v, names)
            .map_err(|reason| invalid(field, value, &format!("{allowed} ({reason})")))
    };
    let bad = || invalid(field, value, allowed);
    let values = match value {
        toml::Value::Array(items) => items.iter().map(number).collect::<Result<Vec<_>>>()?,
        toml::Value::Table(t) => {
            let get = |k: &str| t.get(k).map(number).transpose();
            let mut keys: Vec<&str> = t.keys().map(String::as_str).collect();
            keys.sort_unstable();
            match keys.as_slice() {
                ["num", "start", "stop"] => {
                    let (start, stop) = (
                        get("start")?.ok_or_else(bad)?,
                        get("stop")?.ok_or_else(bad)?,
                    );
                    let num = t
                        .get("num")
                        .and_then(toml::Value::as_integer)
                        .filter(|n| *n >= 1)
                        .ok_or_else(bad)? as usize;
                    (0..num)
                        .map(|i| {
                            if num == 1 {
                                start
                            } else {
                                start + (stop - start) * i as f64 / (num - 1) as f64
                            }
                        })
                        .collect()
                }
                ["high", "low"] => {
                    let (low, high) = (get("low")?.ok_or_else(bad)?, get("high")?.ok_or_else(bad)?);
                    if !(low.is_finite() && high.is_finite() && low <= high) {
                        return Err(invalid(
                            field,
                            value,
                            &format!("finite bounds with low <= high (low = {low}, high = {high})"),
                        ));
                    }
                    if low == high {
                        return Ok(ParameterValues::Grid(vec![low]));
                    }
                    return Ok(ParameterValues::Uniform { low, high });
                }
                _ => return Err(bad()),
            }
        }
        v => vec![number(v)?],
    };
    if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
        return Err(invalid(
            field,
            value,
            "finite numbers (no NaN or Inf), at least one",
        ));
    }
    Ok(ParameterValues::Grid(values))
}

/// The message of a typing error of the recipe `text` with its line: the key the error is
/// about is found by typing `text` alone, which keeps the positions (`--set` overrides come
/// after; an unknown key one of them brought is named with it).
fn locate_type_error(text: &str, overrides: &[String], message: &str) -> String {
    if let Err(e) = toml::from_str::<Recipe>(text) {
        if e.message() == message {
            if let Some(span) = e.span() {
                let start = span.start.min(text.len());
                // A span on a table's header (internally tagged sections): the key's own line,
                // looked for in that table's body.
                let key_at = unknown_key(message).and_then(|key| {
                    let mut offset = start;
                    text.get(start..)?
                        .split_inclusive('\n')
                        .enumerate()
                        .take_while(|(i, line)| *i == 0 || !line.trim_start().starts_with('['))
                        .find_map(|(_, line)| {
                            let at = offset;
                            offset += line.len();
                            let body = line.trim_start();
                            let rest = body.strip_prefix(key)?;
                            rest.trim_start()
                                .starts_with('=')
                                .then_some(at + line.len() - body.len())
                        })
                });
                let before = &text[..key_at.unwrap_or(start)];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                return format!("line {line}, column {column}: {message}");
            }
        }
    }
    if let Some(key) = unknown_key(message) {
        let from_set = overrides.iter().find(|o| {
            o.split_once('=')
                .is_some_and(|(k, _)| k.trim().rsplit('.').next() == Some(key))
        });
        if let Some(assignment) = from_set {
            return format!("{message} (from --set `{assignment}`)");
        }
    }
    message.to_string()
}

/// The key of serde's "unknown field `key`, expected …" message.
fn unknown_key(message: &str) -> Option<&str> {
    message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(key, _)| key)
}

/// Splits a `key=value` override (the command line's `--set`) into the dotted key and its
/// value: TOML-typed (`3`, `1e-3`, `true`, `[1, 2]`, `"text"`), a bare word taken as a
/// string.
pub fn parse_override(assignment: &str) -> Result<(String, toml::Value)> {
    let (key, raw) = assignment
        .split_once('=')
        .ok_or_else(|| DataError::Recipe {
            origin: "--set".into(),
            message: format!("`{assignment}` is not of the form key=value"),
        })?;
    let value: toml::Value = format!("v = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.trim().to_string()));
    Ok((key.trim().to_string(), value))
}

/// Applies a `key=value` override ([`parse_override`]) to the document.
pub(crate) fn apply_override(doc: &mut toml::Table, assignment: &str) -> Result<()> {
    let (key, value) = parse_override(assignment)?;
    set_dotted(doc, &key, value)
}

/// Sets the dotted `key` (`time.dt`) of `doc` to `value`, creating missing tables.
fn set_dotted(doc: &mut toml::Table, key: &str, value: toml::Value) -> Result<()> {
    let parts: Vec<&str> = key.trim().split('.').collect();
    let (last, parents) = parts.split_last().expect("split yields at least one part");
    let mut table = doc;
    for p in parents {
        table = table
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or_else(|| DataError::Recipe {
                origin: "--set".into(),
                message: format!("`{p}` in `{key}` is not a table"),
            })?;
    }
    table.insert(last.to_string(), value);
    Ok(())
}

/// A grid error of the solvers with its field named as the recipe writes it (`grid.n`,
/// `grid.lx`), not as the solver's argument (`n`).
fn in_grid_section(error: galerkin_solvers::SolverError) -> DataError {
    match error {
        galerkin_solvers::SolverError::InvalidParameter {
            field,
            value,
            allowed,
        } => DataError::InvalidField {
            field: format!("grid.{field}"),
            value,
            allowed,
        },
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = r#"name = "t"
pde = "burgers"
n_traj = 2
output = "t.h5"

[parameters]
viscosity = [0.1, 0.05]

[grid]
n = 64

[initial_condition]
kind = "expression"
expression = "sin(2*pi*x)"

[time]
dt = 1e-3
t_end = 0.1
save_every = 10
"#;

    fn parse(text: &str, set: &[&str]) -> Result<Recipe> {
        let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
        Recipe::parse(text, "test.toml", &set)
    }

    #[test]
    fn unknown_keys_are_reported_with_their_line() {
        let top = TINY.replace("n_traj = 2", "n_traj = 2\ncolour = 3");
        let err = parse(&top, &[]).unwrap_err().to_string();
        assert!(
            err.contains("line 4") && err.contains("unknown field `colour`"),
            "{err}"
        );
        let nested = TINY.replace("n = 64", "n = 64\nlenght = 2.0");
        let err = parse(&nested, &[]).unwrap_err().to_string();
        assert!(
            err.contains("line 11") && err.contains("unknown field `lenght`"),
            "{err}"
        );
        let in_time = TINY.replace("save_every = 10", "save_every = 10\nsteps = 3");
        let err = parse(&in_time, &[]).unwrap_err().to_string();
        assert!(
            err.contains("line 20,") && err.contains("unknown field `steps`"),
            "{err}"
        );
        let in_ic = TINY.replace("kind = \"expression\"", "kind = \"expression\"\nsigma = 1");
        let err = parse(&in_ic, &[]).unwrap_err().to_string();
        assert!(
            err.contains("line 14,") && err.contains("unknown field `sigma`"),
            "{err}"
        );
        // A key brought by --set is named with the assignment.
        let err = parse(TINY, &["grid.colour=3"]).unwrap_err().to_string();
        assert!(err.contains("(from --set `grid.colour=3`)"), "{err}");
    }
}
