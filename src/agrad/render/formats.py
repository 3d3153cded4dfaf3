"""The one rendering of a job's result or error, in each format (json, plain, csv, pretty, and
`grad` for --grad NAME): what goes to stdout and what to stderr. One expression
(`agrad eval EXPR`) and every batch use it, so a batch's record of a job is the one-shot output
of the same job, with the job's place added: the "line" field of JSON, the line column of csv,
a `line N` heading in pretty output.

In a batch every job gives exactly one Outcome, in input order. JSON keeps a failed job's error
in the stream as an error record; plain, csv and --grad keep the stream's shape with an empty
line or empty fields in the failed job's place, and say what went wrong on stderr; pretty prints
the error in place, for a person. (One expression's error is the command's: one line on stderr,
the same words: render/errors.py.)
"""

from __future__ import annotations

from typing import NamedTuple

from agrad.values import write as numbers
from agrad.evaluation.api import Result
from agrad.errors import AgradError, UsageError
from agrad.evaluation.options import EXTRA_OUTPUT, RunOptions
from agrad.evaluation.lessons import no_grad_reason
from agrad.render.errors import describe, error_fields, error_text
from agrad.render.text import as_plain, json_text, one_gradient, record


class Outcome(NamedTuple):
    out: str  # for stdout, with its line ending ("" for a skipped line)
    err: str  # for stderr, with its line ending
    failed: bool


SKIPPED = Outcome("", "", False)


def joined(outcomes: list) -> list:
    """A chunk's outcomes with each run of quiet successes (stdout only) joined into one, where
    the run was: fewer objects for a worker to send back and for the batch to write. An outcome with
    stderr text or a failure stays as it is, so what is written, and in what order, is the same."""
    out: list = []
    run: list = []
    for outcome in outcomes:
        if outcome.err or outcome.failed:
            if run:
                out.append(Outcome("".join(run), "", False))
                run = []
            out.append(outcome)
        else:
            run.append(outcome.out)
    if run:
        out.append(Outcome("".join(run), "", False))
    return out

def csv_row(fields) -> str:
    """One CSV row (RFC 4180 quoting, \\n line ending)."""
    quoted = []
    for field in fields:
        text = str(field)
        if any(c in text for c in ',"\n\r') or text != text.strip():
            text = '"' + text.replace('"', '""') + '"'
        quoted.append(text)
    return ",".join(quoted) + "\n"


def csv_number(value) -> str:
    return "" if value is None else numbers.plain(value)  # a vector: 1.0,2.0 (csv_row quotes it)


def check_options(fmt: str, options: RunOptions) -> None:
    """A batch's plain output has one line per job and csv (one expression's too) has value and
    gradient columns only: refuse the options whose output could not be kept (json and pretty
    show all of it; --grad shows the final gradient, as for one expression)."""
    if fmt not in ("plain", "csv"):
        return
    for key, (flag, default) in EXTRA_OUTPUT.items():
        if getattr(options, key) != default and not (key == "check" and fmt == "csv"):  # csv: check columns
            why = "gives more than one line per job in a batch" if fmt == "plain" else \
                "has no columns in csv output"
            raise UsageError(f"{flag} {why}: use --format json (one record per job) or pretty")


class Formatter:
    """Turns one job's result or error into an Outcome.

    fmt: json, plain, csv, pretty or grad (--grad NAME). columns: the variables whose gradients
    are the columns of csv output, and of plain output for --points (plain output of expressions
    lists the used variables in order of first appearance, as for one expression). points:
    for the rows of --points, the point file's column names (csv then has these columns, each
    row's point, in place of line and expr, so that a plot needs no paste); () otherwise.
    console: pretty.settings() for pretty output (a screen.Look). reserved: the command's own options, for the
    hint of an unbound variable named like one (render/errors.py).
    A job's number is its line in a batch; None for one expression (csv calls it line 1).
    jvp: set to True by the caller when the jobs run --jvp: csv then has one jvp column in place of
    the gradients' (forward mode computes no gradients).
    """

    jvp = False

    def __init__(self, fmt: str, columns: tuple | None = None, points: tuple = (), grad: str | None = None,
                 console: tuple | None = None, reserved: frozenset = frozenset(), checked: bool = False):
        self.fmt = fmt
        self.checked = checked  # --check: csv has the check's columns
        self.columns = columns
        self.points = points
        self.grad = grad
        self.console = console
        self.reserved = reserved

    def header(self) -> str:
        """What comes before the first job: csv's header row."""
        if self.fmt != "csv":
            return ""
        gradients = ["jvp"] if self.jvp else [f"d/d{name}" for name in self.columns]
        if self.checked:
            from agrad.render.check import CSV_COLUMNS

            gradients += CSV_COLUMNS
        return csv_row(([*self.points, "value"] if self.points else ["line", "expr", "value"]) + gradients)

    def result(self, number: int | None, result: Result, point: tuple = ()) -> Outcome:
        """point: a --points row's numbers, in the file's column order (csv writes them first).
        A failed --check is a failed job: its output, and the check error on stderr (JSON: in
        the record's "check")."""
        outcome = self._result(number, result, point)
        if result.check is None or result.check.ok:
            return outcome
        err = "" if self.fmt == "json" else error_text(number, result.check.error(), self.reserved)
        return Outcome(outcome.out, outcome.err + err, True)

    def _result(self, number: int | None, result: Result, point: tuple = ()) -> Outcome:
        fmt = self.fmt
        if fmt == "json":
            rec = record(result, no_grad_reason(result))
            return Outcome(json_text(rec if number is None else {"line": number, **rec}) + "\n", "", False)
        if fmt == "grad":
            text, warning = one_gradient(result, self.grad)
            return Outcome(text + "\n", warning + "\n" if warning else "", False)
        if fmt == "plain":
            if not self.points:
                return Outcome(as_plain(result) + "\n", "", False)
            fields = [result.value] + ([result.jvp] if self.jvp else [result.grads.get(name) for name in self.columns])
            return Outcome("\t".join(numbers.plain(f) for f in fields) + "\n", "", False)
        if fmt == "csv":
            fields = [csv_number(result.value)] + ([csv_number(result.jvp)] if self.jvp else
                                                   [csv_number(result.grads.get(name)) for name in self.columns])
            if self.checked:
                from agrad.render.check import csv_fields

                fields += csv_fields(result.check) if result.check is not None else [""] * 4
            prefix = [csv_number(v) for v in point] if self.points else [1 if number is None else number,
                                                                         result.source]
            return Outcome(csv_row(prefix + fields), "", False)
        return Outcome(self._pretty(number, result, None), "", False)

    def error(self, number: int, source: str | None, exc: AgradError) -> Outcome:
        fmt = self.fmt
        if fmt == "json":
            rec = {"line": number, "expr": source, "error": error_fields(exc, self.reserved)}
            return Outcome(json_text(rec) + "\n", "", True)
        if fmt == "pretty":
            return Outcome(self._pretty(number, None, exc), "", True)
        if fmt == "csv":
            empty = [""] * (1 + (1 if self.jvp else len(self.columns)) + 4 * self.checked)
            prefix = [""] * len(self.points) if self.points else [number, "" if source is None else source]
            out = csv_row(prefix + empty)
        else:  # plain and grad: an empty line in the failed job's place
            out = "\n"
        return Outcome(out, error_text(number, exc, self.reserved), True)

    def _pretty(self, number: int | None, result: Result | None, exc: AgradError | None) -> str:
        from agrad.render import pretty

        look = self.console or pretty.settings(None)
        text = pretty.heading(number, look) if number is not None else ""
        if result is not None:
            text += pretty.render(result, no_grad_reason(result), look)
        else:
            text += pretty.error_text(describe(exc, self.reserved), look)
        return text + ("\n" if number is not None else "")
