"""torch's float32 reductions on the CPU, step for step: sum (and mean), prod and the 2-norm of
a float32 vector, accumulated in float32 in the order torch's kernels accumulate, so that the
result is torch's to the last bit (measured: tests/torch_reference/generate_float32.py).

A float32 vector arrives as a float64 array holding float32 values (agrad's float32 mode) and
the result leaves as a Python float holding a float32 value. Each numpy operation on float32
arrays is one correctly rounded float32 operation per element, as in torch's SIMD lanes.

LANES is the number of float32 lanes of torch's reduction kernels on the CPU it was measured on:
8 (an AVX2 vector; torch's sum and prod kernels use 8 lanes on an AVX-512 CPU too, measured).
"""

from __future__ import annotations

import numpy as np

F32 = np.float32
LANES = 8
_ILP = 4  # row_sum's independent accumulators (SumKernel.cpp's ilp_factor)
_LEVELS = 4  # multi_row_sum's cascade levels (SumKernel.cpp's num_levels)


def _quiet(fn):
    def kernel(*args):
        with np.errstate(all="ignore"):  # overflow to inf, inf - inf to nan: as torch, silently
            return fn(*args)

    kernel.__name__ = fn.__name__
    return kernel


def _multi_row_sum(rows):
    """SumKernel.cpp's multi_row_sum: rows (steps, *width) summed down the first axis, each
    position in its own accumulator, with a cascade of levels so that no accumulator takes
    more than level_step additions before it is passed up (torch's bound on rounding error)."""
    size = len(rows)
    width = rows.shape[1:]
    level_power = max(4, _ceil_log2(size) // _LEVELS)
    level_step = 1 << level_power
    level_mask = level_step - 1
    acc = [np.zeros(width, F32) for _ in range(_LEVELS)]
    i = 0
    while i + level_step <= size:
        acc[0] = _running_total(acc[0], rows[i:i + level_step])
        i += level_step
        for j in range(1, _LEVELS):
            acc[j] = acc[j] + acc[j - 1]
            acc[j - 1] = np.zeros(width, F32)
            if i & (level_mask << (j * level_power)):
                break
    if i < size:
        acc[0] = _running_total(acc[0], rows[i:])
    for j in range(1, _LEVELS):
        acc[0] = acc[0] + acc[j]
    return acc[0]


def _running_total(start, rows):
    """start + rows[0] + rows[1] + ..., added in that order position by position, in float32:
    a cumulative sum is sequential by definition (a plain np.sum may add pairwise)."""
    return np.cumsum(np.concatenate([start[None], rows]), axis=0, dtype=F32)[-1]


def _running_product(start, rows):
    return np.cumprod(np.concatenate([start[None], rows]), axis=0, dtype=F32)[-1]


def _ceil_log2(n: int) -> int:
    return 0 if n <= 1 else (n - 1).bit_length()


def _row_sum(a, lanes: int):
    """SumKernel.cpp's row_sum: a (n * lanes float32 values, read `lanes` at a time) summed into
    one accumulator of `lanes` lanes: _ILP interleaved cascades, the leftovers into the first,
    then the _ILP accumulators added in order."""
    n = len(a) // lanes
    steps = n // _ILP
    if steps:
        partial = list(_multi_row_sum(a[: steps * _ILP * lanes].reshape(steps, _ILP, lanes)))
    else:
        partial = [np.zeros(lanes, F32) for _ in range(_ILP)]
    for i in range(steps * _ILP, n):
        partial[0] = partial[0] + a[i * lanes:(i + 1) * lanes]
    for k in range(1, _ILP):
        partial[0] = partial[0] + partial[k]
    return partial[0]


@_quiet
def cascade_sum(values) -> float:
    """torch.sum of a float32 vector (SumKernel.cpp's cascade_sum, contiguous inner reduction):
    with LANES elements or more, whole vectors of LANES through row_sum, then the leftover
    elements one by one, then the lanes in order; shorter vectors through row_sum one element
    at a time."""
    a = np.asarray(values, dtype=F32)
    n = len(a)
    if n < LANES:
        return float(_row_sum(a, 1)[0])
    whole = n // LANES * LANES
    lanes = _row_sum(a[:whole], LANES)
    total = F32(0.0)
    for v in a[whole:]:
        total = F32(total + v)
    for v in lanes:
        total = F32(total + v)
    return float(total)


@_quiet
def mean(values) -> float:
    """torch.mean on the CPU: the float32 sum divided by n in float32 (ReduceOps.cpp's mean_out
    computes sum().div_(n))."""
    n = len(values)
    if n == 0:
        return float("nan")
    return float(F32(cascade_sum(values)) / F32(n))


@_quiet
def prod(values) -> float:
    """torch.prod of a float32 vector (Reduce.h's vectorized_inner_reduction): blocks of 4
    vectors of LANES multiplied into 4 vector accumulators, which are combined as
    (a0 * a1) * (a2 * a3), their lanes multiplied in order, and that times 1; then the elements
    after the last whole block one by one."""
    a = np.asarray(values, dtype=F32)
    block = 4 * LANES
    count = len(a) // block
    out = F32(1.0)
    if count:
        acc = a[: count * block].reshape(count, 4, LANES)
        vectors = _running_product(acc[0], acc[1:])  # each of the 4 vectors: its blocks in order
        combined = (vectors[0] * vectors[1]) * (vectors[2] * vectors[3])
        first = combined[0]
        for v in combined[1:]:
            first = F32(first * v)
        out = F32(out * first)
    for v in a[count * block:]:
        out = F32(out * v)
    return float(out)


def _fma32(a, b, c) -> np.float32:
    """a * b + c rounded once to float32, as a hardware FMA does (a * b of two float32 values is
    exact in float64; the sum is rounded to float64 and then float32, which rounds twice only at
    an exact float32 midpoint, never met in the measurements)."""
    return F32(float(a) * float(b) + float(c))


@_quiet
def norm(values) -> float:
    """torch.linalg.vector_norm of a float32 vector (ReduceOpsKernel.cpp's fast path for the
    2-norm over the last dimension): whole vectors of LANES squared and added lane by lane, the
    lanes added in order, then the leftover elements: groups of 4 as a square rounded and added
    (the compiler's unrolled loop), the last 1-3 each with one fused multiply-add (its
    epilogue), then a float32 sqrt. No scaling: a square beyond float32's range is inf, as in
    torch (norm of [1e30, 1] is inf)."""
    a = np.asarray(values, dtype=F32)
    n = len(a)
    if n == 1:  # one element: its abs, as in float64 (vector_kernels.norm)
        return abs(float(a[0]))
    whole = n // LANES * LANES
    squares = a[:whole].reshape(-1, LANES)
    lanes = _running_total(np.zeros(LANES, F32), squares * squares)
    total = lanes[0]
    for v in lanes[1:]:
        total = F32(total + v)
    d = whole
    while d + 4 <= n:
        for v in a[d:d + 4]:
            total = F32(total + F32(v * v))
        d += 4
    for v in a[d:]:
        total = _fma32(v, v, total)
    return float(np.sqrt(total))


@_quiet
def dot(x, y) -> float:
    """torch.dot of float32 vectors, which calls MKL's sdot (its order, measured: bit for bit at
    every length up to 4096 on 40 random pairs each): the products in rows of 4, rows 0-3 of
    each block of 16 into 4 accumulators of 4 lanes; of the 1-3 rows after the last block, the
    first two into accumulators 0 and 1 and a third into 0; the 0-3 products after the last row
    added to lane 0 of accumulator 0; then the accumulators added in order, and the 4 lanes
    halved twice: (l0 + l2) + (l1 + l3)."""
    products = np.asarray(x, dtype=F32) * np.asarray(y, dtype=F32)
    rows = len(products) // 4
    full = rows // 4 * 4
    accs = _running_total(np.zeros((4, 4), F32), products[: full * 4].reshape(-1, 4, 4))
    for i, k in zip(range(full, rows), (0, 1, 0)):
        accs[k] = accs[k] + products[4 * i:4 * i + 4]
    first = accs[0, 0]
    for v in products[rows * 4:]:
        first = F32(first + v)
    accs[0, 0] = first
    lanes = ((accs[0] + accs[1]) + accs[2]) + accs[3]
    return float((lanes[0] + lanes[2]) + (lanes[1] + lanes[3]))
