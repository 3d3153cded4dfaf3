"""Batches: many jobs in, exactly one result each out, in input order.

A job is a line of stdin (`agrad eval -`), an EXPR argument, or a row of `--points`. Lines are
read in binary and judged one at a time: a line that cannot be read or computed gives an error
record in its place and the batch goes on (`--fail-fast` stops it). Jobs are cut into chunks,
computed in this process or over worker processes (`--jobs`), and written in order; a chunk is
also cut whenever the input would block, so a slow producer gets each result as soon as its line
is in. Exit status: 0 when every job succeeded, 1 when any failed, 130 on Ctrl-C, 128 + the
signal on SIGTERM or SIGHUP. A worker that dies costs the jobs it held an `internal` record each
(workers.py); the rest of the batch goes on.
"""

from __future__ import annotations

import functools
import json
import os
import stat
import sys
from collections import deque
from dataclasses import dataclass, replace

from agrad.evaluation.api import Prepared, prepare, run
from agrad.evaluation.options import DEFAULT, RunOptions
from agrad.errors import AgradError, BindingError, InputError, InternalError, OutputLost, interruption
from agrad.batch.lines import LineReader
from agrad.limits import source_limit, too_long
from agrad.values.read import parse_number
from agrad.batch.output import Output
from agrad.batch.workers import WorkerLost, make_executor
from agrad.language.parser import parse
from agrad.batch.progress import Progress
from agrad.batch.points import evaluate_rows
from agrad.render.formats import SKIPPED, Formatter, Outcome, joined

CHUNK_LINES = 256  # jobs per chunk: large enough to amortize a worker round trip
CHUNK_BYTES = 1 << 20  # ... and at most about this much input text
VECTOR_CHUNK_LINES = 1 << 16  # --points rows evaluated together
VECTOR_CHUNK_BYTES = 2 << 20  # ... read about this much at a time (under MAX_LINE_BYTES: no line is too long)
PENDING_PER_WORKER = 4  # chunks in flight per worker: keeps workers busy, memory bounded
AUTO_JOBS_BYTES = 1 << 20  # stdin a file this large: a worker per core unless --jobs says otherwise
PARSE_CACHE_SIZE = 512  # distinct sources whose parsed programs are kept
PARSE_CACHE_MAX_CHARS = 4096  # longer sources are parsed each time, not kept
JSON_KEYS = ("expr", "vars", "gradient", "check", "anomaly", "emit", "jvp")
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch: the output format (json, plain, csv, pretty; `grad` for --grad NAME),
    --grad's NAME, --fail-fast, --jobs (None: the default, see run_stdin), the progress bar's
    mode (auto, on, off), and the options of api.run applied to every job (RunOptions: --no-grad,
    --retain-grad, --hook, --backward, --dtype, ...)."""

    fmt: str = "json"
    grad: str | None = None
    fail_fast: bool = False
    jobs: int | None = None
    auto_jobs: bool = False  # the workers are run_stdin's choice: if they cannot start, one process
    progress: str = "auto"
    run: RunOptions = DEFAULT
    reserved: frozenset = frozenset()  # the command's own options, for the hints (render/errors.py)
    digits: int | None = None  # --digits: significant digits of pretty output (None: screen.DEFAULT_DIGITS)


@dataclass(frozen=True)
class Spec:
    """What every process running a batch's jobs needs to know; sent once to each worker."""

    kind: str  # "expressions" or "points"
    bindings: dict  # the command line's
    formatter: Formatter
    options: RunOptions  # api.run's
    lines: bool = True  # input lines (not EXPR arguments): blank lines and # comments are not jobs,
    # and a line that starts with { is a JSON job
    source: str | None = None  # points: the expression
    names: tuple = ()  # points: the header's variables
    vector: bool = False  # points: the program is elementwise, blocks of rows are evaluated together
    program: object = None  # points: the source parsed, once (see __getstate__)

    def __getstate__(self):
        # A worker that is sent the spec (pickled: spawn) parses the source itself, once: a long
        # program's AST is too deep for pickle. A forked worker shares the parent's program.
        return {**self.__dict__, "program": None}


# -- reading one job ----------------------------------------------------------------------------

def decode(data, number: int, skip_blank: bool, limit: int | None = None) -> str | None:
    """A job's text; None for a line that is not a job (blank, or a # comment). `data` is None
    for a line the reader skipped as longer than `limit`, the source cap."""
    if data is None:
        raise InputError(too_long("the line", source_limit(limit)))
    if isinstance(data, bytes):
        if number == 1 and data.startswith(UTF8_BOM):
            data = data[len(UTF8_BOM):]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            column = len(data[:exc.start].decode("utf-8")) + 1
            raise InputError(f"the line is not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {column})",
                             (column - 1, column)) from None
    else:
        text = data  # an EXPR argument; undecodable bytes in argv arrive as lone surrogates
        bad = next((i for i, ch in enumerate(text) if "\udc80" <= ch <= "\udcff"), None)
        if bad is not None:
            raise InputError(f"the argument is not valid UTF-8 (byte 0x{ord(text[bad]) - 0xdc00:02x} "
                             f"at column {bad + 1})", (bad, bad + 1))
    if skip_blank:
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            return None
    return text


def _unique_keys(pairs: list) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise InputError(f"bad JSON: the key {key!r} appears twice")
            seen.add(key)
    return obj


# One decoder for every line (json.loads with an option builds a decoder per call).
_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys)


def read_json_line(text: str) -> tuple[str, dict, object, object, object, bool]:
    """A JSON job, {"expr": "...", "vars": {"x": 3}, "gradient": [1, 0.5], "check": 1, "emit": "torch"}:
    its source, its raw bindings, its seed (None where it has none; read by json_binding), its
    --check and its --anomaly ("anomaly": true or false; each None where it has none), and
    whether it asks for its PyTorch script. (The caller passes a
    line that starts with "{", so never a byte-order mark, which json.loads would refuse and
    the decoder does not check.)"""
    try:
        obj = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"bad JSON: {exc.msg}", (exc.pos, exc.pos + 1), text) from None
    except RecursionError:
        raise InputError("bad JSON: nested too deeply") from None
    if not isinstance(obj, dict):  # pragma: no cover - a line starting with '{' parses to an object
        raise InputError("a JSON line must be an object")
    unknown = [key for key in obj if key not in JSON_KEYS]
    if unknown:
        raise InputError(f"unknown key {unknown[0]!r} in the JSON line "
                         '(it may have "expr", a string, "vars", an object, "gradient", a number or an array, '
                         '"check", 0, 1 or 2, "anomaly", true or false, "emit", "torch", and "jvp", an object)')
    if "expr" not in obj:
        raise InputError('the JSON line has no "expr" (the expression to evaluate)')
    source, variables = obj["expr"], obj.get("vars", {})
    if not isinstance(source, str):
        raise InputError(f'"expr" must be a string, not {_json_type(source)}')
    if not isinstance(variables, dict):
        raise InputError(f'"vars" must be an object, not {_json_type(variables)}')
    if "gradient" in obj and obj["gradient"] is None:
        raise InputError('"gradient" must be a number or an array, not null')
    check = obj.get("check", None)
    if check is not None and (type(check) not in (int, bool) or check not in (0, 1, 2)):
        raise InputError(f'"check" must be 0, 1 or 2 (or true, false), not {json.dumps(check)}')
    anomaly = obj.get("anomaly", None)
    if anomaly is not None and type(anomaly) is not bool:
        raise InputError(f'"anomaly" must be true or false, not {json.dumps(anomaly)}')
    emit = obj.get("emit", None)
    if emit not in (None, "torch"):
        raise InputError(f'"emit" must be "torch", not {json.dumps(emit)}')
    return source, variables, obj.get("gradient"), check, anomaly, emit is not None


def json_binding(name: str, value, label: str = "variable '{}'"):
    """A value from a JSON line's "vars" (or its "gradient"): a number, or a string such as
    "inf" or "-1e3"; a list of those is a vector. label: how errors name it, {} the name."""
    if type(value) is float:  # the common case, first
        return value
    what = label.format(name)
    if isinstance(value, list):
        from agrad.engine.vector_kernels import as_vector

        elements = []
        for i, item in enumerate(value):
            if isinstance(item, list):
                raise BindingError(f"{what}: element {i} is an array (vectors are one-dimensional)")
            elements.append(json_binding(f"{name}[{i}]", item, label))
        return as_vector(elements)
    if isinstance(value, bool) or value is None or isinstance(value, dict):
        raise BindingError(f"{what}: expected a number, got {_json_type(value)}")
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            raise BindingError(f"{what}: {value} is too large for a float64") from None
    if isinstance(value, float):
        return value
    try:
        return parse_number(value)
    except ValueError:
        raise BindingError(f"{what}: {value!r} is not a number") from None


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return {dict: "an object", list: "an array", str: "a string"}.get(type(value), "a number")


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def _parse_cached(source: str):
    return prepare(source)


def parse_once(source: str):
    """Prepare (parse, and compile a scalar program to its tape: api.prepare), keeping the
    programs of short sources: a batch repeating an expression parses it once. (Running only
    reads the program, so one prepared program serves any number of runs.)"""
    return _parse_cached(source) if len(source) <= PARSE_CACHE_MAX_CHARS else prepare(source)


# -- running a chunk of jobs (in this process or in a worker) ------------------------------------

def _job_jvp(text: str, options, formatter):
    """A JSON job's own "jvp" ({"x": 1, "v": [1, 0]}: its tangents, as --jvp's), in place of the
    command line's. (Read apart from read_json_line, whose shape other code relies on; only a
    line that names "jvp" pays for the second decode.)"""
    if '"jvp"' not in text:
        return options
    given = _DECODER.decode(text).get("jvp")
    if given is None:
        return options
    if not isinstance(given, dict):
        raise InputError(f'"jvp" must be an object of tangents, e.g. {{"x": 1}}, not {_json_type(given)}')
    if options.jacobian or options.gradient is not None or options.check:
        raise InputError('a job\'s "jvp" does not go with --jacobian, --gradient or --check')
    if formatter.fmt == "csv" and not formatter.jvp:
        raise InputError('a job\'s "jvp" has no column in csv output unless the command line has --jvp: '
                         "use --format json")
    return options.replace(jvp=tuple((name, json_binding(name, value, "the tangent of '{}'"))
                                     for name, value in given.items()))


class ExpressionJobs:
    """Runs chunks of expression jobs: stdin lines and EXPR arguments."""

    def __init__(self, spec: Spec):
        self.spec = spec
        self.formatter = spec.formatter

    def __call__(self, chunk) -> list:
        return joined([self.one(number, data) for number, data in chunk])

    def one(self, number: int, data):
        spec = self.spec
        source = None
        try:
            text = decode(data, number, spec.lines, spec.options.max_source_bytes)
            if text is None:
                return SKIPPED
            bindings, options = spec.bindings, spec.options
            emit = False
            if spec.lines and text.lstrip().startswith("{"):
                source, variables, seed, check, anomaly, emit = read_json_line(text)
                options = _job_jvp(text, options, self.formatter)
                bindings = dict(bindings)
                for name, value in variables.items():
                    bindings[name] = json_binding(name, value)
                self._check_columns(bindings)
                if seed is not None:  # the job's own seed, in place of the command line's
                    if options.jacobian:
                        raise InputError('a job\'s "gradient" does not go with --jacobian')
                    options = options.replace(gradient=json_binding("gradient", seed, '"{}"'))
                if check is not None and int(check) != options.check:  # the job's own --check
                    if int(check) and self.formatter.fmt == "plain":
                        raise InputError('a job\'s "check" gives more than one line: use --format json or pretty')
                    options = options.replace(check=int(check))
                if anomaly is not None and anomaly != options.anomaly:  # the job's own --anomaly
                    options = options.replace(anomaly=anomaly)
            else:
                source = text
            if emit:
                return self.formatter.result(number, self._emitted(source, bindings, options))
            result = run(source, bindings, options, program=parse_once(source))
            return self.formatter.result(number, result)
        except AgradError as exc:
            if source is not None and exc.kind != "input":
                exc.with_source(source)
            return self.formatter.error(number, source, exc)
        except Exception as exc:  # a bug: report it in this job's place, and go on
            return self.formatter.error(number, source, internal_error(exc))

    def _emitted(self, source: str, bindings: dict, options):
        """A job's result with its PyTorch script in result.torch (JSON output only: the record's "torch")."""
        from agrad.render.torch_script import refuse, script

        if self.formatter.fmt != "json":
            raise InputError('a job\'s "emit" gives a script, which only JSON output has a field for: '
                             "use --format json")
        refuse(options)
        result = run(source, bindings, options.replace(fast=False))
        result.torch = script(source, result, options)
        return result

    def _check_columns(self, bindings: dict) -> None:
        columns = self.formatter.columns
        if self.formatter.fmt != "csv" or columns is None or self.formatter.jvp:  # (--jvp: one jvp column)
            return
        extra = [name for name in bindings if name not in columns]
        if extra:
            listed = ", ".join(columns) or "none"
            raise InputError(f"variable '{extra[0]}' has no column in the CSV output (its gradient columns "
                             f"are the command line's variables: {listed}); bind it on the command line "
                             "too, or use --format json")


class PointJobs:
    """Runs chunks of --points rows: runs the program run_points parsed, reads each row's
    values, and evaluates the chunk's rows as one block: together when the program is
    elementwise (spec.vector), else one by one (points.evaluate_rows)."""

    def __init__(self, spec: Spec):
        self.spec = spec
        self.formatter = spec.formatter
        self.program = parse(spec.source) if spec.program is None else spec.program
        self.prepared = Prepared(spec.source, self.program)  # its tape, compiled once, for the rows run one by one
        self.block_reader = None
        if spec.vector:
            from agrad.batch.points import BlockReader

            self.block_reader = BlockReader(spec.names)

    def __call__(self, chunk) -> list:
        if self.block_reader is not None:
            columns = self.block_reader([data for _, data in chunk])
            if columns is not None:  # every line a plain row: no per-line reading
                texts = self._vectorized([number for number, _ in chunk], columns)
                if texts is not None:
                    return [Outcome("".join(texts), "", False)]  # one outcome for the chunk's rows
        return self._rows(chunk)

    def _rows(self, chunk) -> list:
        from agrad.batch.points import read_row

        spec = self.spec
        outcomes: list = [None] * len(chunk)
        places, rows = [], []
        for i, (number, data) in enumerate(chunk):
            try:
                text = decode(data, number, True, spec.options.max_source_bytes)
                if text is None:
                    outcomes[i] = SKIPPED
                    continue
                rows.append(read_row(text, spec.names))
                places.append(i)
            except AgradError as exc:
                outcomes[i] = self.formatter.error(number, spec.source, exc)
        if rows and self.block_reader is not None:
            import numpy as np

            columns = np.array(rows, dtype=np.float64).reshape(len(rows), len(spec.names)).T
            texts = self._vectorized([chunk[i][0] for i in places], columns)
            if texts is not None:
                for i, text in zip(places, texts):
                    outcomes[i] = Outcome(text, "", False)
                return outcomes
        try:
            results = evaluate_rows(self.prepared, spec.source, spec.names, rows, spec.bindings, spec.options)
        except Exception as exc:  # a bug: every row of the block reports it
            results = [internal_error(exc)] * len(rows)
        for i, row, result in zip(places, rows, results):
            number = chunk[i][0]
            if isinstance(result, AgradError):
                outcomes[i] = self.formatter.error(number, spec.source, result)
            else:
                try:
                    outcomes[i] = self.formatter.result(number, result, row)
                except AgradError as exc:
                    outcomes[i] = self.formatter.error(number, spec.source, exc)
        return outcomes

    def _vectorized(self, numbers: list[int], columns) -> list[str] | None:
        """The rows' texts, evaluated together; None when the block must go row by row."""
        from agrad.batch.points import Template, evaluate_block

        spec = self.spec
        try:
            block = evaluate_block(self.program, spec.source, spec.names, columns, spec.bindings, spec.options)
            template = None if block is None else Template.make(self.formatter, block)
            if template is None:
                return None
            return template.rows(numbers, block)
        except Exception:  # pragma: no cover - row by row reports whatever it is, in its row
            return None


def make_jobs(spec: Spec):
    return PointJobs(spec) if spec.kind == "points" else ExpressionJobs(spec)


def lost(spec: Spec, chunk, reason: str) -> list:
    """The outcomes of a chunk whose worker died: an `internal` error for each of its jobs
    (lines that are not jobs, blank or comments, stay without a record)."""
    formatter = spec.formatter
    skip_blank = spec.lines or spec.kind == "points"
    outcomes = []
    for number, data in chunk:
        source = spec.source
        try:
            text = decode(data, number, skip_blank, spec.options.max_source_bytes)
            if text is None:
                outcomes.append(SKIPPED)
                continue
            if source is None and not (spec.lines and text.lstrip().startswith("{")):
                source = text
        except AgradError:
            pass
        outcomes.append(formatter.error(number, source, InternalError(f"{reason}; the batch went on without it")))
    return outcomes


def internal_error(exc: BaseException) -> InternalError:
    if isinstance(exc, RecursionError):
        return InternalError("the expression is nested too deeply")
    return InternalError(f"internal error ({type(exc).__name__}: {exc}); please report it")


# -- the batch loop ----------------------------------------------------------------------------

def _cut(items, would_block, lines: int = CHUNK_LINES):
    """Chunks of `lines` jobs (or CHUNK_BYTES of text), cut early when the input would block,
    and right after a line too long to read: its record is written at once, even when the
    line goes on without end (/dev/zero)."""
    chunk, size, end = [], 0, None
    for number, data, end in items:
        chunk.append((number, data))
        size += len(data) if data is not None else 0
        idle = data is None or (would_block is not None and would_block())
        if idle or len(chunk) >= lines or size >= CHUNK_BYTES:
            yield chunk, end, idle
            chunk, size = [], 0
    if chunk:
        yield chunk, end, False


def _bulk(reader: LineReader):
    """Chunks of VECTOR_CHUNK_LINES rows read in bulk, for --points' vectorized blocks."""
    while True:
        got = reader.bulk(VECTOR_CHUNK_BYTES)
        if got is None:
            line = next(reader, None)
            if line is None:
                return
            yield [(line.number, line.data)], line.end, line.data is None or reader.would_block()
            continue
        first, lines, end = got
        for i in range(0, len(lines), VECTOR_CHUNK_LINES):
            part = lines[i:i + VECTOR_CHUNK_LINES]
            last = i + VECTOR_CHUNK_LINES >= len(lines)
            yield list(zip(range(first + i, first + i + len(part)), part)), end, last and reader.would_block()


class _Stop(Exception):
    """--fail-fast met a failed job."""


class Runner:
    """Feeds chunks to the executor, writes their outcomes in input order, counts failures."""

    def __init__(self, spec: Spec, options: BatchOptions, output: Output, progress: Progress):
        self.spec = spec
        self.options = options
        self.output = output
        self.progress = progress
        self.failed = False
        self.pending: deque = deque()
        self.executor = None

    def run(self, items=None, would_block=None, chunks=None, known: int | None = None) -> int:
        """items: (number, data, end offset or None) for each line or argument; or chunks:
        (jobs, end offset, whether the input would block now), the jobs (number, data). known:
        the number of items, when it is known (EXPR arguments). Returns the exit status."""
        output = self.output
        try:
            jobs = self.options.jobs
            jobs = 1 if jobs is None else jobs
            note = None if self.options.auto_jobs else output.error
            # Known jobs are spread evenly: two heavy EXPRs with --jobs 2 go to two workers.
            lines = CHUNK_LINES
            if known is not None and jobs != 1:
                from agrad.batch.workers import worker_count

                lines = max(1, min(CHUNK_LINES, -(-known // worker_count(jobs))))
            try:
                self.executor = make_executor(make_jobs, self.spec, jobs, known=None if known is None else
                                              -(-known // lines), note=note)
            except OSError as exc:  # no worker processes here (fork fails, no /dev/shm, ...)
                if note is not None:
                    note(f"agrad: note: cannot start worker processes ({exc.strerror or exc}); "
                         "running the batch in this process\n")
                self.executor = make_executor(make_jobs, self.spec, 1)
            self.max_pending = PENDING_PER_WORKER * self.executor.jobs
            output.write(self.spec.formatter.header())
            for chunk, end, idle in chunks if chunks is not None else _cut(items, would_block, lines):
                self._submit(chunk, end)
                if idle:  # nothing more to read yet: finish what is in flight and show it
                    self._drain(everything=True)
                    output.flush()
            self._drain(everything=True)
            self.executor.close()
            output.flush()
        except _Stop:
            self.executor.terminate()
            self._finish(output.flush)
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM and SIGHUP (errors.Terminated)
            self._stop_workers()
            self._finish(output.flush)
            self.progress.stop()
            message, status = interruption(exc)
            output.error(f"agrad: {message}\n")
            return status
        except BrokenPipeError:  # the reader went away (`| head -1`): leave quietly
            self._stop_workers()
            output.abandon()
        finally:
            self.progress.stop()
            self._stop_workers()  # a no-op after close(); after anything unexpected, no stray workers
        return 1 if self.failed else 0

    def _stop_workers(self):
        if self.executor is not None:
            self.executor.terminate()

    def _finish(self, flush):
        try:
            flush()
        except (BrokenPipeError, OSError, OutputLost):
            self.output.abandon()

    def _submit(self, chunk, end):
        while len(self.pending) >= self.max_pending:
            self._write(self.pending.popleft())
        self.pending.append((self.executor.submit(chunk), chunk, end))
        self._drain(everything=False)

    def _drain(self, everything: bool):
        while self.pending and (everything or self.pending[0][0].ready()):
            self._write(self.pending.popleft())

    def _write(self, entry):
        handle, chunk, end = entry
        output = self.output
        lines = []
        try:
            outcomes = handle.get()
        except WorkerLost as exc:  # killed (the out-of-memory killer): each of its jobs gets a record
            outcomes = lost(self.spec, chunk, exc.reason)
        for outcome in outcomes:
            lines.append(outcome.out)
            if outcome.err:
                output.write("".join(lines))
                lines = []
                output.error(outcome.err)
            if outcome.failed:
                self.failed = True
                if self.options.fail_fast:
                    output.write("".join(lines))
                    raise _Stop
        output.write("".join(lines))
        self.progress.advance(len(chunk), end)


# -- the three kinds of batch ----------------------------------------------------------------------

def _formatter(options: BatchOptions, columns=None, points: tuple = ()) -> Formatter:
    console = None
    if options.fmt == "pretty":
        from agrad.render.pretty import settings

        console = settings(sys.stdout, options.digits)
    formatter = Formatter(options.fmt, columns, points, options.grad, console, options.reserved,
                          checked=bool(options.run.check))
    formatter.jvp = options.run.jvp is not None
    return formatter


def _columns(bindings: dict, options: BatchOptions) -> tuple:
    """The gradient columns of csv output: the bound variables, then --retain-grad's names."""
    retained = tuple(name for name in options.run.retain_grad if name not in bindings)
    return tuple(bindings) + retained


def _file_size(stream) -> int | None:
    try:
        st = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) and st.st_size > 0 else None


def _lines(reader: LineReader):
    for line in reader:
        yield line.number, line.data, line.end


def run_arguments(exprs: list[str], bindings: dict, options: BatchOptions) -> int:
    """`agrad eval EXPR EXPR ...`: each argument is a job; its "line" is its position."""
    spec = Spec("expressions", bindings, _formatter(options, _columns(bindings, options)), options.run, lines=False)
    output = Output()
    progress = Progress(options.progress, output, total=len(exprs), unit="lines")
    items = ((i, expr, None) for i, expr in enumerate(exprs, 1))
    return Runner(spec, options, output, progress).run(items, known=len(exprs))


def run_stdin(bindings: dict, options: BatchOptions) -> int:
    """`agrad eval -`: each non-blank line that does not start with # is a job. Without --jobs,
    a file of AUTO_JOBS_BYTES or more is spread over a worker per core (the workers start before
    anything is written); a pipe, or a smaller file, is read in this process."""
    stream = _binary(sys.stdin)
    spec = Spec("expressions", bindings, _formatter(options, _columns(bindings, options)), options.run)
    output = Output()
    size = _file_size(stream)
    if options.jobs is None and size is not None and size >= AUTO_JOBS_BYTES:
        options = replace(options, jobs=0, auto_jobs=True)
    progress = Progress(options.progress, output, total=size, unit="bytes" if size else "lines")
    reader = LineReader(stream, source_limit(options.run.max_source_bytes))
    return Runner(spec, options, output, progress).run(_lines(reader), reader.would_block)


def run_points(source: str, path: str, bindings: dict, options: BatchOptions) -> int:
    """`agrad eval EXPR --points FILE` (`-` for stdin). Raises AgradError, before any output,
    when the expression does not parse or the header cannot name variables."""
    program = parse(source)  # a syntax error is a bad command line, not a failed row
    if path == "-":
        stream, owned = _binary(sys.stdin), False
    else:
        try:
            stream, owned = open(path, "rb", buffering=0), True
        except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
            raise InputError(f"--points {path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        limit = source_limit(options.run.max_source_bytes)
        reader = LineReader(stream, limit)
        names = None
        for line in reader:
            try:
                text = decode(line.data, line.number, True, limit)
                if text is None:
                    continue
                from agrad.batch.points import read_header

                names = read_header(text)
            except InputError as exc:
                raise InputError(f"--points {path}: line {line.number}: {exc.message}") from None
            break
        if names is None:
            raise InputError(f"--points {path}: no header line: the first line must name the variables, "
                             "as in x,w")
        columns = _columns({**dict.fromkeys(names), **bindings}, options)
        if options.grad is not None:
            _check_grad_name(options.grad, columns, program)
        from agrad.batch.points import vectorizable

        vector = vectorizable(program, bindings, options.run, options.fmt)
        spec = Spec("points", bindings, _formatter(options, columns, points=names), options.run, source=source,
                    names=names, vector=vector, program=program)
        output = Output()
        size = _file_size(stream)
        progress = Progress(options.progress, output, total=size, unit="bytes" if size else "lines")
        runner = Runner(spec, options, output, progress)
        if vector:
            return runner.run(chunks=_bulk(reader))
        return runner.run(_lines(reader), reader.would_block)
    finally:
        if owned:
            stream.close()


def _check_grad_name(name: str, columns: tuple, program) -> None:
    from agrad.language import syntax_tree as st

    assigned = [s.name for s in program.statements if isinstance(s, st.Assign)]
    if name not in columns and name not in assigned:
        known = ", ".join(list(columns) + assigned) or "none"
        raise BindingError(f"--grad {name}: no variable or assigned name '{name}' (known: {known})")


def _binary(stream):
    if stream is None:
        raise InputError("there is no standard input to read")
    return getattr(stream, "buffer", stream)
