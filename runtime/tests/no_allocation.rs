//! Stepping allocates nothing: every buffer is made in `Instance::new`.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use galerkin_runtime::Instance;

use common::{runtime_model, Case};

/// Counts allocations made by this test binary.
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
fn stepping_allocates_nothing() {
    let case = Case::burgers();
    for model in case.models() {
        let rt = runtime_model(&model, "alloc");
        // dt = 0.1 takes several substeps per step.
        let mut run = Instance::new(rt, 0.1).unwrap();
        run.set_parameter("viscosity", 0.015).unwrap();
        run.set_state_full(case.u0()).unwrap();
        assert!(run.substeps() > 1);
        run.step().unwrap();
        let mut probes = [0.0; 3];
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        for _ in 0..5 {
            run.step().unwrap();
            run.probes(&[0, 10, 100], &mut probes).unwrap();
        }
        run.advance_to(1.0).unwrap();
        let after = ALLOCATIONS.load(Ordering::Relaxed);
        assert_eq!(
            after - before,
            0,
            "{:?}: allocations while stepping",
            model.kind()
        );
    }
}
