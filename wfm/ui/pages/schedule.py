"""Schedule page: solve the week (shift plan, named roster), see every agent's week,
coverage against requirement, service level per interval, and the rules that were bent."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from wfm.errors import WfmError
from wfm.ui import charts, state
from wfm.ui.widgets import (
    backend,
    fmt_money,
    fmt_num,
    fmt_pct,
    pending,
    require_forecast,
    show_frame,
)

MODES = {
    "Cover every interval (least cost, shortfall penalised)": "coverage",
    "Reach the weekly service level at least cost": "service_level",
}


def _options_form(base) -> state.SolveOptions | None:
    """The solve form; returns the options when the user pressed Solve."""
    has_agents = base.agents.given
    with st.form("schedule.form", border=True):
        c1, c2 = st.columns([2, 1])
        mode = c1.radio("Objective", list(MODES), key="schedule.mode",
                        help="Coverage: on-phone agents meet the requirement of every "
                        "interval. Service level: a volume-weighted weekly service level at "
                        "least cost, spending agents where they buy the most service.")
        limit = c2.slider("Time limit per solve [s]", min_value=2, max_value=300, value=10,
                          step=1, key="schedule.time_limit_s",
                          help="Each solve (shift plan, then roster) stops here with the best "
                          "plan found and its proven bound; the gap tells how far from optimal "
                          "it may be.")
        c3, c4, c5 = st.columns(3)
        breaks = c3.number_input(
            "Breaks at least [min per hour of shift]", min_value=0.0, max_value=30.0,
            value=float(base.break_policy.min_break_min_per_hour), step=1.0, format="%.1f",
            key="schedule.break_min_per_hour",
            help="A floor on break time whatever the templates say (5 is the legal minimum "
            "in many centres; 10 gives agents a real rest).")
        roster = c4.toggle("Named roster", value=has_agents, disabled=not has_agents,
                           key="schedule.roster",
                           help="Assign the shifts to the scenario's agents, with their "
                           "contracts, rest rules and days off.")
        simulate = c5.toggle("Check by simulation", value=True, key="schedule.simulate",
                             help="Re-score the plan with a seeded discrete-event simulation "
                             "(lognormal handle times), besides Erlang.")
        submitted = st.form_submit_button("Solve", type="primary")
    if not submitted:
        return None
    return state.SolveOptions(mode=MODES[mode], time_limit_s=float(limit),
                              roster=bool(roster and has_agents), simulate=bool(simulate),
                              replications=3, break_min_per_hour=float(breaks))


def _solve(pipeline, run: state.ForecastRun, options: state.SolveOptions) -> None:
    ruleset = state.rules()
    s = state.settings()
    data = state.get(state.DATA)
    scenario = state.plan_scenario(ruleset.scenario, run, s, options)
    stages = ("forecast", "requirements", "shifts") + (("roster",) if options.roster else ()) \
        + ("evaluate",)
    with st.status("Solving the week…", expanded=True) as box:
        bar = st.progress(0.0, text="starting")
        try:
            plan = pipeline.run_plan(scenario, forecast=run.forecast,
                                     progress=state.progress_callback(bar), stages=stages)
        except WfmError as exc:
            box.update(label="No schedule", state="error", expanded=True)
            st.error(str(exc))
            return
        bar.progress(1.0, text="done")
        box.update(label=f"Solved: {plan.final.status} in "
                   f"{sum(plan.timings.values()):.1f} s", state="complete", expanded=False)
    state.set_plan(state.PlanRun(plan=plan, settings=s, options=options,
                                 forecast_start=run.start, data_version=data.version,
                                 demand=run.forecast, rules_source=ruleset.source))


def _rules_summary(base, source: str) -> None:
    with st.expander(f"Rules: {source} ({len(base.templates)} shift templates, "
                     f"{len(base.contracts)} contracts)"):
        rows = [{
            "template": t.name, "length [h]": t.length_min / 60,
            "starts": f"{t.earliest_start_min // 60:02d}:{t.earliest_start_min % 60:02d}–"
                      f"{t.latest_start_min // 60:02d}:{t.latest_start_min % 60:02d} every "
                      f"{t.start_step_min} min",
            "breaks": "; ".join(f"{b.name} {b.length_min} min{'' if b.paid else ' (unpaid)'}"
                                for b in t.breaks),
            "cost [/h]": t.cost_per_hour,
        } for t in base.templates]
        show_frame(pd.DataFrame(rows))
        contracts = [{
            "contract": c.name, "employment": c.employment,
            "hours/week": f"{c.min_hours_week:g}–{c.max_hours_week:g}",
            "max days/week": c.max_days_week, "min rest [h]": c.min_rest_h,
        } for c in base.contracts.values()]
        if contracts:
            show_frame(pd.DataFrame(contracts))
        st.caption("Load another scenario file on the Data page to change these rules.")


def _kpis(plan) -> None:
    k = plan.kpis
    final = plan.final
    cur = plan.scenario.costs.currency
    cols = st.columns(5)
    cols[0].metric("Solver status", final.status,
                   help=f"objective {final.objective:,.1f}, proven bound {final.bound:,.1f}")
    cols[1].metric("Optimality gap", fmt_pct(final.gap),
                   help="(objective − bound) / objective: the plan costs at most this much "
                   "more than the best possible.")
    cols[2].metric(f"Weekly cost [{cur}]", fmt_money(k.get("weekly_cost")))
    cols[3].metric("FTE", fmt_num(k.get("fte"), 1),
                   help="Paid hours per week / hours of one full-time equivalent.")
    cols[4].metric("Shifts", fmt_num(k.get("shifts"), 0))
    cols = st.columns(5)
    cols[0].metric("Service level (Erlang)", fmt_pct(k.get("service_level_erlang")),
                   help="Calls answered within the threshold / calls offered, whole week.")
    cols[1].metric("Service level (simulated)", fmt_pct(k.get("service_level_sim")))
    cols[2].metric("ASA [s]", fmt_num(k.get("asa_s"), 1),
                   help="Average speed of answer (mean wait), Erlang.")
    cols[3].metric("Occupancy", fmt_pct(k.get("occupancy")))
    cols[4].metric("Breaks [min per agent-hour]", fmt_num(k.get("break_min_per_agent_hour"), 1))


def _untrained_warning(plan) -> None:
    """Say so when no rostered agent is trained on some queue of the forecast."""
    if plan.roster is None or not plan.agents or plan.forecast is None:
        return
    skills = set().union(*(a.skills for a in plan.agents))
    busy = plan.forecast.loc[plan.forecast["calls"] > 0, "queue"].astype(str).unique()
    untrained = sorted(set(busy) - skills)
    if untrained:
        st.warning(f"No agent of the rules is trained on queue(s) {', '.join(untrained)}: "
                   "the roster leaves their calls unmet. The agents' skills are "
                   f"{', '.join(sorted(skills))}; load agents trained on the forecast's "
                   "queues (Data page) or rename the queues of the data.",
                   icon=":material/warning:")


def _gantt(plan) -> None:
    final = plan.final
    shifts, breaks = final.shifts, final.breaks
    if shifts.empty:
        st.info("No shifts in this plan.")
        return
    days = sorted(pd.to_datetime(shifts["start"]).dt.normalize().unique())
    labels = ["whole week"] + [f"{pd.Timestamp(d):%a %d %b}" for d in days]
    choice = st.selectbox("Show", labels, key="schedule.gantt_day",
                          help="One day is easier to read; the week shows every shift.")
    if choice != "whole week":
        day = days[labels.index(choice) - 1]
        keep = pd.to_datetime(shifts["start"]).dt.normalize() == day
        shifts = shifts[keep]
        breaks = breaks[breaks["shift_id"].isin(shifts["shift_id"])]
    st.plotly_chart(charts.gantt_figure(shifts, breaks), key="schedule.gantt")


def _bent_rules(plan) -> None:
    st.subheader("Rules bent")
    frames = []
    for label, res in (("shift plan", plan.shift_plan), ("roster", plan.roster)):
        if res is not None and len(res.penalties):
            frames.append(res.penalties.assign(solve=label))
    if not frames:
        st.success("No rule bent and no requirement left unmet.", icon=":material/check_circle:")
        return
    pen = pd.concat(frames, ignore_index=True)
    summary = (pen.groupby(["solve", "rule", "unit"], sort=False)
               .agg(times=("amount", "size"), amount=("amount", "sum"), cost=("cost", "sum"))
               .reset_index())
    st.caption("Soft rules the solver bent, and requirement it left unmet, with the penalty "
               "each cost in the objective.")
    show_frame(summary, key="schedule.bent_summary")
    with st.expander(f"All {len(pen)} entries"):
        show_frame(pen, key="schedule.bent_all")


def render() -> None:
    st.title("Schedule")
    st.caption("Shifts with real breaks placed where volume is low, then named agents with "
               "their contracts; checked by Erlang and by simulation.")
    run = require_forecast()
    pipeline = backend("wfm.pipeline", "run_plan")
    if pipeline is None:
        pending("Solving a schedule")
        return
    ruleset = state.rules()
    _rules_summary(ruleset.scenario, ruleset.source)
    options = _options_form(ruleset.scenario)
    if options is not None:
        _solve(pipeline, run, options)

    current = state.get(state.PLAN)
    if current is None:
        st.info("Set the time limit and press **Solve**.")
        return
    if current.settings != state.settings() or current.forecast_start != run.start:
        st.warning("The sidebar settings or the forecast changed since this schedule was "
                   "solved: press Solve again to update it.")
    plan = current.plan
    if plan.final.message:
        st.caption(plan.final.message)
    _untrained_warning(plan)
    _kpis(plan)
    tab_gantt, tab_cov, tab_rules, tab_solver = st.tabs(
        ["Agents' week", "Coverage and service level", "Rules bent", "Solver"])
    with tab_gantt:
        _gantt(plan)
    with tab_cov:
        cov = plan.coverage
        if cov is not None and len(cov):
            st.plotly_chart(charts.coverage_figure(cov, target=plan.scenario.target.service_level),
                            key="schedule.coverage")
            with st.expander("Coverage per interval"):
                show_frame(cov, key="schedule.coverage_table")
    with tab_rules:
        _bent_rules(plan)
    with tab_solver:
        rows = []
        for label, res in (("shift plan", plan.shift_plan), ("roster", plan.roster)):
            if res is not None:
                rows.append({"solve": label, "status": res.status, "objective": res.objective,
                             "bound": res.bound, "gap": res.gap,
                             "wall time [s]": res.wall_time_s})
        show_frame(pd.DataFrame(rows), key="schedule.solver_table")
        st.caption("Wall time per stage [s]: " + ", ".join(
            f"{k} {v:.1f}" for k, v in plan.timings.items()))


if __name__ == "__main__":
    render()
