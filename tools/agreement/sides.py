"""Each case run twice: by agrad's Python API, and by torch on the same syntax tree (the tree of
tests/torch_reference/generate_vectors.py, whose torch_value computes it the way a user would write
it: each variable a leaf that requires grad, each literal a Python number).

Both sides give {"error": text} or {"parts": {name: value}}, with the same part names: value,
grad_fn, grad:NAME, passN:NAME (--backward), dK:NAME (--order), hessian, jacobian:NAME.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from torch_reference import generate_vectors as reference  # noqa: E402  (after the path)

import agrad  # noqa: E402

CONSTANTS = {"pi": 3.141592653589793, "e": 2.718281828459045}


def _plain(value):
    """A value as floats and lists of floats (tensors, numpy and tuples made plain)."""
    if hasattr(value, "detach"):  # a tensor: cloned first, as a gradient may be a view without storage
        value = value.detach().clone().tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return None if value is None else float(value)


# -- agrad ------------------------------------------------------------------------------------

def agrad_result(case: dict) -> dict:
    options = dict(case.get("options", {}))
    if "hooks" in options:
        options["hooks"] = tuple(tuple(pair) for pair in options["hooks"])
    if "retain_grad" in options:
        options["retain_grad"] = tuple(options["retain_grad"])
    if "no_grad" in options:
        options["no_grad"] = frozenset(options["no_grad"])
    try:
        r = agrad.run(case["source"], dict(case["bindings"]), dtype=case.get("dtype", "float64"), **options)
    except agrad.AgradError as exc:
        return {"error": exc.message}
    parts = {"value": _plain(r.value), "grad_fn": r.grad_fn}
    for name in [*case["bindings"], *options.get("retain_grad", ())]:
        parts[f"grad:{name}"] = _plain(r.grads.get(name))
    if options.get("backward_passes", 1) > 1:
        for i, grads in enumerate(r.passes, 1):
            parts.update({f"pass{i}:{name}": _plain(g) for name, g in grads.items() if name in case["bindings"]})
    if r.derivatives:
        for name, ds in r.derivatives.items():
            parts.update({f"d{k}:{name}": _plain(d) for k, d in enumerate(ds, 1)})
    if r.hessian:
        parts["hessian"] = _plain(r.hessian[1])
    if r.jacobian:
        parts.update({f"jacobian:{name}": _plain(j) for name, j in r.jacobian.items()})
    return {"parts": parts}


# -- torch ------------------------------------------------------------------------------------

def _used_order(source: str, names) -> list[str]:
    """The variables in order of first appearance in the source (agrad's order), then the rest."""
    seen = [t for t in re.findall(r"[A-Za-z_]\w*", source) if t in names]
    return list(dict.fromkeys([*seen, *names]))


def torch_result(case: dict) -> dict:
    """torch's parts for a case; {"error": first line} where torch raises; None where Python's
    arithmetic of the literals raises (1/0, or a complex power: the README's convention is IEEE
    there, which torch as a user would write it does not reach)."""
    import torch

    try:
        return {"parts": _torch_parts(torch, case)}
    except (RuntimeError, IndexError) as exc:
        return {"error": str(exc).splitlines()[0]}
    except (ZeroDivisionError, OverflowError, TypeError):
        return None


def _torch_parts(torch, case: dict) -> dict:
    dtype = getattr(torch, case.get("dtype", "float64"))
    options = case.get("options", {})
    no_grad = set(options.get("no_grad", ()))
    leaves = {name: torch.tensor(value, dtype=dtype, requires_grad=name not in no_grad)
              for name, value in case["bindings"].items()}
    tree = python_literals(case.get("inner", case["source"]))

    retained = {}

    def forward(env):
        env = {**CONSTANTS, **env}
        if "assign" in case:  # NAME = EXPR; then the source, with NAME.retain_grad() (--retain-grad)
            name, text = case["assign"]
            value = reference.torch_value(python_literals(text), env)
            if not isinstance(value, torch.Tensor):  # a number: the user's torch.tensor(number)
                value = torch.tensor(value, dtype=dtype)
            value.retain_grad()  # (raises for a constant, as it does in torch)
            env[name] = retained[name] = value
        out = reference.torch_value(tree, env)
        for name in case.get("wrt", ()):  # grad(grad(f, x), x): autograd.grad, create_graph=True
            if not (isinstance(out, torch.Tensor) and out.requires_grad):
                raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
            (out,) = torch.autograd.grad(out, env[name], create_graph=True)
        return out if isinstance(out, torch.Tensor) else torch.tensor(out, dtype=dtype)

    if options.get("hessian") or options.get("jacobian"):
        return _functional(torch, case, leaves, forward, "hessian" if options.get("hessian") else "jacobian")
    for name, text in options.get("hooks", ()):
        hook_tree = python_literals(text)
        leaves[name].register_hook(lambda g, t=hook_tree: reference.torch_value(t, {**CONSTANTS, "g": g}))
    out = forward(leaves)
    parts = {"value": _plain(out), "grad_fn": None if out.grad_fn is None else out.grad_fn.name()}
    if options.get("order"):
        parts.update(_derivatives(torch, out, leaves, options["order"]))
    passes = options.get("backward_passes", 1)
    seed = options.get("gradient")
    if out.requires_grad:
        for i in range(1, passes + 1):
            if options.get("zero_grad"):
                for leaf in leaves.values():
                    leaf.grad = None
            out.backward(None if seed is None else torch.tensor(seed, dtype=dtype), retain_graph=i < passes)
            if passes > 1:
                parts.update({f"pass{i}:{n}": None if t.grad is None else _plain(t.grad)
                              for n, t in leaves.items()})
    elif seed is None:
        pass  # nothing to differentiate: no grads (agrad does not run backward either)
    for name, leaf in {**leaves, **retained}.items():
        grad = getattr(leaf, "grad", None)
        parts[f"grad:{name}"] = None if grad is None else _plain(grad)
    return parts


def python_literals(source: str):
    """generate_vectors' tree of the source, with each literal written as an integer (`2`, `0`)
    a Python int, as a user's Python would have it: `-(0*0)` is the int 0, not -0.0."""
    from agrad.language import syntax_tree as st
    from agrad.language.parser import parse

    def numbers(node):  # in the order ast_tree converts them (an index is no number there)
        if isinstance(node, st.Number):
            yield node
        elif isinstance(node, st.Index):
            yield from numbers(node.target)
        else:
            for kid in st.children(node):
                yield from numbers(kid)

    (statement,) = parse(source).statements
    texts = iter([n.text for n in numbers(statement)])

    def rewrite(tree):
        if tree[0] == "num":
            text = next(texts)
            return ("num", int(text) if text.isdigit() else tree[1])
        if tree[0] == "vec":
            return ("vec", [rewrite(item) for item in tree[1]])
        return tuple(rewrite(part) if isinstance(part, tuple) else part for part in tree)

    tree = rewrite(reference.ast_tree(source))
    assert next(texts, None) is None, source
    return tree


def _derivatives(torch, out, leaves, order) -> dict:
    """d^k out / d name^k for each variable, k = 1..order; 0 once a derivative is a constant."""
    parts = {}
    for name, leaf in leaves.items():
        g = out
        for k in range(1, order + 1):
            if isinstance(g, torch.Tensor) and g.requires_grad:
                (g,) = torch.autograd.grad(g, leaf, create_graph=True, allow_unused=True, materialize_grads=True)
            else:
                g = torch.zeros((), dtype=out.dtype)
            parts[f"d{k}:{name}"] = _plain(g)
    return parts


def _functional(torch, case, leaves, forward, which) -> dict:
    """torch.autograd.functional.hessian / jacobian over the variables in agrad's order; the
    Hessian as one matrix over every element (x[0], x[1], ..., w), as agrad gives it."""
    names = _used_order(case["source"], list(leaves))
    names = [n for n in names if leaves[n].requires_grad]

    def f(*values):
        return forward({**leaves, **dict(zip(names, values))})

    inputs = tuple(leaves[n].detach() for n in names)
    if which == "jacobian":
        jac = torch.autograd.functional.jacobian(f, inputs)
        value = f(*inputs)
        return {"value": _plain(value),
                **{f"jacobian:{n}": _plain(j) for n, j in zip(names, jac)}}
    hess = torch.autograd.functional.hessian(f, inputs)
    sizes = [max(1, t.numel()) for t in inputs]
    rows = []
    for i, size_i in enumerate(sizes):
        blocks = [hess[i][j].reshape(size_i, sizes[j]) for j in range(len(sizes))]
        rows.extend(torch.cat(blocks, dim=1))
    return {"hessian": _plain(rows)}
