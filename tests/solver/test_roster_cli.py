"""``wfm roster`` on a tiny week."""

from __future__ import annotations

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from wfm.agents import save_agents
from wfm.cli import app
from wfm.types import Agent

TEMPLATES = """
- name: day 8h
  length_min: 480
  earliest_start_min: 480
  latest_start_min: 480
  start_step_min: 60
  cost_per_hour: 10
  breaks:
    - {name: break, length_min: 15, earliest_start_min: 60, latest_start_min: 120, paid: true}
"""
CONTRACTS = "name,min_hours_week,max_hours_week,max_days_week\nany,0,40,5\n"


def _files(tmp_path):
    ws = pd.Timestamp("2024-01-01")
    idx = pd.date_range(ws, periods=7 * 96, freq="15min")
    hours = idx.hour + idx.minute / 60
    need = np.where(((idx - ws).days < 2) & (hours >= 8) & (hours < 16), 1, 0)
    req = pd.DataFrame({"queue": "q", "interval_start": idx, "staff_needed": need})
    req.to_csv(tmp_path / "req.csv", index=False)
    (tmp_path / "templates.yaml").write_text(TEMPLATES)
    (tmp_path / "contracts.csv").write_text(CONTRACTS)
    save_agents([Agent("A1", "any", skills={"q"}, team="T"),
                 Agent("A2", "any", skills={"q"}, team="T", is_lead=True)],
                tmp_path / "agents.csv")


def test_roster_command_writes_the_roster(tmp_path):
    _files(tmp_path)
    out = tmp_path / "roster.csv"
    res = CliRunner().invoke(app, [
        "roster", str(tmp_path / "req.csv"), "--agents", str(tmp_path / "agents.csv"),
        "--templates", str(tmp_path / "templates.yaml"), "--contracts",
        str(tmp_path / "contracts.csv"), "-o", str(out), "--time-limit-s", "10",
        "--workers", "1", "--lead-ratio", "0", "--quiet",
        "--penalties", str(tmp_path / "pen.csv"),
    ])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out)
    assert set(table["weekday"]) == {"Mon", "Tue"}
    assert table["breaks"].str.contains("break").all()
    assert "wrote 2 agent-days" in res.output
    assert (tmp_path / "pen.csv").exists()


def test_roster_command_reports_infeasible(tmp_path):
    _files(tmp_path)
    (tmp_path / "contracts.csv").write_text("name,min_hours_week,max_hours_week\nany,50,60\n")
    res = CliRunner().invoke(app, [
        "roster", str(tmp_path / "req.csv"), "--agents", str(tmp_path / "agents.csv"),
        "--templates", str(tmp_path / "templates.yaml"), "--contracts",
        str(tmp_path / "contracts.csv"), "--quiet", "--time-limit-s", "5", "--workers", "1",
        "-o", str(tmp_path / "r.csv"),
    ])
    assert res.exit_code == 1
    assert "INFEASIBLE" in res.output and "weekly hours" in res.output


def _roster(tmp_path, *extra):
    """``wfm roster`` on the files of :func:`_files`, with ``extra`` options."""
    return CliRunner().invoke(app, [
        "roster", str(tmp_path / "req.csv"), "--agents", str(tmp_path / "agents.csv"),
        "--templates", str(tmp_path / "templates.yaml"), "--contracts",
        str(tmp_path / "contracts.csv"), "-o", str(tmp_path / "r.csv"), "--workers", "1",
        "--quiet", *extra])


def test_roster_command_continues_last_weeks_shifts(tmp_path):
    _files(tmp_path)
    (tmp_path / "last_week.csv").write_text(
        "agent_id,start,end\nA1,2023-12-31 15:00,2023-12-31 23:00\n")
    res = _roster(tmp_path, "--time-limit-s", "10", "--lead-ratio", "0",
                  "--previous", str(tmp_path / "last_week.csv"))
    assert res.exit_code == 0, res.output
    table = pd.read_csv(tmp_path / "r.csv")
    # A1 ends Sunday at 23:00: its 11 h of rest rule out the 08:00 Monday shift
    assert list(table.loc[table["weekday"] == "Mon", "agent_id"]) == ["A2"]


def test_roster_command_names_a_bad_previous_file(tmp_path):
    _files(tmp_path)
    (tmp_path / "last_week.csv").write_text("agent_id,start,end\nA1,2023-12-31 15:00,never\n")
    res = _roster(tmp_path, "--previous", str(tmp_path / "last_week.csv"))
    assert res.exit_code != 0
    assert "last_week.csv, row 2, column 'end'" in str(res.exception)
