"""Rules across the week boundary: the week before carries its rest and its run of days."""

from __future__ import annotations

import numpy as np
import pandas as pd

from solver import build_roster
from wfm.roster_check import roster_breaches
from wfm.types import Agent, BreakRule, Contract, ShiftTemplate, TimeWindow

WS = pd.Timestamp("2024-01-08")  # Monday
T8 = ShiftTemplate("d8", 480, 7 * 60, 12 * 60, 60, breaks=(BreakRule("break", 15, 60, 120),),
                   cost_per_hour=10)


def requirement(days, h0=7, h1=15, n=1):
    idx = pd.date_range(WS, periods=7 * 96, freq="15min")
    hours = idx.hour + idx.minute / 60
    on = np.isin((idx - WS).days, list(days)) & (hours >= h0) & (hours < h1)
    return pd.DataFrame({"queue": "q", "interval_start": idx, "staff_needed": np.where(on, n, 0.0)})


def previous(*rows):
    return pd.DataFrame([{"agent_id": a, "start": pd.Timestamp(s),
                          "end": pd.Timestamp(s) + pd.Timedelta(hours=h), "paid_h": h}
                         for a, s, h in rows])


def solve(req, agents, contracts, **kw):
    return build_roster(req, agents, contracts, [T8], time_limit_s=10, num_workers=1,
                        lead_ratio=0, **kw)


def test_monday_start_waits_for_the_rest_after_sunday_late():
    c = {"c": Contract("c", 0, 40, 0, 5, min_rest_h=11)}
    agents = [Agent("A", "c", skills={"q"})]
    req = requirement([0])
    free = solve(req, agents, c)
    assert free.success and free.shifts["start"].iloc[0] == WS + pd.Timedelta(hours=7)
    last = previous(("A", "2024-01-07 15:00", 8))  # Sunday to 23:00
    res = solve(req, agents, c, previous=last)
    assert res.success and len(res.shifts) == 1
    assert res.shifts["start"].iloc[0] >= WS + pd.Timedelta(hours=10)
    assert roster_breaches(res.shifts, agents, c, week_start=WS, previous=last).empty
    # the same roster read without its history would have passed: the check is real
    assert not roster_breaches(free.shifts, agents, c, week_start=WS, previous=last).empty


def test_six_days_before_the_week_and_six_in_it_are_refused():
    c = {"c": Contract("c", 0, 60, 0, 7, max_consecutive_days=6, min_rest_h=11)}
    agents = [Agent("A", "c", skills={"q"})]
    req = requirement(range(7))
    last = previous(*[("A", f"{WS - pd.Timedelta(days=6 - d):%Y-%m-%d} 07:00", 8)
                      for d in range(6)])  # Tuesday to Sunday
    res = solve(req, agents, c, previous=last)
    assert res.success
    days = sorted((pd.Timestamp(s).normalize() - WS).days for s in res.shifts["start"])
    assert 0 not in days and len(days) == 6  # Monday off, then Tuesday-Sunday
    assert roster_breaches(res.shifts, agents, c, week_start=WS, previous=last).empty


def test_an_agent_the_boundary_leaves_no_legal_week_is_named_with_the_rule():
    c = {"c": Contract("c", 8, 40, 1, 5, min_rest_h=11)}
    agents = [Agent("A", "c", skills={"q"}, availability=(TimeWindow(0, 7 * 60, 15 * 60),))]
    last = previous(("A", "2024-01-07 15:00", 8))
    assert solve(requirement([0]), agents, c).success
    res = solve(requirement([0]), agents, c, previous=last)
    assert res.status == "INFEASIBLE"
    assert "agent A" in res.message and "rest" in res.message
    assert "Sun 07 Jan 23:00" in res.message


def test_history_of_agents_not_in_the_team_is_ignored():
    c = {"c": Contract("c", 0, 40, 0, 5, min_rest_h=11)}
    agents = [Agent("A", "c", skills={"q"})]
    res = solve(requirement([0]), agents, c, previous=previous(("Z", "2024-01-07 15:00", 8)))
    assert res.success and res.shifts["start"].iloc[0] == WS + pd.Timedelta(hours=7)
