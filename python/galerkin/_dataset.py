"""Trajectory files as Python objects: metadata at once, trajectories read when indexed."""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator, Optional, Union

import numpy as np

from . import _core


class Trajectories:
    """The lazy array ``/u`` of a trajectory file, shape (n_traj, n_t, space..., n_fields).

    ``u[i]`` reads trajectory ``i`` only (a numpy array that owns the buffer read, no
    copy); ``u[i:j]`` and ``np.asarray(u)`` read several."""

    def __init__(self, core: _core.Dataset) -> None:
        self._core = core

    @property
    def shape(self) -> tuple:
        return tuple(self._core.shape)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float64)

    @property
    def ndim(self) -> int:
        return len(self._core.shape)

    def __len__(self) -> int:
        return self._core.n_traj

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(len(self)):
            yield self._core.trajectory(i)

    def __getitem__(self, key: Any) -> np.ndarray:
        first, rest = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        if isinstance(first, (int, np.integer)):
            index = int(first)
            if index < 0:
                index += len(self)
            if not 0 <= index < len(self):
                raise IndexError(f"trajectory {first} out of range 0..{len(self)}")
            out = self._core.trajectory(index)
        else:
            indices = range(len(self))[first]
            out = np.stack([self._core.trajectory(i) for i in indices])
            rest = (slice(None),) + tuple(rest)
        return out[rest] if rest else out

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = np.stack(list(self)) if len(self) else np.empty(self.shape)
        return out if dtype is None else out.astype(dtype)

    def __repr__(self) -> str:
        return f"Trajectories(shape={self.shape}, file='{self._core.path}')"


class Dataset:
    """An open trajectory file (``galerkin.open`` or ``galerkin.simulate``).

    Attributes: ``u`` (lazy trajectories), ``times``, ``x``, ``y``, ``parameters``
    ({name: values per trajectory}), ``health``, ``pde``, ``recipe``, ``shape``,
    ``n_traj``, ``path``; ``run`` is the summary of the ``simulate`` call that returned
    it (None from ``open``). Methods: ``trajectory(i)``, ``snapshots(i, start, stop)`` (a
    values × times matrix in the solvers' layout, what ``pod`` and ``Rom.run`` take),
    ``parameters_of(i)``, ``summary()``."""

    def __init__(self, core: _core.Dataset, run: Optional[Dict[str, Any]] = None) -> None:
        self._core = core
        self.run = run
        self.u = Trajectories(core)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._core, name)

    def __len__(self) -> int:
        return self._core.n_traj

    def __repr__(self) -> str:
        return (
            f"Dataset('{self._core.path}', pde='{self._core.pde}', "
            f"shape={tuple(self._core.shape)})"
        )


def open(path: Union[str, os.PathLike]) -> Dataset:  # noqa: A001 (the module's API)
    """Opens a trajectory file written by ``galerkin simulate`` (or ``simulate``)."""
    return Dataset(_core.Dataset(path))

