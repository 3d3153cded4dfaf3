"""The op table: every operation agrad knows, in one place.

Each entry has its name, arity, scalar kernel, one gradient rule per input, and PyTorch's grad_fn
name; the parser's error messages, the lowering, `agrad functions`, the renderers and the tests
all read it, so a new function is one entry plus its kernels (kernels.py, vector_kernels.py and
its name in vector_kernel_names.py). A gradient rule is `rule(g, out, *inputs)`: the
gradient arriving at the op's output, the output, and the inputs, all Tensors; it returns the
gradient for its input, written with the engine's own ops (so gradients are graphs under
create_graph) and following PyTorch's tools/autograd/derivatives.yaml formula by formula, which
is what makes edge cases (relu'(0), sqrt'(0), the pow cases) agree with torch.

Each entry also has a vector kernel: by default the function of vector_kernels.py with the same
name as the scalar kernel, looked up on first use so that numpy is imported only when a vector
appears; or vector=SCALARS_ONLY, on purpose. The gradient rules are the same for scalars and
vectors (masks are computed with & and |, which work elementwise); where an operand was
broadcast (a scalar, or a vector of length 1, met a longer vector) the engine sums its gradient
back to its shape, as torch's sum_to_size does.

`_op` checks every entry as the table is built (check_entry: the arity against the rules, the
derivatives and the params; the vector kernel's name against vector_kernel_names, which lists
vector_kernels' functions without importing numpy), so a bad entry stops agrad at import, naming
the op, instead of failing the first time a vector meets it. tests/test_op_table.py tests every
entry from the table.

Some operations have variants torch picks by whether an operand is a Python number (`2 - x` is
rsub, `x ** 2` pow with a scalar exponent, `2 / x` a reciprocal times 2), and `max`/`min` with one
argument are the reductions; `call` makes that choice.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Callable, Optional

from agrad.engine import backward_kernels as BK
from agrad.engine import kernels as K
from agrad.engine import shapes, vector_kernel_names
from agrad.errors import IndexingError, ShapeError
from agrad.engine.shapes import LazyKernel as V
from agrad.engine.tensor import Tensor, apply, as_tensor, current_mode, in_formulas, is_grad_enabled

Rule = Optional[Callable[..., Optional[Tensor]]]


class Op:
    """One entry of the table. (A plain class, not a dataclass: dataclasses compile their
    methods at import, which every agrad start-up would pay for.)

    The six parts every entry has are parameters; the rest are keywords with the defaults in
    Op.OPTIONAL, so an entry names only what differs (and a new field is one line there)."""

    OPTIONAL = {
        "public": True,  # callable by name in the language
        "saves": True,  # keeps inputs or output for backward (what retain_graph is about)
        "notes": "",  # edge conventions, in words
        "symbol": None,  # the operator, for ops written infix
        "params": ("x",),  # argument names, for help texts
        "torch": "",  # the PyTorch call it mirrors
        "vector": None,  # the kernel when an input is a vector (numpy, lazily imported), or ScalarsOnly
        "elementwise": True,  # operands broadcast elementwise (False: reductions, dot, indexing)
        "called": None,  # the name the language calls it by, where the table's differs
    }
    __slots__ = ("name", "arity", "kernel", "grads", "grad_fn", "derivatives") + tuple(OPTIONAL)

    def __init__(self, name: str, arity: int, kernel: Callable, grads: tuple, grad_fn: str, derivatives: tuple,
                 **optional):
        self.name = name
        self.arity = arity
        self.kernel = kernel
        self.grads = grads  # one Rule per input; None where the input is never differentiated
        self.grad_fn = grad_fn
        self.derivatives = derivatives  # each input's partial derivative in words, for `agrad functions`
        for field, default in self.OPTIONAL.items():
            setattr(self, field, optional.pop(field, default))
        if optional:
            raise TypeError(f"Op() got an unexpected keyword argument '{next(iter(optional))}'")

    def __repr__(self):
        return f"Op({self.name!r}, grad_fn={self.grad_fn!r})"


TABLE: dict[str, Op] = {}


class BadEntry(Exception):
    """An op-table entry that cannot work: raised while the table is built, so agrad does not
    start with it (a bug in agrad, never a user's error)."""


class ScalarsOnly:
    """The vector kernel of an entry that is explicitly for scalars only: a vector operand is a
    ShapeError naming the function, not a missing kernel."""

    __slots__ = ("called",)

    def __init__(self, called: str):
        self.called = called

    def __call__(self, *values):
        raise ShapeError(f"{self.called}() takes scalars only, not vectors")

    def __repr__(self):
        return "scalars only"


SCALARS_ONLY = "scalars only"  # vector=SCALARS_ONLY in an entry: no vector kernel, on purpose


def _op(name, arity, kernel, grads, grad_fn, derivatives, **kw) -> Op:
    """Make an entry, check it (see check_entry) and add it to the table. The vector kernel is,
    unless the entry names one, vector_kernels' function of the scalar kernel's name."""
    if name in TABLE:
        raise BadEntry(f"op table: {name!r} is entered twice")
    vector = kw.get("vector")
    if vector is None:
        kw["vector"] = V(getattr(kernel, "__name__", ""))
    elif vector == SCALARS_ONLY:
        kw["vector"] = ScalarsOnly(kw.get("called") or name)
    op = Op(name, arity, kernel, tuple(grads), grad_fn, tuple(derivatives), **kw)
    check_entry(op)
    TABLE[name] = op
    return op


def check_entry(op: Op) -> None:
    """An entry's parts agree: one gradient rule (or None), one derivative in words and one
    parameter name per input; kernels that exist (the vector one by name, without importing
    numpy: vector_kernel_names lists vector_kernels' functions); a grad_fn that is a torch node
    name. Raises BadEntry naming the op."""
    problems = []
    if not (isinstance(op.arity, int) and op.arity >= 0):  # (0: the empty vector literal's stack)
        problems.append(f"arity {op.arity!r} is not a whole number of inputs")
    for what, parts in (("gradient rules", op.grads), ("derivatives", op.derivatives), ("params", op.params)):
        if len(parts) != op.arity:
            problems.append(f"{len(parts)} {what} for {op.arity} inputs")
    problems += [f"gradient rule {i} is neither a function nor None" for i, rule in enumerate(op.grads)
                 if rule is not None and not callable(rule)]
    if not callable(op.kernel):
        problems.append("its scalar kernel is not a function")
    if type(op.vector) is V:
        if op.vector.name not in vector_kernel_names.KERNELS:
            problems.append(f"vector_kernels has no kernel {op.vector.name!r}: write one (and list it in "
                            "engine/vector_kernel_names.py), or mark the entry vector=SCALARS_ONLY")
    elif type(op.vector) is not ScalarsOnly:
        problems.append("its vector kernel is neither a vector_kernels function nor SCALARS_ONLY")
    name = op.grad_fn or ""
    if not (name[:1].isupper() and name[:-1].endswith("Backward") and name[-1:].isdigit() and name.isalnum()):
        problems.append(f"grad_fn {op.grad_fn!r} is not a torch node name (SomethingBackward0)")
    if problems:
        raise BadEntry(f"op table entry {op.name!r}: " + "; ".join(problems))


# -- helpers the rules are written with ------------------------------------------------------

# A rule runs on Tensors, and unchanged on any other value type that offers the protocol the
# rules use (the compiled scalar path's values run them without building a graph): `value`,
# `is_number`, the arithmetic operators, and these four methods, which the helpers below call
# on their first operand, so that the table knows no value type but Tensor:
#   rule_fn(name, args)            call(name, *args): the function `name` on args (args[0] is self)
#   rule_mask(predicate, values)   a constant, non-differentiable condition on values' values
#   rule_where(a, b)               where(self, a, b), self a mask; a and b values or Python numbers
#   rule_zeros_like()              zeros of self's shape, not a Python number
# Tensor's are below the table (they apply its entries).

def fn(name: str, *args) -> Tensor:
    return args[0].rule_fn(name, args)


def const(value) -> Tensor:
    return Tensor(value)


def mask(predicate, *tensors: Tensor) -> Tensor:
    """A constant, non-differentiable condition computed from values (torch's comparisons)."""
    return tensors[0].rule_mask(predicate, tensors)


def where(cond: Tensor, a, b) -> Tensor:
    return cond.rule_where(a, b)


def zeros_like(g: Tensor) -> Tensor:
    return g.rule_zeros_like()


def masked_fill(t: Tensor, condition: Tensor, value: float) -> Tensor:
    """t.masked_fill(condition, value), value a Python number: MaskedFillBackward0."""
    return fn("masked_fill", t, condition, value)


# -- arithmetic ------------------------------------------------------------------------------

ADD = _op("add", 2, K.add, [lambda g, out, a, b: g, lambda g, out, a, b: g], "AddBackward0",
          ["1", "1"], saves=False, symbol="+", params=("a", "b"), torch="a + b", public=False)
SUB = _op("sub", 2, K.sub, [lambda g, out, a, b: g, lambda g, out, a, b: -g], "SubBackward0",
          ["1", "-1"], saves=False, symbol="-", params=("a", "b"), torch="a - b", public=False)
RSUB = _op("rsub", 2, K.rsub, [None, lambda g, out, c, x: -g], "RsubBackward1",
           ["-", "-1"], saves=False, symbol="-", params=("c", "x"), torch="c - x (c a Python number)",
           public=False)
MUL = _op("mul", 2, K.mul, [lambda g, out, a, b: g * b, lambda g, out, a, b: g * a], "MulBackward0",
          ["b", "a"], symbol="*", params=("a", "b"), torch="a * b", public=False)
DIV = _op("div", 2, K.div,
          [lambda g, out, a, b: g / b, lambda g, out, a, b: -g * ((a / b) / b)], "DivBackward0",
          ["1/b", "-a/b^2"], symbol="/", params=("a", "b"), torch="a / b", public=False,
          notes="a/0 is inf with the sign of a, 0/0 is nan")
RECIPROCAL = _op("reciprocal", 1, K.reciprocal, [lambda g, out, a: -g * (out * out)], "ReciprocalBackward0",
                 ["-1/x^2"], public=False, torch="x.reciprocal() (c / x is c * x.reciprocal())",
                 notes="torch computes c / x as x.reciprocal() * c: MulBackward0 over ReciprocalBackward0; "
                       "1/0 = inf with gradient -inf; 1/-0 = -inf")
NEG = _op("neg", 1, K.neg, [lambda g, out, a: -g], "NegBackward0", ["-1"], saves=False, symbol="-",
          public=False, torch="-x")


# A Python number in a gradient rule is a C++ Scalar in torch's formula (Mode.formulas): `t * c`
# and `c * t` are mul.Scalar (MulBackward1), `t + c` and `c + t` add.Scalar (AddBackward1),
# `t - c` and `t / c` SubBackward1 and DivBackward1; `c - t` and `c / t` are torch's
# empty_like(t).fill_(c).sub_(t) and .div_(t): SubBackward0 and DivBackward0. Same kernels and
# rules: only the node names differ (and the Scalar is no saved tensor).
def _scalar(t):
    """A mul.Scalar's or div.Scalar's number operand as the C++ Scalar torch saves, a Python
    number, so that differentiating `grad * 2` again multiplies by 2.0 as mul.Scalar
    (MulBackward1), not by a wrapped number tensor (MulBackward0)."""
    return t.value if t.is_number else t


MUL_SCALAR = _op("mul_scalar", 2, K.mul,
                 [lambda g, out, a, b: g * _scalar(b), lambda g, out, a, b: g * _scalar(a)], "MulBackward1", ["c", "c"], saves=False, symbol="*",
                 params=("a", "b"), torch="a.mul(c) in a derivative formula (c a C++ Scalar)", public=False)
ADD_SCALAR = _op("add_scalar", 2, K.add, ADD.grads, "AddBackward1", ["1", "1"], saves=False, symbol="+",
                 params=("a", "b"), torch="a.add(c) in a derivative formula (c a C++ Scalar)", public=False)
SUB_SCALAR = _op("sub_scalar", 2, K.sub, SUB.grads, "SubBackward1", ["1", "-"], saves=False, symbol="-",
                 params=("a", "c"), torch="a.sub(c) in a derivative formula (c a C++ Scalar)", public=False)
DIV_SCALAR = _op("div_scalar", 2, K.div, [lambda g, out, a, b: g / _scalar(b), DIV.grads[1]], "DivBackward1", ["1/c", "-"], saves=False, symbol="/",
                 params=("a", "c"), torch="a.div(c) in a derivative formula (c a C++ Scalar)", public=False)
_IN_FORMULAS = {  # (name, (a is a number, b is a number)): the entry in a derivative formula
    ("mul", (False, True)): MUL_SCALAR, ("mul", (True, False)): MUL_SCALAR,
    ("add", (False, True)): ADD_SCALAR, ("add", (True, False)): ADD_SCALAR,
    ("sub", (False, True)): SUB_SCALAR, ("sub", (True, False)): SUB,
    ("div", (False, True)): DIV_SCALAR, ("div", (True, False)): DIV,
}


def _pow_base_rule(g, out, a, b):
    # pow_backward_self: where(exponent == 0, 0, grad * exponent * self^(exponent - 1))
    if b.is_number:
        if b.value == 0:
            return zeros_like(g)
        return g * (b.value * a ** (b.value - 1.0))  # pow.Tensor_Scalar's exponent is a C++ Scalar
    return where(mask(lambda e: e == 0, b), 0.0, g * (b * a ** (b - 1.0)))


def _pow_exponent_rule(g, out, a, b):
    # pow_backward_exponent: grad * where(self == 0 & exponent >= 0, 0, result * log(self)); the
    # where sits inside the product, so an inf or nan grad still gives nan there
    return g * where(mask(lambda s, e: (s == 0) & (e >= 0), a, b), 0.0, out * fn("log", a))


POW = _op("pow", 2, K.pow, [_pow_base_rule, _pow_exponent_rule], "PowBackward1",
          ["b*a^(b-1)", "a^b*log(a)"], symbol="^", params=("a", "b"), torch="torch.pow(a, b)",
          notes="0^0 = 1; at a = 0 the exponent's gradient is 0 when b >= 0; a < 0 with b fractional is nan")
POW_SCALAR = _op("pow_scalar", 2, K.pow_scalar, [_pow_base_rule, None], "PowBackward0",
                 ["c*x^(c-1)", "-"], symbol="^", params=("x", "c"), public=False,
                 torch="a ** b (b a Python number)",
                 notes="x^0 has gradient 0 everywhere; x^0.5 at 0 has gradient inf")
RPOW = _op("rpow", 2, K.pow, [None, _pow_exponent_rule], "PowBackward2",
           ["-", "c^x*log(c)"], symbol="^", params=("c", "x"), public=False,
           torch="a ** b (a a Python number)")

# -- one-argument functions -----------------------------------------------------------------

LN2 = math.log(2.0)
LN10 = 2.3025850929940456  # derivatives.yaml's literal; math.log(10.0) is one ulp above it
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _unary(name, kernel, rule, grad_fn, derivative, notes="", saves=True, torch=None):
    return _op(name, 1, kernel, [rule], grad_fn, [derivative], notes=notes, saves=saves,
               torch=torch or f"torch.{name}(x)")


def _zero_rule(g, out, a):
    return zeros_like(g)


ZERO_RULE = _zero_rule  # (engine/forward.py: a derivative that is 0 everywhere sends no tangent)


_unary("abs", K.abs, lambda g, out, a: g * fn("sgn", a), "AbsBackward0", "sign(x)",
       notes="abs'(0) = 0")
_unary("sign", K.sign, _zero_rule, "SignBackward0", "0", saves=False,
       notes="gradient 0 everywhere; sign(0) = 0")
_unary("sqrt", K.sqrt, lambda g, out, a: g / (2.0 * out), "SqrtBackward0", "1/(2*sqrt(x))",
       notes="sqrt(0) = 0 with gradient inf; sqrt(-1) = nan")
_unary("exp", K.exp, lambda g, out, a: g * out, "ExpBackward0", "exp(x)",
       notes="exp(1000) = inf with gradient inf")
_unary("log", K.log, lambda g, out, a: g / a, "LogBackward0", "1/x",
       notes="log(0) = -inf with gradient inf; log(-1) = nan with gradient -1")
_unary("log2", K.log2, lambda g, out, a: g / (a * LN2), "Log2Backward0", "1/(x*ln 2)")
_unary("log10", K.log10, lambda g, out, a: g / (a * LN10), "Log10Backward0", "1/(x*ln 10)")
_unary("log1p", K.log1p, lambda g, out, a: g / (a + 1.0), "Log1PBackward0", "1/(1+x)")
_unary("expm1", K.expm1, lambda g, out, a: g * (out + 1.0), "Expm1Backward0", "exp(x)")
_unary("sin", K.sin, lambda g, out, a: g * fn("cos", a), "SinBackward0", "cos(x)")
_unary("cos", K.cos, lambda g, out, a: g * -fn("sin", a), "CosBackward0", "-sin(x)")
_unary("tan", K.tan, lambda g, out, a: g * (1.0 + out ** 2.0), "TanBackward0", "1 + tan(x)^2")
_unary("asin", K.asin, lambda g, out, a: g * fn("rsqrt", -a * a + 1.0), "AsinBackward0", "1/sqrt(1-x^2)",
       notes="asin(1) has gradient inf")
_unary("acos", K.acos, lambda g, out, a: g * -fn("rsqrt", -a * a + 1.0), "AcosBackward0", "-1/sqrt(1-x^2)")
_unary("atan", K.atan, lambda g, out, a: g / (a * a + 1.0), "AtanBackward0", "1/(1+x^2)")
_unary("sinh", K.sinh, lambda g, out, a: g * fn("cosh", a), "SinhBackward0", "cosh(x)")
_unary("cosh", K.cosh, lambda g, out, a: g * fn("sinh", a), "CoshBackward0", "sinh(x)")
_unary("tanh", K.tanh, lambda g, out, a: fn("tanh_backward", g, out), "TanhBackward0", "1 - tanh(x)^2")
_unary("asinh", K.asinh, lambda g, out, a: g * fn("rsqrt", a ** 2.0 + 1.0), "AsinhBackward0",
       "1/sqrt(x^2+1)")
_unary("acosh", K.acosh, lambda g, out, a: g * fn("rsqrt", a * a - 1.0), "AcoshBackward0",
       "1/sqrt(x^2-1)")
_unary("atanh", K.atanh, lambda g, out, a: g * 1.0 / (1.0 - a ** 2.0), "AtanhBackward0", "1/(1-x^2)")
_unary("sigmoid", K.sigmoid, lambda g, out, a: fn("sigmoid_backward", g, out), "SigmoidBackward0",
       "sigmoid(x)*(1-sigmoid(x))", notes="sigmoid(0) = 0.5 with gradient 0.25")
_unary("relu", K.relu, lambda g, out, a: fn("threshold_backward", g, out, 0.0), "ReluBackward0",
       "1 if x > 0 else 0", notes="relu'(0) = 0; at nan the gradient passes through")


_unary("softplus", K.softplus, lambda g, out, a: fn("softplus_backward", g, a), "SoftplusBackward0", "sigmoid(x)",
       notes="beta 1, threshold 20 (linear above), as torch.nn.functional.softplus",
       torch="torch.nn.functional.softplus(x)")


def _silu_rule(g, out, a):
    # infinitely_differentiable_silu_backward (torch's rule when a graph is built; without one
    # torch runs a fused kernel that rounds 1 + x * (1 - s) once, a last bit apart at times)
    s = fn("sigmoid", a)
    return g * s * (1.0 + a * (1.0 - s))


_unary("silu", K.silu, _silu_rule, "SiluBackward0", "sigmoid(x)*(1 + x*(1-sigmoid(x)))",
       notes="x*sigmoid(x); silu(0) = 0 with gradient 0.5", torch="torch.nn.functional.silu(x)")
_unary("gelu", K.gelu, lambda g, out, a: fn("gelu_backward", g, a), "GeluBackward0", "Phi(x) + x*phi(x)",
       notes="x*Phi(x), Phi the normal distribution's cdf: the erf form, torch's approximate='none'",
       torch="torch.nn.functional.gelu(x)")
_unary("logsigmoid", K.logsigmoid, lambda g, out, a: fn("log_sigmoid_backward", g, a), "LogSigmoidBackward0", "sigmoid(-x)",
       notes="log(sigmoid(x)) computed as min(x, 0) - log1p(exp(-|x|)): no overflow at either end",
       torch="torch.nn.functional.logsigmoid(x)")
_unary("erf", K.erf, lambda g, out, a: TWO_OVER_SQRT_PI * fn("exp", -(a ** 2.0)) * g, "ErfBackward0",
       "2/sqrt(pi)*exp(-x^2)")
_unary("floor", K.floor, _zero_rule, "FloorBackward0", "0", saves=False, notes="gradient 0")
_unary("ceil", K.ceil, _zero_rule, "CeilBackward0", "0", saves=False, notes="gradient 0")
_unary("round", K.round, _zero_rule, "RoundBackward0", "0", saves=False,
       notes="halves round to even; gradient 0")
_op("sgn", 1, K.sign, [_zero_rule], "SgnBackward0", ["0"], saves=False, public=False, torch="x.sgn()",
    notes="sign for real numbers; abs's gradient is grad * x.sgn()")

# -- torch's backward functions, as ops of their own -------------------------------------------
# Where derivatives.yaml's formula for a function is a function of its own (tanh's is
# tanh_backward(grad, result)), the table has it as an entry with its own gradient rules, as
# derivatives.yaml has: so a derivative graph's node is torch's (grad(tanh(x), x) is
# TanhBackwardBackward0) and its derivative is torch's formula, edges included (softplus'' at
# 1000 is 0, not inf * 0). Kernels: engine/backward_kernels.py. Not callable by name: torch
# does not offer them as functions of tensors either.


BK.use_modes(current_mode)  # (the backward kernels round as the dtype does: see backward_kernels)


def _backward_op(name, arity, rules, derivatives, params, torch, **kw):
    grad_fn = "".join(part.capitalize() for part in name.split("_")).replace("Backward", "BackwardBackward0")
    return _op(name, arity, getattr(BK, name), rules, grad_fn, derivatives, params=params, torch=torch,
               public=False, **kw)


_backward_op("tanh_backward", 2,
             [lambda gg, out, g, y: fn("tanh_backward", gg, y), lambda gg, out, g, y: gg * (-2.0 * y * g)],
             ["1 - y^2", "-2*y*grad"], ("grad", "y"), "torch.ops.aten.tanh_backward(grad, y)")
_backward_op("sigmoid_backward", 2,
             [lambda gg, out, g, y: fn("sigmoid_backward", gg, y), lambda gg, out, g, y: gg * g * (-2.0 * y + 1.0)],
             ["(1 - y)*y", "grad*(1 - 2y)"], ("grad", "y"), "torch.ops.aten.sigmoid_backward(grad, y)")
_backward_op("threshold_backward", 3,
             [lambda gg, out, g, x, t: fn("threshold_backward", gg, x, t), lambda gg, out, g, x, t: zeros_like(gg),
              None],
             ["0 if x <= threshold else 1", "0", "-"], ("grad", "x", "threshold"),
             "torch.ops.aten.threshold_backward(grad, x, threshold)", saves=True)


def _softplus_double_backward(gg, out, g, x):
    # softplus_double_backward(grad * grad_output, self, beta, threshold), beta 1
    z = x * 1.0
    below = where(mask(lambda v: v < BK.SOFTPLUS_THRESHOLD, z), 1.0, 0.0)
    return fn("sigmoid_backward", gg * g, fn("sigmoid", z)) * below * 1.0


def _gelu_double_backward(gg, out, g, x):
    # gelu_double_backward(grad, grad_output, self), approximate='none': gelu''(x) = pdf * (2 - x^2)
    pdf = fn("exp", x * x * -0.5) * BK.GELU_BETA
    return gg * g * (pdf * 2.0 - x * x * pdf)


def _log_sigmoid_double_backward(gg, out, g, x):
    # log_sigmoid_double_backward(grad * grad_output, self): grad * (z - 1) * z, z = sigmoid(x)
    z = fn("sigmoid", x)
    return gg * g * (z - 1.0) * z


_backward_op("softplus_backward", 2,
             [lambda gg, out, g, x: fn("softplus_backward", gg, x), _softplus_double_backward],
             ["sigmoid(x)", "grad*sigmoid'(x) (0 above the threshold)"], ("grad", "x"),
             "torch.ops.aten.softplus_backward(grad, x, 1, 20)")
_backward_op("gelu_backward", 2,
             [lambda gg, out, g, x: fn("gelu_backward", gg, x), _gelu_double_backward],
             ["Phi(x) + x*phi(x)", "grad*phi(x)*(2 - x^2)"], ("grad", "x"), "torch.ops.aten.gelu_backward(grad, x)")
_backward_op("log_sigmoid_backward", 2,
             [lambda gg, out, g, x: fn("log_sigmoid_backward", gg, x), _log_sigmoid_double_backward],
             ["sigmoid(-x)", "grad*(sigmoid(x) - 1)*sigmoid(x)"], ("grad", "x"),
             "torch.ops.aten.log_sigmoid_backward(grad, x, buffer)")

RSQRT = _op("rsqrt", 1, K.rsqrt, [lambda g, out, a: -0.5 * g * out ** 3.0], "RsqrtBackward0",
            ["-1/(2*x^(3/2))"], public=False, torch="torch.rsqrt(x)")

# -- two and three arguments ------------------------------------------------------------------


def _atan2_recip(a, b):
    # (a^2 + b^2).reciprocal().masked_fill_(== 0 ...): torch's 0 where both are 0 (so atan2'(0, 0)
    # is (0, -0))
    denom = a * a + b * b
    return masked_fill(fn("reciprocal", denom), mask(lambda d: d == 0, denom), 0.0)


def _atan2_y_rule(g, out, a, b):
    # grad * other * recip, recip made first as in torch's atan2_backward: the order nodes are
    # made in is the order backward runs them, and so the order in which a variable's gradients
    # from several paths are added
    recip = _atan2_recip(a, b)
    return g * b * recip


def _atan2_x_rule(g, out, a, b):
    recip = _atan2_recip(a, b)
    return g * -a * recip


_op("atan2", 2, K.atan2,
    [_atan2_y_rule, _atan2_x_rule],
    "Atan2Backward0", ["x/(y^2+x^2)", "-y/(y^2+x^2)"], params=("y", "x"), torch="torch.atan2(y, x)",
    notes="atan2(0, 0) has gradients (0, -0)")
_op("hypot", 2, K.hypot, [lambda g, out, a, b: g * a / out, lambda g, out, a, b: g * b / out],
    "HypotBackward0", ["a/hypot(a,b)", "b/hypot(a,b)"], params=("a", "b"), torch="torch.hypot(a, b)",
    notes="hypot(0, 0) has gradients (nan, nan)")


def _split_rule(first_loses):
    # maximum/minimum: a tie splits the gradient in half
    def rule(g, out, a, b):
        half = where(mask(lambda x, y: x == y, a, b), g / 2.0, g)
        return masked_fill(half, mask(first_loses, a, b), 0.0)

    return rule


_op("max", 2, K.maximum, [_split_rule(lambda x, y: x < y), _split_rule(lambda x, y: x > y)],
    "MaximumBackward0", ["1 if a > b, 1/2 if a = b, else 0", "1 if b > a, 1/2 if a = b, else 0"],
    params=("a", "b"), torch="torch.maximum(a, b)", notes="a tie splits the gradient 1/2 and 1/2")
_op("min", 2, K.minimum, [_split_rule(lambda x, y: x > y), _split_rule(lambda x, y: x < y)],
    "MinimumBackward0", ["1 if a < b, 1/2 if a = b, else 0", "1 if b < a, 1/2 if a = b, else 0"],
    params=("a", "b"), torch="torch.minimum(a, b)", notes="a tie splits the gradient 1/2 and 1/2")


def _clamp_x_rule(g, out, x, lo, hi):
    return where(mask(lambda v, a, b: (v >= a) & (v <= b), x, lo, hi), g, 0.0)


CLAMP = _op("clamp", 3, K.clamp, [_clamp_x_rule, None, None], "ClampBackward1",
            ["1 if lo <= x <= hi else 0", "-", "-"], params=("x", "lo", "hi"),
            torch="torch.clamp(x, lo, hi)",
            notes="the gradient is 1 on the closed interval, boundaries included (unlike relu)")
CLAMP_TENSOR = _op("clamp_tensor", 3, K.clamp,
                   [_clamp_x_rule,
                    lambda g, out, x, lo, hi: where(mask(lambda v, a, b: (v < a) & (a < b), x, lo, hi), g, 0.0),
                    lambda g, out, x, lo, hi: where(mask(lambda v, a, b: (v > b) | (b < a), x, lo, hi), g, 0.0)],
                   "ClampBackward0", ["1 if lo <= x <= hi else 0", "1 if x < lo", "1 if x > hi"],
                   params=("x", "lo", "hi"), public=False, torch="torch.clamp(x, lo_tensor, hi_tensor)",
                   called="clamp")

# -- vectors: reductions, dot, norm, indexing ------------------------------------------------
# A scalar is torch's 0-d tensor: its sum, mean, prod, max and min are itself, its norm is abs.


def numel(t: Tensor) -> float:
    return 1.0 if shapes.is_scalar(t.value) else float(len(t.value))


def expand_as(g: Tensor, like: Tensor) -> Tensor:
    """grad.expand_as(self): a scalar gradient spread over every element of a vector input."""
    if shapes.is_scalar(like.value):
        return g
    return apply(EXPAND, g, const(numel(like)))


def sum_to(g: Tensor, like: Tensor) -> Tensor:
    """torch's sum_to_size: the gradient of an operand that was broadcast, summed back to the
    operand's shape (a scalar, or a vector of length 1)."""
    if shapes.is_scalar(like.value):
        return apply(SUM, g)
    if shapes.is_scalar(g.value):
        return expand_as(g, like)
    return apply(SUM_KEEPDIM, g)  # (a vector of length 1: torch's sum(0, keepdim=True))


def _prod_rule(g, out, a):
    # prod_backward: grad * result / input when no element is 0. With a 0, torch's
    # prod_safe_zeros_backward: each element's gradient is the product of the others, as the
    # exclusive cumulative products from the left and from the right (so [0, inf, 2] gives
    # [inf, 0, nan]: a 0 among the others makes 0 unless an inf or nan comes later in the
    # product). Without a graph to build and with two or more 0s, torch returns plain zeros.
    if shapes.is_scalar(a.value):
        return g
    zeros = len(shapes.true_indices(mask(lambda v: v == 0, a).value))
    if not zeros:
        return g * (out / a)
    if not is_grad_enabled():
        if zeros > 1:
            return Tensor(shapes.zeros_like(a.value))
        from agrad.engine import vector_kernels  # (a vector is here: numpy is loaded)

        return g * Tensor(vector_kernels.exclusive_products(a.value))
    return apply(VIEW, g * _exclusive_products(apply(VIEW, a)))


def _exclusive_products(flat):
    """Each element's product of the others as prod_safe_zeros_backward computes it, written
    with the engine's ops so that it can be differentiated: the exclusive cumulative product from
    the left (1, a0, a0*a1, ...) times the one from the right (..., a2*a1, a2... read backwards,
    1 last). torch uses cat, cumprod and flip: the same products in the same order, other nodes."""
    n = len(flat.value)
    items = [apply(SELECT, flat, Tensor(float(k), is_number=True)) for k in range(n)]
    left = [const(1.0)]
    for k in range(1, n):
        left.append(left[-1] * items[k - 1])
    right = [const(1.0)]
    for k in range(n - 2, -1, -1):
        right.append(right[-1] * items[k + 1])
    right.reverse()
    return stack([lft * rgt for lft, rgt in zip(left, right)])


def _norm_rule(g, out, a):
    # norm_backward for p = 2: grad * (self / norm).masked_fill_(norm == 0, 0)
    return g * masked_fill(a / out, mask(lambda n: n == 0, out), 0.0)


def _evenly_distribute(g, out, a):
    # evenly_distribute_backward: the elements equal to the result (the nan ones when it is nan)
    # share the gradient equally
    # (torch: grad.new_zeros(...).masked_fill_(mask, grad / mask.sum()), MaskedFillBackward1)
    chosen = mask(lambda v, r: (v != v) if r != r else (v == r), a, out)
    share = g / const(float(shapes.count_true(chosen.value)))
    return fn("masked_fill_tensor", zeros_like(a), chosen, share)


def _reduction(name, vector, rule, grad_fn, derivative, kernel=K.identity, **kw):
    return _op(name, 1, kernel, [rule], grad_fn, [derivative], vector=V(vector), elementwise=False,
               params=("v",), **kw)


SUM = _reduction("sum", "sum", lambda g, out, a: expand_as(g, a), "SumBackward0", "1", saves=False,
                 torch="torch.sum(v)", notes="sum([]) = 0")
_reduction("mean", "mean", lambda g, out, a: expand_as(g, a) / numel(a), "MeanBackward0", "1/n", saves=False,
           torch="torch.mean(v)", notes="mean([]) = nan")
_reduction("prod", "prod", _prod_rule, "ProdBackward0", "product of the other elements", torch="torch.prod(v)",
           notes="with one element 0 only it gets a gradient; with two or more 0s every gradient is 0; "
                 "prod([]) = 1")
_op("dot", 2, K.dot, [lambda g, out, a, b: g * b, lambda g, out, a, b: g * a], "DotBackward0", ["b", "a"],
    vector=V("dot"), elementwise=False, params=("a", "b"), torch="torch.dot(a, b)",
    notes="two vectors of the same length")
_reduction("norm", "norm", _norm_rule, "LinalgVectorNormBackward0", "v/norm(v)", kernel=K.abs,
           torch="torch.linalg.vector_norm(v)",
           notes="the Euclidean norm; its gradient at a zero vector is 0 (sqrt(sum(v^2)) gives nan there)")
MAX_REDUCE = _reduction("max_reduce", "amax", _evenly_distribute, "MaxBackward1",
                        "1/k on each of the k largest elements, 0 elsewhere", public=False, called="max",
                        torch="torch.max(v)",
                        notes="ties split the gradient evenly: max([1, 3, 3]) gives [0, 0.5, 0.5]; nan wins")
MIN_REDUCE = _reduction("min_reduce", "amin", _evenly_distribute, "MinBackward1",
                        "1/k on each of the k smallest elements, 0 elsewhere", public=False, called="min",
                        torch="torch.min(v)", notes="ties split the gradient evenly; nan wins")
SELECT = _op("select", 2, K.select, [lambda g, out, v, i: apply(SELECT_BACKWARD, g, const(numel(v)), i), None],
             "SelectBackward0", ["1 at the index, 0 elsewhere", "-"], vector=V("select"), elementwise=False,
             public=False, saves=False, params=("v", "i"), torch="v[i]",
             notes="0-based; a negative index counts from the end")
SELECT_BACKWARD = _op("select_backward", 3, V("select_backward"),
                      [lambda g, out, grad, n, i: apply(SELECT, g, i), None, None], "SelectBackwardBackward0",
                      ["1 at the index", "-", "-"], vector=V("select_backward"), elementwise=False,
                      public=False, saves=False, params=("grad", "n", "i"),
                      torch="torch.select_backward(grad, (n,), 0, i)")
VIEW = _op("view", 1, K.identity, [lambda g, out, a: apply(VIEW, g)], "ViewBackward0", ["1"], vector=V("view"),
           elementwise=False, public=False, saves=False, torch="x.view(-1)")
SUM_KEEPDIM = _op("sum_keepdim", 1, K.identity, [lambda g, out, a: apply(EXPAND, g, const(numel(a)))],
                  "SumBackward1", ["1 (spread back)"], vector=V("sum_keepdim"), elementwise=False, public=False,
                  saves=False, torch="v.sum(0, keepdim=True)")
EXPAND = _op("expand", 2, V("expand"), [lambda g, out, x, n: apply(SUM, g), None], "ExpandBackward0",
             ["1 (summed back)", "-"], vector=V("expand"), elementwise=False, public=False, saves=False,
             params=("x", "n"), torch="x.expand(n)")

# One argument: the reduction; two: torch.maximum / torch.minimum.
OVERLOADS = {("max", 1): "max_reduce", ("min", 1): "min_reduce"}
_SCALAR_FORMS = frozenset(("mul", "add", "sub", "div"))


def _item_rule(i: int):
    return lambda g, out, *items: apply(SELECT, g, Tensor(float(i), is_number=True))


@lru_cache(maxsize=64)
def stack_op(n: int) -> Op:
    """The op behind a vector literal of n items, torch.stack([a, b, ...]) (not in the table:
    one entry per length)."""
    op = Op("stack", n, V("stack"), tuple(_item_rule(i) for i in range(n)), "StackBackward0", ("1",) * n,
            public=False, saves=False, params=tuple(f"item {i}" for i in range(n)),
            torch="torch.stack([a, b, ...])", vector=V("stack"), elementwise=False)
    check_entry(op)
    return op


def stack(items) -> Tensor:
    """A vector from scalars: a constant when none requires grad, else StackBackward0."""
    return apply(stack_op(len(items)), *[as_tensor(x) for x in items])


# -- internal ---------------------------------------------------------------------------------

MASKED_FILL = _op("masked_fill", 3, K.masked_fill,
                  [lambda g, out, t, c, v: masked_fill(g, c, 0.0), None, None], "MaskedFillBackward0",
                  ["1 where not mask", "-", "-"], params=("t", "mask", "value"), public=False, saves=False,
                  torch="t.masked_fill(mask, value)")
MASKED_FILL_TENSOR = _op("masked_fill_tensor", 3, K.masked_fill,
                         [lambda g, out, t, c, v: masked_fill(g, c, 0.0), None,
                          lambda g, out, t, c, v: apply(SUM, where(c, g, 0.0))], "MaskedFillBackward1",
                         ["1 where not mask", "-", "the sum where mask"], params=("t", "mask", "value"),
                         public=False, saves=False, elementwise=False,  # (value: a 0-d tensor)
                         torch="t.masked_fill(mask, value_tensor)")
WHERE = _op("where", 3, K.where,
            [None, lambda g, out, c, a, b: where(c, g, 0.0), lambda g, out, c, a, b: where(c, 0.0, g)],
            "WhereBackward0", ["-", "1 where cond", "1 where not cond"], params=("cond", "a", "b"),
            public=False, saves=False, torch="torch.where(cond, a, b)")

# -- the language's view of the table --------------------------------------------------------

_PUBLIC: dict[str, Op] = {}


def public_functions() -> dict[str, Op]:
    """Functions callable by name in the language, in table order (computed once: the table is
    complete when this module has been imported)."""
    if len(_PUBLIC) == 0:  # (filled by one dict.update of a whole dict: no thread sees it half made)
        _PUBLIC.update({name: op for name, op in TABLE.items() if op.public})
    return _PUBLIC


def arities(name: str) -> list[int]:
    """The argument counts a function accepts (max and min: 1 or 2)."""
    return list(accepts(name))


@lru_cache(maxsize=None)
def accepts(name: str) -> tuple:
    """arities(name) as a tuple, computed once per name (the fast path asks on every call)."""
    return tuple(sorted({TABLE[name].arity} | {n for (f, n) in OVERLOADS if f == name}))


def signatures(name: str) -> list[str]:
    """How a function is called, for help and error texts: ['max(v)', 'max(a, b)']."""
    ops = [TABLE[OVERLOADS.get((name, n), name)] for n in arities(name)]
    return [f"{name}({', '.join(op.params)})" for op in ops]


def variant(name: str, numbers: tuple, given: Optional[tuple] = None) -> Optional[Op]:
    """The entry of the table `call(name, ...)` applies to operands that are (True) or are not
    (False) Python numbers in torch's terms; None for c / x, which torch computes as
    x.reciprocal() * c (MulBackward0 over ReciprocalBackward0). `given` is the operands as the
    caller gave them: one that is not a Tensor is a formula's own number (a Python float in a
    rule, a C++ Scalar in torch's formulas); a program's literal that a rule uses (`x * 2.5` saves
    2.5, its rule is `g * b`) stays a wrapped number tensor in torch, so `g * b` is MulBackward0,
    not MulBackward1."""
    overload = OVERLOADS.get((name, len(numbers)))
    if overload is not None:
        return TABLE[overload]
    if given is not None and len(given) == 2 and name in _SCALAR_FORMS \
            and (type(given[0]) is Tensor) != (type(given[1]) is Tensor) and in_formulas():
        return _IN_FORMULAS[(name, (type(given[0]) is not Tensor, type(given[1]) is not Tensor))]
    if name == "sub":
        if numbers[0] and not numbers[1]:
            return RSUB
    elif name == "div":
        if numbers[0] and not numbers[1]:
            return None
    elif name == "pow":
        if numbers[1] and not numbers[0]:
            return POW_SCALAR
        if numbers[0] and not numbers[1]:
            return RPOW
    elif name == "clamp" and not (numbers[1] and numbers[2]):
        return CLAMP_TENSOR
    return TABLE[name]


def call(name: str, *args) -> Tensor:
    """Apply the op called `name` to Tensors or numbers, picking torch's variant for Python
    numbers as operands."""
    a = [x if type(x) is Tensor else as_tensor(x) for x in args]
    if name == "select" and not a[1].is_number:
        raise IndexingError("an index must be a whole number written in the expression, not a tensor (torch: "
                            "tensors used as indices must be long, int, byte or bool tensors)", argument=1)
    op = variant(name, tuple([t.is_number for t in a]), args)
    if op is None:
        return apply(MUL, apply(RECIPROCAL, a[1]), a[0])  # torch: c / x is x.reciprocal() * c
    return apply(op, *a)


# -- Tensor's operators and rule helpers ---------------------------------------------------------
# Assigned to the class here, once the table exists: tensor.py is below the table (the table
# builds on Tensor), so it cannot import `call` for its methods without an import cycle.

# The language's binary operators as (op-table name, Python dunder): Tensor, the compiled path's
# Scalar and agrad diff's symbolic values each get them from install_operators.
ARITHMETIC_DUNDERS = (("add", "add"), ("sub", "sub"), ("mul", "mul"), ("div", "truediv"), ("pow", "pow"))


def install_operators(cls, operators) -> None:
    """Give cls `+ - * / **` both ways: operators(name) returns the (method, reflected) pair."""
    for name, dunder in ARITHMETIC_DUNDERS:
        method, reflected = operators(name)
        setattr(cls, f"__{dunder}__", method)
        setattr(cls, f"__r{dunder}__", reflected)


def _tensor_operators(name: str):
    def method(self, other):
        return call(name, self, other)

    def reflected(self, other):
        return call(name, other, self)

    return method, reflected


def _neg(self):
    return call("neg", self)


def _getitem(self, index):
    return call("select", self, index)


def _rule_fn(self, name, args):
    return call(name, *args)


def _rule_mask(self, predicate, tensors):
    return Tensor(predicate(*[t.value for t in tensors]))


def _rule_where(self, a, b):
    return apply(WHERE, self, as_tensor(a), as_tensor(b))


def _rule_zeros_like(self):
    return Tensor(shapes.zeros_like(self.value))


def _tensor_methods() -> dict:
    methods = {"__neg__": _neg, "__getitem__": _getitem, "rule_fn": _rule_fn, "rule_mask": _rule_mask,
               "rule_where": _rule_where, "rule_zeros_like": _rule_zeros_like}
    for name, dunder in ARITHMETIC_DUNDERS:
        methods[f"__{dunder}__"], methods[f"__r{dunder}__"] = _tensor_operators(name)
    return methods


for _name, _method in _tensor_methods().items():
    _method.__name__, _method.__qualname__ = _name, f"Tensor.{_name}"
    setattr(Tensor, _name, _method)
del _name, _method
