"""MNIST-1D, generated offline by the mnist1d package, and the 1-D models that train on it."""

import numpy as np
import pytest
import torch

from dlbook import Trainer, set_seed
from dlbook import data as datasets
from dlbook.models import CNN1D, SequenceModel


@pytest.fixture(scope="module")
def plain():
    return datasets.mnist1d()


@pytest.fixture(scope="module")
def shuffled():
    return datasets.mnist1d(shuffle_seq=True)


def test_sizes_follow_the_published_split_with_validation_from_training(plain):
    assert len(plain.train[0]) + len(plain.val[0]) == 4000
    assert len(plain.val[0]) == 800
    assert len(plain.test[0]) == 1000
    assert tuple(plain.train[0].shape[1:]) == (40,)
    assert plain.n_classes == 10
    assert sorted(torch.unique(plain.test[1]).tolist()) == list(range(10))


def test_generation_is_deterministic_and_leaves_numpy_random_state_alone(plain):
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    again = datasets.mnist1d()
    assert np.random.rand() == expected
    assert torch.equal(again.train[0], plain.train[0])
    assert torch.equal(again.test[1], plain.test[1])


def test_the_shuffled_variant_is_one_fixed_permutation_of_the_plain_one(plain, shuffled):
    permutation = shuffled.extras["permutation"]
    assert sorted(permutation.tolist()) == list(range(40))
    assert not np.array_equal(permutation, np.arange(40))
    assert torch.equal(shuffled.test[0], plain.test[0][:, permutation])
    assert torch.equal(shuffled.train[0], plain.train[0][:, permutation])
    assert torch.equal(shuffled.train[1], plain.train[1])


def test_the_shuffled_variant_matches_the_packages_own_shuffle():
    from mnist1d.data import get_dataset_args, make_dataset

    state = np.random.get_state()
    args = get_dataset_args()
    args.shuffle_seq = True
    reference = make_dataset(args)
    np.random.set_state(state)
    ours = datasets.mnist1d(shuffle_seq=True)
    np.testing.assert_allclose(ours.test[0].numpy(), reference["x_test"].astype(np.float32))


def test_bad_arguments_are_refused(plain):
    with pytest.raises(TypeError, match="shuffle_seq"):
        datasets.mnist1d(shuffle_seq=1)
    with pytest.raises(ValueError, match="val_size"):
        datasets.mnist1d(val_size=1.5)


@pytest.mark.parametrize(
    "make",
    [lambda: CNN1D(), lambda: SequenceModel("gru", input_size=1, hidden_size=8, out_features=10)],
    ids=["cnn1d", "gru"],
)
def test_the_1d_models_train_on_mnist1d_with_the_trainer(plain, make):
    set_seed(0)
    model = make()
    small = plain.subset(400)
    history = Trainer(lr=1e-2, epochs=2, device="cpu").fit(model, small)
    assert history.final("train_loss") < history["train_loss"][0] * 1.01
    assert model(plain.test[0][:3]).shape == (3, 10)


def test_cnn1d_output_size_follows_the_paper_layout():
    assert CNN1D().head.in_features == 25 * 5
    with pytest.raises(ValueError, match="length"):
        CNN1D(length=2)
