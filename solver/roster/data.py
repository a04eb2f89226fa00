"""Inputs of the rostering model: the week grid, candidate shifts and requirements.

Everything here is plain Python / NumPy; the CP-SAT model is built in
:mod:`solver.roster` from these objects.  Times inside the model are minutes from the
start of the planning week ("absolute minutes"); coverage is counted in *units* of
``Week.unit_min`` minutes so that a 15-min break inside a 30-min interval counts as
half an agent for that interval.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm.errors import DataError, InputError
from wfm.types import WEEKDAYS, Agent, Contract, ShiftTemplate

__all__ = [
    "Week",
    "BreakSlot",
    "ShiftOption",
    "WEEK_MIN",
    "EVENING_AFTER_MIN",
    "expand_templates",
    "requirement_matrix",
    "agent_rate",
    "allowed_by_availability",
    "allowed_by_time_off",
    "fmt_min",
]

WEEK_MIN = 7 * 1440
#: A shift that runs past this time of day [min after midnight] is an evening shift.
EVENING_AFTER_MIN = 20 * 60
_NIGHT = (22 * 60, 6 * 60)


def fmt_min(minutes: int) -> str:
    """``570`` -> ``"09:30"``; times past midnight keep counting (``1500`` -> ``"25:00"``)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Week:
    """The planning week: its first midnight, interval length and model time unit.

    Parameters
    ----------
    start : Timestamp
        Midnight at which day 0 starts.
    step_min : int
        Interval length of the requirement [min].
    unit_min : int
        Time unit of the model [min]; divides ``step_min``, shift starts, lengths and
        break windows.
    """

    start: pd.Timestamp
    step_min: int
    unit_min: int

    @property
    def n_intervals(self) -> int:
        return WEEK_MIN // self.step_min

    @property
    def units_per_interval(self) -> int:
        return self.step_min // self.unit_min

    def weekday(self, day: int) -> int:
        """Weekday (0 = Mon) of day index ``day`` of the week."""
        return (self.start.weekday() + day) % 7

    def date(self, day: int) -> dt.date:
        return (self.start + pd.Timedelta(days=day)).date()

    def timestamp(self, abs_min: int) -> pd.Timestamp:
        return self.start + pd.Timedelta(minutes=int(abs_min))

    def cover(self, abs_start: int, length_min: int) -> tuple[tuple[int, int], ...]:
        """Intervals touched by ``[abs_start, abs_start + length)`` (wrapping the week).

        Returns ``(interval, units)`` pairs: how many model units of each interval the
        span overlaps.
        """
        out: dict[int, int] = {}
        t0 = abs_start
        end = abs_start + length_min
        while t0 < end:
            k = (t0 // self.step_min) % self.n_intervals
            nxt = min(end, (t0 // self.step_min + 1) * self.step_min)
            out[k] = out.get(k, 0) + (nxt - t0) // self.unit_min
            t0 = nxt
        return tuple(sorted(out.items()))


@dataclass(frozen=True)
class BreakSlot:
    """One possible position of one break of one shift option."""

    rule: int  # index of the BreakRule in the template
    name: str
    offset_min: int  # after the shift start
    length_min: int
    paid: bool
    cover: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class ShiftOption:
    """A concrete shift: template, day of the week and start time.

    ``breaks[r]`` lists the possible positions of the template's ``r``-th break.
    ``premium_factor`` multiplies the paid hours for night and weekend premiums
    (premiums are spread over the paid hours in proportion to the shift minutes that
    fall in night / weekend time).
    """

    index: int
    template: ShiftTemplate
    day: int
    weekday: int
    start_min: int  # after midnight of ``day``; may exceed 1439
    abs_start: int
    paid_min: int
    premium_factor: float
    cover: tuple[tuple[int, int], ...]
    breaks: tuple[tuple[BreakSlot, ...], ...]

    @property
    def length_min(self) -> int:
        return self.template.length_min

    @property
    def abs_end(self) -> int:
        return self.abs_start + self.template.length_min

    @property
    def end_min(self) -> int:
        return self.start_min + self.template.length_min

    @property
    def evening(self) -> bool:
        return self.end_min > EVENING_AFTER_MIN

    @property
    def label(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {fmt_min(self.start_min)} {self.template.name}"

    @property
    def paid_h(self) -> float:
        return self.paid_min / 60.0

    @property
    def weighted_paid_h(self) -> float:
        """Paid hours times the premium factor: multiply by an hourly rate for the cost."""
        return self.paid_h * self.premium_factor


def _premium_factor(template: ShiftTemplate, weekday: int, start_min: int) -> float:
    if template.night_premium == 0 and template.weekend_premium == 0:
        return 1.0
    minutes = start_min + np.arange(template.length_min)
    tod = minutes % 1440
    wd = (weekday + minutes // 1440) % 7
    night = (tod >= _NIGHT[0]) | (tod < _NIGHT[1])
    weekend = np.isin(wd, template.weekend_days)
    return float(
        1.0 + template.night_premium * night.mean() + template.weekend_premium * weekend.mean()
    )


def _break_positions(rule, step_min: int) -> list[int]:
    return list(range(rule.earliest_start_min, rule.latest_start_min + 1, step_min))


def expand_templates(
    templates: Sequence[ShiftTemplate], week: Week, extra: Sequence[tuple[str, int, int]] = ()
) -> list[ShiftOption]:
    """Every (template, day, start) of the week as a :class:`ShiftOption`.

    Parameters
    ----------
    templates : sequence of ShiftTemplate
    week : Week
    extra : sequence of (template name, day, start_min)
        Further starts to include even if outside the template's start window (shifts
        of a given plan).

    Returns
    -------
    list of ShiftOption
        Sorted by day, start and template; ``index`` is the position in the list.
    """
    by_name = {t.name: t for t in templates}
    keys = set()
    for t in templates:
        for day in range(7):
            if week.weekday(day) not in t.days:
                continue
            for s in t.starts_min:
                keys.add((day, s, t.name))
    for name, day, s in extra:
        keys.add((day, s, name))
    out = []
    for day, s, name in sorted(keys):
        t = by_name[name]
        abs_start = day * 1440 + s
        brk = []
        for r, rule in enumerate(t.breaks):
            slots = tuple(
                BreakSlot(
                    rule=r,
                    name=rule.name,
                    offset_min=off,
                    length_min=rule.length_min,
                    paid=rule.paid,
                    cover=week.cover(abs_start + off, rule.length_min),
                )
                for off in _break_positions(rule, week.step_min)
            )
            brk.append(slots)
        out.append(
            ShiftOption(
                index=len(out),
                template=t,
                day=day,
                weekday=week.weekday(day),
                start_min=s,
                abs_start=abs_start,
                paid_min=t.paid_min,
                premium_factor=_premium_factor(t, week.weekday(day), s),
                cover=week.cover(abs_start, t.length_min),
                breaks=tuple(brk),
            )
        )
    return out


def model_unit(step_min: int, templates: Sequence[ShiftTemplate], activities=()) -> int:
    """Largest time unit [min] dividing the interval and every shift / break time."""
    values = [step_min]
    for t in templates:
        values += [t.length_min, t.earliest_start_min, t.start_step_min]
        for b in t.breaks:
            values += [b.length_min, b.earliest_start_min, b.latest_start_min]
    for a in activities:
        values += [a.length_min, a.earliest_start_min]
    g = 0
    for v in values:
        g = math.gcd(g, int(v))
    return max(g, 1)


def requirement_matrix(
    frame: pd.DataFrame, week: Week, column: str, *, what: str = "requirements"
) -> tuple[list[str], np.ndarray]:
    """Requirement per queue and interval of the week.

    Parameters
    ----------
    frame : DataFrame
        Long frame with ``queue`` (optional), ``interval_start`` and ``column``.
    week : Week
    column : str
        Column holding the agents to cover.

    Returns
    -------
    queues : list of str
    req : ndarray, shape (n_queues, n_intervals)
        Agents needed; 0 for intervals absent from the frame.  A frame on a coarser
        grid than the week's (30-min requirements, 15-min week) holds its value in
        every interval of the week its row spans.

    Raises
    ------
    DataError
        Missing column, non-numeric or negative value, an interval outside the week or
        off the interval grid.
    """
    for col in ("interval_start", column):
        if col not in frame.columns:
            raise DataError(
                f"missing column '{col}' in {what}; found {list(map(str, frame.columns))}",
                column=col,
            )
    queues_col = (
        frame["queue"].astype(str) if "queue" in frame.columns else pd.Series("default", frame.index)
    )
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{what}: '{column}' must be a finite number >= 0",
            row=pos,
            column=column,
            value=frame[column].iloc[pos],
            has_value=True,
        )
    ts = pd.to_datetime(frame["interval_start"])
    offset = (ts - week.start) / pd.Timedelta(minutes=1)
    offset = offset.to_numpy(dtype=float)
    outside = (offset < 0) | (offset >= WEEK_MIN) | (offset % week.step_min != 0)
    if outside.any():
        pos = int(np.flatnonzero(outside)[0])
        raise DataError(
            f"{what}: interval outside the planning week starting {week.start} "
            f"or off its {week.step_min}-min grid",
            row=pos,
            column="interval_start",
            value=str(ts.iloc[pos]),
            has_value=True,
        )
    queues = sorted(queues_col.unique())
    qi = {q: i for i, q in enumerate(queues)}
    req = np.zeros((len(queues), week.n_intervals))
    rows = queues_col.map(qi).to_numpy(dtype=int)
    first = (offset // week.step_min).astype(int)
    for k in range(_spans(ts, queues_col, week.step_min)):
        np.add.at(req, (rows, (first + k) % week.n_intervals), values)
    return queues, req


def _spans(ts: pd.Series, queues: pd.Series, step_min: int) -> int:
    """How many of the week's intervals one row of a frame spans: the frame's own
    interval length (the shortest step between its rows, per queue) over the week's,
    when a whole multiple; else 1."""
    diffs = ts.groupby(queues.to_numpy()).diff().dropna()
    diffs = diffs[diffs > pd.Timedelta(0)]
    if not len(diffs):
        return 1
    own = int(diffs.min() / pd.Timedelta(minutes=1))
    return own // step_min if own > step_min and own % step_min == 0 else 1


def agent_rate(agent: Agent, contract: Contract, template: ShiftTemplate) -> float:
    """Hourly cost of ``agent`` on ``template``: agent, else contract, else template rate."""
    if agent.cost_per_hour is not None:
        return float(agent.cost_per_hour)
    if contract.cost_per_hour is not None:
        return float(contract.cost_per_hour)
    return float(template.cost_per_hour)


def allowed_by_availability(agent: Agent, option: ShiftOption) -> bool:
    """The shift lies inside one of the agent's availability windows (none = any time)."""
    if not agent.availability:
        return True
    for w in agent.availability:
        for shift in (0, WEEK_MIN, -WEEK_MIN):
            lo = w.day * 1440 + w.start_min + shift
            hi = w.day * 1440 + w.end_min + shift
            # windows are per weekday: compare on the weekday clock of the option
            start = option.weekday * 1440 + option.start_min
            if lo <= start and start + option.length_min <= hi:
                return True
    return False


def allowed_by_time_off(agent: Agent, option: ShiftOption, week: Week) -> bool:
    """The shift does not touch any approved day off of the agent."""
    if not agent.time_off:
        return True
    first = option.abs_start // 1440
    last = (option.abs_end - 1) // 1440
    for d in range(first, last + 1):
        if week.date(d) in agent.time_off:
            return False
    return True


def check_inputs(
    agents: Sequence[Agent], contracts: Mapping[str, Contract], templates: Sequence[ShiftTemplate]
) -> None:
    """Unique agent ids and template names; every agent's contract and preferred
    shift templates exist."""
    if len(agents) == 0:
        raise InputError("agents", agents, "at least one agent")
    if len(templates) == 0:
        raise InputError("templates", templates, "at least one shift template")
    seen = set()
    for a in agents:
        if a.id in seen:
            raise InputError("agents", a.id, "unique agent ids")
        seen.add(a.id)
        if a.contract not in contracts:
            raise InputError(
                f"agent {a.id}: contract", a.contract, f"one of the contracts {sorted(contracts)}"
            )
    names = [t.name for t in templates]
    if len(set(names)) != len(names):
        raise InputError("templates", names, "unique template names")
    for a in agents:
        for t in a.preferred_shifts:
            if t not in names:
                raise InputError(
                    f"agent {a.id}: preferred_shifts", t, f"one of the templates {sorted(names)}"
                )


def breaks_avoiding(option: ShiftOption, busy: Sequence[tuple[int, int]] = ()):
    """One placement of the option's breaks, in order with their gaps, clear of ``busy``.

    Parameters
    ----------
    option : ShiftOption
    busy : sequence of (start, end)
        Absolute minutes the breaks must not overlap (a meeting).

    Returns
    -------
    tuple of BreakSlot or None
        The earliest feasible placement, or None if there is none.
    """
    rules = option.template.breaks

    def place(r: int, free_from: int):
        if r == len(rules):
            return ()
        for slot in option.breaks[r]:
            s = option.abs_start + slot.offset_min
            if s < free_from + rules[r].min_gap_min:
                continue
            e = s + slot.length_min
            if any(s < be and bs < e for bs, be in busy):
                continue
            rest = place(r + 1, e)
            if rest is not None:
                return (slot,) + rest
        return None

    return place(0, option.abs_start)
