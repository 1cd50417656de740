"""ROMs from Python: the same portable file and the same reduced states as the command
line, errors against the full model that fall with r, save / load, and clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import galerkin as gk
from conftest import recipe, run_cli


def relative_error(rom: gk.Rom, ds: gk.Dataset, index: int) -> float:
    truth = ds.snapshots(index)
    run = rom.run(ds.times, u0=truth[:, 0], parameters=ds.parameters_of(index))
    return float(np.linalg.norm(run.T - truth) / np.linalg.norm(truth))


@pytest.mark.parametrize("method", ["galerkin", "qdeim", "opinf", "galerkin-closure", "dmd"])
def test_same_rom_and_states_as_the_command_line(galerkin_bin, burgers, workdir, method):
    cli_rom, cli_portable = workdir / f"cli-{method}.h5", workdir / f"cli-{method}.rom"
    states = workdir / f"cli-{method}-states.txt"
    # The learned methods fit 1 + r + r(r+1)/2 = 15 unknowns per row at r = 4 from the 44
    # snapshots (without relying on the regularization to determine them).
    rank = 8 if method in ("galerkin", "qdeim") else 4
    run_cli(
        galerkin_bin, "reduce", str(burgers.path), "-o", str(cli_rom), "--rank", str(rank),
        "--method", method, "--portable", str(cli_portable), "--force", cwd=workdir,
    )
    rom = gk.reduce(burgers, rank=rank, method=method)
    assert rom.kind == method
    # The same file, byte for byte, as `galerkin reduce --portable`.
    assert rom.to_bytes() == cli_portable.read_bytes()
    run_cli(
        galerkin_bin, "evaluate", str(cli_rom), str(burgers.path), "--trajectory", "3",
        "--states", str(states), cwd=workdir,
    )
    lines = np.loadtxt(states)
    # The trajectory's parameters the ROM has (a learned model without affine terms has
    # none), as `evaluate` passes them.
    parameters = {k: v for k, v in burgers.parameters_of(3).items() if k in rom.parameters}
    ours = rom.run(
        burgers.times, u0=burgers.snapshots(3)[:, 0], parameters=parameters, reduced=True
    )
    assert np.array_equal(lines[:, 1], burgers.times)
    # The projection of u0 sums in another order (last bits of a₀)...
    assert np.max(np.abs(lines[:, 2:] - ours)) <= 1e-13 * np.max(np.abs(ours))
    # ...and from the same a₀ both run galerkin's RK4 with the same substeps: the same
    # doubles.
    same_start = rom.run(burgers.times, a0=lines[0, 2:], parameters=parameters, reduced=True)
    assert np.array_equal(lines[:, 2:], same_start)
    # An HDF5 ROM file of the command line loads and runs the same.
    assert gk.load_rom(cli_rom).to_bytes() == rom.to_bytes()


def test_error_against_the_full_model_falls_with_the_rank(burgers_rich):
    train = [0, 1, 3]
    errors = {
        r: relative_error(gk.reduce(burgers_rich, rank=r, trajectories=train), burgers_rich, 2)
        for r in (2, 4, 8, 16)
    }
    # Held-out trajectory 2 (measured 0.65, 0.30, 0.054, 0.019): the Galerkin ROM
    # converges as modes are added.
    assert errors[16] < errors[8] < errors[4] < errors[2]
    assert errors[16] < 0.03, errors
    # DEIM with 2r points is as good as the exact tensor here (measured 0.0193).
    deim = gk.reduce(burgers_rich, rank=16, method="deim", trajectories=train)
    assert relative_error(deim, burgers_rich, 2) < 1.1 * errors[16]


def test_reduce_a_snapshot_matrix_with_its_recipe(burgers):
    s = burgers.snapshots(0)
    nu = burgers.parameters_of(0)["viscosity"]
    rom = gk.reduce(s, recipe=recipe("burgers-tiny.toml"), parameters={"viscosity": nu}, rank=8)
    assert rom.kind == "galerkin" and rom.rank == 8 and rom.parameters == {"viscosity": nu}
    assert rom.singular_values.shape == (11,)
    assert relative_error(rom, burgers, 0) < 1e-2


def test_save_load_round_trip_and_stepper(burgers, workdir):
    rom = gk.reduce(burgers, rank=6, method="qdeim")
    path = workdir / "round-trip.rom"
    rom.save(path, force=True)
    loaded = gk.load_rom(path)
    assert loaded.to_bytes() == rom.to_bytes() and loaded.dt == rom.dt == 1e-3
    u0 = burgers.snapshots(1)[:, 0]
    t = np.arange(0, 51) * 1e-3
    whole = loaded.run(t, u0=u0, reduced=True)
    stepper = rom.stepper()
    stepper.set_state(u0)
    stepper.step(50)
    assert stepper.time == pytest.approx(0.05)
    assert np.array_equal(stepper.state, whole[-1])
    assert np.allclose(stepper.reconstruct(), loaded.run(t, u0=u0)[-1], atol=1e-15)
    with pytest.raises(gk.GalerkinError, match="already exists"):
        rom.save(path)


@pytest.mark.parametrize(
    "call, kind, words",
    [
        (lambda ds, rom: rom.run(np.array([0.0, 0.0015])), gk.GalerkinError, "whole number"),
        (lambda ds, rom: rom.run(ds.times, u0=np.zeros(3)), gk.GalerkinError, "length of u"),
        (lambda ds, rom: rom.run(ds.times, u0=np.full(64, np.nan)), gk.GalerkinError, "finite"),
        (lambda ds, rom: rom.run(ds.times, u0=np.zeros(64), a0=np.zeros(6)), ValueError, "u0 / a0"),
        (lambda ds, rom: rom.run(ds.times, parameters={"nu": 1.0}), gk.GalerkinError, "`nu`"),
        (lambda ds, rom: rom.run(ds.times, dt=0.0), gk.GalerkinError, "`dt`"),
        (lambda ds, rom: gk.reduce(ds, method="pod"), ValueError, "galerkin, deim, qdeim, eim"),
        (lambda ds, rom: gk.reduce(ds, method="lifted-quadratic"), ValueError, "wave"),
        (lambda ds, rom: gk.reduce(ds, rank=99), gk.GalerkinError, "invalid `rank` = 99"),
        (lambda ds, rom: gk.reduce(ds.snapshots(0)), ValueError, "recipe"),
        (
            lambda ds, rom: gk.reduce(ds.snapshots(0)[:50], recipe=recipe("burgers-tiny.toml")),
            ValueError,
            "64 rows",
        ),
        (lambda ds, rom: gk.reduce(3.5), TypeError, "source must be"),
        (lambda ds, rom: gk.load_rom(ds.path), gk.GalerkinError, ""),
    ],
)
def test_bad_input_is_a_clear_error(burgers, call, kind, words):
    rom = gk.reduce(burgers, rank=6)
    with pytest.raises(kind) as err:
        call(burgers, rom)
    assert words in str(err.value)
