"""The command line: thin Typer commands over agrad.evaluate and the renderers.

`agrad eval EXPR --x 3 --w 1` (and `agrad graph`, which takes the same bindings): variables are
bound by options that Typer does not know in advance, so `main` first rewrites every `--NAME VALUE`
that is not one of the command's own options into `--var NAME=VALUE`, which also keeps values like
`-3` and `-inf` from being read as options.
A value is a number, a vector (`1,2,3`, `[1, 2, 3]`), or the numbers of a file (`@FILE`, `@-`
for standard input): values/read.py reads them.
"""

import errno
import os
import re
import sys
from enum import Enum
from typing import List, Optional

import typer
from typing import Annotated

from agrad import __version__
from agrad.errors import AgradError, BindingError, ComputeError, LimitError, OutputLost, UsageError
from agrad.limits import source_limit, too_long

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Evaluate and differentiate math expressions with PyTorch's autograd semantics.")


class Format(str, Enum):
    pretty = "pretty"
    json = "json"
    plain = "plain"
    csv = "csv"


def _version(value: bool):
    if value:
        print(f"agrad {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                            help="Print the version and exit.")] = None):
    """agrad: evaluate an expression, backpropagate, and show the graph and the gradients.

    Exit codes: 0 success (an inf or nan result is a success), 1 understood but not computable,
    2 input that could not be understood (syntax, unknown name, bad value, bad option).
    """


class Emit(str, Enum):
    torch = "torch"


class DType(str, Enum):
    float64 = "float64"
    float32 = "float32"


class GraphFormat(str, Enum):
    dot = "dot"
    mermaid = "mermaid"
    html = "html"
    png = "png"
    svg = "svg"
    pdf = "pdf"


# -- the options eval and graph share: how a program and its bindings become an evaluation ------

Expr = Annotated[Optional[str], typer.Argument(metavar="EXPR", help="The expression, e.g. \"(x+w)*2\".",
                                               show_default=False)]
FileOption = Annotated[Optional[str], typer.Option("--file", "-f", metavar="FILE",
                                                   help="Read the program from FILE ('-' for stdin).")]
VarOption = Annotated[Optional[List[str]], typer.Option(
    "--var", metavar="NAME=VALUE", help="Bind a variable; `--NAME VALUE` and `--NAME=VALUE` work too.")]
NoGradOption = Annotated[Optional[List[str]], typer.Option(
    "--no-grad", metavar="NAME", help="Make variable NAME a leaf with requires_grad False.")]
RetainGradOption = Annotated[Optional[List[str]], typer.Option(
    "--retain-grad", metavar="NAME", help="Keep the grad of intermediate NAME (retain_grad()).")]
HookOption = Annotated[Optional[List[str]], typer.Option(
    "--hook", metavar="NAME=EXPR", help="A hook on NAME: EXPR in g (the incoming gradient) replaces it.")]
DTypeOption = Annotated[DType, typer.Option("--dtype", help="float64 (default) or float32 (torch's default).")]
MaxSourceOption = Annotated[Optional[int], typer.Option(
    "--max-source-bytes", metavar="N", min=1, show_default=False,
    help="The longest source (EXPR, -f FILE, or one line of a batch) in bytes; default 1 MiB, "
         "at most 100 MiB.")]
MaxFileOption = Annotated[Optional[int], typer.Option(
    "--max-file-bytes", metavar="N", min=1, show_default=False,
    help="The largest @FILE or @- of numbers read for a binding, in bytes; default 256 MiB.")]
MaxNodesOption = Annotated[Optional[int], typer.Option(
    "--max-nodes", metavar="N", min=1, show_default=False,
    help="The most nodes one evaluation may make (forward, grad(), --order, --backward, hooks, --hessian, "
         "--jacobian together); default 5,000,000, about 1.4 GB of graph.")]
MaxBackwardStepsOption = Annotated[Optional[int], typer.Option(
    "--max-backward-steps", metavar="N", min=1, show_default=False,
    help="The most steps the backward passes of one evaluation may take, summed over passes (a step per "
         "node and per input visited, 10 per pass); default 2,000,000.")]
MaxJacobianOption = Annotated[Optional[int], typer.Option(
    "--max-jacobian-entries", metavar="N", min=1, show_default=False,
    help="The most entries a --jacobian may have (output elements times variable elements); default 10,000,000.")]
MaxHessianOption = Annotated[Optional[int], typer.Option(
    "--max-hessian-entries", metavar="N", min=1, show_default=False,
    help="The most entries a --hessian matrix may have; default 1,000,000 (1,000 elements).")]
# The names rewrite_argv bound from `--NAME VALUE` (not --var): a NAME close to one of agrad's
# options is a typo unless the program uses it (check_typos).
AsOptionOption = Annotated[Optional[List[str]], typer.Option("--bound-as-option", hidden=True)]
GradientOption = Annotated[Optional[str], typer.Option(
    "--gradient", metavar="SEED",
    help="Backpropagate from SEED, a value of the output's shape (1,0.5 or [1, 0.5] or @FILE): "
         "the vector-Jacobian product, torch's y.backward(gradient).")]


def evaluation(expr, file, var, hook, gradient, options, max_file_bytes: int | None = None, suspects=None):
    """Run the program the shared options describe (api.run): the text (EXPR or -f FILE), the
    bindings (--var), the hooks and the seed (--gradient) read here, the rest of the options
    (a RunOptions, options.py) as the command built them. suspects: typo_suspects' names
    bound as `--NAME VALUE` that may be options misspelt (check_typos)."""
    from agrad.evaluation.api import run

    readers = [spec.partition("=")[2] for spec in var or []] + [gradient, "@-" if file == "-" else None]
    if readers.count("@-") > 1:
        raise UsageError("only one value can be read from standard input (@- or -f -)")
    source = _program_text(expr, file, options.max_source_bytes)
    check_typos(suspects, var, [source])
    bindings = parse_bindings(var or [], max_file_bytes, suspects)
    hooks = tuple(_hook_spec(spec) for spec in hook or [])
    seed = None if gradient is None else read_value("gradient", gradient, max_file_bytes)
    try:
        return run(source, bindings, options.replace(hooks=hooks, gradient=seed))
    except ComputeError as exc:  # (a vector output, shapes that do not fit: what a decimal comma causes)
        raise (exc if gradient is not None else with_decimal_comma_note(exc, var)) from None


@app.command("eval")
def eval_command(
    exprs: Annotated[Optional[List[str]], typer.Argument(
        metavar="EXPR", show_default=False,
        help="The expression, e.g. \"(x+w)*2\"; several are a batch; - reads one job per line from stdin.")]
    = None,
    file: FileOption = None,
    var: VarOption = None,
    fmt: Annotated[Optional[Format], typer.Option(
        "--format", "-F", show_default=False,
        help="pretty (a tree and tables), json, plain or csv. Default: pretty, or json for stdin and --points.")]
    = None,
    grad: Annotated[Optional[str], typer.Option("--grad", metavar="NAME",
                                                help="Print only NAME's gradient, as a bare number "
                                                     "(a vector's elements joined by commas).")] = None,
    no_grad: NoGradOption = None,
    retain_grad: RetainGradOption = None,
    backward: Annotated[int, typer.Option("--backward", metavar="N", min=1,
                                          help="Run backward N times on the same graph; grads accumulate.")] = 1,
    zero_grad: Annotated[bool, typer.Option("--zero-grad", help="Zero the grads before each backward pass.")]
    = False,
    trace: Annotated[bool, typer.Option("--trace", help="Show the backward pass step by step (the chain rule).")]
    = False,
    hook: HookOption = None,
    order: Annotated[int, typer.Option("--order", metavar="N", min=0,
                                       help="Derivatives up to order N for each variable.")] = 0,
    hessian: Annotated[bool, typer.Option("--hessian", help="The matrix of second derivatives.")] = False,
    dtype: DTypeOption = DType.float64,
    points: Annotated[Optional[str], typer.Option(
        "--points", metavar="FILE",
        help="Evaluate EXPR at each row of a CSV file (- for stdin) whose header names the variables.")] = None,
    fail_fast: Annotated[bool, typer.Option("--fail-fast", help="Stop a batch at the first job that fails.")]
    = False,
    jobs: Annotated[Optional[int], typer.Option(
        "--jobs", "-j", min=0, metavar="N", show_default=False,
        help="Worker processes for a batch; 0 = one per core. Default: one per core for jobs read from "
             "a file of 1 MiB or more on stdin (agrad eval - < FILE), else 1.")] = None,
    progress: Annotated[Optional[bool], typer.Option(
        "--progress/--quiet", show_default=False,
        help="Force the progress bar of a batch on stderr, or never show it. "
             "Default: shown for long batches when stderr is a terminal.")] = None,
    gradient: GradientOption = None,
    jacobian: Annotated[bool, typer.Option(
        "--jacobian", help="Print the full Jacobian of the output with respect to every variable "
                           "(forward mode when there are fewer variable elements than output elements).")] = False,
    jvp: Annotated[Optional[List[str]], typer.Option(
        "--jvp", metavar="NAME=TANGENT[,...]", show_default=False,
        help="Forward mode: the Jacobian-vector product for these tangents (x=1,w=0; a vector's as a value: "
             "[1, 0], 1,0 or @FILE), torch.func.jvp's; variables not named have tangent 0.")] = None,
    max_source_bytes: MaxSourceOption = None,
    max_file_bytes: MaxFileOption = None,
    digits: Annotated[Optional[int], typer.Option(
        "--digits", metavar="N", min=1, max=17, show_default=False,
        help="Significant digits of the numbers in pretty output (default 6; 17 shows every number exactly). "
             "JSON, plain and csv are always exact.")] = None,
    max_nodes: MaxNodesOption = None,
    max_backward_steps: MaxBackwardStepsOption = None,
    max_hessian_entries: MaxHessianOption = None,
    max_jacobian_entries: MaxJacobianOption = None,
    check: Annotated[int, typer.Option(
        "--check", metavar="[N]", min=0, max=2, show_default=False,
        help="Check every gradient against central differences in float64 (torch's gradcheck); "
             "--check 2 the second derivatives too. A mismatch is exit 1.")] = 0,
    eps: Annotated[Optional[float], typer.Option("--eps", metavar="EPS", show_default=False,
                                                 help="--check's step (default 1e-6).")] = None,
    atol: Annotated[Optional[float], typer.Option("--atol", metavar="TOL", show_default=False,
                                                  help="--check's absolute tolerance (default 1e-5).")] = None,
    rtol: Annotated[Optional[float], typer.Option("--rtol", metavar="TOL", show_default=False,
                                                  help="--check's relative tolerance (default 1e-3).")] = None,
    max_check_evaluations: Annotated[Optional[int], typer.Option(
        "--max-check-evaluations", metavar="N", min=1, show_default=False,
        help="The most evaluations a --check may take (2n+1 for n input elements); default 20,001.")] = None,
    anomaly: Annotated[bool, typer.Option(
        "--anomaly", help="Stop at the first nan (in forward, or inf from finite inputs), naming the op or "
                          "backward node, its rule and inputs, with a caret (torch's detect_anomaly). Exit 1.")]
    = False,
    emit: Annotated[Optional[Emit], typer.Option(
        "--emit", metavar="LANG", show_default=False,
        help="Print the same computation as a runnable script instead of the result: torch (PyTorch; "
             "it prints the JSON record of --format json).")] = None,
    as_option: AsOptionOption = None,
):
    """Evaluate EXPR, backpropagate from its value, and print the graph and each leaf's gradient.

    Batches (several EXPRs, - for stdin, or --points) give one result per job, in order; exit
    status 0 when every job succeeded, 1 when any failed, 2 for a bad command line.
    """
    from agrad.evaluation.options import RunOptions

    exprs = exprs or []
    try:
        options = RunOptions(no_grad=no_grad or (), retain_grad=retain_grad or (), backward_passes=backward,
                             zero_grad=zero_grad, trace=trace, order=order, hessian=hessian, dtype=dtype.value,
                             jacobian=jacobian, max_source_bytes=source_limit(max_source_bytes),
                             max_nodes=max_nodes, max_backward_steps=max_backward_steps,
                             max_hessian_entries=max_hessian_entries, max_jacobian_entries=max_jacobian_entries,
                             grads_in=grad is None and (fmt is Format.pretty or fmt is None and points is None
                                                        and exprs != ["-"]))
        options = options.replace(**_check_settings(check, eps, atol, rtol, max_check_evaluations))
        if anomaly:
            options = options.replace(anomaly=True)
        if jvp:
            options = options.replace(jvp=_jvp_tangents(jvp, max_file_bytes, dict(
                gradient=gradient is not None, backward=backward > 1, zero_grad=zero_grad, trace=trace,
                order=order > 0, hessian=hessian, retain_grad=bool(retain_grad), jacobian=jacobian, check=check > 0,
                hook=bool(hook), grad=grad is not None)))
        if jacobian:
            _check_jacobian_options(gradient=gradient is not None, backward=backward > 1, zero_grad=zero_grad,
                                    trace=trace, order=order > 0, hessian=hessian, retain_grad=bool(retain_grad))
            if fmt is Format.csv:
                raise UsageError("--jacobian has no columns in csv output: use --format json, plain or pretty")
        if emit is not None:  # the script of one program, from agrad's run of it (render/torch_script.py)
            from agrad.render.torch_script import refuse, script

            _check_emit(exprs, points, format=fmt is not None, grad=grad is not None, digits=digits is not None)
            options = options.replace(hooks=tuple(_hook_spec(spec) for spec in hook or []))
            refuse(options)
            result = evaluation(exprs[0] if exprs else None, file, var, hook, gradient, options.replace(fast=False),
                                max_file_bytes, typo_suspects(as_option, "eval"))
            sys.stdout.write(script(result.source, result, options))
            return
        if points is None and len(exprs) <= 1 and exprs != ["-"]:
            if fmt is Format.csv and grad is None:
                from agrad.render.formats import check_options

                check_options("csv", options)
            result = evaluation(exprs[0] if exprs else None, file, var, hook, gradient, options, max_file_bytes,
                                typo_suspects(as_option, "eval"))
            if _print_one(result, fmt or Format.pretty, grad, tuple(spec.partition("=")[0] for spec in var or []),
                          digits):
                raise typer.Exit(1)  # a failed --check (its error is on stderr)
            return
        from agrad.batch.jobs import BatchOptions

        _check_one_stdin_reader(exprs, points, var, gradient)
        options = options.replace(hooks=tuple(_hook_spec(spec) for spec in hook or []))
        suspects = typo_suspects(as_option, "eval")
        if points is None:  # EXPR arguments, or jobs from stdin, whose programs are not known yet
            check_typos(suspects, var, None if exprs == ["-"] else exprs)
        bindings = parse_bindings(var or [], max_file_bytes, suspects)
        if gradient is not None:  # every job's seed, unless a JSON job gives its own
            options = options.replace(gradient=read_value("gradient", gradient, max_file_bytes))
        batch = BatchOptions(fmt=None if grad is None and fmt is None else "grad" if grad is not None else fmt.value,
                             grad=grad, fail_fast=fail_fast, jobs=jobs, run=options, reserved=reserved_names(),
                             progress={None: "auto", True: "on", False: "off"}[progress], digits=digits)
        status = _eval_batch(exprs, file, points, bindings, batch, (suspects, var))
    except AgradError as exc:
        fail(exc)
    raise typer.Exit(status)


def _check_emit(exprs: list, points: str | None, **given: bool) -> None:
    """--emit torch writes one script for one program: not for a batch (a JSON job's "emit"
    field is the batch's way), and not with options about agrad's own output."""
    if points is not None or len(exprs) > 1 or exprs == ["-"]:
        raise UsageError('--emit torch writes one program\'s script: for a batch, give each JSON job "emit": "torch" '
                         "(its record gets the script in \"torch\")")
    for name, present in given.items():
        if present:
            raise UsageError(f"--emit torch prints a script, not agrad's output: leave out --{name}")


def _check_one_stdin_reader(exprs: list, points: str | None, var, gradient) -> None:
    """A batch that reads its jobs (or its points) from stdin cannot also read a value there:
    the value would take all of stdin and leave no jobs."""
    if exprs != ["-"] and points != "-":
        return
    readers = [f"--{spec.partition('=')[0]} @-" for spec in var or [] if spec.partition("=")[2] == "@-"]
    if gradient == "@-":
        readers.append("--gradient @-")
    if readers:
        jobs = "--points -" if points == "-" else "- (the jobs)"
        raise UsageError(f"{jobs} and {readers[0]} cannot both read standard input: give the value inline "
                         "or as @FILE")


def _check_settings(check: int, eps, atol, rtol, max_evaluations) -> dict:
    """--check's RunOptions fields; --eps, --atol, --rtol without --check are a usage error."""
    given = {"check_eps": eps, "check_atol": atol, "check_rtol": rtol, "max_check_evaluations": max_evaluations}
    given = {key: value for key, value in given.items() if value is not None}
    if given and not check:
        flag = {"check_eps": "--eps", "check_atol": "--atol", "check_rtol": "--rtol"}.get(next(iter(given)),
                                                                                        "--max-check-evaluations")
        raise UsageError(f"{flag} goes with --check")
    return {"check": check, **given} if check else {}


def _print_one(result, fmt: Format, grad: str | None, bound: tuple, digits: int | None = None) -> bool:
    """One program's output: the renderer a batch uses for each job (render/formats.py), with
    no line number. bound: the variables in the order the command line binds them, which is the
    order of csv's columns, as in a batch (then the retained intermediates). Returns whether it
    failed (a --check that found a mismatch)."""
    from agrad.render.formats import Formatter

    if grad is not None:
        formatter = Formatter("grad", grad=grad)
    elif fmt is Format.pretty:
        from agrad.render.pretty import settings

        formatter = Formatter("pretty", console=settings(sys.stdout, digits))
    else:
        formatter = Formatter(fmt.value, bound + tuple(name for name in result.grads if name not in bound),
                              checked=result.check is not None)
        formatter.jvp = result.jvp is not None
    outcome = formatter.result(None, result)
    sys.stdout.write(formatter.header() + outcome.out)
    if outcome.err:  # (after the output: a failed check's table, then its error)
        sys.stdout.flush()
        sys.stderr.write(outcome.err)
    return outcome.failed


def _eval_batch(exprs: list, file: str | None, points: str | None, bindings: dict, options, typos=({}, ())) -> int:
    """Several EXPRs, - (stdin) or --points: one result per job, with a batch's options
    (BatchOptions; its fmt None for the default); returns the exit status. typos: the
    suspects and --var specs that check_typos checks against --points' program."""
    if points is not None:
        if len(exprs) > 1 or exprs == ["-"]:
            raise UsageError("--points takes exactly one expression (or -f FILE)")
        if file == "-" and points == "-":
            raise UsageError("-f - and --points - cannot both read stdin")
        source = _program_text(exprs[0] if exprs else None, file, options.run.max_source_bytes)
        check_typos(typos[0], typos[1], [source])
    elif "-" in exprs and len(exprs) > 1:
        raise UsageError("- (read jobs from stdin) cannot be mixed with expressions")
    elif file is not None:
        raise UsageError("give either EXPR (several, or - for stdin) or -f FILE, not both")
    from dataclasses import replace

    from agrad.batch import jobs as batch
    from agrad.render.formats import check_options

    kind = "points" if points is not None else "stdin" if exprs == ["-"] else "arguments"
    if options.fmt is None:
        options = replace(options, fmt=(Format.pretty if kind == "arguments" else Format.json).value)
    check_options(options.fmt, options.run)
    if kind == "points":
        return batch.run_points(source, points, bindings, options)
    if kind == "stdin":
        return batch.run_stdin(bindings, options)
    return batch.run_arguments(exprs, bindings, options)


def _program_text(expr: str | None, file: str | None, limit: int | None = None) -> str:
    """EXPR, or the program in FILE (- for stdin), read no further than the source cap: a
    larger file (or an endless stream) is refused without being held."""
    if file is not None and expr is not None:
        raise BindingError("give either EXPR or -f FILE, not both")
    if file is None:
        if expr is None:
            raise UsageError("no expression: give EXPR, -f FILE, or - to read jobs from stdin")
        return expr
    limit = source_limit(limit)
    try:
        if file == "-":
            if sys.stdin is None:
                raise BindingError("cannot read -f -: there is no standard input (it is closed)")
            data = sys.stdin.buffer.read(limit + 1) if hasattr(sys.stdin, "buffer") else sys.stdin.read(limit + 1)
        else:
            with open(file, "rb") as fh:
                data = fh.read(limit + 1)
        if len(data) > limit:
            raise LimitError(too_long(f"-f {file}", limit))
        return data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise BindingError(f"cannot read {file}: not UTF-8 text (byte {exc.start})") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise BindingError(f"cannot read {file}: {getattr(exc, 'strerror', None) or exc}") from None


def _hook_spec(spec: str) -> tuple[str, str]:
    name, eq, expr = spec.partition("=")
    if not eq or not name.strip() or not expr.strip():
        raise BindingError(f"--hook {spec}: write --hook NAME=EXPR, e.g. --hook x=g*10")
    return name.strip(), expr


def _jvp_tangents(specs: list, max_file_bytes: int | None, clashing: dict) -> tuple:
    """--jvp's (name, tangent value) pairs, read as --gradient's values are (values/read.py);
    the options about backward passes do not go with it (forward mode runs none)."""
    from agrad.evaluation.forward_mode import split_pairs

    clash = [f"--{name.replace('_', '-')}" for name, on in clashing.items() if on]
    if clash:
        raise UsageError(f"--jvp does not go with {', '.join(clash)}: it pushes tangents forward through the graph "
                         "in place of a backward pass")
    return tuple((name, read_value(f"--jvp {name}", text, max_file_bytes))
                 for spec in specs for name, text in split_pairs(spec))


def _check_jacobian_options(**given: bool) -> None:
    """--jacobian runs its own backward passes: options about backward passes do not apply."""
    clashing = [f"--{name.replace('_', '-')}" for name, on in given.items() if on]
    if clashing:
        raise UsageError(f"--jacobian does not go with {', '.join(clashing)}: it runs one backward pass per "
                         "output element, seeded with that element's one-hot vector")


@app.command("graph")
def graph_command(
    expr: Expr = None,
    file: FileOption = None,
    var: VarOption = None,
    fmt: Annotated[Optional[GraphFormat], typer.Option(
        "--format", "-F", show_default=False,
        help="dot (Graphviz), mermaid (for GitHub Markdown), html (a page that plays both passes), or an "
             "image drawn by Graphviz's dot: png, svg, pdf. Default: from the -o file's extension, else dot.")]
    = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="FILE",
                                                  help="Write to FILE instead of stdout.")] = None,
    no_grad: NoGradOption = None,
    retain_grad: RetainGradOption = None,
    hook: HookOption = None,
    dtype: DTypeOption = DType.float64,
    gradient: GradientOption = None,
    max_source_bytes: MaxSourceOption = None,
    max_file_bytes: MaxFileOption = None,
    max_picture_nodes: Annotated[Optional[int], typer.Option(
        "--max-picture-nodes", metavar="N", min=1, show_default=False,
        help="The most nodes an HTML page or an image draws; default 20,000 (DOT and Mermaid: any size).")]
    = None,
    max_dot_seconds: Annotated[Optional[float], typer.Option(
        "--max-dot-seconds", metavar="N", min=0.001, show_default=False,
        help="How long Graphviz's dot may take to draw an image; default 60.")] = None,
    as_option: AsOptionOption = None,
):
    """Draw the graph of EXPR with every value and gradient: Graphviz DOT, Mermaid, an HTML page
    that plays the forward pass and then the backward pass step by step, or an image."""
    try:
        from agrad.evaluation.options import RunOptions
        from agrad.limits import MAX_DOT_BYTES, MAX_DOT_SECONDS, check_picture

        if expr is None and file is None:  # (graph draws one program: no batch from stdin)
            raise UsageError("no expression: give EXPR, or -f FILE (-f - reads the program from stdin)")
        chosen = fmt or _format_from_name(output)
        if chosen.value in BINARY_IMAGES and (output is None or output == "-") and sys.stdout.isatty():
            raise UsageError(f"a .{chosen.value} image is not for a terminal: write it with -o FILE.{chosen.value}, "
                             "or pipe it")
        options = RunOptions(no_grad=no_grad or (), retain_grad=retain_grad or (), dtype=dtype.value, trace=True,
                             max_source_bytes=source_limit(max_source_bytes))
        result = evaluation(expr, file, var, hook, gradient, options, max_file_bytes,
                            typo_suspects(as_option, "graph"))
        if chosen not in (GraphFormat.dot, GraphFormat.mermaid):
            what = "an HTML page" if chosen is GraphFormat.html else f"a .{chosen.value} image"
            check_picture(len(result.graph), what, max_picture_nodes)
        from agrad.render.picture import build

        picture = build(result, explain=chosen is GraphFormat.html)
        result = None  # the tensors are no longer needed: a big graph's text is made in their memory
        if chosen is GraphFormat.html:
            from agrad.render.html import render
        elif chosen is GraphFormat.mermaid:
            from agrad.render.mermaid import MAX_EDGES, render

            if len(picture.edges) > MAX_EDGES:
                print(f"agrad: warning: this graph has {len(picture.edges)} edges; Mermaid (and GitHub) draws "
                      f"at most {MAX_EDGES} by default: --format dot draws any size", file=sys.stderr)
        else:
            from agrad.render.dot import render
        text = render(picture)
        if chosen.value in IMAGES:
            from agrad.render.image import draw

            data = draw(text, chosen.value, max_dot_seconds or MAX_DOT_SECONDS, MAX_DOT_BYTES)
        else:
            data = (text + "\n").encode("utf-8")
        _write(data, output, text_for_terminal=chosen.value not in IMAGES)
    except AgradError as exc:
        fail(exc)


GRAPH_SUFFIXES = {".dot": GraphFormat.dot, ".gv": GraphFormat.dot, ".mmd": GraphFormat.mermaid,
                  ".mermaid": GraphFormat.mermaid, ".html": GraphFormat.html, ".htm": GraphFormat.html,
                  ".png": GraphFormat.png, ".svg": GraphFormat.svg, ".pdf": GraphFormat.pdf}
IMAGES = ("png", "svg", "pdf")  # drawn by Graphviz's dot (render/image.py)
BINARY_IMAGES = ("png", "pdf")


def _format_from_name(output: str | None) -> GraphFormat:
    """The format -o FILE's extension names; dot for stdout. An extension agrad does not write
    is a usage error (it used to get DOT text, whatever it said)."""
    if output is None or output == "-":
        return GraphFormat.dot
    suffix = os.path.splitext(output)[1].lower()
    if suffix not in GRAPH_SUFFIXES:
        raise UsageError(f"-o {output}: agrad graph writes {', '.join(GRAPH_SUFFIXES)} files; "
                         "name the file with one of them, or give --format")
    return GRAPH_SUFFIXES[suffix]


def _write(data: bytes, output: str | None, text_for_terminal: bool = True) -> None:
    """data to stdout, or to FILE whole (a temporary file beside it, renamed over it: render/files.py).
    Text for a terminal shows control characters (from names and comments) as escapes."""
    if output is None or output == "-":
        if text_for_terminal and sys.stdout.isatty():
            from agrad.render.visible import visible

            text = data.decode("utf-8")
            sys.stdout.write("\n".join(visible(line) for line in text.split("\n")))
        else:
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
        return
    from agrad.render.files import write_atomically

    try:
        write_atomically(output, data)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise BindingError(f"cannot write {output}: {getattr(exc, 'strerror', None) or exc}") from None


class FunctionsFormat(str, Enum):  # what `agrad functions` prints: its --help offers exactly these
    pretty = "pretty"
    json = "json"


class DiffFormat(str, Enum):
    agrad = "agrad"
    latex = "latex"
    torch = "torch"


@app.command("diff")
def diff_command(
    expr: Expr = None,
    file: FileOption = None,
    wrt: Annotated[Optional[List[str]], typer.Option("--wrt", metavar="NAME", show_default=False,
                                                     help="Differentiate with respect to NAME (repeatable).")]
    = None,
    order: Annotated[int, typer.Option("--order", metavar="N", help="The N-th derivative (1 to 6).")] = 1,
    fmt: Annotated[DiffFormat, typer.Option("--format", "-F", help="agrad (its own language), latex or torch.")]
    = DiffFormat.agrad,
    as_json: Annotated[bool, typer.Option("--json", help='One JSON object: {"x": "...", ...}.')] = False,
    steps: Annotated[bool, typer.Option("--steps", help="Print the chain rule as backward applies it.")] = False,
    vector: Annotated[Optional[List[str]], typer.Option(
        "--vector", metavar="NAME", show_default=False,
        help="Variable NAME is a vector, of any length (elementwise functions, sum, dot, norm).")] = None,
):
    """Print the derivative of EXPR as a formula: backward run symbolically through the op table's
    rules, simplified. `agrad diff - --wrt x` reads one program a line and writes JSON lines."""
    try:
        from agrad.render import derivative

        if steps and (expr == "-" or order != 1 or fmt is not DiffFormat.agrad or as_json):
            raise UsageError("--steps explains one program's first derivative, in agrad's language: "
                             "it goes with none of -, --order, --format and --json")
        if expr == "-" and file is None:
            failed = False
            for line, bad in derivative.batch_lines(sys.stdin, wrt or [], order, fmt.value, vector or []):
                print(line)
                failed = failed or bad
            raise typer.Exit(1 if failed else 0)
        source = _program_text(expr, file)
        if steps:
            print("\n".join(derivative.steps(source, wrt or [], vector or [])))
            return
        print(derivative.text(derivative.diff(source, wrt or [], order, fmt.value, vector or []), fmt.value,
                              as_json))
        for note in derivative.notes():
            print(f"agrad: note: {note}", file=sys.stderr)
    except AgradError as exc:
        fail(exc)


class PlotFormat(str, Enum):
    text = "text"
    csv = "csv"
    json = "json"
    html = "html"
    svg = "svg"
    png = "png"
    pdf = "pdf"


PLOT_SUFFIXES = {".txt": PlotFormat.text, ".csv": PlotFormat.csv, ".json": PlotFormat.json,
                 ".html": PlotFormat.html, ".htm": PlotFormat.html, ".svg": PlotFormat.svg,
                 ".png": PlotFormat.png, ".pdf": PlotFormat.pdf}


@app.command("plot")
def plot_command(
    expr: Expr = None,
    file: FileOption = None,
    var: Annotated[Optional[List[str]], typer.Option(
        "--var", metavar="NAME=VALUE",
        help="Bind a variable; `--NAME VALUE` works too. The one swept is given a range: --x A:B or "
             "A:B:N (N points, both ends included, 201 by default).")] = None,
    order: Annotated[int, typer.Option("--order", metavar="N", min=1,
                                       help="Draw the derivatives up to order N (2 adds f'').")] = 1,
    tangent: Annotated[Optional[str], typer.Option("--tangent", metavar="X0", show_default=False,
                                                   help="Add the tangent line at X0.")] = None,
    fmt: Annotated[Optional[PlotFormat], typer.Option(
        "--format", "-F", show_default=False,
        help="text (the drawing), csv or json (the points), html (a page), svg, png or pdf (images: "
             "pip install 'agrad[plot]'). Default: from the -o file's extension, else text.")] = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="FILE",
                                                  help="Write to FILE instead of stdout.")] = None,
    width: Annotated[Optional[int], typer.Option("--width", metavar="COLUMNS", min=30, show_default=False,
                                                 help="The drawing's width; default the terminal's.")] = None,
    height: Annotated[Optional[int], typer.Option("--height", metavar="LINES", min=8, show_default=False,
                                                  help="The drawing's height; default from the width and "
                                                       "the terminal's height.")] = None,
    max_source_bytes: MaxSourceOption = None,
    as_option: AsOptionOption = None,
):
    """Plot EXPR and its derivatives over a range of one variable, the others fixed: a drawing in
    the terminal, the points (csv, json, each equal to agrad eval there), a page or an image."""
    try:
        from agrad.batch.sweep import parse_range, sweep
        from agrad.render.plot import output_bytes

        chosen = fmt or _plot_format(output)
        if expr is None and file is None:
            raise UsageError("no expression: give EXPR, or -f FILE (-f - reads the program from stdin)")
        if chosen.value in BINARY_IMAGES and (output is None or output == "-") and sys.stdout.isatty():
            raise UsageError(f"a .{chosen.value} image is not for a terminal: write it with -o FILE.{chosen.value}, "
                             "or pipe it")
        source = _program_text(expr, file, source_limit(max_source_bytes))
        suspects = typo_suspects(as_option, "plot")
        check_typos(suspects, var, [source])
        swept = [spec for spec in var or [] if ":" in spec.partition("=")[2]]
        if len(swept) != 1:
            raise UsageError("agrad plot sweeps one variable: give it a range, as in --x -3:3 or --x 0:1:101"
                             if not swept else "agrad plot sweeps one variable: --"
                             + " and --".join(spec.partition("=")[0] for spec in swept) + " are ranges")
        name, _, text = swept[0].partition("=")
        bindings = parse_bindings([spec for spec in var if spec not in swept], None, suspects)
        at = None if tangent is None else read_value("tangent", tangent)
        if at is not None and not isinstance(at, float):
            raise BindingError(f"--tangent {tangent}: the tangent's point is one number")
        columns = sweep(source, parse_range(name, text), bindings, order, at, max_source_bytes)
        data = output_bytes(columns, chosen.value, (width, height), output is None or output == "-")
        # (the drawing's colours are its own escapes; render/plot.py showed the user's text safely)
        _write(data, output, text_for_terminal=chosen.value not in ("text", "png", "pdf"))
    except AgradError as exc:
        fail(exc)


def _plot_format(output: str | None) -> PlotFormat:
    if output is None or output == "-":
        return PlotFormat.text
    suffix = os.path.splitext(output)[1].lower()
    if suffix not in PLOT_SUFFIXES:
        raise UsageError(f"-o {output}: agrad plot writes {', '.join(PLOT_SUFFIXES)} files; "
                         "name the file with one of them, or give --format")
    return PLOT_SUFFIXES[suffix]
@app.command("repl")
def repl_command(
    digits: Annotated[Optional[int], typer.Option(
        "--digits", metavar="N", min=1, max=17, show_default=False,
        help="Significant digits of the numbers shown (default 6; 17 shows every number exactly).")] = None,
):
    """An interactive session: x = 3 makes a leaf, y = (x + w) * 2 a graph, :backward y adds into x.grad
    (:help lists the commands). Piped (agrad repl < lesson.txt) it prints the transcript and exits 1 if a
    line failed."""
    from agrad.repl.main import main as repl_main

    raise typer.Exit(repl_main(digits))
class Optimizer(str, Enum):
    sgd = "sgd"
    adam = "adam"
    adamw = "adamw"
    rmsprop = "rmsprop"
    adagrad = "adagrad"


class DescentFormat(str, Enum):
    text = "text"
    json = "json"


def _float_option(name: str, help_text: str):
    return Annotated[Optional[float], typer.Option(f"--{name}", metavar="X", show_default=False, help=help_text)]


@app.command("minimize")
def minimize_command(
    expr: Expr = None,
    file: FileOption = None,
    var: VarOption = None,
    optimizer: Annotated[Optimizer, typer.Option("--optimizer", "-O", help="torch.optim's optimizer.")]
    = Optimizer.sgd,
    lr: _float_option("lr", "Learning rate (torch's default: 0.001 for sgd, adam, adamw; 0.01 for rmsprop, "
                            "adagrad).") = None,
    momentum: _float_option("momentum", "sgd, rmsprop: momentum factor (0).") = None,
    dampening: _float_option("dampening", "sgd: dampening for momentum (0).") = None,
    nesterov: Annotated[bool, typer.Option("--nesterov", help="sgd: Nesterov momentum.")] = False,
    weight_decay: _float_option("weight-decay", "L2 penalty (0; adamw: 0.01, decoupled).") = None,
    betas: Annotated[Optional[str], typer.Option("--betas", metavar="B1,B2", show_default=False,
                                                 help="adam, adamw: the running averages' coefficients "
                                                      "(0.9,0.999).")] = None,
    eps: _float_option("eps", "adam, adamw, rmsprop (1e-8), adagrad (1e-10): added to the denominator.") = None,
    alpha: _float_option("alpha", "rmsprop: smoothing constant (0.99).") = None,
    centered: Annotated[bool, typer.Option("--centered", help="rmsprop: centered RMSprop.")] = False,
    lr_decay: _float_option("lr-decay", "adagrad: learning rate decay (0).") = None,
    initial_accumulator_value: _float_option("initial-accumulator-value", "adagrad: the sum's start (0).") = None,
    amsgrad: Annotated[bool, typer.Option("--amsgrad", help="adam, adamw: the AMSGrad variant.")] = False,
    maximize: Annotated[bool, typer.Option("--maximize", help="Maximize the expression instead.")] = False,
    steps: Annotated[int, typer.Option("--steps", metavar="N", min=0, help="The most updates (at most 10,000,000).")]
    = 1000,
    tol: Annotated[float, typer.Option("--tol", metavar="TOL", min=0.0,
                                       help="Stop when the loss changes by less than TOL in a step, or the "
                                            "gradient's norm is below TOL; 0: never.")] = 1e-10,
    every: Annotated[Optional[int], typer.Option("--every", metavar="K", min=1, show_default=False,
                                                 help="Print every K-th step (and the first and the last); "
                                                      "default: steps/10.")] = None,
    fmt: Annotated[DescentFormat, typer.Option("--format", "-F", help="text, or json: one record per printed "
                                                                      "step, then a final record.")]
    = DescentFormat.text,
    plot: Annotated[bool, typer.Option("--plot", help="Draw the loss curve in the terminal (plotext).")] = False,
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="FILE.html",
                                                  help="Write a page: the path on the loss's contour (two "
                                                       "variables), and the loss curve.")] = None,
    digits: Annotated[Optional[int], typer.Option(
        "--digits", metavar="N", min=1, max=17, show_default=False,
        help="Significant digits of the numbers in text output (default 6); JSON is exact.")] = None,
    as_option: AsOptionOption = None,
):
    """Minimize EXPR over its variables with a torch.optim optimizer, from the point the bindings
    give: each printed step's loss, values and gradients, and the final point. The trajectory is
    torch.optim's in float64 (README, "Gradient descent")."""
    try:
        from agrad.evaluation import optimizers

        given = dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov, weight_decay=weight_decay,
                     betas=None if betas is None else _betas(betas), eps=eps, alpha=alpha, centered=centered,
                     lr_decay=lr_decay, initial_accumulator_value=initial_accumulator_value, amsgrad=amsgrad,
                     maximize=maximize)
        chosen = optimizers.settings(optimizer.value, given)
        if output is not None and not output.lower().endswith((".html", ".htm")):
            raise UsageError(f"-o {output}: agrad minimize writes an HTML page; name the file .html")
        source = _program_text(expr, file)
        suspects = typo_suspects(as_option, "minimize")
        check_typos(suspects, var, [source])
        start = parse_bindings(var or [], None, suspects)
        from agrad.batch.descent import run_descent

        status = run_descent(source, start, optimizer.value, chosen, dict(
            steps=steps, tol=tol, every=every or max(1, steps // 10), json=fmt is DescentFormat.json, plot=plot,
            output=output, digits=digits))
    except AgradError as exc:
        fail(exc)
    raise typer.Exit(status)


def _betas(text: str) -> tuple:
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        return tuple(float(part) for part in parts)
    except ValueError:
        raise UsageError(f"--betas {text}: give two numbers, B1,B2 (torch's default is 0.9,0.999)") from None


@app.command("functions")
def functions_command(
    fmt: Annotated[FunctionsFormat, typer.Option("--format", "-F", help="pretty or json.")]
    = FunctionsFormat.pretty,
):
    """List the functions and operators: arity, derivatives, PyTorch grad_fn, edge conventions."""
    from agrad.render.functions import print_functions

    print_functions(fmt.value)


def parse_bindings(specs: list[str], max_file_bytes: int | None = None, suspects=None) -> dict:
    """`NAME=VALUE` texts to values: a float, or a numpy vector for `1,2,3`, `[1, 2, 3]`, `@FILE`
    and `@-`. suspects (typo_suspects): a name close to an option whose value is no value at
    all is that option misspelt, whatever the program."""
    bindings: dict = {}
    texts: dict[str, str] = {}
    for spec in specs:
        name, eq, value = spec.partition("=")
        try:
            if not eq:
                raise BindingError(f"--{name} needs a value: --{name} VALUE (or --var {name}=VALUE)")
            if name in bindings:
                raise BindingError(f"variable '{name}' is bound twice (--{name} {texts[name]} and --{name} {value})")
            bindings[name] = read_value(name, value, max_file_bytes)
        except BindingError:
            if suspects and name in suspects:
                raise typo_error(name, suspects[name], spec) from None
            raise
        texts[name] = value
    return bindings


# -- options misspelt: `--backwards 3` is --backward's typo, not a variable, unless the program uses it --

def typo_suspects(as_option, command: str = "eval") -> dict[str, list[str]]:
    """The names bound as `--NAME VALUE` that are close to one of the command's options, each
    with the options it is close to."""
    if not as_option:
        return {}
    from agrad.language.suggestions import close_options

    options = [option for option in _command_options(command) if option != "--bound-as-option"]
    found = {name: close_options(name, options) for name in as_option}
    return {name: close for name, close in found.items() if close}


def check_typos(suspects: dict, specs, sources) -> None:
    """A suspect that no program of `sources` names is a usage error; sources None: the
    programs are not known before the jobs run (stdin), so every suspect is one."""
    if not suspects:
        return
    names: set = set()
    if sources is not None:
        from agrad.language.names import is_name
        from agrad.language.parser import driver

        lexer = driver().lexer
        for source in sources:
            names.update(text for text in lexer.texts(source) if is_name(text))
    spec_of = {spec.partition("=")[0]: spec for spec in specs or []}
    for name, close in suspects.items():
        if name not in names:
            raise typo_error(name, close, spec_of.get(name, name))


def typo_error(name: str, close: list[str], spec: str) -> UsageError:
    from agrad.language.names import is_name

    _, eq, value = spec.partition("=")
    meant = f"no such option --{name} (did you mean {' or '.join(close)}?)"
    if not is_name(name):  # --max-node: no variable can have that name, so no --var advice
        return UsageError(meant)
    return UsageError(f"{meant}; to bind a variable of that name, write --var {name}={value if eq else 'VALUE'}")


def with_decimal_comma_note(exc: AgradError, specs) -> AgradError:
    """An error computing with a binding written like a decimal number with a comma (`--x 0,5`,
    the vector [0, 5]) says so after its message (and its hint); not when another binding is
    a vector written otherwise (`1,2,3`, `[1, 2]`, `@FILE`): vectors are meant then."""
    from agrad.values.read import decimal_comma

    values = [(name, value) for name, _, value in (spec.partition("=") for spec in specs or [])]
    notes = [f"--{name} {value} {note}" for name, value in values for note in [decimal_comma(value)] if note]
    if any(("," in value or "[" in value or value.startswith("@")) and not decimal_comma(value)
           for _, value in values):
        return exc
    if notes:
        from agrad.render.errors import message

        exc.message, exc.hint = f"{message(exc, reserved_names())} ({'; '.join(notes)})", None
    return exc


def read_value(option: str, text: str, max_file_bytes: int | None = None):
    """One option's value (a binding or --gradient), or a BindingError naming the option."""
    from agrad.evaluation.constants import constant_value
    from agrad.values.read import read_value as read

    try:
        return read(text, None if sys.stdin is None else sys.stdin.read, max_file_bytes, constant_value)
    except LimitError as exc:
        exc.message = f"--{option} {text}: {exc.message}"
        raise
    except BindingError as exc:  # an expression that is not a constant one: the caret is in `text`
        exc.message = f"bad value for --{option}: {exc.message}"
        raise
    except ValueError as exc:
        hint = ""
        if str(exc).endswith("is not a number"):
            hint = " (use an int, a float, inf or nan; for a vector 1,2,3 or [1, 2, 3] or @FILE)"
        raise BindingError(f"bad value for --{option}: {exc}{hint}") from None


def fail(exc: AgradError) -> None:
    """One clear line on stderr (plus the source line and a caret where there is a position),
    with the error's hint (render/errors.py)."""
    from agrad.render.errors import error_text

    sys.stderr.write(error_text(None, exc, reserved_names()))
    raise typer.Exit(exc.exit_code)


def reserved_names() -> frozenset:
    """eval's own options: a variable named like one cannot be bound as --NAME VALUE."""
    return frozenset(_command_options("eval"))


# -- argv rewriting -------------------------------------------------------------------------

BINDING_COMMANDS = ("eval", "graph", "plot", "minimize")  # the commands that take `--NAME VALUE` bindings


def click_command():
    """The Click group Typer builds from `app`, built once per process: building it reads every
    command's signature, which costs more than evaluating a small expression."""
    global _CLICK_COMMAND
    if _CLICK_COMMAND is None:
        import typer.main

        _CLICK_COMMAND = typer.main.get_command(app)
    return _CLICK_COMMAND


_CLICK_COMMAND = None


def _command_options(name: str) -> dict[str, bool]:
    """A command's own options, and whether each takes a value."""
    command = click_command().commands[name]
    options = {}
    for param in command.params:
        for opt in list(getattr(param, "opts", [])) + list(getattr(param, "secondary_opts", [])):
            if opt.startswith("-"):
                options[opt] = not getattr(param, "is_flag", False)
    options["--help"] = options["-h"] = False
    return options


class ArgvError(Exception):
    """A command line that cannot be read, found before Typer sees it; main prints it as a
    usage error (click's interface: exit_code, format_message)."""

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def format_message(self) -> str:
        return self.message


class MissingValue(ArgvError):
    """An option that takes a value came last, without one (click's wording)."""

    def __init__(self, option: str):
        super().__init__(f"Option '{option}' requires an argument.")
        self.option = option


# An argument that reads as a short option (-x, -Fplain, -j2) rather than as an expression
# (-x^2, -sin(x)): among several EXPRs, it is far more likely a mistyped option than a job.
_SHORT_OPTION_LIKE = re.compile(r"-[A-Za-z][A-Za-z0-9_]*\Z")


def _short_option_error(command: str, arg: str, known: dict) -> ArgvError:
    head = arg[:2]
    fix = f"write {head} {arg[2:]}" if known.get(head) else f"to bind {arg[1:]}, write --{arg[1:]} VALUE"
    return ArgvError(f"{arg} is not an option of agrad {command}: {fix}; an expression that starts with - "
                     f"goes after --, as in agrad {command} [OPTIONS] -- {arg}")


def _value_of(option: str, argv: list[str], i: int) -> str:
    if i + 1 >= len(argv):
        raise MissingValue(option)  # else the '--' put before the expression would become its value
    return argv[i + 1]


# Options whose value may be left out (`--check` is `--check 1`; `--check 2` gives the value,
# and a whole number after it is its value, so that `--check 3` is refused as out of range).
OPTIONAL_VALUES = {"--check": "1"}


def rewrite_argv(argv: list[str]) -> list[str]:
    """Turn `--NAME VALUE` and `--NAME=VALUE` for unknown NAMEs into `--var NAME=VALUE` (and
    note NAME in the hidden `--bound-as-option`, for check_typos).

    After `--`, an argument is an expression even when it starts with `-` (`-x`, `-F`); one that
    starts with `--` is still an option or a binding, so that `agrad eval -- -x --x 2` binds x.
    Among several EXPRs, one that reads as a short option (`-x`, `-Fplain`) before `--` is an
    error (ArgvError) rather than a job."""
    if not argv or argv[0] not in BINDING_COMMANDS:
        return list(argv)
    known = _command_options(argv[0])
    # eval's options that graph has not (--trace, --backward, ...) are refused by graph rather
    # than taken for variables; eval keeps taking graph's --output as a variable, as it always did.
    elsewhere = set(_command_options("eval")) - set(known) if argv[0] in ("graph", "plot") else set()
    out = [argv[0]]
    positional: list[str] = []
    option_like: list[str] = []
    bound: list[str] = []
    after_dashes = False
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg == "--" and not after_dashes:
            after_dashes = True
        elif arg.startswith("--") and len(arg) > 2:
            option, eq, value = arg.partition("=")
            if option in OPTIONAL_VALUES and not eq and (i + 1 >= len(argv) or not argv[i + 1].isdigit()):
                out += [option, OPTIONAL_VALUES[option]]  # `--check` alone: --check 1
            elif option in known:
                out.append(arg)
                if known[option] and not eq:
                    out.append(_value_of(option, argv, i))
                    i += 1
            elif option in elsewhere:
                out.append(arg)  # Typer answers: No such option: --trace
            else:
                bound.append(option[2:])
                if eq:
                    out += ["--var", f"{option[2:]}={value}"]
                elif i + 1 < len(argv) and not _is_option(argv[i + 1], known, elsewhere):
                    out += ["--var", f"{option[2:]}={argv[i + 1]}"]
                    i += 1
                else:  # (no value: `--x --format json` is not x bound to "--format")
                    out += ["--var", option[2:]]
        elif not after_dashes and arg.startswith("-") and arg in known:
            out.append(arg)
            if known[arg]:
                out.append(_value_of(arg, argv, i))
                i += 1
        else:
            positional.append(arg)  # the expression, even one that starts with '-' ("-x^2")
            if not after_dashes and _SHORT_OPTION_LIKE.match(arg):
                option_like.append(arg)
        i += 1
    if option_like and len(positional) > 1:
        raise _short_option_error(argv[0], option_like[0], known)
    for name in bound:
        out += ["--bound-as-option", name]
    return out + ["--"] + positional if positional else out


def _is_option(arg: str, known: dict, elsewhere: set) -> bool:
    """Whether `arg` is one of the command's options (`--format`, `--format=json`, `-F`)."""
    name = arg.partition("=")[0] if arg.startswith("--") else arg
    return name in known or name in elsewhere


def main(argv: list[str] | None = None) -> None:
    """The command, inside agrad's error boundary: whatever happens, one line on stderr and a
    documented exit status, never a traceback (README, Errors and exit codes)."""
    args = sys.argv[1:] if argv is None else argv
    guard_standard_streams()
    _terminate_on_signals()
    try:
        status = _command(args)
        flush_output()  # here, not at exit: a failed write must still be reported
    except KeyboardInterrupt as exc:  # Ctrl-C; SIGTERM and SIGHUP (errors.Terminated)
        from agrad.errors import interruption

        message, status = interruption(exc)
        _abandon_output()
        _say(f"agrad: {message}\n")
    except BrokenPipeError:
        # The reader went away (`agrad ... | head -1`): leave quietly, with what was computed.
        _abandon_output()
        status = 0
    except OutputLost as exc:
        _abandon_output()
        _say(f"agrad: cannot write the output: {exc.reason}\n")
        status = OutputLost.exit_code
    except OSError as exc:
        if exc.errno not in OUTPUT_ERRNOS:
            raise
        _abandon_output()  # a write of stdout (print, Rich) failed: the disk is full, ...
        _say(f"agrad: cannot write the output: {exc.strerror or exc}\n")
        status = OutputLost.exit_code
    except MemoryError:
        _abandon_output()
        _say("agrad: out of memory: this computation needs more memory than this process may use\n")
        status = 1
    sys.exit(status)


# The errors of a write to stdout that reach the boundary from print() or Rich (agrad's own
# writers raise OutputLost); an OSError of any other kind is a bug, shown as such.
OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EIO, errno.EBADF, errno.EFBIG, errno.EDQUOT, errno.EROFS})


def _command(args: list[str]) -> int:
    """Run the command (Click, without its standalone handlers: Typer's would turn EPIPE and
    Ctrl-C into silent exit statuses), and return its exit status."""
    try:
        command = click_command()
        with command.make_context("agrad", rewrite_argv(args)) as ctx:
            status = command.invoke(ctx)
    except typer.Exit as exc:
        status = exc.exit_code
    except (KeyboardInterrupt, OSError, OutputLost, MemoryError):
        raise
    except SystemExit as exc:
        if _raised_in(exc, "on_broken_pipe"):  # Rich's answer to EPIPE is exit(1): agrad's is quiet, 0
            raise BrokenPipeError from None
        raise
    except Exception as exc:
        # Typer's (click's) own command-line errors, which standalone mode would print as a
        # multi-line usage block: one line instead, like every other agrad error.
        if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):
            raise
        if type(exc).__name__ == "NoArgsIsHelpError":  # `agrad` alone: the help, as click shows it
            print(exc.format_message(), file=sys.stderr)
            return exc.exit_code
        command = next((a for a in args if a in ("eval", "graph", "diff", "plot", "repl", "minimize", "functions")),
                       None)
        help_hint = f"agrad {command} --help" if command else "agrad --help"
        from agrad.render.visible import visible  # click's message can quote the user's text

        print(f"agrad: usage error: {visible(exc.format_message())} (see {help_hint})", file=sys.stderr)
        return exc.exit_code
    return status if isinstance(status, int) else 0


def _terminate_on_signals() -> None:
    """SIGTERM and SIGHUP raise errors.Terminated, which unwinds like Ctrl-C (a batch stops its
    workers); a second one acts at once (the default action). Left alone when ignored (nohup)."""
    import signal

    from agrad.errors import Terminated

    def terminated(signum, frame):
        signal.signal(signum, signal.SIG_DFL)
        raise Terminated(signum, signal.Signals(signum).name)

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        try:
            if number is not None and signal.getsignal(number) == signal.SIG_DFL:
                signal.signal(number, terminated)
        except (ValueError, OSError):  # pragma: no cover - not the main thread
            pass


def _raised_in(exc: BaseException, function: str) -> bool:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_name == function


class _ClosedOutput:
    """sys.stdout when agrad was started with stdout closed (`>&-`): there is nowhere to put
    the results, so the first write is that error (and not an AttributeError on None)."""

    encoding = "utf-8"
    errors = "strict"

    def write(self, text: str | bytes) -> int:
        if not text:
            return 0
        raise OutputLost("standard output is closed")

    @property
    def buffer(self) -> "_ClosedOutput":  # bytes (agrad graph's images and DOT) go nowhere too
        return self

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def guard_standard_streams() -> None:
    """A closed stdin, stdout or stderr (`<&-`, `>&-`, `2>&-`): Python makes it None. Each
    descriptor is then held by /dev/null, so that no pipe or file agrad opens takes its number
    (a worker's pipe on descriptor 1 would receive results); stdin stays None (reading it is a
    usage error, "there is no standard input"), stdout becomes _ClosedOutput, stderr /dev/null."""
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        if getattr(sys, name) is not None:
            continue
        try:
            os.fstat(fd)
        except OSError:
            try:
                held = os.open(os.devnull, os.O_RDWR)
                if held != fd:
                    os.dup2(held, fd)
                    os.close(held)
            except OSError:  # pragma: no cover
                pass
        if name == "stdout":
            sys.stdout = _ClosedOutput()
        elif name == "stderr":
            sys.stderr = open(os.devnull, "w")


def flush_output() -> None:
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputLost(exc.strerror or str(exc)) from None


def _abandon_output() -> None:
    from agrad.batch.output import abandon_stream

    abandon_stream(sys.stdout)


def _say(text: str) -> None:
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass  # stderr is gone too: the exit status still tells
