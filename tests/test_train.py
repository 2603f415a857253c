"""The Trainer and History: real training runs on small data."""

import math
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from dlbook import History, Trainer, set_seed
from dlbook import data as datasets
from dlbook.models import MLP
from dlbook.train import load_checkpoint, lr_find, save_checkpoint


def blobs(n=240, task="classification", seed=0):
    """Three well separated Gaussian blobs in 4-D (or a linear regression target)."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 3
    X = torch.randn(n, 4, generator=g) + 3.0 * nn.functional.one_hot(y, 4).float()
    if task == "regression":
        w = torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
        target = X @ w + 0.1 * torch.randn(n, 1, generator=g)
    elif task == "binary":
        target = (y == 0).float()
    else:
        target = y
    cut1, cut2 = int(0.6 * n), int(0.8 * n)
    return SimpleNamespace(
        train=(X[:cut1], target[:cut1]),
        val=(X[cut1:cut2], target[cut1:cut2]),
        test=(X[cut2:], target[cut2:]),
        task=task,
    )


def fit(data=None, out=3, seed=0, **kw):
    set_seed(seed)
    model = MLP(4, [16], out)
    kw = {"lr": 0.01, "epochs": 10, "device": "cpu", **kw}
    return model, Trainer(**kw).fit(model, data or blobs())


def test_training_reduces_loss_and_reaches_high_accuracy():
    _, h = fit(epochs=15)
    assert h["train_loss"][-1] < 0.5 * h["train_loss"][0]
    assert h["val_acc"][-1] > 0.9
    assert h.stopped is None
    assert len(h) == 15
    assert h["epoch"] == list(range(1, 16))
    assert set(h.keys()) >= {"train_loss", "val_loss", "train_acc", "val_acc", "lr", "time"}


def test_binary_and_regression_tasks_use_their_losses():
    _, hb = fit(blobs(task="binary"), out=1)
    assert hb["val_acc"][-1] > 0.9
    assert hb["train_loss"][-1] < hb["train_loss"][0]
    _, hr = fit(blobs(task="regression"), out=1, epochs=30, lr=0.03)
    assert "val_acc" not in hr
    assert hr["val_loss"][-1] < 0.2 * hr["val_loss"][0]


def test_same_seed_gives_identical_history_and_different_seed_does_not():
    m1, h1 = fit(seed=3)
    m2, h2 = fit(seed=3)
    _, h3 = fit(seed=4)
    assert h1["train_loss"] == h2["train_loss"]
    assert h1["val_loss"] == h2["val_loss"]
    assert all(torch.equal(a, b) for a, b in zip(m1.parameters(), m2.parameters()))
    assert h1["train_loss"] != h3["train_loss"]


def test_divergence_is_caught_and_reported():
    _, h = fit(lr=1e6, optimizer="sgd", epochs=20)
    assert h.stopped == "diverged"
    assert len(h) < 20
    assert "diverged" in h.message
    assert "smaller learning rate" in h.message
    last = h["train_loss"][-1]
    assert not math.isfinite(last) or last > 1e3


def test_early_stopping_restores_best_weights():
    data = blobs(n=90)
    set_seed(0)
    model = MLP(4, [256, 256], 3)
    trainer = Trainer(lr=0.01, epochs=200, early_stopping=3, device="cpu")
    h = trainer.fit(model, data)
    assert h.stopped == "early_stopping"
    assert len(h) < 200
    best = h.best_epoch
    assert h["val_loss"][best - 1] == min(h["val_loss"])
    assert len(h) - best == 3
    restored = trainer.evaluate(model, data, "val")["loss"]
    assert restored == pytest.approx(h["val_loss"][best - 1], rel=1e-5)


@pytest.mark.parametrize(
    "scheduler,kwargs,expected",
    [
        ("step", {"step_size": 3, "gamma": 0.5}, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]),
        ("exponential", {"gamma": 0.5}, [0.1 * 0.5**i for i in range(7)]),
    ],
)
def test_schedulers_change_lr_as_documented(scheduler, kwargs, expected):
    _, h = fit(lr=0.1, optimizer="sgd", epochs=7, scheduler=scheduler, scheduler_kwargs=kwargs)
    assert h["lr"] == pytest.approx(expected)


def test_cosine_schedule_and_linear_warmup():
    _, h = fit(lr=0.1, epochs=10, scheduler="cosine", warmup_epochs=2)
    assert h["lr"][:3] == pytest.approx([0.05, 0.1, 0.1])  # ramp, then the cosine starts from the full rate
    assert h["lr"][3] < 0.1
    assert all(a >= b for a, b in zip(h["lr"][2:], h["lr"][3:]))
    assert 0 < h["lr"][-1] < 0.01


def test_plateau_scheduler_reduces_lr_when_val_loss_stalls():
    _, h = fit(lr=0.5, optimizer="sgd", epochs=40, scheduler="plateau", scheduler_kwargs={"patience": 1, "factor": 0.5})
    assert min(h["lr"]) < 0.5


def test_l1_penalty_shrinks_weights():
    m0, _ = fit(epochs=20)
    m1, _ = fit(epochs=20, l1=0.01)
    norm = lambda m: sum(p.abs().sum().item() for n, p in m.named_parameters() if "weight" in n)  # noqa: E731
    assert norm(m1) < 0.7 * norm(m0)


def test_gradient_clipping_bounds_the_update():
    data = blobs()
    for clip in (None, 1e-3):
        set_seed(0)
        model = MLP(4, [16], 3)
        before = [p.detach().clone() for p in model.parameters()]
        Trainer(lr=1.0, optimizer="sgd", epochs=1, batch_size=1000, clip_grad=clip, device="cpu").fit(model, data)
        step = torch.sqrt(sum(((p - b) ** 2).sum() for p, b in zip(model.parameters(), before)))
        if clip is None:
            unclipped = step
        else:
            assert step.item() == pytest.approx(1e-3, rel=1e-3)
            assert unclipped > 10 * step


def test_divergence_in_the_first_epoch_is_caught():
    # lr so large that the first epoch's loss explodes even if later epochs would settle at a bad plateau
    _, h = fit(lr=1e4, optimizer="sgd", epochs=5)
    assert h.stopped == "diverged"
    assert len(h) == 1


def test_callbacks_see_the_epoch_that_ends_the_run():
    seen = []
    _, h = fit(lr=1e6, optimizer="sgd", epochs=20, callbacks=[lambda hist: seen.append(hist.stopped)])
    assert h.stopped == "diverged"
    assert seen[-1] == "diverged"
    assert len(seen) == len(h)


def test_unknown_scheduler_options_are_rejected():
    with pytest.raises(ValueError, match="scheduler_kwargs"):
        Trainer(scheduler="step", scheduler_kwargs={"step_sise": 3})


def test_callbacks_see_each_epoch_and_can_stop():
    seen = []
    _, h = fit(epochs=8, callbacks=[lambda hist: seen.append(len(hist))])
    assert seen == list(range(1, 9))
    _, h = fit(epochs=8, callbacks=[lambda hist: len(hist) >= 3])
    assert h.stopped == "interrupted"
    assert len(h) == 3


def test_keyboard_interrupt_keeps_partial_history():
    def interrupt(hist):
        if len(hist) == 4:
            raise KeyboardInterrupt

    _, h = fit(epochs=10, callbacks=[interrupt])
    assert h.stopped == "interrupted"
    assert len(h) == 4
    assert "partial" in h.message


def test_optimizer_by_name_class_and_callable():
    from dlbook import optim

    for opt in (
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "adam",
        "adamw",
        "nadam",
        "adadelta",
        torch.optim.Adam,
        optim.Adam,
    ):
        lr = 1.0 if opt == "adadelta" else 0.05
        _, h = fit(optimizer=opt, lr=lr, epochs=5)
        assert h["train_loss"][-1] < h["train_loss"][0], opt


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"batch_size": 0}, "batch_size"),
        ({"lr": -1.0}, "lr"),
        ({"lr": 0}, "lr"),
        ({"epochs": -1}, "epochs"),
        ({"optimizer": "adamz"}, "optimizer"),
        ({"weight_decay": -0.1}, "weight_decay"),
        ({"scheduler": "warp"}, "scheduler"),
        ({"early_stopping": 0}, "early_stopping"),
        ({"clip_grad": 0.0}, "clip_grad"),
        ({"loss": "hinge"}, "loss"),
        ({"warmup_epochs": 30}, "warmup_epochs"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Trainer(**kwargs)


def test_history_frame_label_and_checkpoint_round_trip(tmp_path):
    model, h = fit(epochs=3)
    frame = h.to_frame()
    assert list(frame.index) == [1, 2, 3]
    assert frame["val_loss"].tolist() == h["val_loss"]
    assert "lr=0.01" in h.label
    assert "optimizer=adam" in h.label
    path = save_checkpoint(tmp_path / "run.pt", model, history=h)
    fresh = MLP(4, [16], 3)
    loaded = load_checkpoint(path, fresh)
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), fresh.parameters()))
    assert isinstance(loaded, History)
    assert loaded["val_loss"] == h["val_loss"]


def test_lr_find_returns_rising_lrs_and_restores_weights():
    set_seed(0)
    model = MLP(4, [16], 3)
    before = [p.detach().clone() for p in model.parameters()]
    lrs, losses = lr_find(model, blobs(), steps=60, device="cpu")
    assert len(lrs) == len(losses) >= 10
    assert all(b > a for a, b in zip(lrs, lrs[1:]))
    assert losses.min() < losses[0]
    assert all(torch.equal(a, p) for a, p in zip(before, model.parameters()))


def test_diagnose_recognises_real_failure_modes():
    from dlbook.train import diagnose

    _, diverged = fit(lr=1e6, optimizer="sgd", epochs=10)
    assert diagnose(diverged)[0] == "diverged"
    _, stuck = fit(lr=1e-7, optimizer="sgd", epochs=6)
    assert diagnose(stuck)[0] == "stuck (no learning)"
    _, good = fit(epochs=15)
    assert diagnose(good)[0] == "good convergence"
    _, tiny = fit(epochs=2)
    assert diagnose(tiny)[0] == "too short to tell"


def test_label_noise_corrupts_only_training_labels_with_wrong_classes():
    import dlbook

    data = dlbook.data.digits()
    noisy = data.with_label_noise(0.3, seed=1)
    flipped = noisy.extras["flipped"]
    changed = noisy.train[1] != data.train[1]
    assert torch.equal(changed, flipped)  # every flipped label is really wrong, no other label changed
    assert 0.2 < flipped.float().mean().item() < 0.4
    assert torch.equal(noisy.val[1], data.val[1])
    assert torch.equal(noisy.test[1], data.test[1])
    with pytest.raises(ValueError, match="fraction"):
        data.with_label_noise(1.5)


# ----------------------------------------------------------------------------- shared helpers of this wave


def test_first_epoch_finds_the_first_epoch_past_a_threshold():
    h = History()
    for epoch, (loss, acc) in enumerate([(2.0, 0.3), (1.0, 0.8), (0.5, 0.95), (0.4, 0.9)], start=1):
        h.append(epoch=epoch, val_loss=loss, val_acc=acc)
    assert h.first_epoch("val_acc", 0.9) == 3
    assert h.first_epoch("val_loss", 1.0) == 2
    assert h.first_epoch("val_acc", 0.99) is None
    assert h.first_epoch("val_loss", 2.0, mode="max") == 1
    with pytest.raises(ValueError, match="mode"):
        h.first_epoch("val_acc", 0.9, mode="up")


def test_a_model_that_does_not_fit_the_data_is_refused_before_training():
    data = datasets.digits()
    with pytest.raises(ValueError, match="does not accept the inputs"):
        Trainer(epochs=1, device="cpu").fit(nn.Linear(10, 10), data)
    with pytest.raises(ValueError, match=r"one score per class, shape \(batch, 10\)"):
        Trainer(epochs=1, device="cpu").fit(nn.Linear(64, 3), data)
    with pytest.raises(ValueError, match="one logit per example"):
        Trainer(epochs=1, device="cpu").fit(nn.Linear(2, 2), datasets.moons())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_weighted_loss_moves_to_the_gpu_with_the_model():
    data = datasets.moons()
    loss = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))
    history = Trainer(epochs=1, loss=loss, device="cuda").fit(nn.Linear(2, 1), data)
    assert len(history) == 1


def test_early_stopping_restores_the_best_weights_after_a_divergence():
    set_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    # lr 0.05 for epoch 1, then x1000 per epoch: the run learns once, then blows up
    trainer = Trainer(
        lr=0.05,
        optimizer="sgd",
        epochs=10,
        early_stopping=5,
        scheduler="exponential",
        scheduler_kwargs={"gamma": 1000.0},
        device="cpu",
    )
    history = trainer.fit(model, datasets.digits())
    assert history.stopped == "diverged"
    assert history.best_epoch == 1
    assert "Restored the weights of epoch 1" in history.message
    assert all(torch.isfinite(p).all() for p in model.parameters())
