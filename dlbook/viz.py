"""Plots for the book, drawn with matplotlib only.

Conventions, kept by every function here:

* each function takes an optional ``ax`` (or ``axes``) to draw into and returns the matplotlib ``Figure``;
  nothing calls ``plt.show()``. In a notebook, end the line with ``;`` or assign the result
  (``fig = plot_history(h)``) so that the figure is not shown twice;
* one colour per run (``C0``, ``C1``, ...); training curves are solid, validation curves dashed;
* a run that diverged ends with a red ×.

Reading order: training curves (``plot_history``, ``plot_histories``, ``LivePlot``), learning rates
(``lr_schedule``, ``suggest_lr`` and their plots), what a model computes (decision boundaries, activations,
attention), evaluation (confusion matrix, ROC) and the inside of a network (weights and gradients).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from sklearn.metrics import confusion_matrix, roc_auc_score, roc_curve
from torch import nn

from .models import activation
from .train import History, Trainer, predict

TRAIN_STYLE, VAL_STYLE = "-", "--"
DIVERGED_COLOR = "red"
METRIC_NAMES = {"loss": "loss", "acc": "accuracy"}


# ---------------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------------


def _numpy(values: Any) -> np.ndarray:
    """A tensor, list or array as a NumPy array (tensors are detached and moved to the CPU)."""
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().numpy()
    return np.asarray(values)


def _get_axes(
    ax: Axes | Sequence[Axes] | None, n: int, ncols: int | None = None, panel: tuple[float, float] = (4.5, 3.4)
) -> tuple[Figure, list[Axes]]:
    """The ``n`` axes to draw into: the ones given, or a new figure with a grid of panels."""
    if ax is None:
        ncols = min(ncols or n, n)
        nrows = math.ceil(n / ncols)
        fig, grid = plt.subplots(
            nrows, ncols, figsize=(panel[0] * ncols, panel[1] * nrows), squeeze=False, layout="constrained"
        )
        axes = list(grid.flat)
        for unused in axes[n:]:
            unused.remove()
        return fig, axes[:n]
    axes = [ax] if isinstance(ax, Axes) else list(np.ravel(ax))
    if len(axes) != n:
        raise ValueError(f"ax must hold {n} axes for this plot, got {len(axes)}")
    return axes[0].figure, axes


def run_color(i: int) -> str:
    """The colour of the i-th run in every plot of the book (matplotlib's C0…C9 cycle)."""
    return f"C{i % 10}"


def integer_epochs(ax: Axes) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")


def mark_diverged(
    ax: Axes, x: Sequence[float], y: Sequence[float], label: str | None = None, annotate: bool = False
) -> None:
    """A red × at the end of a curve; if the last value is inf/nan, at the top of what was drawn."""
    y = np.asarray(y, dtype=float)
    finite = np.isfinite(y)
    if not finite.any():
        return
    y_end = y[-1] if finite[-1] else y[finite].max()
    ax.scatter([x[-1]], [y_end], marker="X", s=90, color=DIVERGED_COLOR, zorder=5, label=label)
    if annotate:
        ax.annotate(
            "diverged",
            (x[-1], y_end),
            xytext=(-8, 8),
            textcoords="offset points",
            ha="right",
            color=DIVERGED_COLOR,
            fontweight="bold",
        )


def style_legend_handles() -> list[Line2D]:
    return [
        Line2D([], [], color="grey", linestyle=TRAIN_STYLE, label="train"),
        Line2D([], [], color="grey", linestyle=VAL_STYLE, label="val"),
    ]


# ---------------------------------------------------------------------------------------------------------
# Training curves
# ---------------------------------------------------------------------------------------------------------


def _best_epoch(history: History) -> int | None:
    """The epoch the Trainer called best (lowest val_loss); computed from the curve if not recorded."""
    if history.best_epoch is not None:
        return history.best_epoch
    if "val_loss" not in history:
        return None
    val = np.asarray(history["val_loss"], dtype=float)
    if not np.isfinite(val).any():
        return None
    return int(history["epoch"][int(np.nanargmin(np.where(np.isfinite(val), val, np.nan)))])


def plot_history(
    history: History,
    metric: Sequence[str] | str = ("loss", "acc"),
    title: str | None = None,
    ax: Axes | Sequence[Axes] | None = None,
    color: str = "C0",
    *,
    metrics: Sequence[str] | str | None = None,
    axes: Axes | Sequence[Axes] | None = None,
) -> Figure:
    """Training (solid) and validation (dashed) curves of one run, one panel per metric.

    The arguments are named as in :func:`plot_histories` (``metric``, ``title``, ``ax``); ``metrics=`` and
    ``axes=`` are accepted as older spellings. Metrics the run did not record (``acc`` for regression) are
    skipped. The best epoch (lowest val_loss) is marked; after early stopping a dotted line shows the epoch whose
    weights were restored; a diverged run ends with a red × and the loss panel switches to a log scale so the
    earlier epochs stay readable.
    """
    metric = metric if metrics is None else metrics
    ax = ax if axes is None else axes
    metrics = [metric] if isinstance(metric, str) else list(metric)
    present = [m for m in metrics if f"train_{m}" in history or f"val_{m}" in history]
    if not present:
        raise ValueError(
            f"metric must name recorded metrics such as 'loss' or 'acc', got {metrics}; "
            f"the history has {history.keys()}"
        )
    fig, axs = _get_axes(ax, len(present), panel=(5.0, 3.4))
    epochs = history["epoch"]
    best = _best_epoch(history)
    for ax, metric in zip(axs, present, strict=True):
        for split, style in (("train", TRAIN_STYLE), ("val", VAL_STYLE)):
            key = f"{split}_{metric}"
            if key in history:
                ax.plot(epochs, history[key], color=color, linestyle=style, label=split)
        if best is not None and f"val_{metric}" in history and history.stopped != "diverged":
            value = history[f"val_{metric}"][epochs.index(best)]
            ax.scatter(
                [best],
                [value],
                color=color,
                edgecolors="black",
                zorder=4,
                s=40,
                label=f"best epoch {best} (lowest val_loss)",
            )
        if history.stopped == "early_stopping" and best is not None:
            ax.axvline(
                best,
                color="black",
                linestyle=":",
                linewidth=1,
                label=f"early stopping: weights of epoch {best} restored",
            )
        if history.stopped == "diverged" and f"train_{metric}" in history:
            mark_diverged(ax, epochs, history[f"train_{metric}"], annotate=True)
            if metric == "loss":
                ax.set_yscale("log")
        ax.set_title(METRIC_NAMES.get(metric, metric))
        ax.set_ylabel(METRIC_NAMES.get(metric, metric))
        integer_epochs(ax)
        ax.legend(fontsize=8)
    fig.suptitle(title if title is not None else history.label, fontsize="medium")
    return fig


def _metric_keys(histories: Sequence[History], metric: str) -> list[str]:
    """``metric`` itself if it is a recorded key, else its train and val curves (``"loss"`` → both)."""
    if any(metric in h for h in histories):
        return [metric]
    pair = [f"train_{metric}", f"val_{metric}"]
    if any(key in h for h in histories for key in pair):
        return pair
    raise ValueError(
        f"metric must be a recorded key such as 'val_loss' (or 'loss' for train and val), "
        f"got {metric!r}; the first history has {histories[0].keys()}"
    )


def _distinct_labels(histories: Sequence[History]) -> list[str]:
    """Each run's ``history.label`` without the settings that all runs share (``lr=0.1`` instead of
    ``optimizer=sgd lr=0.1 batch_size=64 ...``); the full label when nothing differs."""
    parts = [h.label.split(" ") for h in histories]
    shared = set.intersection(*map(set, parts)) if len(parts) > 1 else set()
    return [" ".join(p for p in run if p not in shared) or h.label for run, h in zip(parts, histories, strict=True)]


def plot_histories(
    histories: Sequence[History],
    metric: str | Sequence[str] = "val_loss",
    labels: Sequence[str] | None = None,
    ax: Axes | Sequence[Axes] | None = None,
    title: str | None = None,
) -> Figure:
    """Several runs overlaid, one colour per run, to compare settings.

    ``metric`` is a key such as ``"val_loss"`` or ``"train_acc"``; a bare name (``"loss"``) draws training
    (solid) and validation (dashed) curves. A list of metrics gives one panel each. Labels default to each
    run's ``history.label``, keeping only the settings that differ between the runs. Runs that diverged end
    with a red × (and loss panels then use a log scale).
    """
    histories = list(histories)
    if not histories:
        raise ValueError("histories must hold at least one History")
    labels = _distinct_labels(histories) if labels is None else list(labels)
    if len(labels) != len(histories):
        raise ValueError(f"labels must have one entry per history ({len(histories)}), got {len(labels)}")
    metrics = [metric] if isinstance(metric, str) else list(metric)
    fig, axs = _get_axes(ax, len(metrics))
    for a, name in zip(axs, metrics, strict=True):
        keys = _metric_keys(histories, name)
        diverged_labelled = False
        for i, (history, label) in enumerate(zip(histories, labels, strict=True)):
            drawn = [key for key in keys if key in history]
            for key in drawn:
                style = VAL_STYLE if key.startswith("val_") else TRAIN_STYLE
                a.plot(
                    history["epoch"],
                    history[key],
                    color=run_color(i),
                    linestyle=style,
                    label=label if key == drawn[0] else None,
                )
                if history.stopped == "diverged":
                    mark_diverged(a, history["epoch"], history[key], label=None if diverged_labelled else "diverged")
                    diverged_labelled = True
        if "loss" in name and any(h.stopped == "diverged" for h in histories):
            a.set_yscale("log")
        handles, _ = a.get_legend_handles_labels()
        a.legend(handles=handles + (style_legend_handles() if len(keys) == 2 else []), fontsize=8)
        a.set_title(METRIC_NAMES.get(name, name))
        a.set_ylabel(METRIC_NAMES.get(name, name))
        integer_epochs(a)
    if title is not None:
        fig.suptitle(title, fontsize="medium")
    return fig


def plot_runs(
    groups: dict[str, Sequence[History]],
    metric: str = "val_loss",
    ax: Axes | None = None,
    log: bool = False,
    title: str | None = None,
) -> Figure:
    """Several settings, each trained with several seeds (e.g. :class:`dlbook.runs.Runs`): one colour per setting,
    one thin line per seed and a bold line for their mean, so the band the seeds form shows the spread."""
    if not isinstance(groups, dict) or not groups or not all(len(runs) for runs in groups.values()):
        raise ValueError("groups must be a non-empty dict {label: list of Histories}, each with at least one run")
    missing = [label for label, runs in groups.items() if any(metric not in h for h in runs)]
    if missing:
        raise ValueError(f"metric {metric!r} is not recorded by the runs of {missing}")
    fig, (ax,) = _get_axes(ax, 1, panel=(6.0, 3.6))
    for i, (label, runs) in enumerate(groups.items()):
        for h in runs:
            ax.plot(h["epoch"], h[metric], color=run_color(i), lw=0.9, alpha=0.35)
        n = min(len(h[metric]) for h in runs)  # runs that stopped early end the mean where the first one ends
        mean = np.mean([np.asarray(h[metric][:n], dtype=float) for h in runs], axis=0)
        ax.plot(runs[0]["epoch"][:n], mean, color=run_color(i), lw=2, label=f"{label} (mean of {len(runs)})")
    ax.set(ylabel=metric, title=title if title is not None else metric, yscale="log" if log else "linear")
    integer_epochs(ax)
    ax.legend(fontsize=8)
    return fig


def _in_notebook() -> bool:
    """True inside a running Jupyter kernel (where ``display`` can update an output in place)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class LivePlot:
    """A Trainer callback that redraws the training curves after every ``every`` epochs.

    Use it as ``Trainer(callbacks=[LivePlot()])``. In Jupyter the plot is one output that is updated in
    place, so the finished notebook (and the book page) shows only the final curves. Without a notebook
    it just keeps the figure in ``.fig``. The Trainer calls callbacks before it decides to stop early or
    after it has stopped for divergence, so call ``live.draw(history)`` after ``fit`` to show how the run
    ended.
    """

    def __init__(self, metrics: Sequence[str] = ("loss", "acc"), every: int = 1, title: str | None = None) -> None:
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be an integer >= 1, got {every!r}")
        self.metrics, self.every, self.title = tuple(metrics), every, title
        self.fig: Figure | None = None
        self.axes: list[Axes] = []
        self.history: History | None = None
        self.handle: Any = None  # the IPython DisplayHandle, once the figure is shown

    def __call__(self, history: History) -> None:
        self.history = history
        last = len(history) == history.params.get("epochs")
        if len(history) % self.every == 0 or last:
            self.draw(history)

    def draw(self, history: History) -> Figure:
        """Redraw the curves of ``history`` into the same figure (and the same notebook output)."""
        self.history = history
        if self.fig is None:
            n = sum(f"train_{m}" in history or f"val_{m}" in history for m in self.metrics)
            self.fig, self.axes = _get_axes(None, max(n, 1))
            plt.close(self.fig)  # shown through the display handle only, never again by pyplot
        for ax in self.axes:
            ax.clear()
        plot_history(history, self.metrics, title=self.title, axes=self.axes)
        self._show()
        return self.fig

    def _show(self) -> None:
        if not _in_notebook():
            return
        from IPython.display import display

        if self.handle is None:
            self.handle = display(self.fig, display_id=True)
        else:
            self.handle.update(self.fig)


# ---------------------------------------------------------------------------------------------------------
# Learning rates: schedules and the range test
# ---------------------------------------------------------------------------------------------------------


def lr_schedule(
    scheduler: str | Callable[..., Any] | None,
    epochs: int,
    lr: float = 0.1,
    warmup_epochs: int = 0,
    val_losses: Sequence[float] | None = None,
    **scheduler_kwargs: Any,
) -> list[float]:
    """The learning rate of every epoch (1 … ``epochs``) exactly as :class:`dlbook.Trainer` would set it.

    ``scheduler`` and ``scheduler_kwargs`` are the Trainer's (``"step"``, ``"exponential"``, ``"cosine"``,
    ``"plateau"``); the schedule is computed by the Trainer's own scheduler code on a dummy parameter.
    ``"plateau"`` reacts to validation losses, so it needs ``val_losses`` (one made-up value per epoch).
    """
    if scheduler == "plateau" and val_losses is None:
        raise ValueError("val_losses is required for scheduler='plateau': give one validation loss per epoch")
    if val_losses is not None and len(val_losses) < epochs:
        raise ValueError(f"val_losses must hold at least epochs={epochs} values, got {len(val_losses)}")
    trainer = Trainer(
        lr=lr,
        optimizer="sgd",
        epochs=epochs,
        scheduler=scheduler,
        scheduler_kwargs=scheduler_kwargs,
        warmup_epochs=warmup_epochs,
        device="cpu",
    )
    optimizer = trainer.make_optimizer(nn.Linear(1, 1))
    schedule = trainer.make_scheduler(optimizer, epochs)
    lrs = []
    for epoch in range(1, epochs + 1):
        lrs.append(trainer.warmup(optimizer, epoch))
        optimizer.step()  # no gradients, so nothing changes; keeps the scheduler's call-order check happy
        trainer.step_scheduler(schedule, epoch, val_losses[epoch - 1] if val_losses is not None else 0.0)
    return lrs


def plot_lr_schedule(
    scheduler: str | Callable[..., Any] | None,
    epochs: int,
    lr: float = 0.1,
    ax: Axes | None = None,
    warmup_epochs: int = 0,
    val_losses: Sequence[float] | None = None,
    title: str | None = None,
    **scheduler_kwargs: Any,
) -> Figure:
    """The learning rate per epoch from :func:`lr_schedule`; warm-up epochs are shaded and, for
    ``"plateau"``, the given validation losses are drawn on a second axis."""
    lrs = lr_schedule(scheduler, epochs, lr=lr, warmup_epochs=warmup_epochs, val_losses=val_losses, **scheduler_kwargs)
    fig, (ax,) = _get_axes(ax, 1, panel=(5.5, 3.4))
    epoch = np.arange(1, epochs + 1)
    ax.plot(epoch, lrs, color="C0", marker="o", markersize=3, label="learning rate")
    if warmup_epochs:
        ax.axvspan(0.5, warmup_epochs + 0.5, color="C1", alpha=0.15, label=f"warm-up ({warmup_epochs} epochs)")
    ax.set_ylabel("learning rate")
    ax.set_ylim(bottom=0)
    integer_epochs(ax)
    handles, _ = ax.get_legend_handles_labels()
    if val_losses is not None:
        twin = ax.twinx()
        (line,) = twin.plot(
            epoch, list(val_losses)[:epochs], color="grey", linestyle=VAL_STYLE, label="val_loss (given)"
        )
        twin.set_ylabel("val_loss")
        handles.append(line)
    ax.legend(handles=handles, fontsize=8)
    if title is None:
        name = scheduler if isinstance(scheduler, str) or scheduler is None else "custom"
        settings = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in scheduler_kwargs.items())
        title = f"{name} schedule" + (f" ({settings})" if settings else "")
    ax.set_title(title)
    return fig


def _moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average of odd ``window`` (edges padded with the end values); same length."""
    half = window // 2
    padded = np.pad(values, half, mode="edge")
    return np.convolve(padded, np.ones(2 * half + 1) / (2 * half + 1), mode="valid")


def suggest_lr(lrs: Sequence[float] | np.ndarray, losses: Sequence[float] | np.ndarray) -> float:
    """A learning rate from a range test: where the smoothed loss falls fastest (per decade of lr).

    Only the part of the curve before the loss minimum is searched, so the suggestion is always on the
    descending side, well below the rate at which training blows up.
    """
    lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    if lrs.shape != losses.shape or lrs.ndim != 1 or len(lrs) < 3:
        raise ValueError(f"lrs and losses must be 1-D of the same length >= 3, got shapes {lrs.shape}, {losses.shape}")
    if not (np.all(lrs > 0) and np.all(np.diff(lrs) > 0)):
        raise ValueError("lrs must be positive and increasing (as returned by lr_find)")
    if not np.all(np.isfinite(losses)):
        raise ValueError("losses must all be finite")
    smooth = _moving_average(losses, max(1, len(losses) // 20))
    end = int(np.argmin(smooth))
    if end < 1:
        return float(lrs[0])
    slope = np.gradient(smooth[: end + 1], np.log10(lrs[: end + 1]))
    return float(lrs[int(np.argmin(slope))])


def plot_lr_finder(
    lrs: Sequence[float] | np.ndarray,
    losses: Sequence[float] | np.ndarray,
    ax: Axes | None = None,
    suggest: bool = True,
    title: str | None = None,
) -> Figure:
    """Loss against learning rate (log scale) from :func:`dlbook.train.lr_find`, with the
    :func:`suggest_lr` choice marked in red."""
    lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    fig, (ax,) = _get_axes(ax, 1, panel=(5.5, 3.6))
    ax.plot(lrs, losses, color="C0", label="loss (smoothed)")
    ax.set_xscale("log")
    if suggest:
        best = suggest_lr(lrs, losses)
        i = int(np.argmin(np.abs(lrs - best)))
        ax.axvline(best, color=DIVERGED_COLOR, linestyle=":", linewidth=1)
        ax.scatter([best], [losses[i]], color=DIVERGED_COLOR, zorder=5, label=f"steepest descent: lr ≈ {best:.2g}")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("training loss")
    ax.set_title(title if title is not None else "learning-rate range test")
    ax.legend(fontsize=8)
    return fig


# ---------------------------------------------------------------------------------------------------------
# What a model computes
# ---------------------------------------------------------------------------------------------------------


def _padded_range(values: np.ndarray, pad: float = 0.1) -> tuple[float, float]:
    lo, hi = float(values.min()), float(values.max())
    margin = pad * (hi - lo) if hi > lo else 1.0
    return lo - margin, hi + margin


def plot_decision_boundary(
    model: nn.Module,
    X: Any,
    y: Any,
    ax: Axes | None = None,
    resolution: int = 200,
    device: torch.device | str | None = None,
    title: str | None = None,
) -> Figure:
    """What a classifier predicts over the plane, with the data points on top.

    ``X`` has two features. A model with one output (a logit, binary task) is shown as the probability of
    class 1 with the 0.5 boundary drawn in black; a model with several outputs as coloured class regions.
    """
    X = _numpy(X).astype(float)
    y = _numpy(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"y must have one label per row of X ({len(X)}), got {len(y)}")
    if not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    fig, (ax,) = _get_axes(ax, 1, panel=(5.0, 4.2))
    xx, yy = np.meshgrid(
        np.linspace(*_padded_range(X[:, 0]), resolution), np.linspace(*_padded_range(X[:, 1]), resolution)
    )
    grid = torch.tensor(np.column_stack([xx.ravel(), yy.ravel()]), dtype=torch.float32)
    out = predict(model, grid, device)
    labels = np.unique(y).astype(int)
    if out.ndim == 1 or out.shape[1] == 1:
        if not set(labels.tolist()) <= {0, 1}:
            raise ValueError(f"y must hold 0/1 labels for a model with one output, got {labels.tolist()}")
        prob = torch.sigmoid(out.reshape(-1)).numpy().reshape(xx.shape)
        regions = ax.contourf(xx, yy, prob, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.45)
        ax.contour(xx, yy, prob, levels=[0.5], colors="black", linewidths=1.5)
        fig.colorbar(regions, ax=ax, label="P(class 1)")
        colors = {0: plt.get_cmap("RdBu_r")(0.1), 1: plt.get_cmap("RdBu_r")(0.9)}
    else:
        k = out.shape[1]
        pred = out.argmax(dim=1).numpy().reshape(xx.shape)
        colors = {c: run_color(c) for c in range(max(k, labels.max() + 1))}
        cmap = ListedColormap([colors[c] for c in range(k)])
        ax.contourf(xx, yy, pred, levels=np.arange(k + 1) - 0.5, cmap=cmap, alpha=0.3)
    for c in labels:
        ax.scatter(
            X[y == c, 0],
            X[y == c, 1],
            color=colors[int(c)],
            edgecolors="black",
            linewidths=0.5,
            s=20,
            label=f"class {c}",
        )
    ax.legend(fontsize=8, loc="best")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title if title is not None else "decision boundary")
    return fig


def plot_activations(
    names: Sequence[str] = ("relu", "leaky_relu", "sigmoid", "tanh", "gelu", "silu"),
    x_range: tuple[float, float] = (-4, 4),
    derivatives: bool = True,
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """Each activation function (solid) and its derivative computed by autograd (dashed), one panel each."""
    lo, hi = x_range
    if not lo < hi:
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range}")
    names = [names] if isinstance(names, str) else list(names)
    fig, axs = _get_axes(axes, len(names), ncols=3, panel=(3.2, 2.5))
    for ax, name in zip(axs, names, strict=True):
        x = torch.linspace(lo, hi, 401, requires_grad=True)
        f = activation(name)(x)
        (slope,) = torch.autograd.grad(f.sum(), x)
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.axvline(0, color="grey", linewidth=0.5)
        ax.plot(x.detach(), f.detach(), color="C0", label="f(x)")
        if derivatives:
            ax.plot(x.detach(), slope, color="C1", linestyle="--", label="f′(x)")
        ax.set_title(name)
    axs[0].legend(fontsize=8)
    return fig


def plot_attention(
    weights: Any,
    tokens: Sequence[str] | None = None,
    ax: Axes | None = None,
    head: int | None = None,
    title: str | None = None,
) -> Figure:
    """Heatmap of attention weights: row = query position, column = the key position it attends to.

    ``weights`` is ``(seq, seq)``, ``(heads, seq, seq)`` or ``(batch, heads, seq, seq)`` (the first batch
    item is shown). Heads are averaged unless ``head`` picks one. ``tokens`` label the positions.
    """
    w = _numpy(weights).astype(float)
    if w.ndim == 4:
        w = w[0]
    what = ""
    if w.ndim == 3:
        if head is None:
            what, w = f"mean over {w.shape[0]} heads", w.mean(axis=0)
        elif isinstance(head, int) and 0 <= head < w.shape[0]:
            what, w = f"head {head}", w[head]
        else:
            raise ValueError(f"head must be an integer in [0, {w.shape[0]}) or None, got {head!r}")
    elif w.ndim == 2 and head is not None:
        raise ValueError(f"head must be None for (seq, seq) weights, got {head!r}")
    elif w.ndim != 2:
        raise ValueError(f"weights must have 2, 3 or 4 dimensions, got shape {tuple(_numpy(weights).shape)}")
    if tokens is not None and (len(tokens) != w.shape[0] or len(tokens) != w.shape[1]):
        raise ValueError(f"tokens must have one entry per position ({w.shape[1]}), got {len(tokens)}")
    size = min(8.0, 2.5 + 0.35 * w.shape[1])
    fig, (ax,) = _get_axes(ax, 1, panel=(size + 1.0, size))
    image = ax.imshow(w, cmap="viridis", vmin=0)
    fig.colorbar(image, ax=ax, label="attention weight")
    if tokens is not None:
        ax.set_xticks(range(len(tokens)), labels=list(tokens), rotation=90)
        ax.set_yticks(range(len(tokens)), labels=list(tokens))
    ax.set_xlabel("key position (attended to)")
    ax.set_ylabel("query position (attending)")
    ax.set_title(title if title is not None else "attention weights" + (f" ({what})" if what else ""))
    return fig


def plot_loss_surface(
    function: Any,
    traces: dict[str, Any] | None = None,
    ax: Axes | None = None,
    levels: int = 30,
    log: bool = True,
    resolution: int = 200,
) -> Figure:
    """Contours of a 2-D :class:`dlbook.optim.TestFunction` over its ``xlim``/``ylim``, with optimizer paths.

    ``traces`` maps a name to a path of shape ``(steps + 1, 2)`` (from :func:`dlbook.optim.trace`). Each path
    starts at a white circle and ends at a square; the star marks the minimum. ``log=True`` spaces the
    contour levels logarithmically, which shows the floor of narrow valleys.
    """
    if not isinstance(levels, int) or levels < 2:
        raise ValueError(f"levels must be an integer >= 2, got {levels!r}")
    fig, (ax,) = _get_axes(ax, 1, panel=(6.0, 4.6))
    xx, yy = np.meshgrid(np.linspace(*function.xlim, resolution), np.linspace(*function.ylim, resolution))
    with torch.no_grad():
        zz = _numpy(function.fn(torch.tensor(np.stack([xx, yy], axis=-1), dtype=torch.float64)))
    if log:
        zz = zz - zz.min()
        floor = max(zz[zz > 0].min(), zz.max() * 1e-8)
        filled = ax.contourf(
            xx,
            yy,
            np.maximum(zz, floor),
            levels=np.geomspace(floor, zz.max(), levels),
            norm=LogNorm(),
            cmap="viridis",
            alpha=0.45,
        )
    else:
        filled = ax.contourf(xx, yy, zz, levels=levels, cmap="viridis", alpha=0.45)
    ax.contour(filled, colors="black", linewidths=0.3, alpha=0.35)
    for i, (name, path) in enumerate((traces or {}).items()):
        path = _numpy(path)
        if path.ndim != 2 or path.shape[1] != 2 or len(path) == 0:
            raise ValueError(f"traces[{name!r}] must have shape (steps + 1, 2), got {path.shape}")
        ax.plot(path[:, 0], path[:, 1], color=run_color(i), linewidth=1.8, marker=".", markersize=3, label=name)
        ax.scatter(*path[0], marker="o", s=60, facecolor="white", edgecolors="black", zorder=5)
        ax.scatter(*path[-1], marker="s", s=45, color=run_color(i), edgecolors="black", zorder=5)
    ax.scatter(*function.minimum, marker="*", s=250, color="gold", edgecolors="black", zorder=6)
    handles, _ = ax.get_legend_handles_labels()
    handles += [
        Line2D([], [], marker="o", markerfacecolor="white", markeredgecolor="black", linestyle="none", label="start"),
        Line2D([], [], marker="s", markerfacecolor="grey", markeredgecolor="black", linestyle="none", label="end"),
        Line2D(
            [],
            [],
            marker="*",
            markersize=12,
            markerfacecolor="gold",
            markeredgecolor="black",
            linestyle="none",
            label="minimum",
        ),
    ]
    ax.legend(handles=handles, fontsize=8, loc="best")
    ax.set_xlim(function.xlim)
    ax.set_ylim(function.ylim)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(function.name)
    return fig


# ---------------------------------------------------------------------------------------------------------
# Evaluating a classifier
# ---------------------------------------------------------------------------------------------------------


def plot_confusion_matrix(
    y_true: Any,
    y_pred: Any,
    class_names: Sequence[str] | None = None,
    normalize: bool = False,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Confusion matrix (rows: true class, columns: predicted class) with the count in every cell.

    ``y_pred`` holds class ids (take ``logits.argmax(1)`` first). ``normalize=True`` divides each row by the
    number of examples of that class, so the diagonal is the recall of each class.
    """
    y_true, y_pred = _numpy(y_true).reshape(-1), _numpy(y_pred)
    if y_pred.ndim != 1:
        raise ValueError(
            f"y_pred must be class ids of shape (n,), got shape {y_pred.shape}; for logits pass logits.argmax(1)"
        )
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true and y_pred must have the same length, got {len(y_true)} and {len(y_pred)}")
    if class_names is not None:
        labels = np.arange(len(class_names))
        names = [str(name) for name in class_names]
    else:
        labels = np.unique(np.concatenate([y_true, y_pred]))
        names = [str(label) for label in labels]
    cm = confusion_matrix(y_true, y_pred, labels=labels, normalize="true" if normalize else None)
    k = len(labels)
    size = max(3.5, 1.5 + 0.55 * k)
    fig, (ax,) = _get_axes(ax, 1, panel=(size + 1.0, size))
    image = ax.imshow(cm, cmap="Blues", vmin=0)
    fig.colorbar(image, ax=ax, label="fraction of the true class" if normalize else "count")
    for (i, j), value in np.ndenumerate(cm):
        text = f"{value:.2f}" if normalize else f"{int(value)}"
        ax.text(
            j,
            i,
            text,
            ha="center",
            va="center",
            fontsize=8 if k > 8 else 10,
            color="white" if value > cm.max() / 2 else "black",
        )
    long_names = max(len(name) for name in names) > 3
    ax.set_xticks(range(k), labels=names, rotation=45 if long_names else 0, ha="right" if long_names else "center")
    ax.set_yticks(range(k), labels=names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    default = "confusion matrix" + (" (each row sums to 1)" if normalize else "")
    ax.set_title(title if title is not None else default)
    return fig


def plot_roc(y_true: Any, scores: Any, ax: Axes | None = None, label: str | None = None) -> Figure:
    """ROC curve of a binary classifier, with its AUC in the legend and the chance diagonal.

    ``scores`` are probabilities or logits for class 1. Call again with the same ``ax`` to add more curves.
    """
    y_true, scores = _numpy(y_true).reshape(-1), _numpy(scores).reshape(-1)
    if len(y_true) != len(scores):
        raise ValueError(f"y_true and scores must have the same length, got {len(y_true)} and {len(scores)}")
    if set(np.unique(y_true).tolist()) != {0, 1}:
        raise ValueError(f"y_true must hold both classes 0 and 1, got {np.unique(y_true).tolist()}")
    fpr, tpr, _ = roc_curve(y_true, scores)
    auc = roc_auc_score(y_true, scores)
    fig, (ax,) = _get_axes(ax, 1, panel=(4.6, 4.4))
    n_curves = sum(line.get_gid() == "roc" for line in ax.lines)
    if not any(line.get_gid() == "chance" for line in ax.lines):
        ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="chance (AUC = 0.5)", gid="chance")
    text = f"AUC = {auc:.3f}"
    ax.plot(fpr, tpr, color=run_color(n_curves), gid="roc", label=f"{label} ({text})" if label else text)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_aspect("equal")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title("ROC curve")
    ax.legend(loc="lower right", fontsize=8)
    return fig


# ---------------------------------------------------------------------------------------------------------
# Inside the network: weights and gradients
# ---------------------------------------------------------------------------------------------------------


def _weight_matrices(model: nn.Module) -> list[tuple[str, nn.Parameter]]:
    """The layers' weight matrices (parameters with 2+ dimensions), named without ``.weight``.

    Biases and normalisation parameters (1-D) are left out: the weight matrices are what initialisation
    and vanishing/exploding gradients are about.
    """
    layers = [(name.removesuffix(".weight"), p) for name, p in model.named_parameters() if p.ndim >= 2]
    if not layers:
        raise ValueError("model has no weight matrices (parameters with 2 or more dimensions)")
    return layers


def gradient_norms(model: nn.Module) -> dict[str, float]:
    """L2 norm of the gradient of each layer's weight matrix, from input to output.

    Layers whose ``.grad`` is ``None`` (no ``backward()`` yet, or frozen) are left out.
    """
    return {name: p.grad.norm().item() for name, p in _weight_matrices(model) if p.grad is not None}


def _note(ax: Axes, text: str, center: bool = False) -> None:
    position = (0.5, 0.5) if center else (0.01, 0.99)
    ax.text(
        *position,
        text,
        transform=ax.transAxes,
        fontsize=8,
        style="italic",
        color="dimgrey",
        ha="center" if center else "left",
        va="center" if center else "top",
        wrap=True,
    )


def _no_grad_note(skipped: list[str]) -> str:
    return "no gradient (skipped): " + ", ".join(skipped)


def _plot_histograms(
    values: dict[str, np.ndarray], skipped: list[str], ax: Axes | None, bins: int, xlabel: str, title: str
) -> Figure:
    """Overlaid density histograms, one colour per layer, with shared bins so the spreads compare."""
    if not isinstance(bins, int) or bins < 1:
        raise ValueError(f"bins must be an integer >= 1, got {bins!r}")
    fig, (ax,) = _get_axes(ax, 1, panel=(6.0, 3.8))
    if values:
        edges = np.histogram_bin_edges(np.concatenate(list(values.values())), bins=bins)
        for i, (name, v) in enumerate(values.items()):
            ax.hist(
                v,
                bins=edges,
                density=True,
                histtype="step",
                linewidth=1.5,
                color=run_color(i),
                label=f"{name} (std {v.std():.2g})",
            )
        ax.legend(fontsize=8)
        if skipped:
            _note(ax, _no_grad_note(skipped))
    else:
        _note(ax, "no gradients yet: call loss.backward() first", center=True)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    ax.set_title(title)
    return fig


def plot_weight_histograms(
    model: nn.Module, ax: Axes | None = None, bins: int = 50, title: str | None = None
) -> Figure:
    """Distribution of the weights of every layer (e.g. to compare initialisations)."""
    values = {name: _numpy(p).ravel() for name, p in _weight_matrices(model)}
    return _plot_histograms(values, [], ax, bins, "weight value", title or "weights per layer")


def plot_gradient_norms(
    model: nn.Module | dict[str, float], ax: Axes | None = None, title: str | None = None
) -> Figure:
    """Bar chart (log scale) of :func:`gradient_norms`, input layer on the left.

    Bars that shrink towards the input show vanishing gradients; bars that grow show exploding ones.
    ``model`` may also be a dict of norms computed earlier.
    """
    if isinstance(model, nn.Module):
        norms = gradient_norms(model)
        skipped = [name for name, p in _weight_matrices(model) if p.grad is None]
    else:
        norms, skipped = dict(model), []
    fig, (ax,) = _get_axes(ax, 1, panel=(max(4.5, 0.6 * len(norms) + 2.0), 3.8))
    if norms:
        ax.bar(range(len(norms)), list(norms.values()), color="C0")
        ax.set_yscale("log")
        ax.set_xticks(range(len(norms)), labels=list(norms), rotation=45, ha="right")
        if skipped:
            _note(ax, _no_grad_note(skipped))
    else:
        _note(ax, "no gradients yet: call loss.backward() first", center=True)
    ax.set_xlabel("layer (input → output)")
    ax.set_ylabel("gradient norm (log scale)")
    ax.set_title(title if title is not None else "gradient norm per layer")
    return fig
