"""A rich progress bar behind the ``progress(done, total, message)`` callback protocol.

Solvers, simulators and pipelines never print; they call ``progress`` when they have
news.  The CLI passes the callback made here, the app passes a status widget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

ProgressCallback = Callable[[float, float, str], None]


@contextmanager
def progress_bar(description: str, *, enabled: bool = True) -> Iterator[ProgressCallback]:
    """Yield a callback ``(done, total, message)`` drawing a progress bar on stderr."""
    if not enabled:
        yield lambda done, total, message="": None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[message]}"),
        transient=False,
    ) as bar:
        task = bar.add_task(description, total=1.0, message="")

        def callback(done: float, total: float, message: str = "") -> None:
            bar.update(task, completed=done, total=max(total, 1e-12), message=message)

        yield callback
