#!/usr/bin/env python3
"""The ROM workflow from Python, end to end, in well under a minute.

1. simulate a Burgers ensemble: the recipe datasets/rom-burgers-smooth.toml
   (u0 = sin(2 pi x) + 0.5, 256 points, t in [0, 1], 101 saves) run for six viscosities;
2. hold one trajectory out, and build POD-Galerkin and Q-DEIM ROMs from the other five
   for several ranks r;
3. run each ROM from the held-out initial condition, at the held-out viscosity, and compare
   with the full model.

Printed per r: the relative error of both ROMs over the whole held-out trajectory
(||U_rom - S||_F / ||S||_F, S = the full model's 256 x 101 snapshot matrix), the
projection floor of the basis, and the online time of `Rom.run` (10 000 steps of the
recipe's dt = 1e-4, all 101 saves reconstructed). The floor is ||(S - m) - V V^T (S - m)||
/ ||S|| with V, m the centred POD modes and mean of the training snapshots (what `reduce`
builds its ROMs on with the default center=True): no ROM in that basis can do better.

    .venv/bin/python examples/python/rom_workflow.py [--out DIR] [--plot PATH]

Data files go to --out (default: a new temporary directory, printed). With matplotlib, an
error-vs-r plot is written to --plot (default: DIR/rom_workflow.png).
"""

import argparse
import os
import tempfile
import time

import numpy as np

import galerkin as gk

RECIPE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "datasets",
                      "rom-burgers-smooth.toml")
VISCOSITIES = [0.03, 0.04, 0.05, 0.06, 0.07, 0.08]
RANKS = [4, 8, 12, 16, 20]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="directory for the trajectory file (default: a temp dir)")
    parser.add_argument("--plot", help="where to save the error-vs-r plot (PNG)")
    parser.add_argument("--test", type=int, default=3,
                        help=f"index of the held-out trajectory, 0..{len(VISCOSITIES) - 1} "
                             "(default 3: nu = 0.06)")
    args = parser.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="galerkin-rom-workflow-")
    os.makedirs(out, exist_ok=True)

    # 1. The ensemble: one trajectory per viscosity (an existing identical file is reused).
    t0 = time.perf_counter()
    data = gk.simulate(RECIPE,
                       overrides={"n_traj": len(VISCOSITIES), "parameters.viscosity": VISCOSITIES},
                       output=os.path.join(out, "burgers-6nu.h5"))
    print(f"simulated {data.n_traj} trajectories of shape {tuple(data.shape[1:])} "
          f"in {time.perf_counter() - t0:.2f} s -> {data.path}")

    test = args.test
    train = [i for i in range(data.n_traj) if i != test]
    S = data.snapshots(test)                       # 256 x 101, column j = state at save j
    params = data.parameters_of(test)
    print(f"training on nu = {[float(data.parameters['viscosity'][i]) for i in train]}, "
          f"held out: nu = {params['viscosity']}")

    # The training snapshots and their centred POD, for the projection floor.
    X = np.hstack([data.snapshots(i) for i in train])
    ranks = [r for r in RANKS if r <= min(X.shape) - 1]
    basis = gk.pod(X, rank=max(ranks), center=True)
    Sc = S - basis.mean[:, None]
    norm_s = np.linalg.norm(S)

    rows = []
    print()
    print("|  r | Galerkin rel. error | Q-DEIM rel. error | projection floor | "
          "Galerkin online | Q-DEIM online |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in ranks:
        V = basis.modes[:, :r]
        floor = np.linalg.norm(Sc - V @ (V.T @ Sc)) / norm_s
        row = {"r": r, "floor": floor}
        for method in ["galerkin", "qdeim"]:
            rom = gk.reduce(data, rank=r, method=method, trajectories=train)
            t0 = time.perf_counter()
            U = rom.run(data.times, u0=S[:, 0], parameters=params)   # len(t) x n
            row[method + "_time"] = time.perf_counter() - t0
            row[method] = np.linalg.norm(U.T - S) / norm_s
        rows.append(row)
        print(f"| {r:2d} | {row['galerkin']:.3e} | {row['qdeim']:.3e} | {floor:.3e} | "
              f"{row['galerkin_time'] * 1e3:6.1f} ms | {row['qdeim_time'] * 1e3:6.1f} ms |")
    print(f"\n(online = Rom.run over t in [0, 1]: {round((data.times[-1] - data.times[0]) / rom.dt)} "
          f"steps of the recipe's dt = {rom.dt:g} (RK4), {len(data.times)} full states "
          f"reconstructed; Q-DEIM with the default 2r points)")

    # 4. The plot, when matplotlib is there.
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib for one)")
        return
    path = args.plot or os.path.join(out, "rom_workflow.png")
    rs = [row["r"] for row in rows]
    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.semilogy(rs, [row["galerkin"] for row in rows], "o-", label="POD-Galerkin")
    ax.semilogy(rs, [row["qdeim"] for row in rows], "s--", label="Q-DEIM (2r points)")
    ax.semilogy(rs, [row["floor"] for row in rows], "k:", label="projection floor")
    ax.set_xlabel("r")
    ax.set_ylabel("relative error, held-out trajectory")
    ax.set_title(f"Burgers, held-out nu = {params['viscosity']:g}")
    ax.legend()
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=120)
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
