"""The live training panel: sliders, Train / Stop / Clear and curves that update while real PyTorch training runs.

It needs a running Python kernel (JupyterLab, Colab, Binder); on the static website it shows as a snapshot
(:meth:`TrainingPanel.snapshot_html`). Every run goes through :func:`dlbook.runs.run` with the same settings, the
same initial weights (the seed is set before the model is built) and a batch order drawn from the run's own
generator, so that code run in the kernel during training cannot change the run; the batch order is therefore not
the one ``dlbook.run(seed=...)`` draws from torch's global generator.

Reading order: ``TrainingPanel`` (controls → run → plot and status), then its controls, its plot (matplotlib
Figure → PNG bytes) and its small HTML status and tables.
"""

from __future__ import annotations

import base64
import html
import inspect
import io
import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ipywidgets as w
import matplotlib
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
from .runs import ModelFactory, default_model, resolve_data, run
from .train import History, Trainer, format_value, plain_value

__all__ = ["BATCH_SIZES", "OPTIMIZERS", "TrainingPanel", "WEIGHT_DECAYS"]

# The panel offers the optimizer names the Trainer knows, except Adadelta, whose lr lives on another scale
# (default 1.0) and would not fit the shared lr slider.
OPTIMIZERS = tuple(name for name in optim.OPTIMIZERS if name != "adadelta")
BATCH_SIZES = (8, 16, 32, 64, 128, 256, 512)
WEIGHT_DECAYS = (0.0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
REDRAW_INTERVAL = 0.2  # seconds: the panel redraws at most ~5 times a second (and always at the end) ...
REDRAW_SHARE = 0.25  # ... and, on a slow or busy machine, spends at most about a quarter of the time drawing
SNAPSHOT_NOTE = (
    "This is a snapshot. Live training needs a running Python kernel: open this chapter in "
    "Colab or Binder with the rocket button at the top of the page, or run it locally "
    "(<code>make lab</code>)."
)


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

    def __init__(
        self,
        data: DataSplits | Callable[[], DataSplits] | None = None,
        model: ModelFactory | None = None,
        *,
        lr: float = 1e-3,
        optimizer: str = "adam",
        batch_size: int = 64,
        epochs: int = 20,
        dropout: float = 0.0,
        weight_decay: float = 0.0,
        extra_controls: dict[str, Any] | None = None,
        controls: Sequence[str] | None = None,
        seed: int = 0,
        device: torch.device | str | None = None,
        title: str | None = None,
        max_runs: int = 8,
    ) -> None:
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
        left = w.VBox(
            [self.controls[name] for name in shown] + [w.HBox(list(self.buttons.values()))],
            layout=w.Layout(min_width="320px"),
        )
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
        """One run: settings → :func:`dlbook.runs.run` (redrawing after each epoch) → plot and status."""
        settings = {**self.settings(), **overrides}
        self._set_running(True)
        self._active, self._notice = True, ""
        self._run_started, self._next_draw = time.perf_counter(), 0.0
        try:
            # the run's own generator orders the batches, so code run in the kernel meanwhile (which draws from
            # torch's global generator) cannot change which examples each batch holds
            generator = torch.Generator().manual_seed(self.seed)
            history = run(
                self.data,
                self.model_factory,
                seed=self.seed,
                device=self.device,
                callbacks=[*callbacks, self._after_epoch],
                on_model=self._keep_model,
                generator=generator,
                **settings,
            )
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
        del self.runs[: -self.max_runs]
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

    def _start_in_thread(
        self, *, callbacks: Iterable[Callable[[History], Any]] = (), **overrides: Any
    ) -> threading.Thread | None:
        """Start a run in a background thread (what the Train button does); None if one is already running."""
        if not self._busy.acquire(blocking=False):
            self._notice = "A run is already in progress: press Stop to end it first."
            self.status.value = self._status_html()
            return None
        self._stop_event.clear()
        self._thread = threading.Thread(target=self._run_in_background, args=(overrides, list(callbacks)), daemon=True)
        self._thread.start()
        return self._thread

    def _run_in_background(
        self,
        overrides: dict[str, Any],
        callbacks: list[Callable[[History], Any]],
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
        n_axes = 1 + (self.data.task != "regression") + _in_the_plane(self.data)
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
        values = "".join(
            f'<td style="padding:0 6px">{html.escape(format_value(plain_value(v)))}</td>'
            for v in self.settings().values()
        )
        return (
            f'<div class="dlbook-panel-snapshot" style="{_SNAPSHOT_STYLE}">'
            f'<div style="font-weight:600;margin-bottom:4px">{html.escape(self.title)}</div>'
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


def _standard_controls(
    lr: float, optimizer: str, batch_size: int, epochs: int, dropout: float, weight_decay: float
) -> dict[str, w.ValueWidget]:
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
        "lr": w.FloatLogSlider(
            value=lr, base=10, min=-5, max=0, step=0.25, description="lr", readout_format=".1e", **common
        ),
        "optimizer": w.Dropdown(
            options=list(OPTIMIZERS), value=optimizer, description="optimizer", style=_STYLE, layout=_LAYOUT
        ),
        "batch_size": w.SelectionSlider(
            options=_with_value(BATCH_SIZES, batch_size, "batch_size"),
            value=batch_size,
            description="batch_size",
            **common,
        ),
        "epochs": w.IntSlider(value=epochs, min=1, max=max(100, epochs), description="epochs", **common),
        "dropout": w.FloatSlider(value=dropout, min=0.0, max=0.9, step=0.05, description="dropout", **common),
        "weight_decay": w.SelectionSlider(
            options=_with_value(WEIGHT_DECAYS, weight_decay, "weight_decay"),
            value=weight_decay,
            description="weight_decay",
            **common,
        ),
    }


def _setting_defaults(model_factory: ModelFactory | None) -> dict[str, Any]:
    """Default values of the Trainer's and the model factory's keyword arguments (extra controls start there)."""
    defaults = {}
    for function in (Trainer.__init__, model_factory or default_model):
        try:
            parameters = inspect.signature(function).parameters.values()
        except (TypeError, ValueError):  # some callables have no signature
            continue
        defaults.update(
            {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty and _is_plain(p.default)}
        )
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
    numbers = (
        isinstance(spec, tuple)
        and len(spec) in (2, 3)
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in spec)
    )
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
    raise ValueError(
        f"extra_controls[{name!r}] must be a list of options, a {{label: value}} dict, a (low, "
        f"high[, step]) tuple, bool or a bool, or an ipywidget, got {spec!r}"
    )


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


def _in_the_plane(data: DataSplits) -> bool:
    """True for points in 2-D (inputs of shape (N, 2)), whose decision boundary the panel can draw; a sequence
    with two values per step is not such data."""
    return data.train[0].ndim == 2 and data.n_features == 2


def _draw_panel(
    fig: Figure,
    histories: Sequence[History],
    data: DataSplits,
    model: nn.Module | None,
    device: torch.device,
    first: int = 1,
) -> None:
    """Loss (and accuracy) of every run, the newest bold, others faded; the decision boundary for 2-D data."""
    fig.clf()
    metrics = ["loss"] + (["acc"] if data.task != "regression" else [])
    n_axes = len(metrics) + _in_the_plane(data)
    axes = fig.subplots(1, n_axes, squeeze=False)[0]
    fig.subplots_adjust(left=0.07 * 3 / n_axes, right=0.98, bottom=0.16, top=0.9, wspace=0.32)
    labels = _run_labels(histories, first)
    for ax, metric in zip(axes, metrics, strict=False):
        _draw_curves(ax, histories, labels, metric)
    legend_ax = axes[1] if len(metrics) == 2 else axes[0]
    if histories:
        legend_ax.legend(
            handles=legend_ax.get_legend_handles_labels()[0] + viz.style_legend_handles(),
            fontsize=7.5,
            loc="lower right" if legend_ax is not axes[0] else "upper right",
        )
    else:
        axes[0].text(
            0.5, 0.5, "press Train to start a run", ha="center", va="center", transform=axes[0].transAxes, color="grey"
        )
    if _in_the_plane(data):
        _draw_boundary(axes[-1], data, model, device, len(histories[-1]) if histories else 0)


def _draw_curves(ax: Axes, histories: Sequence[History], labels: Sequence[str], metric: str) -> None:
    for i, (history, label) in enumerate(zip(histories, labels, strict=True)):
        newest = i == len(histories) - 1
        style = {"color": viz.run_color(i), "alpha": 1.0 if newest else 0.35, "linewidth": 2.2 if newest else 1.0}
        for split, dash in (("train", viz.TRAIN_STYLE), ("val", viz.VAL_STYLE)):
            key = f"{split}_{metric}"
            if key in history:
                ax.plot(
                    history["epoch"], history[key], linestyle=dash, label=label if split == "train" else None, **style
                )
        if history.stopped == "diverged" and f"train_{metric}" in history:
            viz.mark_diverged(ax, history["epoch"], history[f"train_{metric}"])
    if metric == "loss" and histories:
        _log_axis(ax)
    ax.set_title("loss (log scale)" if metric == "loss" else "accuracy", fontsize=10)
    ax.tick_params(labelsize=8)
    viz.integer_epochs(ax)
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


def _draw_boundary(ax: Axes, data: DataSplits, model: nn.Module | None, device: torch.device, epoch: int) -> None:
    """The data before any run; afterwards viz.plot_decision_boundary, without its legend and colour bar."""
    X, y = (t.detach().cpu() for t in data.train)  # the data may live on the GPU; matplotlib needs the CPU
    if model is None:
        cmap = matplotlib.colormaps["RdBu_r"]  # the colours plot_decision_boundary uses for the two classes
        ax.scatter(
            X[:, 0],
            X[:, 1],
            c=[cmap(0.9 if c > 0.5 else 0.1) for c in y.reshape(-1).tolist()],
            s=12,
            edgecolors="black",
            linewidths=0.4,
        )
        ax.set_title("data (train split)", fontsize=10)
    else:
        position = ax.get_position()
        n_axes = len(ax.figure.axes)
        viz.plot_decision_boundary(
            model, X, y, ax=ax, resolution=60, device=device, title=f"decision boundary, epoch {epoch}"
        )
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

_RED_BOX = "color:#b00020;border:1px solid #b00020;background:#fdecee;padding:4px 8px;border-radius:4px;margin:4px 0"
_SNAPSHOT_STYLE = (
    "border:1px solid #ccc;border-radius:6px;padding:8px 12px;margin:6px 0;max-width:900px;"
    "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:14px"
)
_TABLE_STYLE = "border-collapse:collapse;font-size:85%;margin:6px 0"


def _metrics_text(history: History) -> str:
    parts = []
    for key in ("train_loss", "val_loss", "train_acc", "val_acc"):
        if key in history and len(history[key]):
            value = history.final(key)
            text = f"{100 * value:.1f}%" if key.endswith("acc") and math.isfinite(value) else f"{value:.4g}"
            parts.append(f"{key.replace('_', ' ')} {text}")
    return " · ".join(parts)


def _status_html(
    history: History | None, number: int, running: bool, device_name: str, elapsed: float, notice: str = ""
) -> str:
    """Run number, device, epochs, time and final metrics; a red box if the run diverged."""
    device = f'<span style="opacity:.7">{html.escape(device_name)}</span>'
    if history is None:
        text = f"Run {number} starting …" if running else "No runs yet: set the controls and press Train."
        lines = [text]
    else:
        done, planned = len(history), history.params.get("epochs", len(history))
        endings = {
            None: "finished",
            "interrupted": "stopped",
            "early_stopping": "stopped early",
            "diverged": "diverged",
        }
        state = "running" if running else endings.get(history.stopped, "ended")
        lines = [
            f"<b>Run {number}</b> {state} · epoch {done}/{planned} · {elapsed:.1f} s · "
            f"{html.escape(_metrics_text(history))}"
        ]
        if history.stopped == "diverged" and not running:
            lines.append(f'<div style="{_RED_BOX}">{html.escape(history.message)}</div>')
        elif history.stopped and not running:
            lines.append(f'<span style="opacity:.8">{html.escape(history.message)}</span>')
    if notice:
        lines.append(f"<i>{html.escape(notice)}</i>")
    return "".join(f"<div>{line}</div>" for line in [*lines, device])


def _error_html(error: Exception) -> str:
    return (
        f'<div style="{_RED_BOX}">The run failed: {html.escape(type(error).__name__)}: {html.escape(str(error))}</div>'
    )


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
    return (
        f'<table style="{_TABLE_STYLE}"><caption style="text-align:left">runs</caption><tr>{head}</tr>'
        + "".join(rows)
        + "</table>"
    )
