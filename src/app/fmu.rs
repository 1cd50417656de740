//! `galerkin fmu`: packs a ROM into an FMI 2.0 co-simulation FMU — `modelDescription.xml`,
//! the runtime library (`libgalerkin_rom`) as the binary, the portable ROM and the FMU's
//! configuration in `resources/` — that Modelica tools, Simulink and co-simulation masters
//! (FMPy, OMSimulator, ...) load without galerkin.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use galerkin_rom::fmu::{
    model_description, variables, FmuConfig, ProbeAt, ProbeSpec, CONFIG_FILE, ROM_FILE,
};
use galerkin_runtime::{Instance, RomKind, RomModel};

use super::error::{AppError, Result};
use crate::data::Dataset;

/// The FMI platform folder and library file name of this build's target.
const PLATFORM: (&str, &str) = if cfg!(target_os = "windows") {
    ("win64", "galerkin_rom.dll")
} else if cfg!(target_os = "macos") {
    ("darwin64", "libgalerkin_rom.dylib")
} else {
    ("linux64", "libgalerkin_rom.so")
};

/// What `galerkin fmu` packs.
#[derive(Debug, Clone)]
pub struct FmuOptions {
    /// The ROM: a portable file (.safetensors) or an HDF5 ROM file of `galerkin reduce`.
    pub rom: PathBuf,
    /// The FMU to write.
    pub output: PathBuf,
    /// Probe outputs: `index=I` (the full state at grid index I) or `[field=NAME,]x=X[,y=Y]`
    /// (a field at a physical point).
    pub probes: Vec<String>,
    /// The ROM step (default: the recipe's dt of `initial_from`).
    pub dt: Option<f64>,
    /// A trajectory file whose trajectory `trajectory` gives the initial state (projected).
    pub initial_from: Option<PathBuf>,
    /// The trajectory of `initial_from`.
    pub trajectory: usize,
    /// The default stop time (default: the trajectory's horizon, else 100 dt).
    pub stop_time: Option<f64>,
    /// The runtime library to embed (default: next to the running `galerkin`).
    pub binary: Option<PathBuf>,
    /// Overwrite an existing output.
    pub force: bool,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct FmuSummary {
    /// The model identifier (the binary's name in the FMU).
    pub model_identifier: String,
    /// The number of scalar variables.
    pub variables: usize,
    /// The ROM's rank.
    pub rank: usize,
    /// The default step.
    pub dt: f64,
}

/// An [`AppError::Invalid`].
fn invalid(field: &str, value: impl std::fmt::Display, allowed: impl Into<String>) -> AppError {
    AppError::Invalid {
        field: field.into(),
        value: value.to_string(),
        allowed: allowed.into(),
    }
}

/// An [`AppError::Io`] for `path`.
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> AppError + '_ {
    move |source| AppError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The portable bytes of the ROM at `path`: read as they are, or converted from HDF5.
fn rom_bytes(path: &Path) -> Result<Vec<u8>> {
    if path.extension().is_some_and(|e| e == "h5") {
        Ok(crate::workflow::portable_bytes(path)?.1)
    } else {
        std::fs::read(path).map_err(io(path))
    }
}

/// The runtime library: `binary`, else `GALERKIN_FMU_BINARY`, else next to this program.
fn find_binary(binary: Option<&Path>) -> Result<PathBuf> {
    let candidate = match binary {
        Some(b) => b.to_path_buf(),
        None => match std::env::var_os("GALERKIN_FMU_BINARY") {
            Some(b) => PathBuf::from(b),
            None => std::env::current_exe()
                .map_err(io(Path::new("galerkin")))?
                .with_file_name(PLATFORM.1),
        },
    };
    if !candidate.is_file() {
        return Err(invalid(
            "--binary",
            candidate.display(),
            format!(
                "the runtime library {} (build it with `cargo build --release -p \
                 galerkin-capi`; it lands next to the galerkin binary)",
                PLATFORM.1
            ),
        ));
    }
    Ok(candidate)
}

/// A `--probe` spec: `index=I` (the full state at grid index I, named `u[I]`), or
/// `[field=NAME,]x=X[,y=Y]` (field NAME, default the first, at the physical point, named
/// `NAME(x=X,y=Y)`).
fn parse_probe(text: &str, model: &RomModel) -> Result<ProbeSpec> {
    let fields = model.field_names();
    let axes: &[&str] = if model.grid_shape().len() == 2 {
        &["y", "x"]
    } else {
        &["x"]
    };
    let allowed = format!(
        "index=I (0 <= I < {}) or [field=NAME,]{} with NAME one of {fields:?} and \
         coordinates in the domain {:?}",
        model.full_dim(),
        if axes.len() == 2 { "x=X,y=Y" } else { "x=X" },
        model.domain()
    );
    let bad = || invalid("--probe", text, allowed.clone());
    if let Some(index) = text.strip_prefix("index=") {
        let index: usize = index.trim().parse().map_err(|_| bad())?;
        if index >= model.full_dim() {
            return Err(bad());
        }
        return Ok(ProbeSpec {
            name: format!("u[{index}]"),
            at: ProbeAt::Index { index },
        });
    }
    let (mut field, mut point) = (0, vec![f64::NAN; axes.len()]);
    for part in text.split(',') {
        let (key, value) = part.split_once('=').ok_or_else(bad)?;
        match (key.trim(), axes.iter().position(|a| *a == key.trim())) {
            ("field", _) => {
                field = fields
                    .iter()
                    .position(|f| f == value.trim())
                    .ok_or_else(bad)?;
            }
            (_, Some(axis)) => point[axis] = value.trim().parse().map_err(|_| bad())?,
            _ => return Err(bad()),
        }
    }
    if point.iter().any(|c| c.is_nan()) {
        return Err(bad());
    }
    model.probe_at(field, &point)?;
    let coordinates: Vec<String> = axes
        .iter()
        .rev()
        .map(|a| {
            format!(
                "{a}={}",
                point[axes.iter().position(|b| b == a).unwrap_or(0)]
            )
        })
        .collect();
    Ok(ProbeSpec {
        name: format!("{}({})", fields[field], coordinates.join(",")),
        at: ProbeAt::Point { field, point },
    })
}

/// The FMI model identifier from the output's file stem: a C identifier.
fn model_identifier(output: &Path) -> String {
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut id: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        id.insert_str(0, "rom_");
    }
    id
}

/// A GUID (8-4-4-4-12 hex digits in braces) hashed from the FMU's content.
fn guid(parts: &[&[u8]]) -> String {
    let half = |seed: u64| {
        let mut h = std::hash::DefaultHasher::new();
        seed.hash(&mut h);
        parts.iter().for_each(|p| p.hash(&mut h));
        h.finish()
    };
    let hex = format!("{:016x}{:016x}", half(1), half(2));
    format!(
        "{{{}-{}-{}-{}-{}}}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Writes the FMU of `opts` atomically (a temporary file, then a rename); an existing output
/// is refused unless `force`.
pub fn write_fmu(opts: &FmuOptions) -> Result<FmuSummary> {
    if opts.output.exists() && !opts.force {
        return Err(invalid(
            "--output",
            opts.output.display(),
            "a path that does not exist (or pass --force to overwrite it)",
        ));
    }
    let rom_bytes = rom_bytes(&opts.rom)?;
    let model = std::sync::Arc::new(RomModel::from_bytes(&rom_bytes)?);
    let probes = opts
        .probes
        .iter()
        .map(|p| parse_probe(p, &model))
        .collect::<Result<Vec<_>>>()?;
    let (mut dt, mut initial_state, mut stop_time) = (opts.dt, vec![0.0; model.rank()], None);
    if let Some(path) = &opts.initial_from {
        let dataset = Dataset::open(path)?;
        if opts.trajectory >= dataset.n_traj() {
            return Err(invalid(
                "--trajectory",
                opts.trajectory,
                format!(
                    "0..{} (the trajectories of {})",
                    dataset.n_traj(),
                    path.display()
                ),
            ));
        }
        let mut u0 = dataset.solver_snapshots(opts.trajectory, 0..1)?;
        if model.kind() == RomKind::LiftedQuadratic {
            // The lifted state (q, p, w[, z]) from the file's (q, p).
            let wave = crate::workflow::lifted::wave_model_of(&dataset, opts.trajectory)?;
            let (q, p) = u0.split_at(u0.len() / 2);
            u0 = wave.lift(q, p).concat();
        }
        let mut run = Instance::new(model.clone(), 1.0)?;
        run.set_state_full(&u0)?;
        initial_state = run.state().to_vec();
        dt = dt.or(Some(dataset.recipe()?.time.dt));
        stop_time = dataset.times()?.last().copied();
    }
    let dt = dt.ok_or_else(|| {
        invalid(
            "--dt",
            "(none)",
            "a ROM step > 0 (or --initial-from DATA.h5, whose recipe gives it)",
        )
    })?;
    if !(dt.is_finite() && dt > 0.0) {
        return Err(invalid("--dt", dt, "a finite number > 0"));
    }
    let stop_time = opts.stop_time.or(stop_time).unwrap_or(100.0 * dt);
    if !(stop_time.is_finite() && stop_time > 0.0) {
        return Err(invalid("--stop-time", stop_time, "a finite time > 0"));
    }
    let binary_path = find_binary(opts.binary.as_deref())?;
    let binary = std::fs::read(&binary_path).map_err(io(&binary_path))?;
    let id = model_identifier(&opts.output);
    let mut config = FmuConfig {
        guid: String::new(),
        dt,
        initial_state,
        probes,
        stop_time,
    };
    let draft = serde_json::to_vec(&config).expect("configuration serializes");
    config.guid = guid(&[&rom_bytes, &draft, &binary, id.as_bytes()]);
    let vars = variables(&model, &config);
    let description = format!(
        "galerkin {} ROM of `{}`, r = {}, n = {}",
        model.kind().name(),
        model.pde(),
        model.rank(),
        model.full_dim()
    );
    let xml = model_description(&id, &description, &config, &vars);
    let json = serde_json::to_vec_pretty(&config).expect("configuration serializes");
    let entries: [(String, &[u8]); 4] = [
        ("modelDescription.xml".into(), xml.as_bytes()),
        (
            format!("binaries/{}/{id}.{}", PLATFORM.0, library_extension()),
            &binary,
        ),
        (format!("resources/{ROM_FILE}"), &rom_bytes),
        (format!("resources/{CONFIG_FILE}"), &json),
    ];
    write_zip_atomically(&opts.output, &entries)?;
    Ok(FmuSummary {
        model_identifier: id,
        variables: vars.len(),
        rank: model.rank(),
        dt,
    })
}

/// The shared-library extension of [`PLATFORM`].
fn library_extension() -> &'static str {
    PLATFORM.1.rsplit('.').next().unwrap_or("so")
}

/// Writes `entries` (stored, uncompressed) as a zip archive at `path` via a temporary file.
fn write_zip_atomically(path: &Path, entries: &[(String, &[u8])]) -> Result<()> {
    let temp = PathBuf::from(format!("{}.tmp", path.display()));
    let zip_error = |e: zip::result::ZipError| AppError::Io {
        path: temp.clone(),
        source: std::io::Error::other(e),
    };
    let file = std::fs::File::create(&temp).map_err(io(&temp))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .unix_permissions(0o644);
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), options).map_err(zip_error)?;
        zip.write_all(bytes).map_err(io(&temp))?;
    }
    zip.finish().map_err(zip_error)?;
    std::fs::rename(&temp, path).map_err(io(path))
}
