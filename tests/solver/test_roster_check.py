"""The independent roster checker, rule by rule on rosters written by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from solver import build_roster
from wfm.errors import DataError, InputError
from wfm.roster_check import BREACH_COLUMNS, roster_breaches
from wfm.types import Agent, BreakRule, Contract, ShiftTemplate, TimeWindow

WS = pd.Timestamp("2024-01-08")  # Monday
FLEX = Contract("flex", 0, 60, 0, 7, max_consecutive_days=6, min_rest_h=11)


def shifts(*rows: tuple[str, str, float]) -> pd.DataFrame:
    """rows: (agent, start "YYYY-MM-DD HH:MM", hours)."""
    out = []
    for aid, start, hours in rows:
        s = pd.Timestamp(start)
        out.append({"agent_id": aid, "start": s, "end": s + pd.Timedelta(hours=hours),
                    "paid_h": hours})
    return pd.DataFrame(out, columns=["agent_id", "start", "end", "paid_h"])


def run_of_days(aid: str, first: pd.Timestamp, n: int, hour: int = 9) -> list[tuple]:
    return [(aid, f"{first + pd.Timedelta(days=d, hours=hour):%Y-%m-%d %H:%M}", 8)
            for d in range(n)]


def rules(frame: pd.DataFrame) -> list[str]:
    return sorted(frame["rule"])


def test_a_legal_week_has_no_breach():
    roster = shifts(*run_of_days("A", WS, 5))
    out = roster_breaches(roster, [Agent("A", "flex")], {"flex": FLEX}, week_start=WS)
    assert list(out.columns) == list(BREACH_COLUMNS)
    assert out.empty


def test_sunday_late_then_monday_early_is_refused_across_the_boundary():
    last_week = shifts(("A", "2024-01-07 15:00", 8))  # Sunday 15:00-23:00
    roster = shifts(("A", "2024-01-08 07:00", 8))  # Monday 07:00: 8 h of rest
    agents, contracts = [Agent("A", "flex")], {"flex": FLEX}
    out = roster_breaches(roster, agents, contracts, week_start=WS, previous=last_week)
    assert rules(out) == ["min rest"]
    assert out.iloc[0]["day"] == dt.date(2024, 1, 8)
    assert "8 h" in out.iloc[0]["detail"] and "11 h" in out.iloc[0]["detail"]
    # the same week read alone is legal: the breach lives only across the boundary
    assert roster_breaches(roster, agents, contracts, week_start=WS).empty
    # with 11 h of rest it is legal across the boundary too
    later = shifts(("A", "2024-01-08 10:00", 8))
    assert roster_breaches(later, agents, contracts, week_start=WS, previous=last_week).empty


def test_six_plus_six_consecutive_days_are_refused():
    last_week = shifts(*run_of_days("A", WS - pd.Timedelta(days=6), 6))  # Tue-Sun
    roster = shifts(*run_of_days("A", WS, 6))  # Mon-Sat
    agents, contracts = [Agent("A", "flex")], {"flex": FLEX}
    out = roster_breaches(roster, agents, contracts, week_start=WS, previous=last_week)
    assert rules(out) == ["max consecutive days"]
    assert "12 days in a row" in out.iloc[0]["detail"]
    assert roster_breaches(roster, agents, contracts, week_start=WS).empty


def test_a_run_entirely_before_the_week_is_not_this_rosters_breach():
    last_week = shifts(*run_of_days("A", WS - pd.Timedelta(days=9), 8))  # ends Saturday
    roster = shifts(*run_of_days("A", WS + pd.Timedelta(days=1), 3))
    out = roster_breaches(roster, [Agent("A", "flex")], {"flex": FLEX}, week_start=WS,
                          previous=last_week)
    assert out.empty


def test_weekly_rules_each_named():
    strict = Contract("strict", 30, 40, 4, 5, max_consecutive_days=7, min_rest_h=11,
                      two_consecutive_days_off=True, max_weekend_days=1)
    # Mon, Wed, Fri, Sat, Sun: 5 days, no two days off in a row, two weekend days, 40 h
    days = [0, 2, 4, 5, 6]
    roster = shifts(*[("A", f"{WS + pd.Timedelta(days=d, hours=9):%Y-%m-%d %H:%M}", 8)
                      for d in days])
    out = roster_breaches(roster, [Agent("A", "strict")], {"strict": strict}, week_start=WS)
    assert rules(out) == ["two consecutive days off", "weekend limit"]
    # two short days: too few hours and days
    short = shifts(("A", "2024-01-08 09:00", 4), ("A", "2024-01-09 09:00", 4))
    out = roster_breaches(short, [Agent("A", "strict")], {"strict": strict}, week_start=WS)
    assert rules(out) == ["days per week", "weekly hours"]


def test_an_agent_with_no_shift_still_owes_the_contract_minimum():
    c = Contract("min", 20, 40, 3, 5)
    out = roster_breaches(shifts(), [Agent("A", "min")], {"min": c}, week_start=WS)
    assert rules(out) == ["days per week", "weekly hours"]


def test_time_off_availability_overlap_and_unknown_agent():
    a = Agent("A", "flex", time_off=(dt.date(2024, 1, 9),),
              availability=(TimeWindow(0, 8 * 60, 18 * 60), TimeWindow(1, 0, 24 * 60)))
    roster = shifts(("A", "2024-01-08 12:00", 8),  # Mon 12-20: past the 18:00 window
                    ("A", "2024-01-09 09:00", 4),  # Tue: approved time off
                    ("A", "2024-01-09 11:00", 2),  # overlaps the one before
                    ("Z", "2024-01-10 09:00", 8))
    out = roster_breaches(roster, [a], {"flex": FLEX}, week_start=WS)
    assert rules(out) == ["availability", "overlap", "time off", "time off", "unknown agent"]


def test_two_weeks_are_counted_week_by_week():
    c = Contract("c", 0, 40, 0, 5, max_consecutive_days=7)
    roster = shifts(*run_of_days("A", WS, 5), *run_of_days("A", WS + pd.Timedelta(days=7), 6))
    out = roster_breaches(roster, [Agent("A", "c")], {"c": c}, week_start=WS, weeks=2)
    assert rules(out) == ["days per week", "weekly hours"]
    assert set(out["day"]) == {dt.date(2024, 1, 15)}


def test_bad_input_is_named():
    agents, contracts = [Agent("A", "flex")], {"flex": FLEX}
    with pytest.raises(DataError, match="column 'paid_h'"):
        roster_breaches(pd.DataFrame({"agent_id": ["A"], "start": [WS], "end": [WS]}),
                        agents, contracts, week_start=WS)
    backwards = shifts(("A", "2024-01-08 09:00", 8))
    backwards.loc[0, "end"] = WS
    with pytest.raises(DataError, match="row 0, column 'end'"):
        roster_breaches(backwards, agents, contracts, week_start=WS)
    with pytest.raises(DataError, match="before week_start"):
        roster_breaches(shifts(), agents, contracts, week_start=WS,
                        previous=shifts(("A", "2024-01-08 09:00", 8)))
    with pytest.raises(InputError, match="weeks"):
        roster_breaches(shifts(), agents, contracts, week_start=WS, weeks=0)
    with pytest.raises(InputError, match="contract"):
        roster_breaches(shifts(), [Agent("A", "nope")], contracts, week_start=WS)


def test_the_solvers_roster_passes_the_independent_check():
    brk = BreakRule("break", 15, 60, 120)
    t8 = ShiftTemplate("d8", 480, 6 * 60, 14 * 60, 60, breaks=(brk,), cost_per_hour=10)
    tight = Contract("tight", 16, 32, 2, 4, max_consecutive_days=3, min_rest_h=12,
                     two_consecutive_days_off=True, max_weekend_days=1)
    agents = [Agent(f"A{i}", "tight", skills={"q"}) for i in range(6)]
    idx = pd.date_range(WS, periods=7 * 96, freq="15min")
    hours = idx.hour + idx.minute / 60
    need = np.where((hours >= 7) & (hours < 21), 2.0, 0.0)
    req = pd.DataFrame({"queue": "q", "interval_start": idx, "staff_needed": need})
    res = build_roster(req, agents, {"tight": tight}, [t8], time_limit_s=10, num_workers=1,
                       lead_ratio=0)
    assert res.success and len(res.shifts) >= 12
    assert roster_breaches(res.shifts, agents, {"tight": tight}, week_start=WS).empty
