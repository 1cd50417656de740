"""galerkin from Python: simulate PDE ensembles, reduce them to fast ROMs and run them,
on the same Rust core as the ``galerkin`` command.

>>> import galerkin as gk
>>> data = gk.simulate("datasets/burgers-tiny.toml", output="data/tiny.h5")
>>> rom = gk.reduce(data, rank=12, method="qdeim")
>>> u = rom.run(data.times, u0=data.snapshots(0)[:, 0], parameters=data.parameters_of(0))

Everything takes and returns numpy arrays (float64). Long work releases the GIL, shows a
progress bar when interactive and stops cleanly on Ctrl-C (a trajectory file stays
partial; the same call resumes it). Errors of the library raise ``GalerkinError`` with
the message the command line prints.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Mapping, Optional, Sequence, Union

from . import _core
from ._core import (
    GalerkinError,
    IncrementalSVD,
    Pod,
    Rom,
    Stepper,
    deim,
    pod,
    qdeim,
    randomized_svd,
    thin_svd,
)
from ._dataset import Dataset, Trajectories, open
from ._progress import ProgressArg, reporter

__version__: str = _core.__version__

__all__ = [
    "Dataset",
    "GalerkinError",
    "IncrementalSVD",
    "Pod",
    "Rom",
    "Stepper",
    "Trajectories",
    "deim",
    "load_rom",
    "open",
    "pod",
    "qdeim",
    "randomized_svd",
    "reduce",
    "simulate",
    "thin_svd",
]

Recipe = Union[str, os.PathLike, Mapping[str, Any]]
Overrides = Union[None, Mapping[str, Any], Sequence[str]]


def simulate(
    recipe: Recipe,
    overrides: Overrides = None,
    output: Union[None, str, os.PathLike] = None,
    progress: ProgressArg = None,
) -> Dataset:
    """Runs a recipe's ensemble into its HDF5 trajectory file and opens it.

    ``recipe`` is the path of a recipe file (``datasets/*.toml``), TOML text, or a dict
    of the same keys. ``overrides`` sets dotted keys: a dict ``{"time.dt": 1e-3}``
    (values typed as given) or ``["time.dt=1e-3"]`` (the command line's ``--set``).
    ``output`` replaces the recipe's ``output`` path.

    As the command line: trajectories stream to ``OUTPUT.partial`` and the file is renamed
    when complete; an interrupted run (Ctrl-C, a kill) resumes where it stopped when
    called again; a complete file of the same recipe is opened without recomputing; a
    different file at ``output`` is refused. The returned dataset's ``run`` says what this
    call computed: ``written``, ``skipped``, ``unhealthy``, ``seconds``."""
    callback, close = reporter(progress, "simulate", "traj")
    try:
        core, run = _core.simulate(recipe, overrides, output, callback)
    finally:
        close()
    return Dataset(core, run)


def reduce(source: Union[Dataset, str, os.PathLike, Any], **options: Any) -> Rom:
    """Builds a ROM and returns it, ready to ``run`` and ``save``.

    ``source`` is a trajectory file (a ``Dataset`` or its path): the POD of its
    trajectories and the full model its recipe describes, as ``galerkin reduce`` does;
    or a snapshot matrix (n values × m snapshots, float64, in the solvers' layout that
    ``Dataset.snapshots`` returns) together with ``recipe=`` (path, TOML text or dict)
    and optionally ``parameters=`` ({name: value}): the full model of that recipe.

    Options (the command line's): ``rank`` or ``energy`` (discarded energy fraction,
    default 1e-8), ``method`` (``galerkin`` exact quadratic tensor; ``deim``, ``qdeim``,
    ``eim`` hyper-reduction with ``points`` points, default 2r; ``lifted-quadratic`` for
    wave files), ``trajectories`` (indices), ``times`` ((start, stop) save indices),
    ``center`` (default True), ``cell_weights`` (L² POD), ``pod_method`` (``auto``,
    ``thin``, ``snapshots``, ``incremental``)."""
    if isinstance(source, Dataset):
        source = source._core
    return _core.reduce(source, **options)


def load_rom(path: Union[str, os.PathLike]) -> Rom:
    """Reads a ROM file: a portable file (``Rom.save``, ``galerkin reduce --portable``) or
    an HDF5 ROM file of ``galerkin reduce``."""
    return Rom.load(path)


if _core.HAS_OPERATORS:
    from ._core import Operator, load_operator

    __all__ += ["Operator", "load_operator", "train"]

    def train(
        recipe: Union[str, os.PathLike],
        overrides: Optional[Sequence[str]] = None,
        fresh: bool = False,
        progress: ProgressArg = None,
    ) -> Dict[str, Any]:
        """Trains a neural operator from a training recipe (``training/*.toml``) as
        ``galerkin train`` does: simulates its dataset when the file is missing, resumes
        from the run's checkpoint unless ``fresh``, checkpoints every
        ``train.checkpoint_every`` epochs. ``overrides`` are ``"key=value"`` strings.
        Ctrl-C stops after the current epoch (checkpointed; the same call resumes).

        Returns {checkpoint, epochs, resumed_from, stopped, test_error, train_loss,
        test_errors, seconds, rollout}; ``load_operator(result["checkpoint"])`` predicts.
        (Built with the ``operators`` feature only.)"""
        callback, close = reporter(progress, "train", "step")
        try:
            return _core.train(recipe, list(overrides or []), fresh, callback)
        finally:
            close()
