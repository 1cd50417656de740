//! Terminal progress bars (indicatif) for the library's [`Progress`] sinks and the
//! training loop.

use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};

use crate::data::Progress;

/// A bar counting trajectories, or nothing when `quiet`.
pub fn trajectories(quiet: bool) -> Arc<dyn Progress> {
    if quiet {
        return crate::data::progress::silent();
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
}
