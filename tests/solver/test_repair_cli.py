"""``wfm repair`` on a stored roster: a new version with the changes, or nothing stored."""

from __future__ import annotations

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from solver import build_roster
from solver.templates import load_templates
from wfm.agents import load_contracts, save_agents
from wfm.cli import app
from wfm.store import Store
from wfm.types import Agent

TEMPLATES = """
- name: day 8h
  length_min: 480
  earliest_start_min: 420
  latest_start_min: 600
  start_step_min: 60
  cost_per_hour: 10
  breaks:
    - {name: break, length_min: 15, earliest_start_min: 60, latest_start_min: 120, paid: true}
"""
CONTRACTS = "name,min_hours_week,max_hours_week,max_days_week\nany,0,40,5\n"
WS = pd.Timestamp("2024-01-01")


def _setup(tmp_path):
    idx = pd.date_range(WS, periods=7 * 96, freq="15min")
    hours = idx.hour + idx.minute / 60
    need = np.where(((idx - WS).days < 5) & (hours >= 8) & (hours < 16), 1, 0)
    req = pd.DataFrame({"queue": "q", "interval_start": idx, "staff_needed": need})
    req.to_csv(tmp_path / "req.csv", index=False)
    (tmp_path / "templates.yaml").write_text(TEMPLATES)
    (tmp_path / "contracts.csv").write_text(CONTRACTS)
    agents = [Agent(f"A{i}", "any", skills={"q"}) for i in range(3)]
    save_agents(agents, tmp_path / "agents.csv")
    contracts = load_contracts(tmp_path / "contracts.csv")
    res = build_roster(req, agents, contracts, load_templates(tmp_path / "templates.yaml"),
                       time_limit_s=10, num_workers=1, lead_ratio=0)
    url = f"sqlite:///{tmp_path / 'wfm.sqlite3'}"
    with Store(url) as st:
        st.save_roster(res, "week1")
        st.publish_roster("week1", 1)
    return res, url


def _args(tmp_path, url, *extra):
    return ["repair", str(tmp_path / "req.csv"), "--roster", "week1", "--agents",
            str(tmp_path / "agents.csv"), "--templates", str(tmp_path / "templates.yaml"),
            "--contracts", str(tmp_path / "contracts.csv"), "--db", url, "--lead-ratio", "0",
            "--workers", "1", "--time-limit-s", "10", "-o", str(tmp_path / "changes.csv"),
            *extra]


def test_repair_stores_a_new_version_and_lists_the_changes(tmp_path):
    res, url = _setup(tmp_path)
    sick = res.shifts[res.shifts["day"] == (WS + pd.Timedelta(days=2)).date()]["agent_id"].iloc[0]
    out = CliRunner().invoke(app, _args(tmp_path, url, "--absent", f"{sick}:2024-01-03"))
    assert out.exit_code == 0, out.output
    assert "stored roster week1 v2 (v1 kept)" in out.output
    changes = pd.read_csv(tmp_path / "changes.csv")
    assert set(changes["day"]) == {"2024-01-03"}
    assert (changes["cause"] == "absent (sick)").sum() == 1
    assert (changes["cause"] == "repair").sum() == 1  # somebody else covers Wednesday
    with Store(url) as st:
        assert len(st.load_roster("week1", 1).shifts) == len(res.shifts)  # untouched
        assert st.published_roster("week1").ref.version == 1
        assert len(st.diff_rosters("week1", 1, 2)) == len(changes)


def test_a_failed_repair_stores_nothing(tmp_path):
    res, url = _setup(tmp_path)
    monday = res.shifts[res.shifts["day"] == WS.date()]["agent_id"].iloc[0]
    # last week, unknown when this roster was published: Monday's agent closed Sunday
    (tmp_path / "last.csv").write_text(f"agent_id,start,end\n{monday},2023-12-31 16:00,"
                                       "2024-01-01 00:00\n")
    out = CliRunner().invoke(app, _args(tmp_path, url, "--absent", "A2:2024-01-03",
                                        "--previous", str(tmp_path / "last.csv")))
    assert out.exit_code == 1
    assert f"agent {monday}" in out.output and "min rest" in out.output
    with Store(url) as st:
        assert list(st.list("roster")["version"]) == [1]


def test_swaps_and_bad_options_are_reported(tmp_path):
    _, url = _setup(tmp_path)
    out = CliRunner().invoke(app, _args(tmp_path, url, "--swap", "A0,A1,2024-01-06", "--no-save"))
    assert out.exit_code == 0 and "refused: neither agent works that day" in out.output
    with Store(url) as st:
        assert list(st.list("roster")["version"]) == [1]  # --no-save
    bad = CliRunner().invoke(app, _args(tmp_path, url, "--absent", "A0"))
    assert bad.exit_code != 0 and "AGENT:DAYS" in str(bad.exception)
