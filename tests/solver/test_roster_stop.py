"""A progress callback that answers True stops the CP-SAT search and keeps its best."""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from solver.roster.cpsat import _solve


def _hard_model(n: int = 300) -> cp_model.CpModel:
    """A knapsack-like model with many improving solutions (slow to prove optimal)."""
    m = cp_model.CpModel()
    x = [m.new_bool_var(f"x{i}") for i in range(n)]
    w = [(37 * i) % 101 + 1 for i in range(n)]
    v = [(53 * i) % 97 + 1 for i in range(n)]
    m.add(sum(wi * xi for wi, xi in zip(w, x, strict=True)) <= sum(w) // 2)
    m.add(sum(x[: n // 2]) == n // 4)
    m.maximize(sum(vi * xi for vi, xi in zip(v, x, strict=True)))
    return m


def test_a_true_answer_stops_the_search_with_a_solution():
    calls = []

    def stop_now(done, total, message=""):
        calls.append(message)
        return True

    t0 = time.perf_counter()
    s, st = _solve(_hard_model(), 20.0, 1, progress=stop_now, label="test")
    assert st in (cp_model.FEASIBLE, cp_model.OPTIMAL)
    assert len(calls) == 1  # stopped at the first solution
    assert time.perf_counter() - t0 < 10.0


def test_a_callback_that_returns_nothing_lets_the_search_run():
    calls = []
    s, st = _solve(_hard_model(30), 5.0, 1, progress=lambda d, t, m="": calls.append(m),
                   label="test")
    assert st == cp_model.OPTIMAL and len(calls) >= 1
