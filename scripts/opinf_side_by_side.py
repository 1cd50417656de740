#!/usr/bin/env python3
"""galerkin's learned reduced models side by side with the `opinf` package, in one run.

Cases: Burgers nu = 0.05 (data/rom-burgers-smooth.h5), Burgers nu = 2e-3
(data/rom-burgers-steep.h5), Kuramoto-Sivashinsky L = 22 (data/rom-ks-l22.h5); ranks
r = 8, 16, 32. Burgers trains on the first half of the saves and scores in-sample on it and
extrapolation on the second half (from the projected state at the last training save);
KS trains on t in [100, 1100] (saves 400..4401) and extrapolates over saves 4401..6001.

Rows per case and r:
- galerkin OpInf: `galerkin reduce --method opinf`, scored by `galerkin evaluate`;
- opinf: the `opinf` package on the same POD basis (read from galerkin's ROM file),
  derivatives by `opinf.ddt.ddt_uniform(order=4)`, `ContinuousModel("cAH")` with a diagonal
  `TikhonovSolver` (lambda on c and A, ratio * lambda on H, the penalty galerkin uses), the
  same lambda grid, ratios and selection rule as galerkin (each candidate integrated over
  the training window from the first training state with `model.predict`; leaving
  GROWTH * max|q| or not finishing rejects it; the smallest relative error in POD
  coordinates wins), scored with errors computed here in full space;
- galerkin Galerkin (`--method galerkin`) and galerkin hybrid (`--method galerkin-closure`);
- projection floor: the POD projection error of the window (evaluate's `projection`).

Columns: relative full-space errors sqrt(sum_t |u_rom - u|^2 / sum_t |u|^2) in-sample and
in extrapolation; for KS the valid-prediction time; the fit time (galerkin: "operators
learned in" for learned methods, "built in" for Galerkin; opinf: wall time of the whole
lambda selection, derivatives included); the online time per step of the extrapolation run.

Run through scripts/opinf-side-by-side (which picks the interpreter and the thread count).
"""

import argparse
import dataclasses
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import h5py
import numpy as np
import opinf
import scipy

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
RANKS = [8, 16, 32]
LAMBDAS = [10.0**e for e in range(-6, 4)]
RATIOS = [1.0, 10.0, 100.0]
GROWTH = 2.0              # selection: a candidate leaving GROWTH * max|q| is rejected
DERIVATIVE_ORDER = 4
VPT_THRESHOLD = 0.5       # KS: normalized pointwise error that ends a valid prediction
BLOWUP = 1e6              # opinf scored runs: leaving BLOWUP * max|q| counts as a blow-up
ACCURACY_GOAL = 1.1       # galerkin OpInf error at most this times opinf's
FIT_GOAL = 10.0           # galerkin OpInf fit at least this many times faster than opinf's
ONLINE_REPEAT = 3         # opinf's extrapolation run: best of 3 wall times
# opinf's predict (scipy solve_ivp): its defaults (RK45, rtol 1e-3, atol 1e-6) in the
# lambda selection, as an opinf user would run it; tight tolerances in the scored runs, so
# that their errors are the model's and not the integrator's (galerkin evaluate runs RK4 at
# the recipe's small dt, whose integration error is negligible too).
SELECT_OPTIONS = dict(method="RK45")
SCORE_OPTIONS = dict(method="RK45", rtol=1e-8, atol=1e-10)

METHODS = {
    "opinf": "galerkin OpInf",
    "opinf-package": f"opinf {opinf.__version__}",
    "galerkin": "galerkin Galerkin",
    "galerkin-closure": "galerkin hybrid",
    "projection": "projection floor",
}


@dataclasses.dataclass
class Case:
    """One trajectory file and its windows (save indices, end exclusive)."""

    key: str
    title: str
    recipe: str
    data: str
    train: tuple
    extrapolation: tuple
    vpt: bool
    remark: str
    score_window: int = None


KS_REMARK = ("Over windows this long every model decorrelates from the chaotic trajectory: "
             "errors near √2 are those of uncorrelated states of the same energy, so the "
             "error columns (and the goals built on them) rank models by noise; VPT is the "
             "informative column. Both tools score their λ candidates on consecutive "
             "segments of 160 saves (40 time units, about two Lyapunov times), each run "
             "from its own first state (galerkin: `--score-window 160`).")
KS_SCORE_WINDOW = 160
# key: (title, fixed windows (train, extrapolation) or None for Burgers' halves, VPT, remark)
CASES = {
    "burgers-smooth": ("Burgers ν = 0.05", None, False, ""),
    "burgers-steep": ("Burgers ν = 2e-3", None, False, ""),
    "ks-l22": ("Kuramoto–Sivashinsky L = 22", ((400, 4401), (4401, 6001)), True, KS_REMARK),
}


def make_case(key):
    """The case `key` of CASES, its trajectory file simulated when missing. Burgers trains
    and scores in-sample on the first half of the saves and extrapolates from the last
    training save to the end."""
    title, windows, vpt, remark = CASES[key]
    recipe, data = f"datasets/rom-{key}.toml", f"data/rom-{key}.h5"
    ensure_data(recipe, data)
    if windows is None:
        with h5py.File(os.path.join(ROOT, data), "r") as f:
            n_saves = f["t"].shape[0]
        half = (n_saves - 1) // 2
        windows = ((0, half + 1), (half, n_saves))
    return Case(key, title, recipe, data, *windows, vpt=vpt, remark=remark,
                score_window=KS_SCORE_WINDOW if vpt else None)


# ---------------------------------------------------------------------------------------
# galerkin CLI


def galerkin_bin():
    """The galerkin binary: $GALERKIN_BIN, else ${CARGO_TARGET_DIR:-target}/release/galerkin."""
    default = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "galerkin")
    path = os.environ.get("GALERKIN_BIN", default)
    return path if os.path.isabs(path) else os.path.join(ROOT, path)


def run_galerkin(*args):
    """Runs galerkin with `args` from the repository root; (exit code, stdout, stderr)."""
    cmd = [galerkin_bin(), *map(str, args)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return proc.returncode, proc.stdout, proc.stderr


def first_error_line(stderr):
    """The first `error:` line of galerkin's stderr (else its last line)."""
    lines = [l.strip() for l in stderr.splitlines() if l.strip()]
    errors = [l for l in lines if l.startswith("error")]
    return (errors or lines or ["no message"])[0]


def ensure_data(recipe, data):
    """Runs `galerkin simulate recipe` when the trajectory file `data` is missing."""
    if not os.path.exists(os.path.join(ROOT, data)):
        print(f"simulating {data} (galerkin simulate {recipe}) ...", file=sys.stderr)
        code, _, err = run_galerkin("simulate", recipe)
        if code != 0:
            sys.exit(f"galerkin simulate {recipe} failed: {first_error_line(err)}")


def reduce(case, method, r, out):
    """`galerkin reduce` of `case` with `method` at rank r into `out`. Returns a dict: status
    ("ok" or "refused"), fit_s, and for learned methods lmbda, ratio, training_error and
    the bounded candidates of /learned/scores (lambda, ratio, training error rows)."""
    a, b = case.train
    learning = [] if method == "galerkin" else [
        "--lambdas", ",".join(f"{x:g}" for x in LAMBDAS),
        "--quadratic-ratios", ",".join(f"{x:g}" for x in RATIOS),
        "--derivative-order", DERIVATIVE_ORDER, "--growth", GROWTH]
    if case.score_window and method != "galerkin":
        learning += ["--score-window", case.score_window]
    code, stdout, stderr = run_galerkin(
        "reduce", case.data, "--method", method, "--rank", r, "--times", f"{a}..{b}",
        "-o", out, "--force", *learning)
    if code != 0:
        return dict(status="refused", note=first_error_line(stderr))
    with h5py.File(out, "r") as f:
        if "learned" in f:
            attrs, scores = f["learned"].attrs, f["learned/scores"][:]
            learned = re.search(r"operators learned in ([0-9.eE+-]+) s", stdout)
            return dict(status="ok", fit_s=float(learned.group(1)),
                        lmbda=float(attrs["lambda"]), ratio=float(attrs["quadratic_ratio"]),
                        training_error=float(attrs["training_error"]),
                        bounded=int(np.isfinite(scores[:, 2]).sum()),
                        candidates=len(scores))
    built = re.search(r"built in ([0-9.eE+-]+) s", stdout)
    return dict(status="ok", fit_s=float(built.group(1)))


def evaluate(rom, case, window, states):
    """`galerkin evaluate` of `rom` over the save window; the reduced states go to `states`.
    Returns a dict: status ("ok" or "blow-up"/"failed"), error, projection, online_s, steps."""
    a, b = window
    code, stdout, stderr = run_galerkin("evaluate", rom, case.data, "--times", f"{a}..{b}",
                                        "--states", states)
    if code != 0:
        message = first_error_line(stderr)
        return dict(status="blow-up" if "blew up" in message else "failed", note=message)
    header = stdout.splitlines().index(next(l for l in stdout.splitlines()
                                            if l.startswith("traj")))
    fields = stdout.splitlines()[header + 1].split()
    error, projection, online, steps = fields[-4:]
    return dict(status="ok", error=float(error), projection=float(projection),
                online_s=float(online), steps=int(steps))


# ---------------------------------------------------------------------------------------
# Snapshots, bases, errors


@dataclasses.dataclass
class Basis:
    """A POD basis as galerkin stores it: modes as rows, the mean, optional weights."""

    modes: np.ndarray
    mean: np.ndarray
    weights: np.ndarray

    @classmethod
    def read(cls, path):
        """Reads /basis, /mean and /weights (when present) of a galerkin ROM file."""
        with h5py.File(path, "r") as f:
            modes = f["basis"][:]
            n = modes.shape[1]
            mean = f["mean"][:] if "mean" in f else np.zeros(n)
            weights = f["weights"][:] if "weights" in f else np.ones(n)
        return cls(modes, mean, weights)

    def encode(self, u):
        """POD coordinates (r, k) of the snapshots u (k, n)."""
        return self.modes @ (self.weights * (u - self.mean)).T

    def decode(self, q):
        """Full states (k, n) of the POD coordinates q (r, k)."""
        return self.mean + q.T @ self.modes


def load_snapshots(path):
    """The first trajectory of a trajectory file as (times, u (n_t, n)) in float64."""
    with h5py.File(path, "r") as f:
        return f["t"][:].astype(np.float64), f["u"][0, :, :, 0].astype(np.float64)


def relative_error(u_rom, u):
    """sqrt(sum_t |u_rom - u|^2 / sum_t |u|^2) over the rows (times) of u."""
    return float(np.linalg.norm(u_rom - u) / np.linalg.norm(u))


def valid_prediction_time(u_rom, u, t, scale):
    """The time from t[0] to the first save where |u_rom - u| / scale exceeds VPT_THRESHOLD
    (None: never within the window)."""
    exceeded = np.nonzero(np.linalg.norm(u_rom - u, axis=1) / scale > VPT_THRESHOLD)[0]
    return float(t[exceeded[0]] - t[0]) if exceeded.size else None


def read_states(path):
    """Reduced states (r, k) from `galerkin evaluate --states` (lines TRAJ TIME a_0 ...)."""
    return np.atleast_2d(np.loadtxt(path))[:, 2:].T


# ---------------------------------------------------------------------------------------
# opinf


def predict(model, q0, t, bound, options, repeat=1):
    """model.predict from q0 over t with a terminal event at |q|_max = bound, best wall time
    of `repeat` runs. Returns (states (r, k) or None when the run stopped early or is not
    finite, seconds, RK45 steps)."""
    def leaves(_t, q, *_):
        return bound - np.abs(q).max()
    leaves.terminal = True
    seconds = np.inf
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for _ in range(repeat):
            start = time.perf_counter()
            q = model.predict(q0, t, events=leaves, **options)
            seconds = min(seconds, time.perf_counter() - start)
    steps = max((model.predict_result_.nfev - 2) // 6, 1)    # RK45: 6 evaluations a step
    ok = q.shape[1] == len(t) and np.all(np.isfinite(q))
    return (q if ok else None), seconds, steps


def regularizer(model, r, lmbda, ratio):
    """Diagonal Tikhonov regularizer of the model's [c, A, H] at rank r: lambda on c and A,
    ratio * lambda on H."""
    return opinf.lstsq.TikhonovSolver.get_operator_regularizer(
        model.operators, [lmbda, lmbda, ratio * lmbda], r)


def segment_score(model, q, t, bound, window):
    """|Q~ - Q|_F / |Q|_F of `model` run from the first state of each consecutive segment of
    `window` saves (the whole of q when None), or None when a run left the bound (the last
    one also when continued past the data for as long again, as galerkin checks)."""
    k = q.shape[1]
    window = window or k
    squared = 0.0
    for start in range(0, k, window):
        end = min(start + window, k)
        if end - start < 2:
            continue
        run, _, _ = predict(model, q[:, start], t[start:end], bound, SELECT_OPTIONS)
        if run is None:
            return None
        squared += np.linalg.norm(run - q[:, start:end]) ** 2
        if end == k:
            # galerkin's stability check: the last run continues as long again, unscored,
            # and must stay within the bound.
            beyond = t[start:end] - t[start] + t[end - 1]
            if predict(model, run[:, -1], beyond, bound, SELECT_OPTIONS)[0] is None:
                return None
    return np.sqrt(squared) / np.linalg.norm(q)


def opinf_fit(q, t, window=None):
    """The opinf model chosen as galerkin chooses: every (lambda, ratio) of the grid fitted
    to q (r, k) at times t and integrated from q[:, 0] (or from the start of each segment of
    `window` saves); the bounded run with the smallest |Q~ - Q|_F / |Q|_F wins. Returns (model, info dict with fit_s, lambda, ratio,
    training_error, bounded candidates) or (None, info) when none stayed bounded."""
    start = time.perf_counter()
    ddts = opinf.ddt.ddt_uniform(q, float(t[1] - t[0]), order=DERIVATIVE_ORDER)
    bound = GROWTH * np.abs(q).max()
    r = q.shape[0]
    model = opinf.models.ContinuousModel("cAH", solver=opinf.lstsq.TikhonovSolver())
    model.solver.regularizer = regularizer(model, r, LAMBDAS[0], RATIOS[0])
    with warnings.catch_warnings():
        # Fewer snapshots than unknowns: expected, the regularization determines them.
        warnings.filterwarnings("ignore", "non-regularized least-squares system is "
                                "underdetermined")
        model.fit(q, ddts)
    best, bounded = None, 0
    for ratio in RATIOS:
        for lmbda in LAMBDAS:
            model.solver.regularizer = regularizer(model, r, lmbda, ratio)
            model.refit()
            score = segment_score(model, q, t, bound, window)
            if score is None:
                continue
            bounded += 1
            if best is None or score < best[0]:
                best = (score, lmbda, ratio)
    info = dict(bounded=bounded, candidates=len(LAMBDAS) * len(RATIOS))
    if best is None:
        info["fit_s"] = time.perf_counter() - start
        return None, info
    model.solver.regularizer = regularizer(model, r, best[1], best[2])
    model.refit()
    info.update(fit_s=time.perf_counter() - start, lmbda=best[1], ratio=best[2],
                training_error=float(best[0]))
    return model, info


# ---------------------------------------------------------------------------------------
# One case


def add_note(row, text):
    """Appends `text` to the row's notes."""
    row["note"] = "; ".join(filter(None, [row.get("note"), text]))


def galerkin_rows(case, r, snaps, workdir):
    """Rows of the three galerkin methods and the projection floor at rank r, the basis of
    the first ROM built (None when none was) and that ROM's method."""
    t, u = snaps
    windows = {"in_sample": case.train, "extrapolation": case.extrapolation}
    rows, basis, source, floor = [], None, None, {}
    for method in ("opinf", "galerkin", "galerkin-closure"):
        row = dict(case=case.key, r=r, method=METHODS[method])
        rom = os.path.join(workdir, f"{case.key}-{method}-{r}.h5")
        row.update(reduce(case, method, r, rom))
        rows.append(row)
        if row["status"] != "ok":
            continue
        rom_basis = Basis.read(rom)
        if basis is None:
            basis, source = rom_basis, method
        for column, (a, b) in windows.items():
            states = os.path.join(workdir, f"{case.key}-{method}-{r}-{column}.txt")
            ev = evaluate(rom, case, (a, b), states)
            if ev["status"] != "ok":
                row["status"] = row[column] = ev["status"]
                add_note(row, f"{column}: {ev['note']}")
                continue
            row[column] = ev["error"]
            floor[column] = ev["projection"]
            u_rom = rom_basis.decode(read_states(states))
            check = relative_error(u_rom, u[a:b])
            if abs(check - ev["error"]) > 1e-3 * ev["error"] + 1e-12:
                add_note(row, f"{column}: error from --states {check:.3e} != evaluate's "
                         f"{ev['error']:.3e}")
            if column == "extrapolation":
                row.update(online_s=ev["online_s"], steps=ev["steps"],
                           us_per_step=1e6 * ev["online_s"] / ev["steps"])
                if case.vpt:
                    row["vpt"] = valid_prediction_time(u_rom, u[a:b], t[a:b],
                                                       vpt_scale(case, u))
    if basis is not None:
        row = dict(case=case.key, r=r, method=METHODS["projection"], status="ok", **floor)
        if case.vpt:
            a, b = case.extrapolation
            row["vpt"] = valid_prediction_time(basis.decode(basis.encode(u[a:b])), u[a:b],
                                               t[a:b], vpt_scale(case, u))
        rows.append(row)
    return rows, basis, source


def vpt_scale(case, u):
    """sqrt of the mean over the training saves of |u|^2 (the VPT normalization)."""
    a, b = case.train
    return float(np.sqrt(np.mean(np.sum(u[a:b] ** 2, axis=1))))


def opinf_row(case, r, snaps, basis, source):
    """The opinf package's row at rank r on `basis`, read from galerkin's ROM file of
    method `source` (the OpInf one unless galerkin refused it: the POD is the same)."""
    t, u = snaps
    row = dict(case=case.key, r=r, method=METHODS["opinf-package"])
    if source != "opinf":
        add_note(row, f"basis of galerkin's `{source}` ROM file (same POD)")
    a, b = case.train
    q = basis.encode(u[a:b])
    model, info = opinf_fit(q, t[a:b], case.score_window)
    row.update(info)
    if model is None:
        row.update(status="refused", note=f"no candidate stayed within {GROWTH:g} x max|q|")
        return row
    row["status"] = "ok"
    bound = BLOWUP * np.abs(q).max()
    for column, (a, b) in (("in_sample", case.train), ("extrapolation", case.extrapolation)):
        q0 = basis.encode(u[a:a + 1])[:, 0]
        repeat = ONLINE_REPEAT if column == "extrapolation" else 1
        run, seconds, steps = predict(model, q0, t[a:b], bound, SCORE_OPTIONS, repeat)
        if run is None:
            row[column] = "blow-up"
            row["status"] = "blow-up"
            add_note(row, f"{column} run blew up")
            continue
        u_rom = basis.decode(run)
        row[column] = relative_error(u_rom, u[a:b])
        if column == "extrapolation":
            row.update(online_s=seconds, steps=steps, us_per_step=1e6 * seconds / steps)
            if case.vpt:
                row["vpt"] = valid_prediction_time(u_rom, u[a:b], t[a:b], vpt_scale(case, u))
    return row


def run_case(case, ranks, snaps, workdir):
    """Every row of one case (snaps: its save times and snapshots)."""
    rows = []
    for r in ranks:
        print(f"{case.key}, r = {r} ...", file=sys.stderr, flush=True)
        grows, basis, source = galerkin_rows(case, r, snaps, workdir)
        if basis is not None:
            grows.insert(1, opinf_row(case, r, snaps, basis, source))
        rows.extend(grows)
    return rows


# ---------------------------------------------------------------------------------------
# Goals and tables


def number(row, column):
    """A row's numeric value in `column`: inf for a blow-up or a missing model."""
    value = row.get(column) if row else None
    return value if isinstance(value, float) else np.inf


def goals(rows, case, r):
    """Goal verdicts at (case, r): dicts with goal, verdict (met/missed) and detail. A
    refused or blown-up run counts as an infinite error."""
    by = {w["method"]: w for w in rows if w["case"] == case.key and w["r"] == r}
    ours, theirs = by.get(METHODS["opinf"]), by.get(METHODS["opinf-package"])
    galerkin, hybrid = by.get(METHODS["galerkin"]), by.get(METHODS["galerkin-closure"])
    columns = ("in_sample", "extrapolation")
    out = []

    def ratio(a, b):
        """a / b as text (∞: a refused or blown-up run)."""
        if np.isinf(a) or np.isinf(b):
            return "both ∞" if a == b else "galerkin ∞" if np.isinf(a) else "opinf ∞"
        return f"{a / b:.2f}×"
    errors = [(number(ours, c), number(theirs, c)) for c in columns]
    out.append(dict(goal=f"OpInf error ≤ {ACCURACY_GOAL:g}× opinf's",
                    met=all(np.isfinite(a) and a <= ACCURACY_GOAL * b for a, b in errors),
                    detail=" / ".join(ratio(a, b) for a, b in errors)))
    fits = number(theirs, "fit_s"), number(ours, "fit_s")
    out.append(dict(goal=f"OpInf fit ≥ {FIT_GOAL:g}× faster",
                    met=np.isfinite(fits[1]) and fits[0] >= FIT_GOAL * fits[1],
                    detail=ratio(*fits) if np.isfinite(fits[1]) else "no galerkin OpInf"))
    pairs = [(number(hybrid, c), min(number(ours, c), number(galerkin, c))) for c in columns]
    out.append(dict(goal="hybrid ≤ min(OpInf, Galerkin)",
                    met=all(np.isfinite(h) and h <= m for h, m in pairs),
                    detail=" / ".join(f"{fmt(h, '.4g')} vs {fmt(m, '.4g')}"
                                      for h, m in pairs)))
    for g in out:
        g.update(case=case.key, r=r, verdict="met" if g.pop("met") else "missed")
    return out


def fmt(value, spec=".3e"):
    """A table cell: numbers with `spec`, strings as they are, missing as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, float) and np.isinf(value):
        return "∞"
    return format(value, spec) if isinstance(value, (float, int)) else str(value)


def case_table(case, rows, t):
    """The markdown table of one case (t: the file's save times)."""
    (a, b), (c, d) = case.train, case.extrapolation
    lines = [f"### {case.title}\n",
             f"`{case.data}`: training and in-sample saves {a}..{b} (t ∈ [{t[a]:g}, "
             f"{t[b - 1]:g}]), extrapolation saves {c}..{d} (t ∈ [{t[c]:g}, {t[d - 1]:g}]), "
             f"save interval {t[1] - t[0]:g}.\n"]
    head = ["r", "method", "in-sample", "extrapolation"] + (["VPT"] if case.vpt else [])
    head += ["fit (s)", "online (µs/step)", "steps", "λ (ratio)", "bounded", "notes"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join(":---" if h in ("method", "notes") else "---:"
                                for h in head) + "|")
    for w in (w for w in rows if w["case"] == case.key):
        refused = w["status"] == "refused"
        cells = [str(w["r"]), w["method"], "refused" if refused else fmt(w.get("in_sample")),
                 "refused" if refused else fmt(w.get("extrapolation"))]
        if case.vpt:
            never = f"> {t[d - 1] - t[c]:g}"
            cells.append(fmt(w["vpt"], "g") if w.get("vpt") is not None else
                         never if "vpt" in w else "–")
        cells += [fmt(w.get("fit_s"), ".3g"), fmt(w.get("us_per_step"), ".2f"),
                  fmt(w.get("steps"), "d"),
                  f"{w['lmbda']:g} ({w['ratio']:g})" if "lmbda" in w else "–",
                  f"{w['bounded']}/{w['candidates']}" if "bounded" in w else "–",
                  w.get("note", "")]
        lines.append("| " + " | ".join(cells) + " |")
    if case.remark:
        lines.append(f"\n{case.remark}")
    return "\n".join(lines) + "\n"


def goals_table(verdicts):
    """The markdown table of the goal verdicts, one row per (case, r)."""
    names = list(dict.fromkeys(g["goal"] for g in verdicts))
    lines = ["| case | r | " + " | ".join(names) + " |",
             "|:---|---:|" + "|".join(":---" for _ in names) + "|"]
    keys = list(dict.fromkeys((g["case"], g["r"]) for g in verdicts))
    for case, r in keys:
        cells = [f"{g['verdict']} ({g['detail']})" for g in verdicts
                 if (g["case"], g["r"]) == (case, r)]
        lines.append(f"| {case} | {r} | " + " | ".join(cells) + " |")
    summary = []
    for case in dict.fromkeys(g["case"] for g in verdicts):
        for name in names:
            mine = [g for g in verdicts if g["case"] == case and g["goal"] == name]
            met = sum(g["verdict"] == "met" for g in mine)
            summary.append(f"- {case}: {name}: {'met' if met == len(mine) else 'missed'} "
                           f"({met}/{len(mine)} ranks met)")
    return "\n".join(lines) + "\n\n" + "\n".join(summary) + "\n"


def header(args, threads):
    """The setup section of the report."""
    ncpu = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    _, version, _ = run_galerkin("--version")
    return "\n".join([
        "# galerkin's learned ROMs side by side with the `opinf` package\n",
        f"Generated {datetime.datetime.now().isoformat(timespec='seconds')} by "
        f"`{shlex.join(['scripts/opinf-side-by-side', *args])}`.\n",
        "## Setup\n",
        f"- machine: nproc {ncpu}, {platform.system()} {platform.machine()}, load average "
        f"(1 min) at start {load:.2f}; threads {threads}",
        f"- {version.strip()} ({galerkin_bin()}); Python {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}, opinf {opinf.__version__}",
        f"- λ grid {', '.join(f'{x:g}' for x in LAMBDAS)}; quadratic ratios "
        f"{', '.join(f'{x:g}' for x in RATIOS)} (λ on c and A, ratio·λ on H: penalty "
        f"λ²‖[c A]‖² + (ratio·λ)²‖H‖², on both sides); derivatives of order "
        f"{DERIVATIVE_ORDER}; growth bound {GROWTH:g} × max|q|, checked also as long again past "
        "the training data (galerkin's default stability check, mirrored on the opinf side)",
        "- galerkin: `galerkin reduce DATA --method M --rank r --times TRAIN --lambdas … "
        "--quadratic-ratios … --derivative-order 4 --growth 2`, then `galerkin evaluate ROM "
        "DATA --times WINDOW --states …` at the recipe's dt (RK4); errors and online time "
        "as evaluate prints them (the errors are checked against the states reconstructed "
        "here). Fit: `operators learned in` (`/learned/fit_seconds`) for OpInf and hybrid, "
        "`built in` (POD included) for Galerkin; steps: evaluate's steps of the recipe's dt, "
        "each made of as many RK4 substeps as stability needs (dt·ρ(A) ≤ 2.5, the stiff "
        "KS operators), so µs/step includes them",
        "- opinf: the basis and mean of galerkin's ROM file of the same case and r; "
        "`opinf.ddt.ddt_uniform(order=4)`; `ContinuousModel(\"cAH\", "
        "solver=TikhonovSolver(diagonal))`, refit per candidate; each candidate integrated "
        f"with `model.predict(q0, t, **{SELECT_OPTIONS})` (solve_ivp defaults otherwise) "
        "over the training window, stopped by an event on leaving 2 × max|q|; smallest "
        "‖Q̃−Q‖_F/‖Q‖_F wins. Fit time: the whole selection, derivatives included. Scored "
        f"runs: `model.predict(q0, t, **{SCORE_OPTIONS})`, errors in full space "
        "(u = mean + basisᵀq); online µs/step = best of "
        f"{ONLINE_REPEAT} predict wall times of the extrapolation run / its RK45 steps "
        "((nfev − 2)/6)",
        "- errors: sqrt(Σ_t‖u_rom − u‖² / Σ_t‖u‖²) over the window's saves, each run "
        "starting from the projection of the window's first save; λ (ratio): the chosen "
        "candidate; bounded: candidates that stayed within the growth box in the selection "
        "(galerkin: finite scores in /learned/scores; the hybrid also scores λ = ∞, the "
        "Galerkin model)",
        f"- VPT (KS): time from the start of the extrapolation window to the first save where "
        f"‖u_rom − u‖ / sqrt(mean over the training saves of ‖u‖²) > {VPT_THRESHOLD:g}",
        "",
    ])


# ---------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", default="burgers-smooth,burgers-steep,ks-l22",
                        help="comma-separated subset of the cases")
    parser.add_argument("--ranks", default=",".join(map(str, RANKS)),
                        help="comma-separated ranks")
    parser.add_argument("--workdir", help="scratch folder for ROM and state files "
                        "(default: a temporary folder, removed at the end)")
    parser.add_argument("--out", default="figures/opinf-side-by-side",
                        help="report path without extension (.md and .json are written)")
    args = parser.parse_args()
    threads = os.environ.get("THREADS", str(os.cpu_count()))
    started = time.perf_counter()

    keys = args.cases.split(",")
    if unknown := [k for k in keys if k not in CASES]:
        parser.error(f"unknown cases {unknown}; known: {', '.join(CASES)}")
    cases = [make_case(k) for k in keys]
    ranks = [int(x) for x in args.ranks.split(",")]

    workdir = args.workdir or tempfile.mkdtemp(prefix="opinf-side-by-side-")
    os.makedirs(workdir, exist_ok=True)
    report = [header(sys.argv[1:], threads), "## Results\n"]
    print("\n".join(report), flush=True)
    rows, verdicts = [], []
    for case in cases:
        snaps = load_snapshots(os.path.join(ROOT, case.data))
        case_rows = run_case(case, ranks, snaps, workdir)
        rows.extend(case_rows)
        for r in ranks:
            verdicts.extend(goals(case_rows, case, r))
        report.append(case_table(case, case_rows, snaps[0]))
        print(report[-1], flush=True)
    report.append("## Goals\n")
    report.append(goals_table(verdicts))
    total = time.perf_counter() - started
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    report.append(f"\nTotal run time: {total:.0f} s; load average (1 min) at the end "
                  f"{load:.2f}.\n")
    print("\n".join(report[-3:]))

    path = os.path.join(ROOT, args.out)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".md", "w") as f:
        f.write("\n".join(report))
    with open(path + ".json", "w") as f:
        json.dump(dict(rows=rows, goals=verdicts, seconds=total), f, indent=1)
    print(f"→ {args.out}.md, {args.out}.json", file=sys.stderr)
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
