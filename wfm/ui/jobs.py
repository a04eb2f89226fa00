"""Long solves in a worker thread, watched by the page: progress, best plan, bound, stop.

:func:`start` runs ``run_plan``-like work in a thread with a progress callback that
records the latest stage, fraction and message, and the best objective and bound the
solvers report (messages such as ``"shifts: cost 12,345, bound 12,100"``), and a
``stop()`` the work polls.  The page keeps the :class:`Job` in the session and calls
:func:`watch`, which redraws a progress bar until the work ends; a Stop button press
reruns the page, which sets the stop flag and watches on.  The thread never touches
Streamlit: it only writes to its :class:`Job`.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Job", "start", "solver_figures"]

_FIGURES = re.compile(r"cost\s+(?P<best>[\d,.]+),\s*bound\s+(?P<bound>[\d,.]+)")


def solver_figures(message: str) -> tuple[float, float] | None:
    """(best objective, bound) from a solver's progress message, or None without them."""
    m = _FIGURES.search(message or "")
    if m is None:
        return None
    try:
        return float(m.group("best").replace(",", "")), float(m.group("bound").replace(",", ""))
    except ValueError:
        return None


@dataclass
class Job:
    """One piece of long work and what it has reported so far."""

    label: str
    fraction: float = 0.0
    message: str = ""
    best: float | None = None
    bound: float | None = None
    figures_stage: str = ""
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    result: Any = None
    error: BaseException | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def done(self) -> bool:
        return self.ended is not None

    @property
    def stop_requested(self) -> bool:
        return self.stop_event.is_set()

    @property
    def elapsed_s(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    def request_stop(self) -> None:
        self.stop_event.set()

    def progress(self, done: float, total: float, message: str = "") -> bool:
        """The callback given to the work; returns whether a stop was requested."""
        with self._lock:
            if total:
                self.fraction = min(1.0, max(0.0, float(done) / float(total)))
            self.message = message
            figures = solver_figures(message)
            if figures is not None:
                self.best, self.bound = figures
                self.figures_stage = message.split(":", 1)[0]
        return self.stop_requested

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the work ends (or ``timeout`` [s]); True if it ended."""
        if self.thread is not None:
            self.thread.join(timeout)
        return self.done


def start(label: str, fn: Callable[..., Any], *args, **kwargs) -> Job:
    """Run ``fn(*args, progress=job.progress, stop=job.stop_event.is_set, **kwargs)`` in
    a daemon thread; the returned job holds its result or its error when done."""
    job = Job(label=label)

    def work() -> None:
        try:
            job.result = fn(*args, progress=job.progress, stop=job.stop_event.is_set, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the page, which shows it
            job.error = exc
        finally:
            job.fraction = 1.0
            job.ended = time.monotonic()

    job.thread = threading.Thread(target=work, name=f"wfm-job-{label}", daemon=True)
    job.thread.start()
    return job
