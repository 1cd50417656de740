"""No copy of large data where a view suffices, measured as the process's peak resident
memory (Linux: VmHWM, reset through /proc/self/clear_refs) around one call."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import galerkin as gk

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc peak RSS"
)


def peak_growth(call) -> tuple:
    """(bytes the peak resident set grew by during `call`, its result)."""
    def read(field: str) -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) * 1024
        raise RuntimeError(field)

    Path("/proc/self/clear_refs").write_text("5")  # the peak restarts at the current RSS
    before = read("VmRSS:")
    result = call()
    return read("VmHWM:") - before, result


def test_pod_reads_the_matrix_in_place():
    rng = np.random.default_rng(0)
    # Snapshots as columns of a Fortran-ordered array (or, the same memory, the transpose
    # of a C-ordered snapshots × values array, the layout of Dataset.snapshots): 64 MiB.
    x = np.asfortranarray(rng.standard_normal((16384, 512)))
    x.sum()  # resident before measuring
    in_place, pod = peak_growth(lambda: gk.pod(x, rank=8, method="snapshots"))
    assert pod.rank == 8
    # The method of snapshots needs the m × m Gram matrix and the n × r modes (~3 MiB)
    # and the thread pool's first use (measured 0 to 12 MiB), nothing of the size of x.
    assert in_place < 0.25 * x.nbytes, f"grew by {in_place / 2**20:.1f} MiB"
    # The measurement sees a copy when there is one: centring must subtract the mean.
    copied, _ = peak_growth(lambda: gk.pod(x, rank=8, method="snapshots", center=True))
    assert copied > 0.9 * x.nbytes, f"grew by {copied / 2**20:.1f} MiB"


def test_results_are_views_of_rust_buffers(burgers):
    # numpy does not own the data: it is the Rust vector the file was read into, handed
    # over without a copy (HDF5 itself decompresses each chunk into a buffer of its own).
    u = burgers.u[0]
    assert not u.flags.owndata and u.base is not None
    s = burgers.snapshots(1)
    assert not s.flags.owndata and s.flags.f_contiguous
    assert sys.getrefcount(u) >= 2
