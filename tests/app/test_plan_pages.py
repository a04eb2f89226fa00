"""Schedule, What-if, Cost, Scenarios and Export pages on a plan solved once (tiny week)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from wfm.ui import state


def _metric(at, prefix: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(prefix))


def _trace(fig, name):
    return next(t for t in fig["data"] if t.get("name") == name)


# ------------------------------------------------------------------------- schedule
def test_schedule_shows_kpis_day_view_and_coverage(app, open_page, inject, solved, figures):
    from wfm.kpis import headline

    data, run, plan_run = solved
    plan = plan_run.plan
    at = open_page(inject(app, data, run, plan_run), "schedule")
    assert _metric(at, "Solver status") == plan.final.status
    assert _metric(at, "Weekly cost") == f"{plan.costs.total:,.0f}"
    head = headline(plan.coverage, plan.scenario.target.service_level)
    assert _metric(at, "Service level") == f"{100 * head.service_level:.1f} %"
    assert _metric(at, "ASA") == f"{head.asa_s:,.1f}"
    assert _metric(at, "Occupancy") == f"{100 * head.occupancy:.1f} %"
    figs = figures(at)
    day_view, coverage = figs[0], figs[1]
    # The first day: one bar per shift of that day, the breaks of those shifts over them.
    shifts = plan.final.shifts
    first = pd.to_datetime(shifts["start"]).dt.normalize().min()
    of_day = shifts[pd.to_datetime(shifts["start"]).dt.normalize() == first]
    assert len(_trace(day_view, "shift")["y"]) == len(of_day)
    n_breaks = sum(len(t["y"]) for t in day_view["data"]
                   if t.get("type") == "bar" and t.get("name") != "shift")
    assert n_breaks == plan.final.breaks["shift_id"].isin(of_day["shift_id"]).sum()
    # ... and the requirement of that day under the agents
    cov = plan.coverage.sort_values("interval_start")
    day_cov = cov[(cov["interval_start"] >= first)
                  & (cov["interval_start"] < first + pd.Timedelta(days=1))]
    assert np.allclose(np.asarray(_trace(day_view, "required on phones")["y"], float),
                       day_cov["agents_needed"].to_numpy(float))
    assert np.allclose(np.asarray(_trace(coverage, "required on phones")["y"], float),
                       cov["agents_needed"].to_numpy(float))
    assert np.allclose(np.asarray(_trace(coverage, "service level [%]")["y"], float),
                       100 * cov["service_level"].to_numpy(float))
    # Coverage per queue: every shift counts on the one queue of an anonymous plan.
    queue = figs[2]
    assert queue["layout"]["title"]["text"] == "Coverage of queue q1"
    assert max(_trace(queue, "on phones with the skill")["y"]) == pytest.approx(
        cov["on_phone"].max())


def test_schedule_day_view_follows_the_day_picked(app, open_page, inject, solved, figures):
    data, run, plan_run = solved
    shifts = plan_run.plan.final.shifts
    at = open_page(inject(app, data, run, plan_run), "schedule")
    day = pd.Timestamp("2024-01-17")
    at.selectbox(key="schedule.day").set_value(f"{day:%a %d %b}").run()
    expected = (pd.to_datetime(shifts["start"]).dt.normalize() == day).sum()
    assert 0 < expected < len(shifts)
    assert len(_trace(figures(at)[0], "shift")["y"]) == expected


def test_schedule_lists_the_intervals_that_break_the_week(app, open_page, inject, solved,
                                                          metrics):
    """One interval made overloaded: ASA is a number over the other calls, never a bare
    infinity, and the interval is listed first."""
    import dataclasses

    data, run, plan_run = solved
    plan = plan_run.plan
    cov = plan.coverage.copy()
    busiest = cov["calls"].idxmax()
    cov.loc[busiest, ["available", "service_level", "asa_s"]] = [0.5, 0.0, np.inf]
    broken = dataclasses.replace(plan, evaluation=dataclasses.replace(plan.evaluation,
                                                                      coverage=cov))
    at = open_page(inject(app, data, run, dataclasses.replace(plan_run, plan=broken)),
                   "schedule")
    shown = metrics(at)
    assert all("∞" not in v and "inf" not in v for v in shown.values())
    assert float(shown["ASA [s]"].replace(",", "")) > 0
    assert any("ASA leaves out 1 interval(s) overloaded" in c.value for c in at.caption)
    table = next(d.value for d in at.dataframe if "calls late" in d.value.columns)
    assert table["ASA [s]"].iloc[0] == "overloaded"
    assert table["interval"].iloc[0] == f"{cov.loc[busiest, 'interval_start']:%a %d %b %H:%M}"


def test_schedule_bent_rules_match_the_solver(app, open_page, inject, solved):
    data, run, plan_run = solved
    pen = plan_run.plan.final.penalties
    at = open_page(inject(app, data, run, plan_run), "schedule")
    if pen.empty:
        assert any("No rule bent" in s.value for s in at.success)
    else:
        table = next(d.value for d in at.dataframe if "times" in d.value.columns)
        assert table["times"].sum() == len(pen)
        assert np.isclose(table["amount"].sum(), pen["amount"].sum())


def test_schedule_warns_when_settings_change_after_solving(app, open_page, inject, solved):
    data, run, plan_run = solved
    at = open_page(inject(app, data, run, plan_run), "schedule")
    assert not any("changed since" in w.value for w in at.warning)
    at.number_input(key="set.shrinkage_pct").set_value(40.0).run()
    assert any("changed since this schedule was solved" in w.value for w in at.warning)


def test_schedule_is_stale_when_the_rules_change(app, open_page, inject, solved):
    data, run, plan_run = solved
    at = open_page(inject(app, data, run, plan_run), "schedule")
    assert not any("changed since" in w.value for w in at.warning)
    ruleset = at.session_state[state.SCENARIO]
    at.session_state[state.SCENARIO] = state.RuleSet(ruleset.scenario, "edited", 1)
    at.run()
    assert any("The rules (now: edited) changed" in w.value for w in at.warning)
    assert at.session_state[state.PLAN] is not None  # kept, marked stale


def test_schedule_solves_from_the_page(app, open_page, inject, tiny_forecast):
    fc = tiny_forecast()
    data = state.LoadedData(history=fc, source="test", version=1)
    run = state.ForecastRun(forecast=fc, start=pd.Timestamp("2024-01-15"),
                            end=pd.Timestamp("2024-01-22"), model="test", data_version=1)
    at = open_page(inject(app, data, run), "schedule")
    assert any("press **Solve**" in i.value for i in at.info)
    at.slider(key="schedule.time_limit_s").set_value(2)
    at.toggle(key="schedule.roster").set_value(False)
    at.toggle(key="schedule.simulate").set_value(False)
    at.button(key="FormSubmitter:schedule.form-Solve").click().run()
    assert not at.exception, [e.value for e in at.exception]
    solved = at.session_state[state.PLAN]
    assert solved.options.time_limit_s == 2 and not solved.options.roster
    assert solved.plan.final.status in ("OPTIMAL", "FEASIBLE")
    assert at.status[0].label.startswith(f"Solved: {solved.plan.final.status}")
    assert _metric(at, "Solver status") == solved.plan.final.status
    # The plan was solved on the page's forecast, with the sidebar target.
    assert solved.plan.scenario.target.service_level == 0.8
    assert solved.plan.scenario.horizon.week_start == run.start
    assert len(solved.plan.forecast) == len(fc)


# -------------------------------------------------------------------------- what-if
def test_what_if_needs_a_change(app, open_page, inject, solved):
    at = open_page(inject(app, *solved), "what_if")
    at.button(key="FormSubmitter:whatif.form-Run what-if").click().run()
    assert any("Nothing changed" in w.value for w in at.warning)
    assert at.session_state[state.WHATIF] == []


def test_what_if_volume_runs_and_compares(app, open_page, inject, solved, figures):
    data, run, plan_run = solved
    at = open_page(inject(app, data, run, plan_run), "what_if")
    at.slider(key="whatif.volume").set_value(150)
    at.button(key="FormSubmitter:whatif.form-Run what-if").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (name, changes, variant), = at.session_state[state.WHATIF]
    assert name == "volume 150 %" and changes == {"volume_factor": 1.5}
    assert np.isclose(variant.forecast["calls"].sum(), 1.5 * plan_run.plan.forecast["calls"].sum())
    table = at.dataframe[0].value
    assert list(table.index) == ["as solved", "volume 150 %"]
    base_cost, var_cost = table["weekly_cost"]
    assert np.isclose(table.loc["volume 150 %", "Δ weekly cost"], var_cost - base_cost)
    assert np.isclose(base_cost, plan_run.plan.costs.total)
    # Half as many calls again need more paid hours.
    assert table.loc["volume 150 %", "fte"] > table.loc["as solved", "fte"]
    # The difference per interval: agents on the phones of the variant minus the baseline's.
    diff = next(f for f in figures(at) if f["layout"]["title"]["text"].startswith("Difference"))
    line = _trace(diff, "volume 150 %")
    base = plan_run.plan.coverage.sort_values("interval_start")["on_phone"].to_numpy()
    more = variant.coverage.sort_values("interval_start")["on_phone"].to_numpy()
    assert np.allclose(np.asarray(line["y"], float), more - base)


def test_what_if_compares_two_to_four_scenarios(app, open_page, inject, solved, figures):
    data, run, plan_run = solved
    at = open_page(inject(app, data, run, plan_run), "what_if")
    at.number_input(key="whatif.break_min_per_hour").set_value(10.0)
    at.button(key="FormSubmitter:whatif.form-Run what-if").click().run()
    at.slider(key="whatif.volume").set_value(120)
    at.number_input(key="whatif.break_min_per_hour").set_value(5.0)
    at.button(key="FormSubmitter:whatif.form-Run what-if").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key="whatif.compare").value == ["as solved", "breaks 10 min/h",
                                                          "volume 120 %"]
    table = at.dataframe[0].value
    assert list(table.index) == ["as solved", "breaks 10 min/h", "volume 120 %"]
    assert table.loc["breaks 10 min/h", "break_min_per_agent_hour"] >= 10.0 - 1e-9
    assert np.isfinite(table["asa_s"]).all()  # over the intervals with a finite wait
    # Two scenarios, the second as the baseline: one difference line, against it.
    at.multiselect(key="whatif.compare").set_value(["volume 120 %", "breaks 10 min/h"]).run()
    assert list(at.dataframe[0].value.index) == ["volume 120 %", "breaks 10 min/h"]
    diff = next(f for f in figures(at) if f["layout"]["title"]["text"].startswith("Difference"))
    assert [t["name"] for t in diff["data"]] == ["breaks 10 min/h"]
    at.multiselect(key="whatif.compare").set_value(["as solved"]).run()
    assert any("at least two" in i.value for i in at.info)


# ----------------------------------------------------------------------------- cost
def test_cost_page_shows_the_cost_report(app, open_page, inject, solved):
    data, run, plan_run = solved
    report = plan_run.plan.costs
    at = open_page(inject(app, data, run, plan_run), "cost")
    assert _metric(at, "Weekly cost") == f"{report.total:,.0f}"
    assert _metric(at, "FTE") == f"{report.fte:,.1f}"
    by_contract = at.dataframe[0].value
    assert np.isclose(by_contract["total"].sum(), report.total * report.weeks)
    assert any("Press **Sweep**" in i.value for i in at.info)


def test_cost_page_marks_the_plan_on_the_frontier_and_prices_the_next_point(
        app, open_page, inject, solved, figures):
    from wfm.costs import next_point
    from wfm.ui.pages.what_if import FRONTIER

    data, run, plan_run = solved
    k = plan_run.plan.kpis
    sl, cost = k["service_level_erlang"], k["weekly_cost"]
    points = pd.DataFrame({"label": ["SL 70%", "SL 99%"], "status": "FEASIBLE",
                           "service_level_erlang": [sl - 0.1, min(0.999, sl + 0.04)],
                           "weekly_cost": [0.8 * cost, 1.1 * cost]})
    at = inject(app, data, run, plan_run)
    at.session_state[FRONTIER] = points
    at = open_page(at, "cost")
    fig = next(f for f in figures(at) if f["layout"]["title"]["text"] == "Cost against service level")
    star = _trace(fig, "current plan")
    assert np.allclose([star["x"][0], star["y"][0]], [100 * sl, cost])
    nxt = next_point(points, sl, cost, service_level="service_level_erlang")
    assert any(f"{nxt['cost_per_point']:,.0f} ILS per point" in m.value for m in at.markdown)


# --------------------------------------------------------------------------- export
def test_export_offers_csv_and_excel_of_the_plan(app, open_page, inject, solved):
    import openpyxl

    data, run, plan_run = solved
    at = open_page(inject(app, data, run, plan_run), "export")
    labels = [b.label for b in at.get("download_button")]
    assert labels[:3] == ["Roster (CSV)", "Workbook (Excel)", "Coverage (CSV)"]
    # No named roster in this plan: no calendars, and the page says why.
    assert any("no named agents" in i.value for i in at.info)
    _, files = at.session_state["wfm.export_files"]
    roster = pd.read_csv(io.BytesIO(files["roster.csv"]))
    assert len(roster) == len(plan_run.plan.final.shifts)
    book = openpyxl.load_workbook(io.BytesIO(files["roster.xlsx"]))
    assert book.sheetnames == ["roster", "coverage", "KPIs", "costs"]


# ------------------------------------------------------------------------ scenarios
def test_scenarios_save_list_and_publish(app, open_page, inject, solved, tmp_path):
    data, run, plan_run = solved
    at = open_page(inject(app, data, run, plan_run), "scenarios")
    assert any(str(tmp_path) in c.value for c in at.caption)  # the test's own store
    assert any("No roster saved yet" in i.value for i in at.info)
    at.text_input(key="store.name").set_value("week 3")
    at.button(key="FormSubmitter:store.save-Save").click().run()
    assert any("Saved 'week 3'" in s.value and "roster v1" in s.value for s in at.success)
    rosters = at.dataframe[0].value
    assert list(rosters["name"]) == ["week 3"] and rosters["n_shifts"].iloc[0] == len(
        plan_run.plan.final.shifts)
    assert _metric(at, "Published") == "no"
    at.button(key="store.publish").click().run()
    assert _metric(at, "Published") == "yes"
    # Saving again makes version 2; the published version stays 1.
    at.button(key="FormSubmitter:store.save-Save").click().run()
    rosters = at.dataframe[0].value
    assert list(rosters["version"]) == [1, 2]
    assert list(rosters["published"]) == [True, False]


def test_frontier_sweep_solves_on_the_plans_forecast(app, open_page, inject, solved):
    data, run, plan_run = solved
    at = open_page(inject(app, data, run, plan_run), "what_if")
    at.multiselect(key="frontier.targets").set_value([70, 90])
    at.button(key="FormSubmitter:frontier.form-Sweep").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    from wfm.ui.pages.what_if import FRONTIER

    points = at.session_state[FRONTIER]
    assert list(points["target"]) == [0.70, 0.90]
    assert (points["status"] != "ERROR").all()
    # Each point planned the session's forecast (not the rules' own data file): the plan
    # solved at 80 % needs agent-hours between those of 70 % and 90 %.
    low, high = points["requirement_hours"]
    assert low < plan_run.plan.kpis["requirement_hours"] < high
