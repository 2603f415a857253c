"""Argument checks shared by every module: a bad argument is refused before any work starts.

Each check names the argument and says what is allowed: ``TypeError`` for the wrong kind of value (a bool is
not a number here, although Python treats it as one), ``ValueError`` for a value out of range.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

import numpy as np

__all__ = ["check_choice", "check_int", "check_number", "is_integer", "is_number", "require"]


def is_number(value: Any) -> bool:
    """A real number (int, float or NumPy scalar), not a bool."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def is_integer(value: Any) -> bool:
    """An int (or NumPy integer), not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def require(ok: bool, name: str, rule: str, value: Any) -> None:
    """Raise ``ValueError("<name> must be <rule>, got <value>")`` unless ``ok``."""
    if not ok:
        raise ValueError(f"{name} must be {rule}, got {value!r}")


def _bounds(minimum: float | None, maximum: float | None, open_min: bool, open_max: bool) -> str:
    parts = []
    if minimum is not None:
        parts.append(f"{'>' if open_min else '>='} {minimum:g}")
    if maximum is not None:
        parts.append(f"{'<' if open_max else '<='} {maximum:g}")
    return " and ".join(parts)


def check_int(name: str, value: Any, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an int, if it is an integer within ``[minimum, maximum]``."""
    rule = " ".join(["an integer", _bounds(minimum, maximum, False, False)]).strip()
    if not is_integer(value):
        raise TypeError(f"{name} must be {rule}, got {value!r}")
    require((minimum is None or value >= minimum) and (maximum is None or value <= maximum), name, rule, value)
    return int(value)


def check_number(
    name: str,
    value: Any,
    minimum: float | None = None,
    maximum: float | None = None,
    *,
    open_min: bool = False,
    open_max: bool = False,
) -> float:
    """``value`` as a float, if it is a finite number within the bounds (``open_*``: the bound itself excluded)."""
    bounds = _bounds(minimum, maximum, open_min, open_max)
    rule = f"a finite number {bounds}".strip()
    if not is_number(value):
        raise TypeError(f"{name} must be {rule}, got {value!r}")
    value = float(value)
    low_ok = minimum is None or (value > minimum if open_min else value >= minimum)
    high_ok = maximum is None or (value < maximum if open_max else value <= maximum)
    require(math.isfinite(value) and low_ok and high_ok, name, rule, value)
    return value


def check_choice(name: str, value: Any, choices: Collection[Any]) -> Any:
    """``value``, if it is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices, key=str)}, got {value!r}")
    return value
