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
import sys
from enum import Enum
from typing import List, Optional

import typer
from typing import Annotated

from agrad import __version__
from agrad.errors import AgradError, BindingError, LimitError, OutputLost, UsageError
from agrad.limits import source_limit, too_long

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
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


class DType(str, Enum):
    float64 = "float64"
    float32 = "float32"


class GraphFormat(str, Enum):
    dot = "dot"
    mermaid = "mermaid"
    html = "html"


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
GradientOption = Annotated[Optional[str], typer.Option(
    "--gradient", metavar="SEED",
    help="Backpropagate from SEED, a value of the output's shape (1,0.5 or [1, 0.5] or @FILE): "
         "the vector-Jacobian product, torch's y.backward(gradient).")]


def evaluation(expr, file, var, hook, gradient, options, max_file_bytes: int | None = None):
    """Run the program the shared options describe (api.run): the text (EXPR or -f FILE), the
    bindings (--var), the hooks and the seed (--gradient) read here, the rest of the options
    (a RunOptions, options.py) as the command built them."""
    from agrad.evaluation.api import run

    readers = [spec.partition("=")[2] for spec in var or []] + [gradient, "@-" if file == "-" else None]
    if readers.count("@-") > 1:
        raise UsageError("only one value can be read from standard input (@- or -f -)")
    source = _program_text(expr, file, options.max_source_bytes)
    bindings = parse_bindings(var or [], max_file_bytes)
    hooks = tuple(_hook_spec(spec) for spec in hook or [])
    seed = None if gradient is None else read_value("gradient", gradient, max_file_bytes)
    return run(source, bindings, options.replace(hooks=hooks, gradient=seed))


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
        "--jacobian", help="Print the full Jacobian of the output with respect to every variable.")] = False,
    max_source_bytes: MaxSourceOption = None,
    max_file_bytes: MaxFileOption = None,
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
                             jacobian=jacobian, max_source_bytes=source_limit(max_source_bytes))
        if jacobian:
            _check_jacobian_options(gradient=gradient is not None, backward=backward > 1, zero_grad=zero_grad,
                                    trace=trace, order=order > 0, hessian=hessian, retain_grad=bool(retain_grad))
            if fmt is Format.csv:
                raise UsageError("--jacobian has no columns in csv output: use --format json, plain or pretty")
        if points is None and len(exprs) <= 1 and exprs != ["-"]:
            if fmt is Format.csv and grad is None:
                from agrad.render.formats import check_options

                check_options("csv", options)
            result = evaluation(exprs[0] if exprs else None, file, var, hook, gradient, options, max_file_bytes)
            _print_one(result, fmt or Format.pretty, grad, tuple(spec.partition("=")[0] for spec in var or []))
            return
        from agrad.batch.jobs import BatchOptions

        _check_one_stdin_reader(exprs, points, var, gradient)
        options = options.replace(hooks=tuple(_hook_spec(spec) for spec in hook or []))
        bindings = parse_bindings(var or [], max_file_bytes)
        if gradient is not None:  # every job's seed, unless a JSON job gives its own
            options = options.replace(gradient=read_value("gradient", gradient, max_file_bytes))
        batch = BatchOptions(fmt=None if grad is None and fmt is None else "grad" if grad is not None else fmt.value,
                             grad=grad, fail_fast=fail_fast, jobs=jobs, run=options, reserved=reserved_names(),
                             progress={None: "auto", True: "on", False: "off"}[progress])
        status = _eval_batch(exprs, file, points, bindings, batch)
    except AgradError as exc:
        fail(exc)
    raise typer.Exit(status)


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


def _print_one(result, fmt: Format, grad: str | None, bound: tuple) -> None:
    """One program's output: the renderer a batch uses for each job (render/formats.py), with
    no line number. bound: the variables in the order the command line binds them, which is the
    order of csv's columns, as in a batch (then the retained intermediates)."""
    from agrad.render.formats import Formatter

    if grad is not None:
        formatter = Formatter("grad", grad=grad)
    elif fmt is Format.pretty:
        from agrad.render.pretty import settings

        formatter = Formatter("pretty", console=settings(sys.stdout))
    else:
        formatter = Formatter(fmt.value, bound + tuple(name for name in result.grads if name not in bound))
    outcome = formatter.result(None, result)
    if outcome.err:
        sys.stderr.write(outcome.err)
    sys.stdout.write(formatter.header() + outcome.out)


def _eval_batch(exprs: list, file: str | None, points: str | None, bindings: dict, options) -> int:
    """Several EXPRs, - (stdin) or --points: one result per job, with a batch's options
    (BatchOptions; its fmt None for the default); returns the exit status."""
    if points is not None:
        if len(exprs) > 1 or exprs == ["-"]:
            raise UsageError("--points takes exactly one expression (or -f FILE)")
        if file == "-" and points == "-":
            raise UsageError("-f - and --points - cannot both read stdin")
        source = _program_text(exprs[0] if exprs else None, file, options.run.max_source_bytes)
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
            raise BindingError("no expression: give EXPR or -f FILE")
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
        help="dot (Graphviz), mermaid (for GitHub Markdown) or html (a page that plays both passes). "
             "Default: from the -o file's extension, else dot.")] = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="FILE",
                                                  help="Write to FILE instead of stdout.")] = None,
    no_grad: NoGradOption = None,
    retain_grad: RetainGradOption = None,
    hook: HookOption = None,
    dtype: DTypeOption = DType.float64,
    gradient: GradientOption = None,
    max_source_bytes: MaxSourceOption = None,
    max_file_bytes: MaxFileOption = None,
):
    """Draw the graph of EXPR with every value and gradient: Graphviz DOT, Mermaid, or an HTML page
    that plays the forward pass and then the backward pass step by step."""
    try:
        from agrad.evaluation.options import RunOptions

        options = RunOptions(no_grad=no_grad or (), retain_grad=retain_grad or (), dtype=dtype.value, trace=True,
                             max_source_bytes=source_limit(max_source_bytes))
        result = evaluation(expr, file, var, hook, gradient, options, max_file_bytes)
        chosen = fmt or _format_from_name(output)
        from agrad.render.picture import build

        picture = build(result)
        if chosen is GraphFormat.html:
            from agrad.render.html import render
        elif chosen is GraphFormat.mermaid:
            from agrad.render.mermaid import MAX_EDGES, render

            if len(picture.edges) > MAX_EDGES:
                print(f"agrad: warning: this graph has {len(picture.edges)} edges; Mermaid (and GitHub) draws "
                      f"at most {MAX_EDGES} by default: --format dot or html draws any size", file=sys.stderr)
        else:
            from agrad.render.dot import render
        _write(render(picture) + "\n", output)
    except AgradError as exc:
        fail(exc)


GRAPH_SUFFIXES = {".dot": GraphFormat.dot, ".gv": GraphFormat.dot, ".mmd": GraphFormat.mermaid,
                  ".mermaid": GraphFormat.mermaid, ".html": GraphFormat.html, ".htm": GraphFormat.html}


def _format_from_name(output: str | None) -> GraphFormat:
    suffix = os.path.splitext(output or "")[1].lower()
    return GRAPH_SUFFIXES.get(suffix, GraphFormat.dot)


def _write(text: str, output: str | None) -> None:
    if output is None or output == "-":
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise BindingError(f"cannot write {output}: {getattr(exc, 'strerror', None) or exc}") from None


@app.command("functions")
def functions_command(
    fmt: Annotated[Format, typer.Option("--format", "-F", help="pretty or json.")] = Format.pretty,
):
    """List the functions and operators: arity, derivatives, PyTorch grad_fn, edge conventions."""
    from agrad.render.functions import print_functions

    if fmt not in (Format.pretty, Format.json):
        fail(UsageError(f"--format {fmt.value}: agrad functions prints pretty or json"))
    print_functions(fmt.value)


def parse_bindings(specs: list[str], max_file_bytes: int | None = None) -> dict:
    """`NAME=VALUE` texts to values: a float, or a numpy vector for `1,2,3`, `[1, 2, 3]`, `@FILE`
    and `@-`."""
    bindings: dict = {}
    texts: dict[str, str] = {}
    for spec in specs:
        name, eq, value = spec.partition("=")
        if not eq:
            raise BindingError(f"--{name} needs a value: --{name} VALUE (or --var {name}=VALUE)")
        if name in bindings:
            raise BindingError(f"variable '{name}' is bound twice (--{name} {texts[name]} and --{name} {value})")
        bindings[name] = read_value(name, value, max_file_bytes)
        texts[name] = value
    return bindings


def read_value(option: str, text: str, max_file_bytes: int | None = None):
    """One option's value (a binding or --gradient), or a BindingError naming the option."""
    from agrad.values.read import read_value as read

    try:
        return read(text, None if sys.stdin is None else sys.stdin.read, max_file_bytes)
    except LimitError as exc:
        exc.message = f"--{option} {text}: {exc.message}"
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

BINDING_COMMANDS = ("eval", "graph")  # the commands that take `--NAME VALUE` bindings


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
    options["--help"] = False
    return options


class MissingValue(Exception):
    """An option that takes a value came last, without one (click's wording)."""

    exit_code = 2

    def __init__(self, option: str):
        super().__init__(option)
        self.option = option

    def format_message(self) -> str:
        return f"Option '{self.option}' requires an argument."


def _value_of(option: str, argv: list[str], i: int) -> str:
    if i + 1 >= len(argv):
        raise MissingValue(option)  # else the '--' put before the expression would become its value
    return argv[i + 1]


def rewrite_argv(argv: list[str]) -> list[str]:
    """Turn `--NAME VALUE` and `--NAME=VALUE` for unknown NAMEs into `--var NAME=VALUE`."""
    if not argv or argv[0] not in BINDING_COMMANDS:
        return list(argv)
    known = _command_options(argv[0])
    # eval's options that graph has not (--trace, --backward, ...) are refused by graph rather
    # than taken for variables; eval keeps taking graph's --output as a variable, as it always did.
    elsewhere = set(_command_options("eval")) - set(known) if argv[0] == "graph" else set()
    out = [argv[0]]
    positional: list[str] = []
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            positional.extend(argv[i + 1:])
            break
        if arg.startswith("--") and len(arg) > 2:
            option, eq, value = arg.partition("=")
            if option in known:
                out.append(arg)
                if known[option] and not eq:
                    out.append(_value_of(option, argv, i))
                    i += 1
            elif option in elsewhere:
                out.append(arg)  # Typer answers: No such option: --trace
            elif eq:
                out += ["--var", f"{option[2:]}={value}"]
            elif i + 1 < len(argv):
                out += ["--var", f"{option[2:]}={argv[i + 1]}"]
                i += 1
            else:
                out += ["--var", option[2:]]
        elif arg.startswith("-") and arg in known:
            out.append(arg)
            if known[arg]:
                out.append(_value_of(arg, argv, i))
                i += 1
        else:
            positional.append(arg)  # the expression, even one that starts with '-' ("-x^2")
        i += 1
    return out + ["--"] + positional if positional else out


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
        command = next((a for a in args if a in ("eval", "graph", "functions")), None)
        help_hint = f"agrad {command} --help" if command else "agrad --help"
        print(f"agrad: usage error: {exc.format_message()} (see {help_hint})", file=sys.stderr)
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

    def write(self, text: str) -> int:
        if not text:
            return 0
        raise OutputLost("standard output is closed")

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
    """After a failed or unwanted write: whatever is still buffered for stdout goes to
    /dev/null, so that the interpreter's flush at exit has nothing to complain about."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _say(text: str) -> None:
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass  # stderr is gone too: the exit status still tells
