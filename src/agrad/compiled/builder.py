"""Compiling a scalar program to its Tape (tape.py), for the compiled scalar path.

Most evaluations are a scalar program with number bindings and no lesson options: `agrad eval`
with scalars, and every line of a batch. For those, building a Tensor per value is most of the
cost. compile_program() turns such a program into a tape: its literals and constants folded
(arithmetic on Python numbers is Python's, before any tensor is made: engine/literals.py, as in
the lowering; a function of numbers is a constant tensor's slot), its variables as leaf slots,
and one instruction per op, each with the table entry `ops.variant` picks, exactly as
`ops.call` would, in creation order.

A fresh source is compiled while it is parsed (compile_source): the parser's reductions go to
ToTape, a TapeBuilder, and no AST is built; a short source takes the driver's short route
(parser.Driver.parse_short) and, wherever that route is not sure, the full one decides.

Anything else (vectors, indexing, grad/detach/no_grad, float32, the lessons' options, any error)
is not for this path: compiling gives None and the caller uses the engine, which also gives the
error its message and position. No recursion: the walk keeps its own stack.
"""

from __future__ import annotations

import threading

from agrad.compiled.scalar import scalar_kernel
from agrad.compiled.tape import Tape
from agrad.engine import literals, ops
from agrad.language import syntax_tree as st
from agrad.errors import AgradError, AgradSyntaxError
from agrad.language.names import CONSTANTS, GRAPH_FUNCTIONS
from agrad.language.parser import NotShort, driver, parse


def compile_source(source: str) -> Tape | None:
    """The tape of a program's source, compiled as it is parsed (no AST is built), or None
    where it needs the engine. A syntax error is raised as parse() raises it.

    A source of at most SHORT_SOURCE characters is first parsed by the driver's short route
    (parser.Driver.parse_short: the token texts found in one call, no spans); wherever that
    route is not sure (a newline, a comment, a character no token starts with, a syntax error)
    the source is compiled again as before, by parse(), which decides and gives any error its
    message and position. Where the short route finds that the program needs the engine, the
    answer is None at once: the full route would make the same reductions of the same tokens
    up to that point, and fail there the same way (tests/test_scalar_tape.py compares the two)."""
    with _TO_TAPE_LOCK:  # one builder for every thread: one program at a time
        builder = _TO_TAPE
        if len(source) <= SHORT_SOURCE:
            builder.start()
            try:
                return (_PARSE_SHORT or _parse_short())(source)
            except (Unsupported, AgradError):
                return None
            except NotShort:
                pass  # parse() below decides, and says what is wrong
        builder.start()
        try:
            return parse(source, builder)
        except AgradSyntaxError:
            raise
        except (Unsupported, AgradError):
            return None
        finally:
            builder.release()  # let the last program's parts go (a short one's are small)


# Sources up to this length take the short route, which holds all their token texts at once.
SHORT_SOURCE = 4096
_PARSE_SHORT = None  # the short route of ToTape's driver, once built


def _parse_short():
    global _PARSE_SHORT
    _PARSE_SHORT = driver(_TO_TAPE).parse_short
    return _PARSE_SHORT


def compile_program(program: st.Program) -> Tape | None:
    """The tape of a scalar program, or None where it needs the engine (see the module)."""
    try:
        builder = TapeBuilder()
        for statement in program.statements:
            if type(statement) is st.Assign:
                builder.bind(statement.name, _walk(statement.value, builder))
            else:
                builder.output = _walk(statement, builder)
        return builder.tape()
    except (Unsupported, AgradError):
        return None


class Unsupported(Exception):
    """The program needs the engine."""


class TapeBuilder:
    """Builds a tape from a program's parts in creation order (post-order, left to right), each
    method returning the slot of the value it makes. The AST walk below drives it, and so do
    the parser's reductions (ToTape), which come in the same order. Raises Unsupported for
    anything the engine must do (and say, when it is an error)."""

    def __init__(self):
        self.start()

    def start(self) -> None:
        """Begin a new program."""
        self.values: list = []  # every slot's value: numbers, constants (floats); None for the rest
        self.exact: dict[int, int] = {}  # the int of each number slot that holds a Python int
        # per slot: True for a Python number, None for a constant tensor (a function of numbers,
        # and what is computed from those and numbers alone), False for what requires grad
        self.numbers: list = []
        self.code: list = []
        self.variables: dict[str, int] = {}
        self.assigned: dict[str, int] = {}
        self.known: dict[str, int] = {}  # the slot of each variable and assigned name
        self.output = None

    def release(self) -> None:
        """Drop the program's parts (a builder kept for the next program keeps no memory)."""
        self.values = self.numbers = self.code = self.variables = self.assigned = self.known = None
        self.exact = None

    def tape(self) -> Tape:
        variables = tuple(zip(self.variables.values(), self.variables))  # (slot, name) each
        return Tape(self.values, variables, self.code, self.numbers, self.output, frozenset(self.assigned))

    def literal(self, value) -> int:
        """A Python number's slot (an int is kept exact beside its float)."""
        if type(value) is int:
            self.exact[len(self.values)] = value
            value = literals.to_float(value)
        self.values.append(value)
        self.numbers.append(True)
        return len(self.numbers) - 1

    def lookup(self, name: str) -> int:
        """The slot a name reads: an assigned name's, a variable's (made on first use), or a
        constant's value in a slot of its own."""
        slot = self.known.get(name)
        return self.unknown(name) if slot is None else slot

    def unknown(self, name: str) -> int:
        """lookup() of a name that is not (yet) a variable or assigned."""
        if name in CONSTANTS:
            return self.literal(CONSTANTS[name])
        # (A name comes from a NAME token, so it is a valid variable name: language/names.is_name.)
        if name in _FUNCTIONS:
            raise Unsupported  # a function's name, unless bound: the engine decides
        slot = self.variables[name] = self.known[name] = len(self.numbers)
        self.values.append(None)
        self.numbers.append(False)
        return slot

    def bind(self, name: str, slot: int) -> int:
        """`name = ...` with the value in slot."""
        if name in CONSTANTS or name in self.variables:
            raise Unsupported  # assigning to a constant, or after a use: the engine's errors
        self.assigned[name] = self.known[name] = self.output = slot
        return slot

    def check_call(self, func: str, count: int) -> None:
        if (func, count) not in _callable():
            raise Unsupported  # grad, detach, no_grad, an unknown function, a wrong count

    def apply(self, func: str, args: tuple, call: bool = False) -> int:
        """The slot of func(*args) (call: written as a call, `pow(2, 3)`, not an operator): folded
        when no operand requires grad (as the engine does), else an instruction with the variant
        of the op table's entry that ops.call would pick for these operands."""
        key = (func, *map(self.numbers.__getitem__, args))
        op = _VARIANTS.get(key)
        if op is None:
            flags = key[1:]
            if False not in flags:  # numbers and constants alone: folded, as the engine does
                return self.fold(func, flags, args, call)
            op = ops.variant(func, flags)
            if op is None:  # c / x is x.reciprocal() * c
                return self.instruction(ops.MUL, (self.instruction(ops.RECIPROCAL, (args[1],)), args[0]))
            _VARIANTS[key] = op
        return self.instruction(op, args)

    def fold(self, func: str, flags: tuple, args: tuple, call: bool) -> int:
        """The slot of func(*args) with no argument that requires grad. Arithmetic on Python
        numbers alone is Python's (engine/literals.py); anything else (a function, a constant
        among the operands) is a constant tensor, computed by the kernel the engine runs."""
        values = self.values
        if all(flags) and not call:
            exact = self.exact
            return self.literal(literals.fold(func, [exact.get(i, values[i]) for i in args]))
        values.append(scalar_kernel(func, tuple(map(bool, flags)))(*[values[i] for i in args]))
        self.numbers.append(None)
        return len(self.numbers) - 1

    def instruction(self, op, args: tuple) -> int:
        """The output slot of a new instruction: op on the values in the slots args."""
        self.values.append(None)
        self.numbers.append(False)
        slot = len(self.numbers) - 1
        self.code.append((op, args, slot))
        return slot


# (name, whether each operand is a Python number, ...) -> ops.variant's entry, when it is one op.
_VARIANTS: dict = {}
# The same for the calls already made (so checked with check_call) that are one op.
_CALLS: dict = {}


def _callable() -> frozenset:
    """(function, argument count) for every call the fast path makes: the op table's public
    functions (not the graph functions) with the counts they accept."""
    global _CALLABLE
    if _CALLABLE is None:
        _CALLABLE = frozenset((name, n) for name in ops.public_functions() if name not in GRAPH_FUNCTIONS
                              for n in ops.accepts(name))
    return _CALLABLE


_CALLABLE = None
_FUNCTIONS = ops.public_functions()  # (complete: ops imports the whole table)


class ToTape(TapeBuilder):
    """The parser's builder for the fast path (parser.ToAST's counterpart): a TapeBuilder whose
    methods are the grammar's reductions, in the order the LALR driver makes them, which is the
    AST walk's order, so a fresh source is compiled without building its AST. Its tokens are
    their texts (takes_texts: the driver passes a token's text, not its tuple). start() before
    each program. The reductions made for most tokens (numbers, operators, calls of one
    argument) write out TapeBuilder's steps for an op seen before: one look-up, one instruction."""

    takes_texts = True
    units = frozenset(["arguments"])  # `arguments` with one argument is its slot, not a tuple

    def number(self, text):
        numbers = self.numbers
        if text.isdigit():  # an int (NUMBER is ASCII)
            if len(text) >= 300:  # perhaps past the float range: literals decides
                return self.literal(literals.parse(text))
            self.exact[len(numbers)] = int(text)
        numbers.append(True)
        self.values.append(float(text))
        return len(numbers) - 1

    def name(self, text):
        slot = self.known.get(text)
        return self.unknown(text) if slot is None else slot

    def _binary(func):  # noqa: N805 - a factory used while the class body runs
        def method(self, left, _operator, right):
            numbers = self.numbers
            op = _VARIANTS.get((func, numbers[left], numbers[right]))
            if op is None:  # folded, or not seen yet: the general way
                return self.apply(func, (left, right))
            slot = len(numbers)
            numbers.append(False)
            self.values.append(None)
            self.code.append((op, (left, right), slot))
            return slot

        return method

    add = _binary("add")
    sub = _binary("sub")
    mul = _binary("mul")
    div = _binary("div")
    pow = _binary("pow")
    del _binary

    def neg(self, _minus, operand):
        return self.apply("neg", (operand,))

    def pos(self, _plus, operand):
        return operand

    def group(self, _lpar, expr, _rpar):
        return expr

    def call(self, func, _lpar, args, _rpar):
        numbers = self.numbers
        if type(args) is int:  # one argument: its slot (see units)
            key, args = (func, numbers[args]), (args,)
        elif args is None:
            key, args = (func,), ()
        else:
            key = (func, *map(numbers.__getitem__, args))
        op = _CALLS.get(key)
        if op is None:
            return self._call(func, args, key)
        slot = len(numbers)
        numbers.append(False)
        self.values.append(None)
        self.code.append((op, args, slot))
        return slot

    def _call(self, func: str, args: tuple, key: tuple) -> int:
        """call() the general way: checked, then applied. A call that makes one instruction is
        then kept in _CALLS by its key, for call() to find next time."""
        self.check_call(func, len(args))
        slot = self.apply(func, args, True)
        op = _VARIANTS.get(key)
        if op is not None:  # (None when folded: every argument is a number; or for c / x)
            _CALLS[key] = op
        return slot

    def vector(self, *parts):
        raise Unsupported

    index = vector

    def arguments(self, *items):
        return items[::2]  # expr, COMMA, expr, ...: not the commas

    def assign(self, name, _equal, value):
        return self.bind(name, value)

    def program(self, *statements):
        self.output = statements[-1]
        return self.tape()


def _walk(root, builder: TapeBuilder) -> int:
    """The slot of an expression's value, its parts built in post-order (no recursion)."""
    results: list[int] = []
    stack = [(root, None)]
    while stack:
        node, kids = stack.pop()
        kind = type(node)
        if kids is not None:  # the second visit: the kids' slots are on `results`
            args = results[len(results) - kids:]
            del results[len(results) - kids:]
            if kind is st.Binary:
                results.append(builder.apply(node.op, tuple(args)))
            elif kind is st.Call:
                results.append(builder.apply(node.func, tuple(args), True))
            else:
                results.append(builder.apply("neg", tuple(args)) if node.op == "neg" else args[0])
        elif kind is st.Number:
            results.append(builder.literal(literals.parse(node.text)))
        elif kind is st.Name:
            results.append(builder.lookup(node.id))
        elif kind is st.Binary:
            stack += ((node, 2), (node.right, None), (node.left, None))
        elif kind is st.Unary:
            stack += ((node, 1), (node.operand, None))
        elif kind is st.Call:
            builder.check_call(node.func, len(node.args))
            stack.append((node, len(node.args)))
            stack.extend((kid, None) for kid in reversed(node.args))
        else:  # vectors and indexing: the engine's
            raise Unsupported
    return results[-1]


_TO_TAPE = ToTape()
_TO_TAPE_LOCK = threading.Lock()
