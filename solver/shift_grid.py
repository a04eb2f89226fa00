"""The time grid of a shift plan and its candidate shifts and break options (no OR-Tools).

The planning week is cut into ``n_slots`` slots of ``slot_min`` minutes starting at
``week_start``; slot ``t`` covers ``[week_start + t*slot, week_start + (t+1)*slot)``.
Everything (requirements, shift starts, break starts) lives on this grid; a shift
that runs past the end of the week wraps to its beginning (slot ``t`` mod
``n_slots``), so a Sunday-night shift covers Monday 00:00 of the same week.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import reduce

import numpy as np
import pandas as pd

from wfm import erlang
from wfm.errors import DataError, InputError
from wfm.types import ShiftTemplate

__all__ = ["Demand", "BreakOption", "Candidates", "slot_minutes", "build_demand",
           "build_candidates", "service_curves"]

WEEK_MIN = 7 * 24 * 60


@dataclass(frozen=True)
class Demand:
    """Requirements on the slot grid of one planning week.

    Attributes
    ----------
    week_start : Timestamp
        Midnight at which slot 0 starts.
    slot_min : int
        Slot length [min].
    staff_needed, agents_needed : ndarray (n_slots,)
        Scheduled agents needed (after shrinkage) and on-phone agents needed.
    calls : ndarray (n_slots,)
        Calls offered in the slot (an interval's calls split evenly over its slots).
    traffic : ndarray (n_slots,)
        Offered load [Erlang] (the same in every slot of an interval).
    aht_s : ndarray (n_slots,)
        Average handle time [s]; NaN where no calls.
    present : ndarray of bool (n_slots,)
        The slot lies in an interval of the requirements frame.
    queue : str
    interval_min : int
        Length of the requirement intervals [min].
    """

    week_start: pd.Timestamp
    slot_min: int
    staff_needed: np.ndarray
    agents_needed: np.ndarray
    calls: np.ndarray
    traffic: np.ndarray
    aht_s: np.ndarray
    present: np.ndarray
    queue: str
    interval_min: int

    @property
    def n_slots(self) -> int:
        return len(self.present)

    def slot_times(self) -> pd.DatetimeIndex:
        return self.week_start + pd.to_timedelta(np.arange(self.n_slots) * self.slot_min, unit="min")


@dataclass(frozen=True)
class BreakOption:
    """One way to take break rule ``rule`` of a template: offset and length in slots."""

    rule: int
    offset: int
    length: int


@dataclass
class Candidates:
    """Every (template, day, start) shift that may be used, as parallel arrays.

    Attributes
    ----------
    template : ndarray of int (S,)
        Index into ``templates``.
    day : ndarray of int (S,)
        Day of the week on which the shift starts (0 = ``week_start``'s day).
    start : ndarray of int (S,)
        Start slot, counted from slot 0 of the week (may be >= n_slots for a start after
        midnight of the last day; covered slots are taken mod n_slots).
    length : ndarray of int (S,)
        Length in slots.
    cost : ndarray of float (S,)
        Cost of the shift with every minute paid, premiums included [currency].
    options : list of list of list of BreakOption
        ``options[template][rule]``: the ways to take each break of the template.
    slot_cost : ndarray (n_templates, n_slots)
        Cost of one agent of a template during one slot, premiums included.
    templates : tuple of ShiftTemplate
    """

    template: np.ndarray
    day: np.ndarray
    start: np.ndarray
    length: np.ndarray
    cost: np.ndarray
    options: list
    slot_cost: np.ndarray
    templates: tuple

    def __len__(self) -> int:
        return len(self.template)

    def slots(self, s: int, n_slots: int) -> np.ndarray:
        """Week slots covered by shift ``s`` (wrapped)."""
        return (self.start[s] + np.arange(self.length[s])) % n_slots


def slot_minutes(interval_min: int, templates) -> int:
    """Largest grid [min] on which requirements, starts, lengths and breaks all fall."""
    values = [interval_min]
    for t in templates:
        values += [t.length_min, t.earliest_start_min, t.start_step_min]
        for b in t.breaks:
            values += [b.length_min, b.earliest_start_min, b.latest_start_min]
            if b.max_length_min is not None:
                values.append(b.max_length_min)
    g = reduce(math.gcd, [int(v) for v in values if v])
    if g < 5:
        raise InputError(
            "templates",
            [t.name for t in templates],
            f"times on a grid of at least 5 min (shift and break times give a {g}-min grid; "
            "use whole multiples of 15 min)",
        )
    return g


_REQUIRED = ("interval_start",)


def build_demand(requirements: pd.DataFrame, week_start, templates, *, columns) -> Demand:
    """Validate a one-queue requirements frame and spread it over the slot grid.

    Parameters
    ----------
    requirements : DataFrame
        Requirements frame (see ``wfm.frames.REQUIREMENTS_COLUMNS``).
    week_start : Timestamp or None
        Midnight starting the planning week; ``None``: midnight of the first interval.
    templates : sequence of ShiftTemplate
    columns : tuple of str
        Columns the mode needs besides ``interval_start``.

    Raises
    ------
    DataError
        Missing column, bad value, irregular or duplicated intervals, intervals outside
        the planning week, several queues.
    """
    if not isinstance(requirements, pd.DataFrame):
        raise DataError(f"requirements must be a pandas DataFrame, got {type(requirements).__name__}")
    missing = [c for c in (*_REQUIRED, *columns) if c not in requirements.columns]
    if missing:
        raise DataError(f"missing column(s) {missing} in requirements; found "
                        f"{list(map(str, requirements.columns))}", column=missing[0])
    if len(requirements) == 0:
        raise DataError("requirements frame is empty")
    frame = requirements.reset_index(drop=True)
    queues = frame["queue"].astype(str).unique() if "queue" in frame.columns else ["default"]
    if len(queues) > 1:  # pragma: no cover - plan_shifts splits queues first
        raise DataError(f"requirements hold {len(queues)} queues; plan one at a time",
                        column="queue")
    frame, times, order = _sorted_times(frame)
    interval_min = _interval_minutes(times, templates)
    ws, offset_min = _week_offsets(times, order, week_start, interval_min)
    values = _read_values(frame, order, columns)
    slot = slot_minutes(interval_min, templates)
    n_slots = WEEK_MIN // slot
    per = interval_min // slot
    first = np.rint(offset_min / slot).astype(int)
    idx = (first[:, None] + np.arange(per)[None, :]).ravel()
    arrays = {}
    for col, fill in (("staff_needed", 0.0), ("agents_needed", 0.0), ("calls", 0.0),
                      ("traffic", 0.0), ("aht_s", np.nan)):
        arr = np.full(n_slots, fill)
        if col in values:
            v = values[col] / per if col == "calls" else values[col]
            arr[idx] = np.repeat(v, per)
        arrays[col] = arr
    present = np.zeros(n_slots, dtype=bool)
    present[idx] = True
    return Demand(week_start=ws, slot_min=slot, present=present, queue=str(queues[0]),
                  interval_min=interval_min, **arrays)


def _sorted_times(frame: pd.DataFrame):
    """The frame sorted by ``interval_start``, its times, and the original row order."""
    times = pd.to_datetime(frame["interval_start"], errors="coerce")
    if times.isna().any():
        pos = int(np.flatnonzero(times.isna().to_numpy())[0])
        raise DataError("unparsable or missing time", row=pos, column="interval_start",
                        value=frame["interval_start"].iloc[pos])
    if times.duplicated().any():
        pos = int(np.flatnonzero(times.duplicated().to_numpy())[0])
        raise DataError("duplicated interval", row=pos, column="interval_start",
                        value=str(times.iloc[pos]))
    order = np.argsort(times.to_numpy(), kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    times = times.iloc[order].reset_index(drop=True)
    return frame, times, order


def _interval_minutes(times: pd.Series, templates) -> int:
    """Length of the requirement intervals [min] (whole minutes dividing a day)."""
    if len(times) > 1:
        step = times.diff().dropna().min()
        interval_min = step.total_seconds() / 60
    else:
        interval_min = float(min([t.start_step_min for t in templates] + [15]))
    if not float(interval_min).is_integer() or (1440 % int(interval_min)):
        raise DataError("interval length must be whole minutes dividing a day",
                        column="interval_start", value=interval_min)
    return int(interval_min)


def _week_offsets(times: pd.Series, order, week_start, interval_min: int):
    """The week's start and each interval's offset from it [min], checked on the grid."""
    ws = times.iloc[0].normalize() if week_start is None else pd.Timestamp(week_start)
    if ws != ws.normalize():
        raise InputError("week_start", week_start, "a timestamp at midnight")
    offset_min = (times - ws).dt.total_seconds().to_numpy() / 60
    bad = (offset_min < 0) | (offset_min + interval_min > WEEK_MIN + 1e-9)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"interval outside the planning week starting {ws}", row=int(order[pos]),
                        column="interval_start", value=str(times.iloc[pos]))
    off = offset_min % interval_min
    if (np.abs(off) > 1e-9).any():
        pos = int(np.flatnonzero(np.abs(off) > 1e-9)[0])
        raise DataError(f"interval not on the {interval_min}-min grid", row=int(order[pos]),
                        column="interval_start", value=str(times.iloc[pos]))
    return ws, offset_min


def _read_values(frame: pd.DataFrame, order, columns) -> dict:
    """The numeric columns, checked (finite, >= 0; AHT > 0 where calls are expected)."""
    values = {}
    for col in columns:
        v = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        nan_ok = col == "aht_s"
        bad = (np.isnan(v) & (not nan_ok)) | (v < 0) | np.isinf(v)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError("must be a finite number >= 0", row=int(order[pos]), column=col,
                            value=frame[col].iloc[pos])
        values[col] = v
    if "aht_s" in values and "calls" in values:
        bad = (values["calls"] > 0) & ~(values["aht_s"] > 0)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError("AHT must be > 0 where calls are expected", row=int(order[pos]),
                            column="aht_s", value=values["aht_s"][pos])
    return values


def _minute_flags(week_start: pd.Timestamp, template: ShiftTemplate):
    minutes = np.arange(WEEK_MIN)
    tod = minutes % 1440
    night = (tod >= 22 * 60) | (tod < 6 * 60)
    weekday = (week_start.weekday() + minutes // 1440) % 7
    weekend = np.isin(weekday, template.weekend_days)
    return night, weekend


def build_candidates(templates, demand: Demand, weight: np.ndarray) -> Candidates:
    """Every shift start of every template on every allowed day that covers demand.

    A candidate is kept when it covers at least one slot with positive ``weight``
    (need or calls): a shift that covers no demand only adds cost.

    Parameters
    ----------
    templates : sequence of ShiftTemplate
        Templates with the break policy already applied.
    demand : Demand
    weight : ndarray (n_slots,)
        Demand that makes a slot worth covering.
    """
    slot = demand.slot_min
    n = demand.n_slots
    ws = demand.week_start
    cols = {"template": [], "day": [], "start": [], "length": [], "cost": []}
    options, slot_cost = [], np.zeros((len(templates), n))
    positive = np.concatenate([[0], np.cumsum(weight > 0)])
    for ti, tpl in enumerate(templates):
        night, weekend = _minute_flags(ws, tpl)
        per_min = tpl.cost_per_hour / 60.0 * (1 + tpl.night_premium * night
                                              + tpl.weekend_premium * weekend)
        slot_cost[ti] = per_min.reshape(n, slot).sum(axis=1)
        length = tpl.length_min // slot
        options.append(_break_options(tpl, slot))
        for d in range(7):
            if (ws.weekday() + d) % 7 not in tpl.days:
                continue
            for start_min in tpl.starts_min:
                start = (d * 1440 + start_min) // slot
                covered = _covered_count(positive, start % n, length, n)
                if covered == 0:
                    continue
                cols["template"].append(ti)
                cols["day"].append(d)
                cols["start"].append(start)
                cols["length"].append(length)
                cols["cost"].append(slot_cost[ti][(start + np.arange(length)) % n].sum())
    arrays = {k: np.asarray(v, dtype=float if k == "cost" else int) for k, v in cols.items()}
    return Candidates(options=options, slot_cost=slot_cost, templates=tuple(templates), **arrays)


def _covered_count(prefix, start, length, n):
    end = start + length
    if end <= n:
        return prefix[end] - prefix[start]
    return (prefix[n] - prefix[start]) + prefix[end - n]


def _break_options(tpl: ShiftTemplate, slot: int) -> list[list[BreakOption]]:
    out = []
    for k, b in enumerate(tpl.breaks):
        lengths = range(b.length_min, (b.max_length_min or b.length_min) + 1, slot)
        lo = b.earliest_start_min
        if k == 0:
            lo = max(lo, b.min_gap_min)
        starts = [m for m in range(lo, b.latest_start_min + 1, slot)]
        opts = [BreakOption(k, m // slot, ln // slot) for m in starts for ln in lengths
                if m + ln <= tpl.length_min]
        if not opts:
            raise InputError(f"template '{tpl.name}': break '{b.name}'", b,
                             "a window with at least one start that fits its min gap and the shift")
        out.append(opts)
    _check_break_chain(tpl, out, slot)
    return out


def _check_break_chain(tpl: ShiftTemplate, options, slot):
    """Taking every break as early as it may be must fit: otherwise the rules clash."""
    end = None
    for k, opts in enumerate(options):
        b = tpl.breaks[k]
        gap = math.ceil(b.min_gap_min / slot)
        feasible = [o for o in opts if end is None or o.offset >= end + gap]
        if not feasible:
            prev = tpl.breaks[k - 1]
            raise InputError(
                f"template '{tpl.name}': break '{b.name}'",
                (b.earliest_start_min, b.latest_start_min),
                f"a start at least {b.min_gap_min} min after the earliest end of '{prev.name}' "
                f"({end * slot} min into the shift): its window ends at {b.latest_start_min} min, "
                "so the two break windows and the min gap clash",
            )
        first = min(feasible, key=lambda o: (o.offset + o.length))
        end = first.offset + first.length


def service_curves(demand: Demand, keep: float, answer_within_s: float, n_cap: np.ndarray):
    """Concave piecewise-linear curves of calls answered within t per slot.

    For every slot with calls, ``y(n) = calls * SL(n)`` for whole agents on the phones
    ``n = 0 .. N`` (Erlang C with the slot's traffic and AHT; ``N`` where SL reaches
    1 - 1e-6 or the most agents the plan can put there).  ``y`` is 0 up to the
    stability point (``n <= traffic``) and concave from a point ``n_floor`` just above
    it.  The curve is built on ``n >= n_floor`` only, where its upper concave hull goes
    through every whole-agent point (exact at whole agents, linear in between), and
    the plan is asked to reach ``n_floor`` -- a stable queue -- by
    :func:`solver.shift_rules.add_queue_floor`.  (The hull of the whole curve would
    bridge the zero part with a chord from ``(0, 0)`` and promise service that an
    overloaded queue never gives.)

    Returns
    -------
    dict slot -> (slopes, intercepts, max_answered, n_floor)
        ``answered <= slope_k * n + intercept_k`` for every segment ``k``; ``n_floor``
        available agents [agents] where the concave part starts.
    """
    out = {}
    slots = np.flatnonzero(demand.calls > 0)
    for t in slots:
        a = demand.traffic[t]
        aht = demand.aht_s[t]
        top = int(math.ceil(a + 8 * math.sqrt(a) + 10))
        top = max(int(math.floor(a)) + 3, min(top, int(n_cap[t] * keep) + 2))
        n = np.arange(top + 1, dtype=float)
        sl = np.asarray(erlang.service_level(n, a, aht, answer_within_s), dtype=float)
        done = np.flatnonzero(sl >= 1 - 1e-6)
        if done.size:
            n, sl = n[: done[0] + 1], sl[: done[0] + 1]
        y = demand.calls[t] * sl
        # first point from which every second difference is <= 0 (concave from there)
        d2 = y[2:] - 2 * y[1:-1] + y[:-2]
        convex = np.flatnonzero(d2 > 1e-12 * max(demand.calls[t], 1.0))
        start = int(convex[-1]) + 1 if convex.size else 0
        start = max(start, int(np.flatnonzero(y > 0)[0]) if (y > 0).any() else 0)
        xs, ys = n[start:], y[start:]
        hull = _upper_hull(xs, ys)
        xs, ys = xs[hull], ys[hull]
        slopes = np.diff(ys) / np.diff(xs) if len(xs) > 1 else np.zeros(0)
        inter = ys[:-1] - slopes * xs[:-1]
        out[int(t)] = (slopes, inter, float(ys[-1]), float(xs[0]))
    return out


def _upper_hull(x, y):
    hull = []
    for i in range(len(x)):
        while len(hull) >= 2:
            i1, i2 = hull[-2], hull[-1]
            cross = (x[i2] - x[i1]) * (y[i] - y[i1]) - (y[i2] - y[i1]) * (x[i] - x[i1])
            if cross >= 0:
                hull.pop()
            else:
                break
        hull.append(i)
    return hull
