"""agrad's syntax tree as Python text in torch calls: the expressions of `--emit torch`.

A number written in the expression is a Python number, and arithmetic of numbers alone is
folded here with engine/literals.py's fold, exactly as agrad folds it (`-(0*0)` is the int 0,
`1/0` inf), so that the script gives torch the same Python numbers agrad gave its engine. A
function of numbers alone takes them as 0-d tensors, as torch's functions take tensors. Each
function is called by the torch name its op-table entry gives (render/functions.py reads it).

The walk is iterative (agrad takes 100,000-deep expressions); Python's own parser refuses deep
nesting, so a sub-expression nested more than MAX_DEPTH deep is written to a temporary first.
"""

from __future__ import annotations

import keyword
import math

from agrad.engine import literals, ops
from agrad.language import syntax_tree as st
from agrad.language.names import CONSTANTS
from agrad.render.functions import torch_function

MAX_DEPTH = 40  # Python's parser stops near 200 nested parentheses
SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}
# names the script itself uses: a variable called so is renamed (name_)
SCRIPT_NAMES = frozenset("torch json math out record passes program grad_of derivatives_of hessian_matrix "
                         "as_json inputs jac blocks print float int range list dict len str isinstance".split())


def python_names(names) -> dict:
    """agrad name -> a Python name that is no keyword, no name of the script's and no temporary
    (those start with _)."""
    taken = set(names)
    out = {}
    for name in names:
        new = name
        while keyword.iskeyword(new) or keyword.issoftkeyword(new) or new in SCRIPT_NAMES or new.startswith("_") \
                or (new != name and new in taken):
            new = ("v" + new) if new.startswith("_") else new + "_"
        taken.add(new)
        out[name] = new
    return out


def number_text(value) -> str:
    """A Python number as Python source: math.inf and math.nan where repr would not parse; an int
    beyond int64 as its float (torch refuses such ints beside a tensor)."""
    if type(value) is int:
        return str(value) if abs(value) < 2 ** 63 else number_text(float(value))
    if math.isnan(value):
        return "math.nan"
    if math.isinf(value):
        return "math.inf" if value > 0 else "-math.inf"
    return repr(value)


def tensor_of(value) -> str:
    """A number given to a torch function: a 0-d tensor (the default dtype, set by the script)."""
    return f"torch.tensor({number_text(float(value))})"


# Python's binding strength of what an Item's text is: + -, * /, unary minus, **, an atom
PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
ATOM = 5


class Item:
    """One emitted sub-expression: its text, the Python number it is (None for a tensor), how
    deep its text nests, and how strongly it binds (PRECEDENCE)."""

    __slots__ = ("text", "number", "depth", "precedence")

    def __init__(self, text: str, number=None, depth: int = 0, precedence: int = ATOM):
        self.text, self.number, self.depth = text, number, depth
        self.precedence = PRECEDENCE["neg"] if text.startswith("-") else precedence

    def operand(self, binding: int = ATOM) -> str:
        """The text as an operand where `binding` is needed: parenthesized if it binds less.
        (Never regrouped: a + (b + c) keeps its parentheses, floating point is not associative.)"""
        return self.text if self.precedence >= binding else f"({self.text})"


class Emitter:
    """Emits the statements of one program. names: agrad name -> Python name (variables and
    assigned names). lines: the Python lines so far; a temporary (_t1, ...) or a no_grad block
    goes there before the statement that uses it."""

    def __init__(self, names: dict):
        self.names = names
        self.numbers: dict = {}  # assigned names bound to a Python number: the number
        self.lines: list[str] = []
        self.temps = 0
        self.used_grad = False  # grad() appears: the script needs its helper

    def statement(self, node, target: str | None) -> Item:
        """One statement: `target = expr` (target a Python name) or, for None, the expression's Item."""
        item = self._walk(node)
        if target is not None:
            if item.number is not None:
                self.numbers[target] = item.number
            self.lines.append(f"{target} = {item.text}")
        return item

    def _temp(self, text: str, no_grad: bool) -> Item:
        self.temps += 1
        name = f"_t{self.temps}"
        if no_grad:
            self.lines += ["with torch.no_grad():", f"    {name} = {text}"]
        else:
            self.lines.append(f"{name} = {text}")
        return Item(name)

    def _walk(self, root) -> Item:
        values: list[Item] = []
        quiet = 0  # how many no_grad(...) calls enclose the node (its temporaries go in no_grad blocks)
        stack = [(root, False)]
        while stack:
            node, ready = stack.pop()
            kids = st.children(node)
            if kids and not ready:
                if isinstance(node, st.Call) and node.func == "no_grad":
                    quiet += 1
                stack.append((node, True))
                stack.extend((kid, False) for kid in reversed(kids))
                continue
            args = values[len(values) - len(kids):] if kids else []
            if kids:
                del values[len(values) - len(kids):]
            if isinstance(node, st.Call) and node.func == "no_grad":
                quiet -= 1
            item = self._node(node, args, quiet)
            if item.depth > MAX_DEPTH:
                item = self._temp(item.text, quiet > 0)
            values.append(item)
        return values[-1]

    def _node(self, node, args: list, quiet: int) -> Item:
        depth = 1 + max((a.depth for a in args), default=0)
        if isinstance(node, st.Number):
            return Item(number_text(literals.parse(node.text)), literals.parse(node.text))
        if isinstance(node, st.Name):
            if node.id in CONSTANTS:
                return Item(f"math.{node.id}", CONSTANTS[node.id])
            name = self.names[node.id]
            return Item(name, self.numbers.get(name))
        if isinstance(node, st.Unary):
            if node.op == "pos":
                return args[0]
            return self._number(literals.fold("neg", [args[0].number])) if args[0].number is not None else \
                Item(f"-{args[0].operand(PRECEDENCE['neg'])}", None, depth, PRECEDENCE["neg"])
        if isinstance(node, st.Binary):
            left, right = args
            if left.number is not None and right.number is not None:
                return self._number(literals.fold(node.op, [left.number, right.number]))
            strength = PRECEDENCE[node.op]
            power = node.op == "pow"  # ** groups from the right, the others from the left
            return Item(f"{left.operand(strength + power)} {SYMBOLS[node.op]} {right.operand(strength + (not power))}",
                        None, depth, strength)
        if isinstance(node, st.Vector):
            if all(a.number is not None for a in args):
                return Item(f"torch.tensor([{', '.join(number_text(float(a.number)) for a in args)}])")
            items = ", ".join(tensor_of(a.number) if a.number is not None else a.text for a in args)
            return Item(f"torch.stack([{items}])", None, depth)
        if isinstance(node, st.Index):
            target, index = args
            i = index.number
            written = number_text(int(i)) if float(i).is_integer() else number_text(i)
            return Item(f"{target.operand()}[{written}]", None, depth)
        return self._call(node, args, depth, quiet)

    def _number(self, value) -> Item:
        return Item(number_text(value), value)

    def _call(self, node: st.Call, args: list, depth: int, quiet: int) -> Item:
        func = node.func
        if func in ("detach", "no_grad"):
            (inner,) = args
            if inner.number is not None:  # a number stays one (agrad: the cut keeps is_number)
                return inner
            if func == "detach":
                return Item(f"{inner.operand()}.detach()", None, depth)
            if quiet or inner.text.isidentifier():  # inside a no_grad block already, or a tensor as it
                return Item(f"{inner.operand()}.detach()", None, depth)  # is: a leaf that requires no grad
            return self._temp(inner.text, True)
        if func == "grad":
            self.used_grad = True
            f, x = args
            f_text = tensor_of(f.number) if f.number is not None else f.text
            return Item(f"grad_of({f_text}, {x.text})", None, depth)
        function = torch_function(ops.TABLE[ops.OVERLOADS.get((func, len(args)), func)])
        numbers = [a.number is not None for a in args]
        if func == "clamp" and not numbers[0] and numbers[1] and numbers[2] or func == "pow" and not all(numbers):
            # torch.clamp(x, 0, 1) (ClampBackward1), torch.pow(x, 2) (PowBackward0), torch.pow(2, x)
            texts = [a.text for a in args]
        else:
            texts = [tensor_of(a.number) if a.number is not None else a.text for a in args]
        return Item(f"{function}({', '.join(texts)})", None, depth)
