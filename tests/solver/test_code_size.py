"""The solver stays readable: no file over 800 lines, no function over 80."""
import ast
from pathlib import Path

SOLVER = Path(__file__).resolve().parents[2] / "solver"


def _files():
    return sorted(SOLVER.rglob("*.py"))


def test_solver_files_are_within_800_lines():
    long = {f.name: n for f in _files() if (n := len(f.read_text().splitlines())) > 800}
    assert _files() and not long


def test_solver_functions_are_within_80_lines():
    long = []
    for f in _files():
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > 80:
                    long.append(f"{f.relative_to(SOLVER)}:{node.name} ({n} lines)")
    assert not long
