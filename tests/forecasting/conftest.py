"""Synthetic interval histories with known weekly and intraday patterns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

#: Daily totals Monday..Sunday of the default synthetic centre.
WEEKDAY_TOTALS = np.array([1000.0, 900.0, 850.0, 800.0, 700.0, 300.0, 0.0])


def intraday_shape(slots: int, open_from: float = 8.0, open_to: float = 20.0) -> np.ndarray:
    """A smooth two-peak daily shape, zero outside [open_from, open_to) hours; sums to 1."""
    hours = np.arange(slots) * 24.0 / slots
    shape = (np.exp(-0.5 * ((hours - 10.5) / 1.6) ** 2)
             + 0.7 * np.exp(-0.5 * ((hours - 15.0) / 2.0) ** 2) + 0.05)
    shape = np.where((hours >= open_from) & (hours < open_to), shape, 0.0)
    return shape / shape.sum()


def make_history(
    start: str = "2024-01-01",
    weeks: int = 12,
    *,
    interval_min: int = 30,
    weekday_totals=WEEKDAY_TOTALS,
    shape=None,
    day_factor=None,
    noise: str = "poisson",
    seed: int = 0,
    queue: str = "sales",
    drop_closed: bool = True,
    aht=None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """History frame and the true mean per interval (flattened days x slots).

    ``day_factor(days) -> array`` multiplies daily totals (trend, month effects,
    holidays).  Closed intervals (true mean 0) are left out of the frame when
    ``drop_closed``, as many ACD exports do.  ``aht(days, slots) -> array`` gives the
    handle time [s] per interval; without it there is no ``aht_s`` column.
    """
    rng = np.random.default_rng(seed)
    slots = 24 * 60 // interval_min
    days = pd.date_range(start, periods=7 * weeks, freq="D")
    shape = intraday_shape(slots) if shape is None else np.asarray(shape)
    shapes = shape if shape.ndim == 2 else np.tile(shape, (7, 1))
    totals = np.asarray(weekday_totals, dtype=float)[days.weekday]
    if day_factor is not None:
        totals = totals * day_factor(days)
    mean = totals[:, None] * shapes[days.weekday]
    if noise == "poisson":
        calls = rng.poisson(mean).astype(float)
    elif noise == "none":
        calls = mean.copy()
    else:
        raise ValueError(noise)
    times = days.values[:, None] + (np.arange(slots) * np.timedelta64(interval_min, "m"))[None, :]
    frame = pd.DataFrame({"queue": queue, "interval_start": times.ravel(),
                          "calls": calls.ravel()})
    if aht is not None:
        values = aht(days, slots)
        frame["aht_s"] = np.where(calls.ravel() > 0, values.ravel(), np.nan)
    if drop_closed:
        keep = mean.ravel() > 0
        frame = frame[keep].reset_index(drop=True)
    return frame, mean


@pytest.fixture
def history_factory():
    return make_history


@pytest.fixture
def shape_factory():
    return intraday_shape
