"""Rules page: the planner's edit loop on agents, contracts, shift templates, break rules
and activities; checked like a scenario file, saved to the scenario in the store."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from wfm.errors import WfmError
from wfm.ui import state
from wfm.ui.widgets import backend, pending

_TABLES = "wfm.rule_tables"  # (rules version, {table: frame}) of the rules in use

#: Short help shown above each table.
_HELP = {
    "agents": "One row per agent. `skills` and `preferred_shifts` are `;`-separated; "
              "`availability` is `Mon 08:00-16:00;Tue 08:00-16:00`; `time_off` ISO dates.",
    "contracts": "`employment` is full_time or part_time; weekdays as `Fri,Sat`; hours per "
                 "week, rest between shifts in hours.",
    "shift_templates": "Lengths and start times as `H:MM` (`8:30`); `days` as `all`, "
                       "`Sun-Thu` or `Mon,Wed`.",
    "breaks": "Each break belongs to the template named in `template`; its window "
              "(`earliest_start_min`, `latest_start_min`) counts from the shift start, "
              "as `H:MM` (`1:30` = 90 minutes in).",
    "activities": "Meetings and training: length and window as `H:MM`, `attendees` "
                  "`;`-separated agent ids, or a `team`.",
}


def _tables(ruleset) -> dict[str, pd.DataFrame]:
    """The tables of the rules in use, built once per rules version."""
    from wfm.editing import rule_tables

    held = st.session_state.get(_TABLES)
    if held is None or held[0] != ruleset.version or held[1] is not ruleset.scenario:
        held = (ruleset.version, ruleset.scenario, rule_tables(ruleset.scenario))
        st.session_state[_TABLES] = held
    return held[2]


def _apply(ruleset, changed: dict[str, pd.DataFrame], what: str) -> bool:
    """Check the edited tables; on success they become the rules in use."""
    from wfm.editing import apply_rule_tables

    try:
        scenario = apply_rule_tables(ruleset.scenario, changed)
    except WfmError as exc:
        st.error(f"Not applied: {exc}", icon=":material/error:")
        return False
    base = ruleset.source.split(" · edited")[0]
    state.set_rules(scenario, f"{base} · edited ({what})")
    st.session_state["rules.notice"] = (f"Applied: {what}. The schedule solved with the "
                                        "old rules is now marked stale.")
    st.rerun()
    return True


def _agent_form(ruleset, tables) -> None:
    st.subheader("Edit one agent")
    agents = tables["agents"]
    if agents.empty:
        st.info("The rules name no agents: add rows to the agents table below (or load an "
                "agents list on the Data page) to build a named roster.")
        return
    ids = agents["id"].astype(str).tolist()
    agent_id = st.selectbox("Agent", ids, key="rules.agent_pick")
    row = agents.iloc[ids.index(agent_id)]
    contracts = list(ruleset.scenario.contracts)
    key = f"rules.agent.{ruleset.version}.{agent_id}"
    with st.form(f"{key}.form", border=True):
        c1, c2, c3 = st.columns(3)
        contract = c1.selectbox("Contract", contracts,
                                index=contracts.index(row["contract"])
                                if row["contract"] in contracts else 0, key=f"{key}.contract")
        team = c2.text_input("Team", value=str(row["team"] or ""), key=f"{key}.team")
        skills = c3.text_input("Skills (queues, ;-separated)", value=str(row["skills"] or ""),
                               key=f"{key}.skills")
        c4, c5, c6 = st.columns(3)
        start = c4.text_input("Preferred start (H:MM)", value=str(row["preferred_start"] or ""),
                              key=f"{key}.preferred_start")
        days_off = c5.text_input("Preferred days off (Fri;Sat)",
                                 value=str(row["preferred_days_off"] or ""),
                                 key=f"{key}.preferred_days_off")
        lead = c6.toggle("Team lead", value=bool(row["is_lead"]), key=f"{key}.is_lead")
        submitted = st.form_submit_button("Apply to agent", type="primary")
    if submitted:
        edited = agents.copy()
        i = ids.index(agent_id)
        for column, value in (("contract", contract), ("team", team), ("skills", skills),
                              ("preferred_start", start), ("preferred_days_off", days_off),
                              ("is_lead", lead)):
            edited.at[edited.index[i], column] = value
        _apply(ruleset, {"agents": edited}, f"agent {agent_id}")


def _tables_form(ruleset, tables) -> None:
    from wfm.editing import TABLES

    st.subheader("Every rule")
    st.caption("Edit cells, add rows at the bottom of a table or delete them, then press "
               "**Apply changes**. The tables are checked like a scenario file; a bad cell "
               "is named by table, row and field and nothing is applied.")
    with st.form("rules.tables", border=True):
        tabs = st.tabs([title.capitalize() for title in TABLES.values()])
        edited = {}
        for tab, name in zip(tabs, TABLES, strict=True):
            with tab:
                st.caption(_HELP[name])
                frame = tables[name]
                config = {}
                if name == "agents":
                    config["is_lead"] = st.column_config.CheckboxColumn("is_lead")
                    config["contract"] = st.column_config.SelectboxColumn(
                        "contract", options=list(ruleset.scenario.contracts))
                if name == "contracts":
                    config["employment"] = st.column_config.SelectboxColumn(
                        "employment", options=["full_time", "part_time"])
                edited[name] = st.data_editor(
                    frame, num_rows="dynamic", hide_index=True, width="stretch",
                    key=f"rules.{name}.v{ruleset.version}", column_config=config)
        submitted = st.form_submit_button("Apply changes", type="primary")
    if submitted:
        changed = {name: frame for name, frame in edited.items()
                   if not frame.reset_index(drop=True).equals(
                       tables[name].reset_index(drop=True))}
        if not changed:
            st.warning("Nothing changed in the tables.")
            return
        _apply(ruleset, changed, ", ".join(TABLES[n] for n in changed))


def _save(ruleset) -> None:
    st.subheader("Save to the store")
    store_mod = backend("wfm.store", "Store", "default_url")
    if store_mod is None:
        pending("The scenario store")
        return
    with st.form("rules.save", border=True):
        name = st.text_input("Scenario name", value=ruleset.scenario.name, key="rules.save_name",
                             help="Saving again under the same name makes a new version; the "
                             "Scenarios page opens any version again.")
        submitted = st.form_submit_button("Save the rules")
    if not submitted:
        return
    try:
        with store_mod.Store(store_mod.default_url()) as store:
            ref = store.save_scenario(ruleset.scenario, name=name.strip() or None)
    except WfmError as exc:
        st.error(str(exc))
        return
    st.success(f"Saved scenario '{ref.name}' v{ref.version}.", icon=":material/save:")


def render() -> None:
    st.title("Rules")
    st.caption("Agents, contracts, shift templates, break rules and activities of the "
               "schedule: edit them here, solve again on the Schedule page, save them as a "
               "scenario version.")
    if backend("wfm.editing", "rule_tables", "apply_rule_tables") is None:
        pending("Editing the rules")
        return
    try:
        ruleset = state.rules()
        tables = _tables(ruleset)
    except WfmError as exc:
        st.error(f"The rules in use cannot be read: {exc}")
        return
    notice = st.session_state.pop("rules.notice", None)
    if notice:
        st.success(notice, icon=":material/check_circle:")
    s = ruleset.scenario
    st.markdown(f"Rules in use: **{ruleset.source}** — {len(tables['agents'])} agents, "
                f"{len(s.contracts)} contracts, {len(s.templates)} shift templates, "
                f"{len(tables['breaks'])} break rules, {len(s.activities)} activities.")
    _agent_form(ruleset, tables)
    _tables_form(ruleset, tables)
    _save(ruleset)


if __name__ == "__main__":
    render()
