"""The scoring model of the roster (solver.roster.scoring): one price for every stage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ortools.sat.python import cp_model

from solver import build_roster
from solver.roster.problem import _candidates, _prepare
from solver.roster.scoring import Scoring, _on_phone_units, _week_ok
from solver.roster.shift_model import _agent_model
from wfm.types import Agent, BreakRule, Contract, ServiceTarget, ShiftTemplate

WS = pd.Timestamp("2024-01-01")  # Monday
T8 = ShiftTemplate("d8", 480, 6 * 60, 14 * 60, 60, cost_per_hour=10)
T4 = ShiftTemplate("d4", 240, 6 * 60, 19 * 60, 60, cost_per_hour=12)
FULL = Contract("full", 0, 48, 0, 6, min_rest_h=11, overtime_after_h=32, overtime_premium=0.5)


def requirement(h0: int = 7, h1: int = 20, n: int = 2) -> pd.DataFrame:
    idx = pd.date_range(WS, periods=7 * 96, freq="15min")
    hours = idx.hour + idx.minute / 60
    need = np.where((hours >= h0) & (hours < h1), float(n), 0.0)
    return pd.DataFrame({"queue": "q", "interval_start": idx, "staff_needed": need})


def problem(agents, contracts=None):
    p = _prepare(requirement(), agents, contracts or {"full": FULL}, [T8, T4], [], None, None,
                 None, "staff_needed", ServiceTarget())
    p.lead_ratio = 0
    _candidates(p, set(range(len(p.options))))
    return p


AGENTS = [
    Agent("A", "full", skills={"q"}, preferred_start_min=7 * 60, preferred_days_off=(5, 6)),
    Agent("B", "full", skills={"q"}, preferred_shifts=("d4",)),
]


def cp_minimum(p, ai, week, fair):
    """The least value of each soft rule of the agent's own CP-SAT model, its shifts
    fixed to ``week``: the reference the closed form must meet."""
    am = _agent_model(p, ai, fair)
    for o, v in zip(am.av.options, am.av.x, strict=True):
        am.model.add(v == int(o.index in week))
    am.model.minimize(am.penalty)
    s = cp_model.CpSolver()
    s.parameters.num_workers = 1
    assert s.solve(am.model) == cp_model.OPTIMAL
    out = {}
    for pen in am.penalties:
        amount = s.value(pen.var) * pen.per_unit
        if amount:
            out[pen.rule] = out.get(pen.rule, 0.0) + amount * pen.weight
    return out


def legal_week(p, ai, rng):
    """A random week of one shift a day that keeps the agent's hard rules."""
    while True:
        days = sorted(rng.choice(7, size=int(rng.integers(1, 7)), replace=False))
        week = {}
        for d in days:
            day = [i for i in p.cand[ai] if p.options[i].day == d]
            week[int(d)] = int(rng.choice(day))
        if _week_ok(p, ai, {d: p.options[i] for d, i in week.items()}):
            return list(week.values())


@pytest.mark.parametrize("seed", range(6))
def test_soft_terms_equal_the_cp_sat_terms_of_the_agent_model(seed):
    """Random weeks (one shift a day, any start and template): each soft rule of the
    closed form costs what the CP-SAT terms cost at their least, overtime included."""
    p = problem(AGENTS)
    rng = np.random.default_rng(seed)
    scoring = Scoring(p, {})
    scoring.fair_e = [1, 0]
    scoring.fair_w = [0, 1]
    for ai in range(len(p.agents)):
        week = legal_week(p, ai, rng)
        got = {}
        for term in scoring.soft_terms(ai, [p.options[i] for i in week]):
            got[term.rule] = got.get(term.rule, 0.0) + term.cost
        want = cp_minimum(p, ai, set(week), (scoring.fair_e[ai], scoring.fair_w[ai]))
        assert got.keys() == want.keys()
        for rule, cost in want.items():
            assert got[rule] == pytest.approx(cost), rule


def test_soft_terms_by_hand():
    """A works Saturday 10:00-18:00 (d8) and Sunday 06:00-10:00 (d4): 3 h and 1 h from
    its preferred 07:00, both its preferred days off, starts 4 h apart (2 h outside the
    +-1 h of the best usual start), both weekend days above a fair share of none; no
    shift ends after 20:00 and 12 h stay below the 32 h of overtime."""
    p = problem(AGENTS)
    key = {(o.template.name, o.day, o.start_min): o.index for o in p.options}
    week = [p.options[key[("d8", 5, 600)]], p.options[key[("d4", 6, 360)]]]
    terms = {t.rule: t.amount for t in Scoring(p, {}).soft_terms(0, week)}
    assert terms == {
        "preferred start": pytest.approx(4.0),
        "preferred day off": 2,
        "start consistency": pytest.approx(2.0),
        "weekend fairness": 2,
    }


def test_delta_of_an_exchange_is_the_change_of_both_weeks():
    """Handing B's Monday shift to A and A's to B: the delta equals the two weeks'
    costs after less before (an identity of the incremental pricing)."""
    p = problem(AGENTS)
    key = {(o.template.name, o.day, o.start_min): o.index for o in p.options}
    assign = [{0: key[("d8", 0, 600)], 1: key[("d8", 1, 420)]}, {0: key[("d4", 0, 420)]}]
    sc = Scoring(p, {})

    def week_cost(a):
        return sum(sc.cost(ai, {d: p.options[i] for d, i in days.items()})
                   for ai, days in enumerate(a))

    changes = [(0, 0, assign[1][0]), (1, 0, assign[0][0])]
    after = [dict(d) for d in assign]
    after[0][0], after[1][0] = assign[1][0], assign[0][0]
    assert sc.delta(assign, changes) == pytest.approx(week_cost(after) - week_cost(assign))
    # a start that breaks A's rest after Monday's shift: no delta
    late = key[("d4", 0, 19 * 60)]
    assert sc.delta(assign, [(0, 0, late)]) is None


def test_unmet_change_counts_the_units_moved():
    """One class, two agents needed: taking one agent's unit off an interval where two
    are on leaves one unit unmet, priced at the unmet requirement of a model unit."""
    p = problem(AGENTS[:1])
    sc = Scoring(p, {})
    t = 7 * 4 + 1  # Monday 07:15
    cols = np.array([t])
    before = np.full((1, 1), 2.0 * p.week.units_per_interval)
    after = before - 1
    assert sc.unmet_change(cols, before, after) == pytest.approx(sc.unit_price)
    assert sc.unit_price == pytest.approx(p.weights["unmet requirement"] * p.week.unit_min / 60)


def test_evaluate_sums_to_the_reported_objective():
    """The roster's objective by part (stats) adds up to its objective."""
    brk = BreakRule("break", 15, 60, 120)
    t8 = ShiftTemplate("d8", 480, 6 * 60, 14 * 60, 60, breaks=(brk,), cost_per_hour=10)
    res = build_roster(requirement(n=1), AGENTS, {"full": FULL}, [t8, T4], time_limit_s=10,
                       num_workers=1, lead_ratio=0)
    parts = res.stats["objective_by_part"]
    assert sum(parts.values()) == pytest.approx(res.objective, abs=0.01 * len(res.penalties) + 1e-6)
    assert parts["wages"] == pytest.approx(res.shifts["cost"].sum(), abs=0.01 * len(res.shifts))


def test_on_phone_units_take_breaks_and_meetings_off():
    """An 8-h shift of 32 intervals with its 15-min break placed and a 1-h meeting held:
    32 - 1 - 4 intervals on the phones."""
    brk = BreakRule("break", 15, 60, 120)
    t8 = ShiftTemplate("d8", 480, 8 * 60, 8 * 60, 60, breaks=(brk,), cost_per_hour=10)
    p = _prepare(requirement(), AGENTS[:1], {"full": FULL}, [t8], [], None, None, None,
                 "staff_needed", ServiceTarget())
    (o,) = [o for o in p.options if o.day == 0]
    upi = p.week.units_per_interval
    placed = {(0, 0): [o.breaks[0][0]]}
    meeting = {0: (o.abs_start + 180, 60)}
    on = _on_phone_units(p, [{0: o.index}], placed, meeting)
    assert on.sum() == (32 - 1 - 4) * upi
    assert _on_phone_units(p, [{0: o.index}], {}, {}).sum() == 32 * upi


@pytest.mark.parametrize("seed", range(4))
def test_week_check_agrees_with_the_agent_cp_sat_model(seed):
    """Random weeks, legal or not (rest, days, hours, two days off, weekend limit): the
    check every change must pass says what the agent's own CP-SAT model says."""
    from solver.roster.shift_model import _weeks_kept

    tight = Contract("tight", 20, 40, 3, 5, min_rest_h=12, max_consecutive_days=4,
                     two_consecutive_days_off=True, max_weekend_days=1)
    p = problem([Agent("A", "tight", skills={"q"})], {"tight": tight})
    rng = np.random.default_rng(seed)
    agree = {True: 0, False: 0}
    for _ in range(40):
        days = sorted(rng.choice(7, size=int(rng.integers(1, 8)), replace=False))
        week = {int(d): int(rng.choice([i for i in p.cand[0] if p.options[i].day == d]))
                for d in days}
        am = _agent_model(p, 0, (0, 0), full=False)
        for o, v in zip(am.av.options, am.av.x, strict=True):
            am.model.add(v == int(o.index in week.values()))
        s = cp_model.CpSolver()
        s.parameters.num_workers = 1
        cp_ok = s.solve(am.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        assert _weeks_kept(p, [week], [0]) == cp_ok, week
        agree[cp_ok] += 1
    assert agree[True] and agree[False]  # both kinds of week were drawn
