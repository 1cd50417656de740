//! The memory a simulation will need, estimated from its recipe before anything is
//! allocated, and the memory this machine can give it: a grid of 2^28 points is refused in
//! a millisecond with both numbers instead of running until the kernel kills it, and sizes
//! whose byte count overflows are refused instead of aborting the allocator.

use super::error::{DataError, Result};
use super::recipe::Recipe;

/// Bytes per grid point that one running trajectory holds: the spectral state, the
/// integrator's stages and coefficients (ETDRK4 keeps about a dozen complex arrays), the
/// 3/2-padded dealiasing buffers and the FFT scratch. Measured as peak RSS over
/// trajectories: Burgers ETDRK4 at 2^20 and 2^22 points (400 and 285 B), Navier–Stokes
/// 1024² (470 B); 512 B covers all three.
pub const BYTES_PER_POINT: u64 = 512;

/// The process's fixed cost (program, thread stacks, HDF5 library) in bytes.
const BASELINE_BYTES: u64 = 64 << 20;

/// What one simulation run needs, by part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryEstimate {
    /// Trajectories computed at the same time (the threads, at most the ensemble).
    pub concurrent: u64,
    /// Solver bytes per running trajectory.
    pub solver_bytes: u64,
    /// Saved values of one trajectory held until it is written, in bytes.
    pub saved_bytes: u64,
    /// Finished trajectories that may wait for the writer at once.
    pub queued: u64,
    /// The total.
    pub total: u64,
}

impl MemoryEstimate {
    /// The estimate for trajectories of `points` grid points that store `saved_values`
    /// numbers each (saves × stored points × fields), `concurrent` at a time, with up to
    /// `queued` finished ones waiting for the writer. `None` when the byte count does not
    /// fit in 64 bits (no machine has that memory).
    pub fn new(points: u64, saved_values: u64, concurrent: u64, queued: u64) -> Option<Self> {
        let solver_bytes = points.checked_mul(BYTES_PER_POINT)?;
        let saved_bytes = saved_values.checked_mul(8)?;
        let per_running = solver_bytes.checked_add(saved_bytes)?;
        let total = per_running
            .checked_mul(concurrent)?
            .checked_add(saved_bytes.checked_mul(queued)?)?
            .checked_add(BASELINE_BYTES)?;
        Some(Self {
            concurrent,
            solver_bytes,
            saved_bytes,
            queued,
            total,
        })
    }

    /// Refuses the run when the total exceeds `available` bytes, with both numbers and
    /// what to change.
    pub fn check(&self, available: Option<u64>) -> Result<()> {
        let Some(available) = available else {
            return Ok(());
        };
        if self.total <= available {
            return Ok(());
        }
        Err(DataError::OutOfMemory(format!(
            "the simulation needs an estimated {} ({} trajector{} at a time × ({} of solver \
             state and scratch + {} of saved frames), plus {} finished ones waiting for the \
             writer) and this machine has {} available; use a smaller grid, fewer or coarser \
             saves (grid.save_n / save_nx / save_ny, time.save_every), or fewer trajectories \
             at a time (RAYON_NUM_THREADS)",
            bytes(self.total),
            self.concurrent,
            if self.concurrent == 1 { "y" } else { "ies" },
            bytes(self.solver_bytes),
            bytes(self.saved_bytes),
            self.queued,
            bytes(available)
        )))
    }
}

/// Refuses `recipe` when its run would not fit in this machine's available memory, or
/// when its sizes overflow a byte count; run by [`Recipe::validate`] before any solver
/// array is allocated. Trajectories run one per thread, and up to two per thread may wait
/// for the writer (the channel's bound).
pub(crate) fn check_recipe(recipe: &Recipe) -> Result<()> {
    let grid = recipe.solver_grid()?;
    let save = recipe.save_grid()?;
    let fields: u64 = if recipe.is_wave()? { 2 } else { 1 };
    let threads = rayon::current_num_threads() as u64;
    let concurrent = threads.min(recipe.n_traj as u64).max(1);
    let saves = recipe.save_plan()?.len() as u64;
    let too_large = || {
        DataError::OutOfMemory(format!(
            "grid {} × {} with {} saves per trajectory: its size in bytes does not fit in 64 \
             bits",
            grid.nx(),
            grid.ny(),
            saves
        ))
    };
    let points = (grid.nx() as u64)
        .checked_mul(grid.ny() as u64)
        .ok_or_else(too_large)?;
    let saved = (save.nx() as u64)
        .checked_mul(save.ny() as u64)
        .and_then(|p| p.checked_mul(fields))
        .and_then(|p| p.checked_mul(saves))
        .ok_or_else(too_large)?;
    MemoryEstimate::new(points, saved, concurrent, 2 * threads)
        .ok_or_else(too_large)?
        .check(available_bytes())
}

/// `n` bytes in the largest binary unit that keeps the number ≥ 1.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The memory this process may still use, in bytes: the kernel's `MemAvailable`, lowered
/// to the room left under a cgroup (v2) limit when the process runs in one (a container or
/// a batch job). `None` where neither can be read (then no run is refused).
pub fn available_bytes() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let available = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map(|kib| kib.saturating_mul(1024))?;
    let read = |name: &str| -> Option<u64> {
        std::fs::read_to_string(format!("/sys/fs/cgroup/{name}"))
            .ok()?
            .trim()
            .parse()
            .ok()
    };
    Some(match (read("memory.max"), read("memory.current")) {
        (Some(max), Some(current)) => available.min(max.saturating_sub(current)),
        _ => available,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_add_up_and_overflow_is_none() {
        let e = MemoryEstimate::new(1 << 20, 1000, 2, 4).unwrap();
        assert_eq!(e.solver_bytes, 512 << 20);
        assert_eq!(
            e.total,
            2 * ((512 << 20) + 8000) + 4 * 8000 + BASELINE_BYTES
        );
        assert!(MemoryEstimate::new(1 << 62, 0, 1, 0).is_none());
        assert!(e.check(Some(e.total)).is_ok());
        let err = e.check(Some(e.total - 1)).unwrap_err().to_string();
        assert!(err.contains("GiB") && err.contains("available"), "{err}");
    }

    #[test]
    fn byte_counts_read_in_binary_units() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(3 << 29), "1.5 GiB");
    }
}
