"""A layered drawing of the graph for the HTML page: inputs in the first column, the output in the
last, every edge pointing right (the Sugiyama method, kept small).

1. Layers: the longest path from the inputs fixes how many columns there are (an op sits
   right of its furthest input); then each op moves as far right as its users allow (one column
   left of its first user), so an op sits next to what uses it and the output's inputs sit in
   the column before it, where the page opens; constants and other non-input leaves sit just
   left of their first user. The variables stay in the first column.
2. An edge that spans several columns gets one bend point per column it crosses, so it can be
   routed between the nodes instead of through them.
3. Order in each column: from the output back, each node under its user, then sweeps that move
   each node to the mean position of its neighbours (the barycenter heuristic), keeping the
   order with the fewest crossings.
4. Heights: nodes pulled towards their neighbours, never closer than a fixed gap and never out of
   order (isotonic regression, solved exactly by pooling adjacent violators).

Positions are in rows (a node is one row tall) and columns; the page turns them into pixels once
it has measured each column's text. No recursion, so a deep graph lays out too.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BENDS = 6000  # beyond this many bend points, long edges are drawn straight (a huge graph)
SWEEPS = 8
SETTLE = 12  # rounds of pulling heights towards the neighbours
NODE, BEND = 1.0, 0.0  # heights, in rows
GAP_NODES, GAP_BEND = 0.35, 0.2  # the least space between two nodes, and next to a bend


@dataclass
class Layout:
    layer: list  # each node's column: 0 for inputs, the last for the output
    y: list  # each node's centre, in rows from the top
    bends: list  # each edge's bend points [(column, y)], in the order of edges(inputs)
    columns: int

    def height(self) -> float:
        ys = self.y + [y for route in self.bends for _, y in route]
        return (max(ys) + NODE / 2) if ys else 0.0


def edges(inputs: list) -> list:
    """(source, target, slot) for every argument of every node, in node then argument order."""
    return [(j, i, slot) for i, ins in enumerate(inputs) for slot, j in enumerate(ins)]


def layered(inputs: list, pinned: list) -> Layout:
    """Lay out nodes given each node's inputs (ids, nodes in evaluation order) and which leaves
    are pinned to the first column (the variables)."""
    n = len(inputs)
    if n == 0:
        return Layout([], [], [], 0)
    layer = _layers(inputs, pinned)
    columns = max(layer) + 1
    edge_list = edges(inputs)
    total_bends = sum(layer[t] - layer[s] - 1 for s, t, _ in edge_list)
    with_bends = total_bends <= MAX_BENDS

    # Vertices: the nodes, then the bend points; `level` is each one's column.
    level = list(layer)
    chains = []  # per edge: the vertices it passes, source first
    for s, t, _ in edge_list:
        chain = [s]
        if with_bends:
            for col in range(layer[s] + 1, layer[t]):
                chain.append(len(level))
                level.append(col)
        chain.append(t)
        chains.append(chain)
    preds: list[list] = [[] for _ in level]
    succs: list[list] = [[] for _ in level]
    for (s, t, slot), chain in zip(edge_list, chains):
        for a, b in zip(chain, chain[1:]):
            succs[a].append((b, slot))
            preds[b].append(a)

    rows = _order(level, columns, preds, succs, with_bends)
    y = _heights(rows, level, n, preds, succs)
    bends = [[(level[v], y[v]) for v in chain[1:-1]] for chain in chains]
    return Layout(layer, y[:n], bends, columns)


def _layers(inputs: list, pinned: list) -> list:
    layer = [0] * len(inputs)
    users: list[list] = [[] for _ in inputs]
    for i, ins in enumerate(inputs):
        if ins:
            layer[i] = 1 + max(layer[j] for j in ins)
        for j in ins:
            users[j].append(i)
    # As late as the users allow, from the output back (users come after their inputs): a
    # term of a long sum is drawn beside the addition that takes it, not in the first columns
    # with a long edge to it. The longest path already gave each op a column left of its users.
    for i in range(len(inputs) - 1, -1, -1):
        if users[i] and (inputs[i] or not pinned[i]):
            layer[i] = min(layer[u] for u in users[i]) - 1
    return layer


def _order(level: list, columns: int, preds: list, succs: list, with_bends: bool) -> list:
    """The vertices of each column, top to bottom."""
    rows: list[list] = [[] for _ in range(columns)]
    for v, col in enumerate(level):
        rows[col].append(v)
    pos = [0.0] * len(level)
    # First order: from the output back, each vertex under its first user, by argument.
    for col in range(columns - 1, -1, -1):
        row = rows[col]
        keys = {}
        for v in row:
            keys[v] = min(((pos[u], slot) for u, slot in succs[v]), default=(float("inf"), 0))
        row.sort(key=lambda v: keys[v])
        _number(row, pos)
    best = [list(r) for r in rows]
    best_crossings = _crossings(rows, pos, succs) if with_bends else 0
    for sweep in range(SWEEPS if best_crossings else 0):
        order = range(1, columns) if sweep % 2 == 0 else range(columns - 2, -1, -1)
        for col in order:
            row = rows[col]
            bary = {}
            for v in row:
                near = [pos[u] for u in preds[v]] if sweep % 2 == 0 else [_port(pos, u, slot) for u, slot in succs[v]]
                bary[v] = sum(near) / len(near) if near else pos[v]
            row.sort(key=lambda v: bary[v])
            _number(row, pos)
        crossings = _crossings(rows, pos, succs)
        if crossings < best_crossings:
            best, best_crossings = [list(r) for r in rows], crossings
            if crossings == 0:
                break
    return best


def _number(row: list, pos: list) -> None:
    # Positions as fractions of the column, so columns of different sizes compare.
    size = len(row)
    for k, v in enumerate(row):
        pos[v] = (k + 0.5) / size


def _port(pos: list, u: int, slot: int) -> float:
    # Where an edge meets its target: the target's position, then its argument (the page draws
    # argument 0 above argument 1), so two edges into one node can cross too.
    return pos[u] + slot * 1e-6


def _crossings(rows: list, pos: list, succs: list) -> int:
    """How many pairs of edges between neighbouring columns cross (inversions, by merge sort)."""
    total = 0
    for row in rows:
        pairs = sorted((pos[v], _port(pos, u, slot)) for v in row for u, slot in succs[v])
        total += _inversions([b for _, b in pairs])
    return total


def _inversions(seq: list) -> int:
    count = 0
    width = 1
    items = list(seq)
    n = len(items)
    while width < n:
        merged = []
        for lo in range(0, n, 2 * width):
            left, right = items[lo:lo + width], items[lo + width:lo + 2 * width]
            i = j = 0
            while i < len(left) and j < len(right):
                if right[j] < left[i]:
                    merged.append(right[j])
                    count += len(left) - i
                    j += 1
                else:
                    merged.append(left[i])
                    i += 1
            merged += left[i:] + right[j:]
        items = merged
        width *= 2
    return count


def _heights(rows: list, level: list, n: int, preds: list, succs: list) -> list:
    """Each vertex's y, in rows: pulled towards its neighbours, in order, never too close."""
    size = [NODE if v < n else BEND for v in range(len(level))]
    y = [0.0] * len(level)
    seps = []
    for row in rows:
        sep = [0.0] + [_separation(row[k - 1], row[k], n, size) for k in range(1, len(row))]
        offsets = []
        acc = 0.0
        for s in sep:
            acc += s
            offsets.append(acc)
        seps.append(offsets)
        mid = offsets[-1] / 2 if offsets else 0.0
        for v, c in zip(row, offsets):
            y[v] = c - mid
    for rnd in range(SETTLE):
        cols = range(len(rows)) if rnd % 2 == 0 else range(len(rows) - 1, -1, -1)
        for col in cols:
            row = rows[col]
            targets = []
            for v in row:
                if rnd % 3 == 0:
                    near = preds[v]
                elif rnd % 3 == 1:
                    near = [u for u, _ in succs[v]]
                else:
                    near = preds[v] + [u for u, _ in succs[v]]
                targets.append(sum(y[u] for u in near) / len(near) if near else y[v])
            for v, value in zip(row, _place(targets, seps[col])):
                y[v] = value
    top = min(y[v] - size[v] / 2 for v in range(len(level)))
    return [value - top for value in y]


def _separation(a: int, b: int, n: int, size: list) -> float:
    gap = GAP_NODES if a < n and b < n else GAP_BEND
    return (size[a] + size[b]) / 2 + gap


def _place(targets: list, offsets: list) -> list:
    """The heights closest to targets (least squares) with y[k+1] - y[k] >= the separations:
    with z = y - offset the constraint is z non-decreasing, an isotonic regression."""
    blocks: list[list] = []  # [mean, count]
    for t, c in zip(targets, offsets):
        blocks.append([t - c, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, c2 = blocks.pop()
            m1, c1 = blocks.pop()
            blocks.append([(m1 * c1 + m2 * c2) / (c1 + c2), c1 + c2])
    out = []
    k = 0
    for mean, count in blocks:
        for _ in range(count):
            out.append(mean + offsets[k])
            k += 1
    return out
