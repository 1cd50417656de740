#!/usr/bin/env python3
"""numpy's thin SVD (linalg.svd(full_matrices=False)) on the matrices of benches/basis.rs.

The matrices are regenerated bit for bit from the same SplitMix64 hash the Rust bench uses,
so both sides factor the very same numbers. Prints one JSON object: {name: seconds}, the
median of `--repeat` runs. Thread count: set OPENBLAS_NUM_THREADS (scripts/bench-basis does).
"""
import argparse
import json
import sys
import time

import numpy as np

SHAPES = [(16384, 400), (65536, 200)]


def splitmix64(x):
    """Vectorized SplitMix64 on uint64 arrays (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def hashed_matrix(rows, cols, seed):
    idx = np.arange(rows * cols, dtype=np.uint64) + np.uint64(seed << 40)
    h = splitmix64(idx)
    u = (h >> np.uint64(11)).astype(np.float64) * (2.0 / float(1 << 53)) - 1.0
    return np.ascontiguousarray(u.reshape(rows, cols))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per matrix (median)")
    args = parser.parse_args()
    results = {}
    for rows, cols in SHAPES:
        a = hashed_matrix(rows, cols, 1)
        np.linalg.svd(a, full_matrices=False)  # warm-up
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            np.linalg.svd(a, full_matrices=False)
            times.append(time.perf_counter() - t0)
        results[f"thin_svd/{rows}x{cols}"] = float(np.median(times))
        results[f"checksum/{rows}x{cols}"] = float(a.sum())
    results["numpy_version"] = np.__version__
    json.dump(results, sys.stdout)
    print()


if __name__ == "__main__":
    main()
