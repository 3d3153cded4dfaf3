"""The compiled scalar path's program: a Tape, and run(), which executes it on floats.

A tape (made by builder.py) holds a scalar program as one instruction per op, each with the op
table's entry that `ops.variant` picks, exactly as `ops.call` would, in creation order, its
literals and constants folded and its variables as slots. run() executes it forward with the
entries' kernels, then backward in torch's order (newest op first), running the op table's own
gradient rules on Scalars (scalar.py); gradients arriving by several paths are added in the
same order as the engine (engine/autograd.py) adds them, so the results are the engine's to the
last bit (tests/test_scalar_tape.py checks that on generated programs). Where a binding is not
a plain number or a kernel raises, run() returns None and the caller uses the engine.
"""

from __future__ import annotations

from agrad.compiled.scalar import Scalar as _Scalar
from agrad.errors import AgradError


class Tape:
    """A compiled scalar program. init: every slot's starting value (folded numbers; None for a
    variable, filled from the bindings, and for an op's output); variables: (slot, name) of each
    variable, in order of first use; code: (op, input slots, output slot) per op, in creation
    order; numbers: per slot, True for a Python number, None for a constant tensor, False for a
    value that requires grad; output: the output's slot; assigned: the names the program
    assigns (a binding of one of them is the engine's error); used: the variables' names in
    order of first use; grad_fn: the output's (None for a leaf, a number or a constant)."""

    __slots__ = ("init", "variables", "code", "numbers", "output", "assigned", "used", "grad_fn")

    def __init__(self, init, variables, code, numbers, output, assigned):
        self.init = init
        self.variables = variables
        self.code = code
        self.numbers = numbers
        self.output = output
        self.assigned = assigned
        self.used = [name for slot, name in variables]
        self.grad_fn = None
        for op, args, slot in reversed(code):  # (the output is usually the last op)
            if slot == output:
                self.grad_fn = op.grad_fn
                break


def run(tape: Tape, bindings: dict):
    """(value, {variable: gradient}) of the tape for these bindings (numbers by name), or None
    when a binding is not a plain number or a kernel raises: then the engine decides."""
    values = list(tape.init)
    try:
        for slot, name in tape.variables:
            value = bindings[name]
            if type(value) is not float:
                if type(value) is not int:
                    return None
                value = float(value)
            values[slot] = value
        for op, args, slot in tape.code:
            if len(args) == 1:
                values[slot] = op.kernel(values[args[0]])
            elif len(args) == 2:
                values[slot] = op.kernel(values[args[0]], values[args[1]])
            else:
                values[slot] = op.kernel(*[values[i] for i in args])
    except (KeyError, OverflowError, AgradError):
        return None
    output = tape.output
    numbers = tape.numbers
    if numbers[output] is not False:  # a number or a constant: nothing requires grad
        return values[output], {name: None for slot, name in tape.variables}
    # Backward, newest op first. The gradients are kept as the Scalars the rules return: what
    # reaches a node is never a Python number (the seed is not, and each rule's result involves
    # the gradient or a mask), so the sums are the engine's Tensor additions, a + b, done on the
    # floats. (A rule that returned a number would send the program to the engine.) A slot's
    # value is wrapped in a Scalar once: the consumers of a value come after it on the tape, so
    # they run first and its op's `out` can reuse their wrapper, which is then dropped, so the
    # wrappers alive at once are those of the values still to be read, not one per slot (a
    # 1,000,000-term sum held 45 MB more without this). (Scalars are made as Scalar's docstring
    # says.)
    Scalar = _Scalar  # (a local name: looked up several times per node)
    scalars = [None] * len(values)
    grads = [None] * len(values)
    seed = grads[output] = Scalar()
    seed.value, seed.is_number = 1.0, False
    for op, args, slot in reversed(tape.code):
        g = grads[slot]
        if g is None:
            continue
        out = scalars[slot]
        if out is None:
            out = Scalar()
            out.value, out.is_number = values[slot], False
        else:
            scalars[slot] = None  # every reader of this value has run: let the wrapper go
        # the inputs, wrapped: for one or two inputs (most ops) as a and b, passed without a
        # *inputs call
        count = len(args)
        if count <= 2:
            j = args[0]
            a = scalars[j]
            if a is None:
                a = scalars[j] = Scalar()
                a.value, a.is_number = values[j], numbers[j]
            if count == 2:
                k = args[1]
                b = scalars[k]
                if b is None:
                    b = scalars[k] = Scalar()
                    b.value, b.is_number = values[k], numbers[k]
        else:
            inputs = []
            for j in args:
                x = scalars[j]
                if x is None:
                    x = scalars[j] = Scalar()
                    x.value, x.is_number = values[j], numbers[j]
                inputs.append(x)
        # each rule that applies, its contribution added to its input's gradient
        i = 0
        for rule in op.grads:
            j = args[i]
            i += 1
            if rule is None or numbers[j] is not False:  # (a number, a constant: no grad)
                continue
            if count == 1:
                contribution = rule(g, out, a)
            elif count == 2:
                contribution = rule(g, out, a, b)
            else:
                contribution = rule(g, out, *inputs)
            if contribution is None:
                continue
            if contribution.is_number:
                return None
            previous = grads[j]
            if previous is None:
                grads[j] = contribution
            else:
                total = grads[j] = Scalar()
                total.value, total.is_number = previous.value + contribution.value, False
    gradients = {}
    for slot, name in tape.variables:
        g = grads[slot]
        gradients[name] = None if g is None else g.value
    return values[output], gradients
