"""The command: run the cases on both sides, count by row, print the table (or JSON, or record)."""

from __future__ import annotations

import argparse
import random
import json
import time
from pathlib import Path

from . import cases as case_lists
from .compare import DIFFERENT, RAISES, compare, worst
from .rows import classify, reasons, table
from .sides import agrad_result, torch_result

RECORDED = Path(__file__).resolve().parents[2] / "tests" / "torch_reference" / "agreement_cases.json"
FULL, QUICK = 3000, 120


def encode(value):
    """JSON-ready: nan and infinities as text (a grad_fn name or an error is text too, so the
    numbers are tagged by their part's name: see decode)."""
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return value


def decode(value):
    if isinstance(value, list):
        return [decode(v) for v in value]
    return float(value) if value in ("nan", "inf", "-inf") else value


def decode_result(result: dict) -> dict:
    if "error" in result:
        return result
    return {"parts": {k: v if k == "grad_fn" else decode(v) for k, v in result["parts"].items()}}


def measure(cases: list[dict], torch_results: list[dict] | None = None) -> list[dict]:
    """Each case with both results and its parts' distances."""
    measured = []
    for i, case in enumerate(cases):
        theirs = torch_results[i] if torch_results is not None else torch_result(case)
        if theirs is None:
            continue
        mine = agrad_result(case)
        distances = compare(mine, theirs, case.get("dtype", "float64"))
        measured.append({"case": case, "agrad": mine, "torch": theirs, "distances": distances,
                         "class": classify(case, mine, theirs, distances)})
    return measured


PER_ROW, PER_REASON, LONG = 50, 12, 100


def sample(measured: list[dict], seed: int) -> list[dict]:
    """The cases to record, a subset of the full run (so each README count is at least the
    recorded one): PER_ROW cases of each row at random, and up to PER_REASON of each reason of a
    difference; cases with vectors longer than LONG elements, 3 a row (they are big)."""
    rng = random.Random(seed)
    picked, per_reason, per_long = set(), {}, {}
    by_row: dict = {}
    for i, m in enumerate(measured):
        by_row.setdefault(m["case"]["row"], []).append(i)
        kind = m["class"]
        if kind != "bit" and not kind.startswith("ulp:") and per_reason.get(kind, 0) < PER_REASON:
            per_reason[kind] = per_reason.get(kind, 0) + 1
            picked.add(i)
    for indices in by_row.values():
        picked.update(rng.sample(indices, min(PER_ROW, len(indices))))
    kept = []
    for i in sorted(picked):
        row = measured[i]["case"]["row"]
        if any(isinstance(v, list) and len(v) > LONG for v in measured[i]["case"]["bindings"].values()):
            per_long[row] = per_long.get(row, 0) + 1
            if per_long[row] > 3 and (measured[i]["class"] == "bit" or measured[i]["class"].startswith("ulp:")):
                continue
        kept.append(measured[i])
    return kept


def record(measured: list[dict], path: Path = RECORDED) -> None:
    """The cases and torch's results for them, one case a line (the tests compare agrad with
    these without torch)."""
    import torch

    lines = []
    for m in measured:
        theirs = m["torch"] if "error" in m["torch"] else {"parts": encode_parts(m["torch"]["parts"])}
        case = {**m["case"], "bindings": {k: encode(v) for k, v in m["case"]["bindings"].items()}}
        lines.append(json.dumps({**case, "torch": theirs}))
    body = ",\n".join(lines)
    path.write_text(f'{{"torch": "{torch.__version__}", "cases": [\n{body}\n]}}\n', encoding="utf-8")


def encode_parts(parts: dict) -> dict:
    return {k: v if k == "grad_fn" else encode(v) for k, v in parts.items()}


def load_recorded(path: Path = RECORDED) -> tuple[list[dict], list[dict]]:
    """The recorded cases and torch's results for them."""
    data = json.loads(path.read_text(encoding="utf-8"))
    cases, results = [], []
    for item in data["cases"]:
        result = decode_result(item.pop("torch"))
        item["bindings"] = {k: decode(v) for k, v in item["bindings"].items()}
        cases.append(item)
        results.append(result)
    return cases, results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="torch_agreement.py", description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK} random cases a row instead of {FULL}")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="every case, its results and classes, as JSON lines")
    parser.add_argument("--rows", action="store_true", help="the README table's rows, measured")
    parser.add_argument("--record", action="store_true", help=f"write {RECORDED.name}: a sample of the run's cases")
    parser.add_argument("--recorded", action="store_true", help="measure the recorded cases (no torch needed)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.recorded:
        cases, results = load_recorded()
        measured = measure(cases, results)
    else:
        cases = case_lists.all_cases(args.seed, QUICK if args.quick else FULL)
        measured = measure(cases)
    if args.record:
        record(sample(measured, args.seed))
    if args.json:
        for m in measured:
            print(json.dumps({k: encode(v) for k, v in m.items()}, allow_nan=False))
        return 0
    print(table(measured, markdown=args.rows))
    if not args.rows:
        print("\nThe differences, by reason:")
        print(reasons(measured))
    print(f"{len(measured)} cases in {time.perf_counter() - start:.0f} s (seed {args.seed})")
    return 0
