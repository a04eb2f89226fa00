"""build_roster end to end on instances small enough to check by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solver import build_roster
from solver.result import BREAK_COLUMNS, PENALTY_COLUMNS, SHIFT_COLUMNS
from solver.roster import schedule_table
from solver.roster.improve import _rematch_starts, _swap_search
from solver.roster.plan_match import _fill_plan_gaps, _lead_days, _lead_starts
from solver.roster.scoring import _week_ok
from wfm.errors import DataError, InputError
from wfm.types import Activity, Agent, BreakRule, Contract, ShiftTemplate, TimeWindow

WS = pd.Timestamp("2024-01-01")  # Monday
BRK = BreakRule("break", 15, 60, 120)
T8 = ShiftTemplate("d8", 480, 8 * 60, 8 * 60, 60, breaks=(BRK,), cost_per_hour=10)
ANY = Contract("any", 0, 40, 0, 5, min_rest_h=11)


def requirement(need_by_day: dict[int, tuple[int, int, int]], queue="q") -> pd.DataFrame:
    """need_by_day: day -> (from hour, to hour, agents)."""
    idx = pd.date_range(WS, periods=7 * 96, freq="15min")
    need = np.zeros(len(idx))
    for d, (h0, h1, n) in need_by_day.items():
        day = (idx - WS).days == d
        hours = idx.hour + idx.minute / 60
        need[day & (hours >= h0) & (hours < h1)] = n
    return pd.DataFrame({"queue": queue, "interval_start": idx, "staff_needed": need})


def solve(req, agents, contracts=None, templates=(T8,), **kw):
    kw.setdefault("time_limit_s", 10)
    kw.setdefault("num_workers", 1)
    kw.setdefault("lead_ratio", 0)
    return build_roster(req, agents, contracts or {"any": ANY}, list(templates), **kw)


def test_one_agent_one_shift_with_its_break():
    req = requirement({0: (8, 16, 1)})
    res = solve(req, [Agent("A1", "any", skills={"q"})])
    assert res.success
    assert list(res.shifts.columns[: len(SHIFT_COLUMNS)]) == list(SHIFT_COLUMNS)
    assert list(res.breaks.columns) == list(BREAK_COLUMNS)
    assert list(res.penalties.columns) == list(PENALTY_COLUMNS)
    (row,) = res.shifts.itertuples()
    assert row.agent_id == "A1" and row.start == WS + pd.Timedelta(hours=8)
    assert row.cost == pytest.approx(80.0)  # 8 paid hours at 10
    (brk,) = res.breaks.itertuples()
    assert WS + pd.Timedelta(hours=9) <= brk.start <= WS + pd.Timedelta(hours=10)
    # the only unmet requirement is the 15-min break: 0.25 agent-hours at 60
    unmet = res.penalties[res.penalties["rule"] == "unmet requirement"]
    assert unmet["amount"].sum() == pytest.approx(0.25)
    assert res.objective == pytest.approx(80.0 + 0.25 * 60)
    assert res.bound <= res.objective + 1e-9


def test_coverage_is_scheduled_minus_breaks():
    req = requirement({0: (8, 16, 2), 1: (8, 16, 1)})
    agents = [Agent(f"A{i}", "any", skills={"q"}) for i in range(3)]
    res = solve(req, agents)
    cov = res.coverage
    off = np.zeros(len(cov))
    starts = cov["interval_start"]
    for b in res.breaks.itertuples():
        off += ((starts >= b.start) & (starts < b.end)).to_numpy()
    assert np.allclose(cov["on_phone"], cov["scheduled"] - off)
    assert res.objective == pytest.approx(res.shifts["cost"].sum() + res.penalties["cost"].sum())


def test_breaks_go_where_they_cost_nothing():
    # two agents needed 08:00-09:15 and 10:00-16:00, one 09:15-10:00: both breaks
    # fit in the quiet 45 min, so nothing is unmet
    idx_req = requirement({0: (8, 16, 2)})
    quiet = (idx_req["interval_start"] >= WS + pd.Timedelta(hours=9, minutes=15)) & (
        idx_req["interval_start"] < WS + pd.Timedelta(hours=10)
    )
    idx_req.loc[quiet, "staff_needed"] = 1
    res = solve(idx_req, [Agent("A1", "any", skills={"q"}), Agent("A2", "any", skills={"q"})])
    assert len(res.shifts) == 2
    assert res.penalties[res.penalties["rule"] == "unmet requirement"].empty
    assert res.breaks["start"].min() >= WS + pd.Timedelta(hours=9, minutes=15)


def test_multi_skilled_agent_counts_once_per_interval():
    req = pd.concat([requirement({0: (8, 16, 1)}, "a"), requirement({0: (8, 16, 1)}, "b")])
    res = solve(req, [Agent("A1", "any", skills={"a", "b"})])
    unmet = res.penalties[res.penalties["rule"] == "unmet requirement"]["amount"].sum()
    assert unmet == pytest.approx(8.0 + 0.25)  # one queue uncovered all day, plus the break


def test_infeasible_agent_named_with_the_clashing_rules():
    c = Contract("student", 20, 20, 0, 5)
    a = Agent("S9", "student", skills={"q"}, availability=(TimeWindow(0, 9 * 60, 13 * 60),))
    t4 = ShiftTemplate("d4", 240, 6 * 60, 20 * 60, 60, cost_per_hour=10)
    res = solve(requirement({0: (8, 16, 1)}), [a], {"student": c}, templates=(t4,))
    assert res.status == "INFEASIBLE"
    assert "S9" in res.message
    assert "availability" in res.message and "weekly hours" in res.message
    assert "days per week" not in res.message


def test_no_lead_available_is_explained():
    req = requirement({0: (8, 16, 1)})
    res = solve(req, [Agent("A1", "any", skills={"q"})], lead_ratio=15)
    assert res.status == "INFEASIBLE"
    assert "lead" in res.message


def test_plan_input_assigns_its_shifts():
    shifts = pd.DataFrame(
        {
            "shift_id": ["p1", "p2"],
            "agent_id": ["", ""],
            "template": ["d8", "d8"],
            "day": [WS.date(), (WS + pd.Timedelta(days=1)).date()],
            "start": [WS + pd.Timedelta(hours=8), WS + pd.Timedelta(days=1, hours=8)],
            "end": [WS + pd.Timedelta(hours=16), WS + pd.Timedelta(days=1, hours=16)],
            "paid_h": [8.0, 8.0],
            "cost": [80.0, 80.0],
        }
    )
    res = solve(shifts, [Agent("A1", "any"), Agent("A2", "any")], week_start=WS)
    assert res.success
    assert sorted(res.shifts["start"]) == sorted(shifts["start"])
    assert (res.shifts["agent_id"] != "").all()


def test_team_meeting_placed_inside_shifts():
    req = requirement({0: (8, 16, 1), 1: (8, 16, 1)})
    agents = [Agent(f"A{i}", "any", skills={"q"}, team="T") for i in range(2)]
    act = Activity("team meeting", 60, team="T", days=(0, 1), earliest_start_min=9 * 60,
                   latest_start_min=14 * 60)
    res = solve(req, agents, activities=[act], weights={"meeting absence": 500})
    meet = res.breaks[res.breaks["kind"] == "meeting"]
    assert len(meet) == 2 and meet["start"].nunique() == 1
    merged = meet.merge(res.shifts, on="shift_id", suffixes=("", "_shift"))
    assert ((merged["start"] >= merged["start_shift"]) & (merged["end"] <= merged["end_shift"])).all()
    table = schedule_table(res)
    assert table["activities"].str.contains("team meeting").sum() == 2


def test_bad_inputs_are_refused():
    req = requirement({0: (8, 16, 1)})
    with pytest.raises(InputError):
        solve(req, [Agent("A1", "nope")])
    with pytest.raises(InputError):
        solve(req, [Agent("A1", "any"), Agent("A1", "any")])
    with pytest.raises(DataError):
        solve(req.drop(columns="staff_needed"), [Agent("A1", "any")])
    with pytest.raises(InputError):
        solve(req, [Agent("A1", "any")], weights={"no such rule": 1})


def test_cheaper_absence_is_reported_as_a_bent_rule():
    req = requirement({0: (8, 16, 1), 1: (8, 16, 1)})
    agents = [Agent(f"A{i}", "any", skills={"q"}, team="T") for i in range(2)]
    act = Activity("team meeting", 60, team="T", days=(0, 1), earliest_start_min=9 * 60,
                   latest_start_min=14 * 60)
    # an absence (50) costs less than a second shift
    res = solve(req, agents, activities=[act], weights={"meeting absence": 50})
    absent = res.penalties[res.penalties["rule"] == "meeting absence"]
    assert len(absent) == 1 and absent["subject"].iloc[0] in ("A0", "A1")
    assert absent["cost"].iloc[0] == pytest.approx(50.0)


def test_lp_bound_by_hand():
    from solver.roster.data import Week, expand_templates
    from solver.roster.lp import lp_bound, round_plan

    week = Week(WS, 15, 15)
    t = ShiftTemplate("d8", 480, 8 * 60, 8 * 60, 60, days=(0,), cost_per_hour=10)
    opts = expand_templates([t], week)
    req = np.zeros(week.n_intervals)
    req[32:64] = 2  # Monday 08:00-16:00, two agents
    cost = np.array([10 * o.weighted_paid_h for o in opts])
    lp = lp_bound(opts, week, req, cost, shortfall_per_unit=60 * 15 / 60)
    assert lp.value == pytest.approx(160.0) and lp.counts.sum() == pytest.approx(2.0)
    assert round_plan(lp.counts) == {0: 2}
    cheap = lp_bound(opts, week, req, cost, shortfall_per_unit=1.0)  # 64 units short < 160
    assert cheap.value == pytest.approx(64.0) and cheap.shortfall_h == pytest.approx(16.0)
    cut = lp_bound(opts, week, req, cost, 15.0, min_total_paid_h=24)  # three agents' hours
    assert cut.value == pytest.approx(240.0)


def test_roster_from_plan_shifts_result():
    from solver import plan_shifts

    req = requirement({0: (8, 16, 2), 1: (8, 16, 2)})
    plan = plan_shifts(req, [T8], time_limit_s=5, num_workers=1)
    assert plan.success
    agents = [Agent(f"A{i}", "any", skills={"q"}) for i in range(3)]
    # priced high, unmet time is not worth a break gap: the roster keeps the plan's
    # third agent per day who covers the others' breaks
    res = solve(plan, agents, weights={"unmet requirement": 1000})
    assert res.success
    assert res.penalties[res.penalties["rule"] == "unmet requirement"].empty
    assert len(res.shifts) == len(plan.shifts)
    assert sorted(res.shifts["start"]) == sorted(plan.shifts["start"])


def _swap_problem(req, agents, contracts):
    from solver.roster.problem import _candidates, _prepare
    from wfm.types import ServiceTarget

    temp = ShiftTemplate("d8", 480, 6 * 60, 12 * 60, 60, breaks=(BRK,), cost_per_hour=10)
    p = _prepare(req, agents, contracts, [temp], [], None, None, None, "staff_needed",
                   ServiceTarget())
    p.lead_ratio = 0
    _candidates(p, set(range(len(p.options))))
    key = {(o.day, o.start_min): o.index for o in p.options}
    return p, key


def test_swap_search_moves_a_shift_onto_the_requirement():
    req = requirement({0: (10, 18, 1)})
    p, key = _swap_problem(req, [Agent("A1", "any", skills={"q"})], {"any": ANY})
    out, sweeps = _swap_search(p, [{0: key[(0, 6 * 60)]}], {}, 5.0)
    assert out == [{0: key[(0, 10 * 60)]}]
    assert sweeps == 2  # one sweep moves, the next finds nothing


def test_swap_search_keeps_the_minimum_rest():
    # day 0 is covered exactly by 12:00-20:00; day 1 needs 06:00-14:00, but 11 h of rest
    # after 20:00 allow 07:00 at the earliest
    req = requirement({0: (12, 20, 1), 1: (6, 14, 1)})
    p, key = _swap_problem(req, [Agent("A1", "any", skills={"q"})], {"any": ANY})
    out, _ = _swap_search(p, [{0: key[(0, 12 * 60)], 1: key[(1, 12 * 60)]}], {}, 5.0)
    assert out == [{0: key[(0, 12 * 60)], 1: key[(1, 7 * 60)]}]


def test_swap_search_moves_a_shift_to_a_day_off_within_the_pattern_rules():
    # the requirement is on Tuesday and Thursday; the agent works Monday and Thursday.
    # Monday's shift moves to Tuesday; with at most 1 consecutive day Wednesday stays off
    req = requirement({1: (10, 18, 1), 3: (10, 18, 1)})
    one_in_a_row = Contract("one", 0, 40, 0, 5, max_consecutive_days=1, min_rest_h=11)
    p, key = _swap_problem(req, [Agent("A1", "one", skills={"q"})], {"one": one_in_a_row})
    out, _ = _swap_search(p, [{0: key[(0, 10 * 60)], 3: key[(3, 10 * 60)]}], {}, 5.0)
    assert out == [{1: key[(1, 10 * 60)], 3: key[(3, 10 * 60)]}]
    # from Monday and Wednesday, Monday cannot move to Tuesday (2 days in a row) until
    # Wednesday has moved to Thursday
    out, sweeps = _swap_search(p, [{0: key[(0, 10 * 60)], 2: key[(2, 10 * 60)]}], {}, 5.0)
    assert out == [{1: key[(1, 10 * 60)], 3: key[(3, 10 * 60)]}]
    assert sweeps == 3


def test_day_patterns_by_hand():
    from solver.roster.lp import day_patterns

    # five days with two days off in a row: the off pair is Mon-Tue ... Sat-Sun
    five = day_patterns(5, 5, 5, True, None, (5, 6))
    assert len(five) == 6 and all(sum(w) == 5 for w in five)
    assert (1, 1, 1, 1, 1, 0, 0) in five and (0, 0, 1, 1, 1, 1, 1) in five
    # at most four in a row rules out the two that work five days in a row
    assert len(day_patterns(5, 5, 4, True, None, (5, 6))) == 4
    # one weekend day at most: Sat and Sun both worked is out (off pairs Mon-Tue ... Thu-Fri)
    one_weekend = day_patterns(5, 5, 5, True, 1, (5, 6))
    assert all(w[5] + w[6] <= 1 for w in one_weekend) and len(one_weekend) == 2
    assert day_patterns(0, 7, 7, False, None, ()) and len(day_patterns(0, 7, 7, False, None, ())) == 128


def test_lp_bound_day_pattern_cut_binds():
    from solver.roster.data import Week, expand_templates
    from solver.roster.lp import day_patterns, lp_bound

    week = Week(WS, 15, 15)
    t = ShiftTemplate("d8", 480, 8 * 60, 8 * 60, 60, cost_per_hour=10)
    opts = expand_templates([t], week)
    req = np.zeros(week.n_intervals)
    req[32:64] = 1  # Monday 08:00-16:00, one agent
    cost = np.array([10 * o.weighted_paid_h for o in opts])
    plain = lp_bound(opts, week, req, cost, shortfall_per_unit=15.0)
    assert plain.value == pytest.approx(80.0)
    # the one agent who can work d8 must work two days in a row: two shifts are paid
    pats = day_patterns(2, 2, 2, False, None, (5, 6))
    cut = lp_bound(opts, week, req, cost, 15.0, day_groups=[("d8", 1, pats)])
    assert cut.value == pytest.approx(160.0)
    assert cut.shortfall_h == pytest.approx(0.0)


def test_plan_matching_takes_plan_shifts_and_keeps_rest():
    """Two agents; the plan has a 07:00 and a 15:00 start on Monday and two 07:00 starts
    on Tuesday.  Whoever works Monday late (ends 23:00) cannot start at 07:00 on Tuesday
    (11 h rest): it takes the nearest legal start instead, and every week is legal."""
    from solver.roster.plan_match import _plan_days, _plan_starts
    from solver.roster.problem import _candidates, _prepare
    from solver.roster.scoring import _week_ok
    from wfm.types import ServiceTarget

    temp = ShiftTemplate("d8", 480, 7 * 60, 15 * 60, 60, cost_per_hour=10)
    req = requirement({0: (7, 23, 1), 1: (7, 15, 2)})
    two = Contract("two", 16, 16, 2, 2, min_rest_h=11)
    agents = [Agent("E", "two", skills={"q"}), Agent("L", "two", skills={"q"})]
    p = _prepare(req, agents, {"two": two}, [temp], [], None, None, None, "staff_needed",
                   ServiceTarget())
    p.lead_ratio = 0
    key = {(o.day, o.start_min): o.index for o in p.options}
    plan = {key[(0, 420)]: 1, key[(0, 900)]: 1, key[(1, 420)]: 2}
    _candidates(p, set(range(len(p.options))))
    days = _plan_days(p, plan, 5.0)
    assert days == [{0: "d8", 1: "d8"}, {0: "d8", 1: "d8"}]
    start = _plan_starts(p, plan, days)
    weeks = [{d: p.options[i] for d, i in start[ai].items()} for ai in range(2)]
    assert all(_week_ok(p, ai, weeks[ai]) for ai in range(2))
    late = next(w for w in weeks if w[0].start_min == 900)
    early = next(w for w in weeks if w[0].start_min == 420)
    assert early[1].start_min == 420  # the plan's shift
    assert late[1].start_min == 10 * 60  # 23:00 + 11 h: the earliest legal start


def test_plan_matching_keeps_an_agent_of_limited_availability_on_a_start_it_can_work():
    """The plan has Monday at 15:00 and Tuesday at 07:00; the student may work only
    from 15:00 and would rather have Monday off, the other agent has no preference.
    By day and template alone the student takes Tuesday and is left 8 h from the
    plan's start; it takes Monday, the only plan start it can work."""
    from solver.roster.plan_match import _plan_days, _plan_starts
    from solver.roster.problem import _candidates, _prepare
    from wfm.types import ServiceTarget

    temp = ShiftTemplate("d8", 480, 7 * 60, 15 * 60, 60, cost_per_hour=10)
    req = requirement({0: (15, 23, 1), 1: (7, 15, 1)})
    one = Contract("one", 8, 8, 1, 1, min_rest_h=11)
    evenings = tuple(TimeWindow(d, 15 * 60, 23 * 60) for d in range(7))
    agents = [
        Agent("S", "one", skills={"q"}, availability=evenings, preferred_days_off=(0,)),
        Agent("F", "one", skills={"q"}),
    ]
    p = _prepare(req, agents, {"one": one}, [temp], [], None, None, None, "staff_needed",
                   ServiceTarget())
    p.lead_ratio = 0
    key = {(o.day, o.start_min): o.index for o in p.options}
    plan = {key[(0, 900)]: 1, key[(1, 420)]: 1}
    _candidates(p, set(range(len(p.options))))
    days = _plan_days(p, plan, 5.0)
    assert days == [{0: "d8"}, {1: "d8"}]
    start = _plan_starts(p, plan, days)
    assert start == [{0: key[(0, 900)]}, {1: key[(1, 420)]}]


def _rematch_problem(agents, contracts, need):
    from solver.roster.problem import _candidates, _prepare
    from wfm.types import ServiceTarget

    temp = ShiftTemplate("d8", 480, 7 * 60, 15 * 60, 60, cost_per_hour=10)
    p = _prepare(requirement(need), agents, contracts, [temp], [], None, None, None,
                   "staff_needed", ServiceTarget())
    p.lead_ratio = 0
    _candidates(p, set(range(len(p.options))))
    key = {(o.day, o.start_min): o.index for o in p.options}
    return p, key


def test_rematch_hands_each_agent_the_start_it_prefers():
    """Same starts, other hands: the early bird had the late shift and the other way
    round; both starts stay in the roster."""
    agents = [Agent("E", "any", skills={"q"}, preferred_start_min=7 * 60),
              Agent("L", "any", skills={"q"}, preferred_start_min=15 * 60)]
    p, key = _rematch_problem(agents, {"any": ANY}, {0: (7, 23, 1)})
    start = [{0: key[(0, 900)]}, {0: key[(0, 420)]}]
    out, rounds = _rematch_starts(p, start, {}, 5.0)
    assert out == [{0: key[(0, 420)]}, {0: key[(0, 900)]}]
    assert rounds == 2  # one round exchanges, the next finds nothing
    assert start == [{0: key[(0, 900)]}, {0: key[(0, 420)]}]  # the input is not changed


def test_rematch_keeps_the_minimum_rest():
    """The early bird works Tuesday at 07:00: Monday's 15:00 start (ending 23:00) would
    leave it 8 h of rest, so it keeps Monday's early start despite its preference."""
    agents = [Agent("E", "any", skills={"q"}, preferred_start_min=15 * 60),
              Agent("L", "any", skills={"q"})]
    p, key = _rematch_problem(agents, {"any": ANY}, {0: (7, 23, 1), 1: (7, 15, 1)})
    start = [{0: key[(0, 420)], 1: key[(1, 420)]}, {0: key[(0, 900)]}]
    out, _ = _rematch_starts(p, start, {}, 5.0)
    assert out == start
    # without Tuesday's shift the exchange is legal and taken
    out, _ = _rematch_starts(p, [{0: key[(0, 420)]}, {0: key[(0, 900)]}], {}, 5.0)
    assert out == [{0: key[(0, 900)]}, {0: key[(0, 420)]}]


def test_rematch_lets_a_member_attend_its_meeting():
    """The team member has Monday's early shift, its meeting is at 16:00; the other
    agent (no team) has the late shift.  Exchanging them costs at most the meeting
    hour unmet (60) against the absence (200)."""
    from solver.roster.improve import _rematch_starts
    from solver.roster.problem import _candidates, _prepare
    from wfm.types import ServiceTarget

    temp = ShiftTemplate("d8", 480, 7 * 60, 15 * 60, 60, cost_per_hour=10)
    agents = [Agent("M", "any", skills={"q"}, team="T"), Agent("N", "any", skills={"q"})]
    p = _prepare(requirement({0: (7, 23, 1)}), agents, {"any": ANY}, [temp],
                   [Activity("T meeting", 60, team="T")], None, None, None, "staff_needed",
                   ServiceTarget())
    p.lead_ratio = 0
    _candidates(p, set(range(len(p.options))))
    p.meeting_slot["T meeting"] = (16 * 60, 60)
    key = {(o.day, o.start_min): o.index for o in p.options}
    out, _ = _rematch_starts(p, [{0: key[(0, 420)]}, {0: key[(0, 900)]}], {}, 5.0)
    assert out == [{0: key[(0, 900)]}, {0: key[(0, 420)]}]


def test_rematch_moves_a_start_beyond_the_plan_onto_a_free_plan_start():
    """The plan has Tuesday at 07:00; the agent works Tuesday at 10:00, off the plan.
    It takes the plan's start, unless Monday's late shift leaves it too little rest."""
    agents = [Agent("X", "any", skills={"q"})]
    p, key = _rematch_problem(agents, {"any": ANY}, {0: (15, 23, 1), 1: (7, 15, 1)})
    plan = {key[(1, 420)]: 1}
    out, _ = _rematch_starts(p, [{1: key[(1, 600)]}], plan, 5.0)
    assert out == [{1: key[(1, 420)]}]
    late = [{0: key[(0, 900)], 1: key[(1, 600)]}]
    out, _ = _rematch_starts(p, late, {**plan, key[(0, 900)]: 1}, 5.0)
    assert out == late


def test_rematch_exchanges_shifts_of_two_templates_within_the_contract_hours():
    """E would start at 07:00 and has Monday's 4-h shift at 17:00; L would start at
    17:00 and has the 8-h shift at 07:00.  Both may work 4 to 8 h: they exchange the
    shifts (the starts stay in the roster, so does each skill set's cover).  With E
    allowed 6 h at most, the 8-h shift is barred and nothing moves."""
    from solver.roster.improve import _rematch_starts
    from solver.roster.problem import _candidates, _prepare
    from wfm.types import ServiceTarget

    d8 = ShiftTemplate("d8", 480, 7 * 60, 15 * 60, 60, cost_per_hour=10)
    p4 = ShiftTemplate("p4", 240, 7 * 60, 19 * 60, 60, cost_per_hour=10)
    flex = Contract("flex", 4, 8, 1, 1)
    short = Contract("short", 4, 6, 1, 1)
    for e_contract, swapped in (("flex", True), ("short", False)):
        agents = [Agent("E", e_contract, skills={"q"}, preferred_start_min=7 * 60),
                  Agent("L", "flex", skills={"q"}, preferred_start_min=17 * 60)]
        p = _prepare(requirement({0: (7, 23, 1)}), agents, {"flex": flex, "short": short},
                       [d8, p4], [], None, None, None, "staff_needed", ServiceTarget())
        p.lead_ratio = 0
        _candidates(p, set(range(len(p.options))))
        key = {(o.template.name, o.day, o.start_min): o.index for o in p.options}
        start = [{0: key[("p4", 0, 17 * 60)]}, {0: key[("d8", 0, 7 * 60)]}]
        out, _ = _rematch_starts(p, start, {}, 5.0)
        expected = [{0: key[("d8", 0, 7 * 60)]}, {0: key[("p4", 0, 17 * 60)]}]
        assert out == (expected if swapped else start)


def test_exchange_days_frees_a_preferred_day_off():
    """A works Monday and Saturday and would rather have Saturday off; B works Tuesday
    and Wednesday.  A takes B's Tuesday and B takes A's Saturday: both keep two days,
    the shifts stay in the roster.  With B on time off on Saturday the exchange is
    barred and nothing moves."""
    from solver.roster.improve import _exchange_days
    from solver.roster.problem import _candidates, _prepare
    from wfm.types import ServiceTarget

    temp = ShiftTemplate("d8", 480, 7 * 60, 15 * 60, 60, cost_per_hour=10)
    two = Contract("two", 16, 16, 2, 2, min_rest_h=11)
    for b_off, moved in (((), True), (((WS + pd.Timedelta(days=5)).date(),), False)):
        agents = [Agent("A", "two", skills={"q"}, preferred_days_off=(5,)),
                  Agent("B", "two", skills={"q"}, time_off=b_off)]
        need = {d: (7, 15, 1) for d in range(7)}
        p = _prepare(requirement(need), agents, {"two": two}, [temp], [], None, None, None,
                       "staff_needed", ServiceTarget())
        p.lead_ratio = 0
        _candidates(p, set(range(len(p.options))))
        key = {(o.day, o.start_min): o.index for o in p.options}
        start = [{0: key[(0, 420)], 5: key[(5, 420)]}, {1: key[(1, 420)], 2: key[(2, 420)]}]
        out, moves = _exchange_days(p, start, {}, 5.0)
        if moved:
            assert out == [{0: key[(0, 420)], 1: key[(1, 420)]},
                           {2: key[(2, 420)], 5: key[(5, 420)]}]
            assert moves == 1
        else:
            assert out == start and moves == 0


def test_cover_shifts_are_added_where_placed_breaks_leave_requirement_unmet():
    """Tuesday 12:00-14:00 is left unmet once the breaks are placed.  A works Monday and
    may work one day; B, with a day and hours to spare, takes the 2-h shift at 12:00
    (worth 2 h of unmet requirement, 120, against wages of 20).  Priced at 5 an hour,
    the unmet requirement is worth less than the shift and nothing is added; a team
    lead is not given shifts this way."""
    from solver.roster.break_placement import _Pass2
    from solver.roster.problem import _candidates, _prepare
    from solver.roster.unmet_cover import _cover_unmet
    from wfm.types import ServiceTarget

    temp = ShiftTemplate("h2", 120, 8 * 60, 14 * 60, 60, cost_per_hour=10)
    one = Contract("one", 0, 10, 0, 1)
    two = Contract("two", 0, 10, 0, 2)
    need = {0: (8, 10, 1), 1: (12, 14, 1)}
    for b_lead, price, added in ((False, 60.0, True), (False, 5.0, False), (True, 60.0, False)):
        agents = [Agent("A", "one", skills={"q"}), Agent("B", "two", skills={"q"}, is_lead=b_lead)]
        p = _prepare(requirement(need), agents, {"one": one, "two": two}, [temp], [],
                       {"unmet requirement": price}, None, None, "staff_needed",
                       ServiceTarget())
        p.lead_ratio = 0
        _candidates(p, set(range(len(p.options))))
        key = {(o.day, o.start_min): o.index for o in p.options}
        start = [{0: key[(0, 480)]}, {}]
        placed = _Pass2({}, {}, None, "OPTIMAL", 0.0)  # no breaks: Tuesday left unmet
        out, _, counts = _cover_unmet(p, start, {}, placed, {}, 5.0)
        n = counts["added"]
        assert counts["moved"] == 0
        if added:
            assert out == [{0: key[(0, 480)]}, {1: key[(1, 720)]}] and n == 1
        else:
            assert out == start and n == 0


def test_a_shift_is_moved_within_its_day_to_where_requirement_is_unmet():
    """One agent is needed 09:00-11:00 on Monday; A, who may work one day, works
    08:00-10:00, so 10:00-11:00 is unmet.  A's shift moves to 09:00 (1 h of unmet
    requirement met, same wages).  When the requirement is 11:00-13:00, the shift
    would have to move 3 h, more than a move may, and it stays."""
    from solver.roster.break_placement import _Pass2
    from solver.roster.problem import _candidates, _prepare
    from solver.roster.unmet_cover import _cover_unmet
    from wfm.types import ServiceTarget

    temp = ShiftTemplate("h2", 120, 8 * 60, 14 * 60, 60, cost_per_hour=10)
    one = Contract("one", 0, 10, 0, 1)
    for need_from, moved in ((9, True), (12, False)):
        agents = [Agent("A", "one", skills={"q"})]
        p = _prepare(requirement({0: (need_from, need_from + 2, 1)}), agents, {"one": one},
                       [temp], [], None, None, None, "staff_needed", ServiceTarget())
        p.lead_ratio = 0
        _candidates(p, set(range(len(p.options))))
        key = {(o.day, o.start_min): o.index for o in p.options}
        start = [{0: key[(0, 480)]}]
        placed = _Pass2({}, {}, None, "OPTIMAL", 0.0)
        out, _, counts = _cover_unmet(p, start, {}, placed, {}, 5.0)
        n = counts["moved"]
        assert counts["added"] == 0
        if moved:
            assert out == [{0: key[(0, 540)]}] and n == 1
        else:
            assert out == start and n == 0


def test_a_break_is_placed_again_where_requirement_is_unmet():
    """Two agents are needed 08:00-12:00 but one is enough 09:00-10:00.  A's break is
    at 09:00 and B's at 10:30, which leaves 10:30-10:45 short.  B's break moves into
    09:00-10:00 (its window runs to 10:30), A's stays, and nothing is left unmet."""
    from solver.roster.break_placement import _Pass2, _place_new_breaks
    from solver.roster.problem import _candidates, _prepare
    from solver.roster.unmet_cover import _cover_unmet
    from wfm.types import ServiceTarget

    brk = BreakRule("break", 15, 60, 150)
    temp = ShiftTemplate("h4", 240, 8 * 60, 8 * 60, 60, breaks=(brk,), cost_per_hour=10)
    req = requirement({0: (8, 12, 2)})
    hour = req["interval_start"].dt.hour
    req.loc[(req["interval_start"].dt.dayofweek == 0) & (hour == 9), "staff_needed"] = 1
    agents = [Agent("A", "any", skills={"q"}), Agent("B", "any", skills={"q"})]
    p = _prepare(req, agents, {"any": ANY}, [temp], [], None, None, None, "staff_needed",
                   ServiceTarget())
    p.lead_ratio = 0
    _candidates(p, set(range(len(p.options))))
    (i,) = [o.index for o in p.options if o.day == 0]
    at = {sl.offset_min: sl for sl in p.options[i].breaks[0]}
    start = [{0: i}, {0: i}]
    placed = _Pass2({(0, 0): [at[60]], (1, 0): [at[150]]}, {}, None, "OPTIMAL", 0.0)
    out, breaks, counts = _cover_unmet(p, start, {}, placed, {}, 5.0)
    assert out == start and counts == {"breaks": 1}
    assert breaks[(0, 0)] == [at[60]] and 60 < breaks[(1, 0)][0].offset_min < 120
    final = _place_new_breaks(p, start, out, placed, {}, 5.0, 1, breaks)
    assert final.breaks == breaks and sum(final.short_units.values()) == 0


def test_a_changed_week_is_priced_again_by_its_own_rules():
    """A prefers to start at 07:00 and works Monday from 09:00: its week bends the
    preferred start by 2 h, and the report row says so.  A week of two shifts, where
    A's contract allows one day, breaks a hard rule: the agent's own model says so."""
    from solver.roster.problem import _candidates, _prepare
    from solver.roster.report import _penalty_rows
    from solver.roster.scoring import Scoring
    from solver.roster.shift_model import _weeks_kept
    from wfm.types import ServiceTarget

    temp = ShiftTemplate("h2", 120, 7 * 60, 12 * 60, 60, cost_per_hour=10)
    one = Contract("one", 0, 10, 0, 1)
    agents = [Agent("A", "one", skills={"q"}, preferred_start_min=7 * 60)]
    p = _prepare(requirement({0: (7, 14, 1)}), agents, {"one": one}, [temp], [], None,
                   None, None, "staff_needed", ServiceTarget())
    p.lead_ratio = 0
    _candidates(p, set(range(len(p.options))))
    key = {(o.day, o.start_min): o.index for o in p.options}
    week = [{0: key[(0, 540)]}]
    assert _weeks_kept(p, week, [0])
    rows = _penalty_rows(p, Scoring(p, {}), week, {}, [])
    assert [(r["rule"], r["subject"], r["amount"]) for r in rows] == [("preferred start", "A", 2.0)]
    assert not _weeks_kept(p, [{0: key[(0, 540)], 1: key[(1, 540)]}], [0])


def test_new_shift_breaks_are_placed_against_the_breaks_already_placed():
    """One agent is needed 08:00-16:00 and A's break is placed at 09:00.  B's shift is
    added: its break (09:00-10:00 window) goes anywhere but 09:00, so the hour is never
    left without an agent on the phone."""
    from solver.roster.break_placement import _Pass2, _place_new_breaks
    from solver.roster.problem import _prepare
    from wfm.types import ServiceTarget

    agents = [Agent("A", "any", skills={"q"}), Agent("B", "any", skills={"q"})]
    p = _prepare(requirement({0: (8, 16, 1)}), agents, {"any": ANY}, [T8], [], None, None,
                   None, "staff_needed", ServiceTarget())
    p.lead_ratio = 0
    (i,) = [o.index for o in p.options if o.day == 0]
    at_nine = next(sl for sl in p.options[i].breaks[0] if sl.offset_min == 60)
    first = _Pass2({(0, 0): [at_nine]}, {}, None, "OPTIMAL", 0.0)
    out = _place_new_breaks(p, [{0: i}, {}], [{0: i}, {0: i}], first, {}, 5.0, 1)
    assert out.breaks[(0, 0)] == [at_nine]
    (b_break,) = out.breaks[(1, 0)]
    assert b_break.offset_min != 60
    assert sum(out.short_units.values()) == 0


def test_a_shift_is_added_where_the_breaks_it_lets_move_meet_the_requirement():
    """Two agents are needed 08:00-12:00; A's and B's breaks (window 09:00-11:00) sit at
    09:00 and 09:15.  C's 1-h shift at 10:00 covers no unmet interval itself, so the
    greedy step does not add it; with the breaks placed again both move into its hour
    and nothing is left unmet, worth 30 against its 10.  At 40 an hour it is not added."""
    from solver.roster.break_placement import _Pass2
    from solver.roster.problem import _candidates, _prepare
    from solver.roster.unmet_cover import _add_with_breaks_moved, _cover_unmet
    from wfm.types import ServiceTarget

    d4 = ShiftTemplate("d4", 240, 8 * 60, 8 * 60, 60, breaks=(BreakRule("break", 15, 60, 180),),
                       cost_per_hour=10)
    for rate, added in ((10, True), (40, False)):
        h1 = ShiftTemplate("h1", 60, 10 * 60, 10 * 60, 60, cost_per_hour=rate)
        agents = [Agent(n, "any", skills={"q"}) for n in "ABC"]
        p = _prepare(requirement({0: (8, 12, 2)}), agents, {"any": ANY}, [d4, h1], [], None,
                       None, None, "staff_needed", ServiceTarget())
        p.lead_ratio = 0
        _candidates(p, set(range(len(p.options))))
        (i4,) = [o.index for o in p.options if o.day == 0 and o.template.name == "d4"]
        (i1,) = [o.index for o in p.options if o.day == 0 and o.template.name == "h1"]
        at = {sl.offset_min: sl for sl in p.options[i4].breaks[0]}
        start = [{0: i4}, {0: i4}, {}]
        placed = _Pass2({(0, 0): [at[60]], (1, 0): [at[75]]}, {}, None, "OPTIMAL", 0.0)
        greedy, _, counts = _cover_unmet(p, start, {}, placed, {}, 5.0)
        assert greedy[2] == {} and not counts["added"]
        out, final, n = _add_with_breaks_moved(p, start, {}, placed, {}, 5.0, 1)
        if added:
            assert n == 1 and out[2] == {0: i1}
            assert all(120 <= final.breaks[(a, 0)][0].offset_min < 180 for a in (0, 1))
            assert sum(final.short_units.values()) == 0
        else:
            assert n == 0 and out == start and final.breaks == placed.breaks


def test_match_weeks_hands_each_agent_the_week_it_prefers():
    """E would start at 07:00 and has the week of 15:00 starts; L has the week of 07:00
    starts and no preference.  They exchange weeks; with L's week holding a day E has
    off, E cannot take it and nothing moves."""
    from solver.roster.improve import _match_weeks
    from solver.roster.problem import _candidates, _prepare
    from wfm.types import ServiceTarget

    temp = ShiftTemplate("d8", 480, 7 * 60, 15 * 60, 60, cost_per_hour=10)
    two = Contract("two", 16, 16, 2, 2, min_rest_h=11)
    for e_off, moved in (((), True), (((WS + pd.Timedelta(days=1)).date(),), False)):
        agents = [Agent("E", "two", skills={"q"}, preferred_start_min=7 * 60, time_off=e_off),
                  Agent("L", "two", skills={"q"})]
        need = {d: (7, 23, 1) for d in range(7)}
        p = _prepare(requirement(need), agents, {"two": two}, [temp], [], None, None, None,
                       "staff_needed", ServiceTarget())
        p.lead_ratio = 0
        _candidates(p, set(range(len(p.options))))
        key = {(o.day, o.start_min): o.index for o in p.options}
        late = {2: key[(2, 900)], 3: key[(3, 900)]}
        early = {0: key[(0, 420)], 1: key[(1, 420)]}
        out, changed = _match_weeks(p, [late, early], {}, 5.0)
        assert out == ([early, late] if moved else [late, early])
        assert changed == (2 if moved else 0)


def test_rematch_keeps_skill_sets_and_leads_apart():
    """Exchanges stay within one skill set and lead status, so the coverage of every
    queue and the leads on shift are what they were."""
    agents = [Agent("E", "any", skills={"q"}, preferred_start_min=7 * 60),
              Agent("L", "any", skills={"q"}, preferred_start_min=15 * 60, is_lead=True)]
    p, key = _rematch_problem(agents, {"any": ANY}, {0: (7, 23, 1)})
    start = [{0: key[(0, 900)]}, {0: key[(0, 420)]}]
    out, _ = _rematch_starts(p, start, {}, 5.0)
    assert out == start


def test_lp_cover_price_is_the_change_of_the_optimum():
    """The dual price of an interval's requirement is what one more unit there adds."""
    from solver.roster.data import Week, expand_templates
    from solver.roster.lp import lp_bound

    week = Week(WS, 15, 15)
    t = ShiftTemplate("d4", 240, 8 * 60, 12 * 60, 60, days=(0,), cost_per_hour=10)
    opts = expand_templates([t], week)
    cost = np.array([10 * o.weighted_paid_h for o in opts])
    req = np.zeros(week.n_intervals)
    req[32:48] = 2  # Monday 08:00-12:00: two 4-h shifts at 08:00
    req[48:52] = 1  # 12:00-13:00: one agent, covered by a third shift
    base = lp_bound(opts, week, req, cost, shortfall_per_unit=15.0)
    # the optimum is convex and piecewise linear in the requirement: a dual price lies
    # between its slopes to the left and to the right
    eps = 1e-3

    def value(t_, step):
        more = req.copy()
        more[t_] += step
        return lp_bound(opts, week, more, cost, shortfall_per_unit=15.0).value

    for t_ in (33, 40, 47, 50):
        left = (base.value - value(t_, -eps)) / eps
        right = (value(t_, eps) - base.value) / eps
        assert left - 1e-6 <= base.cover_price[t_] <= right + 1e-6 <= 15.0 + 2e-6
    # strong duality: with coverage rows only, the prices times the requirement are the optimum
    assert float(base.cover_price @ req) == pytest.approx(base.value)
    assert base.cover_price[t_ + 40] == 0.0  # nothing required: no price
    assert (base.cover_price >= 0).all()


def test_lp_capacity_cuts_bind():
    """One agent who works at most one day: the second day's requirement is unmet."""
    from solver.roster.data import Week, expand_templates
    from solver.roster.lp import lp_bound

    week = Week(WS, 15, 15)
    t = ShiftTemplate("d8", 480, 8 * 60, 8 * 60, 60, days=(0, 1), cost_per_hour=10)
    opts = expand_templates([t], week)
    cost = np.array([10 * o.weighted_paid_h for o in opts])
    req = np.zeros(week.n_intervals)
    req[32:64] = 1  # Monday 08:00-16:00
    req[96 + 32 : 96 + 64] = 1  # Tuesday 08:00-16:00
    free = lp_bound(opts, week, req, cost, shortfall_per_unit=15.0)
    assert free.value == pytest.approx(160.0)
    capped = lp_bound(opts, week, req, cost, 15.0, max_counts=[([o.index for o in opts], 1)])
    assert capped.value == pytest.approx(80.0 + 32 * 15.0) and capped.shortfall_h == 8.0
    hours = lp_bound(opts, week, req, cost, 15.0, max_total_paid_h=8.0)
    assert hours.value == pytest.approx(capped.value)


def test_shift_caps_count_each_agents_days_and_templates():
    from solver.roster.plan_bounds import _shift_caps
    from solver.roster.problem import _prepare
    from wfm.types import ServiceTarget

    req = requirement({0: (8, 16, 1), 1: (8, 16, 1), 2: (8, 16, 1)})
    two = Contract("two", 0, 16, 0, 2, min_rest_h=11)
    agents = [Agent("A", "two", skills={"q"}), Agent("B", "any", skills={"q"}, time_off=(WS.date(),))]
    p = _prepare(req, agents, {"two": two, "any": ANY}, [T8], [], None, None, None,
                   "staff_needed", ServiceTarget())
    caps = {(frozenset(p.options[i].day for i in idx), n) for idx, n in _shift_caps(p)}
    assert (frozenset(range(7)), 2 + 5) in caps  # A two days, B five
    assert (frozenset({0}), 1) in caps  # B is off on Monday
    assert (frozenset({1}), 2) in caps


def test_meeting_slot_where_the_plan_has_room():
    """The meeting goes where an agent is on shift without being needed on the phones,
    and both attend."""
    # two agents needed 08:00-12:00, one 12:00-16:00: at 13:00 one of two 8-h agents
    # is free for the hour
    req = requirement({0: (8, 12, 2)})
    req.loc[(req["interval_start"] >= WS + pd.Timedelta(hours=12))
            & (req["interval_start"] < WS + pd.Timedelta(hours=16)), "staff_needed"] = 1
    agents = [Agent(f"A{i}", "any", skills={"q"}, team="T") for i in range(2)]
    act = Activity("huddle", 60, team="T", days=(0,), earliest_start_min=8 * 60,
                   latest_start_min=15 * 60)
    res = solve(req, agents, templates=(ShiftTemplate("d8", 480, 8 * 60, 8 * 60, 60,
                                                      cost_per_hour=10),),
                activities=[act], weights={"meeting absence": 500})
    meet = res.breaks[res.breaks["kind"] == "meeting"]
    assert len(meet) == 2
    assert res.penalties[res.penalties["rule"] == "meeting absence"].empty
    # the hour costs one agent's cover; it is never put in the busy morning, where it
    # would cost two
    assert (meet["start"] >= WS + pd.Timedelta(hours=12)).all()


def test_meeting_slots_follow_the_lp_prices_one_a_day():
    """Equal requirement all day on Monday and Tuesday; the LP prices Monday afternoon
    at 0.  The first meeting goes there (the quietest-hour rule would take 08:00), the
    second to Tuesday, and each adds its attendees to the plan's requirement."""
    from solver.roster.lp import LPBound
    from solver.roster.meetings import _choose_meeting_slots
    from solver.roster.problem import _prepare
    from wfm.types import ServiceTarget

    req = requirement({0: (8, 16, 1), 1: (8, 16, 1)})
    agents = [Agent(f"{t}{i}", "any", skills={"q"}, team=t) for t in "AB" for i in range(2)]
    acts = [Activity(f"{t} meeting", 60, team=t, days=(0, 1), earliest_start_min=8 * 60,
                     latest_start_min=15 * 60) for t in "AB"]
    p = _prepare(req, agents, {"any": ANY}, [T8], acts, None, None, None, "staff_needed",
                   ServiceTarget())
    price = np.full(p.week.n_intervals, 5.0)
    price[48:64] = 0.0  # Monday 12:00-16:00
    lp = LPBound(0.0, np.zeros(len(p.options)), 0.0, price)
    seen = []

    def resolve(extra, holding):
        seen.append((extra.copy(), holding))
        return lp

    _, extra = _choose_meeting_slots(p, lp, resolve)
    a, b = p.meeting_slot["A meeting"], p.meeting_slot["B meeting"]
    assert a[0] // 1440 == 0 and 12 * 60 <= a[0] % 1440 <= 15 * 60
    assert b[0] // 1440 == 1
    assert extra.sum() == 2 * 2 * 4  # two attendees, four 15-min units each
    # one day each: the LP is solved once, at the end, with two shifts held around
    # each meeting
    assert len(seen) == 1 and sorted(n for _, n in seen[0][1]) == [2, 2]


def test_meeting_slot_ties_go_to_the_quietest_slot():
    """Flat LP prices over the whole window (as on a day whose duals are degenerate):
    the meeting goes to the hour with the least requirement, not the busiest one."""
    from solver.roster.lp import LPBound
    from solver.roster.meetings import _choose_meeting_slots
    from solver.roster.problem import _prepare
    from wfm.types import ServiceTarget

    req = requirement({0: (8, 16, 3)})
    quiet = (req["interval_start"] >= WS + pd.Timedelta(hours=13)) & (
        req["interval_start"] < WS + pd.Timedelta(hours=14))
    req.loc[quiet, "staff_needed"] = 1
    agents = [Agent(f"A{i}", "any", skills={"q"}, team="A") for i in range(2)]
    act = Activity("A meeting", 60, team="A", days=(0,), earliest_start_min=8 * 60,
                   latest_start_min=15 * 60)
    p = _prepare(req, agents, {"any": ANY}, [T8], [act], None, None, None, "staff_needed",
                 ServiceTarget())
    lp = LPBound(0.0, np.ones(len(p.options)), 0.0, np.full(p.week.n_intervals, 5.0))
    _choose_meeting_slots(p, lp, lambda extra, holding: lp)
    assert p.meeting_slot["A meeting"] == (13 * 60, 60)


def test_holding_rows_ask_for_shifts_of_the_templates_members_may_work():
    """A full-timer may work only the 8-h shift, a part-timer the 4-h and the 8-h one.
    Around a 17:00 meeting the plan needs one 8-h shift and two of either template
    holding it; only shifts holding the meeting with their break around it count."""
    from solver.roster.meetings import _compatible, _holding_rows
    from solver.roster.problem import _prepare
    from wfm.types import ServiceTarget

    t4 = ShiftTemplate("d4", 240, 8 * 60, 18 * 60, 60, cost_per_hour=10)
    t8 = ShiftTemplate("d8", 480, 8 * 60, 14 * 60, 60, breaks=(BRK,), cost_per_hour=10)
    full, part = Contract("full", 40, 40, 5, 5), Contract("part", 4, 20, 1, 5)
    agents = [Agent("F", "full", skills={"q"}, team="T"),
              Agent("P", "part", skills={"q"}, team="T")]
    p = _prepare(requirement({0: (8, 22, 1)}), agents, {"full": full, "part": part},
                 [t4, t8], [], None, None, None, "staff_needed", ServiceTarget())
    rows = {tuple(sorted({p.options[i].template.name for i in idx})): (idx, n)
            for idx, n in _holding_rows(p, [0, 1], (17 * 60, 60))}
    assert {k: n for k, (_, n) in rows.items()} == {("d8",): 1, ("d4", "d8"): 2}
    idx8 = rows[("d8",)][0]
    assert idx8 and all(_compatible(p.options[i], 17 * 60, 60) for i in idx8)
    assert {p.options[i].start_min for i in idx8} <= {10 * 60, 11 * 60, 12 * 60, 13 * 60,
                                                        14 * 60}


def test_lp_min_counts_bind():
    """One agent needed 08:00-12:00: the 4-h shift (40) covers it; asked for one 8-h
    shift among the options, the LP pays for that one instead (80)."""
    from solver.roster.data import Week, expand_templates
    from solver.roster.lp import lp_bound

    week = Week(WS, 15, 15)
    t4 = ShiftTemplate("d4", 240, 8 * 60, 8 * 60, 60, days=(0,), cost_per_hour=10)
    t8 = ShiftTemplate("d8", 480, 8 * 60, 8 * 60, 60, days=(0,), cost_per_hour=10)
    opts = expand_templates([t4, t8], week)
    req = np.zeros(week.n_intervals)
    req[32:48] = 1
    cost = np.array([10 * o.weighted_paid_h for o in opts])
    assert lp_bound(opts, week, req, cost, 15.0).value == pytest.approx(40.0)
    eight = [o.index for o in opts if o.template.name == "d8"]
    held = lp_bound(opts, week, req, cost, 15.0, min_counts=[(eight, 1)])
    assert held.value == pytest.approx(80.0)
    assert held.counts[eight].sum() == pytest.approx(1.0)


def test_swap_search_mends_a_lead_ratio_breach():
    """Start: the lead works the morning, two agents the afternoon (ratio 1 lead per
    agent); the search moves the lead to the afternoon, where both agents are."""
    from solver.roster.improve import _swap_search
    from solver.roster.problem import _candidates, _prepare
    from wfm.types import ServiceTarget

    req = requirement({0: (14, 22, 1)})
    temp = ShiftTemplate("d8", 480, 6 * 60, 14 * 60, 60, cost_per_hour=10)
    agents = [Agent("L", "any", skills={"q"}, is_lead=True), Agent("X", "any", skills={"q"})]
    p = _prepare(req, agents, {"any": ANY}, [temp], [], None, None, None, "staff_needed",
                   ServiceTarget())
    p.lead_ratio = 1
    _candidates(p, set(range(len(p.options))))
    key = {(o.day, o.start_min): o.index for o in p.options}
    out, _ = _swap_search(p, [{0: key[(0, 6 * 60)]}, {0: key[(0, 14 * 60)]}], {}, 5.0)
    assert out[0] == {0: key[(0, 14 * 60)]}  # the lead is on shift while the centre is open
    # with no budget for the sweeps, the breach left is still mended
    out, sweeps = _swap_search(p, [{0: key[(0, 6 * 60)]}, {0: key[(0, 14 * 60)]}], {}, 0.0)
    assert out[0] == {0: key[(0, 14 * 60)]} and sweeps >= 1


def test_crew_breach_counts_agents_above_the_lead_ratio_and_missing_leads():
    """Ratio 1: a lead with one agent on shift 14:00-22:00 breaks nothing; a second
    agent breaks the ratio for the 32 units of its shift; the lead in the morning
    leaves the open hours without a lead (32 units, weighted by the ratio) and both
    agents above the ratio."""
    from solver.roster.problem import _candidates, _prepare
    from solver.roster.scoring import _crew_breach
    from wfm.types import ServiceTarget

    req = requirement({0: (14, 22, 1)})
    temp = ShiftTemplate("d8", 480, 6 * 60, 14 * 60, 60, cost_per_hour=10)
    agents = [Agent("L", "any", skills={"q"}, is_lead=True), Agent("X", "any", skills={"q"}),
              Agent("Y", "any", skills={"q"})]
    p = _prepare(req, agents, {"any": ANY}, [temp], [], None, None, None, "staff_needed",
                   ServiceTarget())
    p.lead_ratio = 1
    _candidates(p, set(range(len(p.options))))
    key = {(o.day, o.start_min): o.index for o in p.options}
    late, early = {0: key[(0, 14 * 60)]}, {0: key[(0, 6 * 60)]}
    assert _crew_breach(p, [late, late, {}]) == 0
    assert _crew_breach(p, [late, late, late]) == pytest.approx(32)
    assert _crew_breach(p, [early, late, late]) == pytest.approx(32 + 2 * 32)
    p.lead_ratio = 0
    assert _crew_breach(p, [early, late, late]) == 0


def test_a_large_team_keeps_its_legal_start_without_pass_1(monkeypatch):
    """Above the candidate threshold, a start that keeps every rule is the roster: pass
    1 is not run, the meeting keeps its planned slot inside the shift, and the report
    prices each agent's week by its own model, the same rows as pass 1 gives here."""

    req = requirement({d: (8, 16, 1) for d in range(5)})
    agents = [Agent("A1", "any", skills={"q"}, team="T", preferred_start_min=7 * 60)]
    act = [Activity("team meeting", 60, team="T", days=(0,))]
    kept = solve(req, agents, activities=act)
    from solver.roster import build

    monkeypatch.setattr(build, "_PASS1_MAX_CANDIDATES", 0)
    res = solve(req, agents, activities=act)
    meet = res.breaks[res.breaks["kind"] == "meeting"]
    assert len(meet) == 1 and "meeting absence" not in set(res.penalties["rule"])
    assert "pass1_status" in kept.stats and kept.stats["pass1_status"] in ("OPTIMAL", "FEASIBLE")
    assert res.stats["pass1_status"].startswith("not run")
    assert len(res.shifts) == 5
    rows = res.penalties[res.penalties["rule"] == "preferred start"]
    assert rows["amount"].sum() == pytest.approx(5.0)  # 08:00 against 07:00, five days
    assert res.objective == pytest.approx(kept.objective)


def test_lp_bound_with_meetings_by_hand():
    """One agent needed Monday 08:00-16:00 (one 8-h shift, 80) and a 1-h meeting of its
    one member."""
    from solver.roster.data import Week, expand_templates
    from solver.roster.lp import lp_bound

    week = Week(WS, 15, 15)
    t = ShiftTemplate("d8", 480, 8 * 60, 8 * 60, 60, days=(0,), cost_per_hour=10)
    opts = expand_templates([t], week)
    cost = np.array([10 * o.weighted_paid_h for o in opts])
    req = np.zeros(week.n_intervals)
    req[32:64] = 1
    nine, one = week.cover(9 * 60, 60), week.cover(13 * 60, 60)
    assert lp_bound(opts, week, req, cost, 15.0).value == pytest.approx(80.0)
    # one slot: the hour is four units unmet (60), cheaper than a second shift (80)
    single = lp_bound(opts, week, req, cost, 15.0, meetings=[(1, [nine], 500.0)])
    assert single.value == pytest.approx(140.0)
    # two slots: the relaxation spreads the member half and half, and half a second
    # shift (40) covers both halves
    spread = lp_bound(opts, week, req, cost, 15.0, meetings=[(1, [nine, one], 500.0)])
    assert spread.value == pytest.approx(120.0)
    # an absence priced at 30 is cheaper still
    absent = lp_bound(opts, week, req, cost, 15.0, meetings=[(1, [nine, one], 30.0)])
    assert absent.value == pytest.approx(110.0)
    # a member who can reach no slot: the one shift and the absence (500)
    forced = lp_bound(opts, week, req, cost, 15.0, meetings=[(1, [nine, one], 500.0, 1)])
    assert forced.value == pytest.approx(580.0)


def test_bound_counts_members_no_meeting_time_suits():
    """Two members, one available only 08:00-12:00 and one only 13:00-17:00 on Monday;
    the 1-h meeting is on Monday between 08:00 and 16:00.  At any one time one of them
    cannot attend, so every roster pays an absence, and the bound says so."""
    t4 = ShiftTemplate("d4", 240, 8 * 60, 13 * 60, 60, cost_per_hour=10)
    req = requirement({0: (8, 17, 1)})
    agents = [
        Agent("AM", "any", skills={"q"}, team="T", availability=(TimeWindow(0, 8 * 60, 12 * 60),)),
        Agent("PM", "any", skills={"q"}, team="T", availability=(TimeWindow(0, 13 * 60, 17 * 60),)),
    ]
    act = Activity("team meeting", 60, team="T", days=(0,), earliest_start_min=8 * 60,
                   latest_start_min=16 * 60)
    res = solve(req, agents, templates=(t4,), activities=[act], weights={"meeting absence": 100})
    assert res.success
    absent = res.penalties[res.penalties["rule"] == "meeting absence"]
    assert absent["amount"].sum() == pytest.approx(1.0)
    # two 4-h shifts (80), the hour between them unmet (60), one absence (100); the
    # present member's meeting hour unmet (60)
    assert res.objective == pytest.approx(300.0)
    # with the absence every roster pays, the bound meets the roster: proven optimal
    # (without it, the relaxation lets both attend at spread times: 260)
    assert res.stats["lp_bound_meetings"] == pytest.approx(300.0)
    assert res.status == "OPTIMAL"


def test_breaks_by_day_see_the_night_shift_of_the_day_before():
    """Monday 20:00-04:00 (M) and Tuesday 00:00-08:00 (T); one agent needed from Monday
    20:00 to Tuesday 04:00.  M is alone until midnight, so its break belongs after
    midnight, when T covers it, and T's must not fall at the same time.  Placed day
    by day, Monday's model must see Tuesday's shift: nothing is unmet, as in one model
    of the whole week."""
    from solver.roster.break_placement import _place_breaks, _place_breaks_by_day
    from solver.roster.problem import _prepare
    from wfm.types import ServiceTarget

    brk = BreakRule("break", 30, 60, 420)
    night = ShiftTemplate("n8", 480, 0, 20 * 60, 60, breaks=(brk,), cost_per_hour=10)
    idx = pd.date_range(WS, periods=7 * 96, freq="15min")
    hours = (idx - WS) / pd.Timedelta(hours=1)
    need = ((hours >= 20) & (hours < 28)).astype(float)
    req = pd.DataFrame({"queue": "q", "interval_start": idx, "staff_needed": need})
    agents = [Agent("M", "any", skills={"q"}), Agent("T", "any", skills={"q"})]
    p = _prepare(req, agents, {"any": ANY}, [night], [], None, None, None, "staff_needed",
                   ServiceTarget())
    key = {(o.day, o.start_min): o.index for o in p.options}
    assign = [{0: key[(0, 20 * 60)]}, {1: key[(1, 0)]}]
    whole = _place_breaks(p, assign, {}, 5.0, 1)
    assert sum(whole.short_units.values()) == 0
    by_day = _place_breaks_by_day(p, assign, {}, 5.0, 1)
    assert sum(by_day.short_units.values()) == 0
    m_break = by_day.breaks[(0, 0)][0]
    assert 24 * 60 <= p.options[assign[0][0]].abs_start + m_break.offset_min


def test_lead_starts_cover_the_open_hours_and_keep_to_the_plan():
    """Two leads, the centre open 07:00-23:00 on Monday: one lead must start at 07:00
    and one at 15:00.  From a pool of two 07:00 starts and one 15:00 they take one of
    each; with no 15:00 start in the pool, one takes 15:00 off the plan (priced as a
    shift unmet) rather than leave the evening without a lead."""
    agents = [Agent("L1", "any", skills={"q"}, is_lead=True),
              Agent("L2", "any", skills={"q"}, is_lead=True, preferred_start_min=15 * 60)]
    p, key = _rematch_problem(agents, {"any": ANY}, {0: (7, 23, 1)})
    need = np.zeros(p.week.n_intervals)
    need[7 * 4:23 * 4] = 1.0

    def cost(ai, i):
        return 0.0 if agents[ai].preferred_start_min in (None, p.options[i].start_min) else 1.0

    got = _lead_starts(p, [0, 1], 0, "d8", [key[(0, 420)], key[(0, 420)], key[(0, 900)]],
                         cost, need)
    assert got == {0: key[(0, 420)], 1: key[(0, 900)]}  # L2 on the start it prefers
    got = _lead_starts(p, [0, 1], 0, "d8", [key[(0, 420)], key[(0, 420)]], cost, need)
    assert sorted(p.options[i].start_min for i in got.values()) == [420, 900]


def test_lead_days_by_hand():
    """Open 07:00-23:00 with 8 h shifts: two leads on Monday; Tuesday 07:00-15:00: one."""
    agents = [Agent("L", "any", skills={"q"}, is_lead=True)]
    p, key = _rematch_problem(agents, {"any": ANY}, {0: (7, 23, 1), 1: (7, 15, 1)})
    p.lead_ratio = 15
    plan = {key[(0, 420)]: 1, key[(0, 900)]: 1, key[(1, 420)]: 1}
    assert _lead_days(p, plan) == {0: 2, 1: 1}


def test_plan_days_gives_each_day_the_leads_it_needs():
    """Monday is open 07:00-23:00 (two leads needed), Tuesday 07:00-15:00 (one); three
    leads and X work one day each.  X would rather have Tuesday off, but X on Monday
    leaves room there for one lead only: X works Tuesday and two leads work Monday."""
    from solver.roster.plan_match import _plan_days
    from solver.roster.problem import _candidates, _prepare
    from wfm.types import ServiceTarget

    temp = ShiftTemplate("d8", 480, 7 * 60, 15 * 60, 60, cost_per_hour=10)
    one = Contract("one", 8, 8, 1, 1, min_rest_h=11)
    agents = [Agent("L1", "one", skills={"q"}, is_lead=True),
              Agent("L2", "one", skills={"q"}, is_lead=True),
              Agent("L3", "one", skills={"q"}, is_lead=True),
              Agent("X", "one", skills={"q"}, preferred_days_off=(1,))]
    req = requirement({0: (7, 23, 1), 1: (7, 15, 2)})
    p = _prepare(req, agents, {"one": one}, [temp], [], None, None, None, "staff_needed",
                   ServiceTarget())
    p.lead_ratio = 15
    _candidates(p, set(range(len(p.options))))
    key = {(o.day, o.start_min): o.index for o in p.options}
    plan = {key[(0, 420)]: 1, key[(0, 900)]: 1, key[(1, 420)]: 2}
    days = _plan_days(p, plan, 5.0)
    assert days[3] == {1: "d8"}  # X works Tuesday, against its preference
    assert sum(0 in d for d in days[:3]) == 2


def test_plan_days_avoids_an_evening_shift_before_a_morning_one():
    """Plan: Monday evening (6 h from 17:00), Tuesday a morning (8 h from 07:00) and an
    evening, Wednesday a morning.  A (10 an hour) and B (15) work two days each; A would
    rather have Wednesday off and B Monday.  The cheapest match (350) gives A Monday
    evening then Tuesday morning, and B Tuesday evening then Wednesday morning: 8 h of
    rest twice, so two starts would leave the plan.  The day matching takes a match
    without the clash (360)."""
    from solver.roster.plan_match import _plan_days
    from solver.roster.problem import _candidates, _prepare
    from wfm.types import ServiceTarget

    early = ShiftTemplate("early", 480, 7 * 60, 7 * 60, 60, cost_per_hour=10)
    late = ShiftTemplate("late", 360, 17 * 60, 17 * 60, 60, cost_per_hour=10)
    two = Contract("two", 12, 16, 2, 2, min_rest_h=11)
    agents = [Agent("A", "two", skills={"q"}, cost_per_hour=10, preferred_days_off=(2,)),
              Agent("B", "two", skills={"q"}, cost_per_hour=15, preferred_days_off=(0,))]
    req = requirement({0: (17, 23, 1), 1: (7, 23, 1), 2: (7, 15, 1)})
    p = _prepare(req, agents, {"two": two}, [early, late], [], None, None, None,
                   "staff_needed", ServiceTarget())
    p.lead_ratio = 0
    _candidates(p, set(range(len(p.options))))
    key = {(o.template.name, o.day): o.index for o in p.options}
    plan = {key[("late", 0)]: 1, key[("early", 1)]: 1, key[("late", 1)]: 1,
            key[("early", 2)]: 1}
    days = _plan_days(p, plan, 5.0)
    assert days in (
        [{0: "late", 1: "late"}, {1: "early", 2: "early"}],
        [{1: "early", 2: "early"}, {0: "late", 1: "late"}],
    )


def test_fill_plan_gaps_moves_a_shift_onto_the_free_plan_start():
    """The plan has Tuesday at 07:00; X works Tuesday at 10:00, off the plan."""
    agents = [Agent("X", "any", skills={"q"})]
    p, key = _rematch_problem(agents, {"any": ANY}, {1: (7, 15, 1)})
    out, moves = _fill_plan_gaps(p, [{1: key[(1, 600)]}], {key[(1, 420)]: 1})
    assert out == [{1: key[(1, 420)]}] and moves == 1


def test_fill_plan_gaps_hands_over_a_start_the_student_can_work():
    """The plan has Monday 07:00 and 15:00.  The student (from 14:00 only) is on 14:00,
    off the plan, and F on 15:00: the student takes 15:00 and F the free 07:00."""
    evenings = tuple(TimeWindow(d, 14 * 60, 23 * 60) for d in range(7))
    agents = [Agent("S", "any", skills={"q"}, availability=evenings),
              Agent("F", "any", skills={"q"})]
    p, key = _rematch_problem(agents, {"any": ANY}, {0: (7, 23, 1)})
    plan = {key[(0, 420)]: 1, key[(0, 900)]: 1}
    out, _ = _fill_plan_gaps(p, [{0: key[(0, 840)]}, {0: key[(0, 900)]}], plan)
    assert out == [{0: key[(0, 900)]}, {0: key[(0, 420)]}]


def test_fill_plan_gaps_exchanges_the_shift_of_the_day_before_for_the_rest():
    """A works Monday 15:00 (to 23:00), so Tuesday's plan start at 07:00 breaks its rest:
    it is on 10:00, off the plan.  B works Monday 07:00.  A and B exchange Monday's
    shifts and A takes Tuesday 07:00; every week keeps the minimum rest."""
    agents = [Agent("A", "any", skills={"q"}), Agent("B", "any", skills={"q"})]
    p, key = _rematch_problem(agents, {"any": ANY}, {0: (7, 23, 1), 1: (7, 15, 1)})
    plan = {key[(0, 420)]: 1, key[(0, 900)]: 1, key[(1, 420)]: 1}
    start = [{0: key[(0, 900)], 1: key[(1, 600)]}, {0: key[(0, 420)]}]
    out, _ = _fill_plan_gaps(p, start, plan)
    assert out == [{0: key[(0, 420)], 1: key[(1, 420)]}, {0: key[(0, 900)]}]
    weeks = [{d: p.options[i] for d, i in w.items()} for w in out]
    assert all(_week_ok(p, ai, weeks[ai]) for ai in range(2))


def test_mend_meeting_absences_exchanges_the_day_before_for_the_rest():
    """The member M works late on Monday and Tuesday (14:00-22:00); its meeting is on
    Tuesday at 08:00.  N (no team) works 07:00-15:00 both days.  Tuesday's exchange
    alone leaves M 9 h of rest: Monday's shifts are exchanged as well."""
    from solver.roster.improve import _mend_meeting_absences, _rematch_starts
    from solver.roster.problem import _candidates, _prepare
    from wfm.types import ServiceTarget

    temp = ShiftTemplate("d8", 480, 7 * 60, 14 * 60, 60, cost_per_hour=10)
    agents = [Agent("M", "any", skills={"q"}, team="T"), Agent("N", "any", skills={"q"})]
    p = _prepare(requirement({0: (7, 22, 1), 1: (7, 22, 1)}), agents, {"any": ANY}, [temp],
                   [Activity("T meeting", 60, team="T")], None, None, None, "staff_needed",
                   ServiceTarget())
    p.lead_ratio = 0
    _candidates(p, set(range(len(p.options))))
    p.meeting_slot["T meeting"] = (1440 + 8 * 60, 60)
    key = {(o.day, o.start_min): o.index for o in p.options}
    late = {0: key[(0, 840)], 1: key[(1, 840)]}
    early = {0: key[(0, 420)], 1: key[(1, 420)]}
    # one day's exchange would break M's rest: the rematch leaves it
    out, _ = _rematch_starts(p, [late, early], {}, 5.0)
    assert out == [late, early]
    out, moves = _mend_meeting_absences(p, [late, early], {})
    assert moves == 1 and out == [early, late]


def test_meeting_keeps_the_planned_slot_unless_fewer_can_attend():
    """Members M1 and M2 work Monday 08:00-16:00 and 10:00-18:00.  The plan set the
    meeting at 11:00, which both can attend; a slot at 16:30 (as pass 1 might choose)
    suits only M2, so the planned slot stands.  If the plan's slot suits fewer, the
    other is kept."""
    from solver.roster.meetings import _meeting_time
    from solver.roster.problem import _prepare
    from wfm.types import ServiceTarget

    temp = ShiftTemplate("d8", 480, 7 * 60, 14 * 60, 60, cost_per_hour=10)
    act = Activity("T meeting", 60, team="T")
    agents = [Agent("M1", "any", skills={"q"}, team="T"), Agent("M2", "any", skills={"q"}, team="T")]
    p = _prepare(requirement({0: (7, 22, 1)}), agents, {"any": ANY}, [temp], [act], None,
                   None, None, "staff_needed", ServiceTarget())
    key = {(o.day, o.start_min): o.index for o in p.options}
    assign = [{0: key[(0, 480)]}, {0: key[(0, 600)]}]
    p.meeting_slot["T meeting"] = (11 * 60, 60)
    assert _meeting_time(p, act, [0, 1], assign, (16 * 60 + 30, 60)) == ((660, 60), {0, 1})
    # planned at 17:00 (M2 only), pass 1 at 12:00 (both): pass 1's slot is kept
    p.meeting_slot["T meeting"] = (17 * 60, 60)
    assert _meeting_time(p, act, [0, 1], assign, (12 * 60, 60)) == ((720, 60), {0, 1})
    # a tie (17:00 and 09:00 each suit one) keeps the plan's
    assert _meeting_time(p, act, [0, 1], assign, (9 * 60, 60)) == ((1020, 60), {1})


def test_preferred_shift_bends_the_template_choice_at_its_price():
    """Monday 07:00-11:00 needs one agent.  The 4-h shift costs 40, the 6-h one 60; the
    agent prefers the 6-h one.  At the default price of a shift on another template (5)
    the 4-h shift is cheaper and the bent preference is reported; at 30 it is not."""
    p4 = ShiftTemplate("p4", 240, 7 * 60, 7 * 60, 60, cost_per_hour=10)
    d6 = ShiftTemplate("d6", 360, 7 * 60, 7 * 60, 60, cost_per_hour=10)
    agents = [Agent("A", "any", skills={"q"}, preferred_shifts=("d6",))]
    req = requirement({0: (7, 11, 1)})
    res = solve(req, agents, templates=(p4, d6))
    assert res.shifts["template"].tolist() == ["p4"]
    bent = res.penalties[res.penalties["rule"] == "preferred shift"]
    assert bent[["subject", "amount", "cost"]].values.tolist() == [["A", 1.0, 5.0]]
    assert res.objective == pytest.approx(45.0)
    res = solve(req, agents, templates=(p4, d6), weights={"preferred shift": 30.0})
    assert res.shifts["template"].tolist() == ["d6"]
    assert res.objective == pytest.approx(60.0)
    with pytest.raises(InputError, match="preferred_shifts"):
        solve(req, [Agent("A", "any", skills={"q"}, preferred_shifts=("d9",))], templates=(p4, d6))


def test_bound_counts_the_weekend_days_a_full_time_pattern_forces():
    """Two full-time agents (five 8-h days, two days off in a row inside the week) cover
    one 08:00-16:00 shift a day, from a plan of ten shifts with one on Saturday and one
    on Sunday: a fair share of one weekend day each.  Whoever works Saturday works
    Sunday too (the day off beside a free Sunday is Saturday): one weekend day above
    the share (4).  The bound prices the day patterns and proves the roster optimal
    (804); with weekend fairness free, both are 800."""
    d8 = ShiftTemplate("d8", 480, 8 * 60, 8 * 60, 60, cost_per_hour=10)
    ft = Contract("ft", 40, 40, 5, 5, max_consecutive_days=5, two_consecutive_days_off=True)
    agents = [Agent("A", "ft", skills={"q"}), Agent("B", "ft", skills={"q"})]
    req = requirement({d: (8, 16, 1) for d in range(7)})
    days = [0, 0, 1, 1, 2, 2, 3, 4, 5, 6]
    plan = pd.DataFrame({"template": "d8",
                         "start": [WS + pd.Timedelta(days=d, hours=8) for d in days]})
    for w, cost in ((4.0, 804.0), (0.0, 800.0)):
        res = build_roster(plan, agents, {"ft": ft}, [d8], requirements=req, lead_ratio=0,
                           weights={"weekend fairness": w}, time_limit_s=10, num_workers=1)
        assert res.objective == pytest.approx(cost)
        assert res.bound == pytest.approx(cost) and res.status == "OPTIMAL"
        assert res.stats["lp_bound_contract_hours"] == pytest.approx(800.0)


def test_bound_adds_what_dearer_agents_are_paid_on_their_minimum_hours():
    """Monday and Tuesday need one 8-h shift each.  A is paid 30 an hour, B 10, and
    each must work 8 h: the roster costs 320.  The LP prices every shift at 10 (160);
    A's 8 h at 20 more are a valid addition, and the bound proves the roster optimal."""
    d8 = ShiftTemplate("d8", 480, 8 * 60, 8 * 60, 60, cost_per_hour=10)
    one = Contract("one", 8, 8, 1, 1)
    agents = [Agent("A", "one", skills={"q"}, cost_per_hour=30),
              Agent("B", "one", skills={"q"}, cost_per_hour=10)]
    res = solve(requirement({0: (8, 16, 1), 1: (8, 16, 1)}), agents, {"one": one},
                templates=(d8,))
    assert res.objective == pytest.approx(320.0)
    assert res.stats["lp_bound_contract_hours"] == pytest.approx(160.0)
    assert res.stats["bound_above_min_rate"] == pytest.approx(160.0)
    assert res.bound == pytest.approx(320.0) and res.status == "OPTIMAL"


def test_bound_adds_the_dearer_template_a_contract_cannot_avoid():
    """Monday to Friday need one agent 08:00-16:00.  The full-time agent A is paid 22 on
    8-h shifts (the template's rate) and 20 on 4-h ones, and must work 32 h in at most
    five days: three 8-h shifts at least.  The part-timer B is paid 20 on both.  The
    LP prices the week at 20 an hour (800); A's three 8-h shifts at 2 more are 48 above
    it, and the bound proves the roster (3 x 176 + 2 x 80 for A, 2 x 80 for B) optimal.
    Without B's cheaper 8-h rate there is no such floor on the 4-h shifts."""
    d8 = ShiftTemplate("d8", 480, 8 * 60, 8 * 60, 60, cost_per_hour=22)
    p4 = ShiftTemplate("p4", 240, 8 * 60, 12 * 60, 240, cost_per_hour=20)
    ft = Contract("ft", 32, 40, 0, 5)
    pt = Contract("pt", 0, 40, 0, 5, cost_per_hour=20)
    agents = [Agent("A", "ft", skills={"q"}), Agent("B", "pt", skills={"q"})]
    req = requirement({d: (8, 16, 1) for d in range(5)})
    res = solve(req, agents, {"ft": ft, "pt": pt}, templates=(d8, p4))
    assert res.stats["bound_above_min_rate"] == pytest.approx(48.0)
    assert res.objective == pytest.approx(848.0)
    assert res.bound == pytest.approx(848.0) and res.status == "OPTIMAL"
    a = res.shifts[res.shifts["agent_id"] == "A"]
    assert sorted(a["template"]) == ["d8", "d8", "d8", "p4", "p4"]


def test_lead_mending_may_change_template_within_the_contract_hours():
    """The centre opens at 06:30 and the lead holds a 4-h shift, which cannot start
    before 07:00: no lead for the first half hour.  The mending moves it to the 8-h
    shift at 06:30 when its contract allows 8 h, and cannot when it allows 4 h."""
    from solver.roster.improve import _swap_search
    from solver.roster.problem import _candidates, _prepare
    from wfm.types import ServiceTarget

    p4 = ShiftTemplate("p4", 240, 7 * 60, 12 * 60, 30, cost_per_hour=10)
    d8 = ShiftTemplate("d8", 480, 6 * 60 + 30, 12 * 60, 30, cost_per_hour=10)
    for max_h, moved in ((8, True), (4, False)):
        lead = Contract("lead", 4, max_h, 1, 1)
        agents = [Agent("L", "lead", skills={"q"}, is_lead=True), Agent("X", "any", skills={"q"})]
        p = _prepare(requirement({0: (6.5, 11, 1)}), agents, {"lead": lead, "any": ANY},
                       [p4, d8], [], None, None, None, "staff_needed", ServiceTarget())
        p.lead_ratio = 15
        _candidates(p, set(range(len(p.options))))
        key = {(o.template.name, o.day, o.start_min): o.index for o in p.options}
        start = [{0: key[("p4", 0, 420)]}, {0: key[("p4", 0, 420)]}]
        out, _ = _swap_search(p, start, {}, 0.0)
        assert out[0] == ({0: key[("d8", 0, 390)]} if moved else start[0])


@pytest.mark.parametrize("limit", [1.5, 3.0])
def test_time_limit_is_a_hard_cap_on_wall_time(limit):
    """Thirty agents over a week at 15-min starts: the roster (or the word that none was
    found in time) comes within the limit and a second, model building included."""
    import time

    from wfm.agents import make_agents

    agents, contracts = make_agents(30, 3, week_start=WS, lead_share=0.0)
    temps = [ShiftTemplate(f"{h}h", h * 60, 7 * 60, (23 - h) * 60, 15, breaks=(BRK,),
                           cost_per_hour=20) for h in (8, 6, 4)]
    req = requirement({d: (7, 23, 6) for d in range(7)})
    t0 = time.perf_counter()
    res = build_roster(req, agents, contracts, temps, time_limit_s=limit, num_workers=1)
    wall = time.perf_counter() - t0
    assert wall <= limit + 1.0
    assert res.wall_time_s <= limit + 1.0
    assert res.success or "time limit" in res.message
