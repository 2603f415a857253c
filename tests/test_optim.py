"""Tests for dlbook.optim: from-scratch optimizers against torch.optim, test functions, trace, FTRL."""

from __future__ import annotations

import copy
import inspect
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlbook import optim

# (our class, torch's class, constructor keyword arguments)
CONFIGS = [
    (optim.SGD, torch.optim.SGD, dict(lr=0.05)),
    (optim.SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9)),
    (optim.SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.5)),
    (optim.SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (optim.SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    (optim.Adagrad, torch.optim.Adagrad, dict(lr=0.1)),
    (
        optim.Adagrad,
        torch.optim.Adagrad,
        dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-6),
    ),
    (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.01)),
    (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.01, centered=True)),
    (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.005, momentum=0.9)),
    (
        optim.RMSprop,
        torch.optim.RMSprop,
        dict(lr=0.005, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1, eps=1e-6),
    ),
    (optim.Adam, torch.optim.Adam, dict(lr=0.01)),
    (optim.Adam, torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    (optim.AdamW, torch.optim.AdamW, dict(lr=0.01)),
    (optim.AdamW, torch.optim.AdamW, dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0.5)),
    (optim.NAdam, torch.optim.NAdam, dict(lr=0.01)),
    (optim.NAdam, torch.optim.NAdam, dict(lr=0.01, betas=(0.8, 0.99), momentum_decay=0.01, weight_decay=0.1)),
    (optim.NAdam, torch.optim.NAdam, dict(lr=0.01, momentum_decay=0.5)),  # a schedule mu_t that matters
    (optim.Adadelta, torch.optim.Adadelta, dict()),
    (optim.Adadelta, torch.optim.Adadelta, dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)),
]
CONFIG_IDS = [f"{ours.__name__}-{kwargs}" for ours, _, kwargs in CONFIGS]
# Everything runs in float64, so we can ask for far more agreement than the 1e-5 float32 would allow.
ATOL = 1e-9


def tiny_regression():
    """A small tanh MLP in float64 and a fixed regression batch."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(32, 4, generator=gen, dtype=torch.float64)
    y = torch.sin(x.sum(dim=1, keepdim=True))
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    return model, x, y


def run_mlp(model, opt, x, y, steps=50):
    for _ in range(steps):
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        opt.step()


def flat(model) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()])


@pytest.mark.parametrize("ours, theirs, kwargs", CONFIGS, ids=CONFIG_IDS)
def test_matches_torch_on_mlp(ours, theirs, kwargs):
    model_a, x, y = tiny_regression()
    model_b = copy.deepcopy(model_a)
    start = flat(model_a)
    run_mlp(model_a, ours(model_a.parameters(), **kwargs), x, y)
    run_mlp(model_b, theirs(model_b.parameters(), **kwargs), x, y)
    assert (flat(model_b) - start).abs().max() > 1e-3  # the parameters really moved
    assert (flat(model_a) - flat(model_b)).abs().max() <= ATOL


@pytest.mark.parametrize("ours, theirs, kwargs", CONFIGS, ids=CONFIG_IDS)
def test_matches_torch_on_rosenbrock(ours, theirs, kwargs):
    if ours is optim.SGD:  # Rosenbrock's curvature near the start needs a much smaller step for plain SGD
        kwargs = {**kwargs, "lr": kwargs["lr"] * 0.01}
    path_ours = optim.trace(ours, optim.rosenbrock, steps=50, **kwargs)
    path_torch = optim.trace(theirs, optim.rosenbrock, steps=50, **kwargs)
    assert path_torch.shape == path_ours.shape == (51, 2)
    assert np.abs(path_torch[-1] - path_torch[0]).max() > 1e-3
    np.testing.assert_allclose(path_ours, path_torch, rtol=0, atol=ATOL)


TWINS = list(dict.fromkeys((ours, theirs) for ours, theirs, _ in CONFIGS))  # each pair once, in order


@pytest.mark.parametrize("ours, theirs", TWINS)
def test_defaults_match_torch(ours, theirs):
    ours_sig = inspect.signature(ours.__init__).parameters
    theirs_sig = inspect.signature(theirs.__init__).parameters
    for name, param in ours_sig.items():
        if name in ("self", "params"):
            continue
        assert name in theirs_sig, name
        if theirs_sig[name].default is not inspect.Parameter.empty:  # older torch has no default lr for SGD
            assert param.default == theirs_sig[name].default, name


def test_matches_torch_with_param_groups_and_scheduler():
    model_a, x, y = tiny_regression()
    model_b = copy.deepcopy(model_a)

    def make(cls, model):
        groups = [{"params": model[0].parameters(), "lr": 0.1}, {"params": model[2].parameters()}]
        opt = cls(groups, lr=0.02, momentum=0.9, nesterov=True)
        return opt, torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)

    for model, cls in [(model_a, optim.SGD), (model_b, torch.optim.SGD)]:
        opt, scheduler = make(cls, model)
        for _ in range(30):
            run_mlp(model, opt, x, y, steps=1)
            scheduler.step()
        assert opt.param_groups[0]["lr"] == pytest.approx(0.1 / 8)
    assert (flat(model_a) - flat(model_b)).abs().max() <= ATOL


def test_closure_returns_loss_and_gives_same_update():
    model_a, x, y = tiny_regression()
    model_b = copy.deepcopy(model_a)
    opt_a, opt_b = optim.Adam(model_a.parameters(), lr=0.01), optim.Adam(model_b.parameters(), lr=0.01)

    def closure():
        opt_a.zero_grad()
        loss = F.mse_loss(model_a(x), y)
        loss.backward()
        return loss

    for _ in range(5):
        expected = F.mse_loss(model_a(x), y).item()
        assert opt_a.step(closure).item() == pytest.approx(expected)
        run_mlp(model_b, opt_b, x, y, steps=1)
    assert torch.equal(flat(model_a), flat(model_b))
    assert opt_b.step() is None


@pytest.mark.parametrize(
    "cls", [optim.SGD, optim.Adagrad, optim.RMSprop, optim.Adam, optim.AdamW, optim.NAdam, optim.Adadelta, optim.FTRL]
)
def test_parameters_without_gradient_are_left_alone(cls):
    used = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    unused = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    opt = cls([used, unused], momentum=0.9) if cls is optim.SGD else cls([used, unused])
    for _ in range(3):
        opt.zero_grad()
        (used**2).sum().backward()
        opt.step()
    assert not torch.equal(used.detach(), torch.ones(3, dtype=torch.float64))
    assert torch.equal(unused.detach(), torch.ones(3, dtype=torch.float64))
    assert unused not in opt.state


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adagrad, optim.RMSprop, optim.Adam, optim.NAdam, optim.Adadelta])
def test_state_dict_resumes_exactly(cls):
    kwargs = dict(lr=0.01, momentum=0.9) if cls in (optim.SGD, optim.RMSprop) else {}
    model, x, y = tiny_regression()
    resumed = copy.deepcopy(model)
    opt = cls(model.parameters(), **kwargs)
    run_mlp(model, opt, x, y, steps=20)
    resumed.load_state_dict(model.state_dict())
    opt_resumed = cls(resumed.parameters(), **kwargs)
    opt_resumed.load_state_dict(copy.deepcopy(opt.state_dict()))
    run_mlp(model, opt, x, y, steps=20)
    run_mlp(resumed, opt_resumed, x, y, steps=20)
    assert torch.equal(flat(model), flat(resumed))


# ---------------------------------------------------------------------------------------------------------
# Argument validation
# ---------------------------------------------------------------------------------------------------------

BAD_ARGUMENTS = [
    (optim.SGD, dict(lr=0.0), "lr"),
    (optim.SGD, dict(lr=-1.0), "lr"),
    (optim.SGD, dict(momentum=-0.1), "momentum"),
    (optim.SGD, dict(dampening=1.5), "dampening"),
    (optim.SGD, dict(weight_decay=-1e-4), "weight_decay"),
    (optim.SGD, dict(nesterov=True), "nesterov"),
    (optim.SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), "nesterov"),
    (optim.Adagrad, dict(lr=-0.1), "lr"),
    (optim.Adagrad, dict(lr_decay=-0.1), "lr_decay"),
    (optim.Adagrad, dict(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    (optim.Adagrad, dict(eps=0.0), "eps"),
    (optim.RMSprop, dict(alpha=1.0), "alpha"),
    (optim.RMSprop, dict(alpha=-0.5), "alpha"),
    (optim.RMSprop, dict(momentum=-1.0), "momentum"),
    (optim.RMSprop, dict(eps=-1e-8), "eps"),
    (optim.Adam, dict(betas=(1.0, 0.999)), "betas[0]"),
    (optim.Adam, dict(betas=(0.9, -0.1)), "betas[1]"),
    (optim.Adam, dict(weight_decay=-0.1), "weight_decay"),
    (optim.AdamW, dict(lr=0.0), "lr"),
    (optim.AdamW, dict(weight_decay=-0.01), "weight_decay"),
    (optim.NAdam, dict(momentum_decay=-1.0), "momentum_decay"),
    (optim.NAdam, dict(betas=(0.9, 1.5)), "betas[1]"),
    (optim.Adadelta, dict(rho=1.5), "rho"),
    (optim.Adadelta, dict(eps=0.0), "eps"),
    (optim.FTRL, dict(alpha=0.0), "alpha"),
    (optim.FTRL, dict(beta=-1.0), "beta"),
    (optim.FTRL, dict(l1=-0.1), "l1"),
    (optim.FTRL, dict(l2=-0.1), "l2"),
]


@pytest.mark.parametrize(
    "cls, kwargs, name", BAD_ARGUMENTS, ids=[f"{cls.__name__}-{kwargs}" for cls, kwargs, _ in BAD_ARGUMENTS]
)
def test_bad_arguments_raise_value_error_naming_the_argument(cls, kwargs, name):
    params = [torch.nn.Parameter(torch.zeros(2))]
    with pytest.raises(ValueError, match=r"^" + re.escape(name)):
        cls(params, **kwargs)


# ---------------------------------------------------------------------------------------------------------
# Resolving names: OPTIMIZERS and make_optimizer
# ---------------------------------------------------------------------------------------------------------

EXPECTED_CLASSES = {
    "sgd": optim.SGD,
    "momentum": optim.SGD,
    "nesterov": optim.SGD,
    "adagrad": optim.Adagrad,
    "rmsprop": optim.RMSprop,
    "adam": optim.Adam,
    "adamw": optim.AdamW,
    "nadam": optim.NAdam,
    "adadelta": optim.Adadelta,
}


@pytest.mark.parametrize("name", sorted(EXPECTED_CLASSES))
def test_make_optimizer_resolves_names(name):
    params = [torch.nn.Parameter(torch.zeros(2))]
    opt = optim.make_optimizer(name, params, lr=0.123, weight_decay=0.01)
    assert type(opt) is EXPECTED_CLASSES[name]
    assert opt.param_groups[0]["lr"] == 0.123
    assert opt.param_groups[0]["weight_decay"] == 0.01
    assert type(optim.OPTIMIZERS[name](params, lr=0.5)) is EXPECTED_CLASSES[name]


def test_optimizers_registry_has_exactly_the_documented_names():
    assert set(optim.OPTIMIZERS) == set(EXPECTED_CLASSES)


def test_make_optimizer_presets_and_overrides():
    params = [torch.nn.Parameter(torch.zeros(2))]
    assert optim.make_optimizer("sgd", params, lr=0.1).param_groups[0]["momentum"] == 0.0
    assert optim.make_optimizer("momentum", params, lr=0.1).param_groups[0]["momentum"] == 0.9
    nesterov = optim.make_optimizer("Nesterov", params, lr=0.1).param_groups[0]
    assert nesterov["nesterov"]
    assert nesterov["momentum"] == 0.9
    assert optim.make_optimizer("momentum", params, lr=0.1, momentum=0.5).param_groups[0]["momentum"] == 0.5
    adam = optim.make_optimizer("adam", params, lr=0.1, betas=(0.5, 0.6))
    assert adam.param_groups[0]["betas"] == (0.5, 0.6)


def test_make_optimizer_accepts_classes_and_callables():
    params = [torch.nn.Parameter(torch.zeros(2))]
    opt = optim.make_optimizer(torch.optim.SGD, params, lr=0.3, weight_decay=0.1, momentum=0.5)
    assert type(opt) is torch.optim.SGD
    assert (opt.param_groups[0]["lr"], opt.param_groups[0]["weight_decay"]) == (0.3, 0.1)
    assert opt.param_groups[0]["momentum"] == 0.5
    calls = []

    def factory(params, lr, weight_decay):
        calls.append((lr, weight_decay))
        return optim.Adam(params, lr=lr, weight_decay=weight_decay)

    assert type(optim.make_optimizer(factory, params, lr=0.2)) is optim.Adam
    assert calls == [(0.2, 0.0)]


def test_make_optimizer_rejects_unknown_names():
    params = [torch.nn.Parameter(torch.zeros(2))]
    with pytest.raises(ValueError, match="adamw") as info:
        optim.make_optimizer("adamax", params, lr=0.1)
    assert "'adamax'" in str(info.value)
    with pytest.raises(ValueError, match="optimizer"):
        optim.make_optimizer(3, params, lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        optim.make_optimizer("adam", params, lr=-0.1)


# ---------------------------------------------------------------------------------------------------------
# Test functions and trace
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(optim.TEST_FUNCTIONS))
def test_test_function_has_its_stated_minimum(name):
    f = optim.TEST_FUNCTIONS[name]
    minimum = torch.tensor(f.minimum, dtype=torch.float64, requires_grad=True)
    value = f.fn(minimum)
    value.backward()
    assert value.shape == ()
    assert value.item() == pytest.approx(0.0, abs=1e-12)
    assert minimum.grad.abs().max() < 1e-9
    start = torch.tensor(f.start, dtype=torch.float64)
    assert f.fn(start) > value + 1.0
    # The minimum beats every point on a small ring around it.
    angles = torch.linspace(0, 2 * np.pi, 17, dtype=torch.float64)[:-1]
    ring = minimum.detach() + 1e-3 * torch.stack([angles.cos(), angles.sin()], dim=1)
    assert (f.fn(ring) > value).all()
    # The plotting window shows both the start and the minimum.
    for x, y in (f.start, f.minimum):
        assert f.xlim[0] <= x <= f.xlim[1]
        assert f.ylim[0] <= y <= f.ylim[1]


@pytest.mark.parametrize("name", sorted(optim.TEST_FUNCTIONS))
def test_test_function_evaluates_on_a_grid(name):
    f = optim.TEST_FUNCTIONS[name]
    xs, ys = torch.linspace(*f.xlim, 7), torch.linspace(*f.ylim, 5)
    grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=-1)
    values = f.fn(grid)
    assert values.shape == (5, 7)
    torch.testing.assert_close(values[2, 3], f.fn(grid[2, 3]))
    assert f(grid).shape == (5, 7)


def test_ill_conditioned_valley_has_visible_condition_number():
    point = torch.tensor([0.3, -0.2], dtype=torch.float64)
    bowl = torch.autograd.functional.hessian(optim.quadratic_bowl.fn, point)
    valley = torch.autograd.functional.hessian(optim.ill_conditioned_valley.fn, point)
    assert torch.linalg.cond(bowl).item() == pytest.approx(1.0)
    assert torch.linalg.cond(valley).item() == pytest.approx(25.0)
    assert "25" in optim.ill_conditioned_valley.name
    assert torch.linalg.cond(torch.autograd.functional.hessian(optim.make_valley(100.0).fn, point)) == pytest.approx(
        100.0
    )
    with pytest.raises(ValueError, match="condition"):
        optim.make_valley(0.5)


def test_trace_shape_start_and_equivalent_ways_to_name_the_optimizer():
    by_name = optim.trace("adam", "beale", steps=40, lr=0.05)
    assert by_name.shape == (41, 2)
    assert isinstance(by_name, np.ndarray)
    np.testing.assert_array_equal(by_name[0], optim.beale.start)
    np.testing.assert_array_equal(by_name, optim.trace(optim.Adam, optim.beale, steps=40, lr=0.05))
    np.testing.assert_array_equal(
        by_name, optim.trace(lambda params, **kw: optim.Adam(params, **kw), optim.beale, steps=40, lr=0.05)
    )
    custom = optim.trace("sgd", "quadratic_bowl", steps=3, start=(2.0, -1.0), lr=0.5)
    np.testing.assert_allclose(custom, [[2, -1], [1, -0.5], [0.5, -0.25], [0.25, -0.125]])
    assert optim.trace("sgd", "rosenbrock", steps=0).shape == (1, 2)


def test_trace_named_presets_match_explicit_arguments():
    np.testing.assert_array_equal(
        optim.trace("nesterov", "ill_conditioned_valley", steps=30, lr=0.02),
        optim.trace(optim.SGD, "ill_conditioned_valley", steps=30, lr=0.02, momentum=0.9, nesterov=True),
    )
    np.testing.assert_array_equal(
        optim.trace("momentum", "ill_conditioned_valley", steps=30, lr=0.02),
        optim.trace(optim.SGD, "ill_conditioned_valley", steps=30, lr=0.02, momentum=0.9),
    )


def test_momentum_beats_plain_sgd_on_the_valley():
    sgd = optim.trace("sgd", "ill_conditioned_valley", steps=100, lr=0.02)
    momentum = optim.trace("momentum", "ill_conditioned_valley", steps=100, lr=0.02)
    assert np.linalg.norm(momentum[-1]) < 0.1 * np.linalg.norm(sgd[-1])


def test_trace_keeps_the_finite_prefix_of_a_diverging_path():
    path = optim.trace("sgd", "rosenbrock", steps=100, lr=0.01)
    assert 1 < len(path) < 101
    assert np.isfinite(path).all()
    # Replay by hand: the same points, and the step after the last one is no longer finite.
    point = torch.tensor(optim.rosenbrock.start, dtype=torch.float64, requires_grad=True)
    opt = optim.SGD([point], lr=0.01)
    for row in path[1:]:
        opt.zero_grad()
        optim.rosenbrock.fn(point).backward()
        opt.step()
        np.testing.assert_array_equal(point.detach().numpy(), row)
    opt.zero_grad()
    optim.rosenbrock.fn(point).backward()
    opt.step()
    assert not torch.isfinite(point).all()


def test_trace_rejects_bad_arguments():
    with pytest.raises(ValueError, match="nadam"):
        optim.trace("lbfgs", "beale")
    with pytest.raises(ValueError, match="rosenbrock"):
        optim.trace("adam", "himmelblau")
    with pytest.raises(ValueError, match="steps"):
        optim.trace("adam", "beale", steps=-1)
    with pytest.raises(ValueError, match="start"):
        optim.trace("adam", "beale", start=(1.0, 2.0, 3.0))


def test_test_function_is_frozen():
    with pytest.raises(AttributeError):
        optim.rosenbrock.start = (0.0, 0.0)


# ---------------------------------------------------------------------------------------------------------
# FTRL-Proximal
# ---------------------------------------------------------------------------------------------------------


def test_ftrl_first_step_matches_closed_form():
    alpha, beta, l1, l2 = 0.5, 1.0, 0.3, 0.2
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    g = torch.tensor([2.0, -0.1, -1.0], dtype=torch.float64)
    opt = optim.FTRL([w], alpha=alpha, beta=beta, l1=l1, l2=l2)
    (w * g).sum().backward()
    opt.step()
    # From w = 0, n = 0: z = g, n = g^2, so w = -(g - sign(g) l1) / ((beta + |g|) / alpha + l2) when |g| > l1.
    expected = [-(2.0 - l1) / ((beta + 2.0) / alpha + l2), 0.0, (1.0 - l1) / ((beta + 1.0) / alpha + l2)]
    torch.testing.assert_close(w.detach(), torch.tensor(expected, dtype=torch.float64))


def sparse_logistic_problem(seed: int = 0, n: int = 2000, d: int = 20):
    """Sparse features in {-1, 0, +1}; only the first three affect the label."""
    gen = torch.Generator().manual_seed(seed)
    present = torch.rand(n, d, generator=gen) < 0.2
    signs = 2 * torch.randint(0, 2, (n, d), generator=gen) - 1
    x = (present * signs).double()
    true_w = torch.zeros(d, dtype=torch.float64)
    true_w[:3] = torch.tensor([3.0, -3.0, 2.0])
    y = (torch.rand(n, generator=gen, dtype=torch.float64) < torch.sigmoid(x @ true_w)).double()
    return x, y, true_w


def fit_ftrl(x, y, l1, steps=300):
    w = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    opt = optim.FTRL([w], alpha=0.5, l1=l1)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(x @ w, y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return w.detach(), losses


def test_ftrl_l1_gives_exact_zeros_on_irrelevant_features():
    x, y, true_w = sparse_logistic_problem(seed=0)
    w, losses = fit_ftrl(x, y, l1=5.0)
    assert (w[3:] == 0).all()  # exactly zero, not just small
    assert (torch.sign(w[:3]) == torch.sign(true_w[:3])).all()
    assert (w[:3].abs() > 1.0).all()
    assert losses[-1] < losses[0] - 0.15
    assert losses[-1] <= min(losses) + 1e-9  # decreasing to the end, no late blow-up
    # Without L1 the same run leaves every irrelevant feature non-zero: sparsity comes from l1.
    w_dense, _ = fit_ftrl(x, y, l1=0.0)
    assert (w_dense[3:] != 0).all()
