"""Versions of a published roster: diff two versions, agent-day by agent-day."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from solver.result import SolveResult
from wfm.cli import app
from wfm.errors import DataError
from wfm.roster_diff import CHANGE_COLUMNS, roster_changes
from wfm.store import Store

MON = pd.Timestamp("2024-03-04")


def shift(sid, agent, day, hour, hours=8.0, template="d8"):
    start = MON + pd.Timedelta(days=day, hours=hour)
    return {"shift_id": sid, "agent_id": agent, "template": template, "day": start.date(),
            "start": start, "end": start + pd.Timedelta(hours=hours), "paid_h": hours,
            "cost": 10 * hours}


def brk(sid, day, hour, minute=0):
    start = MON + pd.Timedelta(days=day, hours=hour, minutes=minute)
    return {"shift_id": sid, "kind": "break", "name": "coffee", "start": start,
            "end": start + pd.Timedelta(minutes=15), "paid": True}


def roster(shifts, breaks=()):
    return SolveResult(status="OPTIMAL", objective=1.0, bound=1.0, shifts=pd.DataFrame(shifts),
                       breaks=pd.DataFrame(breaks, columns=["shift_id", "kind", "name", "start",
                                                            "end", "paid"]))


V1 = roster([shift("a0", "A", 0, 8), shift("a1", "A", 1, 8), shift("b0", "B", 0, 9),
             shift("c2", "C", 2, 7)],
            [brk("a0", 0, 10), brk("a1", 1, 10), brk("b0", 0, 11), brk("c2", 2, 9)])
# A's Tuesday moves to 10:00; B's Monday break moves; C's Wednesday goes; D gets Wednesday.
V2 = roster([shift("x0", "A", 0, 8), shift("x1", "A", 1, 10), shift("x2", "B", 0, 9),
             shift("x3", "D", 2, 7)],
            [brk("x0", 0, 10), brk("x1", 1, 12), brk("x2", 0, 12), brk("x3", 2, 9)])


def test_changes_by_hand():
    out = roster_changes(V1.shifts, V2.shifts, V1.breaks, V2.breaks)
    assert list(out.columns) == list(CHANGE_COLUMNS)
    got = {(r.agent_id, r.day.isoformat(), r.change) for r in out.itertuples()}
    assert got == {("B", "2024-03-04", "breaks"), ("A", "2024-03-05", "moved"),
                   ("C", "2024-03-06", "removed"), ("D", "2024-03-06", "added")}
    moved = out[out["change"] == "moved"].iloc[0]
    assert moved["old_shift"] == "08:00-16:00 d8: coffee 10:00-10:15"
    assert moved["new_shift"] == "10:00-18:00 d8: coffee 12:00-12:15"
    assert out[out["change"] == "removed"].iloc[0]["new_shift"] == ""
    # shift ids differ between versions, yet A's unchanged Monday is not listed
    assert not ((out["agent_id"] == "A") & (out["day"] == MON.date())).any()
    # without breaks, only the hours count
    assert set(roster_changes(V1.shifts, V2.shifts)["change"]) == {"moved", "removed", "added"}


def test_a_roster_against_itself_has_no_change():
    assert roster_changes(V1.shifts, V1.shifts, V1.breaks, V1.breaks).empty


def test_two_shifts_of_one_agent_on_one_day_are_refused():
    bad = pd.DataFrame([shift("a", "A", 0, 6, 4), shift("b", "A", 0, 14, 4)])
    with pytest.raises(DataError, match="row 1, column 'start'.*two shifts"):
        roster_changes(bad, V1.shifts)
    with pytest.raises(DataError, match="column 'template'"):
        roster_changes(V1.shifts.drop(columns="template"), V1.shifts)


def test_store_keeps_every_version_and_diffs_them(tmp_path):
    with Store(path=tmp_path / "wfm.sqlite3") as db:
        db.save_roster(V1, "week10")
        db.publish_roster("week10", 1)
        db.save_roster(V2, "week10", note="C sick on Wednesday")
        assert db.published_roster("week10").ref.version == 1  # a new version is not published
        assert list(db.list("roster")["version"]) == [1, 2]
        out = db.diff_rosters("week10", 1, 2)
        assert len(out) == 4
        assert out.equals(db.diff_rosters("week10", 1))  # latest by default
        assert len(db.load_roster("week10", 1).shifts) == 4  # v1 kept as it was


def test_cli_store_diff(tmp_path):
    url = f"sqlite:///{tmp_path / 'wfm.sqlite3'}"
    with Store(url) as db:
        db.save_roster(V1, "week10")
        db.save_roster(V2, "week10")
        db.save_roster(V2, "week10")
    runner = CliRunner()
    res = runner.invoke(app, ["store", "diff", "week10", "1", "2", "--db", url,
                              "-o", str(tmp_path / "changes.csv")])
    assert res.exit_code == 0, res.output
    assert "4 agent-days changed, 4 agents to tell" in res.output
    assert len(pd.read_csv(tmp_path / "changes.csv")) == 4
    res = runner.invoke(app, ["store", "diff", "week10", "2", "3", "--db", url])
    assert res.exit_code == 0 and "no change" in res.output
