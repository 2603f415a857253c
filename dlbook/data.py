"""Small offline datasets for the book, each returned as train / validation / test splits.

Nothing here downloads anything. The data either ships with scikit-learn or statsmodels, is generated from a
seed, is the short text written below (``TEXT_CORPUS``), or is read from IDX files the reader saved themselves
(MNIST, Fashion-MNIST).

Every loader returns a :class:`DataSplits`. Inputs are standardised with statistics from the *training* split
only, so no information from validation or test data leaks into preprocessing.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import math
import struct
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from .checks import check_int, check_number

if TYPE_CHECKING:  # scikit-learn is imported where a function needs it: `import dlbook` stays fast
    from sklearn.preprocessing import StandardScaler

__all__ = [
    "DataSplits",
    "random_shift",
    "make_splits",
    "digits",
    "mnist1d",
    "xor",
    "xor_truth_table",
    "moons",
    "circles",
    "spirals",
    "polynomial",
    "sample_polynomial",
    "sunspots",
    "recall_sequences",
    "TEXT_CORPUS",
    "char_sequences",
    "read_idx",
    "mnist",
    "FASHION_CLASSES",
]

TASKS = ("classification", "binary", "regression")

FASHION_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]  # fmt: skip


# ----------------------------------------------------------------------------------------------------------
# The container


@dataclass(repr=False, eq=False)
class DataSplits:
    """Train / validation / test tensors plus what is needed to interpret them.

    ``task`` is ``"classification"`` (y holds int64 class ids, use ``CrossEntropyLoss``), ``"binary"``
    (y is float32 0/1 of shape (N,), use ``BCEWithLogitsLoss``) or ``"regression"`` (y is float32 (N, k)).
    ``n_features`` is the size of one input's last dimension (for images that is the width, so look at
    ``train[0].shape`` instead; for token ids it is the vocabulary size). ``scaler`` was fitted on the
    training inputs only (``None`` when the inputs were not standardised).
    """

    train: tuple[torch.Tensor, torch.Tensor]
    val: tuple[torch.Tensor, torch.Tensor]
    test: tuple[torch.Tensor, torch.Tensor]
    task: str
    name: str
    n_features: int
    n_classes: int | None
    scaler: StandardScaler | None
    class_names: list[str] | None = None
    extras: dict = field(default_factory=dict)

    def to(self, device: torch.device | str) -> DataSplits:
        """A new ``DataSplits`` whose tensors live on ``device`` (scaler and extras are shared)."""

        def move(pair: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
            return pair[0].to(device), pair[1].to(device)

        return dataclasses.replace(self, train=move(self.train), val=move(self.val), test=move(self.test))

    def subset(self, n_train: int, seed: int = 0) -> DataSplits:
        """Keep ``n_train`` random training samples; validation and test data stay unchanged.

        For one seed the subsets are nested (the 100 samples of ``subset(100)`` are the first 100 of
        ``subset(200)``), which makes learning curves smoother. The scaler is kept as it is.
        """
        X, y = self.train
        _check_int("n_train", n_train, minimum=1)
        if n_train > len(X):
            raise ValueError(f"n_train must be <= the training set size {len(X)}, got {n_train}")
        _check_seed(seed)
        order = torch.from_numpy(np.random.default_rng(seed).permutation(len(X))[:n_train]).to(X.device)
        return dataclasses.replace(self, train=(X[order], y[order]))

    def with_label_noise(self, fraction: float, seed: int = 0) -> DataSplits:
        """A copy whose training labels are each replaced, with probability ``fraction``, by a WRONG class.

        Only the training split changes (validation and test stay clean, so they measure what the model really
        learned). ``extras["flipped"]`` marks the corrupted training examples. Classification data only.
        """
        if self.task != "classification" or not self.n_classes:
            raise ValueError(f"with_label_noise needs classification data, got task {self.task!r}")
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"fraction must be in [0, 1], got {fraction}")
        _check_seed(seed)
        X, y = self.train
        g = torch.Generator().manual_seed(seed)
        flipped = torch.rand(len(y), generator=g) < fraction
        offset = torch.randint(1, self.n_classes, (int(flipped.sum()),), generator=g)  # never the true class
        noisy = y.clone()
        noisy[flipped.to(y.device)] = (y[flipped.to(y.device)] + offset.to(y.device)) % self.n_classes
        return dataclasses.replace(self, train=(X, noisy), extras={**self.extras, "flipped": flipped})

    def augmented(
        self,
        copies: int = 4,
        seed: int = 0,
        transform: Callable[..., torch.Tensor] | None = None,
        image_shape: tuple[int, int] | None = None,
    ) -> DataSplits:
        """A copy whose training set also holds ``copies`` randomly transformed versions of every image.

        ``transform(images, generator)`` gets a batch of images shaped ``(N, ..., H, W)`` and returns the same
        shape (default: :func:`random_shift`). Flat inputs such as the digits' 64 features are viewed as
        ``image_shape`` images (default: square) while transformed. Validation and test data stay unchanged.
        """
        _check_int("copies", copies, minimum=1)
        _check_seed(seed)
        if transform is not None and not callable(transform):
            raise TypeError(f"transform must be a function (images, generator) -> images, got {transform!r}")
        X, y = self.train
        if X.ndim == 2:
            side = math.isqrt(X.shape[1])
            image_shape = image_shape or (side, side)
            if image_shape[0] * image_shape[1] != X.shape[1]:
                raise ValueError(f"image_shape must multiply to the {X.shape[1]} input features, got {image_shape}")
        images = X.reshape(len(X), *image_shape) if X.ndim == 2 else X
        generator = torch.Generator().manual_seed(seed)
        transform = transform or random_shift
        versions = [X] + [transform(images, generator).reshape(X.shape) for _ in range(copies)]
        return dataclasses.replace(
            self, train=(torch.cat(versions), y.repeat(copies + 1)), name=f"{self.name} + {copies} augmented copies"
        )

    def __repr__(self) -> str:
        sizes = ", ".join(f"{part}={len(getattr(self, part)[0])}" for part in ("train", "val", "test"))
        shape = tuple(self.train[0].shape[1:])
        return (
            f"DataSplits({self.name!r}, task={self.task!r}, {sizes}, x_shape={shape}, "
            f"n_features={self.n_features}, n_classes={self.n_classes})"
        )


def random_shift(
    images: torch.Tensor, generator: torch.Generator | None = None, max_shift: int = 1, fill: float | None = None
) -> torch.Tensor:
    """Move each image of ``images`` (shape ``(N, ..., H, W)``) by a random whole number of pixels, at most
    ``max_shift`` in x and in y; uncovered pixels get ``fill`` (default: the smallest value, the background)."""
    if images.ndim < 3:
        raise ValueError(f"images must have shape (N, ..., H, W), got {tuple(images.shape)}")
    _check_int("max_shift", max_shift, minimum=0)
    fill = float(images.min()) if fill is None else float(fill)
    height, width = images.shape[-2:]
    padded = torch.nn.functional.pad(images, (max_shift,) * 4, value=fill)
    offsets = torch.randint(0, 2 * max_shift + 1, (len(images), 2), generator=generator).tolist()
    return torch.stack([p[..., i : i + height, j : j + width] for p, (i, j) in zip(padded, offsets)])


# ----------------------------------------------------------------------------------------------------------
# Argument checks


def _check_int(name: str, value: object, minimum: int) -> None:
    check_int(name, value, minimum)


def _check_seed(seed: object) -> None:
    check_int("seed", seed, minimum=0)


def _check_fraction(name: str, value: object) -> None:
    check_number(name, value, 0, 1, open_min=True, open_max=True)


def _check_nonnegative(name: str, value: object) -> None:
    check_number(name, value, minimum=0)


def _check_split_sizes(val_size: float, test_size: float) -> None:
    _check_fraction("val_size", val_size)
    _check_fraction("test_size", test_size)
    if val_size + test_size >= 1:
        raise ValueError(f"val_size + test_size must be < 1, got {val_size} + {test_size}")


def _split_counts(n: int, val_size: float, test_size: float) -> tuple[int, int, int]:
    """How many samples go to train, val and test (each at least one)."""
    n_test = max(1, round(n * test_size))
    n_val = max(1, round(n * val_size))
    n_train = n - n_val - n_test
    if n_train < 1:
        raise ValueError(f"too few samples ({n}) for val_size={val_size} and test_size={test_size}")
    return n_train, n_val, n_test


# ----------------------------------------------------------------------------------------------------------
# Building splits


def _stratify_labels(y: np.ndarray, n_out: int) -> np.ndarray | None:
    """``y`` if a stratified split keeping out ``n_out`` samples is doable, else ``None`` (with a warning)."""
    counts = np.unique(y, return_counts=True)[1]
    n_classes = len(counts)
    if counts.min() >= 2 and n_out >= n_classes and len(y) - n_out >= n_classes:
        return y
    warnings.warn("too few samples per class for a stratified split; splitting at random", stacklevel=3)
    return None


def _split_indices(
    y: np.ndarray, val_size: float, test_size: float, seed: int, shuffle: bool, stratify: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index arrays for train, val and test. Without shuffling the order is kept: train, val, then test."""
    n_train, n_val, n_test = _split_counts(len(y), val_size, test_size)
    index = np.arange(len(y))
    if not shuffle:
        return index[:n_train], index[n_train : n_train + n_val], index[n_train + n_val :]
    labels = _stratify_labels(y, n_test) if stratify else None
    from sklearn.model_selection import train_test_split

    rest, test = train_test_split(index, test_size=n_test, random_state=seed, stratify=labels)
    labels = _stratify_labels(y[rest], n_val) if stratify else None
    train, val = train_test_split(rest, test_size=n_val, random_state=seed, stratify=labels)
    return train, val, test


def _scaling_view(X: np.ndarray, scaling: str) -> np.ndarray:
    """A 2-D view of ``X`` whose columns are what the scaler treats as separate features."""
    if scaling == "global":
        return X.reshape(-1, 1)  # one mean and std for every value (images)
    return X.reshape(-1, X.shape[-1])  # (N, F) as is; (N, T, F) is scaled per feature over N * T


def _prepare_y(y: np.ndarray, task: str) -> torch.Tensor:
    if task == "classification":
        if y.ndim != 1:
            raise ValueError(f"classification labels must have shape (N,), got {y.shape}")
        return torch.from_numpy(y.astype(np.int64))
    if task == "binary":
        if y.ndim != 1 or not np.isin(y, (0, 1)).all():
            raise ValueError("binary labels must be 0/1 values of shape (N,)")
        return torch.from_numpy(y.astype(np.float32))
    y = y.reshape(len(y), -1) if y.ndim == 1 else y
    return torch.from_numpy(np.ascontiguousarray(y, dtype=np.float32))


def _assemble(
    parts: dict[str, tuple[np.ndarray, np.ndarray]],
    task: str,
    *,
    name: str,
    scaling: str | None,
    n_classes: int | None = None,
    class_names: list[str] | None = None,
    extras: dict | None = None,
) -> DataSplits:
    """Fit a scaler on ``parts["train"]`` (if ``scaling``), apply it everywhere and wrap it all as tensors."""
    X_train = parts["train"][0]
    scaler = None
    if scaling is not None:
        from sklearn.preprocessing import StandardScaler

        scaler = StandardScaler().fit(_scaling_view(X_train.astype(np.float64), scaling))
    tensors = {}
    for part, (X, y) in parts.items():
        if scaler is not None:
            X = scaler.transform(_scaling_view(X.astype(np.float64), scaling)).reshape(X.shape)
        keep_ids = scaler is None and np.issubdtype(X.dtype, np.integer)
        X = X.astype(np.int64) if keep_ids else X.astype(np.float32)
        tensors[part] = (torch.from_numpy(np.ascontiguousarray(X)), _prepare_y(y, task))
    if task == "binary":
        n_classes = 2
    elif task == "classification" and n_classes is None:
        n_classes = len(class_names) if class_names else int(max(y.max() for _, y in parts.values())) + 1
    elif task == "regression":
        n_classes = None
    return DataSplits(
        train=tensors["train"],
        val=tensors["val"],
        test=tensors["test"],
        task=task,
        name=name,
        n_features=int(X_train.shape[-1]),
        n_classes=n_classes,
        scaler=scaler,
        class_names=list(class_names) if class_names is not None else None,
        extras=dict(extras or {}),
    )


def make_splits(
    X: np.ndarray | torch.Tensor,
    y: np.ndarray | torch.Tensor,
    task: str,
    *,
    name: str,
    val_size: float = 0.2,
    test_size: float = 0.2,
    seed: int = 0,
    standardize: bool = True,
    stratify: bool = True,
    shuffle: bool = True,
    class_names: list[str] | None = None,
    extras: dict | None = None,
) -> DataSplits:
    """Split ``(X, y)`` into train / val / test and standardise X with training statistics only.

    ``stratify`` keeps the class proportions equal across splits (classification and binary tasks, and only
    when shuffling). ``shuffle=False`` keeps the order: the first samples train, the last ones test, which is
    what time series need. ``standardize`` scales (N, F) inputs per feature, (N, T, F) sequences per feature
    over all N * T steps, and inputs with 4 or more dimensions (images) with one global mean and std. A 1-D
    ``X`` is treated as one feature, shape (N, 1). Integer inputs that are not standardised stay int64
    (token ids); everything else becomes float32. Targets are never scaled.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    _check_split_sizes(val_size, test_size)
    _check_seed(seed)
    X = X.numpy() if isinstance(X, torch.Tensor) else np.asarray(X)
    y = y.numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    X = X.reshape(-1, 1) if X.ndim == 1 else X
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    use_strata = stratify and shuffle and task != "regression"
    train, val, test = _split_indices(y, val_size, test_size, seed, shuffle, use_strata)
    parts = {"train": (X[train], y[train]), "val": (X[val], y[val]), "test": (X[test], y[test])}
    scaling = None
    if standardize:
        scaling = "global" if X.ndim >= 4 else "feature"
    n_classes = None
    if task == "classification":
        n_classes = len(class_names) if class_names else int(y.max()) + 1
    return _assemble(
        parts, task, name=name, scaling=scaling, n_classes=n_classes, class_names=class_names, extras=extras
    )


# ----------------------------------------------------------------------------------------------------------
# Handwritten digits (bundled with scikit-learn)


def digits(
    val_size: float = 0.2, test_size: float = 0.2, seed: int = 0, flat: bool = True, standardize: bool = True
) -> DataSplits:
    """scikit-learn's 1797 handwritten digits, 8x8 pixels, 10 classes.

    Pixels are divided by 16 so they lie in [0, 1]. ``flat=True`` gives X of shape (N, 64), standardised per
    pixel; ``flat=False`` gives (N, 1, 8, 8) images for a CNN, standardised with one global mean and std.
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X = bunch.images.astype(np.float32) / 16.0
    X = X.reshape(len(X), 64) if flat else X[:, None, :, :]
    return make_splits(
        X,
        bunch.target,
        "classification",
        name="digits" if flat else "digits-images",
        val_size=val_size,
        test_size=test_size,
        seed=seed,
        standardize=standardize,
        class_names=[str(d) for d in range(10)],
    )


@functools.cache
def _mnist1d_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The published MNIST-1D data, generated by the ``mnist1d`` package (never downloaded), and the spatial
    permutation its ``shuffle_seq=True`` variant applies. The global NumPy random state is restored afterwards."""
    from mnist1d.data import get_dataset_args, make_dataset

    state = np.random.get_state()
    try:
        args = get_dataset_args()  # the published defaults: 5000 samples, 80 % train, length 40, seed 42
        args.shuffle_seq = False
        made = make_dataset(args)
        # make_dataset(shuffle_seq=True) draws exactly this permutation next, from the same random stream
        permutation = np.random.permutation(args.final_seq_length)
    finally:
        np.random.set_state(state)
    return made["x"], made["y"], made["x_test"], made["y_test"], permutation


def mnist1d(shuffle_seq: bool = False, val_size: float = 0.2, seed: int = 0) -> DataSplits:
    """MNIST-1D (Greydanus & Kobak): ten 1-D digit templates, padded, scaled, sheared, shifted and noised into
    signals of length 40; 4000 training and 1000 test examples generated with the published arguments (seed 42).

    The validation split (``val_size`` of the 4000) is carved from the training part with ``seed``; the 1000 test
    examples are the published test set. ``shuffle_seq=True`` gives the spatially shuffled variant: every signal's
    40 positions in one fixed random order (``extras["permutation"]``), which keeps every value but destroys
    locality. X has shape (N, 40), already centred and scaled by the generator; y holds the class ids.
    """
    if not isinstance(shuffle_seq, bool):
        raise TypeError(f"shuffle_seq must be a bool, got {shuffle_seq!r}")
    _check_fraction("val_size", val_size)
    _check_seed(seed)
    from sklearn.model_selection import train_test_split

    x, y, x_test, y_test, permutation = _mnist1d_arrays()
    if shuffle_seq:
        x, x_test = x[:, permutation], x_test[:, permutation]
    train, val = train_test_split(np.arange(len(y)), test_size=val_size, random_state=seed, stratify=y)
    parts = {"train": (x[train], y[train]), "val": (x[val], y[val]), "test": (x_test, y_test)}
    extras = {"permutation": permutation} if shuffle_seq else {}
    return _assemble(
        parts,
        "classification",
        name="mnist1d-shuffled" if shuffle_seq else "mnist1d",
        scaling=None,
        n_classes=10,
        class_names=[str(d) for d in range(10)],
        extras=extras,
    )


# ----------------------------------------------------------------------------------------------------------
# Two-dimensional toy problems (binary labels, standardised inputs)


def _check_toy(n: int, noise: float, seed: int) -> None:
    _check_int("n", n, minimum=8)
    _check_nonnegative("noise", noise)
    _check_seed(seed)


def xor(n: int = 400, noise: float = 0.1, seed: int = 0, val_size: float = 0.2, test_size: float = 0.2) -> DataSplits:
    """Four Gaussian blobs around (±1, ±1); the label is 1 where the two coordinates have opposite signs.

    No straight line separates the classes, so a model needs a hidden layer. ``noise``: std of each blob.
    """
    _check_toy(n, noise, seed)
    rng = np.random.default_rng(seed)
    centres = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    which = np.arange(n) % 4
    X = centres[which] + noise * rng.standard_normal((n, 2))
    y = (centres[which, 0] * centres[which, 1] < 0).astype(np.float32)
    return make_splits(X, y, "binary", name="xor", val_size=val_size, test_size=test_size, seed=seed)


def xor_truth_table() -> tuple[torch.Tensor, torch.Tensor]:
    """The four inputs of XOR, X of shape (4, 2), and their outputs y of shape (4,), as float tensors."""
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([0.0, 1.0, 1.0, 0.0])
    return X, y


def moons(n: int = 400, noise: float = 0.2, seed: int = 0, val_size: float = 0.2, test_size: float = 0.2) -> DataSplits:
    """Two interleaving half circles (scikit-learn's ``make_moons``); ``noise`` is the std of added jitter."""
    _check_toy(n, noise, seed)
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    return make_splits(X, y, "binary", name="moons", val_size=val_size, test_size=test_size, seed=seed)


def circles(
    n: int = 400,
    noise: float = 0.1,
    factor: float = 0.5,
    seed: int = 0,
    val_size: float = 0.2,
    test_size: float = 0.2,
) -> DataSplits:
    """A small circle (label 1) inside a large one (label 0); ``factor`` is the ratio of their radii."""
    _check_toy(n, noise, seed)
    _check_fraction("factor", factor)
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=n, noise=noise, factor=factor, random_state=seed)
    return make_splits(X, y, "binary", name="circles", val_size=val_size, test_size=test_size, seed=seed)


def spirals(
    n: int = 400,
    noise: float = 0.2,
    turns: float = 1.5,
    seed: int = 0,
    val_size: float = 0.2,
    test_size: float = 0.2,
) -> DataSplits:
    """Two spiral arms wound around each other, one per class.

    A point at radius r in [0, 1] sits at angle ``2 * pi * turns * r`` (plus pi for class 1), and ``noise`` is
    the std of random jitter added to that angle, in radians.
    """
    _check_toy(n, noise, seed)
    if not isinstance(turns, (int, float)) or isinstance(turns, bool) or turns <= 0:
        raise ValueError(f"turns must be a number > 0, got {turns!r}")
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 2).astype(np.float32)
    r = rng.uniform(0.05, 1.0, size=n)
    angle = 2 * np.pi * turns * r + np.pi * y + noise * rng.standard_normal(n)
    X = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    return make_splits(X, y, "binary", name="spirals", val_size=val_size, test_size=test_size, seed=seed)


# ----------------------------------------------------------------------------------------------------------
# Noisy polynomial (regression; bias-variance experiments)

# The true function for degree 3 is 0.2 - 1.0 x - 0.6 x^2 + 1.6 x^3; lower degrees use the first terms only.
_POLY_COEFFICIENTS = (0.2, -1.0, -0.6, 1.6, 0.5, -0.8, 0.3, 0.4, -0.2, 0.1)


def _poly_coefficients(degree: int, coefficients: Iterable[float] | None) -> np.ndarray:
    """Coefficients from the constant term up; explicit ``coefficients`` override ``degree``."""
    if coefficients is not None:
        coeffs = np.asarray(list(coefficients), dtype=np.float64)
        if coeffs.ndim != 1 or len(coeffs) == 0:
            raise ValueError("coefficients must be a non-empty list of numbers")
        return coeffs
    _check_int("degree", degree, minimum=0)
    if degree >= len(_POLY_COEFFICIENTS):
        raise ValueError(f"degree must be < {len(_POLY_COEFFICIENTS)} without coefficients, got {degree}")
    return np.array(_POLY_COEFFICIENTS[: degree + 1])


def _make_true_fn(coeffs: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    def true_fn(x: np.ndarray) -> np.ndarray:
        """The noise-free target: sum of coeffs[k] * x**k."""
        return np.polynomial.polynomial.polyval(np.asarray(x, dtype=np.float64), coeffs)

    return true_fn


def sample_polynomial(
    n: int,
    noise: float = 0.3,
    seed: int = 0,
    degree: int = 3,
    x_range: tuple[float, float] = (-1.0, 1.0),
    coefficients: Iterable[float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` fresh points (x, y) with x uniform in ``x_range`` and y = true_fn(x) + N(0, noise^2).

    Both arrays have shape (n,). Calling it with many seeds gives many training sets from one distribution.
    """
    _check_int("n", n, minimum=1)
    _check_nonnegative("noise", noise)
    _check_seed(seed)
    low, high = x_range
    if not low < high:
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range!r}")
    true_fn = _make_true_fn(_poly_coefficients(degree, coefficients))
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, size=n)
    y = true_fn(x) + noise * rng.standard_normal(n)
    return x, y


def polynomial(
    n: int = 60,
    degree: int = 3,
    noise: float = 0.3,
    seed: int = 0,
    x_range: tuple[float, float] = (-1.0, 1.0),
    coefficients: Iterable[float] | None = None,
    val_size: float = 0.2,
    test_size: float = 0.2,
    standardize: bool = False,
) -> DataSplits:
    """A noisy polynomial: X of shape (N, 1), y of shape (N, 1), regression.

    ``extras["true_fn"]`` is the noise-free function (NumPy in, NumPy out), so experiments can measure bias.
    Inputs are *not* standardised by default: x already lies in the small ``x_range``, and keeping it in its
    own units lets ``true_fn`` and fitted curves be plotted on the same axis without undoing any scaling.
    """
    x, y = sample_polynomial(n, noise, seed, degree, x_range, coefficients)
    coeffs = _poly_coefficients(degree, coefficients)
    extras = {"true_fn": _make_true_fn(coeffs), "coefficients": coeffs, "noise": noise, "x_range": x_range}
    return make_splits(
        x.reshape(-1, 1),
        y.reshape(-1, 1),
        "regression",
        name="polynomial",
        val_size=val_size,
        test_size=test_size,
        seed=seed,
        standardize=standardize,
        extras=extras,
    )


# ----------------------------------------------------------------------------------------------------------
# Real time series bundled with statsmodels (split in time order)


def _window_splits(
    series: np.ndarray,
    window: int,
    horizon: int,
    val_size: float,
    test_size: float,
    *,
    name: str,
    extras: dict,
) -> DataSplits:
    """Sliding windows over a 1-D series: X (N, window, 1) predicts the next ``horizon`` values (N, horizon).

    Windows are split in time order (train first, test last). The scaler is fitted on the part of the series
    that the training windows cover, and applied to the whole series before windowing, so X and y share units.
    """
    _check_int("window", window, minimum=1)
    _check_int("horizon", horizon, minimum=1)
    _check_split_sizes(val_size, test_size)
    n_windows = len(series) - window - horizon + 1
    if n_windows < 3:
        raise ValueError(f"window + horizon ({window} + {horizon}) is too long for {len(series)} steps")
    n_train, n_val, _ = _split_counts(n_windows, val_size, test_size)
    train_span = series[: n_train - 1 + window + horizon].reshape(-1, 1)
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(train_span)
    scaled = scaler.transform(series.reshape(-1, 1)).ravel()
    starts = np.arange(n_windows)
    X = np.stack([scaled[s : s + window] for s in starts])[:, :, None]
    y = np.stack([scaled[s + window : s + window + horizon] for s in starts])
    target_index = starts + window  # index of the first predicted step
    bounds = {
        "train": slice(0, n_train),
        "val": slice(n_train, n_train + n_val),
        "test": slice(n_train + n_val, None),
    }
    parts = {part: (X[b], y[b]) for part, b in bounds.items()}
    splits = _assemble(parts, "regression", name=name, scaling=None, extras=extras)
    splits.scaler = scaler
    splits.extras["target_index"] = {part: target_index[b] for part, b in bounds.items()}
    return splits


def sunspots(window: int = 24, horizon: int = 1, val_size: float = 0.15, test_size: float = 0.15) -> DataSplits:
    """Yearly mean sunspot numbers 1700-2008 (bundled with statsmodels) as a forecasting task.

    Each X is ``window`` consecutive (standardised) years, shape (N, window, 1); y holds the next ``horizon``
    years, shape (N, horizon). The split is chronological: the earliest windows train, the latest test.
    ``extras`` holds the raw ``series``, its ``years`` and ``target_years`` (first predicted year per split).
    """
    from statsmodels.datasets import sunspots as sunspots_data

    frame = sunspots_data.load_pandas().data
    series = frame["SUNACTIVITY"].to_numpy(dtype=np.float64)
    years = frame["YEAR"].to_numpy().astype(np.int64)
    extras = {"series": series, "years": years}
    splits = _window_splits(series, window, horizon, val_size, test_size, name="sunspots", extras=extras)
    splits.extras["target_years"] = {part: years[i] for part, i in splits.extras["target_index"].items()}
    return splits


# ----------------------------------------------------------------------------------------------------------
# Synthetic sequences


def recall_sequences(
    n: int = 1000, seq_len: int = 20, seed: int = 0, val_size: float = 0.2, test_size: float = 0.2
) -> DataSplits:
    """A memory test: random ±1 sequences, label 1 if the *first* element is +1.

    X has shape (N, seq_len, 1) and y shape (N,) (binary). Everything after the first step is noise, so a
    model must carry one bit across ``seq_len`` steps; raising ``seq_len`` shows how far back a model can
    remember. Inputs are not standardised (they already have mean 0 and std 1).
    """
    _check_int("n", n, minimum=8)
    _check_int("seq_len", seq_len, minimum=1)
    _check_seed(seed)
    rng = np.random.default_rng(seed)
    X = rng.choice(np.array([-1.0, 1.0]), size=(n, seq_len, 1))
    y = (X[:, 0, 0] > 0).astype(np.float32)
    return make_splits(
        X, y, "binary", name="recall_sequences", val_size=val_size, test_size=test_size, seed=seed,
        standardize=False, class_names=["first negative", "first positive"],
    )  # fmt: skip


# ----------------------------------------------------------------------------------------------------------
# A short text for character-level language models

TEXT_CORPUS = (
    "a network learns by making small mistakes and then making them a little smaller. at the start its "
    "weights are random, so its guesses are no better than a coin toss. we show it an example, it guesses, "
    "and we measure how wrong the guess was with a single number called the loss. the gradient of that loss "
    "tells every weight which way to move, and by how much, to make the same mistake slightly less likely "
    "next time. one step changes almost nothing; ten thousand steps change everything. "
    "training is patient work. if the learning rate is too large, the weights leap past the valley they were "
    "looking for, and the loss bounces around or explodes. if it is too small, the model creeps forward so "
    "slowly that the day ends before it arrives. a good rate sits between the two, and it often pays to "
    "lower it as training goes on, the way a hiker shortens her stride near the edge of a cliff. "
    "data matters more than cleverness. a model can only learn the patterns that appear in its examples, and "
    "it will happily learn their accidents too. when the training loss keeps falling while the validation "
    "loss starts to rise, the network has begun to memorise instead of understand. we fight this with more "
    "data, with smaller models, with weight decay that pulls every weight gently toward zero, and with "
    "dropout, which switches off random units so that no single unit can carry the whole answer. we also "
    "stop early, keeping the weights from the epoch that did best on data the model never trained on. "
    "the test set is different again. we look at it once, at the very end, because every glance at it is a "
    "chance to fool ourselves. a score measured on data that shaped our choices is a score we cannot trust. "
    "it is tempting to believe that deeper is always better, but depth brings its own troubles. signals "
    "shrink or grow as they pass through many layers, and the gradients flowing backward can fade to nothing "
    "or blow up. careful initialisation, normalisation layers and skip connections keep those signals in a "
    "healthy range, so that even a very deep stack can learn. "
    "in the end, learning is a conversation between a model, its data and the person guiding it. the model "
    "proposes, the data corrects, and the person decides what to try next. none of the three can do the job "
    "alone, and none of them gets it right the first time."
)


def _char_windows(ids: np.ndarray, starts: np.ndarray, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """The windows of ``seq_len`` ids that begin at ``starts``, and the id that follows each window."""
    X = np.stack([ids[s : s + seq_len] for s in starts])
    return X, ids[starts + seq_len]


def char_sequences(
    seq_len: int = 16,
    stride: int = 1,
    val_size: float = 0.1,
    test_size: float = 0.1,
    seed: int = 0,
    text: str | None = None,
) -> DataSplits:
    """Next-character prediction on ``TEXT_CORPUS`` (or ``text``): X int64 ids (N, seq_len), y next id (N,).

    The task is ``"classification"`` over the vocabulary. Note that X holds token *ids*, not features:
    ``n_features`` and ``n_classes`` are both the vocabulary size (what an embedding layer needs).
    ``extras`` holds ``vocab`` (list of characters) and the plain functions ``encode(str) -> list[int]`` and
    ``decode(ids) -> str``, the ``text`` and ``positions`` (where each split's windows start in the text).

    The text is cut into three contiguous blocks (train first, then val, then test) and windows are taken
    inside each block, so no window shares a single character with a window of another split. Sliding windows
    overlap heavily, so shuffling windows between splits would leak text. ``seed`` only shuffles the order of
    the training windows.
    """
    _check_int("seq_len", seq_len, minimum=1)
    _check_int("stride", stride, minimum=1)
    _check_split_sizes(val_size, test_size)
    _check_seed(seed)
    text = TEXT_CORPUS if text is None else text
    vocab = sorted(set(text))
    index = {ch: i for i, ch in enumerate(vocab)}

    def encode(s: str) -> list[int]:
        unknown = sorted(set(s) - set(index))
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {unknown}")
        return [index[ch] for ch in s]

    def decode(ids: Iterable[int]) -> str:
        return "".join(vocab[int(i)] for i in ids)

    ids = np.array(encode(text), dtype=np.int64)
    n_train, n_val, n_test = _split_counts(len(ids), val_size, test_size)
    if min(n_train, n_val, n_test) <= seq_len:
        raise ValueError(f"seq_len must be shorter than every split of the text, got {seq_len}")
    blocks = {"train": (0, n_train), "val": (n_train, n_train + n_val), "test": (n_train + n_val, len(ids))}
    # where windows start in the text; a window and the character it predicts stay inside one block
    positions = {part: np.arange(start, end - seq_len, stride) for part, (start, end) in blocks.items()}
    positions["train"] = np.random.default_rng(seed).permutation(positions["train"])
    parts = {part: _char_windows(ids, starts, seq_len) for part, starts in positions.items()}
    extras = {"vocab": vocab, "encode": encode, "decode": decode, "text": text, "positions": positions}
    splits = _assemble(parts, "classification", name="chars", scaling=None, n_classes=len(vocab))
    splits.extras.update(extras)
    splits.n_features = len(vocab)
    return splits


# ----------------------------------------------------------------------------------------------------------
# MNIST and Fashion-MNIST from local IDX files

# IDX type codes -> big-endian NumPy dtypes
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

_MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)

_MNIST_SOURCES = {
    "mnist": "https://ossci-datasets.s3.amazonaws.com/mnist/ (a mirror of https://yann.lecun.com/exdb/mnist/)",
    "fashion": "https://github.com/zalandoresearch/fashion-mnist (folder data/fashion)",
}


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (the format of MNIST), plain or gzip-compressed, into a NumPy array.

    The header is two zero bytes, a type code (0x08 = uint8, ... 0x0E = float64), the number of dimensions,
    then each dimension as a big-endian uint32. The values follow, big-endian.
    """
    path = Path(path)
    with path.open("rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":  # gzip magic number
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[:2] != b"\x00\x00":
        raise ValueError(f"{path} is not an IDX file (bad magic number)")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise ValueError(f"{path} has unknown IDX type code {code:#04x}")
    shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    dtype = np.dtype(_IDX_DTYPES[code])
    data = raw[4 + 4 * ndim :]
    if len(data) != int(np.prod(shape)) * dtype.itemsize:
        raise ValueError(f"{path}: header promises shape {shape} but the file holds {len(data)} data bytes")
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def _find_idx(root: Path, kind: str) -> list[Path]:
    """The four MNIST files in ``root`` (plain or .gz), or a FileNotFoundError saying what is missing."""
    found, missing = [], []
    for stem in _MNIST_FILES:
        candidates = [root / stem, root / f"{stem}.gz"]
        path = next((p for p in candidates if p.is_file()), None)
        (found if path else missing).append(path or stem)
    if missing:
        raise FileNotFoundError(
            f"{kind} files missing in {root}: {', '.join(missing)} (each may also end in .gz). "
            f"This book never downloads data: get the four files from {_MNIST_SOURCES[kind]} "
            f"and save them in {root}."
        )
    return found


def mnist(
    root: str | Path,
    kind: str = "mnist",
    val_size: float = 0.1,
    seed: int = 0,
    flat: bool = True,
    limit: int | None = None,
    standardize: bool = True,
) -> DataSplits:
    """MNIST (``kind="mnist"``) or Fashion-MNIST (``kind="fashion"``) read from IDX files in ``root``.

    The official test set is the test split; ``val_size`` of the training images (stratified) become the
    validation split. ``limit`` keeps only the first ``limit`` training and the first ``limit`` test images.
    Pixels are divided by 255 and standardised with one global mean and std from the training split.
    ``flat=True`` gives X of shape (N, 784), ``flat=False`` (N, 1, 28, 28).
    """
    if kind not in _MNIST_SOURCES:
        raise ValueError(f"kind must be one of {tuple(_MNIST_SOURCES)}, got {kind!r}")
    _check_fraction("val_size", val_size)
    _check_seed(seed)
    if limit is not None:
        _check_int("limit", limit, minimum=2)
    root = Path(root)
    train_x, train_y, test_x, test_y = (read_idx(p) for p in _find_idx(root, kind))
    if limit is not None:
        train_x, train_y, test_x, test_y = train_x[:limit], train_y[:limit], test_x[:limit], test_y[:limit]
    if len(train_x) != len(train_y) or len(test_x) != len(test_y):
        raise ValueError(f"image and label files in {root} hold different numbers of samples")

    def images(x: np.ndarray) -> np.ndarray:
        x = x.astype(np.float32) / 255.0
        return x.reshape(len(x), -1) if flat else x[:, None, :, :]

    n_val = max(1, round(len(train_x) * val_size))
    if n_val >= len(train_x):
        raise ValueError(f"val_size={val_size} leaves no training images out of {len(train_x)}")
    index = np.arange(len(train_x))
    labels = _stratify_labels(train_y, n_val)
    from sklearn.model_selection import train_test_split

    train, val = train_test_split(index, test_size=n_val, random_state=seed, stratify=labels)
    parts = {
        "train": (images(train_x[train]), train_y[train]),
        "val": (images(train_x[val]), train_y[val]),
        "test": (images(test_x), test_y),
    }
    class_names = FASHION_CLASSES if kind == "fashion" else [str(d) for d in range(10)]
    return _assemble(
        parts,
        "classification",
        name=kind if flat else f"{kind}-images",
        scaling="global" if standardize else None,
        n_classes=10,
        class_names=class_names,
    )
