"""The Python examples in the README run exactly as written; those in docs/ call the real API.

The README's block is executed as a newcomer would paste it (in an empty folder,
after nothing but `import sim`). The examples in docs/ are sized for real studies
(Sobol with n=32, a staffing grid of 7 x 6 runs) and are not run; every `sim.NAME(...)`
call in them is checked against the function it names: the function exists after
`import sim` and accepts every keyword the example passes.
"""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
DOCS = sorted(p for p in (ROOT / "docs").rglob("*.md") if BLOCK.search(p.read_text("utf-8")))


def python_blocks(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text(encoding="utf-8"))


def test_the_readme_example_runs_as_written(tmp_path):
    blocks = python_blocks(ROOT / "README.md")
    assert blocks, "README.md has no python example"
    # a fresh interpreter: attribute access must work after nothing but `import sim`
    for block in blocks:
        done = subprocess.run(
            [sys.executable, "-c", block], cwd=tmp_path, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "my_run" / "summary.json").is_file()
    assert (tmp_path / "grid" / "sweep.json").is_file()


def test_subpackages_are_reachable_after_import_sim():
    code = (
        "import sim\n"
        "names = ('experiments', 'config', 'engine', 'report', 'validation', 'results', 'ema')\n"
        "for name in names:\n"
        "    getattr(sim, name)\n"
        "assert callable(sim.experiments.load) and callable(sim.experiments.load_daily)\n"
        "assert callable(sim.ema.model)\n"
        "for name in ('compare', 'sweep', 'staffing', 'sensitivity', 'calibrate', 'discover'):\n"
        "    assert callable(getattr(sim, name)), name\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    with pytest.raises(AttributeError, match="no attribute 'nonesuch'"):
        sim.nonesuch  # noqa: B018


def _sim_calls(source: str) -> list[tuple[str, list[str], int]]:
    """(function path after `sim.`, keyword names, line) of every `sim.a.b(...)` call."""
    calls = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        parts, target = [], node.func
        while isinstance(target, ast.Attribute):
            parts.append(target.attr)
            target = target.value
        if isinstance(target, ast.Name) and target.id == "sim" and parts:
            keywords = [k.arg for k in node.keywords if k.arg]
            calls.append((".".join(reversed(parts)), keywords, node.lineno))
    return calls


def _resolve(dotted: str):
    found = sim
    for part in dotted.split("."):
        found = getattr(found, part)
    return found


def api_problems(source: str) -> tuple[list[str], int]:
    """Calls of `sim.*` in `source` that name a missing function or keyword; and the count."""
    try:
        calls = _sim_calls(source)
    except SyntaxError:  # a signature shown as text (`sim.compare(scenario, ...)`)
        calls = _sim_calls(source.replace("...", "None"))
    problems = []
    for dotted, keywords, line in calls:
        try:
            parameters = inspect.signature(_resolve(dotted)).parameters
        except AttributeError:
            problems.append(f"line {line}: sim.{dotted} does not exist")
            continue
        unknown = [k for k in keywords if k not in parameters]
        if unknown:
            problems.append(f"line {line}: sim.{dotted} takes no {', '.join(unknown)}")
    return problems, len(calls)


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_examples_call_the_real_api(path):
    checked = 0
    for block in python_blocks(path):
        problems, calls = api_problems(block)
        assert not problems, f"{path.name}: {problems}"
        checked += calls
    assert checked, f"{path.name}: python examples but no sim.* call found"


def test_the_api_check_catches_drift():
    assert api_problems("sim.sweep('baseline', grid={}, out='x')") == ([], 1)
    assert api_problems("sim.sweep('baseline', grids={})")[0] == [
        "line 1: sim.sweep takes no grids"
    ]
    assert api_problems("import sim\nsim.experiments.loads('x')")[0] == [
        "line 2: sim.experiments.loads does not exist"
    ]
