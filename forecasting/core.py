"""``forecast`` and ``backtest``: the public entry points of the forecasting package."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasting._matrix import DayMatrix, Training, _neighbour_median, day_matrix, prepare
from forecasting.aht import aht_profile
from forecasting.calendar import DayCalendar, build_calendar
from forecasting.intraday import shape_update, slot_covariance
from forecasting.metrics import bias, coverage, mape, wape
from forecasting.models import AUTO_CANDIDATES, BASELINES, Combination, Model, get_model
from forecasting.uncertainty import calibrate_dispersion, count_quantiles
from wfm.errors import DataError, InputError
from wfm.frames import FORECAST_COLUMNS, interval_length, validate_history

__all__ = [
    "forecast",
    "backtest",
    "select_model",
    "ForecastReport",
    "QueueReport",
    "MIN_HISTORY_DAYS",
    "SELECTION_WEEKS",
    "INTRADAY_PRIOR",
    "INTRADAY_HALF_LIFE_H",
    "recency_weights",
    "persistence_weights",
    "combination_weights",
    "day_level_variance",
    "intraday_factor",
]

ProgressCallback = Callable[[float, float, str], None]

#: Shortest history accepted, in days.
MIN_HISTORY_DAYS = 14
#: Weekly origins of the rolling backtest behind model choice and interval calibration.
SELECTION_WEEKS = 10
#: Scale of the prior strength of the intraday level update (1: as estimated; chosen
#: on January-June 1999 by benchmarks/tune_forecast.py).
INTRADAY_PRIOR = 8.0
#: Half-life [h] of the recency weights of the day's intervals so far (None: equal).
INTRADAY_HALF_LIFE_H: float | None = 0.25
#: Half-life [h] of the update's effect over the rest of the day (None: all of it).
INTRADAY_PERSISTENCE_H: float | None = None
#: Prior probability that a day is unusual (its level far off the forecast) in the
#: intraday level update, and the relative variance of such a day's level
#: (:func:`intraday_factor`; 0: one Gamma prior).
INTRADAY_UNUSUAL_SHARE = 0.05
INTRADAY_UNUSUAL_VARIANCE = 1.0
#: Principal components of the backtest's slot covariance the intraday shape update
#: keeps (0: the level update alone; :mod:`forecasting.intraday`).
INTRADAY_RANK = 0
#: Scale of the morning's noise in the intraday shape update.
INTRADAY_SHAPE_PRIOR = 1.0
_DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class QueueReport:
    """How one queue was forecast and what the history looked like.

    Attributes
    ----------
    queue : str
    model : str
        Model used.
    scores : dict[str, float]
        Rolling-origin WAPE of each candidate when the model was chosen automatically.
    weights : dict[str, float]
        Weight of each candidate in the forecast ``"auto"`` made (sums to 1).
    dispersion : float
        Negative binomial dispersion of the prediction intervals.
    intraday_factor : float
        Multiplier of the rest of the start day from its calls so far (NaN when
        ``start`` is not inside a day of the history).
    day_variance : float
        Relative variance of a day's level around the forecast, beyond Poisson noise,
        in the backtest (:func:`day_level_variance`).
    slot_covariance : ndarray (slots, slots) or None
        Covariance of the relative errors between the slots of a backtest day
        (:func:`forecasting.intraday.slot_covariance`), behind the intraday update.
    history_start, history_end : Timestamp
        First and last interval of the history.
    missing_days : tuple of date
        Days absent from the history (not taken as zero demand).
    gap_intervals : tuple of Timestamp
        Open intervals with no row inside otherwise present days (the day is not
        learned from).
    abnormal_days : tuple of date
        Days whose total is far from their weekday neighbours (not learned from).
    excluded_days : tuple of date
        Holidays and special days in the history (not learned from).
    notes : tuple of str
        Holiday factors used in the forecast and anything else worth knowing.
    """

    queue: str
    model: str
    scores: dict = field(default_factory=dict)
    weights: dict = field(default_factory=dict)
    dispersion: float = float("nan")
    intraday_factor: float = float("nan")
    day_variance: float = float("nan")
    slot_covariance: np.ndarray | None = field(default=None, repr=False, compare=False)
    history_start: pd.Timestamp | None = None
    history_end: pd.Timestamp | None = None
    missing_days: tuple = ()
    gap_intervals: tuple = ()
    abnormal_days: tuple = ()
    excluded_days: tuple = ()
    notes: tuple = ()

    def lines(self) -> list[str]:
        """The report in plain sentences."""
        out = [f"queue {self.queue}: model {self.model}"]
        if self.scores:
            ranked = sorted(self.scores.items(), key=lambda kv: kv[1])
            out.append("  backtest WAPE: " + ", ".join(f"{k} {v:.3f}" for k, v in ranked))
        if len(self.weights) > 1:
            ranked = sorted(self.weights.items(), key=lambda kv: -kv[1])
            out.append("  weights: " + ", ".join(f"{k} {v:.2f}" for k, v in ranked))
        out.append(f"  history {self.history_start} .. {self.history_end}")
        if self.missing_days:
            out.append(f"  {len(self.missing_days)} day(s) missing from the history (not "
                       f"taken as zero): {_few(self.missing_days)}")
        if self.gap_intervals:
            out.append(f"  {len(self.gap_intervals)} open interval(s) missing inside present "
                       f"days (those days not learned from): {_few(self.gap_intervals)}")
        if self.abnormal_days:
            out.append(f"  {len(self.abnormal_days)} abnormal day(s) not learned from: "
                       f"{_few(self.abnormal_days)}")
        if self.excluded_days:
            out.append(f"  {len(self.excluded_days)} holiday / special day(s) not learned "
                       f"from: {_few(self.excluded_days)}")
        out.extend("  " + note for note in self.notes)
        return out


def _few(items, k: int = 5) -> str:
    shown = ", ".join(str(x) for x in items[:k])
    return shown + (f" ... (+{len(items) - k})" if len(items) > k else "")


@dataclass(frozen=True)
class ForecastReport:
    """Per-queue reports of one :func:`forecast` call (``frame.attrs["report"]``)."""

    queues: tuple[QueueReport, ...]

    def lines(self) -> list[str]:
        return [line for q in self.queues for line in q.lines()]

    def __getitem__(self, queue: str) -> QueueReport:
        for q in self.queues:
            if q.queue == queue:
                return q
        raise KeyError(queue)


# --------------------------------------------------------------------------- helpers


def _timestamp(value, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InputError(name, value, "a date or date-time") from exc
    if ts is pd.NaT:
        raise InputError(name, value, "a date or date-time")
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


def _queue_matrices(history: pd.DataFrame, interval: pd.Timedelta) -> dict[str, DayMatrix]:
    out = {}
    for queue, rows in history.groupby("queue", sort=False):
        matrix = day_matrix(rows["interval_start"], rows["calls"].to_numpy(float),
                            rows["aht_s"].to_numpy(float), interval, queue=str(queue))
        if not _two_weeks(matrix):
            first, last = rows["interval_start"].iloc[0], rows["interval_start"].iloc[-1]
            raise DataError(
                f"queue {queue!r}: the history covers {first} .. {last} "
                f"({len(matrix.days)} calendar days); at least two weeks are needed "
                f"({MIN_HISTORY_DAYS} days, every weekday with calls seen twice), "
                "8 weeks or more for good weekly profiles",
                column="interval_start")
        out[str(queue)] = matrix
    return out


def _two_weeks(matrix: DayMatrix) -> bool:
    """Every weekday that has rows occurs at least twice between the first and last day.

    A Monday-Friday centre with two working weeks passes (weekends have no rows); a
    24/7 centre needs 14 days.
    """
    weekday = matrix.days.weekday.to_numpy()
    present = np.isfinite(matrix.calls).any(axis=1)
    occurs = np.bincount(weekday, minlength=7)
    has_rows = np.bincount(weekday[present], minlength=7) > 0
    return bool(has_rows.any() and (occurs[has_rows] >= 2).all())


def _years(history: pd.DataFrame, end: pd.Timestamp) -> range:
    return range(int(history["interval_start"].min().year), int(end.year) + 1)


def _complete_days(matrix: DayMatrix) -> int:
    """Number of whole days at the start of the history.

    The last day counts as whole when the slots after its last row carried no call on
    the same weekday in the previous weeks (the centre was closed then).
    """
    last_day, last_slot = divmod(matrix.last, matrix.slots)
    if last_slot == matrix.slots - 1:
        return last_day + 1
    rows = np.arange(last_day - 7, max(-1, last_day - 57), -7)
    before = matrix.calls[rows]
    present = np.isfinite(before).any(axis=1)
    if present.any() and np.nansum(before[present][:, last_slot + 1:]) == 0:
        return last_day + 1
    return last_day


@dataclass(frozen=True)
class _Prediction:
    mean: np.ndarray  # (days, slots)
    notes: list


def _predict(model: Model, training: Training, calendar: DayCalendar,
             days: pd.DatetimeIndex) -> _Prediction:
    """Model mean × holiday factors × open mask for whole ``days``."""
    mean = model.predict(training, days)
    totals = np.where(np.isfinite(training.counts).all(axis=1),
                      np.nansum(training.counts, axis=1), np.nan)
    normal = training.usable
    reference = _neighbour_median(np.where(normal, totals, np.nan), normal, 3)
    factors, notes = calendar.horizon_factors(days, training.days, totals, reference)
    mean = mean * factors[:, None] * training.open[days.weekday]
    return _Prediction(np.maximum(mean, 0.0), notes)


@dataclass(frozen=True)
class _Rolling:
    """One-week-ahead forecasts of several models at the same weekly origins.

    ``actual`` and each ``forecasts[name]`` hold the intervals with an actual value,
    flattened over origins; ``day`` numbers the (origin, day) each interval belongs to.
    Models that failed at an origin are only in ``scores`` (WAPE on the origins they
    managed).
    """

    actual: np.ndarray
    day: np.ndarray
    forecasts: dict
    scores: dict
    slot: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))
    normal: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))


def _rolling(matrix: DayMatrix, calendar: DayCalendar, flags: np.ndarray,
             models: Sequence[Model], weeks: int) -> _Rolling:
    """One-week-ahead forecasts of ``models`` at the last ``weeks`` weekly origins."""
    end = _complete_days(matrix)
    origins = [end - 7 * k for k in range(weeks, 0, -1)
               if end - 7 * k > 0 and _two_weeks(matrix.head(end - 7 * k))]
    actuals, day_ids, slot_ids, normal = [], [], [], []
    usable = prepare(matrix, flags).usable if origins else np.empty(0, dtype=bool)
    per_model: dict[str, list] = {m.name: [] for m in models}
    for n, origin in enumerate(origins):
        head = matrix.head(origin)
        training = prepare(head, flags[:origin])
        days = matrix.days[origin:origin + 7]
        actual = matrix.calls[origin:origin + 7]
        known = np.isfinite(actual)
        actuals.append(actual[known])
        day_ids.append((7 * n + np.arange(len(days)))[:, None].repeat(matrix.slots, 1)[known])
        slot_ids.append(np.broadcast_to(np.arange(matrix.slots), known.shape)[known])
        normal.append(np.broadcast_to(usable[origin:origin + 7, None], known.shape)[known])
        for model in models:
            try:
                mean = _predict(model, training, calendar, days).mean
            except DataError:
                per_model[model.name].append(None)
                continue
            per_model[model.name].append(mean[known])
    scores, forecasts = {}, {}
    for name, parts in per_model.items():
        done = [i for i, f in enumerate(parts) if f is not None]
        if done:
            scores[name] = wape(np.concatenate([actuals[i] for i in done]),
                                np.concatenate([parts[i] for i in done]))
        if parts and len(done) == len(parts):
            forecasts[name] = np.concatenate(parts)
    return _Rolling(
        actual=np.concatenate(actuals) if actuals else np.empty(0),
        day=np.concatenate(day_ids) if day_ids else np.empty(0, dtype=int),
        forecasts=forecasts, scores=scores,
        slot=np.concatenate(slot_ids) if slot_ids else np.empty(0, dtype=int),
        normal=np.concatenate(normal) if normal else np.empty(0, dtype=bool))


def combination_weights(actual, forecasts, prior: int, origin=None) -> np.ndarray:
    """Weights of a forecast combination fitted on backtest errors, shrunk to a prior.

    The fitted weights ``w`` minimise the squared error of ``forecasts @ w`` against
    ``actual`` over non-negative weights summing to 1 (Granger & Ramanathan 1984,
    constrained).  They are then shrunk towards all weight on forecast ``prior`` as
    far as the evidence that they beat it is thin: with ``t`` the t-statistic over
    backtest origins of the prior's WAPE minus the fitted combination's, the fit keeps
    weight ``max(0, 1 - 1 / t**2)`` (positive-part James-Stein), none when ``t <= 1``.

    Parameters
    ----------
    actual : array_like (n,)
        Backtest actual calls.
    forecasts : array_like (n, k)
        Backtest forecasts of the k candidates for the same intervals.
    prior : int
        Column of the forecast shrunk towards.
    origin : array_like of int (n,), optional
        Backtest origin of each interval; without it (or with one origin) there is no
        evidence and the prior gets all the weight.

    Returns
    -------
    ndarray (k,)
        Non-negative weights summing to 1.
    """
    return _fit_weights(actual, forecasts, prior, origin)[0]


def _fit_weights(actual, forecasts, prior: int, origin) -> tuple[np.ndarray, str | None]:
    """:func:`combination_weights` and a note when the fit failed (prior weights then)."""
    y = np.asarray(actual, dtype=float)
    f = np.asarray(forecasts, dtype=float)
    k = f.shape[1] if f.ndim == 2 else 1
    f = f.reshape(len(y), k)
    target = np.zeros(k)
    target[prior] = 1.0
    if origin is None or len(y) == 0 or len(np.unique(origin)) < 2:
        return target, None
    fitted, message = _simplex_least_squares(f, y)
    if fitted is None:
        return target, (f"combination weights not fitted ({message}): the best seasonal "
                        "average used alone")
    keep = _evidence_weight(y, f @ fitted, f[:, prior], np.asarray(origin))
    weights = keep * fitted + (1 - keep) * target
    weights[weights < 1e-3] = 0.0
    return weights / weights.sum(), None


def _simplex_least_squares(f: np.ndarray, y: np.ndarray) -> tuple[np.ndarray | None, str]:
    """``argmin |f w - y|^2`` over the simplex ``w >= 0, sum w = 1`` (SLSQP on the
    normal equations, scaled; k is small).  None and the solver's message if it fails."""
    from scipy.optimize import minimize

    k = f.shape[1]
    scale = max(float((y ** 2).sum()), 1e-12)
    gram = f.T @ f / scale
    cross = f.T @ y / scale
    start = np.full(k, 1.0 / k)
    result = minimize(lambda w: w @ gram @ w - 2 * cross @ w, start,
                      jac=lambda w: 2 * (gram @ w - cross), method="SLSQP",
                      bounds=[(0.0, 1.0)] * k,
                      constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0,
                                    "jac": lambda w: np.ones(k)}],
                      options={"ftol": 1e-12, "maxiter": 200})
    if not result.success:
        return None, str(result.message)
    w = np.clip(result.x, 0.0, None)
    return w / w.sum(), ""


def _evidence_weight(actual, fitted, prior, origin) -> float:
    """``max(0, 1 - 1/t**2)`` for the t-statistic of the per-origin WAPE gain."""
    _, inv = np.unique(origin, return_inverse=True)
    total = np.bincount(inv, weights=actual)
    ok = total > 0
    gain = (np.bincount(inv, weights=np.abs(actual - prior))
            - np.bincount(inv, weights=np.abs(actual - fitted)))[ok] / total[ok]
    if len(gain) < 2:
        return 0.0
    sd = gain.std(ddof=1)
    if sd <= 0:
        return 1.0 if gain.mean() > 0 else 0.0
    t = gain.mean() / (sd / np.sqrt(len(gain)))
    return float(max(0.0, 1.0 - 1.0 / t ** 2)) if t > 1 else 0.0


def day_level_variance(actual, forecast, day) -> float:
    """Relative variance of a day's level around the forecast, beyond Poisson noise.

    With daily totals ``A`` and forecasts ``F`` over backtest days, the day's rate is
    taken as ``F`` times a level factor of mean 1 and variance ``v``.  The spread of
    ``log(A / F)`` is measured robustly (1.4826 x its median absolute deviation, so
    that holiday weeks in the backtest do not inflate it) and the Poisson part,
    the median of ``1 / F``, is taken off; at least 1e-4.
    """
    day = np.asarray(day, dtype=int)
    if len(day) == 0:
        return float("nan")
    a = np.bincount(day, weights=np.asarray(actual, dtype=float))
    f = np.bincount(day, weights=np.asarray(forecast, dtype=float))
    ok = (f > 5.0) & (a > 0)
    if ok.sum() < 3:
        return float("nan")
    z = np.log(a[ok] / f[ok])
    spread = 1.4826 * np.median(np.abs(z - np.median(z)))
    return float(max(spread ** 2 - np.median(1.0 / f[ok]), 1e-4))


@dataclass(frozen=True)
class _Fit:
    model: Model
    scores: dict
    weights: dict
    dispersion: float
    day_variance: float
    notes: tuple
    slot_covariance: np.ndarray | None = None


def select_model(matrix: DayMatrix, calendar: DayCalendar, model: str | Model = "auto",
                 *, candidates: Sequence[str | Model] = AUTO_CANDIDATES,
                 weeks: int | None = None) -> _Fit:
    """Choose the model (``"auto"``: a combination) and calibrate its intervals.

    Every candidate forecasts one week ahead from each of the last ``weeks`` weekly
    origins of ``matrix``, from the history before that origin only.  For ``"auto"``
    the best seasonal average (:data:`forecasting.models.BASELINES`, lowest WAPE) is
    the prior, and the candidates are combined with :func:`combination_weights`
    (shrunk towards the prior as far as the evidence against it is thin).  The
    dispersion of the prediction intervals is calibrated on the chosen forecast's
    errors at those origins.
    """
    weeks = SELECTION_WEEKS if weeks is None else weeks
    flags = calendar.flags(matrix.days)
    auto = isinstance(model, str) and model == "auto"
    pool = [get_model(c) for c in candidates] if auto else [get_model(model)]
    rolling = _rolling(matrix, calendar, flags, pool, weeks)
    scores = rolling.scores
    notes = []
    weights: dict = {}
    if auto:
        usable = [m for m in pool if m.name in rolling.forecasts]
        if usable:
            chosen, weights, note = _combine(usable, rolling)
            if note:
                notes.append(note)
            combined = sum(w * rolling.forecasts[n] for n, w in weights.items())
        else:
            chosen = get_model("daily_profile")
            combined = np.empty(0)
            notes.append("history too short for a rolling backtest: daily_profile used "
                         "without comparison")
    else:
        chosen = pool[0]
        combined = rolling.forecasts.get(chosen.name, np.empty(0))
    actual = rolling.actual if len(combined) else np.empty(0)
    if actual.size:
        phi = calibrate_dispersion(actual, combined)
        day_var = day_level_variance(actual, combined, rolling.day)
        normal = rolling.normal  # no holiday, gap or abnormal day
        cov = slot_covariance(actual[normal], combined[normal], rolling.day[normal],
                              rolling.slot[normal], matrix.slots)
    else:
        phi = 1e-6
        day_var = float("nan")
        cov = None
        notes.append("no backtest to calibrate prediction intervals: Poisson noise only")
    return _Fit(chosen, scores if auto else {}, weights, phi, day_var, tuple(notes), cov)


def _combine(pool: Sequence[Model], rolling: _Rolling) -> tuple[Model, dict, str | None]:
    """The combination of ``pool`` fitted on ``rolling``, its weights by name and a note
    when the weights could not be fitted."""
    names = [m.name for m in pool]
    baselines = [n for n in names if n in BASELINES]
    ranked = baselines or names
    prior = min(ranked, key=lambda n: (rolling.scores[n], names.index(n)))
    f = np.column_stack([rolling.forecasts[n] for n in names])
    w, note = _fit_weights(rolling.actual, f, names.index(prior), rolling.day // 7)
    members = [(m, float(x)) for m, x in zip(pool, w, strict=True) if x > 0]
    if len(members) == 1:
        return members[0][0], {members[0][0].name: 1.0}, note
    combo = Combination(tuple(m for m, _ in members), tuple(x for _, x in members),
                        name="combination")
    return combo, {m.name: x for m, x in members}, note


def intraday_factor(actual_so_far: float, forecast_so_far: float, day_variance: float,
                    prior: float = 1.0, unusual_share: float = 0.0,
                    unusual_variance: float = 1.0) -> float:
    """Multiplier of the rest of a day's forecast from its calls so far.

    The day's rate is the forecast times a level factor with prior mean 1 and relative
    variance ``day_variance`` (Gamma); given ``actual_so_far`` calls where
    ``forecast_so_far`` were expected (Poisson), the posterior mean of the factor is
    ``(actual + c) / (forecast + c)`` with ``c = prior / day_variance`` calls (the
    Gamma-Poisson update behind the intraday updating of Shen & Huang 2008).

    With ``unusual_share > 0`` the prior is a mixture: a normal day as above with
    probability ``1 - unusual_share``, an unusual one (an eve, a half-closed day, an
    outage) with a broad Gamma of relative variance ``unusual_variance``
    (``c = 1 / unusual_variance``).  Each component's weight is updated by the
    negative binomial likelihood of the calls so far, and the factor is the mixture of
    the two posterior means: a morning near its forecast moves the rest of the day
    little, a morning far from it moves it almost all the way.

    Parameters
    ----------
    actual_so_far, forecast_so_far : float [calls]
    day_variance : float
        See :func:`day_level_variance`; NaN or <= 0 leaves the forecast as it is.
    prior : float
        Scale of the normal day's prior strength (1: as estimated).
    unusual_share : float
        Prior probability of an unusual day, in [0, 1).
    unusual_variance : float
        Relative variance of an unusual day's level (> 0).
    """
    if not (np.isfinite(day_variance) and day_variance > 0) or forecast_so_far <= 0:
        return 1.0
    if not 0.0 <= unusual_share < 1.0:
        raise InputError("unusual_share", unusual_share, "a probability in [0, 1)")
    if not unusual_variance > 0:
        raise InputError("unusual_variance", unusual_variance, "a variance > 0")
    c = np.array([prior / day_variance, 1.0 / unusual_variance])
    share = np.array([1.0 - unusual_share, unusual_share])
    a, f = float(actual_so_far), float(forecast_so_far)
    from scipy.special import gammaln

    loglik = (gammaln(a + c) - gammaln(c) + c * np.log(c / (c + f))
              + a * np.log(f / (c + f)))
    post = share * np.exp(loglik - loglik.max())
    post /= post.sum()
    return float((post * (a + c) / (f + c)).sum())


def recency_weights(n_slots: int, interval: pd.Timedelta,
                    half_life_h: float | None = None) -> np.ndarray:
    """Weights of the ``n_slots`` intervals before a cut for the intraday update.

    ``0.5 ** (age / half_life_h)`` with ``age`` the hours from the end of each interval
    to the cut (the last interval before the cut has weight 1); all 1 without a
    half-life.
    """
    if half_life_h is None:
        return np.ones(n_slots)
    hours = interval / pd.Timedelta(hours=1)
    age = (n_slots - 1 - np.arange(n_slots)) * hours
    return 0.5 ** (age / float(half_life_h))


def persistence_weights(n_slots: int, interval: pd.Timedelta,
                        half_life_h: float | None = None) -> np.ndarray:
    """Share of the intraday factor's excess kept by each of the ``n_slots`` intervals
    after the cut: ``0.5 ** (hours from the cut to the interval's start / half_life_h)``;
    all 1 without a half-life (the whole rest of the day moves together)."""
    if half_life_h is None:
        return np.ones(n_slots)
    hours = interval / pd.Timedelta(hours=1)
    return 0.5 ** (np.arange(n_slots) * hours / float(half_life_h))


def _intraday_split(matrix: DayMatrix, start: pd.Timestamp) -> int | None:
    """Row of the day ``start`` falls inside when the history has intervals of it before
    ``start``; None otherwise (``start`` a midnight, or its day not in the history)."""
    day = int((start.normalize() - matrix.days[0]) / _DAY)
    slot = int((start - start.normalize()) / matrix.interval)
    if slot == 0 or not 0 <= day < len(matrix.days) or day < MIN_HISTORY_DAYS:
        return None
    return day if np.isfinite(matrix.calls[day, :slot]).any() else None


def _intraday(day: np.ndarray, so_far: np.ndarray, interval: pd.Timedelta,
              fit: _Fit, prior: float | None) -> tuple[float, str]:
    """Update ``day[len(so_far):]`` in place from the day's calls ``so_far``; the ratio
    of the rest of the day's new forecast to its old one and a note saying how.
    ``prior`` (None: the default of the update used) scales the trust in the prior."""
    slot = len(so_far)
    known = np.isfinite(so_far)
    before = float(day[slot:].sum())
    if INTRADAY_RANK > 0 and fit.slot_covariance is not None:
        day[slot:] = shape_update(day, so_far, slot, fit.slot_covariance, INTRADAY_RANK,
                                  INTRADAY_SHAPE_PRIOR if prior is None else prior)
        factor = float(day[slot:].sum()) / before if before > 0 else 1.0
        return factor, (f"{np.nansum(so_far):.0f} calls so far against "
                        f"{day[:slot][known].sum():.0f} forecast; level and shape of the "
                        f"rest of the day updated ({INTRADAY_RANK} component(s)), "
                        f"its total x {factor:.3f}")
    w = recency_weights(slot, interval, INTRADAY_HALF_LIFE_H)[known]
    a = float((w * so_far[known]).sum())
    f = float((w * day[:slot][known]).sum())
    factor = intraday_factor(a, f, fit.day_variance, INTRADAY_PRIOR if prior is None else prior,
                             INTRADAY_UNUSUAL_SHARE, INTRADAY_UNUSUAL_VARIANCE)
    keep = persistence_weights(len(day) - slot, interval, INTRADAY_PERSISTENCE_H)
    day[slot:] *= 1.0 + (factor - 1.0) * keep
    weighted = ("" if INTRADAY_HALF_LIFE_H is None
                else f" (intervals weighted by recency, half-life {INTRADAY_HALF_LIFE_H:g} h)")
    return factor, (f"{a:.0f} calls so far against {f:.0f} forecast{weighted}, rest of "
                    f"the day x {factor:.3f}")


def _forecast_queue(queue: str, matrix: DayMatrix, calendar: DayCalendar,
                    model, start: pd.Timestamp, end: pd.Timestamp,
                    candidates: Sequence, intraday_prior: float | None
                    ) -> tuple[pd.DataFrame, QueueReport]:
    split = _intraday_split(matrix, start)
    fit_on = matrix if split is None else matrix.head(split)
    fit = select_model(fit_on, calendar, model, candidates=candidates)
    flags = calendar.flags(fit_on.days)
    training = prepare(fit_on, flags)
    days = pd.date_range(start.normalize(), (end - pd.Timedelta(1)).normalize(), freq="D")
    prediction = _predict(fit.model, training, calendar, days)
    mean = prediction.mean
    notes = list(fit.notes) + list(prediction.notes)
    factor = 1.0
    if split is not None:
        slot = int((start - start.normalize()) / matrix.interval)
        open_so_far = training.open[days[0].weekday()][:slot]
        so_far = np.where(open_so_far, matrix.calls[split, :slot], np.nan)
        factor, note = _intraday(mean[0], so_far, matrix.interval, fit, intraday_prior)
        notes.append(f"intraday update {start:%Y-%m-%d} from {start:%H:%M}: {note}")
    low, high = count_quantiles(mean, fit.dispersion)
    aht = aht_profile(training)[days.weekday]
    interval = matrix.interval
    offsets = np.arange(matrix.slots) * interval.to_timedelta64()
    times = days.values[:, None] + offsets[None, :]
    frame = pd.DataFrame({
        "queue": queue,
        "interval_start": times.ravel(),
        "calls": mean.ravel(),
        "aht_s": aht.ravel(),
        "calls_low": low.ravel(),
        "calls_high": high.ravel(),
    })
    frame = frame[(frame["interval_start"] >= start) & (frame["interval_start"] < end)]
    slots = matrix.slots
    gap_pos = np.flatnonzero(training.gaps.ravel())
    seen = fit_on.days
    report = QueueReport(
        queue=queue,
        model=fit.model.name,
        scores=fit.scores,
        weights=fit.weights,
        dispersion=fit.dispersion,
        intraday_factor=factor if split is not None else float("nan"),
        day_variance=fit.day_variance,
        slot_covariance=fit.slot_covariance,
        history_start=matrix.days[0] + (matrix.first % slots) * interval,
        history_end=matrix.days[0] + matrix.last * interval,
        missing_days=tuple(seen[training.missing_days].date),
        gap_intervals=tuple(seen[0] + gap_pos * interval),
        abnormal_days=tuple(seen[training.abnormal_days].date),
        excluded_days=tuple(seen[training.excluded_days].date),
        notes=tuple(notes),
    )
    return frame, report


def _check_grid(ts: pd.Timestamp, interval: pd.Timedelta, name: str) -> None:
    if (ts - ts.normalize()).value % interval.value:
        raise InputError(name, str(ts), f"a time on the {interval} grid of the history")


# --------------------------------------------------------------------------- public API


def forecast(history: pd.DataFrame, start, end, model: str | Model = "auto", *,
             holidays_country: str | None = None, special_days=None,
             progress: ProgressCallback | None = None,
             candidates: Sequence[str | Model] = AUTO_CANDIDATES,
             intraday_prior: float | None = None,
             holiday_categories: Sequence[str] | None = None) -> pd.DataFrame:
    """Forecast calls, handle time and a 10 %-90 % calls interval per queue and interval.

    Parameters
    ----------
    history : DataFrame
        Interval history (``queue``, ``interval_start``, ``calls``, ``aht_s``), checked
        with :func:`wfm.frames.validate_history`.  At least two weeks per queue.
    start, end : date-like
        Forecast intervals ``[start, end)`` at the history's interval length.  When
        ``start`` falls inside a day of which the history holds earlier intervals
        (e.g. ``"1999-10-05 10:00"`` with calls to 09:59), the models learn from the
        days before that day only and the rest of the day is re-forecast from its
        calls so far (:func:`intraday_factor`); later days keep the models' forecast.
    model : str or Model
        ``"auto"`` (per queue, a combination of the candidates weighted by their
        one-week-ahead errors over the last 10 weekly origins of the history, shrunk
        towards the best seasonal average; see :func:`select_model`) or a name of
        :data:`forecasting.MODELS`, or a model object.
    holidays_country : str, optional
        Country code for the ``holidays`` package (e.g. ``"IL"``): holidays are not
        learned from and get a factor in the forecast (see :mod:`forecasting.calendar`).
    special_days : list of date / SpecialDay or mapping date -> factor, optional
        User-listed special days, treated like holidays; a factor, when given, is used
        as is.
    progress : callable, optional
        ``progress(done, total, message)``, called once per queue.
    candidates : sequence of str or Model
        Models ``"auto"`` combines.
    intraday_prior : float, optional
        Scale of the prior strength of the intraday update (default
        :data:`INTRADAY_PRIOR`; larger trusts the morning's calls less).
    holiday_categories : sequence of str, optional
        Categories of the ``holidays`` package (default ``("public",)``).

    Returns
    -------
    DataFrame
        :data:`wfm.frames.FORECAST_COLUMNS`: expected ``calls`` [calls per interval],
        ``aht_s`` [s] (NaN when the history has no handle times), ``calls_low`` and
        ``calls_high`` (10 % and 90 % quantiles, whole calls).  Closed intervals get 0.
        ``frame.attrs["report"]`` holds a :class:`ForecastReport`: the model of each
        queue, backtest scores, missing days, gaps, excluded and abnormal days.

    Raises
    ------
    DataError
        Bad history (see :func:`wfm.frames.validate_history`), or less than two weeks
        of it for a queue.
    InputError
        ``end`` not after ``start``, times off the interval grid, unknown model.
    """
    history = validate_history(history)
    interval = interval_length(history)
    start = _timestamp(start, "start")
    end = _timestamp(end, "end")
    if end <= start:
        raise InputError("end", str(end), f"a time after start ({start})")
    _check_grid(start, interval, "start")
    if not (isinstance(model, Model) or model == "auto"):
        get_model(model)
    calendar = build_calendar(_years(history, end), holidays_country, special_days,
                              holiday_categories)
    matrices = _queue_matrices(history, interval)
    frames, reports = [], []
    for i, (queue, matrix) in enumerate(matrices.items()):
        if progress is not None:
            progress(i, len(matrices), f"forecasting {queue}")
        frame, report = _forecast_queue(queue, matrix, calendar, model, start, end, candidates,
                                        intraday_prior)
        frames.append(frame)
        reports.append(report)
    if progress is not None:
        progress(len(matrices), len(matrices), "done")
    out = pd.concat(frames, ignore_index=True)[list(FORECAST_COLUMNS)]
    out.attrs["report"] = ForecastReport(tuple(reports))
    return out


def _origin_days(matrix: DayMatrix, origins, horizon_days: int) -> list[int]:
    end = _complete_days(matrix)
    if isinstance(origins, (int, np.integer)) and not isinstance(origins, bool):
        if origins < 1:
            raise InputError("origins", origins, "a number of origins >= 1 or a list of dates")
        found = [end - horizon_days - 7 * k for k in range(int(origins) - 1, -1, -1)]
        return [o for o in found if o > 0 and _two_weeks(matrix.head(o))]
    out = []
    for value in origins:
        ts = _timestamp(value, "origins")
        if ts != ts.normalize():
            raise InputError("origins", str(ts), "midnights (a day's 00:00)")
        out.append(int((ts - matrix.days[0]) / _DAY))
    return out


def backtest(history: pd.DataFrame,
             models: Sequence[str | Model] = ("seasonal_naive", "week_mean", "daily_profile",
                                              "auto"),
             origins: int | Sequence = 4, horizon=pd.Timedelta(days=7), *,
             holidays_country: str | None = None, special_days=None,
             progress: ProgressCallback | None = None,
             candidates: Sequence[str | Model] = AUTO_CANDIDATES,
             holiday_categories: Sequence[str] | None = None) -> pd.DataFrame:
    """Rolling-origin backtest: forecast from each origin with the history before it.

    Parameters
    ----------
    history : DataFrame
        Interval history, as for :func:`forecast`.
    models : sequence of str or Model
        Models to compare; ``"auto"`` runs the selection at every origin.
    origins : int or sequence of date-like
        Number of weekly origins ending with the last complete horizon of the history,
        or the origins themselves (midnights).
    horizon : Timedelta or int
        Length of each forecast (an int is a number of days).
    holidays_country, special_days, holiday_categories :
        As for :func:`forecast`.
    progress : callable, optional
        ``progress(done, total, message)`` per queue and origin.

    Returns
    -------
    DataFrame
        One row per model, queue and origin: ``model``, ``queue``, ``origin``,
        ``selected`` (the model used: ``"combination"`` when "auto" combined several),
        ``weights`` (for "auto": the weight of each candidate, e.g.
        ``"daily_profile_month 0.55 + week_median_6 0.45"``), ``wape``, ``mape``, ``bias``,
        ``coverage`` (share of actuals inside [calls_low, calls_high]),
        ``actual_calls``, ``forecast_calls``, ``intervals`` (compared intervals).
        Only intervals present in the history are compared.
    """
    history = validate_history(history)
    interval = interval_length(history)
    horizon = pd.Timedelta(days=int(horizon)) if isinstance(horizon, (int, np.integer)) \
        else pd.Timedelta(horizon)
    if horizon <= pd.Timedelta(0) or horizon.value % interval.value:
        raise InputError("horizon", str(horizon), f"a positive multiple of {interval}")
    if isinstance(models, str):
        models = (models,)
    for m in models:
        if not (isinstance(m, Model) or m == "auto"):
            get_model(m)
    horizon_days = int(np.ceil(horizon / _DAY))
    end_ts = history["interval_start"].max() + horizon
    calendar = build_calendar(_years(history, end_ts), holidays_country, special_days,
                              holiday_categories)
    matrices = _queue_matrices(history, interval)
    rows = []
    plan = [(q, m, o) for q, m in matrices.items() for o in _origin_days(m, origins, horizon_days)]
    if not plan:
        raise DataError("no backtest origin leaves two weeks of history before "
                        "it and a full horizon after it; give a longer history or earlier "
                        "origins", column="interval_start")
    for step, (queue, matrix, origin) in enumerate(plan):
        if progress is not None:
            progress(step, len(plan), f"{queue} {matrix.days[0] + origin * _DAY:%Y-%m-%d}")
        if origin <= 0 or origin >= len(matrix.days) or not _two_weeks(matrix.head(origin)):
            raise InputError("origins", str(matrix.days[0] + origin * _DAY),
                             "dates at least two weeks after the start of the "
                             "history and before its end")
        head = matrix.head(origin)
        flags = calendar.flags(head.days)
        training = prepare(head, flags)
        origin_ts = matrix.days[0] + origin * _DAY
        days = pd.date_range(origin_ts, periods=horizon_days, freq="D")
        n_slots = int(horizon / interval)
        actual = np.full((horizon_days, matrix.slots), np.nan)
        avail = matrix.calls[origin:origin + horizon_days]
        actual[:len(avail)] = avail
        actual = actual.ravel()[:n_slots]
        known = np.isfinite(actual)
        for spec in models:
            fit = select_model(head, calendar, spec, candidates=candidates)
            mean = _predict(fit.model, training, calendar, days).mean.ravel()[:n_slots]
            low, high = count_quantiles(mean, fit.dispersion)
            a, f = actual[known], mean[known]
            rows.append({
                "model": spec if isinstance(spec, str) else spec.name,
                "queue": queue,
                "origin": origin_ts,
                "selected": fit.model.name,
                "weights": " + ".join(f"{k} {v:.2f}" for k, v in
                                      sorted(fit.weights.items(), key=lambda kv: -kv[1])),
                "wape": wape(a, f),
                "mape": mape(a, f),
                "bias": bias(a, f),
                "coverage": coverage(a, low[known], high[known]),
                "actual_calls": float(a.sum()),
                "forecast_calls": float(f.sum()),
                "intervals": int(known.sum()),
            })
    if progress is not None:
        progress(len(plan), len(plan), "done")
    return pd.DataFrame(rows)

