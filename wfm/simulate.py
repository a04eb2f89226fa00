"""Discrete-event simulation of a roster against a forecast (or real call records).

Erlang C is a steady-state formula for one interval.  A real day has breaks, shift
changes, long calls and callers who hang up; :func:`simulate` replays a whole horizon
call by call, with agents coming on and going off as the roster says, and reports
per-interval service level, ASA, abandonment and occupancy with confidence intervals
over independent replications.

Model
-----
Arrivals
    Non-homogeneous Poisson: in each forecast interval the rate is constant, so the
    number of calls is Poisson(``calls``) and their times are uniform in the interval.
    With ``overdispersion = v`` each day's rates (all queues together) are multiplied by a
    gamma factor of mean 1 and coefficient of variation ``v``: days are busier or
    quieter as a whole, as real days are.  Or ``call_records`` replays real calls.
Handle times
    Lognormal with the interval's ``aht_s`` as mean and ``aht_cv`` as coefficient of
    variation (talk times of the Israeli bank data: sample CV 1.32, lognormal MLE CV
    2.0 because of many very short calls; see :func:`fit_lognormal_cv` and
    ``docs/calibration.md``), or resampled from an empirical sample (``handle_times``),
    rescaled so that its mean is the interval's AHT.
Patience
    Exponential with mean ``patience_s``, or resampled from ``patience_sample``, or
    nobody hangs up (``patience_s=None``).  :func:`fit_exponential_patience` estimates
    the mean from waits of answered (censored) and abandoned callers.
Agents
    Every shift is one agent, on the phones from ``start`` to ``end`` except during its
    breaks and activities.  An agent busy when a break or the shift end comes finishes
    the call in hand first.  The break then starts late **and keeps its full length**
    (the return is delayed, never cut short); at the end of the shift the agent leaves
    after the call.  Among idle agents the one idle longest answers.
Queues
    First come, first served within a queue.  With several queues an agent takes the
    waiting call of the best-priority queue it is skilled for (``queue_priority``,
    lower first), then the earliest arrival.

Measures (per queue and interval of *arrival*)
    ``service_level`` = calls answered within ``answer_within_s`` / calls offered;
    ``asa_s`` = mean wait of answered calls; ``mean_wait_s`` = mean time in queue of
    all offered calls (abandoned ones until they hung up, comparable with
    :func:`wfm.erlang.erlang_a` ``asa``); ``abandon_rate`` = abandoned / offered;
    ``occupancy`` = agent time on calls / agent time on the phones in the interval (all
    agents, all queues: the same on every queue's row).  A call still waiting when no
    agent is left (possible only when nobody hangs up) counts as ``unserved`` and not as
    answered.

The kernels live in :mod:`wfm._simkernel` (numba-compiled when numba is installed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from wfm import _simkernel
from wfm.errors import DataError, InputError
from wfm.frames import validate_forecast

__all__ = [
    "simulate",
    "SimulationResult",
    "fit_lognormal_cv",
    "fit_exponential_patience",
    "on_phone_windows",
    "INTERVAL_KPIS",
]

ProgressCallback = Callable[[float, float, str], None]

#: Measures reported per interval, each with ``_low`` / ``_high`` confidence bounds.
INTERVAL_KPIS = ("service_level", "asa_s", "mean_wait_s", "abandon_rate", "occupancy")
_COUNTS = ("offered", "answered", "abandoned", "unserved", "answered_within")
_CONFIDENCE = 0.95


# ----------------------------------------------------------------------------- fitting
def fit_lognormal_cv(talk_times) -> float:
    """Coefficient of variation of a lognormal fitted to handle times (MLE).

    Parameters
    ----------
    talk_times : array-like of float
        Handle (or talk) times [s], all > 0.

    Returns
    -------
    float
        ``sqrt(exp(sigma^2) - 1)`` where ``sigma`` is the standard deviation of
        ``log(talk_times)`` (maximum-likelihood, divisor n).

    Raises
    ------
    InputError
        Fewer than two values, or a value that is not a finite number > 0.
    """
    x = np.asarray(talk_times, dtype=float).ravel()
    if x.size < 2:
        raise InputError("talk_times", x.size, "at least two handle times")
    bad = ~(np.isfinite(x) & (x > 0))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(f"talk_times[{pos}]", x[pos], "a finite time > 0 s")
    sigma2 = np.var(np.log(x))
    return float(np.sqrt(np.expm1(sigma2)))


def fit_exponential_patience(wait_s, abandoned) -> float:
    """Mean patience of an exponential fitted to censored waits (MLE).

    A caller who hung up after waiting ``w`` had patience ``w``; a caller answered after
    ``w`` had patience *more than* ``w`` (right-censored).  The likelihood of an
    exponential with mean ``m`` is maximised by total wait / number of abandons.

    Parameters
    ----------
    wait_s : array-like of float
        Time each queued caller waited (until answer or hang-up) [s], >= 0.
    abandoned : array-like of bool
        True where the caller hung up.

    Returns
    -------
    float
        Mean patience [s].

    Raises
    ------
    InputError
        Mismatched lengths, negative or non-finite waits, or no abandon at all (the
        mean is then unbounded).

    References
    ----------
    .. [1] Brown, L. et al. (2005). Statistical analysis of a telephone call center: a
       queueing-science perspective. *JASA* 100(469), 36-50.
       https://doi.org/10.1198/016214504000001808
    """
    w = np.asarray(wait_s, dtype=float).ravel()
    ab = np.asarray(abandoned, dtype=bool).ravel()
    if w.shape != ab.shape:
        raise InputError("abandoned", ab.size, f"one flag per wait ({w.size})")
    bad = ~(np.isfinite(w) & (w >= 0))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(f"wait_s[{pos}]", w[pos], "a finite wait >= 0 s")
    if not ab.any():
        raise InputError("abandoned", 0, "at least one abandoned call (otherwise patience is unbounded)")
    return float(w.sum() / ab.sum())


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True)
class SimulationResult:
    """Outcome of :func:`simulate`.

    Attributes
    ----------
    intervals : DataFrame
        One row per queue and interval: ``queue``, ``interval_start``, mean counts
        ``offered``, ``answered``, ``abandoned``, ``unserved``, ``on_phone`` (mean
        agents on the phones, time-averaged), then each of :data:`INTERVAL_KPIS` with
        ``<kpi>_low`` / ``<kpi>_high`` (95 % confidence interval of the mean over
        replications; NaN with one replication).  Ratios are NaN where no call arrived.
    totals : DataFrame
        One row per queue and one row ``"all"``: volume-weighted measures over the whole
        horizon with their confidence intervals, plus ``break_min_per_agent_hour`` (break
        and activity minutes really taken, overruns included, per hour of shift).
    replications : int
    answer_within_s : float
    per_replication : DataFrame
        Raw sums per replication, queue and interval (``replication``, ``queue``,
        ``interval_start``, counts, ``wait_answered_s``, ``wait_all_s``,
        ``busy_s``, ``on_phone_s``), for pooling elsewhere.
    calls : DataFrame or None
        With ``keep_calls=True``: one row per simulated call (``replication``, ``queue``,
        ``arrival``, ``answer``, ``end``, ``shift_id``, ``outcome`` in {"answered",
        "abandoned", "unserved"}, ``wait_s``, ``handle_s``).
    presence : DataFrame or None
        With ``keep_calls=True``: one row per on-phone window and replication:
        ``replication``, ``shift_id``, ``planned_start``, ``planned_end``, ``start``,
        ``end`` (when the agent really came on / went off; NaT if lost to an overrun).
    """

    intervals: pd.DataFrame
    totals: pd.DataFrame
    replications: int
    answer_within_s: float
    per_replication: pd.DataFrame
    calls: pd.DataFrame | None = None
    presence: pd.DataFrame | None = None


# ---------------------------------------------------------------------- input handling
_SHIFT_REQUIRED = ("shift_id", "start", "end")
_BREAK_REQUIRED = ("shift_id", "start", "end")


def _timestamps(frame: pd.DataFrame, column: str, what: str) -> pd.Series:
    col = frame[column]
    ts = col if pd.api.types.is_datetime64_any_dtype(col) else pd.to_datetime(col, errors="coerce")
    bad = ts.isna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"unparsable or missing time in {what}", row=pos, column=column,
                        value=col.iloc[pos], has_value=True)
    return ts


def _require(frame, columns, what):
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"missing column(s) {missing} in {what}; found {list(map(str, frame.columns))}",
                        column=missing[0])


def on_phone_windows(shifts: pd.DataFrame, breaks: pd.DataFrame | None) -> pd.DataFrame:
    """On-phone windows of each shift: the shift less its breaks and activities.

    Parameters
    ----------
    shifts : DataFrame
        ``shift_id``, ``start``, ``end`` (see ``solver.result.SHIFT_COLUMNS``).
    breaks : DataFrame or None
        ``shift_id``, ``start``, ``end`` of each break or activity.

    Returns
    -------
    DataFrame
        ``shift``, the 0-based position of the shift in ``shifts``, ``shift_id``,
        ``start``, ``end``; sorted by shift then time.  A shift entirely covered by
        breaks has no window.

    Raises
    ------
    DataError
        Unparsable times, a shift that does not end after it starts, a duplicated
        ``shift_id``, a break of an unknown shift, a break not inside its shift or
        not ending after it starts.
    """
    _require(shifts, _SHIFT_REQUIRED, "shifts")
    s_start = _timestamps(shifts, "start", "shifts")
    s_end = _timestamps(shifts, "end", "shifts")
    bad = ~(s_end > s_start).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError("shift must end after it starts", row=pos, column="end",
                        value=str(s_end.iloc[pos]), has_value=True)
    ids = shifts["shift_id"].astype(str).to_numpy()
    dup = pd.Series(ids).duplicated().to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        raise DataError("duplicated shift_id in shifts", row=pos, column="shift_id",
                        value=ids[pos], has_value=True)
    n = len(ids)
    s0 = s_start.to_numpy("datetime64[ns]").astype(np.int64)
    s1 = s_end.to_numpy("datetime64[ns]").astype(np.int64)
    if breaks is None or not len(breaks):
        b_shift = np.zeros(0, np.int64)
        b0 = b1 = np.zeros(0, np.int64)
    else:
        _require(breaks, _BREAK_REQUIRED, "breaks")
        b_start = _timestamps(breaks, "start", "breaks")
        b_end = _timestamps(breaks, "end", "breaks")
        b_ids = breaks["shift_id"].astype(str).to_numpy()
        b_shift = pd.Index(ids).get_indexer(b_ids).astype(np.int64)
        if (b_shift < 0).any():
            r = int(np.flatnonzero(b_shift < 0)[0])
            raise DataError("break of a shift that is not in shifts", row=r, column="shift_id",
                            value=b_ids[r], has_value=True)
        b0 = b_start.to_numpy("datetime64[ns]").astype(np.int64)
        b1 = b_end.to_numpy("datetime64[ns]").astype(np.int64)
        bad = ~(b1 > b0)
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise DataError("break must end after it starts", row=r, column="end",
                            value=str(b_end.iloc[r]), has_value=True)
        bad = (b0 < s0[b_shift]) | (b1 > s1[b_shift])
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            k = b_shift[r]
            raise DataError(f"break outside its shift ({s_start.iloc[k]} - {s_end.iloc[k]})",
                            row=r, column="start", value=str(b_start.iloc[r]), has_value=True)
        # merge overlapping breaks of a shift into blocks
        order = np.lexsort((b0, b_shift))
        b_shift, b0, b1 = b_shift[order], b0[order], b1[order]
        run_max = pd.Series(b1).groupby(b_shift).cummax().to_numpy()
        prev_max = np.r_[np.iinfo(np.int64).min, run_max[:-1]]
        new = np.r_[True, b_shift[1:] != b_shift[:-1]] | (b0 > prev_max)
        first = np.flatnonzero(new)
        b1 = np.maximum.reduceat(b1, first)
        b_shift, b0 = b_shift[first], b0[first]
    # windows: [shift start, block ends ...] paired with [block starts ..., shift end]
    w_shift = np.r_[np.arange(n), b_shift]
    starts = np.r_[s0, b1]
    ends = np.r_[b0, s1]
    o_start = np.lexsort((starts, w_shift))
    o_end = np.lexsort((ends, np.r_[b_shift, np.arange(n)]))
    w_shift, starts, ends = w_shift[o_start], starts[o_start], ends[o_end]
    keep = ends > starts
    w_shift = w_shift[keep]
    return pd.DataFrame({
        "shift": w_shift,
        "shift_id": ids[w_shift],
        "start": pd.to_datetime(starts[keep]),
        "end": pd.to_datetime(ends[keep]),
    })


@dataclass(frozen=True)
class _Grid:
    """Forecast rows as arrays; times in seconds from ``origin`` (a midnight)."""

    origin: pd.Timestamp
    interval_s: float
    queues: tuple[str, ...]
    row_queue: np.ndarray  # int64 queue index of each forecast row
    row_start: np.ndarray  # float seconds
    calls: np.ndarray
    aht: np.ndarray
    frame: pd.DataFrame  # validated forecast
    slot_start: np.ndarray  # distinct interval starts over all queues, seconds, sorted
    row_slot: np.ndarray  # slot of each row


def _grid(forecast, interval, origin_hint) -> _Grid:
    fc = validate_forecast(forecast)
    if interval is None:
        steps = fc.groupby("queue", sort=False)["interval_start"].diff().dropna()
        steps = steps[steps > pd.Timedelta(0)]
        if steps.empty:
            raise InputError("interval", None, "an interval length (the forecast has one interval per queue)")
        step = steps.min()
    else:
        step = pd.Timedelta(interval)
        if step <= pd.Timedelta(0):
            raise InputError("interval", interval, "a positive duration such as '15min'")
    origin = min(fc["interval_start"].min(), origin_hint).normalize()
    queues = tuple(pd.unique(fc["queue"]))
    qindex = {q: k for k, q in enumerate(queues)}
    row_start = ((fc["interval_start"] - origin) / pd.Timedelta(seconds=1)).to_numpy(float)
    slot_start, row_slot = np.unique(row_start, return_inverse=True)
    return _Grid(
        origin=origin,
        interval_s=step.total_seconds(),
        queues=queues,
        row_queue=fc["queue"].map(qindex).to_numpy(np.int64),
        row_start=row_start,
        calls=fc["calls"].to_numpy(float),
        aht=fc["aht_s"].fillna(1.0).to_numpy(float),
        frame=fc,
        slot_start=slot_start,
        row_slot=row_slot.astype(np.int64),
    )


def _check_positive(name, value, allow_none=True):
    if value is None and allow_none:
        return None
    v = float(value)
    if not (np.isfinite(v) and v > 0):
        raise InputError(name, value, "a finite number > 0")
    return v


def _sample_array(name, values):
    if values is None:
        return None
    x = np.asarray(values, dtype=float).ravel()
    if x.size == 0:
        raise InputError(name, values, "a non-empty sample")
    bad = ~(np.isfinite(x) & (x > 0))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(f"{name}[{pos}]", x[pos], "finite times > 0 s")
    return x


def _records(call_records, grid: _Grid):
    """Replayed calls as arrays: row of the grid, arrival [s], handle [s], patience or NaN."""
    _require(call_records, ("arrival", "handle_s"), "call_records")
    arr = _timestamps(call_records, "arrival", "call_records")
    t = ((arr - grid.origin) / pd.Timedelta(seconds=1)).to_numpy(float)
    handle = pd.to_numeric(call_records["handle_s"], errors="coerce").to_numpy(float)
    bad = ~(np.isfinite(handle) & (handle > 0))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError("handle time must be a finite number > 0", row=pos, column="handle_s",
                        value=call_records["handle_s"].iloc[pos], has_value=True)
    if "patience_s" in call_records.columns:
        pat = pd.to_numeric(call_records["patience_s"], errors="coerce").to_numpy(float)
        bad = pat <= 0
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError("patience must be > 0 (NaN: draw it)", row=pos, column="patience_s",
                            value=pat[pos], has_value=True)
    else:
        pat = np.full(t.size, np.nan)
    if "queue" in call_records.columns:
        qindex = {q: k for k, q in enumerate(grid.queues)}
        qn = call_records["queue"].astype(str).map(qindex)
        if qn.isna().any():
            pos = int(np.flatnonzero(qn.isna().to_numpy())[0])
            raise DataError("queue not in the forecast", row=pos, column="queue",
                            value=call_records["queue"].iloc[pos], has_value=True)
        q = qn.to_numpy(np.int64)
    else:
        if len(grid.queues) != 1:
            raise DataError("call_records need a 'queue' column when the forecast has several queues",
                            column="queue")
        q = np.zeros(t.size, np.int64)
    # the grid row of each call: its queue and the interval it arrived in
    key = {(int(qq), float(s)): r for r, (qq, s) in enumerate(zip(grid.row_queue, grid.row_start, strict=True))}
    slot = np.floor(t / grid.interval_s) * grid.interval_s
    rows = np.fromiter((key.get((int(a), float(b)), -1) for a, b in zip(q, slot, strict=True)),
                       np.int64, t.size)
    if (rows < 0).any():
        pos = int(np.flatnonzero(rows < 0)[0])
        raise DataError("call arrives outside the forecast's intervals", row=pos, column="arrival",
                        value=str(arr.iloc[pos]), has_value=True)
    order = np.argsort(t, kind="stable")
    return rows[order], t[order], handle[order], pat[order]


# ----------------------------------------------------------------------------- simulate
def simulate(
    shifts: pd.DataFrame,
    breaks: pd.DataFrame | None,
    forecast: pd.DataFrame,
    *,
    aht_cv: float = 1.1,
    handle_times=None,
    patience_s: float | None = None,
    patience_sample=None,
    overdispersion: float | None = None,
    call_records: pd.DataFrame | None = None,
    agent_skills: Mapping[str, set[str] | frozenset[str]] | None = None,
    queue_priority: Mapping[str, int] | None = None,
    replications: int = 10,
    rng: np.random.Generator | int | None = None,
    progress: ProgressCallback | None = None,
    answer_within_s: float = 20.0,
    interval: pd.Timedelta | str | None = None,
    keep_calls: bool = False,
    method: Literal["auto", "fcfs", "event"] = "auto",
    absence: float = 0.0,
) -> SimulationResult:
    """Simulate a roster against a forecast, replication by replication.

    Parameters
    ----------
    shifts : DataFrame
        One row per shift (``solver.result.SHIFT_COLUMNS``; ``shift_id``, ``start``,
        ``end`` are used, and ``agent_id`` with ``agent_skills``).
    breaks : DataFrame or None
        Breaks and activities (``solver.result.BREAK_COLUMNS``; ``shift_id``, ``start``,
        ``end`` are used).  Agents are off the phones during them.
    forecast : DataFrame
        Forecast frame: ``queue``, ``interval_start``, ``calls`` (expected calls in
        the interval), ``aht_s`` [s].
    aht_cv : float
        Coefficient of variation of the lognormal handle time (ignored with
        ``handle_times`` or ``call_records``).
    handle_times : array-like or None
        Empirical handle times [s] to resample, rescaled to each interval's AHT.
    patience_s : float or None
        Mean of the exponential patience [s]; None: callers never hang up (unless
        ``patience_sample`` is given).
    patience_sample : array-like or None
        Empirical patience times [s] to resample (uncensored).
    overdispersion : float or None
        Coefficient of variation of the day-level gamma factor on arrival rates.
    call_records : DataFrame or None
        Real calls to replay instead of drawing arrivals and handle times: ``arrival``
        (Timestamp), ``handle_s`` [s], optional ``queue``, optional ``patience_s`` (NaN
        where unknown: drawn from the patience model; ``inf``: never hangs up).  Every
        call must fall in an interval of ``forecast`` (which then only sets the grid).
    agent_skills : mapping or None
        ``agent_id -> set of queues``; every shift's ``agent_id`` must be present.
        Default: every agent answers every queue.
    queue_priority : mapping or None
        ``queue -> int``, lower is served first; default all equal (FCFS across
        queues).
    replications : int
        Independent replications (>= 1); the confidence intervals need >= 2.
    rng : numpy.random.Generator or int or None
        Source of randomness; replication ``r`` uses the ``r``-th child stream, so the
        same seed gives the same result and adding replications keeps earlier ones.
    progress : callable or None
        ``progress(done, total, message)`` after each replication.
    answer_within_s : float
        Service-level threshold [s].
    interval : Timedelta or str or None
        Interval length, if the forecast has only one interval per queue.
    keep_calls : bool
        Keep every simulated call and on-phone window in the result.
    method : {"auto", "fcfs", "event"}
        Kernel: "fcfs" (one queue only), "event" (any), "auto" picks "fcfs" for one
        queue without skills.  Both are exact for one queue and give the same calls.

    Returns
    -------
    SimulationResult

    Raises
    ------
    DataError
        Bad shifts, breaks, forecast or call records (names the row, column, value).
    InputError
        A parameter out of its domain.
    """
    if not (isinstance(replications, int | np.integer) and replications >= 1):
        raise InputError("replications", replications, "an integer >= 1")
    if not (np.isfinite(aht_cv) and aht_cv >= 0):
        raise InputError("aht_cv", aht_cv, "a coefficient of variation >= 0")
    if not (np.isfinite(answer_within_s) and answer_within_s >= 0):
        raise InputError("answer_within_s", answer_within_s, "seconds >= 0")
    patience_s = _check_positive("patience_s", patience_s)
    if patience_s is not None and patience_sample is not None:
        raise InputError("patience_sample", "...", "not both patience_s and patience_sample")
    if overdispersion is not None and not (np.isfinite(overdispersion) and overdispersion >= 0):
        raise InputError("overdispersion", overdispersion, "a coefficient of variation >= 0")
    if method not in ("auto", "fcfs", "event"):
        raise InputError("method", method, "'auto', 'fcfs' or 'event'")
    if not (np.isfinite(absence) and 0.0 <= absence < 1.0):
        raise InputError("absence", absence, "a probability in [0, 1)")
    handle_sample = _sample_array("handle_times", handle_times)
    patience_pool = _sample_array("patience_sample", patience_sample)

    windows = on_phone_windows(shifts, breaks)
    s_start = _timestamps(shifts, "start", "shifts")
    s_end = _timestamps(shifts, "end", "shifts")
    grid = _grid(forecast, interval, s_start.min())
    sec = pd.Timedelta(seconds=1)
    win_start = ((windows["start"] - grid.origin) / sec).to_numpy(float)
    win_end = ((windows["end"] - grid.origin) / sec).to_numpy(float)
    n_agents = len(shifts)
    win_count = np.bincount(windows["shift"].to_numpy(np.int64), minlength=n_agents).astype(np.int64)
    win_first = np.concatenate([[0], np.cumsum(win_count)[:-1]]).astype(np.int64)
    hours_each = ((s_end - s_start) / pd.Timedelta(hours=1)).to_numpy(float)
    shift_hours = float(hours_each.sum())

    n_queues = len(grid.queues)
    skills = _skills_matrix(shifts, agent_skills, grid.queues)
    prio = _priorities(queue_priority, grid.queues)
    if method == "auto":
        method = "fcfs" if n_queues == 1 and skills.all() else "event"
    if method == "fcfs" and (n_queues != 1 or not skills.all()):
        raise InputError("method", "fcfs", "'event' when there are several queues or skills")

    replay = _records(call_records, grid) if call_records is not None else None
    streams = np.random.default_rng(rng).spawn(replications)
    n_rows = len(grid.row_start)
    n_slots = grid.slot_start.size
    sums = {name: np.zeros((replications, n_rows)) for name in
            _COUNTS + ("wait_answered_s", "wait_all_s")}
    busy = np.zeros((replications, n_slots))
    avail = np.zeros((replications, n_slots))
    break_min = np.zeros(replications)
    call_frames, presence_frames = [], []
    for r, gen in enumerate(streams):
        if replay is None:
            rows, arrival, service, patience = _draw_calls(
                grid, gen, aht_cv, handle_sample, patience_s, patience_pool, overdispersion
            )
        else:
            rows, arrival, service, patience = replay
            patience = patience.copy()
            missing = np.isnan(patience)
            patience[missing] = _draw_patience(gen, int(missing.sum()), patience_s, patience_pool)
        queue = grid.row_queue[rows]
        count, hours = win_count, shift_hours
        if absence > 0:
            present = gen.random(n_agents) >= absence
            count = np.where(present, win_count, 0).astype(np.int64)
            hours = float(hours_each[present].sum())
        if method == "fcfs":
            start, agent, outcome, eff_start, eff_end = _simkernel.fcfs_single_queue(
                arrival, service, patience, win_start, win_end, win_first, count
            )
        else:
            start, agent, outcome, eff_start, eff_end = _simkernel.skills_priorities(
                arrival, queue, service, patience, n_queues, prio, skills,
                win_start, win_end, win_first, count,
            )
        answered = outcome == _simkernel.ANSWERED
        abandoned = outcome == _simkernel.ABANDONED
        wait = np.where(answered, start - arrival, np.where(abandoned, patience, 0.0))
        within = answered & (wait <= answer_within_s)
        sums["offered"][r] = np.bincount(rows, minlength=n_rows)
        sums["answered"][r] = np.bincount(rows, answered, minlength=n_rows)
        sums["abandoned"][r] = np.bincount(rows, abandoned, minlength=n_rows)
        sums["unserved"][r] = np.bincount(rows, outcome == _simkernel.UNSERVED, minlength=n_rows)
        sums["answered_within"][r] = np.bincount(rows, within, minlength=n_rows)
        sums["wait_answered_s"][r] = np.bincount(rows, np.where(answered, wait, 0.0), minlength=n_rows)
        sums["wait_all_s"][r] = np.bincount(rows, wait, minlength=n_rows)
        busy[r] = _time_in_slots(start[answered], start[answered] + service[answered],
                                 grid.slot_start, grid.interval_s)
        taken = ~np.isnan(eff_start)
        avail[r] = _time_in_slots(eff_start[taken], eff_end[taken], grid.slot_start,
                                  grid.interval_s)
        break_min[r] = _break_minutes(eff_start, eff_end, win_first, count) / max(hours, 1e-12)
        if keep_calls:
            call_frames.append(_calls_frame(r, grid, rows, arrival, start, service, agent, outcome,
                                            wait, shifts))
            presence_frames.append(_presence_frame(r, grid, windows, eff_start, eff_end))
        if progress is not None:
            progress(r + 1, replications, f"replication {r + 1}/{replications}")

    intervals = _interval_frame(grid, sums, busy, avail, answer_within_s)
    totals = _totals_frame(grid, sums, busy, avail, break_min)
    per_rep = _per_replication_frame(grid, sums, busy, avail)
    return SimulationResult(
        intervals=intervals,
        totals=totals,
        replications=replications,
        answer_within_s=float(answer_within_s),
        per_replication=per_rep,
        calls=pd.concat(call_frames, ignore_index=True) if keep_calls else None,
        presence=pd.concat(presence_frames, ignore_index=True) if keep_calls else None,
    )


def _skills_matrix(shifts, agent_skills, queues) -> np.ndarray:
    n = len(shifts)
    if agent_skills is None:
        return np.ones((n, len(queues)), dtype=np.bool_)
    if "agent_id" not in shifts.columns:
        raise DataError("shifts need an 'agent_id' column with agent_skills", column="agent_id")
    out = np.zeros((n, len(queues)), dtype=np.bool_)
    qindex = {q: k for k, q in enumerate(queues)}
    for row, aid in enumerate(shifts["agent_id"].astype(str)):
        if aid not in agent_skills:
            raise DataError("agent has no entry in agent_skills", row=row, column="agent_id",
                            value=aid, has_value=True)
        for q in agent_skills[aid]:
            if q in qindex:
                out[row, qindex[q]] = True
    return out


def _priorities(queue_priority, queues) -> np.ndarray:
    if queue_priority is None:
        return np.zeros(len(queues), np.int64)
    unknown = [q for q in queue_priority if q not in queues]
    if unknown:
        raise InputError("queue_priority", unknown[0], f"a queue of the forecast {list(queues)}")
    return np.array([int(queue_priority.get(q, 0)) for q in queues], np.int64)


def _draw_patience(gen, n, patience_s, pool):
    if pool is not None:
        return pool[gen.integers(0, pool.size, n)]
    if patience_s is not None:
        return gen.exponential(patience_s, n)
    return np.full(n, np.inf)


def _draw_calls(grid: _Grid, gen, aht_cv, handle_sample, patience_s, patience_pool, overdispersion):
    """Non-homogeneous Poisson arrivals, handle times and patience for one replication."""
    rate = grid.calls
    if overdispersion:
        day = np.floor(grid.row_start / 86400.0).astype(np.int64)
        shape = 1.0 / overdispersion**2
        factor = gen.gamma(shape, 1.0 / shape, day.max() + 1)
        rate = rate * factor[day]
    counts = gen.poisson(rate)
    rows = np.repeat(np.arange(rate.size, dtype=np.int64), counts)
    arrival = grid.row_start[rows] + grid.interval_s * gen.random(rows.size)
    order = np.argsort(arrival, kind="stable")
    rows, arrival = rows[order], arrival[order]
    aht = grid.aht[rows]
    if handle_sample is not None:
        service = handle_sample[gen.integers(0, handle_sample.size, rows.size)]
        service = service * (aht / handle_sample.mean())
    elif aht_cv > 0:
        sigma2 = np.log1p(aht_cv**2)
        service = aht * np.exp(np.sqrt(sigma2) * gen.standard_normal(rows.size) - sigma2 / 2)
    else:
        service = aht.copy()
    patience = _draw_patience(gen, rows.size, patience_s, patience_pool)
    return rows, arrival, service, patience


def _time_in_slots(t0, t1, slot_start, interval_s):
    """Total length of the segments [t0, t1) falling in each slot [s] (slots may have gaps)."""
    if slot_start.size == 0:
        return np.zeros(0)
    base = slot_start[0]
    cell = np.rint((slot_start - base) / interval_s).astype(np.int64)
    dense = _simkernel.time_in_grid(np.ascontiguousarray(t0, float), np.ascontiguousarray(t1, float),
                                    float(base), float(interval_s), int(cell[-1]) + 1)
    return dense[cell]


def _break_minutes(eff_start, eff_end, win_first, win_count) -> float:
    """Minutes off the phones between the windows of each shift, as really taken.

    A window lost entirely to an overrun has no times: its break runs from the last
    window the agent really worked to the next one it starts.
    """
    m = eff_start.size
    if m == 0:
        return 0.0
    pos = np.arange(m)
    valid = ~np.isnan(eff_end)
    last_valid = np.maximum.accumulate(np.where(valid, pos, 0))
    first_of_shift = np.zeros(m, bool)
    first_of_shift[win_first[win_count > 0]] = True
    use = ~first_of_shift & ~np.isnan(eff_start)
    prev_end = eff_end[last_valid[np.maximum(pos - 1, 0)]]
    return float(np.sum(eff_start[use] - prev_end[use])) / 60.0


def _calls_frame(r, grid, rows, arrival, start, service, agent, outcome, wait, shifts):
    ids = shifts["shift_id"].astype(str).to_numpy()
    names = np.array(["answered", "abandoned", "unserved"])
    answer = grid.origin + pd.to_timedelta(start, unit="s")
    return pd.DataFrame({
        "replication": r,
        "queue": np.array(grid.queues, dtype=object)[grid.row_queue[rows]],
        "interval_start": grid.frame["interval_start"].to_numpy()[rows],
        "arrival": grid.origin + pd.to_timedelta(arrival, unit="s"),
        "answer": answer,
        "end": answer + pd.to_timedelta(np.where(outcome == 0, service, np.nan), unit="s"),
        "shift_id": np.where(agent >= 0, ids[np.maximum(agent, 0)], ""),
        "outcome": names[outcome],
        "wait_s": wait,
        "handle_s": service,
    })


def _presence_frame(r, grid, windows, eff_start, eff_end):
    return pd.DataFrame({
        "replication": r,
        "shift_id": windows["shift_id"].to_numpy(),
        "planned_start": windows["start"].to_numpy(),
        "planned_end": windows["end"].to_numpy(),
        "start": grid.origin + pd.to_timedelta(eff_start, unit="s"),
        "end": grid.origin + pd.to_timedelta(eff_end, unit="s"),
    })


# ------------------------------------------------------------------------ aggregation
def _mean_ci(values: np.ndarray):
    """Mean over replications (axis 0) and a Student-t 95 % confidence interval."""
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.sum(~np.isnan(values), axis=0)
        mean = np.where(n > 0, np.nansum(values, axis=0) / np.maximum(n, 1), np.nan)
        dev = np.where(np.isnan(values), 0.0, values - mean)
        var = np.sum(dev**2, axis=0) / np.maximum(n - 1, 1)
        half = stats.t.ppf(0.5 + _CONFIDENCE / 2, np.maximum(n - 1, 1)) * np.sqrt(var / np.maximum(n, 1))
        half = np.where(n >= 2, half, np.nan)
    return mean, mean - half, mean + half


def _ratio(num, den):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _interval_frame(grid, sums, busy, avail, answer_within_s):
    out = grid.frame[["queue", "interval_start"]].copy()
    for name in ("offered", "answered", "abandoned", "unserved"):
        out[name] = sums[name].mean(axis=0)
    out["on_phone"] = (avail / grid.interval_s).mean(axis=0)[grid.row_slot]
    kpis = {
        "service_level": _ratio(sums["answered_within"], sums["offered"]),
        "asa_s": _ratio(sums["wait_answered_s"], sums["answered"]),
        "mean_wait_s": _ratio(sums["wait_all_s"], sums["offered"]),
        "abandon_rate": _ratio(sums["abandoned"], sums["offered"]),
        "occupancy": _ratio(busy, avail)[:, grid.row_slot],
    }
    for name, values in kpis.items():
        mean, lo, hi = _mean_ci(values)
        out[name], out[f"{name}_low"], out[f"{name}_high"] = mean, lo, hi
    return out.reset_index(drop=True)


def _totals_frame(grid, sums, busy, avail, break_min):
    rows = []
    groups = [(q, grid.row_queue == k) for k, q in enumerate(grid.queues)]
    if len(grid.queues) > 1:
        groups.append(("all", np.ones(grid.row_queue.size, bool)))
    else:
        groups = [("all", groups[0][1])]
    occ = _mean_ci(_ratio(busy.sum(axis=1), avail.sum(axis=1))[:, None])
    brk = _mean_ci(break_min[:, None])
    for name, mask in groups:
        s = {k: v[:, mask].sum(axis=1)[:, None] for k, v in sums.items()}
        row = {"queue": name}
        for k in ("offered", "answered", "abandoned", "unserved"):
            row[k] = float(s[k].mean())
        kpis = {
            "service_level": _ratio(s["answered_within"], s["offered"]),
            "asa_s": _ratio(s["wait_answered_s"], s["answered"]),
            "mean_wait_s": _ratio(s["wait_all_s"], s["offered"]),
            "abandon_rate": _ratio(s["abandoned"], s["offered"]),
        }
        for k, v in kpis.items():
            m, lo, hi = _mean_ci(v)
            row[k], row[f"{k}_low"], row[f"{k}_high"] = float(m[0]), float(lo[0]), float(hi[0])
        row["occupancy"], row["occupancy_low"], row["occupancy_high"] = (float(x[0]) for x in occ)
        (row["break_min_per_agent_hour"], row["break_min_per_agent_hour_low"],
         row["break_min_per_agent_hour_high"]) = (float(x[0]) for x in brk)
        rows.append(row)
    return pd.DataFrame(rows)


def _per_replication_frame(grid, sums, busy, avail):
    reps = busy.shape[0]
    n = grid.row_start.size
    out = pd.DataFrame({
        "replication": np.repeat(np.arange(reps), n),
        "queue": np.tile(grid.frame["queue"].to_numpy(), reps),
        "interval_start": np.tile(grid.frame["interval_start"].to_numpy(), reps),
    })
    for k, v in sums.items():
        out[k] = v.ravel()
    out["busy_s"] = busy[:, grid.row_slot].ravel()
    out["on_phone_s"] = avail[:, grid.row_slot].ravel()
    return out
