"""torch.optim trajectories for `agrad minimize`: each optimizer and option of torch 2.13 (CPU,
float64, the single-tensor implementations torch picks for CPU tensors) run for 100 steps on
several functions, each variable a 0-d parameter. Record them (tests/test_minimize.py compares
agrad with the record bit for bit, without torch):

    PYTHONPATH=src python tests/torch_reference/generate_optim.py

Each case records the parameters after every step and the loss before it. Where torch's float64
sqrt (MKL's vector sqrt) rounds differently from the correctly rounded one, the case records the
input and torch's value (`sqrt_fixes`), so that the test can run agrad's update rules with
torch's sqrt values and compare every other operation bit for bit; a case without fixes is
compared with agrad's own sqrt too.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = HERE / "optim_cases.json"
STEPS = 100

TARGET = [1, -0.5, 2, 0.3, -1.2, 0.7, 1.5, -2, 0.1, 0.9]

# (name, agrad source, torch function, start)
FUNCTIONS = [
    ("rosenbrock", "(1-x)^2 + 100*(y-x^2)^2", lambda t, v: (1 - v["x"]) ** 2 + 100 * (v["y"] - v["x"] ** 2) ** 2,
     {"x": -1.5, "y": 2.0}),
    ("bowl", "(x - 3)^2 + 2*(y + 1)^2", lambda t, v: (v["x"] - 3) ** 2 + 2 * (v["y"] + 1) ** 2, {"x": 0.0, "y": 0.0}),
    ("trig", "sin(x)*cos(w) + 0.1*x^2 + exp(-w^2)", lambda t, v: t.sin(v["x"]) * t.cos(v["w"]) + 0.1 * v["x"] ** 2
     + t.exp(-v["w"] ** 2), {"x": 1.3, "w": 0.4}),
    ("one", "log(1 + exp(a)) - 0.3*a", lambda t, v: t.log(1 + t.exp(v["a"])) - 0.3 * v["a"], {"a": 2.0}),
    # a 1-D parameter of 10 elements (torch's kernels run 8 at a time, then one by one) and a 0-d one;
    # their gradients are elementwise (a reduction's gradient of a broadcast scalar would be a sum,
    # whose order torch's kernels choose: see README, "How close to PyTorch")
    ("vector", f"sum((v - [{', '.join(map(str, TARGET))}])^2) + 0.01*sum(v^4) + (w - 1)^2*w",
     lambda t, v: ((v["v"] - t.tensor(TARGET, dtype=t.float64)) ** 2).sum() + 0.01 * (v["v"] ** 4).sum()
     + (v["w"] - 1) ** 2 * v["w"],
     {"v": [0.5, -1.0, 1.5, 0.0, 2.0, -0.3, 0.8, 1.1, -1.7, 0.25], "w": 1.2}),
]

OPTIONS = {
    "sgd": [{"lr": 1e-3}, {"lr": 1e-3, "momentum": 0.9}, {"lr": 1e-3, "momentum": 0.9, "nesterov": True},
            {"lr": 1e-3, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.05}, {"lr": 1e-3, "maximize": True},
            {"lr": 1e-3, "weight_decay": 0.1, "momentum": 0.5, "nesterov": True}],
    "adam": [{"lr": 0.01}, {"lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-6}, {"lr": 0.01, "amsgrad": True},
             {"lr": 0.01, "weight_decay": 0.1}, {"lr": 0.01, "maximize": True}],
    "adamw": [{"lr": 0.01}, {"lr": 0.01, "weight_decay": 0.3, "amsgrad": True},
              {"lr": 0.02, "betas": [0.85, 0.995], "eps": 1e-7, "maximize": True}],
    "rmsprop": [{"lr": 0.01}, {"lr": 0.01, "alpha": 0.9, "centered": True}, {"lr": 0.01, "momentum": 0.5},
                {"lr": 0.005, "weight_decay": 0.1, "centered": True, "momentum": 0.3, "eps": 1e-6},
                {"lr": 0.01, "maximize": True}],
    "adagrad": [{"lr": 0.1}, {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1},
                {"lr": 0.1, "weight_decay": 0.1, "eps": 1e-8, "maximize": True}],
}


def run_torch(torch, optimizer: str, options: dict, function, start: dict) -> dict:
    classes = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
               "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}
    params = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in start.items()}
    flat = (lambda: [x for p in params.values() for x in (p.tolist() if p.dim() else [p.item()])])
    kwargs = {k: tuple(v) if k == "betas" else v for k, v in options.items()}
    opt = classes[optimizer](list(params.values()), **kwargs)
    losses, points = [], []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = function(torch, params)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        points.append(flat())
    return {"losses": losses, "points": points}


def main() -> None:
    import torch

    from agrad.evaluation import minimize, optimizers

    def torch_sqrt(x: float) -> float:
        return torch.tensor(x, dtype=torch.float64).sqrt().item()

    cases = []
    for fname, source, function, start in FUNCTIONS:
        for optimizer, option_list in OPTIONS.items():
            for options in option_list:
                record = run_torch(torch, optimizer, options, function, start)
                if not all(map(math.isfinite, record["losses"] + [v for p in record["points"] for v in p])):
                    continue  # (maximizing Rosenbrock leaves the float range: the CLI's stopping rule is tested apart)
                fixes = {}

                def recording_sqrt(x: float) -> float:
                    value = torch_sqrt(x)
                    if value != math.sqrt(x):
                        fixes[repr(x)] = value
                    return value

                settings = optimizers.settings(optimizer, {k: tuple(v) if k == "betas" else v
                                                           for k, v in options.items()})
                mine = list(minimize.descend(source, start, optimizer, settings, STEPS, 0.0, sqrt=recording_sqrt))
                assert [minimize.parameters(s.values)[2] for s in mine[1:]] == record["points"], \
                    (fname, optimizer, options)
                cases.append({"function": fname, "source": source, "start": start, "optimizer": optimizer,
                              "options": options, "sqrt_fixes": fixes, **record})
    CASES.write_text(json.dumps({"torch": torch.__version__, "steps": STEPS, "cases": cases}, indent=None) + "\n")
    print(f"{len(cases)} cases, {sum(1 for c in cases if c['sqrt_fixes'])} with torch's sqrt rounding otherwise")


if __name__ == "__main__":
    main()
