"""A session's tensor written back out as a program of the language, with its leaves as bindings:
what `:diff` and `:check` hand to `agrad diff` and `--check`, which take a source, not a graph.

Each computed tensor remembers its statement's text and the tensors its names held then
(session.Definition), so the program is those statements, dependencies first, and the last one
is the output's expression. A leaf (a number assigned, a detached or no_grad result) is a binding.
"""

from __future__ import annotations

from typing import NamedTuple

from agrad.engine import shapes
from agrad.errors import BindingError


class Program(NamedTuple):
    source: str
    bindings: dict  # leaf name -> its value (a float, or a list of floats)
    no_grad: frozenset  # the leaves that require no grad
    vectors: tuple  # the leaves that are vectors (agrad diff's --vector)


def program_of(session, name: str) -> Program:
    """The program that computes the session's `name` from its leaves. Written without
    recursion (a chain of many lines is as deep as it is long)."""
    out = session.tensor(name)
    bindings: dict = {}
    leaves: dict = {}  # name -> the leaf Tensor bound under it
    defined: dict = {}  # name -> the computed Tensor a statement gives it
    statements: list = []
    definitions = session.definitions

    def bind(as_name: str, t) -> None:
        if leaves.get(as_name, t) is not t or as_name in defined:
            raise _twice(name, as_name)
        leaves[as_name] = t
        bindings[as_name] = shapes.to_python(t.value)

    if out.op is None:
        bind(name, out)
        return Program(name, bindings, _no_grad(leaves), _vectors(leaves))
    stack = [(None, out, False)]
    while stack:
        as_name, t, ready = stack.pop()
        definition = definitions[id(t)]
        if not ready:
            stack.append((as_name, t, True))
            for read_name, read in reversed(definition.reads):
                if read.op is None:
                    bind(read_name, read)
                elif defined.get(read_name) is not read:
                    if read_name in defined or read_name in leaves:
                        raise _twice(name, read_name)
                    stack.append((read_name, read, False))
            continue
        if as_name is None:
            statements.append(definition.text)
        elif defined.get(as_name) is not t:
            if as_name in defined or as_name in leaves:
                raise _twice(name, as_name)
            defined[as_name] = t
            statements.append(f"{as_name} = {definition.text}")
    return Program("; ".join(statements), bindings, _no_grad(leaves), _vectors(leaves))


def _no_grad(leaves: dict) -> frozenset:
    return frozenset(n for n, t in leaves.items() if not t.requires_grad)


def _vectors(leaves: dict) -> tuple:
    return tuple(n for n, t in leaves.items() if shapes.is_vector(t.value))


def _twice(name: str, clash: str) -> BindingError:
    return BindingError(f"'{name}' was computed from two values of '{clash}' (it was assigned again in between), "
                        "which one program cannot write: assign them to different names")
