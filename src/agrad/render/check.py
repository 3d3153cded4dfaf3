"""--check's output (evaluation/gradcheck.py's Check): the "check" object of JSON, the `check`
lines of plain text, csv's columns, and pretty output's table and sentences."""

from __future__ import annotations

from agrad.values import write as numbers
from agrad.render import shown
from agrad.render.flow import table
from agrad.render.visible import visible

CSV_COLUMNS = ("check", "check_worst", "check_abs_err", "check_rel_err")

_SHOWN = {"ok": "ok", "kink": "kink", "mismatch": "NO"}


def record(check) -> dict:
    """The JSON "check" object: the verdict, the settings, how many evaluations it took, each
    element's row and each kink."""
    return {"ok": check.ok, "status": check.status, "order": check.order, "eps": check.eps, "atol": check.atol,
            "rtol": check.rtol, "evaluations": check.evaluations,
            "rows": [{**row.as_dict(), **{key: numbers.json_value(float(getattr(row, key)))
                                          for key in ("analytic", "numeric", "abs_err", "rel_err")}}
                     for row in check.rows],
            "kinks": [kink.as_dict() for kink in check.kinks]}


def plain_lines(check) -> list[str]:
    """One line per element: `check`, the element, analytic, numeric, abs err, rel err, status;
    then one per kink: `kink`, the grad_fn, the kink, the convention."""
    lines = ["\t".join(["check", row.name] + [numbers.plain(float(getattr(row, key)))
                                              for key in ("analytic", "numeric", "abs_err", "rel_err")]
                       + [row.status]) for row in check.rows]
    return lines + ["\t".join(["kink", kink.grad_fn, kink.where, kink.convention]) for kink in check.kinks]


def csv_fields(check) -> list:
    """csv's check columns: the verdict, the element nearest its tolerance, its errors."""
    row = check.largest
    if row is None:
        return [check.status, "", "", ""]
    return [check.status, row.name, numbers.plain(float(row.abs_err)), numbers.plain(float(row.rel_err))]


def title(check) -> str:
    what = "Gradient check" if check.order == 1 else "Gradient check, second derivatives too"
    return (f"{what}: backward against central differences in float64 (eps {check.eps:g}, atol {check.atol:g}, "
            f"rtol {check.rtol:g}; {check.evaluations:,} evaluation{'s' * (check.evaluations != 1)}):")


def lines(check, width: int, digits: int) -> list:
    """The table: element, analytic, numeric, abs err, rel err, ok."""
    headers = ["element", "analytic", "numeric", "abs err", "rel err", "ok"]
    body = [[visible(row.name)] + [shown.number(float(getattr(row, key)), digits)
                                   for key in ("analytic", "numeric", "abs_err", "rel_err")] + [_SHOWN[row.status]]
            for row in check.rows]
    return table(headers, body, width, {1, 2, 3, 4}, styles=["variable"] + [None] * 5, fallback="records")


def verdict(check) -> list[str]:
    """The sentences after the table: each kink, then the outcome."""
    out = [kink.text() for kink in check.kinks]
    if not check.rows:
        out.append("no leaf requires grad: nothing to check")
    elif check.ok:
        kinked = sum(row.status == "kink" for row in check.rows)
        agree = len(check.rows) - kinked
        out.append(f"{agree} of {len(check.rows)} elements agree"
                   + (f"; {kinked} differ at a kink, where there is no derivative to agree with" if kinked else ""))
    else:
        out.append(check.error().message)
    return out
