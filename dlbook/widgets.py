"""Interactive training: a live panel for Jupyter and static explorables for the website.

Two ways to play with hyperparameters:

* :class:`TrainingPanel` — sliders, a Train button and a plot that updates after every epoch while real
  PyTorch training runs. It needs a running Python kernel (JupyterLab, Colab, Binder).
* :func:`explore` — trains every combination of a small grid of settings *when the page is built* and
  returns an :class:`Explorable`, a chart with one slider per setting that works in a static web page
  (plain JavaScript and inline SVG, nothing loaded from the network).

Both are built on :func:`train_run`, which is also what the tests call: settings in, :class:`History` out.

Reading order: ``train_run`` (the training, no widgets), ``TrainingPanel`` (controls → run → plot and
status), the panel's plot and HTML helpers, then ``explore`` / ``Explorable`` and the JavaScript template.
"""

from __future__ import annotations

import base64
import html
import inspect
import io
import itertools
import json
import math
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as w
import matplotlib
import numpy as np
import pandas as pd
import torch
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator
from torch import nn
from traitlets import TraitError

from . import optim, viz
from .data import DataSplits
from .device import describe_device, get_device
from .runs import ModelFactory, default_model, resolve_data, train_run
from .train import History, Trainer, format_value, plain_value

__all__ = [
    "BATCH_SIZES", "DEFAULT_GRID", "Explorable", "OPTIMIZERS", "ThresholdExplorable", "TrainingPanel",
    "WEIGHT_DECAYS", "default_model", "explore", "threshold_explorable", "threshold_table", "train_run",
]

# The panel offers the optimizer names the Trainer knows, except Adadelta, whose lr lives on another scale
# (default 1.0) and would not fit the shared lr slider.
OPTIMIZERS = tuple(name for name in optim.OPTIMIZERS if name != "adadelta")
BATCH_SIZES = (8, 16, 32, 64, 128, 256, 512)
WEIGHT_DECAYS = (0.0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
# 3 × 3 × 2 = 18 runs: a digits MLP trains 15 epochs in a fraction of a second, so the grid takes seconds.
DEFAULT_GRID = {"lr": [1e-3, 1e-2, 1e-1], "dropout": [0.0, 0.2, 0.5], "batch_size": [32, 128]}
REDRAW_INTERVAL = 0.2  # seconds: the panel redraws at most ~5 times a second (and always at the end) ...
REDRAW_SHARE = 0.25  # ... and, on a slow or busy machine, spends at most about a quarter of the time drawing
SNAPSHOT_NOTE = ("This is a snapshot. Live training needs a running Python kernel: open this chapter in "
                 "Colab or Binder with the rocket button at the top of the page, or run it locally "
                 "(<code>make lab</code>).")


def _is_plain(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


# ---------------------------------------------------------------------------------------------------------
# The live panel
# ---------------------------------------------------------------------------------------------------------

class TrainingPanel:
    """Sliders + Train / Stop / Clear buttons + live training curves, for one dataset and one kind of model.

    >>> panel = TrainingPanel()              # an MLP on the digits
    >>> panel.controls["lr"].value = 0.01    # or move the slider
    >>> history = panel.train()              # the Train button does the same, in a background thread
    >>> display(panel)

    ``model`` is a factory called as ``model(data, dropout=..., **extras)`` where ``extras`` are the values of
    the ``extra_controls`` that are not Trainer settings. ``extra_controls`` maps a name to a list (drop-down
    of those values), a ``(low, high)`` or ``(low, high, step)`` tuple (slider), a bool (checkbox) or a ready
    ipywidget. ``controls`` picks which controls are shown, in order. Every run uses the same ``seed``, so
    two runs differ only in the settings you changed. The last ``max_runs`` runs are kept in ``panel.runs``
    and drawn faded behind the current one.

    ``panel.train()`` called from code runs in the caller's thread (what notebooks and tests use). The Train
    button runs it in a background thread so that Stop stays responsive; Stop ends the run after the current
    epoch and keeps the partial history.
    """

    def __init__(self, data: DataSplits | Callable[[], DataSplits] | None = None,
                 model: ModelFactory | None = None, *, lr: float = 1e-3, optimizer: str = "adam",
                 batch_size: int = 64, epochs: int = 20, dropout: float = 0.0, weight_decay: float = 0.0,
                 extra_controls: dict[str, Any] | None = None, controls: Sequence[str] | None = None,
                 seed: int = 0, device: torch.device | str | None = None, title: str | None = None,
                 max_runs: int = 8) -> None:
        if not isinstance(max_runs, int) or max_runs < 1:
            raise ValueError(f"max_runs must be an integer >= 1, got {max_runs!r}")
        if model is not None and not callable(model):
            raise ValueError(f"model must be a function (data, **settings) -> nn.Module, got {model!r}")
        self.data = resolve_data(data)
        self.model_factory = model
        self.seed, self.max_runs = seed, max_runs
        self.device = get_device(None if device is None else str(device))
        self.device_name = describe_device(self.device)
        what = "an MLP" if model is None else "a model"
        self.title = title if title is not None else f"Training {what} on {self.data.name}"
        self.runs: list[History] = []
        self.current: History | None = None  # the History of the run in progress, if any
        self.model: nn.Module | None = None  # the model of the current or latest run
        self._busy = threading.Lock()  # held while a run is in progress
        self._stop_event = threading.Event()
        self._draw_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._notice = ""
        self._active = False  # True from the start of a run until its History is stored
        self._next_draw = 0.0  # perf_counter time before which _redraw() skips (unless forced)
        self._run_started = 0.0
        self._run_seconds = 0.0  # wall-clock time of the latest run, drawing included
        self._n_runs = 0  # runs finished since the last Clear (the oldest may have been dropped)

        self.controls = _standard_controls(lr, optimizer, batch_size, epochs, dropout, weight_decay)
        defaults = _setting_defaults(model)
        for name, spec in (extra_controls or {}).items():
            self.controls[name] = _extra_control(name, spec, defaults.get(name))
        shown = list(self.controls) if controls is None else list(controls)
        unknown = [name for name in shown if name not in self.controls]
        if unknown:
            raise ValueError(f"controls must be names from {list(self.controls)}, got {unknown}")

        self.buttons = {
            "train": w.Button(description="Train", button_style="success", icon="play"),
            "stop": w.Button(description="Stop", button_style="danger", icon="stop", disabled=True),
            "clear": w.Button(description="Clear", icon="trash"),
        }
        for button in self.buttons.values():
            button.layout = w.Layout(width="96px")
        self.buttons["train"].on_click(self._on_train)
        self.buttons["stop"].on_click(lambda _button: self.stop())
        self.buttons["clear"].on_click(lambda _button: self.clear())

        self.figure = Figure(figsize=self._figsize(), dpi=80)
        FigureCanvasAgg(self.figure)  # draws into memory only: nothing is shown by pyplot
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.status = w.HTML()
        left = w.VBox([self.controls[name] for name in shown] + [w.HBox(list(self.buttons.values()))],
                      layout=w.Layout(min_width="320px"))
        header = w.HTML(f"<b>{html.escape(self.title)}</b>")
        self.widget = w.VBox([header, w.HBox([left, self.image]), self.status])
        self._redraw(force=True)

    # ---------------------------------------------------------------- settings and runs
    def settings(self) -> dict[str, Any]:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    @property
    def running(self) -> bool:
        """True while a run is in progress."""
        return self._busy.locked()

    def train(self, *, callbacks: Iterable[Callable[[History], Any]] = (), **overrides: Any) -> History:
        """Train once with the current control values (``overrides`` replace some) in this thread.

        Overrides that name a control also move that control (when it can show the value), so the panel
        shows the settings of the run it draws. Extra ``callbacks`` are called after every epoch before the
        panel's own (see :class:`Trainer`). Raises ``RuntimeError`` while another run is in progress.
        """
        if not self._busy.acquire(blocking=False):
            raise RuntimeError("a run is already in progress: press Stop or wait for it to finish")
        for name, value in overrides.items():
            if name in self.controls:
                try:
                    self.controls[name].value = value
                except TraitError:  # a value the control cannot show (e.g. not among its options): run it anyway
                    pass
        self._stop_event.clear()
        try:
            return self._run(overrides, list(callbacks))
        finally:
            self._busy.release()

    def stop(self) -> None:
        """Ask the run in progress to stop after the current epoch (its partial history is kept)."""
        self._stop_event.set()
        if self.running:
            self._notice = "Stopping after this epoch …"
            self.status.value = self._status_html()

    def clear(self) -> None:
        """Forget all runs (not possible while one is in progress)."""
        if self.running:
            self._notice = "Clear is not possible while a run is in progress."
            self.status.value = self._status_html()
            return
        self.runs.clear()
        self.model, self._n_runs = None, 0
        self._notice = ""
        self._redraw(force=True)

    def _run(self, overrides: dict[str, Any], callbacks: list[Callable[[History], Any]]) -> History:
        """One run: settings → :func:`train_run` (redrawing after each epoch) → plot and status."""
        settings = {**self.settings(), **overrides}
        self._set_running(True)
        self._active, self._notice = True, ""
        self._run_started, self._next_draw = time.perf_counter(), 0.0
        try:
            history = train_run(self.data, self.model_factory, seed=self.seed, device=self.device,
                                callbacks=[*callbacks, self._after_epoch], on_model=self._keep_model,
                                **settings)
        except Exception as error:
            self.status.value = _error_html(error)
            raise
        finally:
            self.current, self._active = None, False
            self._set_running(False)
        for name, control in self.controls.items():  # a drop-down value with no readable name: use its label
            if name not in overrides and isinstance(control, w.Dropdown) and not _is_plain(control.value):
                history.params[name] = control.label
        self._run_seconds = time.perf_counter() - self._run_started
        self._n_runs += 1
        self.runs.append(history)
        del self.runs[:-self.max_runs]
        self._notice = ""
        self._redraw(force=True)
        return history

    def _keep_model(self, model: nn.Module) -> None:
        self.model = model

    def _after_epoch(self, history: History) -> bool:
        """The panel's Trainer callback: redraw now and then; returning True stops the run."""
        self.current = history
        self._redraw()
        return self._stop_event.is_set()

    # ---------------------------------------------------------------- buttons and threads
    def _on_train(self, _button: Any = None) -> None:
        self._start_in_thread()

    def _start_in_thread(self, *, callbacks: Iterable[Callable[[History], Any]] = (),
                         **overrides: Any) -> threading.Thread | None:
        """Start a run in a background thread (what the Train button does); None if one is already running."""
        if not self._busy.acquire(blocking=False):
            self._notice = "A run is already in progress: press Stop to end it first."
            self.status.value = self._status_html()
            return None
        self._stop_event.clear()
        self._thread = threading.Thread(target=self._run_in_background, args=(overrides, list(callbacks)),
                                        daemon=True)
        self._thread.start()
        return self._thread

    def _run_in_background(self, overrides: dict[str, Any], callbacks: list[Callable[[History], Any]],
                           ) -> None:
        try:
            self._run(overrides, callbacks)
        except Exception:  # already shown in red in the status line (a thread's traceback would be lost)
            pass
        finally:
            self._busy.release()

    def _set_running(self, running: bool) -> None:
        self.buttons["train"].disabled = running
        self.buttons["clear"].disabled = running
        self.buttons["stop"].disabled = not running

    # ---------------------------------------------------------------- drawing
    def _figsize(self) -> tuple[float, float]:
        n_axes = 1 + (self.data.task != "regression") + (self.data.n_features == 2)
        return (3.3 * n_axes, 2.9)

    def _redraw(self, force: bool = False) -> None:
        """Render the plot to PNG and refresh the status, unless the last redraw was too recent (see
        REDRAW_INTERVAL and REDRAW_SHARE) and ``force`` is False."""
        start = time.perf_counter()
        if not force and start < self._next_draw:
            return
        with self._draw_lock:
            histories = self.runs + ([self.current] if self.current is not None else [])
            first = self._n_runs - len(self.runs) + 1
            _draw_panel(self.figure, histories, self.data, self.model, self.device, first)
            self.image.value = _png(self.figure)
            self.status.value = self._status_html()
        cost = time.perf_counter() - start
        self._next_draw = start + max(REDRAW_INTERVAL, cost / REDRAW_SHARE)

    def _status_html(self) -> str:
        running = self._active
        history = self.current if self.current is not None else (self.runs[-1] if self.runs else None)
        number = self._n_runs + (1 if running else 0)
        elapsed = time.perf_counter() - self._run_started if running else self._run_seconds
        return _status_html(history, number, running, self.device_name, elapsed, self._notice)

    # ---------------------------------------------------------------- display
    def __repr__(self) -> str:
        return f"TrainingPanel({self.data.name!r}, {len(self.runs)} runs kept, settings={self.settings()})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The live widget for Jupyter plus a static HTML snapshot for the website (it prefers text/html)."""
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self.snapshot_html()
        return bundle

    def snapshot_html(self) -> str:
        """A self-contained HTML copy of the panel as it is now: plot, settings, runs and a note."""
        png = base64.b64encode(self.image.value).decode("ascii")  # the plot as last drawn
        settings = "".join(f'<th style="padding:0 6px">{html.escape(k)}</th>' for k in self.controls)
        values = "".join(f'<td style="padding:0 6px">{html.escape(format_value(plain_value(v)))}</td>'
                         for v in self.settings().values())
        return (
            f'<div class="dlbook-panel-snapshot" style="{_SNAPSHOT_STYLE}">'
            f"<div style=\"font-weight:600;margin-bottom:4px\">{html.escape(self.title)}</div>"
            f'<img src="data:image/png;base64,{png}" alt="training curves of the runs so far" '
            f'style="max-width:100%">'
            f"<div>{self._status_html()}</div>"
            f'<table style="{_TABLE_STYLE}"><caption style="text-align:left">controls</caption>'
            f"<tr>{settings}</tr><tr>{values}</tr></table>"
            f"{_runs_table(self.runs, self._n_runs - len(self.runs) + 1)}"
            f'<p style="font-size:90%;opacity:.8;margin:6px 0 0">{SNAPSHOT_NOTE}</p></div>'
        )


# ---------------------------------------------------------------------------------------------------------
# The panel's controls
# ---------------------------------------------------------------------------------------------------------

_STYLE = {"description_width": "96px"}
_LAYOUT = {"width": "310px"}


def _with_value(options: Sequence[Any], value: Any, name: str) -> list[Any]:
    """The slider's options, with ``value`` added in sorted order if it is not one of them."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    return sorted(set(options) | {value})


def _standard_controls(lr: float, optimizer: str, batch_size: int, epochs: int, dropout: float,
                       weight_decay: float) -> dict[str, w.ValueWidget]:
    if not isinstance(lr, (int, float)) or not 1e-5 <= lr <= 1.0:
        raise ValueError(f"lr must be in [1e-5, 1] for the panel's slider, got {lr!r}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    if not isinstance(dropout, (int, float)) or not 0.0 <= dropout <= 0.9:
        raise ValueError(f"dropout must be in [0, 0.9] for the panel's slider, got {dropout!r}")
    common = {"style": _STYLE, "layout": _LAYOUT, "continuous_update": False}
    return {
        "lr": w.FloatLogSlider(value=lr, base=10, min=-5, max=0, step=0.25, description="lr",
                               readout_format=".1e", **common),
        "optimizer": w.Dropdown(options=list(OPTIMIZERS), value=optimizer, description="optimizer",
                                style=_STYLE, layout=_LAYOUT),
        "batch_size": w.SelectionSlider(options=_with_value(BATCH_SIZES, batch_size, "batch_size"),
                                        value=batch_size, description="batch_size", **common),
        "epochs": w.IntSlider(value=epochs, min=1, max=max(100, epochs), description="epochs", **common),
        "dropout": w.FloatSlider(value=dropout, min=0.0, max=0.9, step=0.05, description="dropout", **common),
        "weight_decay": w.SelectionSlider(options=_with_value(WEIGHT_DECAYS, weight_decay, "weight_decay"),
                                          value=weight_decay, description="weight_decay", **common),
    }


def _setting_defaults(model_factory: ModelFactory | None) -> dict[str, Any]:
    """Default values of the Trainer's and the model factory's keyword arguments (extra controls start there)."""
    defaults = {}
    for function in (Trainer.__init__, model_factory or default_model):
        try:
            parameters = inspect.signature(function).parameters.values()
        except (TypeError, ValueError):  # some callables have no signature
            continue
        defaults.update({p.name: p.default for p in parameters
                         if p.default is not inspect.Parameter.empty and _is_plain(p.default)})
    return defaults


def _extra_control(name: str, spec: Any, default: Any = None) -> w.ValueWidget:
    """A control from a short spec: list → drop-down, dict → drop-down of its values labelled by its keys,
    (low, high[, step]) → slider, ``bool`` or a bool → checkbox (the bool is its starting value), or a ready
    ipywidget. Controls start at ``default`` (the factory's default value) when it is one of the choices."""
    common = {"description": name, "style": _STYLE, "layout": _LAYOUT}
    if isinstance(spec, w.ValueWidget):
        return spec
    if spec is bool or isinstance(spec, bool):  # `bool` itself: a checkbox starting at the default (off)
        return w.Checkbox(value=bool(default) if spec is bool else spec, **common)
    numbers = isinstance(spec, tuple) and len(spec) in (2, 3) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in spec)
    if numbers:
        low, high = spec[0], spec[1]
        if not low < high:
            raise ValueError(f"extra_controls[{name!r}] range must have low < high, got {spec}")
        in_range = isinstance(default, (int, float)) and not isinstance(default, bool) and low <= default <= high
        value = default if in_range else low
        if all(isinstance(v, int) for v in spec):
            step = spec[2] if len(spec) == 3 else 1
            return w.IntSlider(value=value, min=low, max=high, step=step, continuous_update=False, **common)
        step = spec[2] if len(spec) == 3 else (high - low) / 100
        return w.FloatSlider(value=value, min=low, max=high, step=step, continuous_update=False, **common)
    if isinstance(spec, dict) and spec:  # {label: value}: for values without a readable name (loss modules …)
        return w.Dropdown(options=list(spec.items()), value=next(iter(spec.values())), **common)
    if isinstance(spec, (list, tuple)) and len(spec) > 0:
        options = [(format_value(plain_value(v)), v) for v in spec]
        value = default if any(default is v or default == v for v in spec if _is_plain(v)) else spec[0]
        return w.Dropdown(options=options, value=value, **common)
    raise ValueError(f"extra_controls[{name!r}] must be a list of options, a {{label: value}} dict, a (low, "
                     f"high[, step]) tuple, bool or a bool, or an ipywidget, got {spec!r}")


# ---------------------------------------------------------------------------------------------------------
# The panel's plot (matplotlib Figure → PNG bytes; no pyplot, so nothing is ever shown twice)
# ---------------------------------------------------------------------------------------------------------

def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _run_labels(histories: Sequence[History], first: int = 1) -> list[str]:
    """Legend labels: '#k' plus the settings that differ between the runs shown (or the full label)."""
    keys = [k for k in dict.fromkeys(k for h in histories for k in h.params) if k not in ("seed",)]
    varying = [k for k in keys if len({format_value(h.params.get(k)) for h in histories}) > 1]
    labels = []
    for i, h in enumerate(histories, first):
        shown = " ".join(f"{k}={format_value(h.params.get(k))}" for k in varying) if varying else h.label
        labels.append(f"#{i} {shown}")
    return labels


def _draw_panel(fig: Figure, histories: Sequence[History], data: DataSplits, model: nn.Module | None,
                device: torch.device, first: int = 1) -> None:
    """Loss (and accuracy) of every run, the newest bold, others faded; the decision boundary for 2-D data."""
    fig.clf()
    metrics = ["loss"] + (["acc"] if data.task != "regression" else [])
    n_axes = len(metrics) + (data.n_features == 2)
    axes = fig.subplots(1, n_axes, squeeze=False)[0]
    fig.subplots_adjust(left=0.07 * 3 / n_axes, right=0.98, bottom=0.16, top=0.9, wspace=0.32)
    labels = _run_labels(histories, first)
    for ax, metric in zip(axes, metrics, strict=False):
        _draw_curves(ax, histories, labels, metric)
    legend_ax = axes[1] if len(metrics) == 2 else axes[0]
    if histories:
        legend_ax.legend(handles=legend_ax.get_legend_handles_labels()[0] + viz._style_legend_handles(),
                         fontsize=7.5, loc="lower right" if legend_ax is not axes[0] else "upper right")
    else:
        axes[0].text(0.5, 0.5, "press Train to start a run", ha="center", va="center",
                     transform=axes[0].transAxes, color="grey")
    if data.n_features == 2:
        _draw_boundary(axes[-1], data, model, device, len(histories[-1]) if histories else 0)


def _draw_curves(ax: Axes, histories: Sequence[History], labels: Sequence[str], metric: str) -> None:
    for i, (history, label) in enumerate(zip(histories, labels, strict=True)):
        newest = i == len(histories) - 1
        style = {"color": viz._color(i), "alpha": 1.0 if newest else 0.35,
                 "linewidth": 2.2 if newest else 1.0}
        for split, dash in (("train", viz.TRAIN_STYLE), ("val", viz.VAL_STYLE)):
            key = f"{split}_{metric}"
            if key in history:
                ax.plot(history["epoch"], history[key], linestyle=dash,
                        label=label if split == "train" else None, **style)
        if history.stopped == "diverged" and f"train_{metric}" in history:
            viz._mark_diverged(ax, history["epoch"], history[f"train_{metric}"])
    if metric == "loss" and histories:
        _log_axis(ax)
    ax.set_title("loss (log scale)" if metric == "loss" else "accuracy", fontsize=10)
    ax.tick_params(labelsize=8)
    viz._integer_epochs(ax)
    ax.xaxis.label.set_fontsize(8)


def _log_axis(ax: Axes) -> None:
    """Log scale with ticks at 10^k (or 1, 2, 5 × 10^k over a short range) and no minor ticks: readable, and
    much cheaper to draw five times a second than matplotlib's default log ticks."""
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    subs = (1.0,) if high / low > 100 else (1.0, 2.0, 5.0)
    ax.yaxis.set_major_locator(LogLocator(subs=subs))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_locator(NullLocator())


def _draw_boundary(ax: Axes, data: DataSplits, model: nn.Module | None, device: torch.device,
                   epoch: int) -> None:
    """The data before any run; afterwards viz.plot_decision_boundary, without its legend and colour bar."""
    X, y = data.train
    if model is None:
        cmap = matplotlib.colormaps["RdBu_r"]  # the colours plot_decision_boundary uses for the two classes
        ax.scatter(X[:, 0], X[:, 1], c=[cmap(0.9 if c > 0.5 else 0.1) for c in y.reshape(-1).tolist()], s=12,
                   edgecolors="black", linewidths=0.4)
        ax.set_title("data (train split)", fontsize=10)
    else:
        position = ax.get_position()
        n_axes = len(ax.figure.axes)
        viz.plot_decision_boundary(model, X, y, ax=ax, resolution=60, device=device,
                                   title=f"decision boundary, epoch {epoch}")
        for extra in ax.figure.axes[n_axes:]:  # the colour bar: too much for a small live panel
            extra.remove()
        ax.set_position(position)
        ax.title.set_fontsize(10)
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    ax.tick_params(labelsize=8)
    ax.xaxis.label.set_fontsize(8)
    ax.yaxis.label.set_fontsize(8)


# ---------------------------------------------------------------------------------------------------------
# The panel's status line and snapshot tables (small HTML strings)
# ---------------------------------------------------------------------------------------------------------

_RED_BOX = ("color:#b00020;border:1px solid #b00020;background:#fdecee;padding:4px 8px;border-radius:4px;"
            "margin:4px 0")
_SNAPSHOT_STYLE = ("border:1px solid #ccc;border-radius:6px;padding:8px 12px;margin:6px 0;max-width:900px;"
                   "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:14px")
_TABLE_STYLE = "border-collapse:collapse;font-size:85%;margin:6px 0"


def _metrics_text(history: History) -> str:
    parts = []
    for key in ("train_loss", "val_loss", "train_acc", "val_acc"):
        if key in history and len(history[key]):
            value = history.final(key)
            text = f"{100 * value:.1f}%" if key.endswith("acc") and math.isfinite(value) else f"{value:.4g}"
            parts.append(f"{key.replace('_', ' ')} {text}")
    return " · ".join(parts)


def _status_html(history: History | None, number: int, running: bool, device_name: str,
                 elapsed: float, notice: str = "") -> str:
    """Run number, device, epochs, time and final metrics; a red box if the run diverged."""
    device = f'<span style="opacity:.7">{html.escape(device_name)}</span>'
    if history is None:
        text = f"Run {number} starting …" if running else "No runs yet: set the controls and press Train."
        lines = [text]
    else:
        done, planned = len(history), history.params.get("epochs", len(history))
        endings = {None: "finished", "interrupted": "stopped", "early_stopping": "stopped early",
                   "diverged": "diverged"}
        state = "running" if running else endings.get(history.stopped, "ended")
        lines = [f"<b>Run {number}</b> {state} · epoch {done}/{planned} · {elapsed:.1f} s · "
                 f"{html.escape(_metrics_text(history))}"]
        if history.stopped == "diverged" and not running:
            lines.append(f'<div style="{_RED_BOX}">{html.escape(history.message)}</div>')
        elif history.stopped and not running:
            lines.append(f'<span style="opacity:.8">{html.escape(history.message)}</span>')
    if notice:
        lines.append(f"<i>{html.escape(notice)}</i>")
    return "".join(f"<div>{line}</div>" for line in [*lines, device])


def _error_html(error: Exception) -> str:
    return (f'<div style="{_RED_BOX}">The run failed: {html.escape(type(error).__name__)}: '
            f"{html.escape(str(error))}</div>")


def _runs_table(runs: Sequence[History], first: int = 1) -> str:
    if not runs:
        return "<p>No runs yet.</p>"
    names = ("run", "settings", "epochs", "final", "ended")
    head = "".join(f'<th style="padding:0 6px">{name}</th>' for name in names)
    rows = []
    for i, history in enumerate(runs, first):
        ended = "" if history.stopped is None else history.stopped
        color = ' style="color:#b00020"' if history.stopped == "diverged" else ""
        cells = (str(i), history.label, str(len(history)), _metrics_text(history), ended)
        tds = "".join(f'<td style="padding:0 6px">{html.escape(c)}</td>' for c in cells)
        rows.append(f"<tr{color}>{tds}</tr>")
    return (f'<table style="{_TABLE_STYLE}"><caption style="text-align:left">runs</caption><tr>{head}</tr>'
            + "".join(rows) + "</table>")


# ---------------------------------------------------------------------------------------------------------
# Explorables: every combination of a small grid, trained at build time, browsed with sliders in the page
# ---------------------------------------------------------------------------------------------------------

def _check_grid(grid: Any) -> dict[str, list[Any]]:
    if not isinstance(grid, dict) or not grid:
        raise ValueError(f"grid must be a non-empty dict {{setting name: list of values}}, got {grid!r}")
    checked = {}
    for name, values in grid.items():
        values = list(values) if isinstance(values, (list, tuple)) else None
        if not values:
            raise ValueError(f"grid[{name!r}] must be a non-empty list of values")
        if len({format_value(v) for v in values}) != len(values):
            raise ValueError(f"grid[{name!r}] must not repeat a value, got {values}")
        checked[str(name)] = values
    return checked


def explore(data: DataSplits | Callable[[], DataSplits] | None = None, model: ModelFactory | None = None,
            grid: dict[str, Sequence[Any]] | None = None, *, epochs: int = 15, optimizer: str = "adam",
            seed: int = 0, device: torch.device | str | None = None, title: str | None = None,
            **fixed: Any) -> Explorable:
    """Train every combination of ``grid`` with :func:`train_run` and return an :class:`Explorable`.

    This runs while the book is built, so keep grids small: the default 3 × 3 × 2 grid (lr, dropout,
    batch_size) is 18 runs of a digits MLP and takes a few seconds on a laptop CPU. Settings not in the grid
    come from ``fixed`` (e.g. ``weight_decay=1e-4``, ``width=128``) or the usual defaults (lr 1e-3,
    batch_size 64, no dropout or weight decay). Every run uses the same seed.
    """
    data = resolve_data(data)
    grid = _check_grid(DEFAULT_GRID if grid is None else grid)
    base = {"lr": 1e-3, "batch_size": 64, "weight_decay": 0.0, "dropout": 0.0, "optimizer": optimizer,
            "epochs": epochs, **fixed}
    runs = []
    for combination in itertools.product(*grid.values()):
        settings = dict(zip(grid, combination, strict=True))
        history = train_run(data, model, seed=seed, device=device, **{**base, **settings})
        runs.append((settings, history))
    title = title if title is not None else f"{data.name}: {' × '.join(grid)}"
    return Explorable(grid, runs, title=title, fixed={k: v for k, v in base.items() if k not in grid})


def _json_number(value: float) -> float | None:
    """A float for JSON, with NaN and ±inf (which JSON cannot hold) as null."""
    value = float(value)
    return value if math.isfinite(value) else None


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, np.number)):
        return _json_number(value) if isinstance(value, (float, np.floating)) else int(value)
    return str(value)


@dataclass(repr=False)
class Explorable:
    """Runs over a grid of settings, shown as a chart with one slider (or drop-down) per setting.

    ``runs`` holds ``(settings, History)`` pairs, ``settings`` being one combination of the grid.
    In a notebook or on the book's website the chart is plain HTML, SVG and JavaScript: it needs no kernel.
    """

    grid: dict[str, list[Any]]
    runs: list[tuple[dict[str, Any], History]]
    title: str = ""
    fixed: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.grid = _check_grid(self.grid)
        self.runs = list(self.runs)
        if not self.runs:
            raise ValueError("runs must hold at least one (settings, History) pair")
        for settings, _ in self.runs:
            for name, values in self.grid.items():
                if name not in settings or settings[name] not in values:
                    raise ValueError(f"runs: every settings dict needs a value from grid[{name!r}] = {values}, "
                                     f"got {settings}")

    def __repr__(self) -> str:
        axes = " × ".join(f"{name} ({len(values)})" for name, values in self.grid.items())
        return f"Explorable({self.title!r}: {len(self.runs)} runs over {axes})"

    def to_frame(self) -> pd.DataFrame:
        """One row per run: grid settings, final train/val loss (and accuracy), epochs done, how it ended."""
        rows = []
        for settings, history in self.runs:
            row = dict(settings)
            for key in ("train_loss", "val_loss", "train_acc", "val_acc"):
                if key in history:
                    row[key] = history.final(key)
            row["epochs_done"] = len(history)
            row["stopped"] = history.stopped
            rows.append(row)
        return pd.DataFrame(rows)

    def best(self, key: str = "val_loss") -> tuple[dict[str, Any], History]:
        """The run with the lowest final ``key`` among those that did not diverge."""
        candidates = [(s, h) for s, h in self.runs if h.stopped != "diverged" and math.isfinite(h.final(key))]
        if not candidates:
            raise ValueError(f"no run has a finite final {key}")
        return min(candidates, key=lambda run: run[1].final(key))

    def payload(self) -> dict[str, Any]:
        """Everything the JavaScript chart needs, as JSON-safe Python values."""
        axes = []
        for name, values in self.grid.items():
            numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
            axes.append({"name": name, "labels": [format_value(v) for v in values],
                         "kind": "range" if numeric else "select", "start": len(values) // 2})
        runs = []
        for settings, history in self.runs:
            run = {"key": ",".join(str(self.grid[k].index(settings[k])) for k in self.grid),
                   "settings": {k: _json_value(v) for k, v in settings.items()},
                   "stopped": history.stopped, "message": history.message, "epoch": history["epoch"]}
            for key in ("train_loss", "val_loss", "train_acc", "val_acc"):
                if key in history:
                    run[key] = [_json_number(v) for v in history[key]]
            runs.append(run)
        fixed = {k: _json_value(v) for k, v in self.fixed.items()}
        epochs = max(len(h) for _, h in self.runs)
        return {"title": self.title, "axes": axes, "runs": runs, "fixed": fixed, "epochs": epochs,
                **self._ranges()}

    def _ranges(self) -> dict[str, Any]:
        """Shared y ranges, so that moving a slider compares runs on the same axes.

        The loss axis is logarithmic; its top comes from the runs that did not diverge (a diverged curve is
        clipped at the top and ends with a red ×).
        """
        def values(keys: Sequence[str], runs: Iterable[History]) -> np.ndarray:
            found = [v for h in runs for k in keys if k in h for v in h[k] if math.isfinite(v) and v > 0]
            return np.array(found, dtype=float)

        histories = [h for _, h in self.runs]
        loss_keys = ("train_loss", "val_loss")
        healthy = values(loss_keys, [h for h in histories if h.stopped != "diverged"])
        every = values(loss_keys, histories)
        top = healthy.max() if healthy.size else (every.max() if every.size else 1.0)
        bottom = every.min() if every.size else top / 10
        bottom = min(bottom, top / 3)  # at least half a decade, so that two ticks are labelled
        ranges = {"loss_range": [float(bottom / 1.15), float(top * 1.15)], "acc_range": None}
        acc = values(("train_acc", "val_acc"), histories)
        if acc.size:
            ranges["acc_range"] = [float(min(math.floor(acc.min() * 10) / 10, 0.9)), 1.0]
        return ranges

    @staticmethod
    def _controls_html(uid: str, axes: Sequence[dict[str, Any]]) -> str:
        parts = []
        for i, axis in enumerate(axes):
            name = html.escape(axis["name"])
            if axis["kind"] == "range":
                shown = html.escape(axis["labels"][axis["start"]])
                control = (f'<input type="range" id="{uid}-ctl-{i}" min="0" max="{len(axis["labels"]) - 1}" '
                           f'step="1" value="{axis["start"]}" data-param="{name}" aria-label="{name}">'
                           f'<output id="{uid}-out-{i}">{shown}</output>')
            else:
                options = "".join(f'<option value="{j}"{" selected" if j == axis["start"] else ""}>'
                                  f"{html.escape(label)}</option>" for j, label in enumerate(axis["labels"]))
                control = (f'<select id="{uid}-ctl-{i}" data-param="{name}" aria-label="{name}">'
                           f"{options}</select>")
            parts.append(f'<label class="dlx-control"><span class="dlx-name">{name}</span>{control}</label>')
        return "".join(parts)

    def _repr_html_(self) -> str:
        uid = "dlx-" + uuid.uuid4().hex[:12]
        payload = self.payload()
        data = json.dumps(payload, allow_nan=False).replace("</", "<\\/")
        fixed = ", ".join(f"{k}={format_value(v)}" for k, v in self.fixed.items())
        return (_EXPLORABLE_TEMPLATE
                .replace("__TITLE__", html.escape(self.title))
                .replace("__FIXED__", html.escape(fixed))
                .replace("__CONTROLS__", self._controls_html(uid, payload["axes"]))
                .replace("__DATA__", data)
                .replace("__UID__", uid))


# The explorable's page fragment: CSS scoped to .dlbook-explorable, the controls (filled in by Python), the
# runs as JSON, and a small script that draws the selected run as inline SVG. No external files, no libraries.
_EXPLORABLE_TEMPLATE = """<div class="dlbook-explorable" id="__UID__">
<style>
.dlbook-explorable{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:14px;
  border:1px solid rgba(127,127,127,.4);border-radius:8px;padding:10px 14px;margin:8px 0;max-width:860px}
.dlbook-explorable .dlx-title{font-weight:600}
.dlbook-explorable .dlx-fixed{font-size:12px;opacity:.7;margin-bottom:8px}
.dlbook-explorable .dlx-controls{display:flex;flex-wrap:wrap;gap:6px 28px;margin-bottom:6px}
.dlbook-explorable .dlx-control{display:flex;align-items:center;gap:8px;margin:0}
.dlbook-explorable .dlx-name,.dlbook-explorable output{font-family:ui-monospace,Menlo,Consolas,monospace}
.dlbook-explorable output{min-width:4.5em;font-weight:600}
.dlbook-explorable input[type=range]{width:130px}
.dlbook-explorable .dlx-charts{display:flex;flex-wrap:wrap;gap:4px 16px}
.dlbook-explorable svg{max-width:100%;height:auto;overflow:visible}
.dlbook-explorable .dlx-info{margin-top:4px;line-height:1.5}
.dlbook-explorable .dlx-diverged{color:#b00020;border:1px solid #b00020;background:rgba(176,0,32,.08);
  padding:4px 8px;border-radius:4px;margin-top:4px}
.dlbook-explorable .dlx-muted{opacity:.7;font-size:12px}
</style>
<div class="dlx-title">__TITLE__</div>
<div class="dlx-fixed">fixed: __FIXED__</div>
<div class="dlx-controls">__CONTROLS__</div>
<div class="dlx-charts" id="__UID__-charts"><span class="dlx-muted">(the chart needs JavaScript)</span></div>
<div class="dlx-info" id="__UID__-info"></div>
<script type="application/json" id="__UID__-data">__DATA__</script>
<script>
(function () {
  "use strict";
  const root = document.getElementById("__UID__");
  if (!root || root.dataset.ready) return;          // the script may run twice (e.g. a re-rendered output)
  root.dataset.ready = "1";
  const DATA = JSON.parse(document.getElementById("__UID__-data").textContent);
  const runs = {};                                   // "i,j,k" (one value index per axis) -> run
  DATA.runs.forEach(function (run) { runs[run.key] = run; });
  const controls = DATA.axes.map(function (_, i) { return document.getElementById("__UID__-ctl-" + i); });
  const BLUE = "#1f77b4", RED = "#c62828", GREY = "#8a8a8a";
  const W = 410, H = 240, M = {left: 52, right: 12, top: 26, bottom: 36};

  // ---- small helpers ----------------------------------------------------------------------------
  function esc(text) {
    return String(text).replace(/[&<>"]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c];
    });
  }
  function el(tag, attrs, body) {                    // one SVG element as a string
    let s = "<" + tag;
    Object.keys(attrs).forEach(function (k) { s += " " + k + '="' + attrs[k] + '"'; });
    return s + (body === undefined ? "/>" : ">" + body + "</" + tag + ">");
  }
  function num(v) {
    if (v === null) return "n/a";
    return Math.abs(v) >= 1e4 ? v.toExponential(2) : v.toPrecision(4);
  }
  function pct(v) { return v === null ? "n/a" : (100 * v).toFixed(1) + "%"; }
  function last(values) { return values && values.length ? values[values.length - 1] : null; }

  // ---- scales (value -> pixel) and tick positions -----------------------------------------------
  function scaleX(xmax) {
    const a = M.left, b = W - M.right;
    return function (x) { return xmax <= 1 ? (a + b) / 2 : a + (b - a) * (x - 1) / (xmax - 1); };
  }
  function scaleY(lo, hi, log) {
    const a = H - M.bottom, b = M.top;
    const f = log ? Math.log10 : function (v) { return v; };
    return function (v) {                            // values outside [lo, hi] are clipped to the frame
      const t = (f(Math.min(Math.max(v, lo), hi)) - f(lo)) / (f(hi) - f(lo));
      return a + (b - a) * t;
    };
  }
  function niceTicks(lo, hi, count) {
    const raw = (hi - lo) / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map(function (m) { return m * mag; })
      .find(function (s) { return s >= raw; });
    const ticks = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) ticks.push(+t.toPrecision(12));
    return ticks;
  }
  function logTicks(lo, hi) {
    let ticks = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      [1, 2, 5].forEach(function (m) {
        const t = m * Math.pow(10, e);
        if (t >= lo && t <= hi) ticks.push(t);
      });
    }
    if (ticks.length > 7) ticks = ticks.filter(function (t) { return Math.abs(Math.log10(t) % 1) < 1e-9; });
    return ticks;
  }
  function tickLabel(t, spec) {
    if (spec.percent) return Math.round(100 * t) + "%";
    if (spec.log && (t >= 1e4 || t < 1e-3)) return t.toExponential(0);
    return String(+t.toPrecision(3));
  }

  // ---- one chart as an SVG string ---------------------------------------------------------------
  function pathData(epochs, values, sx, sy) {       // a gap wherever a value is null (NaN or inf)
    let d = "", pen = false;
    values.forEach(function (v, i) {
      if (v === null) { pen = false; return; }
      d += (pen ? "L" : "M") + sx(epochs[i]).toFixed(1) + " " + sy(v).toFixed(1);
      pen = true;
    });
    return d;
  }
  function chart(spec) {
    const sx = scaleX(DATA.epochs), sy = scaleY(spec.lo, spec.hi, spec.log);
    const label = {"font-size": 11, fill: "currentColor", "fill-opacity": 0.75};
    const parts = [el("text", {x: M.left, y: 14, "font-size": 13, "font-weight": 600, fill: "currentColor"},
                      esc(spec.title))];
    (spec.log ? logTicks(spec.lo, spec.hi) : niceTicks(spec.lo, spec.hi, 5)).forEach(function (t) {
      const y = sy(t).toFixed(1);
      parts.push(el("line", {x1: M.left, x2: W - M.right, y1: y, y2: y, stroke: "currentColor",
                             "stroke-opacity": 0.12}));
      parts.push(el("text", Object.assign({x: M.left - 6, y: y, dy: "0.32em", "text-anchor": "end"}, label),
                    tickLabel(t, spec)));
    });
    niceTicks(1, DATA.epochs, Math.min(6, Math.max(1, DATA.epochs - 1))).forEach(function (t) {
      if (t < 1 || t !== Math.round(t)) return;
      const at = {x: sx(t).toFixed(1), y: H - M.bottom + 15, "text-anchor": "middle"};
      parts.push(el("text", Object.assign(at, label), t));
    });
    parts.push(el("text", Object.assign({x: (M.left + W - M.right) / 2, y: H - 4, "text-anchor": "middle"},
                                        label), "epoch"));
    parts.push(el("rect", {x: M.left, y: M.top, width: W - M.left - M.right, height: H - M.top - M.bottom,
                           fill: "none", stroke: "currentColor", "stroke-opacity": 0.35}));
    spec.background.forEach(function (other) {       // every other run, faintly, for context
      parts.push(el("path", {d: pathData(other.epoch, other.values, sx, sy), fill: "none", stroke: GREY,
                             "stroke-opacity": 0.3, "stroke-width": 1}));
    });
    spec.curves.forEach(function (c) {               // the selected run: train solid, val dashed
      const attrs = {"class": c.cls, d: pathData(c.epoch, c.values, sx, sy), fill: "none", stroke: spec.color,
                     "stroke-width": 2.2};
      if (c.dashed) attrs["stroke-dasharray"] = "6 4";
      parts.push(el("path", attrs));
    });
    if (spec.cross) {                                // a diverged run ends with a red ×
      const x = sx(spec.cross.epoch), y = sy(spec.cross.value), r = 6;
      parts.push(el("path", {"class": "diverged-mark", stroke: RED, "stroke-width": 3,
                             d: "M" + (x - r) + " " + (y - r) + "L" + (x + r) + " " + (y + r) +
                                "M" + (x - r) + " " + (y + r) + "L" + (x + r) + " " + (y - r)}));
    }
    const lx = W - M.right - 150, ly = 10;          // legend, top right
    [["train", spec.color, null, 1], ["val", spec.color, "6 4", 1], ["others", GREY, null, 0.5]]
      .forEach(function (item, i) {
        const x = lx + 52 * i, line = {x1: x, x2: x + 18, y1: ly, y2: ly, stroke: item[1], "stroke-width": 2,
                                       "stroke-opacity": item[3]};
        if (item[2]) line["stroke-dasharray"] = item[2];
        parts.push(el("line", line) + el("text", {x: x + 22, y: ly, dy: "0.32em", "font-size": 11,
                                                  fill: "currentColor"}, item[0]));
      });
    return el("svg", {xmlns: "http://www.w3.org/2000/svg", width: W, height: H, viewBox: "0 0 " + W + " " + H,
                      role: "img", "aria-label": esc(spec.title)}, parts.join(""));
  }

  // ---- the selected run -------------------------------------------------------------------------
  function panel(run, metric, title, range, log) {
    const train = run["train_" + metric], val = run["val_" + metric];
    const spec = {title: title, lo: range[0], hi: range[1], log: log, percent: metric === "acc",
                  color: run.stopped === "diverged" ? RED : BLUE, background: [], cross: null,
                  curves: [{cls: "train-" + metric, epoch: run.epoch, values: train, dashed: false},
                           {cls: "val-" + metric, epoch: run.epoch, values: val, dashed: true}]};
    DATA.runs.forEach(function (other) {
      if (other !== run && other["val_" + metric]) {
        spec.background.push({epoch: other.epoch, values: other["val_" + metric]});
      }
    });
    if (run.stopped === "diverged") {                // mark the last epoch; inf/nan is drawn at the top
      const end = last(train);
      spec.cross = {epoch: last(run.epoch), value: end === null ? range[1] : end};
    }
    return chart(spec);
  }
  function describe(run) {
    const index = run.key.split(",");
    const settings = DATA.axes.map(function (a, i) { return esc(a.name) + " = " + esc(a.labels[+index[i]]); });
    let text = "<b>" + settings.join(", ") + "</b> · " + run.epoch.length + " epochs · final train loss " +
      num(last(run.train_loss)) + " · val loss " + num(last(run.val_loss));
    if (run.val_acc) {
      text += " · train acc " + pct(last(run.train_acc)) + " · val acc " + pct(last(run.val_acc));
    }
    if (run.stopped === "diverged") text += '<div class="dlx-diverged">' + esc(run.message) + "</div>";
    else if (run.stopped) text += '<div class="dlx-muted">' + esc(run.message) + "</div>";
    return text;
  }
  function update() {
    controls.forEach(function (c, i) {
      const out = document.getElementById("__UID__-out-" + i);
      if (out) out.textContent = DATA.axes[i].labels[+c.value];
    });
    const key = controls.map(function (c) { return c.value; }).join(",");   // value = index into the axis
    const run = runs[key], charts = document.getElementById("__UID__-charts");
    if (!run) { charts.textContent = "no run for this combination"; return; }
    charts.innerHTML = panel(run, "loss", "loss (log scale)", DATA.loss_range, true) +
      (DATA.acc_range && run.val_acc ? panel(run, "acc", "accuracy", DATA.acc_range, false) : "");
    document.getElementById("__UID__-info").innerHTML = describe(run);
  }
  controls.forEach(function (c) {
    c.addEventListener("input", update);
    c.addEventListener("change", update);
  });
  update();
})();
</script>
</div>"""


# ---------------------------------------------------------------------------------------------------------
# A kernel-free explorable of a classifier's decision threshold
# ---------------------------------------------------------------------------------------------------------

def threshold_table(y_true: Any, scores: Any, thresholds: Any = None) -> pd.DataFrame:
    """Confusion-matrix counts and metrics (scikit-learn) of the rule ``scores >= t`` for every threshold ``t``.

    ``y_true`` holds 0/1 labels, ``scores`` probabilities in [0, 1]. Precision is NaN where nothing is
    predicted positive. Default thresholds: 0.02, 0.04, …, 0.98.
    """
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_score, recall_score

    y_true, scores = np.asarray(y_true).astype(int).ravel(), np.asarray(scores, dtype=float).ravel()
    if y_true.shape != scores.shape or not set(np.unique(y_true)) <= {0, 1}:
        raise ValueError("y_true must hold 0/1 labels, one per score")
    if scores.size and (scores.min() < 0 or scores.max() > 1):
        raise ValueError(f"scores must be probabilities in [0, 1], got range [{scores.min():g}, {scores.max():g}]")
    thresholds = np.round(np.arange(0.02, 0.99, 0.02), 2) if thresholds is None else np.asarray(thresholds, float)
    rows = []
    for t in thresholds:
        pred = (scores >= t).astype(int)
        tn, fp, fn, tp = confusion_matrix(y_true, pred, labels=[0, 1]).ravel()
        rows.append({"threshold": float(t), "TP": int(tp), "FN": int(fn), "FP": int(fp), "TN": int(tn),
                     "accuracy": accuracy_score(y_true, pred),
                     "precision": precision_score(y_true, pred, zero_division=np.nan),
                     "recall": recall_score(y_true, pred, zero_division=np.nan),
                     "F1": f1_score(y_true, pred, zero_division=np.nan)})
    return pd.DataFrame(rows)


class ThresholdExplorable:
    """A slider over precomputed thresholds: confusion matrix, metrics and precision/recall/F1 curves.

    Like :class:`Explorable` it is plain HTML + JavaScript + SVG with the data embedded, so it works on the
    static website without a kernel. ``table`` is the output of :func:`threshold_table`.
    """

    WIDTH, HEIGHT, MARGIN, LEGEND = 420, 200, 34, 70
    COLORS = {"precision": "#1f77b4", "recall": "#ff7f0e", "F1": "#2ca02c"}

    def __init__(self, table: pd.DataFrame, title: str = "Decision threshold") -> None:
        missing = {"threshold", "TP", "FN", "FP", "TN", "accuracy", "precision", "recall", "F1"} - set(table)
        if missing or table.empty:
            raise ValueError(f"table must be a non-empty threshold_table(...) result; missing columns {missing}")
        self.table, self.title = table.reset_index(drop=True), title

    def _x(self, threshold: float) -> float:
        return self.MARGIN + (self.WIDTH - self.LEGEND - 2 * self.MARGIN) * threshold

    def _y(self, score: float) -> float:
        return self.HEIGHT - self.MARGIN - (self.HEIGHT - 2 * self.MARGIN) * score

    def _svg(self) -> str:
        t, w_, h, m = self.table, self.WIDTH, self.HEIGHT, self.MARGIN
        lines = []
        for i, (column, color) in enumerate(self.COLORS.items()):
            ok = t[column].notna()
            points = " ".join(f"{self._x(a):.1f},{self._y(b):.1f}" for a, b in zip(t.threshold[ok], t[column][ok]))
            lines.append(f'<polyline class="thr-{column}" points="{points}" fill="none" stroke="{color}" '
                         f'stroke-width="2"/><text x="{w_ - self.LEGEND + 8}" y="{m + 8 + 16 * i}" font-size="12" '
                         f'fill="{color}">{column}</text>')
        ticks = "".join(f'<text x="{self._x(v):.1f}" y="{h - m + 14}" font-size="10" text-anchor="middle">{v:g}'
                        f'</text><text x="{m - 4}" y="{self._y(v) + 3:.1f}" font-size="10" text-anchor="end">{v:g}'
                        f'</text>' for v in (0, 0.5, 1))
        frame = (f'<rect x="{m}" y="{m}" width="{self._x(1) - m:.1f}" height="{h - 2 * m}" fill="none" '
                 f'stroke="#999"/><text x="{self._x(0.5):.1f}" y="{h - 4}" font-size="11" text-anchor="middle">'
                 f'threshold</text>{ticks}')
        return (f'<svg width="{w_}" height="{h}" viewBox="0 0 {w_} {h}">{frame}{"".join(lines)}'
                f'<line class="marker" y1="{m}" y2="{h - m}" stroke="black" stroke-dasharray="4 3"/></svg>')

    def _repr_html_(self) -> str:
        uid = "thr-" + uuid.uuid4().hex[:10]
        start = int((self.table.threshold - 0.5).abs().idxmin())
        rows = json.dumps([{k: _json_value(v) for k, v in row.items()} for row in self.table.to_dict("records")])
        scale = (self.WIDTH - self.LEGEND - 2 * self.MARGIN)
        return (_THRESHOLD_TEMPLATE.replace("__UID__", uid).replace("__TITLE__", html.escape(self.title))
                .replace("__N__", str(len(self.table) - 1)).replace("__START__", str(start))
                .replace("__SVG__", self._svg()).replace("__ROWS__", rows)
                .replace("__MARGIN__", str(self.MARGIN)).replace("__SCALE__", str(scale)))


def threshold_explorable(y_true: Any, scores: Any, thresholds: Any = None,
                         title: str = "Decision threshold") -> ThresholdExplorable:
    """:func:`threshold_table` + :class:`ThresholdExplorable` in one call."""
    return ThresholdExplorable(threshold_table(y_true, scores, thresholds), title)


_THRESHOLD_TEMPLATE = """<div class="dlbook-threshold" id="__UID__" style="font-family:system-ui,sans-serif;
font-size:14px;border:1px solid #ccc;border-radius:8px;padding:10px 14px;max-width:860px">
  <div style="font-weight:600">__TITLE__</div>
  <label>threshold <input type="range" data-param="threshold" min="0" max="__N__" value="__START__" step="1">
    <output style="font-weight:600;font-family:monospace"></output></label>
  <div style="display:flex;flex-wrap:wrap;gap:16px;align-items:center">
    <table style="border-collapse:collapse;text-align:center">
      <tr><td></td><th style="padding:4px 10px">predicted yes</th><th style="padding:4px 10px">predicted no</th></tr>
      <tr><th style="padding:4px 10px">really yes</th><td class="TP"></td><td class="FN"></td></tr>
      <tr><th style="padding:4px 10px">really no</th><td class="FP"></td><td class="TN"></td></tr>
    </table>
    __SVG__
  </div>
  <div class="metrics" style="margin-top:6px"></div>
<script>
(function () {
  // One row of precomputed counts and metrics per threshold; the slider picks the row.
  const root = document.getElementById("__UID__"), rows = __ROWS__;
  const slider = root.querySelector("input"), colours = {TP: "#c8e6c9", TN: "#c8e6c9", FP: "#ffcdd2", FN: "#ffcdd2"};
  const fmt = function (v) { return v === null ? "n/a" : v.toFixed(3); };
  function update() {
    const r = rows[+slider.value];
    root.querySelector("output").textContent = r.threshold.toFixed(2);
    Object.keys(colours).forEach(function (k) {
      const td = root.querySelector("td." + k);
      td.textContent = k + " = " + r[k];
      td.style.cssText = "padding:6px 14px;border:1px solid #aaa;background:" + colours[k];
    });
    const x = __MARGIN__ + __SCALE__ * r.threshold, marker = root.querySelector(".marker");
    marker.setAttribute("x1", x);
    marker.setAttribute("x2", x);
    root.querySelector(".metrics").textContent = "accuracy " + fmt(r.accuracy) + " · precision " +
      fmt(r.precision) + " · recall " + fmt(r.recall) + " · F1 " + fmt(r.F1);
  }
  slider.addEventListener("input", update);
  update();
})();
</script>
</div>"""
