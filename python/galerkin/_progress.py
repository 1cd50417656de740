"""Progress of long work (simulate, train): a tqdm bar when tqdm is installed (it draws in
terminals and, through ``tqdm.auto``, in Jupyter), a plain one-line bar on a terminal
otherwise, nothing when output is not interactive."""

from __future__ import annotations

import sys
import time
from typing import Callable, Optional, Tuple, Union

Callback = Callable[[int, int], object]
ProgressArg = Union[None, bool, Callback]


def _interactive() -> bool:
    if "ipykernel" in sys.modules:
        return True
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


class _TextBar:
    """`label [#####.....] done/total  elapsed` redrawn in place on stderr."""

    def __init__(self, label: str, unit: str = "") -> None:
        self.label = label
        self.start = time.perf_counter()
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        elapsed = time.perf_counter() - self.start
        bar = "#" * filled + "." * (width - filled)
        sys.stderr.write(f"\r{self.label} [{bar}] {done}/{total}  {elapsed:.1f} s")
        sys.stderr.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()


class _TqdmBar:
    def __init__(self, label: str, unit: str) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(desc=label, unit=unit, leave=False)

    def __call__(self, done: int, total: int) -> None:
        if self.bar.total != total:
            self.bar.reset(total=total)
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def reporter(
    progress: ProgressArg, label: str, unit: str = "it"
) -> Tuple[Optional[Callback], Callable[[], None]]:
    """The callback the core reports ``(done, total)`` (of ``unit``) to, and how to close it.

    ``progress`` is ``None`` (a bar when interactive), ``True`` (always a bar), ``False``
    (none) or a callable ``f(done, total)`` of your own."""
    if progress is False or (progress is None and not _interactive()):
        return None, lambda: None
    if callable(progress) and progress is not True:
        return progress, lambda: None
    try:
        bar: Union[_TqdmBar, _TextBar] = _TqdmBar(label, unit)
    except ImportError:
        bar = _TextBar(label, unit)
    return bar, bar.close
