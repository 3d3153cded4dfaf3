"""agrad.evaluate and agrad.run: source text and bindings in, value and gradients out."""

from __future__ import annotations

import gc

from agrad.evaluation import lessons
from agrad.compiled import scalar_tape
from agrad.engine import shapes
from agrad.language import syntax_tree as st
from agrad.errors import AgradError, BindingError
from agrad.limits import check_source
from agrad.evaluation.lowering import lower, make_variables
from agrad.evaluation.options import DEFAULT, RunOptions
from agrad.language.parser import parse
from agrad.engine.tensor import Tensor, backward, dtype_mode, is_grad_enabled, set_grad_enabled


class Result:
    """The output of one evaluation.

    value: the output's value, a float for a scalar and a list of floats for a vector; grads:
    each variable's gradient (a float, or a list of floats for a vector), in order of first
    appearance in the source, then the unused bindings, then retained intermediates, None where
    there is none (it does not require grad, or the output does not depend on it); output: the
    output Tensor, whose graph can be walked (its values are floats and numpy arrays); variables:
    the leaf Tensors by name; assigned: named intermediates; retained: the names of the retained
    intermediates among the grads. (A result of the fast scalar path builds output, variables
    and assigned with the engine when they are first read.)
    With run()'s options: passes (the grads after each backward pass), trace (the steps of each
    pass), derivatives ({name: [d1, d2, ...]}), hessian ((names, matrix)), notes (explanations),
    gradient (the seed backward started from; None for 1.0), jacobian ({name: the Jacobian of the
    output with respect to it, as nested lists}).
    """

    def __init__(self, source: str, value, grads: dict, output: Tensor, variables: dict | None = None,
                 assigned: dict | None = None, used: list | None = None, dtype: str = "float64"):
        # A plain class rather than a dataclass: dataclasses compile their methods at import,
        # which every agrad start-up would pay for.
        self.source = source
        self.value = value
        self.grads = grads
        self._output = output
        self._variables = {} if variables is None else variables
        self._assigned = {} if assigned is None else assigned
        self._engine = None  # on the fast path: runs the engine for output, variables and assigned
        self._fast = (None, False)  # on the fast path: the output's grad_fn and requires_grad
        self.used = [] if used is None else used
        self.retained: list = []
        self.passes: list = []
        self.trace: list = []
        self.derivatives: dict | None = None
        self.hessian: tuple | None = None
        self.notes: list = []
        self.dtype = dtype
        self._graph: list | None = None
        self.gradient = None  # the seed backward started from; None for 1.0
        self.jacobian: dict | None = None

    def __repr__(self):
        return f"Result(source={self.source!r}, value={self.value!r}, grads={self.grads!r}, grad_fn={self.grad_fn!r})"

    @property
    def output(self) -> Tensor:
        if self._engine is not None:
            self._from_engine()
        return self._output

    @property
    def variables(self) -> dict:
        if self._engine is not None:
            self._from_engine()
        return self._variables

    @property
    def assigned(self) -> dict:
        if self._engine is not None:
            self._from_engine()
        return self._assigned

    def _from_engine(self) -> None:
        engine, self._engine = self._engine, None
        with set_grad_enabled(True):  # as when the fast path ran (it runs only with grad mode on)
            full = engine()
        self._output, self._variables, self._assigned = full._output, full._variables, full._assigned

    @property
    def grad_fn(self) -> str | None:
        if self._engine is not None:
            return self._fast[0]
        return None if self.output.op is None else self.output.op.grad_fn

    @property
    def requires_grad(self) -> bool:
        if self._engine is not None:
            return self._fast[1]
        return self.output.requires_grad

    @property
    def graph(self) -> list:
        """graph.describe(output), walked once and kept: the tree, the trace and the pictures
        all read this one description."""
        if self._graph is None:
            from agrad.engine.graph import describe

            self._graph = describe(self.output)
        return self._graph


def evaluate(source: str, /, **bindings) -> Result:
    """Parse `source`, run it forward with the bindings as leaves that require grad, and
    backpropagate from the output, which must be a scalar (see vjp and jacobian for vectors).
    A binding is a number, or a sequence of numbers (or text such as "1,2,3") for a vector.
    Raises only AgradError subclasses."""
    return run(source, bindings)


def vjp(source: str, gradient, /, **bindings) -> Result:
    """Like evaluate, but backpropagate from `gradient`, a value of the output's shape: the
    vector-Jacobian product, torch's `y.backward(gradient)`. The grads are the product."""
    return run(source, bindings, gradient=gradient)


def jacobian(source: str, /, **bindings) -> Result:
    """Evaluate and compute the full Jacobian of the output with respect to every variable,
    in result.jacobian, shaped as torch.autograd.functional.jacobian's: the output's shape
    followed by the variable's (a number, a list, or a list of rows)."""
    return run(source, bindings, jacobian=True)


def run(source: str, bindings: dict | None = None, options: RunOptions | None = None, *, program=None,
        **keywords) -> Result:
    """evaluate with the lessons' options (RunOptions, or its fields as keywords: options.py):
    variables that do not require grad, retained intermediates, hooks (name, expression in g),
    several backward passes with or without zeroing, a trace of each pass, derivatives up to
    `order`, the Hessian, and float32; and for vectors a gradient to start backward from, or the
    full Jacobian instead of backward.
    program: `source` already parsed, or prepared (a batch prepares each distinct source once).
    max_source_bytes: the cap on the source's length in UTF-8 bytes (limits.py; default 1 MiB);
    a longer source raises LimitError before anything is parsed.
    fast: a scalar program with number bindings and none of the options above runs on the fast
    path (scalar_tape.py), which gives the engine's results to the last bit; False runs the
    engine always."""
    if options is None:
        options = RunOptions(**keywords) if keywords else DEFAULT
    elif keywords:
        options = options.replace(**keywords)
    bindings = dict(bindings or {})
    # The graph holds no reference cycles (inputs point only to older tensors), so reference
    # counting frees it; the cyclic collector would only rescan millions of nodes of a big graph.
    collecting = gc.isenabled()
    gc.disable()
    try:
        if options.plain and type(source) is str and is_grad_enabled():
            check_source(source, options.max_source_bytes)
            if program is None:
                program = prepare(source)
            result = _run_tape(source, bindings, program)
            if result is not None:
                return result
        with dtype_mode(options.dtype):
            return _run(source, bindings, options, program)
    except AgradError as exc:
        raise exc.with_source(source) if exc.source is None and exc.span is not None else exc from None
    except RecursionError:  # pragma: no cover - nothing recurses; a last line of defence
        raise AgradError("the expression is nested too deeply", None, source) from None
    finally:
        if collecting:
            gc.enable()


def _run(source, bindings: dict, options: RunOptions, program=None) -> Result:
    if not isinstance(source, str):
        raise AgradError(f"the source must be text, not {type(source).__name__}")
    check_source(source, options.max_source_bytes)
    no_grad = options.no_grad
    for name in no_grad:
        if name not in bindings:
            raise BindingError(f"--no-grad {name}: no variable '{name}' is bound")
    if program is None:
        program = parse(source)
    elif program.statements is None:  # prepared for the fast path: parsed once now, and kept
        parsed = parse(source)
        program.statements, program.span = parsed.statements, parsed.span
    variables = make_variables(bindings, no_grad)
    lowered = lower(program, variables, source)
    out = lowered.output
    retained = {}
    for name in options.retain_grad:
        t = lessons.find_tensor(name, variables, lowered.assigned, "--retain-grad")
        t.retain_grad()
        if t.op is not None:
            retained[name] = t
    for name, expr in options.hooks:
        lessons.find_tensor(name, variables, lowered.assigned, "--hook").register_hook(lessons.make_hook(name, expr))
    used = set(lowered.used)
    ordered = {name: variables[name] for name in lowered.used + [n for n in variables if n not in used]}
    seed = None
    if options.gradient is not None:
        from agrad.engine.ops import seed_like

        seed = seed_like(out, options.gradient)
    result = Result(source, shapes.to_python(out.value), {}, out, variables, lowered.assigned, lowered.used,
                    dtype=options.dtype)
    if seed is not None:
        result.gradient = shapes.to_python(seed.value)
    result.retained = list(retained)
    try:
        _differentiate(result, out, ordered, retained, seed, options)
    except AgradError as exc:
        if exc.span is None:  # backward's own errors (a vector output, ...): point at the output
            last = program.statements[-1]
            exc.span = (last.value if isinstance(last, st.Assign) else last).span
        raise
    return result


ENGINE_ONLY = RunOptions(fast=False)  # how the fast path's Result builds its Tensors when they are read


def prepare(source: str) -> st.Program:
    """The program run() needs for `source`: a scalar program is compiled to its tape as it is
    parsed (scalar_tape.compile_source) and keeps only that (statements None, until the engine
    needs them: it parses the source then, once); any other is parsed. Raises a syntax error as
    parse() does."""
    tape = scalar_tape.compile_source(source)
    if tape is None:
        return parse(source)
    program = st.Program(None, (0, len(source)))
    program.tape = tape
    return program


def _run_tape(source: str, bindings: dict, program: st.Program) -> Result | None:
    """The fast path's Result, or None where the program or the bindings need the engine."""
    tape = scalar_tape.tape_of(program)
    if tape is None:
        return None
    ran = scalar_tape.run(tape, bindings)
    if ran is None:
        return None
    value, grads = ran
    if len(grads) != len(bindings):
        for name, bound in bindings.items():  # (the tape's variables are valid names with numbers)
            if name not in grads:
                if type(name) is not str or name in tape.assigned or not _scalar_leaf(name, bound):
                    return None  # the engine's error, or a vector the engine makes a leaf of
                grads[name] = None  # bound but unused: after the used ones, as the engine orders them
    result = Result(source, value, grads, None, used=list(tape.used))
    requires_grad = not tape.numbers[tape.output]
    if requires_grad:
        result.passes.append(grads)
    result._fast = (tape.grad_fn, requires_grad)
    result._engine = lambda: run(source, bindings, ENGINE_ONLY, program=program)
    return result


def _scalar_leaf(name: str, value) -> bool:
    """Whether the engine takes this binding as a scalar leaf (make_variables checks the name and
    the value; an error there is the engine's to raise)."""
    try:
        leaf = make_variables({name: value})[name]
    except BindingError:
        return False
    return type(leaf.value) is float


def _differentiate(result, out, ordered: dict, retained: dict, seed, options: RunOptions) -> None:
    """The Jacobian, or the backward passes and what the lessons ask of them, into `result`."""
    variables = result.variables
    passes, order, hessian = options.backward_passes, options.order, options.hessian
    if options.jacobian:
        from agrad.engine.jacobians import jacobian as compute

        result.jacobian = {name: shapes.to_python(j) for name, j in compute(out, list(ordered.values())).items()}
    elif out.requires_grad:
        for k in range(passes):
            if options.zero_grad:
                lessons.zero_grads(list(variables.values()) + list(retained.values()))
            keep = passes > 1 or order > 0 or hessian
            if options.trace:
                from agrad.engine.trace import record

                result.trace.append(record(out, lambda on_step: backward(out, seed, retain_graph=keep,
                                                                         on_step=on_step), result.graph))
            else:
                backward(out, seed, retain_graph=keep)
            result.passes.append(lessons.snapshot(ordered, retained))
        if passes > 1:
            result.notes.append(lessons.retain_graph_note(out, passes))
        if order > 0:
            result.derivatives = lessons.derivatives(out, ordered, order)
        if hessian:
            result.hessian = lessons.hessian(out, ordered)
    result.grads = result.passes[-1] if result.passes else {name: None for name in list(ordered) + list(retained)}
