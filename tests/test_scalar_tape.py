"""The compiled scalar path (compiled/: builder, tape, scalar) gives what the engine gives, to
the last bit: values, gradients (signed zeros, inf and nan included), grad_fn, and the same
errors, on programs built from every public function and operator, at ordinary and edge
values."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

import agrad
import fuzzing
from agrad.engine import ops
from agrad.compiled import builder, tape as tapes
from agrad.evaluation.api import CompiledResult, Prepared, prepare, run
from agrad.language.parser import parse

EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 2.0, 3.0, 20.0, 21.0, 1e-300, 1e308, -1e308, math.inf, -math.inf, math.nan]
FUNCTIONS = [(name, n) for name in ops.public_functions() for n in ops.arities(name)]


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (a != a and b != b) or (a == b and math.copysign(1.0, a) == math.copysign(1.0, b))
    return a == b


def _outcome(source: str, bindings: dict, fast: bool):
    try:
        r = run(source, bindings, fast=fast)
    except agrad.AgradError as exc:
        return ("error", type(exc).__name__, str(exc))
    return (r.value, r.grads, r.grad_fn, r.requires_grad, r.used, isinstance(r, CompiledResult))


def _check(source: str, bindings: dict) -> None:
    fast, engine = _outcome(source, bindings, True), _outcome(source, bindings, False)
    if fast[0] == "error" or engine[0] == "error":
        assert fast == engine
        return
    assert _same(fast[0], engine[0]), (source, bindings, fast, engine)
    assert list(fast[1]) == list(engine[1])
    for name in fast[1]:
        f, e = fast[1][name], engine[1][name]
        assert (f is None and e is None) or _same(f, e), (source, bindings, name, f, e)
    assert fast[2:5] == engine[2:5]


@hs.composite
def programs(draw):
    """An expression over x, w, literals and constants, built bottom-up (no recursion)."""
    parts = [draw(hs.sampled_from(["x", "w", "x", "2", "0", "0.5", "pi", "-1"]))]
    for _ in range(draw(hs.integers(1, 8))):
        i = draw(hs.integers(0, len(parts) - 1))
        kind = draw(hs.integers(0, 2))
        if kind == 0:
            op = draw(hs.sampled_from(["+", "-", "*", "/", "^"]))
            other = draw(hs.sampled_from(["x", "w", "2", "0", "-1", "0.5", "3", "e"]))
            parts[i] = f"({parts[i]} {op} {other})" if draw(hs.booleans()) else f"({other} {op} {parts[i]})"
        elif kind == 1:
            name, n = draw(hs.sampled_from(FUNCTIONS))
            args = [parts[i]] + [draw(hs.sampled_from(["x", "w", "1", "-0.5", "2"])) for _ in range(n - 1)]
            parts[i] = f"{name}({', '.join(args)})"
        else:
            parts[i] = f"-{parts[i]}"
    return parts[0]


@settings(max_examples=400, deadline=None)
@given(programs(), hs.sampled_from(EDGES), hs.sampled_from(EDGES))
def test_fast_path_equals_the_engine_at_edge_values(source, x, w):
    _check(source, {"x": x, "w": w})


@settings(max_examples=200, deadline=None)
@given(programs(), hs.floats(-4, 4), hs.floats(-4, 4))
def test_fast_path_equals_the_engine_at_ordinary_values(source, x, w):
    _check(source, {"x": x, "w": w})


def test_programs_with_statements_and_their_errors():
    for source, bindings in [
        ("a = sin(x); b = a * a; b + a", {"x": 0.3}),
        ("a = sin(x); b = cos(x); a", {"x": 1.0}),  # b is not on the path to the output
        ("x = 2; x * w", {"x": 1.0, "w": 2.0}),  # assigning a bound variable: the engine's error
        ("y = x; x = 2", {"x": 1.0}),
        ("x * 2", {}),  # unbound
        ("x * 2", {"x": 1.0, "unused": 3.0}),  # the unused binding comes last, with no gradient
        ("2 + 3", {"x": 1.0}),  # constants only: no gradients
        ("x", {"x": 3}),  # an int binding
        ("sin", {"sin": 2.0}),  # a function's name bound as a variable: the engine's path
        ("x * 2", {"pi": 1.0}),
        ("sinn(x)", {"x": 1.0}),
        ("max(x)", {"x": 1.0}),  # max of a scalar: the reduction
        ("dot(x, w)", {"x": 1.0, "w": 2.0}),
        ("x + [1, 2]", {"x": 1.0}),  # vectors: the engine's path
        ("x * 2", {"x": "1,2"}),
        ("x * 2", {"x": True}),
        ("x ^ 0.5 + 2 / x - 3 - x", {"x": 0.0}),
    ]:
        _check(source, bindings)


def test_the_fast_path_is_taken_and_the_graph_is_built_on_demand():
    r = agrad.evaluate("(x+w)*2", x=3, w=1)
    assert isinstance(r, CompiledResult) and not r.graph_built  # the fast path ran
    assert (r.value, r.grads, r.grad_fn) == (8.0, {"x": 2.0, "w": 2.0}, "MulBackward0")
    assert r.output.grad_fn == "MulBackward0"  # the engine's graph, built when first read
    assert r.graph_built
    assert r.variables["x"].grad.item() == 2.0
    assert [node.grad_fn for node in r.graph][-1] == "MulBackward0"  # the description, root last
    explicit = agrad.evaluate("a = x*w; a + 1", x=3, w=1)
    explicit.build_graph()
    assert explicit.graph_built and explicit.assigned["a"].grad_fn == "MulBackward0"
    assert explicit.grad_fn == explicit.output.grad_fn == "AddBackward0"


def test_a_tape_is_compiled_once_per_program_and_replayed_with_new_bindings():
    prepared = Prepared("x * x + sin(w)", parse("x * x + sin(w)"))  # compiled when first run
    first = run("x * x + sin(w)", {"x": 2.0, "w": 0.0}, program=prepared)
    tape = prepared.tape
    second = run("x * x + sin(w)", {"x": 3.0, "w": math.pi}, program=prepared)
    assert isinstance(tape, tapes.Tape) and prepared.tape is tape
    assert isinstance(first, CompiledResult) and isinstance(second, CompiledResult)
    assert first.grads == {"x": 4.0, "w": 1.0}
    assert second.grads == {"x": 6.0, "w": math.cos(math.pi)}
    assert builder.compile_program(parse("[x, 1]")) is None


def test_prepare_compiles_while_parsing_and_parses_only_for_the_engine():
    prepared = prepare("sum(x * 2)")
    assert isinstance(prepared.tape, tapes.Tape) and prepared._program is None  # no syntax tree made
    assert run("sum(x * 2)", {"x": 3.0}, program=prepared).grads == {"x": 2.0}
    assert prepared._program is None
    vector = run("sum(x * 2)", {"x": [1.0, 2.0]}, program=prepared)  # a vector binding: the engine's
    assert not isinstance(vector, CompiledResult) and vector.grads == {"x": [2.0, 2.0]}
    assert prepared._program is not None  # parsed then, once, and kept
    engine_only = prepare("[x, 1]")
    assert engine_only.tape is None and engine_only.program.statements


def test_deep_chain_has_no_recursion():
    n = 20000
    source = "sin(" * n + "x" + ")" * n
    fast = run(source, {"x": 0.5})
    assert isinstance(fast, CompiledResult)
    engine = run(source, {"x": 0.5}, fast=False)
    assert fast.value == engine.value and fast.grads == engine.grads


@settings(max_examples=300, deadline=None)
@given(programs())
def test_compiling_while_parsing_gives_the_tape_of_the_ast(source):
    source = f"a = {source}; b = a * x; b - a"
    from_ast, from_text = builder.compile_program(parse(source)), builder.compile_source(source)
    if from_ast is None:
        assert from_text is None
        return
    assert [(op.name, args, slot) for op, args, slot in from_text.code] == \
        [(op.name, args, slot) for op, args, slot in from_ast.code]
    assert (from_text.variables, from_text.numbers, from_text.output, from_text.assigned) == \
        (from_ast.variables, from_ast.numbers, from_ast.output, from_ast.assigned)
    assert [v if v == v else "nan" for v in from_text.init] == [v if v == v else "nan" for v in from_ast.init]


def test_odd_bindings_get_the_engines_answer():
    import collections

    for source, bindings in [
        ("x*2", {"x": 1.0, "y": "abc"}),  # an unused binding's value is checked as the engine checks it
        ("pi", {"y": True}),
        ("x*2", {"x": 1.0, "y": None}),
        ("x*2", {"x": 1.0, "y": [[1.0]]}),
        ("x*2", {"x": 1.0, "y": "1,2"}),  # an unused vector: the engine's leaf, no gradient
        ("x*2", [("x", 1.0)]),  # pairs, as dict() takes them
        ("x*2", collections.defaultdict(float, {"y": 1.0})),  # no default value for x
        ("x*2", collections.Counter({"y": 2})),
    ]:
        _check(source, bindings)


def test_the_graph_built_on_demand_is_the_one_of_the_call():
    bindings = {"x": 1.0}
    r = run("y = x*2; y", bindings)
    bindings["x"] = 5.0  # the caller's dict changes afterwards
    with agrad.no_grad():  # and grad mode is off when the graph is first read
        output = r.output
    assert (output.value, r.variables["x"].value, r.assigned["y"].value) == (2.0, 1.0, 2.0)
    assert (r.grad_fn, r.requires_grad, output.requires_grad) == ("MulBackward0", True, True)


def test_threads_compile_their_own_programs():
    import threading

    n = 3000
    sources = ["sin(" * n + "x" + ")" * n, "+".join(["x*w"] * n)]
    expected = [run(s, {"x": 0.5, "w": 2.0}, fast=False).grads for s in sources]
    failures = []

    def work(k):
        for _ in range(5):
            try:
                assert run(sources[k], {"x": 0.5, "w": 2.0}).grads == expected[k]
            except Exception as exc:  # noqa: BLE001 - collected for the assertion below
                failures.append(exc)

    threads = [threading.Thread(target=work, args=(k % 2,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_a_whole_number_too_large_for_a_float_is_a_binding_error():
    for bindings in ({"x": 10**400}, {"x": 1.0, "y": -10**5000}):
        for fast in (True, False):
            try:
                run("x * 2", bindings, fast=fast)
            except agrad.BindingError as exc:
                assert "too large for a float64" in str(exc)
            else:
                raise AssertionError("no BindingError")


# -- the short route (parser.Driver.parse_short) against the full one ----------------------------

HOSTILE = ["x", "w", "θ", "ñ", "_a", "x2", "µ", "𝑥", "é", "pi", "e", "sin(", "max(", "atan2(", "pow(", "grad(",
           "sinn(", "dot(", "abs", "2", "0", ".5", "5.", "1e-3", "1E+5", "1e", "2x", "1_0", "٣", "²", "1.2.3",
           "1e400", "+", "-", "*", "/", "^", "**", "***", "(", ")", "[", "]", ",", ";", "=", " = ", "#", "# c",
           " ", "  ", "\t", "\f", "\v", "\r", "\n", "\xa0", "\u2212", "\u00d7", "\u200b", "\x00", "\x1c", ".",
           "$", "'", "\u2028"]
hostile = hs.one_of(
    hs.lists(hs.sampled_from(HOSTILE), max_size=25).map("".join),
    hs.lists(hs.sampled_from(fuzzing.TOKENS), max_size=25).map("".join),
    hs.text(hs.characters(blacklist_categories=()), max_size=30),
    programs().map(lambda s: f"a = {s}; b = a * x; b - a"),
)


def _compiled(source: str, short: bool):
    """What compile_source gives for source, taking the short route first or not: the whole
    tape, None, or the syntax error's message and span."""
    saved = builder.SHORT_SOURCE
    builder.SHORT_SOURCE = saved if short else -1
    try:
        tape = builder.compile_source(source)
    except agrad.AgradSyntaxError as exc:
        return ("error", exc.message, exc.span)
    finally:
        builder.SHORT_SOURCE = saved
    return None if tape is None else _parts(tape)


def _parts(tape) -> tuple:
    return ([(op.name, args, slot) for op, args, slot in tape.code], tape.variables, tape.numbers, tape.output,
            tape.assigned, tape.used, tape.grad_fn, [v if v == v else "nan" for v in tape.init])


@settings(max_examples=600, deadline=None)
@given(hostile)
def test_the_short_route_gives_what_the_full_route_gives(source):
    short = _compiled(source, True)
    assert short == _compiled(source, False), source
    if short is not None and short[0] != "error":
        from_ast = builder.compile_program(parse(source))
        assert short == _parts(from_ast), source


def test_the_short_route_on_known_sources():
    for source in ["2x", "1e", "1e-3*x", "x**2", "x***2", "x ** 2", ".5*x", "5.*x", "x\t+\f1\v", "x\xa0+ 1",
                   "x \u2212 1", "θ*ñ", "x; y = 2; y*x", "y = x; y = 2*y; y", "sin(x, w)", "max(x, 2)",
                   "atan2(x, 2, 3)", "sinn(x)", "grad(x*x, x)", "[x, 1]", "x[0]", "x # c", "x\n+1", "x\n2",
                   "pi = 3", "x = 1; x", "x; x = 1", "", " ", ";", "(x", "x)", "2 ^ 3 + x", "-x", "+x",
                   "2 / x", "sin(2)", "e^x", "x $", "x.y", "x.5", "1.5.3"]:
        assert _compiled(source, True) == _compiled(source, False), source
    # sources past the short route's length take the full one only
    long = "+".join(["x"] * 3000)
    assert len(long) > builder.SHORT_SOURCE
    assert _compiled(long, True) == _compiled(long, False)


def test_the_short_route_takes_ordinary_sources_and_leaves_the_rest_to_the_full_one():
    from agrad.language import parser

    short, to_tape = parser.driver(builder._TO_TAPE).parse_short, builder._TO_TAPE
    for source in ["x**2 + sin(w)", "θ * .5 - 1e-3", "a = x; a * a", "max(x, 2) ^ -w"]:
        to_tape.start()
        assert isinstance(short(source), tapes.Tape), source
    for source in ["2x", "1e", "x\n+1", "x # c", "x\xa0+ 1", "x $", "(x", "", "x +", "x \u2212 1"]:
        to_tape.start()
        with pytest.raises(parser.NotShort):
            short(source)
    to_tape.release()
