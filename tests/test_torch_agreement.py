"""The README's table "How close to PyTorch" holds on the cases recorded from torch 2.13.

tests/torch_reference/agreement_cases.json is a sample of tools/torch_agreement.py's full run
(written by its --record), so every count of a row on the recorded cases is at most the README's
count for that row: a column the README gives as 0 (no difference of that kind) must stay 0, and
no recorded case may be further from torch than the row's N ulps. Runs without torch; with torch
installed, the recording is checked to be reproducible too.
"""

from __future__ import annotations

import math
import re
import sys
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from agreement import cases as case_lists  # noqa: E402
from agreement.compare import DIFFERENT, compare, ordinal, ulps  # noqa: E402
from agreement.main import RECORDED, load_recorded, measure  # noqa: E402
from agreement.rows import COLUMNS, TOTAL, counts  # noqa: E402

def readme_table() -> dict:
    """{row: {column: number}} from the README's section "How close to PyTorch"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## How close to PyTorch\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("| ")]
    head = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert head == ["row", *COLUMNS], head
    rows = {}
    for line in lines[1:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = {column: int(cell.replace(",", "")) for column, cell in zip(COLUMNS, cells[1:])}
    return rows


@lru_cache(maxsize=1)
def recorded_counts() -> dict:
    cases, results = load_recorded()
    return counts(measure(cases, results))


def test_the_readme_table_has_the_tools_rows():
    # the rows the tool generates (a small run makes every row), then the total
    names = {case["row"] for case in case_lists.all_cases(16, 40)}
    assert set(readme_table()) == names | {TOTAL}
    assert list(readme_table())[-1] == TOTAL


def test_the_readme_totals_add_up():
    table = readme_table()
    total = table.pop(TOTAL)
    for column in COLUMNS:
        combine = max if column == "N" else sum
        assert total[column] == combine(row[column] for row in table.values()), column
    for name, row in table.items():
        kinds = [column for column in COLUMNS if column not in ("cases", "N")]  # each case in one of these
        assert row["cases"] == sum(row[kind] for kind in kinds), name


def test_every_row_is_recorded():
    assert set(recorded_counts()) == set(readme_table()) - {TOTAL}


@pytest.mark.parametrize("row", sorted(set(readme_table()) - {TOTAL}))
def test_the_readme_claim_holds_on_the_recorded_cases(row):
    claimed, measured = readme_table()[row], recorded_counts()[row]
    assert measured["N"] <= claimed["N"], f"{row}: {measured['N']} ulps from torch, the README says {claimed['N']}"
    for column in COLUMNS[1:]:
        if column != "N":
            assert measured[column] <= claimed[column], (row, column, measured[column], claimed[column])


def test_the_recording_is_small_and_covers_every_kind_of_difference():
    assert RECORDED.stat().st_size < 1_000_000
    cases, _ = load_recorded()
    assert 1000 <= len(cases) <= 3000
    kinds = {row: c for row, c in recorded_counts().items()}
    assert sum(c["differ on purpose"] for c in kinds.values()) > 0
    assert sum(c["within N ulps"] for c in kinds.values()) > 0


# -- the comparison itself, on hand-made numbers -------------------------------------------------

def test_ulps_count_the_floats_between():
    assert ulps(1.0, 1.0, "float64") == 0
    assert ulps(1.0, math.nextafter(1.0, 2.0), "float64") == 1
    assert ulps(1.0, 1.0 + 2 ** -52 * 3, "float64") == 3
    assert ulps(0.0, -0.0, "float64") == 1  # a sign of zero is 1 ulp
    assert ulps(5e-324, -5e-324, "float64") == 3  # 5e-324, 0.0, -0.0, -5e-324
    assert ulps(math.nan, math.nan, "float64") == 0
    assert ulps(math.inf, 1.7976931348623157e308, "float64") is None  # overflow is not a rounding
    assert ulps(math.nan, 1.0, "float64") is None
    assert ulps(1.0, 1.0 + 2 ** -23, "float32") == 1  # float32's spacing at 1
    assert ordinal(-1.0, "float64") < ordinal(-0.0, "float64") < ordinal(0.0, "float64") < ordinal(1.0, "float64")


def test_compare_part_by_part():
    torch_side = {"parts": {"value": [1.0, 2.0], "grad_fn": "MulBackward0", "grad:x": [2.0, math.nan]}}
    same = compare({"parts": {"value": [1.0, 2.0], "grad_fn": "MulBackward0", "grad:x": [2.0, math.nan]}},
                   torch_side, "float64")
    assert same == {"value": 0, "grad_fn": 0, "grad:x": 0}
    off = compare({"parts": {"value": [1.0, math.nextafter(2.0, 3.0)], "grad_fn": "AddBackward0", "grad:x": None}},
                  torch_side, "float64")
    assert off == {"value": 1, "grad_fn": DIFFERENT, "grad:x": DIFFERENT}
    # an error: torch's text within agrad's message
    torch_error = {"error": "Mismatch in shape"}
    assert compare({"error": "bad: Mismatch in shape (hint)"}, torch_error, "float64") == {"error": 0}
    assert compare({"error": "bad shapes"}, torch_error, "float64") == {"error": DIFFERENT}
    assert compare({"parts": {}}, {"error": "Mismatch in shape"}, "float64") == {"error": "raises"}


def test_the_recording_is_what_torch_gives():
    torch = pytest.importorskip("torch")
    from agreement.sides import torch_result

    assert torch.__version__.startswith("2.13")
    cases, results = load_recorded()
    for case, result in list(zip(cases, results))[::25]:
        again = compare(torch_result(case), result, case["dtype"])
        assert all(distance == 0 for distance in again.values()), (case["source"], again)
