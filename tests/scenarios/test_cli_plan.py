"""wfm plan / compare / store on the tiny scenario (shift plan only: fast)."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from wfm.cli import app

runner = CliRunner()


def test_plan_writes_outputs_and_stores(tiny_scenario_file, tmp_path):
    out = tmp_path / "out"
    db = f"sqlite:///{tmp_path / 'wfm.db'}"
    res = runner.invoke(app, ["plan", str(tiny_scenario_file), "-o", str(out), "--no-roster",
                              "--no-simulate", "-q", "--store", "--db", db])
    assert res.exit_code == 0, res.output
    for name in ("roster.csv", "coverage.csv", "kpis.csv", "costs.csv", "plan.xlsx"):
        assert (out / name).exists(), name
    roster = pd.read_csv(out / "roster.csv")
    kpis = pd.read_csv(out / "kpis.csv").set_index("kpi")["value"]
    assert abs(roster["cost"].sum() - float(kpis["weekly_cost"])) < 0.01 * len(roster)
    assert "stored" in res.output
    res = runner.invoke(app, ["store", "list", "roster", "--db", db])
    assert res.exit_code == 0 and "tiny" in res.output
    res = runner.invoke(app, ["store", "publish", "tiny", "--db", db])
    assert res.exit_code == 0 and "v1" in res.output
    res = runner.invoke(app, ["store", "export", "tiny", "-o", str(tmp_path / "exp"), "--db", db])
    assert res.exit_code == 0, res.output
    again = pd.read_csv(tmp_path / "exp" / "roster.csv")
    assert len(again) == len(roster)


def test_compare_what_if(tiny_scenario_file, tmp_path):
    csv = tmp_path / "cmp.csv"
    res = runner.invoke(app, ["compare", str(tiny_scenario_file), "--what-if",
                              "busier:volume_factor=1.5", "--no-roster", "--no-simulate", "-q",
                              "-o", str(csv)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(csv).set_index("scenario")
    assert list(table.index) == ["tiny", "busier"]
    assert table.loc["busier", "weekly_cost_delta"] > 0


def test_bad_set_is_refused(tiny_scenario_file, tmp_path):
    res = runner.invoke(app, ["plan", str(tiny_scenario_file), "--set", "volume=2", "-q"])
    assert res.exit_code != 0
    assert "--set" in str(res.exception)
