//! The fused CPU layers of the operator layer against burn's own operations: the dense
//! layer σ(x·W + b + a) and the per-batch transform T·X_b agree with the composed burn
//! operations in value and in every gradient (f64, to round-off), on blocks of rows that
//! do not divide evenly; and the f32 training step gives the same bits on 1 and 3 threads.
#![cfg(feature = "operators")]

use burn::tensor::activation::gelu as burn_gelu;
use burn::tensor::{Device, Gradients, Tensor, TensorData};
use galerkin::operators::dense::{dense, Activation};
use galerkin::operators::fno::{Fno, FnoConfig, FnoWeights};
use galerkin::operators::loss::relative_l2;
use galerkin::operators::mode_mix::mix_modes;
use galerkin::operators::spectral::SpectralGrid;
use galerkin::operators::transform::apply_to_batch;
use galerkin::operators::{cpu_f64, to_f64 as values};

/// Rows: more than two of the kernels' 1024-row blocks, the last one partial.
const ROWS: usize = 2500;

/// A deterministic pseudo-random pattern of `len` entries in [−1, 1].
fn pattern(len: usize, salt: usize) -> Vec<f64> {
    (0..len)
        .map(|i| (((i * 7919 + salt * 104_729) % 2003) as f64 / 1001.0) - 1.0)
        .collect()
}

fn leaf<const D: usize>(data: Vec<f64>, shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::<D>::from_data(TensorData::new(data, shape), device).require_grad()
}

/// |a − b| ≤ tol·(1 + |b|) entrywise.
fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (u, v)) in a.iter().zip(b).enumerate() {
        assert!(
            (u - v).abs() <= tol * (1.0 + v.abs()),
            "{what}[{i}]: {u} vs {v}"
        );
    }
}

/// The gradients of Σ w·a and Σ w·b for one fixed non-uniform weighting w of a's shape, so
/// that every gradient entry is exercised.
fn weighted_backward<const D: usize>(
    a: Tensor<D>,
    b: Tensor<D>,
    device: &Device,
) -> (Gradients, Gradients) {
    let dims = a.dims();
    let w = Tensor::<D>::from_data(
        TensorData::new(pattern(dims.iter().product(), 5), dims),
        device,
    );
    ((a * w.clone()).sum().backward(), (b * w).sum().backward())
}

/// Asserts that `fused` and `composed` agree within `tol`, then gives their gradients under
/// [`weighted_backward`].
fn equal_then_backward<const D: usize>(
    fused: Tensor<D>,
    composed: Tensor<D>,
    tol: f64,
    what: &str,
    device: &Device,
) -> (Gradients, Gradients) {
    assert_close(&values(fused.clone()), &values(composed.clone()), tol, what);
    weighted_backward(fused, composed, device)
}

#[test]
fn dense_layer_matches_burn_in_value_and_every_gradient() {
    let device = cpu_f64().autodiff();
    let (c_in, c_out) = (5, 7);
    for activation in [Activation::Identity, Activation::Gelu] {
        for with_addend in [false, true] {
            let make = || {
                (
                    leaf(pattern(ROWS * c_in, 1), [ROWS, c_in], &device),
                    leaf(pattern(c_in * c_out, 2), [c_in, c_out], &device),
                    leaf(pattern(c_out, 3), [c_out], &device),
                    leaf(pattern(ROWS * c_out, 4), [ROWS, c_out], &device),
                )
            };
            let (x, w, b, a) = make();
            let fused = dense(
                x.clone(),
                w.clone(),
                b.clone(),
                with_addend.then(|| a.clone()),
                activation,
            );
            let (x2, w2, b2, a2) = make();
            let mut composed = x2.clone().matmul(w2.clone()) + b2.clone().reshape([1, c_out]);
            if with_addend {
                composed = composed + a2.clone();
            }
            if activation == Activation::Gelu {
                composed = burn_gelu(composed);
            }
            let what = format!("{activation:?}, addend {with_addend}");
            // Same products in a different summation order: round-off only.
            let (g1, g2) = equal_then_backward(fused, composed, 1e-13, &what, &device);
            // Sums over 2500 rows of O(1) terms: 1e-12 relative allows the reordering.
            assert_close(
                &values(x.grad(&g1).unwrap()),
                &values(x2.grad(&g2).unwrap()),
                1e-12,
                &format!("{what}: ∂x"),
            );
            assert_close(
                &values(w.grad(&g1).unwrap()),
                &values(w2.grad(&g2).unwrap()),
                1e-12,
                &format!("{what}: ∂W"),
            );
            assert_close(
                &values(b.grad(&g1).unwrap()),
                &values(b2.grad(&g2).unwrap()),
                1e-12,
                &format!("{what}: ∂b"),
            );
            if with_addend {
                assert_close(
                    &values(a.grad(&g1).unwrap()),
                    &values(a2.grad(&g2).unwrap()),
                    1e-12,
                    &format!("{what}: ∂a"),
                );
            }
        }
    }
    // Without autodiff (inference) the forward pass is the same.
    let plain = cpu_f64();
    let t = |d: Vec<f64>, s: [usize; 2]| Tensor::<2>::from_data(TensorData::new(d, s), &plain);
    let (x, w) = (
        t(pattern(ROWS * 3, 6), [ROWS, 3]),
        t(pattern(12, 7), [3, 4]),
    );
    let b = Tensor::<1>::from_data(TensorData::new(pattern(4, 8), [4]), &plain);
    let fused = dense(x.clone(), w.clone(), b.clone(), None, Activation::Gelu);
    let composed = burn_gelu(x.matmul(w) + b.reshape([1, 4]));
    assert_close(&values(fused), &values(composed), 1e-13, "inference");
}

#[test]
fn mode_mix_matches_complex_products_in_value_and_every_gradient() {
    let device = cpu_f64().autodiff();
    let (batch, modes, c_in, c_out) = (6, 5, 7, 3);
    let make = || {
        (
            leaf(
                pattern(batch * 2 * modes * c_in, 1),
                [batch, 2 * modes, c_in],
                &device,
            ),
            leaf(
                pattern(modes * c_in * c_out, 2),
                [modes, c_in, c_out],
                &device,
            ),
            leaf(
                pattern(modes * c_in * c_out, 3),
                [modes, c_in, c_out],
                &device,
            ),
        )
    };
    let (z, a, b) = make();
    let fused = mix_modes(z.clone(), a.clone(), b.clone());
    // The complex product written out on modes-first real and imaginary parts.
    let (z2, a2, b2) = make();
    let part = |first: usize| {
        z2.clone()
            .slice([0..batch, first..first + modes, 0..c_in])
            .permute([1, 0, 2])
    };
    let (x, y) = (part(0), part(modes));
    let re = x.clone().matmul(a2.clone()) - y.clone().matmul(b2.clone());
    let im = x.matmul(b2.clone()) + y.matmul(a2.clone());
    let composed = Tensor::cat(vec![re, im], 0).permute([1, 0, 2]);
    // Same products, summed in a different order: round-off only.
    let (g1, g2) = equal_then_backward(fused, composed, 1e-13, "z′", &device);
    for (name, t, t2) in [("∂z", &z, &z2), ("∂A", &a, &a2), ("∂B", &b, &b2)] {
        assert_close(
            &values(t.grad(&g1).unwrap()),
            &values(t2.grad(&g2).unwrap()),
            1e-13,
            name,
        );
    }
    // Without autodiff (inference) the forward pass is the same.
    let plain = cpu_f64();
    let t = |d: Vec<f64>, s: [usize; 3]| Tensor::<3>::from_data(TensorData::new(d, s), &plain);
    let inference = mix_modes(
        t(
            pattern(batch * 2 * modes * c_in, 1),
            [batch, 2 * modes, c_in],
        ),
        t(pattern(modes * c_in * c_out, 2), [modes, c_in, c_out]),
        t(pattern(modes * c_in * c_out, 3), [modes, c_in, c_out]),
    );
    let (z, a, b) = make();
    assert_close(
        &values(inference),
        &values(mix_modes(z, a, b)),
        0.0,
        "inference",
    );
}

#[test]
fn batch_transform_matches_burn_broadcast_matmul() {
    let device = cpu_f64().autodiff();
    let (batch, m, k, n) = (6, 9, 40, 11);
    let t = Tensor::<2>::from_data(TensorData::new(pattern(m * k, 1), [m, k]), &device);
    let x = leaf(pattern(batch * k * n, 2), [batch, k, n], &device);
    let x2 = leaf(pattern(batch * k * n, 2), [batch, k, n], &device);
    let fused = apply_to_batch(&t, x.clone());
    let composed = t.clone().unsqueeze::<3>().matmul(x2.clone());
    let (g1, g2) = equal_then_backward(fused, composed, 1e-13, "T·X", &device);
    assert_close(
        &values(x.grad(&g1).unwrap()),
        &values(x2.grad(&g2).unwrap()),
        1e-13,
        "∂X = Tᵀ·g",
    );
}

/// The f32 loss and every gradient of one FNO-1D step, computed in a pool of `threads`.
fn step_bits(threads: usize) -> (u32, Vec<Vec<u64>>) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let config = FnoConfig {
            dims: 1,
            in_channels: 2,
            out_channels: 1,
            width: 16,
            modes: 6,
            layers: 2,
            projection: 24,
        };
        let (batch, n) = (5, 512);
        let device = Device::flex().autodiff();
        let grid = SpectralGrid::new(&[n], config.modes, &device).unwrap();
        let weights = FnoWeights::init(config, 3);
        let model = Fno::new(&weights, &device, true);
        let x = Tensor::<3>::from_data(
            TensorData::new(pattern(batch * n * 2, 1), [batch, n, 2]),
            &device,
        );
        let y = Tensor::<3>::from_data(
            TensorData::new(pattern(batch * n, 2), [batch, n, 1]),
            &device,
        );
        let loss = relative_l2(model.forward(x, &grid), y);
        let grads = model.gradients(&loss.backward());
        let loss = values(loss)[0] as f32;
        let bits = grads
            .iter()
            .map(|g| g.iter().map(|v| v.to_bits()).collect())
            .collect();
        (loss.to_bits(), bits)
    })
}

#[test]
fn training_step_is_bit_identical_on_one_and_three_threads() {
    // 2560 rows: the row blocks of the fused layers split the weight-gradient sums the
    // same way whatever the thread count, so the bits agree.
    assert_eq!(step_bits(1), step_bits(3));
}
