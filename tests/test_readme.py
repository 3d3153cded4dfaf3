"""The README stays true: its test command is the one CI runs, and its console examples print
what agrad prints."""

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _sh_blocks():
    return re.findall(r"```sh\n(.*?)```", README, re.S)


def test_ci_runs_the_readme_test_command():
    test_command = next(line for block in _sh_blocks() for line in block.splitlines() if "pytest" in line)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_install_command_runs_the_example():
    install = next(line for block in _sh_blocks() for line in block.splitlines() if "pip install . " in line)
    assert install.endswith('agrad eval "(x+w)*2" --x 3 --w 1')


def _dollar_examples(blocks):
    """Each `$ COMMAND` line of the blocks, with the lines it prints."""
    for block in blocks:
        command, expected = None, []
        for line in block.rstrip("\n").splitlines():
            if line.startswith("$ "):
                if command is not None:
                    yield command, expected
                command, expected = line[2:], []
            else:
                expected.append(line)
        yield command, expected


def _console_examples():
    return _dollar_examples(re.findall(r"```console\n(.*?)```", README, re.S))


@pytest.mark.parametrize("command, expected", list(_console_examples()))
def test_console_examples(cli, command, expected):
    args = shlex.split(command)
    assert args[0] == "agrad"
    stdin = None
    if "<" in args:  # `agrad repl < docs/repl-lesson.txt`: a file of the repository on stdin
        stdin = (ROOT / args[-1]).read_text(encoding="utf-8")
        args = args[:args.index("<")]
    r = cli(*args[1:], input=stdin)
    shown = (r.stdout or r.stderr).rstrip("\n").splitlines()
    assert shown == expected  # trailing blanks included


def _shell_examples():
    """`$ COMMAND` lines of the sh blocks, each with the lines it prints."""
    return _dollar_examples(block for block in _sh_blocks() if block.startswith("$ "))


def _agrad_env():
    from conftest import agrad_command

    command = agrad_command()
    if len(command) != 1:
        pytest.skip("agrad is not installed as a command")
    return {**os.environ, "PATH": os.path.dirname(command[0]) + os.pathsep + os.environ.get("PATH", ""),
            "NO_COLOR": "1"}


@pytest.mark.parametrize("command, expected", list(_shell_examples()))
def test_shell_examples(command, expected, tmp_path):
    """Run in bash, pipes and jq included, as a reader would type them."""
    if "jq" in command and shutil.which("jq") is None:
        from conftest import missing_tool

        missing_tool("jq is not installed (apt-get install jq)")
    r = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=_agrad_env(), capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout == "".join(line + "\n" for line in expected)


def test_every_sh_block_is_checked():
    """Each sh block is a synopsis, a tested command, or a command another test runs (install and
    test commands, the scaling recipes, the fuzz run)."""
    synopses = [b for b in _sh_blocks() if b.startswith(("agrad eval EXPR", "agrad graph EXPR", "agrad plot EXPR"))]
    shell = [b for b in _sh_blocks() if b.startswith("$ ")]
    graph = [b for b in _sh_blocks() if b.startswith("agrad graph \"")]
    others = [b for b in _sh_blocks() if b not in synopses + shell + graph]
    assert [b.split()[0] for b in others] == ["python3", "python3", "parallel", "printf", "mapred", "python"]
    assert len(graph) == 2 and len(synopses) == 3 and len(shell) == 1


def test_graph_examples_write_what_they_say(tmp_path):
    from conftest import missing_tool

    env = _agrad_env()
    for block in [b for b in _sh_blocks() if b.startswith("agrad graph \"")]:
        command = block.strip()
        if "dot -T" in command and shutil.which("dot") is None:
            missing_tool("Graphviz's dot is not installed (apt-get install graphviz)")
        r = subprocess.run(["bash", "-c", "set -o pipefail; " + command], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and r.stderr == ""
    assert "<svg" in (tmp_path / "graph.svg").read_text() and "value 8.0" in (tmp_path / "graph.svg").read_text()
    assert (tmp_path / "graph.html").read_text().startswith("<!DOCTYPE html>")


def _python_checks():
    """Each line of the API examples whose comment is a value (`r.value  # 8.0`) or a comparison
    (`# y.grad_fn.name() == 'PowBackward0'`), with the block's lines before it."""
    for block in re.findall(r"```python\n(.*?)```", README, re.S):
        if "pyspark" in block:
            continue  # Spark's recipe: tests/test_recipes.py checks the contract it relies on
        yield block


@pytest.mark.parametrize("block", list(_python_checks()))
def test_python_examples(block):
    """The API examples run, and each comment that states a value or a comparison holds."""
    import ast

    namespace: dict = {}
    exec("import agrad", namespace)
    statements: list[list] = []  # [code, [comments]]: a compound statement takes its indented lines
    for line in block.splitlines():
        code, _, comment = line.partition("  #")
        if not code.strip() and not line.startswith(" "):
            continue
        if line.startswith(" ") and statements and statements[-1][0].rstrip().endswith(":") or \
                (line.startswith(" ") and statements and "\n" in statements[-1][0]):
            statements[-1][0] += "\n" + code.rstrip()
        elif code.strip():
            statements.append([code.strip(), []])
        else:
            continue
        if comment.strip():
            statements[-1][1].append((code.strip(), comment.strip()))
    checked = 0
    for code, comments in statements:
        exec(compile(code + "\n", "README", "exec"), namespace)
        for line, comment in comments:
            target = line.split("=")[0].strip() if re.match(r"^\w+\s*=[^=]", line) else line
            if " == " in comment.split(":")[0]:
                assert eval(comment.split(":")[0], namespace), comment
                checked += 1
                continue
            for end in range(len(comment), 0, -1):  # the longest prefix that is a literal: the value
                try:
                    value = ast.literal_eval(comment[:end])
                except (ValueError, SyntaxError):
                    continue
                assert eval(target, namespace) == value, (line, comment)
                checked += 1
                break
    assert checked >= 2
def test_mermaid_example_is_what_agrad_graph_prints(cli):
    (block,) = re.findall(r"```mermaid\n(.*?)```", README, re.S)
    shown = re.search(r"This is `(agrad graph [^`]*)`", README).group(1)
    assert cli(*shlex.split(shown)[1:]).stdout == block


def test_pictures_exist():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert pictures == ["docs/graph-dot.svg", "docs/graph-page.png", "docs/graph-page-big.png"]
    assert (ROOT / pictures[0]).read_text(encoding="utf-8").lstrip().startswith("<?xml")
    for png in pictures[1:]:
        assert (ROOT / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
