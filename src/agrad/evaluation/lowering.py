"""AST to autograd tensors: walks the program once, running each op forward as it is reached
(PyTorch's dynamic graph), with an explicit stack instead of recursion."""

from __future__ import annotations

import difflib
import weakref

from agrad.engine.watch import current as _watching  # --anomaly's switch
from agrad.engine import literals
from agrad.engine import ops
from agrad.engine import shapes
from agrad.language import syntax_tree as st
from agrad.language.names import CONSTANTS, GRAPH_FUNCTIONS, is_name
from agrad.language.suggestions import function_hint
from agrad.errors import (AgradError, ComputeError, ArityError, BindingError, IndexingError, ShapeError, UnboundVariableError,
                     UnknownNameError, no_value)
from agrad.engine.tensor import Tensor, is_grad_enabled, rounded, set_grad_mode
from agrad.engine.autograd import grad as autograd_grad

def make_variables(bindings: dict, no_grad: frozenset = frozenset()) -> dict[str, Tensor]:
    """Leaf tensors for the bound variables: requires_grad True unless named in no_grad."""
    variables = {}
    for name, value in bindings.items():
        if not is_name(name):
            raise BindingError(f"'{name}' is not a valid variable name (a letter or _, then letters, digits, _)")
        if name in CONSTANTS:
            raise BindingError(f"cannot bind '{name}': it is a constant ({CONSTANTS[name]!r})")
        variables[name] = Tensor(rounded(_as_value(name, value)), name not in no_grad, name=name)
    return variables


def _as_value(name: str, value):
    """A number gives a scalar; a sequence or 1-D array of numbers, or text such as '1,2,3' or
    '[1, 2, 3]', a vector."""
    if isinstance(value, bool):
        raise BindingError(f"variable '{name}': expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:  # an int too large for a float64
            raise BindingError(f"variable '{name}': a whole number too large for a float64 (about 1.8e308 "
                               "at most)") from None
    if isinstance(value, str):
        from agrad.values.read import parse_value

        try:
            return parse_value(value)
        except ValueError as exc:
            raise BindingError(f"variable '{name}': {exc}") from None
    try:
        return shapes.as_value(value)
    except (TypeError, ValueError) as exc:
        raise BindingError(f"variable '{name}': {exc}") from None


class Lowered:
    """The lowering's result: the output tensor and the names it met, in order of first use."""

    __slots__ = ("output", "used", "assigned")

    def __init__(self, output: Tensor, used: list[str], assigned: dict[str, Tensor]):
        self.output = output
        self.used = used
        self.assigned = assigned


def lower(program: st.Program, variables: dict[str, Tensor], source: str | None = None) -> Lowered:
    assigned: dict[str, Tensor] = {}
    will_assign = {s.name for s in program.statements if isinstance(s, st.Assign)}
    used: list[str] = []
    used_set: set[str] = set()
    numbers = Numbers()
    output = None
    for statement in program.statements:
        if isinstance(statement, st.Assign):
            _check_assignable(statement, variables, source)
            value = _lower_expr(statement.value, variables, assigned, will_assign, (used, used_set, numbers), source)
            if value.name is None and not value.is_number:
                value.name = statement.name
            assigned[statement.name] = value
            output = value
        else:
            output = _lower_expr(statement, variables, assigned, will_assign, (used, used_set, numbers), source)
    return Lowered(output, used, assigned)


class Numbers:
    """The exact Python number (int or float: engine/literals.py) behind each number Tensor the
    lowering makes, which holds it as a float (rounded under float32), so that arithmetic of
    numbers alone is Python's: `-(0*0)` is the int 0, not -0.0. Kept only where the Tensor's
    value differs (an int, a float rounded to float32), and weakly: a folded part of a long sum
    of numbers is let go as soon as it is used."""

    __slots__ = ("exact",)

    def __init__(self):
        self.exact = weakref.WeakKeyDictionary()

    def make(self, value, label: str | None = None) -> Tensor:
        """A number Tensor for a Python number: converted to float once, rounded once."""
        t = Tensor(rounded(literals.to_float(value)), is_number=True, label=label)
        if type(value) is int or t.value != value:
            self.exact[t] = value
        return t

    def of(self, t: Tensor):
        """The Python number a number Tensor stands for (its value when it was made elsewhere)."""
        return self.exact.get(t, t.value)

    def fold(self, name: str, args) -> Tensor:
        return self.make(literals.fold(name, [self.of(t) for t in args]))


def _check_assignable(statement: st.Assign, variables, source):
    name = statement.name
    if name in CONSTANTS:
        raise BindingError(f"cannot assign to '{name}': it is a constant", statement.name_span, source)
    if name in variables:
        raise BindingError(f"cannot assign to '{name}': it is a variable given a value on the command line",
                           statement.name_span, source)


def _lower_expr(root, variables, assigned, will_assign, seen, source) -> Tensor:
    mode = is_grad_enabled()
    try:
        return _walk(root, variables, assigned, will_assign, seen, source)
    finally:
        set_grad_mode(mode)  # an error inside no_grad(...) must not leave grad mode off


def _walk(root, variables, assigned, will_assign, seen, source) -> Tensor:
    # Post-order walk: a node is visited twice, first to push its children, then to combine
    # their results, which sit on `values` in source order. seen: (the variables used in order,
    # their set, the Numbers).
    used, used_set, numbers = seen
    watch = _watching()  # --anomaly (None when off: one read per expression)
    values: list[Tensor] = []
    modes: list[bool] = []  # grad mode to restore when a no_grad(...) call is done
    stack = [(root, False)]
    while stack:
        node, ready = stack.pop()
        kids = st.children(node)
        if kids and not ready:
            if isinstance(node, st.Call) and node.func in GRAPH_FUNCTIONS:
                _check_graph_call(node, source)
                if node.func == "no_grad":
                    modes.append(set_grad_mode(False))
            stack.append((node, True))
            stack.extend((kid, False) for kid in reversed(kids))
            continue
        args = ()
        if kids:
            args = values[len(values) - len(kids):]
            del values[len(values) - len(kids):]
        try:
            if isinstance(node, st.Number):
                values.append(numbers.make(literals.parse(node.text), node.text))
            elif isinstance(node, st.Name):
                if node.id in CONSTANTS:  # (never bound nor assigned: make_variables and lower refuse it)
                    values.append(numbers.make(CONSTANTS[node.id], node.id))
                else:
                    values.append(_lookup(node, variables, assigned, will_assign, used, used_set, source))
            elif isinstance(node, (st.Binary, st.Unary)) and node.op != "pos":
                name = "neg" if isinstance(node, st.Unary) else node.op
                if all(t.is_number for t in args):  # arithmetic on Python numbers: Python's
                    values.append(numbers.fold(name, args))
                else:
                    values.append(ops.call(name, *args))
            elif isinstance(node, st.Unary):
                values.append(args[0])
            elif isinstance(node, st.Call) and node.func in GRAPH_FUNCTIONS:
                if not kids:
                    _check_graph_call(node, source)
                if node.func == "no_grad":
                    set_grad_mode(modes.pop())
                out = _graph_call(node, args, source)
                if out.cut is not None:
                    _CUT_SOURCES[out] = _named_in(node, variables, assigned)
                values.append(out)
            elif isinstance(node, st.Call):
                _check_call(node, variables, source)
                out = ops.call(node.func, *args)
                out.is_number = False  # torch's functions take tensors: log(2) is a 0-d tensor
                values.append(out)
            elif isinstance(node, st.Vector):
                values.append(_vector(node, args, source))
            else:
                values.append(_index(node, args, source))
        except ShapeError as exc:
            raise _at(exc, node, source) from None
        result = values[-1]
        if watch is not None and kids:
            _watch_forward(watch, node, args, result, source)
        if kids and result.op is None and result.label is None and result.name is None and source is not None:
            result.label = source[node.span[0]:node.span[1]]  # a value computed without a graph
    return values[-1]


def _watch_forward(watch, node, args, result: Tensor, source) -> None:
    """--anomaly's forward check of an op the walk just ran (vectors, indexing, grad(), detach
    and no_grad make no new numbers: grad()'s are its backward's, checked there)."""
    if isinstance(node, st.Call) and node.func not in GRAPH_FUNCTIONS:
        op = result.op or ops.public_functions().get(node.func)
    elif isinstance(node, st.Binary) or isinstance(node, st.Unary) and node.op != "pos":
        op = result.op or ops.TABLE.get("neg" if isinstance(node, st.Unary) else node.op)
        if all(t.is_number for t in args):
            op = None  # arithmetic on numbers, folded as Python does it
    else:
        return
    spans = (node.span,) + tuple(kid.span for kid in st.children(node))
    watch.forward(result, op, args, spans, source)


def _vector(node: st.Vector, items, source) -> Tensor:
    """A vector literal: the items stacked (StackBackward0 when one requires grad), or a
    constant vector when none does."""
    out = ops.stack(items)
    if not items and source is not None:  # [] has no items for the walk to label it by
        out.label = source[node.span[0]:node.span[1]]
    return out


def _index(node: st.Index, args, source) -> Tensor:
    target, index = args
    if not index.is_number:
        what = f"the variable '{index.name}'" if index.name else "a computed tensor"
        raise IndexingError(f"an index must be a whole number written in the expression, not {what} (torch: "
                            "tensors used as indices must be long, int, byte or bool tensors)", argument=1)
    return ops.call("select", target, index)


def _at(exc: AgradError, node, source) -> AgradError:
    """Give a shape error found while running `node` the position of what it is about: the
    operator, the function's name, the vector item at fault, or the index (the indexed value
    when that is a scalar)."""
    if exc.span is None:
        kids = st.children(node)
        argument = getattr(exc, "argument", None)
        if isinstance(node, st.Binary):
            exc.span = node.op_span or node.span
        elif isinstance(node, st.Call):
            exc.span = node.name_span
        elif isinstance(node, st.Vector) and argument is not None:
            exc.span = kids[argument].span
        elif isinstance(node, st.Index):
            exc.span = kids[0 if argument == 0 else 1].span
        else:
            exc.span = node.span
    return exc.with_source(source) if source is not None else exc


def _lookup(node: st.Name, variables, assigned, will_assign, used, used_set, source) -> Tensor:
    name = node.id
    if name in assigned:
        return assigned[name]
    if name in variables:
        if name not in used_set:
            used_set.add(name)
            used.append(name)
        return variables[name]
    if name in will_assign:
        raise UnknownNameError(f"'{name}' is used before it is assigned", node.span, source)
    if name in ops.public_functions():
        raise UnboundVariableError(
            f"'{name}' is a function: call it as {name}(...), or bind a variable with --var {name}=VALUE",
            node.span, source)
    raise UnboundVariableError(no_value(name), node.span, source, name=name)


def _check_graph_call(node: st.Call, source):
    params = GRAPH_FUNCTIONS[node.func][0]
    if len(node.args) != len(params):
        plural = "argument" if len(params) == 1 else "arguments"
        raise ArityError(f"{node.func}() takes {len(params)} {plural} ({node.func}({', '.join(params)})), "
                         f"got {len(node.args)}", node.span, source)
    if node.func == "grad" and not isinstance(node.args[1], st.Name):
        raise UnknownNameError("grad(f, x): x must be a variable or an assigned name, not an expression",
                               node.args[1].span, source)


# The tensors each detach()/no_grad() call names inside it, which the page's picture reads to
# keep drawing the leaves a cut cut off. Beside the tensors rather than in a slot of theirs: a
# slot would cost every node of every graph 8 bytes (3%) for a rare call; a weak key goes away
# with its cut.
_CUT_SOURCES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def cut_sources(tensor: Tensor) -> tuple:
    """The tensors named inside the detach()/no_grad() call that made tensor (() for others)."""
    return _CUT_SOURCES.get(tensor, ())


def _named_in(node: st.Call, variables, assigned) -> tuple:
    """The tensors a detach()/no_grad() call names inside it (variables and assigned names), so
    the picture can still draw the leaves it cut off: torch keeps w, only the edge is gone."""
    found: dict = {}
    stack = list(node.args)
    while stack:
        kid = stack.pop()
        if isinstance(kid, st.Name):
            tensor = assigned.get(kid.id, variables.get(kid.id))
            if tensor is not None:
                found[id(tensor)] = tensor
        stack.extend(st.children(kid))
    return tuple(found.values())


def _graph_call(node: st.Call, args: list[Tensor], source) -> Tensor:
    text = source[node.span[0]:node.span[1]] if source is not None else node.func
    if node.func in ("detach", "no_grad"):
        (inner,) = args
        out = Tensor(inner.value, is_number=inner.is_number, label=text)
        out.cut = node.func
        return out
    f, x = args
    if not is_grad_enabled():
        # torch: autograd.grad of something computed under no_grad has no graph to go through
        raise ComputeError("element 0 of tensors does not require grad and does not have a grad_fn "
                           "(grad() inside no_grad(): no graph was recorded to differentiate)", node.span, source)
    if not x.requires_grad:  # torch.autograd.grad(f, [x]) checks f, then x
        start = ("element 0 of tensors does not require grad and does not have a grad_fn" if not f.requires_grad
                 else "One of the differentiated Tensors does not require grad")
        raise ComputeError(f"{start} (grad(f, x) with an x that does not require grad: from --no-grad, a number "
                           "or a constant)", node.args[1].span, source)
    if not f.requires_grad:  # f does not depend on x: the derivative is zeros of x's shape (torch raises)
        return Tensor(shapes.zeros_like(x.value), label=text)
    (g,) = autograd_grad(f, [x], create_graph=True, allow_unused=True)
    if g is None:
        return Tensor(shapes.zeros_like(x.value), label=text)
    if g.op is None:
        g = Tensor(g.value, g.requires_grad, label=text)
    elif g.name is None:
        g.name = text
    return g


def _check_call(node: st.Call, variables, source):
    functions = ops.public_functions()
    op = functions.get(node.func)
    if op is None:
        if node.func in variables or node.func in CONSTANTS:
            raise UnknownNameError(f"'{node.func}' is a {'variable' if node.func in variables else 'constant'}, "
                                   f"not a function: write {node.func}*(...) for a product", node.name_span, source)
        hint = function_hint(node.func, functions)
        if hint is None:
            close = difflib.get_close_matches(node.func, list(functions) + list(GRAPH_FUNCTIONS), n=3, cutoff=0.6)
            hint = f": did you mean {' or '.join(repr(c) for c in close)}?" if close else \
                " (agrad functions lists them all)"
        raise UnknownNameError(f"unknown function '{node.func}'{hint}", node.name_span, source)
    accepted = ops.arities(node.func)
    if len(node.args) not in accepted:
        plural = "argument" if accepted[-1] == 1 else "arguments"
        counts = " or ".join(map(str, accepted))
        raise ArityError(f"{node.func}() takes {counts} {plural} ({' or '.join(ops.signatures(node.func))}), "
                         f"got {len(node.args)}", node.span, source)
