"""Timing code fairly on any device: wait for the GPU before reading the clock, report the median."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .checks import check_int

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["synchronize", "time_call", "time_rounds"]


def synchronize(device: torch.device | str | None = None) -> None:
    """Wait until the work queued on ``device`` has finished (CUDA and MPS run asynchronously; the CPU does not)."""
    kind = torch.device(device).type if device is not None else "cpu"
    if kind == "cuda":
        torch.cuda.synchronize()
    elif kind == "mps":
        torch.mps.synchronize()


def time_call(
    fn: Callable[..., Any],
    *args: Any,
    repeats: int = 10,
    warmup: int = 1,
    device: torch.device | str | None = None,
    **kwargs: Any,
) -> float:
    """Median wall-clock seconds of ``fn(*args, **kwargs)`` over ``repeats`` calls, after ``warmup`` calls.

    ``device`` is where ``fn`` does its work: a GPU is synchronised before every clock reading, so the time
    covers the computation and not only its launch.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {fn!r}")
    check_int("repeats", repeats, minimum=1)
    check_int("warmup", warmup, minimum=0)
    for _ in range(warmup):
        fn(*args, **kwargs)
    synchronize(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args, **kwargs)
        synchronize(device)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def time_rounds(
    fns: Mapping[str, Callable[[], Any]], rounds: int = 15, warmup: int = 1, device: torch.device | str | None = None
) -> pd.DataFrame:
    """Time several alternatives fairly on a busy machine: in each of ``rounds`` rounds every function is called
    once, moments apart, so a slow moment of the machine hits them all. Returns seconds, one row per round and
    one column per name; compare with medians of the per-round ratios (``(df.a / df.b).median()``)."""
    import pandas as pd

    if not isinstance(fns, Mapping) or not fns or not all(callable(f) for f in fns.values()):
        raise TypeError("fns must be a non-empty dict {name: function without arguments}")
    check_int("rounds", rounds, minimum=1)
    check_int("warmup", warmup, minimum=0)
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    records = [
        {name: time_call(fn, repeats=1, warmup=0, device=device) for name, fn in fns.items()} for _ in range(rounds)
    ]
    return pd.DataFrame(records)
