"""The full Jacobian of an output with respect to variables, the way torch.autograd.functional
.jacobian computes it without vectorize: one backward pass per output element, seeded with that
element's one-hot vector, the graph retained between passes.

Each variable's Jacobian has the output's shape followed by the variable's, as torch's does: a
number (scalar of scalar), a vector (scalar output of a vector, or vector output of a scalar),
or a matrix of one row per output element.
"""

from __future__ import annotations

from agrad.engine import shapes
from agrad.errors import LimitError
from agrad.engine.autograd import backward, expect_passes
from agrad.engine.tensor import Tensor
from agrad.limits import MAX_JACOBIAN_ENTRIES, too_costly


def jacobian(output: Tensor, variables: list[Tensor], max_entries: int = MAX_JACOBIAN_ENTRIES) -> dict:
    """{variable name: Jacobian} (floats and numpy arrays). The variables' .grad is left None.
    More than max_entries entries is a LimitError before any pass; the passes (one per output
    element) are refused before the first when the backward-step budget cannot hold them."""
    rows = 1 if shapes.is_scalar(output.value) else len(output.value)
    entries = rows * sum(1 if shapes.is_scalar(v.value) else len(v.value) for v in variables)
    if entries > max_entries:
        raise LimitError(too_costly(f"the Jacobian would have {entries} entries ({rows} output elements, one "
                                    "backward pass each; --gradient gives a vector-Jacobian product in one)",
                                    "max_jacobian_entries", max_entries))
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
