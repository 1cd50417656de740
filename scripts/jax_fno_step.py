#!/usr/bin/env python3
"""JAX-CPU reference: the wall time of one FNO-1D training step (forward, gradient, AdamW).

What it times: the step of benches/operators.rs (src/operators/{fno,spectral,train}.rs) at
the FNO paper's Burgers benchmark size, in float32 on JAX's CPU backend:
  - batch 20, n = 1024 points of [0, 1), 2 input channels, width 64, 16 modes (k = 0..15),
    4 Fourier layers, projection hidden size 128, 1 output channel;
  - lifting 2 -> 64 (pointwise, + bias); each Fourier layer v <- gelu(K v + W v + b), where
    K v = irfft(R_k . rfft(v)[:16], n) with complex weights R = a + i b of shape
    [16, 64 (in), 64 (out)] and W, b a pointwise 64 -> 64 linear; no gelu after the last
    layer; projection 64 -> 128, gelu, 128 -> 1 (gelu: exact erf form);
  - loss: the mean over the batch of ||pred - target||_2 / ||target||_2;
  - AdamW (lr 1e-3, beta 0.9 / 0.999, eps 1e-8, decoupled weight decay 1e-4 on every
    array), written out as in src/operators/train.rs (no optax needed);
  - initialisation as Fno1dWeights::init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for pointwise
    arrays, (1 / width^2) U(0, 1) for the real and imaginary spectral parts (numpy's
    generator, so the values differ from the Rust ChaCha8 ones); inputs and targets are the
    bench's deterministic patterns ((i * 7 % 13) / 13 and (i * 5 % 11) / 11 over the flat
    index of the channels-last [B, N, C] arrays).
The whole step is one jax.jit with the parameters and optimizer state donated. The spectral
convolution is the idiomatic FFT one (jnp.fft.rfft / irfft, as the reference FNO code),
where the Rust layer uses truncated-DFT matmuls; both compute the same map. Activations are
channels-first [B, C, N] here (FFT along the contiguous axis, as the reference FNO's
spectral layers); a channels-last variant measured 3-5 % slower under XLA CPU.

Why: sets the burn step's target at <= 0.5x the JAX-CPU time of the same step;
benches/operators.rs runs this script to report the ratio burn-time / JAX-time.

Run:  PY=$(scripts/python-env jax) && $PY scripts/jax_fno_step.py [--reps 20] [--threads T]
It compiles and runs 3 warm-up steps, then times --reps steps (block_until_ready after
each) and prints one JSON line: median_ms, min_ms, mean_ms, reps, threads (the CPUs XLA's
thread pool is sized from: this process's CPU affinity, restricted by --threads), the JAX
version and the device.
"""
import argparse
import json
import os
import statistics
import sys
import time

# The reference is JAX on the CPU, even where an accelerator is present.
os.environ["JAX_PLATFORMS"] = "cpu"

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

BETA1, BETA2, EPS = 0.9, 0.999, 1e-8


def param_shapes(in_channels, width, modes, layers, projection):
    """The parameter arrays in the order of Fno1dWeights::shapes: lifting (W, b); per layer
    spectral (a, b) [K, C, C], skip (W, b); projection (W1, b1, W2, b2)."""
    shapes = [(in_channels, width), (width,)]
    for _ in range(layers):
        shapes += [(modes, width, width), (modes, width, width), (width, width), (width,)]
    shapes += [(width, projection), (projection,), (projection, 1), (1,)]
    return shapes


def init_params(shapes, width, seed=0):
    """Fno1dWeights::init's distributions (numpy's generator): U(-1/sqrt(fan_in), ..) for
    pointwise arrays (fan_in = shape[0]), 1/width^2 * U(0, 1) for spectral ones."""
    rng = np.random.default_rng(seed)
    params = []
    for shape in shapes:
        if len(shape) == 3:
            a = rng.uniform(0.0, 1.0, shape) / (width * width)
        else:
            bound = 1.0 / np.sqrt(shape[0])
            a = rng.uniform(-bound, bound, shape)
        params.append(jnp.asarray(a, dtype=jnp.float32))
    return params


def pointwise(x, w, b):
    """x [B, C, N] -> x.W + b over channels: [B, C', N]."""
    return jnp.einsum("bcn,co->bon", x, w) + b[None, :, None]


def spectral_conv(v, real, imag):
    """v [B, C_in, N] -> irfft(R_k . rfft(v)_k for k < K, n = N): [B, C_out, N], with
    R = real + i imag of shape [K, C_in, C_out]."""
    n = v.shape[-1]
    modes = real.shape[0]
    coeffs = jnp.fft.rfft(v, axis=-1)[..., :modes]
    mixed = jnp.einsum("bik,kio->bok", coeffs, jax.lax.complex(real, imag))
    # irfft with n zero-pads the modes k >= K, as out_ft[..., :K] = ... does in the
    # reference FNO code.
    return jnp.fft.irfft(mixed, n=n, axis=-1)


def forward(params, x, layers):
    """input [B, C_in, N] -> output [B, 1, N] (Fno1d::forward)."""
    v = pointwise(x, params[0], params[1])
    for l in range(layers):
        base = 2 + 4 * l
        v = spectral_conv(v, params[base], params[base + 1]) + pointwise(
            v, params[base + 2], params[base + 3]
        )
        if l + 1 < layers:
            v = jax.nn.gelu(v, approximate=False)
    q = 2 + 4 * layers
    hidden = jax.nn.gelu(pointwise(v, params[q], params[q + 1]), approximate=False)
    return pointwise(hidden, params[q + 2], params[q + 3])


def relative_l2(pred, target):
    """The mean over the batch of ||pred - target|| / ||target|| (train::relative_l2)."""
    b = target.shape[0]
    err = jnp.sqrt(jnp.sum(jnp.square(pred - target).reshape(b, -1), axis=1))
    norm = jnp.sqrt(jnp.sum(jnp.square(target).reshape(b, -1), axis=1))
    return jnp.mean(err / norm)


def adamw_init(params):
    zeros = lambda: jax.tree_util.tree_map(jnp.zeros_like, params)  # noqa: E731
    return {"m": zeros(), "v": zeros(), "t": jnp.zeros((), jnp.int32)}


def adamw_update(params, grads, state, lr, weight_decay):
    """train::AdamW::step: moments m, v; w -= lr (m^ / (sqrt(v^) + eps) + wd w), with the
    bias-corrected m^ = m / (1 - beta1^t), v^ = v / (1 - beta2^t)."""
    t = state["t"] + 1
    tf = t.astype(jnp.float32)
    c1 = 1.0 - BETA1 ** tf
    c2 = 1.0 - BETA2 ** tf
    m = jax.tree_util.tree_map(lambda m, g: BETA1 * m + (1.0 - BETA1) * g, state["m"], grads)
    v = jax.tree_util.tree_map(
        lambda v, g: BETA2 * v + (1.0 - BETA2) * jnp.square(g), state["v"], grads)
    params = jax.tree_util.tree_map(
        lambda w, m, v: w - lr * ((m / c1) / (jnp.sqrt(v / c2) + EPS) + weight_decay * w),
        params, m, v)
    return params, {"m": m, "v": v, "t": t}


def make_step(layers, lr=1e-3, weight_decay=1e-4):
    def loss_fn(params, x, y):
        return relative_l2(forward(params, x, layers), y)

    def step(params, state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        params, state = adamw_update(params, grads, state, lr, weight_decay)
        return params, state, loss

    return jax.jit(step, donate_argnums=(0, 1))


def bench_inputs(batch, in_channels, n):
    """The deterministic input and target of benches/operators.rs (laid out [B, N, C]
    there), as channels-first [B, C, N] arrays."""
    i = np.arange(batch * n * in_channels)
    x = ((i * 7 % 13) / 13.0).reshape(batch, n, in_channels).transpose(0, 2, 1)
    j = np.arange(batch * n)
    y = ((j * 5 % 11) / 11.0).reshape(batch, n, 1).transpose(0, 2, 1)
    return jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.float32)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=20, help="timed steps (default 20)")
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--n", type=int, default=1024, help="grid points")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--modes", type=int, default=16)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--projection", type=int, default=128, help="projection hidden size")
    parser.add_argument("--in-channels", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0,
                        help="restrict the process (and so XLA's thread pool) to this many "
                             "CPUs; 0 (default): all CPUs the process may use")
    args = parser.parse_args()
    if args.reps < 1:
        parser.error("--reps must be >= 1")
    if not 1 <= args.modes <= args.n // 2 + 1:
        parser.error("--modes must be in 1..n/2+1")

    cpus = sorted(os.sched_getaffinity(0))
    if args.threads > 0:
        # XLA's CPU client sizes its thread pool from the affinity mask when it is created,
        # i.e. at the first JAX computation below.
        cpus = cpus[: args.threads]
        os.sched_setaffinity(0, cpus)
    threads = len(os.sched_getaffinity(0))

    shapes = param_shapes(args.in_channels, args.width, args.modes, args.layers,
                          args.projection)
    params = init_params(shapes, args.width)
    state = adamw_init(params)
    x, y = bench_inputs(args.batch, args.in_channels, args.n)
    step = make_step(args.layers)

    # Warm-up: compile, then 3 steps.
    params, state, loss = jax.block_until_ready(step(params, state, x, y))
    for _ in range(3):
        params, state, loss = jax.block_until_ready(step(params, state, x, y))

    times = []
    for _ in range(args.reps):
        start = time.perf_counter()
        params, state, loss = jax.block_until_ready(step(params, state, x, y))
        times.append((time.perf_counter() - start) * 1e3)
    if not np.isfinite(float(loss)):
        sys.exit(f"non-finite loss {float(loss)}")

    device = jax.devices()[0]
    print(json.dumps({
        "median_ms": statistics.median(times),
        "min_ms": min(times),
        "mean_ms": statistics.fmean(times),
        "reps": args.reps,
        "threads": threads,
        "jax_version": jax.__version__,
        "device": f"{device.platform}:{device.device_kind}",
    }))


if __name__ == "__main__":
    main()
