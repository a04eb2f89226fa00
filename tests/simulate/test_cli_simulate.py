"""The ``wfm simulate`` command on tiny files."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from wfm.cli import app

T0 = pd.Timestamp("2024-01-01 08:00")


def _files(tmp_path):
    idx = pd.date_range(T0, periods=4, freq="30min")
    pd.DataFrame({"queue": "q", "interval_start": idx, "calls": 30.0, "aht_s": 180.0}).to_csv(
        tmp_path / "forecast.csv", index=False)
    pd.DataFrame({"shift_id": ["s0", "s1", "s2", "s3"], "agent_id": ["a0", "a1", "a2", "a3"],
                  "start": T0, "end": T0 + pd.Timedelta("2h")}).to_csv(tmp_path / "shifts.csv", index=False)
    pd.DataFrame({"shift_id": ["s0"], "kind": "break", "name": "break",
                  "start": [T0 + pd.Timedelta("60min")], "end": [T0 + pd.Timedelta("75min")],
                  "paid": True}).to_csv(tmp_path / "breaks.csv", index=False)


def test_simulate_json_and_coverage_file(tmp_path):
    _files(tmp_path)
    out = tmp_path / "coverage.csv"
    res = CliRunner().invoke(app, ["simulate", str(tmp_path), "--forecast", str(tmp_path / "forecast.csv"),
                                   "--replications", "3", "--seed", "1", "--patience-s", "200",
                                   "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    kpis = {row["kpi"]: row for row in payload["kpis"]}
    assert payload["model"] == "erlang_a"
    # 15 min of break over 8 agent-hours
    assert kpis["break_min_per_agent_hour"]["erlang"] == 15 / 8
    assert 0 <= kpis["service_level"]["simulation"] <= 1
    cov = pd.read_csv(out)
    assert list(cov["on_phone"]) == [4.0, 4.0, 3.5, 4.0]
    assert "sim_service_level_low" in cov.columns


def test_simulate_table_and_bad_break_names_file_and_line(tmp_path):
    _files(tmp_path)
    ok = CliRunner().invoke(app, ["simulate", str(tmp_path / "shifts.csv"), "--forecast",
                                  str(tmp_path / "forecast.csv"), "--breaks", str(tmp_path / "breaks.csv"),
                                  "--replications", "2", "--no-progress"])
    assert ok.exit_code == 0, ok.output
    assert "service level" in ok.output
    pd.DataFrame({"shift_id": ["s0", "s9"], "start": [T0, T0], "end": [T0 + pd.Timedelta("5min")] * 2}
                 ).to_csv(tmp_path / "bad.csv", index=False)
    bad = CliRunner().invoke(app, ["simulate", str(tmp_path / "shifts.csv"), "--forecast",
                                   str(tmp_path / "forecast.csv"), "--breaks", str(tmp_path / "bad.csv")])
    assert bad.exit_code != 0
    assert "bad.csv" in str(bad.exception) and "row 3" in str(bad.exception)
