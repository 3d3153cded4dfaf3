"""The work of agrad.evaluate in machine instructions, which the machine's load does not change
(bench/perf.py's times do): run under callgrind, counting only the measured loop.

    valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \\
        --toggle-collect=functools_reduce python bench/instructions.py 2000 [replay]

"Collected" divided by the count (2000) is the instructions per evaluation. The loop runs the
first N of 2,000 expressions of bench/expressions.py (seed 1, as perf.py's throughput) after a
warm-up of 200, inside functools.reduce, which nothing else here calls, so that callgrind counts
it alone. `replay`: each source prepared once (api.prepare) and run with program=, as a batch
repeating a source runs it: mostly the compiled tape's run. Set PYTHONHASHSEED=0, and compare
two versions in runs made side by side.
"""

from __future__ import annotations

import functools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import expressions  # noqa: E402

import agrad  # noqa: E402
from agrad.evaluation.api import prepare, run  # noqa: E402


def main() -> None:
    n = int(sys.argv[1])
    exprs = expressions.generate(2000, seed=1)
    if sys.argv[2:] == ["replay"]:
        prepared = {source: prepare(source) for source, _ in exprs}

        def one(source, bindings):
            run(source, bindings, program=prepared[source])
    else:
        def one(source, bindings):
            agrad.evaluate(source, **bindings)
    for source, bindings in exprs[:200]:
        one(source, bindings)  # warm-up: lazy imports and caches

    def step(_, job):
        one(*job)

    functools.reduce(step, exprs[:n], None)


if __name__ == "__main__":
    main()
