"""The example of docs/rostering.md runs and gives a roster."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "rostering.md"


def test_rostering_doc_example_runs(capsys):
    code = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert code
    namespace: dict = {}
    exec(compile(code[0], str(DOC), "exec"), namespace)
    result = namespace["result"]
    assert result.success
    assert result.bound <= result.objective
    assert set(result.shifts["agent_id"]) <= {a.id for a in namespace["agents"]}
    assert "gap" in capsys.readouterr().out
