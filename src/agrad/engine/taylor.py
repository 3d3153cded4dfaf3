"""Taylor mode: all the derivatives of a scalar program in one variable, up to order N, by
propagating truncated Taylor series (Griewank & Walther, "Evaluating Derivatives", ch. 13; JAX's
jet) through the forward graph, O(N^2) per node.

Nested backward passes (evaluation/lessons.py) build a derivative graph per order, and those
graphs grow exponentially with N (`x^x --order 12`: 16 s, 1.2 GB). Here each node instead gets
the coefficients c_0..c_N of its value as a series in t around the point (x = x0 + t); the k-th
derivative is c_k * k!.

RULES is the one list of the ops that have a recurrence, keyed by the op table's names
(tests/test_taylor.py checks every key against the table and every rule against the nested
backward passes). A rule takes (the node's value, the inputs' series, the series length) and
returns the output's series; c_0 is always the node's own forward value, so the value printed
and the series agree to the last bit. Where a recurrence would divide by zero or meet a value
that is not finite, or the graph holds an op with no rule, `NoRecurrence` says so and the caller
runs the nested passes instead (evaluation/lessons.py).

Piecewise ops (abs, relu, sign, floor, max, clamp, ...) follow the nested passes exactly: their
rules in the op table have constant masks, so beyond the first order only the chosen branch's
series passes (times its mask): floor's derivatives are all 0, abs's are sign(x0) times its
input's, and at a tie max passes half of each side's, as its gradient does.
"""

from __future__ import annotations

import math

from agrad.engine.tensor import Tensor, current_mode


class NoRecurrence(Exception):
    """This graph, at this point, has a node Taylor mode does not handle: run nested passes."""


# -- series arithmetic (lists of floats, all of length n) --------------------------------------


def _const(value: float, n: int) -> list:
    return [value] + [0.0] * (n - 1)


def _nonzero(v: float, why: str) -> float:
    if v == 0.0 or v != v or v in (math.inf, -math.inf):
        raise NoRecurrence(why)
    return v


def _mul(a: list, b: list, n: int) -> list:
    return [math.fsum(a[j] * b[k - j] for j in range(k + 1)) for k in range(n)]


def _add(a: list, b: list) -> list:
    return [p + q for p, q in zip(a, b)]


def _scale(a: list, c: float) -> list:
    return [p * c for p in a]


def _div(a: list, b: list, n: int, c0: float) -> list:
    # c = a / b: a = b * c, so c_k = (a_k - sum_{j=1..k} b_j c_{k-j}) / b_0
    b0 = _nonzero(b[0], "division by zero")
    c = [c0]
    for k in range(1, n):
        c.append((a[k] - math.fsum(b[j] * c[k - j] for j in range(1, k + 1))) / b0)
    return c


def _integrate(c0: float, d: list, a: list, n: int) -> list:
    """c with c' = d * a' (d the series of f'(a)): c_k = (1/k) sum_{j=1..k} j a_j d_{k-j}."""
    c = [c0]
    for k in range(1, n):
        c.append(math.fsum(j * a[j] * d[k - j] for j in range(1, k + 1)) / k)
    return c


def _integrate_self(c0: float, a: list, n: int, derivative) -> list:
    """c with c' = derivative(c) * a', where derivative(c)'s m-th coefficient needs c_0..c_m only
    (tan: 1 + c^2, tanh: 1 - c^2, ...): derivative(c, m) gives that coefficient."""
    c, d = [c0], []
    for k in range(1, n):
        d.append(derivative(c, k - 1))
        c.append(math.fsum(j * a[j] * d[k - j] for j in range(1, k + 1)) / k)
    return c


def _square_coeff(c: list, m: int) -> float:
    return math.fsum(c[j] * c[m - j] for j in range(m + 1))


def _exp(c0: float, a: list, n: int) -> list:
    return _integrate_self(c0, a, n, lambda c, m: c[m])  # exp' = exp


def _log(c0: float, a: list, n: int) -> list:
    # a = exp(c): a_k = (1/k) sum j c_j a_{k-j}, solved for c_k
    a0 = _nonzero(a[0], "log at 0")
    c = [c0]
    for k in range(1, n):
        c.append((a[k] - math.fsum(j * c[j] * a[k - j] for j in range(1, k)) / k) / a0)
    return c


def _sqrt(c0: float, a: list, n: int) -> list:
    # c^2 = a: c_k = (a_k - sum_{j=1..k-1} c_j c_{k-j}) / (2 c_0)
    _nonzero(c0, "sqrt at 0")
    c = [c0]
    for k in range(1, n):
        c.append((a[k] - math.fsum(c[j] * c[k - j] for j in range(1, k))) / (2.0 * c0))
    return c


def _pow_const(c0: float, a: list, p: float, n: int) -> list:
    if p == 0.0:
        return _const(c0, n)  # x^0 is 1 with derivative 0 everywhere (pow_backward's where)
    if p == int(p) and 0 < p <= 64:
        # a whole power: the products themselves (by squaring). The recurrence below divides by
        # a_0, which loses digits where a_0 is small (atan(x)^2 near 0: 1e-9 at order 12)
        out, base, k = _const(1.0, n), a, int(p)
        while k:
            if k & 1:
                out = _mul(out, base, n)
            base, k = _mul(base, base, n), k >> 1
        return _with_c0(c0, out)
    if a[0] == 0.0:
        raise NoRecurrence("a fractional or negative power at 0")
    _nonzero(a[0], "power at 0")
    # c = a^p: a c' = p a' c, so c_k = (1/(k a_0)) sum_{j=1..k} ((p + 1) j - k) a_j c_{k-j}
    c = [c0]
    for k in range(1, n):
        c.append(math.fsum(((p + 1.0) * j - k) * a[j] * c[k - j] for j in range(1, k + 1)) / (k * a[0]))
    return c


def _sincos(s0: float, k0: float, a: list, n: int, sign: float) -> tuple:
    """sin and cos together (sign -1), or sinh and cosh (sign +1)."""
    s, c = [s0], [k0]
    for k in range(1, n):
        s.append(math.fsum(j * a[j] * c[k - j] for j in range(1, k + 1)) / k)
        c.append(sign * math.fsum(j * a[j] * s[k - j] for j in range(1, k + 1)) / k)
    return s, c


def _sigmoid_series(a: list, n: int) -> list:
    s0 = 1.0 / (1.0 + math.exp(-a[0])) if a[0] >= 0 else math.exp(a[0]) / (1.0 + math.exp(a[0]))
    return _integrate_self(s0, a, n, lambda c, m: c[m] - _square_coeff(c, m))  # s' = s - s^2


def _erf_series(c0: float, a: list, n: int) -> list:
    neg_sq = _scale(_mul(a, a, n), -1.0)
    d = _scale(_exp(math.exp(neg_sq[0]), neg_sq, n), 2.0 / math.sqrt(math.pi))
    return _integrate(c0, d, a, n)


def _inverse_trig(c0: float, a: list, n: int, inner: list, sqrt_of_inner: bool, sign: float = 1.0) -> list:
    """asin, acos, asinh, acosh (f' = +-1/sqrt(inner)), atan, atanh (f' = 1/inner)."""
    d0 = math.sqrt(inner[0]) if sqrt_of_inner else inner[0]
    _nonzero(d0, "the derivative is infinite here")
    root = _sqrt(d0, inner, n) if sqrt_of_inner else inner
    d = _scale(_div(_const(1.0, n), root, n, 1.0 / root[0]), sign)
    return _integrate(c0, d, a, n)


def _one_minus_square(a, n):
    return _add(_const(1.0, n), _scale(_mul(a, a, n), -1.0))


def _one_plus_square(a, n):
    return _add(_const(1.0, n), _mul(a, a, n))


def _normal_cdf(a, n):
    half_erf = _scale(_erf_series(math.erf(a[0] / math.sqrt(2.0)), _scale(a, 1.0 / math.sqrt(2.0)), n), 0.5)
    return _add(_const(0.5, n), half_erf)


def _gelu(c0, a, n):
    return _with_c0(c0, _mul(a, _normal_cdf(a, n), n))


def _gelu_backward(c0, s, n):
    # grad * (Phi(x) + x phi(x)), phi(x) = exp(-x^2/2) / sqrt(2 pi)
    g, x = s
    half_sq = _scale(_mul(x, x, n), -0.5)
    pdf = _scale(_exp(math.exp(half_sq[0]), half_sq, n), 1.0 / math.sqrt(2.0 * math.pi))
    return _with_c0(c0, _mul(g, _add(_normal_cdf(x, n), _mul(x, pdf, n)), n))


def _masked(c0: float, parts: list, n: int) -> list:
    """sum of weight * series over (weight, series): the piecewise ops' constant masks."""
    out = [0.0] * n
    for weight, series in parts:
        if weight:
            out = _add(out, _scale(series, weight))
    out[0] = c0
    return out


def _split(a0, b0, first_loses) -> float:
    """max/min's mask for one side: 0 if it loses, 1/2 at a tie, else 1 (ops.py's _split_rule)."""
    return 0.0 if first_loses(a0, b0) else (0.5 if a0 == b0 else 1.0)


def _with_c0(c0: float, series: list) -> list:
    series[0] = c0
    return series


LN2 = math.log(2.0)
LN10 = 2.3025850929940456  # ops.py's (derivatives.yaml's) constant


def _log_scaled(factor):
    return lambda c0, s, n: _with_c0(c0, _scale(_log(math.log(s[0][0]), s[0], n), 1.0 / factor))


def _pow(c0, s, n):
    a, b = s
    if all(v == 0.0 for v in b[1:]):  # a constant exponent (a variable that t does not move)
        return _pow_const(c0, a, b[0], n)
    if a[0] <= 0.0 or a[0] != a[0]:
        raise NoRecurrence("a variable exponent of a base that is not positive")
    # a^b = exp(b log a)
    e = _mul(b, _log(math.log(a[0]), a, n), n)
    return _exp(c0, e, n)


def _softplus(c0, s, n):
    (a,) = s
    if a[0] > 20.0:  # linear above torch's threshold, as its kernel and backward are
        return _with_c0(c0, list(a))
    return _integrate(c0, _sigmoid_series(a, n), a, n)


def _silu(c0, s, n):
    (a,) = s
    return _with_c0(c0, _mul(a, _sigmoid_series(a, n), n))


def _logsigmoid(c0, s, n):
    (a,) = s
    return _integrate(c0, _sigmoid_series(_scale(a, -1.0), n), a, n)


def _tanh_backward(c0, s, n):
    g, y = s
    return _with_c0(c0, _mul(g, _one_minus_square(y, n), n))


def _sigmoid_backward(c0, s, n):
    g, y = s
    return _with_c0(c0, _mul(g, _mul(_add(_const(1.0, n), _scale(y, -1.0)), y, n), n))


def _softplus_backward(c0, s, n):
    g, x = s
    if x[0] > 20.0:
        return _with_c0(c0, list(g))
    return _with_c0(c0, _mul(g, _sigmoid_series(x, n), n))


def _clamp_tensor(c0, s, n):
    x, lo, hi = s
    v, a, b = x[0], lo[0], hi[0]
    return _masked(c0, [(float((v >= a) & (v <= b)), x), (float((v < a) & (a < b)), lo),
                        (float((v > b) | (b < a)), hi)], n)


# op-table name -> rule(value, input series, n). The one list of what Taylor mode supports.
RULES = {
    "add": lambda c0, s, n: _with_c0(c0, _add(s[0], s[1])),
    "add_scalar": lambda c0, s, n: _with_c0(c0, _add(s[0], s[1])),
    "sub": lambda c0, s, n: _with_c0(c0, _add(s[0], _scale(s[1], -1.0))),
    "sub_scalar": lambda c0, s, n: _with_c0(c0, _add(s[0], _scale(s[1], -1.0))),
    "rsub": lambda c0, s, n: _with_c0(c0, _add(s[0], _scale(s[1], -1.0))),
    "neg": lambda c0, s, n: _with_c0(c0, _scale(s[0], -1.0)),
    "mul": lambda c0, s, n: _with_c0(c0, _mul(s[0], s[1], n)),
    "mul_scalar": lambda c0, s, n: _with_c0(c0, _mul(s[0], s[1], n)),
    "div": lambda c0, s, n: _div(s[0], s[1], n, c0),
    "div_scalar": lambda c0, s, n: _div(s[0], s[1], n, c0),
    "reciprocal": lambda c0, s, n: _div(_const(1.0, n), s[0], n, c0),
    "pow": _pow,
    "pow_scalar": _pow,
    "rpow": _pow,
    "sqrt": lambda c0, s, n: _sqrt(c0, s[0], n),
    "rsqrt": lambda c0, s, n: _pow_const(c0, s[0], -0.5, n),
    "exp": lambda c0, s, n: _exp(c0, s[0], n),
    "expm1": lambda c0, s, n: _integrate_self(c0, s[0], n, lambda c, m: c[m] + (1.0 if m == 0 else 0.0)),
    "log": lambda c0, s, n: _log(c0, s[0], n),
    "log2": _log_scaled(LN2),
    "log10": _log_scaled(LN10),
    "log1p": lambda c0, s, n: _log(c0, _add(_const(1.0, n), s[0]), n),
    "sin": lambda c0, s, n: _with_c0(c0, _sincos(c0, math.cos(s[0][0]), s[0], n, -1.0)[0]),
    "cos": lambda c0, s, n: _with_c0(c0, _sincos(math.sin(s[0][0]), c0, s[0], n, -1.0)[1]),
    "sinh": lambda c0, s, n: _with_c0(c0, _sincos(c0, math.cosh(s[0][0]), s[0], n, 1.0)[0]),
    "cosh": lambda c0, s, n: _with_c0(c0, _sincos(math.sinh(s[0][0]), c0, s[0], n, 1.0)[1]),
    "tan": lambda c0, s, n: _integrate_self(c0, s[0], n, lambda c, m: (m == 0) + _square_coeff(c, m)),
    "tanh": lambda c0, s, n: _integrate_self(c0, s[0], n, lambda c, m: (m == 0) - _square_coeff(c, m)),
    "sigmoid": lambda c0, s, n: _integrate_self(c0, s[0], n, lambda c, m: c[m] - _square_coeff(c, m)),
    "asin": lambda c0, s, n: _inverse_trig(c0, s[0], n, _one_minus_square(s[0], n), True),
    "acos": lambda c0, s, n: _inverse_trig(c0, s[0], n, _one_minus_square(s[0], n), True, -1.0),
    "atan": lambda c0, s, n: _inverse_trig(c0, s[0], n, _one_plus_square(s[0], n), False),
    "asinh": lambda c0, s, n: _inverse_trig(c0, s[0], n, _one_plus_square(s[0], n), True),
    "acosh": lambda c0, s, n: _inverse_trig(c0, s[0], n, _add(_mul(s[0], s[0], n), _const(-1.0, n)), True),
    "atanh": lambda c0, s, n: _inverse_trig(c0, s[0], n, _one_minus_square(s[0], n), False),
    "erf": lambda c0, s, n: _erf_series(c0, s[0], n),
    "softplus": _softplus,
    "silu": _silu,
    "gelu": lambda c0, s, n: _gelu(c0, s[0], n),
    "logsigmoid": _logsigmoid,
    "hypot": lambda c0, s, n: _sqrt(c0, _add(_mul(s[0], s[0], n), _mul(s[1], s[1], n)), n),
    "atan2": lambda c0, s, n: _atan2(c0, s[0], s[1], n),
    # piecewise: the op table's constant masks (see the module's docstring)
    "abs": lambda c0, s, n: _masked(c0, [(math.copysign(1.0, s[0][0]) if s[0][0] else 0.0, s[0])], n),
    "relu": lambda c0, s, n: _masked(c0, [(0.0 if c0 <= 0.0 else 1.0, s[0])], n),
    "sign": lambda c0, s, n: _const(c0, n),
    "sgn": lambda c0, s, n: _const(c0, n),
    "floor": lambda c0, s, n: _const(c0, n),
    "ceil": lambda c0, s, n: _const(c0, n),
    "round": lambda c0, s, n: _const(c0, n),
    "max": lambda c0, s, n: _masked(c0, [(_split(s[0][0], s[1][0], lambda x, y: x < y), s[0]),
                                         (_split(s[1][0], s[0][0], lambda x, y: x < y), s[1])], n),
    "min": lambda c0, s, n: _masked(c0, [(_split(s[0][0], s[1][0], lambda x, y: x > y), s[0]),
                                         (_split(s[1][0], s[0][0], lambda x, y: x > y), s[1])], n),
    "clamp": lambda c0, s, n: _masked(c0, [(float(s[1][0] <= s[0][0] <= s[2][0]), s[0])], n),
    "clamp_tensor": _clamp_tensor,
    # torch's backward functions, which grad() in a program puts in the graph
    "tanh_backward": _tanh_backward,
    "sigmoid_backward": _sigmoid_backward,
    "threshold_backward": lambda c0, s, n: _masked(c0, [(0.0 if s[1][0] <= s[2][0] else 1.0, s[0])], n),
    "softplus_backward": _softplus_backward,
    "gelu_backward": _gelu_backward,
    "log_sigmoid_backward": lambda c0, s, n: _with_c0(c0, _mul(s[0], _sigmoid_series(_scale(s[1], -1.0), n), n)),
    # masks that derivative graphs hold (a constant condition picks a side), and reductions of a scalar
    "where": lambda c0, s, n: _with_c0(c0, list(s[1] if s[0][0] else s[2])),
    "masked_fill": lambda c0, s, n: _const(c0, n) if s[1][0] else _with_c0(c0, list(s[0])),
    "masked_fill_tensor": lambda c0, s, n: _with_c0(c0, list(s[2] if s[1][0] else s[0])),
    "sum": lambda c0, s, n: _with_c0(c0, list(s[0])),
    "mean": lambda c0, s, n: _with_c0(c0, list(s[0])),
    "prod": lambda c0, s, n: _with_c0(c0, list(s[0])),
    "view": lambda c0, s, n: _with_c0(c0, list(s[0])),
    "sum_keepdim": lambda c0, s, n: _with_c0(c0, list(s[0])),
}


def _atan2(c0, y, x, n):
    # atan2(y, x)' = (x y' - y x') / (x^2 + y^2)
    denom = _add(_mul(x, x, n), _mul(y, y, n))
    _nonzero(denom[0], "atan2 at (0, 0)")
    dy = [k * y[k] for k in range(1, n)] + [0.0]  # the series of y' (shifted down one)
    dx = [k * x[k] for k in range(1, n)] + [0.0]
    num = _add(_mul(x, dy, n), _scale(_mul(y, dx, n), -1.0))
    q = _div(num, denom, n, num[0] / denom[0])
    return [c0] + [q[k - 1] / k for k in range(1, n)]


def _nodes(output: Tensor) -> list:
    """Every node output depends on, inputs before the ops that use them (creation order)."""
    found = {id(output): output}
    stack = [output]
    while stack:
        for child in stack.pop().inputs:
            if id(child) not in found:
                found[id(child)] = child
                stack.append(child)
    return sorted(found.values(), key=lambda t: t.seq)


def derivatives(output: Tensor, leaf: Tensor, order: int) -> list:
    """[d^k output / d leaf^k for k = 1..order], or NoRecurrence. Each node's series costs
    `order` nodes of the evaluation's budget (limits.py), the size of what it holds."""
    n = order + 1
    budget = current_mode().budget
    series: dict[int, list | None] = {}
    for node in _nodes(output):
        if node is leaf:
            s = [node.value, 1.0] + [0.0] * (n - 2)
        elif node.op is None:
            s = None  # a constant, another variable, or a value cut by detach()/no_grad
        else:
            inputs = [series[id(i)] for i in node.inputs]
            if all(i is None for i in inputs):
                s = None
            else:
                rule = RULES.get(node.op.name)
                if rule is None:
                    raise NoRecurrence(f"no Taylor rule for {node.op.name}")
                for i in node.inputs:  # (a mask's condition is a bool)
                    if type(i.value) not in (float, bool) or not math.isfinite(i.value):
                        raise NoRecurrence("a vector, or a value that is not finite")
                if type(node.value) is not float or not math.isfinite(node.value):
                    raise NoRecurrence("a value that is not finite")
                if budget is not None:
                    budget.nodes -= order
                    if budget.nodes < 0:
                        budget.out_of_nodes()
                try:
                    s = rule(node.value, [t if t is not None else _const(i.value, n)
                                          for t, i in zip(inputs, node.inputs)], n)
                except (OverflowError, ValueError):  # math.fsum past float64's range
                    raise NoRecurrence("a coefficient overflowed") from None
        series[id(node)] = s
    top = series[id(output)]
    if top is None:
        return [0.0] * order
    return [top[k] * math.factorial(k) for k in range(1, n)]
