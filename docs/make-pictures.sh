#!/usr/bin/env bash
# Remakes the README's pictures of `agrad graph`: docs/graph-dot.svg (the DOT output drawn by
# Graphviz), docs/graph-page.png (the HTML page at the second step of the backward pass, shot
# by headless Chromium) and docs/graph-page-big.png (a 75-node polynomial's first screen at
# 1400x900: the output, its inputs and the minimap). Needs agrad on PATH, graphviz and chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
agrad graph "(x+w)*2" --x 3 --w 1 --format dot | dot -Tsvg -o docs/graph-dot.svg
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
agrad graph "(x+w)*2" --x 3 --w 1 -o "$work/graph.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-background-networking \
    --force-prefers-reduced-motion --user-data-dir="$work/profile" --window-size=1240,640 \
    --screenshot="$PWD/docs/graph-page.png" "file://$work/graph.html#step=7" 2>/dev/null
poly=$(python3 -c 'print(" + ".join(f"x^{k}*w" for k in range(1, 19)) + " + 1")')
agrad graph "$poly" --x 0.5 --w 2 -o "$work/big.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-background-networking \
    --force-prefers-reduced-motion --user-data-dir="$work/profile" --window-size=1400,900 \
    --screenshot="$PWD/docs/graph-page-big.png" "file://$work/big.html" 2>/dev/null
