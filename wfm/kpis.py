"""Headline figures of a plan for a planner's or a manager's week, and what breaks them.

:func:`headline` turns a coverage frame (:class:`wfm.evaluate.Evaluation`'s) into the
weekly figures a manager reads -- service level, ASA, abandonment, occupancy, each
weighted the way a week of calls adds up -- and lists the intervals that pull them
down.  An interval with no more agents available than workload has no finite Erlang C
wait: its calls are left out of the ASA and counted apart (``overloaded``), so the
headline is a number over the calls it covers plus a list, never a bare infinity.

:func:`coverage_by_queue` splits on-phone agents by skill for the per-queue coverage
chart; :func:`interval_differences` sets several plans' coverage side by side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm.errors import InputError

__all__ = ["Headline", "headline", "BREAKING_COLUMNS", "coverage_by_queue",
           "interval_differences"]

#: Columns of :attr:`Headline.breaking`.
BREAKING_COLUMNS = ("interval_start", "calls", "service_level", "asa_s", "overloaded",
                    "available", "agents_needed", "short", "calls_late")


@dataclass(frozen=True)
class Headline:
    """Weekly figures of a plan, weighted as calls add up.

    Attributes
    ----------
    calls : float
        Calls offered over the horizon.
    service_level : float
        Calls answered within the threshold / calls offered (each interval's service
        level weighted by its calls), fraction.
    asa_s : float
        Mean wait of the answered calls [s] over the intervals with a finite wait
        (weights: calls answered, ``calls * (1 - abandon_rate)``); NaN if none.
    asa_share : float
        Share of the answered calls that ``asa_s`` covers (1.0 when no interval is
        overloaded).
    abandon_rate : float
        Calls abandoned / calls offered, fraction (0 under Erlang C).
    occupancy : float
        Agent time handling calls / agent time available on the phones, fraction
        (each interval's occupancy weighted by its available agents).
    overloaded : int
        Intervals with calls whose available agents do not exceed the workload (no
        steady state under Erlang C: the queue grows without bound).
    breaking : DataFrame
        :data:`BREAKING_COLUMNS`: the intervals with calls that miss the service-level
        target, are overloaded, or have fewer agents available than needed, the worst
        first (most calls answered late).  ``short`` = needed - available agents;
        ``calls_late`` = calls not answered within the threshold.
    """

    calls: float
    service_level: float
    asa_s: float
    asa_share: float
    abandon_rate: float
    occupancy: float
    overloaded: int
    breaking: pd.DataFrame


def _column(frame: pd.DataFrame, name: str, default: float) -> np.ndarray:
    if name in frame.columns:
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(float)
    return np.full(len(frame), default)


def headline(coverage: pd.DataFrame, target_service_level: float) -> Headline:
    """The weekly headline figures of a coverage frame and the intervals that break them.

    Parameters
    ----------
    coverage : DataFrame
        One row per interval: ``interval_start``, ``calls``, ``service_level``,
        ``asa_s`` [s] (``inf`` where the interval is overloaded), ``occupancy``,
        ``available`` (agents on the phones after shrinkage), ``agents_needed``;
        optional ``abandon_rate`` (0 if absent) and ``traffic`` [Erlang] (an interval
        is overloaded when ``available <= traffic``; without ``traffic``, when its
        ``asa_s`` is infinite).
    target_service_level : float
        The service-level target, fraction in (0, 1).

    Returns
    -------
    Headline

    Raises
    ------
    InputError
        A missing column or a target outside (0, 1).
    """
    if not 0.0 < float(target_service_level) < 1.0:
        raise InputError("target_service_level", target_service_level, "a fraction in (0, 1)")
    required = ("interval_start", "calls", "service_level", "asa_s", "occupancy", "available",
                "agents_needed")
    for col in required:
        if col not in coverage.columns:
            raise InputError("coverage", sorted(coverage.columns), f"a column '{col}'")
    cov = coverage.sort_values("interval_start").reset_index(drop=True)
    calls = _column(cov, "calls", 0.0)
    sl = _column(cov, "service_level", 1.0)
    asa = _column(cov, "asa_s", 0.0)
    aband = np.nan_to_num(_column(cov, "abandon_rate", 0.0))
    occ = _column(cov, "occupancy", np.nan)
    avail = _column(cov, "available", 0.0)
    needed = _column(cov, "agents_needed", 0.0)
    busy = calls > 0
    if "traffic" in cov.columns:
        over = busy & (avail <= _column(cov, "traffic", 0.0) + 1e-12) & ~(aband > 0)
    else:
        over = busy & ~np.isfinite(asa)
    over |= busy & np.isinf(asa)

    total = float(calls[busy].sum())
    answered = calls * (1.0 - aband)
    finite = busy & np.isfinite(asa) & ~over
    if total > 0:
        service_level = float(np.sum(sl[busy] * calls[busy]) / total)
        abandon_rate = float(np.sum(aband[busy] * calls[busy]) / total)
    else:
        service_level = abandon_rate = float("nan")
    ans_total = float(answered[busy].sum())
    ans_finite = float(answered[finite].sum())
    asa_s = float(np.sum(asa[finite] * answered[finite]) / ans_finite) if ans_finite > 0 \
        else float("nan")
    asa_share = ans_finite / ans_total if ans_total > 0 else float("nan")
    use = (avail > 0) & np.isfinite(occ)
    occupancy = float(np.sum(occ[use] * avail[use]) / np.sum(avail[use])) if use.any() \
        else float("nan")

    bad = busy & ((sl < target_service_level - 1e-12) | over | (avail < needed - 1e-9))
    breaking = pd.DataFrame({
        "interval_start": cov["interval_start"].to_numpy()[bad],
        "calls": calls[bad],
        "service_level": sl[bad],
        "asa_s": np.where(over[bad], np.nan, asa[bad]),
        "overloaded": over[bad],
        "available": avail[bad],
        "agents_needed": needed[bad],
        "short": np.maximum(needed[bad] - avail[bad], 0.0),
        "calls_late": calls[bad] * (1.0 - sl[bad]),
    }, columns=list(BREAKING_COLUMNS))
    breaking = breaking.sort_values(["calls_late", "interval_start"],
                                    ascending=[False, True], kind="stable")
    return Headline(calls=total, service_level=service_level, asa_s=asa_s,
                    asa_share=asa_share, abandon_rate=abandon_rate, occupancy=occupancy,
                    overloaded=int(over.sum()), breaking=breaking.reset_index(drop=True))


def coverage_by_queue(
    shifts: pd.DataFrame,
    breaks: pd.DataFrame | None,
    requirements: pd.DataFrame,
    agent_skills: Mapping[str, Iterable[str]] | None = None,
) -> pd.DataFrame:
    """On-phone agents per queue and interval against that queue's requirement.

    An agent counts on every queue of their skills (a multi-skilled agent counts on
    each: the chart shows who *can* answer a queue, not how the calls were routed).
    Anonymous shifts (no agent id, or no skills given) count on every queue.

    Parameters
    ----------
    shifts, breaks : DataFrame
        A solve's shifts and breaks (:data:`solver.result.SHIFT_COLUMNS`,
        :data:`solver.result.BREAK_COLUMNS`).
    requirements : DataFrame
        ``queue``, ``interval_start``, ``agents_needed`` and ``staff_needed``.
    agent_skills : mapping agent id -> queues, optional

    Returns
    -------
    DataFrame
        ``queue``, ``interval_start``, ``on_phone`` (time-averaged over the
        interval), ``agents_needed``, ``staff_needed``.
    """
    from wfm import simulate as _sim

    for col in ("queue", "interval_start", "agents_needed", "staff_needed"):
        if col not in requirements.columns:
            raise InputError("requirements", sorted(requirements.columns), f"a column '{col}'")
    req = requirements.copy()
    req["queue"] = req["queue"].astype(str)
    starts = np.sort(pd.to_datetime(req["interval_start"]).unique())
    step = pd.Timedelta(np.min(np.diff(starts))) if len(starts) > 1 else pd.Timedelta("30min")
    windows = _sim.on_phone_windows(shifts, breaks)
    agent_of = dict(zip(shifts["shift_id"].astype(str), shifts["agent_id"].astype(str),
                        strict=True))
    windows = windows.assign(agent_id=windows["shift_id"].astype(str).map(agent_of))
    skills = {str(k): {str(q) for q in v} for k, v in (agent_skills or {}).items()}
    origin = pd.Timestamp(starts[0]) if len(starts) else pd.Timestamp(0)
    L = step / pd.Timedelta(seconds=1)
    slot_start = (pd.to_datetime(starts) - origin) / pd.Timedelta(seconds=1)
    slot_start = np.asarray(slot_start, float)
    out = []
    for queue, group in req.groupby("queue", sort=True):
        on = windows[[(not a) or (a not in skills) or (queue in skills[a])
                      for a in windows["agent_id"].fillna("")]]
        w_start = ((on["start"] - origin) / pd.Timedelta(seconds=1)).to_numpy(float)
        w_end = ((on["end"] - origin) / pd.Timedelta(seconds=1)).to_numpy(float)
        on_phone = _sim._time_in_slots(w_start, w_end, slot_start, L) / L
        frame = pd.DataFrame({"interval_start": pd.to_datetime(starts), "on_phone": on_phone})
        g = group[["interval_start", "agents_needed", "staff_needed"]].copy()
        g["interval_start"] = pd.to_datetime(g["interval_start"])
        frame = frame.merge(g, on="interval_start", how="left").fillna(
            {"agents_needed": 0.0, "staff_needed": 0.0})
        frame.insert(0, "queue", queue)
        out.append(frame)
    return pd.concat(out, ignore_index=True)


def interval_differences(coverages: Mapping[str, pd.DataFrame], measure: str,
                         baseline: str | None = None) -> pd.DataFrame:
    """One plan's measure per interval minus the baseline plan's, for each other plan.

    Parameters
    ----------
    coverages : mapping name -> coverage frame
        Each with ``interval_start`` and ``measure``; the same intervals in each (an
        interval missing from a plan counts as NaN there).
    measure : str
        A coverage column, e.g. ``on_phone`` or ``service_level``.
    baseline : str, optional
        Name of the plan subtracted (default: the first).

    Returns
    -------
    DataFrame
        ``interval_start``, ``scenario``, ``value`` (the plan's), ``baseline_value``,
        ``difference`` (value - baseline), one row per other plan and interval.
    """
    if len(coverages) < 2:
        raise InputError("coverages", list(coverages), "at least two plans to compare")
    names = list(coverages)
    base = names[0] if baseline is None else baseline
    if base not in coverages:
        raise InputError("baseline", baseline, "one of " + ", ".join(names))
    for name, cov in coverages.items():
        if measure not in cov.columns:
            raise InputError("measure", measure, f"a column of the coverage of {name!r}")

    def series(cov):
        return cov.groupby(pd.to_datetime(cov["interval_start"]))[measure].mean()

    ref = series(coverages[base])
    rows = []
    for name in names:
        if name == base:
            continue
        values = series(coverages[name])
        index = ref.index.union(values.index)
        a = values.reindex(index)
        b = ref.reindex(index)
        rows.append(pd.DataFrame({"interval_start": index, "scenario": name,
                                  "value": a.to_numpy(), "baseline_value": b.to_numpy(),
                                  "difference": (a - b).to_numpy()}))
    return pd.concat(rows, ignore_index=True)
