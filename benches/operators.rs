//! One FNO-1D training step at the size of issue #8's benchmark (batch 20, n = 1024,
//! width 64, 16 modes, 4 layers): forward, backward, AdamW update, in f32 (flex's default
//! float type, JAX's too) on the CPU `flex` backend. The JAX-CPU reference script comes
//! with the rest of issue #8.

use std::hint::black_box;

use burn::tensor::{Device, Tensor, TensorData};
use criterion::{criterion_group, criterion_main, Criterion};
use galerkin::operators::fno::{Fno, FnoConfig, FnoWeights};
use galerkin::operators::loss::relative_l2;
use galerkin::operators::optim::AdamW;
use galerkin::operators::spectral::SpectralGrid;

fn bench(c: &mut Criterion) {
    let config = FnoConfig {
        dims: 1,
        in_channels: 2,
        out_channels: 1,
        width: 64,
        modes: 16,
        layers: 4,
        projection: 128,
    };
    let (batch, n) = (20, 1024);
    let mut group = c.benchmark_group("fno1d-train-step");
    group.sample_size(10);
    {
        let label = "f32";
        let device = Device::flex().autodiff();
        let fourier = SpectralGrid::new(&[n], config.modes, &device).unwrap();
        let mut weights = FnoWeights::init(config, 0);
        let mut adam = AdamW::new(&weights, 1e-4);
        let input: Vec<f64> = (0..batch * 2 * n)
            .map(|i| ((i * 7 % 13) as f64) / 13.0)
            .collect();
        let target: Vec<f64> = (0..batch * n)
            .map(|i| ((i * 5 % 11) as f64) / 11.0)
            .collect();
        group.bench_function(label, |b| {
            b.iter(|| {
                let model = Fno::new(&weights, &device, true);
                let x =
                    Tensor::<3>::from_data(TensorData::new(input.clone(), [batch, n, 2]), &device);
                let y =
                    Tensor::<3>::from_data(TensorData::new(target.clone(), [batch, n, 1]), &device);
                let loss = relative_l2(model.forward(x, &fourier), y);
                let grads = loss.backward();
                let g = model.gradients(&grads);
                adam.step(&mut weights, black_box(&g), 1e-3);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
