"""Choosing model settings by rolling-origin backtest on data before a cut-off.

A setting of a model (the weeks behind a level, the weight of a pooled profile...) is
chosen here by coordinate descent: each setting in turn takes the value of its grid
with the lowest WAPE of one-week-ahead forecasts from weekly origins, the others held;
the rounds repeat until nothing changes.  The history is cut at ``until`` before
anything is computed, so the weeks after it (those a forecast is reported on) play no
part in the choice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting._matrix import prepare
from forecasting.calendar import build_calendar
from forecasting.core import _DAY, _predict, _queue_matrices, _timestamp, _two_weeks
from forecasting.metrics import wape
from forecasting.models import Model, get_model
from wfm.errors import DataError, InputError
from wfm.frames import interval_length, validate_history

__all__ = ["TuningResult", "choose_settings"]


@dataclass(frozen=True)
class TuningResult:
    """Settings chosen by :func:`choose_settings`.

    Attributes
    ----------
    model : Model
        The model with the chosen settings.
    settings : dict
        The chosen value of every tuned setting.
    wape : float
        Backtest WAPE of ``model`` over the tuning origins.
    trials : DataFrame
        Every setting value tried: ``round``, ``setting``, ``value``, ``wape``.
    origins : tuple of Timestamp
        The tuning origins.
    """

    model: Model
    settings: dict
    wape: float
    trials: pd.DataFrame
    origins: tuple


def choose_settings(history: pd.DataFrame, model: str | Model, grid: Mapping[str, Sequence],
                    until, *, first_origin=None, holidays_country: str | None = None,
                    special_days=None, rounds: int = 3) -> TuningResult:
    """Choose the settings of ``model`` on the history before ``until``.

    Parameters
    ----------
    history : DataFrame
        Interval history of one queue (checked as for :func:`forecasting.forecast`).
    model : str or Model
        The model whose fields are tuned (a dataclass, e.g. ``DailyProfile()``).
    grid : mapping setting -> values
        Values tried for each field of ``model``.
    until : date-like
        Cut-off (a midnight): rows at or after it are dropped before anything else.
    first_origin : date-like, optional
        First weekly origin; default 8 weeks after the start of the history.  Origins
        follow weekly while a whole week fits before ``until``.
    holidays_country, special_days :
        As for :func:`forecasting.forecast`.
    rounds : int
        Most rounds of coordinate descent.

    Returns
    -------
    TuningResult
    """
    history = validate_history(history)
    if history["queue"].nunique() != 1:
        raise InputError("history", sorted(history["queue"].unique()), "one queue")
    until = _timestamp(until, "until")
    history = history[history["interval_start"] < until].reset_index(drop=True)
    if history.empty:
        raise DataError(f"no history before {until}", column="interval_start")
    base = get_model(model)
    for name in grid:
        if name not in {f.name for f in dataclasses.fields(base)}:
            raise InputError("grid", name, f"a setting of {type(base).__name__}")
    interval = interval_length(history)
    matrix = next(iter(_queue_matrices(history, interval).values()))
    calendar = build_calendar(range(matrix.days[0].year, until.year + 1), holidays_country,
                              special_days)
    first = (matrix.days[0] + pd.Timedelta(weeks=8) if first_origin is None
             else _timestamp(first_origin, "first_origin"))
    origins = []
    day = int((first - matrix.days[0]) / _DAY)
    while day + 7 <= len(matrix.days) and matrix.days[0] + (day + 7) * _DAY <= until:
        if day > 0 and _two_weeks(matrix.head(day)):
            origins.append(day)
        day += 7
    if not origins:
        raise DataError(f"no tuning origin between {first} and {until}",
                        column="interval_start")
    flags = calendar.flags(matrix.days)
    cases = []
    for o in origins:
        actual = matrix.calls[o:o + 7]
        known = np.isfinite(actual)
        cases.append((prepare(matrix.head(o), flags[:o]), matrix.days[o:o + 7], actual, known))

    def score(candidate: Model) -> float:
        a, f = [], []
        for training, days, actual, known in cases:
            mean = _predict(candidate, training, calendar, days).mean
            a.append(actual[known])
            f.append(mean[known])
        return wape(np.concatenate(a), np.concatenate(f))

    current = base
    best = score(current)
    trials = []
    for r in range(rounds):
        changed = False
        for name, values in grid.items():
            for value in values:
                trial = dataclasses.replace(current, **{name: value})
                s = best if trial == current else score(trial)
                trials.append({"round": r, "setting": name, "value": value, "wape": s})
                if s < best - 1e-9:
                    best, current, changed = s, trial, True
        if not changed:
            break
    settings = {name: getattr(current, name) for name in grid}
    return TuningResult(current, settings, best, pd.DataFrame(trials),
                        tuple(matrix.days[0] + o * _DAY for o in origins))
