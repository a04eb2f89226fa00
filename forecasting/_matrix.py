"""One queue's history as a day × slot matrix, and the training view models see.

The history frame is long (one row per interval).  Every model here thinks in days: row
``d`` of the matrix is a calendar day, column ``s`` the ``s``-th interval of that day.
Days absent from the history stay NaN (unknown, never zero); interval rows absent from a
day that is otherwise present are either *closed* (the slot is empty on that weekday in
recent weeks, so 0 calls) or a *gap* (open slot, no row: unknown, reported).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfm.errors import DataError

#: Weeks of recent history that decide whether a weekday × slot is open.
OPEN_WEEKS = 8
#: A day total further than this (log ratio) from its weekday neighbours is abnormal.
ANOMALY_LOG_RATIO = 0.5
#: Weeks either side of a day used as its weekday neighbours.
NEIGHBOUR_WEEKS = 4


@dataclass(frozen=True)
class DayMatrix:
    """The raw history of one queue, one row per calendar day.

    Attributes
    ----------
    days : DatetimeIndex
        Midnights, consecutive, from the first to the last day of the history.
    interval : Timedelta
        Interval length; ``slots`` intervals per day.
    calls : ndarray (n_days, slots)
        Offered calls; NaN where the history has no row.
    aht_s : ndarray (n_days, slots)
        Average handle time [s]; NaN where unknown.
    first, last : int
        Flat positions (day * slots + slot) of the first and last history row.
    """

    days: pd.DatetimeIndex
    interval: pd.Timedelta
    calls: np.ndarray
    aht_s: np.ndarray
    first: int
    last: int

    @property
    def slots(self) -> int:
        return self.calls.shape[1]

    def head(self, n_days: int) -> DayMatrix:
        """The history before day ``n_days`` (an origin at that day's midnight)."""
        n_days = int(n_days)
        last = min(self.last, n_days * self.slots - 1)
        return DayMatrix(self.days[:n_days], self.interval, self.calls[:n_days],
                         self.aht_s[:n_days], self.first, last)


@dataclass(frozen=True)
class Training:
    """What a model may use: counts of usable days, weekday labels, the open mask.

    Attributes
    ----------
    days : DatetimeIndex
        Midnights of the training days (consecutive).
    weekday : ndarray of int (n_days,)
        Monday = 0 ... Sunday = 6.
    counts : ndarray (n_days, slots)
        Calls with closed slots set to 0; NaN on unknown days.
    usable : ndarray of bool (n_days,)
        Complete, normal days (not missing, not a gap day, not a holiday or special
        day, not abnormal): the only days models learn from.
    open : ndarray of bool (7, slots)
        Weekday × slot cells where the centre takes calls.
    """

    days: pd.DatetimeIndex
    weekday: np.ndarray
    counts: np.ndarray
    usable: np.ndarray
    open: np.ndarray
    aht_s: np.ndarray = field(repr=False)
    gaps: np.ndarray = field(repr=False)
    missing_days: np.ndarray = field(repr=False)
    abnormal_days: np.ndarray = field(repr=False)
    excluded_days: np.ndarray = field(repr=False)

    @property
    def slots(self) -> int:
        return self.counts.shape[1]

    def same_weekday(self, weekday: int, last: int | None = None) -> np.ndarray:
        """Positions of usable days on ``weekday``, oldest first, the last ``last`` only."""
        idx = np.flatnonzero(self.usable & (self.weekday == weekday))
        return idx if last is None else idx[len(idx) - min(last, len(idx)):]


def day_matrix(times: pd.Series, calls: np.ndarray, aht_s: np.ndarray,
               interval: pd.Timedelta, *, queue: str = "") -> DayMatrix:
    """Place one queue's interval rows into a day × slot matrix.

    Raises
    ------
    DataError
        If the interval grid does not start at midnight (e.g. 30-min intervals at
        :15 and :45), which would make slots of a day ambiguous.
    """
    times = pd.DatetimeIndex(times)
    midnight = times.normalize()
    step = interval.value
    offset = (times.asi8 - midnight.asi8)
    off_grid = offset % step != 0
    if off_grid.any():
        pos = int(np.flatnonzero(off_grid)[0])
        raise DataError(
            f"queue {queue!r}: intervals must start on the {interval} grid counted from midnight",
            column="interval_start", value=str(times[pos]))
    slots = int(pd.Timedelta(days=1).value // step)
    first_day = midnight[0]
    n_days = int((midnight[-1] - first_day) / pd.Timedelta(days=1)) + 1
    day = ((midnight - first_day) / pd.Timedelta(days=1)).astype(int).to_numpy()
    slot = (offset // step).astype(int)
    mat = np.full((n_days, slots), np.nan)
    aht = np.full((n_days, slots), np.nan)
    mat[day, slot] = calls
    aht[day, slot] = aht_s
    flat = day * slots + slot
    days = pd.date_range(first_day, periods=n_days, freq="D")
    return DayMatrix(days, interval, mat, aht, int(flat.min()), int(flat.max()))


def _neighbour_median(values: np.ndarray, ok: np.ndarray, weeks: int) -> np.ndarray:
    """Median of ``values`` on the same weekday within ``weeks`` weeks either side.

    Only days with ``ok`` count; the day itself is left out.  NaN where no neighbour.
    """
    n = len(values)
    offsets = 7 * np.concatenate([np.arange(-weeks, 0), np.arange(1, weeks + 1)])
    idx = np.arange(n)[:, None] + offsets[None, :]
    inside = (idx >= 0) & (idx < n)
    idx = np.clip(idx, 0, n - 1)
    vals = np.where(inside & ok[idx], values[idx], np.nan)
    out = np.full(n, np.nan)
    has = np.isfinite(vals).any(axis=1)
    if has.any():
        out[has] = np.nanmedian(vals[has], axis=1)
    return out


def prepare(matrix: DayMatrix, excluded: np.ndarray) -> Training:
    """Turn a raw day matrix into training data.

    Parameters
    ----------
    matrix : DayMatrix
        History of one queue up to the forecast origin.
    excluded : ndarray of bool (n_days,)
        Holidays and special days: not learned from, not counted as closures.

    Returns
    -------
    Training
    """
    calls = matrix.calls
    n, slots = calls.shape
    weekday = matrix.days.weekday.to_numpy()
    present = np.isfinite(calls).any(axis=1)
    # Slots outside the recorded span (before the first row, after the last) are not gaps.
    flat = np.arange(n * slots).reshape(n, slots)
    recorded = (flat >= matrix.first) & (flat <= matrix.last)

    # Open mask: any call on that weekday and slot in the last OPEN_WEEKS weeks of
    # present, normal days.  A weekday never present in that window is closed: its
    # absence recurs every week.
    recent = np.zeros(n, dtype=bool)
    recent[max(0, n - 7 * OPEN_WEEKS):] = True
    basis = present & ~excluded & recent
    if not basis.any():
        basis = present & ~excluded
    if not basis.any():
        basis = present
    open_ = np.zeros((7, slots), dtype=bool)
    filled = np.nan_to_num(calls, nan=0.0)
    for w in range(7):
        rows = basis & (weekday == w)
        if rows.any():
            open_[w] = filled[rows].max(axis=0) > 0

    is_open = open_[weekday]
    absent = ~np.isfinite(calls)
    counts = np.where(absent & ~is_open & present[:, None], 0.0, calls)
    gaps = absent & is_open & present[:, None] & recorded
    complete = present & ~np.isnan(counts).any(axis=1)
    # A weekday closed all day: its days are complete zeros when absent too.
    closed_day = ~open_.any(axis=1)[weekday] & ~present
    counts[closed_day] = 0.0
    complete |= closed_day

    candidates = complete & ~excluded
    totals = np.where(candidates, np.nansum(counts, axis=1), np.nan)
    ref = _neighbour_median(totals, candidates, NEIGHBOUR_WEEKS)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.abs(np.log((totals + 5.0) / (ref + 5.0)))
        far = np.abs(totals - ref) > 4.0 * np.sqrt(ref + 1.0)
    abnormal = candidates & np.isfinite(ratio) & (ratio > ANOMALY_LOG_RATIO) & far
    usable = candidates & ~abnormal
    return Training(
        days=matrix.days,
        weekday=weekday,
        counts=counts,
        usable=usable,
        open=open_,
        aht_s=matrix.aht_s,
        gaps=gaps,
        missing_days=~present & ~closed_day,
        abnormal_days=abnormal,
        excluded_days=excluded & present,
    )
