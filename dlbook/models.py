"""Small models used throughout the book: MLPs, a CNN for digits, sequence models and a tiny Transformer."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from .checks import check_int, check_number

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "swish": nn.SiLU,  # Swish with beta=1 is SiLU
    "elu": nn.ELU,
    "identity": nn.Identity,
}
INITS = ("default", "xavier", "he")


def activation(name: str) -> nn.Module:
    """Return a fresh activation module by name (see ``ACTIVATIONS``)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name]()


def _check_dropout(dropout: float) -> None:
    check_number("dropout", dropout, 0.0, 1.0, open_max=True)


def _check_positive(name: str, value: int) -> None:
    check_int(name, value, minimum=1)


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) scalar parameters in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def init_weights(model: nn.Module, scheme: str = "he") -> nn.Module:
    """Re-initialise every Linear/Conv layer: ``"xavier"`` (Glorot) or ``"he"`` (Kaiming); biases to zero."""
    if scheme not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {scheme!r}")
    if scheme == "default":
        return model
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d, nn.Conv1d)):
            if scheme == "xavier":
                nn.init.xavier_uniform_(module.weight)
            else:
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return model


class Block(nn.Module):
    """One hidden layer: Linear → (BatchNorm | LayerNorm) → activation → Dropout, with an optional skip."""

    def __init__(
        self, n_in: int, n_out: int, act: str, dropout: float, batchnorm: bool, layernorm: bool, residual: bool
    ) -> None:
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        if batchnorm:
            self.norm: nn.Module = nn.BatchNorm1d(n_out)
        elif layernorm:
            self.norm = nn.LayerNorm(n_out)
        else:
            self.norm = nn.Identity()
        self.act = activation(act)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.residual = residual and n_in == n_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.dropout(self.act(self.norm(self.linear(x))))
        return x + out if self.residual else out


class MLP(nn.Module):
    """A fully connected network: ``in_features → hidden[0] → … → hidden[-1] → out_features``.

    Each hidden layer is a :class:`Block`. The last layer is a plain Linear that outputs logits (classification)
    or values (regression). ``residual=True`` adds a skip connection around every block whose input and output
    widths match. Inputs with more than two dimensions (e.g. images) are flattened.
    """

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int] = (128,),
        out_features: int = 10,
        activation: str = "relu",
        dropout: float = 0.0,
        batchnorm: bool = False,
        layernorm: bool = False,
        residual: bool = False,
        init: str = "default",
    ) -> None:
        super().__init__()
        _check_positive("in_features", in_features)
        _check_positive("out_features", out_features)
        for width in hidden:
            _check_positive("hidden width", width)
        _check_dropout(dropout)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        if batchnorm and layernorm:
            raise ValueError("batchnorm and layernorm cannot both be True")
        widths = [in_features, *hidden]
        self.blocks = nn.ModuleList(
            Block(a, b, activation, dropout, batchnorm, layernorm, residual) for a, b in zip(widths, widths[1:])
        )
        self.head = nn.Linear(widths[-1], out_features)
        init_weights(self, init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)
        for block in self.blocks:
            x = block(x)
        return self.head(x)

    def hidden_activations(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Outputs of every hidden block for input ``x`` (to count dead ReLUs, plot distributions …)."""
        outs = []
        x = x.flatten(1)
        for block in self.blocks:
            x = block(x)
            outs.append(x)
        return outs


class XORNet(MLP):
    """The classic 2 → hidden → 1 network for XOR; outputs one logit (use with BCEWithLogitsLoss)."""

    def __init__(
        self, hidden: int = 8, activation: str = "tanh", dropout: float = 0.0, batchnorm: bool = False
    ) -> None:
        super().__init__(2, [hidden], 1, activation=activation, dropout=dropout, batchnorm=batchnorm)


class CNN(nn.Module):
    """A small convolutional network for 8×8 (or 28×28) single-channel images."""

    def __init__(
        self,
        in_channels: int = 1,
        n_classes: int = 10,
        channels: Sequence[int] = (16, 32),
        dropout: float = 0.0,
        batchnorm: bool = False,
    ) -> None:
        super().__init__()
        _check_positive("in_channels", in_channels)
        _check_positive("n_classes", n_classes)
        _check_dropout(dropout)
        layers: list[nn.Module] = []
        c_in = in_channels
        for c_out in channels:
            layers += [nn.Conv2d(c_in, c_out, kernel_size=3, padding=1)]
            if batchnorm:
                layers.append(nn.BatchNorm2d(c_out))
            layers += [nn.ReLU(), nn.MaxPool2d(2)]
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(c_in, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.pool(self.features(x)).flatten(1)))


class CNN1D(nn.Module):
    """A 1-D convolutional network for signals such as MNIST-1D: three strided convolutions, then a Linear layer.

    Input ``(batch, length)`` or ``(batch, 1, length)``. The layout follows the MNIST-1D paper's ConvBase
    (kernels 5, 3, 3, stride 2, padding 1, ReLU): for length 40 the last feature map is ``channels × 5``.
    """

    def __init__(self, length: int = 40, n_classes: int = 10, channels: int = 25, dropout: float = 0.0) -> None:
        super().__init__()
        _check_positive("length", length)
        _check_positive("n_classes", n_classes)
        _check_positive("channels", channels)
        _check_dropout(dropout)
        self.features = nn.Sequential(
            nn.Conv1d(1, channels, kernel_size=5, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv1d(channels, channels, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv1d(channels, channels, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
        )
        out_length = length
        for kernel in (5, 3, 3):
            out_length = (out_length + 2 - kernel) // 2 + 1
        if out_length < 1:
            raise ValueError(f"length must be at least 3 for three strided convolutions, got {length}")
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(channels * out_length, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 2:
            x = x.unsqueeze(1)
        return self.head(self.dropout(self.features(x).flatten(1)))


RNN_KINDS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class SequenceModel(nn.Module):
    """RNN, LSTM or GRU over a sequence, then a Linear layer on the last hidden state.

    Input: ``(batch, seq_len, input_size)`` floats, ``(batch, seq_len)`` floats when ``input_size`` is 1 (a signal
    such as MNIST-1D), or ``(batch, seq_len)`` token ids when ``vocab_size`` is given (an embedding is added).
    Output: ``(batch, out_features)``.
    """

    def __init__(
        self,
        kind: str = "lstm",
        input_size: int = 1,
        hidden_size: int = 32,
        out_features: int = 1,
        num_layers: int = 1,
        dropout: float = 0.0,
        vocab_size: int | None = None,
    ) -> None:
        super().__init__()
        if kind not in RNN_KINDS:
            raise ValueError(f"kind must be one of {sorted(RNN_KINDS)}, got {kind!r}")
        _check_positive("hidden_size", hidden_size)
        _check_positive("num_layers", num_layers)
        _check_dropout(dropout)
        self.kind = kind
        self.embedding = nn.Embedding(vocab_size, input_size) if vocab_size else None
        self.rnn = RNN_KINDS[kind](
            input_size, hidden_size, num_layers=num_layers, batch_first=True, dropout=dropout if num_layers > 1 else 0.0
        )
        self.head = nn.Linear(hidden_size, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.embedding is not None:
            x = self.embedding(x)
        elif x.ndim == 2 and self.rnn.input_size == 1:
            x = x.unsqueeze(-1)
        outputs, _ = self.rnn(x)
        return self.head(outputs[:, -1])


class SelfAttention(nn.Module):
    """Multi-head scaled dot-product self-attention that keeps its last attention weights for inspection."""

    def __init__(self, d_model: int, n_heads: int, causal: bool = False) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by n_heads ({n_heads})")
        self.n_heads, self.d_head, self.causal = n_heads, d_model // n_heads, causal
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.weights: torch.Tensor | None = None  # (batch, heads, seq, seq) from the last forward pass

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.n_heads, self.d_head).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        if self.causal:
            mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
            scores = scores.masked_fill(mask, float("-inf"))
        weights = scores.softmax(dim=-1)
        self.weights = weights.detach()
        return self.out((weights @ v).transpose(1, 2).reshape(b, t, d))


class TransformerLayer(nn.Module):
    """Pre-norm Transformer encoder layer: x + attention(norm(x)), then x + MLP(norm(x))."""

    def __init__(self, d_model: int, n_heads: int, dropout: float, causal: bool) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.attn = SelfAttention(d_model, n_heads, causal)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.dropout(self.attn(self.norm1(x)))
        return x + self.dropout(self.mlp(self.norm2(x)))


def sinusoidal_positions(max_len: int, d_model: int) -> torch.Tensor:
    """The fixed sine/cosine position encodings of the original Transformer, shape ``(max_len, d_model)``."""
    pos = torch.arange(max_len, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))
    table = torch.zeros(max_len, d_model)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq[: d_model // 2])
    return table


class TinyTransformer(nn.Module):
    """A small Transformer encoder for sequence regression/classification.

    Inputs are ``(batch, seq_len, input_size)`` floats or ``(batch, seq_len)`` token ids (give ``vocab_size``).
    Positions are added with fixed sinusoidal encodings (``positional=False`` removes them, to show why they
    matter). The prediction is read from the last position. After a forward pass, ``attention_weights`` holds
    one ``(batch, heads, seq, seq)`` tensor per layer.
    """

    def __init__(
        self,
        input_size: int = 1,
        d_model: int = 32,
        n_heads: int = 4,
        n_layers: int = 2,
        out_features: int = 1,
        max_len: int = 256,
        dropout: float = 0.0,
        vocab_size: int | None = None,
        causal: bool = False,
        positional: bool = True,
    ) -> None:
        super().__init__()
        _check_positive("d_model", d_model)
        _check_positive("n_heads", n_heads)
        _check_positive("n_layers", n_layers)
        _check_dropout(dropout)
        self.embed = nn.Embedding(vocab_size, d_model) if vocab_size else nn.Linear(input_size, d_model)
        self.register_buffer("positions", sinusoidal_positions(max_len, d_model) if positional else None)
        self.layers = nn.ModuleList(TransformerLayer(d_model, n_heads, dropout, causal) for _ in range(n_layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embed(x)
        if self.positions is not None:
            if h.shape[1] > self.positions.shape[0]:
                raise ValueError(f"sequence length {h.shape[1]} exceeds max_len {self.positions.shape[0]}")
            h = h + self.positions[: h.shape[1]]
        for layer in self.layers:
            h = layer(h)
        return self.head(self.norm(h)[:, -1])

    @property
    def attention_weights(self) -> list[torch.Tensor]:
        return [layer.attn.weights for layer in self.layers if layer.attn.weights is not None]
