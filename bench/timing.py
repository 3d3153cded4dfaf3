"""What the benchmarks share: a call timed once by the wall clock."""

import time


def timed(call) -> tuple[object, float]:
    """call()'s result and the seconds it took."""
    start = time.perf_counter()
    out = call()
    return out, time.perf_counter() - start
