"""Kernel-free explorables: runs computed when the page is built, browsed with sliders in a static web page.

* :func:`explore` trains every combination of a small grid of settings and returns an :class:`Explorable`: a
  chart with one slider per setting.
* :func:`threshold_explorable` shows a classifier's confusion matrix and metrics for every decision threshold.

Both render as plain HTML + SVG + JavaScript with their data embedded (nothing is loaded from the network). The
page fragments, styles and scripts are files in ``dlbook/static/``; :func:`render` fills their ``{{name}}`` fields
in one pass (a value is never scanned for further fields) and :func:`json_for_script` escapes the embedded JSON
so that no value can end the script tag or open a comment.
"""

from __future__ import annotations

import functools
import html
import itertools
import json
import math
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

import numpy as np
import pandas as pd
import torch

from .data import DataSplits
from .runs import ModelFactory, resolve_data, run
from .train import History, format_value

__all__ = [
    "DEFAULT_GRID",
    "Explorable",
    "ThresholdExplorable",
    "explore",
    "json_for_script",
    "render",
    "threshold_explorable",
    "threshold_table",
]

DEFAULT_GRID = {"lr": [1e-3, 1e-2, 1e-1], "dropout": [0.0, 0.2, 0.5], "batch_size": [32, 128]}

_FIELD = re.compile(r"\{\{(\w+)\}\}")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


@functools.cache
def asset(name: str) -> str:
    """The text of one file of ``dlbook/static/`` (a page fragment, stylesheet or script)."""
    return (files("dlbook") / "static" / name).read_text(encoding="utf-8")


def render(template: str, **fields: str) -> str:
    """Replace every ``{{name}}`` in ``template`` by ``fields[name]``, in a single pass.

    Values are inserted as they are (escape them for their context first); text inside a value that looks like
    a field is left alone, so a title such as ``"{{data}}"`` cannot pull other content into the page.
    """
    wanted = set(_FIELD.findall(template))
    if wanted != set(fields):
        raise ValueError(f"template fields {sorted(wanted)} and given fields {sorted(fields)} differ")
    return _FIELD.sub(lambda match: fields[match.group(1)], template)


def json_for_script(value: Any) -> str:
    """JSON for a ``<script type="application/json">`` element: ``<``, ``>`` and ``&`` become ``\\u003c`` …,
    so no string in it can close the script or start an HTML comment; NaN and infinities are refused."""
    text = json.dumps(value, allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda match: _JSON_ESCAPES[match.group(0)], text)


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


def explore(
    data: DataSplits | Callable[[], DataSplits] | None = None,
    model: ModelFactory | None = None,
    grid: dict[str, Sequence[Any]] | None = None,
    *,
    epochs: int = 15,
    optimizer: str = "adam",
    seed: int = 0,
    device: torch.device | str | None = None,
    title: str | None = None,
    **fixed: Any,
) -> Explorable:
    """Train every combination of ``grid`` with :func:`dlbook.runs.run` and return an :class:`Explorable`.

    This runs while the book is built, so keep grids small: the default 3 × 3 × 2 grid (lr, dropout,
    batch_size) is 18 runs of a digits MLP and takes a few seconds on a laptop CPU. Settings not in the grid
    come from ``fixed`` (e.g. ``weight_decay=1e-4``, ``width=128``) or the usual defaults (lr 1e-3,
    batch_size 64, no dropout or weight decay). Every run uses the same seed.
    """
    data = resolve_data(data)
    grid = _check_grid(DEFAULT_GRID if grid is None else grid)
    base = {
        "lr": 1e-3,
        "batch_size": 64,
        "weight_decay": 0.0,
        "dropout": 0.0,
        "optimizer": optimizer,
        "epochs": epochs,
        **fixed,
    }
    runs = []
    for combination in itertools.product(*grid.values()):
        settings = dict(zip(grid, combination, strict=True))
        history = run(data, model, seed=seed, device=device, **{**base, **settings})
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
                    raise ValueError(
                        f"runs: every settings dict needs a value from grid[{name!r}] = {values}, got {settings}"
                    )
        given = {tuple(self.grid[k].index(settings[k]) for k in self.grid) for settings, _ in self.runs}
        sizes = [range(len(values)) for values in self.grid.values()]
        missing = [index for index in itertools.product(*sizes) if index not in given]
        if missing:
            example = {k: values[i] for (k, values), i in zip(self.grid.items(), missing[0])}
            raise ValueError(
                f"runs must cover every combination of the grid (a slider would show no chart); "
                f"{len(missing)} missing, e.g. {example}"
            )

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
            axes.append(
                {
                    "name": name,
                    "labels": [format_value(v) for v in values],
                    "kind": "range" if numeric else "select",
                    "start": len(values) // 2,
                }
            )
        runs = []
        for settings, history in self.runs:
            run = {
                "key": ",".join(str(self.grid[k].index(settings[k])) for k in self.grid),
                "settings": {k: _json_value(v) for k, v in settings.items()},
                "stopped": history.stopped,
                "message": history.message,
                "epoch": history["epoch"],
            }
            for key in ("train_loss", "val_loss", "train_acc", "val_acc"):
                if key in history:
                    run[key] = [_json_number(v) for v in history[key]]
            runs.append(run)
        fixed = {k: _json_value(v) for k, v in self.fixed.items()}
        epochs = max(len(h) for _, h in self.runs)
        return {"title": self.title, "axes": axes, "runs": runs, "fixed": fixed, "epochs": epochs, **self._ranges()}

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
                control = (
                    f'<input type="range" id="{uid}-ctl-{i}" min="0" max="{len(axis["labels"]) - 1}" '
                    f'step="1" value="{axis["start"]}" data-param="{name}" aria-label="{name}">'
                    f'<output id="{uid}-out-{i}">{shown}</output>'
                )
            else:
                options = "".join(
                    f'<option value="{j}"{" selected" if j == axis["start"] else ""}>{html.escape(label)}</option>'
                    for j, label in enumerate(axis["labels"])
                )
                control = f'<select id="{uid}-ctl-{i}" data-param="{name}" aria-label="{name}">{options}</select>'
            parts.append(f'<label class="dlx-control"><span class="dlx-name">{name}</span>{control}</label>')
        return "".join(parts)

    def _repr_html_(self) -> str:
        uid = "dlx-" + uuid.uuid4().hex[:12]
        payload = self.payload()
        fixed = ", ".join(f"{k}={format_value(v)}" for k, v in self.fixed.items())
        return render(
            asset("explorable.html"),
            uid=uid,
            title=html.escape(self.title),
            fixed=html.escape(fixed),
            controls=self._controls_html(uid, payload["axes"]),
            data=json_for_script(payload),
            css=asset("explorable.css"),
            script=render(asset("explorable.js"), uid=uid),
        )


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
        rows.append(
            {
                "threshold": float(t),
                "TP": int(tp),
                "FN": int(fn),
                "FP": int(fp),
                "TN": int(tn),
                "accuracy": accuracy_score(y_true, pred),
                "precision": precision_score(y_true, pred, zero_division=np.nan),
                "recall": recall_score(y_true, pred, zero_division=np.nan),
                "F1": f1_score(y_true, pred, zero_division=np.nan),
            }
        )
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
            lines.append(
                f'<polyline class="thr-{column}" points="{points}" fill="none" stroke="{color}" '
                f'stroke-width="2"/><text x="{w_ - self.LEGEND + 8}" y="{m + 8 + 16 * i}" font-size="12" '
                f'fill="{color}">{column}</text>'
            )
        ticks = "".join(
            f'<text x="{self._x(v):.1f}" y="{h - m + 14}" font-size="10" text-anchor="middle">{v:g}'
            f'</text><text x="{m - 4}" y="{self._y(v) + 3:.1f}" font-size="10" text-anchor="end">{v:g}'
            f"</text>"
            for v in (0, 0.5, 1)
        )
        frame = (
            f'<rect x="{m}" y="{m}" width="{self._x(1) - m:.1f}" height="{h - 2 * m}" fill="none" '
            f'stroke="#999"/><text x="{self._x(0.5):.1f}" y="{h - 4}" font-size="11" text-anchor="middle">'
            f"threshold</text>{ticks}"
        )
        return (
            f'<svg width="{w_}" height="{h}" viewBox="0 0 {w_} {h}">{frame}{"".join(lines)}'
            f'<line class="marker" y1="{m}" y2="{h - m}" stroke="black" stroke-dasharray="4 3"/></svg>'
        )

    def _repr_html_(self) -> str:
        uid = "thr-" + uuid.uuid4().hex[:10]
        start = int((self.table.threshold - 0.5).abs().idxmin())
        rows = [{k: _json_value(v) for k, v in row.items()} for row in self.table.to_dict("records")]
        scale = self.WIDTH - self.LEGEND - 2 * self.MARGIN
        script = render(asset("threshold.js"), uid=uid, margin=str(self.MARGIN), scale=str(scale))
        return render(
            asset("threshold.html"),
            uid=uid,
            title=html.escape(self.title),
            n=str(len(self.table) - 1),
            start=str(start),
            svg=self._svg(),
            rows=json_for_script(rows),
            script=script,
        )


def threshold_explorable(
    y_true: Any, scores: Any, thresholds: Any = None, title: str = "Decision threshold"
) -> ThresholdExplorable:
    """:func:`threshold_table` + :class:`ThresholdExplorable` in one call."""
    return ThresholdExplorable(threshold_table(y_true, scores, thresholds), title)
