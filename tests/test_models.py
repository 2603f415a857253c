"""Models: shapes, options, parameter counts and the inspectable attention."""

import pytest
import torch
from torch import nn

from dlbook import set_seed
from dlbook.models import CNN, MLP, SequenceModel, TinyTransformer, XORNet, count_parameters, init_weights


def test_mlp_shapes_and_parameter_count():
    model = MLP(64, [128, 32], 10)
    assert model(torch.randn(5, 64)).shape == (5, 10)
    assert model(torch.randn(5, 1, 8, 8)).shape == (5, 10)  # images are flattened
    assert count_parameters(model) == 64 * 128 + 128 + 128 * 32 + 32 + 32 * 10 + 10


def test_mlp_options_insert_the_right_layers():
    model = MLP(8, [16, 16], 2, activation="tanh", dropout=0.3, batchnorm=True, residual=True)
    kinds = {type(m) for m in model.modules()}
    assert {nn.Tanh, nn.Dropout, nn.BatchNorm1d} <= kinds
    assert [b.residual for b in model.blocks] == [False, True]
    assert any(isinstance(m, nn.LayerNorm) for m in MLP(8, [16], 2, layernorm=True).modules())


def test_dropout_active_only_in_train_mode():
    set_seed(0)
    model = MLP(8, [64], 2, dropout=0.5)
    x = torch.randn(4, 8)
    model.eval()
    assert torch.equal(model(x), model(x))
    model.train()
    assert not torch.equal(model(x), model(x))


def test_hidden_activations_one_per_block():
    outs = MLP(8, [16, 4], 2).hidden_activations(torch.randn(3, 8))
    assert [o.shape for o in outs] == [(3, 16), (3, 4)]


# Glorot uniform: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), so std = a / sqrt(3) = sqrt(2 / (fan_in + fan_out)).
# He normal (fan_in mode, ReLU gain sqrt(2)): std = sqrt(2 / fan_in).
@pytest.mark.parametrize("scheme,expected_std", [("xavier", (2 / (512 + 512)) ** 0.5), ("he", (2 / 512) ** 0.5)])
def test_init_schemes_set_the_documented_scale(scheme, expected_std):
    set_seed(0)
    model = init_weights(MLP(512, [512], 512), scheme)
    std = model.blocks[0].linear.weight.std().item()
    assert std == pytest.approx(expected_std, rel=0.05)
    assert torch.all(model.blocks[0].linear.bias == 0)


def test_xor_net_and_cnn_shapes():
    assert XORNet()(torch.randn(4, 2)).shape == (4, 1)
    assert CNN()(torch.randn(3, 1, 8, 8)).shape == (3, 10)
    assert CNN(channels=(8,), batchnorm=True, dropout=0.2)(torch.randn(2, 1, 28, 28)).shape == (2, 10)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_sequence_models_on_values_and_tokens(kind):
    assert SequenceModel(kind, 1, 16, 3)(torch.randn(4, 12, 1)).shape == (4, 3)
    tokens = torch.randint(0, 20, (4, 12))
    assert SequenceModel(kind, 8, 16, 20, vocab_size=20)(tokens).shape == (4, 20)


def test_lstm_has_four_gates_gru_three():
    sizes = {k: count_parameters(SequenceModel(k, 1, 10, 1).rnn) for k in ("rnn", "lstm", "gru")}
    assert sizes["lstm"] == 4 * sizes["rnn"]
    assert sizes["gru"] == 3 * sizes["rnn"]


def test_transformer_attention_weights_are_row_stochastic():
    model = TinyTransformer(input_size=1, d_model=16, n_heads=4, n_layers=2, out_features=1)
    out = model(torch.randn(3, 10, 1))
    assert out.shape == (3, 1)
    weights = model.attention_weights
    assert len(weights) == 2
    assert weights[0].shape == (3, 4, 10, 10)
    assert torch.allclose(weights[0].sum(-1), torch.ones(3, 4, 10))


def test_causal_attention_masks_the_future():
    model = TinyTransformer(vocab_size=12, d_model=16, n_heads=2, n_layers=1, out_features=12, causal=True)
    model(torch.randint(0, 12, (2, 6)))
    assert torch.all(model.attention_weights[0].triu(1) == 0)


def test_positional_encoding_makes_order_matter():
    set_seed(0)
    x = torch.randn(1, 6, 1)
    with_pos = TinyTransformer(d_model=16, n_heads=2, n_layers=1)
    without = TinyTransformer(d_model=16, n_heads=2, n_layers=1, positional=False)
    # Without positions, self-attention is permutation-equivariant: the last position's output only depends on
    # the set of inputs plus its own value, so reversing the first five inputs changes nothing.
    perm = torch.cat([x[:, :5].flip(1), x[:, 5:]], dim=1)
    assert torch.allclose(without(x), without(perm), atol=1e-6)
    assert not torch.allclose(with_pos(x), with_pos(perm), atol=1e-6)


@pytest.mark.parametrize(
    "factory,name",
    [
        (lambda: MLP(8, [16], 2, dropout=1.0), "dropout"),
        (lambda: MLP(8, [16], 2, activation="swoosh"), "activation"),
        (lambda: MLP(0, [16], 2), "in_features"),
        (lambda: SequenceModel("tcn"), "kind"),
        (lambda: TinyTransformer(d_model=10, n_heads=3), "d_model"),
        (lambda: init_weights(MLP(2, [2], 1), "lecun"), "init"),
    ],
)
def test_bad_arguments_raise_value_error(factory, name):
    with pytest.raises(ValueError, match=name):
        factory()
