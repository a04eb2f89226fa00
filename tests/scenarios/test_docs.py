"""Every example of docs/scenario.md runs."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from wfm.scenarios import scenario_from_text

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "scenario.md"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(), flags=re.S)


def test_doc_has_examples():
    assert len(_blocks("yaml")) >= 1 and len(_blocks("toml")) >= 1 and len(_blocks("python")) >= 2


def test_yaml_and_toml_examples_load_and_agree():
    yamls = [scenario_from_text(t, fmt="yaml", base_dir=REPO / "data") for t in _blocks("yaml")]
    tomls = [scenario_from_text(t, fmt="toml", base_dir=REPO / "data") for t in _blocks("toml")]
    first = dataclasses.replace(yamls[0], source_text=None)
    assert first == dataclasses.replace(tomls[0], source_text=None)
    assert abs(first.shrinkage.fraction - (1 - 0.92 * 0.95 * 0.96)) < 1e-12
    assert first.templates[0].paid_min == 480 - 30


def test_python_examples_run(monkeypatch):
    monkeypatch.chdir(REPO)
    for code in _blocks("python"):
        exec(compile(code, str(DOC), "exec"), {})
