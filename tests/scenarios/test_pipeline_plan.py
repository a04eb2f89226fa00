"""The pipeline through the shift plan, evaluation and costs on a tiny scenario."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from wfm.pipeline import run_plan
from wfm.scenarios import apply_overrides, compare, load_scenario

STAGES = ("forecast", "requirements", "shifts", "evaluate")


@pytest.fixture
def planned(tiny_scenario_file):
    s = load_scenario(tiny_scenario_file)
    return s, run_plan(s, stages=STAGES)


def test_plan_kpis_are_consistent(planned):
    s, out = planned
    plan = out.shift_plan
    assert plan.success and out.roster is None
    k = out.kpis
    # cost: template rate x paid hours (no premiums, no named agents -> no overtime)
    assert_allclose(k["weekly_cost"], 20 * plan.shifts["paid_h"].sum())
    assert_allclose(k["weekly_cost"], plan.shifts["cost"].sum(), rtol=1e-6)
    assert_allclose(k["fte"], plan.shifts["paid_h"].sum() / 40)
    # cost per call = cost / calls answered (Erlang C: nobody hangs up)
    calls = out.forecast["calls"].sum()
    ab = k["abandon_rate_sim"]
    assert_allclose(k["cost_per_call"], k["weekly_cost"] / (calls * (1 - ab)))
    # the plan covers the requirement: Erlang service level near or above target
    assert k["service_level_erlang"] >= 0.75
    assert 0 <= k["service_level_sim"] <= 1 and np.isfinite(k["service_level_sim"])
    assert k["break_min_per_agent_hour"] >= 15 / 5 - 1e-9  # one 15-min break per 5-h shift
    assert out.kpis["requirement_cost"] <= k["weekly_cost"] + 1e-6  # a lower bound
    assert set(out.timings) >= {"forecast", "requirements", "shifts", "evaluate", "costs"}
    assert "tiny" in out.summary()


def test_compare_busier_variant(planned, tiny_scenario_file):
    s, base = planned
    busier = run_plan(apply_overrides(s, volume_factor=1.5), stages=STAGES)
    table = compare({"base": base, "busier": busier})
    assert table.loc["busier", "weekly_cost_delta"] > 0
    assert table.loc["busier", "fte_delta"] > 0
    assert table.loc["base", "weekly_cost_delta"] == 0
    assert_allclose(table.loc["busier", "weekly_cost"], busier.kpis["weekly_cost"])


def test_summary_asa_leaves_out_an_overloaded_interval(planned):
    """One interval with no agents: the summary's ASA is the mean wait over the others."""
    import dataclasses
    import math

    from wfm.kpis import headline

    _, out = planned
    cov = out.evaluation.coverage.copy()
    busiest = cov["calls"].idxmax()
    cov.loc[busiest, ["available", "service_level", "asa_s"]] = [0.0, 0.0, math.inf]
    broken = dataclasses.replace(out, evaluation=dataclasses.replace(out.evaluation,
                                                                     coverage=cov),
                                 kpis={**out.kpis, "asa_s": math.inf})
    text = broken.summary()
    asa = headline(cov, out.scenario.target.service_level).asa_s
    assert f"ASA {asa:.1f} s (Erlang, leaving out 1 overloaded interval(s)" in text
    assert "inf" not in text
