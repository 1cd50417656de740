#!/usr/bin/env python3
"""galerkin's Python API against the Python tools people would otherwise use, in one run.

a. ROM online cost: galerkin's POD-Galerkin ROM (Rom.run over a whole trajectory, and
   Stepper.step() called once per step from Python) against Operator Inference
   (opinf, ContinuousModel("cAH"), model.predict = scipy solve_ivp RK45) at r = 8, 16, 32, 48,
   both built from the same 1001 Burgers snapshots (datasets/rom-burgers-smooth.toml with
   time.save_every = 10, t in [0, 1]) and run over the same time grid (dt = 1e-3, 1000
   steps), best of 5 runs. opinf is timed twice: forced onto that step grid
   (max_step = dt) and with its defaults (adaptive steps, the grid used only for output).
b. Thin SVD of a 65536 x 200 float64 matrix (rank-20 signal with decaying scales plus
   noise), C- and Fortran-ordered: gk.thin_svd and gk.pod(rank=50) against
   numpy.linalg.svd(full_matrices=False), best of 3 each; singular values compared.

Run through scripts/bench-python (which picks the interpreter and the thread count).
"""

import argparse
import os
import platform
import sys
import tempfile
import time
import warnings

import numpy as np

try:
    import galerkin as gk
except ImportError:
    sys.exit(f"{sys.executable} has no `galerkin` module: build and install the Python "
             "package (python/, maturin) into this interpreter first.")
try:
    import opinf
    import scipy
except ImportError as e:
    sys.exit(f"{e}: install opinf (`{sys.executable} -m pip install opinf`).")

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
RECIPE = os.path.join(ROOT, "datasets", "rom-burgers-smooth.toml")
RANKS = [8, 16, 32, 48]
REGULARIZER = 1e-6
ROM_REPEAT = 5      # best of 5 for the (short) ROM runs
ROM_GOAL = 10.0     # galerkin at least this many times faster per step
SVD_GOAL = 0.5      # galerkin at most this fraction of numpy's time
SV_TOL = 1e-10      # relative agreement of the singular values


def best_of(f, repeat=3):
    """Best wall time of `repeat` calls and the last result."""
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return best, out


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def header():
    ncpu = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    threads = {k: os.environ[k] for k in ("RAYON_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                          "OMP_NUM_THREADS") if k in os.environ}
    print("## Machine\n")
    print(f"- nproc: {ncpu} ({cpu_model()}), {platform.system()} {platform.machine()}")
    print(f"- Python {platform.python_version()}, numpy {np.__version__}, scipy "
          f"{scipy.__version__}, opinf {opinf.__version__}, galerkin {gk.__version__}")
    print(f"- threads: {threads or 'library defaults'}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    print(f"- load average (1 min) at start: {load:.2f}"
          + (" — other processes compete for the cores; timings, numpy's threaded SVD "
             "above all, will be noisy" if load > 0.5 else "") + "\n")


def bench_rom(out):
    data = gk.simulate(RECIPE, overrides={"time.save_every": 10},
                       output=os.path.join(out, "burgers-smooth-1001.h5"))
    S, t = data.snapshots(0), data.times
    dt = float(t[1] - t[0])
    steps = len(t) - 1
    norm_s = np.linalg.norm(S)
    print(f"## a. ROM online step: galerkin vs opinf {opinf.__version__} predict\n")
    print(f"Burgers nu = 0.05, 256 points, {S.shape[1]} snapshots; time grid t in "
          f"[{t[0]:g}, {t[-1]:g}], dt = {dt:g} ({steps} steps). Times: best of {ROM_REPEAT}, "
          "reduced states out on every side.\n")
    rows = []
    for r in RANKS:
        rom = gk.reduce(data, rank=r)
        u0 = S[:, 0]
        t_run, A = best_of(lambda: rom.run(t, u0=u0, dt=dt, reduced=True), ROM_REPEAT)
        U = rom.run(t, u0=u0, dt=dt)
        err_gk = np.linalg.norm(U.T - S) / norm_s

        stepper = rom.stepper(dt=dt)

        def step_loop():
            stepper.set_state(u0)
            step = stepper.step
            for _ in range(steps):
                step()
            return stepper.state

        t_step, a_end = best_of(step_loop, ROM_REPEAT)
        assert np.allclose(a_end, A[-1], rtol=1e-12, atol=1e-12), "stepper and run disagree"

        orom = opinf.ROM(
            model=opinf.models.ContinuousModel(
                "cAH", solver=opinf.lstsq.L2Solver(regularizer=REGULARIZER)),
            transformer=opinf.pre.ShiftTransformer(S.mean(axis=1)),
            basis=opinf.basis.PODBasis(num_vectors=r),
            ddt_estimator=opinf.ddt.UniformFiniteDifferencer(t, "ord6"),
        )
        orom.fit(S)
        q0 = orom.encode(u0)
        model = orom.model
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_fixed, Q = best_of(lambda: model.predict(q0, t, max_step=dt), ROM_REPEAT)
            nfev_fixed = model.predict_result_.nfev
            err_fixed = np.linalg.norm(orom.decode(Q) - S) / norm_s
            t_adapt, Q = best_of(lambda: model.predict(q0, t), ROM_REPEAT)
            nfev_adapt = model.predict_result_.nfev
            err_adapt = np.linalg.norm(orom.decode(Q) - S) / norm_s
        rows.append(dict(r=r, run=t_run / steps, step=t_step / steps, fixed=t_fixed / steps,
                         adapt=t_adapt / steps, adapt_steps=(nfev_adapt - 2) // 6,
                         t_adapt=t_adapt, t_run=t_run, nfev_fixed=nfev_fixed,
                         err_gk=err_gk, err_fixed=err_fixed, err_adapt=err_adapt))

    print("Per step of the common grid (µs); opinf forced onto the grid with max_step = dt:\n")
    print("| r | galerkin Rom.run | galerkin Stepper.step() | opinf predict (max_step = dt) "
          "| ratio opinf / run | ratio opinf / step | goal ≥ 10× |")
    print("|---:|---:|---:|---:|---:|---:|:---|")
    for w in rows:
        q1, q2 = w["fixed"] / w["run"], w["fixed"] / w["step"]
        ok = "met" if min(q1, q2) >= ROM_GOAL else "NOT met"
        print(f"| {w['r']} | {w['run'] * 1e6:.2f} | {w['step'] * 1e6:.2f} | "
              f"{w['fixed'] * 1e6:.1f} | {q1:.0f}× | {q2:.0f}× | {ok} |")
    print("\nopinf with its defaults (adaptive RK45, rtol 1e-3; the grid only for output): "
          "whole trajectory, and per RK45 step taken:\n")
    print("| r | galerkin Rom.run, 1000 steps | opinf predict | RK45 steps | "
          "ratio, whole trajectory | opinf per RK45 step | ratio, per step | goal ≥ 10× per step |")
    print("|---:|---:|---:|---:|---:|---:|---:|:---|")
    for w in rows:
        whole = w["t_adapt"] / w["t_run"]
        per = w["t_adapt"] / w["adapt_steps"]
        q = per / w["run"]
        ok = "met" if q >= ROM_GOAL else "NOT met"
        print(f"| {w['r']} | {w['t_run'] * 1e3:.2f} ms | {w['t_adapt'] * 1e3:.2f} ms | "
              f"{w['adapt_steps']} | {whole:.2f}× | {per * 1e6:.0f} µs | {q:.0f}× | {ok} |")
    print("\nIn-sample relative errors vs the full model (all snapshots):\n")
    print("| r | galerkin (dt = 1e-3) | opinf (max_step = dt) | opinf (adaptive) |")
    print("|---:|---:|---:|---:|")
    for w in rows:
        print(f"| {w['r']} | {w['err_gk']:.2e} | {w['err_fixed']:.2e} | {w['err_adapt']:.2e} |")
    print(f"\n(opinf: ContinuousModel('cAH'), L2Solver(regularizer={REGULARIZER:g}), "
          "PODBasis after a shift by the snapshot mean, ord6 finite-difference derivatives; "
          "galerkin: gk.reduce(data, rank=r), RK4. RK45 steps = (nfev - 2) / 6.)\n")


def bench_svd():
    n, m, k = 65536, 200, 20
    rng = np.random.default_rng(0)
    scales = 10.0 ** (-np.arange(k) / 4.0)
    X = (rng.standard_normal((n, k)) * scales) @ rng.standard_normal((k, m))
    X += 1e-3 * rng.standard_normal((n, m))
    print(f"## b. Thin SVD, {n} × {m} float64 (rank-{k} signal + noise), best of 3\n")
    print("| layout | numpy.linalg.svd | gk.thin_svd | ratio | gk.pod(rank=50) | ratio "
          "| pod goal ≤ 0.5 | max rel. diff. σ (thin_svd; pod σ1..50) |")
    print("|:---|---:|---:|---:|---:|---:|:---|---:|")
    for layout, A in (("C", np.ascontiguousarray(X)), ("Fortran", np.asfortranarray(X))):
        t_np, (_, s_np, _) = best_of(lambda: np.linalg.svd(A, full_matrices=False))
        t_svd, (U, s, Vt) = best_of(lambda: gk.thin_svd(A))
        t_pod, p = best_of(lambda: gk.pod(A, rank=50))
        d_svd = np.max(np.abs(s - s_np) / s_np)
        d_pod = np.max(np.abs(p.singular_values[:50] - s_np[:50]) / s_np[:50])
        q_svd, q_pod = t_svd / t_np, t_pod / t_np
        # The goal is the POD's (the leading modes, as a ROM needs them); the full thin
        # SVD, which forms all 200 left vectors like numpy, is reported beside it.
        ok = "met" if q_pod <= SVD_GOAL else "NOT met"
        same = "ok" if max(d_svd, d_pod) <= SV_TOL else f"NOT within {SV_TOL:g}"
        print(f"| {layout} | {t_np:.3f} s | {t_svd:.3f} s | {q_svd:.2f} | {t_pod:.3f} s | "
              f"{q_pod:.2f} | {ok} | {d_svd:.1e}; {d_pod:.1e} ({same}) |")
        # The factors themselves: U diag(s) Vt reproduces A.
        res = np.linalg.norm(A - (U * s) @ Vt) / np.linalg.norm(A)
        if res > 1e-12:
            print(f"  warning: ||A - U S Vt|| / ||A|| = {res:.1e} for the {layout} matrix")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="directory for the trajectory file (default: a temp dir)")
    parser.add_argument("--only", choices=["rom", "svd"], help="run one part only")
    args = parser.parse_args()
    header()
    t0 = time.perf_counter()
    if args.only != "svd":
        with tempfile.TemporaryDirectory(prefix="galerkin-bench-") as tmp:
            bench_rom(args.out or tmp)
    if args.only != "rom":
        bench_svd()
    print(f"(benchmark wall time {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
