"""agrad.evaluate and agrad.run: source text and bindings in, value and gradients out."""

from __future__ import annotations

import gc

from agrad.evaluation import lessons
from agrad.compiled import builder, tape as tapes
from agrad.engine import shapes
from agrad.language import syntax_tree as st
from agrad.errors import AgradError, AnomalyError, BindingError, LimitError
from agrad.limits import check_source, cost_limit
from agrad.evaluation.lowering import lower, make_variables
from agrad.evaluation.options import DEFAULT, RunOptions
from agrad.language.parser import parse
from agrad.engine.autograd import backward, expect_passes, seed_like
from agrad.engine import display
from agrad.engine.budget import Budget
from agrad.engine.tensor import Tensor, enter_evaluation, is_grad_enabled, leave_evaluation, set_grad_enabled


class Result:
    """The output of one evaluation.

    value: the output's value, a float for a scalar and a list of floats for a vector; grads:
    each variable's gradient (a float, or a list of floats for a vector), in order of first
    appearance in the source, then the unused bindings, then retained intermediates, None where
    there is none (it does not require grad, or the output does not depend on it); output: the
    output Tensor, whose graph can be walked (its values are floats and numpy arrays); variables:
    the leaf Tensors by name; assigned: named intermediates; retained: the names of the retained
    intermediates among the grads. (A result of the compiled scalar path is a CompiledResult,
    which builds output, variables and assigned on demand.)
    With run()'s options: passes (the grads after each backward pass), trace (the steps of each
    pass), derivatives ({name: [d1, d2, ...]}), hessian ((names, matrix)), notes (explanations),
    gradient (the seed backward started from; None for 1.0), jacobian ({name: the Jacobian of the
    output with respect to it, as nested lists}).
    """

    def __init__(self, source: str, value, grads: dict, output: Tensor | None, variables: dict | None = None,
                 assigned: dict | None = None, used: list | None = None, dtype: str = "float64"):
        # A plain class rather than a dataclass: dataclasses compile their methods at import,
        # which every agrad start-up would pay for.
        self.source = source
        self.value = value
        self.grads = grads
        self._output = output
        self._variables = {} if variables is None else variables
        self._assigned = {} if assigned is None else assigned
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
        self.jvp = None  # with jvp: the output's tangent (torch.func.jvp), a float or a list
        self.grads_in: dict = {}  # with grads_in: id(tensor) -> the gradient that reached it in the last pass
        self.check = None  # with check: the gradient check (evaluation/gradcheck.py's Check)
        self.torch = None  # a batch job's "emit": "torch": its PyTorch script (render/torch_script.py)
        self.bindings: dict | None = None  # set by run(): what it ran with
        self.options: RunOptions | None = None

    def __repr__(self):
        return f"Result(source={self.source!r}, value={self.value!r}, grads={self.grads!r}, grad_fn={self.grad_fn!r})"

    # In a notebook (IPython's display protocol): drawn by render/notebook.py; see engine/display.py.
    def _repr_html_(self):
        return display.represent(self, "text/html")

    def _repr_markdown_(self):
        return display.represent(self, "text/markdown")

    def _repr_latex_(self):
        return display.represent(self, "text/latex")

    @property
    def output(self) -> Tensor:
        return self._output

    @property
    def variables(self) -> dict:
        return self._variables

    @property
    def assigned(self) -> dict:
        return self._assigned

    @property
    def grad_fn(self) -> str | None:
        return None if self.output.op is None else self.output.op.grad_fn

    @property
    def requires_grad(self) -> bool:
        return self.output.requires_grad

    @property
    def graph(self) -> list:
        """graph.describe(output), walked once and kept: the tree, the trace and the pictures
        all read this one description."""
        if self._graph is None:
            from agrad.engine.graph import describe

            self._graph = describe(self.output)
        return self._graph


class CompiledResult(Result):
    """A Result of the compiled scalar path (compiled/): value, grads, used, grad_fn and
    requires_grad come from the tape, which makes no Tensors, so there is no graph yet.

    The graph is built on demand: build_graph() runs the same program on the engine once (which
    gives the same values and gradients to the last bit) and keeps its output, variables and
    assigned; reading output, variables, assigned or graph (the pretty tree and the pictures
    read graph) calls it first.
    """

    # Set by run() after Result's __init__ (one call less: this path is made for speed): the
    # tape's grad_fn and requires_grad, and _engine, which runs the program on the engine and
    # returns its Result (None once it has run).
    _grad_fn: str | None = None
    _requires_grad: bool = False
    _engine = None

    def build_graph(self) -> None:
        """Run the program on the engine, once, for the output Tensor and its graph."""
        if self._engine is None:
            return
        engine, self._engine = self._engine, None
        with set_grad_enabled(True):  # as when the fast path ran (it runs only with grad mode on)
            full = engine()
        self._output, self._variables, self._assigned = full.output, full.variables, full.assigned
        self.grads_in = full.grads_in

    @property
    def graph_built(self) -> bool:
        """Whether build_graph() has run (output, variables and assigned are the engine's)."""
        return self._engine is None

    @property
    def output(self) -> Tensor:
        self.build_graph()
        return self._output

    @property
    def variables(self) -> dict:
        self.build_graph()
        return self._variables

    @property
    def assigned(self) -> dict:
        self.build_graph()
        return self._assigned

    @property
    def grad_fn(self) -> str | None:
        return self._grad_fn

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad


class Prepared:
    """A source made ready to run, for run(program=...): prepare() makes one, and a batch keeps
    one per distinct source, so that each is parsed and compiled once however often it runs.

    source: the text; tape: its compiled scalar program (compiled/tape.py), or None where the
    program needs the engine; program: its syntax tree. Each is made when first needed and
    kept: a source prepare() compiled while parsing it is parsed again only if the engine must
    run it (a binding the tape does not take), and a parsed program is compiled when the fast
    path first asks for its tape."""

    __slots__ = ("source", "_program", "_tape")

    def __init__(self, source: str, program: st.Program | None = None, tape=None):
        # program: None to parse when first needed; tape: a Tape, False where the program needs
        # the engine, or None to compile the program when first asked for
        self.source = source
        self._program = program
        self._tape = tape

    @property
    def program(self) -> st.Program:
        if self._program is None:
            self._program = parse(self.source)
        return self._program

    @property
    def tape(self) -> tapes.Tape | None:
        if self._tape is None:
            self._tape = builder.compile_program(self.program) or False
        return self._tape or None


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


def jvp(source: str, tangents: dict, /, **bindings) -> Result:
    """Evaluate and push `tangents` ({name: a value of that variable's shape}; a variable not
    named has the tangent 0) forward through the graph: the Jacobian-vector product, torch.func
    .jvp's, in result.jvp (a number or a list, the output's shape). No backward pass runs."""
    return run(source, bindings, jvp=tuple(dict(tangents).items()))


def check(source: str, bindings: dict | None = None, options: RunOptions | None = None, *, order: int = 1,
          **keywords):
    """run() with --check: the gradients (with order=2, the second derivatives too) against
    central differences in float64 (keywords check_eps, check_atol, check_rtol; torch's 1e-6,
    1e-5, 1e-3). Returns the check (evaluation/gradcheck.py's Check): ok, rows, kinks,
    evaluations, worst, error() (the CheckError a mismatch is, not raised), and result, the run's
    Result."""
    return run(source, bindings, options, check=order, **keywords).check


def find_anomaly(source: str, bindings: dict | None = None, options: RunOptions | None = None, **keywords):
    """run() with --anomaly: the AnomalyError of the first nan (engine/anomaly.py), returned
    rather than raised, or None when the run has none. Any other error is raised."""
    try:
        run(source, bindings, options, anomaly=True, **keywords)
    except AnomalyError as exc:
        return exc
    return None


def run(source: str, bindings: dict | None = None, options: RunOptions | None = None, *, program=None,
        **keywords) -> Result:
    """evaluate with the lessons' options (RunOptions, or its fields as keywords: options.py):
    variables that do not require grad, retained intermediates, hooks (name, expression in g),
    several backward passes with or without zeroing, a trace of each pass, derivatives up to
    `order`, the Hessian, and float32; and for vectors a gradient to start backward from, or the
    full Jacobian instead of backward.
    program: `source` already parsed (a syntax_tree.Program), or a Prepared (prepare(): a batch
    prepares each distinct source once).
    max_source_bytes: the cap on the source's length in UTF-8 bytes (limits.py; default 1 MiB);
    a longer source raises LimitError before anything is parsed.
    max_nodes, max_backward_steps, max_hessian_entries, max_jacobian_entries: the cost bounds of this evaluation
    (limits.py), counted for this thread or task alone; past one, LimitError.
    anomaly: stop at the first nan (in forward, or inf from finite inputs) with an AnomalyError
    naming the op or backward node (engine/anomaly.py).
    check: 1 (or 2) checks the gradients (and second derivatives) against central differences
    into result.check (evaluation/gradcheck.py; a mismatch is not raised: result.check.error()).
    fast: a scalar program with number bindings and none of the options above runs on the fast
    path (compiled/), which gives the engine's results to the last bit; False runs the
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
            elif type(program) is st.Program:
                program = Prepared(source, program)
            result = _run_tape(source, bindings, program, options)
            if result is not None:
                return result
        budget = Budget(cost_limit("max_nodes", options.max_nodes),
                        cost_limit("max_backward_steps", options.max_backward_steps))
        previous = enter_evaluation(options.dtype, budget)
        try:
            if options.anomaly:
                from agrad.engine.anomaly import watching  # (imported only when on)

                with watching(source):
                    result = _run(source, bindings, options, program)
            else:
                result = _run(source, bindings, options, program)
        finally:
            leave_evaluation(previous)
        if options.check:  # after the run, whose evaluation mode the check's own runs must not share
            from agrad.evaluation.gradcheck import gradcheck

            checked = options.replace(anomaly=False) if options.anomaly else options  # (its points are not the user's)
            result.check = gradcheck(source, bindings, checked, result, run, program)
            result.check.result = result
        return result
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
    elif type(program) is Prepared:
        program = program.program  # (parsed now if it was compiled without a tree, and kept)
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
        seed = seed_like(out, options.gradient)
    result = Result(source, shapes.to_python(out.value), {}, out, variables, lowered.assigned, lowered.used,
                    dtype=options.dtype)
    result.bindings, result.options = bindings, options
    if seed is not None:
        result.gradient = shapes.to_python(seed.value)
    result.retained = list(retained)
    if options.jvp is not None:  # forward mode in place of backward (its errors name --jvp, not a part of the source)
        from agrad.evaluation import forward_mode

        result.jvp = shapes.to_python(forward_mode.compute(out, variables, options.jvp))
        result.grads = {name: None for name in list(ordered) + list(retained)}
        return result
    try:
        _differentiate(result, out, ordered, retained, seed, options)
    except AgradError as exc:
        if exc.span is None and not isinstance(exc, LimitError):  # backward's own errors (a vector output, ...): point at the output
            last = program.statements[-1]
            exc.span = (last.value if isinstance(last, st.Assign) else last).span
        raise
    return result


# how a CompiledResult builds its Tensors when they are read (for the pretty tree and the
# pictures, which show the gradient that reached each node)
ENGINE_ONLY = RunOptions(fast=False, grads_in=True)


def prepare(source: str) -> Prepared:
    """What run() needs for `source`: a scalar program is compiled to its tape as it is parsed
    (builder.compile_source), and its syntax tree is made only if the engine needs it; any other
    is parsed. Raises a syntax error as parse() does."""
    tape = builder.compile_source(source)
    if tape is None:
        return Prepared(source, parse(source), False)
    return Prepared(source, None, tape)


def _run_tape(source: str, bindings: dict, prepared: Prepared, options: RunOptions = DEFAULT) -> CompiledResult | None:
    """The fast path's Result, or None where the program or the bindings need the engine."""
    tape = prepared.tape
    if tape is None:
        return None
    ran = tapes.run(tape, bindings)
    if ran is None:
        return None
    value, grads = ran
    if len(grads) != len(bindings):
        for name, bound in bindings.items():  # (the tape's variables are valid names with numbers)
            if name not in grads:
                if type(name) is not str or name in tape.assigned or not _scalar_leaf(name, bound):
                    return None  # the engine's error, or a vector the engine makes a leaf of
                grads[name] = None  # bound but unused: after the used ones, as the engine orders them
    requires_grad = tape.numbers[tape.output] is False
    result = CompiledResult(source, value, grads, None, used=list(tape.used))
    result._grad_fn, result._requires_grad = tape.grad_fn, requires_grad
    result.bindings, result.options = bindings, options
    result._engine = lambda: run(source, bindings, ENGINE_ONLY if options is DEFAULT else options.replace(fast=False),
                                 program=prepared)
    if requires_grad:
        result.passes.append(grads)
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

        result.jacobian = {name: shapes.to_python(j) for name, j in compute(out, list(ordered.values()),
                                                                            cost_limit("max_jacobian_entries", options.max_jacobian_entries)).items()}
    elif out.requires_grad:
        if hessian:
            lessons.check_hessian_output(out)  # before backward, which would refuse a vector first
        if passes > 1:
            expect_passes(out, passes)
        for k in range(passes):
            if options.zero_grad:
                lessons.zero_grads(list(variables.values()) + list(retained.values()))
            keep = passes > 1 or order > 0 or hessian
            if options.trace:
                from agrad.engine.trace import record

                result.trace.append(record(out, lambda on_step: backward(out, seed, retain_graph=keep,
                                                                         on_step=on_step), result.graph))
            elif options.grads_in:
                arrived = result.grads_in = {}
                backward(out, seed, retain_graph=keep,
                         on_step=lambda node, g, _sent: arrived.__setitem__(id(node), g.value))
            else:
                backward(out, seed, retain_graph=keep)
            result.passes.append(lessons.snapshot(ordered, retained))
        if passes > 1:
            result.notes.append(lessons.retain_graph_note(out, passes))
        if order > 0:
            result.derivatives = lessons.derivatives(out, ordered, order,
                                                     taylor=options.taylor and not options.hooks
                                                     and options.dtype == "float64"
                                                     and not options.anomaly)  # (--anomaly watches the passes)
        if hessian:
            result.hessian = lessons.hessian(out, ordered, cost_limit("max_hessian_entries", options.max_hessian_entries))
    result.grads = result.passes[-1] if result.passes else {name: None for name in list(ordered) + list(retained)}
