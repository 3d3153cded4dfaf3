"""--check: every leaf's gradient, element by element, against central differences.

torch.autograd.gradcheck's method and defaults: for each input element, (f(x + eps) - f(x - eps))
/ 2eps with eps 1e-6, computed in float64 whatever --dtype says (checking in float32 was the
trap of pytorch#5351: its rounding error alone is ~1e-1 at eps 1e-6), and an element passes when
|analytic - numeric| <= atol + rtol * |numeric| (atol 1e-5, rtol 1e-3). The analytic gradient
is the one agrad reports, with the user's options (hooks included: a hook that changes a gradient
makes the check fail, as it should); the numeric one runs the program forward only, without them.
That is 2n+1 evaluations for n input elements. With a seed (--gradient) the output may be a
vector: the numeric value is then seed . (f(x + eps) - f(x - eps)) / 2eps, the vector-Jacobian
product the analytic gradient is.

--check 2 also checks second derivatives, as gradgradcheck does: the Hessian (lessons.hessian,
the gradient rules differentiated) against central differences of the gradient, 2n more
evaluations (each with its backward pass).

At a kink (kinks.py) a mismatch is not a failure: the row says "kink" and the check names the
op and the convention agrad follows there.
"""

from __future__ import annotations

import math

from agrad.engine import shapes
from agrad.errors import CheckError, LimitError, UsageError
from agrad.evaluation import kinks as kink_finder
from agrad.limits import cost_limit, too_costly

KINK_STEPS = 10  # an op's input within this many eps of its kink counts as at it


class Row:
    """One compared element: leaf (a variable, or for --check 2 `x,w`: d^2/dx dw), element (its
    index in a vector, or None), analytic, numeric, abs_err, rel_err, status ("ok", "kink" or
    "mismatch"), and order (1 or 2)."""

    __slots__ = ("leaf", "element", "analytic", "numeric", "abs_err", "rel_err", "status", "order", "excess")

    def __init__(self, leaf, element, analytic: float, numeric: float, tolerance: tuple, order: int = 1):
        atol, rtol = tolerance
        self.leaf, self.element, self.analytic, self.numeric, self.order = leaf, element, analytic, numeric, order
        same = analytic == numeric or (math.isnan(analytic) and math.isnan(numeric))
        self.abs_err = 0.0 if same else abs(analytic - numeric)
        self.rel_err = 0.0 if same else (self.abs_err / abs(numeric) if numeric != 0 else math.inf)
        allowed = atol + rtol * abs(numeric)
        ok = same or self.abs_err <= allowed
        # how far past its tolerance: the worst element is the one that breaks it most (nan first)
        self.excess = 0.0 if ok else (math.inf if math.isnan(self.abs_err) or not allowed else self.abs_err / allowed)
        self.status = "ok" if ok else "mismatch"

    @property
    def name(self) -> str:
        """d/dx, d/dv[2], d2/dx dw: the element in words."""
        if self.order == 1:
            return f"d/d{self.leaf}" + ("" if self.element is None else f"[{self.element}]")
        return f"d2/d{self.leaf[0]} d{self.leaf[1]}"

    def as_dict(self) -> dict:
        return {"leaf": self.leaf if self.order == 1 else list(self.leaf), "element": self.element,
                "analytic": self.analytic, "numeric": self.numeric, "abs_err": self.abs_err,
                "rel_err": self.rel_err, "status": self.status}


class Check:
    """The outcome of a check: rows (first order, then second), kinks (kinks.Kink), evaluations
    (how many times the program ran), eps/atol/rtol, order, result (the checked Result); ok when
    no row is a mismatch."""

    def __init__(self, rows: list, kinks: list, evaluations: int, settings: tuple, order: int):
        self.rows, self.kinks, self.evaluations, self.order = rows, kinks, evaluations, order
        self.eps, self.atol, self.rtol = settings
        self.result = None  # the run's Result, set by api.run

    @property
    def ok(self) -> bool:
        return all(row.status != "mismatch" for row in self.rows)

    @property
    def worst(self) -> Row | None:
        """The mismatch furthest past its tolerance, or None."""
        bad = [row for row in self.rows if row.status == "mismatch"]
        return max(bad, key=lambda row: row.excess) if bad else None

    @property
    def status(self) -> str:
        """ok, kink (no mismatch but a point that is not differentiable), or mismatch."""
        return "mismatch" if not self.ok else "kink" if self.kinks else "ok"

    @property
    def largest(self) -> Row | None:
        """The row nearest to (or furthest past) its tolerance: the one csv names."""
        def closeness(row):
            allowed = self.atol + self.rtol * abs(row.numeric)
            return math.inf if math.isnan(row.abs_err) else row.abs_err / allowed if allowed else math.inf
        return max(self.rows, key=lambda row: (row.status == "mismatch", closeness(row))) if self.rows else None

    def error(self) -> CheckError | None:
        """The check error a mismatch is (exit 1), naming the worst element; None when ok."""
        row = self.worst
        if row is None:
            return None
        count = sum(r.status == "mismatch" for r in self.rows)
        return CheckError(f"gradient check failed ({count} of {len(self.rows)} elements): {row.name} is "
                          f"{row.analytic!r} by backward but {row.numeric!r} by central differences (abs err "
                          f"{row.abs_err:.3g} > atol {self.atol:g} + rtol {self.rtol:g} * |numeric|)")

    def __repr__(self):
        return f"Check(ok={self.ok}, rows={len(self.rows)}, kinks={len(self.kinks)}, evaluations={self.evaluations})"


def _elements(value) -> list:
    """A number, a list or an array as a list of floats."""
    if isinstance(value, list) or shapes.is_vector(value):
        return [float(v) for v in value]
    return [float(value)]


def _flat(grad, size: int) -> list:
    """A gradient as a list of floats (None, a leaf the output does not reach: zeros)."""
    if grad is None:
        return [0.0] * size
    return [float(grad)] if not isinstance(grad, list) else [float(g) for g in grad]


def _leaves(result, bindings: dict, options) -> list:
    """(name, its values as a list, whether it is a vector): the bound variables that require
    grad, in the order of the result's grads."""
    out = []
    for name in result.grads:
        if name in bindings and name not in options.no_grad and name in result.variables:
            value = result.variables[name].value
            out.append((name, _elements(value), shapes.is_vector(value)))
    return out


class _Evaluator:
    """Runs the program at moved bindings, counting the runs."""

    def __init__(self, run, source: str, bindings: dict, program):
        self.run, self.source, self.bindings, self.program = run, source, bindings, program
        self.count = 0

    def __call__(self, options, name: str, values: list, vector: bool):
        self.count += 1
        moved = dict(self.bindings)
        moved[name] = list(values) if vector else values[0]
        return self.run(self.source, moved, options, program=self.program)


def _projection(value, seed) -> float:
    """The output reduced as backward's seed reduces it: seed . value (1 . value without a seed)."""
    values = _elements(value)
    if seed is None:
        return values[0]
    weights = _elements(seed)
    if len(weights) == 1 and len(values) > 1:
        weights = weights * len(values)
    return math.fsum(w * v for w, v in zip(weights, values))


def gradcheck(source: str, bindings: dict, options, result, run, program=None) -> Check:
    """Check `result` (run's Result of source with bindings and options, computed by the
    engine) against central differences. run: api.run, passed in (this module is below it)."""
    if options.jacobian:
        raise UsageError("--check checks the gradients of backward: it does not go with --jacobian")
    eps, atol, rtol = options.check_eps, options.check_atol, options.check_rtol
    if not (eps > 0 and atol >= 0 and rtol >= 0):
        raise UsageError(f"--eps must be positive and --atol, --rtol not negative (got {eps}, {atol}, {rtol})")
    leaves = _leaves(result, bindings, options)
    size = sum(len(values) for _, values, _ in leaves)
    needed = 1 + 2 * size + (1 + 2 * size) * (options.check >= 2)
    limit = cost_limit("max_check_evaluations", options.max_check_evaluations)
    if needed > limit:
        raise LimitError(too_costly(f"--check over {size} input elements would take {needed} evaluations",
                                    "max_check_evaluations", limit))
    evaluate = _Evaluator(run, source, bindings, program)
    evaluate.count = 1  # the analytic run, made by the caller
    seed = result.gradient
    forward = _forward_options(options)
    tolerance = (atol, rtol)
    analytic = result.passes[0] if result.passes else result.grads
    rows = []
    for name, values, vector in leaves:
        grads = _flat(analytic.get(name), len(values))
        for k, x in enumerate(values):
            numeric = _central(lambda moved: _projection(evaluate(forward, name, moved, vector).value, seed),
                               values, k, eps)
            rows.append(Row(name, k if vector else None, grads[k], numeric, tolerance))
    if options.check >= 2:
        rows += _second_order(source, bindings, options, leaves, evaluate, tolerance, result.value)
    kinks = kink_finder.find(result.output, [name for name, _, _ in leaves], KINK_STEPS * eps)
    _mark_kinks(rows, kinks)
    return Check(rows, kinks, evaluate.count, (eps, atol, rtol), options.check)


def _central(f, values: list, k: int, eps: float) -> float:
    """(f(values with [k] + eps) - f(values with [k] - eps)) / 2eps."""
    up, down = list(values), list(values)
    up[k] += eps
    down[k] -= eps
    return (f(up) - f(down)) / (2 * eps)


def _forward_options(options):
    """The numeric side's options: float64, the same seed and cost bounds, no lessons, no hooks."""
    from agrad.evaluation.options import RunOptions

    return RunOptions(gradient=options.gradient, max_source_bytes=options.max_source_bytes,
                      max_nodes=options.max_nodes, max_backward_steps=options.max_backward_steps)


def _second_order(source, bindings, options, leaves, evaluate, tolerance, value) -> list:
    """gradgradcheck: the Hessian against central differences of the gradient (the gradient
    computed with the user's options, in float64)."""
    if isinstance(value, list):
        raise UsageError("--check 2 needs a scalar output (the Hessian of a vector output is not defined)")
    evaluate.count += 1  # the Hessian's run
    first = options.replace(check=0, dtype="float64", backward_passes=1, zero_grad=False, trace=False, order=0,
                            hessian=False, grads_in=False)
    hessian = evaluate.run(source, bindings, first.replace(hessian=True, fast=False), program=evaluate.program).hessian
    labels = [(name, k if vector else None) for name, values, vector in leaves for k in range(len(values))]
    matrix = hessian[1] if hessian is not None else [[0.0] * len(labels) for _ in labels]
    columns = []  # column j: the gradient's change along element j
    for name, values, vector in leaves:
        for k in range(len(values)):
            def gradient(moved, name=name, vector=vector):
                grads = evaluate(first, name, moved, vector).grads
                return [g for leaf, vals, _ in leaves for g in _flat(grads.get(leaf), len(vals))]
            up, down = list(values), list(values)
            up[k] += options.check_eps
            down[k] -= options.check_eps
            columns.append([(a - b) / (2 * options.check_eps) for a, b in zip(gradient(up), gradient(down))])
    rows = []
    for i, (ni, ki) in enumerate(labels):
        for j, (nj, kj) in enumerate(labels):
            rows.append(Row((_label(ni, ki), _label(nj, kj)), None, float(matrix[i][j]), columns[j][i], tolerance,
                            order=2))
    return rows


def _label(name: str, k) -> str:
    return name if k is None else f"{name}[{k}]"


def _mark_kinks(rows: list, kinks: list) -> None:
    """A mismatch of a leaf that a kink's op depends on is the kink's doing: status "kink"."""
    if not kinks:
        return
    affected = frozenset().union(*(k.leaves for k in kinks))
    for row in rows:
        leaves = {row.leaf} if row.order == 1 else {n.partition("[")[0] for n in row.leaf}
        if row.status == "mismatch" and leaves & affected:
            row.status = "kink"
