"""``wfm simulate``: re-score a roster by Erlang and by discrete-event simulation."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from wfm.errors import DataError, InputError


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_command)


def _read_table(path: Path, sheet: str | None = None):
    import pandas as pd

    if not path.exists():
        raise InputError("file", str(path), "an existing file")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            return pd.read_excel(path, sheet_name=sheet or 0)
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except (ValueError, OSError) as exc:
        raise DataError(f"cannot read the table: {exc}", file=str(path)) from None


def _read_roster(roster: Path, breaks_path: Path | None):
    """Shifts and breaks from a CSV (+ --breaks), a folder or an Excel workbook."""
    import pandas as pd

    if roster.is_dir():
        shifts_file = roster / "shifts.csv"
        breaks_file = breaks_path or roster / "breaks.csv"
        shifts = _read_table(shifts_file)
        breaks = _read_table(breaks_file) if breaks_file.exists() else None
        return shifts, breaks, str(shifts_file), str(breaks_file)
    if roster.suffix.lower() in (".xlsx", ".xlsm", ".xls") and breaks_path is None:
        if not roster.exists():
            raise InputError("ROSTER", str(roster), "an existing file or folder")
        sheets = pd.read_excel(roster, sheet_name=None)
        if "shifts" not in sheets:
            raise DataError(f"no 'shifts' sheet; found {list(sheets)}", file=str(roster))
        return sheets["shifts"], sheets.get("breaks"), str(roster), str(roster)
    shifts = _read_table(roster)
    breaks = _read_table(breaks_path) if breaks_path is not None else None
    return shifts, breaks, str(roster), str(breaks_path)


def _with_file(exc: DataError, file: str) -> DataError:
    """The same error, naming the file and the line (header = line 1)."""
    row = None if exc.row is None else exc.row + 2
    return DataError(exc.problem, file=file, row=row, column=exc.column, value=exc.value,
                     has_value=exc.value is not None)


def simulate_command(
    roster: Path = typer.Argument(
        ..., help="Shifts: a CSV (shift_id, agent_id, start, end, ...), a folder with "
        "shifts.csv and breaks.csv, or an Excel workbook with sheets 'shifts' and 'breaks'."
    ),
    forecast: Path = typer.Option(..., "--forecast", help="Forecast CSV (queue, interval_start, calls, aht_s)."),
    breaks: Path | None = typer.Option(None, "--breaks", help="Breaks CSV (shift_id, start, end, ...)."),
    replications: int = typer.Option(10, "--replications", help="Independent simulation runs."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (same seed, same result)."),
    aht_cv: float = typer.Option(1.1, "--aht-cv", help="Coefficient of variation of lognormal handle times."),
    patience_s: float | None = typer.Option(
        None, "--patience-s", help="Mean caller patience [s]: callers hang up; Erlang A."
    ),
    overdispersion: float | None = typer.Option(
        None, "--overdispersion", help="Day-level coefficient of variation of the volume."
    ),
    target: float = typer.Option(0.8, "--target", help="Service level target, fraction."),
    answer_within_s: float = typer.Option(20.0, "--answer-within-s", help="Service-level threshold [s]."),
    max_occupancy: float = typer.Option(0.85, "--max-occupancy", help="Occupancy cap for agents needed."),
    shrinkage: float = typer.Option(0.0, "--shrinkage", help="Share of scheduled time lost to absence etc., fraction: Erlang gets on-phone agents x (1 - shrinkage), the simulation drops shifts with that probability."),
    out: Path | None = typer.Option(None, "--out", help="Write the coverage frame (Erlang and simulated) to this CSV."),
    as_json: bool = typer.Option(False, "--json", help="Print the KPI table as JSON."),
    show_progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
) -> None:
    """Simulate a roster against a forecast: KPIs from Erlang and from simulation side by side."""
    from wfm.cli.progress import progress_bar
    from wfm.evaluate import evaluate
    from wfm.frames import validate_forecast
    from wfm.simulate import on_phone_windows
    from wfm.types import ServiceTarget

    goal = ServiceTarget(service_level=target, answer_within_s=answer_within_s, max_occupancy=max_occupancy)
    if replications < 1:
        raise InputError("--replications", replications, "an integer >= 1")
    shifts, brk, shifts_file, breaks_file = _read_roster(roster, breaks)
    fc = validate_forecast(_read_table(forecast), file=str(forecast))
    try:
        on_phone_windows(shifts, None)
    except DataError as exc:
        raise _with_file(exc, shifts_file) from None
    try:
        on_phone_windows(shifts, brk)
    except DataError as exc:
        raise _with_file(exc, breaks_file) from None

    with progress_bar("simulating", enabled=show_progress and not as_json) as bar:
        ev = evaluate(shifts, fc, goal, breaks=brk, patience_s=patience_s, replications=replications,
                      rng=seed, progress=bar, aht_cv=aht_cv, overdispersion=overdispersion,
                      shrinkage=shrinkage)
    if out is not None:
        ev.coverage.to_csv(out, index=False)
    if as_json:
        rows = ev.kpis.astype(object).where(ev.kpis.notna(), None).to_dict(orient="records")
        typer.echo(json.dumps({"model": ev.model, "replications": replications, "kpis": rows}))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(shifts)} shifts, {fc['calls'].sum():,.0f} calls forecast "
                  f"({ev.model} vs simulation, {replications} runs, 95 % CI)")
    for col, justify in (("measure", "left"), ("Erlang", "right"), ("simulation", "right"),
                         ("95 % CI", "right")):
        table.add_column(col, justify=justify)
    labels = {
        "service_level": f"service level ({answer_within_s:g} s)",
        "asa_s": "ASA, answered calls \\[s]",
        "mean_wait_s": "mean wait, all callers \\[s]",
        "abandon_rate": "abandoned",
        "occupancy": "occupancy",
        "break_min_per_agent_hour": "break min per agent-hour",
        "understaffed_intervals": "understaffed intervals",
    }
    for row in ev.kpis.itertuples():
        fmt = _fmt_pct if row.unit == "fraction" else _fmt_num
        ci = "" if row.simulation_low != row.simulation_low else (
            f"{fmt(row.simulation_low)} – {fmt(row.simulation_high)}")
        table.add_row(labels[row.kpi], fmt(row.erlang), fmt(row.simulation), ci)
    Console().print(table)
    if out is not None:
        Console().print(f"coverage written to {out}")


def _fmt_pct(x: float) -> str:
    return "–" if x != x else f"{x:.1%}"


def _fmt_num(x: float) -> str:
    return "–" if x != x else f"{x:.1f}"
