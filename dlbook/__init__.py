"""dlbook: the support package of the dlbook textbook.

``import dlbook`` gives the everyday names (``set_seed``, ``get_device``, ``Trainer`` …) and the submodules
``data``, ``models``, ``optim``, ``train``, ``viz``, ``widgets``, ``tracking`` and ``book``.
"""

from . import book, data, models, optim, runs, seeds, timing, tracking, train, viz, widgets
from .device import describe_device, get_device, set_seed
from .runs import run, run_seeds
from .seeds import Spread, over_seeds
from .train import History, Trainer

__all__ = [
    "History", "Spread", "Trainer", "book", "data", "describe_device", "get_device", "models", "optim", "over_seeds",
    "run", "run_seeds", "runs", "seeds", "set_seed", "timing", "tracking", "train", "viz", "widgets",
]
__version__ = "0.1.0"
