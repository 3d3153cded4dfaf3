"""`agrad graph`'s files: images drawn by Graphviz (or one line saying how to get one), a bounded
`dot`, files written whole (atomically), the picture limit, DOT that Graphviz reads whatever the
names' length, and an index drawn as part of its indexing node."""

import os
import re
import shutil
import stat
import subprocess
import sys
import threading

import pytest
from conftest import agrad_command, missing_tool


def needs_dot():
    if shutil.which("dot") is None:
        missing_tool("Graphviz's dot is not installed (apt-get install graphviz)")


@pytest.mark.parametrize("name, check", [
    ("g.png", lambda b: b[:8] == b"\x89PNG\r\n\x1a\n"),
    ("g.svg", lambda b: re.search(rb"<svg\b[^>]*xmlns=\"http://www.w3.org/2000/svg\"", b) is not None),
    ("g.pdf", lambda b: b[:5] == b"%PDF-"),
])
def test_images_are_drawn_by_graphviz(run_agrad, tmp_path, name, check):
    needs_dot()
    r = run_agrad("graph", "x^2", "--x", "3", "-o", name, cwd=tmp_path)
    assert r.returncode == 0 and r.stderr == b""
    data = (tmp_path / name).read_bytes()
    assert check(data) and b"digraph" not in data
    if name.endswith(".svg"):  # the picture holds the graph's numbers: x^2 at 3 is 9, x.grad is 6
        assert b"value 9.0" in data and b"grad 6.0" in data


def test_an_image_format_to_a_pipe(run_agrad):
    needs_dot()
    r = run_agrad("graph", "x^2", "--x", "3", "--format", "svg")
    assert r.returncode == 0 and b"<svg" in r.stdout


def _bin_with(tmp_path, script: str | None) -> dict:
    """An environment whose PATH has only a fake `dot` (or no dot at all)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if script is not None:
        (bin_dir / "dot").write_text("#!/bin/sh\n" + script)
        (bin_dir / "dot").chmod(0o755)
    return {**os.environ, "PATH": str(bin_dir)}


def test_without_graphviz_an_image_is_one_line_saying_what_to_do(tmp_path):
    r = subprocess.run(agrad_command() + ["graph", "x^2", "--x", "3", "-o", "g.png"], cwd=tmp_path,
                       env=_bin_with(tmp_path, None), capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == ("agrad: usage error: a .png image is drawn by Graphviz's dot, which is not installed: "
                        "install Graphviz (apt-get install graphviz), or write .dot, .mmd or .html\n")
    assert os.listdir(tmp_path) == ["bin"]


def test_a_dot_that_fails_or_hangs_is_one_line_and_leaves_no_file(tmp_path):
    env = _bin_with(tmp_path, "/bin/cat >/dev/null; echo 'Error: out of cheese' >&2; exit 3\n")
    r = subprocess.run(agrad_command() + ["graph", "x^2", "--x", "3", "-o", "g.svg"], cwd=tmp_path, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 1 and r.stderr == ("agrad: compute error: Graphviz's dot failed to draw the .svg image "
                                              "(exit status 3): Error: out of cheese\n")
    (tmp_path / "bin" / "dot").write_text("#!/bin/sh\nexec /bin/sleep 60\n")
    r = subprocess.run(agrad_command() + ["graph", "x^2", "--x", "3", "-o", "g.svg", "--max-dot-seconds", "1"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and r.stderr == (
        "agrad: limit error: Graphviz's dot did not draw the .svg image within 1 s and was stopped "
        "(--max-dot-seconds N raises the limit; or write .dot and run dot yourself)\n")
    assert os.listdir(tmp_path) == ["bin"]


def test_an_unknown_extension_is_a_usage_error_listing_what_agrad_writes(run_agrad, tmp_path):
    r = run_agrad("graph", "x^2", "--x", "3", "-o", "g.jpg", cwd=tmp_path)
    assert r.returncode == 2 and os.listdir(tmp_path) == []
    assert r.stderr.decode() == ("agrad: usage error: -o g.jpg: agrad graph writes .dot, .gv, .mmd, .mermaid, .html, "
                                 ".htm, .png, .svg, .pdf files; name the file with one of them, or give --format\n")


def test_twenty_agrads_writing_one_file_leave_one_whole_file(tmp_path):
    source = " + ".join(f"sin(x*{k})" for k in range(60))
    cmd = agrad_command() + ["graph", source, "--x", "0.5", "-o", "same.html"]
    want = subprocess.run(agrad_command() + ["graph", source, "--x", "0.5", "--format", "html"],
                          capture_output=True, check=True).stdout
    procs = [subprocess.Popen(cmd, cwd=tmp_path) for _ in range(20)]
    assert [p.wait(120) for p in procs] == [0] * 20
    assert (tmp_path / "same.html").read_bytes() == want
    assert os.listdir(tmp_path) == ["same.html"]  # no temporary file left behind
    assert stat.S_IMODE(os.stat(tmp_path / "same.html").st_mode) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_a_failed_write_leaves_the_target_as_it_was_and_no_temporary_file(tmp_path, monkeypatch):
    from agrad.render.files import write_atomically

    target = tmp_path / "g.dot"
    target.write_text("before")

    class Boom(Exception):
        pass

    def fail(*args):
        raise Boom()

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(Boom):
        write_atomically(str(target), b"after")
    assert target.read_text() == "before" and os.listdir(tmp_path) == ["g.dot"]


def test_an_unwritable_target_is_one_clear_line(run_agrad, tmp_path):
    (tmp_path / "taken.html").mkdir()
    r = run_agrad("graph", "x", "--x", "1", "-o", "taken.html", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.decode() == "agrad: value error: cannot write taken.html: Is a directory\n"
    assert sorted(os.listdir(tmp_path)) == ["taken.html"]


def test_the_page_and_images_are_refused_past_the_picture_limit_and_dot_is_not(run_agrad, tmp_path):
    source = "+".join(["x"] * 30)  # 30 nodes: x and 29 additions
    r = run_agrad("graph", source, "--x", "1", "-o", "g.html", "--max-picture-nodes", "29", cwd=tmp_path)
    assert r.returncode == 2 and os.listdir(tmp_path) == []
    assert r.stderr.decode() == ("agrad: limit error: the graph has 30 nodes, more than the 29 that an HTML page "
                                 "draws (--max-picture-nodes N raises the limit); --format dot or mermaid writes "
                                 "any size\n")
    r = run_agrad("graph", source, "--x", "1", "-o", "g.png", "--max-picture-nodes", "29", cwd=tmp_path)
    assert r.returncode == 2 and b"that a .png image draws" in r.stderr
    assert run_agrad("graph", source, "--x", "1", "-o", "g.html", "--max-picture-nodes", "30",
                     cwd=tmp_path).returncode == 0
    r = run_agrad("graph", source, "--x", "1", "--max-picture-nodes", "29")
    assert r.returncode == 0 and r.stdout.count(b"->") == 58


def test_the_default_picture_limit(run_agrad):
    from agrad.limits import MAX_PICTURE_NODES

    r = run_agrad("graph", "+".join(["x"] * (MAX_PICTURE_NODES + 1)), "--x", "1", "--format", "html")
    assert r.returncode == 2 and f"more than the {MAX_PICTURE_NODES} that an HTML page draws".encode() in r.stderr


def test_dot_of_a_long_name_is_read_by_graphviz(run_agrad):
    needs_dot()
    name = "a" * 20000  # Graphviz refuses a quoted string over 16,384 bytes
    dot_text = run_agrad("graph", f"{name}*2", "--var", f"{name}=3").stdout
    r = subprocess.run(["dot", "-Tsvg"], input=dot_text, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert b"value 6.0" in r.stdout


def test_an_index_is_part_of_its_indexing_node(run_agrad):
    mermaid = run_agrad("graph", "v[0]*2 + v[-1]", "--v", "1,2", "--format", "mermaid").stdout.decode()
    labels = re.findall(r'^  n\d+\["(.*?)"\]$', mermaid, re.M)
    assert labels == ["v<br/>leaf, requires_grad<br/>value [1.0, 2.0]<br/>grad [2.0, 1.0]",
                      "SelectBackward0<br/>v[0]<br/>value 1.0<br/>grad in 2.0",
                      "2<br/>constant<br/>value 2.0<br/>no grad",
                      "MulBackward0<br/>v[0] * 2<br/>value 2.0<br/>grad in 1.0",
                      "SelectBackward0<br/>v[-1]<br/>value 2.0<br/>grad in 1.0",
                      "AddBackward0<br/>v[0] * 2 + v[-1]<br/>value 4.0<br/>grad in 1.0"]
    assert "n0 -->" in mermaid and mermaid.count("-->") == 6  # v twice, each select on, 2, and the mul into the sum
    dot = run_agrad("graph", "v[0]*2", "--v", "1,2").stdout.decode()
    assert dot.count("constant") == 1 and "v[0]" in dot
    tree = run_agrad("eval", "v[0]*2", "--v", "1,2", env={**os.environ, "NO_COLOR": "1"}).stdout.decode()
    assert "SelectBackward0  v[0] = 1.0" in tree and "── 0 " not in tree and tree.count("(constant)") == 1
    json_out = run_agrad("eval", "v[0]*2", "--v", "1,2", "-F", "json").stdout
    assert json_out == b'{"expr": "v[0]*2", "value": 2.0, "grad_fn": "MulBackward0", "grads": {"v": [2.0, 0.0]}}\n'


def test_the_page_of_an_indexing_node_says_its_index():
    from agrad.evaluation.api import run
    from agrad.render.picture import build

    picture = build(run("v[1]*3", {"v": [1.0, 5.0]}, trace=True))
    assert [n.title for n in picture.nodes] == ["v", "SelectBackward0", "3", "MulBackward0"]
    assert picture.forward[1].words[0] == "v[1] = [1.0, 5.0][1] = 5.0"
    assert [(e.source, e.target) for e in picture.edges] == [(0, 1), (1, 3), (2, 3)]
    assert picture.nodes[0].grad == "[0.0, 3.0]"
