"""dlbook: the support package of the dlbook textbook.

``import dlbook`` gives the everyday names (``set_seed``, ``get_device``, ``Trainer`` …) and the submodules
``data``, ``models``, ``optim``, ``train``, ``viz`` and ``widgets``.
"""

from . import book, data, models, optim, train, viz, widgets
from .device import describe_device, get_device, set_seed
from .train import History, Trainer

__all__ = [
    "History", "Trainer", "book", "data", "describe_device", "get_device", "models", "optim", "set_seed", "train",
    "viz", "widgets",
]
__version__ = "0.1.0"
