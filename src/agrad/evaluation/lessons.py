"""What `agrad eval` does beyond one backward pass, as plain data for the renderers: repeated
passes (accumulation, zero_grad), hooks written as expressions in g, retained non-leaf grads,
higher-order derivatives and the Hessian. No Typer or Rich here."""

from __future__ import annotations

from agrad.engine import shapes
from agrad.errors import AgradError, BindingError, LimitError, UnboundVariableError
from agrad.limits import MAX_HESSIAN_ENTRIES, MAX_ORDER, too_costly
from agrad.evaluation.lowering import lower
from agrad.language.parser import parse
from agrad.engine import taylor
from agrad.engine.autograd import grad
from agrad.engine.watch import paused
from agrad.engine.tensor import Tensor, no_grad


def find_tensor(name: str, variables: dict, assigned: dict, option: str) -> Tensor:
    """A bound variable or an assigned name, for options that name one."""
    if name in assigned:
        return assigned[name]
    if name in variables:
        return variables[name]
    known = ", ".join(list(variables) + list(assigned)) or "none"
    raise BindingError(f"{option} {name}: no variable or assigned name '{name}' (known: {known})")


def make_hook(name: str, source: str):
    """A hook from an expression in g: its value replaces the incoming gradient."""
    try:
        program = parse(source)
    except AgradError as exc:  # the caret points into the hook's own text
        exc.message = f"--hook {name}={source}: {exc.message}"
        raise
    g_holder = {"g": Tensor(1.0, name="g")}
    try:
        with paused():  # (g = 1 is a trial value: --anomaly judges the hook when it runs)
            lower(program, g_holder, source)  # check it once: only g and constants may appear
    except UnboundVariableError as exc:
        raise UnboundVariableError(f"--hook {name}={source}: a hook is an expression in g only "
                                   f"({exc.message})", exc.span, source) from None

    def hook(g: Tensor):
        with no_grad():
            return lower(program, {"g": Tensor(g.value, name="g")}, source).output

    hook.source = source
    hook.__name__ = f"{name}={source}"  # torch names the hook in its errors
    return hook


def retain_graph_note(output: Tensor, passes: int) -> str:
    """Why torch would (or would not) need retain_graph=True for more than one backward pass."""
    from agrad.engine.autograd import execution_order

    savers = []
    for node in execution_order(output):
        if node.op is not None and node.op.saves and node.op.grad_fn not in savers:
            savers.append(node.op.grad_fn)
    if savers:
        return (f"PyTorch needs backward(retain_graph=True) to run backward {passes} times on this graph: "
                f"{', '.join(savers)} saved values for backward, which the first pass frees. "
                "Gradients add up in .grad until zeroed (--zero-grad).")
    return (f"This graph saves nothing for backward (only add, sub, neg), so PyTorch runs backward {passes} "
            "times without retain_graph=True. Gradients add up in .grad until zeroed (--zero-grad).")


def derivatives(output: Tensor, variables: dict, order: int, taylor: bool = True) -> dict:
    """d^k output / dx^k for k = 1..order, for each variable that requires grad (scalars only:
    for a vector these are tensors of growing order; --hessian gives the second ones).
    taylor: in Taylor mode (engine/taylor.py) where every op of the graph has a recurrence, the
    first derivative from one backward pass as torch computes it; else (and for hooks, float32,
    which Taylor mode does not see) nested backward passes, whose cost grows exponentially."""
    if order > MAX_ORDER:
        raise LimitError(f"--order {order}: the highest order agrad computes is {MAX_ORDER}")
    out = {}
    for name, x in variables.items():
        if not x.requires_grad:
            continue
        if shapes.is_vector(x.value) or shapes.is_vector(output.value):
            which = f"'{name}' is a vector" if shapes.is_vector(x.value) else "the output is a vector"
            raise BindingError(f"--order takes a scalar output and scalar variables, and {which}: --hessian gives "
                               "the second derivatives over every element, --jacobian the first")
        values = _taylor(output, x, order) if taylor else None
        if values is not None:
            out[name] = values
            continue
        values = []
        current = output
        for _ in range(order):
            if not current.requires_grad:
                values.append(shapes.zeros_like(output.value))
                current = Tensor(values[-1])
                continue
            (g,) = grad(current, [x], create_graph=True, allow_unused=True)
            if g is None:
                g = Tensor(shapes.zeros_like(output.value))
            values.append(g.value)
            current = g
        out[name] = values
    return out


def _taylor(output: Tensor, x: Tensor, order: int) -> list | None:
    """The derivatives in Taylor mode, or None where it has no recurrence (NoRecurrence)."""
    try:
        values = taylor.derivatives(output, x, order)
    except taylor.NoRecurrence:
        return None
    (g,) = grad(output, [x], retain_graph=True, allow_unused=True)  # the first one exactly as torch's
    values[0] = shapes.zeros_like(output.value) if g is None else g.value
    return values


def check_hessian_output(output: Tensor) -> None:
    """torch.autograd.functional.hessian's refusal of an output that is not one element."""
    if shapes.is_vector(output.value):
        raise BindingError("The Tensor returned by the function given to hessian should contain a single element "
                           "(--hessian needs a scalar output: reduce it, e.g. sum(...))")


def hessian(output: Tensor, variables: dict, max_entries: int = MAX_HESSIAN_ENTRIES) -> tuple[list[str], list[list[float]]]:
    """The matrix of second derivatives over the variables that require grad, a vector
    counting as its elements (named x[0], x[1], ...), as torch.autograd.functional.hessian.
    More than max_entries entries is a LimitError, before any pass runs."""
    check_hessian_output(output)
    tensors = [(n, t) for n, t in variables.items() if t.requires_grad]
    size = sum(_size(t) for _, t in tensors)
    if size * size > max_entries:
        raise LimitError(too_costly(f"the Hessian over {size} elements would have {size * size} entries",
                                    "max_hessian_entries", max_entries))
    names = [f"{n}[{k}]" if shapes.is_vector(t.value) else n for n, t in tensors for k in range(_size(t))]
    matrix = []
    for _, xi in tensors:
        (gi,) = grad(output, [xi], create_graph=True, allow_unused=True) if output.requires_grad else (None,)
        for k in range(_size(xi)):
            part = gi[k] if gi is not None and shapes.is_vector(gi.value) else gi
            row = []
            for _, xj in tensors:
                h = None
                if part is not None and part.requires_grad:
                    (h,) = grad(part, [xj], create_graph=True, allow_unused=True)
                row += [0.0] * _size(xj) if h is None else _flat(h.value)
            matrix.append(row)
    return names, matrix


def _size(t: Tensor) -> int:
    return 1 if shapes.is_scalar(t.value) else len(t.value)


def _flat(value) -> list:
    return [float(value)] if shapes.is_scalar(value) else value.tolist()


def snapshot(variables: dict, retained: dict) -> dict:
    """The gradients stored now: each variable's .grad, then each retained intermediate's."""
    grads = {}
    for name, t in list(variables.items()) + list(retained.items()):
        grads[name] = None if t._grad is None else shapes.to_python(t._grad.value)
    return grads


def zero_grads(tensors) -> None:
    for t in tensors:
        t._grad = None



def no_grad_reason(result) -> str | None:
    """Why there are no gradients, in words, when the output does not require grad."""
    if result.requires_grad:
        return None
    used = [result.variables[n] for n in result.used]
    marked = [t.name for t in used if not t.requires_grad]
    if not used:
        why = "it is built from constants only"
    elif len(marked) == len(used):
        why = f"every variable it uses is marked --no-grad ({', '.join(marked)})"
    else:
        why = ("it does not depend on any variable that requires grad through the graph: detach() or "
               "no_grad() cut it, or it is a derivative that is constant in them")
    return (f"No gradients: nothing in the output requires grad ({why}). In PyTorch, backward() here "
            "raises: element 0 of tensors does not require grad and does not have a grad_fn.")
