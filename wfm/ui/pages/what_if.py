"""What-if page: overrides on the solved schedule, side by side; cost against service level."""

from __future__ import annotations

import concurrent.futures as cf

import streamlit as st

from wfm.errors import WfmError
from wfm.kpis import headline, interval_differences
from wfm.ui import charts, state
from wfm.ui.widgets import backend, fmt_pct, pending, require_plan, show_frame

#: Shown measures of the comparison: column -> (label, format).
MEASURES = {
    "weekly_cost": ("weekly cost", "%,.0f"),
    "fte": ("FTE", "%.1f"),
    "service_level_erlang": ("service level (Erlang)", "percent"),
    "service_level_sim": ("service level (simulated)", "percent"),
    "asa_s": ("ASA [s] (answered, finite-wait intervals)", "%.1f"),
    "abandon_rate_sim": ("abandoned (simulated)", "percent"),
    "occupancy": ("occupancy", "percent"),
    "break_min_per_agent_hour": ("breaks [min per agent-hour]", "%.1f"),
    "cost_per_call": ("cost per call", "%.2f"),
}
CHART_MEASURES = ("weekly_cost", "fte", "service_level_erlang", "occupancy",
                  "break_min_per_agent_hour")
#: Session key of the last cost-against-service-level sweep (read by the Cost page too).
FRONTIER = "wfm.frontier"


def _plan_queues(plan) -> list[str]:
    """The queues of a plan's demand (several only for a multi-queue centre)."""
    fc = plan.forecast
    if fc is None or "queue" not in fc.columns or plan.queue_kpis is None:
        return []
    return sorted(fc["queue"].astype(str).unique())


def _queue_fields(names: list[str]) -> tuple[str, int, float]:
    """One queue's volume and target, inside the form (several queues only)."""
    st.markdown("**One queue** (its calls or its own service-level target; the other "
                "queues stay as they are)")
    q1, q2, q3 = st.columns(3)
    queue = q1.selectbox("Queue", names, key="whatif.queue")
    volume = q2.slider("Its call volume [% of forecast]", 50, 200, 100, 5,
                       key="whatif.queue_volume",
                       help="Multiplies this queue's forecast calls only.")
    sl = q3.number_input("Its service level target [%] (0 = as now)", min_value=0.0,
                         max_value=99.0, value=0.0, step=1.0, format="%.0f",
                         key="whatif.queue_service_level",
                         help="This queue's own target (answer within stays the centre's).")
    return queue, volume, sl


def _queue_changes(plan, fields, changes: dict, words: list[str]) -> None:
    """Add the one-queue changes of the form to ``changes`` (and their ``words``)."""
    queue, volume, sl = fields
    if volume != 100:
        changes["queue_volume_factor"] = {queue: volume / 100}
        words.append(f"{queue} volume {volume} %")
    if sl and round(sl) != round(100 * plan.scenario.queue_target(queue).service_level):
        changes["queue_service_level"] = {queue: sl / 100}
        words.append(f"{queue} SL {sl:.0f} %")


def _overrides_form(base, plan=None) -> tuple[str, dict] | None:
    """The overrides form; returns (name, overrides) when submitted."""
    t = base.target
    names = _plan_queues(plan) if plan is not None else []
    with st.form("whatif.form", border=True):
        st.markdown("**Change one thing or several; everything else stays as solved.**")
        c1, c2, c3 = st.columns(3)
        volume = c1.slider("Call volume [% of forecast]", 50, 200, 100, 5, key="whatif.volume",
                           help="Multiplies the forecast calls (and their band).")
        aht = c1.number_input("AHT change [s]", min_value=-120.0, max_value=600.0, value=0.0,
                              step=10.0, format="%.0f", key="whatif.aht_delta_s",
                              help="Added to the forecast handle time of every interval.")
        sl = c2.slider("Service level target [%]", 50, 99, round(100 * t.service_level), 1,
                       key="whatif.service_level")
        within = c2.number_input("Answer within [s]", min_value=0.0, max_value=600.0,
                                 value=float(t.answer_within_s), step=5.0, format="%.0f",
                                 key="whatif.answer_within_s")
        occ = c2.slider("Max occupancy [%]", 50, 100, round(100 * t.max_occupancy), 1,
                        key="whatif.max_occupancy")
        shrink = c3.slider("Shrinkage [%]", 0, 60, round(100 * base.shrinkage.fraction), 1,
                           key="whatif.shrinkage")
        brk = c3.number_input("Breaks at least [min per hour]", min_value=0.0, max_value=30.0,
                              value=float(base.break_policy.min_break_min_per_hour), step=1.0,
                              format="%.1f", key="whatif.break_min_per_hour")
        cost = c3.number_input("Cost per hour [currency/h] (0 = as in the rules)",
                               min_value=0.0, max_value=500.0, value=0.0, step=1.0,
                               format="%.2f", key="whatif.cost_per_hour")
        fields = _queue_fields(names) if len(names) > 1 else None
        name = st.text_input("Name (optional)", key="whatif.name",
                             help="Default: the changes, e.g. 'volume 115 %, AHT +30 s'.")
        submitted = st.form_submit_button("Run what-if", type="primary")
    if not submitted:
        return None
    changes: dict = {}
    words = []
    if volume != 100:
        changes["volume_factor"] = volume / 100
        words.append(f"volume {volume} %")
    if aht:
        changes["aht_delta_s"] = float(aht)
        words.append(f"AHT {aht:+g} s")
    if sl != round(100 * t.service_level):
        changes["service_level"] = sl / 100
        words.append(f"SL {sl} %")
    if within != t.answer_within_s:
        changes["answer_within_s"] = float(within)
        words.append(f"within {within:g} s")
    if occ != round(100 * t.max_occupancy):
        changes["max_occupancy"] = occ / 100
        words.append(f"occupancy ≤ {occ} %")
    if shrink != round(100 * base.shrinkage.fraction):
        changes["shrinkage"] = shrink / 100
        words.append(f"shrinkage {shrink} %")
    if brk != base.break_policy.min_break_min_per_hour:
        changes["break_min_per_hour"] = float(brk)
        words.append(f"breaks {brk:g} min/h")
    if cost > 0:
        changes["cost_per_hour"] = float(cost)
        words.append(f"{cost:g}/h")
    if fields is not None:
        _queue_changes(plan, fields, changes, words)
    if not changes:
        st.warning("Nothing changed: move a slider or change a value first.")
        return None
    return (name.strip() or ", ".join(words)), changes


def _run_variant(pipeline, scenarios, base_run: state.PlanRun, name: str, changes: dict) -> None:
    base = base_run.plan.scenario
    stages = ("forecast", "requirements", "shifts") \
        + (("roster",) if base_run.plan.roster is not None else ()) + ("evaluate",)
    with st.status(f"What-if: {name}…", expanded=True) as box:
        bar = st.progress(0.0, text="starting")
        try:
            variant = scenarios.apply_overrides(base, **changes)
            plan = pipeline.run_plan(variant, forecast=base_run.demand,
                                     progress=state.progress_callback(bar), stages=stages)
        except WfmError as exc:
            box.update(label=f"What-if {name}: no plan", state="error", expanded=True)
            st.error(str(exc))
            return
        box.update(label=f"What-if {name}: {plan.final.status}", state="complete",
                   expanded=False)
    runs = [r for r in state.get(state.WHATIF) or [] if r[0] != name]
    runs.append((name, changes, plan))
    st.session_state[state.WHATIF] = runs
    # compare the plan as solved with the latest what-ifs (at most four in all)
    st.session_state["whatif.compare"] = ["as solved", *[r[0] for r in runs][-3:]]


#: Per-interval measures of the difference chart: coverage column -> label.
INTERVAL_MEASURES = {
    "on_phone": "agents on the phones",
    "scheduled": "agents scheduled",
    "service_level": "service level [%]",
    "occupancy": "occupancy [%]",
}


def comparison_section(scenarios, base_run: state.PlanRun) -> None:
    runs = state.get(state.WHATIF) or []
    if not runs:
        st.info("Run a what-if to compare it with the solved schedule.")
        return
    plans = {"as solved": base_run.plan, **{name: plan for name, _, plan in runs}}
    names = list(plans)
    chosen = st.multiselect("Compare (two to four; the first is the baseline)", names,
                            default=names[:4], max_selections=4, key="whatif.compare")
    if len(chosen) < 2:
        st.info("Pick at least two scenarios to set side by side.")
        return
    results = {name: plans[name] for name in chosen}
    table = scenarios.compare(results, baseline=chosen[0])
    # ASA over the answered calls of the intervals with a finite wait (the plain average
    # is unbounded as soon as one interval is overloaded)
    asa = {name: headline(p.coverage, p.scenario.target.service_level).asa_s
           for name, p in results.items() if p.coverage is not None}
    if "asa_s" in table.columns and len(asa) == len(results):
        table["asa_s"] = [asa[n] for n in table.index]
        if "asa_s_delta" in table.columns:
            table["asa_s_delta"] = table["asa_s"] - asa[chosen[0]]
    st.subheader("Side by side")
    shown = table[[c for c in MEASURES if c in table.columns]].copy()
    for c in shown.columns:
        delta = f"{c}_delta"
        if delta in table.columns:
            shown[f"Δ {MEASURES[c][0]}"] = table[delta]
    shown.insert(0, "status", table["status"])
    config = {c: st.column_config.NumberColumn(label, format=fmt)
              for c, (label, fmt) in MEASURES.items()}
    config.update({f"Δ {label}": st.column_config.NumberColumn(f"Δ {label}", format=fmt)
                   for label, fmt in MEASURES.values()})
    st.dataframe(shown, column_config=config, width="stretch", key="whatif.table")
    chart = table.reset_index()
    st.plotly_chart(
        charts.comparison_figure(
            chart, CHART_MEASURES, name="scenario",
            labels={"weekly_cost": "weekly cost", "fte": "FTE",
                    "service_level_erlang": "service level [%]", "occupancy": "occupancy [%]",
                    "break_min_per_agent_hour": "break min per hour"},
            percent=("service_level_erlang", "occupancy")),
        key="whatif.chart")

    _queue_comparison(scenarios, results, chosen[0])

    st.subheader("Per interval")
    measure = st.selectbox("Measure", list(INTERVAL_MEASURES),
                           format_func=INTERVAL_MEASURES.get, key="whatif.interval_measure")
    coverages = {name: plan.coverage for name, plan in results.items()
                 if plan.coverage is not None}
    if len(coverages) < 2 or chosen[0] not in coverages:
        st.info("These plans have no coverage to compare interval by interval.")
        return
    diffs = interval_differences(coverages, measure, baseline=chosen[0])
    if measure in ("service_level", "occupancy"):
        diffs = diffs.assign(difference=100 * diffs["difference"])
    st.plotly_chart(charts.difference_figure(diffs, INTERVAL_MEASURES[measure]),
                    key="whatif.differences")
    st.caption(f"Each line: the scenario minus **{chosen[0]}**, interval by interval "
               "(above zero: more than the baseline).")
    if st.button("Clear what-ifs", key="whatif.clear"):
        st.session_state[state.WHATIF] = []
        st.rerun()


#: Per-queue measures of the comparison: column -> (label, percent).
QUEUE_MEASURES = {
    "sim_service_level": ("service level, simulated [%]", True),
    "service_level": ("service level, Erlang on its share [%]", True),
    "sim_asa_s": ("ASA, simulated [s]", False),
    "sim_abandon_rate": ("abandoned, simulated [%]", True),
    "cost": ("weekly cost", False),
    "cost_per_call": ("cost per call offered", False),
    "calls": ("calls per week", False),
}


def _queue_comparison(scenarios, results: dict, baseline: str) -> None:
    """Each queue of each plan side by side (plans that keep their queues apart)."""
    if not hasattr(scenarios, "compare_queues"):
        return
    table = scenarios.compare_queues(results, baseline=baseline)
    if not len(table):
        return
    st.subheader("Per queue")
    simulated = table["sim_service_level"].notna().any()
    options = [m for m in QUEUE_MEASURES if simulated or not m.startswith("sim_")]
    measure = st.selectbox("Queue measure", options, format_func=lambda m: QUEUE_MEASURES[m][0],
                           key="whatif.queue_measure")
    label, percent = QUEUE_MEASURES[measure]
    st.plotly_chart(charts.queue_compare_figure(table, measure, label, percent=percent),
                    key="whatif.queue_chart")
    how = "sim_" if simulated else ""
    measures = ["calls", "target", "service_level", *(["sim_service_level"] if simulated else []),
                f"{how}asa_s", f"{how}abandon_rate", "cost", "cost_per_call"]
    deltas = [f"{m}_delta" for m in measures if m != "target"]
    shown = table[["scenario", "queue", *measures, *deltas]]
    pct = st.column_config.NumberColumn(format="percent")
    config = {c: pct for c in shown.columns if "service_level" in c or "abandon" in c
              or c == "target"}
    config.update({c: st.column_config.NumberColumn(format="%,.0f") for c in
                   ("calls", "calls_delta", "cost", "cost_delta")})
    config.update({c: st.column_config.NumberColumn(format="%.2f") for c in
                   ("cost_per_call", "cost_per_call_delta")})
    config.update({c: st.column_config.NumberColumn(format="%.1f") for c in
                   (f"{how}asa_s", f"{how}asa_s_delta")})
    show_frame(shown, key="whatif.queue_table", column_config=config)
    st.caption(f"Each queue beside the same queue in **{baseline}** (Δ columns). A plan that "
               "pools its queues has no rows here.")


def frontier_section(base_run: state.PlanRun) -> None:
    """The cost-against-service-level sweep, the current plan marked, the next point priced
    (on the What-if and the Cost pages; the points are kept for both)."""
    st.subheader("Cost against service level")
    st.caption("Each point is a full solve at another service-level target; the slope is "
               "what one more point of service costs per week.")
    sweeps = backend("wfm.sweeps", "service_level_frontier")
    if sweeps is None:
        pending("The service-level sweep")
        return
    with st.form("frontier.form", border=True):
        targets = st.multiselect("Targets [%]", list(range(70, 100, 5)),
                                 default=[70, 80, 90, 95], key="frontier.targets")
        submitted = st.form_submit_button("Sweep")
    if submitted and targets:
        bar = st.progress(0.0, text="sweeping")
        stages = ("forecast", "requirements", "shifts", "evaluate")
        try:
            # Threads, not processes: the app's server is not forked, and CP-SAT and the
            # simulation kernels release the GIL.
            with cf.ThreadPoolExecutor(max_workers=2) as pool:
                points = sweeps.service_level_frontier(
                    base_run.plan.scenario, [t / 100 for t in sorted(targets)], stages=stages,
                    pool=pool, solver_workers=1, forecast=base_run.demand,
                    progress=state.progress_callback(bar, "sweep"))
        except WfmError as exc:
            bar.empty()
            st.error(str(exc))
            return
        bar.empty()
        st.session_state[FRONTIER] = points
    points = st.session_state.get(FRONTIER)
    if points is None:
        st.info("Press **Sweep** to solve the week at each target: the frontier, the current "
                "plan on it, and what the next point of service level costs.")
        return
    if base_run.plan.roster is not None:
        st.caption("The sweep solves shift plans (no named roster); the current plan is a "
                   "named roster, which costs what its agents' contracts make it cost, so "
                   "its star may sit a little above the line.")
    failed = points[points["status"] == "ERROR"]
    for _, row in failed.iterrows():
        st.error(f"{row['label']}: {row['error']}")
    ok = points[points["status"] != "ERROR"]
    if ok.empty:
        return
    from wfm.costs import marginal_cost_per_point, next_point

    k = base_run.plan.kpis
    current = (k.get("service_level_erlang"), k.get("weekly_cost"))
    have_current = all(v is not None and v == v for v in current)
    nxt = next_point(ok, *current, service_level="service_level_erlang") if have_current \
        else None
    st.plotly_chart(charts.frontier_figure(
        ok, x="service_level_erlang", y="weekly_cost", label="label",
        current=current if have_current else None,
        next_point=None if nxt is None else (nxt["service_level"], nxt["cost"])),
        key="frontier.chart")
    cur = base_run.plan.scenario.costs.currency
    if nxt is not None:
        st.markdown(f"The current plan gives {fmt_pct(current[0])} for {current[1]:,.0f} "
                    f"{cur}. The next point up the frontier, {fmt_pct(nxt['service_level'])}, "
                    f"costs **{nxt['extra_cost']:+,.0f} {cur} per week**: "
                    f"**{nxt['cost_per_point']:,.0f} {cur} per point** of service level.")
    elif have_current:
        st.markdown(f"No point of the sweep gives more service than the current plan "
                    f"({fmt_pct(current[0])}): sweep higher targets to price the next point.")
    marginal = marginal_cost_per_point(ok, service_level="service_level_erlang")
    if len(marginal):
        show_frame(marginal, key="frontier.marginal", column_config={
            "cost_per_point": st.column_config.NumberColumn(
                f"cost per point [{cur}/week]", format="%,.0f")})
    with st.expander("Every point"):
        show_frame(points, key="frontier.points")


def render() -> None:
    st.title("What-if")
    st.caption("Volume +15 %, AHT +30 s, 90/15 instead of 80/20, more shrinkage, real "
               "breaks: each re-solved in full and set beside the schedule as solved.")
    base_run = require_plan()
    pipeline = backend("wfm.pipeline", "run_plan")
    scenarios = backend("wfm.scenarios", "apply_overrides", "compare")
    if pipeline is None or scenarios is None:
        pending("Running what-ifs")
        return
    form = _overrides_form(base_run.plan.scenario, base_run.plan)
    if form is not None:
        _run_variant(pipeline, scenarios, base_run, *form)
    comparison_section(scenarios, base_run)
    frontier_section(base_run)


if __name__ == "__main__":
    render()
