"""The README's shell recipes, run in bash as they stand with the installed agrad on PATH, and
the contract the scaling examples rely on (the input split into parts, each part through its
own agrad, gives the whole run's results in order)."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import missing_tool

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
RECIPES = re.findall(r"```bash\n(.*?)```\n\n```text\n(.*?)```", README, re.S)


def _env(agrad_exe):
    path = os.path.dirname(agrad_exe[0]) if len(agrad_exe) == 1 else None
    if path is None:
        pytest.skip("agrad is not installed as a command")
    return {**os.environ, "PATH": path + os.pathsep + os.environ.get("PATH", ""), "NO_COLOR": "1"}


def test_every_bash_block_of_the_readme_is_a_tested_recipe():
    assert len(re.findall(r"```bash\n", README)) == len(RECIPES) >= 6


@pytest.mark.parametrize("script, output", RECIPES, ids=[f"recipe{i + 1}" for i in range(len(RECIPES))])
def test_readme_recipe(agrad_exe, tmp_path, script, output):
    for tool, package in (("jq", "jq"), ("awk", "gawk"), ("xargs", "findutils")):
        if re.search(rf"\b{tool}\b", script) and shutil.which(tool) is None:
            missing_tool(f"{tool} is not installed (apt-get install {package})")
    r = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=_env(agrad_exe), capture_output=True,
                       text=True, timeout=120)
    assert r.stdout == output, r.stderr
    assert "Traceback" not in r.stderr


def _jobs(n: int) -> str:
    return "".join(f'{{"expr": "x^2*sin(w) + {i}", "vars": {{"w": {i % 7}}}}}\n' if i % 3 else
                   ("x +* 1\n" if i % 10 == 0 else f"exp(-x*{i % 5})\n") for i in range(n))


def _without_line(stdout: str) -> list[dict]:
    out = []
    for line in stdout.splitlines():
        record = json.loads(line)
        del record["line"]
        out.append(record)
    return out


def test_parts_through_separate_agrads_give_the_whole_runs_results(agrad_exe, run_agrad):
    """What Spark's RDD.pipe does with each partition, and GNU parallel --pipe with each block."""
    jobs = _jobs(600)
    whole = run_agrad("eval", "-", "--x", "0.5", input=jobs).stdout.decode()
    lines = jobs.splitlines(keepends=True)
    parts = [lines[i:i + 170] for i in range(0, len(lines), 170)]
    piped = "".join(run_agrad("eval", "-", "--x", "0.5", input="".join(part)).stdout.decode() for part in parts)
    assert _without_line(piped) == _without_line(whole)
    # one output line per input line, in order: zip pairs each job with its result
    for job, result in zip(lines, piped.splitlines()):
        record = json.loads(result)
        expr = json.loads(job)["expr"] if job.startswith("{") else job.rstrip("\n")
        assert record["expr"] == expr


def test_gnu_parallel_pipe(agrad_exe, run_agrad, tmp_path):
    if shutil.which("parallel") is None:
        missing_tool("GNU parallel is not installed (apt-get install parallel)")
    jobs = _jobs(600)
    (tmp_path / "jobs.jsonl").write_text(jobs)
    whole = run_agrad("eval", "-", "--format", "json", "--x", "0.5", input=jobs).stdout.decode()
    r = subprocess.run(["bash", "-c", "parallel --pipe --keep-order -N 100 agrad eval - --format json --x 0.5 "
                                      "< jobs.jsonl > results.jsonl"],
                       cwd=tmp_path, env=_env(agrad_exe), capture_output=True, text=True, timeout=300)
    assert r.returncode == 6  # parallel's status counts the agrad runs (blocks) with a failed line
    assert _without_line((tmp_path / "results.jsonl").read_text()) == _without_line(whole)
