//! Deterministic parallel ensembles over seeds × a parameter grid.
//!
//! Member i's randomness comes from (base seed, i) only, through [`member_seed`], and every
//! member is computed by one thread from start to finish, so the results do not depend on
//! the number of threads or on scheduling. Finished trajectories are handed to a sink as
//! they complete (in any order), so a writer can stream them to disk.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::error::{invalid, Result};
use crate::simulation::{Schedule, Simulation, Trajectory};

/// Seed of member `index`: SplitMix64 (Steele, Lea, Flood, OOPSLA 2014) of the base seed
/// mixed with the index, so neighbouring members get unrelated streams.
pub fn member_seed(base_seed: u64, index: usize) -> u64 {
    let mut z = base_seed ^ (index as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The Cartesian product of named parameter lists (empty: a single point).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParameterGrid {
    axes: Vec<(String, Vec<f64>)>,
}

impl ParameterGrid {
    /// Adds an axis; the values must be finite and non-empty.
    pub fn with_axis(mut self, name: &str, values: Vec<f64>) -> Result<Self> {
        if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
            return Err(invalid(
                &format!("parameters.{name}"),
                format!("{values:?}"),
                "a non-empty list of finite numbers",
            ));
        }
        self.axes.push((name.to_string(), values));
        Ok(self)
    }

    /// Number of grid points.
    pub fn len(&self) -> usize {
        self.axes.iter().map(|(_, v)| v.len()).product()
    }

    /// Whether the grid has no points (never: an empty grid has one point).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Point `i` in row-major order (last axis fastest), as (name, value) pairs.
    pub fn point(&self, mut i: usize) -> Vec<(String, f64)> {
        let mut out = vec![(String::new(), 0.0); self.axes.len()];
        for (slot, (name, values)) in out.iter_mut().zip(&self.axes).rev() {
            *slot = (name.clone(), values[i % values.len()]);
            i /= values.len();
        }
        out
    }
}

/// One trajectory of an ensemble.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Position in the ensemble (0-based).
    pub index: usize,
    /// Parameter values of this member.
    pub parameters: Vec<(String, f64)>,
    /// Seed of this member's random stream.
    pub seed: u64,
}

impl Member {
    /// The value of parameter `name`, if the grid has that axis.
    pub fn parameter(&self, name: &str) -> Option<f64> {
        self.parameters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }

    /// This member's random generator.
    pub fn rng(&self) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(self.seed)
    }
}

/// `samples` members per grid point; member i sits at grid point i / samples.
#[derive(Debug, Clone, PartialEq)]
pub struct EnsemblePlan {
    /// The parameter grid.
    pub grid: ParameterGrid,
    /// Trajectories per grid point.
    pub samples: usize,
    /// Base seed.
    pub base_seed: u64,
}

impl EnsemblePlan {
    /// Number of members.
    pub fn len(&self) -> usize {
        self.grid.len() * self.samples
    }

    /// Whether the plan has no members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Member `index`.
    pub fn member(&self, index: usize) -> Member {
        Member {
            index,
            parameters: self.grid.point(index / self.samples.max(1)),
            seed: member_seed(self.base_seed, index),
        }
    }
}

/// Runs `members` in parallel on the current rayon pool: `build` makes each member's
/// simulation (PDE, parameters, initial condition from the member's rng), the schedule is
/// run, and `sink` receives the member with its trajectory or the error that stopped it
/// (blow-ups are data for the caller to flag, not a reason to stop the others). Returns the
/// first error a sink returned. The error type is the caller's, so a dataset writer can
/// stop the ensemble with its own errors.
pub fn run_ensemble<B, S, E>(
    members: &[Member],
    schedule: &Schedule,
    build: B,
    sink: S,
) -> std::result::Result<(), E>
where
    B: Fn(&Member) -> std::result::Result<Simulation, E> + Sync,
    S: Fn(&Member, std::result::Result<Trajectory, E>) -> std::result::Result<(), E> + Sync,
    E: From<crate::SolverError> + Send,
{
    members.par_iter().try_for_each(|member| {
        let trajectory = build(member)
            .and_then(|mut sim| Trajectory::collect(&mut sim, schedule).map_err(E::from));
        sink(member, trajectory)
    })
}
