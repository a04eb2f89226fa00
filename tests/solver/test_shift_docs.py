"""The examples of docs/shift-planning.md run."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "shift-planning.md"


def test_skill_group_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    examples = [b for b in blocks if "skill_groups=" in b]
    assert examples
    for code in examples:
        exec(compile(code, str(DOC), "exec"), {})
