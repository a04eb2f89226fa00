"""``wfm forecast`` and ``wfm backtest``: call volume and handle-time forecasts."""

from __future__ import annotations

from pathlib import Path

import typer

from wfm.errors import InputError


def register(app: typer.Typer) -> None:
    app.command("forecast")(forecast_command)
    app.command("backtest")(backtest_command)


def _special_days(values: list[str] | None) -> list | None:
    """``DATE`` or ``DATE:FACTOR`` strings -> SpecialDay objects."""
    if not values:
        return None
    from forecasting import SpecialDay
    from forecasting.calendar import _as_date

    out = []
    for text in values:
        day, _, factor = text.partition(":")
        value = None
        if factor:
            try:
                value = float(factor)
            except ValueError:
                raise InputError("--special-day", text, "DATE or DATE:FACTOR, e.g. 2024-12-24:0.5"
                                 ) from None
        out.append(SpecialDay(_as_date(day, "--special-day"), value))
    return out


def _load(history: Path, queue: str | None):
    from wfm.io import load_history

    return load_history(history, queue=queue)


HOLIDAYS_HELP = "Country code for public holidays (holidays package), e.g. IL, US, GB."
SPECIAL_HELP = "Special day DATE or DATE:FACTOR (repeatable); not learned from, factor applied."


def forecast_command(
    history: Path = typer.Argument(..., help="Interval history file (CSV, Parquet, Excel)."),
    start: str = typer.Option(..., "--start", help=(
        "First interval to forecast, e.g. 2024-06-02. A time inside a day of the history "
        "(e.g. '1999-10-05 10:00') re-forecasts the rest of that day from its calls so far.")),
    end: str | None = typer.Option(None, "--end", help=(
        "End of the forecast (exclusive). Default: 7 days after a midnight start, the "
        "next midnight after a start inside a day.")),
    output: Path = typer.Option(Path("forecast.csv"), "-o", "--output", help="Forecast CSV to write."),
    model: str = typer.Option("auto", "--model", help="auto or a model name (see wfm backtest)."),
    queue: str | None = typer.Option(None, "--queue", help="Forecast only this queue."),
    holidays: str | None = typer.Option(None, "--holidays", help=HOLIDAYS_HELP),
    special_day: list[str] | None = typer.Option(None, "--special-day", help=SPECIAL_HELP),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar or report."),
) -> None:
    """Forecast calls, AHT and a 10-90 % calls interval per queue and interval."""
    from rich.console import Console

    from forecasting import forecast
    from wfm.cli.progress import progress_bar

    frame = _load(history, queue)
    end = _default_end(start) if end is None else end
    with progress_bar("forecast", enabled=not quiet) as progress:
        result = forecast(frame, start, end, model, holidays_country=holidays,
                          special_days=_special_days(special_day), progress=progress)
    result.to_csv(output, index=False)
    if not quiet:
        console = Console(stderr=True)
        for line in result.attrs["report"].lines():
            console.print(line, highlight=False, markup=False)
    typer.echo(f"wrote {len(result)} intervals, {result['calls'].sum():.0f} calls to {output}")


def _default_end(start: str):
    import pandas as pd

    try:
        ts = pd.Timestamp(start)
    except (ValueError, TypeError) as exc:
        raise InputError("--start", start, "a date or date-time") from exc
    day = ts.normalize()
    return day + pd.Timedelta(days=7 if ts == day else 1)


def backtest_command(
    history: Path = typer.Argument(..., help="Interval history file (CSV, Parquet, Excel)."),
    models: str = typer.Option("seasonal_naive,week_mean,week_median,daily_profile,"
                               "daily_profile_month,auto", "--models",
                               help="Comma-separated model names; auto runs the selection."),
    origins: int = typer.Option(4, "--origins", help="Weekly origins, the last ones of the history."),
    horizon_days: int = typer.Option(7, "--horizon-days", help="Days forecast from each origin."),
    queue: str | None = typer.Option(None, "--queue", help="Backtest only this queue."),
    holidays: str | None = typer.Option(None, "--holidays", help=HOLIDAYS_HELP),
    special_day: list[str] | None = typer.Option(None, "--special-day", help=SPECIAL_HELP),
    output: Path | None = typer.Option(None, "-o", "--output", help="Also write every row to CSV."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Rolling-origin backtest: WAPE, MAPE, bias and interval coverage per model."""
    from rich.console import Console
    from rich.table import Table

    from forecasting import backtest
    from wfm.cli.progress import progress_bar

    names = [m.strip() for m in models.split(",") if m.strip()]
    frame = _load(history, queue)
    with progress_bar("backtest", enabled=not quiet) as progress:
        rows = backtest(frame, names, origins=origins, horizon=horizon_days,
                        holidays_country=holidays, special_days=_special_days(special_day),
                        progress=progress)
    if output is not None:
        rows.to_csv(output, index=False)
    summary = rows.groupby("model", sort=False)[["wape", "mape", "bias", "coverage"]].mean()
    used = rows.loc[rows["weights"] != "", ["queue", "origin", "weights"]]
    table = Table(title=f"{rows['origin'].nunique()} origin(s) × {horizon_days} day(s), "
                        f"{rows['queue'].nunique()} queue(s)")
    for col in ("model", "WAPE", "MAPE", "bias", "coverage 10-90 %"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for name, r in summary.iterrows():
        table.add_row(str(name), f"{r['wape']:.3f}", f"{r['mape']:.3f}", f"{r['bias']:+.3f}",
                      f"{r['coverage']:.1%}")
    console = Console()
    console.print(table)
    for r in used.itertuples():
        console.print(f"auto, {r.queue}, origin {r.origin:%Y-%m-%d}: {r.weights}",
                      highlight=False, markup=False)
