"""Exports (CSV, Excel, iCalendar), formula-injection guard, agents CSV import."""

from __future__ import annotations

import csv

import openpyxl
import pandas as pd
import pytest
from icalendar import Calendar

from solver.result import SolveResult
from wfm.errors import DataError
from wfm.exports import (
    load_agents_csv,
    neutralise,
    neutralise_frame,
    roster_table,
    write_excel,
    write_icalendar,
    write_roster_csv,
)
from wfm.types import Contract

MON = pd.Timestamp("2024-03-04")
EVIL = ("=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd")


def _roster() -> SolveResult:
    rows, brk = [], []
    agents = ["A1", "=cmd|' /C calc'!A0", "@evil"]
    for i, a in enumerate(agents):
        start = MON + pd.Timedelta(hours=8 + i)
        rows.append({"shift_id": f"s{i}", "agent_id": a, "template": "-day" if i == 2 else "day",
                     "day": start.date(), "start": start, "end": start + pd.Timedelta(hours=8.5),
                     "paid_h": 8.0, "cost": -5.0 if i == 0 else 160.0})
        brk.append({"shift_id": f"s{i}", "kind": "break", "name": "lunch",
                    "start": start + pd.Timedelta(hours=4),
                    "end": start + pd.Timedelta(hours=4, minutes=30), "paid": False})
        brk.append({"shift_id": f"s{i}", "kind": "break", "name": "coffee",
                    "start": start + pd.Timedelta(hours=2),
                    "end": start + pd.Timedelta(hours=2, minutes=15), "paid": True})
    brk.append({"shift_id": "s0", "kind": "meeting", "name": "team meeting",
                "start": MON + pd.Timedelta(hours=14), "end": MON + pd.Timedelta(hours=14, minutes=30),
                "paid": True})
    # a night shift of A1 that ends the next day
    rows.append({"shift_id": "s9", "agent_id": "A1", "template": "night", "day": MON.date(),
                 "start": MON + pd.Timedelta(days=1, hours=22),
                 "end": MON + pd.Timedelta(days=2, hours=6), "paid_h": 8.0, "cost": 200.0})
    return SolveResult(status="OPTIMAL", objective=1.0, bound=1.0, shifts=pd.DataFrame(rows),
                       breaks=pd.DataFrame(brk))


@pytest.mark.parametrize("text", EVIL)
def test_neutralise_prefixes_dangerous_text(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["A1", "lunch", "", 5, -3.5, None, "'=already"])
def test_neutralise_leaves_safe_values(value):
    assert neutralise(value) == value


def test_neutralise_frame_keeps_numbers():
    f = pd.DataFrame({"a": ["=1", "x"], "n": [-1.0, 2.0]})
    out = neutralise_frame(f)
    assert out["a"].tolist() == ["'=1", "x"] and out["n"].tolist() == [-1.0, 2.0]
    assert f["a"].tolist() == ["=1", "x"]  # input untouched


def test_roster_table_spells_out_breaks_and_next_day_ends():
    t = roster_table(_roster())
    a1 = t[t["agent_id"] == "A1"].reset_index(drop=True)
    assert a1["start"].tolist() == ["08:00", "22:00"]
    assert a1["end"].tolist() == ["16:30", "06:00 +1"]
    assert a1.loc[0, "breaks"] == "10:00-10:15 coffee; 12:00-12:30 lunch (unpaid)"
    assert a1.loc[0, "activities"] == "14:00-14:30 team meeting"
    assert a1.loc[0, "weekday"] == "Mon" and a1.loc[1, "weekday"] == "Tue"


def test_roster_csv_is_neutralised(tmp_path):
    path = write_roster_csv(_roster(), tmp_path / "roster.csv")
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    ids = {r["agent_id"] for r in rows}
    assert "'=cmd|' /C calc'!A0" in ids and "'@evil" in ids and "A1" in ids
    assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values())
    templates = {r["template"] for r in rows}
    assert "'-day" in templates
    costs = sorted(float(r["cost"]) for r in rows)
    assert costs[0] == -5.0  # a negative number stays a number


def test_excel_has_four_sheets_and_no_formulas(tmp_path):
    res = _roster()
    coverage = pd.DataFrame({"interval_start": pd.date_range(MON, periods=3, freq="30min"),
                             "scheduled": [1, 2, 3], "note": ["ok", "+bad", "=1+1"]})
    path = write_excel(tmp_path / "plan.xlsx", roster=roster_table(res), coverage=coverage,
                       kpis={"service_level": 0.81, "=evil": 1.0},
                       costs=pd.DataFrame({"total": [100.0]}, index=pd.Index(["@full"], name="contract")))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["roster", "coverage", "KPIs", "costs"]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@")), cell.value
    values = [c.value for c in wb["coverage"]["C"]]
    assert values == ["note", "ok", "'+bad", "'=1+1"]
    assert [c.value for c in wb["KPIs"]["A"]] == ["measure", "service_level", "'=evil"]
    assert wb["costs"]["A2"].value == "'@full"
    assert wb["coverage"]["B4"].value == 3
    roster_ids = {c.value for c in wb["roster"]["A"]}
    assert "'=cmd|' /C calc'!A0" in roster_ids


def test_icalendar_one_file_per_agent(tmp_path):
    paths = write_icalendar(_roster(), tmp_path / "ics")
    assert set(paths) == {"A1", "=cmd|' /C calc'!A0", "@evil"}
    assert len({p.name for p in paths.values()}) == 3
    cal = Calendar.from_ical(paths["A1"].read_bytes())
    events = [c for c in cal.walk("VEVENT")]
    summaries = sorted(str(e["summary"]) for e in events)
    assert summaries == ["Meeting: team meeting", "Shift: day", "Shift: night"]
    night = next(e for e in events if str(e["summary"]) == "Shift: night")
    assert night.decoded("dtstart") == (MON + pd.Timedelta(days=1, hours=22)).to_pydatetime()
    assert night.decoded("dtend") == (MON + pd.Timedelta(days=2, hours=6)).to_pydatetime()
    day = next(e for e in events if str(e["summary"]) == "Shift: day")
    assert "12:00-12:30 lunch (unpaid)" in str(day["description"])


def test_icalendar_refuses_anonymous_plan(tmp_path):
    res = _roster()
    res.shifts["agent_id"] = ""
    with pytest.raises(Exception, match="named agents"):
        write_icalendar(res, tmp_path)


GOOD = """id,contract,skills,team,is_lead,cost_per_hour,preferred_start,preferred_days_off,time_off
A1,full-time,bank;loans,red,yes,21.5,8:30,Sat;Sun,2024-03-08
A2,part-time,,blue,,,,,
"""


def test_load_agents_csv(tmp_path):
    f = tmp_path / "agents.csv"
    f.write_text(GOOD)
    a1, a2 = load_agents_csv(f, contracts={"full-time": Contract("full-time"),
                                           "part-time": Contract("part-time")})
    assert a1.skills == frozenset({"bank", "loans"}) and a1.is_lead and a1.team == "red"
    assert a1.cost_per_hour == 21.5 and a1.preferred_start_min == 510
    assert a1.preferred_days_off == (5, 6)
    assert a1.time_off == (pd.Timestamp("2024-03-08").date(),)
    assert a2.skills == frozenset({"default"}) and a2.cost_per_hour is None and not a2.is_lead


@pytest.mark.parametrize(
    ("line", "column", "value"),
    [("A2,temp,,,,,,,", "contract", "temp"),
     ("A1,part-time,,,,,,,", "id", "A1"),
     (",part-time,,,,,,,", "id", ""),
     ("A3,part-time,,,maybe,,,,", "is_lead", "maybe"),
     ("A3,part-time,,,,-4,,,", "cost_per_hour", "-4"),
     ("A3,part-time,,,,,25:99,,", "preferred_start", "25:99"),
     ("A3,part-time,,,,,,Funday,", "preferred_days_off", "Funday"),
     ("A3,part-time,,,,,,,2024-02-30", "time_off", "2024-02-30")],
)
def test_agents_csv_errors_name_line_column_value(tmp_path, line, column, value):
    f = tmp_path / "agents.csv"
    f.write_text(GOOD.splitlines()[0] + "\n" + GOOD.splitlines()[1] + "\n" + line + "\n")
    with pytest.raises(DataError) as info:
        load_agents_csv(f, contracts=["full-time", "part-time"])
    err = info.value
    assert (err.row, err.column, err.value) == (3, column, value)
    assert str(f) in str(err)


def test_agents_csv_missing_or_unknown_column(tmp_path):
    f = tmp_path / "agents.csv"
    f.write_text("id,skills\nA1,bank\n")
    with pytest.raises(DataError, match="missing column 'contract'"):
        load_agents_csv(f)
    f.write_text("id,contract,colour\nA1,x,red\n")
    with pytest.raises(DataError, match="colour"):
        load_agents_csv(f)
