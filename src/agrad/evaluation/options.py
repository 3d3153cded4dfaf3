"""RunOptions: everything agrad.run does beyond one backward pass, in one frozen object.

Built once, by the command line, a batch or agrad.run's keywords, and passed whole: a new
option is one field here and the code that reads it, not a parameter in six signatures.

A plain class with __slots__, frozen by its __setattr__, rather than a frozen dataclass:
dataclasses import `inspect` and compile their methods when the module is imported, which
measured several milliseconds of every one-shot start-up.
"""

from __future__ import annotations

# name: default. The order is the order of the constructor's keywords and of repr.
DEFAULTS = {
    "no_grad": frozenset(),  # variables that are leaves with requires_grad False
    "retain_grad": (),  # intermediates whose grad is kept (retain_grad())
    "hooks": (),  # (name, expression in g) pairs
    "backward_passes": 1,  # backward runs on the same graph; grads accumulate
    "zero_grad": False,  # zero the grads before each pass
    "trace": False,  # record each backward step
    "order": 0,  # derivatives up to this order
    "taylor": True,  # --order in Taylor mode where every op has a recurrence; False: nested backward passes
    "hessian": False,
    "dtype": "float64",
    "gradient": None,  # the seed backward starts from (a number or a vector); None for 1.0
    "jacobian": False,  # the full Jacobian instead of backward
    "jvp": None,  # --jvp: ((name, tangent), ...), the forward-mode product instead of backward
    "max_source_bytes": None,  # the source cap (limits.py); None for the default
    "max_nodes": None,  # the cost bounds of one evaluation (limits.py); None for the defaults
    "max_backward_steps": None,
    "max_hessian_entries": None,
    "max_jacobian_entries": None,
    "fast": True,  # False: never the compiled scalar path, always the engine
    "grads_in": False,  # keep the gradient that reached each node in the last pass (the pretty tree shows it)
    "check": 0,  # --check: 1 compares the gradients with central differences, 2 the second derivatives too
    "check_eps": 1e-6,  # its step and tolerances (torch.autograd.gradcheck's defaults)
    "check_atol": 1e-5,
    "check_rtol": 1e-3,
    "anomaly": False,  # --anomaly: the first nan (in forward, or inf from finite inputs) is an error (engine/anomaly.py)
    "max_check_evaluations": None,  # --check's bound (limits.py); None for the default
}

# The options that add lines to a job's output (plain) or have no csv column: flag, default.
EXTRA_OUTPUT = {"backward_passes": ("--backward", 1), "trace": ("--trace", False), "order": ("--order", 0),
                "hessian": ("--hessian", False), "jacobian": ("--jacobian", False),
                "check": ("--check", 0)}


class RunOptions:
    """How to run one program (agrad.run's options). Frozen: `replace` makes a changed copy.
    `plain` (computed once) says whether the options leave a scalar program to the compiled
    fast path: none of the lessons' options, float64, no seed, no Jacobian."""

    __slots__ = tuple(DEFAULTS) + ("plain",)

    def __init__(self, **given):
        unknown = [name for name in given if name not in DEFAULTS]
        if unknown:
            raise TypeError(f"RunOptions() got an unexpected keyword argument '{unknown[0]}'")
        values = {**DEFAULTS, **given}
        values["no_grad"] = frozenset(values["no_grad"])
        values["retain_grad"] = tuple(values["retain_grad"])
        values["hooks"] = tuple(tuple(hook) for hook in values["hooks"])
        values["backward_passes"] = int(values["backward_passes"])
        values["order"] = int(values["order"])
        values["check"] = int(values["check"])
        v = values
        values["plain"] = bool(v["fast"]) and not (v["no_grad"] or v["retain_grad"] or v["hooks"] or v["zero_grad"]
                                                   or v["trace"] or v["order"] or v["hessian"] or v["jacobian"] or v["check"]
                                                   or v["anomaly"]) \
            and v["backward_passes"] == 1 and v["dtype"] == "float64" and v["gradient"] is None \
            and v["jvp"] is None
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise AttributeError(f"RunOptions is frozen: use options.replace({name}=...)")

    def __delattr__(self, name):
        raise AttributeError("RunOptions is frozen")

    def replace(self, **changes) -> "RunOptions":
        return RunOptions(**{**self.given(), **changes}) if changes else self

    def given(self) -> dict:
        """The options that differ from their defaults, by name."""
        out = {}
        for name, default in DEFAULTS.items():
            value = getattr(self, name)
            if value is not default and (name in ("gradient", "jvp") or value != default):  # (a seed may be an array)
                out[name] = value
        return out

    def __repr__(self):
        return "RunOptions(" + ", ".join(f"{n}={v!r}" for n, v in self.given().items()) + ")"

    def __reduce__(self):  # sent to batch workers: rebuilt from the given options
        return (_rebuild, (self.given(),))


def _rebuild(given: dict) -> RunOptions:
    return RunOptions(**given)


DEFAULT = RunOptions()
