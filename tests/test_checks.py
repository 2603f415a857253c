"""Bad arguments are refused up front, naming the argument: a bool is not a number, a float is not an integer."""

import numpy as np
import pytest

from dlbook import Trainer
from dlbook import data as datasets
from dlbook.checks import check_choice, check_int, check_number
from dlbook.models import MLP


def test_check_int_accepts_integers_in_range_and_names_the_argument():
    assert check_int("epochs", np.int64(3), minimum=1) == 3
    with pytest.raises(TypeError, match="epochs must be an integer >= 1, got True"):
        check_int("epochs", True, minimum=1)
    with pytest.raises(TypeError, match="epochs"):
        check_int("epochs", 2.0, minimum=1)
    with pytest.raises(ValueError, match="epochs must be an integer >= 1 and <= 5, got 6"):
        check_int("epochs", 6, minimum=1, maximum=5)


def test_check_number_refuses_bools_nans_and_out_of_range_values():
    assert check_number("lr", 0.1, minimum=0, open_min=True) == 0.1
    with pytest.raises(TypeError, match="lr"):
        check_number("lr", False, minimum=0)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        check_number("lr", 0.0, minimum=0, open_min=True)
    with pytest.raises(ValueError, match="lr"):
        check_number("lr", float("nan"))
    with pytest.raises(TypeError, match="dropout"):
        check_number("dropout", "0.5", 0, 1)


def test_check_choice_lists_what_is_allowed():
    with pytest.raises(ValueError, match=r"task must be one of \['a', 'b'\], got 'c'"):
        check_choice("task", "c", ("b", "a"))


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"lr": True}, TypeError, "lr"),
        ({"batch_size": 32.0}, TypeError, "batch_size"),
        ({"epochs": True}, TypeError, "epochs"),
        ({"weight_decay": -1e-3}, ValueError, "weight_decay"),
        ({"warmup_epochs": 5, "epochs": 5}, ValueError, "warmup_epochs"),
        ({"clip_grad": 0}, ValueError, "clip_grad"),
    ],
)
def test_the_trainer_refuses_bad_settings_before_training(kwargs, error, name):
    with pytest.raises(error, match=name):
        Trainer(**kwargs)


def test_datasets_and_models_refuse_bools_for_counts():
    with pytest.raises(TypeError, match="n"):
        datasets.moons(n=True)
    with pytest.raises(TypeError, match="seed"):
        datasets.moons(seed=1.5)
    with pytest.raises(ValueError, match="dropout"):
        MLP(4, [8], 2, dropout=1.0)
