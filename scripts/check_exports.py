#!/usr/bin/env python3
"""Checks galerkin's native trajectory files and their PDEBench / The Well exports with h5py.

Usage: check_exports.py EXPECT.json
EXPECT.json (written by tests/interop.rs) names the files and what the Rust side wrote:
{"native": path, "pdebench": path, "well": path, "two_d": bool, "n_traj": N,
 "shape": [N, T, X(, Y), 1], "samples": [[i, t, x(, y), value], ...], "params": {name: [...]}}
Exits non-zero with a message on the first mismatch.
"""
import json
import sys

import h5py
import numpy as np


def fail(msg):
    print(f"check_exports: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def is_bool(v):
    return isinstance(v, (bool, np.bool_))


def is_str(v):
    return isinstance(v, str)


def str_list(v):
    return isinstance(v, np.ndarray) and v.ndim == 1 and all(isinstance(s, str) for s in v)


def main():
    exp = json.load(open(sys.argv[1]))
    n, shape, two_d = exp["n_traj"], exp["shape"], exp["two_d"]

    # Native schema.
    with h5py.File(exp["native"], "r") as f:
        u = f["u"]
        check(list(u.shape) == shape, f"native /u shape {u.shape} != {shape}")
        check(u.chunks[0] == 1 and list(u.chunks[1:]) == shape[1:], f"native chunks {u.chunks}")
        check(u.compression == "gzip", f"native compression {u.compression}")
        for s in exp["samples"]:
            idx, value = tuple(int(v) for v in s[:-1]) + (0,), s[-1]
            check(abs(float(u[idx]) - value) <= 1e-6 * max(1.0, abs(value)), f"native u{idx}")
        for key in ["pde", "equation", "integrator", "dealias", "galerkin_version", "recipe"]:
            check(is_str(f.attrs[key]), f"native @{key} is not a string")
        for key in ["dt_internal"]:
            check(isinstance(f.attrs[key], (float, np.floating)), f"native @{key}")
        check(int(f.attrs["schema_version"]) == 1, "native @schema_version")
        check(f["done"].dtype == np.uint8 and f["done"][()].all(), "native /done")
        check(f["t"].shape == (shape[1],) and f["x"].shape == (shape[2],), "native t/x")
        for name, values in exp["params"].items():
            check(np.allclose(f["params"][name][()], values), f"native params/{name}")
        for h in ["mean", "energy", "max_cfl", "tail_ratio", "status"]:
            check(f["health"][h].shape == (n,), f"native health/{h}")
        native = f["u"][()]

    # PDEBench.
    with h5py.File(exp["pdebench"], "r") as f:
        if not two_d:
            t = f["tensor"]
            check(t.dtype == np.float32 and t.shape == tuple(shape[:3]), f"pdebench tensor {t.dtype} {t.shape}")
            check(np.allclose(t[()], native[..., 0], atol=1e-6), "pdebench tensor values")
            check(f["x-coordinate"].shape == (shape[2],), "pdebench x-coordinate length")
            check(f["t-coordinate"].shape == (shape[1] + 1,), "pdebench t-coordinate has nt + 1 entries")
            if "viscosity" in exp["params"] and len(set(exp["params"]["viscosity"])) == 1:
                nu = exp["params"]["viscosity"][0]
                check(abs(f.attrs["Nu"] - np.pi * nu) < 1e-12, "pdebench @Nu = pi * nu")
        else:
            groups = sorted(k for k in f.keys())
            check(groups == [f"{i:04d}" for i in range(n)], f"pdebench groups {groups}")
            for i in range(n):
                d = f[f"{i:04d}"]["data"]
                check(d.dtype == np.float32 and d.shape == tuple(shape[1:]), f"pdebench {i} data {d.shape}")
                check(np.allclose(d[()], native[i], atol=1e-6), f"pdebench {i} values")
                for g in ["x", "y", "t"]:
                    check(g in f[f"{i:04d}"]["grid"], f"pdebench {i} grid/{g}")

    # The Well.
    with h5py.File(exp["well"], "r") as f:
        a = f.attrs
        check(is_str(a["dataset_name"]) and a["grid_type"] == "cartesian", "well name / grid_type")
        dims = 2 if two_d else 1
        check(int(a["n_spatial_dims"]) == dims and isinstance(a["n_spatial_dims"], np.int64), "well n_spatial_dims")
        check(int(a["n_trajectories"]) == n, "well n_trajectories")
        check(str_list(a["simulation_parameters"]), "well simulation_parameters is a list of str")
        for p in a["simulation_parameters"]:
            check(p in a and p in f["scalars"], f"well parameter {p} in root attrs and /scalars")
        spatial = list(f["dimensions"].attrs["spatial_dims"])
        check(spatial == ["x", "y"][:dims], f"well spatial_dims {spatial}")
        tm = f["dimensions"]["time"]
        check(is_bool(tm.attrs["time_varying"]) and tm.attrs["time_varying"], "well time @time_varying")
        check(is_bool(tm.attrs["sample_varying"]) and not tm.attrs["sample_varying"], "well time @sample_varying")
        for d in spatial:
            check(not f["dimensions"][d].attrs["time_varying"], f"well {d} flags")
            bc = f["boundary_conditions"][f"{d}_periodic"]
            check(bc.attrs["bc_type"] == "PERIODIC", "well bc_type")
            check(str_list(bc.attrs["associated_dims"]) and list(bc.attrs["associated_dims"]) == [d], "well associated_dims")
            check(str_list(bc.attrs["associated_fields"]) or len(bc.attrs["associated_fields"]) == 0, "well associated_fields")
            m = bc["mask"][()]
            check(m.dtype == np.bool_ and m[0] and m[-1] and not m[1:-1].any(), "well bc mask")
        names = list(f["t0_fields"].attrs["field_names"])
        check(len(names) == 1, f"well t0 field names {names}")
        fld = f["t0_fields"][names[0]]
        check(fld.dtype == np.float32 and fld.shape == tuple(shape[:-1]), f"well field shape {fld.shape}")
        dv = fld.attrs["dim_varying"]
        check(dv.dtype == np.bool_ and dv.shape == (dims,) and dv.all(), "well dim_varying")
        check(fld.attrs["sample_varying"] and fld.attrs["time_varying"], "well field flags")
        check(np.allclose(fld[()], native[..., 0], atol=1e-6), "well field values")
        for g in ["t1_fields", "t2_fields"]:
            check(len(f[g].attrs["field_names"]) == 0, f"well {g} empty")
    print("check_exports: OK")


if __name__ == "__main__":
    main()
