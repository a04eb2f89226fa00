"""build_roster with the queue sets of a multi-skill plan: coverage measured as the plan's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solver import build_roster
from solver.roster.data import Week, requirement_matrix
from wfm.errors import DataError
from wfm.types import Agent, Contract, ShiftTemplate

WS = pd.Timestamp("2024-01-01")  # Monday
DAY = ShiftTemplate("d8", 480, 8 * 60, 8 * 60, 60, cost_per_hour=10)  # no breaks: 80 a shift
ANY = Contract("any", 0, 40, 0, 5, min_rest_h=11)


def need(queue: str, n: int, column: str = "queue") -> pd.DataFrame:
    """``n`` agents 08:00-16:00 on Monday, on a 30-min grid."""
    idx = pd.date_range(WS, periods=7 * 48, freq="30min")
    hours = idx.hour + idx.minute / 60
    on = ((idx - WS).days == 0) & (hours >= 8) & (hours < 16)
    return pd.DataFrame({column: queue, "interval_start": idx,
                         "staff_needed": np.where(on, float(n), 0.0)})


PER_QUEUE = pd.concat([need("a", 1), need("b", 1)], ignore_index=True)
#: the summed traffic of a and b needs one agent, not two: the economy of pooling
POOLED = need("a+b", 1, column="queue_set")


def solve(agents, **kw):
    return build_roster(PER_QUEUE, agents, {"any": ANY}, [DAY], time_limit_s=10,
                        num_workers=1, lead_ratio=0, **kw)


def unmet_h(res) -> float:
    return float(res.penalties.loc[res.penalties["rule"] == "unmet requirement", "amount"].sum())


def test_a_cross_trained_agent_covers_both_queues_when_their_pool_needs_one():
    agents = [Agent("AB", "any", skills={"a", "b"}), Agent("A", "any", skills={"a"}),
              Agent("B", "any", skills={"b"})]
    res = solve(agents, pooled_requirements=POOLED)
    assert res.success
    # a alone needs 1 (AB), b alone needs 1 (AB), a+b together need 1 (AB): one shift
    assert list(res.shifts["agent_id"]) == ["AB"]
    assert unmet_h(res) == pytest.approx(0.0)
    assert res.objective == pytest.approx(80.0)
    # without the sets the queues' requirements add up (Hall): two agents on the phones
    added = solve(agents)
    assert len(added.shifts) == 2
    assert added.objective == pytest.approx(160.0)


def test_an_agent_trained_on_one_queue_never_covers_the_other():
    agents = [Agent("A1", "any", skills={"a"}), Agent("A2", "any", skills={"a"}),
              Agent("B", "any", skills={"b"})]
    res = solve(agents, pooled_requirements=POOLED)
    # the pool needs one agent, but b's own requirement needs an agent trained on b
    assert sorted(res.shifts["agent_id"]) == ["A1", "B"] or sorted(res.shifts["agent_id"]) == [
        "A2", "B"]
    assert unmet_h(res) == pytest.approx(0.0)
    # with no agent trained on b, b's requirement is unmet all day: 8 agent-hours
    alone = solve(agents[:2], pooled_requirements=POOLED)
    assert unmet_h(alone) == pytest.approx(8.0)
    assert set(alone.penalties.loc[alone.penalties["rule"] == "unmet requirement", "subject"]
               .str.split().str[0]) == {"b"}


def test_pooled_requirements_naming_an_unknown_queue_are_refused():
    bad = need("a+c", 1, column="queue_set")
    with pytest.raises(DataError, match="queue set"):
        solve([Agent("AB", "any", skills={"a", "b"})], pooled_requirements=bad)


def test_a_coarser_requirement_fills_every_interval_of_the_finer_week():
    week = Week(WS, 15, 15)
    frame = need("a", 2)
    _, req = requirement_matrix(frame, week, "staff_needed")
    eight, four = 8 * 4, 16 * 4  # 08:00 and 16:00 in 15-min intervals
    assert (req[0, eight:four] == 2).all()
    assert req[0].sum() == pytest.approx(2 * 8 * 4)  # 8 h of 2 agents in 15-min intervals


def test_repair_covers_the_queue_sets_of_an_absent_cross_trained_agent():
    from solver import repair_roster
    from wfm.changes import Absence

    agents = [Agent("AB", "any", skills={"a", "b"}), Agent("A", "any", skills={"a"}),
              Agent("B", "any", skills={"b"})]
    res = solve(agents, pooled_requirements=POOLED)
    assert list(res.shifts["agent_id"]) == ["AB"]
    fixed = repair_roster(res, [Absence("AB", (WS.date(),))], agents, {"any": ANY}, [DAY],
                          PER_QUEUE, pooled_requirements=POOLED, lead_ratio=0,
                          time_limit_s=5, num_workers=1)
    assert fixed.success
    # no one else trained on both: a and b each need their own agent (a + b pool: 2 >= 1)
    assert sorted(fixed.shifts["agent_id"]) == ["A", "B"]
    assert unmet_h(fixed) == pytest.approx(0.0)
