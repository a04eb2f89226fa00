"""``wfm load-calls``: call-level records -> interval history, with the load report."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command("load-calls")(load_calls_command)


def load_calls_command(
    records: list[Path] = typer.Argument(
        ..., help="Call-record files, or folders of them (.txt / .csv)."),
    output: Path = typer.Option(Path("history.csv"), "-o", "--output",
                                help="Interval history CSV to write."),
    interval_min: int = typer.Option(30, "--interval-min", help="Interval length [min]."),
    answer_within_s: float = typer.Option(
        20.0, "--answer-within-s", help="Answered within this many seconds counts as in target."),
    pooled: bool = typer.Option(
        False, "--pooled", help="All service types in one queue instead of one queue per type."),
    queue_name: str = typer.Option("bank", "--queue-name", help="Name of the pooled queue."),
    max_talk_s: float = typer.Option(
        7200.0, "--max-talk-s", help="Talk times above this [s] are left out of the AHT."),
    report_csv: Path | None = typer.Option(
        None, "--report", help="Also write the load report to this CSV."),
) -> None:
    """Aggregate Israeli-bank call records into an interval history and print the load report."""
    from rich.console import Console
    from rich.table import Table

    from wfm.io import estimate_patience, load_call_records

    history, report = load_call_records(
        records, interval_min=interval_min, answer_within_s=answer_within_s,
        queues="pooled" if pooled else "type", pooled_name=queue_name, max_talk_s=max_talk_s)
    history.to_csv(output, index=False, date_format="%Y-%m-%d %H:%M:%S", float_format="%.10g")
    if report_csv is not None:
        report.to_frame().to_csv(report_csv, index=False)

    console = Console()
    table = Table(title=f"load report: {len(report.files)} file(s)", title_justify="left")
    table.add_column("count", justify="right")
    table.add_column("item")
    table.add_column("meaning")
    for row in report.to_frame().itertuples(index=False):
        table.add_row(str(row.count), row.item, row.meaning)
    console.print(table)
    patience = estimate_patience(history)
    queues = history["queue"].nunique()
    days = history["interval_start"].dt.normalize().nunique()
    typer.echo(
        f"wrote {len(history)} intervals ({queues} queue(s), {days} days, "
        f"{int(history['calls'].sum())} calls) to {output}; "
        f"mean patience {patience / 60:.1f} min")
