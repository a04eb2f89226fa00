"""wfm erlang and wfm staff on the command line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from wfm import erlang
from wfm.cli import app
from wfm.errors import DataError
from wfm.staffing import fill_missing_aht

runner = CliRunner()


def test_erlang_json_contract():
    out = runner.invoke(app, ["erlang", "--calls", "100", "--aht-s", "180", "--interval-min", "30",
                              "--target", "0.8", "--answer-within-s", "20", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert {"agents", "service_level", "asa_s", "occupancy"} <= set(data)
    assert data["agents"] == 14
    assert np.isclose(data["service_level"], erlang.service_level(14, 10.0, 180.0, 20.0))
    assert np.isclose(data["occupancy"], 10 / 14)


def test_erlang_json_with_patience_uses_erlang_a():
    out = runner.invoke(app, ["erlang", "--calls", "100", "--aht-s", "180", "--patience-s", "300", "--json"])
    data = json.loads(out.stdout)
    r = erlang.erlang_a(data["agents"], 10.0, 180.0, 300.0, 20.0)
    assert np.isclose(data["p_abandon"], r.p_abandon)
    assert data["agents"] <= 14


def test_erlang_table_and_bad_input():
    out = runner.invoke(app, ["erlang", "--calls", "100", "--aht-s", "180"])
    assert out.exit_code == 0 and "agents on phones" in out.output and "ASA [s]" in out.output
    bad = runner.invoke(app, ["erlang", "--calls", "100", "--aht-s", "0"])
    assert bad.exit_code != 0 and "aht" in str(bad.exception)


def _history(tmp_path):
    frame = pd.DataFrame(
        {
            "queue": "sales",
            "interval_start": pd.date_range("2026-03-02 08:00", periods=4, freq="30min"),
            "calls": [100, 50, 3, 0],
            "aht_s": [180.0, 240.0, np.nan, np.nan],
        }
    )
    path = tmp_path / "history.csv"
    frame.to_csv(path, index=False)
    return path


def test_staff_writes_requirements(tmp_path):
    out_path = tmp_path / "req.csv"
    res = runner.invoke(app, ["staff", str(_history(tmp_path)), "-o", str(out_path),
                              "--max-occupancy", "1", "--shrinkage", "0.3"])
    assert res.exit_code == 0, res.output
    req = pd.read_csv(out_path)
    assert req["agents_needed"].iloc[0] == 14
    assert req["staff_needed"].iloc[0] == 20  # 14 / 0.7
    assert req["agents_needed"].iloc[3] == 0
    # The all-abandoned interval got the queue's volume-weighted AHT, and said so.
    assert np.isclose(req["aht_s"].iloc[2], (100 * 180 + 50 * 240) / 150)
    assert "1 intervals had calls but no handled call" in res.output


def test_staff_refuses_missing_aht_when_asked(tmp_path):
    res = runner.invoke(app, ["staff", str(_history(tmp_path)), "--no-fill-aht", "-o", str(tmp_path / "r.csv")])
    assert res.exit_code != 0
    assert "aht_s" in str(res.exception)


def test_fill_missing_aht_needs_some_aht():
    frame = pd.DataFrame({"queue": ["a", "a"], "calls": [1.0, 2.0], "aht_s": [np.nan, np.nan]})
    with pytest.raises(DataError, match="no handle time"):
        fill_missing_aht(frame)
