"""Volume models: each predicts calls per interval for whole days.

Every model has the same small contract: ``model.predict(training, days)`` returns an
array ``(len(days), slots)`` of expected calls for the calendar days ``days``, learning
only from the usable days of ``training`` (see :class:`forecasting._matrix.Training`).
Holiday factors and closed intervals are applied afterwards, the same way for every
model, by :func:`forecasting.forecast`.

Models
------
``seasonal_naive``
    The same interval on the last usable day of the same weekday.
``week_mean`` / ``week_weighted`` / ``week_median``
    Mean, linearly weighted mean (recent weeks weigh more) or median of the last
    8 usable days of the same weekday, interval by interval.
``daily_profile``
    Daily total times an intraday profile.  The daily total of a weekday is half its
    own level (mean of its last 4 usable days) and half a level shared by all weekdays
    (last 3 weeks, over weekday weights of the last 12 weeks).  The profile (share of
    the day per interval) is half the weekday's own shape over 8 weeks and half the
    shape of the last 2 weeks of all days of the same kind (busy weekdays together),
    trimmed means of daily shares, lightly smoothed.
``daily_profile_month``
    As ``daily_profile`` with a day-of-month effect on daily totals (bills, salaries and
    statements make the first days of a month busier in many centres), learned by
    backfitting against a centred weekday level and shrunk towards 1 where data is thin.
``mstl_daily``
    statsforecast's MSTL (weekly season, AutoETS trend) on daily totals times the same
    intraday profile; days not usable are imputed by their weekday neighbours first.
``mstl_interval``
    statsforecast's MSTL with a daily and a weekly season (AutoETS trend) on the
    interval series of the last 8 weeks; days not usable are replaced by the median of
    their weekday first.
``week_mean_N``, ``week_median_N`` (N = 4, 6, 8)
    The seasonal averages ``model="auto"`` chooses N for; the best of them is the
    forecast it shrinks towards.

:class:`Combination` is a weighted mean of models; ``model="auto"`` returns one (see
:func:`forecasting.core.select_model`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting._matrix import Training, _neighbour_median
from wfm.errors import DataError, InputError

__all__ = [
    "Model",
    "SeasonalNaive",
    "WeekAverage",
    "DailyProfile",
    "StatsForecastDaily",
    "StatsForecastInterval",
    "Combination",
    "MODELS",
    "BASELINES",
    "AUTO_CANDIDATES",
    "get_model",
]


class Model:
    """Base of the volume models (frozen dataclasses with a ``name``)."""

    name: str = "model"

    def predict(self, training: Training, days: pd.DatetimeIndex) -> np.ndarray:
        """Expected calls ``(len(days), slots)`` for the calendar days ``days``."""
        raise NotImplementedError


def _need(idx: np.ndarray, weekday: int, what: str) -> None:
    if len(idx) == 0:
        name = pd.Timestamp("2024-01-01") + pd.Timedelta(days=weekday)  # a Monday
        raise DataError(f"no usable {name.day_name()} in the history to learn {what} from")


@dataclass(frozen=True)
class SeasonalNaive(Model):
    """The same interval on the last usable day of the same weekday."""

    name: str = "seasonal_naive"

    def predict(self, training, days):
        out = np.empty((len(days), training.slots))
        for i, w in enumerate(days.weekday):
            idx = training.same_weekday(w, 1)
            _need(idx, w, "a seasonal naive forecast")
            out[i] = training.counts[idx[-1]]
        return out


@dataclass(frozen=True)
class WeekAverage(Model):
    """Mean, weighted mean or median of the last ``weeks`` usable same-weekday days.

    Parameters
    ----------
    weeks : int
        Number of same-weekday days averaged.
    method : {"mean", "weighted", "median"}
        ``weighted`` gives the k-th most recent day weight ``weeks + 1 - k``.
    """

    weeks: int = 8
    method: str = "mean"
    name: str = "week_mean"

    def __post_init__(self):
        if self.method not in ("mean", "weighted", "median"):
            raise InputError("method", self.method, "'mean', 'weighted' or 'median'")
        if int(self.weeks) < 1:
            raise InputError("weeks", self.weeks, "an integer >= 1")

    def predict(self, training, days):
        out = np.empty((len(days), training.slots))
        cache: dict[int, np.ndarray] = {}
        for i, w in enumerate(days.weekday):
            if w not in cache:
                idx = training.same_weekday(w, self.weeks)
                _need(idx, w, "a weekly average")
                rows = training.counts[idx]
                if self.method == "mean":
                    cache[w] = rows.mean(axis=0)
                elif self.method == "median":
                    cache[w] = np.median(rows, axis=0)
                else:
                    weights = np.arange(1, len(idx) + 1, dtype=float)
                    cache[w] = weights @ rows / weights.sum()
            out[i] = cache[w]
        return out


def _smooth(profile: np.ndarray, open_: np.ndarray) -> np.ndarray:
    """Smooth a profile with weights 1/4, 1/2, 1/4 inside open slots, renormalise."""
    padded = np.pad(profile, 1, mode="edge")
    smoothed = 0.25 * padded[:-2] + 0.5 * padded[1:-1] + 0.25 * padded[2:]
    smoothed = np.where(open_, smoothed, 0.0)
    total = smoothed.sum()
    return smoothed / total if total > 0 else profile


def weekday_groups(training: Training) -> np.ndarray:
    """Group label per weekday: busy days (>= 70 % of the busiest weekday) share a group.

    Busy days of a Sunday-Thursday or Monday-Friday week share an intraday shape far
    more than they share one with a short Friday or a weekend day.
    """
    totals = np.nansum(training.counts, axis=1)
    mean = np.zeros(7)
    for w in range(7):
        idx = training.same_weekday(w, 8)
        mean[w] = totals[idx].mean() if len(idx) else 0.0
    group = np.arange(7)
    if mean.max() > 0:
        busy = mean >= 0.7 * mean.max()
        group[busy] = -1
    return group


def _trimmed_shares(counts: np.ndarray, trim: float) -> np.ndarray:
    """Trimmed mean, slot by slot, of each day's share of its total (days with calls)."""
    totals = counts.sum(axis=1)
    rows = counts[totals > 0] / totals[totals > 0, None]
    if len(rows) == 0:
        return np.zeros(counts.shape[1])
    cut = int(trim * len(rows))
    rows = np.sort(rows, axis=0)[cut:len(rows) - cut]
    shares = rows.mean(axis=0)
    return shares / shares.sum()


def intraday_profiles(training: Training, weeks: int = 8, pool: float = 0.5,
                      pool_weeks: int = 2, trim: float = 0.2,
                      smooth: bool = True) -> np.ndarray:
    """Share of each weekday's calls per interval, ``(7, slots)``; rows sum to 1 or 0.

    Each weekday's profile blends its own shape (trimmed mean of the daily shares of
    its last ``weeks`` usable days) with the recent shape of its group (same trimmed
    mean over the usable days of the last ``pool_weeks`` weeks of all weekdays in the
    group, see :func:`weekday_groups`): the shape of busy days drifts slowly with the
    season, and the last two weeks of five busy days see it better than eight weeks of
    one weekday.

    Parameters
    ----------
    training : Training
    weeks : int
        Usable same-weekday days behind each weekday's own profile.
    pool : float
        Weight of the recent group profile, 0..1.
    pool_weeks : int
        Weeks of usable group days behind the group profile.
    trim : float
        Share of days trimmed at each end, slot by slot (robust to odd days).
    smooth : bool
        Smooth each profile with weights 1/4, 1/2, 1/4.
    """
    counts = training.counts
    group = weekday_groups(training)
    own = np.zeros((7, training.slots))
    have = np.zeros(7, dtype=bool)
    for w in range(7):
        idx = training.same_weekday(w, weeks)
        if len(idx):
            own[w] = _trimmed_shares(counts[idx], trim)
            have[w] = own[w].sum() > 0
    out = np.zeros((7, training.slots))
    for w in range(7):
        members = np.flatnonzero((group == group[w]) & have)
        if len(members):
            idx = np.concatenate([training.same_weekday(m, pool_weeks) for m in members])
            pooled = _trimmed_shares(counts[idx], trim)
        else:
            pooled = own[w]
        mix = (1 - pool) * own[w] + pool * pooled if have[w] else pooled
        if mix.sum() > 0:
            out[w] = _smooth(mix, training.open[w]) if smooth else mix / mix.sum()
    return out


def _month_factors(totals: np.ndarray, usable: np.ndarray, dom: np.ndarray,
                   shrink: float = 1.0, neighbour: float = 0.25,
                   iterations: int = 3) -> np.ndarray:
    """Day-of-month factors (31,) by backfitting against a centred weekday level.

    Each usable day's total is compared with the median of the same weekday within
    3 weeks either side (after removing the current month factors); the factor of a
    day of month is the geometric mean of those ratios, shrunk towards 1 by
    ``n / (n + shrink)`` and smoothed circularly with weights ``neighbour``,
    ``1 - 2 neighbour``, ``neighbour``.
    """
    factors = np.ones(31)
    ok_total = usable & (totals > 0)
    for _ in range(iterations):
        adjusted = totals / factors[dom]
        level = _neighbour_median(adjusted, ok_total, 3)
        ok = ok_total & np.isfinite(level) & (level > 0)
        ratio = np.log(np.clip(totals[ok] / level[ok], 0.2, 5.0))
        sums = np.bincount(dom[ok], weights=ratio, minlength=31)
        count = np.bincount(dom[ok], minlength=31).astype(float)
        log_f = np.where(count > 0, sums / np.maximum(count, 1), 0.0) * count / (count + shrink)
        log_f = (neighbour * (np.roll(log_f, 1) + np.roll(log_f, -1))
                 + (1 - 2 * neighbour) * log_f)
        factors = np.exp(log_f)
    return factors


@dataclass(frozen=True)
class DailyProfile(Model):
    """Daily total per weekday times a weekday intraday profile.

    Parameters
    ----------
    level_weeks : int
        Usable same-weekday days averaged for the daily level.
    profile_weeks : int
        Usable same-weekday days behind each intraday profile.
    pool : float
        Weight of the recent profile pooled over same-kind weekdays, 0..1.
    pool_weeks : int
        Weeks behind the pooled profile (see :func:`intraday_profiles`).
    month_effect : bool
        Learn a day-of-month factor on daily totals (needs a few months of history to
        matter; with less it shrinks towards 1).
    month_shrink : float
        Days of evidence at which a day-of-month factor is halfway to 1.
    month_smoothing : float
        Weight of each neighbouring day of the month in the smoothed factor.
    pooled_level : float
        Weight (0..1) of a level shared by all weekdays (mean of the last
        ``pooled_days`` usable days over their weekday weights of the last
        ``weekday_weeks`` weeks) against each weekday's own level.
    trim, smooth :
        Of the intraday profiles (see :func:`intraday_profiles`).
    """

    level_weeks: int = 8
    profile_weeks: int = 8
    pool: float = 0.25
    pool_weeks: int = 2
    month_effect: bool = False
    month_shrink: float = 1.0
    month_smoothing: float = 0.25
    pooled_level: float = 0.0
    pooled_days: int = 21
    weekday_weeks: int = 12
    trim: float = 0.3
    smooth: bool = True
    name: str = "daily_profile"

    def daily_totals(self, training: Training, days: pd.DatetimeIndex) -> np.ndarray:
        """Expected calls per day for ``days``."""
        totals = np.nansum(training.counts, axis=1)
        if self.month_effect:
            dom = training.days.day.to_numpy() - 1
            factors = _month_factors(totals, training.usable, dom, self.month_shrink,
                                     self.month_smoothing)
        else:
            factors = np.ones(31)
        adjusted = totals / factors[training.days.day.to_numpy() - 1]
        level = np.zeros(7)
        for w in set(days.weekday):
            idx = training.same_weekday(w, self.level_weeks)
            _need(idx, w, "a daily level")
            level[w] = adjusted[idx].mean()
        if self.pooled_level > 0:
            level = ((1 - self.pooled_level) * level
                     + self.pooled_level * self._pooled_level(training, adjusted))
        return level[days.weekday] * factors[days.day.to_numpy() - 1]

    def _pooled_level(self, training: Training, adjusted: np.ndarray) -> np.ndarray:
        """Weekday levels from one level shared by all days of the last weeks.

        Weekday weights come from the last ``weekday_weeks`` weeks (each weekday's mean
        over the weekly mean); the shared level is the mean of the last
        ``pooled_days`` usable days divided by their weekday weights.
        """
        weight = np.zeros(7)
        for w in range(7):
            idx = training.same_weekday(w, self.weekday_weeks)
            weight[w] = adjusted[idx].mean() if len(idx) else 0.0
        if weight.sum() <= 0:
            return weight
        weight = weight / weight.mean()
        recent = np.flatnonzero(training.usable)
        recent = recent[recent >= len(adjusted) - self.pooled_days]
        recent = recent[weight[training.weekday[recent]] > 0]
        if len(recent) == 0:
            return np.zeros(7)
        shared = np.mean(adjusted[recent] / weight[training.weekday[recent]])
        return shared * weight

    def predict(self, training, days):
        profiles = intraday_profiles(training, self.profile_weeks, self.pool, self.pool_weeks,
                                     self.trim, self.smooth)
        return self.daily_totals(training, days)[:, None] * profiles[days.weekday]


@dataclass(frozen=True)
class StatsForecastDaily(Model):
    """A statsforecast model on daily totals times the weekday intraday profile.

    Parameters
    ----------
    method : {"mstl", "auto_ets"}
        ``mstl``: MSTL with a weekly season and an AutoETS trend; ``auto_ets``:
        AutoETS with a weekly season.
    """

    method: str = "mstl"
    profile_weeks: int = 8
    pool: float = 0.5
    pool_weeks: int = 2
    name: str = "mstl_daily"

    def __post_init__(self):
        if self.method not in ("mstl", "auto_ets"):
            raise InputError("method", self.method, "'mstl' or 'auto_ets'")

    def predict(self, training, days):
        from statsforecast.models import MSTL, AutoETS

        totals = np.where(training.usable, np.nansum(training.counts, axis=1), np.nan)
        fill = _neighbour_median(totals, training.usable, 4)
        for w in range(7):
            idx = training.same_weekday(w)
            on_w = training.weekday == w
            fill[on_w & ~np.isfinite(fill)] = totals[idx].mean() if len(idx) else 0.0
        series = np.where(training.usable, totals, fill)
        last = training.days[-1]
        steps = ((days - last) / pd.Timedelta(days=1)).astype(int).to_numpy()
        horizon = max(1, int(steps.max()))
        model = MSTL(season_length=7) if self.method == "mstl" else AutoETS(season_length=7)
        future = np.asarray(model.forecast(y=series.astype(float), h=horizon)["mean"])
        past = np.clip(len(series) - 1 + steps, 0, len(series) - 1)
        daily = np.where(steps >= 1, future[np.clip(steps - 1, 0, horizon - 1)], series[past])
        profiles = intraday_profiles(training, self.profile_weeks, self.pool, self.pool_weeks)
        return np.maximum(daily, 0.0)[:, None] * profiles[days.weekday]


@dataclass(frozen=True)
class StatsForecastInterval(Model):
    """statsforecast's MSTL on the interval series: a daily and a weekly season.

    The last ``weeks`` weeks of interval counts are decomposed with a season of one
    day and one of one week (STL, twice); the deseasonalised series is forecast by
    AutoETS and the seasons are repeated.  Days not usable (holidays, gaps, abnormal
    days) are replaced by the interval-wise median of their weekday over those weeks.

    Parameters
    ----------
    weeks : int
        Weeks of history fitted (one season of a week needs at least 2).
    """

    weeks: int = 8
    name: str = "mstl_interval"

    def __post_init__(self):
        if int(self.weeks) < 2:
            raise InputError("weeks", self.weeks, "an integer >= 2")

    def predict(self, training, days):
        from statsforecast.models import MSTL

        slots = training.slots
        n = min(len(training.days), 7 * int(self.weeks))
        counts = training.counts[-n:]
        usable = training.usable[-n:]
        weekday = training.weekday[-n:]
        series = counts.copy()
        for w in range(7):
            rows = usable & (weekday == w)
            if not rows.any():
                idx = training.same_weekday(w, 4)
                _need(idx, w, "an interval-level MSTL")
                fill = np.median(training.counts[idx], axis=0)
            else:
                fill = np.median(counts[rows], axis=0)
            series[(weekday == w) & ~usable] = fill
        last = training.days[-1]
        steps = ((days - last) / pd.Timedelta(days=1)).astype(int).to_numpy()
        if (steps < 1).any():
            raise InputError("days", str(days[steps < 1][0]), "days after the training days")
        horizon = int(steps.max())
        model = MSTL(season_length=[slots, 7 * slots])
        future = np.asarray(model.forecast(y=series.ravel().astype(float),
                                           h=horizon * slots)["mean"])
        future = future.reshape(horizon, slots)[steps - 1]
        return np.maximum(future, 0.0) * training.open[days.weekday]


@dataclass(frozen=True)
class Combination(Model):
    """Weighted mean of the forecasts of ``members`` (weights sum to 1).

    Parameters
    ----------
    members : tuple of Model
    weights : tuple of float
        Non-negative, one per member, summing to 1.
    """

    members: tuple = ()
    weights: tuple = ()
    name: str = "combination"

    def __post_init__(self):
        w = np.asarray(self.weights, dtype=float)
        if len(self.members) == 0 or len(w) != len(self.members):
            raise InputError("weights", self.weights, "one weight per member, at least one")
        if not (np.isfinite(w).all() and (w >= 0).all() and abs(w.sum() - 1.0) < 1e-6):
            raise InputError("weights", self.weights, "non-negative weights summing to 1")

    def predict(self, training, days):
        out = np.zeros((len(days), training.slots))
        for member, weight in zip(self.members, self.weights, strict=True):
            if weight > 0:
                out += weight * member.predict(training, days)
        return out

    def describe(self) -> str:
        """``"daily_profile 0.60 + week_median_6 0.40"``, largest weight first."""
        pairs = sorted(zip(self.weights, (m.name for m in self.members), strict=True),
                       reverse=True)
        return " + ".join(f"{name} {w:.2f}" for w, name in pairs if w > 0)


#: Named models accepted by ``forecast(model=...)`` and ``backtest(models=...)``.
MODELS: dict[str, Model] = {
    "seasonal_naive": SeasonalNaive(),
    "week_mean": WeekAverage(8, "mean", name="week_mean"),
    "week_weighted": WeekAverage(8, "weighted", name="week_weighted"),
    "week_median": WeekAverage(8, "median", name="week_median"),
    "daily_profile": DailyProfile(),
    "daily_profile_month": DailyProfile(month_effect=True, pooled_level=0.75, pooled_days=7,
                                        weekday_weeks=16, month_shrink=2.0, trim=0.4,
                                        name="daily_profile_month"),
    "mstl_daily": StatsForecastDaily("mstl", name="mstl_daily"),
    "mstl_interval": StatsForecastInterval(name="mstl_interval"),
    **{f"week_{method}_{n}": WeekAverage(n, method, name=f"week_{method}_{n}")
       for method in ("mean", "median") for n in (4, 6, 8)},
}

#: The simple seasonal averages: ``auto`` picks the best of them by backtest, uses it
#: as a candidate and shrinks its combination towards it when evidence is thin.
BASELINES = tuple(f"week_{method}_{n}" for method in ("mean", "median") for n in (4, 6, 8))

#: Candidates ``model="auto"`` combines (the fast ones; statsforecast is opt-in: one MSTL
#: fit per backtest origin costs about a second on a year of 30-min history).
AUTO_CANDIDATES = (
    "seasonal_naive",
    *BASELINES,
    "daily_profile",
    "daily_profile_month",
)


def get_model(model: str | Model) -> Model:
    """The model object for a name of :data:`MODELS` or a :class:`Model` instance."""
    if isinstance(model, Model):
        return model
    if isinstance(model, str) and model in MODELS:
        return MODELS[model]
    raise InputError("model", model, f"'auto' or one of {sorted(MODELS)} or a Model instance")
