"""The graph as a Mermaid flowchart, which GitHub draws inside a ```mermaid block in Markdown.

The same picture as the DOT output: inputs on the left, values and gradients on the nodes, the
gradient each edge carried back. Labels are quoted, and every character Mermaid or HTML could
read as syntax is written as a named HTML entity (&quot;, &num;, &lt; ...). Not as Mermaid's own
#quot; or #35;: Mermaid 11 leaves those undecoded in labels, and it would also misread a user's
`#35;` as one, which &num; prevents.
"""

from __future__ import annotations

from agrad.render.picture import ROLES, Picture

MAX_EDGES = 500  # Mermaid's default maxEdges: a bigger chart does not render

_ENTITIES = {"&": "&amp;", '"': "&quot;", "#": "&num;", "<": "&lt;", ">": "&gt;", "`": "&grave;",
             "|": "&vert;"}

_TABLE = str.maketrans(_ENTITIES)


def escape(text: str) -> str:
    """Text for a quoted Mermaid label: syntax characters as entities, new lines as <br/>."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_TABLE).replace("\n", "<br/>")


def _class(role: str) -> str:
    return role.replace("-", "_")


def render(picture: Picture) -> str:
    lines = ["flowchart LR"]
    for node in picture.nodes:
        label = escape("\n".join(picture.lines(node)))  # its new lines become <br/>
        lines.append(f'  n{node.id}["{label}"]')
    for edge in picture.edges:
        arrow = f'-->|"{escape(edge.label)}"|' if edge.label else "-->"
        lines.append(f"  n{edge.source} {arrow} n{edge.target}")
    for role in dict.fromkeys(n.role for n in picture.nodes):
        fill, border, dashed, _ = ROLES[role]
        extra = ",stroke-dasharray:5 3" if dashed else ""
        width = "2.5px" if role == "output" else "1.5px"
        lines.append(f"  classDef {_class(role)} fill:{fill},stroke:{border},stroke-width:{width},color:#1d2733{extra}")
        lines.append(f"  class {','.join(f'n{n.id}' for n in picture.nodes if n.role == role)} {_class(role)}")
    return "\n".join(lines)
