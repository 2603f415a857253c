"""Spreads over seeds and run_seeds: the mean ± sd that every comparison rests on."""

import math

import pytest

from dlbook import data as datasets
from dlbook.runs import Runs, run, run_seeds
from dlbook.seeds import Spread, over_seeds


def test_over_seeds_calls_once_per_seed_and_summarises():
    seen = []
    spread = over_seeds(lambda s: seen.append(s) or float(s), seeds=4)
    assert seen == [0, 1, 2, 3]
    assert spread.mean == pytest.approx(1.5)
    assert spread.std == pytest.approx(math.sqrt(5 / 3))  # sample sd of 0, 1, 2, 3
    assert spread.seeds == (0, 1, 2, 3)


def test_over_seeds_with_dicts_gives_one_spread_per_key():
    result = over_seeds(lambda s: {"val": s, "test": 2 * s}, seeds=[1, 3])
    assert set(result) == {"val", "test"}
    assert result["test"].values == (2.0, 6.0)


@pytest.mark.parametrize("seeds", [0, [], [-1], [1.5], True])
def test_over_seeds_rejects_bad_seeds(seeds):
    with pytest.raises((ValueError, TypeError), match="seeds"):
        over_seeds(float, seeds=seeds)


def test_over_seeds_rejects_non_numbers():
    with pytest.raises(TypeError, match="number"):
        over_seeds(lambda s: "high", seeds=2)


def test_beats_needs_a_gap_larger_than_the_noise():
    clear_a, clear_b = Spread((0.90, 0.91, 0.92), (0, 1, 2)), Spread((0.80, 0.81, 0.82), (0, 1, 2))
    noisy_a, noisy_b = Spread((0.70, 0.95, 0.80), (0, 1, 2)), Spread((0.75, 0.85, 0.78), (0, 1, 2))
    assert clear_a.beats(clear_b)
    assert not clear_b.beats(clear_a)
    assert not noisy_a.beats(noisy_b)
    assert noisy_a.within_noise_of(noisy_b)
    assert not clear_a.within_noise_of(clear_b)


def test_beats_with_lower_is_better_for_losses():
    low, high = Spread((0.1, 0.11, 0.12), (0, 1, 2)), Spread((0.5, 0.51, 0.52), (0, 1, 2))
    assert low.beats(high, higher_is_better=False)
    assert not low.beats(high)


def test_spread_prints_mean_and_sd_with_sensible_digits():
    assert repr(Spread((0.9512, 0.9555, 0.9470), (0, 1, 2))) == "0.9512 ± 0.0043"
    assert format(Spread((1.0, 3.0), (0, 1)), ".1f") == "2.0 ± 1.4"
    assert repr(Spread((2.0,), (0,))) == "2.000 ± 0.000"
    assert repr(Spread((0.958217, 0.958217 + 1e-12), (0, 1))) == "0.9582 ± 0.0000"


def test_spread_checks_its_shape():
    with pytest.raises(ValueError, match="same length"):
        Spread((1.0, 2.0), (0,))


@pytest.fixture(scope="module")
def digits():
    return datasets.digits()


def test_run_seeds_trains_one_model_per_seed_and_summarises(digits):
    runs = run_seeds(digits, seeds=2, epochs=2, device="cpu")
    assert isinstance(runs, Runs)
    assert [h.params["seed"] for h in runs] == [0, 1]
    assert runs.final("val_acc").values == tuple(h.final("val_acc") for h in runs)
    test = runs.evaluate(digits, "test")
    assert all(0.0 <= v <= 1.0 for v in test.values)
    assert runs[0].final("val_acc") != runs[1].final("val_acc")  # two seeds, two different runs


def test_run_is_reproducible_and_keeps_the_model(digits):
    a = run(digits, epochs=2, seed=3, device="cpu")
    b = run(digits, epochs=2, seed=3, device="cpu")
    assert a["val_loss"] == b["val_loss"]
    assert a.model is not None


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"seed": -1}, "seed"), ({"dropout": 1.0}, "dropout"), ({"model": 3}, "model"), ({"width": 0}, "width")],
)
def test_run_checks_its_arguments_before_training(digits, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        run(digits, epochs=1, device="cpu", **kwargs)


def test_spreads_subtract_seed_by_seed_and_runs_map_any_statistic(digits):
    runs = run_seeds(digits, seeds=2, epochs=2, device="cpu")
    gap = runs.final("train_acc") - runs.final("val_acc")
    assert gap.values == tuple(h.final("train_acc") - h.final("val_acc") for h in runs)
    best = runs.map(lambda h: h["val_loss"].index(min(h["val_loss"])) + 1)
    assert all(1 <= v <= 2 for v in best.values)
    with pytest.raises(ValueError, match="same seeds"):
        Spread((1.0,), (0,)) - Spread((1.0,), (1,))
    with pytest.raises(TypeError, match="fn"):
        runs.map(3)
