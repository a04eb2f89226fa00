"""Each roster rule on a tiny case: given this agent and these shifts, it binds / penalises."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from ortools.sat.python import cp_model

from solver.roster import rules
from solver.roster.data import Week, breaks_avoiding, expand_templates
from wfm.types import Agent, BreakRule, Contract, ShiftTemplate, TimeWindow

WEEK = Week(pd.Timestamp("2024-01-01"), 15, 15)  # a Monday
DAY8 = ShiftTemplate("d8", 480, 6 * 60, 22 * 60, 60)
OPTIONS = expand_templates([DAY8], WEEK)
LOOSE = Contract("loose", 0, 168, 0, 7, max_consecutive_days=7, min_rest_h=0)


def shift(day: int, hour: int):
    return next(o for o in OPTIONS if o.day == day and o.start_min == hour * 60)


def model(agent=None, contract=LOOSE):
    agent = agent or Agent("A1", contract.name)
    m = cp_model.CpModel()
    av = rules.AgentVars.create(m, agent, contract, WEEK, OPTIONS)
    rules.one_shift_per_day(m, av)
    return m, av


def fix(m, av, chosen):
    keys = {(o.day, o.start_min) for o in chosen}
    for o, v in zip(av.options, av.x, strict=True):
        m.add(v == int((o.day, o.start_min) in keys))


def feasible(rule, chosen, agent=None, contract=LOOSE) -> bool:
    m, av = model(agent, contract)
    rule(m, av)
    fix(m, av, chosen)
    s = cp_model.CpSolver()
    s.parameters.num_workers = 1
    return s.solve(m) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def penalty(rule_call, chosen, agent=None, contract=LOOSE) -> float:
    """Least amount of the rule's penalties for the fixed shifts."""
    m, av = model(agent, contract)
    pens = rule_call(m, av)
    fix(m, av, chosen)
    if not pens:
        return 0.0
    m.minimize(sum(p.var for p in pens))
    s = cp_model.CpSolver()
    s.parameters.num_workers = 1
    assert s.solve(m) == cp_model.OPTIMAL
    return sum(s.value(p.var) * p.per_unit for p in pens)


def test_weekly_hours_binds_both_ways():
    c = Contract("c", 16, 16, 0, 7, max_consecutive_days=7, min_rest_h=0)
    assert feasible(rules.weekly_hours, [shift(0, 8), shift(1, 8)], contract=c)
    assert not feasible(rules.weekly_hours, [shift(0, 8)], contract=c)
    assert not feasible(rules.weekly_hours, [shift(0, 8), shift(1, 8), shift(2, 8)], contract=c)


def test_days_per_week():
    c = Contract("c", 0, 168, 1, 2, max_consecutive_days=7, min_rest_h=0)
    assert feasible(rules.days_per_week, [shift(0, 8), shift(3, 8)], contract=c)
    assert not feasible(rules.days_per_week, [shift(0, 8), shift(2, 8), shift(4, 8)], contract=c)
    assert not feasible(rules.days_per_week, [], contract=c)


def test_max_consecutive_days():
    c = Contract("c", 0, 168, 0, 7, max_consecutive_days=2, min_rest_h=0)
    assert feasible(rules.max_consecutive_days, [shift(0, 8), shift(1, 8), shift(3, 8)], contract=c)
    assert not feasible(
        rules.max_consecutive_days, [shift(0, 8), shift(1, 8), shift(2, 8)], contract=c
    )


def test_min_rest_bans_only_the_clashing_starts():
    c = Contract("c", 0, 168, 0, 7, max_consecutive_days=7, min_rest_h=11)
    late = shift(0, 14)  # Mon 14:00-22:00
    assert not feasible(rules.min_rest, [late, shift(1, 8)], contract=c)  # 10 h rest
    assert feasible(rules.min_rest, [late, shift(1, 9)], contract=c)  # 11 h rest
    assert feasible(rules.min_rest, [shift(0, 6), shift(1, 6)], contract=c)  # 16 h rest


def test_min_rest_sees_the_day_after_next():
    long = ShiftTemplate("n20", 20 * 60, 20 * 60, 20 * 60, 60)  # Mon 20:00 -> Tue 16:00
    early = ShiftTemplate("e8", 480, 60, 60, 60)  # 01:00-09:00
    opts = expand_templates([DAY8, long, early], WEEK)
    c = Contract("c", 0, 168, 0, 7, max_consecutive_days=7, min_rest_h=11)

    def ok(keys):
        m = cp_model.CpModel()
        av = rules.AgentVars.create(m, Agent("A1", "c"), c, WEEK, opts)
        rules.one_shift_per_day(m, av)
        rules.min_rest(m, av)
        for o, v in zip(opts, av.x, strict=True):
            m.add(v == int((o.day, o.template.name) in keys))
        return cp_model.CpSolver().solve(m) == cp_model.OPTIMAL

    assert not ok({(0, "n20"), (2, "e8")})  # Wed 01:00 is 9 h after Tue 16:00
    assert ok({(0, "n20"), (3, "e8")})


def test_two_consecutive_days_off():
    c = Contract("c", 0, 168, 0, 7, max_consecutive_days=7, min_rest_h=0,
                 two_consecutive_days_off=True)
    alternate = [shift(d, 8) for d in (0, 2, 4, 6)]  # off Tue, Thu, Sat: no pair
    assert not feasible(rules.two_consecutive_days_off, alternate, contract=c)
    assert feasible(rules.two_consecutive_days_off, [shift(d, 8) for d in range(5)], contract=c)


def test_weekend_limit():
    c = Contract("c", 0, 168, 0, 7, max_consecutive_days=7, min_rest_h=0, max_weekend_days=1)
    assert not feasible(rules.weekend_limit, [shift(5, 8), shift(6, 8)], contract=c)
    assert feasible(rules.weekend_limit, [shift(4, 8), shift(5, 8)], contract=c)


def test_availability_window():
    a = Agent("A1", "loose", availability=(TimeWindow(0, 9 * 60, 17 * 60),))
    assert feasible(rules.availability, [shift(0, 9)], agent=a)
    assert not feasible(rules.availability, [shift(0, 8)], agent=a)
    assert not feasible(rules.availability, [shift(1, 9)], agent=a)


def test_time_off_day():
    a = Agent("A1", "loose", time_off=(dt.date(2024, 1, 2),))
    assert not feasible(rules.time_off, [shift(1, 8)], agent=a)
    assert feasible(rules.time_off, [shift(0, 8), shift(2, 8)], agent=a)


def test_preferred_start_counts_hours_away():
    a = Agent("A1", "loose", preferred_start_min=9 * 60)
    call = lambda m, av: rules.preferred_start(m, av, 1.0)  # noqa: E731
    assert penalty(call, [shift(0, 10)], agent=a) == pytest.approx(1.0)
    assert penalty(call, [shift(0, 9), shift(1, 6)], agent=a) == pytest.approx(3.0)


def test_preferred_days_off():
    a = Agent("A1", "loose", preferred_days_off=(5,))
    call = lambda m, av: rules.preferred_days_off(m, av, 1.0)  # noqa: E731
    assert penalty(call, [shift(5, 8)], agent=a) == 1
    assert penalty(call, [shift(4, 8)], agent=a) == 0


def test_start_consistency_outside_one_hour_band():
    call = lambda m, av: rules.start_consistency(m, av, 1.0)  # noqa: E731
    # starts 08:00, 08:00, 12:00: best usual start 09:00, the 12:00 start is 2 h outside
    assert penalty(call, [shift(0, 8), shift(1, 8), shift(2, 12)]) == pytest.approx(2.0)
    assert penalty(call, [shift(0, 8), shift(1, 10)]) == 0


def test_evening_and_weekend_fairness():
    ev = lambda m, av: rules.evening_fairness(m, av, 1, 1.0)  # noqa: E731
    # 14:00-22:00 ends after 20:00: two evening shifts against a fair share of one
    assert penalty(ev, [shift(0, 14), shift(1, 14)]) == 1
    assert penalty(ev, [shift(0, 14), shift(1, 8)]) == 0
    we = lambda m, av: rules.weekend_fairness(m, av, 0, 1.0)  # noqa: E731
    assert penalty(we, [shift(5, 8)]) == 1


def test_overtime_hours():
    c = Contract("c", 0, 168, 0, 7, max_consecutive_days=7, min_rest_h=0, overtime_after_h=8)
    m, av = model(contract=c)
    pens = rules.overtime(m, av)
    fix(m, av, [shift(0, 8), shift(1, 8)])
    m.minimize(pens[0].var)
    s = cp_model.CpSolver()
    assert s.solve(m) == cp_model.OPTIMAL
    assert s.value(pens[0].var) * pens[0].per_unit == pytest.approx(8.0)


def _crew(classes, req, counts):
    """A crew with constant on-phone counts per class in interval 0."""
    m = cp_model.CpModel()
    crew = rules.Crew(WEEK, ["a", "b"], np.array(req).reshape(2, 1), classes)
    one = m.new_constant(1)
    for c, n in enumerate(counts):
        if n:
            crew.sched[c][0].append((n, one))
            crew.on[c][0].append((n, one))
    return m, crew


def test_multi_skilled_agent_counts_once():
    classes = [(frozenset({"a", "b"}), False), (frozenset({"a"}), False)]
    for counts, short in (([1, 0], 1), ([1, 1], 0), ([2, 0], 0)):
        m, crew = _crew(classes, [1, 1], counts)
        pens, _ = rules.coverage(m, crew, 1.0)
        m.minimize(sum(p.var for p in pens))
        s = cp_model.CpSolver()
        assert s.solve(m) == cp_model.OPTIMAL
        assert sum(s.value(p.var) for p in pens) == short


def test_agent_counts_only_for_its_queues():
    classes = [(frozenset({"a"}), False)]
    m, crew = _crew(classes, [0, 2], [3])
    pens, _ = rules.coverage(m, crew, 1.0)
    m.minimize(sum(p.var for p in pens))
    s = cp_model.CpSolver()
    assert s.solve(m) == cp_model.OPTIMAL
    assert sum(s.value(p.var) for p in pens) == 2


def test_lead_on_shift_and_ratio():
    lead = (frozenset({"a"}), True)
    agent = (frozenset({"a"}), False)
    for counts, ok_on, ok_ratio in (([0, 1], False, False), ([1, 2], True, True),
                                    ([1, 3], True, False)):
        for rule, ok in ((rules.lead_on_shift, ok_on), (rules.lead_ratio, ok_ratio)):
            m, crew = _crew([lead, agent], [1, 0], counts)
            if rule is rules.lead_ratio:
                rule(m, crew, per=2)
            else:
                rule(m, crew)
            st = cp_model.CpSolver().solve(m)
            assert (st == cp_model.OPTIMAL) == ok, (rule.__name__, counts)


def test_team_meeting_absence_when_no_shift_fits():
    m = cp_model.CpModel()
    crew = rules.Crew(WEEK, ["a"], np.zeros((1, WEEK.n_intervals), int), [(frozenset({"a"}), False)])
    avs = []
    for name in ("A1", "A2"):
        av = rules.AgentVars.create(m, Agent(name, "loose"), LOOSE, WEEK, OPTIONS)
        rules.one_shift_per_day(m, av)
        avs.append(av)
    fix(m, avs[0], [shift(0, 8)])  # Mon 08:00-16:00: fits a 10:00 meeting
    fix(m, avs[1], [shift(1, 8)])  # works Tuesday only
    slots = [(10 * 60, 60)]  # Monday 10:00, 1 h

    def fits(o, s, length):
        return o.abs_start <= s and s + length <= o.abs_end

    pens, y = rules.team_meeting(m, crew, "meeting", slots, [(avs[0], 0), (avs[1], 0)], fits, 1.0)
    m.minimize(sum(p.var for p in pens))
    s = cp_model.CpSolver()
    assert s.solve(m) == cp_model.OPTIMAL
    assert [s.value(p.var) for p in pens] == [0, 1]


def test_breaks_avoiding_a_meeting():
    t = ShiftTemplate(
        "b8", 480, 8 * 60, 8 * 60, 60,
        breaks=(BreakRule("break", 15, 90, 180), BreakRule("lunch", 30, 210, 300, paid=False)),
    )
    (o,) = expand_templates([t], Week(WEEK.start, 15, 15))[:1]
    # a meeting over the whole first-break window pushes nothing: no placement
    assert breaks_avoiding(o, [(o.abs_start + 90, o.abs_start + 195)]) is None
    placed = breaks_avoiding(o, [(o.abs_start + 90, o.abs_start + 150)])
    assert placed is not None and placed[0].offset_min >= 150


def test_preferred_shifts_counts_shifts_on_other_templates():
    a = Agent("A1", "loose", preferred_shifts=("d8",))
    call = lambda m, av: rules.preferred_shifts(m, av, 1.0)  # noqa: E731
    # every option here is the "d8" template: nothing to penalise
    assert penalty(call, [shift(0, 8), shift(1, 8)], agent=a) == 0
    b = Agent("A1", "loose", preferred_shifts=("early 6h",))
    assert penalty(call, [shift(0, 8), shift(1, 8)], agent=b) == 2
    assert penalty(call, [shift(0, 8)], agent=Agent("A1", "loose")) == 0  # no preference
