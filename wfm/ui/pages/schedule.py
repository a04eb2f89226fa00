"""Schedule page: solve the week (shift plan, named roster), see every agent's week,
coverage against requirement, service level per interval, and the rules that were bent."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from wfm.errors import WfmError
from wfm.kpis import coverage_by_queue, headline
from wfm.ui import charts, compute, jobs, queues, state
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


JOB = "wfm.schedule_job"


def _solve(pipeline, run: state.ForecastRun, options: state.SolveOptions) -> None:
    """Start the solve in a worker thread; :func:`_watch` draws it and collects the plan."""
    ruleset = state.rules()
    s = state.settings()
    data = state.get(state.DATA)
    scenario = state.plan_scenario(ruleset.scenario, run, s, options)
    stages = ("forecast", "requirements", "shifts") + (("roster",) if options.roster else ()) \
        + ("evaluate",)
    job = jobs.start("schedule", pipeline.run_plan, scenario, forecast=run.forecast,
                     stages=stages)
    st.session_state[JOB] = (job, {
        "settings": s, "options": options, "forecast_start": run.start,
        "data_version": data.version, "demand": run.forecast, "rules_source": ruleset.source,
        "rules_version": ruleset.version})


def _watch() -> None:
    """Draw the running solve until it ends (a Stop press reruns the page and lands here
    again with the stop flag set), then keep its plan."""
    held = st.session_state.get(JOB)
    if held is None:
        return
    job, meta = held
    slot = st.empty()
    stop = slot.button("Stop and keep the best plan", key="schedule.stop",
                       disabled=job.stop_requested or job.done,
                       help="The solve under way runs to its own end and keeps its best "
                       "plan; what has not started (the roster after the shift plan, the "
                       "simulation) is left out.")
    if stop:
        job.request_stop()
    with st.status("Solving the week…", expanded=True) as box:
        bar = st.progress(0.0, text="starting")
        figures = st.empty()
        while not job.wait(0.25):
            bar.progress(job.fraction, text=job.message or "starting")
            figures.markdown(_figures_text(job))
        bar.progress(1.0, text="done")
        figures.markdown(_figures_text(job))
        slot.empty()
        st.session_state.pop(JOB, None)
        if job.error is not None:
            box.update(label="No schedule", state="error", expanded=True)
            if isinstance(job.error, WfmError):
                st.error(str(job.error))
                return
            raise job.error
        plan = job.result
        label = f"Solved: {plan.final.status} in {sum(plan.timings.values()):.1f} s"
        if plan.stopped:
            label += f" (stopped: {plan.stopped})"
        box.update(label=label, state="complete", expanded=False)
    state.set_plan(state.PlanRun(plan=plan, **meta))


def _figures_text(job) -> str:
    parts = [f"{job.elapsed_s:.0f} s"]
    if job.best is not None:
        parts.append(f"best plan so far **{job.best:,.0f}**")
        parts.append(f"bound **{job.bound:,.0f}**")
        if job.best > 0:
            parts.append(f"gap {max(0.0, job.best - job.bound) / job.best:.1%}")
        parts.append(f"({job.figures_stage})")
    if job.stop_requested:
        parts.append("stopping: the solve under way finishes and keeps its best plan")
    return " · ".join(parts)


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
    """Solver figures, then the week's service figures weighted as calls add up."""
    k = plan.kpis
    final = plan.final
    cur = plan.scenario.costs.currency
    cols = st.columns(5)
    cols[0].metric("Solver status", final.status,
                   help=f"objective {final.objective:,.1f}, proven bound {final.bound:,.1f}")
    gap_help = ("(objective − bound) / objective: the plan costs at most this much more than "
                "the best possible.")
    cols[1].metric("Optimality gap", fmt_pct(final.gap), help=gap_help)
    cols[2].metric(f"Weekly cost [{cur}]", fmt_money(k.get("weekly_cost")))
    cols[3].metric("FTE", fmt_num(k.get("fte"), 1),
                   help="Paid hours per week / hours of one full-time equivalent.")
    cols[4].metric("Shifts", fmt_num(k.get("shifts"), 0))
    if final.success and final.gap > 0 and final.bound == final.bound:
        st.caption(f"A longer solve could lower the objective (cost plus penalties) by at "
                   f"most **{final.objective - final.bound:,.0f}** per plan "
                   f"({fmt_pct(final.gap)}): the bound is proven, the best plan may lie "
                   "anywhere between.")

    cov = plan.coverage
    if cov is None or not len(cov):
        return None
    head = headline(cov, plan.scenario.target.service_level)
    cols = st.columns(5)
    cols[0].metric("Service level", fmt_pct(head.service_level),
                   help="Calls answered within the threshold / calls offered over the week "
                   "(Erlang, each interval weighted by its calls).")
    sim_sl = k.get("service_level_sim")
    cols[1].metric("Service level (simulated)", fmt_pct(sim_sl),
                   help="The same measure from the seeded simulation of the roster.")
    if head.asa_s == head.asa_s:
        asa = f"{head.asa_s:,.1f}"
    else:
        asa = "none finite"
    cols[2].metric("ASA [s]", asa,
                   help=("Mean wait of all callers (Erlang A), weighted by calls answered."
                         if plan.scenario.staffing.patience_s else
                         "Mean wait of the answered calls (Erlang C), weighted by calls.")
                   + (f" Covers {fmt_pct(head.asa_share, 0)} of them: {head.overloaded} "
                      "interval(s) have no more agents available than workload, where the "
                      "queue grows without bound; they are listed below." if head.overloaded
                      else ""))
    cols[3].metric("Abandoned", fmt_pct(head.abandon_rate if plan.scenario.staffing.patience_s
                                        else k.get("abandon_rate_sim")),
                   help="Calls abandoned / calls offered (Erlang A with patience, else "
                   "simulated).")
    cols[4].metric("Occupancy", fmt_pct(head.occupancy),
                   help="Time handling calls / time available on the phones, whole week.")
    if head.overloaded:
        out = head.breaking.loc[head.breaking["overloaded"], "calls"].sum()
        st.caption(f"ASA leaves out {head.overloaded} interval(s) overloaded (no more agents "
                   f"available than workload, so no finite wait) with {out:,.1f} calls; "
                   "they are listed under *Intervals that break the week*.")
    return head


def _breaking(plan, head) -> pd.Timestamp | None:
    """The intervals that miss the target, clickable: the chosen one opens in the day view."""
    bad = head.breaking if head is not None else None
    if bad is None or bad.empty:
        st.success("Every interval with calls meets the service-level target.",
                   icon=":material/check_circle:")
        return None
    target = plan.scenario.target.service_level
    late = bad["calls_late"].sum()
    with st.expander(f"Intervals that break the week: {len(bad)} below {fmt_pct(target, 0)} "
                     f"or short of agents ({late:,.0f} calls answered late)",
                     expanded=head.overloaded > 0):
        shown = pd.DataFrame({
            "interval": pd.to_datetime(bad["interval_start"]).dt.strftime("%a %d %b %H:%M"),
            "calls": bad["calls"],
            "service level": 100 * bad["service_level"],
            "ASA [s]": [("overloaded" if o else f"{a:,.0f}")
                        for a, o in zip(bad["asa_s"], bad["overloaded"], strict=True)],
            "available": bad["available"],
            "needed": bad["agents_needed"],
            "short": bad["short"],
            "calls late": bad["calls_late"],
        })
        st.caption("Worst first (most calls answered late). Click a row to open its day "
                   "with the interval marked.")
        picked = st.container(key="schedule_breaking").dataframe(
            shown, hide_index=True, width="stretch", key="schedule.breaking",
            on_select="rerun", selection_mode="single-row",
            column_config={
                "service level": st.column_config.NumberColumn(format="%.0f %%"),
                "calls": st.column_config.NumberColumn(format="%.1f"),
                "available": st.column_config.NumberColumn(format="%.1f"),
                "needed": st.column_config.NumberColumn(format="%.0f"),
                "short": st.column_config.NumberColumn(format="%.1f"),
                "calls late": st.column_config.NumberColumn(format="%.1f"),
            })
    rows = list(getattr(getattr(picked, "selection", None), "rows", []) or [])
    if not rows:
        return None
    return pd.Timestamp(bad["interval_start"].iloc[rows[0]])


def _filters(plan) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Shifts and breaks of the agents picked by team, contract and skill."""
    final = plan.final
    shifts, breaks = final.shifts, final.breaks
    if plan.roster is None or not plan.agents:
        st.caption("Anonymous shift plan: filters by team, contract and skill need a named "
                   "roster.")
        return shifts, breaks, ""
    agents = pd.DataFrame([{"id": a.id, "team": a.team or "–", "contract": a.contract,
                            "skills": tuple(sorted(a.skills))} for a in plan.agents])
    c1, c2, c3 = st.columns(3)
    teams = c1.multiselect("Team", sorted(agents["team"].unique()), key="schedule.f_team",
                           placeholder="every team")
    contracts = c2.multiselect("Contract", sorted(agents["contract"].unique()),
                               key="schedule.f_contract", placeholder="every contract")
    skills = c3.multiselect("Skill", sorted({q for t in agents["skills"] for q in t}),
                            key="schedule.f_skill", placeholder="every skill")
    keep = pd.Series(True, index=agents.index)
    if teams:
        keep &= agents["team"].isin(teams)
    if contracts:
        keep &= agents["contract"].isin(contracts)
    if skills:
        keep &= agents["skills"].map(lambda t: bool(set(t) & set(skills)))
    ids = set(agents.loc[keep, "id"])
    shifts = shifts[shifts["agent_id"].astype(str).isin(ids)]
    breaks = breaks[breaks["shift_id"].isin(shifts["shift_id"])]
    words = [w for w in (", ".join(teams), ", ".join(contracts), ", ".join(skills)) if w]
    return shifts, breaks, (f" ({len(ids)} agents: {'; '.join(words)})" if words else "")


def _day_view(plan, shifts, breaks, focus, suffix: str) -> None:
    if shifts.empty:
        st.info("No shifts for these filters.")
        return
    days = sorted(pd.to_datetime(plan.final.shifts["start"]).dt.normalize().unique())
    labels = [f"{pd.Timestamp(d):%a %d %b}" for d in days]
    if focus is not None and st.session_state.get("schedule.focus_applied") != focus:
        day = f"{focus.normalize():%a %d %b}"
        if day in labels:
            st.session_state["schedule.day"] = day
        st.session_state["schedule.focus_applied"] = focus
    choice = st.selectbox("Day", labels, key="schedule.day")
    day = days[labels.index(choice)]
    on_day = pd.to_datetime(shifts["start"]).dt.normalize() == day
    day_shifts = shifts[on_day]
    day_breaks = breaks[breaks["shift_id"].isin(day_shifts["shift_id"])]
    cov = plan.coverage
    day_cov = None
    if cov is not None and len(cov):
        t = pd.to_datetime(cov["interval_start"])
        day_cov = cov[(t >= day) & (t < day + pd.Timedelta(days=1))]
    band = None
    if focus is not None and focus.normalize() == day and cov is not None:
        step = pd.Series(pd.to_datetime(cov["interval_start"]).sort_values().unique()).diff()
        band = (focus, focus + (step.min() if len(step) > 1 else pd.Timedelta("30min")))
    if day_shifts.empty:
        st.info(f"No shifts on {choice} for these filters.")
        return
    st.container(key="schedule_day_view").plotly_chart(
        charts.day_view_figure(day_shifts, day_breaks, day_cov, focus=band,
                               title=f"{choice}{suffix}"), key="schedule.day_view")


def _agent_view(plan, shifts, breaks) -> None:
    ids = sorted((a for a in shifts["agent_id"].astype(str).unique() if a),
                 key=charts._natural_key)
    if not ids:
        st.info("An agent's week needs a named roster (turn on *Named roster* and solve).")
        return
    agent = st.selectbox("Agent", ids, key="schedule.agent")
    mine = shifts[shifts["agent_id"].astype(str) == agent]
    theirs = breaks[breaks["shift_id"].isin(mine["shift_id"])]
    who = next((a for a in plan.agents if a.id == agent), None)
    if who is not None:
        st.caption(f"{agent}: contract {who.contract}, team {who.team or '–'}, skills "
                   f"{', '.join(sorted(who.skills))}; {len(mine)} shifts, "
                   f"{mine['paid_h'].sum():.1f} paid hours.")
    st.plotly_chart(charts.agent_week_figure(mine, theirs, title=f"Week of {agent}"),
                    key="schedule.agent_week")
    rows = []
    for _, sh in mine.sort_values("start").iterrows():
        own = theirs[theirs["shift_id"] == sh["shift_id"]].sort_values("start")
        rows.append({
            "day": f"{pd.Timestamp(sh['start']):%a %d %b}",
            "start": f"{pd.Timestamp(sh['start']):%H:%M}",
            "end": f"{pd.Timestamp(sh['end']):%H:%M}",
            "template": sh["template"], "paid [h]": sh["paid_h"],
            "breaks and activities": "; ".join(
                f"{b['name']} {pd.Timestamp(b['start']):%H:%M}-{pd.Timestamp(b['end']):%H:%M}"
                for _, b in own.iterrows()),
        })
    show_frame(pd.DataFrame(rows), key="schedule.agent_table")


def _queue_coverage(current, plan) -> None:
    req = compute.requirements(current.demand, plan.scenario.target,
                               plan.scenario.shrinkage.fraction, plan.scenario.staffing.patience_s)
    skills = {a.id: a.skills for a in plan.agents} if plan.roster is not None else None
    frame = coverage_by_queue(plan.final.shifts, plan.final.breaks, req, skills)
    queues = sorted(frame["queue"].unique())
    queue = st.selectbox("Queue", queues, key="schedule.queue") if len(queues) > 1 \
        else queues[0]
    st.plotly_chart(charts.queue_coverage_figure(frame, queue), key="schedule.queue_coverage")
    st.caption("Agents count on every queue of their skills (a multi-skilled agent counts on "
               "each); an anonymous shift plan counts every shift on every queue.")


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


REPAIRED = "schedule.repaired"


def _repair_form(plan):
    """The changes the planner enters (absences, a swap), or None until submitted."""
    from wfm.changes import Absence, ShiftSwap

    ids = sorted({str(a.id) for a in plan.agents}, key=charts._natural_key)
    days = sorted(pd.to_datetime(plan.roster.shifts["start"]).dt.date.unique())
    label = {d: f"{d:%a %d %b}" for d in days}
    with st.form("schedule.repair"):
        st.caption("Who cannot work, and which two agents ask to swap a day. Only the days "
                   "named change; every other shift stays as it is.")
        c1, c2, c3 = st.columns([2, 2, 1])
        who = c1.multiselect("Agents absent", ids, key="schedule.repair_agents")
        when = c2.multiselect("on days", days, format_func=label.get,
                              key="schedule.repair_days")
        reason = c3.radio("Reason", ["sick", "time off"], key="schedule.repair_reason")
        s1, s2, s3 = st.columns(3)
        swap_a = s1.selectbox("Swap: agent", ["–", *ids], key="schedule.swap_a")
        swap_b = s2.selectbox("with agent", ["–", *ids], key="schedule.swap_b")
        swap_day = s3.selectbox("on", days, format_func=label.get, key="schedule.swap_day")
        limit = st.slider("Time limit [s]", 5, 60, 15, key="schedule.repair_limit_s")
        if not st.form_submit_button("Repair the roster"):
            return None
    if bool(who) != bool(when):
        st.error("Pick both the absent agents and the days they are off.")
        return None
    changes = [Absence(a, tuple(when), reason) for a in who]
    if swap_a != "–" or swap_b != "–":
        if "–" in (swap_a, swap_b) or swap_a == swap_b:
            st.error("A swap needs two different agents.")
            return None
        changes.append(ShiftSwap(swap_a, swap_b, swap_day))
    if not changes:
        st.error("Enter an absence or a swap to repair for.")
        return None
    return changes, float(limit)


def _repair(current) -> None:
    """Repair the solved roster for absences and swaps; show every change, then use it."""
    plan = current.plan
    if plan.roster is None or not plan.roster.success:
        st.info("A repair needs a named roster (turn on *Named roster* and solve).")
        return
    if plan.scenario.horizon.weeks != 1:
        st.info("Repairs work on one week at a time; this plan has "
                f"{plan.scenario.horizon.weeks}.")
        return
    pipeline = backend("wfm.pipeline", "repair_plan")
    if pipeline is None:
        pending("Repairing a roster")
        return
    asked = _repair_form(plan)
    if asked is not None:
        with st.spinner("Repairing the roster"):
            try:
                st.session_state[REPAIRED] = (plan,
                                              *pipeline.repair_plan(plan, asked[0],
                                                                    time_limit_s=asked[1]))
            except WfmError as exc:
                st.error(str(exc))
                return
    done = st.session_state.get(REPAIRED)
    if done is None or done[0] is not plan:
        return
    _, fixed, rep = done
    for row in rep.swaps.itertuples():
        verdict = "accepted" if row.accepted else f"refused: {row.reason}"
        st.write(f"Swap {row.agent_a} ↔ {row.agent_b} on {row.day:%a %d %b}: {verdict}")
    if fixed is None:
        st.error(rep.message)
        return
    st.success(rep.message, icon=":material/healing:")
    show_frame(rep.changes, key="schedule.repair_changes")
    st.download_button("Download the changes (CSV)", rep.changes.to_csv(index=False),
                       file_name="roster_changes.csv", mime="text/csv",
                       key="schedule.repair_download")
    if st.button("Use the repaired roster", key="schedule.repair_use"):
        state.set_plan(dataclasses.replace(current, plan=fixed))
        del st.session_state[REPAIRED]
        st.rerun()


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
    if options is not None and st.session_state.get(JOB) is None:
        _solve(pipeline, run, options)
    _watch()

    current = state.get(state.PLAN)
    if current is None:
        st.info("Set the time limit and press **Solve**.")
        return
    stale = state.stale_reasons(current, run)
    if stale:
        text = " and ".join(stale)
        st.warning(f"{text[0].upper()}{text[1:]} changed since this schedule was "
                   "solved: press Solve again to update it.", icon=":material/update:")
    plan = current.plan
    if plan.final.message:
        st.caption(plan.final.message)
    if plan.stopped:
        st.info(f"Stopped on request: {plan.stopped}. The plan shown is the best found "
                "before the stop.", icon=":material/stop_circle:")
    _untrained_warning(plan)
    head = _kpis(plan)
    focus = _breaking(plan, head)
    shifts, breaks, suffix = _filters(plan)
    names = ["Day view", "Agent's week", "Coverage and service level", "Coverage per queue",
             "Rules bent", "Repair", "Solver"]
    per_queue = queues.has_queues(plan)
    tabs = st.tabs((["Queues"] if per_queue else []) + names)
    if per_queue:
        with tabs[0]:
            st.caption("Each queue's service against its own target, beside the centre's; "
                       "the skill groups the plan staffs them with.")
            queues.service_section(plan, "schedule")
            queues.groups_section(plan, "schedule")
        tabs = tabs[1:]
    tab_day, tab_agent, tab_cov, tab_queue, tab_rules, tab_repair, tab_solver = tabs
    with tab_day:
        _day_view(plan, shifts, breaks, focus, suffix)
    with tab_agent:
        _agent_view(plan, shifts, breaks)
    with tab_cov:
        cov = plan.coverage
        if cov is not None and len(cov):
            st.plotly_chart(charts.coverage_figure(cov, target=plan.scenario.target.service_level),
                            key="schedule.coverage")
            with st.expander("Coverage per interval"):
                show_frame(cov, key="schedule.coverage_table")
    with tab_queue:
        _queue_coverage(current, plan)
    with tab_rules:
        _bent_rules(plan)
    with tab_repair:
        _repair(current)
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
