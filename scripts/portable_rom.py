#!/usr/bin/env python3
"""Runs a galerkin portable ROM with numpy only, from the layout in docs/portable-rom.md.

Usage: portable_rom.py ROM.safetensors U0.txt DT STEPS OUT.txt [NAME=VALUE ...]

U0.txt holds the full initial state u0 (n values, one per line); the script projects it,
a = V^T W (u0 - mean), integrates da/dt = c + A a + N(a) with classical RK4 for STEPS steps
of DT (each split into substeps = max(1, ceil(DT * rho(A) / 2.5)) equal substeps, rho the
largest |eigenvalue| of A, as galerkin's Stepper does), and writes the final a to OUT.txt.
NAME=VALUE re-weights the affine term of parameter NAME (default: its build value).
"""
import json
import math
import struct
import sys

import numpy as np


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__")
    assert meta["format"] == "galerkin-portable-rom" and int(meta["version"]) <= 1, meta
    data = raw[8 + n :]
    tensors = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        dtype = {"F64": "<f8", "I64": "<i8"}[t["dtype"]]
        tensors[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(t["shape"])
    return meta, tensors


def online(meta, t, params):
    """A(theta) = fixed + sum_q theta_q matrix_q, c(theta) = constant + sum_q theta_q offset_q."""
    a, c = t["linear.fixed"].copy(), t["linear.constant"].copy()
    for q in range(int(meta["linear.terms"])):
        name = meta[f"linear.term.{q}.parameter"]
        built = float(meta[f"linear.term.{q}.coefficient"])
        theta = params.get(name, built) if name else built
        a += theta * t[f"linear.term.{q}.matrix"]
        c += theta * t[f"linear.term.{q}.offset"]
    r = a.shape[0]
    if meta["rom_kind"] == "galerkin":
        h = t["quadratic.h"]
        jj, ii = np.tril_indices(r)  # pair p = j(j+1)/2 + i, i <= j, in order of p
        nonlinear = lambda x: h @ (x[ii] * x[jj])
    else:
        fluxes = {
            "half-square": lambda f: 0.5 * f[0] * f[0],
            "advection-2d": lambda f: f[0] * f[2] + f[1] * f[3],
        }
        g = fluxes[meta["flux"]]
        q = int(meta["hyper.factors"])
        rows = [t[f"hyper.factor_rows.{j}"] for j in range(q)]
        offs = [t[f"hyper.factor_offsets.{j}"] for j in range(q)]
        m = t["hyper.map"]
        nonlinear = lambda x: m @ g([o + rr @ x for rr, o in zip(rows, offs)])
    return a, (lambda x: c + a @ x + nonlinear(x))


def main():
    rom, u0, dt, steps, out = sys.argv[1:6]
    params = dict((k, float(v)) for k, v in (p.split("=", 1) for p in sys.argv[6:]))
    meta, t = load(rom)
    v = t["basis"]  # [n, r], column j = mode j
    u = np.loadtxt(u0, ndmin=1) - t.get("mean", 0.0)
    x = v.T @ (t.get("weights", 1.0) * u)
    a, f = online(meta, t, params)
    dt, steps = float(dt), int(steps)
    rho = max(abs(np.linalg.eigvals(a)))
    sub = max(1, math.ceil(dt * rho / 2.5))
    h = dt / sub
    for _ in range(steps * sub):
        k1 = f(x)
        k2 = f(x + 0.5 * h * k1)
        k3 = f(x + 0.5 * h * k2)
        k4 = f(x + h * k3)
        x = x + h / 6.0 * (k1 + 2.0 * (k2 + k3) + k4)
    np.savetxt(out, x, fmt="%.17e")
    print(f"r = {x.size}, substeps = {sub}, final |a| = {np.linalg.norm(x):.6e}")


if __name__ == "__main__":
    main()
