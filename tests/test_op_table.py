"""Every entry of the op table, checked from the table itself, so a new entry is tested here with
no edit (an entry that is not elementwise needs its arguments in VECTOR_ARGUMENTS, and the test
that misses them says so).

For each entry and each input it differentiates: the output's grad_fn is the entry's; the first
derivative agrees with central finite differences of the values, and the second (through
create_graph) with central finite differences of the first. On a vector, an elementwise entry
gives the scalar results element by element, bit for bit, values and gradients (under
scalar_exact, which computes numpy's libm functions with the C library's, as --points does);
a public function gives the same results on the fast scalar path as on the engine. Values are
held to torch by the recorded cases (every public function has some: checked below) and to
SymPy by test_ops.py.

The table's own checks (engine/ops.py check_entry) are tested at the end: a bad entry fails as
the table is built, naming the op.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from agrad.engine import kernels as K
from agrad.engine import ops, shapes, vector_kernel_names
from agrad.engine.tensor import Tensor, apply
from agrad.errors import ShapeError
from agrad.evaluation.api import run

INF, NAN = math.inf, math.nan

# Where each input that is differentiated takes its values: input i at point j takes
# POINTS[(j + 2 * i) % 7], so no two inputs tie (max, min, clamp have kinks at ties). No point is
# near a kink of abs, relu, floor, ceil, round or sign, or a pole of tan. Points where an entry
# is not defined (log of a negative, acosh below 1, ...) are skipped; each input keeps at least
# two.
POINTS = (-2.6, -1.7, -0.45, 0.35, 0.8, 1.4, 2.3)
EDGES = (0.0, -0.0, 25.0, -800.0, 800.0, INF, -INF, NAN)
# An input an entry never differentiates (torch's Python-number operands, where's condition) is
# given a Python number: 1.5, or per entry where that would leave nothing to see.
NUMBERS = {"clamp": (None, -1.0, 1.0)}
DEFAULT_NUMBER = 1.5

# Entries that are not elementwise (reductions, dot, indexing): their arguments, a list for a
# vector; an input the entry does not differentiate is a Python number.
VECTOR_ARGUMENTS = {
    "sum": ([0.35, -1.7, 0.8, 2.3],),
    "mean": ([0.35, -1.7, 0.8, 2.3],),
    "prod": ([0.35, -1.7, 0.8, 2.3],),
    "norm": ([0.35, -1.7, 0.8, 2.3],),
    "max_reduce": ([0.35, -1.7, 0.8, 2.3],),
    "min_reduce": ([0.35, -1.7, 0.8, 2.3],),
    "dot": ([0.35, -1.7, 0.8], [2.3, -0.45, 1.4]),
    "select": ([0.35, -1.7, 0.8], 1.0),
    "select_backward": (0.8, 3.0, 1.0),
    "expand": (0.8, 3.0),
    "view": ([0.35, -1.7, 0.8],),
    "sum_keepdim": ([0.35, -1.7, 0.8],),
    "masked_fill_tensor": ([0.35, -1.7, 0.8], 1.0, 0.5),
}

ELEMENTWISE = [name for name, op in ops.TABLE.items() if op.elementwise]
NOT_ELEMENTWISE = [name for name, op in ops.TABLE.items() if not op.elementwise]


def same(a: float, b: float) -> bool:
    """Bit for bit, as far as a float shows it: nan is nan, and zeros keep their signs."""
    return (a != a and b != b) or (a == b and math.copysign(1.0, a) == math.copysign(1.0, b))


def finite(*numbers) -> bool:
    return all(math.isfinite(n) for n in numbers)


def differentiated(op: ops.Op) -> list[int]:
    return [i for i, rule in enumerate(op.grads) if rule is not None]


# -- elementwise entries, on scalars ----------------------------------------------------------

def scalar_arguments(op: ops.Op, j: int) -> list[float]:
    numbers = NUMBERS.get(op.name, ())
    return [POINTS[(j + 2 * i) % len(POINTS)] if op.grads[i] is not None else
            (numbers[i] if i < len(numbers) and numbers[i] is not None else DEFAULT_NUMBER)
            for i in range(op.arity)]


def inputs_for(op: ops.Op, values: list) -> list[Tensor]:
    """Leaves that require grad for the inputs the entry differentiates, Python numbers for the
    others."""
    return [Tensor(shapes.as_value(v), requires_grad=True) if op.grads[i] is not None else
            Tensor(float(v), is_number=True)
            for i, v in enumerate(values)]


def partials(op: ops.Op, values: list[float], k: int) -> tuple[float, float, Tensor]:
    """The output, d out / d input k and d^2 out / d input k^2 (create_graph), on the engine."""
    inputs = inputs_for(op, values)
    out = apply(op, *inputs)
    out.backward(create_graph=True)
    first = inputs[k].grad
    for t in inputs:
        t.grad = None
    if first is not None and first.requires_grad:
        first.backward()
        second = 0.0 if inputs[k].grad is None else inputs[k].grad.value
    else:
        second = 0.0
    return (0.0 if first is None else first.value), second, out


def moved(values: list[float], k: int, by: float) -> list[float]:
    return [v + by if i == k else v for i, v in enumerate(values)]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_entry_against_finite_differences(name):
    op = ops.TABLE[name]
    for k in differentiated(op):
        checked = 0
        for j in range(len(POINTS)):
            values = scalar_arguments(op, j)
            x = values[k]
            h = 1e-6 * max(1.0, abs(x))
            value = op.kernel(*values)
            above, below = op.kernel(*moved(values, k, h)), op.kernel(*moved(values, k, -h))
            first, second, out = partials(op, values, k)
            assert out.grad_fn.name() == op.grad_fn, name
            assert same(out.value, value), (name, values)
            if not finite(value, above, below, first, second):
                continue  # outside the entry's domain
            fd = (above - below) / (2 * h)
            assert math.isclose(first, fd, rel_tol=1e-6, abs_tol=1e-7), (name, k, values, first, fd)
            h2 = 1e-4 * max(1.0, abs(x))
            fd2 = (partials(op, moved(values, k, h2), k)[0] - partials(op, moved(values, k, -h2), k)[0]) / (2 * h2)
            assert math.isclose(second, fd2, rel_tol=1e-5, abs_tol=1e-6), (name, k, values, second, fd2)
            checked += 1
        assert checked >= 2, f"{name}: input {k} is defined at fewer than two of the points"


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_entry_on_a_vector_is_the_scalar_one_bit_for_bit(name):
    from agrad.engine.vector_kernels import scalar_exact

    op = ops.TABLE[name]
    n = len(POINTS) + len(EDGES)
    # one row per point: the points, then each edge in every differentiated input at once
    rows = [scalar_arguments(op, j) for j in range(len(POINTS))]
    rows += [[e if op.grads[i] is not None else rows[0][i] for i in range(op.arity)] for e in EDGES]
    columns = [[row[i] for row in rows] if op.grads[i] is not None else rows[0][i] for i in range(op.arity)]
    seed = [1.0 + 0.25 * r for r in range(n)]
    with scalar_exact():
        inputs = inputs_for(op, columns)
        out = apply(op, *inputs)
        out.backward(gradient=seed)
    assert out.grad_fn.name() == op.grad_fn
    for r, row in enumerate(rows):
        scalar_inputs = inputs_for(op, row)
        scalar_out = apply(op, *scalar_inputs)
        scalar_out.backward(gradient=seed[r])
        assert same(float(out.value[r]), scalar_out.value), (name, row, out.value[r], scalar_out.value)
        for k in differentiated(op):
            assert same(float(inputs[k].grad.value[r]), scalar_inputs[k].grad.value), (name, k, row)


PUBLIC_ELEMENTWISE = [name for name, op in ops.public_functions().items() if op.elementwise]


@pytest.mark.parametrize("name", PUBLIC_ELEMENTWISE)
def test_public_function_on_the_fast_scalar_path_is_the_engine(name):
    op = ops.TABLE[name]
    names = ["x", "w", "u"]
    for j in range(len(POINTS)):
        values = scalar_arguments(op, j)
        args = [names[i] if op.grads[i] is not None else repr(v) for i, v in enumerate(values)]
        bindings = {names[i]: v for i, v in enumerate(values) if op.grads[i] is not None}
        source = f"{name}({', '.join(args)})"
        fast, engine = run(source, bindings, fast=True), run(source, bindings, fast=False)
        assert same(fast.value, engine.value) and fast.grad_fn == engine.grad_fn == op.grad_fn, source
        for var in bindings:
            assert same(fast.grads[var], engine.grads[var]), (source, var)


# -- entries that are not elementwise, on vectors ---------------------------------------------

def test_every_entry_that_is_not_elementwise_has_arguments_here():
    missing = set(NOT_ELEMENTWISE) - set(VECTOR_ARGUMENTS)
    assert not missing, f"add arguments for {sorted(missing)} to VECTOR_ARGUMENTS"


def _weighted(op, values, weights):
    """The entry's output, made a scalar by a fixed weighting (a vector output's vjp)."""
    out = apply(op, *inputs_for(op, values)).value
    if isinstance(out, float):
        return out
    return float(sum(w * o for w, o in zip(weights, out.tolist())))


def _with(values, k, e, by):
    out = list(values)
    if isinstance(out[k], list):
        out[k] = [v + by if i == e else v for i, v in enumerate(out[k])]
    else:
        out[k] = out[k] + by
    return out


@pytest.mark.parametrize("name", NOT_ELEMENTWISE)
def test_vector_entry_against_finite_differences(name):
    op = ops.TABLE[name]
    values = list(VECTOR_ARGUMENTS[name])
    inputs = inputs_for(op, values)
    out = apply(op, *inputs)
    assert out.grad_fn.name() == op.grad_fn
    weights = None if isinstance(out.value, float) else [1.0 + 0.5 * i for i in range(len(out.value))]
    out.backward(gradient=weights, create_graph=True)
    for k in differentiated(op):
        grad = inputs[k].grad
        elements = range(len(values[k])) if isinstance(values[k], list) else [None]
        for e in elements:
            x = values[k][e] if e is not None else values[k]
            h = 1e-6 * max(1.0, abs(x))
            fd = (_weighted(op, _with(values, k, e, h), weights) -
                  _weighted(op, _with(values, k, e, -h), weights)) / (2 * h)
            first = grad.value if e is None else float(grad.value[e])
            assert math.isclose(first, fd, rel_tol=1e-6, abs_tol=1e-7), (name, k, e, first, fd)
            # the second derivative in that element, through the gradient's own graph
            fresh = inputs_for(op, values)
            apply(op, *fresh).backward(gradient=weights, create_graph=True)
            g = fresh[k].grad
            for t in fresh:
                t.grad = None
            if g.requires_grad:
                part = g if e is None else apply(ops.SELECT, g, Tensor(float(e), is_number=True))
                part.backward()
                d2 = fresh[k].grad
                second = 0.0 if d2 is None else (d2.value if e is None else float(d2.value[e]))
            else:
                second = 0.0

            def first_at(by):
                moved_inputs = inputs_for(op, _with(values, k, e, by))
                apply(op, *moved_inputs).backward(gradient=weights)
                value = moved_inputs[k].grad.value
                return value if e is None else float(value[e])

            h2 = 1e-4 * max(1.0, abs(x))
            fd2 = (first_at(h2) - first_at(-h2)) / (2 * h2)
            assert math.isclose(second, fd2, rel_tol=1e-5, abs_tol=1e-6), (name, k, e, second, fd2)


# -- values against torch -----------------------------------------------------------------------

HERE = Path(__file__).parent / "torch_reference"


def test_every_public_function_has_recorded_torch_cases():
    sources = [case["source"] for case in json.loads((HERE / "cases.json").read_text())["cases"]]
    sources += [case["expr"] for case in json.loads((HERE / "vector_cases.json").read_text())["cases"]]
    called = {name for text in sources for name in re.findall(r"([a-z_][a-z0-9_]*)\(", text)}
    missing = set(ops.public_functions()) - called
    assert not missing, f"no recorded torch case calls {sorted(missing)}: run tests/torch_reference/generate.py"


# -- the table's own checks -------------------------------------------------------------------

def _rule(g, out, a):
    return g


def _cube(a):
    return a * a * a


def test_vector_kernel_names_are_vector_kernels_functions():
    from agrad.engine import vector_kernels

    for name in vector_kernel_names.KERNELS:
        assert callable(getattr(vector_kernels, name, None)), f"vector_kernels has no function {name!r}"
    used = {op.vector.name for op in ops.TABLE.values() if type(op.vector) is not ops.ScalarsOnly}
    assert vector_kernel_names.KERNELS == used | {ops.stack_op(2).vector.name}, "list exactly the table's kernels"


def test_a_function_without_a_vector_kernel_fails_as_the_table_is_built():
    # the example: a one-argument function added to kernels and to the table, nothing
    # to vector_kernels: agrad must not start, and the message names the op
    with pytest.raises(ops.BadEntry, match=r"'cube'.*vector_kernels has no kernel '_cube'.*SCALARS_ONLY"):
        ops._op("cube", 1, _cube, [_rule], "CubeBackward0", ["3*x^2"])
    assert "cube" not in ops.TABLE


@pytest.mark.parametrize("entry, message", [
    (dict(arity=2), r"1 gradient rules for 2 inputs; 1 derivatives for 2 inputs; 1 params for 2 inputs"),
    (dict(grads=[_rule, _rule]), r"2 gradient rules for 1 inputs"),
    (dict(derivatives=[]), r"0 derivatives for 1 inputs"),
    (dict(grads=["g"]), r"gradient rule 0 is neither a function nor None"),
    (dict(grad_fn="cube"), r"grad_fn 'cube' is not a torch node name"),
    (dict(kernel=None, vector=ops.SCALARS_ONLY), r"its scalar kernel is not a function"),
    (dict(vector=K.sin), r"its vector kernel is neither"),
    (dict(name="sin", vector=ops.SCALARS_ONLY), r"is entered twice"),
])
def test_a_bad_entry_is_refused_naming_the_op(entry, message):
    args = dict(name="cube", arity=1, kernel=_cube, grads=[_rule], grad_fn="CubeBackward0",
                derivatives=["3*x^2"], vector=ops.SCALARS_ONLY)
    args.update(entry)
    name = args["name"]
    with pytest.raises(ops.BadEntry, match=rf"'{name}'.*{message}"):
        ops._op(args.pop("name"), args.pop("arity"), args.pop("kernel"), args.pop("grads"), args.pop("grad_fn"),
                args.pop("derivatives"), **args)
    assert "cube" not in ops.TABLE


def test_a_scalars_only_entry_refuses_a_vector_by_name():
    op = ops.Op("cube", 1, _cube, (_rule,), "CubeBackward0", ("3*x^2",), vector=ops.ScalarsOnly("cube"))
    ops.check_entry(op)
    assert apply(op, Tensor(2.0)).value == 8.0
    with pytest.raises(ShapeError, match=r"cube\(\) takes scalars only, not vectors"):
        apply(op, Tensor(shapes.as_value([1.0, 2.0])))


def test_every_entry_passes_the_checks():
    for op in ops.TABLE.values():
        ops.check_entry(op)
    for n in (0, 1, 3):
        ops.check_entry(ops.stack_op(n))


# -- what people read: the README's table, `agrad functions` -----------------------------------

def test_the_readme_table_of_functions_is_the_op_tables():
    from agrad.render.functions import readme_table

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert readme_table() in readme, "the README's table of functions is stale: run python tools/readme_functions.py"


def test_agrad_functions_lists_every_function_of_the_table():
    from agrad.render.functions import callable_functions, rows

    listed = {row["name"]: row for row in rows()}
    for called, op in callable_functions():
        row = listed[f"{called}({', '.join(op.params)})"]
        assert row["grad_fn"] == op.grad_fn and row["arity"] == op.arity
    assert listed["gelu(x)"]["grad_fn"] == "GeluBackward0" and "approximate='none'" in listed["gelu(x)"]["notes"]
