"""What agrad suggests for a name it does not know: a function as other languages and notations
write it (`ln`, `arcsin`, `σ`), and a misspelt option (`--backwards`, `--retain_grad`).

The aliases are data: a name from elsewhere, and agrad's function for it, or how to write it in
agrad's language where agrad has no such function. A misspelt name is found by edit distance.
"""

from __future__ import annotations

# name -> (agrad's function, or None, and what to write / why). Only names agrad does not have.
FUNCTION_ALIASES = {
    "ln": ("log", "log is the natural logarithm"),
    "lg": ("log10", None),
    "lb": ("log2", None),
    "ld": ("log2", None),
    "arcsin": ("asin", None),
    "arccos": ("acos", None),
    "arctan": ("atan", None),
    "arctan2": ("atan2", None),
    "arcsinh": ("asinh", None),
    "arsinh": ("asinh", None),
    "arccosh": ("acosh", None),
    "arcosh": ("acosh", None),
    "arctanh": ("atanh", None),
    "artanh": ("atanh", None),
    "σ": ("sigmoid", None),
    "logistic": ("sigmoid", None),
    "expit": ("sigmoid", None),
    "swish": ("silu", None),
    "power": ("pow", None),
    "fabs": ("abs", None),
    "absolute": ("abs", None),
    "sgn": ("sign", None),
    "signum": ("sign", None),
    "maximum": ("max", "max(a, b) is torch.maximum"),
    "fmax": ("max", None),
    "minimum": ("min", "min(a, b) is torch.minimum"),
    "fmin": ("min", None),
    "clip": ("clamp", None),
    "ceiling": ("ceil", None),
    "rint": ("round", None),
    "average": ("mean", None),
    "avg": ("mean", None),
    "product": ("prod", None),
    "inner": ("dot", None),
    "tg": ("tan", None),
    "cot": (None, "write 1/tan(x)"),
    "ctg": (None, "write 1/tan(x)"),
    "sec": (None, "write 1/cos(x)"),
    "csc": (None, "write 1/sin(x)"),
    "cosec": (None, "write 1/sin(x)"),
    "exp2": (None, "write 2^x"),
    "sqr": ("sqrt", "sqr is the square in Pascal: write x^2 for that"),
    "square": (None, "write x^2"),
    "cbrt": (None, "write x^(1/3) for x >= 0"),
    "erfc": (None, "write 1 - erf(x)"),
    "logit": (None, "write log(x/(1-x))"),
}


def function_hint(name: str, functions) -> str | None:
    """For an unknown function `name`, the text after its error message (`: did you mean
    'log'?`), or None when no alias applies. functions: the names agrad calls."""
    if name in FUNCTION_ALIASES:
        meant, note = FUNCTION_ALIASES[name]
        if meant is None:
            return f": agrad has no {name}(); {note}"
        return f": did you mean '{meant}'?" + (f" ({note})" if note else "")
    if name.lower() in functions:  # Sin, ReLU, LOG
        return f": did you mean '{name.lower()}'? (names are case-sensitive)"
    if name.lower() in FUNCTION_ALIASES and name.lower() != name:
        return function_hint(name.lower(), functions)
    return None


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance with a swap of two neighbours counting as one edit (optimal string
    alignment): `ordre` is one edit from `order`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def close_options(option: str, options) -> list[str]:
    """The options (`--backward`, ...) that `option` (`--backwards`) is probably a misspelling
    of, best first; [] when it is close to none. Close: the same but for case or `_` for `-`; a
    prefix of at least three letters; or, with the same first letter, one edit away (two for a
    name of five letters or more). A one- or two-letter name (`--x`, `--lr`) is close to none,
    whatever the options: those are the variables people bind."""
    word = option.lstrip("-").lower().replace("_", "-")
    if len(word) < 3:
        return []
    scored = []
    for candidate in options:
        if not candidate.startswith("--"):
            continue
        name = candidate[2:]
        if word == name:
            scored.append((0, candidate))
        elif name.startswith(word):
            scored.append((1, candidate))
        elif word[0] == name[0]:
            distance = edit_distance(word, name)
            if distance <= (1 if len(word) < 5 else 2):
                scored.append((1 + distance, candidate))
    best = min((score for score, _ in scored), default=None)
    return sorted(candidate for score, candidate in scored if score == best)
