"""A value written as text, for a binding (`--x 3`, `--x 1,2,3`, `--x "[1, 2, 3]"`,
`--x @FILE`, `--x @-`) or a --gradient seed.

A number stays a scalar; a comma or brackets make a vector, even of one element (`[3]`); a file
(or standard input) always gives a vector, its numbers separated by commas, spaces or newlines.
numpy is imported only for vectors. Every ValueError raised here says what is wrong and where
(which element, which line), for the caller to prefix with the variable's name.

A number may also be written as an expression of numbers and constants (`pi/4`, `sqrt(2)`,
`2^-3`), when the caller passes `constant`, the function that computes one (the evaluation
layer's, above this one: evaluation/constants.py); it is called only for a text that is not a
plain number, so plain numbers stay as fast as float(). A vector's elements are split at the
commas outside parentheses, so `atan2(1, 2)` is one element.
"""

from __future__ import annotations

import re

from agrad.limits import file_limit, file_too_big

_FIELD = re.compile(r"[^\s,]+")
_EMPTY_FIELD = re.compile(r"\A\s*,|,\s*,|,\s*\Z")
# [0-9], not \d: \d also matches other scripts' digits, which float() would accept (١٢ is 12).
_NUMBER_RE = re.compile(r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)\Z",
                        re.IGNORECASE)


def parse_number(text: str) -> float:
    """A binding's value written as text: ints, floats, inf, nan, with a sign. ValueError otherwise."""
    t = text.strip()
    if not _NUMBER_RE.match(t):
        raise ValueError(text)
    return float(t)


def parse_value(text: str, constant=None):
    """A number (a float) or a vector written inline: `1,2,3` or `[1, 2, 3]` (`[]` is empty).
    constant: computes an element that is not a plain number (`pi/4`), raising an AgradError
    whose span is in the element's text; without it, such an element is a ValueError."""
    t = text.strip()
    start = len(text) - len(text.lstrip())
    if t.startswith("[") or t.endswith("]"):
        if not (t.startswith("[") and t.endswith("]")):
            raise ValueError(f"{text!r} has a bracket without its partner: write [1, 2, 3]")
        body = t[1:-1]
        if not body.strip():
            from agrad.engine import vector_kernels

            return vector_kernels.zeros(0)
        return _inline_vector(body, constant, text, start + 1)
    if "," in t and ("(" not in t or len(_fields(t)) > 1):  # (one field: atan2(1, 2) is a number)
        return _inline_vector(t, constant, text, start)
    try:
        return parse_number(text)
    except ValueError:
        if constant is not None and t:
            return _constant(constant, t, text, start)
        shown = _shown(text) if text.strip() else "an empty string"
        raise ValueError(f"{shown} is not a number") from None


def _inline_vector(body: str, constant=None, text: str = "", offset: int = 0):
    from agrad.engine import vector_kernels

    if "(" not in body and "[" not in body:
        try:  # plain numbers, the common case, at the speed of a split
            return vector_kernels.as_vector([parse_number(field) for field in body.split(",")])
        except ValueError:
            pass  # (the loop below says which element, and computes expressions)
    values = []
    for i, (at, field) in enumerate(_fields(body)):
        f = field.strip()
        if not f:
            raise ValueError(f"element {i} is empty (elements are separated by single commas)")
        try:
            values.append(parse_number(f))
        except ValueError:
            if constant is None:
                raise ValueError(f"element {i} ({_shown(f)}) is not a number") from None
            start = offset + at + len(field) - len(field.lstrip())
            values.append(_constant(constant, f, text, start, f"element {i} ({_shown(f)})"))
    return vector_kernels.as_vector(values)


def _fields(body: str) -> list[tuple[int, str]]:
    """The elements of an inline vector with their offsets: split at the commas outside
    parentheses and brackets, so that `atan2(1, 2), pi` is two elements."""
    if "(" not in body and "[" not in body:
        fields, at = [], 0
        for field in body.split(","):
            fields.append((at, field))
            at += len(field) + 1
        return fields
    fields, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            fields.append((start, body[start:i]))
            start = i + 1
    fields.append((start, body[start:]))
    return fields


def _constant(constant, field: str, text: str, start: int, subject: str | None = None) -> float:
    """constant(field), its error pointing into the whole binding text and naming the element
    at fault (subject) or, for a message about the whole field, the field."""
    from agrad.errors import AgradError

    try:
        return constant(field)
    except AgradError as exc:
        if exc.span is None:
            exc.span = (0, len(field))
        # A caret under the whole binding would add nothing to the message that quotes it.
        whole = start == len(text) - len(text.lstrip()) and exc.span == (0, len(field)) == (0, len(text.strip()))
        exc.span = None if whole else (exc.span[0] + start, exc.span[1] + start)
        exc.source = text
        if exc.message.startswith("is "):
            exc.message = f"{subject or _shown(field)} {exc.message}"
        elif subject is not None:
            exc.message = f"{subject}: {exc.message}"
        raise


# 0,5 and 1,05 are numbers with a decimal comma far more often than vectors; 1,2 is a vector.
_DECIMAL_COMMA = re.compile(r"\s*([+-]?0),([0-9]+)\s*\Z|\s*([+-]?[0-9]+),(0[0-9]+)\s*\Z")


def decimal_comma(text: str) -> str | None:
    """For a binding written like a number with a decimal comma (`0,5`, `-0,25`, `2,05`), what
    it is instead (`is the vector [0, 5]; a number is written 0.5`), for an error it may have
    caused; else None."""
    m = _DECIMAL_COMMA.match(text)
    if m is None:
        return None
    whole, fraction = m.groups()[:2] if m.group(1) is not None else m.groups()[2:]
    return f"is the vector [{whole}, {int(fraction)}]; a number is written {whole}.{fraction}"


def read_value(text: str, read_stdin=None, max_bytes: int | None = None, constant=None):
    """A binding's text as the command line takes it: `@FILE` or `@-` (standard input, read by
    `read_stdin(n)`) for the numbers in a file, read no further than `max_bytes` (limits.py;
    default 256 MiB), anything else as parse_value (with `constant` for expressions)."""
    if not text.startswith("@"):
        return parse_value(text, constant)
    path = text[1:]
    limit = file_limit(max_bytes)
    if path == "-":
        if read_stdin is None:
            raise ValueError("@- reads standard input, which is not available here")
        return parse_numbers(_capped(read_stdin(limit + 1), "standard input", limit), "standard input")
    if not path:
        raise ValueError("'@' needs a file name: @FILE, or @- for standard input")
    try:
        with open(path, encoding="utf-8") as fh:
            contents = _capped(fh.read(limit + 1), repr(path), limit)
    except UnicodeDecodeError:
        raise ValueError(f"{path!r} is not a text file of numbers") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise ValueError(f"cannot read {path!r}: {getattr(exc, 'strerror', None) or exc}") from None
    return parse_numbers(contents, path)


def _capped(text: str, origin: str, limit: int) -> str:
    if len(text) > limit:  # characters read: at least as many bytes
        from agrad.errors import LimitError

        raise LimitError(file_too_big(origin, limit))
    return text


def parse_numbers(text: str, origin: str = "the text"):
    """The numbers of a file: separated by commas, spaces or newlines, optionally inside one
    pair of brackets. Always a vector. Fast for a million numbers: orjson reads them when they
    are written as JSON writes numbers, else numpy converts them all at once; only on failure is
    the text scanned for the offending one."""
    import numpy as np

    body = text.strip()
    offset = len(text) - len(text.lstrip())
    if body.startswith("[") and body.endswith("]"):
        body, offset = body[1:-1], offset + 1
    if not body.strip():
        raise ValueError(f"{origin} holds no numbers")
    fast = _json_numbers(body)  # numbers as JSON writes them: most files
    if fast is not None:
        return fast
    if "," in body:
        empty = _EMPTY_FIELD.search(body)
        if empty is not None:
            line = text.count("\n", 0, offset + empty.start() + empty.group().rfind(",")) + 1
            raise ValueError(f"{origin}, line {line}: an empty element between commas")
    tokens = body.replace(",", " ").split()
    # numpy reads what Python's float() reads, which also takes '1_000' and non-ASCII digits:
    # those texts go the strict way.
    if body.isascii() and "_" not in body:
        try:
            return np.array(tokens, dtype=np.float64)
        except ValueError:
            pass
    for i, m in enumerate(_FIELD.finditer(body)):
        try:
            parse_number(m.group())
        except ValueError:
            line = text.count("\n", 0, offset + m.start()) + 1
            raise ValueError(f"{origin}, line {line}: element {i} ({_shown(m.group())}) is not a number") from None
    return np.array([parse_number(t) for t in tokens], dtype=np.float64)  # e.g. non-ASCII digits


def _json_numbers(body: str):
    """The numbers of `body` as a float64 vector when it is a JSON list's inside (numbers
    separated by commas, or one per line); None when it is not, for the caller to read it the
    slow way (spaces between numbers, inf, nan, 1., .5, ...).

    orjson reads them in C, over ten times as fast as float() (about 2.5 million numbers a
    second on the project's machine, most of the issue's 2-second budget for a million), and as
    exactly: every number read is correctly rounded."""
    import numpy as np
    import orjson

    if "true" in body or "false" in body:  # JSON booleans would pass as 1.0 and 0.0
        return None
    try:
        items = orjson.loads("[" + (body if "," in body else body.replace("\n", ",")) + "]")
    except orjson.JSONDecodeError:
        return None
    try:
        values = np.array(items)
    except ValueError:  # nested lists of different lengths
        return None
    if values.ndim != 1 or values.dtype.kind not in "iuf":  # strings, null, nested lists
        return None
    if "-0" in body and (values == 0).any():
        return None  # orjson reads -0 as the integer 0, losing the sign: the slow way keeps -0.0
    return values.astype(np.float64, copy=False)


def _shown(token: str, width: int = 40) -> str:
    """An offending element as an error shows it: quoted, and cut short when it is long, so an
    error never prints more of a file than a few dozen characters of its bad element."""
    return repr(token) if len(token) <= width else repr(token[:width]) + f"... ({len(token)} characters)"
