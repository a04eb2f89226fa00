"""Data page: the demo data or an upload, and a validation report naming every problem."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from wfm.errors import WfmError
from wfm.frames import interval_length
from wfm.ui import charts, state
from wfm.ui.widgets import backend, fmt_num, pending, saved_upload, show_frame

HISTORY_TYPES = ["csv", "xlsx", "xls", "parquet"]
RECORD_TYPES = ["csv", "txt", "xlsx", "parquet"]


def _reject(source: str, exc: Exception) -> None:
    """Keep the session's data as it is and remember why the upload was refused."""
    if isinstance(exc, WfmError):
        message = str(exc)
    else:  # a reader failure the loader did not translate: still say what and where
        message = f"{source}: could not be read ({type(exc).__name__}: {exc})"
    st.session_state[state.UPLOAD_ERROR] = message


def load_demo() -> None:
    io = backend("wfm.io", "load_history", "demo_history_path")
    path = io.demo_history_path()
    try:
        history = io.load_history(path)
    except Exception as exc:  # noqa: BLE001 - shown to the user, data kept
        _reject(str(path), exc)
        return
    state.set_data(history, "demo data", _report_lines(history, source=f"demo file {path.name}"))


def load_multiskill_demo() -> None:
    """The three-queue demo centre: its history per queue and its rules (skill groups)."""
    io = backend("wfm.io", "load_history", "demo_queue_history_path", "demo_path")
    from wfm.scenarios import load_scenario

    path = io.demo_queue_history_path()
    try:
        history = io.load_history(path)
        scenario = load_scenario(io.demo_path("demo_multiskill.yaml"))
    except Exception as exc:  # noqa: BLE001 - shown to the user, data kept
        _reject(str(path), exc)
        return
    state.set_data(history, "multi-skill demo data",
                   _report_lines(history, source=f"demo file {path.name}"))
    state.set_rules(scenario, "multi-skill demo scenario")


def _on_history_upload() -> None:
    uploaded = st.session_state.get("data.history_file")
    if uploaded is None:
        return
    io = backend("wfm.io", "load_history")
    try:
        path = saved_upload(uploaded)
        history = io.load_history(path)
    except Exception as exc:  # noqa: BLE001 - shown to the user, data kept
        _reject(uploaded.name, exc)
        return
    state.set_data(history, f"upload: {uploaded.name}",
                   _report_lines(history, source=f"interval history {uploaded.name}"))


def _on_records_upload() -> None:
    files = st.session_state.get("data.record_files") or []
    if not files:
        return
    io = backend("wfm.io", "load_call_records")
    interval = int(st.session_state.get("data.record_interval_min", 30))
    within = float(st.session_state.get("set.answer_within_s", 20.0))
    try:
        folder = None
        paths = []
        for f in files:
            p = saved_upload(f, folder)
            folder = p.parent
            paths.append(p)
        history, report = io.load_call_records(paths, interval_min=interval,
                                               answer_within_s=within)
    except Exception as exc:  # noqa: BLE001 - shown to the user, data kept
        _reject(", ".join(f.name for f in files), exc)
        return
    names = ", ".join(f.name for f in files)
    lines = _report_lines(history, source=f"call records {names}")
    state.set_data(history, f"upload: {names}", lines, details=report.to_frame())


def _report_lines(history: pd.DataFrame, *, source: str) -> tuple[str, ...]:
    """What was read, in plain words (counts only; no value is changed here)."""
    lines = [f"Read {source}: {len(history):,} intervals."]
    queues = sorted(history["queue"].unique())
    lines.append(f"Queues: {', '.join(map(str, queues))}.")
    first, last = history["interval_start"].min(), history["interval_start"].max()
    lines.append(f"From {first:%a %Y-%m-%d %H:%M} to {last:%a %Y-%m-%d %H:%M}.")
    try:
        step = interval_length(history)
        lines.append(f"Interval length: {step.total_seconds() / 60:g} min.")
    except WfmError as exc:
        lines.append(f"Interval length unknown: {exc}")
    if history["aht_s"].isna().all():
        lines.append("No handle times in the file: volume-only history (AHT must come from "
                     "elsewhere before staffing).")
    else:
        missing = int((history["aht_s"].isna() & (history["calls"] > 0)).sum())
        if missing:
            lines.append(f"{missing:,} intervals with calls but no AHT.")
    zero = int((history["calls"] == 0).sum())
    if zero:
        lines.append(f"{zero:,} intervals with zero calls (kept as zero demand).")
    days = history["interval_start"].dt.normalize()
    span = pd.date_range(days.min(), days.max(), freq="D")
    absent = span.difference(pd.DatetimeIndex(days.unique()))
    if len(absent):
        shown = ", ".join(f"{d:%Y-%m-%d}" for d in absent[:10])
        more = f" and {len(absent) - 10} more" if len(absent) > 10 else ""
        lines.append(f"{len(absent)} day(s) absent from the history: {shown}{more}.")
    return tuple(lines)


def _source_section() -> None:
    io = backend("wfm.io", "load_history")
    demo, history_tab, records_tab, rules_tab = st.tabs(
        ["Demo data", "Interval history", "Call records", "Scenario and agents"]
    )
    with demo:
        st.write(
            "A small history derived from the public call-centre data of an Israeli bank "
            "(calls offered and average handle time per interval)."
        )
        if backend("wfm.io", "load_history", "demo_history_path") is None:
            pending("The demo data")
        else:
            st.button("Load demo data", type="primary", on_click=load_demo, key="data.demo")
        if backend("wfm.io", "demo_queue_history_path") is not None:
            st.write("Or the same centre with three queues (retail, premium, new customers) "
                     "and agents trained on one, two or all three: each queue keeps its own "
                     "forecast, target and service level, and the schedule staffs skill "
                     "groups (loads the multi-skill rules too).")
            st.button("Load the multi-skill demo", on_click=load_multiskill_demo,
                      key="data.demo_multiskill")
    with history_tab:
        st.write(
            "One row per queue and interval: `queue`, `interval_start`, `calls` (offered), "
            "`aht_s` (average handle time [s]); optional `abandoned`, "
            "`answered_within_target`."
        )
        if io is None:
            pending("Loading an interval history")
        else:
            st.file_uploader(
                "Interval history (CSV, Excel or Parquet)", type=HISTORY_TYPES,
                key="data.history_file", on_change=_on_history_upload,
                help="The file is checked in full; a file with a problem is refused and "
                "the data already loaded stays as it is.",
            )
    with records_tab:
        st.write(
            "One row per call (arrival, answer or abandon, end time); aggregated into "
            "intervals. The default column layout is the Israeli bank's call log."
        )
        if backend("wfm.io", "load_call_records") is None:
            pending("Loading call records")
        else:
            st.selectbox("Interval length [min]", [15, 30, 60], index=1,
                         key="data.record_interval_min")
            st.file_uploader(
                "Call records", type=RECORD_TYPES, accept_multiple_files=True,
                key="data.record_files", on_change=_on_records_upload,
            )
    with rules_tab:
        _rules_section()


def _on_scenario_upload() -> None:
    uploaded = st.session_state.get("data.scenario_file")
    if uploaded is None:
        return
    from wfm.scenarios import load_scenario

    try:
        scenario = load_scenario(saved_upload(uploaded))
    except Exception as exc:  # noqa: BLE001 - shown to the user, rules kept
        _reject(uploaded.name, exc)
        return
    state.set_rules(scenario, f"scenario file {uploaded.name}")
    st.session_state[state.UPLOAD_ERROR] = None


def _on_agents_upload() -> None:
    uploaded = st.session_state.get("data.agents_file")
    if uploaded is None:
        return
    import dataclasses

    from wfm.exports import load_agents_csv
    from wfm.scenarios import AgentSource

    ruleset = state.rules()
    try:
        path = saved_upload(uploaded)
        agents = load_agents_csv(path, contracts=ruleset.scenario.contracts)
    except Exception as exc:  # noqa: BLE001 - shown to the user, rules kept
        _reject(uploaded.name, exc)
        return
    scenario = dataclasses.replace(ruleset.scenario, agents=AgentSource(file=path))
    state.set_rules(scenario, f"{ruleset.source} + {len(agents)} agents from {uploaded.name}")
    st.session_state[state.UPLOAD_ERROR] = None


def _agents_text(src) -> str:
    if src.file is not None:
        return src.file.name
    if src.listed:
        return f"{len(src.listed)} listed in the rules"
    return str(src.n) if src.n else "none"


def _rules_section() -> None:
    st.write(
        "The rules of the schedule come from a scenario file (YAML or TOML: shift templates "
        "and breaks, contracts, agents, costs; see docs/scenario.md). The demo scenario is "
        "used until you load another. An agents list (CSV: `id`, `contract`, optional "
        "`skills`, `team`, `cost_per_hour`, `preferred_start`, `preferred_days_off`, "
        "`preferred_shifts`, `time_off`) replaces the scenario's agents."
    )
    if backend("wfm.scenarios", "load_scenario") is None:
        pending("Loading a scenario")
        return
    try:
        ruleset = state.rules()
    except Exception as exc:  # noqa: BLE001 - the demo scenario could not be read
        st.error(f"The demo scenario could not be read: {exc}")
        return
    s = ruleset.scenario
    st.markdown(f"Rules in use: **{ruleset.source}** — {len(s.templates)} shift templates, "
                f"{len(s.contracts)} contracts, agents: "
                f"{_agents_text(s.agents)}.")
    c1, c2 = st.columns(2)
    c1.file_uploader("Scenario file", type=["yaml", "yml", "toml"], key="data.scenario_file",
                     on_change=_on_scenario_upload)
    if backend("wfm.exports", "load_agents_csv") is None:
        with c2:
            pending("Importing an agents list")
    else:
        c2.file_uploader("Agents list (CSV)", type=["csv"], key="data.agents_file",
                         on_change=_on_agents_upload,
                         help="Checked against the contracts of the rules in use.")


def render() -> None:
    st.title("Data")
    st.caption("Start here: the demo data, or your own interval history or call records.")
    _source_section()

    error = state.get(state.UPLOAD_ERROR)
    data = state.get(state.DATA)
    if error:
        st.error(f"**Upload refused.** {error}", icon=":material/error:")
        if data is not None:
            st.info(f"The data already loaded is unchanged: {data.source}.")
    if data is None:
        return

    st.subheader("Validation report")
    st.success(f"Loaded: {data.source}", icon=":material/check_circle:")
    for line in data.report:
        st.markdown(f"- {line}")
    if data.details is not None:
        st.markdown("**What happened to every record read**")
        show_frame(data.details)
    history = data.history
    cols = st.columns(4)
    cols[0].metric("Intervals", f"{len(history):,}")
    cols[1].metric("Queues", history["queue"].nunique())
    cols[2].metric("Calls offered", fmt_num(history["calls"].sum(), 0))
    work = (history["calls"] * history["aht_s"]).sum(min_count=1)
    aht = work / history.loc[history["aht_s"].notna(), "calls"].sum()
    cols[3].metric("Mean AHT [s]", fmt_num(aht, 0))
    st.plotly_chart(charts.history_figure(history), key="data.history_chart")
    with st.expander("Rows"):
        show_frame(history.head(500))


if __name__ == "__main__":
    render()
