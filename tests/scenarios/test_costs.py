"""Finance figures against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from wfm.costs import (
    efficient_frontier,
    marginal_cost_per_point,
    next_point,
    night_minutes,
    weekday_minutes,
    weekly_costs,
)
from wfm.errors import DataError
from wfm.types import Agent, Contract, ShiftTemplate

T = pd.Timestamp
MON = T("2024-03-04")  # a Monday


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [("2024-03-04 21:00", "2024-03-05 07:00", 480), ("2024-03-04 23:00", "2024-03-05 01:00", 120),
     ("2024-03-04 06:00", "2024-03-04 22:00", 0), ("2024-03-04 05:30", "2024-03-04 22:15", 45),
     ("2024-03-04 00:00", "2024-03-11 00:00", 7 * 480)],
)
def test_night_minutes(start, end, expected):
    assert_allclose(night_minutes([T(start)], [T(end)]), [expected])


@pytest.mark.parametrize(
    ("start", "end", "days", "expected"),
    [("2024-03-08 20:00", "2024-03-09 02:00", (5,), 120),  # Fri -> Sat
     ("2024-03-10 23:00", "2024-03-11 01:00", (6,), 60),  # Sun -> Mon
     ("2024-03-04 00:00", "2024-03-18 00:00", (5, 6), 4 * 1440),  # two weeks
     ("2024-03-04 09:00", "2024-03-04 17:00", (5, 6), 0)],
)
def test_weekday_minutes(start, end, days, expected):
    assert_allclose(weekday_minutes([T(start)], [T(end)], days), [expected])


def test_night_minutes_vectorised_equals_scalar():
    rng = np.random.default_rng(3)
    s = MON + pd.to_timedelta(rng.integers(0, 7 * 1440, 50), unit="min")
    e = s + pd.to_timedelta(rng.integers(0, 2000, 50), unit="min")
    vec = night_minutes(s, e)
    one = [night_minutes([a], [b])[0] for a, b in zip(s, e, strict=True)]
    assert_allclose(vec, one)
    # brute force on the minute grid
    for a, b, v in zip(s[:10], e[:10], vec[:10], strict=True):
        minutes = pd.date_range(a, b, freq="min", inclusive="left")
        assert v == sum((m.hour >= 22) or (m.hour < 6) for m in minutes)


def _case():
    tmpl = ShiftTemplate("t", length_min=9 * 60, cost_per_hour=20, night_premium=0.25,
                         weekend_premium=0.5, weekend_days=(5, 6))
    contracts = {"full": Contract("full", overtime_after_h=10, overtime_premium=0.5),
                 "part": Contract("part", employment="part_time", cost_per_hour=18)}
    agents = [Agent("A", "full"), Agent("B", "part"), Agent("C", "full", cost_per_hour=30)]
    sat = MON + pd.Timedelta(days=5)
    sun = MON + pd.Timedelta(days=6)
    rows = [  # shift_id, agent, start, end, paid_h
        ("a1", "A", MON + pd.Timedelta(hours=14), MON + pd.Timedelta(hours=23), 8.0),
        ("a2", "A", sat + pd.Timedelta(hours=8), sat + pd.Timedelta(hours=17), 8.0),
        ("b1", "B", MON + pd.Timedelta(hours=9), MON + pd.Timedelta(hours=13), 4.0),
        ("c1", "C", sun + pd.Timedelta(hours=21), sun + pd.Timedelta(hours=25), 4.0),
    ]
    shifts = pd.DataFrame(rows, columns=["shift_id", "agent_id", "start", "end", "paid_h"])
    shifts["template"] = "t"
    breaks = pd.DataFrame([
        ("a1", MON + pd.Timedelta(hours=18), MON + pd.Timedelta(hours=19), False),
        ("a2", sat + pd.Timedelta(hours=12), sat + pd.Timedelta(hours=13), False),
        ("a2", sat + pd.Timedelta(hours=10), sat + pd.Timedelta(hours=10, minutes=15), True),
    ], columns=["shift_id", "start", "end", "paid"])
    return shifts, breaks, [tmpl], contracts, agents


def test_weekly_costs_hand_computed():
    shifts, breaks, templates, contracts, agents = _case()
    rep = weekly_costs(shifts, breaks, templates, contracts=contracts, agents=agents,
                       week_start=MON, calls_handled=100)
    by = rep.shifts.set_index("shift_id")
    assert_allclose(by.loc["a1", ["base", "night_premium", "weekend_premium"]].to_numpy(float),
                    [160, 1 * 20 * 0.25, 0])
    assert_allclose(by.loc["a2", ["base", "night_premium", "weekend_premium"]].to_numpy(float),
                    [160, 0, 8 * 20 * 0.5])  # unpaid lunch earns no weekend premium
    assert by.loc["b1", "rate"] == 18  # contract rate
    assert_allclose(by.loc["c1", ["rate", "night_h", "weekend_h", "total"]].to_numpy(float),
                    [30, 3, 3, 120 + 3 * 30 * 0.25 + 3 * 30 * 0.5])  # own rate
    a = rep.agents.set_index("agent_id")
    assert a.loc["A", "overtime_h"] == 6 and a.loc["A", "overtime_cost"] == 6 * 20 * 0.5
    assert a.loc["C", "overtime_h"] == 0
    assert_allclose(rep.total, 465 + 72 + 187.5)
    assert_allclose(rep.cost_per_call, (465 + 72 + 187.5) / 100)
    assert_allclose(rep.fte, 24 / 40)
    assert rep.by_contract.loc["full", "agents"] == 2 and rep.by_contract.loc["full", "shifts"] == 3
    assert_allclose(rep.by_contract.loc["part", "fte"], 4 / 40)
    emp = rep.by_employment()
    assert_allclose(emp["total"].sum(), rep.total)
    assert_allclose(rep.overtime, 60) and rep.summary()["overtime"] == 60
    assert_allclose(rep.premiums, 5 + 80 + 22.5 + 45)


def test_two_weeks_are_averaged_per_week():
    shifts, breaks, templates, contracts, agents = _case()
    later = shifts.copy()
    later["shift_id"] += "w2"
    later[["start", "end"]] += pd.Timedelta(days=7)
    both = pd.concat([shifts, later], ignore_index=True)
    b2 = breaks.copy()
    b2["shift_id"] += "w2"
    b2[["start", "end"]] += pd.Timedelta(days=7)
    one = weekly_costs(shifts, breaks, templates, contracts=contracts, agents=agents, week_start=MON)
    two = weekly_costs(both, pd.concat([breaks, b2]), templates, contracts=contracts, agents=agents,
                       week_start=MON, weeks=2)
    assert_allclose(two.total, one.total)  # overtime per week, not over the fortnight
    assert_allclose(two.fte, one.fte)


def test_anonymous_plan_uses_template_rate():
    shifts, breaks, templates, _, _ = _case()
    shifts["agent_id"] = ""
    rep = weekly_costs(shifts, breaks, templates)
    assert (rep.shifts["rate"] == 20).all()
    assert rep.by_contract.index.tolist() == ["(unassigned)"]
    assert np.isnan(rep.cost_per_call)


def test_unknown_template_is_refused():
    shifts, breaks, templates, _, _ = _case()
    shifts.loc[0, "template"] = "ghost"
    with pytest.raises(DataError, match="ghost"):
        weekly_costs(shifts, breaks, templates)


def test_marginal_cost_per_point_on_the_efficient_frontier():
    pts = pd.DataFrame({"service_level": [0.7, 0.8, 0.75, 0.9, np.nan],
                        "weekly_cost": [1000, 1200, 1300, 1500, 900]})
    front = efficient_frontier(pts)
    assert front["service_level"].tolist() == [0.7, 0.8, 0.9]
    m = marginal_cost_per_point(pts)
    assert_allclose(m["cost_per_point"], [20, 30])
    assert_allclose(m["points"], [10, 10])


def test_next_point_costs_the_step_from_the_current_plan():
    pts = pd.DataFrame({"service_level": [0.7, 0.8, 0.75, 0.9],
                        "weekly_cost": [1000, 1200, 1300, 1500]})
    # a plan at 78 % for 1150: the next efficient point is 80 % for 1200 -> 50 / 2 points
    nxt = next_point(pts, 0.78, 1150.0)
    assert nxt["service_level"] == 0.8
    assert_allclose([nxt["points"], nxt["extra_cost"], nxt["cost_per_point"]], [2, 50, 25])
    # at 80 % the next is 90 %: (1500 - 1200) / 10 points
    assert_allclose(next_point(pts, 0.8, 1200.0)["cost_per_point"], 30)
    assert next_point(pts, 0.9, 1500.0) is None
    with pytest.raises(DataError, match="finite"):
        next_point(pts, np.nan, 1000.0)
