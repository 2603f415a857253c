"""One run from settings: build a fresh model, train it, return its History — and the same over several seeds.

This is the training glue that the live panel, the explorables and the chapters share, so that no chapter needs
its own "seed, build an MLP, fit" wrapper::

    history = run(data, lr=1e-3, epochs=20, width=128)                   # one seeded run
    spread = run_seeds(data, seeds=3, lr=1e-3, epochs=20).final("val_acc")  # mean ± sd over seeds 0, 1, 2
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from .checks import check_int, check_number
from .data import DataSplits, digits
from .device import set_seed
from .models import MLP
from .seeds import DEFAULT_SEEDS, Spread
from .train import History, Trainer, plain_value

__all__ = ["MODEL_SETTINGS", "TRAINER_EXTRAS", "Runs", "default_model", "resolve_data", "run", "run_seeds", "train_run"]

MODEL_SETTINGS = ("dropout", "width", "depth", "activation", "batchnorm", "layernorm", "residual", "init")
# Settings that go to the Trainer rather than to the model factory (besides lr, optimizer, batch_size, epochs,
# weight_decay, which every run has).
TRAINER_EXTRAS = (
    "scheduler",
    "scheduler_kwargs",
    "warmup_epochs",
    "clip_grad",
    "l1",
    "l2",
    "early_stopping",
    "min_delta",
    "loss",
    "optimizer_kwargs",
    "generator",
)

ModelFactory = Callable[..., nn.Module]


def resolve_data(data: DataSplits | Callable[[], DataSplits] | None) -> DataSplits:
    """``None`` → the digits, a zero-argument factory → its result, splits → themselves."""
    if data is None:
        return digits()
    if callable(data) and not hasattr(data, "task"):
        data = data()
    if getattr(data, "task", None) is None or not hasattr(data, "train"):
        raise TypeError(
            f"data must be a DataSplits (e.g. dlbook.data.digits()) or a function returning one, got {data!r}"
        )
    return data


def default_model(
    data: DataSplits,
    *,
    dropout: float = 0.0,
    width: int = 64,
    depth: int = 1,
    activation: str = "relu",
    batchnorm: bool = False,
    **options: Any,
) -> nn.Module:
    """The book's default network: an :class:`~dlbook.models.MLP` with ``depth`` hidden layers of ``width``.

    One output per class for classification, one logit for binary tasks, one per target for regression.
    ``options`` go to the MLP as they are (``layernorm``, ``residual``, ``init``).
    """
    unknown = sorted(set(options) - set(MODEL_SETTINGS))
    if unknown:
        raise ValueError(f"unknown model setting(s) {unknown}; the default MLP accepts {list(MODEL_SETTINGS)}")
    check_int("depth", depth, minimum=0)
    check_int("width", width, minimum=1)
    in_features = int(np.prod(data.train[0].shape[1:]))
    if data.task == "classification":
        out = data.n_classes
    elif data.task == "binary":
        out = 1
    else:
        out = int(data.train[1].shape[1]) if data.train[1].ndim == 2 else 1
    return MLP(
        in_features, [width] * depth, out, activation=activation, dropout=dropout, batchnorm=batchnorm, **options
    )


def run(
    data: DataSplits | Callable[[], DataSplits] | None,
    model: ModelFactory | None = None,
    *,
    lr: float = 1e-3,
    optimizer: str | Callable[..., torch.optim.Optimizer] = "adam",
    batch_size: int = 64,
    epochs: int = 20,
    weight_decay: float = 0.0,
    dropout: float = 0.0,
    seed: int = 0,
    device: torch.device | str | None = None,
    callbacks: Iterable[Callable[[History], Any]] = (),
    on_model: Callable[[nn.Module], Any] | None = None,
    **extras: Any,
) -> History:
    """Build a fresh model and train it with these settings; return the :class:`History`.

    ``model(data, dropout=..., **model_extras)`` builds the network (default: :func:`default_model`).
    ``extras`` named in ``TRAINER_EXTRAS`` (``scheduler``, ``clip_grad`` …) go to the :class:`Trainer`, all
    others to the model factory (``width``, ``depth``, ``activation``, ``batchnorm`` …). The seed is set right
    before the model is built, so the same settings give the same run (bit-identical on the CPU).
    ``on_model`` is called with the new model before training starts (the panel keeps it to draw the live
    decision boundary). The History records the extra settings and the seed in ``params`` and the trained
    model in ``history.model``.
    """
    data = resolve_data(data)
    check_number("dropout", dropout, 0.0, 1.0, open_max=True)
    if model is not None and not callable(model):
        raise TypeError(f"model must be a function (data, **settings) -> nn.Module, got {model!r}")
    check_int("seed", seed, minimum=0)
    trainer_extras = {k: v for k, v in extras.items() if k in TRAINER_EXTRAS}
    model_extras = {k: v for k, v in extras.items() if k not in TRAINER_EXTRAS}
    # The Trainer checks lr, optimizer, batch_size, epochs, weight_decay … before any time is spent.
    trainer = Trainer(
        lr=lr,
        optimizer=optimizer,
        batch_size=batch_size,
        epochs=epochs,
        weight_decay=weight_decay,
        callbacks=callbacks,
        device=device,
        **trainer_extras,
    )
    set_seed(seed)
    net = (model or default_model)(data, dropout=dropout, **model_extras)
    if on_model is not None:
        on_model(net)
    history = trainer.fit(net, data)
    history.params.update({k: plain_value(v) for k, v in extras.items() if k != "generator"})
    history.params["seed"] = seed
    history.model = net
    return history


train_run = run  # the name the panel and earlier chapters use


class Runs(list):
    """The histories of one setting trained with several seeds; summarises any metric as a :class:`Spread`."""

    def final(self, key: str) -> Spread:
        """The last recorded ``key`` of every run (e.g. ``"val_acc"``), as mean ± sd over the seeds."""
        return Spread(tuple(h.final(key) for h in self), tuple(h.params["seed"] for h in self))

    def best(self, key: str = "val_loss", mode: str = "min") -> Spread:
        """The best value of ``key`` reached during each run (``mode`` ``"min"`` or ``"max"``)."""
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        pick = min if mode == "min" else max
        return Spread(tuple(pick(h[key]) for h in self), tuple(h.params["seed"] for h in self))

    def evaluate(self, data: DataSplits, split: str = "test", key: str = "acc") -> Spread:
        """Evaluate every run's trained model on one split of ``data`` (``key`` ``"acc"`` or ``"loss"``)."""
        values = []
        for h in self:
            trainer = Trainer(batch_size=h.params["batch_size"], device=h.device or None)
            values.append(trainer.evaluate(h.model, data, split)[key])
        return Spread(tuple(values), tuple(h.params["seed"] for h in self))

    def map(self, fn: Callable[[History], float]) -> Spread:
        """Any per-run number (a gap, the epoch of the best loss …) as mean ± sd over the seeds."""
        if not callable(fn):
            raise TypeError(f"fn must be a function History -> number, got {fn!r}")
        return Spread(tuple(float(fn(h)) for h in self), tuple(h.params["seed"] for h in self))

    def stopped(self) -> list[str | None]:
        """How each run ended (``None``, ``"diverged"`` …)."""
        return [h.stopped for h in self]


def run_seeds(
    data: DataSplits | Callable[[], DataSplits] | None,
    model: ModelFactory | None = None,
    *,
    seeds: int | Sequence[int] = DEFAULT_SEEDS,
    **settings: Any,
) -> Runs:
    """:func:`run` once per seed (``seeds=5`` means seeds 0–4) with the same settings; returns :class:`Runs`."""
    if isinstance(seeds, bool) or not isinstance(seeds, (int, Sequence)):
        raise TypeError(f"seeds must be a number of seeds or a sequence of seeds, got {seeds!r}")
    seeds = tuple(range(seeds)) if isinstance(seeds, int) else tuple(seeds)
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    data = resolve_data(data)
    return Runs(run(data, model, seed=seed, **settings) for seed in seeds)
