"""Interactive training, in one import: the live panel and the kernel-free explorables.

``dlbook.widgets`` gathers the names chapters use; the code lives in :mod:`dlbook.panel` (the live
:class:`TrainingPanel`), :mod:`dlbook.explorables` (:func:`explore`, :func:`threshold_explorable`) and
:mod:`dlbook.runs` (:func:`train_run`, :func:`default_model`: the training both are built on).
"""

from .explorables import DEFAULT_GRID, Explorable, ThresholdExplorable, explore, threshold_explorable, threshold_table
from .panel import BATCH_SIZES, OPTIMIZERS, WEIGHT_DECAYS, TrainingPanel
from .runs import default_model, train_run

__all__ = [
    "BATCH_SIZES",
    "DEFAULT_GRID",
    "Explorable",
    "OPTIMIZERS",
    "ThresholdExplorable",
    "TrainingPanel",
    "WEIGHT_DECAYS",
    "default_model",
    "explore",
    "threshold_explorable",
    "threshold_table",
    "train_run",
]
