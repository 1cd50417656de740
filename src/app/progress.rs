//! Terminal progress bars (indicatif) for the library's [`Progress`] sinks and the
//! training loop; every sink reports a Ctrl-C ([`super::interrupt`]) as a request to stop.

use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};

use crate::data::Progress;

/// A bar counting trajectories, or nothing when `quiet`.
pub fn trajectories(quiet: bool) -> Arc<dyn Progress> {
    if quiet {
        return Arc::new(Quiet);
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} trajectories  {per_sec}  elapsed {elapsed}  ETA {eta}",
        )
        .expect("valid template"),
    );
    Arc::new(Bar(bar))
}

/// A bar counting time steps of a long computation (`galerkin lyapunov`), or nothing when
/// `quiet`: percent and ETA matter there, not the unit.
pub fn steps(quiet: bool) -> Arc<dyn Progress> {
    if quiet {
        return Arc::new(Quiet);
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {percent:>3}%  elapsed {elapsed}  ETA {eta}")
            .expect("valid template"),
    );
    Arc::new(Bar(bar))
}

/// An indicatif bar as a [`Progress`] sink.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
        self.0.set_position(0);
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
    fn cancelled(&self) -> bool {
        super::interrupt::requested()
    }
}

/// No display, but the same stop on Ctrl-C as [`Bar`] (`--quiet` runs).
struct Quiet;

impl Progress for Quiet {
    fn start(&self, _total: u64) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
    fn cancelled(&self) -> bool {
        super::interrupt::requested()
    }
}
