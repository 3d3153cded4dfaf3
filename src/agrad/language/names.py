"""The language's own names: its constants, the calls that act on the graph, and what a name is.

The op table (engine/ops.py) decides which names are functions; these are the names the language
itself gives a meaning to, read by the lowering, the compiled scalar path, `--points` headers and
`agrad functions`.
"""

from __future__ import annotations

import math
import re

CONSTANTS = {"pi": math.pi, "e": math.e}

# Calls that act on the graph rather than on values; not ops, so not in the op table.
# name -> (parameters, what it does)
GRAPH_FUNCTIONS = {
    "grad": (("f", "x"), "the derivative of f with respect to the variable x, itself differentiable "
                         "(torch.autograd.grad with create_graph=True); 0 where f does not depend on x"),
    "detach": (("e",), "the value of e, cut from the graph: no gradient flows into e (e.detach())"),
    "no_grad": (("e",), "e computed as under torch.no_grad(): the result is a leaf that requires no grad"),
}


def is_name(text: str) -> bool:
    """Whether `text` is a name as the grammar's NAME terminal has it (a letter or _, then
    letters, digits, _): what a variable bound from outside the program may be called."""
    return _name().fullmatch(text) is not None


def _name() -> re.Pattern:
    # The grammar is the one source of the token patterns: NAME's is taken from the parse table's
    # terminals (the table every parse reads anyway), compiled on first use.
    global _NAME
    if _NAME is None:
        from agrad.language.parse_table import table

        (pattern,) = [pattern for name, _, pattern in table()["terminals"] if name == "NAME"]
        _NAME = re.compile(pattern)
    return _NAME


_NAME = None
