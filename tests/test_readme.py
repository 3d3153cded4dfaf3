"""The README stays true: its test command is the one CI runs, and its console examples print
what agrad prints."""

import re
import shlex
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


def _console_examples():
    for block in re.findall(r"```console\n(.*?)```", README, re.S):
        command, expected = None, []
        for line in block.rstrip("\n").splitlines():
            if line.startswith("$ "):
                if command is not None:
                    yield command, expected
                command, expected = line[2:], []
            else:
                expected.append(line)
        yield command, expected


@pytest.mark.parametrize("command, expected", list(_console_examples()))
def test_console_examples(cli, command, expected):
    args = shlex.split(command)
    assert args[0] == "agrad"
    r = cli(*args[1:])
    shown = (r.stdout or r.stderr).rstrip("\n").splitlines()
    assert [line.rstrip() for line in shown] == [line.rstrip() for line in expected]


def test_shell_examples(cli):
    assert cli("eval", "x^2*sin(w)", "--x", "2", "--w", "0", "--format", "json").stdout.endswith(
        '"grads": {"x": 0.0, "w": 4.0}}\n')
    assert cli("eval", "x*w", "--x", "3", "--w", "2", "--format", "plain").stdout == "6.0\t2.0\t3.0\n"
    assert cli("eval", "sqrt(x)", "--x", "4", "--grad", "x").stdout == "0.25\n"


def test_mermaid_example_is_what_agrad_graph_prints(cli):
    (block,) = re.findall(r"```mermaid\n(.*?)```", README, re.S)
    shown = re.search(r"This is `(agrad graph [^`]*)`", README).group(1)
    assert cli(*shlex.split(shown)[1:]).stdout == block


def test_pictures_exist():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert pictures == ["docs/graph-dot.svg", "docs/graph-page.png"]
    assert (ROOT / pictures[0]).read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert (ROOT / pictures[1]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
