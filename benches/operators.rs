//! One FNO-1D training step at the size of the FNO paper's Burgers benchmark (batch 20, n = 1024,
//! width 64, 16 modes, 4 layers, projection 128): forward, backward, AdamW update, in f32
//! on the CPU `flex` backend, against the same step in JAX-CPU (`scripts/jax_fno_step.py`,
//! jit-compiled, rfft spectral convolution) timed in the same run when a Python with jax
//! can be had (`scripts/python-env jax`). Prints both medians and the ratio, then lets
//! criterion measure the burn step.
//!
//! Then Muon against AdamW on the same weights and gradients, in the same run: the whole
//! training step with each (goal: Muon ≤ 1.3 × AdamW), and the optimizer update alone, with
//! the steps of the two optimizers interleaved so that a change of machine load hits both.

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use burn::tensor::{Device, Tensor, TensorData};
use criterion::{criterion_group, criterion_main, Criterion};
use galerkin::operators::fno::{Fno, FnoConfig, FnoWeights};
use galerkin::operators::loss::relative_l2;
use galerkin::operators::spectral::SpectralGrid;
use galerkin::operators::train::{Optimizer, OptimizerState};

const CONFIG: FnoConfig = FnoConfig {
    dims: 1,
    in_channels: 2,
    out_channels: 1,
    width: 64,
    modes: 16,
    layers: 4,
    projection: 128,
};
const BATCH: usize = 20;
const N: usize = 1024;
/// Timed repetitions of each measurement (after 3 warm-up ones), as in the JAX script.
const REPS: usize = 20;

/// The JAX reference's median step time in ms, or why there is none.
fn jax_median_ms() -> Result<f64, String> {
    let python = Command::new("scripts/python-env")
        .arg("jax")
        .output()
        .map_err(|e| format!("scripts/python-env: {e}"))?;
    if !python.status.success() {
        return Err("no Python with jax (scripts/python-env jax failed)".into());
    }
    let python = String::from_utf8_lossy(&python.stdout).trim().to_string();
    let out = Command::new(&python)
        .args(["scripts/jax_fno_step.py", "--reps", "20"])
        .output()
        .map_err(|e| format!("{python}: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_default();
    let key = "\"median_ms\":";
    let value = line
        .split(key)
        .nth(1)
        .and_then(|rest| rest.split([',', '}']).next())
        .and_then(|v| v.trim().parse::<f64>().ok());
    value.ok_or_else(|| format!("unexpected output of the JAX script: {text}"))
}

/// The benchmark's model, data and one optimizer.
struct Setup {
    device: Device,
    grid: SpectralGrid,
    weights: FnoWeights,
    optimizer: OptimizerState,
    input: Vec<f64>,
    target: Vec<f64>,
}

impl Setup {
    fn new(optimizer: Optimizer) -> Self {
        let device = Device::flex().autodiff();
        let grid = SpectralGrid::new(&[N], CONFIG.modes, &device).unwrap();
        let weights = FnoWeights::init(CONFIG, 0);
        let optimizer = OptimizerState::new(optimizer, &weights, 1e-4);
        let input = (0..BATCH * N * 2)
            .map(|i| ((i * 7 % 13) as f64) / 13.0)
            .collect();
        let target = (0..BATCH * N)
            .map(|i| ((i * 5 % 11) as f64) / 11.0)
            .collect();
        Self {
            device,
            grid,
            weights,
            optimizer,
            input,
            target,
        }
    }

    /// Forward and backward: the loss gradient of every weight array.
    fn gradients(&self) -> Vec<Vec<f64>> {
        let model = Fno::new(&self.weights, &self.device, true);
        let x = Tensor::<3>::from_data(
            TensorData::new(self.input.clone(), [BATCH, N, 2]),
            &self.device,
        );
        let y = Tensor::<3>::from_data(
            TensorData::new(self.target.clone(), [BATCH, N, 1]),
            &self.device,
        );
        let loss = relative_l2(model.forward(x, &self.grid), y);
        model.gradients(&loss.backward())
    }

    /// One training step: gradients, then the optimizer's update.
    fn step(&mut self) {
        let grads = self.gradients();
        self.optimizer
            .step(&mut self.weights, black_box(&grads), 1e-3);
    }
}

/// Medians (ms) of `REPS` runs of each of `runs`, interleaved, after 3 warm-up rounds.
fn interleaved_medians<const K: usize>(runs: &mut [&mut dyn FnMut(); K]) -> [f64; K] {
    for _ in 0..3 {
        runs.iter_mut().for_each(|r| r());
    }
    let mut times = [(); K].map(|_| Vec::with_capacity(REPS));
    for _ in 0..REPS {
        for (run, times) in runs.iter_mut().zip(&mut times) {
            let t = Instant::now();
            run();
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    times.map(|mut t| {
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    })
}

fn bench(c: &mut Criterion) {
    galerkin::operators::keep_freed_memory();
    let mut adam = Setup::new(Optimizer::AdamW);
    let mut muon = Setup::new(Optimizer::Muon { lr_ratio: 1.0 });
    // The same statistic as the JAX script: median of 20 steps after 3 warm-up steps.
    let [burn_ms] = interleaved_medians(&mut [&mut || adam.step()]);
    match jax_median_ms() {
        Ok(jax_ms) => println!(
            "fno1d-train-step: burn-flex {burn_ms:.1} ms, JAX-CPU {jax_ms:.1} ms (median of 20): ratio {:.2} (target <= 0.5)",
            burn_ms / jax_ms
        ),
        Err(why) => println!("fno1d-train-step: burn-flex {burn_ms:.1} ms; no JAX reference: {why}"),
    }
    // Whole steps, Muon against AdamW.
    let [adam_ms, muon_ms] = interleaved_medians(&mut [&mut || adam.step(), &mut || muon.step()]);
    println!(
        "fno1d-train-step: AdamW {adam_ms:.1} ms, Muon {muon_ms:.1} ms (median of 20, interleaved): ratio {:.2} (target <= 1.3)",
        muon_ms / adam_ms
    );
    // The updates alone, on the same gradients.
    let grads = adam.gradients();
    let (mut adam_opt, mut muon_opt) = (adam.optimizer.clone(), muon.optimizer.clone());
    let (mut w_adam, mut w_muon) = (adam.weights.clone(), muon.weights.clone());
    let [adam_update, muon_update] = interleaved_medians(&mut [
        &mut || adam_opt.step(&mut w_adam, black_box(&grads), 1e-3),
        &mut || muon_opt.step(&mut w_muon, black_box(&grads), 1e-3),
    ]);
    println!(
        "fno1d-optimizer-update: AdamW {adam_update:.2} ms, Muon {muon_update:.2} ms (median of 20, interleaved)"
    );
    let mut group = c.benchmark_group("fno1d-train-step");
    group.sample_size(10);
    group.bench_function("f32", |b| b.iter(|| adam.step()));
    group.bench_function("f32-muon", |b| b.iter(|| muon.step()));
    group.finish();
    let mut group = c.benchmark_group("fno1d-optimizer-update");
    group.sample_size(10);
    group.bench_function("adamw", |b| {
        b.iter(|| adam_opt.step(&mut w_adam, black_box(&grads), 1e-3))
    });
    group.bench_function("muon", |b| {
        b.iter(|| muon_opt.step(&mut w_muon, black_box(&grads), 1e-3))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
