"""torch.optim's update rules on float64 numbers, one class per optimizer (`agrad minimize`).

Each `step` mirrors torch 2.13's `_single_tensor_*` function (the implementation torch picks for
CPU tensors) operation by operation, in its order, so that the trajectory is torch's to the last
bit. What each tensor op computes on one float64 element was measured against torch 2.13's CPU
kernels (tests/torch_reference/generate_optim.py checks it again): torch's kernels are built with
FMA contraction, so

    a.add(b, alpha=s)          fma(s, b, a)                  (torch/optim: grad.add(param, alpha=wd))
    a.lerp_(b, w)              fma(w, b - a, a) if |w| < 0.5 else fma(-(b - a), 1 - w, b)
    a.addcmul_(b, c, value=v)  fma(v * b, c, a)
    a.addcdiv_(b, c, value=v)  a + (v * b) / c               (no fma: the quotient is rounded first)
    a.mul_(s), a / s, a.add_(s)  one rounding each

The numbers torch computes in Python (bias corrections, `beta ** step`, `lr / ...`) are computed
here with the same Python expressions. One kernel is not reproduced: torch's float64 `sqrt` on x86
(Intel MKL's vector sqrt, high-accuracy mode) is within 0.54 ulp, and rounds the wrong way for
about 1.5% of inputs, those whose square root lies within a few hundredths of an ulp of a
midpoint; agrad's `sqrt` is correctly rounded (math.sqrt). Adam, AdamW, RMSprop and Adagrad take a
square root per element and step, so their trajectories are torch's bit for bit until such an
input, and then differ in the last bit (README, "Gradient descent"). `sqrt` is an argument of
their constructors, so that the tests can give them torch's recorded values and check every other
operation bit for bit.

A parameter whose gradient is None (the loss does not use it) is skipped, as torch skips a
parameter whose .grad is None.
"""

from __future__ import annotations

import math

from agrad.errors import UsageError


def _libm_fma():
    """fma(a, b, c) = a*b + c with one rounding: math.fma (Python 3.13+), else the C library's,
    else exact rationals."""
    if hasattr(math, "fma"):
        return math.fma
    try:
        import ctypes
        import ctypes.util

        name = ctypes.util.find_library("m")
        libm = ctypes.CDLL(name) if name else None
        function = libm.fma if libm is not None else None
    except (OSError, AttributeError):  # pragma: no cover - a platform without a C math library
        function = None
    if function is not None:
        function.restype = ctypes.c_double
        function.argtypes = (ctypes.c_double, ctypes.c_double, ctypes.c_double)
        return function
    from fractions import Fraction  # pragma: no cover

    def exact(a: float, b: float, c: float) -> float:  # pragma: no cover
        if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
            return a * b + c
        return float(Fraction(a) * Fraction(b) + Fraction(c))

    return exact  # pragma: no cover


fma = _libm_fma()


def lerp(a: float, b: float, w: float) -> float:
    """torch.lerp's CPU kernel (ATen's Lerp.h, contracted to fma)."""
    if abs(w) < 0.5:
        return fma(w, b - a, a)
    return fma(-(b - a), 1 - w, b)


# Each optimizer's options, torch's defaults, as torch.optim's constructors have them.
DEFAULTS = {
    "sgd": {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False,
            "maximize": False},
    "adam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False,
             "maximize": False},
    "adamw": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2, "amsgrad": False,
              "maximize": False},
    "rmsprop": {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0, "centered": False,
                "maximize": False},
    "adagrad": {"lr": 1e-2, "lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0, "eps": 1e-10,
                "maximize": False},
}


def settings(name: str, given: dict) -> dict:
    """The optimizer's options: torch's defaults, then `given` (option name -> value; None is
    not given). An option of another optimizer, or a value torch refuses (its ValueError's
    words), is a UsageError."""
    if name not in DEFAULTS:
        raise UsageError(f"unknown optimizer '{name}': choose one of {', '.join(DEFAULTS)}")
    chosen = dict(DEFAULTS[name])
    for key, value in given.items():
        if value is None or value is False and key not in chosen:
            continue
        if key not in chosen:
            owners = [o for o, options in DEFAULTS.items() if key in options]
            raise UsageError(f"--{key.replace('_', '-')} is not an option of {name}; it belongs to "
                             f"{', '.join(owners)} (torch.optim.{CLASS_NAMES[name]} has "
                             f"{', '.join('--' + k.replace('_', '-') for k in DEFAULTS[name])})")
        chosen[key] = value
    _check(name, chosen)
    return chosen


CLASS_NAMES = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop", "adagrad": "Adagrad"}


def _check(name: str, s: dict) -> None:
    """torch.optim's constructors' checks, with their words."""
    def refuse(text: str):
        raise UsageError(f"{text} (torch.optim.{CLASS_NAMES[name]} refuses it)")

    for key, value in s.items():
        for v in value if isinstance(value, tuple) else (value,):
            if type(v) is float and math.isnan(v):  # (torch's checks let nan through, to nan parameters)
                raise UsageError(f"--{key.replace('_', '-')} is nan: give a number")
    if not 0.0 <= s["lr"]:
        refuse(f"Invalid learning rate: {s['lr']}")
    if "eps" in s and not 0.0 <= s["eps"]:
        refuse(f"Invalid epsilon value: {s['eps']}")
    if "momentum" in s and not 0.0 <= s["momentum"]:
        refuse(f"Invalid momentum value: {s['momentum']}")
    if not 0.0 <= s["weight_decay"]:
        refuse(f"Invalid weight_decay value: {s['weight_decay']}")
    if "betas" in s:
        for i, beta in enumerate(s["betas"]):
            if not 0.0 <= beta < 1.0:
                refuse(f"Invalid beta parameter at index {i}: {beta}")
    if "alpha" in s and not 0.0 <= s["alpha"]:
        refuse(f"Invalid alpha value: {s['alpha']}")
    if "lr_decay" in s and not 0.0 <= s["lr_decay"]:
        refuse(f"Invalid lr_decay value: {s['lr_decay']}")
    if "initial_accumulator_value" in s and not 0.0 <= s["initial_accumulator_value"]:
        refuse(f"Invalid initial_accumulator_value value: {s['initial_accumulator_value']}")
    if s.get("nesterov") and (s["momentum"] <= 0 or s["dampening"] != 0):
        refuse("Nesterov momentum requires a momentum and zero dampening")


class SGD:
    """torch/optim/sgd.py, _single_tensor_sgd."""

    def __init__(self, n: int, s: dict, sqrt=None):
        self.lr, self.momentum, self.dampening = s["lr"], s["momentum"], s["dampening"]
        self.weight_decay, self.nesterov, self.maximize = s["weight_decay"], s["nesterov"], s["maximize"]
        self.buf: list = [None] * n  # momentum_buffer, made from the first gradient

    def step(self, params: list, grads: list) -> None:
        lr, momentum, wd = self.lr, self.momentum, self.weight_decay
        for i, grad in enumerate(grads):
            if grad is None:
                continue
            param = params[i]
            if self.maximize:
                grad = -grad
            if wd != 0:
                grad = fma(wd, param, grad)  # grad.add(param, alpha=weight_decay)
            if momentum != 0:
                buf = self.buf[i]
                if buf is None:
                    buf = grad  # grad.detach().clone()
                else:
                    buf = fma(1 - self.dampening, grad, buf * momentum)  # buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                self.buf[i] = buf
                grad = fma(momentum, buf, grad) if self.nesterov else buf  # grad.add(buf, alpha=momentum)
            params[i] = fma(-lr, grad, param)  # param.add_(grad, alpha=-lr)


class Adam:
    """torch/optim/adam.py, _single_tensor_adam (not capturable, not differentiable); AdamW is
    Adam with decoupled weight decay (torch/optim/adamw.py)."""

    def __init__(self, n: int, s: dict, decoupled: bool = False, sqrt=math.sqrt):
        self.lr, (self.beta1, self.beta2), self.eps = s["lr"], s["betas"], s["eps"]
        self.weight_decay, self.amsgrad, self.maximize = s["weight_decay"], s["amsgrad"], s["maximize"]
        self.decoupled = decoupled
        self.sqrt = sqrt
        self.exp_avg = [0.0] * n
        self.exp_avg_sq = [0.0] * n
        self.max_exp_avg_sq = [0.0] * n
        self.steps = [0.0] * n  # state["step"], a float tensor in torch

    def step(self, params: list, grads: list) -> None:
        lr, beta1, beta2, wd, sqrt = self.lr, self.beta1, self.beta2, self.weight_decay, self.sqrt
        for i, grad in enumerate(grads):
            if grad is None:
                continue
            param = params[i]
            if self.maximize:
                grad = -grad
            self.steps[i] += 1
            if wd != 0:
                if self.decoupled:
                    param = param * (1 - lr * wd)  # param.mul_(1 - lr * weight_decay)
                else:
                    grad = fma(wd, param, grad)  # grad.add(param, alpha=weight_decay)
            exp_avg = self.exp_avg[i] = lerp(self.exp_avg[i], grad, 1 - beta1)  # exp_avg.lerp_(grad, 1 - beta1)
            # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            exp_avg_sq = self.exp_avg_sq[i] = fma((1 - beta2) * grad, grad, self.exp_avg_sq[i] * beta2)
            step = self.steps[i]
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            step_size = lr / bias_correction1
            bias_correction2_sqrt = bias_correction2 ** 0.5
            if self.amsgrad:
                second = self.max_exp_avg_sq[i] = max_of(self.max_exp_avg_sq[i], exp_avg_sq)  # torch.maximum
            else:
                second = exp_avg_sq
            denom = sqrt(second) / bias_correction2_sqrt + self.eps  # (v.sqrt() / bc2_sqrt).add_(eps)
            params[i] = param + (-step_size * exp_avg) / denom  # param.addcdiv_(exp_avg, denom, value=-step_size)


def max_of(a: float, b: float) -> float:
    """torch.maximum: nan if either is nan."""
    if a != a or b != b:
        return math.nan
    return a if a > b else b


class RMSprop:
    """torch/optim/rmsprop.py, _single_tensor_rmsprop."""

    def __init__(self, n: int, s: dict, sqrt=math.sqrt):
        self.lr, self.alpha, self.eps, self.weight_decay = s["lr"], s["alpha"], s["eps"], s["weight_decay"]
        self.momentum, self.centered, self.maximize, self.sqrt = s["momentum"], s["centered"], s["maximize"], sqrt
        self.square_avg = [0.0] * n
        self.grad_avg = [0.0] * n
        self.buf = [0.0] * n

    def step(self, params: list, grads: list) -> None:
        alpha, sqrt = self.alpha, self.sqrt
        for i, grad in enumerate(grads):
            if grad is None:
                continue
            param = params[i]
            if self.maximize:
                grad = -grad
            if self.weight_decay != 0:
                grad = fma(self.weight_decay, param, grad)  # grad.add(param, alpha=weight_decay)
            # square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
            square_avg = self.square_avg[i] = fma((1 - alpha) * grad, grad, self.square_avg[i] * alpha)
            if self.centered:
                grad_avg = self.grad_avg[i] = lerp(self.grad_avg[i], grad, 1 - alpha)  # grad_avg.lerp_(grad, 1 - alpha)
                avg = sqrt(fma(-1.0 * grad_avg, grad_avg, square_avg))  # square_avg.addcmul(ga, ga, value=-1).sqrt_()
            else:
                avg = sqrt(square_avg)
            avg = avg + self.eps  # avg.add_(eps)
            if self.momentum > 0:
                buf = self.buf[i] = self.buf[i] * self.momentum + grad / avg  # buf.mul_(momentum).addcdiv_(grad, avg)
                params[i] = fma(-self.lr, buf, param)  # param.add_(buf, alpha=-lr)
            else:
                params[i] = param + (-self.lr * grad) / avg  # param.addcdiv_(grad, avg, value=-lr)


class Adagrad:
    """torch/optim/adagrad.py, _single_tensor_adagrad (dense gradients)."""

    def __init__(self, n: int, s: dict, sqrt=math.sqrt):
        self.lr, self.lr_decay, self.weight_decay, self.eps = s["lr"], s["lr_decay"], s["weight_decay"], s["eps"]
        self.maximize, self.sqrt = s["maximize"], sqrt
        self.sum = [float(s["initial_accumulator_value"])] * n  # torch.full_like(p, initial_accumulator_value)
        self.steps = [0.0] * n

    def step(self, params: list, grads: list) -> None:
        sqrt = self.sqrt
        for i, grad in enumerate(grads):
            if grad is None:
                continue
            param = params[i]
            self.steps[i] += 1
            step = self.steps[i]
            if self.maximize:
                grad = -grad
            if self.weight_decay != 0:
                grad = fma(self.weight_decay, param, grad)  # grad.add(param, alpha=weight_decay)
            clr = self.lr / (1 + (step - 1) * self.lr_decay)
            state_sum = self.sum[i] = fma(1.0 * grad, grad, self.sum[i])  # state_sum.addcmul_(grad, grad, value=1)
            std = sqrt(state_sum) + self.eps  # state_sum.sqrt().add_(eps)
            params[i] = param + (-clr * grad) / std  # param.addcdiv_(grad, std, value=-clr)


def make(name: str, n: int, options: dict, sqrt=math.sqrt):
    """The optimizer `name` for n parameters, with settings()' options."""
    if name == "sgd":
        return SGD(n, options)
    if name in ("adam", "adamw"):
        return Adam(n, options, decoupled=name == "adamw", sqrt=sqrt)
    if name == "rmsprop":
        return RMSprop(n, options, sqrt=sqrt)
    return Adagrad(n, options, sqrt=sqrt)
