"""Forecast accuracy measures (pure NumPy; arrays of actual and forecast calls)."""

from __future__ import annotations

import numpy as np

__all__ = ["wape", "mape", "bias", "coverage"]


def wape(actual, forecast) -> float:
    """Weighted absolute percentage error: sum |actual - forecast| / sum actual.

    NaN when the actual total is 0.
    """
    actual = np.asarray(actual, dtype=float)
    forecast = np.asarray(forecast, dtype=float)
    total = actual.sum()
    return float(np.abs(actual - forecast).sum() / total) if total > 0 else float("nan")


def mape(actual, forecast) -> float:
    """Mean absolute percentage error over intervals with actual > 0 (as a fraction).

    Intervals with no calls are left out (their percentage error is undefined), so on
    thin intervals MAPE is much larger than WAPE.
    """
    actual = np.asarray(actual, dtype=float)
    forecast = np.asarray(forecast, dtype=float)
    keep = actual > 0
    if not keep.any():
        return float("nan")
    return float(np.mean(np.abs(actual[keep] - forecast[keep]) / actual[keep]))


def bias(actual, forecast) -> float:
    """Relative bias: (sum forecast - sum actual) / sum actual; > 0 means over-forecast."""
    actual = np.asarray(actual, dtype=float)
    forecast = np.asarray(forecast, dtype=float)
    total = actual.sum()
    return float((forecast.sum() - total) / total) if total > 0 else float("nan")


def coverage(actual, low, high) -> float:
    """Share of intervals whose actual calls fall inside [low, high]."""
    actual = np.asarray(actual, dtype=float)
    inside = (actual >= np.asarray(low, dtype=float)) & (actual <= np.asarray(high, dtype=float))
    return float(inside.mean()) if inside.size else float("nan")
