"""Type stubs of galerkin's extension module (galerkin._core)."""

import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str
HAS_OPERATORS: bool

F64 = npt.NDArray[np.float64]
PathLike = Union[str, os.PathLike]
RecipeArg = Union[PathLike, Mapping[str, Any]]
OverridesArg = Union[None, Mapping[str, Any], Sequence[str]]
ProgressCallback = Optional[Callable[[int, int], object]]

class GalerkinError(Exception):
    """An error of galerkin's library, with the message the command line prints."""

class Dataset:
    """An open trajectory file; metadata only until a trajectory is read."""

    def __init__(self, path: PathLike) -> None: ...
    @property
    def path(self) -> str: ...
    @property
    def shape(self) -> List[int]:
        """(n_traj, n_t, space..., n_fields)."""
    @property
    def n_traj(self) -> int: ...
    @property
    def times(self) -> F64: ...
    @property
    def x(self) -> F64: ...
    @property
    def y(self) -> Optional[F64]: ...
    @property
    def pde(self) -> str: ...
    @property
    def recipe(self) -> str: ...
    @property
    def parameter_names(self) -> List[str]: ...
    @property
    def parameters(self) -> Dict[str, F64]:
        """{name: one value per trajectory}."""
    @property
    def health(self) -> Dict[str, np.ndarray]:
        """{status (0 healthy, 1 under-resolved, 2 failed), mean, energy, max_cfl, tail_ratio}."""
    @property
    def done(self) -> npt.NDArray[np.uint8]: ...
    def trajectory(self, index: int) -> F64:
        """Trajectory `index`, shape (n_t, space..., n_fields)."""
    def snapshots(self, index: int, start: int = 0, stop: Optional[int] = None) -> F64:
        """Saves start..stop of trajectory `index` as columns (values × times), solvers' layout."""
    def parameters_of(self, index: int) -> Dict[str, float]: ...
    def summary(self) -> str: ...

def simulate(
    recipe: RecipeArg,
    overrides: OverridesArg = None,
    output: Optional[PathLike] = None,
    progress: ProgressCallback = None,
) -> Tuple[Dataset, Dict[str, Any]]: ...

class Pod:
    """A POD basis: kept modes, every singular value, the mean if centred."""

    @property
    def modes(self) -> F64:
        """n × r."""
    @property
    def singular_values(self) -> F64: ...
    @property
    def mean(self) -> Optional[F64]: ...
    @property
    def rank(self) -> int: ...
    @property
    def n_snapshots(self) -> int: ...
    @property
    def method(self) -> str: ...
    @property
    def discarded_energy(self) -> float: ...

def pod(
    snapshots: F64,
    rank: Optional[int] = None,
    energy: Optional[float] = None,
    method: str = "auto",
    center: bool = False,
    cell_weight: Optional[float] = None,
) -> Pod:
    """POD of the columns of `snapshots` (n × m): `rank` modes, or the fewest discarding at
    most `energy` (default 1e-8) of the snapshot energy; method auto | thin | snapshots |
    incremental. Read in place (no copy) unless centred."""

def thin_svd(a: F64) -> Tuple[F64, F64, F64]:
    """(U, s, Vt) as numpy.linalg.svd(a, full_matrices=False)."""

def randomized_svd(
    a: F64, rank: int, oversampling: int = 10, power_iterations: int = 2, seed: int = 0
) -> Tuple[F64, F64, F64]: ...

class IncrementalSVD:
    def __init__(self, n: int, max_rank: Optional[int] = None, tol: float = 1e-12) -> None: ...
    def push(self, columns: F64) -> None: ...
    @property
    def rank(self) -> int: ...
    @property
    def columns_seen(self) -> int: ...
    @property
    def singular_values(self) -> F64: ...
    @property
    def modes(self) -> F64: ...

def deim(u: F64) -> npt.NDArray[np.uintp]: ...
def qdeim(u: F64) -> npt.NDArray[np.uintp]: ...

class Stepper:
    """One running instance of a ROM."""

    def set_state(self, u: F64) -> None: ...
    def set_reduced(self, a: F64) -> None: ...
    def set_parameter(self, name: str, value: float) -> None: ...
    def step(self, n: int = 1) -> None: ...
    @property
    def state(self) -> F64: ...
    @property
    def time(self) -> float: ...
    def reconstruct(self) -> F64: ...
    def energy(self) -> float: ...

class Rom:
    """A reduced-order model: run it, step it, save it as a portable file."""

    @staticmethod
    def load(path: PathLike) -> "Rom": ...
    def save(self, path: PathLike, force: bool = False) -> None: ...
    def to_bytes(self) -> bytes: ...
    @property
    def kind(self) -> str: ...
    @property
    def rank(self) -> int: ...
    @property
    def full_dim(self) -> int: ...
    @property
    def pde(self) -> str: ...
    @property
    def grid_shape(self) -> List[int]: ...
    @property
    def parameters(self) -> Dict[str, float]: ...
    @property
    def dt(self) -> Optional[float]: ...
    @property
    def singular_values(self) -> Optional[F64]: ...
    def run(
        self,
        t: F64,
        u0: Optional[F64] = None,
        parameters: Optional[Mapping[str, float]] = None,
        dt: Optional[float] = None,
        a0: Optional[F64] = None,
        reduced: bool = False,
    ) -> F64:
        """States at every time of t (len(t) × n, or × r with reduced=True)."""
    def stepper(
        self, dt: Optional[float] = None, parameters: Optional[Mapping[str, float]] = None
    ) -> Stepper: ...

def reduce(
    source: Union[Dataset, PathLike, F64],
    rank: Optional[int] = None,
    energy: Optional[float] = None,
    method: str = "galerkin",
    points: Optional[int] = None,
    trajectories: Optional[Sequence[int]] = None,
    times: Optional[Tuple[int, int]] = None,
    center: bool = True,
    cell_weights: bool = False,
    pod_method: str = "auto",
    recipe: Optional[RecipeArg] = None,
    parameters: Optional[Mapping[str, float]] = None,
) -> Rom: ...

# With the `operators` feature only (HAS_OPERATORS):

class Operator:
    """A trained Fourier neural operator (an FNO checkpoint)."""

    @property
    def history(self) -> int: ...
    @property
    def dims(self) -> int: ...
    @property
    def epoch(self) -> int: ...
    @property
    def test_error(self) -> Optional[float]: ...
    @property
    def recipe(self) -> str: ...
    @property
    def config(self) -> Dict[str, int]: ...
    def predict(self, frames: F64, steps: int = 1) -> F64:
        """(batch, history, *grid) or (batch, *grid) → (batch, *grid), or (batch, steps, *grid)."""

def load_operator(path: PathLike) -> Operator: ...
def train(
    recipe: PathLike,
    overrides: Sequence[str] = ...,
    fresh: bool = False,
    progress: ProgressCallback = None,
) -> Dict[str, Any]: ...
