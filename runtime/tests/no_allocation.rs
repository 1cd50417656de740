//! Stepping allocates nothing: every buffer is made in `Instance::new`.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use galerkin_runtime::Instance;
use galerkin_solvers::WaveNonlinearity;

use common::{lifted_rom, runtime_lifted, runtime_model, Case};

/// Counts allocations per thread, so tests running side by side do not see each other's.
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
    let case = Case::burgers();
    for model in case.models() {
        let rt = runtime_model(&model, "alloc");
        // dt = 0.1 is too stiff for one RK4 step, so ETDRK4 runs; at dt = 1e-3 RK4 does.
        for (dt, scheme) in [(0.1, "etdrk4"), (1e-3, "rk4")] {
            let mut run = Instance::new(rt.clone(), dt).unwrap();
            run.set_parameter("viscosity", 0.015).unwrap();
            run.set_state_full(case.u0()).unwrap();
            assert_eq!(run.integrator(), scheme);
            run.step().unwrap();
            let mut probes = [0.0; 3];
            let point = run.model().probe_at(0, &[1.0]).unwrap();
            let before = allocations();
            for _ in 0..5 {
                run.step().unwrap();
                run.probes(&[0, 10, 100], &mut probes).unwrap();
                std::hint::black_box((run.value_at(&point), run.energy()));
            }
            run.advance_to(1.0).unwrap();
            let after = allocations();
            assert_eq!(
                after - before,
                0,
                "{:?} ({scheme}): allocations while stepping",
                model.kind()
            );
        }
    }
}

#[test]
fn the_counter_sees_this_threads_allocations() {
    let before = allocations();
    std::hint::black_box(vec![1u8; 16]);
    assert_eq!(allocations(), before + 1);
}

#[test]
fn lifted_stepping_allocates_nothing() {
    // Sine-Gordon: four blocks and the most couplings.
    let (file, _, _) = lifted_rom(WaveNonlinearity::SineGordon, 0.5);
    let rt = runtime_lifted(&file, "lifted-alloc");
    let mut run = Instance::new(rt.clone(), 0.02).unwrap();
    let y0: Vec<f64> = (0..rt.full_dim())
        .map(|i| 0.1 * ((i % 48) as f64 / 7.0).sin())
        .collect();
    run.set_state_full(&y0).unwrap();
    run.set_parameter("mass", 0.7).unwrap();
    // The first step factors the Newton matrix (in place, into buffers made in `new`).
    run.step().unwrap();
    let point = rt.probe_at(1, &[3.0]).unwrap();
    let before = allocations();
    for _ in 0..20 {
        run.step().unwrap();
        std::hint::black_box((run.value_at(&point), run.energy()));
    }
    let after = allocations();
    assert_eq!(after - before, 0, "lifted: allocations while stepping");
}
