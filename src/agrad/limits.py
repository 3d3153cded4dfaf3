"""agrad's input limits, each stated once and enforced in one place.

- The source (an expression, a `-f` program, one line of a batch): at most MAX_SOURCE_BYTES of
  UTF-8 by default, raised with `--max-source-bytes N` (api.run's `max_source_bytes`) up to
  SOURCE_BYTES_CEILING. api.run checks every source; a batch's line reader skips a longer line
  without holding it; `-f FILE` reads no further than the limit.
  Why 1 MiB: the engine's time and memory grow with the number of nodes, and 1 MiB of the
  densest text (`x+x+...`, 500,000 nodes) takes about 16 s and 450 MB on the project's 2-core
  machine; the ceiling, 100 MiB, is about 30 minutes and 45 GB of that kind of text, but
  seconds for a program of long numbers or comments.
- Nesting depth: no limit. Nothing recurses from source text to gradients (the parser, lowering
  and backward use explicit stacks), so 1,000,000 nested parentheses work under a raised cap.
- Numbers: float64; beyond its range they are inf (`1e400`), below it 0 or a subnormal.
- Names: any length (a name is one token; the source cap bounds it).
- `@FILE` and `@-` bindings: at most MAX_FILE_BYTES read, raised with `--max-file-bytes N`.
  A file is read as numbers only, so a vector's length is bounded by the file's size (and by
  the argument's size, for `1,2,3` written inline); the Python API takes vectors of any length.

Cost bounds of one evaluation (one expression, one line of a batch), all counted per thread and
per asyncio task, checked while they are spent (engine/budget.py), and past them a LimitError
(kind `limit`, exit 2; in a batch an error record for that line) naming the bound and its flag:
- Nodes: at most MAX_NODES (5,000,000) op results made in one evaluation, raised with
  `--max-nodes N` (api.run's `max_nodes`). Every op counts, wherever it runs: the forward pass,
  nested `grad()`, `--order`, each `--backward` pass, hooks, Hessian and Jacobian passes, all
  against the one budget; a vector result of n elements counts 1 + n/32 (its 8n bytes in units
  of a node). Why 5,000,000: a node kept in a graph measured 273 bytes (a chain of 1,000,000
  MulBackward0 nodes grew the process by 273 MB on the project's machine: the Tensor, its inputs
  tuple and its float), so the budget is about 1.4 GB of graph at most; making a node takes about
  4.5 us, so it also ends a bomb (`grad()` nested 12 deep, `--order 30` on nested passes) within
  about 25 s. `--order` in Taylor mode (engine/taylor.py) makes no nodes but charges `order` for
  each node's series (its N+1 coefficients, O(N^2) work).
- Order: at most MAX_ORDER (100) for `--order`, a LimitError past it. Why: Taylor mode's cost is
  O(N^2) a node and its coefficients grow like k! (x^x's 100th derivative at 0.7 is about 2e169), so
  past 100 the numbers leave float64's range for most functions (170! overflows).
- Backward steps: at most MAX_BACKWARD_STEPS (2,000,000) steps of backward passes, summed over
  every pass of the evaluation: a step per node a pass visits and one per input of it (a rule
  that may run), and PASS_STEPS (10) per pass for its fixed cost; raised with
  `--max-backward-steps N` (api.run's `max_backward_steps`). Passes whose number is known
  (`--backward N`, a Jacobian's one per output element) are refused before the first when they
  cannot fit. Why: a pass that makes no node still costs time (`--backward 1000000` on `x*w`,
  a 3,000-row Jacobian); a step costs 2 to 10 us of CPU, so this ends within about 20 s, while
  one pass over the largest graph a 1 MiB source makes (`x+x+...`: 500,000 nodes, 1,000,000
  inputs) fits.
- Hessian entries: at most MAX_HESSIAN_ENTRIES (1,000,000: 1,000 elements) in a `--hessian`
  matrix, refused before any pass runs, raised with `--max-hessian-entries N` (api.run's
  `max_hessian_entries`). Why: the matrix is held whole and printed (about 20 MB of JSON at the
  default); it needs one pass per element, each bounded by the budgets above.
- Jacobian entries: at most MAX_JACOBIAN_ENTRIES (10,000,000) in a `--jacobian` (the output's
  elements times the variables' elements), refused before any pass runs, raised with
  `--max-jacobian-entries N` (api.run's `max_jacobian_entries`). Why: the matrices are held whole
  (80 MB of float64 at the default, several times that as Python floats and JSON); the passes, one
  per output element, are bounded by the backward steps above.
- Gradient checks: at most MAX_CHECK_EVALUATIONS (20,001) evaluations in a `--check` (2n+1 for
  n input elements, 4n+2 with `--check 2`), refused before any runs, raised with
  `--max-check-evaluations N` (api.run's `max_check_evaluations`). Why: each evaluation is a
  whole forward pass (and backward, for `--check 2`), so the check costs about 2n times the
  evaluation; 10,000 elements is where that stops being a check and becomes a wait.
- Pictures (`agrad graph`): the HTML page and the images (PNG, SVG, PDF) draw at most
  MAX_PICTURE_NODES nodes, raised with `--max-picture-nodes N`; past it they are refused with a
  limit error that suggests DOT or Mermaid, which have no node limit (their text is linear in
  the graph: a 1 MiB `x+x+...`, 1,000,000 nodes, is about 150 MB of DOT).
  Why 20,000: the page carries every node's words for both passes and its layout (about
  1.2 KB a node; 20,000 nodes are about 25 MB, which a browser still opens), and the layout's
  cost grows faster than the nodes (a 1,000,000-node page took 102 s, 5.7 GB and 601 MB). A
  graph that big cannot be read in one picture anyway.
- Notebooks (a Result or a Tensor shown in Jupyter: render/notebook.py): the graph page is drawn
  inline for at most MAX_NOTEBOOK_NODES nodes; past it the output says so and points to
  `agrad graph -o`. Why 1,000: the page is kept in the notebook file, escaped into an iframe's
  srcdoc (about 1.6 KB a node: 1,000 nodes are about 1.6 MB), and a notebook of several such
  outputs grows past what Jupyter opens quickly; the pretty tree beside it is cut at 400 nodes.
- Graphviz's `dot`, which draws the images, runs at most MAX_DOT_SECONDS (`--max-dot-seconds N`)
  with at most MAX_DOT_BYTES of address space: its layout is not linear (x+x+...+x with 100 terms
  takes over 30 s, with 2,000 terms over 100 s and 12 GB), so the node limit alone cannot bound it.
- Worker processes of a batch (`--jobs N`): at most WORKERS_PER_CORE per core this process may
  run on, and never more than there are chunks of jobs to give them; a larger N is clamped, with
  a note on stderr (not an error: a script written for a large machine still runs on a small
  one, with the same results). Why 2 per core: the jobs are pure computation, so past one worker
  per core more workers only share the same cores; the second per core covers a worker stalled
  on its pipes. Each worker costs a process and a few MB, and `--jobs 1000` once meant 1,001
  processes and 1.66 GB for two jobs.
- Points of `agrad plot` (A:B:N): at most MAX_PLOT_POINTS (1,000,000), a LimitError past it with
  a caret under N. Why: the columns are held whole (8 bytes a number, a few columns) and written
  as text (about 60 MB of CSV at the limit); the vectorized first derivative of a million points
  takes about a second (bench/plot.py), while a terminal or a picture shows a few thousand at
  most. Orders above 1 run one evaluation a point (0.3 to 0.9 ms each): a million of them is
  minutes, so ask for fewer.
"""

from __future__ import annotations

from agrad.errors import LimitError

MiB = 1024 * 1024
MAX_SOURCE_BYTES = 1 * MiB
SOURCE_BYTES_CEILING = 100 * MiB
MAX_FILE_BYTES = 256 * MiB
MAX_NODES = 5_000_000
MAX_BACKWARD_STEPS = 2_000_000
PASS_STEPS = 10
MAX_HESSIAN_ENTRIES = 1_000_000
MAX_JACOBIAN_ENTRIES = 10_000_000
MAX_ORDER = 100  # --order: Taylor mode's series hold order + 1 numbers a node (engine/taylor.py)
MAX_CHECK_EVALUATIONS = 20_001  # --check: 2n+1 evaluations for n input elements (n = 10,000)
# agrad minimize --steps: each step is one evaluation and backward pass of the loss (tens of
# microseconds for a small scalar program: bench/minimize.py), so 10,000,000 steps are minutes.
MAX_MINIMIZE_STEPS = 10_000_000
WORKERS_PER_CORE = 2
# Pretty output (render/tables.py) shows at most PRETTY_ROWS rows of the trace and of the passes
# table, and PRETTY_MATRIX rows and columns of a Hessian or a Jacobian, then one line that says
# how much is left out: a person does not read past a few screens, and the cut keeps a pretty
# table's cost at what JSON's costs (a 1,000-element Hessian once took 16.7 s pretty, 0.7 s as
# JSON). Nothing is refused: --format json (or plain) gives every row.
PRETTY_ROWS = 200
PRETTY_MATRIX = 24


def max_workers(cores: int) -> int:
    """The most worker processes a batch starts on a machine with `cores` cores."""
    return WORKERS_PER_CORE * max(cores, 1)


def source_limit(value: int | None) -> int:
    """The source cap asked for (None: the default), checked against the ceiling."""
    if value is None:
        return MAX_SOURCE_BYTES
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise LimitError(f"--max-source-bytes must be a positive whole number of bytes, not {value!r}")
    if value > SOURCE_BYTES_CEILING:
        raise LimitError(f"--max-source-bytes {value}: the most agrad takes is {SOURCE_BYTES_CEILING} "
                         f"({SOURCE_BYTES_CEILING // MiB} MiB)")
    return value


def too_long(what: str, limit: int, size: int | None = None) -> str:
    """The message for a source past the cap: what, how long, the limit and the flag."""
    measured = f" is {size} bytes," if size is not None else " is"
    return (f"{what}{measured} longer than the limit of {limit} bytes "
            f"(--max-source-bytes N raises it, up to {SOURCE_BYTES_CEILING})")


def check_source(source: str, limit: int | None = None) -> None:
    """Raise LimitError when `source` is longer than the cap, in UTF-8 bytes."""
    limit = source_limit(limit)
    if len(source) * 4 <= limit:  # every character is at most 4 bytes: no need to encode
        return
    size = len(source.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise LimitError(too_long("the source", limit, size))


MAX_PLOT_POINTS = 1_000_000


def check_plot_points(count: int, span=None, text: str | None = None) -> None:
    """Raise LimitError when a plot's range asks for more than MAX_PLOT_POINTS points."""
    if count > MAX_PLOT_POINTS:
        raise LimitError(f"{count} points is more than the {MAX_PLOT_POINTS} agrad plot computes", span, text)


MAX_PICTURE_NODES = 20_000
MAX_NOTEBOOK_NODES = 1_000  # a graph page drawn inline in a notebook (render/notebook.py)
MAX_DOT_SECONDS = 60
MAX_DOT_BYTES = 2 * 1024 * MiB


def check_picture(nodes: int, what: str, limit: int | None = None) -> None:
    """Raise LimitError when a picture (`what`: "an HTML page", "a .png image") of a graph of
    `nodes` nodes would pass the node limit."""
    limit = MAX_PICTURE_NODES if limit is None else limit
    if nodes > limit:
        raise LimitError(f"the graph has {nodes} nodes, more than the {limit} that {what} draws "
                         f"(--max-picture-nodes N raises the limit); --format dot or mermaid writes any size")


def file_limit(value: int | None) -> int:
    if value is None:
        return MAX_FILE_BYTES
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise LimitError(f"--max-file-bytes must be a positive whole number of bytes, not {value!r}")
    return value


def file_too_big(origin: str, limit: int) -> str:
    return (f"{origin} is longer than the limit of {limit} bytes for a file of numbers "
            f"(--max-file-bytes N raises it)")


# -- cost bounds of one evaluation ---------------------------------------------------------------

COST_FLAGS = {"max_nodes": ("--max-nodes", MAX_NODES), "max_backward_steps": ("--max-backward-steps", MAX_BACKWARD_STEPS),
              "max_hessian_entries": ("--max-hessian-entries", MAX_HESSIAN_ENTRIES),
              "max_jacobian_entries": ("--max-jacobian-entries", MAX_JACOBIAN_ENTRIES),
              "max_check_evaluations": ("--max-check-evaluations", MAX_CHECK_EVALUATIONS)}


def cost_limit(name: str, value: int | None) -> int:
    """One of the cost bounds asked for (None: its default), by its RunOptions name."""
    flag, default = COST_FLAGS[name]
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise LimitError(f"{flag} must be a positive whole number, not {value!r}")
    return value


def too_costly(what: str, name: str, limit: int) -> str:
    """The message for an evaluation past a cost bound: what, the limit and the flag."""
    flag = COST_FLAGS[name][0]
    return f"{what}: past the limit of {limit} ({flag} N raises it)"
