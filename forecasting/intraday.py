"""Intraday shape updating: the rest of a day re-forecast from its calls so far.

A day's calls in slot ``s`` are Poisson with rate ``f_s (1 + eta_s)``: ``f`` the
forecast made at the day's midnight, ``eta`` the day's relative deviation from it,
level and shape together.  Over backtest days the deviations ``eta`` have a covariance
between slots; its leading ``rank`` principal components (Shen & Huang 2008: the
singular value decomposition of the day x interval matrix, here of the forecast
errors, with each slot scaled by the square root of its forecast so that its Poisson
noise is 1) carry what a morning says about the afternoon.  Given the morning's relative
errors ``u_A = a_A / f_A - 1``, the day's factor scores ``beta`` are the penalised
least-squares (ridge) fit

    beta = argmin  sum_A (u_A - V_A beta)^2 / n_A  +  beta' diag(1 / lambda) beta,

with ``V`` the loadings, ``lambda`` the component variances and ``n_A`` the noise of
each morning slot (Poisson ``1 / f_A`` plus the slot's variance outside the leading
components), times ``prior``.  This is the posterior mean of ``beta`` under a Gaussian
prior; the rest of the day is ``f_B (1 + V_B beta)``.  With one component of constant
loading it is the level update of :func:`forecasting.core.intraday_factor`.

References
----------
Shen, H. and Huang, J. Z. (2008).  Interday forecasting and intraday updating of call
center arrivals.  Manufacturing & Service Operations Management 10(3), 391-410.
https://doi.org/10.1287/msom.1070.0179
"""

from __future__ import annotations

import numpy as np

__all__ = ["MIN_EXPECTED", "MIN_DAYS", "slot_covariance", "shape_update"]

#: Slots forecast below this many calls carry no relative error (too noisy).
MIN_EXPECTED = 1.0
#: Fewest backtest days a pair of slots needs for its covariance (else 0).
MIN_DAYS = 10


def slot_covariance(actual, forecast, day, slot, slots: int) -> np.ndarray:
    """Covariance of the relative deviation of a day from its forecast, slot by slot.

    Parameters
    ----------
    actual, forecast : array_like (n,) [calls]
        Backtest calls and their forecasts, interval by interval.
    day, slot : array_like of int (n,)
        Backtest day and slot of the day (0 .. ``slots`` - 1) of each interval.
    slots : int
        Intervals per day.

    Returns
    -------
    ndarray (slots, slots)
        ``E[u_s u_t]`` over the days where both slots were forecast at least
        :data:`MIN_EXPECTED` calls, ``u = actual / forecast - 1``, with the Poisson part
        ``mean(1 / forecast)`` taken off the diagonal (at least 0); 0 for pairs seen
        on fewer than :data:`MIN_DAYS` days.
    """
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    day = np.asarray(day, dtype=int)
    slot = np.asarray(slot, dtype=int)
    ok = np.isfinite(a) & (f >= MIN_EXPECTED)
    if not ok.any():
        return np.zeros((slots, slots))
    _, row = np.unique(day[ok], return_inverse=True)
    u = np.zeros((row.max() + 1, slots))
    seen = np.zeros_like(u)
    poisson = np.zeros_like(u)
    u[row, slot[ok]] = a[ok] / f[ok] - 1.0
    seen[row, slot[ok]] = 1.0
    poisson[row, slot[ok]] = 1.0 / f[ok]
    pairs = seen.T @ seen
    cov = np.where(pairs >= MIN_DAYS, (u.T @ u) / np.maximum(pairs, 1.0), 0.0)
    diag = np.diag(cov) - poisson.sum(axis=0) / np.maximum(seen.sum(axis=0), 1.0)
    np.fill_diagonal(cov, np.where(np.diag(pairs) >= MIN_DAYS, np.maximum(diag, 0.0), 0.0))
    return cov


def shape_update(forecast_day, so_far, cut: int, covariance, rank: int,
                 prior: float = 1.0) -> np.ndarray:
    """The day's forecast from slot ``cut`` on, updated from its calls before ``cut``.

    Parameters
    ----------
    forecast_day : array_like (slots,) [calls]
        The day's forecast made at its midnight.
    so_far : array_like (cut,) [calls]
        The day's calls in slots ``0 .. cut - 1`` (NaN where unknown).
    cut : int
        First slot re-forecast.
    covariance : array_like (slots, slots)
        :func:`slot_covariance` of backtest days.
    rank : int
        Principal components of ``covariance`` kept (>= 1).
    prior : float
        Scale of the morning's noise (larger trusts the morning less).

    Returns
    -------
    ndarray (slots - cut,) [calls]
        ``f_B (1 + V_B beta)``, at least 0; the forecast itself when no morning slot
        was forecast :data:`MIN_EXPECTED` calls or more, or no component has variance.
    """
    f = np.asarray(forecast_day, dtype=float)
    a = np.asarray(so_far, dtype=float)[:cut]
    cov = np.asarray(covariance, dtype=float)
    rest = f[cut:].copy()
    morning = np.flatnonzero(np.isfinite(a) & (f[:cut] >= MIN_EXPECTED))
    if len(morning) == 0 or rank < 1:
        return rest
    # Components of the covariance of Pearson residuals (a - f) / sqrt(f), whose
    # Poisson noise is 1 in every slot: a slot counts by its calls, not by its
    # (noisy) relative error.  Slots forecast below MIN_EXPECTED calls are left out.
    root = np.where(f >= MIN_EXPECTED, np.sqrt(np.maximum(f, 0.0)), 0.0)
    values, vectors = np.linalg.eigh(0.5 * (cov + cov.T) * np.outer(root, root))
    keep = np.argsort(values)[::-1][:rank]
    keep = keep[values[keep] > 1e-12]
    if len(keep) == 0:
        return rest
    lam = values[keep]
    v = np.divide(vectors[:, keep], root[:, None], out=np.zeros((len(f), len(keep))),
                  where=root[:, None] > 0)
    residual = np.maximum(np.diag(cov) - (v ** 2) @ lam, 0.0)  # relative units
    noise = prior * (1.0 / f[morning] + residual[morning])
    va = v[morning]
    u = a[morning] / f[morning] - 1.0
    lhs = np.diag(1.0 / lam) + va.T @ (va / noise[:, None])
    beta = np.linalg.solve(lhs, va.T @ (u / noise))
    return np.maximum(rest * (1.0 + v[cut:] @ beta), 0.0)
