"""The derivative as a formula: backward run symbolically through the op table's own rules.

`Sym` is a value type for the rules (the protocol ops.py's "helpers the rules are written
with" describes, as compiled/scalar.py's Scalar offers it): where Scalar computes a float, Sym
records a node of an expression DAG, the op table's entry that `ops.variant` picks, exactly as
`ops.call` would, and its operands. So the derivative is the one the engine computes, rule for
rule, and no second set of derivative formulas exists.

What is known is computed: an operation on constants alone is folded with the kernel the
engine runs (scalar_kernel), and a rule's condition (`mask`) on constants is decided, so
`2^x`'s "base is 0" case disappears. A condition on a variable (relu, max, x^w's "exponent is 0")
stays a `mask` node, which the formula's renderer cannot write and says so.

Simplified as the DAG is built, only where the result is the same float: 1*a, a*1, a/1, a-0,
a^1 and -(-a) are a, and -1*a is -a, bit for bit; and, with the IEEE changes the README accepts,
a+0 is a (-0.0 + 0 is +0.0: the sign of a zero gradient may differ) and 0*a is 0 (0*inf and
0*nan are nan: a zero rule's gradient, floor's or sign's, stays 0 where the engine's is nan).

The backward pass takes nodes newest first, as compiled/tape.py and engine/autograd.py do, and
adds each input's contributions in the same order, so the sums are the engine's sums.
"""

from __future__ import annotations

import itertools
import threading

from agrad.compiled import builder
from agrad.compiled.scalar import scalar_kernel
from agrad.engine import ops
from agrad.errors import FormulaError, LimitError
from agrad.limits import MAX_NODES
from agrad.language.parser import parse

_IDS = itertools.count()


class Sym:
    """A node of a symbolic expression: op (an op-table entry; None for a variable, a constant
    and a mask), args (Syms), value (the float of a constant, the bool of a decided mask, else
    None), is_number (a Python number in torch's terms), name (a variable's), kind ("op",
    "variable", "constant", "mask"). `id` grows with creation: newest first is a backward
    order, as operands are always made before the node that uses them."""

    __slots__ = ("op", "args", "value", "is_number", "name", "kind", "id", "vector")
    requires_grad = False

    def __init__(self, kind, op=None, args=(), value=None, is_number=False, name=None, vector=False):
        self.kind, self.op, self.args = kind, op, tuple(args)
        self.value, self.is_number, self.name = value, is_number, name
        self.id = next(_IDS)
        # a vector (of any length): a vector variable, or an elementwise op with a vector operand
        self.vector = vector or (op is not None and op.elementwise and any(a.vector for a in self.args))

    @property
    def known(self) -> bool:
        """A constant (or a decided mask): no gradient flows into it."""
        return self.value is not None

    def __repr__(self):
        return f"Sym({self.kind}, {self.op.name if self.op else self.name or self.value!r})"

    def __neg__(self):
        return apply_named("neg", (self,))

    # -- the rule helpers' protocol (ops.fn, mask, where, zeros_like) ---------------------------

    def rule_fn(self, name: str, args: tuple) -> "Sym":
        if name == "masked_fill":  # (t, condition, value): decided when the condition is
            t, condition, value = args
            if condition.kind == "mask" and condition.known:
                return constant(float(value)) if condition.value else t
        return apply_named(name, args)

    def rule_mask(self, predicate, values: tuple) -> "Sym":
        decided = _decide(predicate, values)
        if decided is None:
            return Sym("mask", args=tuple(as_sym(v) for v in values))
        return Sym("mask", value=bool(decided))

    def rule_where(self, a, b) -> "Sym":
        if self.known:
            chosen = a if self.value else b
            return chosen if type(chosen) is Sym else constant(float(chosen))
        return Sym("op", ops.WHERE, (self, as_sym(a), as_sym(b)))

    def rule_zeros_like(self) -> "Sym":
        return constant(0.0)


def _operators(name: str):
    def method(self, other):
        return apply_named(name, (self, other))

    def reflected(self, other):
        return apply_named(name, (other, self))

    return method, reflected


ops.install_operators(Sym, _operators)


class _Unknown:
    """A variable's value in a rule's condition. An order comparison with it is unknown (only
    `False & unknown` and `True | unknown` are decided); an equality is taken as false (`!=` as
    true) and noted: a rule's case at single points (atan2 at (0, 0), x^w at w = 0) is left out
    of the formula, which then differs from agrad's gradient at those points only."""

    def __init__(self):
        self.assumed = False

    def _unknown(self, other):
        return self

    def __eq__(self, other):
        self.assumed = True
        return False

    def __ne__(self, other):
        self.assumed = True
        return True

    __lt__ = __le__ = __gt__ = __ge__ = _unknown
    __hash__ = object.__hash__

    def __and__(self, other):
        return False if other is False else self

    def __or__(self, other):
        return True if other is True else self

    __rand__, __ror__ = __and__, __or__

    def __bool__(self):
        raise TypeError("undecided")


class _State(threading.local):
    """Per thread: the op whose rule runs, and the ops whose rule had a case at single points
    left out in this thread's last derivatives()."""

    running = None

    def __init__(self):
        self.assumed = []


_STATE = _State()


def assumed() -> list:
    """The names of the ops whose case at single points the last derivatives() left out."""
    return list(_STATE.assumed)



def _decide(predicate, values):
    """The predicate's answer (True or False) when the known values decide it (equalities with a
    variable taken as false: see _Unknown), else None."""
    unknown = _Unknown()
    args = [v.value if type(v) is Sym and v.known else (unknown if type(v) is Sym else float(v)) for v in values]
    try:
        answer = predicate(*args)
    except TypeError:
        return None
    if type(answer) is _Unknown:
        return None
    running = _STATE.running
    if unknown.assumed and running is not None and running not in _STATE.assumed:
        _STATE.assumed.append(running)
    return bool(answer)


def constant(value: float, is_number: bool = False) -> Sym:
    return Sym("constant", value=value, is_number=is_number)


def as_sym(x) -> Sym:
    """A Python number as the rules pass it: a Python number in torch's terms."""
    return x if type(x) is Sym else constant(float(x), is_number=True)


def variable(name: str, vector: bool = False) -> Sym:
    return Sym("variable", name=name, vector=vector)


def apply_named(name: str, args: tuple) -> Sym:
    """call(name, *args) on Syms and Python numbers: the variant ops.call picks, folded when
    every operand is known, simplified where the float is the same (see the module)."""
    args = tuple(as_sym(x) for x in args)
    flags = tuple(a.is_number for a in args)
    if all(a.known for a in args):
        return constant(scalar_kernel(name, flags)(*[a.value for a in args]), all(flags))
    simpler = _simplified(name, args)
    if simpler is not None:
        return simpler
    op = ops.variant(name, flags)
    if op is None:  # c / x is x.reciprocal() * c
        return apply_op(ops.MUL, (apply_op(ops.RECIPROCAL, (args[1],)), args[0]))
    return apply_op(op, args)


def apply_op(op, args: tuple) -> Sym:
    return Sym("op", op, args)


def _is(a: Sym, number: float) -> bool:
    return a.known and a.kind == "constant" and a.value == number


def _simplified(name: str, args: tuple):
    """The operand the result equals (see the module for which are exact), or None. At least
    one operand is not known here."""
    if name == "neg":
        (a,) = args
        return a.args[0] if a.kind == "op" and a.op is ops.NEG else None
    if len(args) != 2:
        return None
    a, b = args
    if name == "mul":
        if _is(a, 1.0) and not b.known:
            return b
        if _is(b, 1.0) and not a.known:
            return a
        if _is(a, 0.0) or _is(b, 0.0):  # (IEEE: 0*inf is nan; accepted, README)
            return constant(0.0)
        if _is(a, -1.0) and not b.known:  # (-1 * a is -a, bit for bit)
            return apply_named("neg", (b,))
        if _is(b, -1.0) and not a.known:
            return apply_named("neg", (a,))
    elif name == "div":
        if _is(b, 1.0) and not a.known:
            return a
    elif name == "add":  # (IEEE: -0.0 + 0 is +0.0; accepted, README)
        if _is(a, 0.0) and not b.known:
            return b
        if _is(b, 0.0) and not a.known:
            return a
    elif name == "sub":
        if _is(b, 0.0) and not a.known:
            return a
    elif name == "pow":  # (x ** 1.0 is x, as Python's pow and the pow kernels give it)
        if _is(b, 1.0) and not a.known:
            return a
    return None


# -- a program's graph, and backward on it -----------------------------------------------------

def forward(source: str, vectors=()):
    """({variable name: its Sym}, the output's Sym) of a program, built from its compiled tape
    (the ops the engine would apply, numbers folded as it folds them); the variables named in
    vectors are vectors of any length, the others scalars. Raises the parser's error for a bad
    source, FormulaError for a program the tape does not take (indexing, vector literals, ...)."""
    tape = builder.compile_source(source)
    if tape is None:
        parse(source)  # the source's own error, if it has one
        raise FormulaError("agrad diff writes derivatives of programs of numbers, variables, operators and "
                           "functions; indexing, vector literals, grad(), detach() and no_grad() are not written")
    slots = [None] * len(tape.init)
    for i, (value, number) in enumerate(zip(tape.init, tape.numbers)):
        if value is not None:
            slots[i] = constant(value, number is True)
    variables = {}
    for slot, name in tape.variables:
        slots[slot] = variables[name] = variable(name, name in vectors)
    for op, args, slot in tape.code:
        node = slots[slot] = apply_op(op, tuple(slots[i] for i in args))
        if not op.elementwise and op.name not in _VECTOR_RULES and any(a.vector for a in node.args):
            raise FormulaError(f"agrad diff writes the derivatives of vectors through elementwise functions, "
                               f"{', '.join(_VECTOR_RULES)}; not through {op.called or op.name}()")
    return variables, slots[tape.output]


# The reductions whose rules agrad diff runs on a vector of unknown length: theirs need no length
# (mean's divides by it, prod's and max's look at the elements' values).
_VECTOR_RULES = ("sum", "dot", "norm")


def backward(output: Sym, wrt: list, steps: list | None = None) -> list:
    """The gradient of output with respect to each Sym of wrt (constant 0 where it does not
    depend on it: agrad's gradient is None there), newest node first as the engine runs. steps,
    when a list: one (node, gradient arriving, [(input's index, input, contribution), ...]) per
    node, variables included (with no inputs)."""
    nodes = _needing_grad(output)
    grads = {output.id: constant(1.0)}
    start = next(_IDS)
    for node in nodes:
        if next(_IDS) - start > MAX_NODES:  # (each --order's graph is a few times the last: stop in time)
            raise LimitError(f"agrad diff: this derivative's graph is past {MAX_NODES} nodes; "
                             "a lower --order or a smaller program fits")
        g = grads.get(node.id)
        if g is None:
            continue
        if node.kind != "op":  # a variable: its gradient is complete
            if steps is not None:
                steps.append((node, g, []))
            continue
        sent = []
        for i, rule in enumerate(node.op.grads):
            source = node.args[i]
            if rule is None or source.known:
                continue
            _STATE.running = node.op.called or node.op.name
            try:
                contribution = rule(g, node, *node.args)
            except (TypeError, AttributeError, ValueError):
                raise FormulaError(f"the derivative of {node.op.called or node.op.name}() cannot be written "
                                   "as a formula") from None
            if contribution is None:
                continue
            if contribution.vector and not source.vector:  # a scalar broadcast: the engine's sum_to
                contribution = apply_op(ops.SUM, (contribution,))
            sent.append((i, source, contribution))
            previous = grads.get(source.id)
            grads[source.id] = contribution if previous is None else previous + contribution
        if steps is not None:
            steps.append((node, g, sent))
    return [grads.get(w.id) or constant(0.0) for w in wrt]


def _needing_grad(output: Sym) -> list:
    """The nodes output depends on that are not known, newest first."""
    seen = {}
    stack = [output]
    while stack:
        node = stack.pop()
        if node.id in seen or node.known:
            continue
        seen[node.id] = node
        stack.extend(node.args)
    return sorted(seen.values(), key=lambda n: n.id, reverse=True)


def derivatives(source: str, wrt: list, order: int = 1, steps: list | None = None, vectors=()) -> dict:
    """{name: the order-th derivative's Sym} for each name of wrt. A name the program does not
    use gets 0. steps: see backward() (the first order's); vectors: see forward()."""
    variables, output = forward(source, vectors)
    _STATE.assumed = []
    results = {}
    for name in wrt:
        target = variables.get(name)
        if target is None:
            results[name] = constant(0.0)
            continue
        result = output
        for k in range(order):
            (result,) = backward(result, [target], steps if k == 0 else None)
        results[name] = result
    return results
