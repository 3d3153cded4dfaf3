"""The long fuzz run: the suite's fuzz properties (tests/fuzzing.py) with many more examples.

    python tools/fuzz.py --minutes 10

Each round runs every property with hypothesis for a batch of examples, until the time is up;
it prints the inputs tried per property and every failure (hypothesis's shrunk example), and
exits 1 if any property failed. Run from the repository, in the venv with the test extras.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as hs  # noqa: E402

import fuzzing  # noqa: E402

PROPERTIES = {  # name: (strategies, check, examples per round)
    "evaluate(any text)": ((fuzzing.any_text,), fuzzing.evaluate_answers, 5000),
    "agrad eval (any command line)": ((fuzzing.any_text, fuzzing.cli_args), fuzzing.cli_answers, 500),
    "agrad eval - (any bytes)": ((fuzzing.byte_streams,), fuzzing.stream_answers, 300),
    "gradients vs central differences": ((hs.integers(0, 2**63),), fuzzing.gradients_match, 3000),
}


def _property(name, check, tried, strategies, examples):
    def counted(values):
        tried[name] += 1
        check(*values)

    return settings(max_examples=examples, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))(given(hs.tuples(*strategies))(counted))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    deadline = time.monotonic() + args.minutes * 60
    tried = dict.fromkeys(PROPERTIES, 0)
    failures: list[str] = []
    rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        for name, (strategies, check, examples) in PROPERTIES.items():
            if time.monotonic() >= deadline:
                break
            test = _property(name, check, tried, strategies, examples)
            try:
                test()
            except Exception:  # a property failed: record hypothesis's report and go on
                failures.append(f"{name}:\n{traceback.format_exc(limit=3)}")
                print(failures[-1], file=sys.stderr)
        print(f"round {rounds}: " + ", ".join(f"{n}: {k}" for n, k in tried.items()), flush=True)
    print(f"inputs tried: {sum(tried.values())} in {rounds} rounds ({args.minutes:g} min); "
          f"failures: {len(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
