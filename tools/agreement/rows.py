"""Rows of the table: each case's class (the worst of its parts), the differences agrad makes on
purpose (each with its reason), and the table itself."""

from __future__ import annotations

import math
import re

from .compare import DIFFERENT, RAISES, worst



def _unused(case, mine, theirs) -> bool:
    """grad(f, x) where f does not depend on x (or no longer does): agrad gives 0, as the README's
    "Higher order" says; torch raises unless given allow_unused=True, materialize_grads=True."""
    raised = theirs.get("error", "")
    return bool(case.get("wrt")) and "error" not in mine and (
        "appears to not have been used" in raised or "does not require grad and does not have" in raised)


def _vector_overflow(case, mine, theirs) -> bool:
    """torch's vectorized cosh and sinh (16+ elements) overflow to inf a little below the float64
    limit (cosh(710) = 1.117e308); agrad gives the correctly rounded finite value."""
    if "parts" not in mine or "parts" not in theirs or not isinstance(theirs["parts"].get("value"), list):
        return False
    if not any(f in case["source"] for f in ("cosh", "sinh")):
        return False
    for name, value in theirs["parts"].items():
        other = mine["parts"].get(name)
        if not isinstance(value, list) or not isinstance(other, list) or len(value) != len(other):
            continue
        for t, a in zip(value, other):
            if t != a and not (t != t and a != a) and not (math.isinf(t) and abs(a) > 1e307):
                if abs(t - a) > 1e-9 * abs(t):
                    return False
    return True


def _constant(case, mine, theirs) -> bool:
    """--order or --hessian of an output built from constants only: agrad gives no derivatives
    and says that torch's backward raises there; torch's functional.hessian gives zeros."""
    options = case.get("options", {})
    if not (options.get("order") or options.get("hessian")) or "parts" not in mine or "parts" not in theirs:
        return False
    if mine["parts"].get("grad_fn") is not None:
        return False
    derived = [v for k, v in theirs["parts"].items() if k == "hessian" or k[0] == "d" and k[1:2].isdigit()]
    return all(x == 0 for v in derived for x in _numbers(v))


def _numbers(value):
    if isinstance(value, list):
        for item in value:
            yield from _numbers(item)
    elif isinstance(value, float):
        yield value


# Differences where agrad is the correctly rounded one, or follows a documented rule, on purpose:
# (reason, predicate on the case and both results), tried for a case whose parts differ.
ON_PURPOSE = [
    ("grad() of what does not depend on x is 0 (README, Higher order); torch raises", _unused),
    ("torch's vectorized cosh and sinh overflow below the limit (cosh(710) in 16+ elements is inf)",
     _vector_overflow),
    ("a constant output has no derivatives (agrad: none; torch's functional.hessian: zeros)", _constant),
]


def _near_zero(case, mine, theirs, names: bool = True) -> bool:
    """Every differing number is within 1e-12 of torch's (1e-6 in float32): a result near 0 made
    of terms that cancel, where a last-bit difference in a term is many ulps of the result."""
    if "parts" not in mine or "parts" not in theirs:
        return False
    limit = 1e-6 if case.get("dtype") == "float32" else 1e-12
    for name, value in theirs["parts"].items():
        other = mine["parts"].get(name)
        if name == "grad_fn":
            if other != value and names:
                return False
            continue
        a, t = list(_numbers(other)), list(_numbers(value))
        if (other is None) != (value is None) or len(a) != len(t):
            return False
        for x, y in zip(a, t):
            if x != y and not (x != x and y != y) and not abs(x - y) <= limit:
                return False
            if x != y and max(abs(x), abs(y)) < 1e-300:  # underflow: 0 against a subnormal is no cancellation
                return False
    return True


def _issue16(case, mine, theirs, bad: set) -> str | None:
    """The classes issue 16 lists (fixed in parallel: this goes when they are merged), by the
    first that applies; `bad` holds the names of the parts that differ."""
    if case["row"] == "error texts":
        return "issue 16: error texts"
    # (-0 is Python's int 0, whose negation has no sign: x / -0 is +inf in torch for x > 0)
    negative_zero = re.search(r"-\s*0(?![\d.eE])", case["source"])
    if case["row"].startswith("literal parts") or negative_zero or _function_of_literals(case["source"]):
        return "issue 16: literals (Python's int arithmetic; a function of literals is a tensor in torch)"
    options = case.get("options", {})
    derivative = case.get("wrt") or options.get("order") or options.get("hessian")
    if derivative and (bad <= {"grad_fn"} or any(f in case["source"] for f in BACKWARD_FUNCTIONS)
                       or _near_zero(case, mine, theirs, names=False)):
        return "issue 16: derivative graphs (torch's *_backward functions: names and values at their edges)"
    if case.get("dtype") == "float32" and options.get("gradient") is not None:
        return "issue 16: float32 seed not rounded"
    return None


# the functions whose derivative torch computes by a backward function of its own (tanh_backward,
# threshold_backward, ...), whose derivative graphs issue 16 names
BACKWARD_FUNCTIONS = ("relu", "softplus", "logsigmoid", "gelu", "silu", "tanh", "sigmoid")


def _function_of_literals(source: str) -> bool:
    """Whether a function is called on literals alone (`sin(2)`): agrad folds it to a number,
    torch's result is a tensor (PowBackward1 rather than PowBackward0, DivBackward0 rather than
    MulBackward0 over a reciprocal, ...)."""
    from agrad.language import syntax_tree as st
    from agrad.language.parser import parse

    def literal(node):
        return isinstance(node, st.Number) or isinstance(node, st.Name) and node.id in ("pi", "e") or (
            not isinstance(node, (st.Name, st.Index, st.Vector)) and all(literal(k) for k in st.children(node)))

    stack = list(parse(source).statements)
    while stack:
        node = stack.pop()
        if isinstance(node, st.Call) and node.args and all(literal(a) for a in node.args):
            return True
        stack.extend(st.children(node))
    return False


# Differences that are neither agrad's choice nor a torch limit, named so that a new one stands
# out: (label, predicate). The issue 16 labels go once its fixes are merged and re-measured.
KNOWN = [("near 0: last bits amplified by cancellation", _near_zero)]

TOTAL = "all rows"
COLUMNS = ("cases", "bit for bit", "within 1 ulp", "within N ulps", "N", "near 0", "differ on purpose",
           "issue 16", "differ")


def classify(case: dict, mine: dict, theirs: dict, distances: dict) -> str:
    """'bit', 'ulp:K' (K >= 1), 'purpose:REASON', 'known:LABEL', 'different' or 'raises'."""
    bad = worst(distances.values())
    if bad in (DIFFERENT, RAISES):
        for reason, applies in ON_PURPOSE:
            if applies(case, mine, theirs):
                return f"purpose:{reason}"
        for label, applies in KNOWN:
            if applies(case, mine, theirs):
                return f"known:{label}"
        label = _issue16(case, mine, theirs, {name for name, d in distances.items() if d in (DIFFERENT, RAISES)})
        return f"known:{label}" if label else bad
    return "bit" if bad == 0 else f"ulp:{bad}"


def counts(measured: list[dict]) -> dict:
    """{row: {column: number}} in the order rows first appear."""
    rows: dict = {}
    for m in measured:
        row = rows.setdefault(m["case"]["row"], dict.fromkeys(COLUMNS, 0))
        kind = m["class"]
        row["cases"] += 1
        if kind == "bit":
            row["bit for bit"] += 1
        elif kind.startswith("ulp:"):
            k = int(kind[4:])
            row["within 1 ulp" if k == 1 else "within N ulps"] += 1
            row["N"] = max(row["N"], k)
        elif kind.startswith("purpose:"):
            row["differ on purpose"] += 1
        elif kind.startswith("known:near 0"):
            row["near 0"] += 1
        elif kind.startswith("known:issue 16"):
            row["issue 16"] += 1
        else:
            row["differ"] += 1
    return rows


def table(measured: list[dict], markdown: bool = False) -> str:
    rows = counts(measured)
    total = {c: (max if c == "N" else sum)(r[c] for r in rows.values()) for c in COLUMNS}
    head = ("row",) + COLUMNS
    lines = []
    for name, row in [*rows.items(), (TOTAL, total)]:
        lines.append((name,) + tuple(f"{row[c]:,}" for c in COLUMNS))
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(line) + " |" for line in lines]
        return "\n".join(out)
    widths = [max(len(x[i]) for x in [head] + lines) for i in range(len(head))]
    def line(cells):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join(line(cells) for cells in [head] + lines)


def reasons(measured: list[dict]) -> str:
    """How many cases each reason of a difference explains, and one example of each (the cases
    no reason explains first: those are new)."""
    seen: dict = {}
    for m in measured:
        kind = m["class"]
        if kind == "bit" or kind.startswith("ulp:"):
            continue
        label = kind.split(":", 1)[1] if ":" in kind else f"UNEXPLAINED ({kind})"
        count, example = seen.get(label, (0, m["case"]))
        seen[label] = (count + 1, example)
    order = sorted(seen, key=lambda label: (not label.startswith("UNEXPLAINED"), -seen[label][0]))
    lines = []
    for label in order:
        count, case = seen[label]
        options = " ".join(f"{k}={v}" for k, v in case.get("options", {}).items() if k != "gradient")
        bindings = {k: v for k, v in case["bindings"].items() if not isinstance(v, list) or len(v) < 6}
        lines.append(f"{count:6}  {label}\n        e.g. {case['source']}  {bindings}  {options}".rstrip())
    return "\n".join(lines)
