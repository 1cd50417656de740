//! The largest Lyapunov exponent by two-trajectory renormalization (Benettin, Galgani,
//! Giorgilli, Strelcyn, Meccanica 15, 1980): a reference and a nearby trajectory are
//! advanced together; every τ the separation d is measured, ln(|d|/δ) accumulated, and the
//! companion pulled back to distance δ along d. λ = Σ ln(|d|/δ) / (total time).
//!
//! The average is only meaningful while the reference stays on a chaotic attractor. Many
//! systems are only transiently chaotic — Kuramoto–Sivashinsky on small domains, where the
//! turbulent transient ends on a stable equilibrium or travelling wave (Hyman & Nicolaenko,
//! Physica D 18, 1986), or any dissipative flow that decays to rest. Once there, the
//! separation stops growing and the running mean drifts towards λ ≤ 0 while still showing
//! the chaotic part's positive value. [`largest_lyapunov_exponent_with`] watches for that
//! departure ([`DepartureCheck`]) and reports it instead of averaging through it.

use num_complex::Complex64;

use crate::error::{invalid, positive, Result};
use crate::simulation::Simulation;

/// Parameters of [`largest_lyapunov_exponent`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LyapunovOptions {
    /// Steps discarded before measuring (to reach the attractor).
    pub transient_steps: usize,
    /// Steps between renormalizations (τ = steps·dt).
    pub renormalize_every: usize,
    /// Number of renormalization intervals averaged.
    pub intervals: usize,
    /// Separation δ, relative to the state's norm.
    pub relative_separation: f64,
}

/// How [`largest_lyapunov_exponent_with`] tells that the reference trajectory has left a
/// chaotic attractor, judged over a sliding window of the last `window` renormalization
/// intervals (W·τ time units). Any of three tests confirms a departure:
///
/// - **steady state**: the reference changed by less than `steady_rate` per time unit
///   over every interval of the window, relative to the largest state norm seen (so that
///   a flow decaying to rest counts as steady too);
/// - **travelling wave**: the same for the Fourier amplitudes |ûₖ|, which a translation
///   leaves unchanged (a relative equilibrium; along the translation the separation is
///   exactly neutral, so the growth test alone could hang on rounding);
/// - **no growth**: the separation grew by less than a factor e over the window,
///   Σ ln(|dᵢ|/δ) < 1. On a chaotic attractor the window's growth is about λ·W·τ e-folds
///   with a spread that shrinks relative to it like 1/√(W·τ) (finite-time Lyapunov
///   exponents); on a stable equilibrium it is negative and on a stable periodic orbit it
///   oscillates about 0 (the neutral direction along the flow). The margin of one e-fold,
///   rather than 0, keeps a neutral direction's rounding-level drift from passing for
///   growth.
///
/// The window must span many Lyapunov times: KS at L = 22 (λ ≈ 0.047) has stretches near
/// its relative periodic orbits where a 200-time-unit window grows by less than nothing,
/// while over 10⁵ time units no 400-time-unit window grew by less than 4 e-folds (see the
/// tests). When a departure is confirmed the chaotic part is taken to end where the
/// cumulative growth Σ ln(|dᵢ|/δ) last peaked (the separation never grew back above it),
/// or where the steady stretch began if that is earlier; the exponent is averaged up to
/// there. A separation that never grew by one e-fold had no chaotic part.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DepartureCheck {
    /// Intervals in the window (W ≥ 1).
    pub window: usize,
    /// Relative change per time unit below which the state counts as steady (> 0).
    pub steady_rate: f64,
}

impl Default for DepartureCheck {
    /// A window of 400 intervals (400 time units at τ = 1: about 19 Lyapunov times of KS
    /// at L = 22) and a steady rate of 10⁻⁶ per time unit (chaotic states change by
    /// O(0.1–1) per time unit; an equilibrium approached at a rate μ passes 10⁻⁶ after
    /// ln(10⁶)/μ).
    fn default() -> Self {
        Self {
            window: 400,
            steady_rate: 1e-6,
        }
    }
}

/// Why [`largest_lyapunov_exponent_with`] decided that the run left the attractor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepartureKind {
    /// The state stopped changing: an equilibrium (or the flow decayed to rest).
    Steady,
    /// Only the Fourier amplitudes stopped changing: a travelling wave (steady up to a
    /// shift).
    TravellingWave,
    /// The separation stopped growing while the state keeps moving (a stable periodic
    /// orbit or another non-chaotic state).
    NoGrowth,
}

impl std::fmt::Display for DepartureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Steady => "the state became steady",
            Self::TravellingWave => "the state became a travelling wave (steady up to a shift)",
            Self::NoGrowth => {
                "the separation stopped growing (a stable periodic orbit, or an equilibrium or \
                 travelling wave still being approached)"
            }
        })
    }
}

/// A confirmed departure from the chaotic attractor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Departure {
    /// Simulation time at which the chaotic part ended (the last peak of the cumulative
    /// growth); equal to the start of the measurement when no part was chaotic.
    pub left_at: f64,
    /// Simulation time at which the window confirmed the departure (the run stops there).
    pub detected_at: f64,
    /// Measured time before `left_at` (0 when the run was not chaotic at any point after
    /// the transient: the separation never grew by a factor e).
    pub chaotic_time: f64,
    /// What the window saw.
    pub kind: DepartureKind,
    /// The finite-time exponent over the confirming window (below 1/(W·τ) for
    /// `NoGrowth`).
    pub window_exponent: f64,
}

/// The estimate and its running mean after each interval (to judge convergence).
#[derive(Debug, Clone, PartialEq)]
pub struct LyapunovEstimate {
    /// λ_max: over the whole measurement, or, after a [`Departure`], over its chaotic part
    /// only (up to `departure.left_at`); over everything measured when that part is empty
    /// (then ≤ 0: the rate at which the separation shrank).
    pub exponent: f64,
    /// Running estimate after each interval (every interval run, also after a departure).
    pub running: Vec<f64>,
    /// The time `exponent` is averaged over.
    pub measured_time: f64,
    /// Simulation time at which the measurement began (after the transient).
    pub start_time: f64,
    /// The renormalization interval τ.
    pub interval: f64,
    /// Set when a [`DepartureCheck`] found that the run left the attractor; the run then
    /// stopped at `detected_at`.
    pub departure: Option<Departure>,
}

/// ‖û‖² with Parseval weights of a real field's half spectrum (2 for columns kx > 0 that
/// stand for their conjugate partners), proportional to the physical L² norm.
fn norm(u: &[Complex64], ny: usize, nx_even_nyquist: Option<usize>) -> f64 {
    weighted_norm(u.iter().map(|c| c.norm_sqr()), ny, nx_even_nyquist)
}

/// The Parseval-weighted root of the squared entries `squares` (see [`norm`]).
fn weighted_norm(
    squares: impl Iterator<Item = f64>,
    ny: usize,
    nx_even_nyquist: Option<usize>,
) -> f64 {
    squares
        .enumerate()
        .map(|(i, s)| {
            let kx = i / ny;
            let w = if kx == 0 || Some(kx) == nx_even_nyquist {
                1.0
            } else {
                2.0
            };
            w * s
        })
        .sum::<f64>()
        .sqrt()
}

/// Runs the reference `reference` and a companion `companion` (the same PDE and scheme;
/// its state is overwritten) and returns λ_max, averaging over every interval (no
/// departure check; see [`largest_lyapunov_exponent_with`]).
pub fn largest_lyapunov_exponent(
    reference: &mut Simulation,
    companion: &mut Simulation,
    opts: &LyapunovOptions,
) -> Result<LyapunovEstimate> {
    largest_lyapunov_exponent_with(reference, companion, opts, None, &mut |_| {})
}

/// [`largest_lyapunov_exponent`] that also watches for a departure from the chaotic
/// attractor (`check`, see [`DepartureCheck`]) and stops the run when one is confirmed,
/// so a transiently chaotic run is reported instead of averaged through. `on_steps(n)` is
/// told after every stretch of n steps of the reference (the transient, then each
/// interval), for progress reports.
pub fn largest_lyapunov_exponent_with(
    reference: &mut Simulation,
    companion: &mut Simulation,
    opts: &LyapunovOptions,
    check: Option<&DepartureCheck>,
    on_steps: &mut dyn FnMut(usize),
) -> Result<LyapunovEstimate> {
    positive("relative_separation", opts.relative_separation)?;
    if opts.renormalize_every == 0 || opts.intervals == 0 {
        return Err(invalid(
            "renormalize_every / intervals",
            format!("{} / {}", opts.renormalize_every, opts.intervals),
            "both >= 1",
        ));
    }
    if let Some(check) = check {
        positive("steady_rate", check.steady_rate)?;
        if check.window == 0 {
            return Err(invalid("window", 0, "an interval count >= 1"));
        }
    }
    let grid = reference.pde().grid().clone();
    let ny = grid.ny();
    let nyq = (grid.nx() % 2 == 0).then_some(grid.nx() / 2);
    reference.advance(opts.transient_steps)?;
    on_steps(opts.transient_steps);
    let start_time = reference.time();
    let state_norm = norm(reference.spectral(), ny, nyq);
    if state_norm == 0.0 {
        return Err(invalid(
            "initial condition",
            format!("a zero state at t = {start_time}"),
            "a nonzero state to perturb",
        ));
    }
    let delta = opts.relative_separation * state_norm;
    // Initial separation: a smooth deterministic direction spread over the low modes.
    let mut direction: Vec<Complex64> = (0..reference.spectral().len())
        .map(|i| {
            let kx = i / ny;
            if kx == 0 || kx > grid.nx() / 4 {
                Complex64::default()
            } else {
                Complex64::new((i as f64 * 0.7).sin(), (i as f64 * 1.3).cos())
            }
        })
        .collect();
    let d0 = norm(&direction, ny, nyq);
    direction.iter_mut().for_each(|c| *c *= delta / d0);
    for (c, (r, d)) in companion
        .spectral_mut()
        .iter_mut()
        .zip(reference.spectral().iter().zip(&direction))
    {
        *c = r + d;
    }
    let mut watch = check.map(|c| Watch::new(*c, reference.spectral(), state_norm));
    let mut tau = 0.0;
    let mut sum = 0.0;
    let mut running = Vec::with_capacity(opts.intervals);
    let mut departure = None;
    // After a departure: the intervals of the chaotic part.
    let mut chaotic_intervals = None;
    for interval in 1..=opts.intervals {
        reference.advance(opts.renormalize_every)?;
        companion.advance(opts.renormalize_every)?;
        on_steps(opts.renormalize_every);
        if interval == 1 {
            // The step is the simulation's; it shows only once steps were taken.
            let dt = reference.time() / reference.steps() as f64;
            tau = opts.renormalize_every as f64 * dt;
        }
        for (d, (c, r)) in direction
            .iter_mut()
            .zip(companion.spectral().iter().zip(reference.spectral()))
        {
            *d = c - r;
        }
        let dist = norm(&direction, ny, nyq);
        if !dist.is_finite() || dist == 0.0 {
            // Identical or broken trajectories: no direction left to renormalize along.
            return Err(invalid(
                "separation",
                format!("{dist} at t = {}", reference.time()),
                "a finite nonzero distance (the trajectories met or diverged: change the \
                 separation or the renormalization interval)",
            ));
        }
        sum += (dist / delta).ln();
        running.push(sum / (interval as f64 * tau));
        if let Some(watch) = watch.as_mut() {
            if let Some((kind, window_exponent, left)) =
                watch.observe(reference.spectral(), sum, tau, ny, nyq)
            {
                chaotic_intervals = Some(left);
                departure = Some(Departure {
                    left_at: start_time + left as f64 * tau,
                    detected_at: reference.time(),
                    chaotic_time: left as f64 * tau,
                    kind,
                    window_exponent,
                });
                break;
            }
        }
        let scale = delta / dist;
        for (c, (r, d)) in companion
            .spectral_mut()
            .iter_mut()
            .zip(reference.spectral().iter().zip(&direction))
        {
            *c = r + d * scale;
        }
    }
    // Everything measured when no part was chaotic (the rate at which it settled).
    let counted = match chaotic_intervals {
        Some(left) if left > 0 => left,
        _ => running.len(),
    };
    let (exponent, measured_time) = (running[counted - 1], counted as f64 * tau);
    Ok(LyapunovEstimate {
        exponent,
        running,
        measured_time,
        start_time,
        interval: tau,
        departure,
    })
}

/// The sliding-window state of a [`DepartureCheck`].
struct Watch {
    check: DepartureCheck,
    /// The reference at the previous renormalization.
    previous: Vec<Complex64>,
    /// The largest state norm seen (the scale of "steady").
    scale: f64,
    /// Cumulative growth Σ ln(|d|/δ) at the window's start and after each of its
    /// intervals (oldest first; at most W + 1 entries).
    sums: std::collections::VecDeque<f64>,
    /// Intervals observed.
    count: usize,
    /// Consecutive latest intervals in which the state, or its Fourier amplitudes, changed
    /// less than the steady rate.
    steady_run: usize,
    amplitude_run: usize,
    /// Interval after which the cumulative growth peaked (0: at the start), and the peak.
    peak: usize,
    peak_sum: f64,
}

impl Watch {
    fn new(check: DepartureCheck, state: &[Complex64], state_norm: f64) -> Self {
        let mut sums = std::collections::VecDeque::with_capacity(check.window + 2);
        sums.push_back(0.0);
        Self {
            check,
            previous: state.to_vec(),
            scale: state_norm,
            sums,
            count: 0,
            steady_run: 0,
            amplitude_run: 0,
            peak: 0,
            peak_sum: 0.0,
        }
    }

    /// Records one interval (the cumulative growth `sum` after it) and, once a departure
    /// is confirmed, returns its kind, the window exponent and the interval at which the
    /// chaotic part ended.
    fn observe(
        &mut self,
        state: &[Complex64],
        sum: f64,
        tau: f64,
        ny: usize,
        nyq: Option<usize>,
    ) -> Option<(DepartureKind, f64, usize)> {
        self.count += 1;
        if sum > self.peak_sum {
            self.peak = self.count;
            self.peak_sum = sum;
        }
        self.scale = self.scale.max(norm(state, ny, nyq));
        let rate = |squares: &mut dyn Iterator<Item = f64>| {
            weighted_norm(squares, ny, nyq) / (tau * self.scale)
        };
        let pairs = || state.iter().zip(&self.previous);
        let change = rate(&mut pairs().map(|(a, b)| (a - b).norm_sqr()));
        let amplitude_change = rate(&mut pairs().map(|(a, b)| (a.norm() - b.norm()).powi(2)));
        self.previous.copy_from_slice(state);
        let still = |rate: f64, run: usize| {
            if rate <= self.check.steady_rate {
                run + 1
            } else {
                0
            }
        };
        self.steady_run = still(change, self.steady_run);
        self.amplitude_run = still(amplitude_change, self.amplitude_run);
        self.sums.push_back(sum);
        if self.sums.len() > self.check.window + 1 {
            self.sums.pop_front();
        }
        let window = self.check.window;
        if self.count < window {
            return None;
        }
        let window_growth = sum - self.sums[0];
        let window_exponent = window_growth / (window as f64 * tau);
        // The chaotic part ended at the last peak of the growth, if the separation ever
        // grew by the margin of one e-fold, and where a steady stretch (of `run`
        // intervals) began at the latest.
        let peak = if self.peak_sum >= 1.0 { self.peak } else { 0 };
        let since = |run: usize| peak.min(self.count - run);
        if self.steady_run >= window {
            Some((
                DepartureKind::Steady,
                window_exponent,
                since(self.steady_run),
            ))
        } else if self.amplitude_run >= window {
            Some((
                DepartureKind::TravellingWave,
                window_exponent,
                since(self.amplitude_run),
            ))
        } else if window_growth < 1.0 || window_growth.is_nan() {
            Some((DepartureKind::NoGrowth, window_exponent, peak))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dealias::Dealias;
    use crate::grid::Grid;
    use crate::integrators::Scheme;
    use crate::pde::KuramotoSivashinsky;

    /// KS on [0, `length`) with 64 points, ETDRK4 at dt = 0.05 (the recipes' settings),
    /// from a small smooth field in the first three modes with phases set by `phase`
    /// (no reflection symmetry, which would confine the run to an invariant subspace).
    fn ks(length: f64, phase: f64) -> Simulation {
        let grid = Grid::new_1d(64, length).unwrap();
        let k = 2.0 * std::f64::consts::PI / length;
        let u0: Vec<f64> = grid
            .x()
            .iter()
            .map(|x| {
                0.1 * (k * x + phase).cos()
                    + 0.05 * (2.0 * k * x + 2.3 * phase).sin()
                    + 0.03 * (3.0 * k * x + 0.7).cos()
            })
            .collect();
        let pde = Box::new(KuramotoSivashinsky::new(&grid, Dealias::TwoThirds).unwrap());
        Simulation::new(pde, Scheme::Etdrk4, 0.05, &u0).unwrap()
    }

    /// 100 time units of transient, τ = 1, `intervals` time units measured.
    fn run(length: f64, phase: f64, intervals: usize) -> LyapunovEstimate {
        let opts = LyapunovOptions {
            transient_steps: 2000,
            renormalize_every: 20,
            intervals,
            relative_separation: 1e-8,
        };
        largest_lyapunov_exponent_with(
            &mut ks(length, phase),
            &mut ks(length, phase),
            &opts,
            Some(&DepartureCheck::default()),
            &mut |_| {},
        )
        .unwrap()
    }

    #[test]
    fn departure_is_reported_where_ks_settles() {
        // L = 16: every start here falls onto a stable equilibrium within the 100-unit
        // transient; the state is steady through the whole first window.
        let e = run(16.0, 0.0, 2000);
        let d = e.departure.expect("L = 16 settles");
        assert_eq!(d.kind, DepartureKind::Steady, "{d:?}");
        assert_eq!(d.chaotic_time, 0.0);
        // Confirmed as soon as the first 400-interval window is full.
        assert!((d.detected_at - 500.0).abs() < 1e-6, "{d:?}");
        assert!(e.exponent <= 0.0 && e.running.len() == 400, "{e:?}");
        // L = 13: a chaotic transient of a few hundred time units, then the separation
        // stops growing (the transient ends on a stable state).
        let e = run(13.0, 0.0, 2000);
        let d = e.departure.expect("L = 13 leaves the chaotic transient");
        assert!(d.chaotic_time > 100.0 && d.left_at < d.detected_at, "{d:?}");
        assert!(d.window_exponent < 1.0 / 400.0, "{d:?}");
        assert!(
            e.measured_time == d.chaotic_time && e.exponent > 0.0,
            "{e:?}"
        );
    }

    #[test]
    fn no_departure_on_the_ks22_attractor() {
        // 3 starts × 3000 time units (≈ 140 Lyapunov times) stay on the attractor; the
        // estimates of that length scatter by ≈ 10 % about 0.048, so the band is loose.
        for phase in [0.0, 1.0, 2.0] {
            let e = run(22.0, phase, 3000);
            assert_eq!(e.departure, None, "phase {phase}");
            assert_eq!(e.measured_time, 3000.0);
            assert!(e.exponent > 0.035 && e.exponent < 0.06, "{e:?}");
        }
    }

    #[test]
    fn without_a_check_every_interval_counts() {
        let opts = LyapunovOptions {
            transient_steps: 2000,
            renormalize_every: 20,
            intervals: 600,
            relative_separation: 1e-8,
        };
        let e = largest_lyapunov_exponent(&mut ks(16.0, 0.0), &mut ks(16.0, 0.0), &opts).unwrap();
        assert_eq!(e.departure, None);
        assert_eq!(e.running.len(), 600);
        assert_eq!(e.exponent, *e.running.last().unwrap());
        let no_window = DepartureCheck {
            window: 0,
            ..DepartureCheck::default()
        };
        let err = largest_lyapunov_exponent_with(
            &mut ks(16.0, 0.0),
            &mut ks(16.0, 0.0),
            &opts,
            Some(&no_window),
            &mut |_| {},
        )
        .unwrap_err();
        assert!(err.to_string().contains("window"), "{err}");
    }

    /// The margin behind [`DepartureCheck::default`]: over 10⁵ time units of KS at L = 22
    /// the least growth of any 400-interval window stays far above the 1 e-fold threshold
    /// (measured: 5.1 e-folds from this start, 4.0 from a reflection-symmetric one, where
    /// 200-interval windows went below 0).
    #[test]
    #[ignore = "long run (≈ 5 s release): cargo test --release -p galerkin-solvers -- --ignored window"]
    fn ks22_window_growth_stays_above_the_threshold() {
        let opts = LyapunovOptions {
            transient_steps: 2000,
            renormalize_every: 20,
            intervals: 100_000,
            relative_separation: 1e-8,
        };
        let e = largest_lyapunov_exponent(&mut ks(22.0, 0.0), &mut ks(22.0, 0.0), &opts).unwrap();
        let sums: Vec<f64> = std::iter::once(0.0)
            .chain(
                e.running
                    .iter()
                    .enumerate()
                    .map(|(i, r)| r * (i + 1) as f64),
            )
            .collect();
        let least = (400..sums.len())
            .map(|i| sums[i] - sums[i - 400])
            .fold(f64::INFINITY, f64::min);
        eprintln!(
            "least 400-unit window growth: {least:.2} e-folds, λ = {:.4}",
            e.exponent
        );
        assert!(least > 2.0, "{least}");
    }
}
