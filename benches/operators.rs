//! One FNO-1D training step at the size of the FNO paper's Burgers benchmark (batch 20, n = 1024,
//! width 64, 16 modes, 4 layers, projection 128): forward, backward, AdamW update, in f32
//! on the CPU `flex` backend, against the same step in JAX-CPU (`scripts/jax_fno_step.py`,
//! jit-compiled, rfft spectral convolution) timed in the same run when a Python with jax
//! can be had (`scripts/python-env jax`). Prints both medians and the ratio, then lets
//! criterion measure the burn step.

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use burn::tensor::{Device, Tensor, TensorData};
use criterion::{criterion_group, criterion_main, Criterion};
use galerkin::operators::fno::{Fno, FnoConfig, FnoWeights};
use galerkin::operators::loss::relative_l2;
use galerkin::operators::optim::AdamW;
use galerkin::operators::spectral::SpectralGrid;

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

fn bench(c: &mut Criterion) {
    galerkin::operators::keep_freed_memory();
    let device = Device::flex().autodiff();
    let grid = SpectralGrid::new(&[N], CONFIG.modes, &device).unwrap();
    let mut weights = FnoWeights::init(CONFIG, 0);
    let mut adam = AdamW::new(&weights, 1e-4);
    let input: Vec<f64> = (0..BATCH * N * 2)
        .map(|i| ((i * 7 % 13) as f64) / 13.0)
        .collect();
    let target: Vec<f64> = (0..BATCH * N)
        .map(|i| ((i * 5 % 11) as f64) / 11.0)
        .collect();
    let mut step = || {
        let model = Fno::new(&weights, &device, true);
        let x = Tensor::<3>::from_data(TensorData::new(input.clone(), [BATCH, N, 2]), &device);
        let y = Tensor::<3>::from_data(TensorData::new(target.clone(), [BATCH, N, 1]), &device);
        let loss = relative_l2(model.forward(x, &grid), y);
        let grads = model.gradients(&loss.backward());
        adam.step(&mut weights, black_box(&grads), 1e-3);
    };
    // The same statistic as the JAX script: median of 20 steps after 3 warm-up steps.
    for _ in 0..3 {
        step();
    }
    let mut times: Vec<f64> = (0..20)
        .map(|_| {
            let t = Instant::now();
            step();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let burn_ms = times[times.len() / 2];
    match jax_median_ms() {
        Ok(jax_ms) => println!(
            "fno1d-train-step: burn-flex {burn_ms:.1} ms, JAX-CPU {jax_ms:.1} ms (median of 20): ratio {:.2} (target <= 0.5)",
            burn_ms / jax_ms
        ),
        Err(why) => println!("fno1d-train-step: burn-flex {burn_ms:.1} ms; no JAX reference: {why}"),
    }
    let mut group = c.benchmark_group("fno1d-train-step");
    group.sample_size(10);
    group.bench_function("f32", |b| b.iter(&mut step));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
