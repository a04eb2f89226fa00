"""The ``wfm`` command line: one typer app, one module per command group.

Each module in :data:`COMMAND_MODULES` defines ``register(app)`` that adds its
commands.  Heavy imports (forecasting, solver, pipeline) happen inside the commands so
that ``wfm --help`` stays fast.
"""

from __future__ import annotations

import importlib

import typer

from wfm.errors import WfmError

__all__ = ["app", "main", "COMMAND_MODULES"]

app = typer.Typer(
    name="wfm",
    help="Workforce management for contact centres: forecast, staff, schedule, roster, simulate, cost.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _root() -> None:
    """Workforce management for contact centres: forecast, staff, schedule, roster, simulate, cost."""


#: Command modules under wfm.cli, each with a register(app) function.
COMMAND_MODULES = (
    "calculator",
    "staff",
    "forecast",
    "simulate",
    "schedule",
    "roster",
    "repair",
    "plan",
    "data",
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"wfm.cli.{_name}").register(app)


def main() -> None:
    """Entry point of the ``wfm`` script: a wfm error becomes one red line and exit code 2."""
    try:
        app()
    except WfmError as exc:
        from rich.console import Console

        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
        raise SystemExit(2) from None
