"""Experiment tracking: write a training run to TensorBoard from a :class:`~dlbook.train.Trainer` callback.

>>> logger = TensorBoardLogger("runs/lr=1e-3", hparams={"lr": 1e-3, "width": 64})
>>> history = Trainer(lr=1e-3, callbacks=[logger]).fit(model, data)
>>> logger.close()       # writes the hyperparameters with the final metrics (idempotent)

Then look at the runs with ``tensorboard --logdir runs`` (or ``%load_ext tensorboard`` and
``%tensorboard --logdir runs`` inside Jupyter). Every run gets its own folder under one parent folder, so
TensorBoard shows them side by side, and its HPARAMS tab lists one row per run.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from torch.utils.tensorboard import SummaryWriter

from .train import History

__all__ = ["TAGS", "TensorBoardLogger"]

# History key -> TensorBoard tag. The part before "/" becomes a section in TensorBoard's SCALARS tab, so
# train and val curves of the same metric sit next to each other. Keys not listed keep their own name.
TAGS = {
    "train_loss": "loss/train",
    "val_loss": "loss/val",
    "train_acc": "accuracy/train",
    "val_acc": "accuracy/val",
    "lr": "lr",
}
SKIPPED = ("epoch", "time")  # the epoch is the x axis; wall time per epoch is not a model metric


class TensorBoardLogger:
    """A Trainer callback that writes every metric of every epoch to ``log_dir`` as TensorBoard scalars.

    The step of each value is its epoch number. ``hparams`` (a dict of settings) are written once, when the
    run ends, together with the final value of every metric (``hparam/<key>``): TensorBoard's HPARAMS tab
    then compares runs by their settings. The run ends when the planned number of epochs is reached
    (``history.params["epochs"]``) or when :meth:`close` is called, e.g. after early stopping.
    The callback never stops training (it returns ``None``). Use one logger per run.
    """

    def __init__(self, log_dir: str | Path, hparams: dict[str, Any] | None = None) -> None:
        if not isinstance(log_dir, (str, Path)) or not str(log_dir):
            raise ValueError(f"log_dir must be a non-empty path, got {log_dir!r}")
        if hparams is not None and not isinstance(hparams, dict):
            raise ValueError(f"hparams must be a dict of settings or None, got {hparams!r}")
        self.log_dir = Path(log_dir)
        self.hparams = dict(hparams or {})
        self.writer = SummaryWriter(log_dir=str(self.log_dir))
        self.closed = False
        self._logged = 0  # epochs already written
        self._history: History | None = None

    def __call__(self, history: History) -> None:
        if self.closed:
            raise RuntimeError("this logger is closed; create a new TensorBoardLogger for each run")
        self._history = history
        for i in range(self._logged, len(history)):
            step = int(history["epoch"][i])
            for key in history.keys():
                if key not in SKIPPED:
                    self.writer.add_scalar(TAGS.get(key, key), history[key][i], global_step=step)
        self._logged = len(history)
        self.writer.flush()
        if len(history) >= history.params.get("epochs", math.inf):
            self.close()

    def close(self) -> None:
        """Write the hyperparameters and final metrics (if any) and close the files. Safe to call twice."""
        if self.closed:
            return
        self.closed = True
        if self.hparams and self._history is not None and len(self._history):
            final = {
                f"hparam/{key}": self._history[key][-1]
                for key in self._history.keys()
                if key not in SKIPPED and math.isfinite(self._history[key][-1])
            }
            # run_name="." keeps the hparams in this run's folder instead of a new timestamped subfolder.
            self.writer.add_hparams(_plain_hparams(self.hparams), final, run_name=".")
        self.writer.close()

    def __enter__(self) -> TensorBoardLogger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _plain_hparams(hparams: dict[str, Any]) -> dict[str, bool | int | float | str]:
    """TensorBoard accepts bool, int, float and str values; anything else is shown as its text."""
    return {key: value if isinstance(value, (bool, int, float, str)) else str(value) for key, value in hparams.items()}
