"""Write the README's table of functions (section "The language") from the op table.

    python tools/readme_functions.py          # rewrite README.md's table in place
    python tools/readme_functions.py --check  # exit 1 if the README's table is not the op table's

The table is agrad.render.functions.readme_table(); tests/test_op_table.py checks the README
holds it, so a new op-table entry shows here by running this script.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from agrad.render.functions import readme_table

README = Path(__file__).resolve().parent.parent / "README.md"
TABLE = re.compile(r"^\| arity \| functions \|\n(?:\|.*\|\n)+", re.M)  # the header to the last row


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    if len(TABLE.findall(text)) != 1:
        print(f"{README}: expected one table starting '| arity | functions |'", file=sys.stderr)
        return 1
    new = TABLE.sub(lambda _: readme_table(), text)
    if "--check" in argv:
        if new != text:
            print(f"{README}: the table of functions is not the op table's: run python tools/readme_functions.py",
                  file=sys.stderr)
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
