#!/usr/bin/env python3
"""The behaviour-preservation corpus of agrad's command line (stdlib only).

    python tools/corpus.py record  [--agrad CMD] [--out tools/corpus/expected.jsonl] [--only S ...] [--jobs N]
    python tools/corpus.py compare [--agrad CMD] [--expected tools/corpus/expected.jsonl] [--only S ...]
                                   [--jobs N] [--show N]
    python tools/corpus.py list    [--only S ...]

The cases come from tools/corpus/cases.py. Each one runs `CMD ARGV...` in a fresh temporary
directory holding copies of the fixtures it names from tools/corpus/files/, with a fixed
environment, and its stdout, stderr, exit status and the files it wrote there are recorded byte for
byte: a text that is valid UTF-8 is stored as a JSON string, anything else as {"base64": ...}.
`record --only S` re-records the matching cases and keeps the others' records from --out.
See tools/corpus/README.md.
"""

import argparse
import base64
import concurrent.futures
import difflib
import importlib.util
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
FILES = CORPUS / "files"
EXPECTED = CORPUS / "expected.jsonl"
TIMEOUT = 60  # seconds per case
# Variables that change what a terminal program prints; a case sets what it needs in `env`.
DROPPED = ("NO_COLOR", "FORCE_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "COLUMNS", "LINES", "TERM", "COLORTERM",
           "PYTHONHASHSEED", "PYTHONWARNINGS", "PYTHONSTARTUP", "PYTHONBREAKPOINT", "PYTHONIOENCODING",
           "PYTHONUTF8", "PYTHONDEVMODE", "PYTHONINSPECT", "PYTHONOPTIMIZE", "PYTHONPATH", "PYTHONHOME",
           "PYTHONSAFEPATH", "PYTHONNOUSERSITE", "PYTHONUSERBASE", "PYTHONPROFILEIMPORTTIME", "PYTHONTRACEMALLOC",
           "PYTHONFAULTHANDLER", "PYTHONASYNCIODEBUG", "PYTHONMALLOC", "PYTHONDONTWRITEBYTECODE",
           "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_MESSAGES", "TZ", "JUPYTER_COLUMNS",
           "JUPYTER_LINES", "TTY_COMPATIBLE", "TTY_INTERACTIVE")
BASE_ENV = {"COLUMNS": "80", "TERM": "dumb", "PYTHONHASHSEED": "0", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}


def load_cases():
    sys.dont_write_bytecode = True  # no __pycache__ beside the cases
    spec = importlib.util.spec_from_file_location("agrad_corpus_cases", CORPUS / "cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cases()


def matches(case_id, only):
    """Whether an id is chosen by --only (given any number of times: any of them)."""
    return only is None or any(part in case_id for part in only)


def select(cases, only):
    return [case for case in cases if matches(case["id"], only)]


def agrad_command(text):
    """--agrad CMD, shlex-split; a relative path is made absolute, since cases run elsewhere."""
    words = shlex.split(text)
    if not words:
        sys.exit("corpus: --agrad is empty")
    first = words[0]
    if os.sep in first or (os.altsep and os.altsep in first):
        words[0] = os.path.abspath(first)  # not resolve(): a venv's python is a symlink
    else:
        found = shutil.which(first)
        if found is None:
            sys.exit(f"corpus: {first!r} is not on PATH: give --agrad CMD")
        words[0] = found
    return words


def environment(case, workdir):
    env = {k: v for k, v in os.environ.items() if k not in DROPPED}
    env.update(BASE_ENV)
    env["HOME"] = str(workdir)
    for key, value in case["env"].items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def as_text(data):
    """Bytes as a JSON value: the string when it is UTF-8, else {"base64": ...}."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def snapshot(root):
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            out[path.relative_to(root).as_posix()] = path.read_bytes()
    return out


def run_case(case, command):
    """Run one case; its record: id, argv, stdout, stderr, exit (an int, or "timeout"), files."""
    with tempfile.TemporaryDirectory(prefix="agrad-corpus-") as tmp:
        workdir = Path(tmp) / "work"
        workdir.mkdir()
        for name in case["files"]:
            shutil.copyfile(FILES / name, workdir / name)
        before = snapshot(workdir)
        stdin_handle = None
        if case["stdin_file"] is not None:
            stdin_handle = open(workdir / case["stdin_file"], "rb")
            stdin, data = stdin_handle, None
        elif case["stdin"] is not None:
            stdin, data = subprocess.PIPE, case["stdin"].encode("utf-8", "surrogateescape")
        else:
            stdin, data = subprocess.DEVNULL, None
        try:
            proc = subprocess.Popen(command + case["argv"], cwd=workdir, env=environment(case, workdir), stdin=stdin,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
            try:
                out, err = proc.communicate(data, timeout=TIMEOUT)
                status = proc.returncode
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # agrad's worker processes too
                except ProcessLookupError:
                    pass
                out, err = proc.communicate()
                status = "timeout"
        finally:
            if stdin_handle is not None:
                stdin_handle.close()
        after = snapshot(workdir)
        files = {name: as_text(content) for name, content in after.items() if before.get(name) != content}
        for name in sorted(set(before) - set(after)):
            files[name] = {"deleted": True}
    return {"id": case["id"], "argv": case["argv"], "stdout": as_text(out), "stderr": as_text(err),
            "exit": status, "files": files}


def run_all(cases, command, jobs, label):
    """Every case's record, in the cases' order, `jobs` at a time."""
    records = [None] * len(cases)
    started = time.monotonic()
    done = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(run_case, case, command): i for i, case in enumerate(cases)}
        for future in concurrent.futures.as_completed(futures):
            records[futures[future]] = future.result()
            done += 1
            if sys.stderr.isatty() and (done % 25 == 0 or done == len(cases)):
                print(f"\r{label}: {done}/{len(cases)} cases, {time.monotonic() - started:.0f} s", end="",
                      file=sys.stderr, flush=True)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    return records, time.monotonic() - started


def dump(record):
    return json.dumps(record, ensure_ascii=False)


def read_expected(path):
    records = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                record = json.loads(line)
                if record["id"] in records:
                    sys.exit(f"corpus: {path}:{n}: the id {record['id']!r} appears twice")
                records[record["id"]] = record
    return records


# -- record ---------------------------------------------------------------------------------------

def record(args):
    command = agrad_command(args.agrad)
    cases = load_cases()
    chosen = select(cases, args.only)
    out = Path(args.out)
    kept = {}
    if args.only is not None:
        if not out.exists():
            sys.exit(f"corpus: record --only merges into {out}, which does not exist yet: record everything first")
        kept = read_expected(out)
    records, seconds = run_all(chosen, command, args.jobs, "record")
    fresh = {r["id"]: r for r in records}
    lines = []
    for case in cases:
        if case["id"] in fresh:
            lines.append(dump(fresh[case["id"]]))
        elif case["id"] in kept:
            lines.append(dump(kept[case["id"]]))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("".join(line + "\n" for line in lines))
    os.replace(tmp, out)
    timeouts = [r["id"] for r in records if r["exit"] == "timeout"]
    by_exit = {}
    for r in records:
        by_exit[str(r["exit"])] = by_exit.get(str(r["exit"]), 0) + 1
    exits = ", ".join(f"exit {k}: {v}" for k, v in sorted(by_exit.items()))
    print(f"{len(records)} cases recorded in {seconds:.1f} s ({exits}); {len(lines)} records in {out} "
          f"({out.stat().st_size:,} bytes)")
    for case_id in timeouts:
        print(f"timeout: {case_id}")
    return 0


# -- compare ---------------------------------------------------------------------------------------

def text_lines(value):
    if isinstance(value, str):
        return value.splitlines(keepends=True)
    return [json.dumps(value) + "\n"]


def diff(name, expected, actual, limit):
    lines = list(difflib.unified_diff(text_lines(expected), text_lines(actual), f"expected {name}",
                                      f"actual {name}", n=2))
    shown = [line if line.endswith("\n") else line + "\n\\ no newline at the end\n" for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"... {len(lines) - limit} more diff lines\n")
    return "".join(shown)


def differences(expected, actual, limit=40):
    """The parts of one case that differ, as text; empty when they are the same."""
    parts = []
    if expected is None:
        return "  no expected record: a new case (record it with `record --only ID`)\n"
    if expected.get("argv", actual["argv"]) != actual["argv"]:
        parts.append(f"  the case changed since it was recorded: it was\n    {shlex.join(expected['argv'])}\n")
    for stream in ("stdout", "stderr"):
        if expected[stream] != actual[stream]:
            parts.append(diff(stream, expected[stream], actual[stream], limit))
    if expected["exit"] != actual["exit"]:
        parts.append(f"exit: expected {expected['exit']}, actual {actual['exit']}\n")
    for name in sorted(set(expected["files"]) | set(actual["files"])):
        old, new = expected["files"].get(name), actual["files"].get(name)
        if old != new:
            if old is None or new is None:
                parts.append(f"file {name}: {'not written' if new is None else 'written'} now, "
                             f"{'written' if old is not None else 'not written'} before\n")
            else:
                parts.append(diff(f"file {name}", old, new, limit))
    return "".join(parts)


def describe(case):
    text = "agrad " + shlex.join(case["argv"])
    if case["stdin"] is not None:
        shown = case["stdin"] if len(case["stdin"]) <= 200 else case["stdin"][:200] + "..."
        readable = not any("\ud800" <= ch <= "\udfff" for ch in shown)  # bytes that are not UTF-8: escaped
        text += f"  <<< {json.dumps(shown, ensure_ascii=not readable)}"
    if case["stdin_file"] is not None:
        text += f" < {case['stdin_file']}"
    env = {k: v for k, v in case["env"].items()}
    if env:
        text += "  (env " + ", ".join(f"{k}={v}" if v is not None else f"{k} unset" for k, v in env.items()) + ")"
    return text


def compare(args):
    command = agrad_command(args.agrad)
    expected = read_expected(args.expected)
    cases = load_cases()
    chosen = select(cases, args.only)
    records, seconds = run_all(chosen, command, args.jobs, "compare")
    differing = 0
    for case, actual in zip(chosen, records):
        text = differences(expected.get(case["id"]), actual)
        if text:
            differing += 1
            if differing <= args.show:
                print(f"== {case['id']}\n   {describe(case)}")
                print(text, end="" if text.endswith("\n") else "\n")
    if differing > args.show:
        print(f"... and {differing - args.show} more differing cases (--show N shows more)")
    ids = {case["id"] for case in cases}
    gone = [i for i in expected if i not in ids and matches(i, args.only)]
    for case_id in gone[:args.show]:
        print(f"== {case_id}\n   recorded, but no longer a case: record again to drop it")
    differing += len(gone)
    total = len(chosen) + len(gone)
    print(f"{total} cases, {differing} differ ({seconds:.1f} s)")
    return 1 if differing else 0


def list_cases(args):
    for case in select(load_cases(), args.only):
        print(f"{case['id']}\t{describe(case)}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description="Record or compare agrad's behaviour on the corpus of cases.")
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--only", metavar="SUBSTRING", action="append",
                        help="only the cases whose id contains SUBSTRING (repeat for several)")
    run = argparse.ArgumentParser(add_help=False, parents=[common])
    run.add_argument("--agrad", metavar="CMD", default="agrad",
                     help='the agrad command, shlex-split (default: agrad on PATH; e.g. "/path/python -m agrad")')
    run.add_argument("--jobs", metavar="N", type=int, default=2, help="cases run at once (default 2)")
    p = sub.add_parser("record", parents=[run], help="run every case and write the expected records")
    p.add_argument("--out", default=str(EXPECTED), help="the records' file (default tools/corpus/expected.jsonl)")
    p = sub.add_parser("compare", parents=[run], help="run every case and show each that differs from the records")
    p.add_argument("--expected", default=str(EXPECTED), help="the records' file (default tools/corpus/expected.jsonl)")
    p.add_argument("--show", metavar="N", type=int, default=20, help="show at most N differing cases (default 20)")
    sub.add_parser("list", parents=[common], help="print each case's id and command")
    args = parser.parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    return {"record": record, "compare": compare, "list": list_cases}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
