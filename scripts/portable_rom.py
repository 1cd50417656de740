#!/usr/bin/env python3
"""Runs a galerkin portable ROM with numpy only, from the layout in docs/portable-rom.md.

Usage: portable_rom.py ROM.safetensors U0.txt DT STEPS OUT.txt [NAME=VALUE ...]

U0.txt holds the full initial state u0 (n values, one per line); the script projects it,
a = V^T W (u0 - mean), integrates da/dt = c + A a + N(a) with classical RK4 for STEPS steps
of DT (each split into substeps = max(1, ceil(DT * rho(A) / 2.5)) equal substeps, rho the
largest |eigenvalue| of A, as galerkin's Stepper does), and writes the final a to OUT.txt.
NAME=VALUE re-weights the affine term of parameter NAME (default: its build value).

A `lifted-quadratic` file (the lifted wave ROM) takes the lifted state y = (q, p, w[, z])
as U0, integrates dy/dt = J(y) Q y with the implicit midpoint rule (Newton to round-off,
one step per DT, as galerkin's Stepper) at mass=VALUE (default `lifted.mass`), and also
prints the lifted energy cell * y^T Q y / 2 at the start and the end.
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


def lifted(meta, t, params):
    """Q(m) and f(y) = J(y) Q y with its Jacobian, from the `lifted.*` tensors."""
    ranks = json.loads(meta["lifted.block_ranks"])
    in_energy = json.loads(meta["lifted.in_energy"])
    off = np.concatenate([[0], np.cumsum(ranks)])
    block = lambda b: slice(off[b], off[b + 1])
    mass = params.get("mass", float(meta["lifted.mass"]))
    q = np.zeros((off[-1], off[-1]))
    q[block(0), block(0)] = t["lifted.stiffness"] + mass * mass * t["lifted.mass_matrix"]
    for b in range(1, len(ranks)):
        if in_energy[b]:
            q[block(b), block(b)] = np.eye(ranks[b])
    couplings = []
    for c in range(int(meta["lifted.couplings"])):
        key = f"lifted.coupling.{c}"
        row, col, by = (block(int(meta[f"{key}.{k}"])) for k in ("row", "col", "by"))
        couplings.append((row, col, by, float(meta[f"{key}.coef"]), t[f"{key}.tensor"]))

    def structure(y):
        j = t["lifted.j0"].copy()
        for row, col, by, coef, a in couplings:
            p = np.tensordot(y[by], a, axes=1)  # sum_l y_by[l] A_l
            j[row, col] += coef * p
            j[col, row] -= coef * p.T
        return j

    def jacobian(y):
        g = q @ y
        jac = structure(y) @ q
        for row, col, by, coef, a in couplings:
            jac[row, by] += coef * np.einsum("lij,j->il", a, g[col])
            jac[col, by] -= coef * np.einsum("lij,i->jl", a, g[row])
        return jac

    return q, (lambda y: structure(y) @ (q @ y)), jacobian


def midpoint(f, jacobian, x, dt):
    """One implicit midpoint step, Newton from x + dt f(x) to round-off."""
    y = x + dt * f(x)
    for _ in range(60):
        mid = 0.5 * (x + y)
        residual = y - x - dt * f(mid)
        scale = max(np.abs(y).max(), np.finfo(float).tiny)
        if np.abs(residual).max() <= 1e-16 * scale:
            break
        delta = np.linalg.solve(np.eye(x.size) - 0.5 * dt * jacobian(mid), residual)
        y = y - delta
        if np.abs(delta).max() <= 1e-15 * scale:
            break
    return y


def main():
    rom, u0, dt, steps, out = sys.argv[1:6]
    params = dict((k, float(v)) for k, v in (p.split("=", 1) for p in sys.argv[6:]))
    meta, t = load(rom)
    v = t["basis"]  # [n, r], column j = mode j
    u = np.loadtxt(u0, ndmin=1) - t.get("mean", 0.0)
    x = v.T @ (t.get("weights", 1.0) * u)
    dt, steps = float(dt), int(steps)
    if meta["rom_kind"] == "lifted-quadratic":
        q, f, jacobian = lifted(meta, t, params)
        energy = lambda y: 0.5 * float(meta["lifted.cell"]) * y @ q @ y
        e0 = energy(x)
        for _ in range(steps):
            x = midpoint(f, jacobian, x, dt)
        np.savetxt(out, x, fmt="%.17e")
        print(f"r = {x.size}, substeps = 1, energy {e0:.17e} -> {energy(x):.17e}")
        return
    a, f = online(meta, t, params)
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
