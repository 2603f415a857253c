"""Tests for dlbook.data: shapes, leakage-free preprocessing, reproducible splits and the IDX reader."""

import gzip
import re
import string
import struct

import numpy as np
import pytest
import torch
from sklearn.preprocessing import StandardScaler

from dlbook import data
from dlbook.data import DataSplits, digits, random_shift


def _all_parts(splits: DataSplits):
    return [splits.train, splits.val, splits.test]


# ----------------------------------------------------------------------------------------------------------
# Shapes, dtypes and tasks

CASES = {
    "digits": (lambda: data.digits(), "classification", (64,), 64, 10),
    "digits_images": (lambda: data.digits(flat=False), "classification", (1, 8, 8), 8, 10),
    "xor": (lambda: data.xor(n=200), "binary", (2,), 2, 2),
    "moons": (lambda: data.moons(n=200), "binary", (2,), 2, 2),
    "circles": (lambda: data.circles(n=200), "binary", (2,), 2, 2),
    "spirals": (lambda: data.spirals(n=200), "binary", (2,), 2, 2),
    "polynomial": (lambda: data.polynomial(), "regression", (1,), 1, None),
    "sunspots": (lambda: data.sunspots(window=12), "regression", (12, 1), 1, None),
    "recall": (lambda: data.recall_sequences(n=100, seq_len=7), "binary", (7, 1), 1, 2),
}


@pytest.mark.parametrize("key", list(CASES))
def test_shapes_dtypes_and_task(key):
    factory, task, x_shape, n_features, n_classes = CASES[key]
    splits = factory()
    assert splits.task == task
    assert splits.n_features == n_features
    assert splits.n_classes == n_classes
    for X, y in _all_parts(splits):
        assert len(X) == len(y) > 0
        assert tuple(X.shape[1:]) == x_shape
        assert X.dtype == torch.float32
        if task == "classification":
            assert y.dtype == torch.int64
            assert y.ndim == 1
            assert 0 <= int(y.min())
            assert int(y.max()) < n_classes
        elif task == "binary":
            assert y.dtype == torch.float32
            assert y.ndim == 1
            assert set(torch.unique(y).tolist()) <= {0.0, 1.0}
        else:
            assert y.dtype == torch.float32
            assert y.ndim == 2
        assert torch.isfinite(X).all()
        assert torch.isfinite(y.float()).all()


def test_digits_sizes_and_class_names():
    splits = data.digits(val_size=0.2, test_size=0.2)
    sizes = [len(X) for X, _ in _all_parts(splits)]
    assert sum(sizes) == 1797
    assert sizes[1] == sizes[2] == round(1797 * 0.2)
    assert splits.class_names == [str(d) for d in range(10)]


def test_repr_is_one_line_summary():
    text = repr(data.xor(n=100))
    assert "\n" not in text
    assert "'xor'" in text
    assert "binary" in text
    assert "train=60" in text
    assert "val=20" in text


# ----------------------------------------------------------------------------------------------------------
# Standardisation uses training statistics only


def test_scaler_is_fitted_on_train_only():
    raw = data.digits(seed=3, standardize=False)
    scaled = data.digits(seed=3, standardize=True)
    assert raw.scaler is None
    reference = StandardScaler().fit(raw.train[0].numpy().astype(np.float64))
    np.testing.assert_allclose(scaled.scaler.mean_, reference.mean_, atol=1e-6)
    np.testing.assert_allclose(scaled.scaler.scale_, reference.scale_, atol=1e-6)
    for (X_raw, y_raw), (X_scaled, y_scaled) in zip(_all_parts(raw), _all_parts(scaled), strict=True):
        assert torch.equal(y_raw, y_scaled)  # the same samples, in the same order
        expected = reference.transform(X_raw.numpy().astype(np.float64))
        np.testing.assert_allclose(X_scaled.numpy(), expected, atol=1e-5)
    # the statistics are not those of all the data
    everything = np.concatenate([X.numpy() for X, _ in _all_parts(raw)])
    assert not np.allclose(scaled.scaler.mean_, everything.mean(axis=0), atol=1e-6, rtol=0)


def test_standardised_train_features_have_mean_zero_std_one():
    splits = data.digits()
    X = splits.train[0].numpy().astype(np.float64)
    varying = splits.scaler.var_ > 0
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(X[:, varying].std(axis=0), 1, atol=1e-4)


def test_digit_images_use_one_global_mean_and_std():
    splits = data.digits(flat=False)
    assert splits.scaler.mean_.shape == (1,)
    assert 0 < splits.scaler.mean_[0] < 1  # pixels were scaled to [0, 1] first
    X = splits.train[0].double()
    assert abs(X.mean().item()) < 1e-5
    assert abs(X.std().item() - 1) < 1e-3


def test_sequences_are_scaled_per_feature_over_all_steps():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 6, 2)) * np.array([1.0, 10.0]) + np.array([5.0, -3.0])
    y = rng.normal(size=50)
    splits = data.make_splits(X, y, "regression", name="seq")
    assert splits.scaler.mean_.shape == (2,)
    flat = splits.train[0].reshape(-1, 2).double()
    np.testing.assert_allclose(flat.mean(dim=0).numpy(), 0, atol=1e-5)
    np.testing.assert_allclose(flat.std(dim=0, unbiased=False).numpy(), 1, atol=1e-5)
    assert splits.train[1].shape == (len(splits.train[0]), 1)  # targets are never scaled


# ----------------------------------------------------------------------------------------------------------
# Stratification and seeds


def test_stratification_keeps_class_proportions():
    y = np.array([1] * 30 + [0] * 270)
    X = np.arange(300, dtype=np.float64)
    splits = data.make_splits(X, y, "binary", name="rare", val_size=0.2, test_size=0.2, seed=5)
    for _, part_y in _all_parts(splits):
        positives = part_y.sum().item()
        assert abs(positives - 0.1 * len(part_y)) <= 1


def test_digits_splits_keep_every_class_share():
    splits = data.digits()
    labels = np.concatenate([y.numpy() for _, y in _all_parts(splits)])
    overall = np.bincount(labels, minlength=10) / len(labels)
    for _, y in _all_parts(splits):
        share = np.bincount(y.numpy(), minlength=10) / len(y)
        np.testing.assert_allclose(share, overall, atol=0.01)


def test_same_seed_same_splits_different_seed_different():
    for factory in (data.digits, data.xor, data.recall_sequences, data.polynomial):
        a, b, c = factory(seed=0), factory(seed=0), factory(seed=1)
        for part_a, part_b in zip(_all_parts(a), _all_parts(b), strict=True):
            assert torch.equal(part_a[0], part_b[0])
            assert torch.equal(part_a[1], part_b[1])
        assert not torch.equal(a.train[0], c.train[0])


def test_shuffle_false_keeps_the_order():
    X = np.arange(20, dtype=np.float64)
    splits = data.make_splits(X, X * 2, "regression", name="ordered", shuffle=False, standardize=False)
    assert splits.train[0].ravel().tolist() == list(range(12))
    assert splits.val[0].ravel().tolist() == list(range(12, 16))
    assert splits.test[0].ravel().tolist() == list(range(16, 20))


# ----------------------------------------------------------------------------------------------------------
# Toy problems


def test_xor_labels_follow_the_signs_of_the_raw_inputs():
    splits = data.xor(n=400, noise=0.1)
    for X, y in _all_parts(splits):
        raw = splits.scaler.inverse_transform(X.numpy())
        np.testing.assert_array_equal(y.numpy(), (raw[:, 0] * raw[:, 1] < 0).astype(np.float32))


def test_xor_truth_table():
    X, y = data.xor_truth_table()
    assert X.shape == (4, 2)
    assert y.shape == (4,)
    assert X.dtype == y.dtype == torch.float32
    assert torch.equal(y, (X[:, 0] != X[:, 1]).float())
    assert len({tuple(row) for row in X.tolist()}) == 4


def test_spirals_are_balanced_and_inside_the_unit_disc():
    splits = data.spirals(n=300, noise=0.0, turns=2.0)
    ys = torch.cat([y for _, y in _all_parts(splits)])
    assert ys.sum().item() == 150
    raw = splits.scaler.inverse_transform(splits.train[0].numpy())
    assert (np.hypot(raw[:, 0], raw[:, 1]) <= 1 + 1e-5).all()


# ----------------------------------------------------------------------------------------------------------
# Polynomial regression


def test_polynomial_targets_follow_the_true_function():
    splits = data.polynomial(n=40, noise=0.0, x_range=(-2, 3))
    true_fn = splits.extras["true_fn"]
    assert splits.scaler is None  # x stays in its own units
    for X, y in _all_parts(splits):
        x = X.numpy().astype(np.float64).ravel()
        assert ((-2 <= x) & (x <= 3)).all()
        np.testing.assert_allclose(y.numpy().ravel(), true_fn(x), rtol=1e-4, atol=1e-4)


def test_polynomial_noise_has_the_requested_std():
    x, y = data.sample_polynomial(4000, noise=0.3, seed=1)
    assert x.shape == y.shape == (4000,)
    residual = y - data.polynomial().extras["true_fn"](x)
    assert abs(residual.std() - 0.3) < 0.02
    assert abs(residual.mean()) < 0.03


def test_polynomial_coefficients_override_degree():
    splits = data.polynomial(n=20, noise=0.0, coefficients=[1.0, 2.0])
    X, y = splits.train
    np.testing.assert_allclose(y.numpy(), 1 + 2 * X.numpy(), atol=1e-5)


def test_sample_polynomial_resamples_with_new_seeds():
    a, b, c = (data.sample_polynomial(10, 0.3, seed) for seed in (0, 0, 1))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


# ----------------------------------------------------------------------------------------------------------
# Time series


def test_sunspots_split_is_chronological():
    splits = data.sunspots(window=10)
    years = splits.extras["target_years"]
    assert years["train"].max() < years["val"].min()
    assert years["val"].max() < years["test"].min()
    assert np.all(np.diff(years["train"]) == 1)


def test_sunspot_windows_hold_the_raw_series_scaled_with_train_statistics():
    window = 10
    splits = data.sunspots(window=window)
    series = splits.extras["series"]
    n_train = len(splits.train[0])
    train_span = series[: n_train + window]  # every value the training windows and targets touch
    assert splits.scaler.mean_[0] == pytest.approx(train_span.mean())
    assert splits.scaler.scale_[0] == pytest.approx(train_span.std())
    assert not splits.scaler.mean_[0] == pytest.approx(series.mean())
    for part in ("train", "val", "test"):
        X, y = getattr(splits, part)
        first = splits.extras["target_index"][part][0]
        raw_X = splits.scaler.inverse_transform(X[0].numpy().astype(np.float64))
        np.testing.assert_allclose(raw_X.ravel(), series[first - window : first], rtol=1e-5)
        raw_y = splits.scaler.inverse_transform(y[:1].numpy().astype(np.float64))
        assert raw_y[0, 0] == pytest.approx(series[first], rel=1e-5)
    X, y = splits.train
    assert torch.equal(X[1:, -1, 0], y[:-1, 0])  # each target is the last input of the next window


def test_sunspot_horizon_gives_several_targets():
    splits = data.sunspots(window=8, horizon=3)
    X, y = splits.train
    assert y.shape == (len(X), 3)
    assert torch.equal(y[:-2, 2], y[2:, 0])  # 3rd target of window i = 1st of window i + 2


def test_recall_label_is_the_sign_of_the_first_element():
    splits = data.recall_sequences(n=300, seq_len=12, seed=4)
    for X, y in _all_parts(splits):
        assert set(torch.unique(X).tolist()) == {-1.0, 1.0}
        assert torch.equal(y, (X[:, 0, 0] > 0).float())
    assert 0.35 < splits.train[1].mean().item() < 0.65


def test_text_corpus_is_plain_lowercase_prose():
    assert 1500 <= len(data.TEXT_CORPUS) <= 3000
    assert set(data.TEXT_CORPUS) <= set(string.ascii_lowercase + " .,;:'?!-")


def test_char_sequences_shapes_and_vocab():
    splits = data.char_sequences(seq_len=16)
    vocab = splits.extras["vocab"]
    assert vocab == sorted(set(data.TEXT_CORPUS))
    assert splits.n_features == splits.n_classes == len(vocab)
    assert splits.task == "classification"
    assert splits.scaler is None
    for X, y in _all_parts(splits):
        assert X.dtype == y.dtype == torch.int64
        assert X.shape[1] == 16
        assert y.shape == (len(X),)
        assert int(X.max()) < len(vocab)
        assert int(y.max()) < len(vocab)


def test_char_windows_come_from_the_text_and_never_cross_splits():
    seq_len, stride = 12, 3
    splits = data.char_sequences(seq_len=seq_len, stride=stride)
    decode, text, positions = splits.extras["decode"], splits.extras["text"], splits.extras["positions"]
    covered = {}
    for part in ("train", "val", "test"):
        X, y = getattr(splits, part)
        for row, label, start in zip(X[:50], y[:50], positions[part][:50], strict=False):
            assert decode(row) + decode([label]) == text[start : start + seq_len + 1]
        covered[part] = {p for s in positions[part] for p in range(s, s + seq_len + 1)}
    assert not covered["train"] & covered["val"]
    assert not covered["train"] & covered["test"]
    assert not covered["val"] & covered["test"]
    assert np.all(np.diff(np.sort(positions["train"])) == stride)


def test_encode_decode_round_trip():
    splits = data.char_sequences()
    encode, decode = splits.extras["encode"], splits.extras["decode"]
    for s in (data.TEXT_CORPUS, "the loss, the data.", ""):
        assert decode(encode(s)) == s
    with pytest.raises(ValueError, match="not in the vocabulary"):
        encode("Z")


# ----------------------------------------------------------------------------------------------------------
# IDX files and MNIST


def _write_idx(path, array, code, fmt):
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    body = struct.pack(f">{array.size}{fmt}", *array.ravel().tolist())
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(header + body)


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_round_trip(tmp_path, suffix):
    rng = np.random.default_rng(0)
    arrays = [
        (rng.integers(0, 256, size=(3, 5, 4)).astype(np.uint8), 0x08, "B"),
        (rng.integers(-1000, 1000, size=(7,)).astype(np.int32), 0x0C, "i"),
        (rng.normal(size=(2, 3)).astype(np.float32), 0x0D, "f"),
        (rng.normal(size=(4,)), 0x0E, "d"),
    ]
    for i, (array, code, fmt) in enumerate(arrays):
        path = tmp_path / f"a{i}.idx{suffix}"
        _write_idx(path, array, code, fmt)
        back = data.read_idx(path)
        assert back.shape == array.shape
        assert back.dtype == array.dtype
        np.testing.assert_array_equal(back, array)


def test_read_idx_rejects_other_files(tmp_path):
    path = tmp_path / "bad"
    path.write_bytes(b"\x01\x02\x08\x01\x00\x00\x00\x01\x05")
    with pytest.raises(ValueError, match="magic"):
        data.read_idx(path)
    path.write_bytes(struct.pack(">BBBBI", 0, 0, 0x08, 1, 5) + b"\x01\x02")
    with pytest.raises(ValueError, match="shape"):
        data.read_idx(path)


def _write_tiny_mnist(root, suffix, n_train=30, n_test=12, seed=0):
    rng = np.random.default_rng(seed)
    train_x = rng.integers(0, 256, size=(n_train, 28, 28)).astype(np.uint8)
    test_x = rng.integers(0, 256, size=(n_test, 28, 28)).astype(np.uint8)
    train_y = (np.arange(n_train) % 10).astype(np.uint8)
    test_y = rng.integers(0, 10, size=n_test).astype(np.uint8)
    for stem, array in [
        ("train-images-idx3-ubyte", train_x),
        ("train-labels-idx1-ubyte", train_y),
        ("t10k-images-idx3-ubyte", test_x),
        ("t10k-labels-idx1-ubyte", test_y),
    ]:
        _write_idx(root / f"{stem}{suffix}", array, 0x08, "B")
    return train_x, train_y, test_x, test_y


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_mnist_reads_tiny_local_files(tmp_path, suffix):
    _, _, test_x, test_y = _write_tiny_mnist(tmp_path, suffix)
    splits = data.mnist(tmp_path, val_size=1 / 3, seed=0)
    assert [len(X) for X, _ in _all_parts(splits)] == [20, 10, 12]
    assert splits.train[0].shape[1:] == (784,)
    assert splits.n_features == 784
    assert splits.n_classes == 10
    assert splits.class_names[3] == "3"
    assert sorted(splits.val[1].tolist()) == list(range(10))  # stratified: each class once
    assert torch.equal(splits.test[1], torch.from_numpy(test_y.astype(np.int64)))
    assert splits.scaler.mean_.shape == (1,)  # one global mean and std
    raw = splits.scaler.inverse_transform(splits.test[0].reshape(-1, 1).double().numpy())
    np.testing.assert_allclose(raw.reshape(12, 28, 28), test_x / 255.0, atol=1e-5)


def test_fashion_images_and_limit(tmp_path):
    _write_tiny_mnist(tmp_path, ".gz")
    with pytest.warns(UserWarning, match="stratified"):
        splits = data.mnist(tmp_path, kind="fashion", flat=False, limit=20, val_size=0.1)
    assert [len(X) for X, _ in _all_parts(splits)] == [18, 2, 12]
    assert splits.train[0].shape[1:] == (1, 28, 28)
    assert splits.class_names[0] == "T-shirt/top"
    assert splits.class_names[9] == "Ankle boot"
    assert len(splits.class_names) == 10


def test_mnist_missing_files_say_what_and_where(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        data.mnist(tmp_path)
    message = str(info.value)
    for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"):
        assert stem in message
    assert "http" in message
    with pytest.raises(FileNotFoundError, match="fashion-mnist"):
        data.mnist(tmp_path, kind="fashion")


# ----------------------------------------------------------------------------------------------------------
# Arguments, subset and device moves


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: data.digits(val_size=0), "val_size"),
        (lambda: data.digits(val_size=1.5), "val_size"),
        (lambda: data.digits(test_size=-0.1), "test_size"),
        (lambda: data.digits(val_size=0.5, test_size=0.5), "val_size"),
        (lambda: data.digits(seed=-1), "seed"),
        (lambda: data.xor(n=0), "n"),
        (lambda: data.moons(noise=-0.1), "noise"),
        (lambda: data.circles(factor=1.5), "factor"),
        (lambda: data.spirals(turns=0), "turns"),
        (lambda: data.polynomial(n=-3), "n"),
        (lambda: data.sample_polynomial(10, noise=-1.0), "noise"),
        (lambda: data.polynomial(x_range=(1, -1)), "x_range"),
        (lambda: data.sunspots(window=0), "window"),
        (lambda: data.sunspots(horizon=0), "horizon"),
        (lambda: data.recall_sequences(seq_len=0), "seq_len"),
        (lambda: data.char_sequences(seq_len=0), "seq_len"),
        (lambda: data.char_sequences(stride=0), "stride"),
        (lambda: data.mnist(".", kind="cifar"), "kind"),
        (lambda: data.make_splits([[1.0]] * 10, [0] * 10, "ranking", name="x"), "task"),
        (lambda: data.make_splits([[1.0]] * 10, [0] * 9, "binary", name="x"), "X and y"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(call, argument):
    with pytest.raises(ValueError, match=f"^{re.escape(argument)} "):
        call()


def test_subset_keeps_val_and_test_and_is_nested():
    splits = data.digits()
    small, larger = splits.subset(50, seed=2), splits.subset(120, seed=2)
    assert len(small.train[0]) == 50
    assert len(larger.train[0]) == 120
    assert torch.equal(small.train[0], larger.train[0][:50])
    assert small.val is splits.val
    assert small.test is splits.test
    train_rows = {tuple(row) for row in splits.train[0].tolist()}
    assert all(tuple(row) in train_rows for row in small.train[0].tolist())
    assert not torch.equal(splits.subset(50, seed=3).train[0], small.train[0])
    with pytest.raises(ValueError, match="n_train"):
        splits.subset(len(splits.train[0]) + 1)
    with pytest.raises(ValueError, match="n_train"):
        splits.subset(0)


def test_to_returns_new_splits_on_the_device():
    splits = data.xor(n=100)
    moved = splits.to("cpu")
    assert isinstance(moved, DataSplits)
    assert moved is not splits
    for X, y in _all_parts(moved):
        assert X.device.type == "cpu"
        assert y.device.type == "cpu"
    assert torch.equal(moved.train[0], splits.train[0])
    assert moved.scaler is splits.scaler
    assert moved.name == splits.name
    if torch.cuda.is_available():
        assert moved.to("cuda").train[0].device.type == "cuda"


def test_random_shift_moves_whole_images_and_fills_the_gap():
    images = torch.zeros(50, 8, 8)
    images[:, 3:5, 3:5] = 1.0
    shifted = random_shift(images, torch.Generator().manual_seed(0), max_shift=1)
    assert shifted.shape == images.shape
    assert torch.equal(shifted.sum(dim=(1, 2)), images.sum(dim=(1, 2)))  # the blob stays inside the frame
    assert not torch.equal(shifted, images)
    assert torch.equal(random_shift(images, torch.Generator().manual_seed(0), max_shift=0), images)


def test_augmented_adds_copies_of_the_training_set_only():
    data = digits()
    more = data.augmented(copies=2, seed=0)
    assert len(more.train[0]) == 3 * len(data.train[0])
    assert torch.equal(more.train[0][: len(data.train[0])], data.train[0])
    assert torch.equal(more.train[1], data.train[1].repeat(3))
    assert more.val[0] is data.val[0]
    assert torch.equal(data.augmented(copies=2, seed=0).train[0], more.train[0])
    with pytest.raises(ValueError, match="copies"):
        data.augmented(copies=0)
    with pytest.raises(ValueError, match="image_shape"):
        data.augmented(image_shape=(4, 4))
