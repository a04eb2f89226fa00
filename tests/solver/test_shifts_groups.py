"""Shift planning by skill group: pooled staffing, skills that bind, shares, one group."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from solver import plan_shifts
from wfm.errors import InputError
from wfm.evaluate import evaluate
from wfm.multiskill import dedicated_groups, pooled_requirements
from wfm.staffing import requirements
from wfm.types import BreakRule, ServiceTarget, ShiftTemplate, SkillGroup

WS = pd.Timestamp("2024-01-01")  # a Monday
TARGET = ServiceTarget(0.8, 20, max_occupancy=1.0)


def forecast(calls: dict, n=4, aht_s=180.0, start_min=480):
    times = WS + pd.to_timedelta(start_min + 15 * np.arange(n), unit="min")
    return pd.concat([pd.DataFrame({"queue": q, "interval_start": times, "calls": float(c),
                                    "aht_s": aht_s}) for q, c in calls.items()],
                     ignore_index=True)


def one_hour(**kw):
    return [ShiftTemplate("1h", length_min=60, earliest_start_min=480, latest_start_min=480,
                          cost_per_hour=20.0, **kw)]


def plan(fc, groups, templates=None, **kw):
    req = requirements(fc, TARGET, 0.0)
    pooled = pooled_requirements(fc, groups, TARGET, 0.0)
    kw.setdefault("time_limit_s", 10)
    kw.setdefault("num_workers", 1)
    r = plan_shifts(req, templates or one_hour(), week_start=WS, skill_groups=groups,
                    pooled_requirements=pooled, target=TARGET, **kw)
    assert r.success, r.message
    return r


def erlang_c_by_hand(n: int, a: float) -> float:
    """Erlang C from its textbook sum (independent of wfm.erlang), small n only."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


def least_agents_by_hand(a: float, aht: float, t: float, sl: float) -> int:
    n = int(math.floor(a)) + 1
    while 1 - erlang_c_by_hand(n, a) * math.exp(-(n - a) * t / aht) < sl:
        n += 1
    return n


def test_one_cross_trained_group_needs_pooled_erlang_c_of_summed_traffic():
    # 30 and 20 calls per 15 min at 180 s: 6 and 4 Erlang; pooled 10 Erlang.
    # By hand: 80/20 needs 9 agents for 6 E, 7 for 4 E, 14 for 10 E.
    assert least_agents_by_hand(6.0, 180, 20, 0.8) == 9
    assert least_agents_by_hand(4.0, 180, 20, 0.8) == 7
    assert least_agents_by_hand(10.0, 180, 20, 0.8) == 14
    fc = forecast({"a": 30, "b": 20})
    pooled = plan(fc, [SkillGroup("ab", frozenset({"a", "b"}))])
    assert len(pooled.shifts) == 14
    assert set(pooled.shifts["skill_group"]) == {"ab"}
    dedicated = plan(fc, dedicated_groups(["a", "b"]))
    assert len(dedicated.shifts) == 9 + 7
    assert dedicated.shifts.groupby("skill_group").size().to_dict() == {"a": 9, "b": 7}
    assert pooled.stats["cost"] == pytest.approx(14 * 20.0)


def test_group_trained_on_a_only_never_covers_b():
    # queue b's own group may hold at most 20 % of the hours: b stays short rather
    # than borrow agents of group "a", which is not trained on it (a missing agent-hour
    # costs 50: more than an agent, less than the 4 idle agents of "a" that would let
    # "b" grow by one)
    fc = forecast({"a": 30, "b": 20})
    groups = [SkillGroup("a", frozenset({"a"})), SkillGroup("b", frozenset({"b"}), max_share=0.2)]
    r = plan(fc, groups, shortfall_penalty=50.0, method="direct")
    alloc = r.stats["allocation"]
    assert set(alloc.loc[alloc["skill_group"] == "a", "queue"]) == {"a"}
    cov = r.coverage.set_index(["queue", "interval_start"])
    b_agents = r.shifts["skill_group"].eq("b").sum()
    assert b_agents == 2  # 2 of 11 agent-hours <= 20 %; 3 of 12 would be 25 %
    assert (cov.loc["b", "on_phone"] == b_agents).all()
    assert (cov.loc["b", "shortfall"] == 7 - b_agents).all()
    assert r.penalties["subject"].str.startswith("b ").any()


def test_share_of_the_flexible_group_binds():
    fc = forecast({"a": 30, "b": 20})
    free = plan(fc, [SkillGroup("a", frozenset({"a"})), SkillGroup("b", frozenset({"b"})),
                     SkillGroup("ab", frozenset({"a", "b"}))])
    capped = plan(fc, [SkillGroup("a", frozenset({"a"})), SkillGroup("b", frozenset({"b"})),
                       SkillGroup("ab", frozenset({"a", "b"}), max_share=0.3)])
    assert len(free.shifts) == 14
    # Hall: n_a + n_ab >= 9, n_b + n_ab >= 7, all >= 14, n_ab <= 0.3 total: 14 still
    # reachable with n_ab = 4, n_a = 5, n_b = 5
    assert len(capped.shifts) == 14
    assert capped.shifts["skill_group"].eq("ab").sum() <= 0.3 * 14 + 1e-9
    tight = plan(fc, [SkillGroup("a", frozenset({"a"})), SkillGroup("b", frozenset({"b"})),
                      SkillGroup("ab", frozenset({"a", "b"}), max_share=0.1)])
    # n_ab = 1 (<= 10 % of 15): n_a >= 8, n_b >= 6 -> 15 agents
    assert len(tight.shifts) == 15


def test_single_queue_single_group_is_the_single_queue_model():
    times = WS + pd.to_timedelta(480 + 15 * np.arange(12), unit="min")
    need = np.array([1, 3, 2, 2, 4, 1, 1, 2, 5, 3, 2, 1], float)
    req = pd.DataFrame({"queue": "q", "interval_start": times, "staff_needed": need,
                        "agents_needed": need})
    t = [ShiftTemplate("t", length_min=60, earliest_start_min=480, latest_start_min=540,
                       cost_per_hour=20.0, breaks=(BreakRule("b", 15, 15, 30),))]
    base = plan_shifts(req, t, week_start=WS, time_limit_s=10, num_workers=1, method="direct")
    one = plan_shifts(req, t, week_start=WS, time_limit_s=10, num_workers=1, method="direct",
                      skill_groups=[SkillGroup("q", frozenset({"q"}))])
    assert base.optimal and one.optimal
    assert one.stats["cost"] == pytest.approx(base.stats["cost"])
    assert one.objective == pytest.approx(base.objective, rel=1e-6)
    assert (one.coverage["on_phone"].to_numpy() == base.coverage["on_phone"].to_numpy()).all()


def test_shared_groups_without_pooled_requirements_are_refused():
    fc = forecast({"a": 30, "b": 20})
    req = requirements(fc, TARGET, 0.0)
    with pytest.raises(InputError, match="pooled_requirements"):
        plan_shifts(req, one_hour(), week_start=WS,
                    skill_groups=[SkillGroup("ab", frozenset({"a", "b"}))])
    with pytest.raises(InputError, match="trained on queue 'b'"):
        plan_shifts(req, one_hour(), week_start=WS, skill_groups=[SkillGroup("a", frozenset({"a"}))])


def test_service_level_mode_with_a_cross_trained_group_pools_the_queues():
    fc = forecast({"a": 30, "b": 20})
    groups = [SkillGroup("ab", frozenset({"a", "b"}))]
    pooled = plan(fc, groups, mode="service_level", service_level_target=0.8)
    dedicated = plan(fc, dedicated_groups(["a", "b"]), mode="service_level",
                     service_level_target=0.8)
    # each queue's weekly target alone needs its own Erlang staffing (every interval
    # is the same); the pool needs the pooled one
    assert len(dedicated.shifts) == 16
    assert len(pooled.shifts) == 14
    assert pooled.penalties.empty


def test_high_priority_queue_is_served_better_at_equal_load():
    fc = forecast({"a": 25, "b": 25}, n=8)
    groups = [SkillGroup("ab", frozenset({"a", "b"}))]
    r = plan(fc, groups, templates=[ShiftTemplate("2h", length_min=120, earliest_start_min=480,
                                                  latest_start_min=480, cost_per_hour=20.0)])
    ev = evaluate(r, fc, TARGET, replications=20, rng=3, skill_groups=groups,
                  queue_priority={"a": 0, "b": 1})
    q = ev.queues.set_index("queue")
    assert q.loc["a", "sim_service_level_low"] > q.loc["b", "sim_service_level_high"]
    # without priorities the two queues are served alike
    ev = evaluate(r, fc, TARGET, replications=20, rng=3, skill_groups=groups)
    q = ev.queues.set_index("queue")
    assert abs(q.loc["a", "sim_service_level"] - q.loc["b", "sim_service_level"]) < 0.05


def test_service_level_mode_takes_a_target_per_queue():
    # every interval alike (6 and 4 Erlang, 180 s, 20 s): the weekly service level of
    # a queue is that of one interval, so each queue gets the least agents of its own
    # target by hand: a at 80 % needs 9, b at 95 % needs 8 (7 at 80 %)
    fc = forecast({"a": 30, "b": 20})
    n_a = least_agents_by_hand(6.0, 180, 20, 0.8)
    n_b = least_agents_by_hand(4.0, 180, 20, 0.95)
    assert (n_a, n_b) == (9, 8)
    per_queue = {"a": 0.8, "b": 0.95}
    dedicated = plan(fc, dedicated_groups(["a", "b"]), mode="service_level",
                     service_level_target=per_queue)
    assert dedicated.shifts["skill_group"].value_counts().to_dict() == {"a": n_a, "b": n_b}
    assert dedicated.penalties.empty
    # one group on both: the pool of 10 Erlang at the stricter of the two targets
    pooled = plan(fc, [SkillGroup("ab", frozenset({"a", "b"}))], mode="service_level",
                  service_level_target=per_queue)
    assert len(pooled.shifts) == least_agents_by_hand(10.0, 180, 20, 0.95) == 16
    # queue by queue, without groups, each queue takes its own target too
    req = requirements(fc, TARGET, 0.0)
    by_queue = plan_shifts(req, one_hour(), week_start=WS, target=TARGET, mode="service_level",
                           service_level_target=per_queue, time_limit_s=10, num_workers=1)
    assert by_queue.shifts["queue"].value_counts().to_dict() == {"a": n_a, "b": n_b}


def test_a_per_queue_service_level_target_out_of_range_is_refused():
    fc = forecast({"a": 30, "b": 20})
    with pytest.raises(InputError, match=r"service_level_target\['b'\]"):
        plan(fc, dedicated_groups(["a", "b"]), mode="service_level",
             service_level_target={"a": 0.8, "b": 1.5})


def _flat(name, n, column="queue", slots=4):
    times = WS + pd.to_timedelta(480 + 15 * np.arange(slots), unit="min")
    return pd.DataFrame({column: name, "interval_start": times, "staff_needed": float(n)})


def test_skill_supply_keeps_each_group_within_its_agents_hours():
    # a and b need 2 each, their pool 3: three cross-trained agents would do
    req = pd.concat([_flat("a", 2), _flat("b", 2)], ignore_index=True)
    pooled = _flat("a+b", 3, column="queue_set")
    groups = [SkillGroup("a", frozenset({"a"})), SkillGroup("b", frozenset({"b"})),
              SkillGroup("ab", frozenset({"a", "b"}))]

    def counts(**kw):
        r = plan_shifts(req, one_hour(), week_start=WS, skill_groups=groups,
                        pooled_requirements=pooled, time_limit_s=10, num_workers=1, **kw)
        assert r.success and r.penalties.empty, r.message
        return r.shifts["skill_group"].value_counts().to_dict()

    assert counts() == {"ab": 3}
    # one cross-trained agent-hour in the team: by hand, one shift of ab, and a and b
    # each need one of their own (a: 1 + 1 >= 2, b: 1 + 1 >= 2, pool: 3 >= 3)
    supply = {frozenset({"a", "b"}): 1.0, frozenset({"a"}): 40.0, frozenset({"b"}): 40.0}
    assert counts(skill_supply=supply) == {"ab": 1, "a": 1, "b": 1}
    with pytest.raises(InputError, match="skill_supply"):
        counts(skill_supply={frozenset({"a"}): -1.0})
