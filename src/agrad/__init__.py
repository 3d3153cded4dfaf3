"""agrad: a command-line expression differentiator with PyTorch's autograd semantics.

    >>> import agrad
    >>> r = agrad.evaluate("(x+w)*2", x=3, w=1)
    >>> r.value, r.grads, r.grad_fn
    (8.0, {'x': 2.0, 'w': 2.0}, 'MulBackward0')
    >>> agrad.vjp("x * 2", [1.0, 0.5], x=[1, 2]).grads
    {'x': [2.0, 1.0]}
    >>> agrad.diff("x^2 * sin(x)", ["x"])
    {'x': 'x^2 * cos(x) + sin(x) * (2 * x)'}

The engine for library use mirrors torch: `agrad.tensor(3.0, requires_grad=True)`, operators and
functions (`agrad.sin(t)`), `.backward(gradient, retain_graph, create_graph)`, `.grad`,
`.is_leaf`, `.grad_fn`, `retain_grad()`, `detach()`, `with agrad.no_grad(): ...`.
"""

from agrad.evaluation.api import Result, check, evaluate, find_anomaly, jacobian, jvp, run, vjp
from agrad.evaluation.options import RunOptions
from agrad.errors import (AgradError, AgradSyntaxError, AnomalyError, ArityError, BindingError, CheckError, ComputeError, IndexingError,
                     LimitError, ShapeError, UnboundVariableError, UnknownNameError)
from agrad.engine.tensor import Tensor, enable_grad, is_grad_enabled, no_grad, set_grad_enabled, tensor
from agrad.engine import display as _display

__version__ = "0.1.0"

__all__ = [
    "AgradError", "AgradSyntaxError", "AnomalyError", "ArityError", "BindingError", "CheckError", "ComputeError", "IndexingError", "LimitError",
    "Result", "RunOptions", "ShapeError", "Tensor", "UnboundVariableError", "UnknownNameError", "enable_grad", "evaluate",
    "check", "diff", "emit_torch", "find_anomaly", "is_grad_enabled", "jacobian", "jvp", "no_grad", "run", "set_grad_enabled", "tensor", "vjp", "__version__",
]


def _show(obj, mime: str):
    """A Tensor or a Result in a notebook (their _repr_html_, ...): render/notebook.py draws it.
    The engine and evaluation may not import render, so they call this through the slot in
    engine/display.py; this package's top sits above every layer. Imported at the first display,
    so `import agrad` stays as fast as it was (and never imports IPython)."""
    from agrad.render import notebook

    return notebook.show(obj, mime)


_display.set_renderer(_show)


def __getattr__(name: str):
    """agrad.sin, agrad.max, ...: every public function of the op table, applied to Tensors."""
    if name == "diff":  # (imported when asked for: the command line starts without it)
        from agrad.render.derivative import diff

        return diff
    if name == "emit_torch":  # imported when asked for: the script writer is not needed to evaluate
        from agrad.render.torch_script import emit_torch

        return emit_torch
    from agrad.engine import ops

    if name in ops.public_functions():
        def function(*args):
            return ops.call(name, *args)

        function.__name__ = name
        function.__doc__ = f"{ops.TABLE[name].torch}; grad_fn {ops.TABLE[name].grad_fn}"
        return function
    raise AttributeError(f"module 'agrad' has no attribute '{name}'")
