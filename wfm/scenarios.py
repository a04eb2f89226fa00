"""Scenario files: one plan described completely, and what-ifs on it.

A scenario is a YAML or TOML file (see ``docs/scenario.md`` for every field).  It is
read once by :func:`load_scenario`, checked field by field, and turned into a frozen
:class:`Scenario` made of the domain types of :mod:`wfm.types`.  A bad value raises
:class:`ScenarioError` naming the file, the key path and the value::

    demo.yaml: service.target: 1.5 (expected a fraction in (0, 1))

What-ifs are :func:`apply_overrides` on a base scenario (volume ×, AHT + seconds,
service target, shrinkage, break minutes per hour, occupancy cap, hourly cost,
headcount, and per queue: one queue's volume or service-level target);
:func:`compare` lays several plan results side by side and :func:`compare_queues` does
the same queue by queue.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wfm.errors import DataError, InputError
from wfm.types import (
    WEEKDAYS,
    Activity,
    Agent,
    BreakPolicy,
    BreakRule,
    Contract,
    ServiceTarget,
    ShiftTemplate,
    Shrinkage,
    SkillGroup,
    parse_weekdays,
)

__all__ = [
    "Scenario",
    "DataSource",
    "Horizon",
    "ForecastSettings",
    "StaffingSettings",
    "AgentSource",
    "CostSettings",
    "SolverSettings",
    "SimulationSettings",
    "Overrides",
    "QueueSettings",
    "ScenarioError",
    "OVERRIDE_KEYS",
    "load_scenario",
    "load_skill_groups",
    "scenario_from_dict",
    "scenario_from_text",
    "apply_overrides",
    "compare",
    "compare_queues",
    "COMPARE_COLUMNS",
    "QUEUE_COMPARE_COLUMNS",
]


class ScenarioError(InputError):
    """A scenario field is missing, unknown or out of its domain.

    The message reads ``<file>: <key path>: <value> (expected <what>)``.
    """

    def __init__(self, file: str, key: str, value: Any, expected: str):
        self.file = file
        self.key = key
        self.parameter = key
        self.value = value
        self.expected = expected
        ValueError.__init__(self, f"{file}: {key}: {_show(value)} (expected {expected})")


def _show(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value).lower() if value is not None else "null"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# --------------------------------------------------------------------------------------
# The parts of a scenario
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSource:
    """Where the demand comes from.

    Exactly one of ``history``, ``call_records`` or ``forecast`` is set.

    Parameters
    ----------
    history : Path or None
        Interval history file (CSV, Parquet, Excel), or the string ``"demo"`` for the
        packaged demo history.
    call_records : tuple of Path
        Call-level record files, aggregated into intervals of ``interval_min``.
    mapping : str
        Column mapping of the call records (``"israeli_bank"``).
    interval_min : int
        Interval length when aggregating call records [min].
    forecast : Path or None
        A ready forecast file (forecast columns); the forecasting step is skipped.
    train_weeks : int or None
        Use only the last this many weeks of history before the horizon.
    """

    history: Path | str | None = None
    call_records: tuple[Path, ...] = ()
    mapping: str = "israeli_bank"
    interval_min: int = 30
    forecast: Path | None = None
    train_weeks: int | None = None

    @property
    def kind(self) -> str:
        """``"history"``, ``"call_records"`` or ``"forecast"``."""
        if self.forecast is not None:
            return "forecast"
        if self.call_records:
            return "call_records"
        return "history"


@dataclass(frozen=True)
class Horizon:
    """The weeks to plan.

    Parameters
    ----------
    week_start : Timestamp
        Midnight at which the first planning week starts.
    weeks : int
        Number of weeks planned, rostered one after the other, each seeing the week
        before it (rest and runs of working days across the boundary).
    mode : {"chained", "joint"}
        How the weeks' rosters share the horizon (:mod:`solver.roster.horizon`):
        ``"chained"`` spends hours averaged over weeks greedily, week by week;
        ``"joint"`` paces them by each week's requirement and rotates evenings and
        weekends across the weeks.
    """

    week_start: pd.Timestamp
    weeks: int = 1
    mode: str = "chained"

    @property
    def end(self) -> pd.Timestamp:
        """End of the horizon (exclusive)."""
        return self.week_start + pd.Timedelta(days=7 * self.weeks)


@dataclass(frozen=True)
class ForecastSettings:
    """Forecasting model (``"auto"`` picks by backtest) and holiday calendar."""

    model: str = "auto"
    holidays_country: str | None = None


@dataclass(frozen=True)
class StaffingSettings:
    """Queueing model of the requirements.

    Parameters
    ----------
    model : {"erlang_c", "erlang_a"}
        Erlang A when callers hang up (needs ``patience_s``).
    patience_s : float or None
        Mean caller patience [s].
    min_staff_open : int
        Least agents on the phones whenever the centre is open.
    """

    model: str = "erlang_c"
    patience_s: float | None = None
    min_staff_open: int = 0


@dataclass(frozen=True)
class AgentSource:
    """The named agents: from a file or generated.

    Parameters
    ----------
    file : Path or None
        Agents CSV (see ``docs/scenario.md``).
    listed : tuple of Agent
        Agents written in the scenario itself (the ``agents.list`` key: rows with
        the CSV's columns), e.g. as edited in the app.
    n : int or None
        Number of agents to generate when there is no file.
    mix : mapping contract name -> share
        Shares of the generated agents per contract (sum 1).
    seed : int
        Seed of the generator.
    headcount : int or None
        Keep only the first this many agents (file order).
    cost_per_hour : float or None
        Replaces every agent's own hourly cost [currency/h].
    """

    file: Path | None = None
    n: int | None = None
    mix: Mapping[str, float] = field(default_factory=dict)
    listed: tuple[Agent, ...] = ()
    seed: int = 0
    headcount: int | None = None
    cost_per_hour: float | None = None

    @property
    def given(self) -> bool:
        """Whether the scenario names agents at all (otherwise no roster is built)."""
        return self.file is not None or self.n is not None or bool(self.listed)


@dataclass(frozen=True)
class CostSettings:
    """Money settings that are not per template or contract.

    Parameters
    ----------
    currency : str
        Label of the currency in reports.
    fte_hours_week : float
        Paid hours of one full-time equivalent per week [h].
    """

    currency: str = "EUR"
    fte_hours_week: float = 40.0


@dataclass(frozen=True)
class SolverSettings:
    """Solver settings of the shift plan and the roster.

    Parameters
    ----------
    mode : {"coverage", "service_level", "budget"}
        Objective of the shift plan.
    plan_time_limit_s, roster_time_limit_s : float
        Time limit of each solve [s].
    num_workers : int
        CP-SAT / MIP worker threads.
    service_level_target : float or None
        Weekly (volume-weighted) service level in ``service_level`` mode.
    budget : float or None
        Weekly budget in ``budget`` mode [currency].
    shortfall_penalty : float or None
        Cost of one missing agent-interval in ``coverage`` mode (solver default if None).
    check_rounds : int
        Multi-skill plans: rounds of simulating the shift plan (routing by skill and
        priority) and, where a queue misses its target, raising its requirement where
        it missed most and planning the week again (0: no check).
    """

    mode: str = "coverage"
    plan_time_limit_s: float = 30.0
    roster_time_limit_s: float = 30.0
    num_workers: int = 2
    service_level_target: float | None = None
    budget: float | None = None
    shortfall_penalty: float | None = None
    check_rounds: int = 0


@dataclass(frozen=True)
class SimulationSettings:
    """Discrete-event simulation of the roster.

    Parameters
    ----------
    enabled : bool
        Simulate (otherwise Erlang only).
    replications : int
        Independent replications.
    seed : int
        Seed of the random generator.
    """

    enabled: bool = True
    replications: int = 5
    seed: int = 0


@dataclass(frozen=True)
class Overrides:
    """What-if changes applied to a base scenario (``None``: unchanged).

    ``volume_factor``, ``aht_delta_s`` and ``queue_volume_factor`` act on the forecast
    inside the pipeline; the other fields have already been written into the scenario's
    own parts and are kept here as a record of what was changed.

    ``queue_volume_factor`` maps a queue to the factor of its calls (on top of
    ``volume_factor``); ``queue_service_level`` maps a queue to its new service-level
    target (written into :attr:`Scenario.queue_settings`).
    """

    volume_factor: float = 1.0
    aht_delta_s: float = 0.0
    service_level: float | None = None
    answer_within_s: float | None = None
    shrinkage: float | None = None
    break_min_per_hour: float | None = None
    max_occupancy: float | None = None
    cost_per_hour: float | None = None
    headcount: int | None = None
    queue_volume_factor: Mapping[str, float] = field(default_factory=dict)
    queue_service_level: Mapping[str, float] = field(default_factory=dict)

    def changed(self) -> dict[str, Any]:
        """The fields that differ from "no change"."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            default = f.default_factory() if f.default is dataclasses.MISSING else f.default
            if value != default:
                out[f.name] = value
        return out


#: Keyword arguments accepted by :func:`apply_overrides`.
OVERRIDE_KEYS = tuple(f.name for f in dataclasses.fields(Overrides))


@dataclass(frozen=True)
class QueueSettings:
    """What one queue of a multi-queue plan has of its own.

    Parameters
    ----------
    service_level : float or None
        The queue's service-level target (fraction); None: the scenario's.
    priority : int
        Routing priority, lower is answered first when agents are short.
    """

    service_level: float | None = None
    priority: int = 0


@dataclass(frozen=True)
class Scenario:
    """All the inputs of one plan.

    Built by :func:`load_scenario`; change it with :func:`apply_overrides` or
    :func:`dataclasses.replace`.  See ``docs/scenario.md`` for the file format.
    """

    name: str
    horizon: Horizon
    data: DataSource
    queues: tuple[str, ...] = ()
    forecast: ForecastSettings = ForecastSettings()
    target: ServiceTarget = ServiceTarget()
    staffing: StaffingSettings = StaffingSettings()
    shrinkage: Shrinkage = Shrinkage()
    break_policy: BreakPolicy = BreakPolicy()
    templates: tuple[ShiftTemplate, ...] = ()
    contracts: Mapping[str, Contract] = field(default_factory=dict)
    agents: AgentSource = AgentSource()
    activities: tuple[Activity, ...] = ()
    costs: CostSettings = CostSettings()
    solver: SolverSettings = SolverSettings()
    simulation: SimulationSettings = SimulationSettings()
    overrides: Overrides = Overrides()
    description: str = ""
    source: str | None = None
    source_text: str | None = None
    skill_groups: tuple[SkillGroup, ...] = ()
    queue_settings: Mapping[str, QueueSettings] = field(default_factory=dict)

    def queue_target(self, queue: str) -> ServiceTarget:
        """The service target of one queue (its own service level, else the scenario's)."""
        own = self.queue_settings.get(queue)
        if own is None or own.service_level is None:
            return self.target
        return dataclasses.replace(self.target, service_level=own.service_level)

    def queue_priority(self) -> dict[str, int]:
        """``queue -> priority`` of the queues with settings (others 0)."""
        return {q: qs.priority for q, qs in self.queue_settings.items()}

    def to_dict(self) -> dict[str, Any]:
        """The scenario as a file-shaped mapping (JSON/YAML-safe).

        ``scenario_from_dict(s.to_dict())`` rebuilds an equal scenario; fields changed
        by overrides appear with their new values, and ``overrides`` keeps only the
        forecast changes (``volume_factor``, ``aht_delta_s``, ``queue_volume_factor``).
        """
        return _to_dict(self)

    def resolve_agents(self) -> tuple[Agent, ...]:
        """The named agents of the plan (read or generated), after headcount and cost."""
        return _resolve_agents(self)


# --------------------------------------------------------------------------------------
# Field converters: each takes (value, key) and returns the typed value or raises
# --------------------------------------------------------------------------------------


class _Ctx:
    def __init__(self, file: str, base_dir: Path):
        self.file = file
        self.base_dir = base_dir

    def fail(self, key: str, value: Any, expected: str):
        raise ScenarioError(self.file, key, value, expected)


Conv = Callable[[Any, str, _Ctx], Any]


def _is_num(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _int(v, key, ctx):
    if isinstance(v, bool) or not isinstance(v, int):
        ctx.fail(key, v, "an integer")
    return v


def _pos_int(v, key, ctx):
    v = _int(v, key, ctx)
    if v < 1:
        ctx.fail(key, v, "an integer >= 1")
    return v


def _nonneg_int(v, key, ctx):
    v = _int(v, key, ctx)
    if v < 0:
        ctx.fail(key, v, "an integer >= 0")
    return v


def _float(v, key, ctx):
    if not _is_num(v) or not math.isfinite(v):
        ctx.fail(key, v, "a number")
    return float(v)


def _nonneg(v, key, ctx):
    v = _float(v, key, ctx)
    if v < 0:
        ctx.fail(key, v, "a number >= 0")
    return v


def _positive(v, key, ctx):
    v = _float(v, key, ctx)
    if v <= 0:
        ctx.fail(key, v, "a number > 0")
    return v


def _fraction_open(v, key, ctx):
    if not _is_num(v) or not 0 < v < 1:
        ctx.fail(key, v, "a fraction in (0, 1)")
    return float(v)


def _fraction_half_open(v, key, ctx):
    if not _is_num(v) or not 0 <= v < 1:
        ctx.fail(key, v, "a fraction in [0, 1)")
    return float(v)


def _fraction_upper(v, key, ctx):
    if not _is_num(v) or not 0 < v <= 1:
        ctx.fail(key, v, "a fraction in (0, 1]")
    return float(v)


def _bool(v, key, ctx):
    if not isinstance(v, bool):
        ctx.fail(key, v, "true or false")
    return v


def _str(v, key, ctx):
    if not isinstance(v, str) or not v.strip():
        ctx.fail(key, v, "a non-empty text")
    return v


def _choice(*options: str) -> Conv:
    def conv(v, key, ctx):
        if v not in options:
            ctx.fail(key, v, "one of " + ", ".join(repr(o) for o in options))
        return v

    return conv


def _opt(conv: Conv) -> Conv:
    def opt(v, key, ctx):
        return None if v is None else conv(v, key, ctx)

    opt.inner = conv  # type: ignore[attr-defined]
    return opt


_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def _minutes(v, key, ctx):
    """Minutes as an integer, or ``"H:MM"`` (``"22:30"`` = 1350, ``"25:00"`` = 1500)."""
    if isinstance(v, str):
        m = _HHMM.match(v.strip())
        if not m or int(m.group(2)) >= 60:
            ctx.fail(key, v, "minutes as an integer or a time 'H:MM'")
        return int(m.group(1)) * 60 + int(m.group(2))
    v = _int(v, key, ctx)
    if v < 0:
        ctx.fail(key, v, "minutes >= 0")
    return v


_DAY_NAMES = {name.lower(): i for i, name in enumerate(WEEKDAYS)}


def _days(v, key, ctx):
    """Weekdays: a list of 0..6 or names, or a text such as ``"Mon-Fri"``, ``"all"``."""
    if isinstance(v, list | tuple):
        if not v:
            ctx.fail(key, v, "a list of weekdays (0 = Mon ... 6 = Sun, or 'Mon' ...)")
        for i, d in enumerate(v):  # name the bad element, not the whole list
            try:
                parse_weekdays(d, key)
            except InputError:
                ctx.fail(f"{key}[{i}]", d, "a weekday 0 (Mon) to 6 (Sun) or a name 'Mon' ... 'Sun'")
    try:
        return parse_weekdays(v, key)
    except InputError as exc:
        ctx.fail(key, v, exc.expected)


def _path(v, key, ctx):
    if not isinstance(v, str) or not v.strip():
        ctx.fail(key, v, "a file path")
    p = Path(v).expanduser()
    return p if p.is_absolute() else (ctx.base_dir / p)


def _path_list(v, key, ctx):
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list | tuple) or not v:
        ctx.fail(key, v, "a file path or a list of file paths")
    return tuple(_path(p, f"{key}[{i}]", ctx) for i, p in enumerate(v))


def _str_list(v, key, ctx):
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list | tuple):
        ctx.fail(key, v, "a list of names")
    return tuple(_str(s, f"{key}[{i}]", ctx) for i, s in enumerate(v))


def _timestamp(v, key, ctx):
    import datetime as dt

    if isinstance(v, dt.datetime | dt.date | str):
        try:
            ts = pd.Timestamp(v)
        except (ValueError, TypeError):
            ts = None
        if ts is not None and ts is not pd.NaT and ts.tzinfo is None:
            if ts != ts.normalize():
                ctx.fail(key, v, "a date at midnight (YYYY-MM-DD)")
            return ts
    ctx.fail(key, v, "a date YYYY-MM-DD")


def _agent_list(v, key, ctx):
    """Agents as a list of mappings with the agents CSV's columns."""
    from wfm.agents import AGENT_COLUMNS, agents_from_frame

    if not isinstance(v, list | tuple) or not v:
        ctx.fail(key, v, "a list of agents (mappings with id, contract, ...)")
    rows = []
    for i, item in enumerate(v):
        if not isinstance(item, Mapping):
            ctx.fail(f"{key}[{i}]", item, "a mapping with id, contract, ...")
        for k in item:
            if k not in AGENT_COLUMNS:
                ctx.fail(f"{key}[{i}].{k}", item[k], "one of the keys " + ", ".join(AGENT_COLUMNS))
        rows.append({k: _agent_cell(item[k]) for k in item})
    frame = pd.DataFrame(rows, columns=[c for c in AGENT_COLUMNS
                                        if any(c in r for r in rows)]).fillna("")
    try:
        return tuple(agents_from_frame(frame, first_row=0))
    except DataError as exc:
        problem = exc.problem
        for lead in ("not ", "expected "):
            if problem.startswith(lead):
                problem = problem[len(lead):]
                break
        else:
            problem = f"a value without this problem: {problem}"
        ctx.fail(f"{key}[{exc.row}].{exc.column}", exc.value, problem)


def _agent_cell(value) -> str:
    """One cell of an agents row as the CSV would hold it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ";".join(str(x) for x in value)
    return str(value)


def _hours_over_weeks(v, key, ctx):
    """``{weeks: 4, max_hours: 160}``: paid hours averaged over a block of weeks."""
    from wfm.types import HoursOverWeeks

    if not isinstance(v, Mapping):
        ctx.fail(key, v, "a mapping with weeks and max_hours, e.g. {weeks: 4, max_hours: 160}")
    for k in ("weeks", "max_hours"):
        if k not in v:
            ctx.fail(f"{key}.{k}", None, "a value (this key is required)")
    for k in v:
        if k not in ("weeks", "max_hours"):
            ctx.fail(f"{key}.{k}", v[k], "one of the keys weeks, max_hours")
    weeks = _int(v["weeks"], f"{key}.weeks", ctx)
    if not _is_num(v["max_hours"]):
        ctx.fail(f"{key}.max_hours", v["max_hours"], "hours > 0")
    try:
        return HoursOverWeeks(weeks, float(v["max_hours"]))
    except InputError as exc:
        ctx.fail(f"{key}.{str(exc.parameter).split('.')[-1]}", exc.value, exc.expected)


def _mix(v, key, ctx):
    if not isinstance(v, Mapping) or not v:
        ctx.fail(key, v, "a mapping contract name -> share")
    out = {}
    for name, share in v.items():
        if not _is_num(share) or share < 0:
            ctx.fail(f"{key}.{name}", share, "a share >= 0")
        out[str(name)] = float(share)
    if abs(sum(out.values()) - 1.0) > 1e-6:
        ctx.fail(key, v, f"shares that sum to 1 (they sum to {sum(out.values()):g})")
    return out


def _per_queue(conv: Conv) -> Conv:
    """A mapping queue name -> value, each value checked by ``conv``."""

    def per_queue(v, key, ctx):
        if not isinstance(v, Mapping) or not v:
            ctx.fail(key, v, "a mapping queue name -> value, e.g. {premium: 1.2}")
        return {str(q): conv(x, f"{key}.{q}", ctx) for q, x in v.items()}

    return per_queue


def _shrinkage(v, key, ctx):
    """A fraction, or ``{components: {name: fraction}}`` combined multiplicatively."""
    if isinstance(v, Mapping):
        unknown = set(v) - {"fraction", "components"}
        if unknown:
            ctx.fail(f"{key}.{sorted(unknown)[0]}", v[sorted(unknown)[0]], "fraction or components")
        if "fraction" in v and "components" in v:
            ctx.fail(key, dict(v), "either fraction or components, not both")
        if "components" in v:
            comps = v["components"]
            if not isinstance(comps, Mapping) or not comps:
                ctx.fail(f"{key}.components", comps, "a mapping name -> fraction")
            clean = {
                str(n): _fraction_half_open(f, f"{key}.components.{n}", ctx) for n, f in comps.items()
            }
            return Shrinkage.from_components(**clean)
        if "fraction" not in v:
            ctx.fail(key, dict(v), "fraction or components")
        v = v["fraction"]
        key = f"{key}.fraction"
    return Shrinkage(_fraction_half_open(v, key, ctx))


# --------------------------------------------------------------------------------------
# Section specs: file key -> (dataclass field, converter).  docs/scenario.md lists them all.
# --------------------------------------------------------------------------------------

DATA_SPEC: dict[str, tuple[str, Conv]] = {
    "history": ("history", _opt(_str)),
    "call_records": ("call_records", _path_list),
    "mapping": ("mapping", _str),
    "interval_min": ("interval_min", _pos_int),
    "forecast": ("forecast", _opt(_path)),
    "train_weeks": ("train_weeks", _opt(_pos_int)),
}
HORIZON_SPEC = {
    "week_start": ("week_start", _timestamp),
    "weeks": ("weeks", _pos_int),
    "mode": ("mode", _choice("chained", "joint")),
}
FORECAST_SPEC = {
    "model": ("model", _str),
    "holidays_country": ("holidays_country", _opt(_str)),
}
SERVICE_SPEC = {
    "target": ("service_level", _fraction_open),
    "answer_within_s": ("answer_within_s", _nonneg),
    "max_occupancy": ("max_occupancy", _fraction_upper),
    "max_asa_s": ("max_asa_s", _opt(_positive)),
    "max_abandon_rate": ("max_abandon_rate", _opt(_fraction_open)),
}
STAFFING_SPEC = {
    "model": ("model", _choice("erlang_c", "erlang_a")),
    "patience_s": ("patience_s", _opt(_positive)),
    "min_staff_open": ("min_staff_open", _nonneg_int),
}
BREAK_POLICY_SPEC = {
    "min_break_min_per_hour": ("min_break_min_per_hour", _nonneg),
}
BREAK_SPEC = {
    "name": ("name", _str),
    "length_min": ("length_min", _minutes),
    "earliest_start_min": ("earliest_start_min", _minutes),
    "latest_start_min": ("latest_start_min", _minutes),
    "paid": ("paid", _bool),
    "min_gap_min": ("min_gap_min", _minutes),
    "max_length_min": ("max_length_min", _opt(_minutes)),
}
TEMPLATE_SPEC = {
    "name": ("name", _str),
    "length_min": ("length_min", _minutes),
    "earliest_start_min": ("earliest_start_min", _minutes),
    "latest_start_min": ("latest_start_min", _minutes),
    "start_step_min": ("start_step_min", _minutes),
    "days": ("days", _days),
    "breaks": ("breaks", None),  # list of BREAK_SPEC, handled apart
    "cost_per_hour": ("cost_per_hour", _nonneg),
    "night_premium": ("night_premium", _nonneg),
    "weekend_premium": ("weekend_premium", _nonneg),
    "weekend_days": ("weekend_days", _days),
    "max_count": ("max_count", _opt(_nonneg_int)),
}
CONTRACT_SPEC = {
    "name": ("name", _str),
    "min_hours_week": ("min_hours_week", _nonneg),
    "max_hours_week": ("max_hours_week", _nonneg),
    "min_days_week": ("min_days_week", _nonneg_int),
    "max_days_week": ("max_days_week", _nonneg_int),
    "max_consecutive_days": ("max_consecutive_days", _pos_int),
    "min_rest_h": ("min_rest_h", _nonneg),
    "two_consecutive_days_off": ("two_consecutive_days_off", _bool),
    "max_weekend_days": ("max_weekend_days", _opt(_nonneg_int)),
    "weekend_days": ("weekend_days", _days),
    "employment": ("employment", _choice("full_time", "part_time")),
    "cost_per_hour": ("cost_per_hour", _opt(_nonneg)),
    "overtime_after_h": ("overtime_after_h", _opt(_nonneg)),
    "overtime_premium": ("overtime_premium", _nonneg),
    "hours_over_weeks": ("hours_over_weeks", _opt(_hours_over_weeks)),
}
AGENTS_SPEC = {
    "file": ("file", _opt(_path)),
    "list": ("listed", _agent_list),
    "n": ("n", _opt(_pos_int)),
    "mix": ("mix", _mix),
    "seed": ("seed", _nonneg_int),
    "headcount": ("headcount", _opt(_pos_int)),
    "cost_per_hour": ("cost_per_hour", _opt(_nonneg)),
}
ACTIVITY_SPEC = {
    "name": ("name", _str),
    "length_min": ("length_min", _minutes),
    "team": ("team", _opt(_str)),
    "attendees": ("attendees", _str_list),
    "days": ("days", _days),
    "earliest_start_min": ("earliest_start_min", _minutes),
    "latest_start_min": ("latest_start_min", _minutes),
    "together": ("together", _bool),
}
COSTS_SPEC = {
    "currency": ("currency", _str),
    "fte_hours_week": ("fte_hours_week", _positive),
}
SOLVER_SPEC = {
    "mode": ("mode", _choice("coverage", "service_level", "budget")),
    "plan_time_limit_s": ("plan_time_limit_s", _positive),
    "roster_time_limit_s": ("roster_time_limit_s", _positive),
    "num_workers": ("num_workers", _pos_int),
    "service_level_target": ("service_level_target", _opt(_fraction_open)),
    "budget": ("budget", _opt(_positive)),
    "shortfall_penalty": ("shortfall_penalty", _opt(_nonneg)),
    "check_rounds": ("check_rounds", _nonneg_int),
}
SIMULATION_SPEC = {
    "enabled": ("enabled", _bool),
    "replications": ("replications", _pos_int),
    "seed": ("seed", _nonneg_int),
}
OVERRIDES_SPEC = {
    "volume_factor": ("volume_factor", _positive),
    "aht_delta_s": ("aht_delta_s", _float),
    "service_level": ("service_level", _fraction_open),
    "answer_within_s": ("answer_within_s", _nonneg),
    "shrinkage": ("shrinkage", _fraction_half_open),
    "break_min_per_hour": ("break_min_per_hour", _nonneg),
    "max_occupancy": ("max_occupancy", _fraction_upper),
    "cost_per_hour": ("cost_per_hour", _nonneg),
    "headcount": ("headcount", _pos_int),
    "queue_volume_factor": ("queue_volume_factor", _per_queue(_positive)),
    "queue_service_level": ("queue_service_level", _per_queue(_fraction_open)),
}
SKILL_GROUP_SPEC = {
    "name": ("name", _str),
    "queues": ("queues", _str_list),
    "max_share": ("max_share", _opt(_fraction_upper)),
}
QUEUE_SETTINGS_SPEC = {
    "target": ("service_level", _opt(_fraction_open)),
    "priority": ("priority", _int),
}
#: Top-level keys of a scenario file.
TOP_KEYS = (
    "name",
    "description",
    "data",
    "horizon",
    "queues",
    "queue_settings",
    "skill_groups",
    "forecast",
    "service",
    "staffing",
    "shrinkage",
    "break_policy",
    "shift_templates",
    "contracts",
    "agents",
    "activities",
    "costs",
    "solver",
    "simulation",
    "overrides",
)
#: Every section spec, by section name (for the docs test).
SECTION_SPECS = {
    "data": DATA_SPEC,
    "horizon": HORIZON_SPEC,
    "forecast": FORECAST_SPEC,
    "service": SERVICE_SPEC,
    "staffing": STAFFING_SPEC,
    "break_policy": BREAK_POLICY_SPEC,
    "shift_templates": TEMPLATE_SPEC,
    "shift_templates[].breaks": BREAK_SPEC,
    "contracts": CONTRACT_SPEC,
    "agents": AGENTS_SPEC,
    "activities": ACTIVITY_SPEC,
    "costs": COSTS_SPEC,
    "solver": SOLVER_SPEC,
    "simulation": SIMULATION_SPEC,
    "overrides": OVERRIDES_SPEC,
    "skill_groups": SKILL_GROUP_SPEC,
    "queue_settings": QUEUE_SETTINGS_SPEC,
}


def _section(raw, spec, key, ctx, *, required=()) -> dict[str, Any]:
    """Convert a mapping with ``spec``; unknown keys and missing required keys fail."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        ctx.fail(key, raw, "a mapping of " + ", ".join(spec))
    for k in raw:
        if k not in spec:
            ctx.fail(f"{key}.{k}" if key else str(k), raw[k], "one of the keys " + ", ".join(spec))
    for k in required:
        if k not in raw:
            ctx.fail(f"{key}.{k}", None, "a value (this key is required)")
    out = {}
    for k, value in raw.items():
        name, conv = spec[k]
        if conv is not None:
            out[name] = conv(value, f"{key}.{k}", ctx)
    return out


def _construct(cls, kwargs: dict[str, Any], key: str, spec, ctx):
    """Build a domain type; its own checks become errors on the right key path."""
    try:
        return cls(**kwargs)
    except InputError as exc:
        param = str(exc.parameter)
        head, dot, rest = param.partition(".")  # "hours_over_weeks.max_hours"
        file_key = next((k for k, (name, _) in spec.items() if name == head), None)
        if file_key is not None:
            ctx.fail(f"{key}.{file_key}{dot}{rest}", exc.value, exc.expected)
        ctx.fail(key, exc.value, f"{exc.expected} ({param})")


def _list_of(raw, key, ctx, build) -> tuple:
    if raw is None:
        return ()
    if not isinstance(raw, list | tuple):
        ctx.fail(key, raw, "a list")
    return tuple(build(item, f"{key}[{i}]") for i, item in enumerate(raw))


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file (``.yaml``, ``.yml`` or ``.toml``).

    Relative paths inside the file are relative to the file's folder.  The file's
    ``overrides`` section is applied on load (see :func:`apply_overrides`).

    Raises
    ------
    ScenarioError
        A field is missing, unknown or out of range; the message names the file, the
        key path and the value.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(str(path), "(file)", str(path), "an existing scenario file")
    text = path.read_text(encoding="utf-8")
    fmt = "toml" if path.suffix.lower() == ".toml" else "yaml"
    return scenario_from_text(text, fmt=fmt, file=path.name, base_dir=path.resolve().parent,
                              source=str(path))


def load_skill_groups(path: str | Path) -> tuple[tuple[SkillGroup, ...], dict[str, QueueSettings]]:
    """Read skill groups (and the queues' settings) from a YAML or TOML file.

    The file is a scenario (its ``skill_groups``, ``queue_settings`` and ``queues``
    are read, the rest ignored) or holds only those sections; a bare list is the list
    of groups.  Fields as in a scenario (``docs/scenario.md``).

    Returns
    -------
    (tuple of SkillGroup, dict queue -> QueueSettings)

    Raises
    ------
    ScenarioError
        A missing file, no group, or a bad field (named with its key path and value).
    """
    path = Path(path)
    ctx = _Ctx(path.name, path.resolve().parent)
    if not path.is_file():
        ctx.fail("(file)", str(path), "an existing skill-group file")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".toml":
            raw = tomllib.loads(text)
        else:
            import yaml

            raw = yaml.safe_load(text)
    except Exception as exc:  # noqa: BLE001 - the parser's own message is the useful part
        ctx.fail("(file)", str(exc).replace("\n", " "), "valid YAML or TOML")
    if isinstance(raw, list):
        raw = {"skill_groups": raw}
    if not isinstance(raw, Mapping) or not raw.get("skill_groups"):
        ctx.fail("skill_groups", None, "a list of skill groups (name, queues, max_share)")
    queues = raw.get("queues")
    if queues is None:  # the queues the groups name
        queues = sorted({str(q) for g in raw["skill_groups"] if isinstance(g, Mapping)
                         for q in (g.get("queues") or [])})
    return _skills(raw, [str(q) for q in queues], ctx)


def scenario_from_text(
    text: str,
    *,
    fmt: str = "yaml",
    file: str = "<scenario>",
    base_dir: str | Path | None = None,
    source: str | None = None,
) -> Scenario:
    """Parse scenario text in ``fmt`` ("yaml" or "toml"); see :func:`load_scenario`."""
    if fmt == "toml":
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(file, "(file)", str(exc), "valid TOML") from None
    elif fmt == "yaml":
        import yaml

        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ScenarioError(file, "(file)", str(exc).replace("\n", " "), "valid YAML") from None
    else:
        raise InputError("fmt", fmt, "'yaml' or 'toml'")
    scenario = scenario_from_dict(raw, file=file, base_dir=base_dir)
    return dataclasses.replace(scenario, source=source, source_text=text)


def scenario_from_dict(
    raw: Mapping[str, Any], *, file: str = "<scenario>", base_dir: str | Path | None = None
) -> Scenario:
    """Build a :class:`Scenario` from a file-shaped mapping (the parsed YAML/TOML)."""
    ctx = _Ctx(file, Path.cwd() if base_dir is None else Path(base_dir))
    if not isinstance(raw, Mapping):
        ctx.fail("(top)", raw, "a mapping of sections")
    for k in raw:
        if k not in TOP_KEYS:
            ctx.fail(str(k), raw[k], "one of the sections " + ", ".join(TOP_KEYS))
    for k in ("name", "data", "horizon", "shift_templates"):
        if k not in raw:
            ctx.fail(k, None, "a value (this section is required)")

    name = _str(raw["name"], "name", ctx)
    description = raw.get("description", "") or ""
    if not isinstance(description, str):
        ctx.fail("description", description, "a text")

    data_kw = _section(raw["data"], DATA_SPEC, "data", ctx)
    given = [k for k in ("history", "call_records", "forecast") if data_kw.get(k)]
    if len(given) != 1:
        ctx.fail("data", dict(raw["data"] or {}), "exactly one of history, call_records, forecast")
    if data_kw.get("history") is not None and data_kw["history"] != "demo":
        data_kw["history"] = _path(data_kw["history"], "data.history", ctx)
    data = DataSource(**data_kw)

    horizon = Horizon(**_section(raw["horizon"], HORIZON_SPEC, "horizon", ctx, required=("week_start",)))
    queues = _str_list(raw.get("queues") or [], "queues", ctx)
    forecast = ForecastSettings(**_section(raw.get("forecast"), FORECAST_SPEC, "forecast", ctx))
    target = _construct(ServiceTarget, _section(raw.get("service"), SERVICE_SPEC, "service", ctx),
                        "service", SERVICE_SPEC, ctx)
    staffing = StaffingSettings(**_section(raw.get("staffing"), STAFFING_SPEC, "staffing", ctx))
    if staffing.model == "erlang_a" and staffing.patience_s is None:
        ctx.fail("staffing.patience_s", None, "a mean patience in seconds with model 'erlang_a'")
    if staffing.model == "erlang_c" and staffing.patience_s is not None:
        ctx.fail("staffing.patience_s", staffing.patience_s, "no patience with model 'erlang_c'")
    if target.max_abandon_rate is not None and staffing.model != "erlang_a":
        ctx.fail("service.max_abandon_rate", target.max_abandon_rate, "staffing.model 'erlang_a'")
    shrinkage = _shrinkage(raw.get("shrinkage", 0.30), "shrinkage", ctx)
    break_policy = _construct(
        BreakPolicy, _section(raw.get("break_policy"), BREAK_POLICY_SPEC, "break_policy", ctx),
        "break_policy", BREAK_POLICY_SPEC, ctx,
    )

    def build_break(item, key):
        kw = _section(item, BREAK_SPEC, key, ctx,
                      required=("name", "length_min", "earliest_start_min", "latest_start_min"))
        return _construct(BreakRule, kw, key, BREAK_SPEC, ctx)

    def build_template(item, key):
        kw = _section(item, TEMPLATE_SPEC, key, ctx, required=("name", "length_min"))
        kw["breaks"] = _list_of(item.get("breaks"), f"{key}.breaks", ctx, build_break)
        return _construct(ShiftTemplate, kw, key, TEMPLATE_SPEC, ctx)

    templates = _list_of(raw["shift_templates"], "shift_templates", ctx, build_template)
    if not templates:
        ctx.fail("shift_templates", raw["shift_templates"], "at least one shift template")
    _unique([t.name for t in templates], "shift_templates", ctx)

    def build_contract(item, key):
        kw = _section(item, CONTRACT_SPEC, key, ctx, required=("name",))
        return _construct(Contract, kw, key, CONTRACT_SPEC, ctx)

    contract_list = _list_of(raw.get("contracts"), "contracts", ctx, build_contract)
    _unique([c.name for c in contract_list], "contracts", ctx)
    contracts = {c.name: c for c in contract_list}

    agents = AgentSource(**_section(raw.get("agents"), AGENTS_SPEC, "agents", ctx))
    if sum((agents.file is not None, agents.n is not None, bool(agents.listed))) > 1:
        ctx.fail("agents", dict(raw["agents"]), "one of file, list and n, not several")
    if agents.n is not None:
        if not agents.mix:
            if len(contracts) != 1:
                ctx.fail("agents.mix", None, "shares per contract when there are several contracts")
            agents = dataclasses.replace(agents, mix={next(iter(contracts)): 1.0})
        for cname in agents.mix:
            if cname not in contracts:
                ctx.fail(f"agents.mix.{cname}", agents.mix[cname],
                         "a contract named in contracts: " + ", ".join(contracts))
    for i, agent in enumerate(agents.listed):
        if agent.contract not in contracts:
            ctx.fail(f"agents.list[{i}].contract", agent.contract,
                     "a contract named in contracts: " + ", ".join(contracts))
    if agents.given and not contracts:
        ctx.fail("contracts", None, "at least one contract when agents are given")

    def build_activity(item, key):
        kw = _section(item, ACTIVITY_SPEC, key, ctx, required=("name", "length_min"))
        return _construct(Activity, kw, key, ACTIVITY_SPEC, ctx)

    activities = _list_of(raw.get("activities"), "activities", ctx, build_activity)
    costs = CostSettings(**_section(raw.get("costs"), COSTS_SPEC, "costs", ctx))
    solver = SolverSettings(**_section(raw.get("solver"), SOLVER_SPEC, "solver", ctx))
    if solver.mode == "budget" and solver.budget is None:
        ctx.fail("solver.budget", None, "a weekly budget with mode 'budget'")
    simulation = SimulationSettings(**_section(raw.get("simulation"), SIMULATION_SPEC, "simulation", ctx))
    override_kw = _section(raw.get("overrides"), OVERRIDES_SPEC, "overrides", ctx)
    skill_groups, queue_settings = _skills(raw, queues, ctx)

    scenario = Scenario(
        name=name,
        description=description,
        horizon=horizon,
        data=data,
        queues=queues,
        forecast=forecast,
        target=target,
        staffing=staffing,
        shrinkage=shrinkage,
        break_policy=break_policy,
        templates=templates,
        contracts=contracts,
        agents=agents,
        activities=activities,
        costs=costs,
        solver=solver,
        simulation=simulation,
        skill_groups=skill_groups,
        queue_settings=queue_settings,
    )
    if override_kw:
        try:
            scenario = apply_overrides(scenario, **override_kw)
        except InputError as exc:
            ctx.fail(f"overrides.{exc.parameter}", exc.value, exc.expected)
    return scenario


def _skills(raw, queues, ctx):
    """``skill_groups`` and ``queue_settings``, checked against ``queues``."""

    def build_group(item, key):
        kw = _section(item, SKILL_GROUP_SPEC, key, ctx, required=("name", "queues"))
        kw["queues"] = frozenset(kw["queues"])
        for q in sorted(kw["queues"]):
            if queues and q not in queues:
                ctx.fail(f"{key}.queues", sorted(kw["queues"]), "queues listed in 'queues'")
        return _construct(SkillGroup, kw, key, SKILL_GROUP_SPEC, ctx)

    groups = _list_of(raw.get("skill_groups"), "skill_groups", ctx, build_group)
    _unique([g.name for g in groups], "skill_groups", ctx)
    if groups and not queues:
        ctx.fail("queues", None, "the queues the skill groups are trained on")
    for q in queues if groups else ():
        if not any(q in g.queues for g in groups):
            ctx.fail("skill_groups", [g.name for g in groups], f"a group trained on queue '{q}'")
    settings_raw = raw.get("queue_settings") or {}
    if not isinstance(settings_raw, Mapping):
        ctx.fail("queue_settings", settings_raw, "a mapping queue -> {target, priority}")
    settings = {}
    for q, item in settings_raw.items():
        if not queues or str(q) not in queues:
            ctx.fail(f"queue_settings.{q}", item, "a queue listed in 'queues'")
        kw = _section(item, QUEUE_SETTINGS_SPEC, f"queue_settings.{q}", ctx)
        settings[str(q)] = QueueSettings(**kw)
    return groups, settings


def _unique(names, key, ctx):
    seen = set()
    for i, n in enumerate(names):
        if n in seen:
            ctx.fail(f"{key}[{i}].name", n, "a name not used twice")
        seen.add(n)


# --------------------------------------------------------------------------------------
# Back to a mapping
# --------------------------------------------------------------------------------------


def _dump(obj, spec) -> dict[str, Any]:
    out = {}
    for file_key, (name, _) in spec.items():
        value = getattr(obj, name)
        if isinstance(value, Path):
            value = str(value)
        elif isinstance(value, tuple) and value and isinstance(value[0], Path):
            value = [str(v) for v in value]
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, Mapping):
            value = dict(value)
        elif isinstance(value, pd.Timestamp):
            value = value.strftime("%Y-%m-%d")
        elif dataclasses.is_dataclass(value):
            value = dataclasses.asdict(value)
        out[file_key] = value
    return out


def _to_dict(s: Scenario) -> dict[str, Any]:
    data = _dump(s.data, DATA_SPEC)
    data = {k: v for k, v in data.items() if v not in (None, [])}
    templates = []
    for t in s.templates:
        d = _dump(t, {k: v for k, v in TEMPLATE_SPEC.items() if k != "breaks"})
        d["breaks"] = [_dump(b, BREAK_SPEC) for b in t.breaks]
        templates.append(d)
    ov = {"volume_factor": s.overrides.volume_factor, "aht_delta_s": s.overrides.aht_delta_s}
    if s.overrides.queue_volume_factor:
        ov["queue_volume_factor"] = dict(s.overrides.queue_volume_factor)
    return {
        "name": s.name,
        "description": s.description,
        "data": data,
        "horizon": _dump(s.horizon, HORIZON_SPEC),
        "queues": list(s.queues),
        "forecast": _dump(s.forecast, FORECAST_SPEC),
        "service": _dump(s.target, SERVICE_SPEC),
        "staffing": _dump(s.staffing, STAFFING_SPEC),
        "shrinkage": s.shrinkage.fraction,
        "break_policy": _dump(s.break_policy, BREAK_POLICY_SPEC),
        "shift_templates": templates,
        "contracts": [_dump(c, CONTRACT_SPEC) for c in s.contracts.values()],
        "agents": _dump_agents(s.agents),
        "activities": [_dump(a, ACTIVITY_SPEC) for a in s.activities],
        "costs": _dump(s.costs, COSTS_SPEC),
        "solver": _dump(s.solver, SOLVER_SPEC),
        "simulation": _dump(s.simulation, SIMULATION_SPEC),
        "overrides": ov,
        "skill_groups": [{"name": g.name, "queues": sorted(g.queues), "max_share": g.max_share}
                         for g in s.skill_groups],
        "queue_settings": {q: {"target": qs.service_level, "priority": qs.priority}
                           for q, qs in s.queue_settings.items()},
    }


def _dump_agents(src: AgentSource) -> dict[str, Any]:
    from wfm.agents import agent_rows

    spec = {k: v for k, v in AGENTS_SPEC.items() if k != "list"}
    out = {k: v for k, v in _dump(src, spec).items() if v not in (None, {})}
    if src.listed:
        out["list"] = [{k: v for k, v in row.items() if v != ""} for row in agent_rows(src.listed)]
    return out


# --------------------------------------------------------------------------------------
# What-ifs
# --------------------------------------------------------------------------------------


def apply_overrides(scenario: Scenario, **overrides: Any) -> Scenario:
    """A copy of ``scenario`` with what-if changes.

    Parameters
    ----------
    scenario : Scenario
        The base.
    volume_factor : float
        Multiplies forecast calls (and their bounds); composes by multiplication.
    aht_delta_s : float
        Seconds added to every forecast AHT; composes by addition.
    service_level : float
        New service-level target, fraction in (0, 1).
    answer_within_s : float
        New service-level threshold [s].
    shrinkage : float
        New total shrinkage, fraction in [0, 1).
    break_min_per_hour : float
        New break floor [min of break per hour of shift].
    max_occupancy : float
        New occupancy cap, fraction in (0, 1].
    cost_per_hour : float
        One hourly cost for every template, contract and agent [currency/h].
    headcount : int
        Agents available to the roster (first ``headcount`` of the file, or that many
        generated).
    queue_volume_factor : mapping queue -> float
        Multiplies one queue's forecast calls (on top of ``volume_factor``); composes by
        multiplication.  The queue must be one of the scenario's ``queues`` (when it
        names them; otherwise the pipeline checks it against the forecast).
    queue_service_level : mapping queue -> float
        A queue's own service-level target, fraction in (0, 1), written into
        ``queue_settings``.  Needs a scenario with skill groups (queues planned apart):
        a pooled plan has one target for all its queues.

    Returns
    -------
    Scenario
        The changed scenario; ``overrides`` records every change applied so far.

    Raises
    ------
    InputError
        Unknown override name or a value out of its domain; a queue the scenario does
        not have.
    """
    unknown = set(overrides) - set(OVERRIDE_KEYS)
    if unknown:
        k = sorted(unknown)[0]
        raise InputError(k, overrides[k], "one of the overrides " + ", ".join(OVERRIDE_KEYS))
    ctx = _Ctx("overrides", Path.cwd())
    clean = {}
    for k, v in overrides.items():
        if v is None:
            continue
        try:
            clean[k] = OVERRIDES_SPEC[k][1](v, k, ctx)
        except ScenarioError as exc:
            # a per-queue value names its queue (queue_volume_factor.premium)
            raise InputError(exc.key if exc.key.startswith(k) else k,
                             exc.value if exc.key != k else v, exc.expected) from None

    s = scenario
    rec = s.overrides
    changes: dict[str, Any] = {}
    rec = _queue_changes(s, rec, clean, changes)
    if "volume_factor" in clean:
        rec = dataclasses.replace(rec, volume_factor=rec.volume_factor * clean["volume_factor"])
    if "aht_delta_s" in clean:
        rec = dataclasses.replace(rec, aht_delta_s=rec.aht_delta_s + clean["aht_delta_s"])
    target_kw = {k: clean[k] for k in ("service_level", "answer_within_s", "max_occupancy") if k in clean}
    if target_kw:
        changes["target"] = dataclasses.replace(s.target, **target_kw)
    if "shrinkage" in clean:
        changes["shrinkage"] = Shrinkage(clean["shrinkage"])
    if "break_min_per_hour" in clean:
        changes["break_policy"] = BreakPolicy(clean["break_min_per_hour"])
    if "cost_per_hour" in clean:
        c = clean["cost_per_hour"]
        changes["templates"] = tuple(dataclasses.replace(t, cost_per_hour=c) for t in s.templates)
        changes["contracts"] = {
            n: dataclasses.replace(k, cost_per_hour=c if k.cost_per_hour is not None else None)
            for n, k in s.contracts.items()
        }
        changes["agents"] = dataclasses.replace(s.agents, cost_per_hour=c)
    if "headcount" in clean:
        if not s.agents.given:
            raise InputError("headcount", clean["headcount"], "a scenario with agents (file or n)")
        base = changes.get("agents", s.agents)
        if base.n is not None:
            changes["agents"] = dataclasses.replace(base, n=clean["headcount"], headcount=None)
        else:
            changes["agents"] = dataclasses.replace(base, headcount=clean["headcount"])
    rec = dataclasses.replace(rec, **{k: v for k, v in clean.items()
                                      if k not in ("volume_factor", "aht_delta_s")})
    return dataclasses.replace(s, overrides=rec, **changes)


def _queue_changes(s: Scenario, rec: Overrides, clean: dict, changes: dict) -> Overrides:
    """Apply the per-queue changes of ``clean`` (checked, then taken out of it): a queue's
    volume goes into the record ``rec`` (returned), its target into ``changes``."""
    if "queue_service_level" in clean and not s.skill_groups:
        raise InputError("queue_service_level", clean["queue_service_level"],
                         "a scenario with skill groups (this one pools its queues under "
                         "one target: change 'service_level' instead)")
    for k in ("queue_volume_factor", "queue_service_level"):
        for q in clean.get(k, {}):
            _check_queue(s, k, q)
    if "queue_volume_factor" in clean:
        factors = dict(rec.queue_volume_factor)
        for q, f in clean.pop("queue_volume_factor").items():
            factors[q] = factors.get(q, 1.0) * f
        rec = dataclasses.replace(rec, queue_volume_factor=factors)
    if "queue_service_level" in clean:
        levels = clean.pop("queue_service_level")
        settings = dict(s.queue_settings)
        for q, sl in levels.items():
            settings[q] = dataclasses.replace(settings.get(q, QueueSettings()), service_level=sl)
        changes["queue_settings"] = settings
        rec = dataclasses.replace(rec, queue_service_level={**rec.queue_service_level, **levels})
    return rec


def _check_queue(s: Scenario, key: str, queue: str) -> None:
    """A per-queue change names a queue of the scenario (when the scenario names them)."""
    if s.queues and queue not in s.queues:
        raise InputError(f"{key}: queue", queue, "a queue of the scenario: " + ", ".join(s.queues))


# --------------------------------------------------------------------------------------
# Agents
# --------------------------------------------------------------------------------------


def _generate_agents(src: AgentSource, s: Scenario) -> tuple[Agent, ...]:
    """``agents.n`` people from :func:`wfm.agents.make_agents` (teams, leads, skills,
    limited availability, preferences), on the scenario's contracts in ``agents.mix``.

    The generator decides who works part time (limited availability is part time);
    each person then gets one of the scenario's contracts of the same employment type,
    drawn by the mix shares (the other type when the mix has none of theirs).
    """
    from wfm.agents import DEFAULT_CONTRACTS, make_agents

    names = list(src.mix) or list(s.contracts)
    unknown = [name for name in names if name not in s.contracts]
    if unknown:
        raise InputError("agents.mix", unknown[0], "a contract of the scenario: " + ", ".join(s.contracts))
    shares = np.array([src.mix[n] for n in names], float) if src.mix else np.ones(len(names))
    part = np.array([s.contracts[n].employment == "part_time" for n in names])
    part_share = float(shares[part].sum() / shares.sum())
    generated, _ = make_agents(
        src.n, src.seed, queues=tuple(s.queues) or ("default",), teams=max(1, -(-src.n // 15)),
        part_time_share=part_share, limited_share=min(0.10, part_share),
    )
    rng = np.random.default_rng([src.seed, 1])
    out = []
    for agent in generated:
        wants_part = DEFAULT_CONTRACTS[agent.contract].employment == "part_time"
        if wants_part and part.any():
            pool = part
        elif not wants_part and (~part).any():
            pool = ~part
        else:
            pool = np.ones_like(part)
        p = shares * pool
        contract = names[int(rng.choice(len(names), p=p / p.sum()))]
        out.append(dataclasses.replace(agent, contract=contract))
    return tuple(out)


def _resolve_agents(s: Scenario) -> tuple[Agent, ...]:
    src = s.agents
    if not src.given:
        return ()
    if src.file is not None:
        from wfm.exports import load_agents_csv

        agents = load_agents_csv(src.file, contracts=s.contracts)
    elif src.listed:
        agents = src.listed
    if src.file is not None or src.listed:
        if src.headcount is not None:
            where = src.file.name if src.file is not None else "the scenario's list"
            if src.headcount > len(agents):
                raise InputError("headcount", src.headcount,
                                 f"at most the {len(agents)} agents of {where}")
            agents = agents[: src.headcount]
    else:
        agents = _generate_agents(src, s)
    if src.cost_per_hour is not None:
        agents = tuple(dataclasses.replace(a, cost_per_hour=src.cost_per_hour) for a in agents)
    for a in agents:
        if a.contract not in s.contracts:
            raise InputError(f"agent {a.id}: contract", a.contract,
                             "a contract of the scenario: " + ", ".join(s.contracts))
    return tuple(agents)


# --------------------------------------------------------------------------------------
# Compare
# --------------------------------------------------------------------------------------

#: Columns of :func:`compare` (each numeric one also gets ``<name>_delta``).
COMPARE_COLUMNS = (
    "weekly_cost",
    "fte",
    "paid_hours",
    "service_level_erlang",
    "service_level_sim",
    "asa_s",
    "asa_s_sim",
    "abandon_rate",
    "abandon_rate_sim",
    "occupancy",
    "occupancy_sim",
    "break_min_per_agent_hour",
    "cost_per_call",
)


def compare(results: Mapping[str, Any], baseline: str | None = None) -> pd.DataFrame:
    """One row per plan result with its cost and service, and deltas against a baseline.

    Parameters
    ----------
    results : mapping name -> PlanResult
        Results of :func:`wfm.pipeline.run_plan` (anything with a ``kpis`` mapping).
    baseline : str, optional
        Name of the baseline row (default: the first).

    Returns
    -------
    DataFrame
        Index: scenario name.  Columns :data:`COMPARE_COLUMNS` (NaN where a result lacks
        the figure, e.g. no simulation), ``<column>_delta`` = value − baseline value,
        and ``status``.
    """
    names, baseline = _names_and_baseline(results, baseline)
    rows = []
    for name in names:
        kpis = dict(getattr(results[name], "kpis", results[name]))
        # A stored result keeps NaN and infinity as JSON null: read a missing figure as NaN.
        row = {c: math.nan if kpis.get(c) is None else float(kpis[c]) for c in COMPARE_COLUMNS}
        row["status"] = kpis.get("status", "")
        rows.append(row)
    table = pd.DataFrame(rows, index=pd.Index(names, name="scenario"))
    base = table.loc[baseline, list(COMPARE_COLUMNS)]
    for c in COMPARE_COLUMNS:
        table[f"{c}_delta"] = table[c] - base[c]
    return table


def _names_and_baseline(results: Mapping[str, Any], baseline: str | None) -> tuple[list, str]:
    """The plans' names and the baseline's (the first by default), checked."""
    if not results:
        raise InputError("results", results, "at least one plan result")
    names = list(results)
    baseline = names[0] if baseline is None else baseline
    if baseline not in results:
        raise InputError("baseline", baseline, "one of " + ", ".join(names))
    return names, baseline


#: Measures of :func:`compare_queues` (each also gets ``<name>_delta``).
QUEUE_COMPARE_COLUMNS = ("calls", "target", "service_level", "sim_service_level", "asa_s",
                         "sim_asa_s", "abandon_rate", "sim_abandon_rate", "cost",
                         "cost_per_call")


def compare_queues(results: Mapping[str, Any], baseline: str | None = None) -> pd.DataFrame:
    """Each queue's service and cost in several plans, with deltas against a baseline.

    Parameters
    ----------
    results : mapping name -> PlanResult
        Plans with per-queue figures (:attr:`wfm.pipeline.PlanResult.queue_kpis`); a
        plan without them (one queue, or queues pooled) has no rows.
    baseline : str, optional
        Name of the baseline plan (default: the first).

    Returns
    -------
    DataFrame
        One row per plan and queue: ``scenario``, ``queue``, :data:`QUEUE_COMPARE_COLUMNS`
        and ``<column>_delta`` = value − the same queue's value in the baseline (NaN for
        a queue the baseline lacks).  Empty when no plan has per-queue figures.
    """
    names, baseline = _names_and_baseline(results, baseline)
    parts = []
    for name in names:
        q = getattr(results[name], "queue_kpis", None)
        if q is None or not len(q):
            continue
        part = q.reindex(columns=["queue", *QUEUE_COMPARE_COLUMNS]).copy()
        part.insert(0, "scenario", name)
        parts.append(part)
    columns = ["scenario", "queue", *QUEUE_COMPARE_COLUMNS,
               *(f"{c}_delta" for c in QUEUE_COMPARE_COLUMNS)]
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, ignore_index=True)
    base = table[table["scenario"] == baseline].set_index("queue")
    for c in QUEUE_COMPARE_COLUMNS:
        table[f"{c}_delta"] = table[c].astype(float) - table["queue"].map(base[c]).astype(float)
    return table[columns]
