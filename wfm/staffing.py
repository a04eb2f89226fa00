"""Staffing requirements per interval from a forecast and a service target.

Agents on the phones come from Erlang C (callers wait forever) or Erlang A (callers
hang up after an exponential patience), with each interval's own AHT — handle time is
never capped — and the occupancy cap of the target.  Agents to *schedule* then follow
from shrinkage, rounded without float noise (21 on phones at 30 % is 30 scheduled).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from wfm import erlang
from wfm.errors import DataError, InputError
from wfm.frames import REQUIREMENTS_COLUMNS, interval_length, validate_forecast
from wfm.types import ServiceTarget, Shrinkage

__all__ = ["requirements", "service_level_curves", "interval_seconds", "fill_missing_aht"]

Model = Literal["erlang_c", "erlang_a"]


def interval_seconds(frame: pd.DataFrame, interval: pd.Timedelta | str | None = None) -> float:
    """Interval length of a frame [s]: ``interval`` if given, else inferred from the starts."""
    if interval is not None:
        td = pd.Timedelta(interval)
        if td <= pd.Timedelta(0):
            raise InputError("interval", interval, "a positive duration such as '30min'")
        return td.total_seconds()
    return interval_length(frame).total_seconds()


def fill_missing_aht(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Give intervals with calls but no measured AHT their queue's volume-weighted AHT.

    In a history, an interval where every caller hung up has calls but no handle
    time.  Staffing such a history needs an AHT there; this makes the choice
    explicit and counts it.

    Returns
    -------
    (DataFrame, int)
        A copy with ``aht_s`` filled, and how many intervals were filled.

    Raises
    ------
    DataError
        A queue with calls but no AHT at all.
    """
    out = frame.copy()
    aht = pd.to_numeric(out["aht_s"], errors="coerce") if "aht_s" in out else pd.Series(np.nan, out.index)
    calls = pd.to_numeric(out["calls"], errors="coerce").fillna(0.0)
    queue = out["queue"] if "queue" in out else pd.Series("default", index=out.index)
    missing = aht.isna() & (calls > 0)
    if not missing.any():
        return out, 0
    known = aht.notna() & (calls > 0)
    weight = (aht.where(known, 0.0) * calls.where(known, 0.0)).groupby(queue).sum()
    volume = calls.where(known, 0.0).groupby(queue).sum()
    mean = weight / volume.replace(0.0, np.nan)
    fill = queue[missing].map(mean)
    if fill.isna().any():
        name = queue[missing][fill.isna()].iloc[0]
        raise DataError("queue has calls but no handle time at all", column="aht_s", value=name)
    aht[missing] = fill
    out["aht_s"] = aht
    return out, int(missing.sum())


def _patience(frame: pd.DataFrame, patience_s, model: Model) -> np.ndarray | None:
    if model == "erlang_c":
        if patience_s is not None:
            raise InputError("patience_s", patience_s, "None with model='erlang_c' (use model='erlang_a')")
        return None
    if patience_s is None:
        if "patience_s" not in frame.columns:
            raise InputError(
                "patience_s", None, "a mean patience in seconds (or a 'patience_s' column) for Erlang A"
            )
        values = pd.to_numeric(frame["patience_s"], errors="coerce").to_numpy(float)
    else:
        values = np.broadcast_to(np.asarray(patience_s, float), (len(frame),)).copy()
    bad = ~(values > 0) | ~np.isfinite(values)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError("patience must be finite seconds > 0", row=pos, column="patience_s",
                        value=values[pos], has_value=True)
    return values


def _open_mask(frame: pd.DataFrame, opening_hours: Mapping[int, tuple[int, int]] | None) -> np.ndarray:
    """Which intervals the centre is open: an ``open`` column, opening hours, or calls > 0."""
    if "open" in frame.columns:
        return frame["open"].astype(bool).to_numpy()
    if opening_hours is None:
        return frame["calls"].to_numpy() > 0
    ts = frame["interval_start"]
    minute = (ts.dt.hour * 60 + ts.dt.minute).to_numpy()
    weekday = ts.dt.weekday.to_numpy()
    out = np.zeros(len(frame), bool)
    for day, (start, end) in opening_hours.items():
        if not 0 <= int(day) <= 6 or not 0 <= start < end <= 1440:
            raise InputError(f"opening_hours[{day}]", (start, end), "weekday 0-6 -> (start_min, end_min) within a day")
        out |= (weekday == int(day)) & (minute >= start) & (minute < end)
    return out


def requirements(
    forecast: pd.DataFrame,
    target: ServiceTarget | None = None,
    shrinkage: Shrinkage | float = 0.30,
    *,
    model: Model = "erlang_c",
    patience_s: float | np.ndarray | None = None,
    min_staff_open: int = 0,
    opening_hours: Mapping[int, tuple[int, int]] | None = None,
    interval: pd.Timedelta | str | None = None,
) -> pd.DataFrame:
    """Agents needed on the phones and agents to schedule, per queue and interval.

    Parameters
    ----------
    forecast : DataFrame
        Forecast frame (``queue``, ``interval_start``, ``calls``, ``aht_s``, optional
        ``calls_low``, ``calls_high``, ``patience_s``, ``open``).
    target : ServiceTarget
        Service level, answer-within, occupancy cap, optional ASA and abandon limits.
        Default 80/20 with 85 % maximum occupancy.
    shrinkage : Shrinkage or float
        Share of paid time off the phones for reasons not planned in the roster.
    model : {"erlang_c", "erlang_a"}
        Erlang A needs ``patience_s`` (or a ``patience_s`` column).
    patience_s : float or array, optional
        Mean caller patience [s], Erlang A only.
    min_staff_open : int
        Least agents on the phones in every interval the centre is open.
    opening_hours : mapping weekday -> (start_min, end_min), optional
        When the centre is open; default: an ``open`` column if present, else calls > 0.
    interval : Timedelta or str, optional
        Interval length when it cannot be inferred (a single interval per queue).

    Returns
    -------
    DataFrame
        The forecast columns plus ``traffic`` [Erlang], ``agents_needed`` (on phones),
        ``staff_needed`` (scheduled, after shrinkage), ``expected_service_level`` and,
        for Erlang A, ``expected_abandon_rate``.  Zero-volume intervals need 0 agents
        unless the centre is open and ``min_staff_open`` is set.
    """
    target = ServiceTarget() if target is None else target
    if not isinstance(target, ServiceTarget):
        raise InputError("target", target, "a wfm.types.ServiceTarget")
    shrink = shrinkage if isinstance(shrinkage, Shrinkage) else Shrinkage(float(shrinkage))
    if model not in ("erlang_c", "erlang_a"):
        raise InputError("model", model, "'erlang_c' or 'erlang_a'")
    if not isinstance(min_staff_open, int | np.integer) or min_staff_open < 0:
        raise InputError("min_staff_open", min_staff_open, "an integer >= 0")
    if model == "erlang_c" and target.max_abandon_rate is not None:
        raise InputError("target.max_abandon_rate", target.max_abandon_rate, "model='erlang_a'")

    frame = validate_forecast(forecast)
    seconds = interval_seconds(frame, interval)
    patience = _patience(frame, patience_s, model)

    calls = frame["calls"].to_numpy(float)
    aht = frame["aht_s"].to_numpy(float)
    busy = calls > 0
    aht_safe = np.where(busy, aht, 1.0)
    traffic = np.where(busy, calls * aht_safe / seconds, 0.0)

    needed = erlang.agents_needed(
        traffic,
        aht_safe,
        service_level=target.service_level,
        answer_within=target.answer_within_s,
        max_occupancy=target.max_occupancy,
        asa=target.max_asa_s,
        max_abandon=target.max_abandon_rate,
        patience=patience,
    )
    needed = np.asarray(needed, dtype=np.int64).reshape(len(frame))
    if min_staff_open:
        needed = np.where(_open_mask(frame, opening_hours), np.maximum(needed, min_staff_open), needed)

    cols = {c: frame[c].to_numpy() for c in frame.columns}
    cols["traffic"] = traffic
    cols["agents_needed"] = needed
    cols["staff_needed"] = np.asarray(shrink.scheduled(needed), dtype=np.int64).reshape(len(frame))
    if patience is None:
        sl = erlang._service_level(needed.astype(float), traffic, aht_safe, target.answer_within_s)
        cols["expected_service_level"] = np.where(busy, sl, 1.0)
    else:
        _, p_ab, _, sl, _ = erlang._erlang_a(
            needed.astype(float), traffic, aht_safe, patience, target.answer_within_s
        )
        cols["expected_service_level"] = np.where(busy, sl, 1.0)
        cols["expected_abandon_rate"] = np.where(busy, p_ab, 0.0)
        cols["patience_s"] = patience
    ordered = list(REQUIREMENTS_COLUMNS)
    # Built once from arrays: inserting columns one by one costs more than the maths.
    return pd.DataFrame({c: cols[c] for c in ordered + [c for c in cols if c not in ordered]})


def service_level_curves(
    requirements_frame: pd.DataFrame,
    target: ServiceTarget | None = None,
    *,
    max_agents: int | np.ndarray | None = None,
    model: Model = "erlang_c",
    patience_s: float | np.ndarray | None = None,
) -> pd.DataFrame:
    """Calls answered within the threshold as a function of agents on the phones.

    The curve of each interval is concave above the stability point, which is what
    lets a shift solver spend agents where they buy the most service.

    Parameters
    ----------
    requirements_frame : DataFrame
        Output of :func:`requirements` (needs ``calls``, ``aht_s``, ``traffic``,
        ``agents_needed``).
    target : ServiceTarget
        Gives ``answer_within_s``.
    max_agents : int or array, optional
        Largest agent count per interval; default ``ceil(1.5 * agents_needed) + 3``.
    model, patience_s
        As in :func:`requirements`.

    Returns
    -------
    DataFrame
        ``queue``, ``interval_start``, ``agents`` (0 … max), ``calls``,
        ``service_level`` and ``answered_within`` (= calls × service level).
    """
    target = ServiceTarget() if target is None else target
    req = requirements_frame
    for col in ("queue", "interval_start", "calls", "aht_s", "traffic", "agents_needed"):
        if col not in req.columns:
            raise DataError("missing column in requirements frame", column=col)
    n_int = len(req)
    if max_agents is None:
        top = np.ceil(1.5 * req["agents_needed"].to_numpy(float)).astype(np.int64) + 3
    else:
        top = np.broadcast_to(np.asarray(max_agents, np.int64), (n_int,))
    counts = top + 1
    rows = np.repeat(np.arange(n_int), counts)
    agents = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    calls = req["calls"].to_numpy(float)[rows]
    traffic = req["traffic"].to_numpy(float)[rows]
    aht = np.nan_to_num(req["aht_s"].to_numpy(float), nan=1.0)[rows]
    aht = np.where(aht > 0, aht, 1.0)
    n = agents.astype(float)
    if model == "erlang_a":
        patience = _patience(req, patience_s, model)[rows]
        sl = erlang._erlang_a(n, traffic, aht, patience, target.answer_within_s)[3]
    else:
        sl = erlang._service_level(n, traffic, aht, np.full(n.shape, float(target.answer_within_s)))
    sl = np.where(traffic > 0, sl, 1.0)
    return pd.DataFrame(
        {
            "queue": req["queue"].to_numpy()[rows],
            "interval_start": req["interval_start"].to_numpy()[rows],
            "agents": agents.astype(np.int64),
            "calls": calls,
            "service_level": sl,
            "answered_within": calls * sl,
        }
    )
