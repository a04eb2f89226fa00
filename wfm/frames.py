"""Schemas of the long-format pandas frames that flow through the pipeline.

Frames are validated once, at the edge, by :func:`validate_history` and
:func:`validate_forecast`; everything downstream trusts them.  A bad frame raises
:class:`wfm.errors.DataError` naming the file (if known), the row, the column and the
value.  Nothing is silently dropped, clipped or coerced.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wfm.errors import DataError

__all__ = [
    "HISTORY_COLUMNS",
    "HISTORY_OPTIONAL",
    "FORECAST_COLUMNS",
    "REQUIREMENTS_COLUMNS",
    "COVERAGE_COLUMNS",
    "validate_history",
    "validate_forecast",
    "interval_length",
    "roster_frames",
]

HISTORY_COLUMNS = ("queue", "interval_start", "calls", "aht_s")
HISTORY_OPTIONAL = ("abandoned", "answered", "answered_within_target")
FORECAST_COLUMNS = ("queue", "interval_start", "calls", "aht_s", "calls_low", "calls_high")
REQUIREMENTS_COLUMNS = FORECAST_COLUMNS + (
    "traffic",
    "agents_needed",
    "staff_needed",
    "expected_service_level",
)
COVERAGE_COLUMNS = (
    "interval_start",
    "scheduled",
    "on_phone",
    "agents_needed",
    "service_level",
    "asa_s",
    "occupancy",
)


def _row_label(frame: pd.DataFrame, position: int, file: str | None) -> int:
    """Row number to show: the file line (header = line 1) or the frame position."""
    return position + 2 if file is not None else position


def _fail(problem, frame, position, column, value, file):
    raise DataError(
        problem,
        file=file,
        row=_row_label(frame, position, file),
        column=column,
        value=value,
        has_value=True,
    )


def _require_columns(frame: pd.DataFrame, columns, file: str | None, what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}", file=file)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"missing column(s) {missing} in {what}; found {list(map(str, frame.columns))}",
            file=file,
            column=missing[0],
        )
    if len(frame) == 0:
        raise DataError(f"{what} is empty", file=file)


def _numeric(frame, column, file, *, allow_nan=False, positive=False, nonneg=True):
    raw = frame[column]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        arr = raw.to_numpy(dtype=float)
        if not allow_nan and np.isnan(arr).any():
            pos = int(np.flatnonzero(np.isnan(arr))[0])
            _fail("not a number", frame, pos, column, raw.iloc[pos], file)
    else:
        values = pd.to_numeric(raw, errors="coerce")
        bad = values.isna() & ~(raw.isna() & allow_nan)
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            _fail("not a number", frame, pos, column, raw.iloc[pos], file)
        arr = values.to_numpy(dtype=float)
    finite = np.isfinite(arr) | (np.isnan(arr) & allow_nan)
    if not finite.all():
        pos = int(np.flatnonzero(~finite)[0])
        _fail("not a finite number", frame, pos, column, arr[pos], file)
    if positive:
        bad = ~(arr > 0) & ~np.isnan(arr)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            _fail("must be > 0", frame, pos, column, arr[pos], file)
    elif nonneg:
        bad = arr < 0
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            _fail("must be >= 0", frame, pos, column, arr[pos], file)
    return arr


def _timestamps(frame, column, file):
    col = frame[column]
    if pd.api.types.is_datetime64_any_dtype(col):
        ts = col
    else:
        ts = pd.to_datetime(col, errors="coerce", format="mixed")
    bad = ts.isna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        _fail("unparsable or missing time", frame, pos, column, col.iloc[pos], file)
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_localize(None)
    return ts


def _queue_steps(frame: pd.DataFrame, codes: np.ndarray | None = None):
    """Queue codes, int64 start times [ns], and each row's step from the previous row
    of its queue in frame order (``None`` where it is the queue's first row)."""
    if codes is None:
        codes, _ = pd.factorize(frame["queue"], sort=False)
    times = frame["interval_start"].to_numpy().astype("datetime64[ns]").astype(np.int64)
    by_queue = np.argsort(codes, kind="stable")  # frame order kept within a queue
    same = codes[by_queue][1:] == codes[by_queue][:-1]
    steps = np.diff(times[by_queue])
    rows = by_queue[1:][same]  # rows that have a predecessor in their queue
    return codes, times, rows, steps[same]


def interval_length(frame: pd.DataFrame) -> pd.Timedelta:
    """The regular interval length of a validated frame (smallest step within a queue).

    A validated frame is sorted by queue and time, so the steps within a queue are the
    differences between neighbouring rows of the same queue.
    """
    queue = frame["queue"].to_numpy()
    times = frame["interval_start"].to_numpy().astype("datetime64[ns]").astype(np.int64)
    steps = np.diff(times)[queue[1:] == queue[:-1]]
    steps = steps[steps > 0]
    if steps.size == 0:
        raise DataError("cannot tell the interval length from a single interval per queue")
    return pd.Timedelta(int(steps.min()), unit="ns")


def _check_intervals(frame: pd.DataFrame, file: str | None,
                     codes: np.ndarray | None = None) -> pd.Timedelta | None:
    """No duplicates; every start on the grid of the interval length; sorted per queue."""
    codes, times, rows, steps = _queue_steps(frame, codes)
    key = np.lexsort((times, codes))  # stable: equal keys keep frame order
    dup = (codes[key][1:] == codes[key][:-1]) & (times[key][1:] == times[key][:-1])
    if dup.any():
        pos = int(key[1:][dup].min())
        _fail(
            f"duplicated interval for queue {frame['queue'].iloc[pos]!r}",
            frame,
            pos,
            "interval_start",
            str(frame["interval_start"].iloc[pos]),
            file,
        )
    back = steps < 0
    if back.any():
        pos = int(rows[back].min())
        _fail("intervals are not sorted in time", frame, pos, "interval_start",
              str(frame["interval_start"].iloc[pos]), file)
    if steps.size == 0:
        return None
    # The interval length is the most common step (ties: the shortest), so that one
    # stray start (09:07 among half hours) is reported, not taken as the grid.
    values, counts = np.unique(steps, return_counts=True)
    ns = int(values[counts == counts.max()].min())
    step = pd.Timedelta(ns, unit="ns")
    # Every start must sit on the grid defined by the step (gaps of whole intervals,
    # e.g. closed nights or missing days, are allowed; a 7-minute offset is not).
    off = (times - times[0]) % ns != 0
    if off.any():
        pos = int(np.flatnonzero(off)[0])
        _fail(
            f"irregular interval: not on the {_fmt_td(step)} grid of the other intervals",
            frame,
            pos,
            "interval_start",
            str(frame["interval_start"].iloc[pos]),
            file,
        )
    if pd.Timedelta(days=1).value % ns:
        raise DataError(f"interval length {_fmt_td(step)} does not divide a day", file=file,
                        column="interval_start")
    return step


def _fmt_td(td: pd.Timedelta) -> str:
    minutes = td.total_seconds() / 60
    return f"{minutes:g}-min"


def validate_history(frame: pd.DataFrame, *, file: str | None = None) -> pd.DataFrame:
    """Check and normalise an interval history frame.

    Parameters
    ----------
    frame : DataFrame
        Columns ``queue``, ``interval_start``, ``calls``, ``aht_s``; optional
        ``abandoned``, ``answered``, ``answered_within_target``.  ``queue`` may be
        absent when there is one queue (it is then named "default").  ``aht_s`` may be
        NaN where no call was handled, or absent for volume-only data.
    file : str, optional
        Source file, named in error messages.

    Returns
    -------
    DataFrame
        A copy sorted by queue and time, with typed columns.

    Raises
    ------
    DataError
        Missing column, empty frame, negative or non-numeric calls, AHT <= 0 where
        calls were handled, duplicated or off-grid intervals, unparsable times.
    """
    cols, queues = _prepare(frame, file, "history", ("interval_start", "calls"))
    cols["calls"] = _numeric(frame, "calls", file)
    if "aht_s" in frame.columns:
        cols["aht_s"] = _numeric(frame, "aht_s", file, allow_nan=True, positive=True)
    else:
        cols["aht_s"] = np.full(len(frame), np.nan)
    for col in HISTORY_OPTIONAL:
        if col in frame.columns:
            cols[col] = _numeric(frame, col, file, allow_nan=True)
    return _finish(cols, queues, file)


def validate_forecast(frame: pd.DataFrame, *, file: str | None = None) -> pd.DataFrame:
    """Check and normalise a forecast frame (see :data:`FORECAST_COLUMNS`).

    ``calls_low`` / ``calls_high`` default to ``calls`` when absent.  ``aht_s`` must be
    > 0 wherever calls > 0.
    """
    cols, queues = _prepare(frame, file, "forecast", ("interval_start", "calls", "aht_s"))
    calls = cols["calls"] = _numeric(frame, "calls", file)
    aht = cols["aht_s"] = _numeric(frame, "aht_s", file, allow_nan=True, positive=True)
    missing_aht = np.isnan(aht) & (calls > 0)
    if missing_aht.any():
        pos = int(np.flatnonzero(missing_aht)[0])
        _fail("AHT is missing where calls are expected", frame, pos, "aht_s", np.nan, file)
    for col in ("calls_low", "calls_high"):
        cols[col] = _numeric(frame, col, file) if col in frame.columns else calls
    return _finish(cols, queues, file)


def _prepare(frame, file, what, required) -> tuple[dict, tuple[np.ndarray, np.ndarray]]:
    """Required columns present; queue names and times checked.  Returns the columns
    as arrays (the frame is built once, at the end: inserting columns one by one into a
    DataFrame costs more than all the checks) and the queue codes and names."""
    _require_columns(frame, required, file, what)
    n = len(frame)
    cols = {"queue": None} if "queue" not in frame.columns else {}
    cols.update({c: frame[c].to_numpy() for c in frame.columns})
    if "queue" not in frame.columns:
        cols["queue"] = np.full(n, "default", dtype=object)
        codes, names = np.zeros(n, dtype=np.intp), np.array(["default"], dtype=object)
    else:
        codes, uniques = pd.factorize(frame["queue"])  # missing -> -1
        names = np.array([str(u) for u in uniques], dtype=object)
        blank = np.array([name.strip() == "" for name in names], dtype=bool)
        bad = (codes < 0) | (blank[np.maximum(codes, 0)] if names.size else True)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            _fail("missing queue name", frame, pos, "queue", frame["queue"].iloc[pos], file)
        cols["queue"] = names[codes]
    cols["interval_start"] = _timestamps(frame, "interval_start", file).to_numpy()
    return cols, (codes, names)


def _finish(cols: dict, queues, file) -> pd.DataFrame:
    codes, names = queues
    frame = pd.DataFrame(cols)
    _check_intervals(frame, file, codes)
    rank = np.argsort(np.argsort(names.astype(str), kind="stable"))  # position in sorted names
    if len(frame) > 1 and np.all(np.diff(rank[codes]) >= 0):
        return frame  # already sorted by queue, and by time within a queue (checked above)
    # Stable sort keeps file order within equal keys; positions were checked above.
    return frame.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)


def roster_frames(result_or_shifts, breaks: pd.DataFrame | None = None):
    """The shifts and breaks frames of a solver result, or the frames given.

    Parameters
    ----------
    result_or_shifts : SolveResult or DataFrame
        Anything with ``shifts`` and ``breaks`` frames (a ``solver.result.SolveResult``),
        or a shifts frame.
    breaks : DataFrame or None
        Breaks and activities, only with a shifts frame.

    Returns
    -------
    (DataFrame, DataFrame or None)
    """
    from wfm.errors import InputError

    if isinstance(result_or_shifts, pd.DataFrame):
        return result_or_shifts, breaks
    shifts = getattr(result_or_shifts, "shifts", None)
    if not isinstance(shifts, pd.DataFrame):
        raise InputError("result_or_shifts", type(result_or_shifts).__name__,
                         "a SolveResult or a shifts DataFrame")
    if breaks is not None:
        raise InputError("breaks", "...", "None when a SolveResult (which has its breaks) is given")
    return shifts, getattr(result_or_shifts, "breaks", None)
