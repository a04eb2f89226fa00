"""The worker-thread solve: figures from the solver's messages, stop flag, result, error."""

from __future__ import annotations

import threading

import pytest

from wfm.errors import SolveError
from wfm.ui import jobs


def test_solver_figures_read_best_and_bound():
    assert jobs.solver_figures("roster: shifts: cost 12,345, bound 12,100") == (12345.0, 12100.0)
    assert jobs.solver_figures("shifts: solving (highs) 3/10 s") is None


def test_job_reports_progress_and_stops_on_request():
    release = threading.Event()

    def work(n, *, progress, stop):
        progress(0.25, 1.0, "roster: shifts: cost 1,000, bound 900")
        release.wait(5)
        return ("stopped" if stop() else "ran", n)

    job = jobs.start("t", work, 7)
    job.request_stop()
    release.set()
    assert job.wait(5)
    assert job.result == ("stopped", 7) and job.error is None
    assert (job.best, job.bound, job.figures_stage) == (1000.0, 900.0, "roster")
    assert job.fraction == 1.0 and job.done and job.elapsed_s >= 0


def test_job_keeps_the_error_for_the_page():
    def work(*, progress, stop):
        raise SolveError("no plan")

    job = jobs.start("t", work)
    assert job.wait(5)
    assert isinstance(job.error, SolveError) and job.result is None
    with pytest.raises(SolveError):
        raise job.error
