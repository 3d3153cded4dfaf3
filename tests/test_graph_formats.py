"""agrad graph: DOT (checked with Graphviz's own `dot` where installed), Mermaid, and the HTML
page as a file (self-contained, user text escaped); the command line's options and errors.
The page in a real browser is tests/test_graph_page.py."""

import html
import json
import re
import shutil
import subprocess

import pytest

from agrad.render import dot as render_dot
from agrad.render import mermaid as render_mermaid
from agrad.evaluation.api import run
from agrad.render.picture import build
from conftest import missing_tool

TRICKY = '(2 # say "hi" \\ <b>&amp;</b> `|` #35;\n + 1) * θ'  # a literal's text holds a comment


def graph(cli, *args):
    r = cli("graph", *args)
    assert r.exit_code == 0, r.stderr
    return r.stdout


# -- DOT ------------------------------------------------------------------------------------------

def test_dot_labels_colours_and_edges(cli):
    out = graph(cli, "(x+w)*2", "--x", "3", "--w", "1")
    assert out.startswith("digraph agrad {\n") and out.endswith("}\n")
    assert 'n0 [label="x\\nleaf, requires_grad\\nvalue 3.0\\ngrad 2.0", fillcolor="#dcf3dc", color="#2e7d32"];' in out
    assert 'n2 [label="AddBackward0\\nx + w\\nvalue 4.0\\ngrad in 2.0", fillcolor="#e4eefc"' in out
    assert 'n3 [label="2\\nconstant\\nvalue 2.0\\nno grad", fillcolor="#efe9f8"' in out
    assert 'n4 [label="MulBackward0\\n(x + w) * 2\\nvalue 8.0\\ngrad in 1.0", fillcolor="#ffe8cc"' in out
    assert 'n2 -> n4 [label="grad 2.0 (×2.0)"' in out and "  n3 -> n4;\n" in out
    assert "rankdir=LR" in out and 'label="(x+w)*2  =  8.0"' in out


def test_dot_quoting():
    assert render_dot.quote('say "hi" \\ there\nnext') == '"say \\"hi\\" \\\\ there\\nnext"'
    assert render_dot.quote("a &lt; b & c") == '"a &amp;lt; b &amp; c"'
    assert render_dot.quote("θ") == '"θ"'


def _dot_svg(source):
    if shutil.which("dot") is None:
        missing_tool("Graphviz's dot is not installed (apt-get install graphviz)")
    done = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


def _svg_texts(svg):
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg)]


def test_dot_draws_with_graphviz(cli):
    texts = _svg_texts(_dot_svg(graph(cli, "a = x*w; a*a + x", "--x", "2", "--w", "3")))
    for shown in ["x", "grad 37.0", "a", "MulBackward0", "grad in 12.0", "a * a + x", "value 38.0", "grad 24.0 (×2.0)"]:
        assert shown in texts
    assert texts.count("grad 6.0 (×6.0)") == 2  # x*x style: two edges from a, each with its label


def test_dot_escapes_user_text_for_graphviz(cli):
    out = graph(cli, TRICKY, "--θ", "3")
    texts = _svg_texts(_dot_svg(out))
    # the literal's text comes out as written, line by line
    assert '(2 # say "hi" \\ <b>&amp;</b> `|` #35;' in texts and " + 1)" in texts
    assert "grad 3.0" in texts and "θ" in texts


# -- Mermaid --------------------------------------------------------------------------------------

def test_mermaid_flowchart(cli):
    out = graph(cli, "(x+w)*2", "--x", "3", "--w", "1", "--format", "mermaid")
    lines = out.splitlines()
    assert lines[0] == "flowchart LR"
    assert '  n0["x<br/>leaf, requires_grad<br/>value 3.0<br/>grad 2.0"]' in lines
    assert '  n4["MulBackward0<br/>(x + w) * 2<br/>value 8.0<br/>grad in 1.0"]' in lines
    assert '  n2 -->|"grad 2.0 (×2.0)"| n4' in lines and "  n3 --> n4" in lines
    assert "  class n0,n1 input" in lines and "  class n4 output" in lines
    assert "  classDef output fill:#ffe8cc,stroke:#d9730d,stroke-width:2.5px,color:#1d2733" in lines


def test_mermaid_escaping():
    assert render_mermaid.escape('a "q" #35; <b>&</b> `t` | \\') == \
        "a &quot;q&quot; &num;35; &lt;b&gt;&amp;&lt;/b&gt; &grave;t&grave; &vert; \\"
    assert render_mermaid.escape("one\ntwo") == "one<br/>two"
    p = build(run(TRICKY, {"θ": 3}, trace=True))
    out = render_mermaid.render(p)
    body = [line for line in out.splitlines() if line.startswith("  n")]
    for line in body:  # no raw quote, bracket or syntax character inside any label
        label = re.search(r'"(.*)"', line)
        if label:
            assert not re.search(r'["<>`|]|#(?!\w)', label.group(1).replace("<br/>", ""))
    assert "θ<br/>leaf, requires_grad" in out


def test_mermaid_warns_past_its_edge_limit(cli):
    source = " + ".join(f"x*{k}" for k in range(130))  # 130 products and 129 sums: 518 edges
    r = cli("graph", source, "--x", "1", "-F", "mermaid")
    assert r.exit_code == 0 and r.stdout.startswith("flowchart LR")
    assert "agrad: warning: this graph has 518 edges; Mermaid (and GitHub) draws at most 500" in r.stderr


# -- HTML, as a file ------------------------------------------------------------------------------

def page_data(page):
    scripts = re.findall(r'<script id="agrad-data" type="application/json">(.*?)</script>', page, re.S)
    assert len(scripts) == 1
    return json.loads(scripts[0])


def test_html_is_one_self_contained_file(cli, tmp_path):
    target = tmp_path / "g.html"
    r = cli("graph", "(x+w)*2", "--x", "3", "--w", "1", "-o", str(target))
    assert r.exit_code == 0 and r.stdout == ""
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in page  # the page itself forbids any load
    for outside in ["<link", "@import", "src=", "href=", "url(http", "//cdn", "fetch(", "XMLHttpRequest"]:
        assert outside not in page
    # the only URLs are the SVG namespace (a name, never fetched)
    assert set(re.findall(r"https?://[^\s\"')]+", page)) == {"http://www.w3.org/2000/svg"}
    data = page_data(page)
    assert [n["value"] for n in data["picture"]["nodes"]] == ["3.0", "1.0", "4.0", "2.0", "8.0"]
    assert data["layout"]["layer"] == [0, 0, 1, 1, 2]


def test_html_user_text_cannot_break_out(cli):
    source = "x * 2 # </script><script>document.title='pwned'</script><!-- __AGRAD_DATA__ __AGRAD_TITLE__"
    page = graph(cli, source, "--x", "1", "-F", "html")
    assert page.count("</script>") == 2  # the data and the page's own script, nothing else
    assert "<script>document.title" not in page and "<!--" not in page.split("<body>")[1]
    assert page_data(page)["picture"]["source"] == source  # the JSON reads back exactly
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert html.unescape(title) == "agrad graph: " + source


def test_format_from_the_output_name(cli, tmp_path):
    for name, start in [("g.dot", "digraph"), ("g.gv", "digraph"), ("g.mmd", "flowchart"),
                        ("g.HTML", "<!DOCTYPE html>")]:
        cli("graph", "x*2", "--x", "1", "-o", str(tmp_path / name))
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(start), name
    # an extension agrad does not write is a usage error (it used to get DOT text), unless
    # --format says what to write
    r = cli("graph", "x*2", "--x", "1", "-o", str(tmp_path / "g.txt"))
    assert r.exit_code == 2 and not (tmp_path / "g.txt").exists()
    assert "usage error" in r.stderr and ".dot, .gv, .mmd, .mermaid, .html, .htm, .png, .svg, .pdf" in r.stderr
    cli("graph", "x*2", "--x", "1", "-o", str(tmp_path / "g.txt"), "-F", "mermaid")
    assert (tmp_path / "g.txt").read_text(encoding="utf-8").startswith("flowchart")
    cli("graph", "x*2", "--x", "1", "-o", str(tmp_path / "forced.html"), "-F", "dot")
    assert (tmp_path / "forced.html").read_text(encoding="utf-8").startswith("digraph")


# -- the command line -----------------------------------------------------------------------------

def test_graph_takes_evals_bindings_and_options(cli, tmp_path):
    assert "value 6.0" in graph(cli, "x*w", "--x=2", "--var", "w=3")
    assert 'label="format\\nleaf, requires_grad\\nvalue 4.0' in graph(cli, "format * 2", "--var", "format=4")
    out = graph(cli, "x*w", "--x", "2", "--w", "3", "--no-grad", "w")
    assert 'n1 [label="w\\nleaf, no grad\\nvalue 3.0\\nno grad"' in out
    assert "grad 4.0 (retained)" in graph(cli, "a = x*2; a*a", "--x", "1", "--retain-grad", "a")
    assert 'label="x\\nleaf, requires_grad\\nvalue 3.0\\ngrad 20.0"' in graph(cli, "x*2", "--x", "3", "--hook", "x=g*10")
    program = tmp_path / "p.agrad"
    program.write_text("a = x + w\ny = a * 2\n", encoding="utf-8")
    assert "grad in 2.0" in graph(cli, "-f", str(program), "--x", "3", "--w", "1")
    assert "value 0.30000001192092896" in graph(cli, "x + w", "--x", "0.1", "--w", "0.2", "--dtype", "float32")
    assert "value -9.0" in graph(cli, "-x^2", "--x", "3")


def test_graph_errors_are_one_line(cli, tmp_path):
    r = cli("graph", "x +* 2", "--x", "1")
    assert r.exit_code == 2 and r.stderr.splitlines()[0].startswith("agrad: syntax error: unexpected '*'")
    r = cli("graph", "x*w", "--x", "1")
    assert r.exit_code == 2 and r.stderr == "agrad: unbound error: variable 'w' has no value: add --w VALUE\nx*w\n  ^\n"
    r = cli("graph", "x", "--x", "1", "-o", str(tmp_path / "missing" / "g.html"))
    assert r.exit_code == 2 and r.stderr == f"agrad: value error: cannot write {tmp_path / 'missing' / 'g.html'}: " \
                                            "No such file or directory\n"
    r = cli("graph", "x", "--x", "1", "-F", "gif")
    assert r.exit_code == 2 and "'gif' is not one of" in r.stderr


def test_evals_own_options_are_refused_not_bound(cli):
    r = cli("graph", "x*2", "--x", "1", "--trace")
    assert r.exit_code == 2 and "No such option: --trace" in r.stderr
    assert "No such option: --backward" in cli("graph", "x*2", "--x", "1", "--backward", "2").stderr
    assert 'label="trace\\nleaf' in graph(cli, "trace*2", "--var", "trace=1")
    # and eval still takes a variable named like graph's own --output
    assert json.loads(cli("eval", "output*2", "--output", "3", "-F", "json").stdout)["grads"] == {"output": 2.0}


def test_graph_of_constants_and_of_a_lone_leaf(cli):
    assert 'n0 [label="2*pi\\nconstant\\nvalue 6.283185307179586\\nno grad", fillcolor="#ffe8cc"' in graph(cli, "2*pi")
    assert 'n0 [label="x\\nleaf, requires_grad\\nvalue 5.0\\ngrad 1.0"' in graph(cli, "x", "--x", "5")


# -- vectors ----------------------------------------------------------------------------------------

def test_dot_and_mermaid_of_vector_expressions_show_evals_vectors(cli):
    # issue 8: the three formats work for vector expressions; the numbers are eval's (here by hand:
    # x*2 at x = [1, 2] backpropagated from [1, 0.5] gives x.grad = [2, 1]; sum(x*w) gives x.grad = w)
    expected = json.loads(cli("eval", "x*2", "--x", "1,2", "--gradient", "1,0.5", "--format", "json").stdout)
    assert expected["grads"] == {"x": [2.0, 1.0]} and expected["value"] == [2.0, 4.0]
    dot = graph(cli, "x*2", "--x", "1,2", "--gradient", "1,0.5")
    texts = _svg_texts(_dot_svg(dot))
    for shown in ["x", "value [1.0, 2.0]", "grad [2.0, 1.0]", "MulBackward0", "value [2.0, 4.0]",
                  "grad in [1.0, 0.5]", "grad [2.0, 1.0] (×[2.0, 2.0])"]:
        assert shown in texts, shown
    assert 'label="x*2  =  [2.0, 4.0]"' in dot
    mermaid = graph(cli, "sum(x*w)", "--x", "1,2", "--w", "3,4", "--format", "mermaid").splitlines()
    assert mermaid[0] == "flowchart LR"
    assert '  n0["x<br/>leaf, requires_grad<br/>value [1.0, 2.0]<br/>grad [3.0, 4.0]"]' in mermaid
    assert '  n1["w<br/>leaf, requires_grad<br/>value [3.0, 4.0]<br/>grad [1.0, 2.0]"]' in mermaid
    assert '  n3["SumBackward0<br/>sum(x * w)<br/>value 11.0<br/>grad in 1.0"]' in mermaid
    assert '  n2 -->|"grad [1.0, 1.0] (×[1.0, 1.0])"| n3' in mermaid
    texts = _svg_texts(_dot_svg(graph(cli, "sum(x*w)", "--x", "1,2", "--w", "3,4")))
    assert "SumBackward0" in texts and "value 11.0" in texts and "grad [1.0, 2.0]" in texts


def test_long_vectors_are_abbreviated_in_the_pictures(cli):
    out = graph(cli, "x*2", "--x", ",".join(str(i) for i in range(20)), "--gradient", ",".join(["1"] * 20),
                "--format", "mermaid")
    assert "value [0.0, 1.0, 2.0, …, 17.0, 18.0, 19.0]" in out
    _dot_svg(graph(cli, "x*2", "--x", ",".join(str(i) for i in range(20)), "--gradient", ",".join(["1"] * 20)))
