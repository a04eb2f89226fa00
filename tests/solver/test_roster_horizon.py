"""Several weeks as one horizon: hours averaged over weeks, evenings and weekends rotated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solver import build_roster
from solver.roster.horizon import HorizonLedger, block_of, evening_shift, roster_horizon
from wfm.errors import InputError
from wfm.roster_check import roster_breaches
from wfm.types import Agent, Contract, HoursOverWeeks, ShiftTemplate, TimeWindow

WS = pd.Timestamp("2024-01-08")  # Monday
DAY8 = ShiftTemplate("d8", 480, 7 * 60, 7 * 60, 60, cost_per_hour=10)  # 07:00-15:00 only
ANY8 = ShiftTemplate("a8", 480, 7 * 60, 15 * 60, 60, cost_per_hour=10)  # 07:00 to 15:00 starts


def requirement(days, weeks, h0=7, h1=15, n=1):
    """``n`` agents from ``h0`` to ``h1`` on the weekdays ``days`` of every week."""
    idx = pd.date_range(WS, periods=weeks * 7 * 96, freq="15min")
    hours = idx.hour + idx.minute / 60
    on = np.isin((idx - WS).days % 7, list(days)) & (hours >= h0) & (hours < h1)
    return pd.DataFrame({"queue": "q", "interval_start": idx, "staff_needed": np.where(on, n, 0.0)})


def horizon(req, agents, contracts, templates, weeks, mode):
    return roster_horizon(req, agents, contracts, templates, week_start=WS, weeks=weeks, mode=mode,
                          time_limit_s=5, num_workers=1, lead_ratio=0)


def shifts_per_week(results):
    return [len(r.shifts) for r in results]


# ---------------------------------------------------------------- averaged hours
AVG = {"c": Contract("c", 0, 40, 0, 5, hours_over_weeks=HoursOverWeeks(2, 64))}
ONE = [Agent("A", "c", skills={"q"})]


def test_chained_spends_the_averaged_hours_first_and_leaves_a_light_second_week():
    # Mon-Fri 07-15 both weeks; 40 h a week allowed but only 64 h over the two
    res = horizon(requirement(range(5), 2), ONE, AVG, [DAY8], 2, "chained")
    assert [r.success for r in res] == [True, True]
    assert shifts_per_week(res) == [5, 3]  # 40 h, then the 24 h left
    both = pd.concat([r.shifts for r in res], ignore_index=True)
    assert roster_breaches(both, ONE, AVG, week_start=WS, weeks=2).empty
    assert set(both["contract"]) == {"c"}  # the week's own contract is not shown


def test_joint_paces_the_averaged_hours_over_the_weeks():
    res = horizon(requirement(range(5), 2), ONE, AVG, [DAY8], 2, "joint")
    # 64 h / 2 weeks = 32 h + 2 h slack: 4 shifts in week 1, the 32 h left in week 2
    assert shifts_per_week(res) == [4, 4]
    both = pd.concat([r.shifts for r in res], ignore_index=True)
    assert roster_breaches(both, ONE, AVG, week_start=WS, weeks=2).empty


def test_weeks_solved_without_the_ledger_break_the_averaged_hours():
    req = requirement(range(5), 2)
    w1 = build_roster(req[req["interval_start"] < WS + pd.Timedelta(weeks=1)], ONE, AVG, [DAY8],
                      time_limit_s=5, num_workers=1, lead_ratio=0)
    w2 = build_roster(req[req["interval_start"] >= WS + pd.Timedelta(weeks=1)], ONE, AVG, [DAY8],
                      time_limit_s=5, num_workers=1, lead_ratio=0, previous=w1.shifts)
    both = pd.concat([w1.shifts, w2.shifts], ignore_index=True)
    br = roster_breaches(both, ONE, AVG, week_start=WS, weeks=2)
    assert list(br["rule"]) == ["hours over weeks"]
    assert "80 paid h" in br["detail"].iloc[0] and "allows 64" in br["detail"].iloc[0]


def test_week_caps_of_the_ledger_by_hand():
    c = {"c": Contract("c", 20, 48, 0, 6, hours_over_weeks=HoursOverWeeks(4, 160))}
    a = Agent("A", "c")
    chained = HorizonLedger([a], c, 6, mode="chained")
    assert chained.cap_min(a, 0) == 48 * 60  # 160 - 3 x 20 = 100 h left: the weekly 48 binds
    for k, h in enumerate((48, 48, 40)):
        chained.paid_min["A"][k] = h * 60
    assert chained.cap_min(a, 3) == (160 - 136) * 60  # the block's last week gets what is left
    assert chained.cap_min(a, 4) == 48 * 60  # weeks 5-6: 80 h pro rata, less 20 for week 6
    chained.paid_min["A"][4] = 48 * 60
    assert chained.cap_min(a, 5) == 32 * 60
    joint = HorizonLedger([a], c, 4, mode="joint", week_weights=[1, 1, 1, 1])
    assert joint.cap_min(a, 0) == (40 + 2) * 60  # 160 h / 4 weeks + 2 h slack
    uneven = HorizonLedger([a], c, 4, mode="joint", week_weights=[2, 1, 1, 0])
    assert uneven.cap_min(a, 0) == 48 * 60  # half the requirement: 80 h + 2, the weekly 48 binds
    ags, cons, carry = joint.week_inputs(0)
    assert cons[ags[0].contract].max_hours_week == 42 and carry == [(0, 0)]


def test_block_of_cuts_the_last_block_to_the_horizon():
    assert list(block_of(0, 6, 4)) == [0, 1, 2, 3]
    assert list(block_of(5, 6, 4)) == [4, 5]
    assert list(block_of(1, 2, 4)) == [0, 1]


def test_hours_over_weeks_is_checked_with_the_parameter_named():
    with pytest.raises(InputError, match="hours_over_weeks.weeks"):
        HoursOverWeeks(1, 40)
    with pytest.raises(InputError, match="hours_over_weeks.max_hours"):
        HoursOverWeeks(4, 0)
    with pytest.raises(InputError, match=r"4 x 30 h = 120 h"):
        Contract("c", 30, 40, hours_over_weeks=HoursOverWeeks(4, 100))
    with pytest.raises(InputError, match="horizon mode"):
        HorizonLedger([], {}, 2, mode="together")


# ---------------------------------------------------------------- rotation
TWO = [Agent("A", "c", skills={"q"}), Agent("B", "c", skills={"q"})]
PLAIN = {"c": Contract("c", 0, 40, 0, 5)}


@pytest.mark.parametrize("days, h0, h1", [([6], 7, 15), ([0], 15, 23)],
                         ids=["the Sunday shift", "the evening shift"])
def test_joint_alternates_the_one_weekend_or_evening_shift(days, h0, h1):
    res = horizon(requirement(days, 4, h0, h1), TWO, PLAIN, [ANY8], 4, "joint")
    who = [list(r.shifts["agent_id"]) for r in res]
    assert all(len(w) == 1 for w in who)
    order = [w[0] for w in who]
    # whoever takes week 1, the other takes week 2, and so on
    assert all(order[k] != order[k + 1] for k in range(3)), order
    if h1 > 20:
        assert all(evening_shift(s, e) for r in res for s, e in zip(r.shifts["start"],
                                                                    r.shifts["end"], strict=True))


def test_rotation_carry_by_hand():
    c = {"c": Contract("c", 0, 40, 0, 5), "p": Contract("p", 0, 20, 0, 2)}
    early = (TimeWindow(d, 6 * 60, 15 * 60) for d in range(7))
    agents = [Agent("A", "c"), Agent("B", "c"), Agent("P", "p"),
              Agent("E", "c", availability=tuple(early))]
    ledger = HorizonLedger(agents, c, 3, mode="joint")
    ledger.evenings.update(A=4, B=1, P=1)
    ledger.weekend_days.update(A=2, B=0, P=0, E=2)
    carry = dict(zip("ABPE", ledger.carry(), strict=True))
    # 6 evenings split 5:5:2 over A, B, P (E cannot work evenings): 2.5, 2.5, 1
    assert [carry[x][0] for x in "ABPE"] == [-2, 1, 0, 0]
    # 4 weekend days split 5:5:2:5 over all four: 20/17 each, 8/17 for P
    assert [carry[x][1] for x in "ABPE"] == [-1, 1, 0, -1]
    assert HorizonLedger(agents, c, 3, mode="chained").week_inputs(0)[2] is None


def test_caps_are_weeks_the_shifts_can_make():
    # 3-5 days of 4 h or 6 h shifts: 12, 14, 16 ... h; a 12.8 h minimum needs 14 h
    c = {"p": Contract("p", 12.8, 28.8, 3, 5, hours_over_weeks=HoursOverWeeks(4, 96))}
    a = Agent("P", "p")
    temps = [ShiftTemplate("4h", 240, 7 * 60, 19 * 60, 15), ShiftTemplate("6h", 360, 7 * 60, 17 * 60, 15)]
    ledger = HorizonLedger([a], c, 4, mode="chained", templates=temps)
    assert ledger.cap_min(a, 0) == 28 * 60  # 28.8 h is not a sum of 4s and 6s
    ledger.paid_min["P"][:2] = [28 * 60, 28 * 60]
    # 40 h left for weeks 3 and 4: week 4 keeps 14 h (not 12.8), so week 3 may take 26 h
    assert ledger.cap_min(a, 2) == 26 * 60
    ledger.paid_min["P"][2] = 26 * 60
    assert ledger.cap_min(a, 3) == 14 * 60
    joint = HorizonLedger([a], c, 4, mode="joint", templates=temps)
    assert joint.cap_min(a, 0) == 26 * 60  # 96 h / 4 + 2 h slack, a week of 4-h and 6-h shifts
    joint.pace_slack_min = 3 * 60  # 27 h: between 26 and 28, the tie goes up
    assert joint.cap_min(a, 0) == 28 * 60
    without = HorizonLedger([a], c, 4, mode="chained")
    without.paid_min["P"][:3] = [28 * 60, 28 * 60, 26 * 60]
    assert without.cap_min(a, 3) == 14 * 60  # the same budget, no shifts to round to
    without.paid_min["P"][2] = 27.2 * 60
    assert without.cap_min(a, 3) == 12.8 * 60
