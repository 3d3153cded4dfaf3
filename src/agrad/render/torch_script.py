"""`--emit torch`: one program, its bindings and its options as a runnable PyTorch script.

The script makes each variable a float64 leaf (`torch.tensor(..., requires_grad=True)`, a vector
as a list), runs the program in torch calls (render/torch_expressions.py), translates the
lesson options (--backward N with retain_graph=True and each pass's .grad, --zero-grad, --hook
as register_hook, --no-grad, --retain-grad, --gradient, --order, --hessian and --jacobian as
torch.autograd.functional) and prints one JSON line with the fields of agrad's --format json, in
the same order, numbers as agrad writes them (inf and nan as text). "notes" are agrad's words,
not a computation, and are left out.

The program is run by agrad first: a program agrad refuses is refused with agrad's error, and
the script is written from what the run found (which names are retained, which fields the
record has).
"""

from __future__ import annotations

import json

from agrad.engine import shapes
from agrad.errors import UsageError
from agrad.evaluation.options import RunOptions
from agrad.language import syntax_tree as st
from agrad.language.parser import parse
from agrad.render.torch_expressions import Emitter, number_text, python_names

HELPERS = {
    "as_json": '''def as_json(value):
    """A number, a tensor or a list as agrad's JSON writes it: inf and nan as text."""
    if value is None:
        return None
    if isinstance(value, torch.Tensor):
        value = value.tolist()
    if isinstance(value, list):
        return [as_json(v) for v in value]
    value = float(value)
    return value if math.isfinite(value) else str(value)''',
    "grad_of": '''def grad_of(f, x):
    """agrad's grad(f, x): torch.autograd.grad with create_graph=True, zeros where f does not depend on x."""
    if not f.requires_grad:
        return torch.zeros_like(x)
    (g,) = torch.autograd.grad(f, x, create_graph=True, allow_unused=True)
    return torch.zeros_like(x) if g is None else g''',
    "derivatives_of": '''def derivatives_of(out, x, n):
    """d^k out / dx^k for k = 1..n, each pass differentiating the last (create_graph=True)."""
    values, current = [], out
    for _ in range(n):
        g = None
        if current.requires_grad:
            (g,) = torch.autograd.grad(current, x, create_graph=True, allow_unused=True)
        current = torch.zeros_like(out) if g is None else g
        values.append(as_json(current))
    return values''',
    "hessian_matrix": '''def hessian_matrix(blocks, inputs):
    """torch.autograd.functional.hessian's blocks as one matrix, a vector counting as its elements."""
    sizes = [t.numel() for t in inputs]
    return torch.cat([torch.cat([blocks[i][j].reshape(sizes[i], sizes[j]) for j in range(len(inputs))], dim=1)
                      for i in range(len(inputs))], dim=0)''',
}

# agrad's options that have no torch code to become
REFUSED = {"trace": "--trace (agrad's own record of the backward pass)",
           "check": "--check (agrad's gradcheck; torch.autograd.gradcheck is its own script)"}


def emit_torch(source: str, bindings: dict | None = None, options: RunOptions | None = None, **keywords) -> str:
    """The PyTorch script of `source` with `bindings` and the options (a RunOptions or its fields
    as keywords, as agrad.run takes them). Runs the program with agrad first: an error there is
    raised as agrad.run raises it; options with no torch form raise UsageError."""
    from agrad.evaluation.api import run

    options = options or RunOptions()
    if keywords:
        options = options.replace(**keywords)
    refuse(options)
    result = run(source, dict(bindings or {}), options.replace(fast=False))
    return script(source, result, options)


def refuse(options: RunOptions) -> None:
    """The options --emit torch cannot write (a UsageError, exit 2)."""
    for name, what in REFUSED.items():
        if getattr(options, name):
            raise UsageError(f"--emit torch cannot write {what}: leave it out")
    if options.hooks and (options.jacobian or options.hessian):
        raise UsageError("--emit torch cannot write --hook with --jacobian or --hessian: torch.autograd.functional "
                         "runs the program again on new inputs, where the hooks are not registered")


def script(source: str, result, options: RunOptions) -> str:
    """The script of a program agrad ran (result: its Result, from the engine)."""
    program = parse(source)
    variables = result.variables
    assigned = [s.name for s in program.statements if isinstance(s, st.Assign)]
    names = python_names(list(variables) + [n for n in assigned if n not in variables])
    body = Emitter(names)
    out = None
    for statement in program.statements:
        if isinstance(statement, st.Assign):
            body.statement(statement.value, names[statement.name])
            out = names[statement.name]
        else:
            item = body.statement(statement, None)
            out = item.text
    lines = _header(source, options)
    helpers = ["as_json"] + ["grad_of"] * body.used_grad + ["derivatives_of"] * (result.derivatives is not None) \
        + ["hessian_matrix"] * (result.hessian is not None)
    for helper in dict.fromkeys(helpers):
        lines += [HELPERS[helper], "", ""]
    lines += _leaves(variables, names)
    lines += body.lines + [f"out = {out}", ""]
    returns_number = not _is_tensor(result)
    need_function = result.jacobian is not None or result.hessian is not None
    inputs = [names[n] for n, t in variables.items() if t.requires_grad]
    if need_function:
        lines += ["", f"def program({', '.join(inputs)}):", '    """The program again, as a function of the leaves '
                  'that require grad (for torch.autograd.functional)."""']
        lines += ["    " + line for line in body.lines] + [f"    return {out}", "", ""]
    lines += _lessons(result, options, names)
    lines += _record(source, result, names, returns_number, inputs)
    return "\n".join(lines) + "\n"


def _is_tensor(result) -> bool:
    return result.output is not None and not result.output.is_number


def _header(source: str, options: RunOptions) -> list[str]:
    dtype = "torch.float32" if options.dtype == "float32" else "torch.float64"
    return [f"# {source!r} in PyTorch, written by agrad's --emit torch. It prints one JSON line with",
            "# the fields of agrad's --format json (without agrad's notes).",
            "import json", "import math", "", "import torch", "", f"torch.set_default_dtype({dtype})", "", ""]


def _leaves(variables: dict, names: dict) -> list[str]:
    lines = []
    for name, t in variables.items():
        value = t.value
        text = number_text(value) if shapes.is_scalar(value) else f"[{', '.join(map(number_text, value.tolist()))}]"
        grad = ", requires_grad=True" if t.requires_grad else ""
        lines.append(f"{names[name]} = torch.tensor({text}{grad})")
    return lines


def _lessons(result, options: RunOptions, names: dict) -> list[str]:
    """retain_grad, hooks and the backward passes, as agrad runs them after the program."""
    lines = []
    for name in result.retained:
        lines.append(f"{names[name]}.retain_grad()")
    for k, (name, expression) in enumerate(options.hooks):
        lines += _hook(k, name, expression, names)
    if result.jacobian is not None or not result.requires_grad:
        return lines
    grads = _grads_text(result, names)
    seed = "" if result.gradient is None else "gradient=seed"
    if result.gradient is not None:
        lines.append(f"seed = torch.tensor({json_number_list(result.gradient)})")
    keep = options.backward_passes > 1 or options.order > 0 or options.hessian
    arguments = ", ".join(filter(None, [seed, "retain_graph=True" if keep else ""]))
    if options.backward_passes == 1:
        return lines + [f"out.backward({arguments})", f"grads = {grads}", ""]
    lines += ["passes = []", f"for _ in range({options.backward_passes}):"]
    if options.zero_grad:
        cleared = [names[n] for n in list(result.variables) + list(result.retained)]
        lines.append(f"    for t in ({', '.join(cleared)},):")
        lines.append("        t.grad = None  # zero_grad: torch's optimizers set None too")
    lines += [f"    out.backward({arguments})", f"    passes.append({grads})", "grads = passes[-1]", ""]
    return lines


def _hook(k: int, name: str, expression: str, names: dict) -> list[str]:
    """A hook written in g, as a function registered on the tensor: its value replaces the gradient."""
    program = parse(expression)
    body = Emitter(python_names(["g"] + [s.name for s in program.statements if isinstance(s, st.Assign)]))
    out = None
    for statement in program.statements:
        target = body.names[statement.name] if isinstance(statement, st.Assign) else None
        item = body.statement(statement.value if target else statement, target)
        out = item.text if item.number is None else f"torch.full_like(g, {number_text(float(item.number))})"
    return ["", f"def hook_{k}(g):", f"    # --hook {name}={expression}"] + ["    " + line for line in body.lines] + \
        [f"    return {out}", "", "", f"{names[name]}.register_hook(hook_{k})"]


def _grads_text(result, names: dict) -> str:
    return "{" + ", ".join(f"{json.dumps(n)}: as_json({names[n]}.grad)" for n in result.grads) + "}"


def json_number_list(value) -> str:
    if isinstance(value, (int, float)):
        return number_text(float(value))
    return "[" + ", ".join(number_text(float(v)) for v in value) + "]"


def _record(source: str, result, names: dict, returns_number: bool, inputs: list[str]) -> list[str]:
    grad_fn = "None" if returns_number else "None if out.grad_fn is None else out.grad_fn.name()"
    lines = [f"record = {{\"expr\": {source!r}, \"value\": as_json(out), \"grad_fn\": {grad_fn}}}"]
    if result.gradient is not None:
        lines.append('record["gradient"] = as_json(seed)')
    if result.jacobian is not None:
        lines.append(f"jac = torch.autograd.functional.jacobian(program, ({''.join(i + ', ' for i in inputs)}))")
        parts = []
        at = {name: k for k, name in enumerate(inputs)}
        for n in result.jacobian:
            if names[n] in at:
                parts.append(f"{json.dumps(n)}: as_json(jac[{at[names[n]]}])")
            else:  # a leaf that requires no grad: zeros, as agrad gives (functional would differentiate it)
                parts.append(f"{json.dumps(n)}: as_json(torch.zeros(out.shape + {names[n]}.shape))")
        lines.append('record["jacobian"] = {' + ", ".join(parts) + "}")
    elif result.requires_grad:
        lines.append('record["grads"] = grads')
    else:  # nothing requires grad: torch's backward() would raise; every .grad is None
        lines.append('record["grads"] = ' + _grads_text(result, names))
    if result.dtype != "float64":
        lines.append(f'record["dtype"] = {result.dtype!r}')
    if len(result.passes) > 1:
        lines.append('record["passes"] = passes')
    if result.derivatives is not None:
        order = len(next(iter(result.derivatives.values()), []))
        parts = [f"{json.dumps(n)}: derivatives_of(out, {names[n]}, {order})" for n in result.derivatives]
        lines.append('record["derivatives"] = {' + ", ".join(parts) + "}")
    if result.hessian is not None:
        variables = json.dumps(result.hessian[0])
        lines.append(f"blocks = torch.autograd.functional.hessian(program, ({''.join(i + ', ' for i in inputs)}))")
        lines.append(f'record["hessian"] = {{"variables": {variables}, '
                     f'"matrix": as_json(hessian_matrix(blocks, ({"".join(i + ", " for i in inputs)})))}}')
    return lines + ["print(json.dumps(record))"]
