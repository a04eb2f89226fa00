"""Repairing a published roster: absences, new requirement, swaps; untouched rows kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solver import build_roster, repair_roster
from wfm.changes import Absence, RequirementUpdate, ShiftSwap, parse_days
from wfm.errors import InputError
from wfm.roster_check import roster_breaches
from wfm.types import Agent, BreakRule, Contract, ShiftTemplate

WS = pd.Timestamp("2024-01-08")  # Monday
BRK = BreakRule("break", 15, 60, 120)
EARLY = ShiftTemplate("early", 480, 7 * 60, 9 * 60, 60, breaks=(BRK,), cost_per_hour=10)
LATE = ShiftTemplate("late", 480, 13 * 60, 15 * 60, 60, breaks=(BRK,), cost_per_hour=10)
C = {"c": Contract("c", 0, 40, 0, 5, min_rest_h=11)}
WED, THU = WS.date() + pd.Timedelta(days=2), WS.date() + pd.Timedelta(days=3)


def requirement(n=2, days=range(5)):
    idx = pd.date_range(WS, periods=7 * 96, freq="15min")
    hours = idx.hour + idx.minute / 60
    on = np.isin((idx - WS).days, list(days)) & (hours >= 7) & (hours < 23)
    return pd.DataFrame({"queue": "q", "interval_start": idx, "staff_needed": np.where(on, n, 0.0)})


def team(n=6):
    return [Agent(f"A{i}", "c", skills={"q"}) for i in range(n)]


@pytest.fixture(scope="module")
def published():
    res = build_roster(requirement(), team(), C, [EARLY, LATE], time_limit_s=10, num_workers=1,
                       lead_ratio=0)
    assert res.success
    return res


def repair(published, changes, req=None, **kw):
    kw.setdefault("time_limit_s", 10)
    return repair_roster(published, changes, team(), C, [EARLY, LATE],
                         requirement() if req is None else req, lead_ratio=0, num_workers=1, **kw)


def test_an_absence_is_covered_and_every_other_day_is_kept_byte_for_byte(published):
    sick = published.shifts[published.shifts["day"] == WED]["agent_id"].iloc[0]
    res = repair(published, [Absence(sick, [WED])])
    assert res.success, res.message
    assert not ((res.shifts["agent_id"] == sick) & (res.shifts["day"] == WED)).any()
    assert roster_breaches(res.shifts, team(), C, week_start=WS).empty
    # every agent-day the repair did not change keeps its published row exactly
    touched = set(zip(res.changes["agent_id"], res.changes["day"], strict=True))
    keep = [(r.agent_id, r.day) not in touched for r in published.shifts.itertuples()]
    before = published.shifts[keep].sort_values("shift_id").reset_index(drop=True)
    after = res.shifts[res.shifts["shift_id"].isin(before["shift_id"])]
    pd.testing.assert_frame_equal(before, after.sort_values("shift_id").reset_index(drop=True))
    kept_breaks = published.breaks[published.breaks["shift_id"].isin(before["shift_id"])]
    pd.testing.assert_frame_equal(
        kept_breaks.reset_index(drop=True),
        res.breaks[res.breaks["shift_id"].isin(before["shift_id"])].reset_index(drop=True))
    # only Wednesday changes; the lost day is listed with its cause
    assert set(res.changes["day"]) == {WED}
    lost = res.changes[res.changes["cause"] == "absent (sick)"]
    assert list(lost["agent_id"]) == [sick] and list(lost["change"]) == ["removed"]


def test_the_repair_covers_what_the_absence_leaves_unmet(published):
    wed = published.shifts[published.shifts["day"] == WED]
    sick = list(wed["agent_id"].iloc[:2])
    res = repair(published, [Absence(a, [WED]) for a in sick])
    assert res.success
    assert res.stats["changed_agent_days"] >= 1  # somebody else works Wednesday
    unchanged = repair(published, [Absence(a, [WED]) for a in sick], change_cost=1e6)
    assert unchanged.stats["changed_agent_days"] == 0  # too dear to change anyone
    assert res.stats["unmet_h"] < unchanged.stats["unmet_h"]


def test_a_requirement_update_reshapes_only_its_day(published):
    busy = requirement(n=3, days=[3])
    busy.loc[(busy["interval_start"].dt.dayofweek != 3), "staff_needed"] = (
        requirement().loc[(busy["interval_start"].dt.dayofweek != 3), "staff_needed"])
    res = repair(published, [RequirementUpdate([THU])], req=busy)
    assert res.success
    assert set(res.changes["day"]) <= {THU}
    assert (res.shifts["day"] == THU).sum() > (published.shifts["day"] == THU).sum()


def hand_roster(rows):
    """A published roster from (agent, day, template, start hour) rows, one break each."""
    shifts = pd.DataFrame([{"shift_id": f"S{k}", "agent_id": a, "template": t.name,
                            "day": (WS + pd.Timedelta(days=d)).date(),
                            "start": WS + pd.Timedelta(days=d, hours=h),
                            "end": WS + pd.Timedelta(days=d, hours=h + 8), "paid_h": 8.0,
                            "cost": 80.0} for k, (a, d, t, h) in enumerate(rows)])
    breaks = pd.DataFrame([{"shift_id": f"S{k}", "kind": "break", "name": "break",
                            "start": s + pd.Timedelta(hours=1), "end": s + pd.Timedelta(minutes=75),
                            "paid": True} for k, s in enumerate(shifts["start"])])
    return type("Published", (), {"shifts": shifts, "breaks": breaks})()


AB = [Agent("A", "c", skills={"q"}), Agent("B", "c", skills={"q"})]


def test_a_legal_swap_is_made_with_its_breaks():
    pub = hand_roster([("A", 2, EARLY, 7), ("B", 2, LATE, 15), ("A", 4, EARLY, 7)])
    res = repair_roster(pub, [ShiftSwap("A", "B", WED)], AB, C, [EARLY, LATE],
                        requirement(1, days=[]), lead_ratio=0, num_workers=1, time_limit_s=5)
    (row,) = res.swaps.itertuples()
    assert row.accepted and row.reason == ""
    wed = res.shifts[res.shifts["day"] == WED].set_index("agent_id")
    assert wed.loc["A", "template"] == "late" and wed.loc["B", "template"] == "early"
    # the shifts moved with their breaks; Friday stays as published
    b = res.breaks.merge(res.shifts[["shift_id", "agent_id", "day"]], on="shift_id")
    brk_b = b[(b["agent_id"] == "B") & (b["day"] == WED)]["start"].iloc[0]
    assert brk_b == WS + pd.Timedelta(days=2, hours=8)
    assert "S2" in set(res.shifts["shift_id"])
    assert list(res.changes["cause"]) == ["swap", "swap"]


def test_a_swap_into_a_rest_clash_is_refused_with_agent_and_rule():
    # A works late Tuesday and early Thursday; B early Wednesday. A taking B's early
    # Wednesday after its late Tuesday leaves 8 h of rest.
    pub = hand_roster([("A", 1, LATE, 15), ("A", 3, EARLY, 7), ("B", 2, EARLY, 7)])
    res = repair_roster(pub, [ShiftSwap("A", "B", WED)], AB, C, [EARLY, LATE],
                        requirement(1, days=[]), lead_ratio=0, num_workers=1, time_limit_s=5)
    (row,) = res.swaps.itertuples()
    assert not row.accepted and row.reason == "A: min rest"
    pd.testing.assert_frame_equal(res.shifts.sort_values("shift_id").reset_index(drop=True),
                                  pub.shifts)
    assert res.changes.empty


def test_a_repair_that_cannot_keep_a_rule_names_agent_and_rule():
    # published without knowing last week: A closed Sunday at 23:00 and opens Monday 07:00
    pub = hand_roster([("A", 0, EARLY, 7), ("B", 2, EARLY, 7)])
    last = pd.DataFrame({"agent_id": ["A"], "start": [WS - pd.Timedelta(hours=9)],
                         "end": [WS - pd.Timedelta(hours=1)]})
    res = repair_roster(pub, [Absence("B", [WED])], AB, C, [EARLY, LATE], requirement(1),
                        previous=last, lead_ratio=0, num_workers=1, time_limit_s=5)
    assert res.status == "INFEASIBLE"
    assert res.message.startswith("no repair: agent A (contract 'c')")
    assert "min rest" in res.message


def test_bad_changes_are_refused(published):
    with pytest.raises(InputError, match="agent"):
        repair(published, [Absence("nobody", [WED])])
    with pytest.raises(InputError, match="day"):
        repair(published, [Absence("A0", ["2030-01-01"])])
    with pytest.raises(InputError, match="agent_b"):
        ShiftSwap("A0", "A0", WED)
    assert parse_days("2024-01-10..2024-01-12") == tuple(
        (WS + pd.Timedelta(days=d)).date() for d in (2, 3, 4))
    with pytest.raises(InputError, match="range"):
        parse_days("2024-01-12..2024-01-10")


def test_without_a_cp_sat_solution_the_greedy_roster_is_returned_and_says_so(published,
                                                                             monkeypatch):
    from ortools.sat.python import cp_model

    import solver.roster.repair as repair_mod

    monkeypatch.setattr(repair_mod, "_solve_from_published",
                        lambda m, limit, workers: (cp_model.CpSolver(), cp_model.UNKNOWN))
    sick = published.shifts[published.shifts["day"] == WED]["agent_id"].iloc[0]
    res = repair(published, [Absence(sick, [WED])])
    assert res.success and np.isnan(res.bound)
    assert "greedy" in res.message and "no bound" in res.message
    assert res.stats["repaired_by"].startswith("greedy")
    assert roster_breaches(res.shifts, team(), C, week_start=WS).empty


def test_a_sick_lead_is_replaced_by_another_lead():
    agents = [Agent("L1", "c", skills={"q"}, is_lead=True), Agent("L2", "c", skills={"q"},
                                                                      is_lead=True),
              Agent("A", "c", skills={"q"})]
    pub = hand_roster([("L1", 2, EARLY, 7), ("A", 2, EARLY, 7)])
    req = requirement(1, days=[2], )
    req.loc[req["interval_start"].dt.hour >= 15, "staff_needed"] = 0.0  # 07:00-15:00 only
    res = repair_roster(pub, [Absence("L1", [WED])], agents, C, [EARLY, LATE], req,
                        lead_ratio=5, num_workers=1, time_limit_s=5)
    assert res.success, res.message
    wed = set(res.shifts.loc[res.shifts["day"] == WED, "agent_id"])
    assert "L2" in wed and "L1" not in wed


def test_the_change_budget_binds_and_soft_rules_are_reported(published):
    wed = published.shifts[published.shifts["day"] == WED]
    sick = list(wed["agent_id"].iloc[:2])
    free = repair(published, [Absence(a, [WED]) for a in sick], change_cost=0.0)
    capped = repair(published, [Absence(a, [WED]) for a in sick], change_cost=0.0, max_changes=0)
    assert capped.success and capped.stats["changed_agent_days"] == 0
    assert free.stats["changed_agent_days"] >= 1
    for res in (free, capped):
        by_rule = res.stats["soft_cost_by_rule"]
        assert res.stats["soft_cost_after"] == pytest.approx(sum(a for _, a in by_rule.values()))
        assert "soft rules" in res.message


def test_rest_of_week_frees_the_days_after_the_first_absence(published):
    sick = published.shifts[published.shifts["day"] == WED]["agent_id"].iloc[0]
    res = repair(published, [Absence(sick, [WED])], replan="rest of week")
    assert res.success
    assert res.stats["free_days"] == [2, 3, 4, 5, 6]
    assert set(res.changes["day"]) >= {WED} and min(res.changes["day"]) >= WED
    assert roster_breaches(res.shifts, team(), C, week_start=WS).empty
    with pytest.raises(InputError):
        repair(published, [Absence(sick, [WED])], replan="all")
    with pytest.raises(InputError):
        repair(published, [Absence(sick, [WED])], max_changes=-1)
