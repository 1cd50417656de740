"""The basis core from numpy: values against numpy's SVD and an independent DEIM, any
strides, truncation rules, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import galerkin as gk


def low_rank(n: int, m: int, decay: float = 0.5, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    a, _ = np.linalg.qr(rng.standard_normal((n, m)))
    b, _ = np.linalg.qr(rng.standard_normal((m, m)))
    s = decay ** np.arange(m)
    return (a * s) @ b.T, s


@pytest.mark.parametrize("method", ["thin", "snapshots", "incremental", "auto"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_pod_matches_numpy_svd(method, order):
    x, s = low_rank(400, 30, decay=0.7)
    x = np.asarray(x, order=order)
    pod = gk.pod(x, rank=10, method=method)
    assert pod.rank == 10 and pod.modes.shape == (400, 10)
    ref = np.linalg.svd(x, compute_uv=False)
    # Backward-stable SVDs: σ to ~ε σ₁; the method of snapshots squares the condition
    # number, so its small σ are good to √ε σ₁ relative to σ₁.
    tol = 1e-7 if method == "snapshots" else 1e-12
    assert np.max(np.abs(pod.singular_values[:10] - ref[:10])) <= tol * ref[0]
    assert np.max(np.abs(pod.modes.T @ pod.modes - np.eye(10))) < 1e-12
    # The modes span the leading left singular subspace: projection residual = tail.
    residual = x - pod.modes @ (pod.modes.T @ x)
    assert np.linalg.norm(residual) == pytest.approx(np.sqrt(np.sum(ref[10:] ** 2)), rel=1e-6)


def test_energy_truncation_and_centering():
    x, s = low_rank(200, 40, decay=0.5)
    pod = gk.pod(x, energy=1e-6)
    tail = np.cumsum((s**2)[::-1])[::-1] / np.sum(s**2)
    expected = int(np.argmax(tail <= 1e-6))
    assert pod.rank == expected and pod.discarded_energy <= 1e-6
    centred = gk.pod(x, rank=5, center=True)
    assert np.allclose(centred.mean, x.mean(axis=1), atol=1e-15)
    ref = np.linalg.svd(x - x.mean(axis=1, keepdims=True), compute_uv=False)
    assert np.allclose(centred.singular_values[:5], ref[:5], rtol=1e-12)


def test_strided_views_are_read_in_place():
    x, _ = low_rank(300, 60)
    view = x[::2, 1::3]
    assert not view.flags.c_contiguous and not view.flags.f_contiguous
    ref = np.linalg.svd(view, compute_uv=False)
    u, s, vt = gk.thin_svd(view)
    assert np.allclose(s, ref, rtol=1e-12, atol=1e-14 * ref[0])
    assert np.allclose((u * s) @ vt, view, atol=1e-13)


def test_randomized_svd_recovers_a_low_rank_matrix():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((500, 8)) @ rng.standard_normal((8, 120))
    u, s, vt = gk.randomized_svd(x, rank=8, seed=1)
    assert u.shape == (500, 8) and vt.shape == (8, 120)
    assert np.allclose(s, np.linalg.svd(x, compute_uv=False)[:8], rtol=1e-10)
    assert np.linalg.norm((u * s) @ vt - x) <= 1e-10 * np.linalg.norm(x)
    # The same seed gives the same bits.
    assert np.array_equal(gk.randomized_svd(x, rank=8, seed=1)[1], s)


def test_incremental_svd_streams_blocks():
    x, _ = low_rank(250, 40, decay=0.6)
    isvd = gk.IncrementalSVD(250)
    for start in range(0, 40, 7):
        isvd.push(x[:, start : start + 7])
    assert isvd.columns_seen == 40
    ref = np.linalg.svd(x, compute_uv=False)
    k = 12
    assert np.allclose(isvd.singular_values[:k], ref[:k], rtol=1e-8)
    assert np.max(np.abs(isvd.modes.T @ isvd.modes - np.eye(isvd.rank))) < 1e-10


def deim_reference(u: np.ndarray) -> list:
    """DEIM's greedy (Chaturantabut & Sorensen 2010, Algorithm 1) in numpy."""
    points = [int(np.argmax(np.abs(u[:, 0])))]
    for j in range(1, u.shape[1]):
        c = np.linalg.solve(u[points, :j], u[points, j])
        r = u[:, j] - u[:, :j] @ c
        points.append(int(np.argmax(np.abs(r))))
    return points


def test_deim_and_qdeim_points():
    x, _ = low_rank(300, 20, decay=0.8, seed=5)
    u = gk.pod(x, rank=10).modes
    assert list(gk.deim(u)) == deim_reference(u)
    q = gk.qdeim(u)
    assert len(set(q)) == 10
    # Q-DEIM's bound on the interpolation error constant ‖(PᵀU)⁻¹‖₂ (Drmač & Gugercin).
    bound = np.sqrt(300 - 10 + 1) * np.sqrt(4**10 + 6 * 10 - 1) / 3
    assert np.linalg.norm(np.linalg.inv(u[q, :]), 2) <= bound


@pytest.mark.parametrize(
    "call, kind, words",
    [
        (lambda x: gk.pod(x, rank=500), gk.GalerkinError, "invalid `rank` = 500"),
        (lambda x: gk.pod(x, rank=3, energy=1e-3), ValueError, "rank / energy"),
        (lambda x: gk.pod(x, energy=1.5), gk.GalerkinError, "energy_tolerance"),
        (lambda x: gk.pod(x, method="svd"), ValueError, "auto, thin, snapshots or incremental"),
        (lambda x: gk.pod(x.astype(np.float32)), TypeError, ""),
        (lambda x: gk.pod(x[:, 0]), TypeError, ""),
        (lambda x: gk.pod(np.where(x > 0.1, np.nan, x)), gk.GalerkinError, "NaN"),
        (lambda x: gk.pod(x, cell_weight=-1.0), gk.GalerkinError, "cell_weight"),
        (lambda x: gk.randomized_svd(x, rank=0), gk.GalerkinError, "rank"),
    ],
)
def test_bad_input_is_a_clear_error(call, kind, words):
    x, _ = low_rank(50, 20)
    with pytest.raises(kind) as err:
        call(x)
    assert words in str(err.value)
