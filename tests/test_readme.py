"""The README's promises: its Python runs, and CI runs its test command verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_readme_python_examples_run(capsys):
    blocks = _blocks("python")
    assert blocks, "the README shows no Python example"
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "14"


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [block.strip() for block in re.findall(r"```bash\n(.*?)```", quick, flags=re.S)]
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    run, test = commands
    assert "pip install -e ." in run and ("streamlit run app.py" in run or "wfm demo" in run)
    assert 'pip install -e ".[dev]"' in test and "pytest" in test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines()
