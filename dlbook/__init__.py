"""dlbook: the support package of the dlbook textbook.

``import dlbook`` gives the everyday names (``set_seed``, ``get_device``, ``Trainer`` …) and the submodules
``data``, ``models``, ``optim``, ``train``, ``viz``, ``widgets``, ``tracking`` and ``book``.
"""

from . import book, data, models, optim, tracking, train, viz, widgets
from .device import describe_device, get_device, set_seed
from .train import History, Trainer

__all__ = [
    "History", "Trainer", "book", "data", "describe_device", "get_device", "models", "optim", "set_seed", "tracking",
    "train", "viz", "widgets",
]
__version__ = "0.1.0"
