"""The cases of the behaviour-preservation corpus: a plain, deterministic list.

Each case is a dict:

    id          stable, unique, descriptive: "CATEGORY/what/.../format"
    argv        the arguments after `agrad`
    stdin       text fed through a pipe (encoded as UTF-8, surrogateescape), or None for /dev/null
    stdin_file  the name of a fixture whose raw bytes are stdin, redirected from the file itself
                (as `agrad eval - < FILE`), or None
    env         overrides of the base environment (corpus.py sets COLUMNS=80, TERM=dumb,
                PYTHONHASHSEED=0 and unsets NO_COLOR); a value of None unsets a variable
    files       the fixtures of files/ copied into the case's fresh working directory

The only randomness (the "random" category) is a generator seeded with a fixed number that uses
nothing but Random.random(), whose sequence is the same on every Python version.

`python tools/corpus/cases.py` prints the number of cases per category.
"""

import random

FORMATS = ("pretty", "json", "plain", "csv")


class Cases:
    def __init__(self):
        self.items = []
        self.ids = set()

    def add(self, id, argv, stdin=None, stdin_file=None, env=None, files=()):
        if id in self.ids:
            raise ValueError(f"duplicate case id {id!r}")
        if stdin is not None and stdin_file is not None:
            raise ValueError(f"{id}: stdin and stdin_file are exclusive")
        files = list(files)
        if stdin_file is not None and stdin_file not in files:
            files.append(stdin_file)
        self.ids.add(id)
        self.items.append(dict(id=id, argv=list(argv), stdin=stdin, stdin_file=stdin_file,
                               env=dict(env or {}), files=files))


def fmt_args(fmt):
    """A format label to options: pretty (the default, no option), json, plain, csv, grad-NAME,
    or pretty! for an explicit --format pretty."""
    if fmt == "pretty":
        return []
    if fmt == "pretty!":
        return ["--format", "pretty"]
    if fmt.startswith("grad-"):
        return ["--grad", fmt[5:]]
    return ["--format", fmt]


def bind(**values):
    """--NAME VALUE pairs, in the order given."""
    out = []
    for name, value in values.items():
        out += [f"--{name}", str(value)]
    return out


# -- functions --------------------------------------------------------------------------------

UNARY = ("abs sign sqrt exp log log2 log10 log1p expm1 sin cos tan asin acos atan sinh cosh tanh "
         "asinh acosh atanh sigmoid relu softplus erf floor ceil round").split()
UNARY_POINTS = ("0", "-0.0", "1", "-1", "0.5", "2", "-2.5", "710", "1e-300", "inf", "-inf", "nan")
EDGE_VECTOR = "-1,-0.0,0,0.5,2,-2.5,1e300,inf,nan"  # 9 elements: pretty shows the first and last 3


def functions_of_one(c):
    for i, f in enumerate(UNARY):
        for x in UNARY_POINTS:
            c.add(f"fn1/{f}/x={x}/json", ["eval", f"{f}(x)", "--x", x, "--format", "json"])
        c.add(f"fn1/{f}/x=0.5/pretty", ["eval", f"{f}(x)", "--x", "0.5"])
        x, fmt = (("-1", "plain"), ("2", "csv"), ("0", "grad-x"))[i % 3]  # one of the other formats, in turn
        c.add(f"fn1/{f}/x={x}/{fmt}", ["eval", f"{f}(x)", "--x", x] + fmt_args(fmt))
        c.add(f"fn1/{f}/float32/x=0.1/json", ["eval", f"{f}(x)", "--x", "0.1", "--dtype", "float32", "-F", "json"])
        c.add(f"fn1/{f}/second-derivative/x=0.7/json", ["eval", f"grad({f}(x), x)", "--x", "0.7", "-F", "json"])
        c.add(f"fn1/{f}/vector-sum/json", ["eval", f"sum({f}(v))", "--v", EDGE_VECTOR, "-F", "json"])
        if f in ("abs", "sqrt", "exp", "log", "relu", "round"):
            c.add(f"fn1/{f}/vector-sum/pretty", ["eval", f"sum({f}(v))", "--v", EDGE_VECTOR])
        if i % 3 == 0:
            c.add(f"fn1/{f}/vector-gradient/plain",
                  ["eval", f"{f}(v)", "--v", "-1,0,0.5,2", "--gradient", "1,2,0.5,-1", "-F", "plain"])


BINARY = ("pow", "max", "min", "atan2", "hypot")
BINARY_POINTS = (("0", "0"), ("1", "1"), ("2", "3"), ("-1", "0.5"), ("0", "-1"), ("-8", "0.5"), ("-0.0", "0"),
                 ("inf", "1"), ("1", "inf"), ("-inf", "-inf"), ("nan", "1"), ("1", "nan"))


def functions_of_two(c):
    for f in BINARY:
        for x, w in BINARY_POINTS:
            c.add(f"fn2/{f}/x={x},w={w}/json", ["eval", f"{f}(x, w)", "--x", x, "--w", w, "-F", "json"])
        for (x, w), fmt in ((("1", "1"), "pretty"), (("2", "3"), "plain"), (("-1", "0.5"), "csv"), (("1", "1"), "grad-w")):
            c.add(f"fn2/{f}/x={x},w={w}/{fmt}", ["eval", f"{f}(x, w)", "--x", x, "--w", w] + fmt_args(fmt))
        c.add(f"fn2/{f}/const-second/x=-1/json", ["eval", f"{f}(x, 2)", "--x", "-1", "-F", "json"])
        c.add(f"fn2/{f}/const-first/x=0/json", ["eval", f"{f}(2, x)", "--x", "0", "-F", "json"])
        c.add(f"fn2/{f}/same-arg/json", ["eval", f"{f}(x, x)", "--x", "1.5", "-F", "json"])
        c.add(f"fn2/{f}/vectors/json", ["eval", f"sum({f}(v, u))", "--v", "1,2,-3,0", "--u", "1,0.5,2,0", "-F", "json"])
        c.add(f"fn2/{f}/broadcast/json", ["eval", f"sum({f}(v, s))", "--v", "1,2,-3", "--s", "2", "-F", "json"])
    clamp_points = (("0.5", "0", "1"), ("-1", "0", "1"), ("2", "0", "1"), ("0", "0", "1"), ("1", "0", "1"),
                    ("0.5", "1", "0"), ("0.5", "0.5", "0.5"), ("nan", "0", "1"), ("0.5", "nan", "1"),
                    ("inf", "0", "1"), ("0.5", "-inf", "inf"), ("-0.0", "0", "1"))
    for x, lo, hi in clamp_points:
        c.add(f"fn2/clamp/x={x},lo={lo},hi={hi}/json",
              ["eval", "clamp(x, lo, hi)", "--x", x, "--lo", lo, "--hi", hi, "-F", "json"])
    for x in ("-1", "0", "0.25", "1", "3"):
        c.add(f"fn2/clamp/const-bounds/x={x}/json", ["eval", "clamp(x, 0, 1)", "--x", x, "-F", "json"])
    for fmt in ("pretty", "plain", "csv", "grad-lo"):
        c.add(f"fn2/clamp/x=2,lo=0,hi=1/{fmt}", ["eval", "clamp(x, lo, hi)", "--x", "2", "--lo", "0", "--hi", "1"]
              + fmt_args(fmt))
    c.add("fn2/clamp/vector/json", ["eval", "sum(clamp(v, 0, 1))", "--v", "-1,0,0.5,1,2", "-F", "json"])
    c.add("fn2/clamp/vector-bounds/json",
          ["eval", "sum(clamp(v, lo, hi))", "--v", "-1,0.5,2", "--lo", "0,0,0", "--hi", "1", "-F", "json"])
    c.add("fn2/clamp/vector/pretty", ["eval", "sum(clamp(v, 0, 1))", "--v", "-1,0,0.5,1,2"])


# -- operators and constants ---------------------------------------------------------------

OPERATORS = (
    ("add", "x+w"), ("sub", "x-w"), ("mul", "x*w"), ("div", "x/w"), ("pow-caret", "x^w"), ("pow-stars", "x**w"),
    ("rsub", "2-x"), ("rdiv", "2/x"), ("pow-const-exp", "x^2"), ("pow-const-base", "2^x"), ("neg", "-x"),
    ("pos", "+x"), ("neg-pow", "-x^2"), ("paren-neg-pow", "(-x)^2"), ("pow-neg-exp", "x^-1"),
    ("pow-half", "x^0.5"), ("pow-right-assoc", "x^w^2"), ("sub-left-assoc", "x-w-1"),
    ("div-left-assoc", "x/w/2"), ("pi", "pi*x"), ("e-base", "e^x"), ("e-mul", "x*e"), ("const-fold", "2*3+x"),
    ("double-neg", "- -x"), ("self-sub", "x-x"), ("self-mul", "x*x"), ("self-div", "x/x"),
    ("readme", "(x+w)*2"), ("mixed", "x*w + x/w - x^w"), ("sub-const", "x-2"), ("div-const", "x/2"),
    ("pow-zero", "x^0"), ("zero-pow", "0^x"), ("one-pow", "1^x"), ("neg-base-pow", "(-2)^x"),
    ("spaces", "  x  *  w  "),
)
OPERATOR_POINTS = (("3", "1"), ("0", "0"), ("-2", "0.5"), ("inf", "2"), ("-0.0", "-0.0"))
CONSTANT_EXPRESSIONS = (
    ("pow-right-assoc", "2^3^2"), ("pow-neg", "2^-1"), ("div-zero", "1/0"), ("zero-div-zero", "0/0"),
    ("neg-div-zero", "-1/0"), ("overflow-literal", "1e400"), ("underflow-literal", "1e-400"),
    ("tower", "9^9^9^9"), ("exp-tower", "exp(exp(exp(10)))"), ("log-zero", "log(0)"), ("log-neg", "log(-1)"),
    ("pi", "pi"), ("e", "e"), ("two-pi", "2*pi"), ("neg-zero", "-0.0"), ("leading-dot", ".5"),
    ("exp-upper", "2.5E+4"), ("exp-small", "1e-3"), ("int", "3"), ("neg-int", "-3"), ("pos-int", "+3"),
    ("float-sum", "0.1+0.2"), ("overflow-mul", "1e308*10"), ("stars", "2**10"), ("sqrt-two", "sqrt(2)"),
    ("big-int", "123456789012345678901234567890"),
)


def operators(c):
    for i, (label, expr) in enumerate(OPERATORS):
        for x, w in OPERATOR_POINTS + ((("nan", "1"),) if i < 12 else ()):
            c.add(f"ops/{label}/x={x},w={w}/json", ["eval", expr, "--x", x, "--w", w, "-F", "json"])
        c.add(f"ops/{label}/x=3,w=1/pretty", ["eval", expr, "--x", "3", "--w", "1"])
        fmt = ("plain", "csv", "grad-x")[i % 3]  # one of the other formats, in turn
        c.add(f"ops/{label}/x=2,w=-3/{fmt}", ["eval", expr, "--x", "2", "--w", "-3"] + fmt_args(fmt))
    for i, (label, expr) in enumerate(CONSTANT_EXPRESSIONS):
        for fmt in ("json", ("pretty", "plain")[i % 2]):
            c.add(f"ops/constant/{label}/{fmt}", ["eval", expr] + fmt_args(fmt))
    c.add("ops/constant/two-pi/csv", ["eval", "2*pi", "-F", "csv"])
    c.add("ops/constant/two-pi/grad-x", ["eval", "2*pi", "--grad", "x"])
    c.add("ops/constant/with-unused-binding/json", ["eval", "2*pi", "--x", "1", "-F", "json"])


# -- the language: statements, comments, new lines, names, binding forms -------------------

LANGUAGE = (
    ("stmt-semicolon", "a = x+w; a*2", ["--x", "3", "--w", "1"]),
    ("stmt-newline", "a = x+w\na*2", ["--x", "3", "--w", "1"]),
    ("stmt-last-is-assignment", "a = x + w; y = a * 2", ["--x", "3", "--w", "1"]),
    ("stmt-reassign", "a = x; a = a*2; a + 1", ["--x", "3"]),
    ("stmt-chain", "a = x*w\nb = a + x\nc = b*b\nc - a", ["--x", "2", "--w", "3"]),
    ("stmt-trailing-semicolon", "x*2;", ["--x", "3"]),
    ("stmt-double-semicolon", "a = x;; a*2", ["--x", "3"]),
    ("stmt-blank-lines", "\n\na = x\n\n\na*2\n\n", ["--x", "3"]),
    ("comment-end", "x*2 # times two", ["--x", "3"]),
    ("comment-line-first", "# first\nx*2", ["--x", "3"]),
    ("comment-between", "a = x # one\n# two\na*w # three", ["--x", "3", "--w", "2"]),
    ("comment-markup", "x # [bold red]not markup[/]", ["--x", "1"]),
    ("comment-unicode", "x*2 # ∂f/∂x — θ ✓", ["--x", "1"]),
    ("newline-in-parens", "(x\n+ w)", ["--x", "3", "--w", "1"]),
    ("newline-after-operator", "x +\nw", ["--x", "3", "--w", "1"]),
    ("newline-before-operator", "x\n+ w", ["--x", "3", "--w", "1"]),
    ("newline-in-call", "max(x,\n    w)", ["--x", "3", "--w", "1"]),
    ("newline-in-vector", "sum([x,\n w])", ["--x", "3", "--w", "1"]),
    ("crlf", "a = x\r\na*2", ["--x", "3"]),
    ("tabs", "x\t*\tw", ["--x", "3", "--w", "2"]),
    ("unused-binding", "x*2", ["--x", "1", "--w", "5"]),
    ("unused-bindings-order", "w*2", ["--x", "1", "--w", "5", "--z", "0"]),
    ("gradient-order-of-appearance", "z*w + x", ["--x", "1", "--w", "2", "--z", "3"]),
    ("unicode-name", "θ*2 + θ^2", ["--θ", "1.5"]),
    ("long-name", "a_very_long_variable_name_indeed * 2", ["--a_very_long_variable_name_indeed", "3"]),
    ("names-with-digits", "w_2 * x2 + _y", ["--w_2", "2", "--x2", "3", "--_y", "1"]),
    ("shadow-function", "sin = 3; sin * x", ["--x", "2"]),
    ("shadow-function-call", "sin = 3; sin(x)", ["--x", "0"]),
    ("shared-node", "a = x*w; a*a + x", ["--x", "2", "--w", "3"]),
    ("self-product", "x*x", ["--x", "3"]),
    ("assigned-leaf-alias", "a = x; a*a", ["--x", "3"]),
    ("deep-chain", "sin(" * 45 + "x" + ")" * 45, ["--x", "1"]),
    ("wide-sum", " + ".join(f"{i}*x" for i in range(1, 31)), ["--x", "1"]),
    ("many-variables", "+".join(f"v{i}" for i in range(12)), [a for i in range(12) for a in (f"--v{i}", str(i))]),
    ("nested-parens", "((((((x))))))*2", ["--x", "1"]),
    ("var-named-format", "format * 2", ["--var", "format=3"]),
    ("var-named-grad", "grad * x", ["--var", "grad=2", "--x", "3"]),
    ("var-named-jobs", "jobs + points", ["--var", "jobs=2", "--var", "points=3"]),
    ("var-named-o", "o * f", ["--o", "2", "--f", "3"]),
)

BINDING_FORMS = (
    ("var", ["x^2", "--var", "x=3"]),
    ("equals", ["x^2", "--x=3"]),
    ("negative", ["x^2", "--x", "-3"]),
    ("negative-equals", ["x^2", "--x=-3"]),
    ("negative-var", ["x^2", "--var", "x=-3"]),
    ("negative-exponent", ["x^2", "--x", "-3.0e0"]),
    ("options-first", ["--x", "-3", "x^2"]),
    ("double-dash", ["--x", "-3", "--", "x^2"]),
    ("expr-with-minus", ["-x^2", "--x", "3"]),
    ("expr-with-minus-after-dashes", ["--x", "3", "--", "-x^2"]),
    ("dash-F-as-variable", ["--x", "3", "--", "-F"]),
    ("dash-F-as-variable-bound", ["--F", "2", "--", "-F*3"]),
    ("plus-sign", ["x^2", "--x", "+3"]),
    ("scientific", ["x^2", "--x", "1e3"]),
    ("leading-dot", ["x^2", "--x", ".5"]),
    ("trailing-dot", ["x^2", "--x", "3."]),
    ("minus-inf", ["x^2", "--x", "-inf"]),
    ("nan-mixed-case", ["x^2", "--x", "NaN"]),
    ("infinity-word", ["x^2", "--x", "Infinity"]),
    ("spaces-around", ["x^2", "--x", " 3 "]),
    ("hex", ["x^2", "--x", "0x10"]),
    ("underscores", ["x^2", "--x", "1_000"]),
    ("huge", ["x^2", "--x", "1e999"]),
    ("tiny", ["x^2", "--x", "1e-999"]),
    ("short-format", ["x^2", "--x", "3", "-F", "json"]),
    ("format-equals", ["x^2", "--x", "3", "--format=plain"]),
    ("var-and-option-mixed", ["x*w", "--var", "x=2", "--w=3"]),
    ("var-value-with-equals", ["x", "--var", "x=1=2"]),
)


def language(c):
    for i, (label, expr, extra) in enumerate(LANGUAGE):
        for fmt in ("json", "pretty") if i % 3 else ("json", "pretty", "plain"):
            c.add(f"lang/{label}/{fmt}", ["eval", expr] + extra + fmt_args(fmt))
    for label in ("unused-binding", "gradient-order-of-appearance", "shared-node", "stmt-semicolon"):
        expr, extra = next((e, x) for lab, e, x in LANGUAGE if lab == label)
        c.add(f"lang/{label}/csv", ["eval", expr] + extra + ["-F", "csv"])
        c.add(f"lang/{label}/pretty!", ["eval", expr] + extra + ["--format", "pretty"])
    c.add("lang/deep-chain/pretty/columns-60", ["eval", "sin(" * 45 + "x" + ")" * 45, "--x", "1"], env={"COLUMNS": "60"})
    for label, args in BINDING_FORMS:
        if "-F" in args or any(a.startswith("--format") for a in args):
            c.add(f"lang/binding/{label}", ["eval"] + args)
        else:  # the format first: after `--` every argument is an expression
            c.add(f"lang/binding/{label}/json", ["eval", "-F", "json"] + args)
    c.add("lang/binding/after-double-dash-all-are-expressions", ["eval", "--x", "-3", "--", "x^2", "-F", "json"])
    c.add("lang/binding/double-dash/pretty", ["eval", "--x", "-3", "--", "x^2"])


# -- errors: every kind, with its caret --------------------------------------------------

EVAL_ERRORS = (
    # syntax
    ("syntax/operator-pair", ["x +* 2", "--x", "1"]),
    ("syntax/number-then-name", ["2x", "--x", "1"]),
    ("syntax/exponent-without-digits", ["1e"]),
    ("syntax/exponent-sign-only", ["1e+"]),
    ("syntax/two-points", ["x..2", "--x", "1"]),
    ("syntax/number-two-points", ["1.2.3"]),
    ("syntax/empty-parens", ["()"]),
    ("syntax/unclosed-parens", ["(((("]),
    ("syntax/unclosed-paren-expr", ["(x + 1", "--x", "1"]),
    ("syntax/unopened-paren", ["x + 1)", "--x", "1"]),
    ("syntax/unclosed-bracket", ["[1, 2"]),
    ("syntax/mismatched-brackets", ["(x]", "--x", "1"]),
    ("syntax/trailing-operator", ["x +", "--x", "1"]),
    ("syntax/empty", [""]),
    ("syntax/blank", ["   "]),
    ("syntax/only-comment", ["# only a comment"]),
    ("syntax/unicode-minus", ["x \u2212 2", "--x", "1"]),
    ("syntax/unicode-times", ["x \u00d7 2", "--x", "1"]),
    ("syntax/invisible-rtl-mark", ["x\u200f+ 1", "--x", "1"]),
    ("syntax/invisible-override", ["\u202ex + 1", "--x", "1"]),
    ("syntax/zero-width-space", ["x\u200b*2", "--x", "1"]),
    ("syntax/dollar", ["x $ 2", "--x", "1"]),
    ("syntax/percent", ["x % 2", "--x", "1"]),
    ("syntax/assignment-without-value", ["a = ", "--x", "1"]),
    ("syntax/assignment-without-name", ["= x", "--x", "1"]),
    ("syntax/assign-to-number", ["3 = x", "--x", "1"]),
    ("syntax/assign-in-middle", ["a = ; a", "--x", "1"]),
    ("syntax/comma-at-top", ["x, w", "--x", "1", "--w", "2"]),
    ("syntax/trailing-comma-call", ["max(x,)", "--x", "1"]),
    ("syntax/leading-comma-call", ["sin(,x)", "--x", "1"]),
    ("syntax/empty-call", ["sin()"]),
    ("syntax/open-index", ["x[", "--x", "1,2"]),
    ("syntax/empty-index", ["x[]", "--x", "1,2"]),
    ("syntax/unclosed-index", ["x[0", "--x", "1,2"]),
    ("syntax/empty-vector-items", ["[,]"]),
    ("syntax/double-caret", ["x ^^ 2", "--x", "1"]),
    ("syntax/triple-star", ["x***2", "--x", "1"]),
    ("syntax/quote", ["'x'", "--x", "1"]),
    ("syntax/backslash", ["x \\ 2", "--x", "1"]),
    ("syntax/equals-equals", ["x == 2", "--x", "1"]),
    ("syntax/second-line", ["a = x\nb = a +* 2\nb", "--x", "1"]),
    ("syntax/third-line-unclosed", ["a = x\nb = (a\n+ 2", "--x", "1"]),
    ("syntax/long-line-window", ["x + " * 60 + "* 2", "--x", "1"]),
    ("syntax/tab-before-error", ["\tx +* 2", "--x", "1"]),
    ("syntax/wide-chars-before-error", ["θθθ +* 2", "--θθθ", "1"]),
    ("syntax/cjk-before-error", ["日本 +* 2", "--日本", "1"]),
    ("syntax/emoji", ["x + 🙂", "--x", "1"]),
    ("syntax/semicolon-only", [";"]),
    ("syntax/index-of-number", ["3[0]"]),
    # name
    ("name/typo", ["sinn(x)", "--x", "1"]),
    ("name/typo-multiline", ["1 +\n  sinn(x)", "--x", "1"]),
    ("name/unknown", ["frobnicate(x)", "--x", "1"]),
    ("name/variable-called", ["x(2)", "--x", "1"]),
    ("name/used-before-assigned", ["a + 1; a = 2"]),
    ("name/capitalised", ["Sin(x)", "--x", "1"]),
    ("name/typo-exp", ["expp(x)", "--x", "1"]),
    ("name/typo-grad", ["gradd(x, x)", "--x", "1"]),
    ("name/typo-sqrt", ["sqr(x)", "--x", "1"]),
    ("name/constant-called", ["pi(2)"]),
    # arity
    ("arity/sin-two", ["sin(x, 2)", "--x", "1"]),
    ("arity/clamp-one", ["clamp(x)", "--x", "1"]),
    ("arity/pow-one", ["pow(x)", "--x", "1"]),
    ("arity/atan2-one", ["atan2(x)", "--x", "1"]),
    ("arity/hypot-three", ["hypot(x, x, x)", "--x", "1"]),
    ("arity/sum-two", ["sum(x, x)", "--x", "1,2"]),
    ("arity/dot-one", ["dot(v)", "--v", "1,2"]),
    ("arity/grad-one", ["grad(x)", "--x", "1"]),
    ("arity/detach-two", ["detach(x, x)", "--x", "1"]),
    ("arity/max-three", ["max(x, x, x)", "--x", "1"]),
    ("arity/max-none", ["max()"]),
    ("arity/no-grad-none", ["no_grad()"]),
    # unbound
    ("unbound/one", ["x + q", "--x", "1"]),
    ("unbound/alone", ["x"]),
    ("unbound/function-name", ["x + sin", "--x", "1"]),
    ("unbound/named-like-format", ["format * 2"]),
    ("unbound/named-like-trace", ["trace * 2"]),
    ("unbound/named-like-jobs", ["jobs * 2"]),
    ("unbound/named-like-grad", ["grad + 1"]),
    ("unbound/named-like-o", ["o + 1"]),
    ("unbound/second-of-three", ["a*b*c", "--a", "1", "--c", "2"]),
    ("unbound/in-program-line-3", ["a = x\nb = a\nb * q", "--x", "1"]),
    # value
    ("value/not-a-number", ["x", "--x", "abc"]),
    ("value/empty", ["x", "--x", ""]),
    ("value/bound-twice", ["x", "--x", "3", "--x", "4"]),
    ("value/bound-twice-forms", ["x", "--x", "3", "--var", "x=4"]),
    ("value/missing-value-at-end", ["x", "--x"]),
    ("value/bind-pi", ["pi", "--pi", "3"]),
    ("value/bind-e", ["e*x", "--x", "1", "--e", "2"]),
    ("value/bad-name", ["x", "--var", "2x=3"]),
    ("value/var-without-equals", ["x", "--var", "x"]),
    ("value/var-empty-name", ["x", "--var", "=3"]),
    ("value/assign-pi", ["pi = 3"]),
    ("value/assign-e", ["e = 1; e"]),
    ("value/assign-bound-variable", ["x = 3", "--x", "1"]),
    ("value/arabic-digits", ["x", "--x", "\u0661\u0662"]),
    ("value/vector-empty-item", ["sum(x)", "--x", "1,,2"]),
    ("value/vector-unclosed", ["sum(x)", "--x", "[1, 2"]),
    ("value/vector-nested", ["sum(x)", "--x", "[1, [2]]"]),
    ("value/vector-bad-item", ["sum(x)", "--x", "1,abc"]),
    ("value/grad-unknown", ["x", "--x", "1", "--grad", "q"]),
    ("value/hook-without-equals", ["x*2", "--x", "1", "--hook", "x"]),
    ("value/hook-without-name", ["x*2", "--x", "1", "--hook", "=g"]),
    ("value/hook-without-expr", ["x*2", "--x", "1", "--hook", "x="]),
    ("value/hook-unknown-name", ["x*2", "--x", "1", "--hook", "q=g*2"]),
    ("value/hook-syntax", ["x*2", "--x", "1", "--hook", "x=g +* 2"]),
    ("value/hook-unbound", ["x*2", "--x", "1", "--hook", "x=g*k"]),
    ("value/no-grad-unknown", ["x*2", "--x", "1", "--no-grad", "q"]),
    ("value/retain-grad-unknown", ["x*2", "--x", "1", "--retain-grad", "q"]),
    ("value/unknown-option-at-end", ["x", "--x", "1", "--frobnicate"]),
    ("value/file-missing", ["sum(x)", "--x", "@missing.txt"]),
    ("value/file-nonexistent-dir", ["sum(x)", "--x", "@/nonexistent/file"]),
    # compute
    ("compute/no-grad-of-grad", ["no_grad(grad(x^3, x))*x", "--x", "2"]),
    ("compute/vector-output", ["x*2", "--x", "1,2"]),
    ("compute/vector-literal-output", ["[x, w]", "--x", "1", "--w", "2"]),
    ("compute/vector-leaf-output", ["v", "--v", "1,2"]),
    ("compute/hook-changes-size", ["x*2", "--x", "3", "--hook", "x=[g,g]"]),
    ("name/grad-wrt-expression", ["grad(x^2, x*2)", "--x", "1"]),
    ("name/grad-wrt-constant", ["grad(x^2, 3)", "--x", "1"]),
    # shape
    ("shape/add", ["x + y", "--x", "1,2,3", "--y", "1,2"]),
    ("shape/mul-in-sum", ["sum(x * y)", "--x", "1,2,3", "--y", "1,2"]),
    ("shape/dot", ["dot(x, y)", "--x", "1,2,3", "--y", "1,2"]),
    ("shape/pow", ["sum(x ^ y)", "--x", "1,2", "--y", "1,2,3"]),
    ("shape/max-two", ["sum(max(x, y))", "--x", "1,2", "--y", "1,2,3"]),
    ("shape/stack-vector-item", ["sum([x, y])", "--x", "1", "--y", "1,2"]),
    ("shape/max-empty", ["max(v)", "--v", "[]"]),
    ("shape/min-empty", ["min(v)", "--v", "[]"]),
    ("shape/dot-scalar", ["dot(x, y)", "--x", "1", "--y", "2"]),
    ("shape/second-line", ["a = x\nsum(a + y)", "--x", "1,2,3", "--y", "1,2"]),
    # index
    ("index/out-of-range", ["x[5]", "--x", "1,2,3"]),
    ("index/negative-out-of-range", ["x[-4]", "--x", "1,2,3"]),
    ("index/into-scalar", ["x[0]", "--x", "3"]),
    ("index/fraction", ["x[1.5]", "--x", "1,2,3"]),
    ("index/variable", ["x[w]", "--x", "1,2,3", "--w", "1"]),
    ("index/inf", ["x[1e400]", "--x", "1,2"]),
    ("index/nan", ["x[0/0]", "--x", "1,2"]),
    ("index/empty-literal", ["[][0]"]),
    ("index/of-empty", ["x[0]", "--x", "[]"]),
    # limit
    ("limit/source", ["x + w + 1", "--x", "1", "--w", "2", "--max-source-bytes", "5"]),
    ("limit/source-at-the-limit-passes", ["x + 1", "--x", "1", "--max-source-bytes", "5"]),
    ("limit/source-utf8-bytes", ["θ + 1", "--θ", "1", "--max-source-bytes", "5"]),
    ("limit/source-over-cap", ["x", "--x", "1", "--max-source-bytes", "200000000"]),
    ("limit/file-bytes", ["sum(x)", "--x", "@nums.txt", "--max-file-bytes", "3"]),
)

USAGE_ERRORS = (
    ("usage/dash-mixed-with-expr", ["eval", "x", "-"]),
    ("usage/dash-mixed-before-expr", ["eval", "-", "x"]),
    ("usage/jacobian-backward", ["eval", "x*2", "--x", "1,2", "--jacobian", "--backward", "2"]),
    ("usage/jacobian-csv", ["eval", "x*2", "--x", "1,2", "--jacobian", "-F", "csv"]),
    ("usage/jacobian-gradient", ["eval", "x*2", "--x", "1,2", "--jacobian", "--gradient", "1,1"]),
    ("usage/jacobian-zero-grad", ["eval", "x*2", "--x", "1,2", "--jacobian", "--zero-grad"]),
    ("usage/jacobian-trace", ["eval", "x*2", "--x", "1,2", "--jacobian", "--trace"]),
    ("usage/jacobian-order", ["eval", "x*2", "--x", "1,2", "--jacobian", "--order", "2"]),
    ("usage/jacobian-hessian", ["eval", "x*2", "--x", "1,2", "--jacobian", "--hessian"]),
    ("usage/jacobian-retain-grad", ["eval", "a = x*2; a", "--x", "1,2", "--jacobian", "--retain-grad", "a"]),
    ("usage/jacobian-several", ["eval", "x*2", "--x", "1,2", "--jacobian", "--trace", "--hessian", "--zero-grad"]),
    ("usage/graph-trace", ["graph", "x*2", "--x", "1", "--trace"]),
    ("usage/graph-backward", ["graph", "x*2", "--x", "1", "--backward", "2"]),
    ("usage/points-two-exprs", ["eval", "x", "y", "--points", "pts-xw.csv"]),
    ("usage/points-dash-expr", ["eval", "-", "--points", "pts-xw.csv"]),
    ("usage/file-and-expr", ["eval", "x", "-f", "prog-simple.agrad", "--x", "1", "--w", "2"]),
    ("usage/file-and-exprs", ["eval", "x", "y", "-f", "prog-simple.agrad", "--x", "1"]),
    ("usage/two-stdin-readers", ["eval", "sum(x*w)", "--x", "@-", "--w", "@-"]),
    ("usage/stdin-reader-and-file-dash", ["eval", "-f", "-", "--x", "@-"]),
    ("usage/gradient-in-batch", ["eval", "x*2", "x*3", "--x", "1,2", "--gradient", "1,1"]),
    ("usage/jacobian-in-batch", ["eval", "x*2", "x*3", "--x", "1,2", "--jacobian"]),
    ("usage/csv-backward", ["eval", "x^2", "--x", "1", "--backward", "2", "-F", "csv"]),
    ("usage/csv-trace", ["eval", "x^2", "--x", "1", "--trace", "-F", "csv"]),
    ("usage/csv-order", ["eval", "x^2", "--x", "1", "--order", "2", "-F", "csv"]),
    ("usage/csv-hessian", ["eval", "x^2", "--x", "1", "--hessian", "-F", "csv"]),
    # bad options (click's errors, on one line)
    ("option/format-xml", ["eval", "x", "--x", "1", "--format", "xml"]),
    ("option/format-yaml-short", ["eval", "x", "--x", "1", "-F", "yaml"]),
    ("option/format-missing", ["eval", "x*2", "--x", "1", "--format"]),
    ("option/backward-zero", ["eval", "x", "--x", "1", "--backward", "0"]),
    ("option/backward-negative", ["eval", "x", "--x", "1", "--backward", "-1"]),
    ("option/backward-word", ["eval", "x", "--x", "1", "--backward", "two"]),
    ("option/order-negative", ["eval", "x", "--x", "1", "--order", "-1"]),
    ("option/dtype-float16", ["eval", "x", "--x", "1", "--dtype", "float16"]),
    ("option/jobs-negative", ["eval", "-", "--jobs", "-1"]),
    ("option/jobs-word", ["eval", "x", "y", "--jobs", "many"]),
    ("option/fail-fast-value", ["eval", "-", "--fail-fast=yes"]),
    ("option/trace-value", ["eval", "x", "--x", "1", "--trace=1"]),
    ("option/unknown-short", ["eval", "x", "--x", "1", "-Z"]),
    ("option/dash-h", ["eval", "-h"]),
    ("option/max-source-bytes-zero", ["eval", "x", "--x", "1", "--max-source-bytes", "0"]),
    ("option/max-file-bytes-zero", ["eval", "x", "--x", "1", "--max-file-bytes", "0"]),
    ("option/grad-missing", ["eval", "x", "--x", "1", "--grad"]),
    ("option/var-missing", ["eval", "x", "--var"]),
    ("option/file-missing-value", ["eval", "-f"]),
    ("option/hook-missing-value", ["eval", "x", "--x", "1", "--hook"]),
    ("option/no-expression", ["eval"]),
    ("option/no-expression-with-binding", ["eval", "--x", "1"]),
    ("option/points-missing-file", ["eval", "x", "--points", "missing.csv"]),
)


def errors(c):
    for i, (label, args) in enumerate(EVAL_ERRORS):
        files = ["nums.txt"] if "@nums.txt" in args else []
        c.add(f"err/{label}/pretty", ["eval"] + args, files=files)
        if i % 4 == 0:
            c.add(f"err/{label}/json", ["eval"] + args + ["-F", "json"], files=files)
    for label in ("syntax/operator-pair", "name/typo", "unbound/one", "value/not-a-number", "compute/vector-output",
                  "shape/add", "index/out-of-range", "limit/source", "arity/sin-two"):
        args = dict(EVAL_ERRORS)[label]
        if f"err/{label}/json" not in c.ids:
            c.add(f"err/{label}/json", ["eval"] + args + ["-F", "json"])
        c.add(f"err/{label}/plain", ["eval"] + args + ["-F", "plain"])
        c.add(f"err/{label}/csv", ["eval"] + args + ["-F", "csv"])
        c.add(f"err/{label}/grad-x", ["eval"] + args + ["--grad", "x"])
    for label, argv in USAGE_ERRORS:
        c.add(f"err/{label}", argv, stdin="x\n", files=["pts-xw.csv", "prog-simple.agrad"])


# -- vectors -------------------------------------------------------------------------------

REDUCTIONS = ("sum(v)", "mean(v)", "prod(v)", "norm(v)", "max(v)", "min(v)", "dot(v, v)", "dot(v, u)")
REDUCTION_VECTORS = (("1,2,3", "1,2,3"), ("0,0,0", "0-0-0"), ("1,0,3", "1-0-3"), ("0,2,0", "0-2-0"),
                     ("1,3,3", "1-3-3"), ("[]", "empty"), ("inf,1,2", "inf-1-2"), ("nan,1,2", "nan-1-2"),
                     ("-1,-2,-3", "neg"), ("[2]", "single"), ("-0.0,0,0", "signed-zeros"))


def vectors(c):
    # binding forms
    forms = (
        ("commas", ["--x", "1,2,3"]), ("brackets", ["--x", "[1, 2, 3]"]), ("brackets-tight", ["--x", "[1,2,3]"]),
        ("one-in-brackets", ["--x", "[3]"]), ("empty", ["--x", "[]"]), ("trailing-comma", ["--x", "1,2,"]),
        ("spaces", ["--x", " 1 , 2 "]), ("equals", ["--x=1,2"]), ("var", ["--var", "x=1,2"]),
        ("negative-first", ["--x", "-1,2"]), ("specials", ["--x", "inf,-inf,nan,-0.0"]),
        ("file", ["--x", "@nums.txt"]), ("file-brackets", ["--x", "@nums-brackets.txt"]),
        ("file-mixed-separators", ["--x", "@nums-mixed-sep.txt"]), ("file-one", ["--x", "@nums-one.txt"]),
        ("file-empty", ["--x", "@nums-empty.txt"]), ("file-long", ["--x", "@nums-long.txt"]),
        ("file-specials", ["--x", "@nums-special.txt"]), ("file-crlf", ["--x", "@nums-crlf.txt"]),
        ("file-two-brackets", ["--x", "@nums-two-brackets.txt"]), ("file-bad", ["--x", "@nums-bad.txt"]),
        ("file-bad-line-3", ["--x", "@nums-bad-line3.txt"]), ("file-bad-utf8", ["--x", "@nums-badutf8.txt"]),
        ("file-missing", ["--x", "@missing.txt"]), ("file-directory", ["--x", "@."]),
        ("file-limit", ["--x", "@nums-long.txt", "--max-file-bytes", "10"]),
        ("file-at-only", ["--x", "@"]),
    )
    nums = ["nums.txt", "nums-brackets.txt", "nums-mixed-sep.txt", "nums-one.txt", "nums-empty.txt", "nums-long.txt",
            "nums-special.txt", "nums-crlf.txt", "nums-two-brackets.txt", "nums-bad.txt", "nums-bad-line3.txt",
            "nums-badutf8.txt", "seed.txt", "seed-two.txt"]
    for i, (label, args) in enumerate(forms):
        c.add(f"vec/binding/{label}/json", ["eval", "sum(x^2)"] + args + ["-F", "json"], files=nums)
        if i % 3 == 0:
            c.add(f"vec/binding/{label}/plain", ["eval", "sum(x^2)"] + args + ["-F", "plain"], files=nums)
    for label, text in (("lines", "1\n2\n3\n"), ("brackets", "[1, 2]"), ("empty", ""), ("bad", "1 x\n"),
                        ("crlf", "1\r\n2\r\n")):
        c.add(f"vec/binding/stdin-{label}/json", ["eval", "sum(x*w)", "--x", "@-", "--w", "2", "-F", "json"], stdin=text)
    c.add("vec/binding/stdin-none/json", ["eval", "sum(x)", "--x", "@-", "-F", "json"])
    c.add("vec/binding/stdin-file/json", ["eval", "sum(x)", "--x", "@-", "-F", "json"], stdin_file="nums-long.txt")
    c.add("vec/binding/stdin-with-gradient/json",
          ["eval", "x*w", "--x", "@-", "--w", "2", "--gradient", "1,1,1", "-F", "json"], stdin="1\n2\n3\n")
    # reductions at edge vectors
    for red in REDUCTIONS:
        name = red.replace("(v, v)", "-self").replace("(v, u)", "").replace("(v)", "")
        for vec, vlabel in REDUCTION_VECTORS:
            u = "2,-1,0.5" if vec.count(",") == 2 else vec
            args = ["eval", red, "--v", vec] + (["--u", u] if "u" in red else [])
            c.add(f"vec/reduce/{name}/{vlabel}/json", args + ["-F", "json"])
        args = ["eval", red, "--v", "1,3,3"] + (["--u", "2,-1,0.5"] if "u" in red else [])
        for fmt in ("pretty", "plain", "csv", "grad-v"):
            c.add(f"vec/reduce/{name}/1-3-3/{fmt}", args + fmt_args(fmt))
        of_expression = red.replace("(v", "((v*w)").replace(", v)", ", (v*w))").replace(", u)", ", (v+1))")
        c.add(f"vec/reduce/{name}/of-expression/json",
              ["eval", of_expression, "--v", "1,-2,3", "--w", "0.5", "-F", "json"])
    # indexing
    for label, expr in (("first", "v[0]"), ("last", "v[-1]"), ("product", "v[1]*v[2]"), ("shared", "v[0]+v[0]"),
                        ("in-sum", "sum(v[0]*v)"), ("of-literal", "[v[1], v[0]][0]"), ("negative-first", "v[-3]"),
                        ("spaces", "v[ 1 ]"), ("of-expression", "(v*2)[1]"), ("plus-sign", "v[+1]"),
                        ("of-call", "sin(v)[2]")):
        for fmt in ("json", "pretty"):
            c.add(f"vec/index/{label}/{fmt}", ["eval", expr, "--v", "1,2,3"] + fmt_args(fmt))
    # literals and broadcasting
    literals = (
        ("stack", "[x, 2*w]", ["--x", "1", "--w", "3", "--gradient", "1,0.5"]),
        ("stack-constant", "[x, 2*w, 1]", ["--x", "1", "--w", "3", "--gradient", "1,1,1"]),
        ("stack-sum", "sum([x, w]*2)", ["--x", "1", "--w", "3"]),
        ("constant-vector", "sum([1, 2]*x)", ["--x", "3"]),
        ("constant-vector-assigned", "c = [1, 2] * 2; sum(c * x)", ["--x", "3"]),
        ("empty-literal", "sum([])", []),
        ("empty-literal-times", "sum([]*x)", ["--x", "2"]),
        ("nested-literal", "sum([[x]])", ["--x", "1"]),
        ("broadcast-scalar", "x + s", ["--x", "1,2,3", "--s", "2", "--gradient", "1,1,1"]),
        ("broadcast-sum", "sum(x*s)", ["--x", "1,2,3", "--s", "2"]),
        ("broadcast-length-one", "sum(x + y)", ["--x", "1,2,3", "--y", "[5]"]),
        ("broadcast-length-one-left", "sum(y * x)", ["--x", "1,2,3", "--y", "[5]"]),
        ("same-length", "sum(x * y)", ["--x", "1,2,3", "--y", "4,5,6"]),
        ("scalar-vector-of-one", "x*3", ["--x", "[2]", "--gradient", "[1]"]),
        ("vector-of-one-sum", "sum(x*3)", ["--x", "[2]"]),
        ("stack-of-reductions", "sum([sum(v), mean(v), max(v)])", ["--v", "1,2,3"]),
        ("vector-pow-scalar", "sum(v^2 + 2^v)", ["--v", "1,2,3"]),
        ("rsub-rdiv", "sum(2 - v) + sum(2 / v)", ["--v", "1,2,4"]),
        ("neg", "sum(-v)", ["--v", "1,2"]),
        ("norm-vs-sqrt", "norm(v) + sqrt(sum(v^2))", ["--v", "0,0"]),
    )
    for i, (label, expr, extra) in enumerate(literals):
        for fmt in ("json", "pretty") if i % 3 else ("json", "pretty", "plain"):
            c.add(f"vec/expr/{label}/{fmt}", ["eval", expr] + extra + fmt_args(fmt))
    # small and big values: orjson's notation
    for label, value in (("1e-7", "0.0000001"), ("1e-5", "0.00001"), ("1e-4", "0.0001"), ("1e16", "1e16"),
                         ("1e22", "1e22"), ("denormal", "5e-324"), ("big-int", "123456789012345680000")):
        c.add(f"vec/small-big/scalar-w={label}/json", ["eval", "x*w", "--x", "1", "--w", value, "-F", "json"])
        c.add(f"vec/small-big/vector-w={label}/json",
              ["eval", "sum(x*w)", "--x", "1,2", "--w", f"{value},{value}", "-F", "json"])
        c.add(f"vec/small-big/vector-w={label}/plain",
              ["eval", "sum(x*w)", "--x", "1,2", "--w", f"{value},1", "-F", "plain"])
        c.add(f"vec/small-big/vector-w={label}/grad-w",
              ["eval", "sum(x*w)", "--x", "1,2", "--w", f"{value},1", "--grad", "w"])
    # long vectors: pretty shows the first and last 3 past 8 elements
    for n in (8, 9, 20, 50):
        vec = ",".join(str(i) for i in range(1, n + 1))
        c.add(f"vec/long/{n}/pretty", ["eval", "sum(x * s)", "--x", vec, "--s", "2"])
        c.add(f"vec/long/{n}/json", ["eval", "sum(x * s)", "--x", vec, "--s", "2", "-F", "json"])
        c.add(f"vec/long/{n}/plain", ["eval", "sum(x * s)", "--x", vec, "--s", "2", "-F", "plain"])
    vec20 = ",".join(str(i) for i in range(1, 21))
    for cols in ("60", "120"):
        c.add(f"vec/long/20/pretty/columns-{cols}", ["eval", "sum(x * s)", "--x", vec20, "--s", "2"],
              env={"COLUMNS": cols})
        c.add(f"vec/long/20-gradient/pretty/columns-{cols}",
              ["eval", "x*2", "--x", vec20, "--gradient", vec20], env={"COLUMNS": cols})
    # --gradient
    gradients = (
        ("commas", ["x^2", "--x", "1,2", "--gradient", "1,0.5"]),
        ("brackets", ["x^2", "--x", "1,2", "--gradient", "[1, 0.5]"]),
        ("file", ["x^2", "--x", "1,2", "--gradient", "@seed-two.txt"]),
        ("file-mismatch", ["x^2", "--x", "1,2", "--gradient", "@seed.txt"]),
        ("scalar-on-scalar", ["(x+w)*2", "--x", "3", "--w", "1", "--gradient", "2"]),
        ("vector-on-scalar", ["x*2", "--x", "1", "--gradient", "[1]"]),
        ("too-long", ["x*2", "--x", "1,2", "--gradient", "1,2,3"]),
        ("nan-inf", ["x*w", "--x", "inf,-1,nan", "--w", "2", "--gradient", "1,1,1"]),
        ("zero", ["x*w", "--x", "1,2", "--w", "2", "--gradient", "0,0"]),
        ("bad-value", ["x*2", "--x", "1,2", "--gradient", "1,a"]),
        ("scalar-seed-on-vector", ["x*2", "--x", "1,2", "--gradient", "2"]),
        ("with-backward-2", ["y = x^2", "--x", "1,2", "--gradient", "1,0.5", "--backward", "2"]),
        ("with-zero-grad", ["y = x^2", "--x", "1,2", "--gradient", "1,0.5", "--backward", "2", "--zero-grad"]),
        ("float32", ["x + w", "--x", "0.1,0.2", "--w", "0.2", "--gradient", "1,1", "--dtype", "float32"]),
        ("reversed", ["x*w", "--x", "1,2,3", "--w", "3", "--gradient", "3,2,1"]),
    )
    for i, (label, args) in enumerate(gradients):
        for fmt in ("json", "plain", "pretty", "csv") if i % 4 == 0 else ("json", "plain"):
            c.add(f"vec/gradient/{label}/{fmt}", ["eval"] + args + fmt_args(fmt), files=["seed.txt", "seed-two.txt"])
    c.add("vec/gradient/stdin/json", ["eval", "x*2", "--x", "1,2", "--gradient", "@-", "-F", "json"], stdin="1, 0.5")
    c.add("vec/gradient/grad-x", ["eval", "x^2", "--x", "1,2", "--gradient", "1,0.5", "--grad", "x"])
    # --jacobian
    jacobians = (
        ("readme", ["[v[0]*v[1], sin(v[0])]", "--v", "1,2"]),
        ("two-variables", ["x*s", "--x", "1,2", "--s", "3"]),
        ("scalar-output", ["sum(x)*s", "--x", "1,2", "--s", "3"]),
        ("scalar-to-scalar", ["x^3", "--x", "2"]),
        ("long", ["x*2", "--x", vec20]),
        ("two-by-three", ["[dot(v, u), sum(v)]", "--v", "1,2,3", "--u", "4,5,6"]),
        ("empty", ["x*2", "--x", "[]"]),
        ("no-grad", ["x*w", "--x", "1,2", "--w", "3", "--no-grad", "w"]),
        ("hook", ["x*2", "--x", "1,2", "--hook", "x=g*10"]),
        ("hook-changes-size", ["x*2", "--x", "1,2", "--hook", "x=1"]),
        ("float32", ["x*w", "--x", "0.1,0.2", "--w", "0.3", "--dtype", "float32"]),
        ("nan", ["log(x)", "--x", "0,-1,nan"]),
        ("constant-output", ["[1, 2]", "--x", "1"]),
        ("unused-variable", ["x*2", "--x", "1,2", "--w", "5"]),
    )
    for label, args in jacobians:
        for fmt in ("pretty", "json", "plain"):
            c.add(f"vec/jacobian/{label}/{fmt}", ["eval"] + args + ["--jacobian"] + fmt_args(fmt))
    c.add("vec/jacobian/readme/grad-v", ["eval", "[v[0]*v[1], sin(v[0])]", "--v", "1,2", "--jacobian", "--grad", "v"])
    for cols in ("60", "120"):
        c.add(f"vec/jacobian/readme/pretty/columns-{cols}",
              ["eval", "[v[0]*v[1], sin(v[0])]", "--v", "1,2", "--jacobian"], env={"COLUMNS": cols})
        c.add(f"vec/jacobian/long/pretty/columns-{cols}", ["eval", "x*2", "--x", vec20, "--jacobian"],
              env={"COLUMNS": cols})
    # the implicit-grad error on a vector output, in each format
    for fmt in ("pretty", "json", "plain", "csv", "grad-x"):
        c.add(f"vec/implicit-grad/{fmt}", ["eval", "x*2", "--x", "1,2"] + fmt_args(fmt))
        c.add(f"vec/implicit-grad/program/{fmt}", ["eval", "a = x*2\nb = a + 1\nb", "--x", "1,2"] + fmt_args(fmt))


# -- the autograd lessons ------------------------------------------------------------------

LESSON_BASES = (
    ("scalar", "a = x*w; b = a*a; b + x", ["--x", "2", "--w", "3"]),
    ("vector", "a = v*w; b = a*a; sum(b)", ["--v", "1,2", "--w", "3"]),
)
LESSON_OPTIONS = (  # {leaf} is x in the scalar base, v in the vector one
    ("no-grad", ["--no-grad", "w"]),
    ("no-grad-all", ["--no-grad", "w", "--no-grad", "{leaf}"]),
    ("retain-grad", ["--retain-grad", "a"]),
    ("retain-grad-two", ["--retain-grad", "a", "--retain-grad", "b"]),
    ("retain-grad-leaf", ["--retain-grad", "w"]),
    ("backward-3", ["--backward", "3"]),
    ("backward-3-zero-grad", ["--backward", "3", "--zero-grad"]),
    ("zero-grad", ["--zero-grad"]),
    ("trace", ["--trace"]),
    ("hook", ["--hook", "w=g*10"]),
    ("hooks-several", ["--hook", "w=g*10", "--hook", "w=g+1", "--hook", "a=g*0.5"]),
    ("hook-intermediate", ["--hook", "a=2*g"]),
    ("order-2", ["--order", "2"]),
    ("order-3", ["--order", "3"]),
    ("order-0", ["--order", "0"]),
    ("hessian", ["--hessian"]),
    ("float32", ["--dtype", "float32"]),
    ("float64", ["--dtype", "float64"]),
    ("trace-backward-2", ["--trace", "--backward", "2"]),
    ("retain-hook-trace", ["--retain-grad", "a", "--hook", "a=g*2", "--trace"]),
    ("no-grad-trace", ["--no-grad", "w", "--trace"]),
    ("order-2-hessian", ["--order", "2", "--hessian"]),
    ("float32-trace", ["--dtype", "float32", "--trace"]),
    ("backward-2-retain-grad", ["--backward", "2", "--retain-grad", "a"]),
    ("float32-order-2", ["--dtype", "float32", "--order", "2"]),
)
LESSON_EXPRESSIONS = (
    ("grad", "grad(x^3, x)", ["--x", "2"]),
    ("grad-grad", "grad(grad(x^3, x), x)", ["--x", "2"]),
    ("grad-of-other", "grad(x*w, w)", ["--x", "2", "--w", "3"]),
    ("grad-constant-derivative", "grad(x*2, x)", ["--x", "2"]),
    ("grad-sin-twice", "grad(grad(sin(x), x), x)", ["--x", "0"]),
    ("grad-in-sum", "grad(x^2, x) + x", ["--x", "3"]),
    ("grad-of-constant", "grad(2, x)", ["--x", "1"]),
    ("grad-of-assigned", "a = x^2; grad(a*w, x)", ["--x", "2", "--w", "3"]),
    ("detach", "detach(x*w) * x", ["--x", "2", "--w", "3"]),
    ("no-grad-fn", "no_grad(x*w) * x", ["--x", "2", "--w", "3"]),
    ("detach-only", "detach(x)", ["--x", "2"]),
    ("no-grad-only", "no_grad(x*2)", ["--x", "2"]),
    ("detach-constant", "detach(2)*x", ["--x", "2"]),
    ("no-grad-detach", "no_grad(detach(x))*x", ["--x", "2"]),
    ("vector-grad", "sum(grad(sum(v^3), v))", ["--v", "1,2"]),
    ("vector-detach", "sum(detach(v)*v)", ["--v", "1,2"]),
    ("vector-no-grad", "sum(no_grad(v*2)*v)", ["--v", "1,2"]),
)


def lessons(c):
    for base, expr, binds in LESSON_BASES:
        for label, options in LESSON_OPTIONS:
            leaf = "x" if base == "scalar" else "v"
            opts = [o.replace("{leaf}", leaf) for o in options]
            formats = ("pretty", "json", "plain", "csv", f"grad-{leaf}")
            if base == "vector":  # --order takes scalar variables only: its refusal once
                formats = ("json",) if "--order" in opts else ("pretty", "json", "plain")
            for fmt in formats:
                c.add(f"lesson/{base}/{label}/{fmt}", ["eval", expr] + binds + opts + fmt_args(fmt))
        c.add(f"lesson/{base}/grad-of-intermediate/grad-a", ["eval", expr] + binds + ["--grad", "a"])
        c.add(f"lesson/{base}/grad-of-retained/grad-a", ["eval", expr] + binds + ["--retain-grad", "a", "--grad", "a"])
        c.add(f"lesson/{base}/trace/pretty/columns-60", ["eval", expr] + binds + ["--trace"], env={"COLUMNS": "60"})
        c.add(f"lesson/{base}/trace/pretty/columns-120", ["eval", expr] + binds + ["--trace"], env={"COLUMNS": "120"})
        c.add(f"lesson/{base}/hessian/pretty/columns-60", ["eval", expr] + binds + ["--hessian"], env={"COLUMNS": "60"})
    for i, (label, expr, binds) in enumerate(LESSON_EXPRESSIONS):
        for fmt in ("pretty", "json", ("plain", "csv")[i % 2]):
            c.add(f"lesson/expr/{label}/{fmt}", ["eval", expr] + binds + fmt_args(fmt))
    # the README's examples, and a few more
    readme = (
        ("readme-no-grad", ["x*w", "--x", "2", "--w", "3", "--no-grad", "w", "-F", "json"]),
        ("readme-trace", ["(x+w)*2", "--x", "3", "--w", "1", "--trace", "--format", "plain"]),
        ("readme-retain-grad", ["a = x*2; a*a", "--x", "1", "--retain-grad", "a", "--format", "json"]),
        ("readme-backward", ["y = x**2", "--x", "1", "--backward", "3", "--format", "plain"]),
        ("readme-hook", ["x*2", "--x", "3", "--hook", "x=g*10", "--format", "plain"]),
        ("readme-order", ["x^3", "--x", "2", "--order", "3", "--format", "plain"]),
        ("readme-float32", ["x + w", "--x", "0.1", "--w", "0.2", "--dtype", "float32", "--format", "plain"]),
        ("backward-no-saved-values", ["x + w", "--x", "1", "--w", "2", "--backward", "3", "-F", "json"]),
        ("backward-no-saved-values-pretty", ["x + w", "--x", "1", "--w", "2", "--backward", "2"]),
        ("hook-returns-constant", ["x*2", "--x", "3", "--hook", "x=5", "-F", "json"]),
        ("hook-uses-g-twice", ["x*2", "--x", "3", "--hook", "x=g*g", "-F", "json"]),
        ("hook-on-output", ["a = x*2; a", "--x", "3", "--hook", "a=g*3", "-F", "json"]),
        ("hook-vector-on-scalar", ["sum(v*2)", "--v", "1,2", "--hook", "v=g*10", "-F", "json"]),
        ("order-vector-refused", ["sum(v^3)", "--v", "1,2", "--order", "2"]),
        ("hessian-vector", ["sum(x^3) + x[0]*x[1] + s*x[1]", "--x", "1,2", "--s", "3", "--hessian", "-F", "json"]),
        ("hessian-vector-pretty", ["sum(x^3) + x[0]*x[1]", "--x", "1,2", "--hessian"]),
        ("hessian-vector-output", ["x^3", "--x", "1,2", "--gradient", "1,1", "--hessian"]),
        ("hessian-no-variables", ["2*3", "--hessian", "-F", "json"]),
        ("order-no-variables", ["2*3", "--order", "2", "-F", "json"]),
        ("no-grad-everything", ["x*w", "--x", "2", "--w", "3", "--no-grad", "x", "--no-grad", "w"]),
        ("no-grad-everything-json", ["x*w", "--x", "2", "--w", "3", "--no-grad", "x", "--no-grad", "w", "-F", "json"]),
        ("trace-vector-stack", ["sum([x, w*2])", "--x", "1", "--w", "3", "--trace", "-F", "plain"]),
        ("float32-exp-overflow", ["exp(x)", "--x", "89", "--dtype", "float32", "-F", "json"]),
        ("float32-vector", ["sum(v*0.1)", "--v", "1,2,3", "--dtype", "float32", "-F", "json"]),
        ("backward-large", ["x^2", "--x", "1", "--backward", "12", "-F", "plain"]),
        ("order-high", ["exp(x)", "--x", "0", "--order", "6", "-F", "json"]),
        ("order-sin", ["sin(x)*w", "--x", "0", "--w", "2", "--order", "4"]),
    )
    for label, args in readme:
        c.add(f"lesson/{label}", ["eval"] + args)


# -- programs from files: -f FILE, -f - ------------------------------------------------------

PROGRAMS = (
    ("simple", "prog-simple.agrad", ["--x", "3", "--w", "1"]),
    ("multiline", "prog-multiline.agrad", ["--x", "3", "--w", "1"]),
    ("shared", "prog-shared.agrad", ["--x", "2", "--w", "3"]),
    ("vector", "prog-vector.agrad", ["--v", "1,2,3"]),
    ("lessons", "prog-lessons.agrad", ["--x", "2", "--w", "3"]),
    ("noeol", "prog-noeol.agrad", ["--x", "2"]),
    ("semicolons", "prog-semicolons.agrad", ["--x", "2", "--w", "3"]),
    ("unicode", "prog-unicode.agrad", ["--θ", "2"]),
    ("crlf", "prog-crlf.agrad", ["--x", "3", "--w", "1"]),
    ("bom", "prog-bom.agrad", ["--x", "3"]),
    ("comment-only", "prog-comment-only.agrad", ["--x", "1"]),
    ("empty", "prog-empty.agrad", ["--x", "1"]),
    ("error", "prog-error.agrad", ["--x", "1"]),
    ("unbound", "prog-unbound.agrad", ["--x", "1"]),
    ("bad-utf8", "prog-badutf8.agrad", ["--x", "1"]),
    ("latin1", "prog-latin1.agrad", ["--x", "1"]),
    ("nul", "prog-nul.agrad", ["--x", "1"]),
    ("missing", "missing.agrad", ["--x", "1"]),
    ("directory", ".", ["--x", "1"]),
)


def program_files(c):
    files = sorted({f for _, f, _ in PROGRAMS if f.startswith("prog-")})
    for label, path, binds in PROGRAMS:
        for fmt in ("json", "pretty", "plain"):
            c.add(f"file/{label}/{fmt}", ["eval", "-f", path] + binds + fmt_args(fmt), files=files)
    c.add("file/simple/long-option/json", ["eval", "--file", "prog-simple.agrad", "--x", "3", "--w", "1", "-F", "json"],
          files=files)
    c.add("file/simple/csv", ["eval", "-f", "prog-simple.agrad", "--x", "3", "--w", "1", "-F", "csv"], files=files)
    c.add("file/simple/grad-a", ["eval", "-f", "prog-simple.agrad", "--x", "3", "--w", "1", "--grad", "a"], files=files)
    c.add("file/lessons/trace/json", ["eval", "-f", "prog-lessons.agrad", "--x", "2", "--w", "3", "--trace", "-F", "json"],
          files=files)
    c.add("file/lessons/retain-grad/pretty",
          ["eval", "-f", "prog-lessons.agrad", "--x", "2", "--w", "3", "--retain-grad", "b"], files=files)
    c.add("file/simple/limit", ["eval", "-f", "prog-simple.agrad", "--x", "3", "--w", "1", "--max-source-bytes", "5"],
          files=files)
    c.add("file/simple/with-expr", ["eval", "x*2", "--file", "prog-simple.agrad", "--x", "3", "--w", "1"], files=files)
    for fmt in ("json", "pretty"):
        c.add(f"file/stdin/{fmt}", ["eval", "-f", "-", "--x", "3", "--w", "1"] + fmt_args(fmt),
              stdin="a = x + w\n# comment\na * 2\n")
    c.add("file/stdin/empty", ["eval", "-f", "-", "--x", "1"], stdin="")
    c.add("file/stdin/none", ["eval", "-f", "-", "--x", "1"])
    c.add("file/stdin/crlf/json", ["eval", "-f", "-", "--x", "3", "-F", "json"], stdin="a = x\r\na*2\r\n")
    c.add("file/stdin/bad-utf8", ["eval", "-f", "-", "--x", "1"], stdin_file="prog-badutf8.agrad")
    c.add("file/stdin/from-file/json", ["eval", "-f", "-", "--x", "3", "--w", "1", "-F", "json"],
          stdin_file="prog-multiline.agrad")
    c.add("file/stdin/limit", ["eval", "-f", "-", "--x", "1", "--max-source-bytes", "4"], stdin="x + 1 + 2\n")
    c.add("file/stdin/with-vector-binding", ["eval", "-f", "-", "--v", "1,2", "-F", "json"], stdin="sum(v^2)\n")


# -- batches: several EXPR arguments ----------------------------------------------------------

ARGUMENT_BATCHES = (
    ("good", ["x^2", "sin(x)", "x*w"], ["--x", "1", "--w", "2"]),
    ("mixed", ["x^2", "x +* 1", "sinn(x)", "q", "log(x)", "x[0]"], ["--x", "0"]),
    ("vectors", ["sum(v)", "v[0]", "v*2", "dot(v, v)"], ["--v", "1,2"]),
    ("empty-argument", ["x", "", "x*2"], ["--x", "1"]),
    ("constants", ["2*3", "pi", "x"], ["--x", "1"]),
    ("unused", ["x", "w", "x*w"], ["--x", "1", "--w", "2"]),
    ("minus-first", ["-x^2", "x"], ["--x", "3"]),
    ("programs", ["a = x*2; a+1", "a = x\na*a"], ["--x", "3"]),
    ("readme", ["x*w", "max(x, w)"], ["--x", "3", "--w", "2"]),
    ("quotes-commas", ['max(x, w) # "q"', "x*w"], ["--x", "3", "--w", "2"]),
    ("all-fail", ["q", "x +", "sin()"], ["--x", "1"]),
    ("shape-and-index", ["sum(v + u)", "v[9]", "sum(v)"], ["--v", "1,2,3", "--u", "1,2"]),
)


def argument_batches(c):
    for label, exprs, binds in ARGUMENT_BATCHES:
        for fmt in ("pretty", "json", "plain", "csv", "grad-x"):
            c.add(f"batch-args/{label}/{fmt}", ["eval"] + exprs + binds + fmt_args(fmt))
    mixed = ["x^2", "x +* 1", "sinn(x)", "q", "log(x)", "x[0]"]
    for fmt in ("json", "plain", "csv", "pretty", "grad-x"):
        c.add(f"batch-args/mixed/fail-fast/{fmt}", ["eval"] + mixed + ["--x", "0", "--fail-fast"] + fmt_args(fmt))
    for fmt in ("json", "pretty", "csv", "plain"):
        c.add(f"batch-args/mixed/jobs-2/{fmt}", ["eval"] + mixed + ["--x", "0", "--jobs", "2"] + fmt_args(fmt))
    c.add("batch-args/mixed/jobs-1/json", ["eval"] + mixed + ["--x", "0", "--jobs", "1", "-F", "json"])
    c.add("batch-args/mixed/jobs-2/fail-fast/json", ["eval"] + mixed + ["--x", "0", "--jobs", "2", "--fail-fast", "-F", "json"])
    c.add("batch-args/good/pretty!", ["eval", "x^2", "sin(x)", "--x", "1", "--format", "pretty"])
    c.add("batch-args/good/pretty/columns-60", ["eval", "x^2", "sin(x)*w", "--x", "1", "--w", "2"], env={"COLUMNS": "60"})
    c.add("batch-args/good/pretty/columns-120", ["eval", "x^2", "sin(x)*w", "--x", "1", "--w", "2"], env={"COLUMNS": "120"})
    # the lesson options in a batch: json and pretty show them; plain and csv refuse some
    base = ["eval", "a = x*w; a*a", "x^3", "--x", "2", "--w", "3"]
    lesson = (
        ("trace", ["--trace"]), ("backward-2", ["--backward", "2"]), ("backward-2-zero-grad", ["--backward", "2", "--zero-grad"]),
        ("order-2", ["--order", "2"]), ("hessian", ["--hessian"]), ("no-grad", ["--no-grad", "w"]),
        ("retain-grad", ["--retain-grad", "a"]), ("hook", ["--hook", "x=g*10"]), ("float32", ["--dtype", "float32"]),
    )
    for label, opts in lesson:
        for fmt in ("json", "pretty", "plain", "csv", "grad-x"):
            c.add(f"batch-args/lesson/{label}/{fmt}", base + opts + fmt_args(fmt))
    c.add("batch-args/gradient-refused/json", ["eval", "x^2", "x", "--x", "1,2", "--gradient", "1,1", "-F", "json"])
    c.add("batch-args/jacobian-refused/json", ["eval", "x^2", "x", "--x", "1,2", "--jacobian", "-F", "json"])
    c.add("batch-args/jacobian-refused/pretty", ["eval", "x^2", "x", "--x", "1,2", "--jacobian"])
    c.add("batch-args/file-with-exprs", ["eval", "x", "y", "-f", "prog-simple.agrad"], files=["prog-simple.agrad"])
    c.add("batch-args/limit/json", ["eval", "x", "x + 1 + 2 + 3", "--x", "1", "--max-source-bytes", "6", "-F", "json"])
    c.add("batch-args/bad-binding", ["eval", "x", "y", "--x", "abc"])
    c.add("batch-args/csv-vector-values", ["eval", "sum(x)", "sum(x^2)", "x", "--x", "1,2,3", "-F", "csv"])
    c.add("batch-args/grad-unknown", ["eval", "x", "x*2", "--x", "1", "--grad", "q"])
    c.add("batch-args/grad-intermediate", ["eval", "a = x*2; a", "x", "--x", "1", "--grad", "a"])


# -- batches: agrad eval - ----------------------------------------------------------------------

STDIN_BATCHES = (
    ("mixed", "x^2\n\n# a comment\n" + '{"expr": "x*w", "vars": {"w": 0.5}}\n' + "sin(x)\nx +* 1\n{invalid\n"
     + '{"expr": "x", "expr": "y"}\n' + '{"expr": "x*w", "vars": {"w": [1, 2]}}\n' + "   \n  # indented comment\n"
     + "log(x - 10)\nlast^2", ["--x", "3", "--w", "2"]),
    ("programs", "a = x*2; a+1\nb = x; b*b\nc = x\n", ["--x", "3"]),
    ("crlf", "x^2\r\nsin(x)\r\n" + '{"expr": "x*3"}\r\n', ["--x", "1"]),
    ("empty", "", ["--x", "1"]),
    ("blank-only", "\n\n# nothing\n   \n", ["--x", "1"]),
    ("vectors", '{"expr": "sum(v)", "vars": {"v": [1, 2, 3]}}\nsum(v)\nv*2\n{"expr": "dot(v, v)", "vars": {"v": [1, "nan"]}}\n',
     ["--v", "4,5"]),
    ("error-kinds", "x +* 1\nsinn(x)\nsin(x, 2)\nq\npi = 3\nx[5]\n[x, x] + [1, 2, 3]\nno_grad(grad(x^3, x))*x\n"
     '{"expr": 1}\n{"vars": {}}\n{"expr": "x", "other": 1}\n[]\n', ["--x", "1"]),
    ("json-values", '{"expr": "x*w", "vars": {"x": "inf", "w": "-inf"}}\n{"expr": "x", "vars": {"x": "nan"}}\n'
     '{"expr": "x", "vars": {"x": "abc"}}\n{"expr": "x", "vars": {"x": true}}\n{"expr": "x", "vars": {"pi": 1}}\n'
     '{"expr": "x", "vars": {"x": 1e400}}\n{"expr": "x^2", "vars": {"x": -0.0}}\n', ["--x", "1"]),
    ("bom", "\ufeffx^2\n" + '{"expr": "θ*2", "vars": {"θ": 1.5}}\n', ["--x", "2"]),
    ("unicode", "θ*2\nθ −1\n", ["--θ", "2"]),
    ("bad-bytes-in-text", "x\n\udcff\udcfe\nx*2\n", ["--x", "1"]),
    ("nul", "x^2\nx\x00+1\nx\n", ["--x", "1"]),
    ("unused-and-order", "z*w + x\nw\n", ["--x", "1", "--w", "2", "--z", "3"]),
    ("same-line-repeated", "x^2\nx^2\nx^2\nx*w\nx^2\n", ["--x", "2", "--w", "1"]),
)


def stdin_batches(c):
    for i, (label, text, binds) in enumerate(STDIN_BATCHES):
        for fmt in ("json", "pretty", "plain", "csv", "grad-x") if i % 2 == 0 else ("json", "plain", "csv", "grad-x"):
            fa = fmt_args(fmt) if fmt != "json" else []  # json is the default for -
            c.add(f"batch-stdin/{label}/{fmt}", ["eval", "-"] + binds + fa, stdin=text)
        c.add(f"batch-stdin/{label}/jobs-2/json", ["eval", "-"] + binds + ["--jobs", "2"], stdin=text)
    mixed_text, mixed_binds = STDIN_BATCHES[0][1], STDIN_BATCHES[0][2]
    for fmt in ("json", "plain", "csv", "grad-x"):
        c.add(f"batch-stdin/mixed/fail-fast/{fmt}", ["eval", "-"] + mixed_binds + ["--fail-fast"] + fmt_args(fmt),
              stdin=mixed_text)
    c.add("batch-stdin/mixed/json!", ["eval", "-"] + mixed_binds + ["-F", "json"], stdin=mixed_text)
    c.add("batch-stdin/mixed/jobs-2/plain", ["eval", "-"] + mixed_binds + ["--jobs", "2", "-F", "plain"], stdin=mixed_text)
    c.add("batch-stdin/mixed/jobs-2/fail-fast", ["eval", "-"] + mixed_binds + ["--jobs", "2", "--fail-fast"], stdin=mixed_text)
    c.add("batch-stdin/mixed/limit", ["eval", "-"] + mixed_binds + ["--max-source-bytes", "8"], stdin=mixed_text)
    c.add("batch-stdin/mixed/limit/plain", ["eval", "-"] + mixed_binds + ["--max-source-bytes", "8", "-F", "plain"],
          stdin=mixed_text)
    # fixtures fed as raw bytes, redirected from the file (agrad eval - < FILE)
    fixtures = (("mixed", "jobs-mixed.txt"), ("bad-utf8", "jobs-badutf8.txt"), ("crlf", "jobs-crlf.txt"),
                ("bom", "jobs-bom.txt"), ("noeol", "jobs-noeol.txt"), ("nul", "jobs-nul.txt"),
                ("json", "jobs-json.jsonl"), ("bom-middle", "jobs-bom-middle.txt"), ("many", "jobs-many.txt"))
    for label, name in fixtures:
        for fmt in ("json", "plain", "csv"):
            c.add(f"batch-stdin/file-{label}/{fmt}", ["eval", "-", "--x", "2", "--w", "0.5"] + fmt_args(fmt),
                  stdin_file=name)
        c.add(f"batch-stdin/file-{label}/jobs-2/json", ["eval", "-", "--x", "2", "--w", "0.5", "--jobs", "2"],
              stdin_file=name)
    c.add("batch-stdin/file-many/pretty", ["eval", "-", "--x", "2", "--w", "0.5", "-F", "pretty"],
          stdin_file="jobs-many.txt")
    c.add("batch-stdin/file-many/jobs-2/plain", ["eval", "-", "--x", "2", "--w", "0.5", "--jobs", "2", "-F", "plain"],
          stdin_file="jobs-many.txt")
    c.add("batch-stdin/file-many/fail-fast", ["eval", "-", "--x", "2", "--w", "0.5", "--fail-fast"],
          stdin_file="jobs-many.txt")
    c.add("batch-stdin/file-many/grad-w", ["eval", "-", "--x", "2", "--w", "0.5", "--grad", "w"],
          stdin_file="jobs-many.txt")
    # the lesson options in a batch
    text = "a = x*w; a*a\nx^3\nx +* 1\n"
    lesson = (
        ("trace", ["--trace"]), ("backward-2", ["--backward", "2"]), ("order-2", ["--order", "2"]),
        ("hessian", ["--hessian"]), ("no-grad", ["--no-grad", "w"]), ("retain-grad", ["--retain-grad", "a"]),
        ("hook", ["--hook", "x=g*10"]), ("float32", ["--dtype", "float32"]),
        ("zero-grad", ["--backward", "2", "--zero-grad"]),
    )
    for label, opts in lesson:
        for fmt in ("json", "plain", "csv", "pretty"):
            c.add(f"batch-stdin/lesson/{label}/{fmt}", ["eval", "-", "--x", "2", "--w", "3"] + opts + fmt_args(fmt),
                  stdin=text)
    c.add("batch-stdin/gradient-refused", ["eval", "-", "--x", "1,2", "--gradient", "1,1"], stdin="x^2\n")
    c.add("batch-stdin/jacobian-refused", ["eval", "-", "--x", "1,2", "--jacobian"], stdin="x^2\n")
    c.add("batch-stdin/jacobian-csv-refused", ["eval", "-", "--x", "1,2", "--jacobian", "-F", "csv"], stdin="x^2\n")
    c.add("batch-stdin/bad-binding", ["eval", "-", "--x", "abc"], stdin="x\n")
    c.add("batch-stdin/with-file", ["eval", "-", "-f", "prog-simple.agrad"], stdin="x\n", files=["prog-simple.agrad"])
    c.add("batch-stdin/binding-from-stdin", ["eval", "-", "--x", "@-"], stdin="x\n")
    c.add("batch-stdin/no-stdin", ["eval", "-", "--x", "1"])
    c.add("batch-stdin/csv-json-var-without-column", ["eval", "-", "--x", "1", "-F", "csv"],
          stdin='{"expr": "x*q", "vars": {"q": 2}}\n')
    c.add("batch-stdin/grad-unknown", ["eval", "-", "--x", "1", "--grad", "q"], stdin="x\nx*2\n")
    c.add("batch-stdin/long-line", ["eval", "-", "--x", "1", "-F", "plain"], stdin="x\n" + "x" + " " * 5000 + "+ 1\nx*2\n")
    c.add("batch-stdin/long-line-limit", ["eval", "-", "--x", "1", "-F", "plain", "--max-source-bytes", "1000"],
          stdin="x\n" + "x" + " " * 5000 + "+ 1\nx*2\n")


# -- batches: --points ----------------------------------------------------------------------

POINT_FILES = [
    "pts-xw.csv", "pts-x.csv", "pts-edge.csv", "pts-bad.csv", "pts-header-unknown.csv", "pts-header-bad.csv",
    "pts-header-dup.csv", "pts-header-constant.csv", "pts-header-only.csv", "pts-empty.csv", "pts-override.csv",
    "pts-quoted.csv", "pts-spaces.csv", "pts-many.csv", "pts-xyz.csv", "pts-crlf-bom.csv", "pts-badutf8.csv",
    "pts-noeol.csv", "prog-points.agrad",
]


def points(c):
    def add(id, argv, **kw):
        c.add(id, argv, files=POINT_FILES, **kw)

    runs = (
        ("xw/elementwise", "pts-xw.csv", "x^2*sin(w)", []),
        ("xw/not-elementwise", "pts-xw.csv", "sum([x, w])*x", []),
        ("xw/max-two", "pts-xw.csv", "max(x, w) + min(x, w)", []),
        ("x/relu-abs", "pts-x.csv", "relu(x) + abs(x) + sign(x)", []),
        ("x/index", "pts-x.csv", "[x, 2*x][1]", []),
        ("edge/elementwise", "pts-edge.csv", "x/w + log(x) + exp(w)", []),
        ("edge/not-elementwise", "pts-edge.csv", "sum([x/w + log(x) + exp(w)])", []),
        ("edge/sin", "pts-edge.csv", "sin(x) * cos(w)", []),
        ("bad", "pts-bad.csv", "x*w", []),
        ("bad/not-elementwise", "pts-bad.csv", "sum([x*w])", []),
        ("many/elementwise", "pts-many.csv", "x^2*sin(w) + exp(-x)", []),
        ("many/not-elementwise", "pts-many.csv", "dot([x, w], [w, x])", []),
        ("xyz", "pts-xyz.csv", "x*y*z + x/z", []),
        ("override", "pts-override.csv", "c*x", ["--c", "10"]),
        ("extra-binding", "pts-xw.csv", "x*w + k", ["--k", "100"]),
        ("vector-binding", "pts-xw.csv", "x*sum(v)", ["--v", "1,2"]),
        ("unbound", "pts-x.csv", "x*y", []),
        ("header-unknown", "pts-header-unknown.csv", "x*2", []),
        ("quoted", "pts-quoted.csv", "x*w", []),
        ("spaces", "pts-spaces.csv", "x*w", []),
        ("crlf-bom", "pts-crlf-bom.csv", "x*w", []),
        ("bad-utf8", "pts-badutf8.csv", "x*w", []),
        ("noeol", "pts-noeol.csv", "x*w", []),
        ("header-only", "pts-header-only.csv", "x*w", []),
        ("constant-program", "pts-xw.csv", "2*pi", []),
        ("compute-error", "pts-x.csv", "x[0]", []),
        ("program", "pts-xw.csv", "a = x^2\n# comment\na*sin(w)", []),
    )
    for i, (label, path, expr, extra) in enumerate(runs):
        for fmt in ("json", "plain", "csv", "pretty", "grad-x") if i % 3 == 0 else ("json", "plain", "csv"):
            add(f"points/{label}/{fmt}", ["eval", expr, "--points", path] + extra + fmt_args(fmt))
    for label, path in (("header-bad", "pts-header-bad.csv"), ("header-dup", "pts-header-dup.csv"),
                        ("header-constant", "pts-header-constant.csv"), ("empty", "pts-empty.csv"),
                        ("missing", "missing.csv"), ("directory", ".")):
        for fmt in ("json", "csv"):
            add(f"points/{label}/{fmt}", ["eval", "x*2", "--points", path] + fmt_args(fmt))
    # stdin
    for fmt in ("json", "plain", "csv"):
        add(f"points/stdin/{fmt}", ["eval", "c*x + y", "--points", "-", "--c", "10"] + fmt_args(fmt),
            stdin="x,y\n1,2\n3,4\n\n# c\n5\n")
        add(f"points/stdin-file/{fmt}", ["eval", "x^2*sin(w)", "--points", "-"] + fmt_args(fmt), stdin_file="pts-xw.csv")
    add("points/stdin/empty", ["eval", "x", "--points", "-"], stdin="")
    add("points/stdin/none", ["eval", "x", "--points", "-"])
    add("points/stdin/bad-utf8", ["eval", "x*w", "--points", "-", "-F", "csv"], stdin_file="pts-badutf8.csv")
    # options
    for fmt in ("json", "plain", "csv"):
        add(f"points/no-grad/{fmt}", ["eval", "x^2*sin(w)", "--points", "pts-xw.csv", "--no-grad", "w"] + fmt_args(fmt))
        add(f"points/file-program/{fmt}", ["eval", "-f", "prog-points.agrad", "--points", "pts-xw.csv"] + fmt_args(fmt))
        add(f"points/retain-grad/{fmt}", ["eval", "a = x^2; a*w", "--points", "pts-xw.csv", "--retain-grad", "a"]
            + fmt_args(fmt))
        add(f"points/float32/{fmt}", ["eval", "x*0.1 + w", "--points", "pts-xw.csv", "--dtype", "float32"] + fmt_args(fmt))
        add(f"points/hook/{fmt}", ["eval", "x^2*w", "--points", "pts-xw.csv", "--hook", "x=g*10"] + fmt_args(fmt))
        add(f"points/trace/{fmt}", ["eval", "x*w", "--points", "pts-xw.csv", "--trace"] + fmt_args(fmt))
        add(f"points/backward-2/{fmt}", ["eval", "x^2", "--points", "pts-x.csv", "--backward", "2"] + fmt_args(fmt))
        add(f"points/order-2/{fmt}", ["eval", "x^3", "--points", "pts-x.csv", "--order", "2"] + fmt_args(fmt))
        add(f"points/hessian/{fmt}", ["eval", "x^2*w", "--points", "pts-xw.csv", "--hessian"] + fmt_args(fmt))
        add(f"points/fail-fast/{fmt}", ["eval", "x*w", "--points", "pts-bad.csv", "--fail-fast"] + fmt_args(fmt))
    for label, path, expr in (("many/elementwise", "pts-many.csv", "x^2*sin(w) + exp(-x)"),
                              ("many/not-elementwise", "pts-many.csv", "dot([x, w], [w, x])"),
                              ("bad", "pts-bad.csv", "x*w")):
        for fmt in ("json", "csv"):
            add(f"points/{label}/jobs-2/{fmt}", ["eval", expr, "--points", path, "--jobs", "2"] + fmt_args(fmt))
    add("points/grad-w", ["eval", "x^2*sin(w)", "--points", "pts-xw.csv", "--grad", "w"])
    add("points/grad-unknown", ["eval", "x^2", "--points", "pts-x.csv", "--grad", "w"])
    add("points/grad-intermediate", ["eval", "a = x^2; a*3", "--points", "pts-x.csv", "--grad", "a"])
    add("points/syntax-error", ["eval", "x +* 2", "--points", "pts-xw.csv"])
    add("points/name-error", ["eval", "sinn(x)", "--points", "pts-xw.csv"])
    add("points/file-and-stdin", ["eval", "-f", "-", "--points", "-"], stdin="x\n")
    add("points/file-program-stdin", ["eval", "-f", "-", "--points", "pts-xw.csv"], stdin="x*w\n")
    add("points/gradient-refused", ["eval", "x*2", "--points", "pts-xw.csv", "--gradient", "1"])
    add("points/jacobian-refused", ["eval", "x*2", "--points", "pts-xw.csv", "--jacobian"])
    add("points/pretty/columns-60", ["eval", "x^2*sin(w)", "--points", "pts-xw.csv", "-F", "pretty"], env={"COLUMNS": "60"})


# -- agrad graph --------------------------------------------------------------------------

GRAPHS = (
    ("readme", "(x+w)*2", ["--x", "3", "--w", "1"]),
    ("shared", "a = x*w; a*a + x", ["--x", "2", "--w", "3"]),
    ("functions", "sin(x)*exp(w) + log(x)", ["--x", "2", "--w", "0.5"]),
    ("vector-sum", "sum(v*s)", ["--v", "1,2,3", "--s", "2"]),
    ("max-v", "max(v)", ["--v", "1,3,3"]),
    ("min-v", "min(v)", ["--v", "4,2,2"]),
    ("index", "v[0]*v[-1]", ["--v", "1,2,3"]),
    ("long-vector", "sum(v^2)", ["--v", ",".join(str(i) for i in range(1, 13))]),
    ("detach", "detach(x*w)*x", ["--x", "2", "--w", "3"]),
    ("no-grad-fn", "no_grad(x*w)*x", ["--x", "2", "--w", "3"]),
    ("grad-fn", "grad(x^3, x)", ["--x", "2"]),
    ("constants-only", "2*pi", []),
    ("stack-gradient", "[x, 2*w]", ["--x", "1", "--w", "3", "--gradient", "1,0.5"]),
    ("escapes", 'x*w # "quotes" \\ & <b> </script> {a|b}', ["--x", "1", "--w", "2"]),
    ("unicode", "θ*2 + θ^2", ["--θ", "1.5"]),
    ("nan-inf", "log(x) + 1/w", ["--x", "0", "--w", "0"]),
    ("self-product", "x*x", ["--x", "3"]),
    ("no-grad", "(x+w)*2", ["--x", "3", "--w", "1", "--no-grad", "w"]),
    ("retain-grad", "a = x*w; a*a", ["--x", "2", "--w", "3", "--retain-grad", "a"]),
    ("hook", "(x+w)*2", ["--x", "3", "--w", "1", "--hook", "x=g*10"]),
    ("float32", "x + w", ["--x", "0.1", "--w", "0.2", "--dtype", "float32"]),
    ("dot-mean", "dot(v, u) + mean(v)", ["--v", "1,2", "--u", "3,4"]),
    ("deep", "sin(" * 12 + "x" + ")" * 12, ["--x", "1"]),
)


def graphs(c):
    for label, expr, binds in GRAPHS:
        for fmt in ("dot", "mermaid", "html"):
            c.add(f"graph/{label}/{fmt}", ["graph", expr] + binds + ["--format", fmt])
    readme = ["graph", "(x+w)*2", "--x", "3", "--w", "1"]
    c.add("graph/readme/default-format", readme)
    c.add("graph/readme/short-format", readme + ["-F", "mermaid"])
    for name in ("g.dot", "g.gv", "g.mmd", "g.mermaid", "g.html", "g.htm", "g.txt", "G.HTML", "noext"):
        c.add(f"graph/readme/output-{name}", readme + ["-o", name])
    c.add("graph/readme/output-long-option", readme + ["--output", "g.dot"])
    c.add("graph/readme/output-dash", readme + ["-o", "-"])
    c.add("graph/readme/output-format-wins", readme + ["--format", "mermaid", "-o", "g.html"])
    c.add("graph/readme/output-missing-dir", readme + ["-o", "nodir/g.dot"])
    c.add("graph/readme/output-overwrites", readme + ["-o", "prog-simple.agrad"], files=["prog-simple.agrad"])
    c.add("graph/file/dot", ["graph", "-f", "prog-simple.agrad", "--x", "3", "--w", "1"], files=["prog-simple.agrad"])
    c.add("graph/file-stdin/mermaid", ["graph", "-f", "-", "--x", "3", "--w", "1", "-F", "mermaid"],
          stdin="a = x + w\na * 2\n")
    c.add("graph/var-binding/dot", ["graph", "x*2", "--var", "x=3"])
    c.add("graph/binding-file/dot", ["graph", "sum(v)", "--v", "@nums.txt"], files=["nums.txt"])
    c.add("graph/mermaid-many-edges", ["graph", " + ".join(["x*w"] * 260), "--x", "1", "--w", "2", "-F", "mermaid"])
    errors = (
        ("trace", ["--trace"]), ("backward", ["--backward", "2"]), ("order", ["--order", "2"]),
        ("hessian", ["--hessian"]), ("jacobian", ["--jacobian"]), ("zero-grad", ["--zero-grad"]),
        ("format-pretty", ["--format", "pretty"]), ("format-json", ["--format", "json"]),
        ("grad", ["--grad", "x"]), ("points", ["--points", "pts-xw.csv"]), ("jobs", ["--jobs", "2"]),
        ("fail-fast", ["--fail-fast"]),
    )
    for label, opts in errors:
        c.add(f"graph/error/option-{label}", readme + opts, files=["pts-xw.csv"])
    for label, argv in (
        ("syntax", ["graph", "x +* 2", "--x", "1"]),
        ("name", ["graph", "sinn(x)", "--x", "1"]),
        ("unbound", ["graph", "x*q", "--x", "1"]),
        ("value", ["graph", "x", "--x", "abc"]),
        ("vector-output", ["graph", "x*2", "--x", "1,2"]),
        ("shape", ["graph", "x + y", "--x", "1,2,3", "--y", "1,2"]),
        ("index", ["graph", "x[7]", "--x", "1,2"]),
        ("no-expression", ["graph"]),
        ("two-expressions", ["graph", "x", "y", "--x", "1"]),
        ("dash", ["graph", "-", "--x", "1"]),
        ("file-and-expr", ["graph", "x", "-f", "prog-simple.agrad", "--x", "1"]),
        ("limit", ["graph", "x + 1", "--x", "1", "--max-source-bytes", "3"]),
        ("format-bad", ["graph", "x", "--x", "1", "--format", "svg"]),
    ):
        c.add(f"graph/error/{label}", argv, files=["prog-simple.agrad"])


# -- the rest of the command line -------------------------------------------------------------

def command_line(c):
    plain = (
        ("version", ["--version"]), ("version-after-command", ["--version", "eval"]),
        ("help", ["--help"]), ("eval-help", ["eval", "--help"]), ("graph-help", ["graph", "--help"]),
        ("functions-help", ["functions", "--help"]), ("no-arguments", []), ("unknown-command", ["nosuchcommand"]),
        ("unknown-root-option", ["--frobnicate"]), ("dash-h", ["-h"]), ("help-word", ["help"]),
        ("functions", ["functions"]), ("functions-json", ["functions", "--format", "json"]),
        ("functions-json-short", ["functions", "-F", "json"]), ("functions-pretty", ["functions", "--format", "pretty"]),
        ("functions-plain", ["functions", "--format", "plain"]), ("functions-csv", ["functions", "--format", "csv"]),
        ("functions-xml", ["functions", "--format", "xml"]), ("functions-extra-argument", ["functions", "sin"]),
        ("eval-help-with-expr", ["eval", "x", "--help"]),
    )
    for label, argv in plain:
        c.add(f"cli/{label}", argv)
    for cols in ("60", "120"):
        for label, argv in (("help", ["--help"]), ("eval-help", ["eval", "--help"]), ("graph-help", ["graph", "--help"]),
                            ("functions", ["functions"])):
            c.add(f"cli/{label}/columns-{cols}", argv, env={"COLUMNS": cols})
    c.add("cli/no-columns/pretty", ["eval", "(x+w)*2", "--x", "3", "--w", "1"], env={"COLUMNS": None})
    c.add("cli/columns-20/pretty", ["eval", "(x+w)*2 + sin(x*w)", "--x", "3", "--w", "1"], env={"COLUMNS": "20"})


# -- seeded random expressions -----------------------------------------------------------------

class Draw:
    """Choices from Random.random() alone, so the sequence is the same on every Python version."""

    def __init__(self, seed):
        self.random = random.Random(seed).random

    def below(self, n):
        return min(int(self.random() * n), n - 1)

    def pick(self, seq):
        return seq[self.below(len(seq))]


RANDOM_VALUES = ("0", "1", "-1", "0.5", "-0.25", "2", "3", "-2.5", "10", "1e-3", "0.1", "-0.0", "7.25")
RANDOM_UNARY = tuple(UNARY) + ("-", "-")
RANDOM_BINARY = ("+", "-", "*", "/", "^", "+", "*", "-")


def random_expression(d, names, depth):
    if depth == 0 or d.below(10) < 2:
        if d.below(4) == 0:
            return d.pick(("2", "0.5", "3", "pi", "e", "1e-3", "10"))
        return d.pick(names)
    kind = d.below(10)
    if kind < 4:
        return f"({random_expression(d, names, depth - 1)} {d.pick(RANDOM_BINARY)} {random_expression(d, names, depth - 1)})"
    if kind < 7:
        f = d.pick(RANDOM_UNARY)
        inner = random_expression(d, names, depth - 1)
        return f"-({inner})" if f == "-" else f"{f}({inner})"
    if kind < 9:
        f = d.pick(("pow", "max", "min", "atan2", "hypot"))
        return f"{f}({random_expression(d, names, depth - 1)}, {random_expression(d, names, depth - 1)})"
    return f"clamp({random_expression(d, names, depth - 1)}, -1, 2)"


def random_cases(c):
    d = Draw(20261204)
    for i in range(70):
        expr = random_expression(d, ("x", "w", "x", "w", "z"), 4)
        binds = ["--x", d.pick(RANDOM_VALUES), "--w", d.pick(RANDOM_VALUES), "--z", d.pick(RANDOM_VALUES)]
        fmt = ("json", "json", "json", "plain", "pretty")[i % 5]
        c.add(f"random/scalar-{i:03d}/{fmt}", ["eval", expr] + binds + fmt_args(fmt))
    for i in range(20):
        body = random_expression(d, ("v", "w", "v", "s"), 3)
        expr = d.pick(("sum", "mean", "norm", "max", "prod"))
        binds = ["--v", d.pick(("1,2,3", "-1,0.5,2", "0,0,1", "0.1,-0.2,0.3")), "--w", d.pick(("1,-1,2", "[3]", "0.5")),
                 "--s", d.pick(RANDOM_VALUES)]
        fmt = ("json", "json", "pretty")[i % 3]
        c.add(f"random/vector-{i:03d}/{fmt}", ["eval", f"{expr}({body})"] + binds + fmt_args(fmt))
    for i in range(10):
        a = random_expression(d, ("x", "w"), 2)
        b = random_expression(d, ("a", "x"), 2)
        program = f"a = {a}\nb = {b}; b * a"
        fmt = ("json", "plain")[i % 2]
        c.add(f"random/program-{i:03d}/{fmt}", ["eval", program, "--x", d.pick(RANDOM_VALUES),
                                                 "--w", d.pick(RANDOM_VALUES)] + fmt_args(fmt))


# -- added with issue 13 (recorded on the redesign: what main refused or could not do) -------------

def issue13(c):
    """The new functions, one rendering for one expression and batches (the same job both ways),
    --gradient and --jacobian in batches (a JSON job's own "gradient"), and the pictures' names."""
    for name in ("silu", "gelu", "logsigmoid"):
        for value in ("0", "-0.0", "1", "-2.5", "30", "-800", "inf", "-inf", "nan"):
            for fmt in ("json", "plain"):
                c.add(f"new13/{name}/x={value}/{fmt}", ["eval", f"{name}(x)", "--x", value] + fmt_args(fmt))
        c.add(f"new13/{name}/second/json", ["eval", f"grad({name}(x), x)", "--x", "0.5", "-F", "json"])
        c.add(f"new13/{name}/vector/json", ["eval", f"sum({name}(v))", "--v", "-1,0,2", "-F", "json"])
        c.add(f"new13/{name}/pretty", ["eval", f"{name}(x)*w", "--x", "1.5", "--w", "2"])
        c.add(f"new13/{name}/graph/dot", ["graph", f"{name}(x)", "--x", "1"])
    c.add("new13/typo-silu", ["eval", "sil(x)", "--x", "1"])
    jobs = ("sum(x*w)", "x*w", "x^2", "x +* 1", "q", "[x, 2*x]", "x[0] * format")
    for fmt in ("json", "plain", "csv", "pretty!", "grad-x"):
        for i, job in enumerate(jobs):
            c.add(f"new13/same-job/{i}/one/{fmt}", ["eval", job, "--x", "1,2", "--w", "0.0000001"] + fmt_args(fmt))
        c.add(f"new13/same-job/stdin/{fmt}", ["eval", "-", "--x", "1,2", "--w", "0.0000001"] + fmt_args(fmt),
              stdin="".join(job + "\n" for job in jobs))
    stdin = ('x^2\n{"expr": "x*2", "gradient": [1, 0.5]}\n{"expr": "x*2", "gradient": [1, 2, 3]}\n'
             '{"expr": "sum(x)", "gradient": 2}\n{"expr": "x", "gradient": "nan"}\n')
    for fmt in ("json", "pretty!", "plain", "csv"):
        c.add(f"new13/gradient-jobs/{fmt}", ["eval", "-", "--x", "1,2"] + fmt_args(fmt), stdin=stdin)
        c.add(f"new13/gradient-seed/{fmt}", ["eval", "-", "--x", "1,2", "--gradient", "1,0.5"] + fmt_args(fmt),
              stdin="x^2\nsum(x)\nx*3\n")
        c.add(f"new13/jacobian-batch/{fmt}", ["eval", "x*2", "sum(x^2)", "--x", "1,2", "--jacobian"] + fmt_args(fmt))
    c.add("new13/gradient-and-jacobian-job", ["eval", "-", "--x", "1,2", "--jacobian"],
          stdin='{"expr": "x*2", "gradient": [1, 1]}\n')


def minimize(c):
    """agrad minimize (issue 18): each optimizer in text and JSON, the stopping rules, a loss that
    leaves the float range, --plot, and the errors of its options."""
    rosenbrock = ["minimize", "(1-x)^2 + 100*(y-x^2)^2", "--x", "-1.5", "--y", "2", "--steps", "200", "--every", "50"]
    for optimizer, options in (("sgd", ["--lr", "0.001", "--momentum", "0.9", "--nesterov"]),
                               ("adam", ["--lr", "0.02", "--amsgrad"]), ("adamw", ["--lr", "0.02"]),
                               ("rmsprop", ["--centered", "--momentum", "0.5"]),
                               ("adagrad", ["--lr", "0.1", "--lr-decay", "0.01"])):
        for fmt in ("text", "json"):
            c.add(f"minimize/{optimizer}/{fmt}", rosenbrock + ["-O", optimizer] + options + ["-F", fmt])
    bowl = ["minimize", "(x - 3)^2 + 2*(y + 1)^2", "--x", "0", "--y", "0"]
    c.add("minimize/stop/gradient", ["minimize", "x^2", "--x", "4", "--lr", "0.5"])
    c.add("minimize/stop/loss-change", bowl + ["--lr", "0.1", "--tol", "1e-6"])
    c.add("minimize/stop/not-finite", ["minimize", "exp(x)", "--x", "1", "--lr", "1", "--maximize"])
    c.add("minimize/stop/not-finite/json", ["minimize", "exp(x)", "--x", "1", "--lr", "1", "--maximize", "-F", "json"])
    c.add("minimize/unused-variable", ["minimize", "x^2", "--x", "1", "--w", "2", "-O", "adam", "--steps", "3"])
    for fmt in ("text", "json"):
        c.add(f"minimize/vector/{fmt}", ["minimize", "sum((v - [1, 2, 3])^2) + (w - 1)^2", "--v", "0,0,0", "--w", "0",
                                         "-O", "adam", "--lr", "0.1", "--steps", "30", "-F", fmt])
    c.add("minimize/digits", bowl + ["--lr", "0.1", "--steps", "5", "--digits", "17"])
    c.add("minimize/plot", bowl + ["--lr", "0.1", "--steps", "40", "--plot"])
    for label, extra in (("unknown-optimizer", ["-O", "lbfgs"]), ("betas", ["-O", "adam", "--betas", "0.9"]),
                         ("negative-lr", ["--lr", "-1"]), ("other-optimizers-option", ["-O", "adam", "--momentum", "1"]),
                         ("nesterov", ["--nesterov"]), ("steps", ["--steps", "20000000"]),
                         ("page-name", ["-o", "p.png"]), ("vector-loss", ["--var", "x=1", "--", "x*[1,2]"])):
        c.add(f"minimize/error/{label}", ["minimize", "x^2", "--x", "1"] + extra if label != "vector-loss"
              else ["minimize"] + extra)


def plot_and_repl(c):
    """agrad plot's points, drawing and errors, and agrad repl's transcripts (issue 18)."""
    cubic = ["plot", "x^3 - 3*x", "--x", "-2:2:9"]
    for fmt in ("csv", "json"):
        c.add(f"plot/points/{fmt}", cubic + ["-F", fmt])
        c.add(f"plot/order-2-tangent/{fmt}", cubic + ["--order", "2", "--tangent", "1", "-F", fmt])
        c.add(f"plot/fixed-and-gaps/{fmt}", ["plot", "log(x)*w + 1/x", "--x", "-1:1:11", "--w", "2", "-F", fmt])
    c.add("plot/detach/csv", ["plot", "detach(x)*x", "--x", "0:1:3", "-F", "csv"])
    for width in ("40", "80"):
        c.add(f"plot/drawing/{width}", ["plot", "sin(x)*exp(-x*w)", "--x", "0:2*pi", "--w", "0.3", "--order", "2",
                                        "--tangent", "1", "--width", width, "--height", "14"])
    for label, argv in (("reversed", ["x^2", "--x", "1:0"]), ("one-point", ["x^2", "--x", "0:1:1"]),
                        ("not-finite", ["x^2", "--x", "0:inf"]), ("points-limit", ["x^2", "--x", "0:1:2000000"]),
                        ("not-whole", ["x^2", "--x", "0:1:2.5"]), ("unused", ["x^2", "--x", "1", "--y", "0:1"]),
                        ("no-range", ["x^2", "--x", "1"]), ("two-ranges", ["x^2 + y", "--x", "0:1", "--y", "0:1"]),
                        ("vector", ["x^2 + sum(v)", "--x", "0:1", "--v", "1,2"]),
                        ("vector-value", ["x*[1, 2]", "--x", "0:1"]), ("image-name", ["x^2", "--x", "0:1", "-o", "p.gif"])):
        c.add(f"plot/error/{label}", ["plot"] + argv)
    lesson = ("x = 3\nw = 1\ny = (x + w) * 2\n:backward y\n:grad x\n:backward y\n:grad x\n:zero_grad\n"
              ":backward y\n:grad x\n")
    c.add("repl/lesson", ["repl"], stdin=lesson)
    c.add("repl/retain-graph", ["repl"], stdin=lesson + ":backward y retain_graph=False\n:backward y\n")
    c.add("repl/commands", ["repl"], env={"COLUMNS": "70"},
          stdin="x = 0.5\nw = 2\na = x * w\ny = sin(a) * x\n:backward y\n:tree y\n:trace y\n:diff y x w\n"
                ":check y\n:plot y x 0:3:31\n:detach d = y\n:no_grad z = x * 2\n:vars\n:zero_grad x\n:grad x\n"
                ":grad a\n:help\n")
    c.add("repl/errors", ["repl"], stdin="x = 1\ny = x +* 2\ny = z * 2\n:bogus\n:backwrd y\n:plot y q 0:1\n"
                                         "v = [1,\n 2]\ns = sum(v^2)\n:backward s 2\n:grad v\n:quit\nx = 2\n")


# -- all of them ----------------------------------------------------------------------------------

def cases():
    c = Cases()
    for section in (command_line, functions_of_one, functions_of_two, operators, language, errors, vectors,
                    lessons, program_files, argument_batches, stdin_batches, points, graphs, random_cases,
                    issue13, minimize, plot_and_repl):
        section(c)
    return c.items


def category(case_id):
    return case_id.split("/", 1)[0]


if __name__ == "__main__":
    from collections import Counter

    items = cases()
    for name, n in Counter(category(case["id"]) for case in items).items():
        print(f"{name:12} {n}")
    print(f"{'total':12} {len(items)}")
