//! The application layer (feature `app`, on by default): what the `galerkin` command runs
//! beyond the library calls — figures with the studies behind them, the demo, plots,
//! the training job with its progress bar. Nothing below this layer imports it.
//! - [`figures`]: `galerkin figures`, every figure and table in `figures/`;
//! - [`demo`]: `galerkin demo`, the end-to-end showcase;
//! - [`fmu`]: `galerkin fmu`, a ROM packed as an FMI 2.0 co-simulation FMU;
//! - [`interrupt`]: Ctrl-C as a request to stop long work at its next safe point;
//! - [`lyapunov`]: `galerkin lyapunov`, a recipe's largest Lyapunov exponent;
//! - [`processes`]: one process or the ranks of an MPI job;
//! - [`plot`]: line charts and space–time images (plotters, bundled font);
//! - [`progress`]: progress bars for long work;
//! - [`train`] (feature `operators`): `galerkin train`, a recipe's training run.

pub mod demo;
pub mod error;
pub mod figures;
pub mod fmu;
pub mod interrupt;
pub mod lyapunov;
pub mod plot;
pub mod processes;
pub mod progress;
#[cfg(feature = "operators")]
pub mod train;
