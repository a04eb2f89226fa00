"""Shift templates from YAML and the ``wfm schedule`` command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from solver.templates import load_templates, templates_from_records
from wfm.cli import app
from wfm.errors import DataError
from wfm.types import BreakRule, ShiftTemplate

YAML = """
templates:
  - name: early 8h
    length_min: 480
    earliest_start_min: "06:00"
    latest_start_min: "10:00"
    days: [Mon, Tue, wed, 3, Fri]
    cost_per_hour: 21.5
    breaks:
      - {name: break, length_min: 15, earliest_start_min: "1:30", latest_start_min: "3:00"}
      - {name: lunch, length_min: 30, max_length_min: 60, paid: false,
         earliest_start_min: "3:30", latest_start_min: 300, min_gap_min: 60}
  - name: short
    length_min: 60
    earliest_start_min: 480
    latest_start_min: 540
"""


def test_yaml_templates_read_into_dataclasses(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(YAML)
    early, short = load_templates(path)
    assert early == ShiftTemplate(
        "early 8h", 480, earliest_start_min=360, latest_start_min=600, days=(0, 1, 2, 3, 4),
        cost_per_hour=21.5, breaks=(
            BreakRule("break", 15, 90, 180),
            BreakRule("lunch", 30, 210, 300, paid=False, min_gap_min=60, max_length_min=60),
        ))
    assert short.starts_min == (480, 495, 510, 525, 540)


@pytest.mark.parametrize("record, field", [
    ({"name": "x", "length_min": 60, "colour": "red"}, "colour"),
    ({"name": "x", "length_min": "1h"}, "length_min"),
    ({"name": "x", "length_min": 60, "days": ["Someday"]}, "days"),
    ({"name": "x", "length_min": 60, "breaks": [{"name": "b", "length": 15}]}, "length"),
])
def test_bad_template_records_name_the_field(record, field):
    with pytest.raises(DataError, match=field):
        templates_from_records([record], file="t.yaml")


def test_bad_template_value_names_file_and_template(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("- {name: x, length_min: -5}\n")
    with pytest.raises(DataError, match=r"bad\.yaml.*template 1 \(x\).*length_min"):
        load_templates(path)


def test_schedule_command_writes_shifts_with_breaks(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "- name: t\n  length_min: 60\n  earliest_start_min: '08:00'\n  latest_start_min: '08:00'\n"
        "  breaks: [{name: b, length_min: 15, earliest_start_min: 15, latest_start_min: 30}]\n")
    times = pd.Timestamp("2024-01-01 08:00") + pd.to_timedelta(np.arange(4) * 15, unit="min")
    pd.DataFrame({"interval_start": times, "staff_needed": [1, 1, 1, 1]}).to_csv(
        tmp_path / "req.csv", index=False)
    out = tmp_path / "shifts.csv"
    res = CliRunner().invoke(app, [
        "schedule", str(tmp_path / "req.csv"), "--templates", str(tmp_path / "t.yaml"),
        "-o", str(out), "--quiet", "--time-limit-s", "5", "--coverage", str(tmp_path / "c.csv")])
    assert res.exit_code == 0, res.output
    shifts = pd.read_csv(out)
    assert len(shifts) == 2  # one agent cannot cover its own break
    assert shifts["breaks"].str.contains(" b").all()
    assert (pd.read_csv(tmp_path / "c.csv")["on_phone"] >= 1).all()


def test_schedule_command_plans_by_skill_group(tmp_path):
    from wfm.staffing import requirements
    from wfm.types import ServiceTarget

    (tmp_path / "t.yaml").write_text(
        "- name: t\n  length_min: 60\n  earliest_start_min: '08:00'\n  latest_start_min: '08:00'\n")
    times = pd.Timestamp("2024-01-01 08:00") + pd.to_timedelta(np.arange(4) * 15, unit="min")
    fc = pd.concat([pd.DataFrame({"queue": q, "interval_start": times, "calls": c,
                                  "aht_s": 180.0}) for q, c in (("a", 30.0), ("b", 20.0))])
    requirements(fc, ServiceTarget(0.8, 20, max_occupancy=1.0), 0.0).to_csv(
        tmp_path / "req.csv", index=False)
    (tmp_path / "groups.yaml").write_text("skill_groups:\n  - {name: ab, queues: [a, b]}\n")
    args = ["schedule", str(tmp_path / "req.csv"), "--templates", str(tmp_path / "t.yaml"),
            "--quiet", "--time-limit-s", "5", "--max-occupancy", "1", "--shrinkage", "0"]
    res = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "s.csv"),
                                   "--skill-groups", str(tmp_path / "groups.yaml")])
    assert res.exit_code == 0, res.output
    shifts = pd.read_csv(tmp_path / "s.csv")
    # 6 + 4 Erlang pooled at 80/20: 14 agents (9 + 7 apart), all of group ab
    assert len(shifts) == 14 and set(shifts["skill_group"]) == {"ab"}
    res = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "d.csv")])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(tmp_path / "d.csv")) == 16
    (tmp_path / "bad.yaml").write_text("skill_groups: []\n")
    res = CliRunner().invoke(app, [*args, "--skill-groups", str(tmp_path / "bad.yaml")])
    assert res.exit_code != 0 and "skill_groups" in str(res.exception or res.output)
    assert "--skill-groups" in CliRunner().invoke(app, ["schedule", "--help"]).output
