"""time_call: median seconds, with the GPU synchronised before each reading."""

import pytest
import torch

from dlbook.timing import synchronize, time_call, time_rounds


def test_time_call_calls_warmup_plus_repeats_times_and_returns_a_median():
    calls = []
    seconds = time_call(lambda: calls.append(1), repeats=5, warmup=2)
    assert len(calls) == 7
    assert seconds >= 0.0


def test_time_call_passes_arguments_and_measures_real_work():
    a = torch.randn(200, 200)
    quick = time_call(torch.add, a, a, repeats=3)
    slow = time_call(lambda x: [x @ x for _ in range(20)], a, repeats=3)
    assert slow > quick


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"repeats": 0}, "repeats"), ({"warmup": -1}, "warmup"), ({"repeats": True}, "repeats")]
)
def test_time_call_checks_its_counts(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        time_call(lambda: None, **kwargs)


def test_synchronize_on_the_cpu_returns_at_once():
    synchronize("cpu")
    synchronize(None)


def test_time_rounds_times_every_function_once_per_round():
    calls = {"a": 0, "b": 0}

    def bump(name):
        calls[name] += 1

    table = time_rounds({"a": lambda: bump("a"), "b": lambda: bump("b")}, rounds=4, warmup=2)
    assert list(table.columns) == ["a", "b"]
    assert len(table) == 4
    assert calls == {"a": 6, "b": 6}
    a = torch.randn(150, 150)
    slow_fast = time_rounds({"slow": lambda: [a @ a for _ in range(20)], "fast": lambda: a + a}, rounds=3)
    assert (slow_fast["slow"] / slow_fast["fast"]).median() > 1


def test_time_rounds_checks_its_arguments():
    with pytest.raises(TypeError, match="fns"):
        time_rounds({})
    with pytest.raises(ValueError, match="rounds"):
        time_rounds({"a": lambda: None}, rounds=0)
