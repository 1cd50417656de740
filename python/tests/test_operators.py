"""Neural operators (the `operators` feature): training from a recipe gives the same
checkpoint as `galerkin train`, a loaded checkpoint predicts the held-out error it
recorded, and Ctrl-C (here: a failing progress callback) stops after a checkpointed
epoch that the same call resumes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import galerkin as gk
from conftest import REPO, run_cli

pytestmark = pytest.mark.skipif(
    not gk._core.HAS_OPERATORS, reason="built without the `operators` feature"
)


@pytest.fixture()
def in_project(tmp_path, monkeypatch):
    """A fresh working directory holding the repository's recipes."""
    for name in ("datasets", "training"):
        (tmp_path / name).symlink_to(REPO / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


SMOKE = "training/smoke-burgers.toml"


def test_train_matches_the_command_line_and_predicts_its_test_error(in_project, galerkin_bin):
    ours = gk.train(SMOKE, ["train.epochs=4", 'output="runs/python"'], progress=False)
    assert ours["epochs"] == 4 and ours["resumed_from"] == 0 and not ours["stopped"]
    run_cli(
        galerkin_bin, "train", SMOKE, "--set", "train.epochs=4", "--set",
        'output="runs/cli"', "--quiet", cwd=in_project,
    )
    python_op = gk.load_operator(ours["checkpoint"])
    cli_op = gk.load_operator("runs/cli/checkpoint.h5")
    # Same recipe and seed: the same training run, to the bit.
    assert python_op.test_error == cli_op.test_error == ours["test_error"]
    ds = gk.open("data/operator-burgers-small.h5")
    u = ds.u[40:48]  # the held-out pairs of the recipe: u(0) -> u(T)
    inputs, targets = u[:, 0, :, 0], u[:, -1, :, 0]
    a = python_op.predict(inputs)
    assert a.shape == (8, 64)
    assert np.array_equal(a, cli_op.predict(inputs[:, None, :]))
    error = np.mean(np.linalg.norm(a - targets, axis=1) / np.linalg.norm(targets, axis=1))
    # The recorded held-out error is this mean relative L² error (f64 network).
    assert error == pytest.approx(ours["test_error"], rel=1e-9)
    assert python_op.history == 1 and python_op.config["modes"] == 8


def test_stop_after_a_checkpointed_epoch_and_resume(in_project):
    epochs = 100

    class Stop(Exception):
        pass

    def stop_soon(done: int, total: int) -> None:
        if done >= 2:
            raise Stop()

    # Progress reaches the callback on the caller's 50 ms ticks while the training runs on,
    # so the run is long enough that the stop lands well before its last epoch: about 1 s
    # of training here, stopped at epoch 4-6 of 100. With 6 epochs a fast machine could
    # finish before the first tick.
    overrides = [f"train.epochs={epochs}", 'output="runs/stopped"']
    # The dataset first, so that the progress seen below is the training's.
    gk.simulate("datasets/operator-burgers-small.toml", progress=False)
    with pytest.raises(Stop):
        gk.train(SMOKE, overrides, progress=stop_soon)
    saved = gk.load_operator("runs/stopped/checkpoint.h5").epoch
    assert 1 <= saved < epochs
    resumed = gk.train(SMOKE, overrides, progress=False)
    assert resumed["resumed_from"] == saved and resumed["epochs"] == epochs
    whole = gk.train(SMOKE, [f"train.epochs={epochs}", 'output="runs/whole"'], progress=False)
    # A resumed run is the same run: bit-identical resume.
    assert resumed["test_error"] == whole["test_error"]


def test_bad_input_is_a_clear_error(in_project):
    with pytest.raises(gk.GalerkinError, match="signature"):
        gk.load_operator("datasets/burgers-tiny.toml")
    gk.train(SMOKE, ["train.epochs=1", 'output="runs/one"'], progress=False)
    op = gk.load_operator("runs/one/checkpoint.h5")
    with pytest.raises(ValueError, match="frames"):
        op.predict(np.zeros((2, 3, 64)))
    with pytest.raises(ValueError, match="steps"):
        op.predict(np.zeros((2, 64)), steps=0)
    with pytest.raises(gk.GalerkinError, match="unknown field"):
        gk.train(SMOKE, ["trian.epochs=1"])
    assert os.path.exists("runs/one/checkpoint.h5")
