"""The graph as Graphviz DOT source (`dot -Tsvg` draws it; agrad itself needs no Graphviz).

Inputs on the left, the output on the right; each node labelled with its name or grad_fn, its
value and its gradient; after the backward pass each edge says the gradient it carried back and
the local derivative it was multiplied by. Colours tell inputs, constants, ops and the output
apart. User text (names can be any letters; a literal's text can hold a comment) is escaped.
"""

from __future__ import annotations

from agrad.render.picture import ROLES, Picture

FONT = "DejaVu Sans Mono,monospace"
# Graphviz refuses a quoted string longer than 16,384 bytes ("syntax error ... longer than
# 16384?"): a long source in the title, or a long name, is cut to this many characters.
MAX_LABEL = 2000


def _fit(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "…"


def quote(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, new lines as DOT line breaks,
    and & as &amp; (Graphviz reads HTML entities such as &lt; in any label)."""
    text = text.replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return '"' + text.replace("\n", "\\n") + '"'


def render(picture: Picture) -> str:
    lines = [
        "digraph agrad {",
        f"  graph [rankdir=LR, labelloc=t, fontname={quote(FONT)}, fontsize=13, nodesep=0.25, ranksep=0.55,",
        f"         label={quote(_fit(picture.source.strip()) + '  =  ' + picture.value)}];",
        f"  node [shape=box, style=\"rounded,filled\", fontname={quote(FONT)}, fontsize=11, penwidth=1.4];",
        f"  edge [fontname={quote(FONT)}, fontsize=9, color=\"#8795a3\", arrowsize=0.7];",
    ]
    for node in picture.nodes:
        fill, border, dashed, _ = ROLES[node.role]
        style = ', style="rounded,filled,dashed"' if dashed else ""
        width = ", penwidth=2.6" if node.role == "output" else ""
        lines.append(f"  n{node.id} [label={quote(chr(10).join(_fit(line) for line in picture.lines(node)))}, fillcolor=\"{fill}\", "
                     f"color=\"{border}\"{style}{width}];")
    for edge in picture.edges:
        attrs = f" [label={quote(_fit(edge.label))}, fontcolor=\"#7a3f00\", color=\"#d9730d\"]" if edge.label else ""
        lines.append(f"  n{edge.source} -> n{edge.target}{attrs};")
    lines.append("}")
    return "\n".join(lines)
