//! How faer's parallel kernels are split, fixed so that results do not depend on the
//! number of threads.
//!
//! faer's default global parallelism is `Par::rayon(0)`: as many tasks as the current rayon
//! pool has threads. Its blocked kernels (the GEMM's tiles, the panel updates of QR, SVD and
//! eigen-decompositions) are laid out for that number of tasks, so the same product summed
//! on 1, 2 or 4 threads can differ in the last bits. With a fixed number of tasks the
//! layout, hence every sum, is the same on any pool: rayon only decides which thread runs
//! which task. This is how the POD, the Galerkin projection and the hyper-reduction give
//! the same bits whatever `RAYON_NUM_THREADS` is; the `galerkin` command sets it at start.

use faer::Par;

/// The number of tasks faer splits a parallel kernel into, whatever the pool size: enough
/// to keep 8 cores busy, while on fewer threads the extra tasks cost only their scheduling.
pub const FAER_TASKS: usize = 8;

/// faer parallelism of [`FAER_TASKS`] tasks: results independent of the thread count.
pub fn fixed_parallelism() -> Par {
    Par::rayon(FAER_TASKS)
}

/// Sets faer's global parallelism (used by every faer call without an explicit `Par`:
/// products `&a * &b`, `thin_svd`, `qr`, eigen-decompositions) to [`fixed_parallelism`],
/// so results of this crate do not depend on the rayon pool's size. Process-wide; call it
/// once at start (the `galerkin` command does), before any parallel faer work.
pub fn use_fixed_parallelism() {
    faer::set_global_parallelism(fixed_parallelism());
}
