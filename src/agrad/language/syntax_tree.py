"""agrad's abstract syntax tree: small typed nodes with source spans, independent of Lark.

Every node carries `span`, the (start, end) character offsets of the text it came from, so
that errors found after parsing (unknown function, unbound variable, ...) can point at it.
The classes are written out rather than made with dataclasses, which compile their methods at
import time: a cost every start-up of agrad would pay.
"""

from __future__ import annotations

from typing import Union

Span = tuple[int, int]


class _Node:
    __slots__ = ()

    def __repr__(self):
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class Number(_Node):
    __slots__ = ("value", "text", "span")

    def __init__(self, value: float, text: str, span: Span):
        self.value, self.text, self.span = value, text, span


class Name(_Node):
    __slots__ = ("id", "span")

    def __init__(self, id: str, span: Span):  # noqa: A002 - the field's name
        self.id, self.span = id, span


class Unary(_Node):
    __slots__ = ("op", "operand", "span")

    def __init__(self, op: str, operand: "Expr", span: Span):
        self.op, self.operand, self.span = op, operand, span  # op: "neg" or "pos"


class Binary(_Node):
    __slots__ = ("op", "left", "right", "span", "op_span")

    def __init__(self, op: str, left: "Expr", right: "Expr", span: Span, op_span: Span | None = None):
        # op: "add", "sub", "mul", "div", "pow"; op_span: the operator itself, for errors about its operands
        self.op, self.left, self.right, self.span, self.op_span = op, left, right, span, op_span


class Call(_Node):
    __slots__ = ("func", "args", "span", "name_span")

    def __init__(self, func: str, args: list, span: Span, name_span: Span):
        self.func, self.args, self.span, self.name_span = func, args, span, name_span


class Vector(_Node):
    __slots__ = ("items", "span")

    def __init__(self, items: list, span: Span):
        self.items, self.span = items, span


class Index(_Node):
    __slots__ = ("target", "index", "span")

    def __init__(self, target: "Expr", index: "Expr", span: Span):
        self.target, self.index, self.span = target, index, span


class Assign(_Node):
    __slots__ = ("name", "value", "span", "name_span")

    def __init__(self, name: str, value: "Expr", span: Span, name_span: Span):
        self.name, self.value, self.span, self.name_span = name, value, span, name_span


class Program(_Node):
    __slots__ = ("statements", "span")

    def __init__(self, statements: list, span: Span):
        self.statements, self.span = statements, span


Expr = Union[Number, Name, Unary, Binary, Call, Vector, Index]


def children(node) -> tuple:
    """The direct sub-expressions of an AST node, in source order."""
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, (Call,)):
        return tuple(node.args)
    if isinstance(node, Vector):
        return tuple(node.items)
    if isinstance(node, Index):
        return (node.target, node.index)
    if isinstance(node, Assign):
        return (node.value,)
    return ()
