"""Session state of the app: what is loaded, what was computed from it, the settings.

One key per stage, each holding a frozen record of what it was built from, so a page
can tell whether a result is stale.  Loading new data clears every stage built on the
old data; a failed upload touches nothing.

=====================  ==============================================================
key                    holds
=====================  ==============================================================
``wfm.data``           :class:`LoadedData` (history + where it came from + report)
``wfm.forecast``       :class:`ForecastRun` (forecast, backtest, horizon, model)
``wfm.plan``           :class:`PlanRun` (shift plan / roster result, evaluation)
``wfm.whatif``         list of what-if results (one per variant)
``wfm.upload_error``   message of the last rejected upload (shown on the Data page)
``wfm.scenario``       :class:`RuleSet`: the scenario whose rules (shift templates,
                       contracts, agents, costs) the Schedule page solves with
``set.*``              sidebar settings widgets (see :func:`settings`)
=====================  ==============================================================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from wfm.types import ServiceTarget, Shrinkage

__all__ = [
    "DATA",
    "FORECAST",
    "PLAN",
    "WHATIF",
    "UPLOAD_ERROR",
    "LoadedData",
    "ForecastRun",
    "PlanRun",
    "Settings",
    "RuleSet",
    "SolveOptions",
    "rules",
    "set_rules",
    "plan_scenario",
    "stale_reasons",
    "DEFAULTS",
    "init",
    "get",
    "set_data",
    "set_forecast",
    "set_plan",
    "settings",
    "default_week_start",
    "progress_callback",
]

DATA = "wfm.data"
FORECAST = "wfm.forecast"
PLAN = "wfm.plan"
WHATIF = "wfm.whatif"
UPLOAD_ERROR = "wfm.upload_error"
SCENARIO = "wfm.scenario"

_DOWNSTREAM = {DATA: (FORECAST, PLAN, WHATIF), FORECAST: (PLAN, WHATIF), PLAN: ()}


@dataclass(frozen=True)
class LoadedData:
    """The interval history the session works on.

    Attributes
    ----------
    history : DataFrame
        Validated history frame.
    source : str
        Where it came from, in words ("demo data", "upload: calls.csv").
    report : tuple of str
        Lines of the load/validation report (what was read, what was noticed).
    details : DataFrame or None
        The loader's own count table (e.g. call records read, dropped, fixed).
    version : int
        Increases with every load, so later stages can tell which data they used.
    """

    history: pd.DataFrame
    source: str
    report: tuple[str, ...] = ()
    details: pd.DataFrame | None = None
    version: int = 0


@dataclass(frozen=True)
class ForecastRun:
    """A forecast made on :class:`LoadedData` of ``data_version``."""

    forecast: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    model: str
    data_version: int
    backtest: pd.DataFrame | None = None
    report: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanRun:
    """A solved plan (:class:`wfm.pipeline.PlanResult`) and what it was built from.

    ``demand`` is the forecast frame the plan was solved on, before the scenario's volume
    and AHT overrides (``plan.forecast`` is after them): what-ifs and sweeps re-solve on it.
    """

    plan: Any  # wfm.pipeline.PlanResult
    settings: Settings
    options: SolveOptions
    forecast_start: pd.Timestamp
    data_version: int
    demand: pd.DataFrame
    rules_source: str = ""
    rules_version: int = 0


@dataclass(frozen=True)
class Settings:
    """The service target and staffing assumptions chosen in the sidebar.

    Attributes
    ----------
    service_level : float
        Target fraction answered within ``answer_within_s`` (0.8 = 80 %).
    answer_within_s : float
        Service-level threshold [s].
    max_occupancy : float
        Occupancy cap, fraction.
    shrinkage : float
        Share of paid time off the phones, fraction.
    patience_s : float or None
        Mean caller patience [s]; set means Erlang A, None means Erlang C.
    """

    service_level: float = 0.80
    answer_within_s: float = 20.0
    max_occupancy: float = 0.85
    shrinkage: float = 0.30
    patience_s: float | None = None

    @property
    def target(self) -> ServiceTarget:
        return ServiceTarget(
            service_level=self.service_level,
            answer_within_s=self.answer_within_s,
            max_occupancy=self.max_occupancy,
        )

    @property
    def shrink(self) -> Shrinkage:
        return Shrinkage(self.shrinkage)

    @property
    def model(self) -> str:
        return "erlang_c" if self.patience_s is None else "erlang_a"


DEFAULTS = Settings()

#: Widget keys of the sidebar settings and their defaults (in the units shown).
SETTING_WIDGETS = {
    "set.service_level_pct": 100 * DEFAULTS.service_level,
    "set.answer_within_s": DEFAULTS.answer_within_s,
    "set.max_occupancy_pct": 100 * DEFAULTS.max_occupancy,
    "set.shrinkage_pct": 100 * DEFAULTS.shrinkage,
    "set.use_patience": False,
    "set.patience_s": 120.0,
}


def init() -> None:
    """Create every key with its empty value (idempotent)."""
    for key in (DATA, FORECAST, PLAN, UPLOAD_ERROR, SCENARIO):
        st.session_state.setdefault(key, None)
    st.session_state.setdefault(WHATIF, [])
    for key, value in SETTING_WIDGETS.items():
        st.session_state.setdefault(key, value)


def get(key: str):
    """The value stored under ``key`` (None if absent)."""
    return st.session_state.get(key)


def _clear_downstream(key: str) -> None:
    for k in _DOWNSTREAM.get(key, ()):
        st.session_state[k] = [] if k == WHATIF else None


def set_data(history: pd.DataFrame, source: str, report=(), details=None) -> LoadedData:
    """Replace the session's data and drop every result built on the old data."""
    old = get(DATA)
    data = LoadedData(
        history=history, source=source, report=tuple(report), details=details,
        version=(old.version + 1) if old is not None else 1,
    )
    st.session_state[DATA] = data
    st.session_state[UPLOAD_ERROR] = None
    _clear_downstream(DATA)
    return data


def set_forecast(run: ForecastRun) -> None:
    """Store a forecast and drop the plans built on the previous one."""
    st.session_state[FORECAST] = run
    _clear_downstream(FORECAST)


def set_plan(run: PlanRun) -> None:
    st.session_state[PLAN] = run


def settings() -> Settings:
    """The current sidebar settings as a :class:`Settings` record."""
    s = st.session_state
    use_patience = bool(s.get("set.use_patience", False))
    return Settings(
        service_level=float(s.get("set.service_level_pct", 80.0)) / 100.0,
        answer_within_s=float(s.get("set.answer_within_s", 20.0)),
        max_occupancy=float(s.get("set.max_occupancy_pct", 85.0)) / 100.0,
        shrinkage=float(s.get("set.shrinkage_pct", 30.0)) / 100.0,
        patience_s=float(s.get("set.patience_s", 120.0)) if use_patience else None,
    )


def default_week_start(history: pd.DataFrame) -> dt.date:
    """The day after the last day of the history: the default start of the week to plan."""
    last = pd.Timestamp(history["interval_start"].max()).normalize()
    return (last + pd.Timedelta(days=1)).date()


def progress_callback(bar, text: str = "", *, min_interval_s: float = 0.2):
    """A ``progress(done, total, message)`` callback that drives an ``st.progress`` bar.

    Solvers may report from their own threads (CP-SAT solution callbacks): such a thread
    is attached to the session's script run before it draws, and updates closer than
    ``min_interval_s`` apart are dropped (the last one, ``done == total``, never is).
    """
    import threading
    import time

    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    ctx = get_script_run_ctx()
    lock = threading.Lock()
    last = [0.0]

    def callback(done: float, total: float, message: str = "") -> None:
        fraction = 0.0 if not total else min(1.0, max(0.0, float(done) / float(total)))
        now = time.monotonic()
        with lock:
            if fraction < 1.0 and now - last[0] < min_interval_s:
                return
            last[0] = now
            if get_script_run_ctx() is None and ctx is not None:
                add_script_run_ctx(threading.current_thread(), ctx)
            bar.progress(fraction, text=f"{text} {message}".strip())

    return callback


# ----------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class RuleSet:
    """The scenario that supplies the rules of the schedule, and where it came from.

    ``version`` increases with every change of the rules (a file loaded, a table
    edited), so that a plan can tell it was solved with older rules.
    """

    scenario: Any  # wfm.scenarios.Scenario
    source: str
    version: int = 0


@dataclass(frozen=True)
class SolveOptions:
    """Choices of the Schedule page that are not sidebar settings.

    Attributes
    ----------
    mode : str
        "coverage" or "service_level" (see :func:`solver.plan_shifts`).
    time_limit_s : float
        Time limit of each solve (shift plan, roster) [s].
    roster : bool
        Build a named roster from the scenario's agents after the shift plan.
    simulate : bool
        Check the plan by discrete-event simulation as well as Erlang.
    replications : int
        Simulation replications.
    break_min_per_hour : float
        Floor of break minutes per hour of shift.
    """

    mode: str = "coverage"
    time_limit_s: float = 10.0
    roster: bool = True
    simulate: bool = True
    replications: int = 3
    break_min_per_hour: float = 5.0


def demo_scenario_path() -> Path:
    """The shipped demo scenario (``data/demo_scenario.yaml``)."""
    import wfm.io

    return wfm.io.demo_scenario_path()


def rules() -> RuleSet:
    """The session's rule set; the demo scenario until the user loads another."""
    current = get(SCENARIO)
    if current is None:
        from wfm.scenarios import load_scenario

        current = RuleSet(load_scenario(demo_scenario_path()), "demo scenario")
        st.session_state[SCENARIO] = current
    return current


def set_rules(scenario, source: str) -> None:
    """Use another scenario's rules from now on.

    The plan solved with the old rules stays, marked stale (see :func:`stale_reasons`)
    until it is solved again; so do the what-ifs run on it.
    """
    old = get(SCENARIO)
    version = (old.version + 1) if old is not None else 1
    st.session_state[SCENARIO] = RuleSet(scenario, source, version)


def stale_reasons(current: PlanRun, run: ForecastRun | None) -> list[str]:
    """What changed since ``current`` was solved (empty: the plan is up to date)."""
    reasons = []
    if current.settings != settings():
        reasons.append("the sidebar settings")
    if run is None or current.forecast_start != run.start or current.demand is not run.forecast:
        reasons.append("the forecast")
    ruleset = get(SCENARIO)
    if ruleset is not None and ruleset.version != current.rules_version:
        reasons.append(f"the rules (now: {ruleset.source})")
    return reasons


def plan_scenario(base, run: ForecastRun, s: Settings, options: SolveOptions) -> Any:
    """The scenario the Schedule page solves: the base rules on the session's forecast.

    The demand is not part of the returned scenario: pass ``run.forecast`` to
    :func:`wfm.pipeline.run_plan` as ``forecast=`` (the pipeline then skips forecasting and
    applies the scenario's volume and AHT overrides to it).  The scenario keeps the base's
    ``data`` section, which a plan given a forecast frame never reads.  The horizon and the
    queues are the forecast's (generated agents are trained on those queues); target, shrinkage and staffing model come from the sidebar; time limit,
    mode, roster, simulation and break floor from ``options``.
    """
    import dataclasses

    from wfm.scenarios import Horizon, StaffingSettings
    from wfm.types import BreakPolicy

    weeks = max(1, round((run.end - run.start) / pd.Timedelta(days=7)))
    agents = base.agents if options.roster else dataclasses.replace(
        base.agents, file=None, listed=(), n=None)
    # The forecast's queues, named: agents generated from ``agents.n`` are trained on them.
    queues = tuple(sorted(run.forecast["queue"].astype(str).unique()))
    return dataclasses.replace(
        base,
        queues=queues,
        horizon=Horizon(week_start=pd.Timestamp(run.start), weeks=int(weeks)),
        target=s.target,
        shrinkage=s.shrink,
        staffing=StaffingSettings(model=s.model, patience_s=s.patience_s,
                                  min_staff_open=base.staffing.min_staff_open),
        break_policy=BreakPolicy(options.break_min_per_hour),
        agents=agents,
        solver=dataclasses.replace(base.solver, mode=options.mode,
                                   plan_time_limit_s=options.time_limit_s,
                                   roster_time_limit_s=options.time_limit_s,
                                   num_workers=min(2, base.solver.num_workers)),
        simulation=dataclasses.replace(base.simulation, enabled=options.simulate,
                                       replications=options.replications),
        # The file text no longer describes this scenario: stores dump its fields instead.
        source=None,
        source_text=None,
    )
