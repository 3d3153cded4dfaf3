"""Source text to agrad's AST: Lark's LALR parse table, agrad's lexer, and a small driver.

Lark builds the LALR(1) table from grammar/agrad.lark (lark_parser.py; shipped prebuilt, see
parse_table.py), but parsing does not import Lark: agrad drives that table itself (Driver). Its
lexer hands over tokens as tuples, and each reduction calls one method of ToAST with Lark's
child-filtering rules (filtered terminals dropped, `?rule` inlined, `[optional]` as None,
`_helper` rules spliced), precomputed per rule.
No parse tree is built and nothing recurses.

Speed (bench/parse.py): the table is rearranged once per process so that a token costs a list
index to find its move, the chains of unit reductions (`?expr: sum`, `?sum: product`, ...) are
folded into the gotos, most reductions call their ToAST method directly, and the stack is two
preallocated lists and the index of its top. The moves and the state where an error is found are
Lark's own; tests/test_parser_reference.py compares both.

A builder other than ToAST may take each token's text instead of its tuple (compiled.builder.ToTape,
which compiles a tape while parsing). For such a builder the driver has a short route for short
texts, parse_short: the tokens' texts from one regex call, each text's move found by the text
itself, the same table; anything it is not sure of (a newline, a comment, a bad character, a
syntax error) it leaves to parse(), which gives the result or the error with its position.
"""

from __future__ import annotations

import gc
import re

from agrad.language import syntax_tree as st
from agrad.errors import AgradSyntaxError

_BLANK = re.compile(r"(?:\s|#[^\n]*|;)*\Z")

# What a terminal is, in words, for error messages.
TOKEN_WORDS = {
    "NUMBER": "a number",
    "NAME": "a name",
    "POW": "'^'",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "STAR": "'*'",
    "SLASH": "'/'",
    "EQUAL": "'='",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "_SEP": "';' or a new line",
    "$END": "the end of the input",
}


class ToAST:
    """One method per grammar alias (and per rule name without one); each returns an AST node
    with its source span. Tokens are the lexer's `(type, text, span)` tuples."""

    def number(self, tok):
        return st.Number(float(tok[1]), tok[1], tok[2])

    def name(self, tok):
        return st.Name(tok[1], tok[2])

    def _binary(op):  # noqa: N805 - a factory used while the class body runs
        def method(self, left, tok, right):
            return st.Binary(op, left, right, (left.span[0], right.span[1]), tok[2])

        return method

    add = _binary("add")
    sub = _binary("sub")
    mul = _binary("mul")
    div = _binary("div")
    pow = _binary("pow")
    del _binary

    def neg(self, tok, operand):
        return st.Unary("neg", operand, (tok[2][0], operand.span[1]))

    def pos(self, tok, operand):
        return st.Unary("pos", operand, (tok[2][0], operand.span[1]))

    def group(self, lpar, expr, rpar):
        expr.span = (lpar[2][0], rpar[2][1])
        return expr

    def call(self, name, _lpar, args, rpar):
        return st.Call(name[1], args or [], (name[2][0], rpar[2][1]), name[2])

    def vector(self, lsqb, items, rsqb):
        return st.Vector(items or [], (lsqb[2][0], rsqb[2][1]))

    def index(self, target, _lsqb, idx, rsqb):
        return st.Index(target, idx, (target.span[0], rsqb[2][1]))

    def arguments(self, *items):
        return list(items[::2])  # expr, COMMA, expr, ...: not the commas

    def assign(self, name, _eq, value):
        return st.Assign(name[1], value, (name[2][0], value.span[1]), name[2])

    def program(self, *statements):
        return st.Program(list(statements), (statements[0].span[0], statements[-1].span[1]))


class _Splice(list):
    """The children of a `_helper` rule (Lark's `x*`, `x+` expansions), spliced into the parent."""

    __slots__ = ()


def _same(value):
    """A unit rule (`?rule` with one child): the child is the value."""
    return value


def _reducer(rule: dict, symbols: list, builder: ToAST):
    """A function from the values of a rule's symbols (one argument each) to its result, with
    Lark's child filtering. `rule` is parse_table's description, `symbols` its expansion.

    Most rules keep all their children as they are, and then the function is the ToAST method
    itself; the others (filtered terminals, spliced `_helper` children, `[optional]` holes) get
    a closure that builds the children list first. A unit rule gets _same, which the driver
    folds into its gotos: Lark's `?rule` with one child (which is then its value), and so the
    rules named in the builder's `units`, which it takes as `?rule`s too (ToTape's `arguments`:
    one argument is its slot)."""
    keep = tuple(rule["keep"])
    empty = tuple(rule["empty"])
    inline = rule["origin"].startswith("_")
    name = rule["alias"] or rule["origin"]
    expand1 = (rule["expand1"] and rule["alias"] is None) or name in getattr(builder, "units", ())
    spliced = any(kept and _is_helper(symbol) for kept, symbol in zip(keep, symbols))
    if expand1 and len(keep) == 1 and keep[0] and not empty and not spliced:
        return _same
    method = None if inline else getattr(builder, name)
    if all(keep) and not empty and not inline and not expand1 and not spliced:
        return method
    helpers = [kept and _is_helper(symbol) for kept, symbol in zip(keep, symbols)]
    if all(keep) and not empty:  # the shapes of Lark's `x ("," x)*`, without a loop
        if inline and not spliced:  # `_x: "," x`

            def splice(*values):
                return _Splice(values)

            return splice
        if inline and helpers[0] and not any(helpers[1:]):  # `_x: _x "," x`

            def grow(first, *rest):  # (in place, as below)
                first.extend(rest)
                return first

            return grow
        if not inline and helpers[-1] and not any(helpers[:-1]):  # `rule: x _x`

            def splice_last(*values):
                children = [*values[:-1], *values[-1]]
                return children[0] if expand1 and len(children) == 1 else method(*children)

            return splice_last

    def reduce(*values):
        children = None
        for value, kept in zip(values, keep):
            if kept:
                if type(value) is not _Splice:
                    if children is None:
                        children = _Splice()
                    children.append(value)
                elif children is None:
                    # A left-recursive `_helper` (`_x: _x "," expr`): grow its list in place, which
                    # no one else holds, so that n items cost O(n), not O(n^2).
                    children = value
                else:
                    children.extend(value)
        if children is None:
            children = _Splice()
        if empty:
            it = iter(children)
            children = [None if is_empty else next(it) for is_empty in empty]
        if inline:
            return children if type(children) is _Splice else _Splice(children)
        if expand1 and len(children) == 1:
            return children[0]
        return method(*children)

    return reduce


def _is_helper(symbol: str) -> bool:
    """A `_helper` rule, whose children are spliced into its parent's (not a `_TERMINAL`)."""
    return symbol.startswith("_") and not symbol.isupper()


def _expansions(table: dict) -> list:
    """Each rule's expansion (its symbols), read back from the table: every LR state is entered
    by one symbol, and a state that reduces a rule of n symbols is entered by its last one, the
    state before that by the one before, and so on (any path back spells the same symbols)."""
    entered_by, came_from = {}, {}
    for state, row in enumerate(table["states"]):
        for symbol, (shift, target) in row.items():
            if shift:
                entered_by[target] = symbol
                came_from.setdefault(target, state)
    expansions: list = [None] * len(table["rules"])
    for state, row in enumerate(table["states"]):
        for shift, index in row.values():
            if not shift and expansions[index] is None:
                symbols, at = [], state
                for _ in table["rules"][index]["keep"]:
                    symbols.append(entered_by[at])
                    at = came_from[at]
                expansions[index] = symbols[::-1]
    return expansions


class Driver:
    """Runs Lark's LALR table (parse_table.py) over agrad's tokens, without recursion.

    The table is rearranged once per process for speed, with the same moves:

    - `actions[kind][state]` is the move on a lookahead `kind`, an int: a shift is the next
      state (0 or more); a reduction or an error is negative, and `reductions[move]` is then
      `(size, reducer, gotos)`, or for an error `(-1, None, None)`.
    - A reduction's `gotos[below]` is the state after it, where `below` is the state left on top
      once its symbols are popped (a list over the states, None where there is no goto on the
      rule's origin). It already includes the unit reductions that follow under the same
      lookahead (`?sum: product`, `?product: unary`, ... each replace the top state by
      `goto(below, origin)` and leave the value alone), so an atom climbs from `atom` to `expr`
      in one step, not six.
    - A reducer is a ToAST method called directly, or a closure where Lark filters children.
    - The stack is two lists, the states and the values of the symbols on it, and the index of
      its top: a reduction of n symbols moves the top down n - 1 and writes its value there. (So
      a rule has at least one symbol; Lark makes none empty for `[x]`, `x*` or `x?`.)

    A syntax error is found in the same state as Lark's own driver finds it, so its message
    (the terminals that state expects) is the same: tests/test_parser_reference.py checks it.

    A builder with `takes_texts` gets each token's text as its value, not its tuple; parse_short
    (the short route, for such a builder) finds the tokens' texts without their kinds or spans.
    """

    def __init__(self, table: dict, builder=None):
        from agrad.language.lexer import Lexer

        self.lexer = Lexer(table["terminals"])
        self.start = table["start"]
        self.end = table["end"]
        self.rows = rows = table["states"]
        rules = table["rules"]
        builder = ToAST() if builder is None else builder
        reducers = [_reducer(rule, symbols, builder) for rule, symbols in zip(rules, _expansions(table))]

        # goto[symbol]: (state below, state after) for each state with a goto on symbol.
        goto: dict = {}
        for below, row in enumerate(rows):
            for symbol, (shift, target) in row.items():
                if shift and not symbol.isupper():
                    goto.setdefault(symbol, []).append((below, target))

        self.actions = {}
        self.reductions = {_ERROR: (-1, None, None)}
        kinds = {name for name, _, _ in table["terminals"]} | {s for row in rows for s in row if s.isupper()}
        for kind in sorted(kinds):
            # unit[state]: the origin of the unit rule that state reduces on this lookahead.
            unit = {}
            for state, row in enumerate(rows):
                shift, arg = row.get(kind, (1, None))
                if not shift and reducers[arg] is _same:
                    unit[state] = rules[arg]["origin"]
            moves: dict = {}  # rule -> its move under this lookahead
            acts: list = []
            for row in rows:
                shift, arg = row.get(kind, (1, None))
                if arg is None or shift:
                    acts.append(_ERROR if arg is None else arg)  # an error, or a shift to that state
                    continue
                if arg not in moves:
                    if not rules[arg]["keep"]:
                        raise ValueError(f"an empty rule ({rules[arg]['origin']}): the driver takes none")
                    gotos = [None] * len(rows)
                    for below, target in goto.get(rules[arg]["origin"], ()):
                        while target in unit:
                            target = rows[below][unit[target]][1]
                        gotos[below] = target
                    moves[arg] = move = -1 - len(self.reductions)
                    self.reductions[move] = (len(rules[arg]["keep"]), reducers[arg], gotos)
                acts.append(moves[arg])
            self.actions[kind] = acts

        self.texts = getattr(builder, "takes_texts", False)
        self.by_text = _RowsByText(self.lexer, self.actions, [_ERROR] * len(rows))

    def parse(self, text: str):
        actions, reductions = self.actions, self.reductions
        texts = self.texts
        capacity = 64  # of the stack, doubled when it is full
        states = [self.start] * capacity
        values: list = [None] * capacity
        state = self.start
        top = 0  # states[top] is `state`; values[1:top + 1] the values of the symbols on the stack
        for token in self.lexer.tokens(text, end=True):
            acts = actions[token[0]]
            move = acts[state]
            while move < 0:  # reductions, until the token shifts
                size, reduce, gotos = reductions[move]
                if size == 1:
                    values[top] = reduce(values[top])
                elif size == 3:  # binary operators, groups: the common case spelled out
                    top -= 2
                    values[top] = reduce(values[top], values[top + 1], values[top + 2])
                elif size > 0:
                    top -= size - 1
                    values[top] = reduce(*values[top:top + size])
                elif token[0] == "$END" and state == self.end:
                    return values[top]
                else:
                    raise _syntax_error(token, [s for s in self.rows[state] if s.isupper()], text)
                state = gotos[states[top - 1]]
                states[top] = state
                move = acts[state]
            top += 1
            if top == capacity:
                states += states
                values += values
                capacity *= 2
            states[top] = state = move
            values[top] = token[1] if texts else token

    def parse_short(self, text: str):
        """parse() for a short text, faster: the lexer's texts() (one findall) instead of its
        tokens, the move found by the token's text, and each token's text, not its tuple, as
        its value (for a builder that `takes_texts`). Raises NotShort wherever it is not sure
        to give what parse() gives (a newline, a comment, a character no token starts with, a
        syntax error): parse() then gives the result or the error, with its position.

        The texts hold all the tokens at once, so this is for texts of a few kilobytes. A
        number glued to a name (`2x`) is an error of the lexer that the texts do not show;
        here it is a number followed by a name, which the grammar never accepts (a syntax
        error, tests/test_parser_reference.py checks it), and so NotShort as well."""
        by_text, reductions = self.by_text, self.reductions
        texts = self.lexer.texts(text)
        texts.append("")  # the end
        capacity = len(texts) + 1  # enough for every token but the end, and the first state
        states = [self.start] * capacity
        values: list = [None] * capacity
        state = self.start
        top = 0
        for token in texts:
            acts = by_text[token]
            move = acts[state]
            while move < 0:  # reductions, as in parse()
                size, reduce, gotos = reductions[move]
                if size == 1:
                    values[top] = reduce(values[top])
                elif size == 3:
                    top -= 2
                    values[top] = reduce(values[top], values[top + 1], values[top + 2])
                elif size == 4:  # calls
                    top -= 3
                    values[top] = reduce(values[top], values[top + 1], values[top + 2], values[top + 3])
                elif size > 0:
                    top -= size - 1
                    values[top] = reduce(*values[top:top + size])
                elif token == "" and state == self.end:
                    return values[top]
                else:
                    raise NotShort
                state = gotos[states[top - 1]]
                states[top] = state
                move = acts[state]
            top += 1
            states[top] = state = move
            values[top] = token


_ERROR = -1  # the move of an error (the first of the reductions)


class _RowsByText(dict):
    """The short route's rows of moves by token text (parse_short): "" (the end) is $END's row;
    any other text is looked up with the lexer (Lexer.kind) the first time it comes, and kept,
    so that the punctuation and the names and numbers that come again cost one look-up (texts
    of up to LONGEST characters, and they start again from none past LIMIT). A text that is no token (a newline, a
    comment's '#', any other character no token starts with) gets a row of errors."""

    LIMIT = 10_000
    LONGEST = 64  # characters of a text kept

    def __init__(self, lexer, actions: dict, errors: list):
        super().__init__({"": actions["$END"]})
        self.lexer, self.actions, self.errors = lexer, actions, errors

    def __missing__(self, text: str) -> list:
        if len(text) > 1 and text[0] in "0123456789.":  # a NUMBER: no other terminal's text of
            kind = "NUMBER"  # two or more characters starts so (tests/test_parser_reference.py)
        else:
            kind = self.lexer.kind(text)
        row = self.errors if kind is None else self.actions[kind]
        if len(text) > self.LONGEST:
            return row  # (not kept: 10,000 long names would hold megabytes)
        if len(self) >= self.LIMIT:
            end = self[""]
            self.clear()
            self[""] = end
        self[text] = row
        return row


class NotShort(Exception):
    """Driver.parse_short leaves this text to Driver.parse."""


def driver(builder=None) -> Driver:
    """The driver building agrad's AST, or with `builder` (an object with ToAST's methods) a
    driver whose reductions call that builder's methods instead; built once per builder."""
    key = None if builder is None else id(builder)
    found = _DRIVERS.get(key)
    if found is None:
        from agrad.language.parse_table import table  # read once, for every builder's driver

        found = _DRIVERS[key] = Driver(table(), builder)
    return found


_DRIVERS: dict = {}


def parse(source: str, builder=None):
    """Parse a program; raises AgradSyntaxError with a position on any malformed input. The
    result is its AST, or with `builder` what that builder's `program` method returns."""
    if _BLANK.match(source):
        what = " (the input is only a comment)" if "#" in source else ""
        raise AgradSyntaxError(f"empty expression: nothing to evaluate{what}", (0, max(1, len(source))), source)
    # Parsing makes no reference cycles (tokens are tuples, the AST a tree), so reference counting
    # frees everything; the cyclic collector would only rescan a big input's millions of tokens.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return driver(builder).parse(source)
    except AgradSyntaxError as exc:
        raise exc.with_source(source) from None
    finally:
        if collecting:
            gc.enable()


def _syntax_error(token: tuple, expected: list[str], source: str) -> AgradSyntaxError:
    expected = sorted(expected, key=_expect_order)
    words = [TOKEN_WORDS.get(name, name) for name in expected if name in TOKEN_WORDS]
    kind, _, (start, end) = token
    if kind != "$END":
        span = (start, max(start + 1, end))
        message = f"unexpected {_describe_token(token)}"
        if kind == "RPAR" and source[:start].rstrip().endswith("("):
            message += ": empty parentheses need an expression inside"
        elif kind == "EQUAL":
            message += ": an assignment is 'name = expression', one per statement"
    else:
        span = (len(source), len(source) + 1)
        message = "unexpected end of input"
        unclosed = source.count("(") - source.count(")")
        if unclosed > 0:
            message += f": {unclosed} '(' not closed" if unclosed > 1 else ": a '(' is not closed"
        elif source.count("[") > source.count("]"):
            message += ": a '[' is not closed"
        else:
            message += ": the expression is incomplete"
    if words:
        message += f" (expected, for example, {_join(words)})"
    return AgradSyntaxError(message, span, source)


def _expect_order(name: str) -> tuple:
    order = list(TOKEN_WORDS)
    return (order.index(name) if name in order else len(order), name)


def _describe_token(token: tuple) -> str:
    kind, value, _ = token
    if kind == "NUMBER":
        return f"number {value}"
    if kind == "NAME":
        return f"name '{value}'"
    if kind == "_SEP":
        return "';'" if value == ";" else "new line"
    return f"'{value}'"


def _join(words: list[str]) -> str:
    if len(words) > 6:
        words = words[:6] + ["..."]
        return ", ".join(words)
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]
