"""Several seeds, one summary: the spread that every comparison in the book rests on.

One training run is one draw: its initial weights and batch order are random, so two settings whose single runs
differ by a point of accuracy may be the same setting. :func:`over_seeds` runs a function once per seed and
returns a :class:`Spread` (mean ± standard deviation); :meth:`Spread.beats` says whether one setting is ahead of
another by more than the noise, so that a chapter's claims can say "within noise" when that is what the runs show.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .checks import check_number

__all__ = ["Spread", "over_seeds"]

DEFAULT_SEEDS = (0, 1, 2)


def _decimals(std: float, mean: float) -> int:
    """Decimals that show two significant digits of the spread (four of the mean when there is no spread)."""
    no_spread = std <= 1e-9 * max(1.0, abs(mean))  # identical runs (up to float rounding)
    scale, digits = (abs(mean), 4) if no_spread else (std, 2)
    if scale == 0 or not math.isfinite(scale):
        return 3
    return int(min(6, max(0, digits - 1 - math.floor(math.log10(scale)))))


@dataclass(frozen=True)
class Spread:
    """One number measured once per seed: ``values[i]`` belongs to ``seeds[i]``."""

    values: tuple[float, ...]
    seeds: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.values) != len(self.seeds) or not self.values:
            raise ValueError(
                f"values and seeds must be non-empty and of the same length, got {len(self.values)} "
                f"values and {len(self.seeds)} seeds"
            )

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def std(self) -> float:
        """Sample standard deviation over the seeds (0 for a single seed)."""
        return float(np.std(self.values, ddof=1)) if self.n > 1 else 0.0

    @property
    def sem(self) -> float:
        """Standard error of the mean."""
        return self.std / math.sqrt(self.n)

    @property
    def min(self) -> float:
        return float(np.min(self.values))

    @property
    def max(self) -> float:
        return float(np.max(self.values))

    def beats(self, other: Spread, *, higher_is_better: bool = True, sigmas: float = 2.0) -> bool:
        """True when this mean is better than ``other``'s by more than ``sigmas`` standard errors of the
        difference (Welch's), i.e. when the difference is larger than the seed-to-seed noise suggests."""
        if not isinstance(other, Spread):
            raise TypeError(f"other must be a Spread, got {type(other).__name__}")
        check_number("sigmas", sigmas, minimum=0)
        diff = self.mean - other.mean if higher_is_better else other.mean - self.mean
        noise = math.sqrt(self.sem**2 + other.sem**2)
        return diff > sigmas * noise and diff > 0

    def within_noise_of(self, other: Spread, *, sigmas: float = 2.0) -> bool:
        """True when neither beats the other by more than ``sigmas`` standard errors."""
        return not (self.beats(other, sigmas=sigmas) or other.beats(self, sigmas=sigmas))

    def __sub__(self, other: Spread) -> Spread:
        """Seed-by-seed difference (e.g. train − val accuracy, the generalization gap of each run)."""
        if not isinstance(other, Spread):
            return NotImplemented
        if other.seeds != self.seeds:
            raise ValueError(f"both spreads must come from the same seeds, got {self.seeds} and {other.seeds}")
        return Spread(tuple(a - b for a, b in zip(self.values, other.values)), self.seeds)

    def __format__(self, spec: str) -> str:
        if not spec:
            return repr(self)
        return f"{format(self.mean, spec)} ± {format(self.std, spec)}"

    def __repr__(self) -> str:
        d = _decimals(self.std, self.mean)
        return f"{self.mean:.{d}f} ± {self.std:.{d}f}"


def over_seeds(
    fn: Callable[[int], float | Mapping[str, float]], seeds: int | Sequence[int] = DEFAULT_SEEDS
) -> Spread | dict[str, Spread]:
    """Call ``fn(seed)`` for each seed and summarise: a :class:`Spread`, or a dict of them when ``fn`` returns a
    dict of numbers (e.g. ``{"val_acc": ..., "test_acc": ...}``). ``seeds=5`` means seeds 0 to 4."""
    if not callable(fn):
        raise TypeError(f"fn must be a function seed -> number (or dict of numbers), got {fn!r}")
    if isinstance(seeds, bool) or not isinstance(seeds, (int, Sequence)):
        raise TypeError(f"seeds must be a number of seeds or a sequence of integer seeds, got {seeds!r}")
    seeds = tuple(range(seeds)) if isinstance(seeds, int) else tuple(seeds)
    if not seeds or any(not isinstance(s, int) or isinstance(s, bool) or s < 0 for s in seeds):
        raise ValueError(f"seeds must be at least one non-negative integer, got {seeds!r}")
    results = [fn(seed) for seed in seeds]
    if all(isinstance(r, Mapping) for r in results):
        keys = list(results[0])
        if any(list(r) != keys for r in results):
            raise ValueError("fn must return the same keys for every seed")
        return {k: Spread(tuple(float(r[k]) for r in results), seeds) for k in keys}
    if any(isinstance(r, Mapping) for r in results) or not all(isinstance(r, (int, float, np.number)) for r in results):
        raise TypeError("fn must return a number for every seed, or a dict of numbers for every seed")
    return Spread(tuple(float(r) for r in results), seeds)
