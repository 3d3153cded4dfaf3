"""What `agrad minimize` prints: a line (or a JSON record) per printed step, the final point,
the loss curve in the terminal (plotext, imported only for --plot).

A step's text line is its fields, `step 10  loss 0.0123  x 2.98  y -0.996  d/dx -0.0234  d/dy 0.0156`,
with numbers rounded to --digits significant digits (render/shown.py; JSON is exact), wrapped
between fields (never inside one) to the terminal's width.
"""

from __future__ import annotations

import json

from agrad.render import shown
from agrad.render.visible import visible
from agrad.values import write as numbers

STOP_WORDS = {
    "steps": "ran the --steps {steps} steps",
    "gradient norm": "the gradient's norm {norm} is below --tol {tol}",
    "loss change": "the loss changed by {change} (less than --tol {tol})",
}


def _wrap(fields: list[str], width: int) -> str:
    lines, line = [], ""
    for field in fields:
        if line and len(line) + 2 + len(field) > width:
            lines.append(line)
            line = "    " + field
        else:
            line = f"{line}  {field}" if line else field
    lines.append(line)
    return "\n".join(lines) + "\n"


def step_text(step, digits: int, width: int) -> str:
    fields = [f"step {step.step}", f"loss {shown.number(step.loss, digits)}"]
    fields += [f"{visible(name)} {shown.value(value, digits)}" for name, value in step.values.items()]
    fields += [f"d/d{visible(name)} {shown.value(g, digits)}" for name, g in step.grads.items()]
    return _wrap(fields, width)


def header_text(optimizer: str, settings: dict, width: int) -> str:
    """The optimizer and its settings, torch's names: `sgd  lr 0.1  momentum 0.0 ...`."""
    fields = [optimizer] + [f"{key} {_setting(value)}" for key, value in settings.items()]
    return _wrap(fields, width)


def _setting(value) -> str:
    if isinstance(value, tuple):
        return ",".join(numbers.text(v) for v in value)
    if isinstance(value, bool):
        return "on" if value else "off"
    return numbers.text(float(value))


def stop_text(last, stop: str, tol: float, steps: int, previous_loss, digits: int, width: int) -> str:
    norm = shown.number(last.grad_norm, digits)
    change = shown.number(abs(last.loss - previous_loss), digits) if previous_loss is not None else "0"
    why = STOP_WORDS[stop].format(steps=steps, norm=norm, tol=numbers.text(tol), change=change)
    import textwrap

    sentence = textwrap.fill(f"stopped at step {last.step}: {why}", width, subsequent_indent="    ",
                             break_long_words=False, break_on_hyphens=False)  # (never inside a number or --tol)
    final = [f"final: loss {shown.number(last.loss, digits)}"]
    final += [f"{visible(name)} {shown.value(value, digits)}" for name, value in last.values.items()]
    return sentence + "\n" + _wrap(final, width)


def last_finite_text(last, digits: int, width: int) -> str:
    fields = [f"last finite point: step {last.step}", f"loss {shown.number(last.loss, digits)}"]
    fields += [f"{visible(name)} {shown.value(value, digits)}" for name, value in last.values.items()]
    return _wrap(fields, width)


def step_record(step) -> str:
    """`{"step": 10, "loss": ..., "values": {"x": ...}, "grads": {"x": ...}}`, numbers exact
    (inf, -inf and nan as strings, as agrad eval's JSON)."""
    return json.dumps({"step": step.step, "loss": numbers.json_value(step.loss),
                       "values": {k: numbers.json_value(v) for k, v in step.values.items()},
                       "grads": {k: numbers.json_value(v) for k, v in step.grads.items()}},
                      ensure_ascii=False) + "\n"


def final_record(last, stop: str, optimizer: str, settings: dict) -> str:
    """The last line of --format json: the final point, why the descent stopped, and the
    optimizer with its settings."""
    record = {"final": True, "stop": stop, "step": last.step if last is not None else None,
              "loss": numbers.json_value(last.loss) if last is not None else None,
              "values": {k: numbers.json_value(v) for k, v in last.values.items()} if last is not None else None,
              "grads": {k: numbers.json_value(v) for k, v in last.grads.items()} if last is not None else None,
              "optimizer": optimizer,
              "settings": {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}}
    return json.dumps(record, ensure_ascii=False) + "\n"


def loss_plot(steps: list[int], losses: list[float], width: int, color: bool) -> str:
    """The loss curve drawn by plotext, `width` columns wide; a log scale when the loss is
    positive and spans more than two decades (a descent's usual shape)."""
    import math

    import plotext as plt

    plt.clear_figure()
    plt.plotsize(max(30, width - 1), 18)
    finite = [(s, l) for s, l in zip(steps, losses) if math.isfinite(l)]
    xs, ys = [s for s, _ in finite], [l for _, l in finite]
    if ys and min(ys) > 0 and max(ys) / min(ys) > 100:
        plt.yscale("log")
    plt.plot(xs, ys, marker="braille", label="loss")
    plt.title("loss by step")
    plt.xlabel("step")
    if not color:
        plt.theme("clear")
    text = plt.build()
    plt.clear_figure()
    if not color:
        text = plt.uncolorize(text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
