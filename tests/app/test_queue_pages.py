"""Per-queue views of a multi-queue centre (two queues with skill groups, solved once):
Forecast, Staffing, Schedule, What-if, Cost and the multi-skill demo button."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wfm.ui import state

SUBMIT = "FormSubmitter:whatif.form-Run what-if"


def _frame(at, column: str) -> pd.DataFrame:
    """The first data frame of the page that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _figure(figs, title: str) -> dict:
    return next(f for f in figs if f["layout"]["title"]["text"].startswith(title))


def _trace(fig, name):
    return next(t for t in fig["data"] if t.get("name") == name)


def _with_rules(at, rules):
    at.session_state[state.SCENARIO] = state.RuleSet(rules, "two queues")
    return at


def test_schedule_shows_each_queue_beside_the_centre(app, open_page, inject, solved_multi,
                                                      figures):
    data, run, plan_run, _ = solved_multi
    q = plan_run.plan.queue_kpis.set_index("queue")
    at = open_page(inject(app, data, run, plan_run), "schedule")
    assert at.tabs[0].label == "Queues"
    table = _frame(at, "pool_service_level").set_index("queue")
    assert list(table.index) == [*q.index, "centre"]
    for name in q.index:  # the pipeline's per-queue figures, shown as they are
        assert table.loc[name, "sim_service_level"] == pytest.approx(q.loc[name, "sim_service_level"])
        assert table.loc[name, "asa_s"] == pytest.approx(q.loc[name, "sim_asa_s"])
        assert table.loc[name, "abandon_rate"] == pytest.approx(q.loc[name, "sim_abandon_rate"])
    assert table.loc["centre", "calls"] == pytest.approx(q["calls"].sum())
    k = plan_run.plan.kpis
    assert table.loc["centre", "sim_service_level"] == pytest.approx(k["service_level_sim"])
    figs = figures(at)
    bars = _figure(figs, "Service level per queue")
    assert list(_trace(bars, "simulated")["x"]) == [*q.index, "centre"]
    assert np.allclose(np.asarray(_trace(bars, "target")["y"], float)[:-1],
                       100 * q["target"].to_numpy(float))
    # one queue per interval: its own requirement (care at its 90 % target)
    at.radio(key="schedule.queue_pick").set_value("care").run()
    line = _figure(figures(at), "Queue care")
    req = plan_run.plan.requirements
    care = req[req["queue"] == "care"].sort_values("interval_start")
    assert np.allclose(np.asarray(_trace(line, "required on phones")["y"], float),
                       care["agents_needed"].to_numpy(float))
    # who answers care: the care-only group and the cross-trained one, never sales-only
    who = _figure(figures(at), "Who answers care")
    assert sorted(t["name"] for t in who["data"]) == ["both", "care"]
    alloc = plan_run.plan.shift_plan.stats["allocation"]
    care_alloc = alloc[(alloc["queue"] == "care") & (alloc["skill_group"] == "both")]
    assert np.allclose(np.asarray(_trace(who, "both")["y"], float),
                       care_alloc.sort_values("interval_start")["on_phone"].to_numpy(float))
    # the skill groups and the shared queue set
    groups = _frame(at, "skill_group")
    assert set(groups["skill_group"]) == {"sales", "care", "both"}
    shared = _frame(at, "pooled_staff_hours")
    assert (shared["pooled_staff_hours"] <= shared["dedicated_staff_hours"] + 1e-9).all()


def test_one_queue_schedule_has_no_queue_views(app, open_page, inject, solved):
    at = open_page(inject(app, *solved), "schedule")
    assert [t.label for t in at.tabs][0] == "Day view"
    assert not any("pool_service_level" in d.value.columns for d in at.dataframe)


def test_cost_page_splits_the_cost_by_queue(app, open_page, inject, solved_multi, figures):
    data, run, plan_run, _ = solved_multi
    plan = plan_run.plan
    at = open_page(inject(app, data, run, plan_run), "cost")
    table = _frame(at, "cost_per_call_handled").set_index("queue")
    assert table.loc["centre", "cost"] == pytest.approx(plan.costs.total)
    assert table.drop("centre")["cost"].sum() == pytest.approx(plan.costs.total)
    q = plan.queue_kpis.set_index("queue")
    for name in q.index:
        assert table.loc[name, "cost_per_call"] == pytest.approx(q.loc[name, "cost"] / q.loc[name, "calls"])
    assert any("split" in c.value for c in at.caption)
    bars = _figure(figures(at), "Weekly cost by queue")
    assert np.allclose(np.asarray(bars["data"][0]["y"], float), q["cost"].to_numpy(float))


def test_what_if_changes_one_queue_volume(app, open_page, inject, solved_multi, figures):
    data, run, plan_run, _ = solved_multi
    at = open_page(inject(app, data, run, plan_run), "what_if")
    at.selectbox(key="whatif.queue").set_value("care")
    at.slider(key="whatif.queue_volume").set_value(150)
    at.button(key=SUBMIT).click().run()
    assert not at.exception, [e.value for e in at.exception]
    (name, changes, variant), = at.session_state[state.WHATIF]
    assert name == "care volume 150 %"
    assert changes == {"queue_volume_factor": {"care": 1.5}}
    base = plan_run.plan.queue_kpis.set_index("queue")["calls"]
    new = variant.queue_kpis.set_index("queue")["calls"]
    assert new["care"] == pytest.approx(1.5 * base["care"])
    assert new["sales"] == pytest.approx(base["sales"])
    side = _frame(at, "sim_service_level_delta")
    assert list(side["scenario"]) == ["as solved"] * 2 + [name] * 2
    care = side[(side["scenario"] == name) & (side["queue"] == "care")].iloc[0]
    assert care["calls_delta"] == pytest.approx(0.5 * base["care"])
    chart = _figure(figures(at), "service level, simulated")
    assert [t["name"] for t in chart["data"]] == ["as solved", name]


def test_what_if_changes_one_queue_target(app, open_page, inject, solved_multi):
    data, run, plan_run, _ = solved_multi
    at = open_page(inject(app, data, run, plan_run), "what_if")
    at.selectbox(key="whatif.queue").set_value("sales")
    at.number_input(key="whatif.queue_service_level").set_value(95.0)
    at.button(key=SUBMIT).click().run()
    assert not at.exception, [e.value for e in at.exception]
    (name, changes, variant), = at.session_state[state.WHATIF]
    assert changes == {"queue_service_level": {"sales": 0.95}}
    assert variant.scenario.queue_target("sales").service_level == 0.95
    assert variant.scenario.queue_target("care").service_level == 0.9  # untouched
    req = variant.requirements
    sales = req[(req["queue"] == "sales") & (req["calls"] > 0)]
    assert (sales["expected_service_level"] >= 0.95).all()
    q = variant.queue_kpis.set_index("queue")
    assert q.loc["sales", "target"] == 0.95


def test_staffing_shows_the_requirement_per_queue(app, open_page, inject, solved_multi,
                                                   figures):
    data, run, plan_run, rules = solved_multi
    at = _with_rules(inject(app, data, run, plan_run), rules)
    at = open_page(at, "staffing")
    table = _frame(at, "peak to schedule").set_index("queue")
    assert set(table.index) == {"sales", "care"}
    assert any("care: own target 90%" in c.value for c in at.caption)
    req = plan_run.plan.requirements  # the plan's requirement is at the same targets
    for name in ("sales", "care"):
        assert table.loc[name, "peak to schedule"] == req.loc[req["queue"] == name,
                                                              "staff_needed"].max()
    at.selectbox(key="staffing.queue").set_value("care").run()
    assert at.metric[0].value == str(int(req.loc[req["queue"] == "care", "staff_needed"].max()))
    assert _frame(at, "pooled_staff_hours") is not None  # the solved plan's shared sets


def test_forecast_stacks_the_queues(app, open_page, inject, solved_multi, figures):
    data, run, _, _ = solved_multi
    at = open_page(inject(app, data, run), "forecast")
    stacked = _figure(figures(at), "Calls per queue")
    assert sorted(t["name"] for t in stacked["data"]) == ["care", "sales"]
    shares = _frame(at, "share")
    assert shares["share"].sum() == pytest.approx(1.0)


def test_data_page_loads_the_multiskill_demo(app, open_page):
    at = open_page(app, "data")
    at.button(key="data.demo_multiskill").click().run()
    assert not at.exception, [e.value for e in at.exception]
    data = at.session_state[state.DATA]
    assert set(data.history["queue"]) == {"retail", "premium", "new_customers"}
    rules = at.session_state[state.SCENARIO]
    assert rules.source == "multi-skill demo scenario" and rules.scenario.skill_groups


def test_export_offers_the_queue_table(app, open_page, inject, solved_multi):
    import io

    data, run, plan_run, _ = solved_multi
    at = open_page(inject(app, data, run, plan_run), "export")
    files = at.session_state["wfm.export_files"][1]
    table = pd.read_csv(io.BytesIO(files["queues.csv"]))
    assert list(table["queue"]) == [*plan_run.plan.queue_kpis["queue"], "centre"]
    assert table["cost"].iloc[-1] == pytest.approx(plan_run.plan.costs.total)


def test_one_queue_export_has_no_queue_table(app, open_page, inject, solved):
    at = open_page(inject(app, *solved), "export")
    assert "queues.csv" not in at.session_state["wfm.export_files"][1]
