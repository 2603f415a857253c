"""The Trainer: one readable training loop with the features the book teaches, and the History it returns.

Reading order: ``History`` (what a run records), ``Trainer.__init__`` (the settings, checked up front),
``Trainer.fit`` (the loop), then the small helpers it calls, then ``lr_find`` and checkpoints.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from .checks import check_int, check_number
from .data import TASKS
from .device import get_device
from .optim import OPTIMIZERS, make_optimizer

STOP_REASONS = (None, "early_stopping", "diverged", "interrupted")
LOSSES: dict[str, Callable[[], nn.Module]] = {
    "cross_entropy": nn.CrossEntropyLoss,
    "bce": nn.BCEWithLogitsLoss,
    "mse": nn.MSELoss,
    "mae": nn.L1Loss,
    "huber": nn.HuberLoss,
}
DEFAULT_LOSS = {"classification": "cross_entropy", "binary": "bce", "regression": "mse"}
SCHEDULER_OPTIONS = {  # the scheduler_kwargs each named scheduler accepts
    "step": ("step_size", "gamma"),
    "exponential": ("gamma",),
    "cosine": ("T_max", "eta_min"),
    "plateau": ("factor", "patience", "min_lr"),
}
SCHEDULERS = tuple(SCHEDULER_OPTIONS)
DIVERGENCE_FACTOR = 1e4  # a training loss this many times the untrained model's also counts as diverged

Callback = Callable[["History"], Any]

if TYPE_CHECKING:
    import pandas as pd


class History:
    """What one training run recorded: one float per epoch for each metric, plus how the run ended.

    Index it like a dict (``history["val_loss"]``). Keys: ``epoch``, ``train_loss``, ``val_loss``, ``lr``,
    ``time`` (seconds per epoch) and, for classification, ``train_acc`` and ``val_acc``.
    ``train_loss``/``train_acc`` are running averages over the epoch's mini-batches (in train mode, so dropout is
    active and the weights change during the epoch, as in Keras); ``val_*`` are measured after the epoch in eval
    mode. For a clean training-set number use ``Trainer.evaluate(model, data, "train")``.
    ``stopped`` is ``None`` (ran all epochs), ``"early_stopping"``, ``"diverged"`` or ``"interrupted"``;
    ``message`` says why in words. ``params`` holds the settings of the run.
    """

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        self.data: dict[str, list[float]] = {}
        self.params: dict[str, Any] = dict(params or {})
        self.stopped: str | None = None
        self.message: str = ""
        self.device: str = ""
        self.best_epoch: int | None = None
        self.model: nn.Module | None = None  # set by dlbook.runs.run: the trained network (not saved)

    def append(self, **values: float) -> None:
        for key, value in values.items():
            self.data.setdefault(key, []).append(float(value))

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.data:
            raise KeyError(f"{key!r} is not in this history; it has {sorted(self.data)}")
        return self.data[key]

    def __contains__(self, key: object) -> bool:
        return key in self.data

    def keys(self) -> list[str]:
        return list(self.data)

    def __len__(self) -> int:
        return len(self.data.get("epoch", []))

    @property
    def label(self) -> str:
        """Short description of the run's settings, used as a plot legend."""
        shown = ("optimizer", "lr", "batch_size", "dropout", "weight_decay")
        parts = [f"{k}={format_value(self.params[k])}" for k in shown if k in self.params]
        return " ".join(parts) or "run"

    def final(self, key: str) -> float:
        """Last recorded value of ``key``."""
        return self[key][-1]

    def first_epoch(self, key: str, threshold: float, mode: str | None = None) -> int | None:
        """The first epoch at which ``key`` reached ``threshold``, or ``None`` if it never did.

        ``mode="max"`` means "at least" (the default for accuracies), ``"min"`` means "at most" (for losses).
        """
        mode = mode or ("max" if key.endswith("acc") else "min")
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min', 'max' or None, got {mode!r}")
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not math.isfinite(threshold):
            raise TypeError(f"threshold must be a finite number, got {threshold!r}")
        for epoch, value in zip(self["epoch"], self[key]):
            if (value >= threshold) if mode == "max" else (value <= threshold):
                return int(epoch)
        return None

    @property
    def total_time(self) -> float:
        return float(sum(self.data.get("time", [])))

    def to_frame(self) -> pd.DataFrame:
        """The per-epoch records as a pandas DataFrame indexed by epoch."""
        import pandas as pd

        frame = pd.DataFrame(self.data)
        return frame.set_index("epoch") if "epoch" in frame else frame

    def to_dict(self) -> dict[str, Any]:
        """Plain Python types only (safe for ``torch.load(weights_only=True)`` and JSON)."""
        return {
            "data": self.data,
            "params": {k: plain_value(v) for k, v in self.params.items()},
            "stopped": self.stopped,
            "message": self.message,
            "device": self.device,
            "best_epoch": self.best_epoch,
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> History:
        history = cls(state.get("params"))
        history.data = {k: list(v) for k, v in state["data"].items()}
        history.stopped, history.message = state.get("stopped"), state.get("message", "")
        history.device, history.best_epoch = state.get("device", ""), state.get("best_epoch")
        return history

    def __repr__(self) -> str:
        end = f", stopped={self.stopped!r}" if self.stopped else ""
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.data.items() if k not in ("epoch", "time") and v)
        return f"History({len(self)} epochs{end}; {last})"


def format_value(value: Any) -> str:
    """A setting as the book prints it in labels and tables: ``0.001``, ``1e-05``, ``adam``, ``none``."""
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def plain_value(value: Any) -> Any:
    """A setting as ``History.params`` stores it: numbers, strings and None as they are, lists element-wise, a
    function or class by its name, anything else (a loss module …) by a short repr or its type's name."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain_value(v) for v in value]
    name = getattr(value, "__name__", None)
    if name:
        return name
    text = repr(value)
    return text if len(text) <= 40 and "\n" not in text else type(value).__name__


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


class Trainer:
    """Train a model on a :class:`dlbook.data.DataSplits` and return a :class:`History`.

    Settings use the book's names: ``lr``, ``optimizer`` (a name from ``TORCH_OPTIMIZERS``, an optimizer class
    such as ``dlbook.optim.Adam``, or a callable ``(params, lr=..., weight_decay=...) -> Optimizer``),
    ``batch_size``, ``epochs``, ``weight_decay``. Extras: ``l1``/``l2`` penalties added to the loss (elastic net
    uses both), ``scheduler`` (``"step"``, ``"exponential"``, ``"cosine"``, ``"plateau"`` or a callable
    ``optimizer -> scheduler``) with ``scheduler_kwargs``, ``warmup_epochs`` (linear warm-up), ``clip_grad``
    (max gradient norm), ``early_stopping`` (patience in epochs; the best weights are restored), ``callbacks``
    (called as ``callback(history)`` after every epoch; returning ``True`` stops the run as "interrupted"),
    ``progress`` (a tqdm bar), ``loss`` (a name from ``LOSSES`` or a module; default chosen from the task),
    ``generator`` (a CPU ``torch.Generator`` that orders the batches; default: torch's global generator, which
    ``dlbook.set_seed`` seeds).
    """

    def __init__(
        self,
        lr: float = 1e-3,
        optimizer: str | Callable[..., torch.optim.Optimizer] = "adam",
        batch_size: int = 64,
        epochs: int = 20,
        weight_decay: float = 0.0,
        *,
        optimizer_kwargs: dict[str, Any] | None = None,
        loss: str | nn.Module | None = None,
        l1: float = 0.0,
        l2: float = 0.0,
        scheduler: str | Callable[..., Any] | None = None,
        scheduler_kwargs: dict[str, Any] | None = None,
        warmup_epochs: int = 0,
        clip_grad: float | None = None,
        early_stopping: int | None = None,
        min_delta: float = 0.0,
        callbacks: Iterable[Callback] = (),
        progress: bool = False,
        device: torch.device | str | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        check_number("lr", lr, minimum=0, open_min=True)
        check_int("batch_size", batch_size, minimum=1)
        check_int("epochs", epochs, minimum=1)
        for name, value in (("weight_decay", weight_decay), ("l1", l1), ("l2", l2), ("min_delta", min_delta)):
            check_number(name, value, minimum=0)
        if isinstance(optimizer, str):
            _check(
                optimizer in OPTIMIZERS,
                f"optimizer must be one of {sorted(OPTIMIZERS)} or an optimizer class, got {optimizer!r}",
            )
        else:
            _check(callable(optimizer), f"optimizer must be a name or a callable, got {optimizer!r}")
        if isinstance(loss, str):
            _check(loss in LOSSES, f"loss must be one of {sorted(LOSSES)} or a module, got {loss!r}")
        if isinstance(scheduler, str):
            _check(scheduler in SCHEDULERS, f"scheduler must be one of {SCHEDULERS} or None, got {scheduler!r}")
            unknown = set(scheduler_kwargs or {}) - set(SCHEDULER_OPTIONS[scheduler])
            _check(
                not unknown,
                f"scheduler_kwargs for {scheduler!r} may only contain "
                f"{SCHEDULER_OPTIONS[scheduler]}, got {sorted(unknown)}",
            )
        check_int("warmup_epochs", warmup_epochs, minimum=0, maximum=epochs - 1)
        if clip_grad is not None:
            check_number("clip_grad", clip_grad, minimum=0, open_min=True)
        _check(
            early_stopping is None or (isinstance(early_stopping, int) and early_stopping >= 1),
            f"early_stopping must be a patience >= 1 (epochs) or None, got {early_stopping!r}",
        )
        self.lr, self.optimizer, self.batch_size, self.epochs = float(lr), optimizer, batch_size, epochs
        self.weight_decay, self.l1, self.l2 = float(weight_decay), float(l1), float(l2)
        self.optimizer_kwargs = dict(optimizer_kwargs or {})
        self.loss, self.scheduler, self.scheduler_kwargs = loss, scheduler, dict(scheduler_kwargs or {})
        self.warmup_epochs, self.clip_grad = warmup_epochs, clip_grad
        self.early_stopping, self.min_delta = early_stopping, float(min_delta)
        _check(
            generator is None or (isinstance(generator, torch.Generator) and generator.device.type == "cpu"),
            f"generator must be a CPU torch.Generator or None, got {generator!r}",
        )
        self.callbacks, self.progress, self.generator = list(callbacks), progress, generator
        self.device = torch.device(device) if device is not None else get_device()

    # ------------------------------------------------------------------ the loop
    def fit(self, model: nn.Module, data: Any, *, epochs: int | None = None) -> History:
        """Train ``model`` on ``data.train``, validating on ``data.val`` after every epoch."""
        epochs = self.epochs if epochs is None else epochs
        check_int("epochs", epochs, minimum=1)
        task = getattr(data, "task", None)
        _check(task in TASKS, f"data.task must be one of {TASKS}, got {task!r}")
        model.to(self.device)
        X, y = (t.to(self.device) for t in data.train)
        X_val, y_val = (t.to(self.device) for t in data.val)
        loss_fn = self._loss_fn(task).to(self.device)  # a loss with weight=/pos_weight= tensors must move too
        _check_fits(model, X, y, data, task)
        optimizer = self.make_optimizer(model)
        scheduler = self.make_scheduler(optimizer, epochs)
        history = History(self._params(model, epochs))
        history.device = str(self.device)
        best = (math.inf, None)  # (val_loss, state_dict copy) for early stopping
        waited = 0
        reference = evaluate(model, X_val, y_val, loss_fn, task)[0]  # the untrained model's loss
        bar = self._progress_bar(epochs)
        try:
            for epoch in range(1, epochs + 1):
                start = time.perf_counter()
                lr = self.warmup(optimizer, epoch)
                train_loss, train_acc = self._train_epoch(model, X, y, loss_fn, optimizer, task)
                val_loss, val_acc = evaluate(model, X_val, y_val, loss_fn, task)
                record = {"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss, "lr": lr}
                if train_acc is not None:
                    record.update(train_acc=train_acc, val_acc=val_acc)
                record["time"] = time.perf_counter() - start
                history.append(**record)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{train_loss:.4f}", val_loss=f"{val_loss:.4f}")
                if self._diverged(train_loss, val_loss, reference):
                    history.stopped = "diverged"
                    history.message = (
                        f"Training diverged at epoch {epoch}: the training loss became "
                        f"{train_loss:.4g}. Try a smaller learning rate (lr={self.lr:g})."
                    )
                    if self.early_stopping and best[1] is not None:
                        history.message += f" Restored the weights of epoch {history.best_epoch}."
                else:
                    if val_loss < best[0] - self.min_delta:
                        best = (val_loss, self._snapshot(model) if self.early_stopping else None)
                        history.best_epoch, waited = epoch, 0
                    else:
                        waited += 1
                    self.step_scheduler(scheduler, epoch, val_loss)
                    if self.early_stopping and waited >= self.early_stopping:
                        history.stopped = "early_stopping"
                        history.message = (
                            f"Early stopping after epoch {epoch}: no improvement in val_loss "
                            f"for {waited} epochs; restored the weights of epoch "
                            f"{history.best_epoch}."
                        )
                # callbacks see every epoch, including the one that ends the run (history.stopped is set)
                wants_stop = [callback(history) is True for callback in self.callbacks]
                if history.stopped:
                    break
                if any(wants_stop):
                    history.stopped = "interrupted"
                    history.message = f"Stopped by a callback after epoch {epoch}."
                    break
        except KeyboardInterrupt:
            history.stopped = "interrupted"
            history.message = f"Interrupted after {len(history)} complete epochs; the partial history is kept."
        finally:
            if bar is not None:
                bar.close()
        # With early stopping the best weights come back, after a divergence too (never the NaN weights);
        # without it the model keeps the weights of its last epoch, whatever they are.
        if self.early_stopping and best[1] is not None:
            model.load_state_dict(best[1])
        return history

    def _train_epoch(
        self,
        model: nn.Module,
        X: torch.Tensor,
        y: torch.Tensor,
        loss_fn: nn.Module,
        optimizer: torch.optim.Optimizer,
        task: str,
    ) -> tuple[float, float | None]:
        """One pass over the training set in shuffled mini-batches; metrics stay on the device until the end."""
        model.train()
        n = X.shape[0]
        if self.generator is None:
            order = torch.randperm(n, device=X.device)
        else:
            order = torch.randperm(n, generator=self.generator).to(X.device)
        loss_sum = torch.zeros((), device=X.device)
        correct = torch.zeros((), device=X.device, dtype=torch.long)
        penalized = bool(self.l1 or self.l2)
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            xb, yb = X[idx], y[idx]
            out = _match(model(xb), yb)
            loss = loss_fn(out, yb)
            optimizer.zero_grad(set_to_none=True)
            (loss + self._penalty(model) if penalized else loss).backward()
            if self.clip_grad is not None:
                nn.utils.clip_grad_norm_(model.parameters(), self.clip_grad)
            optimizer.step()
            loss_sum.add_(loss.detach(), alpha=len(idx))
            if task != "regression":
                correct += _n_correct(out.detach(), yb, task)
        train_acc = correct.item() / n if task != "regression" else None
        return loss_sum.item() / n, train_acc

    # ------------------------------------------------------------------ helpers of the loop
    def _penalty(self, model: nn.Module) -> torch.Tensor | float:
        """L1 and/or L2 penalty on the weights (not biases or norm parameters): l1*Σ|w| + l2*Σw²."""
        if not (self.l1 or self.l2):
            return 0.0
        weights = [p for name, p in model.named_parameters() if p.ndim > 1 and "weight" in name]
        total = 0.0
        if self.l1:
            total = total + self.l1 * sum(w.abs().sum() for w in weights)
        if self.l2:
            total = total + self.l2 * sum(w.pow(2).sum() for w in weights)
        return total

    def _loss_fn(self, task: str) -> nn.Module:
        if isinstance(self.loss, nn.Module):
            return self.loss
        if callable(self.loss) and not isinstance(self.loss, str):
            return self.loss
        return LOSSES[self.loss or DEFAULT_LOSS[task]]()

    def make_optimizer(self, model: nn.Module) -> torch.optim.Optimizer:
        """The optimizer these settings describe, over ``model``'s parameters."""
        return make_optimizer(
            self.optimizer, model.parameters(), self.lr, self.weight_decay, from_scratch=False, **self.optimizer_kwargs
        )

    def make_scheduler(self, optimizer: torch.optim.Optimizer, epochs: int) -> Any:
        """The learning-rate scheduler these settings describe (``None`` without one)."""
        kw = self.scheduler_kwargs
        if self.scheduler is None:
            return None
        if callable(self.scheduler):
            return self.scheduler(optimizer)
        sched = torch.optim.lr_scheduler
        if self.scheduler == "step":
            return sched.StepLR(optimizer, step_size=kw.get("step_size", 10), gamma=kw.get("gamma", 0.1))
        if self.scheduler == "exponential":
            return sched.ExponentialLR(optimizer, gamma=kw.get("gamma", 0.9))
        if self.scheduler == "cosine":
            t_max = kw.get("T_max", max(1, epochs - self.warmup_epochs))
            return sched.CosineAnnealingLR(optimizer, T_max=t_max, eta_min=kw.get("eta_min", 0.0))
        return sched.ReduceLROnPlateau(
            optimizer,
            mode="min",
            factor=kw.get("factor", 0.5),
            patience=kw.get("patience", 3),
            min_lr=kw.get("min_lr", 0.0),
        )

    def warmup(self, optimizer: torch.optim.Optimizer, epoch: int) -> float:
        """Linear warm-up: during the first ``warmup_epochs`` epochs lr grows from lr/W to lr."""
        if epoch <= self.warmup_epochs:
            for group in optimizer.param_groups:
                group["lr"] = self.lr * epoch / self.warmup_epochs
        return optimizer.param_groups[0]["lr"]

    def step_scheduler(self, scheduler: Any, epoch: int, val_loss: float) -> None:
        """Advance the schedule after ``epoch`` (plateau schedulers read ``val_loss``); idle during warm-up."""
        if scheduler is None or epoch <= self.warmup_epochs:
            return  # the schedule starts after warm-up, from the full learning rate
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(val_loss)
        else:
            scheduler.step()

    @staticmethod
    def _diverged(train_loss: float, val_loss: float, reference: float) -> bool:
        """Non-finite losses, or a training loss far above the untrained model's, mean the run diverged."""
        if not (math.isfinite(train_loss) and math.isfinite(val_loss)):
            return True
        return train_loss > DIVERGENCE_FACTOR * max(reference, 1e-3) if math.isfinite(reference) else False

    @staticmethod
    def _snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in model.state_dict().items()}

    def _params(self, model: nn.Module, epochs: int) -> dict[str, Any]:
        name = self.optimizer if isinstance(self.optimizer, str) else getattr(self.optimizer, "__name__", "custom")
        params = {
            "optimizer": name,
            "lr": self.lr,
            "batch_size": self.batch_size,
            "epochs": epochs,
            "weight_decay": self.weight_decay,
        }
        dropouts = [m.p for m in model.modules() if isinstance(m, nn.Dropout)]
        params["dropout"] = max(dropouts, default=0.0)
        for key in ("l1", "l2", "scheduler", "warmup_epochs", "clip_grad", "early_stopping"):
            value = getattr(self, key)
            if value:
                params[key] = value if isinstance(value, (str, int, float)) else plain_value(value)
        return params

    def _progress_bar(self, epochs: int) -> Any:
        if not self.progress:
            return None
        from tqdm.auto import tqdm

        return tqdm(total=epochs, desc="epochs", leave=False)

    # ------------------------------------------------------------------ after training
    def evaluate(self, model: nn.Module, data: Any, split: str = "test") -> dict[str, float]:
        """Loss (and accuracy for classification) of ``model`` on one split of ``data``."""
        _check(split in ("train", "val", "test"), f"split must be 'train', 'val' or 'test', got {split!r}")
        X, y = (t.to(self.device) for t in getattr(data, split))
        model.to(self.device)
        loss, acc = evaluate(model, X, y, self._loss_fn(data.task), data.task)
        return {"loss": loss, "acc": acc} if acc is not None else {"loss": loss}

    def predict(self, model: nn.Module, X: torch.Tensor) -> torch.Tensor:
        """Model outputs for ``X`` (eval mode, no gradients), returned on the CPU."""
        return predict(model, X, self.device)


def _check_fits(model: nn.Module, X: torch.Tensor, y: torch.Tensor, data: Any, task: str) -> None:
    """Run two training examples through ``model`` (eval mode, no gradients) and check that its outputs match the
    targets, so that a mismatch is a clear ValueError before training rather than a shape error inside torch."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(X[:2])
    except (RuntimeError, ValueError, IndexError, TypeError) as error:
        raise ValueError(
            f"model does not accept the inputs of data.train (shape {tuple(X.shape[1:])} per example): {error}"
        ) from None
    finally:
        model.train(was_training)
    if not isinstance(out, torch.Tensor):
        raise ValueError(f"model must return a tensor, got {type(out).__name__}")
    out, yb = _match(out, y[:2]), y[:2]
    if task == "classification":
        n_classes = getattr(data, "n_classes", None) or int(y.max()) + 1
        if out.ndim != 2 or out.shape[1] != n_classes:
            raise ValueError(
                f"model must output one score per class, shape (batch, {n_classes}), for this "
                f"classification data; it outputs shape {tuple(out.shape)}"
            )
    elif out.shape != yb.shape:
        kind = "one logit per example" if task == "binary" else "one value per target"
        raise ValueError(
            f"model must output {kind}, shape {tuple(yb.shape)} for two examples; it outputs shape {tuple(out.shape)}"
        )


def _match(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Squeeze a ``(N, 1)`` output to ``(N,)`` when the targets are ``(N,)`` (binary classification)."""
    if out.ndim == 2 and out.shape[1] == 1 and y.ndim == 1:
        return out.squeeze(1)
    return out


def _n_correct(out: torch.Tensor, y: torch.Tensor, task: str) -> torch.Tensor:
    if task == "binary":
        return ((out > 0) == (y > 0.5)).sum()
    return (out.argmax(dim=1) == y).sum()


@torch.no_grad()
def evaluate(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn: nn.Module, task: str, chunk: int = 8192
) -> tuple[float, float | None]:
    """Mean loss and accuracy (``None`` for regression) of ``model`` on ``(X, y)`` in eval mode."""
    was_training = model.training
    model.eval()
    loss_sum = torch.zeros((), device=X.device)
    correct = torch.zeros((), device=X.device, dtype=torch.long)
    for start in range(0, X.shape[0], chunk):
        xb, yb = X[start : start + chunk], y[start : start + chunk]
        out = _match(model(xb), yb)
        loss_sum += loss_fn(out, yb) * xb.shape[0]
        if task != "regression":
            correct += _n_correct(out, yb, task)
    model.train(was_training)
    n = X.shape[0]
    return loss_sum.item() / n, (correct.item() / n if task != "regression" else None)


@torch.no_grad()
def predict(model: nn.Module, X: torch.Tensor, device: torch.device | str | None = None) -> torch.Tensor:
    """Outputs of ``model`` for ``X`` in eval mode, on the CPU."""
    device = torch.device(device) if device is not None else next(model.parameters()).device
    was_training = model.training
    model.eval().to(device)
    out = model(X.to(device)).cpu()
    model.train(was_training)
    return out


def lr_find(
    model: nn.Module,
    data: Any,
    *,
    start_lr: float = 1e-6,
    end_lr: float = 10.0,
    steps: int = 100,
    batch_size: int = 64,
    optimizer: str = "sgd",
    device: torch.device | str | None = None,
    smooth: float = 0.05,
    stop_factor: float = 4.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Learning-rate range test (Smith, 2017): raise lr exponentially each mini-batch and record the loss.

    Returns ``(lrs, losses)`` (losses smoothed exponentially). Stops early once the loss exceeds
    ``stop_factor`` times the best loss seen. The model's weights are restored afterwards.
    """
    _check(0 < start_lr < end_lr, f"start_lr and end_lr must satisfy 0 < start_lr < end_lr, got {start_lr}, {end_lr}")
    _check(isinstance(steps, int) and steps >= 2, f"steps must be an integer >= 2, got {steps!r}")
    _check(0 <= smooth < 1, f"smooth must be in [0, 1), got {smooth}")
    trainer = Trainer(lr=start_lr, optimizer=optimizer, batch_size=batch_size, device=device)
    saved = copy.deepcopy(model.state_dict())
    model.to(trainer.device).train()
    X, y = (t.to(trainer.device) for t in data.train)
    loss_fn, opt = trainer._loss_fn(data.task), trainer.make_optimizer(model)
    factor = (end_lr / start_lr) ** (1 / (steps - 1))
    lrs, losses, avg, best = [], [], 0.0, math.inf
    for step in range(steps):
        lr = start_lr * factor**step
        for group in opt.param_groups:
            group["lr"] = lr
        idx = torch.randint(0, X.shape[0], (batch_size,), device=X.device)
        out = _match(model(X[idx]), y[idx])
        loss = loss_fn(out, y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        value = loss.item()
        avg = value if step == 0 else smooth * value + (1 - smooth) * avg
        if not math.isfinite(avg):
            break
        lrs.append(lr)
        losses.append(avg)
        best = min(best, avg)
        if avg > stop_factor * best:
            break
    model.load_state_dict(saved)
    return np.array(lrs), np.array(losses)


def diagnose(history: History, good_acc: float = 0.9, max_gap: float = 0.05) -> tuple[str, str]:
    """Read a finished run's curves like a practitioner: returns ``(diagnosis, suggested fix)``.

    The rules, in order: diverged; stopped early; training loss oscillating (a rise of more than 10 % of the
    total progress); stuck (training loss within 5 % of its start); still improving in the last quarter of the
    epochs (slow); validation loss 20 % above its minimum, reached early (overfitting); training accuracy below
    ``good_acc`` (underfitting); train–validation accuracy gap above ``max_gap`` (overfitting); otherwise good.
    """
    if history.stopped == "diverged":
        return "diverged", "lower the learning rate (÷10)"
    if history.stopped == "early_stopping":
        return "stopped early", f"best weights (epoch {history.best_epoch}) restored"
    if len(history) < 3:
        return "too short to tell", "train for more epochs"
    train, val = np.array(history["train_loss"]), np.array(history["val_loss"])
    progress = train[0] - train.min()
    if progress > 0 and np.diff(train[1:]).max(initial=0.0) > 0.1 * progress:
        return "no convergence (oscillating)", "lower the learning rate (÷10)"
    if train[-1] > 0.95 * train[0]:
        return "stuck (no learning)", "check the initialization; raise the learning rate"
    last = max(2, (len(train) - 1) // 4)
    recent_share = (train[-1 - last] - train[-1]) / (train[0] - train[-1])
    train_acc = history["train_acc"][-1] if "train_acc" in history else None
    if recent_share > 0.15 and (train_acc is None or train_acc < good_acc):
        return "slow convergence (still improving)", "raise the learning rate, try Adam, or train longer"
    best = int(np.argmin(val)) + 1
    if val[-1] > 1.2 * val.min() and best < 0.75 * len(val):
        return "overfitting (val loss rising)", "early stopping, regularization, more data"
    if train_acc is not None and train_acc < good_acc:
        return "underfitting (converged low)", "more capacity, better features, train longer"
    if train_acc is not None and train_acc - history["val_acc"][-1] > max_gap:
        return "overfitting (large gap)", "regularization or more data"
    return "good convergence", "done: save the model"


def save_checkpoint(
    path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None, history: History | None = None
) -> Path:
    """Save model (and optionally optimizer and history) to ``path`` with ``torch.save``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state: dict[str, Any] = {"model": model.state_dict()}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    if history is not None:
        state["history"] = history.to_dict()
    torch.save(state, path)
    return path


def load_checkpoint(
    path: str | Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    map_location: str | torch.device | None = "cpu",
) -> History | None:
    """Load a checkpoint written by :func:`save_checkpoint` (``weights_only=True``: no arbitrary code runs).

    Restores the model (and optimizer if given) in place and returns the saved History, if any.
    """
    state = torch.load(Path(path), map_location=map_location, weights_only=True)
    model.load_state_dict(state["model"])
    if optimizer is not None and "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    return History.from_dict(state["history"]) if "history" in state else None
