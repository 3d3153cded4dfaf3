"""agrad against torch 2.13, case by case: how many results are bit for bit, within k ulps, or
different, by row (tools/agreement/ holds the cases, both sides and the comparison).

    python tools/torch_agreement.py            # the full run (tens of thousands of cases)
    python tools/torch_agreement.py --quick    # a few thousand cases
    python tools/torch_agreement.py --rows     # the README table's rows, measured
    python tools/torch_agreement.py --json     # every case's classes
    python tools/torch_agreement.py --record   # tests/torch_reference/agreement_cases.json

Needs torch (2.13.0, CPU) installed beside agrad; --record's file lets the tests run without it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from agreement.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
