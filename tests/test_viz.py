"""dlbook.viz: every plot draws what it claims, checked on the artists of the returned figure."""

from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from sklearn.metrics import confusion_matrix
from torch import nn

from dlbook import History, Trainer, set_seed, viz
from dlbook.models import MLP, TinyTransformer, XORNet
from dlbook.optim import rosenbrock, trace


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def tiny_data(n=48, task="classification", seed=0):
    """A DataSplits stand-in: three blobs in 2-D (random labels with ``noise=True``)."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 3
    X = torch.randn(n, 2, generator=g) + 3.0 * torch.stack([y == 1, y == 2], dim=1).float()
    split = (X[: n // 2], y[: n // 2]), (X[n // 2 :], y[n // 2 :])
    return SimpleNamespace(train=split[0], val=split[1], test=split[1], task=task)


def run(epochs=5, **kw):
    set_seed(0)
    model = MLP(2, [8], 3)
    history = Trainer(**{"lr": 0.05, "batch_size": 16, "device": "cpu", **kw}).fit(model, tiny_data(), epochs=epochs)
    return model, history


def make_history(train_loss, val_loss, stopped=None, best_epoch=None, **params):
    history = History(params)
    for epoch, (t, v) in enumerate(zip(train_loss, val_loss, strict=True), start=1):
        history.append(epoch=epoch, train_loss=t, val_loss=v)
    history.stopped, history.best_epoch = stopped, best_epoch
    return history


def curves(ax):
    """The data lines of an axis (not axhline/axvline, which have only two points at fixed positions)."""
    return [line for line in ax.lines if len(line.get_xdata()) > 2]


def red_markers(ax):
    return [c for c in ax.collections if np.allclose(c.get_facecolor()[0][:3], (1, 0, 0))]


# ------------------------------------------------------------------ training curves
def test_plot_history_shows_train_and_val_per_metric_and_marks_best_epoch():
    _, history = run(epochs=5)
    fig = viz.plot_history(history)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2
    for ax, metric in zip(fig.axes, ("loss", "acc"), strict=True):
        train, val = ax.lines[:2]
        assert train.get_linestyle() == "-"
        assert val.get_linestyle() == "--"
        assert list(train.get_ydata()) == history[f"train_{metric}"]
        assert list(val.get_ydata()) == history[f"val_{metric}"]
        (best,) = ax.collections
        epoch = history.best_epoch
        assert best.get_offsets()[0].tolist() == [epoch, history[f"val_{metric}"][epoch - 1]]
    assert history.label in fig._suptitle.get_text()


def test_plot_history_skips_metrics_the_run_did_not_record():
    history = make_history([1.0, 0.5, 0.4], [1.1, 0.6, 0.7])
    assert len(viz.plot_history(history).axes) == 1
    with pytest.raises(ValueError, match="metrics"):
        viz.plot_history(history, metrics=("acc",))


def test_plot_history_marks_divergence_in_red_and_early_stopping_restore():
    diverged = make_history([1.0, 30.0, float("inf")], [1.0, 40.0, float("nan")], stopped="diverged")
    ax = viz.plot_history(diverged).axes[0]
    (marker,) = red_markers(ax)
    assert marker.get_offsets()[0].tolist() == [3, 30.0]  # last epoch, at the top of the finite curve
    assert any(text.get_text() == "diverged" for text in ax.texts)
    assert ax.get_yscale() == "log"

    stopped = make_history(
        [1.0, 0.5, 0.4, 0.3, 0.2], [1.0, 0.6, 0.5, 0.55, 0.6], stopped="early_stopping", best_epoch=3
    )
    ax = viz.plot_history(stopped).axes[0]
    vertical = [line for line in ax.lines if line.get_linestyle() == ":"]
    assert len(vertical) == 1
    assert list(vertical[0].get_xdata()) == [3, 3]
    assert "restored" in vertical[0].get_label()


def test_plot_histories_one_line_per_run_per_metric_and_red_cross_for_diverged_runs():
    good = make_history([1.0, 0.5, 0.3], [1.1, 0.6, 0.4], optimizer="sgd", lr=0.01)
    slow = make_history([1.0, 0.9, 0.8], [1.0, 0.95, 0.9], optimizer="sgd", lr=0.001)
    bad = make_history([1.0, 50.0], [1.0, 80.0], stopped="diverged", optimizer="sgd", lr=10.0)
    fig = viz.plot_histories([good, slow, bad])
    (ax,) = fig.axes
    assert len(ax.lines) == 3
    assert [line.get_color() for line in ax.lines] == ["C0", "C1", "C2"]
    # labels keep only the setting that differs (all runs used sgd)
    assert [t.get_text() for t in ax.get_legend().get_texts()][:3] == ["lr=0.01", "lr=0.001", "lr=10"]
    assert ax.get_yscale() == "log"  # a diverged run would flatten the others on a linear scale
    (cross,) = red_markers(ax)
    assert cross.get_offsets()[0].tolist() == [2, 80.0]

    fig = viz.plot_histories([good, slow], metric=["val_loss", "train_loss"], labels=["a", "b"])
    assert len(fig.axes) == 2
    assert all(len(a.lines) == 2 for a in fig.axes)
    both = viz.plot_histories([good, slow], metric="loss").axes[0]
    assert sorted(line.get_linestyle() for line in both.lines) == ["-", "-", "--", "--"]
    with pytest.raises(ValueError, match="metric"):
        viz.plot_histories([good], metric="val_f1")


def test_live_plot_keeps_one_figure_and_updates_it_in_place(monkeypatch):
    live = viz.LivePlot()
    _, history = run(epochs=3, callbacks=[live])
    assert len(history) == 3
    assert history.stopped is None  # the callback does not stop training
    assert live.fig is not None
    assert len(live.fig.axes) == 2
    assert len(live.fig.axes[0].lines[0].get_xdata()) == 3
    assert live.fig.number not in plt.get_fignums()  # closed: only the display output shows it

    shown, updates = [], []
    handle = SimpleNamespace(update=updates.append)
    monkeypatch.setattr(viz, "_in_notebook", lambda: True)
    monkeypatch.setattr("IPython.display.display", lambda fig, display_id: shown.append(fig) or handle)
    live = viz.LivePlot(every=2)
    _, history = run(epochs=5, callbacks=[live])
    assert shown == [live.fig]
    assert updates == [live.fig, live.fig]  # after epochs 2, 4 and 5 (the last)
    assert len(live.fig.axes[0].lines[0].get_xdata()) == 5


# ------------------------------------------------------------------ learning rates
def test_lr_schedule_matches_what_the_trainer_records():
    expected = [0.1] * 10 + [0.01] * 10 + [0.001] * 10
    assert viz.lr_schedule("step", 30, lr=0.1, step_size=10, gamma=0.1) == pytest.approx(expected)
    settings = [
        dict(scheduler="step", scheduler_kwargs={"step_size": 10, "gamma": 0.1}),
        dict(scheduler="cosine", warmup_epochs=3),
        dict(scheduler="exponential"),
    ]
    for kw in settings:
        _, history = run(epochs=30 if kw["scheduler"] == "step" else 12, lr=0.1, **kw)
        lrs = viz.lr_schedule(
            kw["scheduler"],
            len(history),
            lr=0.1,
            warmup_epochs=kw.get("warmup_epochs", 0),
            **kw.get("scheduler_kwargs", {}),
        )
        assert lrs == pytest.approx(history["lr"])


def test_plateau_schedule_follows_the_given_validation_losses_like_the_trainer():
    set_seed(0)
    data = tiny_data()
    data.train = (data.train[0], torch.randint(0, 3, (len(data.train[1]),)))  # no signal: val loss stalls
    history = Trainer(lr=0.3, batch_size=8, scheduler="plateau", scheduler_kwargs={"patience": 1}, device="cpu").fit(
        MLP(2, [8], 3), data, epochs=15
    )
    assert len(set(history["lr"])) > 1  # the scheduler did reduce the rate in this run
    lrs = viz.lr_schedule("plateau", 15, lr=0.3, val_losses=history["val_loss"], patience=1)
    assert lrs == pytest.approx(history["lr"])
    with pytest.raises(ValueError, match="val_losses"):
        viz.lr_schedule("plateau", 10)


def test_cosine_ends_near_zero_and_warmup_ramps_linearly():
    cosine = viz.lr_schedule("cosine", 50, lr=0.1)
    assert cosine[0] == pytest.approx(0.1)
    assert cosine[-1] < 1e-3
    assert all(a >= b for a, b in zip(cosine[:-1], cosine[1:], strict=True))
    warm = viz.lr_schedule("cosine", 20, lr=0.1, warmup_epochs=4)
    assert warm[:4] == pytest.approx([0.025, 0.05, 0.075, 0.1])
    assert max(warm) == pytest.approx(0.1)
    assert warm[-1] < 0.01
    assert viz.lr_schedule(None, 5, lr=0.2) == pytest.approx([0.2] * 5)
    with pytest.raises(ValueError, match="scheduler"):
        viz.lr_schedule("linear", 10)


def test_plot_lr_schedule_draws_the_computed_rates():
    fig = viz.plot_lr_schedule("step", 20, lr=0.1, warmup_epochs=2, step_size=5, gamma=0.5)
    (ax,) = fig.axes
    lrs = viz.lr_schedule("step", 20, lr=0.1, warmup_epochs=2, step_size=5, gamma=0.5)
    assert list(ax.lines[0].get_ydata()) == pytest.approx(lrs)
    assert len(ax.patches) == 1  # the shaded warm-up
    assert "step_size=5" in ax.get_title()
    fig = viz.plot_lr_schedule("plateau", 10, val_losses=[1.0] * 10, patience=2)
    assert len(fig.axes) == 2  # the given val losses get their own y axis


def lr_finder_curve(n=100, seed=0):
    """Flat, then a steep drop centred at lr = 1e-3, then a blow-up beyond lr = 0.3."""
    lrs = np.logspace(-6, 0, n)
    x = np.log10(lrs)
    rng = np.random.default_rng(seed)
    losses = 2.3 - 1.8 / (1 + np.exp(-3 * (x + 3))) + np.exp(4 * (x + 0.5)) + 0.01 * rng.standard_normal(n)
    return lrs, losses


def test_suggest_lr_picks_the_steepest_part_of_the_descent():
    lrs, losses = lr_finder_curve()
    best = viz.suggest_lr(lrs, losses)
    assert 10**-3.5 < best < 10**-2.5
    lrs = np.logspace(-4, 0, 50)
    u_shaped = (np.log10(lrs) + 1.5) ** 2
    assert viz.suggest_lr(lrs, u_shaped) < lrs[np.argmin(u_shaped)]
    with pytest.raises(ValueError, match="lrs"):
        viz.suggest_lr(lrs[::-1], u_shaped)


def test_plot_lr_finder_uses_log_x_and_marks_the_suggestion():
    lrs, losses = lr_finder_curve()
    (ax,) = viz.plot_lr_finder(lrs, losses).axes
    assert ax.get_xscale() == "log"
    (mark,) = red_markers(ax)
    assert mark.get_offsets()[0][0] == pytest.approx(viz.suggest_lr(lrs, losses))
    assert not viz.plot_lr_finder(lrs, losses, suggest=False).axes[0].collections


# ------------------------------------------------------------------ what a model computes
def test_decision_boundary_of_a_known_binary_model_is_where_it_should_be():
    model = nn.Linear(2, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[2.0, 0.0]]))
        model.bias.fill_(-1.0)  # P(class 1) = 0.5 on the line x1 = 0.5
    X = torch.randn(40, 2, generator=torch.Generator().manual_seed(0))
    y = (X[:, 0] > 0.5).float()
    fig = viz.plot_decision_boundary(model, X, y, resolution=50)
    ax = fig.axes[0]
    assert len(fig.axes) == 2  # the plot and its colorbar
    (boundary,) = [c for c in ax.collections if list(getattr(c, "levels", [])) == [0.5]]
    xs = np.concatenate([path.vertices[:, 0] for path in boundary.get_paths()])
    assert np.allclose(xs, 0.5, atol=0.05)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    xor_fig = viz.plot_decision_boundary(XORNet(), X, y, resolution=20)
    assert xor_fig.axes[0].get_title() == "decision boundary"


def test_decision_boundary_multiclass_and_bad_input():
    model, _ = run(epochs=3)
    data = tiny_data()
    fig = viz.plot_decision_boundary(model, *data.val, resolution=30, title="blobs")
    ax = fig.axes[0]
    assert len(fig.axes) == 1
    assert ax.get_title() == "blobs"
    assert len(ax.get_legend().get_texts()) == 3
    with pytest.raises(ValueError, match="X"):
        viz.plot_decision_boundary(model, torch.randn(5, 3), torch.zeros(5))


def test_plot_activations_shows_each_function_and_its_autograd_derivative():
    fig = viz.plot_activations()
    assert len(fig.axes) == 6
    assert [ax.get_title() for ax in fig.axes][:2] == ["relu", "leaky_relu"]
    sigmoid = fig.axes[2]
    f, df = curves(sigmoid)
    s = 1 / (1 + np.exp(-f.get_xdata()))
    assert np.allclose(f.get_ydata(), s, atol=1e-6)
    assert np.allclose(df.get_ydata(), s * (1 - s), atol=1e-6)
    relu_slope = curves(fig.axes[0])[1]
    assert np.array_equal(relu_slope.get_ydata(), (relu_slope.get_xdata() > 0).astype(float))
    fig = viz.plot_activations(["tanh"], derivatives=False)
    assert len(fig.axes) == 1
    assert len(curves(fig.axes[0])) == 1


def test_plot_attention_on_a_real_transformer_forward_pass():
    set_seed(0)
    model = TinyTransformer(input_size=1, d_model=16, n_heads=4, n_layers=1)
    model(torch.randn(2, 6, 1))
    weights = model.attention_weights[0]
    assert weights.shape == (2, 4, 6, 6)
    tokens = list("abcdef")
    ax = viz.plot_attention(weights, tokens=tokens).axes[0]
    assert np.allclose(ax.images[0].get_array(), weights[0].mean(0).numpy())
    assert [t.get_text() for t in ax.get_xticklabels()] == tokens
    assert "mean over 4 heads" in ax.get_title()
    ax = viz.plot_attention(weights, head=2).axes[0]
    assert np.allclose(ax.images[0].get_array(), weights[0, 2].numpy())
    with pytest.raises(ValueError, match="head"):
        viz.plot_attention(weights, head=4)
    with pytest.raises(ValueError, match="tokens"):
        viz.plot_attention(weights, tokens=["a"])


def test_plot_loss_surface_overlays_each_path_with_start_end_and_minimum():
    paths = {"sgd": trace("sgd", rosenbrock, steps=30, lr=1e-3), "adam": trace("adam", rosenbrock, steps=30, lr=0.05)}
    ax = viz.plot_loss_surface(rosenbrock, paths).axes[0]
    for line, path in zip(ax.lines, paths.values(), strict=True):
        assert np.allclose(line.get_xdata(), path[:, 0])
        assert np.allclose(line.get_ydata(), path[:, 1])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["sgd", "adam", "start", "end", "minimum"]
    assert ax.get_xlim() == rosenbrock.xlim
    assert ax.get_title() == rosenbrock.name
    stars = [c.get_offsets()[0].tolist() for c in ax.collections if c.get_offsets().shape == (1, 2)]
    assert list(rosenbrock.minimum) in stars
    with pytest.raises(ValueError, match="traces"):
        viz.plot_loss_surface(rosenbrock, {"bad": np.zeros((5, 3))})


# ------------------------------------------------------------------ evaluation
def test_confusion_matrix_cells_show_sklearn_counts():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 4, 200)
    y_pred = np.where(rng.random(200) < 0.7, y_true, rng.integers(0, 4, 200))
    names = ["cat", "dog", "bird", "fish"]
    ax = viz.plot_confusion_matrix(torch.tensor(y_true), y_pred, class_names=names).axes[0]
    counts = np.array([int(t.get_text()) for t in ax.texts]).reshape(4, 4)
    assert np.array_equal(counts, confusion_matrix(y_true, y_pred))
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    ax = viz.plot_confusion_matrix(y_true, y_pred, normalize=True).axes[0]
    rows = np.array([float(t.get_text()) for t in ax.texts]).reshape(4, 4).sum(axis=1)
    assert np.allclose(rows, 1.0, atol=0.02)
    with pytest.raises(ValueError, match="y_pred"):
        viz.plot_confusion_matrix(y_true, rng.random((200, 4)))


def test_roc_legend_shows_the_auc_and_curves_stack_on_one_axis():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    scores = y + rng.normal(0, 1.0, 300)
    pos, neg = scores[y == 1], scores[y == 0]
    auc = np.mean(pos[:, None] > neg[None, :])  # probability a positive outranks a negative
    fig = viz.plot_roc(y, scores, label="model")
    ax = fig.axes[0]
    assert f"model (AUC = {auc:.3f})" in [t.get_text() for t in ax.get_legend().get_texts()]
    viz.plot_roc(y, rng.random(300), ax=ax, label="random")
    assert len(ax.lines) == 3  # one chance diagonal, two ROC curves
    assert ax.lines[1].get_color() != ax.lines[2].get_color()
    with pytest.raises(ValueError, match="y_true"):
        viz.plot_roc(np.ones(10), np.ones(10))


# ------------------------------------------------------------------ weights and gradients
def backward_once(model):
    X, y = tiny_data().train
    nn.functional.cross_entropy(model(X), y).backward()


def test_gradient_norms_one_entry_per_layer_with_grads():
    set_seed(0)
    model = MLP(2, [8, 8], 3)
    assert viz.gradient_norms(model) == {}
    backward_once(model)
    norms = viz.gradient_norms(model)
    assert list(norms) == ["blocks.0.linear", "blocks.1.linear", "head"]
    assert norms["head"] == pytest.approx(model.head.weight.grad.norm().item())
    ax = viz.plot_gradient_norms(model).axes[0]
    assert [p.get_height() for p in ax.patches] == pytest.approx(list(norms.values()))
    assert ax.get_yscale() == "log"


def test_histograms_have_one_curve_per_layer_and_note_layers_without_grad():
    set_seed(0)
    model = MLP(2, [8, 8], 3)
    ax = viz.plot_weight_histograms(model, bins=20).axes[0]
    assert len(ax.patches) == 3
    assert [t.get_text().split(" ")[0] for t in ax.get_legend().get_texts()] == [
        "blocks.0.linear",
        "blocks.1.linear",
        "head",
    ]


def test_plot_history_and_plot_histories_share_argument_names():
    import inspect

    one = inspect.signature(viz.plot_history).parameters
    many = inspect.signature(viz.plot_histories).parameters
    assert {"metric", "title", "ax"} <= set(one)
    assert {"metric", "title", "ax"} <= set(many)


def test_plot_runs_draws_every_seed_and_a_mean_per_setting():
    runs = {}
    for name, offset in (("a", 0.0), ("b", 1.0)):
        group = []
        for seed in range(3):
            h = History({"seed": seed})
            for epoch in (1, 2, 3):
                h.append(epoch=epoch, val_loss=offset + seed + epoch)
            group.append(h)
        runs[name] = group
    ax = viz.plot_runs(runs, "val_loss").axes[0]
    assert len(ax.lines) == 8  # 3 seeds + 1 mean, for each of the 2 settings
    mean_a = ax.lines[3].get_ydata()
    assert list(mean_a) == [2.0, 3.0, 4.0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a (mean of 3)", "b (mean of 3)"]
    with pytest.raises(ValueError, match="metric 'val_acc'"):
        viz.plot_runs(runs, "val_acc")
