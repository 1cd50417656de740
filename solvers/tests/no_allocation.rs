//! Time stepping allocates nothing: plans, scratch and stage buffers are made once.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use galerkin_solvers::{
    Burgers, Dealias, Forcing, Grid, KuramotoSivashinsky, NavierStokes, Scheme, SemiLinearPde,
    Simulation,
};

/// Counts the allocations of each thread: stepping runs on the calling thread alone, and a
/// process-wide count once also counted 4 allocations of another thread of the process (a
/// cold CI run under load; not reproducible).
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// Allocations made so far by the calling thread.
fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // `try_with`: the thread-local may already be gone while a thread exits.
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn stepping_allocates_nothing() {
    let g1 = Grid::new_1d(128, 22.0).unwrap();
    let g2 = Grid::new_2d(32, 48, 1.0, 1.0).unwrap();
    let cases: Vec<(Box<dyn SemiLinearPde>, Vec<f64>)> = vec![
        (
            Box::new(Burgers::new(&g1, 0.1, Dealias::TwoThirds).unwrap()),
            g1.x().iter().map(|x| x.sin()).collect(),
        ),
        (
            Box::new(KuramotoSivashinsky::new(&g1, Dealias::ThreeHalves).unwrap()),
            g1.x().iter().map(|x| (x / 3.5).cos()).collect(),
        ),
        (
            Box::new(
                NavierStokes::new(
                    &g2,
                    1e-3,
                    0.1,
                    Forcing::Fno { amplitude: 0.1 },
                    Dealias::TwoThirds,
                )
                .unwrap(),
            ),
            (0..g2.len()).map(|i| (i as f64 * 0.01).sin()).collect(),
        ),
    ];
    for (pde, u0) in cases {
        for scheme in [
            Scheme::Etdrk4,
            Scheme::Etdrk2,
            Scheme::ImexArs233,
            Scheme::Rk4,
        ] {
            let name = pde.name();
            let mut sim = Simulation::new(pde.clone(), scheme, 1e-6, &u0).unwrap();
            sim.advance(2).unwrap();
            let before = allocations();
            sim.advance(20).unwrap();
            let during = allocations() - before;
            assert_eq!(
                during, 0,
                "{name} with {scheme:?} allocated {during} times in 20 steps"
            );
        }
    }
}
