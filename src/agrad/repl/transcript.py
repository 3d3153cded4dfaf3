"""How a session looks: each input echoed after its prompt, its value on the same line, and what
else it gives below. The same text on a terminal (where the prompt_toolkit line is erased when
accepted and this text printed in its place) and in a pipe, so a lesson piped in reads as it
would on the screen.

The column rule: the value ends at column VALUE_END (30), right-aligned, so that short values
stand under one another whatever their input's length (`> :grad x` and `> y = (x + w) * 2`);
an input too long for that pushes the value right, two spaces after it; the grad_fn (or
`requires_grad=True`) follows the value after two spaces. Where the line would not fit the
terminal's width, the value goes on a line of its own below the input, indented two spaces.
"""

from __future__ import annotations

from agrad.render.visible import visible
from agrad.repl.reply import Reply

PROMPT = "> "
MORE = ". "  # the prompt of a continued line (an open bracket)
VALUE_END = 30  # the column a value ends in: `> y = (x + w) * 2` and a value of 10 still fit under it


def echo(source: str) -> list[str]:
    """The input's lines after their prompts, control characters shown, not obeyed."""
    lines = source.rstrip("\n").split("\n")
    return [(PROMPT if k == 0 else MORE) + visible(line) for k, line in enumerate(lines)]


def lay_out(source: str, reply: Reply, width: int | None = None) -> str:
    """The transcript of one input: its echo with the value on its last line, then the body.
    width: the terminal's columns (None: a pipe, where nothing is moved)."""
    lines = echo(source)
    if reply.value:
        shown = reply.value + ("  " + reply.note if reply.note else "")
        last = lines[-1]
        joined = last + " " * max(2, VALUE_END - len(last) - len(reply.value)) + shown
        if width is not None and len(joined) > width:
            lines.append("  " + shown)
        else:
            lines[-1] = joined
    if reply.body:
        lines.append(reply.body)
    return "\n".join(lines) + "\n"


def open_brackets(text: str) -> int:
    """How many ( and [ are still open at the end of `text` (comments left out): more than 0
    means the input goes on, on the next line."""
    depth = 0
    for line in text.split("\n"):
        for ch in line.split("#", 1)[0]:
            if ch in "([":
                depth += 1
            elif ch in ")]":
                depth -= 1
    return depth


def continues(text: str) -> bool:
    return not text.lstrip().startswith(":") and open_brackets(text) > 0
