"""time_call: median seconds, with the GPU synchronised before each reading."""

import pytest
import torch

from dlbook.timing import synchronize, time_call


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
    with pytest.raises(ValueError, match=match):
        time_call(lambda: None, **kwargs)


def test_synchronize_on_the_cpu_returns_at_once():
    synchronize("cpu")
    synchronize(None)
