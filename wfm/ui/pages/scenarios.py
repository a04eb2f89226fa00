"""Scenarios page: the store of saved scenarios, rosters and results; open, compare, publish."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from wfm.errors import WfmError
from wfm.ui import charts, state
from wfm.ui.widgets import backend, fmt_money, pending, show_frame


def _save_section(store) -> None:
    st.subheader("Save the current schedule")
    run = state.get(state.PLAN)
    if run is None:
        st.info("Solve a schedule first; it can then be saved here with its scenario, "
                "forecast, roster and KPIs.")
        return
    plan = run.plan
    with st.form("store.save", border=True):
        name = st.text_input("Name", value=plan.scenario.name, key="store.name",
                             help="Saving again under the same name makes a new version.")
        submitted = st.form_submit_button("Save", type="primary")
    if submitted:
        try:
            refs = store.save_plan(plan, name.strip() or plan.scenario.name)
        except WfmError as exc:
            st.error(str(exc))
            return
        parts = ", ".join(f"{kind} v{ref.version}" for kind, ref in refs.items())
        st.success(f"Saved '{name}': {parts}.", icon=":material/save:")


def _select(frame: pd.DataFrame, label: str, key: str) -> tuple[str, int] | None:
    if frame.empty:
        return None
    options = [f"{n} v{v}" for n, v in zip(frame["name"], frame["version"], strict=True)]
    choice = st.selectbox(label, options, index=len(options) - 1, key=key)
    name, _, version = choice.rpartition(" v")
    return name, int(version)


def _rosters_section(store) -> None:
    rosters = store.list("roster")
    if rosters.empty:
        st.info("No roster saved yet.")
        return
    cols = [c for c in ("name", "version", "created_at", "status", "n_shifts", "total_cost",
                        "published", "published_at") if c in rosters.columns]
    show_frame(rosters[cols], key="store.rosters")
    picked = _select(rosters, "Open roster", "store.roster_pick")
    if picked is None:
        return
    roster = store.load_roster(*picked)
    c1, c2, c3 = st.columns(3)
    c1.metric("Shifts", len(roster.shifts))
    c2.metric("Cost", fmt_money(roster.meta.get("total_cost")))
    c3.metric("Published", "yes" if roster.published else "no")
    if st.button(f"Publish {picked[0]} v{picked[1]}", key="store.publish",
                 disabled=roster.published,
                 help="Marks this version as the one agents work to (and no other version "
                 "of this name)."):
        ref = store.publish_roster(*picked)
        st.success(f"Published {ref.name} v{ref.version}.", icon=":material/campaign:")
        st.rerun()
    if len(roster.shifts):
        st.plotly_chart(charts.gantt_figure(roster.shifts, roster.breaks),
                        key="store.roster_gantt")


def _results_section(store, scenarios) -> None:
    results = store.list("result")
    if results.empty:
        st.info("No result saved yet.")
        return
    options = [f"{n} v{v}" for n, v in zip(results["name"], results["version"], strict=True)]
    chosen = st.multiselect("Compare results", options, default=options[-2:],
                            key="store.compare")
    if not chosen:
        return
    loaded = {}
    for label in chosen:
        name, _, version = label.rpartition(" v")
        kpis = store.load_result(name, int(version))["kpis"] or {}
        # The store writes NaN and infinity as JSON null: read them back as NaN.
        loaded[label] = {k: (math.nan if v is None else v) for k, v in kpis.items()}
    table = scenarios.compare(loaded)
    show_frame(table.reset_index(), key="store.compare_table")


def _scenarios_section(store) -> None:
    stored = store.list("scenario")
    if stored.empty:
        st.info("No scenario saved yet.")
        return
    show_frame(stored, key="store.scenarios")
    picked = _select(stored, "Open scenario", "store.scenario_pick")
    if picked is None:
        return
    if st.button(f"Use the rules of {picked[0]} v{picked[1]}", key="store.use_rules",
                 help="Shift templates, contracts, agents and costs of that scenario become "
                 "the rules of the Schedule page."):
        try:
            scenario = store.load_scenario(*picked)
        except WfmError as exc:
            st.error(str(exc))
            return
        state.set_rules(scenario, f"store: {picked[0]} v{picked[1]}")
        st.success(f"Rules now from {picked[0]} v{picked[1]}.")


def render() -> None:
    st.title("Scenarios")
    st.caption("Saved scenarios, rosters and results with their versions; publish the roster "
               "agents will work to.")
    store_mod = backend("wfm.store", "Store", "default_url")
    scenarios = backend("wfm.scenarios", "compare")
    if store_mod is None or scenarios is None:
        pending("The scenario store")
        return
    url = store_mod.default_url()
    st.caption(f"Database: `{url}` (set `WFM_DATABASE_URL` to use another, e.g. PostgreSQL).")
    try:
        store = store_mod.Store(url)
    except WfmError as exc:
        st.error(str(exc))
        return
    try:
        _save_section(store)
        tab_r, tab_c, tab_s = st.tabs(["Rosters", "Compare results", "Scenarios"])
        with tab_r:
            _rosters_section(store)
        with tab_c:
            _results_section(store, scenarios)
        with tab_s:
            _scenarios_section(store)
    finally:
        store.close()


if __name__ == "__main__":
    render()
