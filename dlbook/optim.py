"""Optimizers written from scratch, 2-D test functions, and a tracer for optimizer trajectories.

Every optimizer here is a ``torch.optim.Optimizer`` with the same arguments and defaults as its
``torch.optim`` twin (``FTRL`` has no twin), so it works with learning-rate schedulers, ``state_dict()``
and the ``Trainer``. Each ``step()`` is short and follows the equations in its class docstring.

Notation in the docstrings, for one parameter tensor ``w`` at step ``t`` (all operations elementwise):

    g      the gradient of the loss with respect to w
    lr     the learning rate
    wd     the weight decay
    sqrt   elementwise square root
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .checks import require

# ---------------------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------------------


def _check_common(lr: float, eps: float | None = None, weight_decay: float = 0.0) -> None:
    require(lr > 0, "lr", "> 0", lr)
    if eps is not None:
        require(eps > 0, "eps", "> 0", eps)
    require(weight_decay >= 0, "weight_decay", ">= 0", weight_decay)


def _check_decay_rate(value: float, name: str) -> None:
    """Decay rates of running averages (betas, alpha, rho) live in [0, 1)."""
    require(0.0 <= value < 1.0, name, "in [0, 1)", value)


class _Optimizer(torch.optim.Optimizer):
    """Base class: the loop over parameters and the optional closure, shared by every optimizer below."""

    def _params_with_grad(self) -> Iterator[tuple[torch.Tensor, dict]]:
        """Yield ``(parameter, its param_group)`` for every parameter that received a gradient."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if p.grad.is_sparse:
                        raise RuntimeError(f"{type(self).__name__} does not support sparse gradients")
                    yield p, group

    @staticmethod
    def _evaluate(closure: Callable[[], torch.Tensor] | None) -> torch.Tensor | None:
        """Recompute the loss (with gradients switched back on) if a closure was given."""
        if closure is None:
            return None
        with torch.enable_grad():
            return closure()


# ---------------------------------------------------------------------------------------------------------
# The optimizers
# ---------------------------------------------------------------------------------------------------------


class SGD(_Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    g = g + wd * w                                 (L2 penalty folded into the gradient)
    b = g                      at the first step   (momentum buffer)
    b = momentum * b + (1 - dampening) * g         afterwards
    d = g + momentum * b   if nesterov,  else  d = b          (d = g when momentum = 0)
    w = w - lr * d
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ):
        _check_common(lr, weight_decay=weight_decay)
        require(momentum >= 0, "momentum", ">= 0", momentum)
        require(0.0 <= dampening <= 1.0, "dampening", "in [0, 1]", dampening)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                "nesterov=True requires momentum > 0 and dampening == 0, "
                f"got momentum={momentum!r}, dampening={dampening!r}"
            )
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for p, group in self._params_with_grad():
            momentum = group["momentum"]
            g = p.grad + group["weight_decay"] * p
            if momentum > 0:
                state = self.state[p]
                b = state.get("momentum_buffer")
                if b is None:
                    b = state["momentum_buffer"] = g.clone()  # the first step takes the plain gradient
                else:
                    b.mul_(momentum).add_((1 - group["dampening"]) * g)
                # Nesterov looks one step ahead along the velocity; classic momentum just follows it.
                g = g + momentum * b if group["nesterov"] else b
            p.sub_(group["lr"] * g)
        return loss


class Adagrad(_Optimizer):
    """Adagrad: every coordinate gets its own step size, shrinking with the gradients seen so far.

    g = g + wd * w
    s = s + g^2                                    (s starts at initial_accumulator_value)
    w = w - lr_t * g / (sqrt(s) + eps),   lr_t = lr / (1 + (t - 1) * lr_decay)
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ):
        _check_common(lr, eps, weight_decay)
        require(lr_decay >= 0, "lr_decay", ">= 0", lr_decay)
        require(initial_accumulator_value >= 0, "initial_accumulator_value", ">= 0", initial_accumulator_value)
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for p, group in self._params_with_grad():
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["sum"] = torch.full_like(p, group["initial_accumulator_value"])
            state["step"] += 1
            g = p.grad + group["weight_decay"] * p
            state["sum"].add_(g * g)  # running sum of squared gradients
            lr_t = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
            p.sub_(lr_t * g / (state["sum"].sqrt() + group["eps"]))
        return loss


class RMSprop(_Optimizer):
    """RMSprop: divide the gradient by a running root-mean-square of recent gradients.

    g = g + wd * w
    v = alpha * v + (1 - alpha) * g^2              (running mean of g^2)
    m = alpha * m + (1 - alpha) * g                (running mean of g, only if centered)
    r = sqrt(v - m^2) + eps   if centered,  else  r = sqrt(v) + eps
    b = momentum * b + g / r,   w = w - lr * b     if momentum > 0
    w = w - lr * g / r                             otherwise
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ):
        _check_common(lr, eps, weight_decay)
        _check_decay_rate(alpha, "alpha")
        require(momentum >= 0, "momentum", ">= 0", momentum)
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for p, group in self._params_with_grad():
            alpha, momentum = group["alpha"], group["momentum"]
            state = self.state[p]
            if not state:
                state["square_avg"] = torch.zeros_like(p)
                state["grad_avg"] = torch.zeros_like(p)
                state["momentum_buffer"] = torch.zeros_like(p)
            g = p.grad + group["weight_decay"] * p
            v = state["square_avg"].mul_(alpha).add_((1 - alpha) * g * g)
            if group["centered"]:  # subtract the squared mean: an estimate of the gradient's variance
                m = state["grad_avg"].mul_(alpha).add_((1 - alpha) * g)
                rms = (v - m * m).sqrt() + group["eps"]
            else:
                rms = v.sqrt() + group["eps"]
            if momentum > 0:
                b = state["momentum_buffer"].mul_(momentum).add_(g / rms)
                p.sub_(group["lr"] * b)
            else:
                p.sub_(group["lr"] * g / rms)
        return loss


class Adam(_Optimizer):
    """Adam: momentum (first moment) divided by a running RMS (second moment), both bias-corrected.

    g = g + wd * w                                 (L2 penalty, as in torch.optim.Adam)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g^2
    m_hat = m / (1 - beta1^t),   v_hat = v / (1 - beta2^t)
    w = w - lr * m_hat / (sqrt(v_hat) + eps)
    """

    _decoupled_weight_decay = False  # AdamW sets this to True; nothing else differs

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        _check_common(lr, eps, weight_decay)
        _check_decay_rate(betas[0], "betas[0]")
        _check_decay_rate(betas[1], "betas[1]")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for p, group in self._params_with_grad():
            beta1, beta2 = group["betas"]
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["exp_avg"] = torch.zeros_like(p)
                state["exp_avg_sq"] = torch.zeros_like(p)
            state["step"] += 1
            t = state["step"]
            if self._decoupled_weight_decay:
                p.mul_(1 - group["lr"] * group["weight_decay"])  # AdamW: shrink w directly
                g = p.grad
            else:
                g = p.grad + group["weight_decay"] * p  # Adam: decay enters through the gradient
            m = state["exp_avg"].mul_(beta1).add_((1 - beta1) * g)
            v = state["exp_avg_sq"].mul_(beta2).add_((1 - beta2) * g * g)
            # The averages start at zero, so early on they are too small; dividing by 1 - beta^t fixes that.
            m_hat = m / (1 - beta1**t)
            v_hat = v / (1 - beta2**t)
            p.sub_(group["lr"] * m_hat / (v_hat.sqrt() + group["eps"]))
        return loss


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay (Loshchilov and Hutter, 2019).

    w = w - lr * wd * w                            (decay applied to w, not added to g)
    then the Adam update of the class above, with the raw gradient g.
    """

    _decoupled_weight_decay = True

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


class NAdam(_Optimizer):
    """NAdam: Adam with Nesterov momentum (Dozat, 2016), with torch's momentum schedule.

    g = g + wd * w
    mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))     (momentum warms up towards beta1)
    P_t = mu_1 * mu_2 * ... * mu_t
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g^2
    r = sqrt(v / (1 - beta2^t)) + eps
    w = w - lr * [ (1 - mu_t) / (1 - P_t) * g  +  mu_{t+1} / (1 - P_t * mu_{t+1}) * m ] / r
    """

    def __init__(
        self,
        params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
    ):
        _check_common(lr, eps, weight_decay)
        _check_decay_rate(betas[0], "betas[0]")
        _check_decay_rate(betas[1], "betas[1]")
        require(momentum_decay >= 0, "momentum_decay", ">= 0", momentum_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for p, group in self._params_with_grad():
            beta1, beta2 = group["betas"]
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["mu_product"] = 1.0
                state["exp_avg"] = torch.zeros_like(p)
                state["exp_avg_sq"] = torch.zeros_like(p)
            state["step"] += 1
            t = state["step"]
            g = p.grad + group["weight_decay"] * p
            mu = beta1 * (1 - 0.5 * 0.96 ** (t * group["momentum_decay"]))
            mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * group["momentum_decay"]))
            state["mu_product"] *= mu
            mu_product = state["mu_product"]
            m = state["exp_avg"].mul_(beta1).add_((1 - beta1) * g)
            v = state["exp_avg_sq"].mul_(beta2).add_((1 - beta2) * g * g)
            rms = (v / (1 - beta2**t)).sqrt() + group["eps"]
            # Nesterov: mix the current gradient with the momentum we will have at the next step.
            direction = (1 - mu) / (1 - mu_product) * g + mu_next / (1 - mu_product * mu_next) * m
            p.sub_(group["lr"] * direction / rms)
        return loss


class Adadelta(_Optimizer):
    """Adadelta (Zeiler, 2012): step sizes from the ratio of two running RMS values, so units match.

    g = g + wd * w
    v = rho * v + (1 - rho) * g^2                  (running mean of squared gradients)
    d = sqrt(u + eps) / sqrt(v + eps) * g          (u: running mean of squared updates)
    u = rho * u + (1 - rho) * d^2
    w = w - lr * d
    """

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0):
        _check_common(lr, eps, weight_decay)
        _check_decay_rate(rho, "rho")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for p, group in self._params_with_grad():
            rho, eps = group["rho"], group["eps"]
            state = self.state[p]
            if not state:
                state["square_avg"] = torch.zeros_like(p)
                state["acc_delta"] = torch.zeros_like(p)
            g = p.grad + group["weight_decay"] * p
            v = state["square_avg"].mul_(rho).add_((1 - rho) * g * g)
            delta = (state["acc_delta"] + eps).sqrt() / (v + eps).sqrt() * g
            state["acc_delta"].mul_(rho).add_((1 - rho) * delta * delta)
            p.sub_(group["lr"] * delta)
        return loss


class FTRL(_Optimizer):
    """FTRL-Proximal (McMahan et al., 2013), per coordinate: L1 regularization that yields exact zeros.

    Instead of moving w, FTRL keeps two accumulators per coordinate and solves for w in closed form::

        sigma = (sqrt(n + g^2) - sqrt(n)) / alpha      (how much the step size shrank this step)
        z = z + g - sigma * w
        n = n + g^2
        w = 0                                                   if |z| <= l1
        w = -(z - sign(z) * l1) / ((beta + sqrt(n)) / alpha + l2)   otherwise

    A coordinate stays exactly zero until its accumulated gradient evidence ``|z|`` exceeds l1.
    """

    def __init__(self, params, alpha: float = 0.1, beta: float = 1.0, l1: float = 0.0, l2: float = 0.0):
        require(alpha > 0, "alpha", "> 0", alpha)
        require(beta >= 0, "beta", ">= 0", beta)
        require(l1 >= 0, "l1", ">= 0", l1)
        require(l2 >= 0, "l2", ">= 0", l2)
        super().__init__(params, dict(alpha=alpha, beta=beta, l1=l1, l2=l2))

    @torch.no_grad()
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for p, group in self._params_with_grad():
            alpha, beta, l1, l2 = group["alpha"], group["beta"], group["l1"], group["l2"]
            state = self.state[p]
            if not state:
                state["z"] = torch.zeros_like(p)
                state["n"] = torch.zeros_like(p)
            g, z, n = p.grad, state["z"], state["n"]
            sigma = ((n + g * g).sqrt() - n.sqrt()) / alpha
            z.add_(g - sigma * p)
            n.add_(g * g)
            # Closed-form solution of the per-coordinate proximal problem (soft-thresholding at l1).
            w = -(z - z.sign() * l1) / ((beta + n.sqrt()) / alpha + l2)
            p.copy_(torch.where(z.abs() <= l1, torch.zeros_like(w), w))
        return loss


# ---------------------------------------------------------------------------------------------------------
# Resolving optimizer names (used by trace() and by the Trainer)
# ---------------------------------------------------------------------------------------------------------

# name -> (class, preset keyword arguments); the presets can be overridden by the caller.
_PRESETS: dict[str, tuple[type[torch.optim.Optimizer], dict]] = {
    "sgd": (SGD, {}),
    "momentum": (SGD, {"momentum": 0.9}),
    "nesterov": (SGD, {"momentum": 0.9, "nesterov": True}),
    "adagrad": (Adagrad, {}),
    "rmsprop": (RMSprop, {}),
    "adam": (Adam, {}),
    "adamw": (AdamW, {}),
    "nadam": (NAdam, {}),
    "adadelta": (Adadelta, {}),
}


def _known_name(name: str) -> str:
    """Return ``name`` in lower case, or raise a ValueError listing the allowed names."""
    if name.lower() not in _PRESETS:
        raise ValueError(f"optimizer must be one of {sorted(_PRESETS)}, got {name!r}")
    return name.lower()


def _make_factory(name: str) -> Callable[..., torch.optim.Optimizer]:
    cls, preset = _PRESETS[name]

    def factory(params, lr: float, weight_decay: float = 0.0, **kw) -> torch.optim.Optimizer:
        return cls(params, lr=lr, weight_decay=weight_decay, **{**preset, **kw})

    factory.__name__ = factory.__qualname__ = f"make_{name}"
    factory.__doc__ = f"{cls.__name__}(params, lr, weight_decay, **kw) with presets {preset} (overridable)."
    return factory


OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {name: _make_factory(name) for name in _PRESETS}

# Each from-scratch class and its torch.optim twin (same arguments, same trajectory).
TORCH_TWINS: dict[type[torch.optim.Optimizer], type[torch.optim.Optimizer]] = {
    SGD: torch.optim.SGD,
    Adagrad: torch.optim.Adagrad,
    RMSprop: torch.optim.RMSprop,
    Adam: torch.optim.Adam,
    AdamW: torch.optim.AdamW,
    NAdam: torch.optim.NAdam,
    Adadelta: torch.optim.Adadelta,
}


def make_optimizer(
    name_or_factory: str | Callable[..., torch.optim.Optimizer],
    params,
    lr: float,
    weight_decay: float = 0.0,
    *,
    from_scratch: bool = True,
    **kw,
) -> torch.optim.Optimizer:
    """Build an optimizer from a name in ``OPTIMIZERS``, an ``Optimizer`` subclass, or a factory callable.

    A name gives this module's from-scratch class, or with ``from_scratch=False`` its ``torch.optim`` twin
    (what the Trainer uses: same maths, faster). A class or callable is called as
    ``factory(params, lr=lr, weight_decay=weight_decay, **kw)``.
    """
    if isinstance(name_or_factory, str):
        cls, preset = _PRESETS[_known_name(name_or_factory)]
        cls = cls if from_scratch else TORCH_TWINS[cls]
        return cls(params, lr=lr, weight_decay=weight_decay, **{**preset, **kw})
    if callable(name_or_factory):
        factory = name_or_factory
    else:
        raise ValueError(
            f"optimizer must be a name in {sorted(OPTIMIZERS)}, an Optimizer class or a "
            f"callable, got {name_or_factory!r}"
        )
    return factory(params, lr=lr, weight_decay=weight_decay, **kw)


# ---------------------------------------------------------------------------------------------------------
# 2-D test functions
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestFunction:
    """A function of two variables for drawing optimizer paths.

    ``fn`` takes a tensor of shape ``(..., 2)`` (one point, or a whole grid) and returns shape ``(...)``.
    ``start`` is where paths begin by default, ``minimum`` the global minimizer, ``xlim``/``ylim`` a good
    plotting window.
    """

    __test__ = False  # not a pytest test class, despite the name

    name: str
    fn: Callable[[torch.Tensor], torch.Tensor]
    start: tuple[float, float]
    minimum: tuple[float, float]
    xlim: tuple[float, float]
    ylim: tuple[float, float]

    def __call__(self, xy: torch.Tensor) -> torch.Tensor:
        return self.fn(xy)


def make_valley(condition: float = 25.0) -> TestFunction:
    """The quadratic 0.5 * (x^2 + condition * y^2): curvature ``condition`` times larger along y."""
    require(condition >= 1, "condition", ">= 1", condition)

    def fn(xy: torch.Tensor) -> torch.Tensor:
        x, y = xy[..., 0], xy[..., 1]
        return 0.5 * (x**2 + condition * y**2)

    name = "quadratic bowl" if condition == 1 else f"ill-conditioned valley (condition number {condition:g})"
    return TestFunction(
        name,
        fn,
        start=(-4.0, 1.5) if condition > 1 else (-4.0, 3.0),
        minimum=(0.0, 0.0),
        xlim=(-5.0, 5.0),
        ylim=(-2.0, 2.0) if condition > 1 else (-4.0, 4.0),
    )


def _rosenbrock(xy: torch.Tensor) -> torch.Tensor:
    x, y = xy[..., 0], xy[..., 1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _beale(xy: torch.Tensor) -> torch.Tensor:
    x, y = xy[..., 0], xy[..., 1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


quadratic_bowl = make_valley(1.0)
ill_conditioned_valley = make_valley(25.0)
rosenbrock = TestFunction(
    "Rosenbrock", _rosenbrock, start=(-1.5, 2.0), minimum=(1.0, 1.0), xlim=(-2.0, 2.0), ylim=(-1.0, 3.0)
)
beale = TestFunction("Beale", _beale, start=(1.0, 1.5), minimum=(3.0, 0.5), xlim=(-4.5, 4.5), ylim=(-4.5, 4.5))

TEST_FUNCTIONS: dict[str, TestFunction] = {
    "quadratic_bowl": quadratic_bowl,
    "ill_conditioned_valley": ill_conditioned_valley,
    "rosenbrock": rosenbrock,
    "beale": beale,
}


# ---------------------------------------------------------------------------------------------------------
# Tracing an optimizer's path on a test function
# ---------------------------------------------------------------------------------------------------------


def trace(
    optimizer: str | type | Callable[..., torch.optim.Optimizer],
    function: TestFunction | str,
    steps: int = 100,
    start: Sequence[float] | None = None,
    **optimizer_kwargs,
) -> np.ndarray:
    """Run ``steps`` optimizer steps on a single 2-D point and return its path, shape ``(steps + 1, 2)``.

    ``optimizer`` is a name (``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adam"``, ...), an
    ``Optimizer`` class, or a callable ``(params, **optimizer_kwargs) -> Optimizer``. If the path
    diverges, it stops at the last finite point, so the result may have fewer rows.
    """
    if isinstance(function, str):
        if function not in TEST_FUNCTIONS:
            raise ValueError(f"function must be one of {sorted(TEST_FUNCTIONS)}, got {function!r}")
        function = TEST_FUNCTIONS[function]
    require(isinstance(steps, int) and steps >= 0, "steps", "an integer >= 0", steps)
    start = function.start if start is None else tuple(start)
    require(len(start) == 2, "start", "a pair (x, y)", start)

    if isinstance(optimizer, str):
        cls, preset = _PRESETS[_known_name(optimizer)]
        optimizer_kwargs = {**preset, **optimizer_kwargs}
        optimizer = cls

    point = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = optimizer([point], **optimizer_kwargs)
    path = [point.detach().clone()]
    for _ in range(steps):
        opt.zero_grad()
        function.fn(point).backward()
        opt.step()
        if not torch.isfinite(point).all():
            break  # diverged: keep only the finite prefix
        path.append(point.detach().clone())
    return torch.stack(path).numpy()
