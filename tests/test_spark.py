"""The README's Spark recipes, run as they stand by pyspark in local mode (issue 15): a few
thousand jobs and points in several partitions through `RDD.pipe` to the installed agrad, every
record back beside its job, in order, with the values of agrad's own Python API and of the
derivatives worked by hand, and a bad line's error record in its place without failing its
partition.

They need Java and pyspark (`apt-get install default-jre-headless`, `pip install ".[spark]"`),
which .ci/run installs; elsewhere they skip and say why (fail under AGRAD_REQUIRE_TOOLS=1)."""

import ast
import importlib.util
import json
import math
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import agrad_command, missing_tool, same_float

import agrad
from agrad.errors import AgradError

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SPARK_RECIPES = [block for block in re.findall(r"```python\n(.*?)```", README, re.S) if "pyspark" in block]
PIPE = "agrad eval - --format json"


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """One small local Spark session for the module: local[2], 512 MB, no UI, on the loopback
    address only. Its JVM starts in a folder of its own, so that the recipes' relative paths
    ("jobs", "points") are found there; agrad's folder leads PATH, which the recipes hand to
    `pipe` (pipe gives its command no environment of its own)."""
    if shutil.which("java") is None:
        missing_tool("Java is not installed (apt-get install default-jre-headless)")
    if importlib.util.find_spec("pyspark") is None:
        missing_tool("pyspark is not installed (pip install '.[spark]')")
    command = agrad_command()
    if len(command) != 1:
        pytest.skip("agrad is not installed as a command")
    workdir = tmp_path_factory.mktemp("spark")
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ["PATH"] = os.path.dirname(command[0]) + os.pathsep + os.environ.get("PATH", "")
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers run this Python, with agrad
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from pyspark.sql import SparkSession

    os.chdir(workdir)
    try:
        session = (SparkSession.builder.master("local[2]").appName("agrad-tests")
                   .config("spark.driver.memory", "512m")
                   .config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.shuffle.partitions", "4")
                   .config("spark.default.parallelism", "4")
                   .getOrCreate())
    finally:
        os.chdir(saved_cwd)
    session.sparkContext.setLogLevel("FATAL")
    try:
        yield session, workdir
    finally:
        session.stop()
        os.environ.clear()
        os.environ.update(saved_env)


def _run_recipe(index: int) -> dict:
    """Run the README's Spark recipe number `index` in this process, so that its
    `SparkSession.builder.getOrCreate()` gets the fixture's session; return its variables.
    (The README's own text, exactly as shown there: compile and exec is how a script runs it.)"""
    assert len(SPARK_RECIPES) == 2
    namespace = {"__name__": f"readme_spark_recipe_{index + 1}"}
    exec(compile(SPARK_RECIPES[index], f"README.md, Spark recipe {index + 1}", "exec"), namespace)
    return namespace


def _number(v):
    return float(v) if isinstance(v, str) else v


def _same(a, b) -> bool:
    """Equal as JSON numbers, exactly: agrad writes inf and nan as strings; nan equals nan here
    (whatever its sign bit), and -0.0 does not equal 0.0."""
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys() and all(
            _same(a[k], b[k]) for k in a)
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    a, b = _number(a), _number(b)
    return same_float(a, b, rel=0.0, abs_=0.0) and (a != 0 or math.copysign(1, a) == math.copysign(1, b))


def _jobs(part: int, n: int):
    """n jobs of one partition, each (line, what it is): ("ok", expr, vars), ("bad", kind) for a
    line that is no job at all, or ("fails", expr, vars) for a job the Python API refuses too.
    Every line is different, so a record can be matched with its own job."""
    for k in range(n):
        i = part * 10_000 + k
        x, w = (i % 37) / 8 - 2, (i % 23) / 11 - 1
        kind = k % 12
        if kind == 3:
            yield f"x +* {i}", ("bad", "syntax")
        elif kind == 5:
            yield json.dumps({"expr": f"x*y + {i}", "vars": {"x": x}}), ("fails", f"x*y + {i}", {"x": x})
        elif kind == 7:
            yield json.dumps({"expr": f"v[{i % 5 + 2}]", "vars": {"v": [1, i]}}), \
                ("fails", f"v[{i % 5 + 2}]", {"v": [1, i]})
        elif kind == 9:
            yield f'{{"expr": "x + {i}", "vars": {{"x": 1}}', ("bad", "input")  # not valid JSON
        elif kind == 10:
            yield f"sin(pi/4)*{i}", ("ok", f"sin(pi/4)*{i}", {})  # a program line: constants only
        elif kind == 11:
            yield json.dumps({"expr": "sum(v^2)*x", "vars": {"v": [i, 0.5, -2], "x": x}}), \
                ("ok", "sum(v^2)*x", {"v": [i, 0.5, -2], "x": x})
        elif kind in (1, 6):
            expr = f"a = x*w; exp(-a^2) + atan2(x, w) - {i}"
            yield json.dumps({"expr": expr, "vars": {"x": x, "w": w}}), ("ok", expr, {"x": x, "w": w})
        else:
            vars_ = {"x": x, "w": w, "k": i}
            yield json.dumps({"expr": "x^2*sin(w) + k", "vars": vars_}), ("ok", "x^2*sin(w) + k", vars_)


def _check_record(job: str, what, record: dict):
    expr = record.get("expr")
    if what[0] == "bad":
        assert record["error"]["kind"] == what[1], (job, record)
        assert expr == (job if what[1] == "syntax" else None)
        return
    assert expr == what[1], (job, record)
    try:
        expected = agrad.evaluate(what[1], **what[2])
    except AgradError as error:
        assert what[0] == "fails"
        assert (record["error"]["kind"], record["error"]["message"]) == (error.kind, error.message)
        return
    assert what[0] == "ok" and "error" not in record, (job, record)
    assert _same(record["value"], expected.value), (job, record, expected.value)
    assert _same(record["grads"], expected.grads), (job, record, expected.grads)
    assert record["grad_fn"] == expected.grad_fn
    if what[1] == "x^2*sin(w) + k":  # and by hand
        x, w, k = what[2]["x"], what[2]["w"], what[2]["k"]
        assert math.isclose(record["value"], x * x * math.sin(w) + k, rel_tol=1e-12)
        grads = record["grads"]
        assert math.isclose(grads["x"], 2 * x * math.sin(w), rel_tol=1e-12, abs_tol=1e-300)
        assert math.isclose(grads["w"], x * x * math.cos(w), rel_tol=1e-12, abs_tol=1e-300)
        assert grads["k"] == 1.0


def test_the_rdd_recipe_gives_every_job_its_record_in_order(spark):
    session, workdir = spark
    (workdir / "jobs").mkdir()
    written, what_of = [], {}
    for part, n in enumerate((900, 700, 1000, 400)):  # 3,000 jobs in four files, four partitions
        lines = []
        for line, what in _jobs(part, n):
            lines.append(line)
            what_of[line] = what
        (workdir / "jobs" / f"part-{part}.jsonl").write_text("".join(f"{line}\n" for line in lines))
        written.append(lines)
    assert len(what_of) == 3000

    recipe = _run_recipe(0)

    jobs, results = recipe["jobs"], recipe["results"]
    assert jobs.getNumPartitions() == 4
    partitions = jobs.glom().collect()
    assert sorted(partitions) == sorted(written)  # each partition is one file, whole and in order
    pairs = recipe["pairs"].collect()
    assert [job for job, _ in pairs] == [line for partition in partitions for line in partition]
    records = [json.loads(record) for _, record in pairs]
    for (job, _), record in zip(pairs, records):
        _check_record(job, what_of[job], record)
    # each partition went through an agrad of its own: "line" counts from 1 in each, and the bad
    # lines among them (several in every partition) did not cut any partition short
    starts = [0]
    for partition in partitions:
        starts.append(starts[-1] + len(partition))
    for (start, end), partition in zip(zip(starts, starts[1:]), partitions):
        assert [r["line"] for r in records[start:end]] == list(range(1, len(partition) + 1))
        assert sum("error" in r for r in records[start:end]) >= len(partition) // 4
    assert sum("error" in r for r in records) == sum(w[0] != "ok" for w in what_of.values()) == 999
    # saveAsTextFile wrote the same records, a part file per partition, in partition order
    saved = sorted((workdir / "results").glob("part-*"))
    assert len(saved) == 4
    assert [line for f in saved for line in f.read_text().splitlines()] == [r for _, r in pairs]


def test_a_failed_line_fails_its_partition_only_with_checkcode(spark):
    """Why the README says to leave checkCode off: a partition with a bad line exits 1."""
    session, _ = spark
    env = {"PATH": os.environ["PATH"]}
    jobs = session.sparkContext.parallelize(["1+1", "x +* 1", "2*3"], 1)
    records = [json.loads(r) for r in jobs.pipe(PIPE, env=env).collect()]
    assert [r.get("value") for r in records] == [2.0, None, 6.0]
    assert records[1]["error"]["kind"] == "syntax"
    with pytest.raises(Exception, match="exited with error code 1"):
        jobs.pipe(PIPE, env=env, checkCode=True).collect()
    assert jobs.filter(lambda job: "*" not in job).pipe(PIPE, env=env, checkCode=True).count() == 1


def test_pipe_without_env_does_not_find_agrad_on_path(spark):
    """What the README's note on `env` is about: pipe's command is looked for in /bin and /usr/bin
    only, whatever PATH says, when env gives no PATH."""
    if shutil.which("agrad", path=os.defpath) is not None:
        pytest.skip("agrad is installed in /bin or /usr/bin")
    session, _ = spark
    with pytest.raises(Exception, match="No such file or directory: 'agrad'"):
        session.sparkContext.parallelize(["1+1"], 1).pipe(PIPE).collect()


def _points():
    rows = [((i % 97) / 10 - 4, (i % 89) / 20 - 2) for i in range(3000)]
    rows[17:17] = [(None, 1.0), (2.0, None), (math.inf, 0.0), (1.5, math.inf), (-0.0, 0.5)]
    return rows


def test_the_dataframe_recipe_gives_every_point_its_value_and_gradients(spark):
    session, workdir = spark
    rows = _points()
    table_in = session.createDataFrame(session.sparkContext.parallelize(rows, 4), "x double, w double")
    table_in.write.parquet(str(workdir / "points"))  # four part files

    recipe = _run_recipe(1)

    assert recipe["points"].rdd.getNumPartitions() >= 3
    table = session.read.parquet(str(workdir / "gradients"))
    assert table.columns == ["x", "w", "value", "d/dx", "d/dw", "error"]
    got = table.collect()
    key = lambda row: tuple((v is None, repr(v)) for v in row[:2])  # noqa: E731 (nan and None sort)
    assert sorted(map(key, got)) == sorted(map(key, rows))
    failed = 0
    for x, w, value, dx, dw, error in got:
        if x is None or w is None:
            failed += 1
            name = "x" if x is None else "w"
            assert error == f"column '{name}': 'None' is not a number (use an int, a float, inf or nan)"
            assert (value, dx, dw) == (None, None, None)
            continue
        expected = agrad.evaluate("x^2*sin(w)", x=x, w=w)  # each row beside its own record
        assert error is None
        assert _same(value, expected.value) and _same(dx, expected.grads["x"]) and _same(dw, expected.grads["w"])
        if math.isfinite(x) and math.isfinite(w):
            assert math.isclose(value, x * x * math.sin(w), rel_tol=1e-12, abs_tol=1e-300)
            assert math.isclose(dx, 2 * x * math.sin(w), rel_tol=1e-12, abs_tol=1e-300)
            assert math.isclose(dw, x * x * math.cos(w), rel_tol=1e-12, abs_tol=1e-300)
    assert failed == 2
    inf_row = next(r for r in got if r["x"] == math.inf)
    assert math.isnan(inf_row["value"]) and math.isnan(inf_row["d/dx"]) and inf_row["d/dw"] == math.inf


def test_the_dataframe_recipe_sends_an_empty_partition_as_a_header_alone(spark):
    """A partition with no rows still gets its header, which agrad answers with no record: zip
    stays aligned (filtered tables have empty partitions)."""
    session, _ = spark
    as_csv = _recipe_function(1, "as_csv", names=["x", "w"])
    rows = session.sparkContext.parallelize([(1.0, 0.5), (2.0, 0.25)], 3)  # one partition is empty
    assert [len(p) for p in rows.glom().collect()].count(0) == 1
    records = rows.mapPartitions(as_csv).pipe("agrad eval 'x^2*sin(w)' --points - --format json",
                                               env={"PATH": os.environ["PATH"]})
    pairs = rows.zip(records.map(json.loads)).collect()
    assert [(p, r["line"]) for p, r in pairs] == [((1.0, 0.5), 2), ((2.0, 0.25), 2)]
    for (x, w), r in pairs:
        assert r["value"] == agrad.evaluate("x^2*sin(w)", x=x, w=w).value


def _recipe_function(index: int, name: str, **globals_):
    """One function of a README recipe, defined from the README's text, without running the rest."""
    tree = ast.parse(SPARK_RECIPES[index])
    (node,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    module = ast.Module(body=[n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))] + [node],
                        type_ignores=[])
    namespace = {"__name__": f"readme_spark_recipe_{index + 1}", **globals_}
    exec(compile(module, f"README.md, Spark recipe {index + 1}", "exec"), namespace)
    return namespace[name]


def test_every_spark_block_of_the_readme_is_run_here():
    """Both Spark recipes are the README's python blocks that import pyspark (so a third would be
    noticed), and each builds on the session it is given rather than a configuration of its own."""
    assert len(SPARK_RECIPES) == 2
    for block in SPARK_RECIPES:
        assert "SparkSession.builder.getOrCreate()" in block
