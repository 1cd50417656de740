//! The parallel path of one large trajectory (transform passes and per-mode chunks on the
//! rayon pool) allocates nothing per step either. Its own test binary with one test: the
//! count is process-wide (the pool's workers allocate on their own threads), so no other
//! test may run beside it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use galerkin_solvers::{Dealias, Forcing, Grid, NavierStokes, Scheme, Simulation};

/// Counts every allocation of the process.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn parallel_stepping_of_one_large_trajectory_allocates_nothing() {
    // 128² is the smallest grid whose transforms and per-mode passes run in parallel.
    let grid = Grid::new_2d(128, 128, 1.0, 1.0).unwrap();
    let pde = NavierStokes::new(
        &grid,
        1e-3,
        0.1,
        Forcing::Fno { amplitude: 0.1 },
        Dealias::TwoThirds,
    )
    .unwrap();
    let w0: Vec<f64> = (0..grid.len()).map(|i| (i as f64 * 0.01).sin()).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for scheme in [Scheme::Etdrk4, Scheme::Rk4] {
        let mut sim = Simulation::new(Box::new(pde.clone()), scheme, 1e-4, &w0).unwrap();
        // The first steps warm the pool (its threads and queues).
        pool.install(|| sim.advance(3)).unwrap();
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        pool.install(|| sim.advance(10)).unwrap();
        let during = ALLOCATIONS.load(Ordering::SeqCst) - before;
        assert_eq!(
            during, 0,
            "{scheme:?}: {during} allocations in 10 parallel steps"
        );
    }
}
