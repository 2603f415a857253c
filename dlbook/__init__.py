"""dlbook: the support package of the dlbook textbook.

``import dlbook`` gives the everyday names (``set_seed``, ``get_device``, ``Trainer``, ``run``, ``run_seeds``,
``over_seeds`` …). The submodules (``data``, ``models``, ``optim``, ``train``, ``runs``, ``seeds``, ``timing``,
``viz``, ``panel``, ``explorables``, ``widgets``, ``tracking``, ``book``) are imported the first time they are
used, so that starting a chapter or a panel does not pay for plotting, widgets or TensorBoard it does not need.
"""

from __future__ import annotations

import importlib
from typing import Any

from .device import describe_device, get_device, set_seed
from .runs import Runs, run, run_seeds
from .seeds import Spread, over_seeds
from .train import History, Trainer

SUBMODULES = (
    "book",
    "checks",
    "data",
    "device",
    "explorables",
    "models",
    "optim",
    "panel",
    "predict",
    "runs",
    "seeds",
    "timing",
    "tracking",
    "train",
    "viz",
    "widgets",
)

__all__ = [
    "History",
    "Runs",
    "Spread",
    "Trainer",
    "describe_device",
    "get_device",
    "over_seeds",
    "run",
    "run_seeds",
    "set_seed",
    *SUBMODULES,
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``dlbook.viz`` and friends: import the submodule on first use (PEP 562)."""
    if name in SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'dlbook' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(SUBMODULES))
