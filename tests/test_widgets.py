"""The live TrainingPanel (driven headless, as its buttons would) and the static explorables."""

import json
import re

import ipywidgets as w
import numpy as np
import pytest
import torch
from torch import nn

from dlbook import data as datasets
from dlbook.models import MLP
from dlbook.widgets import Explorable, TrainingPanel, explore, train_run


@pytest.fixture(scope="module")
def digits():
    return datasets.digits()


@pytest.fixture(scope="module")
def moons():
    return datasets.moons()


def same_curves(a, b):
    keys = [k for k in a.keys() if k != "time"]
    return keys == [k for k in b.keys() if k != "time"] and all(a[k] == b[k] for k in keys)


# ----------------------------------------------------------------------------- train_run (no widgets)


def test_same_settings_give_identical_runs_and_lr_changes_them(digits):
    settings = {"optimizer": "adam", "batch_size": 64, "epochs": 3, "device": "cpu"}
    first = train_run(digits, lr=1e-3, **settings)
    second = train_run(digits, lr=1e-3, **settings)
    other = train_run(digits, lr=1e-2, **settings)
    assert same_curves(first, second)
    assert not same_curves(first, other)
    assert first.params["lr"] == 1e-3
    assert first.params["seed"] == 0


def test_train_run_rejects_bad_settings(digits):
    base = {"lr": 1e-3, "optimizer": "adam", "batch_size": 64, "epochs": 1}
    with pytest.raises(ValueError, match=r"dropout must be a finite number >= 0 and < 1"):
        train_run(digits, **{**base, "dropout": 1.0})
    with pytest.raises(ValueError, match="batch_size"):
        train_run(digits, **{**base, "batch_size": 0})
    with pytest.raises(ValueError, match="optimizer"):
        train_run(digits, **{**base, "optimizer": "lion"})
    with pytest.raises(ValueError, match="widht"):
        train_run(digits, **base, widht=32)


# ----------------------------------------------------------------------------- the panel


def test_panel_has_the_default_controls_and_trains_with_their_values(digits):
    panel = TrainingPanel(digits, epochs=3)
    assert list(panel.controls) == ["lr", "optimizer", "batch_size", "epochs", "dropout", "weight_decay"]
    assert isinstance(panel.controls["lr"], w.FloatLogSlider)
    assert isinstance(panel.controls["optimizer"], w.Dropdown)
    assert isinstance(panel.controls["batch_size"], w.SelectionSlider)
    assert isinstance(panel.controls["epochs"], w.IntSlider)
    assert panel.settings()["batch_size"] == 64

    panel.controls["lr"].value = 0.01
    first = panel.train()
    assert first.params["lr"] == panel.controls["lr"].value == 0.01
    assert len(first) == 3
    assert panel.runs == [first]
    image_after_first = panel.image.value

    panel.controls["dropout"].value = 0.2
    second = panel.train()
    assert panel.runs == [first, second]
    assert second.params["dropout"] == 0.2
    assert panel.image.value != image_after_first
    assert "Run 2" in panel.status.value
    assert "finished" in panel.status.value

    panel.clear()
    assert panel.runs == []
    assert "No runs yet" in panel.status.value


def test_panel_keyword_overrides_and_max_runs(digits):
    panel = TrainingPanel(digits, epochs=1, max_runs=2)
    histories = [panel.train(lr=lr) for lr in (1e-3, 3e-3, 1e-2)]
    assert [h.params["lr"] for h in panel.runs] == [3e-3, 1e-2]
    assert panel.runs == histories[1:]
    assert panel.controls["lr"].value == 1e-2  # overrides move the controls: the panel shows the last run's settings


def test_extra_controls_reach_the_model_and_the_trainer(digits):
    extras = {
        "width": (8, 256),
        "depth": (1, 6),
        "activation": ["relu", "tanh"],
        "batchnorm": False,
        "scheduler": [None, "step", "cosine"],
        "residual": bool,
    }
    panel = TrainingPanel(
        digits,
        epochs=2,
        extra_controls=extras,
        controls=["lr", "width", "depth", "activation", "scheduler", "residual"],
    )
    assert isinstance(panel.controls["width"], w.IntSlider)
    assert panel.controls["width"].value == 64
    assert isinstance(panel.controls["batchnorm"], w.Checkbox)
    assert isinstance(panel.controls["residual"], w.Checkbox)
    assert panel.controls["residual"].value is False
    assert panel.controls["scheduler"].value is None
    panel.controls["width"].value = 16
    panel.controls["depth"].value = 2
    panel.controls["activation"].value = "tanh"
    panel.controls["scheduler"].value = "cosine"
    history = panel.train()
    assert [block.linear.out_features for block in panel.model.blocks] == [16, 16]
    assert history.params["width"] == 16
    assert history.params["activation"] == "tanh"
    assert history.params["scheduler"] == "cosine"
    assert history["lr"][-1] < history["lr"][0]  # the cosine schedule lowered the learning rate
    with pytest.raises(ValueError, match="controls"):
        TrainingPanel(digits, controls=["lr", "momentum"])


def test_panel_accepts_a_data_factory_and_a_model_factory():
    built = []

    def tiny(data, dropout, hidden):
        built.append(hidden)
        return MLP(data.n_features, [hidden], 1, dropout=dropout)

    panel = TrainingPanel(datasets.moons, tiny, epochs=1, extra_controls={"hidden": (2, 16)}, controls=["lr", "hidden"])
    assert panel.data.name == "moons"
    assert panel.data.task == "binary"
    panel.controls["hidden"].value = 5
    history = panel.train()
    assert built == [5]
    assert history.params["hidden"] == 5
    assert panel.model.blocks[0].linear.out_features == 5


def test_a_dict_of_loss_modules_becomes_a_labelled_drop_down(moons):
    losses = {"BCE": nn.BCEWithLogitsLoss(), "BCE, pos_weight = 3": nn.BCEWithLogitsLoss(pos_weight=torch.tensor(3.0))}
    panel = TrainingPanel(moons, epochs=1, extra_controls={"loss": losses})
    assert panel.controls["loss"].value is losses["BCE"]
    first = panel.train()
    panel.controls["loss"].label = "BCE, pos_weight = 3"
    second = panel.train()
    assert (first.params["loss"], second.params["loss"]) == ("BCE", "BCE, pos_weight = 3")
    assert first.final("train_loss") != second.final("train_loss")


def test_divergence_is_reported_in_red_without_a_traceback(digits):
    panel = TrainingPanel(digits, optimizer="momentum", lr=1.0, epochs=10)
    history = panel.train()
    assert history.stopped == "diverged"
    assert len(history) < 10
    assert history.message
    assert history.message in panel.status.value
    assert "#b00020" in panel.status.value  # the red box
    assert "Traceback" not in panel.status.value
    loss_axis = panel.figure.axes[0]
    assert loss_axis.collections, "the diverged curve should end with a red marker"


def test_stop_button_interrupts_a_background_run_and_a_second_click_is_refused(digits):
    panel = TrainingPanel(digits, epochs=30)
    seen = {}

    def after_epoch(history):
        if len(history) == 1:
            panel.buttons["train"].click()  # a second click while the first run is active
            seen["status"] = panel.status.value
            seen["stop_enabled"] = not panel.buttons["stop"].disabled
            seen["train_disabled"] = panel.buttons["train"].disabled
            with pytest.raises(RuntimeError, match="already in progress"):
                panel.train()
            panel.stop()

    thread = panel._start_in_thread(callbacks=[after_epoch])
    assert thread is not None
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert "already in progress" in seen["status"]
    assert seen["stop_enabled"]
    assert seen["train_disabled"]
    assert len(panel.runs) == 1
    history = panel.runs[0]
    assert history.stopped == "interrupted"
    assert len(history) == 1 < 30
    assert "stopped" in panel.status.value
    assert not panel.running
    assert not panel.buttons["train"].disabled
    assert panel.buttons["stop"].disabled


def test_errors_in_a_background_run_show_in_the_status(digits):
    panel = TrainingPanel(digits, epochs=2)
    thread = panel._start_in_thread(batch_size=0)
    thread.join(timeout=60)
    assert "batch_size" in panel.status.value
    assert "#b00020" in panel.status.value
    assert panel.runs == []
    assert not panel.running
    assert panel.train(epochs=1).stopped is None  # the panel still works afterwards


def test_two_dimensional_data_gets_a_live_decision_boundary(moons):
    panel = TrainingPanel(moons, epochs=3, lr=0.01)
    assert len(panel.figure.axes) == 3
    history = panel.train()
    assert "train_acc" in history
    titles = [ax.get_title() for ax in panel.figure.axes]
    assert any("decision boundary, epoch 3" in title for title in titles)


def test_mimebundle_has_the_widget_view_and_a_static_snapshot(digits):
    panel = TrainingPanel(digits, epochs=2)
    panel.train()
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    snapshot = bundle["text/html"]
    assert 'class="dlbook-panel-snapshot"' in snapshot
    assert '<img src="data:image/png;base64,' in snapshot
    assert "This is a snapshot" in snapshot
    assert "make lab" in snapshot
    assert panel.runs[0].label in snapshot


# ----------------------------------------------------------------------------- explorables


def embedded_json(page):
    match = re.search(r'<script type="application/json" id="([\w-]+)-data">(.*?)</script>', page, re.S)
    return match.group(1), json.loads(match.group(2))


def test_explore_trains_every_combination_and_embeds_them(digits):
    grid = {"lr": [0.01, 1.0], "batch_size": [32, 64]}
    result = explore(digits, grid=grid, epochs=3, optimizer="momentum", depth=3, device="cpu")
    assert isinstance(result, Explorable)
    assert len(result.runs) == 4
    frame = result.to_frame()
    assert len(frame) == 4
    assert {"lr", "batch_size", "val_loss", "val_acc", "stopped"} <= set(frame.columns)
    pairs = sorted(zip(frame["lr"], frame["batch_size"], strict=True))
    assert pairs == [(0.01, 32), (0.01, 64), (1.0, 32), (1.0, 64)]

    page = result._repr_html_()
    uid, payload = embedded_json(page)
    assert len(payload["runs"]) == 4
    for (settings, history), run in zip(result.runs, payload["runs"], strict=True):
        assert run["settings"] == settings
        assert run["stopped"] == history.stopped
        finite = [v for v in history["val_loss"] if v == v and abs(v) != float("inf")]
        assert [v for v in run["val_loss"] if v is not None] == finite
    assert any(run["stopped"] == "diverged" for run in payload["runs"]), "lr=1.0 with momentum should diverge"
    healthy = next(run for run in payload["runs"] if run["stopped"] is None)
    settings, history = next((s, h) for s, h in result.runs if h.stopped is None)
    assert healthy["val_loss"][-1] == history.final("val_loss")

    assert page.count("data-param=") == 2
    assert 'data-param="lr"' in page
    assert 'data-param="batch_size"' in page
    assert not re.search(r"<script[^>]*\bsrc\s*=", page)  # nothing loaded: no CDN, no require.js
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page)
    assert page.count(f'id="{uid}') >= 4  # root, charts, info, data, controls all use the same prefix

    _, best = result.best("val_loss")
    assert best.stopped != "diverged"
    assert best.final("val_loss") == min(h.final("val_loss") for _, h in result.runs if h.stopped is None)

    other_uid, _ = embedded_json(result._repr_html_())
    ids = set(re.findall(r'id="([^"]+)"', page))
    other_ids = set(re.findall(r'id="([^"]+)"', result._repr_html_()))
    assert uid != other_uid
    assert not ids & other_ids


def test_an_explorable_can_be_built_from_runs_made_elsewhere(moons):
    grid = {"width": [4, 16], "lr": [0.01, 0.1]}
    runs = [
        ({"lr": lr, "width": width}, train_run(moons, lr=lr, optimizer="adam", batch_size=64, epochs=1, width=width))
        for lr in grid["lr"]
        for width in grid["width"]
    ]  # settings in another order than the grid
    result = Explorable(grid, runs, title="made by hand")
    _, payload = embedded_json(result._repr_html_())
    by_key = {run["key"]: run for run in payload["runs"]}
    assert by_key["1,0"]["settings"] == {"lr": 0.01, "width": 16}  # key = width index, then lr index
    with pytest.raises(ValueError, match="grid"):
        Explorable(grid, [({"lr": 0.5, "width": 4}, runs[0][1])])


def test_explore_rejects_a_bad_grid(digits):
    with pytest.raises(ValueError, match="grid"):
        explore(digits, grid={})
    with pytest.raises(ValueError, match="grid"):
        explore(digits, grid={"lr": []})
    with pytest.raises(ValueError, match="repeat"):
        explore(digits, grid={"lr": [0.1, 0.1]})


def test_threshold_table_matches_sklearn_and_explorable_embeds_it():

    from sklearn.metrics import f1_score, precision_score, recall_score

    from dlbook.widgets import ThresholdExplorable, threshold_explorable, threshold_table

    rng = np.random.default_rng(0)
    y = (rng.random(200) < 0.2).astype(int)
    scores = np.clip(0.5 * y + 0.6 * rng.random(200), 0, 1)
    table = threshold_table(y, scores, [0.3, 0.5, 0.7])
    for _, row in table.iterrows():
        pred = (scores >= row.threshold).astype(int)
        assert row.TP == int(((pred == 1) & (y == 1)).sum())
        assert row.FP == int(((pred == 1) & (y == 0)).sum())
        assert row.precision == pytest.approx(precision_score(y, pred))
        assert row.recall == pytest.approx(recall_score(y, pred))
        assert row.F1 == pytest.approx(f1_score(y, pred))
    html_a, html_b = threshold_explorable(y, scores)._repr_html_(), threshold_explorable(y, scores)._repr_html_()
    _, rows = embedded_json(html_a)
    assert len(rows) == 49
    assert rows[0]["threshold"] == 0.02
    assert "<script src=" not in html_a
    assert 'data-param="threshold"' in html_a
    assert re.search(r'id="(thr-\w+)"', html_a).group(1) != re.search(r'id="(thr-\w+)"', html_b).group(1)
    with pytest.raises(ValueError, match="scores"):
        threshold_table(y, scores * 3)
    with pytest.raises(ValueError, match="table"):
        ThresholdExplorable(table.drop(columns="F1"))


def test_a_panel_run_is_not_changed_by_random_numbers_drawn_elsewhere_meanwhile(digits):
    quiet = TrainingPanel(digits, epochs=3, device="cpu")
    busy = TrainingPanel(digits, epochs=3, device="cpu")
    first = quiet.train()
    second = busy.train(callbacks=[lambda history: torch.rand(1000) is None])  # a "cell" using torch's RNG
    assert same_curves(first, second)


def test_the_panel_draws_data_that_lives_on_the_gpu():
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    panel = TrainingPanel(datasets.moons().to("cuda"), epochs=2, device="cuda")
    panel.train()
    assert panel.image.value


def test_the_panel_draws_no_decision_boundary_for_sequences_with_two_values_per_step():
    from dlbook.models import SequenceModel

    X = torch.randn(60, 5, 2)
    y = (X[:, 0, 0] > 0).long()
    seqs = datasets.make_splits(X.numpy(), y.numpy(), "classification", name="pairs", standardize=False)
    assert seqs.n_features == 2
    panel = TrainingPanel(seqs, lambda data, dropout=0.0: SequenceModel("gru", input_size=2, out_features=2), epochs=1)
    panel.train()
    assert len(panel.figure.axes) == 2  # loss and accuracy, no boundary
