"""simulate and open: the same bytes as the command line for the same recipe and seed,
every way of giving a recipe, resume after an interruption, progress, clear errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

import h5py
import numpy as np
import pytest

import galerkin as gk
from conftest import recipe, run_cli


def arrays(path: Path) -> dict:
    with h5py.File(path, "r") as f:
        out = {name: f[name][()] for name in ("u", "t", "x", "seed", "done")}
        out.update({f"params/{k}": v[()] for k, v in f["params"].items()})
        return out


def assert_same_file(a: Path, b: Path) -> None:
    x, y = arrays(a), arrays(b)
    assert x.keys() == y.keys()
    for name in x:
        # Same recipe, same seeds: identical bits, not merely close values.
        assert np.array_equal(x[name], y[name]), name


def test_same_arrays_as_the_command_line(galerkin_bin, burgers, workdir):
    cli = workdir / "cli-burgers-tiny.h5"
    run_cli(
        galerkin_bin,
        "simulate",
        recipe("burgers-tiny.toml"),
        "--set",
        f'output="{cli}"',
        "--quiet",
        cwd=workdir,
    )
    assert_same_file(Path(burgers.path), cli)
    assert burgers.run["written"] == 4 and burgers.run["unhealthy"] == []


def test_dict_text_and_overrides_give_the_same_dataset(burgers, workdir):
    with open(recipe("burgers-tiny.toml"), "rb") as f:
        as_dict = tomllib.load(f)
    text = Path(recipe("burgers-tiny.toml")).read_text()
    from_dict = gk.simulate(as_dict, output=workdir / "from-dict.h5")
    from_text = gk.simulate(text, output=workdir / "from-text.h5")
    assert_same_file(Path(burgers.path), Path(from_dict.path))
    assert_same_file(Path(burgers.path), Path(from_text.path))
    # Typed overrides (dict) and --set strings mean the same recipe.
    typed = gk.simulate(
        recipe("burgers-tiny.toml"),
        overrides={"n_traj": 2, "time.t_end": 0.25},
        output=workdir / "typed.h5",
    )
    strings = gk.simulate(
        recipe("burgers-tiny.toml"),
        overrides=["n_traj=2", "time.t_end=0.25"],
        output=workdir / "strings.h5",
    )
    assert typed.shape == [2, 6, 64, 1]
    assert_same_file(Path(typed.path), Path(strings.path))


def test_a_complete_file_is_opened_not_recomputed(burgers):
    again = gk.simulate(recipe("burgers-tiny.toml"), output=burgers.path)
    assert again.run["written"] == 0 and again.run["skipped"] == 4


def test_progress_reports_every_trajectory(workdir):
    seen = []
    gk.simulate(
        recipe("burgers-tiny.toml"),
        overrides={"n_traj": 32, "grid.n": 1024, "time.t_end": 2.0},
        output=workdir / "progress.h5",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen, "the callback was never called"
    assert all(total == 32 for _, total in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1] == (32, 32)


def test_interrupted_run_resumes_to_the_same_bytes(workdir):
    overrides = {"n_traj": 48, "grid.n": 2048, "time.t_end": 2.0}
    out = workdir / "interrupted.h5"

    class Stop(Exception):
        pass

    def stop_after_first(done: int, total: int) -> None:
        if done >= 1:
            raise Stop()

    with pytest.raises(Stop):
        gk.simulate(recipe("burgers-tiny.toml"), overrides, out, progress=stop_after_first)
    partial = out.with_name(out.name + ".partial")
    assert not out.exists() and partial.exists(), "the stopped run keeps a partial file"
    with h5py.File(partial, "r") as f:
        kept = int(f["done"][()].sum())
    assert 1 <= kept < 48
    resumed = gk.simulate(recipe("burgers-tiny.toml"), overrides, out)
    assert resumed.run["skipped"] == kept and resumed.run["written"] == 48 - kept
    whole = gk.simulate(recipe("burgers-tiny.toml"), overrides, workdir / "whole.h5")
    assert_same_file(out, Path(whole.path))


def test_open_reads_lazily_and_describes_the_file(burgers):
    ds = gk.open(burgers.path)
    assert ds.run is None and ds.pde == "burgers" and len(ds) == 4
    assert ds.u.shape == (4, 11, 64, 1) and len(ds.u) == 4
    assert np.allclose(ds.times, np.linspace(0, 0.5, 11))
    assert ds.x.shape == (64,) and ds.y is None
    assert set(ds.parameters) == {"viscosity"}
    assert ds.parameters_of(2) == {"viscosity": ds.parameters["viscosity"][2]}
    assert list(ds.health["status"]) == [0, 0, 0, 0]
    assert "complete  4/4" in ds.summary()
    with h5py.File(burgers.path, "r") as f:
        u = f["u"][()]
    assert np.array_equal(ds.u[1], u[1])
    assert np.array_equal(ds.u[-1], u[3])
    assert np.array_equal(ds.u[1:3], u[1:3])
    assert np.array_equal(ds.u[2, 5], u[2, 5])
    assert np.array_equal(np.asarray(ds.u), u)
    s = ds.snapshots(1, 2, 7)
    assert s.shape == (64, 5) and np.array_equal(s, u[1, 2:7, :, 0].T)


@pytest.mark.parametrize(
    "call, kind, words",
    [
        (lambda o: gk.simulate({"name": "x"}, output=o), gk.GalerkinError, "missing field `pde`"),
        (
            lambda o: gk.simulate(recipe("burgers-tiny.toml"), {"time.dt": -1.0}, o),
            gk.GalerkinError,
            "invalid `dt` = -1",
        ),
        (
            lambda o: gk.simulate(recipe("burgers-tiny.toml"), ["grid.n=abc"], o),
            gk.GalerkinError,
            "grid.n",
        ),
        (
            lambda o: gk.simulate(recipe("burgers-tiny.toml"), {"gird.n": 64}, o),
            gk.GalerkinError,
            "unknown field `gird`",
        ),
        (lambda o: gk.simulate("no-such-recipe.toml", output=o), ValueError, "recipe"),
        (lambda o: gk.simulate(42, output=o), TypeError, "recipe must be"),
        (lambda o: gk.simulate({"name": {1, 2}}, output=o), TypeError, "recipe value `name`"),
        (lambda o: gk.open(o), gk.GalerkinError, "No such file or directory"),
    ],
)
def test_bad_input_is_a_clear_error(call, kind, words, workdir):
    with pytest.raises(kind, match=None) as err:
        call(workdir / "never-written.h5")
    assert words in str(err.value)
    assert not (workdir / "never-written.h5").exists()


def test_a_different_file_at_the_output_is_refused(burgers):
    with pytest.raises(gk.GalerkinError) as err:
        gk.simulate(recipe("ks-tiny.toml"), output=burgers.path)
    assert str(burgers.path) in str(err.value)
    assert gk.open(burgers.path).pde == "burgers"
