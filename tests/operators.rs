//! The FNO building blocks: the matmul spectral convolution (1-D and 2-D) is the truncated
//! Fourier projection for identity weights and a shift for phase weights, FNO gradients
//! match finite differences in f64, and the H¹ loss is the exact Sobolev norm.
#![cfg(feature = "operators")]

mod common;

use burn::tensor::{Tensor, TensorData};
use galerkin::operators::fno::{Fno, FnoConfig, FnoWeights};
use galerkin::operators::loss::SobolevNorm;
use galerkin::operators::spectral::{SpectralConv, SpectralGrid};
use galerkin::operators::{cpu_f64, to_f64 as values};

#[test]
fn identity_weights_project_onto_the_retained_modes() {
    let device = cpu_f64();
    let n = 32;
    let modes = 5;
    let f = SpectralGrid::new(&[n], modes, &device).unwrap();
    let tau = std::f64::consts::TAU;
    let x: Vec<f64> = (0..n).map(|i| i as f64 / n as f64).collect();
    let kept: Vec<f64> = x
        .iter()
        .map(|x| 0.5 + (tau * x).sin() + 0.3 * (3.0 * tau * x).cos() - 0.2 * (4.0 * tau * x).sin())
        .collect();
    let input: Vec<f64> = kept
        .iter()
        .zip(&x)
        .map(|(k, x)| k + (10.0 * tau * x).sin() + 0.7 * (16.0 * tau * x).cos())
        .collect();
    let v = Tensor::<3>::from_data(TensorData::new(input, [1, n, 1]), &device);
    let ones = vec![1.0; modes];
    let conv = SpectralConv {
        real: Tensor::from_data(TensorData::new(ones, [modes, 1, 1]), &device),
        imag: Tensor::from_data(TensorData::new(vec![0.0; modes], [modes, 1, 1]), &device),
    };
    let out = values(conv.forward(v.clone(), &f));
    for (o, k) in out.iter().zip(&kept) {
        assert!((o - k).abs() < 1e-12, "{o} vs {k}");
    }
    // Weights e^{−2πikδ} shift the retained part by δ (here 3 grid points): this fixes the
    // sign convention of the complex mix.
    let delta = 3.0 / n as f64;
    let phase = |k: usize| tau * k as f64 * delta;
    let shift = SpectralConv {
        real: Tensor::from_data(
            TensorData::new(
                (0..modes).map(|k| phase(k).cos()).collect::<Vec<_>>(),
                [modes, 1, 1],
            ),
            &device,
        ),
        imag: Tensor::from_data(
            TensorData::new(
                (0..modes).map(|k| -phase(k).sin()).collect::<Vec<_>>(),
                [modes, 1, 1],
            ),
            &device,
        ),
    };
    let shifted = values(shift.forward(v, &f));
    for i in 0..n {
        let expected = kept[(i + n - 3) % n];
        assert!(
            (shifted[i] - expected).abs() < 1e-12,
            "{i}: {} vs {expected}",
            shifted[i]
        );
    }
}

/// A 2-D test field: a sum of modes inside the retained set (|kx| < K, 0 ≤ ky < K) plus
/// modes outside it; returns (full field, retained part) on an nx × ny grid.
fn field_2d(nx: usize, ny: usize) -> (Vec<f64>, Vec<f64>) {
    let tau = std::f64::consts::TAU;
    let kept = |x: f64, y: f64| {
        0.3 + (tau * x).cos() + 0.5 * (tau * (2.0 * x - 3.0 * y)).sin()
            - 0.4 * (tau * (-3.0 * x + y)).cos()
    };
    let dropped = |x: f64, y: f64| (tau * (6.0 * x + y)).sin() + 0.7 * (tau * (x + 7.0 * y)).cos();
    let mut full = Vec::new();
    let mut part = Vec::new();
    for i in 0..nx {
        for j in 0..ny {
            let (x, y) = (i as f64 / nx as f64, j as f64 / ny as f64);
            part.push(kept(x, y));
            full.push(kept(x, y) + dropped(x, y));
        }
    }
    (full, part)
}

#[test]
fn two_dimensional_spectral_conv_projects_and_shifts() {
    let device = cpu_f64();
    let (nx, ny, modes) = (16, 12, 4);
    let grid = SpectralGrid::new(&[nx, ny], modes, &device).unwrap();
    let m = SpectralGrid::mode_count(modes, 2);
    let (full, kept) = field_2d(nx, ny);
    let v = Tensor::<3>::from_data(TensorData::new(full, [1, nx * ny, 1]), &device);
    // The complex weight of mode (kx, ky), ordered kx-major with kx = 0…K−1, −K…−1.
    let wavenumber = |j: usize| {
        if j < modes {
            j as f64
        } else {
            j as f64 - 2.0 * modes as f64
        }
    };
    let conv = |f: &dyn Fn(f64, f64) -> (f64, f64)| {
        let (mut re, mut im) = (Vec::new(), Vec::new());
        for j in 0..2 * modes {
            for k in 0..modes {
                let (a, b) = f(wavenumber(j), k as f64);
                re.push(a);
                im.push(b);
            }
        }
        SpectralConv {
            real: Tensor::from_data(TensorData::new(re, [m, 1, 1]), &device),
            imag: Tensor::from_data(TensorData::new(im, [m, 1, 1]), &device),
        }
    };
    let identity = values(conv(&|_, _| (1.0, 0.0)).forward(v.clone(), &grid));
    for (o, k) in identity.iter().zip(&kept) {
        assert!((o - k).abs() < 1e-12, "{o} vs {k}");
    }
    // e^{−2πi(kx·δx + ky·δy)} shifts the retained part by (2, 5) grid points.
    let (dx, dy) = (2.0 / nx as f64, 5.0 / ny as f64);
    let tau = std::f64::consts::TAU;
    let shifted = values(
        conv(&|kx, ky| {
            let phase = tau * (kx * dx + ky * dy);
            (phase.cos(), -phase.sin())
        })
        .forward(v, &grid),
    );
    for i in 0..nx {
        for j in 0..ny {
            let expected = kept[((i + nx - 2) % nx) * ny + (j + ny - 5) % ny];
            let got = shifted[i * ny + j];
            assert!(
                (got - expected).abs() < 1e-12,
                "({i}, {j}): {got} vs {expected}"
            );
        }
    }
}

#[test]
fn h1_norm_is_the_exact_sobolev_norm() {
    let device = cpu_f64();
    let tau = std::f64::consts::TAU;
    // 1-D: f = 1 + 2 cos 2πx + 3 sin 6πx: ‖f‖² = 1 + 2 + 4.5, ‖f′‖² = (2π)²·2 + (6π)²·4.5.
    let n = 32;
    let f: Vec<f64> = (0..n)
        .map(|i| {
            let x = i as f64 / n as f64;
            1.0 + 2.0 * (tau * x).cos() + 3.0 * (3.0 * tau * x).sin()
        })
        .collect();
    let exact = (7.5 + tau.powi(2) * 2.0 + (3.0 * tau).powi(2) * 4.5).sqrt();
    let norm = SobolevNorm::new(&[n], &device).unwrap();
    let got = values(norm.norms(Tensor::from_data(TensorData::new(f, [1, n, 1]), &device)))[0];
    // Exact quadrature of trigonometric polynomials: round-off only.
    assert!((got - exact).abs() < 1e-10 * exact, "{got} vs {exact}");
    // 2-D: g = cos 2π(2x − 3y) + 0.5 sin 2π(x + y): ‖g‖² = 0.5 + 0.125,
    // ‖∇g‖² = 4π²(13·0.5 + 2·0.125).
    let (nx, ny) = (16, 12);
    let g: Vec<f64> = (0..nx * ny)
        .map(|p| {
            let (x, y) = ((p / ny) as f64 / nx as f64, (p % ny) as f64 / ny as f64);
            (tau * (2.0 * x - 3.0 * y)).cos() + 0.5 * (tau * (x + y)).sin()
        })
        .collect();
    let exact = (0.625 + tau.powi(2) * (6.5 + 0.25)).sqrt();
    let norm = SobolevNorm::new(&[nx, ny], &device).unwrap();
    let got = values(norm.norms(Tensor::from_data(
        TensorData::new(g, [1, nx * ny, 1]),
        &device,
    )))[0];
    assert!((got - exact).abs() < 1e-10 * exact, "{got} vs {exact}");
}

/// Checks autodiff gradients of a squared-error loss against central differences for
/// three entries of every parameter array of an FNO of `config` on a grid of `shape`.
fn check_gradients(config: FnoConfig, shape: &[usize]) {
    let weights = FnoWeights::init(config, 3);
    let batch = 2;
    let points: usize = shape.iter().product();
    let input: Vec<f64> = (0..batch * points * config.in_channels)
        .map(|i| ((i * 37 % 17) as f64 - 8.0) / 8.0)
        .collect();
    let target: Vec<f64> = (0..batch * points)
        .map(|i| ((i * 13 % 11) as f64 - 5.0) / 5.0)
        .collect();
    let base = cpu_f64();
    let loss_of = |w: &FnoWeights, autodiff: bool| {
        let device = if autodiff {
            base.clone().autodiff()
        } else {
            base.clone()
        };
        let grid = SpectralGrid::new(shape, config.modes, &device).unwrap();
        let model = Fno::new(w, &device, autodiff);
        let x = Tensor::<3>::from_data(
            TensorData::new(input.clone(), [batch, points, config.in_channels]),
            &device,
        );
        let y =
            Tensor::<3>::from_data(TensorData::new(target.clone(), [batch, points, 1]), &device);
        let loss = (model.forward(x, &grid) - y).powf_scalar(2.0).mean();
        (model, loss)
    };
    let (model, loss) = loss_of(&weights, true);
    let gradients = model.gradients(&loss.backward());
    let h = 1e-6;
    let mut checked = 0;
    for (array, g) in gradients.iter().enumerate() {
        for entry in [0, g.len() / 2, g.len() - 1] {
            let mut plus = weights.clone();
            plus.arrays[array][entry] += h;
            let mut minus = weights.clone();
            minus.arrays[array][entry] -= h;
            let lp = values(loss_of(&plus, false).1)[0];
            let lm = values(loss_of(&minus, false).1)[0];
            let fd = (lp - lm) / (2.0 * h);
            // Central differences in f64: O(h²) ≈ 1e-12 truncation, ε/h ≈ 1e-10 round-off.
            assert!(
                (fd - g[entry]).abs() <= 1e-7 * (1.0 + fd.abs()),
                "{shape:?}: array {array} entry {entry}: autodiff {} vs finite difference {fd}",
                g[entry]
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * FnoWeights::shapes(&config).len());
}

#[test]
fn fno_gradients_match_finite_differences_in_f64() {
    let config = FnoConfig {
        dims: 1,
        in_channels: 2,
        out_channels: 1,
        width: 4,
        modes: 3,
        layers: 2,
        projection: 8,
    };
    check_gradients(config, &[16]);
    check_gradients(
        FnoConfig {
            dims: 2,
            in_channels: 3,
            ..config
        },
        &[8, 6],
    );
}

#[test]
fn fused_gelu_matches_burn_in_value_and_gradient() {
    use burn::tensor::activation::gelu as burn_gelu;
    use galerkin::operators::activation::gelu;
    let base = cpu_f64();
    let device = base.clone().autodiff();
    let data: Vec<f64> = (0..2000).map(|i| (i as f64 - 1000.0) / 150.0).collect();
    let x =
        || Tensor::<2>::from_data(TensorData::new(data.clone(), [40, 50]), &device).require_grad();
    let (a, b) = (x(), x());
    let (ya, yb) = (gelu(a.clone()), burn_gelu(b.clone()));
    // Same erf (libm) and the same formula: equal to round-off.
    for (u, v) in values(ya.clone()).iter().zip(values(yb.clone())) {
        assert!((u - v).abs() <= 1e-15 * (1.0 + v.abs()), "{u} vs {v}");
    }
    let weights = Tensor::<2>::from_data(
        TensorData::new(
            (0..2000).map(|i| (i % 7) as f64 - 3.0).collect::<Vec<_>>(),
            [40, 50],
        ),
        &device,
    );
    let ga = values(a.grad(&(ya * weights.clone()).sum().backward()).unwrap());
    let gb = values(b.grad(&(yb * weights).sum().backward()).unwrap());
    for (u, v) in ga.iter().zip(&gb) {
        assert!((u - v).abs() <= 1e-14 * (1.0 + v.abs()), "{u} vs {v}");
    }
    // Without autodiff too.
    let plain = Tensor::<2>::from_data(TensorData::new(data.clone(), [40, 50]), &base);
    for (u, v) in values(gelu(plain.clone()))
        .iter()
        .zip(values(burn_gelu(plain)))
    {
        assert!((u - v).abs() <= 1e-15 * (1.0 + v.abs()), "{u} vs {v}");
    }
    // f32 uses Abramowitz & Stegun 7.1.26 for erf (|error| ≤ 1.5e-7): within a few f32 ulps
    // of burn's libm-based GELU, values and slopes.
    let device = burn::tensor::Device::flex().autodiff();
    let x =
        || Tensor::<2>::from_data(TensorData::new(data.clone(), [40, 50]), &device).require_grad();
    let (a, b) = (x(), x());
    let (ya, yb) = (gelu(a.clone()), burn_gelu(b.clone()));
    for (u, v) in values(ya.clone()).iter().zip(values(yb.clone())) {
        assert!((u - v).abs() <= 4e-7 * (1.0 + v.abs()), "f32 {u} vs {v}");
    }
    let ga = values(a.grad(&ya.sum().backward()).unwrap());
    let gb = values(b.grad(&yb.sum().backward()).unwrap());
    for (u, v) in ga.iter().zip(&gb) {
        assert!(
            (u - v).abs() <= 4e-7 * (1.0 + v.abs()),
            "f32 slope {u} vs {v}"
        );
    }
}
