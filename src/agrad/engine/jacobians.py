"""The full Jacobian of an output with respect to variables, in the mode its shape makes cheaper,
as JAX's jacfwd and jacrev: reverse mode (the way torch.autograd.functional.jacobian computes it
without vectorize: one backward pass per output element, seeded with that element's one-hot
vector, the graph retained between passes) when there are at least as many input elements as
output elements; forward mode (engine/forward.py: one pass per input element, its tangent that
element's one-hot vector, giving a column) when there are fewer. Input elements are those of the
variables that require grad (a --no-grad variable's Jacobian is zeros, with no pass). Both modes
give the same numbers up to rounding: a chain's local derivatives are multiplied in the opposite
order (a few ulps at most in a deep chain; one op, or a scalar function of one op per element,
bit for bit).

Each variable's Jacobian has the output's shape followed by the variable's, as torch's does: a
number (scalar of scalar), a vector (scalar output of a vector, or vector output of a scalar),
or a matrix of one row per output element.
"""

from __future__ import annotations

from agrad.engine import shapes
from agrad.errors import LimitError
from agrad.engine.autograd import backward, expect_passes
from agrad.engine.tensor import Tensor
from agrad.engine.forward import ForwardPlan
from agrad.limits import MAX_JACOBIAN_ENTRIES, too_costly


def _size(value) -> int:
    return 1 if shapes.is_scalar(value) else len(value)


def mode(output: Tensor, variables: list[Tensor]) -> str:
    """"forward" when the variables that require grad have fewer elements than the output, else
    "reverse": the mode with fewer passes (a tie goes to reverse, torch's)."""
    inputs = sum(_size(v.value) for v in variables if v.requires_grad)
    return "forward" if shapes.is_vector(output.value) and inputs < len(output.value) else "reverse"


def jacobian(output: Tensor, variables: list[Tensor], max_entries: int = MAX_JACOBIAN_ENTRIES,
             use: str | None = None) -> dict:
    """{variable name: Jacobian} (floats and numpy arrays). The variables' .grad is left None.
    More than max_entries entries is a LimitError before any pass; reverse mode's passes (one per
    output element) are refused before the first when the backward-step budget cannot hold them.
    use: "forward" or "reverse" to force a mode (tests, bench/jacobian.py); None picks by mode()."""
    rows = _size(output.value)
    entries = rows * sum(_size(v.value) for v in variables)
    if entries > max_entries:
        raise LimitError(too_costly(f"the Jacobian would have {entries} entries ({rows} output elements, one "
                                    "backward pass each; --gradient gives a vector-Jacobian product in one)",
                                    "max_jacobian_entries", max_entries))
    if (use or mode(output, variables)) == "forward":
        return _forward(output, variables)
    expect_passes(output, rows)
    collected = {v.name: [] for v in variables}
    for i in range(rows):
        for v in variables:
            v._grad = None
        if output.requires_grad:
            if shapes.is_scalar(output.value):
                seed = Tensor(1.0)
            else:
                from agrad.engine import vector_kernels

                seed = Tensor(vector_kernels.one_hot(rows, i))
            backward(output, seed, retain_graph=True)
        for v in variables:
            g = v._grad
            collected[v.name].append(shapes.zeros_like(v.value) if g is None else g.value)
    for v in variables:
        v._grad = None
    if shapes.is_scalar(output.value):
        return {name: found[0] for name, found in collected.items()}
    import numpy as np

    return {v.name: np.array(collected[v.name], dtype=np.float64).reshape((rows,) + shapes.shape(v.value))
            for v in variables}


def _forward(output: Tensor, variables: list[Tensor]) -> dict:
    """Forward mode: a column of the Jacobian per input element, the local derivatives computed
    once for all the passes (ForwardPlan)."""
    import numpy as np

    plan = ForwardPlan(output)
    rows = _size(output.value)
    out = {}
    for v in variables:
        cols = _size(v.value)
        matrix = np.zeros((rows, cols), dtype=np.float64)
        if v.requires_grad and output.requires_grad:
            for k in range(cols):
                if shapes.is_scalar(v.value):
                    tangent = Tensor(1.0)
                else:
                    from agrad.engine import vector_kernels

                    tangent = Tensor(vector_kernels.one_hot(cols, k))
                matrix[:, k] = plan.push({id(v): tangent}).value
        out[v.name] = matrix.reshape((rows,) + shapes.shape(v.value))
    return out
