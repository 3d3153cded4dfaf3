"""--anomaly: the first nan (or, in forward, inf from finite inputs) stops the run, naming the op
or backward node that made it, the rule, the input values and where in the source it was made.

torch.autograd.detect_anomaly checks what every backward node returns and raises at the first
nan ("Function 'SqrtBackward0' returned nan values in its 0th output."). agrad does that too, and
also checks forward, where it counts only what an op made itself: a nan out of inputs that have
no nan, an inf out of finite inputs (an input bound as nan or inf passes through forward quietly;
its backward is torch's to judge, and torch flags it there as soon as a node returns nan).

Off, this costs nothing per op: no Watch is installed (engine/watch.py holds None), the lowering
reads it once per expression and the backward pass once per pass, and the compiled scalar path
never runs with it (RunOptions.plain is False under --anomaly). On, the backward pass runs with
an on_step observer (the same hook --trace uses), which keeps every gradient dense.
"""

from __future__ import annotations

import math
from contextlib import contextmanager

from agrad.engine import shapes
from agrad.engine.watch import WATCH
from agrad.errors import AnomalyError


@contextmanager
def watching(source: str | None):
    """Detect anomalies in what runs inside (one evaluation of `source`)."""
    token = WATCH.set(Watch(source))
    try:
        yield
    finally:
        WATCH.reset(token)


class Watch:
    """One evaluation's anomaly detection. spans: id(tensor) -> (tensor, span, made_by): where in
    the source each node was made (the tensor is kept so that its id is not reused); made_by is
    the backward node whose rule made it, for the nodes of a gradient graph (create_graph)."""

    __slots__ = ("source", "spans")

    def __init__(self, source: str | None):
        self.source = source
        self.spans: dict[int, tuple] = {}

    # -- forward ---------------------------------------------------------------------------
    def forward(self, out, op, inputs, spans, source) -> None:
        """After the lowering ran `op` (an op-table entry, or None for arithmetic on numbers that
        it folded) on `inputs` (Tensors) of source spans spans[1:] at spans[0] of `source`: raise
        at a nan made from inputs without one, or an inf made from finite inputs."""
        span = spans[0]
        if out.op is not None and source is self.source:  # (a hook's text is another source)
            self.spans[id(out)] = (out, span, None)
        bad = _made(out.value, [t.value for t in inputs])
        if bad is None:
            return
        what, element = bad
        called = source[span[0]:span[1]] if op is None else _called(op)
        grad_fn = f" ({op.grad_fn})" if op is not None else ""
        at = "" if element is None else f" at element {element}"
        names = [_short(source[a:b]) or name for (a, b), name in zip(spans[1:], _names(op, len(inputs)))]
        message = (f"--anomaly: {called}{grad_fn} gave {what} in forward{at}, from "
                   f"{_values(names, [t.value for t in inputs], element)}")
        raise AnomalyError(message, span, source, node=called, phase="forward", element=element)

    # -- backward --------------------------------------------------------------------------
    def step(self, then=None):
        """autograd's on_step for a backward pass: checks each node's contributions, then calls
        `then` (the pass's own observer: --trace, the pretty tree's gradients), if any."""

        def on_step(node, g, contributions):
            if contributions:
                self._backward(node, g, contributions)
            if then is not None:
                then(node, g, contributions)

        return on_step

    def _backward(self, node, g, contributions) -> None:
        op = node.op
        here = self.spans.get(id(node))
        for index, contrib in contributions:
            element = _first_nan(contrib.value)
            if element is False:
                continue
            names = _names(op, len(node.inputs))
            rule = op.derivatives[index] if index < len(op.derivatives) else "?"
            made_by = ""
            if here is not None and here[2] is not None:
                made_by = f" (a node of the gradient graph that {here[2]}'s rule made)"
            at = "" if element is None else f" at element {element}"
            values = _values(("grad",) + names, [g.value] + [t.value for t in node.inputs], element,
                             (None,) + tuple(self._text(t) for t in node.inputs))
            message = (f"--anomaly: {op.grad_fn}{made_by} returned nan in backward{at} as the gradient of "
                       f"{names[index]}: grad * {rule}, with {values}")
            span = None if here is None else here[1]
            raise AnomalyError(message, span, self.source if span is not None else None, node=op.grad_fn,
                               phase="backward", element=element, rule=f"{names[index]}: {rule}")
        # The nodes this node's rules built (create_graph) come from its part of the source.
        if here is not None:
            self._adopt([c for _, c in contributions], here[1], op.grad_fn)

    def _text(self, t) -> str | None:
        """What the source calls an input of a backward node: its text, or a leaf's name."""
        made = self.spans.get(id(t))
        if made is not None and made[2] is None and self.source is not None:
            return _short(self.source[made[1][0]:made[1][1]])
        return t.name

    def _adopt(self, tensors, span, grad_fn) -> None:
        stack = [t for t in tensors if t.op is not None and id(t) not in self.spans]
        while stack:
            t = stack.pop()
            if id(t) in self.spans:
                continue
            self.spans[id(t)] = (t, span, grad_fn)
            stack.extend(i for i in t.inputs if i.op is not None and id(i) not in self.spans)


def _called(op) -> str:
    return op.called or op.name


def _names(op, count: int) -> tuple:
    params = () if op is None else tuple(op.params)
    return params if len(params) == count else tuple(f"input {i}" for i in range(count))


def _is_vector(value) -> bool:
    return type(value) is not float and bool(getattr(value, "ndim", 0))


def _first_nan(value):
    """False when value has no nan; None for a scalar nan; a vector's first nan element."""
    if not _is_vector(value):
        return None if value != value else False
    import numpy as np

    mask = np.isnan(value)
    return int(mask.argmax()) if mask.any() else False


def _made(out, inputs):
    """(what, element) for the first nan out of nan-free inputs, or inf out of finite inputs;
    None when there is none. element: None for a scalar output, else the vector's index. An
    input of the output's length is judged elementwise, any other by all its elements."""
    if not _is_vector(out):
        out = float(out)
        if out == out and not math.isinf(out):
            return None
        if out != out:
            return ("nan", None) if not any(_any_nan(v) for v in inputs) else None
        return (_sign_inf(out), None) if all(_all_finite(v) for v in inputs) else None
    import numpy as np

    nan, inf = np.isnan(out), np.isinf(out)
    if not (nan.any() or inf.any()):
        return None
    clean, finite = np.ones(out.shape, bool), np.ones(out.shape, bool)
    for v in inputs:
        if _is_vector(v) and v.shape == out.shape:
            clean &= ~np.isnan(v)
            finite &= np.isfinite(v)
        else:
            clean &= not _any_nan(v)
            finite &= _all_finite(v)
    bad = (nan & clean) | (inf & finite)
    if not bad.any():
        return None
    k = int(bad.argmax())
    return ("nan" if nan[k] else _sign_inf(float(out[k]))), k


def _sign_inf(value: float) -> str:
    return "inf" if value > 0 else "-inf"


def _any_nan(value) -> bool:
    if _is_vector(value):
        import numpy as np

        return bool(np.isnan(value).any())
    return value != value


def _all_finite(value) -> bool:
    if _is_vector(value):
        import numpy as np

        return bool(np.isfinite(value).all())
    return math.isfinite(value)


def _short(text: str) -> str | None:
    """A source text short enough to name a value in a message (else None: the rule's name)."""
    text = " ".join(text.split())
    return text if 0 < len(text) <= 24 else None


def _values(names, values, element, texts=()) -> str:
    """`x = -1` for a scalar; `x[2] = 1000 (shape [3])` for a vector at the element at fault, or
    `x: shape [3]` for a vector of another length. texts: what the source calls each value, where
    the name is the rule's (`x = 0 (here x - x)`); a number written as itself is shown once."""
    parts = []
    for name, value, text in zip(names, values, tuple(texts) + (None,) * len(names)):
        notes = [f"here {text}"] if text is not None and text != name else []
        if not _is_vector(value):
            shown = _number(value)
            part = shown if name == shown else f"{name} = {shown}"
        elif element is not None and element < len(value):
            indexed = name if name.isidentifier() else f"({name})"  # (v*8)[88], not v*8[88]
            part = f"{indexed}[{element}] = {_number(value[element])}"
            notes.append(f"shape {shapes.shape_text(value)}")
        else:
            part = f"{name}: shape {shapes.shape_text(value)}"
        parts.append(part + (f" ({', '.join(notes)})" if notes else ""))
    return ", ".join(parts)


def _number(value) -> str:
    value = float(value)
    if value.is_integer() and abs(value) < 1e16 and (value != 0 or math.copysign(1.0, value) > 0):
        return repr(int(value))  # -1 for -1.0; but -0.0 keeps its sign, which 1/-0 = -inf shows
    return repr(value)
