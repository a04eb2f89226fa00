"""``forecast`` and ``backtest``: the public entry points of the forecasting package."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasting._matrix import DayMatrix, Training, _neighbour_median, day_matrix, prepare
from forecasting.aht import aht_profile
from forecasting.calendar import DayCalendar, build_calendar
from forecasting.metrics import bias, coverage, mape, wape
from forecasting.models import AUTO_CANDIDATES, Model, get_model
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
]

ProgressCallback = Callable[[float, float, str], None]

#: Shortest history accepted, in days.
MIN_HISTORY_DAYS = 14
#: Weekly origins of the rolling backtest behind model choice and interval calibration.
SELECTION_WEEKS = 6
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
    dispersion : float
        Negative binomial dispersion of the prediction intervals.
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
    dispersion: float = float("nan")
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


def _rolling(matrix: DayMatrix, calendar: DayCalendar, flags: np.ndarray,
             models: Sequence[Model], weeks: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """One-week-ahead forecasts at the last ``weeks`` weekly origins of ``matrix``.

    Returns, per model name, the actual and forecast calls of every interval that has
    an actual value (flattened over origins).
    """
    end = _complete_days(matrix)
    origins = [end - 7 * k for k in range(weeks, 0, -1)
               if end - 7 * k > 0 and _two_weeks(matrix.head(end - 7 * k))]
    pairs: dict[str, tuple[list, list]] = {m.name: ([], []) for m in models}
    for origin in origins:
        head = matrix.head(origin)
        training = prepare(head, flags[:origin])
        days = matrix.days[origin:origin + 7]
        actual = matrix.calls[origin:origin + 7]
        known = np.isfinite(actual)
        for model in models:
            try:
                mean = _predict(model, training, calendar, days).mean
            except DataError:
                continue
            pairs[model.name][0].append(actual[known])
            pairs[model.name][1].append(mean[known])
    return {name: (np.concatenate(a) if a else np.empty(0), np.concatenate(f) if f else np.empty(0))
            for name, (a, f) in pairs.items()}


@dataclass(frozen=True)
class _Fit:
    model: Model
    scores: dict
    dispersion: float
    notes: tuple


def select_model(matrix: DayMatrix, calendar: DayCalendar, model: str | Model = "auto",
                 *, candidates: Sequence[str | Model] = AUTO_CANDIDATES,
                 weeks: int = SELECTION_WEEKS) -> _Fit:
    """Choose the model (``"auto"``: lowest rolling-origin WAPE) and calibrate intervals.

    The rolling origin is weekly over the last ``weeks`` weeks of ``matrix``; each
    origin forecasts one week ahead from the history before it.  The dispersion of the
    prediction intervals is calibrated on the chosen model's errors there.
    """
    flags = calendar.flags(matrix.days)
    auto = isinstance(model, str) and model == "auto"
    pool = [get_model(c) for c in candidates] if auto else [get_model(model)]
    errors = _rolling(matrix, calendar, flags, pool, weeks)
    scores = {name: wape(a, f) for name, (a, f) in errors.items() if a.size}
    notes = []
    if auto:
        if scores:
            best = min(scores, key=lambda k: (scores[k], list(errors).index(k)))
            chosen = next(m for m in pool if m.name == best)
        else:
            chosen = get_model("daily_profile")
            notes.append("history too short for a rolling backtest: daily_profile used "
                         "without comparison")
    else:
        chosen = pool[0]
    actual, mean = errors.get(chosen.name, (np.empty(0), np.empty(0)))
    if actual.size:
        phi = calibrate_dispersion(actual, mean)
    else:
        phi = 1e-6
        notes.append("no backtest to calibrate prediction intervals: Poisson noise only")
    return _Fit(chosen, scores if auto else {}, phi, tuple(notes))


def _forecast_queue(queue: str, matrix: DayMatrix, calendar: DayCalendar,
                    model, start: pd.Timestamp, end: pd.Timestamp,
                    candidates: Sequence) -> tuple[pd.DataFrame, QueueReport]:
    fit = select_model(matrix, calendar, model, candidates=candidates)
    flags = calendar.flags(matrix.days)
    training = prepare(matrix, flags)
    days = pd.date_range(start.normalize(), (end - pd.Timedelta(1)).normalize(), freq="D")
    prediction = _predict(fit.model, training, calendar, days)
    mean = prediction.mean
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
    report = QueueReport(
        queue=queue,
        model=fit.model.name,
        scores=fit.scores,
        dispersion=fit.dispersion,
        history_start=matrix.days[0] + (matrix.first % slots) * interval,
        history_end=matrix.days[0] + matrix.last * interval,
        missing_days=tuple(matrix.days[training.missing_days].date),
        gap_intervals=tuple(matrix.days[0] + gap_pos * interval),
        abnormal_days=tuple(matrix.days[training.abnormal_days].date),
        excluded_days=tuple(matrix.days[training.excluded_days].date),
        notes=fit.notes + tuple(prediction.notes),
    )
    return frame, report


def _check_grid(ts: pd.Timestamp, interval: pd.Timedelta, name: str) -> None:
    if (ts - ts.normalize()).value % interval.value:
        raise InputError(name, str(ts), f"a time on the {interval} grid of the history")


# --------------------------------------------------------------------------- public API


def forecast(history: pd.DataFrame, start, end, model: str | Model = "auto", *,
             holidays_country: str | None = None, special_days=None,
             progress: ProgressCallback | None = None,
             candidates: Sequence[str | Model] = AUTO_CANDIDATES) -> pd.DataFrame:
    """Forecast calls, handle time and a 10 %-90 % calls interval per queue and interval.

    Parameters
    ----------
    history : DataFrame
        Interval history (``queue``, ``interval_start``, ``calls``, ``aht_s``), checked
        with :func:`wfm.frames.validate_history`.  At least two weeks per queue.
    start, end : date-like
        Forecast intervals ``[start, end)`` at the history's interval length.
    model : str or Model
        ``"auto"`` (per queue, the candidate with the lowest one-week-ahead WAPE over
        the last 6 weekly origins of the history) or a name of
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
        Models ``"auto"`` chooses from.

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
    calendar = build_calendar(_years(history, end), holidays_country, special_days)
    matrices = _queue_matrices(history, interval)
    frames, reports = [], []
    for i, (queue, matrix) in enumerate(matrices.items()):
        if progress is not None:
            progress(i, len(matrices), f"forecasting {queue}")
        frame, report = _forecast_queue(queue, matrix, calendar, model, start, end, candidates)
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
             candidates: Sequence[str | Model] = AUTO_CANDIDATES) -> pd.DataFrame:
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
    holidays_country, special_days :
        As for :func:`forecast`.
    progress : callable, optional
        ``progress(done, total, message)`` per queue and origin.

    Returns
    -------
    DataFrame
        One row per model, queue and origin: ``model``, ``queue``, ``origin``,
        ``selected`` (the model "auto" chose), ``wape``, ``mape``, ``bias``,
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
    calendar = build_calendar(_years(history, end_ts), holidays_country, special_days)
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

