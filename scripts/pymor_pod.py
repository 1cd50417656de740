#!/usr/bin/env python3
"""pyMOR's POD (pymor.algorithms.pod.pod) on the snapshot matrix of benches/basis.rs.

The 65536 x 201 matrix is regenerated bit for bit from the SplitMix64 hash the Rust bench
uses (scripts/numpy_svd.py), stored column-major as pyMOR keeps its NumpyVectorArray, and
given to `pod` with its defaults (rtol = 1e-7, orth_tol = 1e-10: the modes are checked for
orthonormality and re-orthonormalized when needed), once with method='method_of_snapshots'
and once with method='qr_svd'. numpy's thin SVD of the same matrix is timed alongside.
Prints one JSON object: {name: seconds}, the median of `--repeat` runs, plus the number of
modes each method kept and the largest |U^T U - I| of its modes.
Thread count: set OPENBLAS_NUM_THREADS (scripts/bench-basis does).
"""
import argparse
import json
import logging
import sys
import time

import numpy as np

from numpy_svd import hashed_matrix

SHAPE = (65536, 201)


def median_time(f, repeat):
    """Median wall time of `repeat` calls of f after one warm-up call; returns (seconds, last result)."""
    result = f()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = f()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per method (median)")
    args = parser.parse_args()
    import pymor
    from pymor.algorithms.pod import pod
    from pymor.core.logger import set_log_levels
    from pymor.vectorarrays.numpy import NumpyVectorSpace

    set_log_levels({"pymor": "WARN"})
    logging.getLogger("pymor").setLevel(logging.WARNING)
    rows, cols = SHAPE
    a = np.asfortranarray(hashed_matrix(rows, cols, 1))
    vectors = NumpyVectorSpace.from_numpy(a)
    shape = f"{rows}x{cols}"
    results = {"pymor_version": pymor.__version__, "numpy_version": np.__version__}
    for method in ["method_of_snapshots", "qr_svd"]:
        seconds, (modes, svals) = median_time(lambda: pod(vectors, method=method), args.repeat)
        u = modes.to_numpy()
        results[f"pymor_{method}/{shape}"] = seconds
        results[f"pymor_{method}_modes/{shape}"] = int(len(svals))
        results[f"pymor_{method}_orthogonality/{shape}"] = float(
            np.max(np.abs(u.T @ u - np.eye(u.shape[1])))
        )
    seconds, _ = median_time(lambda: np.linalg.svd(a, full_matrices=False), args.repeat)
    results[f"numpy_thin_svd/{shape}"] = seconds
    results[f"checksum/{shape}"] = float(a.sum())
    json.dump(results, sys.stdout)
    print()


if __name__ == "__main__":
    main()
