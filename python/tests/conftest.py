"""Shared fixtures: the repository, the `galerkin` command (for same-seed comparisons with
the Rust results) and small trajectory files simulated once per session."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import galerkin as gk

REPO = Path(__file__).resolve().parents[2]


def recipe(name: str) -> str:
    """The path of a recipe of the repository's datasets/."""
    return str(REPO / "datasets" / name)


@pytest.fixture(scope="session")
def galerkin_bin() -> str:
    """The `galerkin` command: $GALERKIN_BIN (set by the Rust test that runs this suite),
    else one on PATH; the tests comparing with it are skipped without one."""
    found = os.environ.get("GALERKIN_BIN") or shutil.which("galerkin")
    if not found:
        pytest.skip("no galerkin command (set GALERKIN_BIN) to compare with")
    return found


def run_cli(binary: str, *args: str, cwd: Path) -> str:
    out = subprocess.run(
        [binary, *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, f"galerkin {' '.join(args)}:\n{out.stdout}\n{out.stderr}"
    return out.stdout


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("galerkin")


@pytest.fixture(scope="session")
def burgers(workdir: Path) -> gk.Dataset:
    """The tiny Burgers ensemble (4 trajectories, 64 points, 11 saves)."""
    return gk.simulate(recipe("burgers-tiny.toml"), output=workdir / "burgers-tiny.h5")


@pytest.fixture(scope="session")
def burgers_rich(workdir: Path) -> gk.Dataset:
    """Burgers with 51 saves per trajectory: enough snapshots for ROMs up to r = 32."""
    return gk.simulate(
        recipe("burgers-tiny.toml"),
        overrides={"time.save_every": 10},
        output=workdir / "burgers-rich.h5",
    )
