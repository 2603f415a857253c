"""Choosing a device and making runs reproducible."""

from __future__ import annotations

import os
import platform
import random

import numpy as np
import torch

from .checks import check_int

_ALLOWED_DEVICES = ("cuda", "mps", "cpu")


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) so that CPU runs are bit-identical.

    It leaves ``torch.use_deterministic_algorithms`` as you set it: on a GPU some kernels are nondeterministic
    unless you turn that on yourself (it makes some operations slower or unavailable).
    """
    check_int("seed", seed, minimum=0)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def get_device(prefer: str | None = None) -> torch.device:
    """Return the best available device: CUDA, then Apple's MPS, then the CPU.

    ``prefer`` (or the environment variable ``DLBOOK_DEVICE``) forces one of ``"cuda"``, ``"mps"``, ``"cpu"``.
    """
    choice = prefer if prefer is not None else os.environ.get("DLBOOK_DEVICE") or None
    if choice is not None:
        name = str(choice).split(":")[0].lower()
        if name not in _ALLOWED_DEVICES:
            raise ValueError(f"device must be one of {_ALLOWED_DEVICES}, got {choice!r}")
        if name == "cuda" and not torch.cuda.is_available():
            raise ValueError("device 'cuda' was requested but no CUDA GPU is available")
        if name == "mps" and not _mps_available():
            raise ValueError("device 'mps' was requested but Apple's MPS backend is not available")
        return torch.device(choice)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe_device(device: torch.device | str | None = None) -> str:
    """One line saying which device runs the code, e.g. ``'cuda: NVIDIA H100 (79 GiB)'``."""
    device = torch.device(device) if device is not None else get_device()
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
        return f"cuda: {props.name} ({props.total_memory / 2**30:.0f} GiB), torch {torch.__version__}"
    if device.type == "mps":
        return f"mps: Apple GPU ({platform.machine()}), torch {torch.__version__}"
    threads = torch.get_num_threads()
    plural = "thread" if threads == 1 else "threads"
    return f"cpu: {platform.processor() or platform.machine()} ({threads} {plural}), torch {torch.__version__}"
