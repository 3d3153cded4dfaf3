"""A binding's number written as an expression of numbers and constants (`pi/4`, `sqrt(2)`,
`2^-3`, `-pi`): computed by agrad's own parser and kernels, as the same text in a program would
be, never by Python's eval. values/read.py calls it (it sits below the evaluation and cannot
import it: the command line hands it over) for a text that is not a plain number.
"""

from __future__ import annotations

import re

from agrad.errors import AgradError, AgradSyntaxError, BindingError, UnboundVariableError
from agrad.language.names import CONSTANTS

NOT_A_NUMBER = "(use an int, a float, inf, nan or an expression such as pi/4; for a vector 1,2,3 or [1, 2, 3] or @FILE)"
_MEANT = {"π": "pi", "PI": "pi", "Pi": "pi", "E": "e"}
# Text with none of the operators' or brackets' characters was meant as one number (0x10,
# 1_000, ١٢): the parser's advice about products would only mislead.
_EXPRESSION_LIKE = re.compile(r"[-+*/^()\[\]\s]")


def constant_value(text: str) -> float:
    """The number `text` computes to, or a BindingError whose span is in `text`: a name that is
    not a constant (`y` in `pi/y`), a syntax error, a vector. A message about the whole text
    starts with "is ", for the caller to put what it calls the text in front."""
    from agrad.evaluation.api import run

    try:
        value = run(text).value
    except UnboundVariableError as exc:
        name = exc.name or text
        meant = f" (did you mean {_MEANT[name]}?)" if name in _MEANT else ""
        if exc.span is not None and text[exc.span[0]:exc.span[1]] == text.strip():
            raise BindingError(f"is not a number{meant} {NOT_A_NUMBER}", exc.span, text) from None
        raise BindingError(f"'{name}' is not a constant{meant}: an expression in a binding is made of numbers "
                           f"and the constants {' and '.join(CONSTANTS)}", exc.span, text) from None
    except AgradSyntaxError as exc:
        if not _EXPRESSION_LIKE.search(text.strip().lstrip("+-")):
            raise BindingError(f"is not a number {NOT_A_NUMBER}", None, text) from None
        raise BindingError(f"is not a number: {exc.message}", exc.span, text) from None
    except AgradError as exc:
        raise BindingError(exc.message, exc.span, text) from None
    if not isinstance(value, float):
        raise BindingError("is a vector, where a number is expected", None, text)
    return value
