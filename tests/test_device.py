import pytest
import torch

import dlbook


def test_get_device_prefers_accelerators_and_honours_override(monkeypatch):
    monkeypatch.delenv("DLBOOK_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
    assert dlbook.get_device().type == expected
    monkeypatch.setenv("DLBOOK_DEVICE", "cpu")
    assert dlbook.get_device().type == "cpu"


def test_bad_device_names_raise(monkeypatch):
    with pytest.raises(ValueError, match="device must be one of"):
        dlbook.get_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="cuda"):
            dlbook.get_device("cuda")


def test_describe_device_names_the_device():
    line = dlbook.describe_device("cpu")
    assert line.startswith("cpu:")
    assert torch.__version__ in line


def test_set_seed_makes_random_streams_repeat():
    dlbook.set_seed(7)
    a = (torch.rand(3), __import__("numpy").random.rand(2), __import__("random").random())
    dlbook.set_seed(7)
    b = (torch.rand(3), __import__("numpy").random.rand(2), __import__("random").random())
    assert torch.equal(a[0], b[0])
    assert (a[1] == b[1]).all()
    assert a[2] == b[2]
    with pytest.raises(ValueError, match="seed"):
        dlbook.set_seed(-1)


def test_set_seed_leaves_the_deterministic_algorithms_choice_alone():
    before = torch.are_deterministic_algorithms_enabled()
    try:
        torch.use_deterministic_algorithms(True)
        dlbook.set_seed(0)
        assert torch.are_deterministic_algorithms_enabled()
    finally:
        torch.use_deterministic_algorithms(before)


def test_every_submodule_is_importable_through_the_package():
    for name in dlbook.SUBMODULES:
        assert getattr(dlbook, name).__name__ == f"dlbook.{name}"
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        dlbook.nonsense  # noqa: B018
