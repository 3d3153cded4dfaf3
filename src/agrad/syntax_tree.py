"""agrad's abstract syntax tree: small typed nodes with source spans, independent of Lark.

Every node carries `span`, the (start, end) character offsets of the text it came from, so
that errors found after parsing (unknown function, unbound variable, ...) can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

Span = tuple[int, int]


@dataclass(slots=True, eq=False)
class Number:
    value: float
    text: str
    span: Span


@dataclass(slots=True, eq=False)
class Name:
    id: str
    span: Span


@dataclass(slots=True, eq=False)
class Unary:
    op: str  # "neg" or "pos"
    operand: "Expr"
    span: Span


@dataclass(slots=True, eq=False)
class Binary:
    op: str  # "add", "sub", "mul", "div", "pow"
    left: "Expr"
    right: "Expr"
    span: Span
    op_span: Span | None = None  # the operator itself, for errors about its operands


@dataclass(slots=True, eq=False)
class Call:
    func: str
    args: list["Expr"]
    span: Span
    name_span: Span


@dataclass(slots=True, eq=False)
class Vector:
    items: list["Expr"]
    span: Span


@dataclass(slots=True, eq=False)
class Index:
    target: "Expr"
    index: "Expr"
    span: Span


@dataclass(slots=True, eq=False)
class Assign:
    name: str
    value: "Expr"
    span: Span
    name_span: Span


@dataclass(slots=True, eq=False)
class Program:
    statements: list[Union["Expr", Assign]]
    span: Span


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
