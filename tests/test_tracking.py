"""TensorBoardLogger: the event files it writes, read back with TensorBoard's own reader."""

import math
from types import SimpleNamespace

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2
from torch import nn

from dlbook import Trainer, set_seed
from dlbook.models import MLP
from dlbook.tracking import TAGS, TensorBoardLogger


def blobs(n=120, seed=0):
    """Three Gaussian blobs in 4-D, split 60/20/20."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 3
    X = torch.randn(n, 4, generator=g) + 3.0 * nn.functional.one_hot(y, 4).float()
    a, b = int(0.6 * n), int(0.8 * n)
    return SimpleNamespace(train=(X[:a], y[:a]), val=(X[a:b], y[a:b]), test=(X[b:], y[b:]), task="classification")


def run(log_dir, epochs=4, hparams=None, **kw):
    set_seed(0)
    logger = TensorBoardLogger(log_dir, hparams=hparams)
    trainer = Trainer(lr=0.01, epochs=epochs, device="cpu", callbacks=[logger], **kw)
    history = trainer.fit(MLP(4, [8], 3), blobs())
    return logger, history


def read(log_dir):
    events = EventAccumulator(str(log_dir))
    events.Reload()
    return events


def test_logged_scalars_equal_the_history(tmp_path):
    logger, history = run(tmp_path / "run", epochs=4)
    events = read(tmp_path / "run")
    for key in ("train_loss", "val_loss", "train_acc", "val_acc", "lr"):
        logged = events.Scalars(TAGS[key])
        assert [e.step for e in logged] == [int(e) for e in history["epoch"]] == [1, 2, 3, 4]
        # TensorBoard stores float32, so compare at float32 precision
        assert [e.value for e in logged] == pytest.approx(history[key], rel=1e-6, abs=1e-7)
    assert "time" not in events.Tags()["scalars"]
    assert "epoch" not in events.Tags()["scalars"]
    assert logger.closed  # the planned last epoch closes the logger


def test_hparams_are_written_with_the_final_metrics(tmp_path):
    _, history = run(
        tmp_path / "run", epochs=3, hparams={"lr": 0.01, "width": 8, "optimizer": "adam", "scheduler": None}
    )
    events = read(tmp_path / "run")
    content = events.PluginTagToContent("hparams")
    info = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"])
    hparams = info.session_start_info.hparams
    assert hparams["lr"].number_value == pytest.approx(0.01)
    assert hparams["width"].number_value == 8
    assert hparams["optimizer"].string_value == "adam"
    assert hparams["scheduler"].string_value == "None"  # not a TensorBoard type: written as text
    final = events.Scalars("hparam/val_loss")
    assert final[-1].value == pytest.approx(history["val_loss"][-1], rel=1e-6)


def test_close_after_early_stop_writes_hparams_and_is_idempotent(tmp_path):
    def stop_after_two(history):
        return len(history) == 2

    set_seed(0)
    logger = TensorBoardLogger(tmp_path / "run", hparams={"lr": 0.01})
    history = Trainer(lr=0.01, epochs=10, device="cpu", callbacks=[logger, stop_after_two]).fit(MLP(4, [8], 3), blobs())
    assert history.stopped == "interrupted"
    assert len(history) == 2
    assert not logger.closed  # the run ended before its planned 10 epochs
    logger.close()
    logger.close()
    events = read(tmp_path / "run")
    assert [e.step for e in events.Scalars("loss/val")] == [1, 2]
    assert "_hparams_/session_start_info" in events.PluginTagToContent("hparams")
    with pytest.raises(RuntimeError, match="closed"):
        logger(history)


def test_logger_never_stops_training_and_skips_nothing_when_called_late(tmp_path):
    """Called once after several epochs, it writes all epochs it has not written yet."""
    set_seed(0)
    _, history = run(tmp_path / "ref", epochs=3)
    with TensorBoardLogger(tmp_path / "late") as logger:
        assert logger(history) is None
    values = [e.value for e in read(tmp_path / "late").Scalars("loss/train")]
    assert values == pytest.approx(history["train_loss"], rel=1e-6)
    assert all(math.isfinite(v) for v in values)


@pytest.mark.parametrize("kwargs", [{"log_dir": ""}, {"log_dir": 3}, {"log_dir": "x", "hparams": [1]}])
def test_bad_arguments_raise_value_error(tmp_path, kwargs):
    with pytest.raises(ValueError, match="log_dir|hparams"):
        TensorBoardLogger(**kwargs)
