"""Record what torch shows for the REPL's sessions (tests/test_repl.py holds agrad repl to it):
each session is a list of `agrad repl` lines and the same steps written in torch by hand below,
and the record is, for every line that shows something, torch's value (a float or a list), its
grad_fn name, or the text of the error torch raises.

    python tests/torch_reference/generate_repl.py     # rewrites repl_cases.json (needs torch)

`:backward NAME` is `NAME.backward(retain_graph=True)` (the session keeps the graph, as agrad
eval --backward N does), `:backward NAME retain_graph=False` is torch's default call.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

torch.set_default_dtype(torch.float64)
OUT = Path(__file__).with_name("repl_cases.json")


def leaf(v):
    return torch.tensor(v, requires_grad=True)


def shown(t):
    return t.tolist() if isinstance(t, torch.Tensor) else t


def accumulation(say):
    x, w = leaf(3.0), leaf(1.0)
    y = (x + w) * 2
    say(y, y.grad_fn.name())
    for _ in range(3):
        y.backward(retain_graph=True)
        say(x.grad)
    x.grad = None
    w.grad = None
    y.backward(retain_graph=True)
    say(x.grad)
    say(w.grad)


def functions(say):
    x, w = leaf(0.3), leaf(0.7)
    y = torch.sin(x) * torch.exp(w)
    say(y, y.grad_fn.name())
    y.backward(retain_graph=True)
    say(x.grad)
    say(w.grad)
    y.backward(retain_graph=True)
    say(x.grad)
    say(w.grad)


def chained(say):
    x, w = leaf(1.5), leaf(-2.0)
    a = x * w
    say(a, a.grad_fn.name())
    b = a + x ** 2
    say(b, b.grad_fn.name())
    c = b * a
    say(c, c.grad_fn.name())
    c.backward(retain_graph=True)
    say(x.grad)
    say(w.grad)


def vectors(say):
    v = leaf([1.0, 2.0, 3.0])
    s = torch.sum(v ** 2) + torch.prod(v)
    say(s, s.grad_fn.name())
    s.backward(retain_graph=True)
    say(v.grad)


def cut(say):
    x = leaf(3.0)
    with torch.no_grad():
        z = x * 2
    say(z)
    q = z * x
    say(q, q.grad_fn.name())
    y = (x + 1) * 2
    say(y, y.grad_fn.name())
    d = y.detach()
    say(d)
    r = d * x + q
    say(r, r.grad_fn.name())
    r.backward(retain_graph=True)
    say(x.grad)


def freed(say):
    x, w = leaf(3.0), leaf(1.0)
    y = (x + w) * 2
    say(y, y.grad_fn.name())
    y.backward()
    say(x.grad)
    try:
        y.backward()
    except RuntimeError as exc:
        say(error=str(exc))
    s = x + w
    say(s, s.grad_fn.name())
    s.backward()
    s.backward()  # add saves nothing: a second pass needs no retain_graph
    say(x.grad)


SESSIONS = {
    "accumulation": (["x = 3", "w = 1", "y = (x + w) * 2", ":backward y", ":grad x", ":backward y", ":grad x",
                      ":backward y", ":grad x", ":zero_grad", ":backward y", ":grad x", ":grad w"], accumulation),
    "functions": (["x = 0.3", "w = 0.7", "y = sin(x) * exp(w)", ":backward y", ":grad x", ":grad w",
                   ":backward y", ":grad x", ":grad w"], functions),
    "chained": (["x = 1.5", "w = -2", "a = x * w", "b = a + x^2", "c = b * a", ":backward c", ":grad x",
                 ":grad w"], chained),
    "vectors": (["v = [1, 2, 3]", "s = sum(v^2) + prod(v)", ":backward s", ":grad v"], vectors),
    "cut": (["x = 3", ":no_grad z = x * 2", "q = z * x", "y = (x + 1) * 2", ":detach d = y", "r = d * x + q",
             ":backward r", ":grad x"], cut),
    "freed": (["x = 3", "w = 1", "y = (x + w) * 2", ":backward y retain_graph=False", ":grad x",
               ":backward y retain_graph=False", "s = x + w", ":backward s retain_graph=False",
               ":backward s retain_graph=False", ":grad x"], freed),
}


def main():
    cases = []
    for name, (lines, steps) in SESSIONS.items():
        shows = []

        def say(t=None, grad_fn=None, error=None):
            shows.append({"error": error} if error is not None else {"value": shown(t), "grad_fn": grad_fn})

        steps(say)
        cases.append({"name": name, "lines": lines, "shows": shows})
    OUT.write_text(json.dumps({"torch": torch.__version__, "cases": cases}, indent=1) + "\n", encoding="utf-8")
    print(f"{len(cases)} sessions written to {OUT}")


if __name__ == "__main__":
    main()
