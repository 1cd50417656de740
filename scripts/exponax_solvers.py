#!/usr/bin/env python3
"""exponax (JAX on CPU, f64, jit) as a peer for benches/solvers.rs, timed the same way.

exponax (Koehler et al., "APEBench: a benchmark for autoregressive neural emulators of
PDEs", NeurIPS 2024) is a JAX library of ETDRK pseudo-spectral steppers; jit-compiled on
the CPU it is the strongest open peer for our solvers. The problems match benches/solvers.rs:

- NS 256^2 vorticity on (0, 1)^2, viscosity 1e-3, dt 1e-4, ETDRK4 (exponax order 4), 2/3
  dealiasing. exponax's `NavierStokesVorticity` has no body forcing: ours adds the FNO
  forcing f_hat, one precomputed array added per nonlinear evaluation (256*129 complex
  adds against five 256^2 FFTs), so the comparison is within a fraction of a per cent.
- KS N = 256, L = 88, dt 0.05, ETDRK4, conservative form u_t + (u^2/2)_x + u_xx + u_xxxx = 0
  (`KuramotoSivashinskyConservative`), 2/3 dealiasing.

Both step in Fourier space (`step_fourier`, like ours), STEPS steps per jit call inside a
`lax.fori_loop`; ensembles are `jax.vmap` over a batch. Compiled and warmed up before
timing, `block_until_ready`, median of REPEATS calls. XLA's CPU backend uses every core
it may use (`taskset -c 0` pins it to one core);
the JSON says how many. Prints one JSON object {name: steps or trajectory-steps per
second}.
"""
import json
import os
import statistics
import sys
import time

import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")

import exponax as ex  # noqa: E402
import jax.numpy as jnp  # noqa: E402

REPEATS = 7


def rate(stepper, u0_hat, steps, batch):
    """Trajectory-steps per second of `batch` trajectories advanced `steps` steps per call."""

    def advance(u_hat):
        return jax.lax.fori_loop(0, steps, lambda _, v: stepper.step_fourier(v), u_hat)

    if batch is None:
        fn, u = jax.jit(advance), u0_hat
    else:
        fn = jax.jit(jax.vmap(advance))
        u = jnp.stack([u0_hat * (1.0 + 1e-3 * i) for i in range(batch)])
    u = fn(u).block_until_ready()  # compile and warm up
    u = fn(u).block_until_ready()
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        u = fn(u).block_until_ready()
        times.append(time.perf_counter() - t0)
    if not bool(jnp.all(jnp.isfinite(u))):
        raise RuntimeError("exponax state blew up while timing")
    return (batch or 1) * steps / statistics.median(times)


def navier_stokes():
    stepper = ex.stepper.NavierStokesVorticity(
        2, 1.0, 256, 1e-4, diffusivity=1e-3, order=4, dealiasing_fraction=2 / 3
    )
    ic = ex.ic.RandomTruncatedFourierSeries(2, cutoff=5)
    w0 = ic(256, key=jax.random.PRNGKey(0))
    return stepper, ex.fft(w0, num_spatial_dims=2)


def kuramoto_sivashinsky():
    stepper = ex.stepper.KuramotoSivashinskyConservative(
        1, 88.0, 256, 0.05, order=4, dealiasing_fraction=2 / 3
    )
    x = jnp.arange(256) * 88.0 / 256
    u0 = (jnp.cos(2 * jnp.pi * x / 88.0) + 0.1 * jnp.sin(6 * jnp.pi * x / 88.0))[None]
    return stepper, ex.fft(u0, num_spatial_dims=1)


def main():
    out = {"exponax_version": ex.__version__, "jax_version": jax.__version__}
    out["cpu_cores"] = os.cpu_count()
    out["xla_flags"] = os.environ.get("XLA_FLAGS", "")
    ns, w0 = navier_stokes()
    out["ns256_etdrk4_single"] = rate(ns, w0, 20, None)
    ns_batches = [int(b) for b in os.environ.get("NS_BATCHES", "2,4,8").split(",")]
    for b in ns_batches:
        out[f"ns256_etdrk4_vmap{b}"] = rate(ns, w0, 20, b)
    ks, u0 = kuramoto_sivashinsky()
    out["ks256_etdrk4_single"] = rate(ks, u0, 2000, None)
    ks_batches = [int(b) for b in os.environ.get("KS_BATCHES", "16,64,256,1024").split(",")]
    for b in ks_batches:
        out[f"ks256_etdrk4_vmap{b}"] = rate(ks, u0, max(20, 32000 // b), b)
    out["ns256_etdrk4_best_batch"] = max(ns_batches, key=lambda b: out[f"ns256_etdrk4_vmap{b}"])
    out["ks256_etdrk4_best_batch"] = max(ks_batches, key=lambda b: out[f"ks256_etdrk4_vmap{b}"])
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
