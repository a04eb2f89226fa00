"""Average handle time per interval: a weekday × time-of-day profile.

For each weekday and slot, AHT is the volume-weighted mean of the last ``weeks`` usable
days (``sum(calls * aht) / sum(calls)``), shrunk towards that weekday's daily mean where
few calls back it: ``w * slot + (1 - w) * daily`` with ``w = n / (n + prior_calls)``
and ``n`` the calls behind the slot.  Handle time is never capped.
"""

from __future__ import annotations

import numpy as np

from forecasting._matrix import Training

__all__ = ["aht_profile"]


def aht_profile(training: Training, weeks: int = 8, prior_calls: float = 30.0) -> np.ndarray:
    """AHT [s] per weekday × slot, ``(7, slots)``; all NaN when the history has none.

    Parameters
    ----------
    training : Training
    weeks : int
        Usable same-weekday days used.
    prior_calls : float
        Calls at which a slot's own mean and the daily mean weigh the same.
    """
    aht = training.aht_s
    calls = np.nan_to_num(training.counts, nan=0.0)
    known = np.isfinite(aht) & (calls > 0)
    out = np.full((7, training.slots), np.nan)
    if not known.any():
        return out
    weighted = np.where(known, calls * np.nan_to_num(aht), 0.0)
    volume = np.where(known, calls, 0.0)
    overall = weighted[training.usable].sum() / max(volume[training.usable].sum(), 1e-12)
    if not np.isfinite(overall) or overall <= 0:
        overall = weighted.sum() / volume.sum()
    for w in range(7):
        idx = training.same_weekday(w, weeks)
        num = weighted[idx].sum(axis=0)
        den = volume[idx].sum(axis=0)
        daily = num.sum() / den.sum() if den.sum() > 0 else overall
        slot = np.divide(num, den, out=np.full_like(num, daily), where=den > 0)
        share = den / (den + prior_calls)
        out[w] = share * slot + (1 - share) * daily
    return out
