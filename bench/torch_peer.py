"""The PyTorch side of the benchmarks: the same generated expressions computed by torch eager,
written the way a user would (float64 leaves that require grad, Python numbers as literals,
a number given to a torch function as a tensor).

The expressions are bench/expressions.py's own generated text, translated to Python source and
compiled with compile(): this is benchmark code over generated input, never user input.
"""

from __future__ import annotations

import re

TORCH_NAMES = {"max": "maximum", "min": "minimum"}


def python_source(source: str) -> str:
    """agrad syntax to Python: ^ is **, each function f(...) is F.f(...)."""
    return re.sub(r"\b([a-z][a-z0-9]*)\(", r"F.\1(", source.replace("^", "**"))


class Functions:
    """F.sin(a) is torch.sin(a), with a Python number turned into a float64 tensor first."""

    def __init__(self, torch):
        self.torch = torch
        for name in ("abs", "sign", "sqrt", "exp", "log", "log2", "log10", "log1p", "expm1", "sin", "cos", "tan",
                     "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "relu",
                     "erf", "floor", "ceil", "round", "pow", "max", "min", "atan2", "hypot", "clamp", "softplus"):
            fn = torch.nn.functional.softplus if name == "softplus" else getattr(torch, TORCH_NAMES.get(name, name))
            setattr(self, name, self._wrap(fn))

    def _wrap(self, fn):
        torch, Tensor = self.torch, self.torch.Tensor

        def call(*args):
            return fn(*[a if isinstance(a, Tensor) else torch.tensor(float(a), dtype=torch.float64) for a in args])

        return call


def run(exprs, torch) -> None:
    """Compile each expression and compute its value and gradients, as a script would."""
    F = Functions(torch)
    for source, bindings in exprs:
        code = compile(python_source(source), "<bench>", "eval")
        env = {"F": F}
        for name, value in bindings.items():
            env[name] = torch.tensor(value, dtype=torch.float64, requires_grad=True)
        try:
            out = eval(code, env)  # noqa: S307 - generated benchmark expressions, see the docstring
        except (NotImplementedError, RuntimeError, TypeError):
            continue  # Python's own ** on two numbers can make a complex number torch refuses
        if isinstance(out, torch.Tensor) and out.requires_grad and not out.is_complex():
            out.backward()  # (a complex result comes from Python's own ** on a negative number)


def floor(exprs) -> None:
    """Python alone compiling and evaluating the expressions on floats, no gradient."""
    import math

    class M:
        pass

    m = M()
    for name in ("sqrt", "exp", "log", "log2", "log10", "log1p", "expm1", "sin", "cos", "tan", "asin", "acos",
                 "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "erf", "floor", "ceil", "atan2",
                 "hypot", "pow"):
        setattr(m, name, getattr(math, name))
    m.abs, m.max, m.min, m.round = abs, max, min, round
    m.sign = lambda a: (a > 0) - (a < 0)
    m.sigmoid = lambda a: 1 / (1 + math.exp(-a))
    m.relu = lambda a: max(a, 0.0)
    m.softplus = lambda a: math.log1p(math.exp(a))
    m.clamp = lambda a, lo, hi: min(max(a, lo), hi)
    for source, bindings in exprs:
        code = compile(python_source(source), "<bench>", "eval")
        try:
            eval(code, {"F": m}, dict(bindings))  # noqa: S307 - generated benchmark expressions
        except (ValueError, OverflowError, ZeroDivisionError, TypeError):
            pass  # math raises where torch gives inf or nan; complex powers are a TypeError
