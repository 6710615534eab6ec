"""The engine's arithmetic stays off BLAS.

A dense dot or matrix product goes to BLAS, whose worker threads spin after each
call; on a machine with another process busy they take the run's own core (50k
people x 30 days: 0.12-0.24 s a run against 0.07 s, docs/performance.md). The
engine's sums of products are `np.einsum`, which numpy computes itself; the only
`@` allowed is the follower graph's sparse product (scipy's own code).
"""

from __future__ import annotations

import ast
from pathlib import Path

import sim.engine

ENGINE = Path(sim.engine.__file__).parent
BLAS_CALLS = {"dot", "matmul", "vecdot", "inner", "tensordot", "vdot", "corrcoef", "cov"}
SPARSE_PRODUCTS = {("network.py", "self.follows")}  # scipy.sparse @ dense: no BLAS


def blas_uses(path: Path) -> list[str]:
    """Where `path` calls a BLAS-backed numpy product or uses `@` on something not sparse."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if call and (node.func.attr in BLAS_CALLS or "linalg" in ast.unparse(node.func)):
            found.append(f"{path.name}:{node.lineno} {ast.unparse(node.func)}")
        product = isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)
        if product and (path.name, ast.unparse(node.left)) not in SPARSE_PRODUCTS:
            found.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    return found


def test_the_engine_makes_no_blas_call() -> None:
    uses = [use for path in sorted(ENGINE.glob("*.py")) for use in blas_uses(path)]
    assert uses == []


def test_the_check_finds_dots_products_correlations_and_linalg(tmp_path: Path) -> None:
    source = tmp_path / "model.py"
    source.write_text(
        "import numpy as np\nx = np.dot(a, b)\ny = alive @ margin\nz = a.dot(b)\n"
        "r = np.corrcoef(a, b)\ns = np.linalg.solve(a, b)\n"
    )
    assert blas_uses(source) == [
        "model.py:2 np.dot",
        "model.py:3 alive @ margin",
        "model.py:4 a.dot",
        "model.py:5 np.corrcoef",
        "model.py:6 np.linalg.solve",
    ]
