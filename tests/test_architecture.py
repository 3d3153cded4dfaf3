"""The package's shape: the layers contract holds and no module imports itself, even through others.

The layers (and who may import Typer, Lark and Rich) are import-linter contracts in pyproject.toml;
`lint-imports` checks them here so a lower layer importing a higher one fails the suite. Cycles are
checked apart, over every import in the source, the ones made inside functions included: a lazy
import still ties two modules together, it only defers the cost.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "agrad"


def module_name(path: Path) -> str:
    parts = ("agrad",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """Every agrad module `path` imports, at any depth of the file (functions, branches, try)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from agrad.engine import ops` imports the module agrad.engine.ops; `from
            # agrad.engine.ops import call`, the module agrad.engine.ops.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        else:
            continue
        # Other names are other packages' (and agrad.grammar, the grammar's data package, which
        # lives in grammar/, outside src/agrad, and imports nothing).
        found.update(target for target in targets if target in modules and target != name)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    return {module_name(path): imports_of(path, modules) for path in paths}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_graph_sees_lazy_imports():
    graph = import_graph()
    # cli imports agrad.evaluation.api only inside a command; the graph must still hold the edge.
    assert "agrad.evaluation.api" in graph["agrad.cli"]
    assert "agrad.engine.tensor" in graph["agrad"]


def test_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    found = cycles(import_graph())
    assert found == [], f"import cycles (lazy imports included): {found}"


def test_import_linter_contracts_hold():
    lint_imports = Path(sys.executable).parent / ("lint-imports.exe" if os.name == "nt" else "lint-imports")
    done = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# The Typer commands take one parameter per option, as Typer reads them; everything else takes its
# options whole (RunOptions, BatchOptions), so a new option does not grow a chain of signatures.
MAX_PARAMETERS = 8
TYPER_COMMANDS = {("agrad.cli", "eval_command"), ("agrad.cli", "graph_command"), ("agrad.cli", "plot_command"),
                  ("agrad.cli", "minimize_command")}


def parameter_counts() -> dict[tuple[str, str, int], int]:
    """{(module, function, line): parameters} for every def and lambda under src/agrad, self and
    cls left out, *args and **kwargs counted as one each."""
    counts = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            args = node.args
            names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
            if names[:1] in (["self"], ["cls"]):
                names = names[1:]
            count = len(names) + (args.vararg is not None) + (args.kwarg is not None)
            counts[(module_name(path), getattr(node, "name", "<lambda>"), node.lineno)] = count
    return counts


def test_no_function_but_the_typer_commands_takes_more_than_eight_parameters():
    counts = parameter_counts()
    assert counts[next(key for key in counts if key[:2] == ("agrad.cli", "eval_command"))] > MAX_PARAMETERS
    too_many = {key: n for key, n in counts.items() if n > MAX_PARAMETERS and key[:2] not in TYPER_COMMANDS}
    assert too_many == {}
