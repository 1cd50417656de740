"""The progress bar: drawn on a terminal (or Jupyter), silent otherwise, a callable of
your own when given."""

from __future__ import annotations

import galerkin as gk
from galerkin import _progress
from conftest import recipe


def test_forced_text_bar_draws_on_stderr(monkeypatch, capsys, workdir):
    monkeypatch.setattr(_progress, "_TqdmBar", _progress._TextBar)
    gk.simulate(
        recipe("burgers-tiny.toml"),
        overrides={"n_traj": 16, "grid.n": 1024, "time.t_end": 2.0},
        output=workdir / "bar.h5",
        progress=True,
    )
    err = capsys.readouterr().err
    assert "simulate [" in err and "16/16" in err


def test_not_interactive_means_no_bar(monkeypatch, capsys, workdir):
    monkeypatch.setattr(_progress, "_interactive", lambda: False)
    gk.simulate(recipe("burgers-tiny.toml"), {"n_traj": 2}, workdir / "quiet.h5")
    assert capsys.readouterr().err == ""


def test_reporter_choices(monkeypatch):
    monkeypatch.setattr(_progress, "_interactive", lambda: True)
    callback, close = _progress.reporter(False, "x")
    assert callback is None
    mine = lambda done, total: None  # noqa: E731
    assert _progress.reporter(mine, "x")[0] is mine
    callback, close = _progress.reporter(None, "x")
    assert callback is not None
    close()
