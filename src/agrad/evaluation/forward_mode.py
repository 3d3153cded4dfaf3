"""`--jvp`: the directional derivative of a program's output (torch.func.jvp), from the tangents
its user wrote for the variables, and the text those tangents are written in.

The tangents are `NAME=VALUE` pairs; one --jvp may hold several, separated by commas
(`--jvp x=1,w=0`), and a VALUE is written as --gradient's and a binding's are (`1.5`, `1,0,2`,
`[1, 0, 2]`, `@FILE`), so a comma starts a new pair only where `NAME=` follows it. A variable
given no tangent has the tangent 0 (torch.func.jvp needs one for every primal).
"""

from __future__ import annotations

import re

from agrad.engine import shapes
from agrad.engine.forward import ForwardPlan
from agrad.engine.tensor import Tensor, rounded
from agrad.errors import BindingError, ShapeError, UsageError

_PAIR_START = re.compile(r",\s*(?=[A-Za-z_][A-Za-z0-9_]*\s*=)")


def split_pairs(text: str) -> list[tuple[str, str]]:
    """`x=1,w=[1, 2]` -> [("x", "1"), ("w", "[1, 2]")]; `x=1,0,2` is one pair (a vector)."""
    pairs = []
    for part in _PAIR_START.split(text):
        name, eq, value = part.partition("=")
        if not eq or not name.strip() or not value.strip():
            raise BindingError(f"--jvp {text}: write --jvp NAME=TANGENT[,NAME=TANGENT...], e.g. --jvp x=1,w=0")
        pairs.append((name.strip(), value.strip()))
    return pairs


def tangents(pairs, variables: dict) -> dict:
    """{id(leaf): tangent Tensor} from (name, value) pairs: each a bound variable that requires
    grad, given once, with a value of its shape (rounded to the dtype, as the leaf is)."""
    from agrad.evaluation.lowering import make_variables

    out: dict = {}
    seen = set()
    for name, value in pairs:
        if name in seen:
            raise BindingError(f"--jvp {name}: the tangent of '{name}' is given twice")
        seen.add(name)
        x = variables.get(name)
        if x is None:
            known = ", ".join(variables) or "none"
            raise BindingError(f"--jvp {name}: no variable '{name}' is bound (bound: {known})")
        if not x.requires_grad:
            raise BindingError(f"--jvp {name}: '{name}' is marked --no-grad, so it has no tangent")
        t = make_variables({name: value})[name].value  # (read, checked and rounded as a binding is)
        if not shapes.same_shape(t, x.value):
            # torch's words (forward AD refuses a tangent of another size)
            raise ShapeError("Trying to set a forward gradient that has a different size than that of the original "
                             f"Tensor, this is not supported. Tensor is of size {_size(x.value)} while the given "
                             f"forward gradient is of size {_size(t)}. (--jvp {name})")
        out[id(x)] = Tensor(rounded(t))
    return out


def _size(value) -> str:
    return "[]" if shapes.is_scalar(value) else f"[{len(value)}]"


def compute(output: Tensor, variables: dict, pairs):
    """The output's tangent (a float or a numpy vector) for the (name, value) pairs."""
    given = tangents(pairs, variables)
    plan = ForwardPlan(output)
    _refuse_no_grad(plan)
    return plan.push(given).value


def _refuse_no_grad(plan: ForwardPlan) -> None:
    # torch.func.jvp's forward AD ignores no_grad() (only detach() cuts a tangent), but agrad records
    # nothing inside no_grad(): rather than a tangent that differs from torch's, say so
    for t in [plan.output] + [inp for node in plan.nodes for inp in node.inputs]:
        if t.cut == "no_grad" and not t.is_number:
            raise UsageError("--jvp does not follow no_grad(): torch.func.jvp's forward mode ignores no_grad, "
                             "and agrad records no graph inside it; cut a tangent with detach() instead")
