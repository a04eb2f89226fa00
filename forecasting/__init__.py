"""Call volume and handle-time forecasting with backtests.

``forecast(history, start, end, model="auto")`` returns the forecast frame (calls, AHT
and a 10 %-90 % calls interval per queue and interval); ``backtest(history, models)``
scores models by rolling origin.  Imports only the base layer of :mod:`wfm`.
"""

from forecasting.calendar import SpecialDay
from forecasting.core import (
    MIN_HISTORY_DAYS,
    SELECTION_WEEKS,
    ForecastReport,
    QueueReport,
    backtest,
    forecast,
)
from forecasting.metrics import bias, coverage, mape, wape
from forecasting.models import (
    AUTO_CANDIDATES,
    BASELINES,
    MODELS,
    Combination,
    DailyProfile,
    Model,
    SeasonalNaive,
    StatsForecastDaily,
    StatsForecastInterval,
    WeekAverage,
)

__all__ = [
    "forecast",
    "backtest",
    "SpecialDay",
    "ForecastReport",
    "QueueReport",
    "MODELS",
    "AUTO_CANDIDATES",
    "BASELINES",
    "MIN_HISTORY_DAYS",
    "SELECTION_WEEKS",
    "Model",
    "SeasonalNaive",
    "WeekAverage",
    "DailyProfile",
    "StatsForecastDaily",
    "StatsForecastInterval",
    "Combination",
    "wape",
    "mape",
    "bias",
    "coverage",
]
