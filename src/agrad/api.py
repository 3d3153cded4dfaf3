"""agrad.evaluate: source text and bindings in, value and gradients out."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import AgradError
from .lowering import lower, make_variables
from .parser import parse
from .tensor import Tensor, backward


@dataclass
class Result:
    """The output of one evaluation.

    value: the output's value (a float); grads: each variable's gradient, in order of first
    appearance in the source and then the unused bindings, None where it has none (it does not
    require grad, or the output does not depend on it); output: the output Tensor, whose graph
    can be walked; variables: the leaf Tensors by name; assigned: named intermediates.
    """

    source: str
    value: float
    grads: dict
    output: Tensor
    variables: dict = field(default_factory=dict)
    assigned: dict = field(default_factory=dict)
    used: list = field(default_factory=list)

    @property
    def grad_fn(self) -> str | None:
        return None if self.output.op is None else self.output.op.grad_fn

    @property
    def requires_grad(self) -> bool:
        return self.output.requires_grad


def evaluate(source: str, /, **bindings) -> Result:
    """Parse `source`, run it forward with the bindings as leaves that require grad, and
    backpropagate from the output. Raises only AgradError subclasses."""
    try:
        return _evaluate(source, bindings)
    except AgradError as exc:
        raise exc.with_source(source) from None
    except RecursionError:  # pragma: no cover - nothing recurses; a last line of defence
        raise AgradError("the expression is nested too deeply", None, source) from None


def _evaluate(source: str, bindings: dict, no_grad: frozenset = frozenset()) -> Result:
    if not isinstance(source, str):
        raise AgradError(f"the source must be text, not {type(source).__name__}")
    program = parse(source)
    variables = make_variables(bindings, no_grad)
    lowered = lower(program, variables, source)
    out = lowered.output
    if out.requires_grad:
        backward(out)
    ordered = lowered.used + [name for name in variables if name not in set(lowered.used)]
    grads = {}
    for name in ordered:
        g = variables[name]._grad
        grads[name] = None if g is None else g.value
    return Result(source, out.value, grads, out, variables, lowered.assigned, lowered.used)
