"""`agrad minimize`'s loop: the loss and its gradients from agrad's own evaluation (api.run, on
the compiled scalar path where the program allows), each update from optimizers.py.

As a torch training loop does it: each step evaluates the loss at the current point,
backpropagates, and lets the optimizer update every parameter in place; step k's record is the
point after k updates, with its loss and gradients (step 0 is the start). It stops

- after `steps` updates (the record of step `steps` is the last);
- when the gradient's norm (over every variable, ‖∇f‖₂) at a point is below `tol`;
- when the loss changed by less than `tol` from the previous step (|f_k − f_{k−1}| < tol);
- when the loss is not finite (inf or nan): a ComputeError naming the step, after the last
  finite record was given.

Each variable is one parameter: a number is a 0-d tensor, a vector a 1-D one (parameters()).

tol 0 turns the two tolerance rules off.
"""

from __future__ import annotations

import math
from typing import Iterator

from agrad.compiled import tape as tapes
from agrad.errors import BindingError, ComputeError, ScalarOutputError
from agrad.evaluation import optimizers
from agrad.evaluation.api import prepare, run
from agrad.limits import MAX_MINIMIZE_STEPS

STOP_STEPS = "steps"
STOP_GRADIENT = "gradient norm"
STOP_LOSS = "loss change"


class Step:
    """One point of the descent: step (updates made so far), loss, values and grads ({name:
    float}, a grad None where the loss does not use the variable), and stop: None, or why the
    descent ends here (STOP_STEPS, STOP_GRADIENT, STOP_LOSS)."""

    __slots__ = ("step", "loss", "values", "grads", "stop", "grad_norm")

    def __init__(self, step: int, loss: float, values: dict, grads: dict, grad_norm: float):
        self.step, self.loss, self.values, self.grads, self.grad_norm = step, loss, values, grads, grad_norm
        self.stop = None


class NotFinite(ComputeError):
    """The loss became inf or nan: `last` is the last finite Step (None if the start was not)."""

    def __init__(self, message: str, last: Step | None, step: Step):
        super().__init__(message)
        self.last = last
        self.step_record = step


def parameters(start: dict) -> tuple[list, list, list]:
    """The bindings as torch.optim's parameters: (names, sizes, flat values), a size None for a
    0-d parameter (a number) and n for a 1-D one (a vector of n numbers). The update rules are
    elementwise, so a vector's elements are updated as torch's kernels update them: measured
    against torch 2.13 at lengths 1 to 40, where its CPU kernels run 8 elements at a time with the
    same fused multiply-adds as one element."""
    names, sizes, flat = [], [], []
    for name, value in start.items():
        names.append(name)
        if type(value) in (float, int):
            sizes.append(None)
            flat.append(float(value))
        else:
            items = [float(v) for v in value]
            sizes.append(len(items))
            flat.extend(items)
    return names, sizes, flat


def _bindings(names: list, sizes: list, flat: list) -> dict:
    out, i = {}, 0
    for name, size in zip(names, sizes):
        if size is None:
            out[name] = flat[i]
            i += 1
        else:
            import numpy as np  # (vectors only)

            out[name] = np.array(flat[i:i + size], dtype=float)
            i += size
    return out


def _flat_grads(by_name: dict, names: list, sizes: list) -> list:
    grads = []
    for name, size in zip(names, sizes):
        g = by_name.get(name)
        if size is None:
            grads.append(g)
        elif g is None:
            grads.extend([None] * size)
        else:
            grads.extend(g)
    return grads


def _python(value):
    """A binding's value as the records show it: a float, or a list of floats."""
    return value if type(value) is float else [float(v) for v in value]


def descend(source: str, start: dict, optimizer: str, options: dict, steps: int, tol: float = 1e-10,
            sqrt=math.sqrt) -> Iterator[Step]:
    """Each Step of the descent from `start` ({name: a number, or a vector}), in order; the last
    has .stop set. options: optimizers.settings(optimizer, ...)'s. Raises NotFinite when the loss
    stops being finite, and the program's own errors (syntax, unbound variable, a vector output)
    before the first step."""
    if not 0 <= steps <= MAX_MINIMIZE_STEPS:
        raise BindingError(f"--steps {steps}: give 0 to {MAX_MINIMIZE_STEPS:,} steps")
    if not tol >= 0:  # (nan would turn both tolerance rules off unseen)
        raise BindingError(f"--tol {tol}: give a number, 0 or more (0 turns the tolerance rules off)")
    names, sizes, params = parameters(start)
    update = optimizers.make(optimizer, len(params), options, sqrt=sqrt)
    program = prepare(source)
    # the compiled scalar path, run directly (api.run's own checks cost a fifth of a step); the
    # tape takes numbers only, so a vector binding goes to the engine
    tape = program.tape if all(size is None for size in sizes) else None
    previous: Step | None = None
    k = 0
    while True:
        bindings = _bindings(names, sizes, params)
        ran = None if tape is None else tapes.run(tape, bindings)
        if ran is None:  # the engine: a program the tape does not take, or an error with its position
            try:
                result = run(source, bindings, program=program)
            except ScalarOutputError as exc:  # (eval's hint is about --gradient, which minimize has not)
                raise ComputeError(f"{exc.message}: the loss must be a scalar; reduce the vector, e.g. sum(...)",
                                   exc.span, exc.source) from None
            ran = result.value, result.grads
        loss, by_name = ran
        if type(loss) is int:  # (a program of numbers alone: Python's arithmetic gave an int)
            loss = float(loss)
        if type(loss) is not float:
            raise ComputeError("the loss must be a scalar, but the expression gives a vector: reduce it, "
                               "e.g. sum(...)")
        grads = _flat_grads(by_name, names, sizes)
        norm = math.sqrt(math.fsum(g * g for g in grads if g is not None))
        point = Step(k, loss, {name: _python(v) for name, v in bindings.items()},
                     {name: by_name.get(name) for name in names}, norm)
        if not math.isfinite(loss):
            where = "the start" if previous is None else f"step {k}"
            raise NotFinite(f"the loss is {'nan' if loss != loss else 'inf' if loss > 0 else '-inf'} at {where}"
                            + ("" if previous is None else
                               f"; the last finite point is step {previous.step} (loss {previous.loss!r})"),
                            previous, point)
        if norm < tol:
            point.stop = STOP_GRADIENT
        elif previous is not None and abs(loss - previous.loss) < tol:
            point.stop = STOP_LOSS
        elif k >= steps:
            point.stop = STOP_STEPS
        yield point
        if point.stop is not None:
            return
        update.step(params, grads)
        previous = point
        k += 1
