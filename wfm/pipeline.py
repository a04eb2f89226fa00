"""The end-to-end plan: history -> forecast -> requirements -> shifts -> roster ->
evaluation -> costs and KPIs, driven by a :class:`wfm.scenarios.Scenario`.

:func:`run_plan` is the one function the CLI, the app and the sweeps call.  It never
prints; long steps report through ``progress(done, total, message)`` where ``message``
starts with the stage name (``"shifts: ..."``) so that a front end can draw one bar
per stage.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wfm.errors import DataError, InputError
from wfm.frames import validate_forecast, validate_history
from wfm.scenarios import Scenario

__all__ = ["run_plan", "PlanResult", "STAGES", "load_demand", "adjusted_forecast",
           "combine_results"]

#: Stages in order.  Each needs the ones before it (the forecast stage is skipped when
#: the scenario gives a ready forecast; the roster stage when it names no agents).
STAGES = ("forecast", "requirements", "shifts", "roster", "evaluate")
#: Share of the progress bar given to each stage (rough wall-time shares).
_WEIGHTS = {"data": 0.05, "forecast": 0.10, "requirements": 0.02, "shifts": 0.33,
            "roster": 0.33, "evaluate": 0.15, "costs": 0.02}

Progress = Callable[[float, float, str], None]


@dataclass
class PlanResult:
    """Everything one plan produced.

    Attributes
    ----------
    scenario : Scenario
    history : DataFrame or None
        The history the forecast was learned from (after queue and window selection).
    forecast : DataFrame
        Forecast of the horizon, after the scenario's volume and AHT overrides; several
        queues are pooled into one (calls added, AHT workload-weighted), unless the
        scenario has skill groups: then each queue keeps its own rows, which the
        requirements, the plan and the simulation use.
    requirements : DataFrame or None
    shift_plan : SolveResult or None
        Anonymous shift plan (weeks combined).
    roster : SolveResult or None
        Named roster (weeks combined); None without agents or when not run.
    evaluation : Evaluation or None
        Erlang and simulated KPIs of the roster (or of the shift plan without roster).
    costs : CostReport or None
    kpis : dict
        Headline figures: see :data:`KPI_KEYS`.
    agents : tuple of Agent
    pooled_requirements : DataFrame or None
        Requirements of the queue sets the skill groups share
        (:func:`wfm.multiskill.pooled_requirements`).
    queue_kpis : DataFrame or None
        One row per queue: ``queue``, ``calls``, ``target``, ``priority``,
        ``agent_hours`` (on-phone hours its skill groups give it), ``cost`` (the plan's
        cost shared in proportion to those hours), ``cost_per_call``,
        ``service_level`` (Erlang on its share), ``pool_service_level`` (Erlang on its
        pool), ``sim_service_level`` (with ``_low`` / ``_high``), ``sim_asa_s``,
        ``sim_abandon_rate``, ``met`` (simulated, else Erlang, at or above target).
    weeks : list of dict
        Per planning week: ``week_start``, ``shift_plan``, ``roster`` (SolveResults).
    timings : dict
        Wall time per stage [s].
    stopped : str
        Empty, or what a stop request left out ("roster not built", "no simulation").
    """

    scenario: Scenario
    history: pd.DataFrame | None = None
    forecast: pd.DataFrame | None = None
    requirements: pd.DataFrame | None = None
    shift_plan: Any = None
    roster: Any = None
    evaluation: Any = None
    costs: Any = None
    kpis: dict = field(default_factory=dict)
    agents: tuple = ()
    pooled_requirements: pd.DataFrame | None = None
    queue_kpis: pd.DataFrame | None = None
    weeks: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    stopped: str = ""

    @property
    def final(self):
        """The roster if built, else the shift plan."""
        return self.roster if self.roster is not None else self.shift_plan

    @property
    def coverage(self) -> pd.DataFrame | None:
        """Coverage frame of the evaluation (or of the final solve)."""
        if self.evaluation is not None:
            return self.evaluation.coverage
        return None if self.final is None else self.final.coverage

    def summary(self) -> str:
        """A few lines for a terminal."""
        k = self.kpis
        cur = self.scenario.costs.currency

        def pct(x):
            return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1%}"

        def num(x, fmt):
            return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)

        lines = [
            f"scenario {self.scenario.name}: {self.scenario.horizon.week_start:%Y-%m-%d}, "
            f"{self.scenario.horizon.weeks} week(s)",
            f"  shift plan: {k.get('plan_status', 'not run')}"
            + (f", gap {pct(k.get('plan_gap'))}" if "plan_gap" in k else ""),
            f"  roster:     {k.get('roster_status', 'not run')}"
            + (f", gap {pct(k.get('roster_gap'))}" if "roster_gap" in k else ""),
            f"  weekly cost {num(k.get('weekly_cost'), ',.0f')} {cur}, "
            f"{num(k.get('fte'), '.1f')} FTE, cost per call {num(k.get('cost_per_call'), '.2f')} {cur}",
            f"  service level {pct(k.get('service_level_erlang'))} (Erlang), "
            f"{pct(k.get('service_level_sim'))} (simulated); target "
            f"{self.scenario.target.service_level:.0%} in {self.scenario.target.answer_within_s:g} s",
            f"  ASA {self._asa_text()}, abandoned {pct(k.get('abandon_rate_sim'))} "
            f"(simulated), occupancy {pct(k.get('occupancy'))}, "
            f"breaks {num(k.get('break_min_per_agent_hour'), '.1f')} min per agent-hour",
        ]
        short = k.get("understaffed_intervals")
        if short:
            lines.append(f"  {short:.0f} intervals with calls have fewer agents available than needed")
        if self.queue_kpis is not None:
            for row in self.queue_kpis.itertuples(index=False):
                simulated = np.isfinite(row.sim_service_level)
                sim = f", {row.sim_service_level:.1%} (simulated)" if simulated else ""
                how = "simulated" if simulated else "Erlang"
                asa = row.sim_asa_s if simulated else row.asa_s
                ab = row.sim_abandon_rate if simulated else row.abandon_rate
                lines.append(f"  queue {row.queue}: {row.calls:,.0f} calls, service level "
                             f"{row.service_level:.1%} (Erlang on its share){sim}; target "
                             f"{row.target:.0%}")
                lines.append(f"    ASA {num(asa, '.1f')} s, abandoned {pct(ab)} ({how}); "
                             f"cost {row.cost:,.0f} {cur}, {num(row.cost_per_call, '.2f')} "
                             f"{cur} per call offered")
        return "\n".join(lines)


    def _asa_text(self) -> str:
        """Mean wait by Erlang, or why Erlang has none, and by simulation."""
        k = self.kpis
        erl, sim = k.get("asa_s"), k.get("asa_s_sim")
        parts = []
        if erl is not None and not math.isnan(erl):
            if math.isfinite(erl):
                parts.append(f"{erl:.1f} s (Erlang)")
            else:
                from wfm.kpis import headline

                head = headline(self.coverage, self.scenario.target.service_level)
                parts.append(f"{head.asa_s:.1f} s (Erlang, leaving out {head.overloaded} "
                             "overloaded interval(s) with no finite wait)"
                             if head.asa_s == head.asa_s else
                             "no finite wait by Erlang C (every interval overloaded)")
        if sim is not None and not math.isnan(sim):
            parts.append(f"{sim:.1f} s (simulated)")
        return ", ".join(parts) or "n/a"


#: Keys of :attr:`PlanResult.kpis` (those that apply to the stages run).
KPI_KEYS = (
    "plan_status", "plan_gap", "roster_status", "roster_gap", "status",
    "calls", "calls_handled", "requirement_hours", "weekly_cost", "paid_hours", "fte",
    "cost_per_call", "overtime", "premiums", "agents", "shifts",
    "service_level_erlang", "service_level_sim", "asa_s", "asa_s_sim", "abandon_rate",
    "abandon_rate_sim", "occupancy", "occupancy_sim", "break_min_per_agent_hour",
    "understaffed_intervals",
)


def _stage_progress(progress: Progress | None, stage: str, offset: float, weight: float,
                    stop: Callable[[], bool] | None = None):
    if progress is None and stop is None:
        return None

    def inner(done: float, total: float, message: str = "") -> bool:
        """Report, and answer whether a stop was requested (True: stop)."""
        frac = 0.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
        if progress is not None:
            progress(offset + weight * frac, 1.0, f"{stage}: {message}" if message else stage)
        return bool(stop()) if stop is not None else False

    return inner


# --------------------------------------------------------------------------------------
# Demand
# --------------------------------------------------------------------------------------


def load_demand(
    scenario: Scenario,
    *,
    history: pd.DataFrame | None = None,
    forecast: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The demand of a plan: a history to forecast from, or a ready forecast.

    Parameters
    ----------
    scenario : Scenario
        Its ``data`` section names the demand when no frame is given; its ``queues``,
        ``horizon`` and ``data.train_weeks`` select from whatever is used.
    history : DataFrame, optional
        Interval history (:data:`wfm.frames.HISTORY_COLUMNS`), used instead of the
        scenario's data source; checked with :func:`wfm.frames.validate_history`.
    forecast : DataFrame, optional
        Ready forecast (:data:`wfm.frames.FORECAST_COLUMNS`), used instead of the
        scenario's data source; checked with :func:`wfm.frames.validate_forecast`.

    Returns
    -------
    (history, forecast)
        ``(history, None)`` when the plan forecasts, ``(history or None, forecast)``
        when a forecast is given.  The history is cut at the horizon's start, to
        ``train_weeks`` if set, and to the scenario's queues; the forecast is cut to
        the scenario's queues.

    Raises
    ------
    DataError
        Bad frame or file, unknown queue, or no history before the horizon when the
        plan has to forecast from it.
    """
    if history is not None or forecast is not None:
        fc = None
        if forecast is not None:
            fc = _select_queues(validate_forecast(forecast), scenario.queues, None)
        hist = None
        if history is not None:
            hist = _select_queues(validate_history(history), scenario.queues, None)
            hist = _training_window(hist, scenario, None, required=fc is None)
        return hist, fc

    import wfm.io as wio

    src = scenario.data
    if src.kind == "forecast":
        fc = _read_forecast(Path(src.forecast))
        return None, _select_queues(fc, scenario.queues, str(src.forecast))
    if src.kind == "call_records":
        hist, _report = wio.load_call_records(list(src.call_records), mapping=src.mapping,
                                              interval_min=src.interval_min,
                                              answer_within_s=scenario.target.answer_within_s)
        file = str(src.call_records[0])
    else:
        path = wio.demo_history_path() if src.history == "demo" else Path(src.history)
        hist = wio.load_history(path)
        file = str(path)
    hist = _select_queues(hist, scenario.queues, file)
    return _training_window(hist, scenario, file, required=True), None


def _training_window(history: pd.DataFrame, scenario: Scenario, file: str | None, *,
                     required: bool) -> pd.DataFrame:
    """History before the horizon start, within ``train_weeks`` if set."""
    src = scenario.data
    start = scenario.horizon.week_start
    history = history[history["interval_start"] < start]
    if src.train_weeks is not None:
        history = history[history["interval_start"] >= start - pd.Timedelta(weeks=src.train_weeks)]
    if required and history.empty:
        raise DataError(f"no history before the horizon start {start:%Y-%m-%d}"
                        + (f" within {src.train_weeks} weeks" if src.train_weeks else ""),
                        file=file)
    return history.reset_index(drop=True)


def _read_forecast(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError("forecast file not found", file=str(path))
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix in (".xlsx", ".xls"):
            frame = pd.read_excel(path)
        else:
            frame = pd.read_csv(path, dtype={"queue": str})
    except (ValueError, OSError) as exc:
        raise DataError(f"cannot read the forecast: {exc}", file=str(path)) from None
    return validate_forecast(frame, file=str(path))


def _select_queues(frame: pd.DataFrame, queues: Sequence[str], file: str | None) -> pd.DataFrame:
    if not queues:
        return frame
    known = set(frame["queue"].unique())
    for q in queues:
        if q not in known:
            raise DataError(f"unknown queue; the data has {sorted(known)}", file=file,
                            column="queue", value=q)
    return frame[frame["queue"].isin(queues)].reset_index(drop=True)


def adjusted_forecast(forecast: pd.DataFrame, scenario: Scenario, *,
                      pool: bool = True) -> pd.DataFrame:
    """The forecast with the scenario's volume factor and AHT change, queues pooled.

    Calls (and their bounds) are multiplied by ``volume_factor``, and a queue's by its
    ``queue_volume_factor`` (before the queues are pooled); ``aht_delta_s`` is added to
    the AHT of every interval with calls, which must stay > 0.  With ``pool=False`` the
    queues stay apart.

    Raises
    ------
    InputError
        A ``queue_volume_factor`` for a queue the forecast does not have, or an AHT
        change leaving an AHT ≤ 0.
    """
    fc = validate_forecast(forecast)
    ov = scenario.overrides
    cols = [c for c in ("calls", "calls_low", "calls_high") if c in fc.columns]
    if ov.volume_factor != 1.0:
        fc[cols] = fc[cols] * ov.volume_factor
    known = set(fc["queue"].astype(str))
    for q, factor in ov.queue_volume_factor.items():
        if q not in known:
            raise InputError("queue_volume_factor: queue", q,
                             "a queue of the forecast: " + ", ".join(sorted(known)))
        mine = fc["queue"].astype(str) == q
        fc.loc[mine, cols] = fc.loc[mine, cols] * factor
    if ov.aht_delta_s:
        busy = fc["calls"] > 0
        fc.loc[busy, "aht_s"] = fc.loc[busy, "aht_s"] + ov.aht_delta_s
        bad = busy & ~(fc["aht_s"] > 0)
        if bad.any():
            raise InputError("aht_delta_s", ov.aht_delta_s,
                             f"a change leaving AHT > 0 (interval {fc.loc[bad, 'interval_start'].iloc[0]})")
    queues = fc["queue"].unique()
    if len(queues) > 1 and pool:
        fc["_work"] = fc["calls"] * fc["aht_s"].fillna(0.0)
        g = fc.groupby("interval_start", as_index=False)
        pooled = g.agg(calls=("calls", "sum"), calls_low=("calls_low", "sum"),
                       calls_high=("calls_high", "sum"), _work=("_work", "sum"))
        pooled["aht_s"] = np.where(pooled["calls"] > 0,
                                   pooled["_work"] / pooled["calls"].where(pooled["calls"] > 0),
                                   np.nan)
        pooled.insert(0, "queue", "+".join(map(str, queues)))
        fc = pooled.drop(columns="_work")[["queue", "interval_start", "calls", "aht_s",
                                           "calls_low", "calls_high"]]
    return fc.reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Combining weeks
# --------------------------------------------------------------------------------------

_STATUS_ORDER = ("OPTIMAL", "FEASIBLE", "NO_SOLUTION", "INFEASIBLE", "MODEL_INVALID")


def combine_results(results: Sequence[Any]):
    """One :class:`solver.result.SolveResult` from the weekly ones (frames stacked).

    Status is the worst of the weeks; objective, bound and wall time are summed; shift
    ids get a ``w<k>-`` prefix when there are several weeks.
    """
    from solver.result import SolveResult

    if len(results) == 1:
        return results[0]
    worst = max((r.status for r in results),
                key=lambda s: _STATUS_ORDER.index(s) if s in _STATUS_ORDER else len(_STATUS_ORDER))
    shifts, breaks, cov, pen = [], [], [], []
    for k, r in enumerate(results):
        s = r.shifts.copy()
        b = r.breaks.copy()
        s["shift_id"] = f"w{k}-" + s["shift_id"].astype(str)
        b["shift_id"] = f"w{k}-" + b["shift_id"].astype(str)
        shifts.append(s)
        breaks.append(b)
        cov.append(r.coverage)
        pen.append(r.penalties)
    return SolveResult(
        status=worst,
        objective=float(sum(r.objective for r in results)),
        bound=float(sum(r.bound for r in results)),
        wall_time_s=float(sum(r.wall_time_s for r in results)),
        shifts=pd.concat(shifts, ignore_index=True),
        breaks=pd.concat(breaks, ignore_index=True),
        coverage=pd.concat(cov, ignore_index=True),
        penalties=pd.concat(pen, ignore_index=True),
        message=" | ".join(f"week {k + 1}: {r.message}" for k, r in enumerate(results) if r.message),
        stats={"weeks": [r.stats for r in results]},
    )


# --------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------


def run_plan(scenario: Scenario, *, history: pd.DataFrame | None = None,
             forecast: pd.DataFrame | None = None, progress: Progress | None = None,
             stages: Sequence[str] = STAGES,
             stop: Callable[[], bool] | None = None,
             previous: pd.DataFrame | None = None) -> PlanResult:
    """Run the scenario's plan end to end.

    Parameters
    ----------
    scenario : Scenario
        From :func:`wfm.scenarios.load_scenario` (with overrides applied).
    history : DataFrame, optional
        Interval history to forecast from, instead of the scenario's ``data`` source
        (validated with :func:`wfm.frames.validate_history`; cut to the scenario's
        queues and training window).
    forecast : DataFrame, optional
        Ready forecast, instead of the scenario's ``data`` source (validated with
        :func:`wfm.frames.validate_forecast`); the forecasting step is skipped and only
        the intervals of the horizon are planned.  With both frames, the forecast is
        used and the history is only kept in the result.  The scenario's volume and
        AHT overrides apply to either.
    progress : callable, optional
        ``progress(done, total, message)``; ``message`` starts with the stage name.
    stages : sequence of str
        Stages to run, a prefix of :data:`STAGES` in effect: e.g.
        ``("forecast", "requirements")`` for requirements only, or without ``"roster"``
        to evaluate and cost the anonymous shift plan.  ``"forecast"`` is implied when
        the scenario gives a history.
    stop : callable, optional
        ``stop()`` returns True once the user asked to stop.  A solve under way runs
        to its own end (its time limit or optimality) and keeps its best plan; then
        the plan is finished with what is solved: no roster is built after a stop
        during the shift plan, and the evaluation is by Erlang only (no simulation).
        :attr:`PlanResult.stopped` says what was left out.  The callbacks passed to
        the solvers also return ``stop()``, for a solver that stops its search on a
        true answer.
    previous : DataFrame, optional
        Shifts the agents worked before the horizon (``agent_id``, ``start``, ``end``;
        e.g. :func:`wfm.io.load_shifts` of last week's roster): the first week's rest
        and runs of working days continue from them.  Weeks are chained: each week's
        roster starts from the one before it, and the horizon's accounts (hours
        averaged over weeks; with ``horizon.mode: joint`` also the evenings and weekend
        days worked so far) go from week to week (:mod:`solver.roster.horizon`).

    Returns
    -------
    PlanResult

    Raises
    ------
    InputError
        Unknown stage, or a stage without the one it needs.
    DataError
        Bad or missing demand data.
    SolveError
        The solver found no plan (the message says which rules clash).  The error's
        ``partial`` attribute is the :class:`PlanResult` of what was done: forecast,
        requirements, the weeks solved so far with the failed week's
        :class:`solver.result.SolveResult` last in ``weeks``, and ``timings`` up to the
        failure.
    """
    from wfm.errors import SolveError

    stages = tuple(stages)
    for s in stages:
        if s not in STAGES:
            raise InputError("stages", s, "stages among " + ", ".join(STAGES))
    if "shifts" in stages and "requirements" not in stages:
        raise InputError("stages", stages, "'requirements' before 'shifts'")
    if "roster" in stages and "shifts" not in stages:
        raise InputError("stages", stages, "'shifts' before 'roster'")
    if "evaluate" in stages and "shifts" not in stages:
        raise InputError("stages", stages, "'shifts' before 'evaluate'")

    out = PlanResult(scenario=scenario)
    done = 0.0

    def step(name):
        nonlocal done
        w = _WEIGHTS[name]
        cb = _stage_progress(progress, name, done, w, stop)
        done += w
        return cb, time.perf_counter()

    def stopped() -> bool:
        return stop is not None and bool(stop())

    left_out: list[str] = []

    def report(cb, message=""):
        if cb is not None:
            cb(1.0, 1.0, message)

    # -- demand
    cb, t0 = step("data")
    if cb:
        cb(0.0, 1.0, "reading")
    history, given_forecast = load_demand(scenario, history=history, forecast=forecast)
    out.history = history
    out.timings["data"] = time.perf_counter() - t0
    report(cb, "read")

    # -- forecast
    cb, t0 = step("forecast")
    hz = scenario.horizon
    if given_forecast is not None:
        fc = given_forecast[(given_forecast["interval_start"] >= hz.week_start)
                            & (given_forecast["interval_start"] < hz.end)].reset_index(drop=True)
        if fc.empty:
            raise DataError(f"the forecast has no interval in [{hz.week_start:%Y-%m-%d}, "
                            f"{hz.end:%Y-%m-%d})",
                            file=None if forecast is not None else str(scenario.data.forecast))
    else:
        import forecasting

        fc = forecasting.forecast(history, hz.week_start, hz.end, model=scenario.forecast.model,
                                  holidays_country=scenario.forecast.holidays_country,
                                  progress=cb)
    # skill groups plan the queues together, each with its own forecast; with one
    # queue in the demand they have nothing to share and the plan is a one-queue plan
    multi = bool(scenario.skill_groups) and fc["queue"].nunique() > 1
    out.forecast = adjusted_forecast(fc, scenario, pool=not multi)
    out.timings["forecast"] = time.perf_counter() - t0
    report(cb, "done")
    if "requirements" not in stages:
        return _finish(out, progress)

    # -- requirements
    cb, t0 = step("requirements")
    from wfm.staffing import requirements as staffing_requirements

    if multi:
        _queue_requirements(out, scenario)
    else:
        out.requirements = staffing_requirements(
            out.forecast, scenario.target, scenario.shrinkage, model=scenario.staffing.model,
            patience_s=scenario.staffing.patience_s,
            min_staff_open=scenario.staffing.min_staff_open,
        )
    out.timings["requirements"] = time.perf_counter() - t0
    report(cb, "done")
    _requirement_kpis(out)
    if "shifts" not in stages:
        return _finish(out, progress)

    # -- agents (checked before any solve, so a bad file fails fast)
    want_roster = "roster" in stages and scenario.agents.given
    if want_roster:
        out.agents = scenario.resolve_agents()

    # -- shifts and roster, week by week
    import solver

    weeks = [hz.week_start + pd.Timedelta(weeks=k) for k in range(hz.weeks)]
    cb_s, t_s = step("shifts")
    cb_r, _ = step("roster") if want_roster else (None, None)
    t_roster = 0.0
    worked = previous
    ledger = _horizon_ledger(scenario, out, weeks) if want_roster else None
    for k, ws in enumerate(weeks):
        req = out.requirements[(out.requirements["interval_start"] >= ws)
                               & (out.requirements["interval_start"] < ws + pd.Timedelta(weeks=1))]
        # the shift plan is not told of a stop: a week needs its plan, and HiGHS (the
        # default) cannot be interrupted in a solve; the stop is honoured after it
        sub = _sub_progress(cb_s, k, len(weeks), answer=False)
        groups = {}
        if multi:
            pooled = out.pooled_requirements
            in_week = ((pooled["interval_start"] >= ws)
                       & (pooled["interval_start"] < ws + pd.Timedelta(weeks=1)))
            groups = {"skill_groups": scenario.skill_groups,
                      "pooled_requirements": pooled[in_week].reset_index(drop=True)}
            if want_roster:  # the plan within the hours the named agents can give
                groups["skill_supply"] = _skill_supply(out.agents, scenario, req)
        plan = solver.plan_shifts(
            req.reset_index(drop=True), scenario.templates, mode=scenario.solver.mode,
            target=scenario.target, break_policy=scenario.break_policy, week_start=ws,
            service_level_target=_sl_targets(scenario, req) if multi
            else scenario.solver.service_level_target,
            budget=scenario.solver.budget, shortfall_penalty=scenario.solver.shortfall_penalty,
            time_limit_s=scenario.solver.plan_time_limit_s,
            num_workers=scenario.solver.num_workers, progress=sub, shrinkage=scenario.shrinkage,
            **groups,
        )
        week = {"week_start": ws, "shift_plan": plan, "roster": None}
        req = req.reset_index(drop=True)
        if multi and plan.success and scenario.solver.check_rounds:
            plan, week["checks"], req = _check_by_simulation(plan, req, groups, scenario, ws, sub)
            week["shift_plan"] = plan
        _report_figures(sub, plan)
        if not plan.success:
            out.weeks.append(week)
            out.timings["shifts"] = time.perf_counter() - t_s - t_roster
            raise _with_partial(SolveError(
                f"shift plan, week of {ws:%Y-%m-%d}: {plan.status}: {plan.message}"), out)
        if want_roster and stopped():
            want_roster = False
            left_out.append("roster not built")
        if want_roster:
            t1 = time.perf_counter()
            cover = {}
            if multi:  # the requirement the plan was made for, and the pooled sets'
                week["requirements"] = req
                cover = {"requirements": req,
                         "pooled_requirements": groups["pooled_requirements"]}
            agents_k, contracts_k, carry = ledger.week_inputs(k)
            if carry is not None:
                cover["horizon_carry"] = carry
            roster = _build_roster()(
                plan, agents_k, contracts_k, scenario.templates,
                activities=scenario.activities, week_start=ws,
                time_limit_s=scenario.solver.roster_time_limit_s,
                num_workers=scenario.solver.num_workers, progress=_sub_progress(cb_r, k, len(weeks)),
                target=scenario.target, previous=worked, **cover,
            )
            t_roster += time.perf_counter() - t1
            _report_figures(_sub_progress(cb_r, k, len(weeks)), roster)
            week["roster"] = roster
            if not roster.success:
                out.weeks.append(week)
                out.timings["roster"] = t_roster
                out.timings["shifts"] = time.perf_counter() - t_s - t_roster
                raise _with_partial(SolveError(
                    f"roster, week of {ws:%Y-%m-%d}: {roster.status}: {roster.message}"), out)
            roster = ledger.record(k, roster)
            worked = roster.shifts
        out.weeks.append(week)
    out.shift_plan = combine_results([w["shift_plan"] for w in out.weeks])
    if want_roster:
        out.roster = combine_results([w["roster"] for w in out.weeks])
        out.timings["roster"] = t_roster
        report(cb_r, "done")
    out.timings["shifts"] = time.perf_counter() - t_s - t_roster
    report(cb_s, "done")

    # -- evaluation
    if "evaluate" in stages:
        cb, t0 = step("evaluate")
        from wfm.evaluate import evaluate

        sim = scenario.simulation
        simulate = sim.enabled
        if simulate and stopped():
            simulate = False
            left_out.append("no simulation")
        skills = _routing(scenario, out) if multi else {}
        out.evaluation = evaluate(
            out.final, out.forecast, scenario.target,
            patience_s=scenario.staffing.patience_s,
            simulate=simulate, replications=sim.replications, rng=sim.seed, progress=cb,
            shrinkage=scenario.shrinkage, **skills,
        )
        out.timings["evaluate"] = time.perf_counter() - t0
        report(cb, "done")

    # -- costs
    out.stopped = ", ".join(left_out)
    cb, t0 = step("costs")
    _costs(out)
    _queue_costs(out)
    out.timings["costs"] = time.perf_counter() - t0
    report(cb, "done")
    return _finish(out, progress)


def _queue_requirements(out: PlanResult, scenario: Scenario) -> None:
    """Requirements per queue (each with its own target) and of the shared queue sets."""
    from wfm.multiskill import pooled_requirements
    from wfm.staffing import requirements as staffing_requirements

    fc = out.forecast
    parts, targets = [], {}
    for q in pd.unique(fc["queue"].astype(str)):
        targets[q] = scenario.queue_target(q)
        parts.append(staffing_requirements(
            fc[fc["queue"].astype(str) == q].reset_index(drop=True), targets[q],
            scenario.shrinkage, model=scenario.staffing.model,
            patience_s=scenario.staffing.patience_s,
            min_staff_open=scenario.staffing.min_staff_open))
    out.requirements = pd.concat(parts, ignore_index=True)
    out.pooled_requirements = pooled_requirements(
        fc, scenario.skill_groups, scenario.target, scenario.shrinkage, targets=targets,
        model=scenario.staffing.model, patience_s=scenario.staffing.patience_s)


def _skill_supply(agents, scenario: Scenario, req: pd.DataFrame) -> dict:
    """Paid hours a week the named agents trained on each set of the plan's queues can
    work at most (their contracts' maximum hours), for the shift plan's group rules."""
    queues = set(req["queue"].astype(str))
    supply: dict = {}
    for a in agents:
        key = frozenset(str(q) for q in a.skills) & queues
        if key:
            supply[key] = supply.get(key, 0.0) + float(
                scenario.contracts[a.contract].max_hours_week)
    return supply


def _sl_targets(scenario: Scenario, req: pd.DataFrame) -> dict[str, float]:
    """Weekly service level per queue for a multi-skill plan in mode "service_level": a
    queue's own target (``queue_settings``), else the solver's
    ``service_level_target``, else the scenario's."""
    default = scenario.solver.service_level_target or scenario.target.service_level
    out = {}
    for q in pd.unique(req["queue"].astype(str)):
        own = scenario.queue_settings.get(q)
        out[q] = own.service_level if own is not None and own.service_level is not None \
            else default
    return out


def _check_by_simulation(plan, req, groups, scenario: Scenario, ws, progress):
    """Simulate the week's plan; where a queue misses its target, raise and plan again.

    Returns the last plan that solved, one row per round and queue (``round``,
    ``queue``, ``sim_service_level``, ``target``, ``intervals_raised``,
    ``replan_status`` of the plan made after the raise) and the requirement that plan
    was made for.
    """
    import solver
    from wfm.evaluate import evaluate
    from wfm.multiskill import raise_where_missed

    sim = scenario.simulation
    goals = {q: scenario.queue_target(q).service_level for q in pd.unique(req["queue"].astype(str))}
    fc = req[["queue", "interval_start", "calls", "aht_s"]]
    prio = {q: p for q, p in scenario.queue_priority().items() if q in goals}
    rows = []
    planned = req
    for k in range(scenario.solver.check_rounds):
        ev = evaluate(plan, fc, scenario.target, patience_s=scenario.staffing.patience_s,
                      replications=sim.replications, rng=sim.seed, shrinkage=scenario.shrinkage,
                      skill_groups=groups["skill_groups"], queue_priority=prio)
        req, raised = raise_where_missed(req, ev.simulation.intervals, goals,
                                         shrinkage=scenario.shrinkage)
        sl = ev.queues.set_index("queue")["sim_service_level"]
        rows += [{"round": k + 1, "queue": q, "sim_service_level": float(sl[q]),
                  "target": goals[q], "intervals_raised": raised.get(q, 0)} for q in goals]
        if not any(raised.values()):
            break
        again = solver.plan_shifts(
            req, scenario.templates, mode=scenario.solver.mode, target=scenario.target,
            break_policy=scenario.break_policy, week_start=ws,
            service_level_target=_sl_targets(scenario, req),
            shortfall_penalty=scenario.solver.shortfall_penalty,
            time_limit_s=scenario.solver.plan_time_limit_s,
            num_workers=scenario.solver.num_workers, progress=progress,
            shrinkage=scenario.shrinkage, **groups)
        for row in rows[-len(goals):]:
            row["replan_status"] = again.status
        if not again.success:
            break  # the last plan that solved stands; its rows say the re-plan failed
        plan, planned = again, req
    return plan, pd.DataFrame(rows), planned


def _routing(scenario: Scenario, out: PlanResult) -> dict:
    """How a multi-skill plan's calls are routed in simulation: the queues' priorities,
    and the named agents' skills (or, for an anonymous plan, the skill groups)."""
    queues = set(out.forecast["queue"])
    routing = {"queue_priority": {q: p for q, p in scenario.queue_priority().items()
                                  if q in queues}}
    if out.roster is not None:
        routing["agent_skills"] = {a.id: set(a.skills) for a in out.agents}
    else:
        routing["skill_groups"] = scenario.skill_groups
    return routing


def _with_partial(error: Exception, out: PlanResult) -> Exception:
    """``error`` carrying the result of the stages done before it (``error.partial``)."""
    error.partial = out
    return error


def _horizon_ledger(scenario: Scenario, out: PlanResult, weeks: Sequence[pd.Timestamp]):
    """The accounts the weeks' rosters share (:class:`solver.roster.horizon.HorizonLedger`),
    the joint pacing weighed by each week's requirement [agent-intervals]."""
    from solver.roster.horizon import HorizonLedger

    req = out.requirements
    weights = [float(req.loc[(req["interval_start"] >= ws)
                             & (req["interval_start"] < ws + pd.Timedelta(weeks=1)),
                             "staff_needed"].sum()) for ws in weeks]
    return HorizonLedger(out.agents, scenario.contracts, len(weeks), mode=scenario.horizon.mode,
                         week_weights=weights, templates=scenario.templates)


def _build_roster():
    try:
        from solver import build_roster
    except ImportError:  # the package may not re-export it
        from solver.roster import build_roster
    return build_roster


def _report_figures(cb, result) -> None:
    """Say a finished solve's objective and bound (``"cost X, bound Y"``, the form the
    roster's own progress messages take), so a front end can show the best plan so far."""
    if cb is None or not result.success:
        return
    cb(1.0, 1.0, f"{result.status.lower()}: cost {result.objective:,.0f}, "
                 f"bound {result.bound:,.0f}")


def _sub_progress(cb, k: int, n: int, *, answer: bool = True):
    """Week ``k`` of ``n`` of a stage's progress; with ``answer`` the solver is told the
    stage's answer (True: the user asked to stop)."""
    if cb is None:
        return None

    def inner(done, total, message=""):
        frac = 0.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
        prefix = f"week {k + 1}/{n} " if n > 1 else ""
        said = cb((k + frac) / n, 1.0, prefix + message)
        return said if answer else None

    return inner


def _requirement_kpis(out: PlanResult) -> None:
    req = out.requirements
    step_h = _interval_hours(req)
    weeks = out.scenario.horizon.weeks
    out.kpis["calls"] = float(req["calls"].sum()) / weeks
    out.kpis["requirement_hours"] = float(req["staff_needed"].sum()) * step_h / weeks
    # lower bound on cost: required scheduled hours at the cheapest hourly rate
    rates = [t.cost_per_hour for t in out.scenario.templates]
    rates += [c.cost_per_hour for c in out.scenario.contracts.values() if c.cost_per_hour is not None]
    out.kpis["requirement_cost"] = out.kpis["requirement_hours"] * min(rates)


def _interval_hours(frame: pd.DataFrame) -> float:
    starts = np.sort(frame["interval_start"].unique())
    if len(starts) < 2:
        return 0.5
    return float(np.min(np.diff(starts)) / np.timedelta64(1, "h"))


def _costs(out: PlanResult) -> None:
    from wfm.costs import weekly_costs

    s = out.scenario
    final = out.final
    ev = out.evaluation
    kp = out.kpis
    calls_total = float(out.forecast["calls"].sum())
    handled = None
    if ev is not None:
        k = ev.kpis.set_index("kpi")
        ab = k.loc["abandon_rate", "simulation"]
        if not np.isfinite(ab):
            ab = k.loc["abandon_rate", "erlang"]
        handled = calls_total * (1.0 - float(ab))
    out.costs = weekly_costs(
        final.shifts, final.breaks, s.templates, contracts=s.contracts, agents=out.agents,
        week_start=s.horizon.week_start, weeks=s.horizon.weeks,
        fte_hours_week=s.costs.fte_hours_week, calls_handled=handled, currency=s.costs.currency,
    )
    c = out.costs
    plan = out.shift_plan
    kp["plan_status"] = plan.status
    kp["plan_gap"] = float(plan.gap)
    kp["plan_objective"] = float(plan.objective)
    kp["plan_bound"] = float(plan.bound)
    if out.roster is not None:
        kp["roster_status"] = out.roster.status
        kp["roster_gap"] = float(out.roster.gap)
    kp["status"] = final.status
    kp.update({
        "weekly_cost": c.total, "paid_hours": c.paid_hours, "fte": c.fte,
        "cost_per_call": c.cost_per_call, "overtime": c.overtime, "premiums": c.premiums,
        "calls_handled": np.nan if c.calls_handled is None else c.calls_handled,
        "shifts": float(len(final.shifts)) / s.horizon.weeks,
        "agents": float(final.shifts["agent_id"].replace("", np.nan).nunique())
        if out.roster is not None else np.nan,
    })
    if ev is not None:
        k = ev.kpis.set_index("kpi")
        kp["service_level_erlang"] = float(k.loc["service_level", "erlang"])
        kp["service_level_sim"] = float(k.loc["service_level", "simulation"])
        kp["asa_s"] = float(k.loc["asa_s", "erlang"])
        kp["asa_s_sim"] = float(k.loc["asa_s", "simulation"])
        kp["abandon_rate"] = float(k.loc["abandon_rate", "erlang"])
        kp["abandon_rate_sim"] = float(k.loc["abandon_rate", "simulation"])
        kp["occupancy"] = float(k.loc["occupancy", "erlang"])
        kp["occupancy_sim"] = float(k.loc["occupancy", "simulation"])
        kp["break_min_per_agent_hour"] = float(k.loc["break_min_per_agent_hour", "erlang"])
        kp["understaffed_intervals"] = float(k.loc["understaffed_intervals", "erlang"])


def _queue_costs(out: PlanResult) -> None:
    """Per-queue KPIs: service by Erlang and simulation, cost shared by on-phone hours."""
    ev = out.evaluation
    if ev is None or ev.queues is None or out.costs is None:
        return
    s = out.scenario
    q = ev.queues.copy()
    hours = q["agent_hours"].to_numpy(float)
    share = hours / hours.sum() if hours.sum() > 0 else np.full(len(q), 1 / len(q))
    q["cost"] = out.costs.total * share
    q["cost_per_call"] = np.where(q["calls"] > 0, q["cost"] / q["calls"].where(q["calls"] > 0), np.nan)
    q["target"] = [s.queue_target(name).service_level for name in q["queue"]]
    prio = s.queue_priority()
    q["priority"] = [prio.get(name, 0) for name in q["queue"]]
    shown = np.where(np.isfinite(q["sim_service_level"]), q["sim_service_level"], q["service_level"])
    q["met"] = shown >= q["target"] - 1e-9
    for col in ("calls", "cost", "agent_hours"):  # per week, as the other KPIs
        q[col] = q[col] / s.horizon.weeks
    cols = ["queue", "calls", "target", "priority", "agent_hours", "cost", "cost_per_call",
            "service_level", "pool_service_level", "asa_s", "abandon_rate", "sim_service_level",
            "sim_service_level_low", "sim_service_level_high", "sim_asa_s", "sim_abandon_rate", "met"]
    out.queue_kpis = q[cols]


def _finish(out: PlanResult, progress: Progress | None) -> PlanResult:
    if progress is not None:
        progress(1.0, 1.0, "done")
    return out


# --------------------------------------------------------------------------------------
# Repairing a planned roster
# --------------------------------------------------------------------------------------


def repair_plan(plan: PlanResult, changes: Sequence, *, time_limit_s: float = 15.0,
                change_cost: float | None = None, simulate: bool = False):
    """Repair a plan's roster for absences, time off, new requirement and swaps.

    Parameters
    ----------
    plan : PlanResult
        A one-week plan with a named roster (from :func:`run_plan`).
    changes : sequence of wfm.changes.Absence, RequirementUpdate, ShiftSwap
    time_limit_s : float
        Limit of the repair [s].
    change_cost : float, optional
        Price of changing one agent's day (see :func:`solver.repair_roster`).
    simulate : bool
        Also simulate the repaired roster (Erlang only by default: quick).

    Returns
    -------
    (PlanResult or None, RepairResult)
        A copy of the plan with the repaired roster, evaluated and costed again (None if
        the repair failed), and the repair itself (its ``changes`` and ``swaps``).  The
        given plan is left as it was.

    Raises
    ------
    InputError
        A plan without a named roster, or of several weeks.
    """
    import dataclasses

    from solver import repair_roster
    from wfm.evaluate import evaluate

    if plan.roster is None or not plan.roster.success:
        raise InputError("plan", plan.scenario.name, "a plan with a named roster")
    if plan.scenario.horizon.weeks != 1:
        raise InputError("plan", f"{plan.scenario.horizon.weeks} weeks", "a one-week plan")
    s = plan.scenario
    multi = bool(s.skill_groups) and plan.forecast["queue"].nunique() > 1
    # the requirement the roster covered: per queue, and of the queue sets groups share
    req = plan.requirements
    pooled = {}
    if multi:
        planned = plan.weeks[0].get("requirements") if plan.weeks else None
        req = planned if planned is not None else req
        pooled = {"pooled_requirements": plan.pooled_requirements}
    res = repair_roster(plan.roster, changes, plan.agents, s.contracts, s.templates,
                        req, week_start=s.horizon.week_start, **pooled,
                        change_cost=change_cost, target=s.target, time_limit_s=time_limit_s,
                        num_workers=s.solver.num_workers)
    if not res.success:
        return None, res
    out = dataclasses.replace(plan, roster=res, kpis=dict(plan.kpis), timings=dict(plan.timings))
    out.weeks = [{**plan.weeks[0], "roster": res}] if plan.weeks else []
    skills = _routing(s, out) if multi else {}
    out.evaluation = evaluate(res, out.forecast, s.target, patience_s=s.staffing.patience_s,
                              simulate=simulate, replications=s.simulation.replications,
                              rng=s.simulation.seed, shrinkage=s.shrinkage, **skills)
    _costs(out)
    if skills:
        _queue_costs(out)
    out.timings["repair"] = res.wall_time_s
    return out, res
