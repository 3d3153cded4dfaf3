import math
import os
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from agrad.cli import app, rewrite_argv


class CLIResult:
    def __init__(self, result):
        self.stdout = result.stdout
        self.stderr = result.stderr
        self.exit_code = result.exit_code
        self.exception = result.exception


@pytest.fixture
def cli():
    """Run agrad's command line in-process, the way `main` does (argv rewriting included)."""
    runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "200"})

    def run(*args, input=None):
        result = runner.invoke(app, rewrite_argv(list(args)), input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return CLIResult(result)

    return run


def same_float(a, b, rel=1e-12, abs_=1e-300):
    """Equal as torch prints them: nan matches nan, infinities by sign, finite numbers closely."""
    if a is None or b is None:
        return a is None and b is None
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def missing_tool(reason):
    """Skip a test whose outside tool (Graphviz, Chromium) is not installed; but fail where
    AGRAD_REQUIRE_TOOLS=1 (set by .ci/run, which installs them), so CI cannot skip them unseen."""
    import os

    if os.environ.get("AGRAD_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{reason} (AGRAD_REQUIRE_TOOLS=1: .ci/run installs it)")
    pytest.skip(reason)


def agrad_command() -> list[str]:
    """The installed agrad command (the console script beside this Python), else python -m agrad."""
    exe = shutil.which("agrad", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "agrad"]


@pytest.fixture
def agrad_exe():
    return agrad_command()


@pytest.fixture
def run_agrad():
    """Run the installed agrad as a real subprocess: bytes on stdin, a CompletedProcess with
    bytes stdout and stderr back."""

    def run(*args, input=b"", timeout=120, cwd=None, env=None):
        if isinstance(input, str):
            input = input.encode("utf-8")
        return subprocess.run(agrad_command() + list(args), input=input, capture_output=True,
                              timeout=timeout, cwd=cwd, env=env)

    return run
