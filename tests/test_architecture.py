"""The package's shape: no import cycles (function-level imports included), a light `import sim`,
and every module the import system finds in it imports."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import sim

SIM = Path(__file__).resolve().parents[1] / "sim"


def _module(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """sim module -> the sim modules it imports anywhere (TYPE_CHECKING blocks excluded)."""
    modules = {_module(p): p for p in SIM.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        skip = set()
        for node in ast.walk(tree):  # imports only for type checkers are not run
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skip |= {id(n) for n in ast.walk(node)}
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from pkg import module` imports the module; `from pkg import name` the package
                subs = [f"{node.module}.{a.name}" for a in node.names]
                targets = [t for t in subs if t in modules]
                if len(targets) < len(subs):
                    targets.append(node.module)
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_no_import_cycles():
    graph = import_graph()
    # the package's __init__ re-exports lazily; its submodules importing `sim` is no cycle
    for deps in graph.values():
        deps.discard("sim")
    assert cycles(graph) == []


def test_import_sim_is_light():
    code = (
        "import sys, sim; heavy = [m for m in ('matplotlib', 'dask', 'distributed', 'SALib') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_cycle_finder_finds_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_every_module_found_in_the_package_imports():
    """Documentation tools walk the package with pkgutil and import what they find: a
    file that looks like a module and is not (the compiled kernels' library once was
    `_kernels.so`, an extension module's suffix) breaks them."""
    found = [m.name for m in pkgutil.walk_packages(sim.__path__, "sim.")]
    assert "sim.engine.model" in found and "sim.app.page" in found
    failures = {}
    for name in found:
        try:
            importlib.import_module(name)
        except Exception as error:  # any failure is the finding
            failures[name] = f"{type(error).__name__}: {error}"
    assert failures == {}
