"""What the pictures of the graph show, as plain data: each node's texts and role (which picks its
colour), the edges, the forward pass in evaluation order and the backward pass in the engine's
order, every step explained in words.

Built from the one description of the graph (`Result.graph`, graph.describe) and the backward
pass recorded by trace.record; the DOT, Mermaid and HTML renderers only lay it out. Every number
is written by numbers.short, so the pictures print exactly what `agrad eval`'s tree prints (a
vector longer than 8 elements as its first and last 3).
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field

from agrad.values import write as numbers
from agrad.engine import shapes
from agrad.engine.graph import GraphNode
from agrad.evaluation.lowering import cut_sources

MAX_EXPR = 40  # longer sub-expressions are not spelled out; the node is called by its grad_fn and id
MAX_CAPTION = 32  # the page's caption of such a node: its own operation with long operands as "…"

# Operator precedence, for writing a node's part of the expression with the parentheses it needs.
SUM, PRODUCT, SIGN, POWER, ATOM = 1, 2, 3, 4, 5
INFIX = {"+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT, "^": POWER}

# Each role's colours (fill, border, dashed border), for every picture, and its legend entry.
ROLES = {
    "input": ("#dcf3dc", "#2e7d32", False, "input (leaf, requires grad)"),
    "input-no-grad": ("#eef3ee", "#7d9a7d", True, "input, no grad"),
    "constant": ("#efe9f8", "#7e57c2", False, "constant"),
    "op": ("#e4eefc", "#1f5fbf", False, "op (its grad_fn)"),
    "output": ("#ffe8cc", "#d9730d", False, "output"),
    "cut": ("#fff4c7", "#a88400", True, "cut (detach, no_grad)"),
    "value": ("#f2f2f2", "#8c8c8c", False, "computed, no graph"),
}


@dataclass
class Node:
    id: int
    role: str  # input, input-no-grad, constant, op, output, cut, value: picks the colour
    title: str  # the name, the literal's text, or the grad_fn
    subtitle: str  # the grad_fn of a named op, the expression an unnamed op computes, or the leaf's kind
    handle: str  # how the explanations refer to it
    value: str  # the value as text
    grad_line: str  # after the backward pass: "grad 2.0" (a leaf's .grad, or a retained one),
    # "grad in 2.0" (what reached a non-leaf), "no grad" (requires no grad), or "grad None"
    before: str  # the same line before the backward pass: "grad None", "grad in ?" or "no grad"
    grad: str | None  # the gradient as text, or None
    requires_grad: bool
    inputs: list
    caption: str = ""  # the page's second line: the subtitle, but "… + x^5 * w" where it says "#59"


@dataclass
class Edge:
    source: int  # the input
    target: int  # the op that uses it
    slot: int  # which argument of the op (x*x: two edges from x, slots 0 and 1)
    local: str | None = None  # the local derivative d target / d source, after the backward pass
    grad: str | None = None  # the gradient it carried back: target's grad in x local
    label: str = ""  # what the edge says after the backward pass
    cut: str | None = None  # the page's edge from a leaf into the detach()/no_grad() that cut it off


@dataclass
class ForwardStep:
    node: int
    words: list


@dataclass
class BackwardStep:
    node: int
    edges: list  # indices into Picture.edges: the gradients this step sends
    grad_line: str  # what the node shows once the step is done
    words: list


@dataclass
class Picture:
    source: str
    value: str
    output_name: str  # how the explanations call the output: its name, or "out"
    nodes: list
    edges: list
    forward: list = field(default_factory=list)
    backward: list = field(default_factory=list)
    summary: list = field(default_factory=list)  # said after the last backward step
    output: int = -1  # the output's id (the page adds detached leaves after it)

    def lines(self, node: Node) -> list:
        """What a node's box says, line by line, once both passes are done."""
        return [node.title, node.subtitle, f"value {node.value}", node.grad_line]

    def as_data(self) -> dict:
        """Plain JSON-ready data, for the HTML page."""
        from dataclasses import asdict

        return asdict(self)


def build(result, explain: bool = True) -> Picture:
    """The picture of an evaluated Result; its backward pass is read from result.trace when it
    was recorded (api.run(..., trace=True)), and the page then plays it. explain: both passes in
    words, which only the page shows (DOT and Mermaid skip them: on a 500,000-node graph the
    words cost more time and memory than the evaluation)."""
    # Millions of small objects and no cycles among them: Python's cyclic collector would walk
    # them all again and again as they are made (a 500,000-node picture took 24 s with it, 6 s
    # without), and has nothing to collect.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(result, explain)
    finally:
        if collecting:
            gc.enable()


def _build(result, explain: bool) -> Picture:
    nodes = result.graph
    steps = result.trace[0] if result.trace else []
    out = nodes[-1]
    output_name = out.name if out.kind == "op" and out.name and out.name.isidentifier() else "out"
    texts = _expressions(nodes)
    refs = [texts[n.id] or (f"{n.label} #{n.id}", ATOM) for n in nodes]  # how words refer to each node
    handles = [r[0] for r in refs]
    edges: list[Edge] = []
    edge_at: dict[tuple[int, int], int] = {}
    for n in nodes:
        for slot, j in enumerate(n.inputs):
            edge_at[(n.id, slot)] = len(edges)
            edges.append(Edge(j, n.id, slot))
    picture_nodes = []
    captions = _captions(nodes, texts) if explain else [None] * len(nodes)
    for n in nodes:
        before = _grad_line_before(n)
        subtitle = _subtitle(n, texts[n.id])
        picture_nodes.append(Node(n.id, _role(n, out), _title(n), subtitle, handles[n.id],
                                  _short(n.value), before, before, None, n.tensor.requires_grad,
                                  list(n.inputs), captions[n.id] or subtitle))
    picture = Picture(result.source, _short(result.value), output_name, picture_nodes, edges, output=out.id)
    if explain:
        picture.forward = [ForwardStep(n.id, _forward_words(n, nodes, refs, out)) for n in nodes]
    _backward(picture, nodes, steps, edge_at, refs, result.gradient, explain)
    if explain:
        _detached_leaves(picture, nodes, bool(steps))
    return picture


def _detached_leaves(picture: Picture, nodes: list[GraphNode], backward: bool) -> None:
    """The page only: the variables a detach() or no_grad() cut off, drawn with a dashed edge
    into the cut, as torch has them (w stays a leaf that requires grad; its .grad stays None,
    since no gradient can reach it). The graph itself (and DOT, Mermaid) has no such edge."""
    at = {id(n.tensor): n.id for n in nodes}
    extra: list = []
    for n in nodes:
        if n.kind != "cut":
            continue
        for leaf in _leaves_under(cut_sources(n.tensor)):
            if id(leaf) not in at:
                at[id(leaf)] = len(picture.nodes)
                before = "grad None" if leaf.requires_grad else "no grad"
                role = "input" if leaf.requires_grad else "input-no-grad"
                kind = "leaf, requires_grad" if leaf.requires_grad else "leaf, no grad"
                picture.nodes.append(Node(at[id(leaf)], role, leaf.name, kind, leaf.name, _short(leaf.value),
                                          before, before, None, leaf.requires_grad, [],
                                          f"{kind}; cut off by {n.tensor.cut}"))
                extra.append(leaf)
            node = picture.nodes[n.id]
            picture.edges.append(Edge(at[id(leaf)], n.id, len(node.inputs), cut=n.tensor.cut))
            node.inputs.append(at[id(leaf)])
    if backward:
        for leaf in extra:
            if leaf.requires_grad:
                picture.summary.append(f"{leaf.name}.grad is None: the gradient cannot reach it through the cut.")


def _leaves_under(tensors) -> list:
    """The variables (named leaves) the tensors were computed from, walking their graphs."""
    found: dict = {}
    seen = set()
    stack = list(tensors)
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if t.op is None and t.name is not None and t.label is None and not t.is_number:
            found[id(t)] = t
        stack.extend(t.inputs)
    return sorted(found.values(), key=lambda t: t.seq)


_SHORT_CACHE: dict = {}


def _short(value) -> str:
    """numbers.short, remembered for floats: a big graph repeats a few gradients and local
    derivatives (1.0, 2.0) hundreds of thousands of times. Not zeros: 0.0 == -0.0."""
    if type(value) is not float or value == 0.0:
        return numbers.short(value)
    text = _SHORT_CACHE.get(value)
    if text is None:
        if len(_SHORT_CACHE) > 4096:
            _SHORT_CACHE.clear()
        text = _SHORT_CACHE[value] = numbers.short(value)
    return text


# -- names and texts ----------------------------------------------------------------------------

def _role(n: GraphNode, out: GraphNode) -> str:
    if n is out:
        return "output"
    if n.kind == "variable":
        return "input" if n.tensor.requires_grad else "input-no-grad"
    return n.kind  # constant, op, cut, value


def _title(n: GraphNode) -> str:
    if n.kind == "op":
        return n.name or n.label
    return n.label


def _subtitle(n: GraphNode, text) -> str:
    if n.kind == "op":
        if n.name:
            return n.label
        return _shorten(text[0]) if text else f"#{n.id}"
    if n.kind == "variable":
        return "leaf, requires_grad" if n.tensor.requires_grad else "leaf, no grad"
    if n.kind == "constant":
        return "constant"
    if n.kind == "cut":
        return f"cut by {n.tensor.cut}"
    return "leaf, no graph"


def _shorten(text: str, width: int = 32) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _expressions(nodes: list[GraphNode]) -> list:
    """Each node's part of the expression as (text, precedence), composed from its inputs' in
    evaluation order (no recursion); None where it would be longer than MAX_EXPR."""
    texts: list = []
    for n in nodes:
        if n.kind != "op" or n.name:
            title = _title(n)
            texts.append((title, _precedence(title)))
            continue
        parts = [texts[j] for j in n.inputs]
        if any(p is None for p in parts):
            texts.append(None)
            continue
        composed = _compose(n.tensor.op, parts, n.index)
        texts.append(composed if len(composed[0]) <= MAX_EXPR else None)
    return texts


def _captions(nodes: list[GraphNode], texts: list) -> list:
    """For each node whose text is too long to spell out, its own operation with the operands
    that make it long written "…": the 19th term of a sum is "… + x^19 * w", not "#59". None
    for the others (their subtitle already says it)."""
    captions: list = []
    for n in nodes:
        if texts[n.id] is not None or n.kind != "op" or n.name:
            captions.append(None)
            continue
        parts = [texts[j] or captions[j] or ("…", ATOM) for j in n.inputs]
        while True:
            text, prec = _compose(n.tensor.op, parts, n.index)
            longest = max(range(len(parts)), key=lambda k: len(parts[k][0]), default=None)
            if len(text) <= MAX_CAPTION or longest is None or parts[longest][0] == "…":
                break
            parts[longest] = ("…", ATOM)
        captions.append((_shorten(text, MAX_CAPTION), prec))
    return [c[0] if c else None for c in captions]


def _precedence(text: str) -> int:
    """The precedence of a node's text that is not composed here: a name or a number binds
    tightest, but a constant's text is its source (`a = 2*3` makes the constant `2*3`), so its
    loosest operator outside brackets decides, as if it had been composed: `x^(2*3)`. A leading
    sign is left as it was (a negative literal has always been written bare)."""
    depth, loosest, previous = 0, ATOM, ""
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and i > 0 and ch in INFIX and not (ch in "+-" and previous in "eE"
                                                             and text[i - 2:i - 1].isdigit()):
            loosest = min(loosest, INFIX[ch])
        if not ch.isspace():
            previous = ch
    return loosest


def _wrap(part: tuple, tighter_than: int) -> str:
    text, prec = part
    return f"({text})" if prec < tighter_than else text


def _compose(op, parts: list, index: int | None = None) -> tuple[str, int]:
    """op applied to its operands' texts as the language writes it: `x + w`, `-x`, `x^2`,
    `sin(x)`, `1/x`, `v[0]`, `[x, w]`, and a variant of the table by the name it is called by
    (`max(v)` for max_reduce, `clamp(x, lo, hi)` for clamp_tensor)."""
    symbol = op.symbol
    if symbol in INFIX and len(parts) == 2:
        prec = INFIX[symbol]
        a, b = parts
        if symbol == "^":  # right-associative, written tight as the language does: x^2
            return f"{_wrap(a, prec + 1)}^{_wrap(b, prec)}", prec
        return f"{_wrap(a, prec)} {symbol} {_wrap(b, prec + 1)}", prec
    if symbol == "-" and len(parts) == 1:
        return f"-{_wrap(parts[0], SIGN)}", SIGN
    if op.name == "reciprocal":
        return f"1/{_wrap(parts[0], POWER)}", PRODUCT
    if op.name == "select":  # indexing, postfix: binds tightest; the index is the node's, not an input
        return f"{_wrap(parts[0], ATOM)}[{index}]", ATOM
    if op.name == "stack":  # a vector literal
        return f"[{', '.join(p[0] for p in parts)}]", ATOM
    return f"{op.called or op.name}({', '.join(p[0] for p in parts)})", ATOM


def _value_parts(n: GraphNode, nodes: list[GraphNode]) -> list:
    """The inputs' values as operands: a negative value is bracketed like a compound."""
    parts = []
    for j in n.inputs:
        text = _short(nodes[j].value)
        parts.append((text, SIGN if text.startswith("-") else ATOM))
    return parts


def _d(ref: tuple) -> str:
    """∂x, ∂sin(x), ∂(x + w): a node as the variable of a derivative."""
    return f"∂{_wrap(ref, ATOM)}"


def _operand(text: str) -> str:
    """A number as a right operand: 2.0 × (-1.0)."""
    return f"({text})" if text.startswith("-") else text


def _grad_line_before(n: GraphNode) -> str:
    if not n.tensor.requires_grad:
        return "no grad"
    return "grad None" if n.tensor.is_leaf else "grad in ?"


# -- the forward pass -----------------------------------------------------------------------------

def _forward_words(n: GraphNode, nodes: list[GraphNode], refs: list, out: GraphNode) -> list:
    t = n.tensor
    value = _short(n.value)
    end = [f"This is the output: out = {value}."] if n is out and n.kind != "op" else []
    if n.kind == "variable":
        if t.requires_grad:
            return [f"{n.label} is an input: a leaf tensor with value {value} and requires_grad=True. "
                    f"Its gradient will be stored in {n.label}.grad."] + end
        return [f"{n.label} is an input that requires no grad (--no-grad): a leaf with value {value}; "
                "no gradient is computed for it."] + end
    if n.kind == "constant":
        return [f"{n.label} is a constant (a Python number for torch) with value {value}: it requires no grad."] + end
    if n.kind == "cut":
        how = ("detach(): the value, cut from the graph" if t.cut == "detach"
               else "computed under no_grad(): no graph recorded")
        return [f"{n.label} = {value}, {how}. It is a leaf that requires no grad, so no gradient flows into it."] + end
    if n.kind == "value":
        return [f"{n.label} = {value}, computed from values that require no grad: a leaf, no graph recorded."] + end
    op = t.op
    formula = _compose(op, [refs[j] for j in n.inputs], n.index)[0]
    numbers_in = _compose(op, _value_parts(n, nodes), n.index)[0]
    lhs = f"{n.name} = " if n.name else ""
    words = [f"{lhs}{formula} = {numbers_in} = {value}"]
    flows = [refs[j][0] for j in dict.fromkeys(n.inputs) if nodes[j].tensor.requires_grad]
    still = [refs[j][0] for j in dict.fromkeys(n.inputs) if not nodes[j].tensor.requires_grad]
    sentence = (f"An input requires grad, so torch records grad_fn={op.grad_fn}, which will send the "
                f"gradient back to {_and(flows)}")
    if still:
        sentence += f" ({_and(still)} {'requires' if len(still) == 1 else 'require'} no grad)"
    words.append(sentence + ".")
    if n is out:
        words.append(f"This is the output: out = {value}.")
    return words


MAX_ADDENDS = 6  # a longer sum is written with its first and last terms and a count


def _sum(addends: list) -> str:
    """a + b + (-c): the gradients arriving at a node, added in the engine's order."""
    terms = [a if k == 0 else _operand(a) for k, a in enumerate(addends)]
    if len(terms) > MAX_ADDENDS:
        return " + ".join(terms[:3]) + " + … + " + " + ".join(terms[-2:]) + f" ({len(terms)} gradients)"
    return " + ".join(terms)


def _and(items: list) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# -- the backward pass ----------------------------------------------------------------------------

def _backward(picture: Picture, nodes: list[GraphNode], steps: list, edge_at: dict, refs: list,
              seed=None, explain: bool = True) -> None:
    """seed: the gradient backward was given (--gradient, torch's out.backward(gradient)); None
    for ones. explain: say each step in words (the page's panel); without it only the nodes'
    and edges' texts are set, which is all DOT and Mermaid show."""
    received: dict[int, list] = {}  # node id -> the gradients sent to it so far, in the engine's order
    out = nodes[-1]
    for k, step in enumerate(steps):
        n = nodes[step["id"]]
        grad_in = _short(step["grad_in"])
        words = []
        if explain:
            _explain_arrival(picture, n, k, step, received, refs, seed, words)
        if step["kind"] == "accumulate":
            grad = _short(step["grad"])
            picture.nodes[n.id].grad = grad
            line = f"grad {grad}"
            if explain:
                picture.backward.append(BackwardStep(n.id, [], line, words))
            picture.nodes[n.id].grad_line = line
            continue
        dh = _d((picture.output_name, ATOM) if n is out else refs[n.id]) if explain else ""
        sent_edges = []
        sent_slots = set()
        for inp in step["inputs"]:
            e = edge_at[(n.id, inp["slot"])]
            edge = picture.edges[e]
            edge.local, edge.grad = _short(inp["local"]), _short(inp["sent"])
            edge.label = f"grad {edge.grad} (×{edge.local})"
            if explain:
                hi = refs[edge.source][0]
                words.append(f"{dh}/{_d(refs[edge.source])} = {edge.local}, so the gradient sent to {hi} is "
                             f"{grad_in} × {_operand(edge.local)} = {edge.grad}.")
                received.setdefault(edge.source, []).append(edge.grad)
            sent_edges.append(e)
            sent_slots.add(inp["slot"])
        if explain:
            for slot, j in enumerate(n.inputs):
                if slot not in sent_slots:
                    words.append(f"{refs[j][0]} requires no grad: nothing is sent to it.")
        h = refs[n.id][0]
        if n.tensor.retains_grad and n.grad is not None:
            line = f"grad {_short(n.grad)} (retained)"
            if explain:
                words.append(f"retain_grad() keeps it: {h}.grad = {_short(n.grad)}.")
        else:
            line = f"grad in {grad_in}"
        picture.nodes[n.id].grad = grad_in
        picture.nodes[n.id].grad_line = line
        if explain:
            picture.backward.append(BackwardStep(n.id, sent_edges, line, words))
    if not explain:
        return
    if steps:
        leaves = [f"{p.handle}.grad = {p.grad}" for p in picture.nodes
                  if p.role in ("input", "output") and nodes[p.id].tensor.is_leaf and p.grad is not None]
        retained = [f"{p.handle}.grad = {p.grad}" for p in picture.nodes
                    if nodes[p.id].tensor.retains_grad and p.grad is not None]
        done = "Backward is done."
        if leaves:
            done += f" The leaves hold their gradients: {', '.join(leaves)}."
        if retained:
            done += f" Retained: {', '.join(retained)}."
        picture.summary = [done]
    elif not out.tensor.requires_grad:
        picture.summary = ["No backward pass: nothing in the output requires grad."]


def _explain_arrival(picture: Picture, n: GraphNode, k: int, step: dict, received: dict, refs: list, seed,
                     words: list) -> None:
    """The words of a backward step up to the chain rule: where backward starts, what arrives
    at the node, a hook's change, a leaf's accumulation."""
    grad_in = _short(step["grad_in"])
    out_name = picture.output_name
    h = refs[n.id][0]
    arrived = received.get(n.id, [])
    starts = k == 0 and step["id"] == len(refs) - 1  # the output is the graph's last node
    if starts and seed is not None:  # the seed given to backward: a vector-Jacobian product
        arrived = [_short(seed)]
        words.append(f"Backward starts at the output {h} from the gradient given to it (--gradient, torch's "
                     f"{out_name}.backward(gradient)): {arrived[0]}.")
        arriving_sum = arrived[0]
    elif starts:  # the seed: d out / d out, ones in the output's shape
        arrived = [_short(shapes.ones_like(step["grad_in"]))]
        words.append(f"Backward starts at the output {h}: its gradient is ∂{out_name}/∂{out_name} = {arrived[0]}.")
        arriving_sum = arrived[0]
    else:
        arriving_sum = _sum(arrived) + (f" = {grad_in}" if len(arrived) > 1 else "")
    if n.tensor.hooks:
        hooks = ", ".join(getattr(fn, "source", "a function") for fn in n.tensor.hooks)
        words.append(f"A hook on {h} ({hooks}) replaces the gradient arriving, {_sum(arrived)}, with {grad_in}.")
    if step["kind"] == "accumulate":
        total = arriving_sum if not n.tensor.hooks else grad_in
        words.append(f"{h} is a leaf: AccumulateGrad stores its gradient, {h}.grad = {total}.")
        return
    if not starts:
        words.append(f"{h} ({n.label}) receives ∂{out_name}/{_d(refs[n.id])} = "
                     f"{arriving_sum if not n.tensor.hooks else grad_in}.")
    words.append(f"{n.label} multiplies it by each local derivative (the chain rule):")
