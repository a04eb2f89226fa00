"""Moves on a roster with its breaks placed (solver.roster.moves and .lns), each on a
tiny instance with a hand-known answer, and the scheduler."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solver import build_roster
from solver.roster.lns import FreeAndSolve, MoveMeeting, ReplaceBreaks
from solver.roster.moves import (
    AddShift,
    ChangeShift,
    ExchangeDays,
    MoveDayOff,
    RemoveShift,
    RosterState,
    Scheduler,
)
from solver.roster.problem import _candidates, _prepare
from solver.roster.scoring import Scoring, _on_phone_units, _on_shift
from wfm.types import Activity, Agent, BreakRule, Contract, ServiceTarget, ShiftTemplate

WS = pd.Timestamp("2024-01-01")  # Monday
BRK = BreakRule("break", 60, 120, 240)
T8 = ShiftTemplate("d8", 480, 6 * 60, 14 * 60, 60, cost_per_hour=10)
T8B = ShiftTemplate("d8", 480, 6 * 60, 14 * 60, 60, breaks=(BRK,), cost_per_hour=10)
ANY = Contract("any", 0, 40, 0, 5, min_rest_h=11)
PRICE = 60.0  # unmet requirement [per agent-hour], the default


def requirement(need: dict[int, tuple[int, int, int]]) -> pd.DataFrame:
    """need: day -> (from hour, to hour, agents)."""
    idx = pd.date_range(WS, periods=7 * 96, freq="15min")
    vals = np.zeros(len(idx))
    for d, (h0, h1, n) in need.items():
        hours = idx.hour + idx.minute / 60
        vals[((idx - WS).days == d) & (hours >= h0) & (hours < h1)] = n
    return pd.DataFrame({"queue": "q", "interval_start": idx, "staff_needed": vals})


def state_of(need, agents, week, templates=(T8,), activities=(), breaks=None, times=None):
    """A roster state: ``week`` per agent {day: (template, start hour)}."""
    p = _prepare(requirement(need), agents, {"any": ANY}, list(templates), list(activities),
                 None, None, None, "staff_needed", ServiceTarget())
    p.lead_ratio = 0
    _candidates(p, set(range(len(p.options))))
    key = {(o.template.name, o.day, o.start_min): o.index for o in p.options}
    assign = [{d: key[(n, d, h * 60)] for d, (n, h) in w.items()} for w in week]
    return RosterState(p, Scoring(p, {}), assign, breaks or {}, times or {}), key


def check_consistent(state):
    """The state's running sums equal a fresh count of its roster."""
    fresh = _on_phone_units(state.p, state.assign, state.breaks, state.meeting_times)
    assert np.allclose(state.on, fresh)
    lead, other = _on_shift(state.p, state.assign)
    assert np.allclose(state.other, other) and np.allclose(state.lead, lead)


def test_change_shift_moves_onto_the_requirement():
    """Needed 10:00-18:00 Monday, A works 08:00-16:00: 10:00-18:00 meets the 2 h unmet
    and 2 h more of the shift: 4 h x 60 saved at the same wages."""
    st, key = state_of({0: (10, 18, 1)}, [Agent("A", "any", skills={"q"})], [{0: ("d8", 8)}])
    before = st.objective()
    priced = ChangeShift().delta(st, [(0, 0, key[("d8", 0, 600)], None)])
    assert priced.delta == pytest.approx(-2 * PRICE)
    ChangeShift().apply(st, priced)
    assert st.objective() == pytest.approx(before - 2 * PRICE)
    check_consistent(st)


def test_move_day_off_goes_to_the_day_needed():
    """Needed Tuesday 08:00-16:00, A works Monday: moved to Tuesday, 8 h met."""
    st, key = state_of({1: (8, 16, 1)}, [Agent("A", "any", skills={"q"})], [{0: ("d8", 8)}])
    priced = MoveDayOff().delta(st, [(0, 0, None, None), (0, 1, key[("d8", 1, 480)], None)])
    assert priced.delta == pytest.approx(-8 * PRICE)
    MoveDayOff().apply(st, priced)
    assert st.assign[0] == {1: key[("d8", 1, 480)]}
    check_consistent(st)


def test_exchange_days_frees_a_preferred_day_off():
    """A prefers Monday off and works it, B works Tuesday: the exchange keeps the cover
    and frees A's preferred day off (one day at its price, 10)."""
    agents = [Agent("A", "any", skills={"q"}, preferred_days_off=(0,)),
              Agent("B", "any", skills={"q"})]
    st, key = state_of({0: (8, 16, 1), 1: (8, 16, 1)}, agents, [{0: ("d8", 8)}, {1: ("d8", 8)}])
    change = [(0, 0, None, None), (1, 1, None, None),
              (0, 1, key[("d8", 1, 480)], None), (1, 0, key[("d8", 0, 480)], None)]
    priced = ExchangeDays().delta(st, change)
    assert priced.delta == pytest.approx(-st.p.weights["preferred day off"])
    ExchangeDays().apply(st, priced)
    check_consistent(st)


def test_add_shift_pays_where_unmet_costs_more_than_wages():
    """Two needed Monday 08:00-16:00, one on shift: a second 8-h shift costs 80 and meets
    8 h worth 480."""
    agents = [Agent("A", "any", skills={"q"}), Agent("B", "any", skills={"q"})]
    st, key = state_of({0: (8, 16, 2)}, agents, [{0: ("d8", 8)}, {}])
    priced = AddShift().delta(st, [(1, 0, key[("d8", 0, 480)], None)])
    assert priced.delta == pytest.approx(80 - 8 * PRICE)


def test_remove_shift_saves_wages_where_nothing_is_needed():
    """Nothing needed on Tuesday: A's Tuesday shift goes, 80 saved; its Monday shift
    stays (removing it leaves 8 h unmet)."""
    st, key = state_of({0: (8, 16, 1)}, [Agent("A", "any", skills={"q"})],
                       [{0: ("d8", 8), 1: ("d8", 8)}])
    assert RemoveShift().delta(st, [(0, 1, None, None)]).delta == pytest.approx(-80)
    assert RemoveShift().delta(st, [(0, 0, None, None)]).delta == pytest.approx(8 * PRICE - 80)


def test_a_move_that_breaks_a_rule_is_refused():
    """A's contract allows one day: a shift added on Tuesday breaks it."""
    one = Contract("any", 0, 40, 0, 1)
    p = _prepare(requirement({1: (8, 16, 1)}), [Agent("A", "any", skills={"q"})], {"any": one},
                 [T8], [], None, None, None, "staff_needed", ServiceTarget())
    p.lead_ratio = 0
    _candidates(p, set(range(len(p.options))))
    key = {(o.template.name, o.day, o.start_min): o.index for o in p.options}
    st = RosterState(p, Scoring(p, {}), [{0: key[("d8", 0, 480)]}], {}, {})
    assert AddShift().delta(st, [(0, 1, key[("d8", 1, 480)], None)]) is None


def test_re_placed_breaks_leave_no_hour_unmet():
    """One agent needed 08:00-16:00, both agents' 1-h breaks at 10:00: that hour is
    unmet; placed again, the breaks part and every hour has an agent."""
    agents = [Agent("A", "any", skills={"q"}), Agent("B", "any", skills={"q"})]
    st, key = state_of({0: (8, 16, 1)}, agents, [{0: ("d8", 8)}, {0: ("d8", 8)}],
                       templates=(T8B,))
    o = st.p.options[key[("d8", 0, 480)]]
    at10 = [s for s in o.breaks[0] if s.offset_min == 120]
    st.breaks = {(0, 0): at10, (1, 0): at10}
    st.reset_cover()
    st.deadline = float("inf")
    unmet0 = st.short().sum()
    assert unmet0 > 0
    move = ReplaceBreaks(2.0, 1)
    rp = move.delta(st, [{0: key[("d8", 0, 480)]}, {0: key[("d8", 0, 480)]}])
    assert rp.delta == pytest.approx(-unmet0 * st.scoring.unit_price)
    move.apply(st, rp)
    assert st.short().sum() == 0
    check_consistent(st)


def test_move_meeting_to_a_quiet_hour():
    """Both agents needed 08:00-12:00 only: their meeting at 09:00 leaves 2 agent-hours
    unmet, at 13:00 none."""
    agents = [Agent("A", "any", skills={"q"}, team="T"), Agent("B", "any", skills={"q"}, team="T")]
    need = {0: (8, 12, 2)}
    act = Activity("meeting", 60, team="T", days=(0,), earliest_start_min=8 * 60,
                   latest_start_min=15 * 60)
    st, key = state_of(need, agents, [{0: ("d8", 8)}, {0: ("d8", 8)}], activities=[act],
                       times={0: (9 * 60, 60), 1: (9 * 60, 60)})
    st.deadline = float("inf")
    assert st.short().sum() == 2 * st.p.week.units_per_interval * 4
    move = MoveMeeting(2.0, 1)
    rp = move.delta(st, ([0, 1], (13 * 60, 60)))
    assert rp.delta == pytest.approx(-2 * PRICE)
    move.apply(st, rp)
    assert st.meeting_times == {0: (13 * 60, 60), 1: (13 * 60, 60)}
    check_consistent(st)


def test_free_and_solve_finds_the_shift_the_requirement_needs():
    """Needed 10:00-18:00 Monday, A works 08:00-16:00: freed, CP-SAT moves it to 10:00."""
    st, key = state_of({0: (10, 18, 1)}, [Agent("A", "any", skills={"q"})], [{0: ("d8", 8)}])
    st.deadline = float("inf")
    move = FreeAndSolve(5.0, 1)
    priced = move.delta(st, (0, [0]))
    assert priced.delta == pytest.approx(-2 * PRICE)
    move.apply(st, priced)
    assert st.assign[0] == {0: key[("d8", 0, 600)]}
    check_consistent(st)


def test_scheduler_keeps_the_state_exact_and_reports_each_move():
    """Many random moves on a small roster: every change lowers the objective by its
    delta (the running sums stay exact), and each move's tries, time and gain are
    reported."""
    agents = [Agent(f"A{k}", "any", skills={"q"}) for k in range(6)]
    need = {d: (7, 19, 2) for d in range(5)}
    week = [{d: ("d8", 7 + (k % 3)) for d in range(k % 2, 5, 2)} for k in range(6)]
    st, _ = state_of(need, agents, week)
    before = st.objective()
    moves = [ChangeShift(), MoveDayOff(), ExchangeDays(), AddShift(), RemoveShift()]
    sch = Scheduler(moves, np.random.default_rng(3))
    st.deadline = float("inf")
    saved = sum(sch.step(st) for _ in range(400))
    assert saved > 0
    assert st.objective() == pytest.approx(before - saved)
    check_consistent(st)
    assert {m.name for m in moves} == set(sch.stats)
    assert all(s.tries > 0 and s.time_s > 0 for s in sch.stats.values())
    assert sum(s.gain for s in sch.stats.values()) == pytest.approx(saved)


def test_build_roster_reports_the_moves():
    res = build_roster(requirement({0: (8, 18, 1)}), [Agent("A", "any", skills={"q"})],
                       {"any": ANY}, [T8], time_limit_s=8, num_workers=1, lead_ratio=0)
    assert res.success
    assert "free and solve" in res.stats["moves"]
    assert set(next(iter(res.stats["moves"].values()))) == {"tries", "made", "time_s", "gain"}
