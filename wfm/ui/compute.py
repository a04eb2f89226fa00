"""Cached calls into the pipeline, so that reruns and page switches stay fast.

Each function is a thin ``st.cache_data`` wrapper around one pipeline function with the
same arguments; results are keyed on the arguments (frames are hashed by content).  No
progress callback goes in: a cached function must not draw on elements made outside it
(Streamlit replays a cached function's elements), so the pages show a spinner instead.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from wfm.types import ServiceTarget, Shrinkage

__all__ = ["requirements", "erlang_table"]


@st.cache_data(show_spinner="Computing staffing requirements…", max_entries=16)
def requirements(
    forecast: pd.DataFrame,
    target: ServiceTarget,
    shrinkage: float,
    patience_s: float | None = None,
) -> pd.DataFrame:
    """:func:`wfm.staffing.requirements` with Erlang C, or Erlang A when patience is set."""
    from wfm import staffing

    model = "erlang_c" if patience_s is None else "erlang_a"
    return staffing.requirements(
        forecast, target, Shrinkage(shrinkage), model=model, patience_s=patience_s
    )


@st.cache_data(max_entries=64)
def erlang_table(
    calls: float, aht_s: float, interval_min: float, target: ServiceTarget, patience_s: float
) -> dict:
    """Erlang C and Erlang A side by side for one interval, plus the curves around them.

    Returns
    -------
    dict
        ``traffic`` [Erlang]; ``c`` and ``a``: dicts with ``agents``, ``service_level``,
        ``asa_s``, ``occupancy`` (and ``p_abandon`` for A); ``curves``: frame of
        ``model``, ``agents``, ``service_level``, ``asa_s``, ``occupancy``, ``p_abandon``.
    """
    import numpy as np

    from wfm import erlang

    traffic = float(erlang.traffic_intensity(calls, aht_s, interval_min * 60.0))
    common = dict(
        service_level=target.service_level,
        answer_within=target.answer_within_s,
        max_occupancy=target.max_occupancy,
    )
    n_c = int(erlang.agents_needed(traffic, aht_s, **common)) if traffic > 0 else 0
    n_a = int(erlang.agents_needed(traffic, aht_s, patience=patience_s, **common)) if traffic > 0 else 0
    low = max(1, int(np.floor(traffic)) - 2, min(n_c, n_a) - 8)
    agents = np.arange(low, max(n_c, n_a) + 6)
    t = target.answer_within_s
    c_sl = erlang.service_level(agents, traffic, aht_s, t)
    c_asa = erlang.average_speed_of_answer(agents, traffic, aht_s)
    c_occ = erlang.occupancy(agents, traffic)
    ea = erlang.erlang_a(agents, traffic, aht_s, patience_s, t)
    curves = pd.concat(
        [
            pd.DataFrame({"model": "Erlang C", "agents": agents, "service_level": c_sl,
                          "asa_s": c_asa, "occupancy": c_occ, "p_abandon": 0.0}),
            pd.DataFrame({"model": "Erlang A", "agents": agents, "service_level": ea.service_level,
                          "asa_s": ea.asa, "occupancy": ea.occupancy, "p_abandon": ea.p_abandon}),
        ],
        ignore_index=True,
    )

    def at(model: str, n: int) -> dict:
        row = curves[(curves["model"] == model) & (curves["agents"] == n)]
        if row.empty:  # zero traffic: nobody needed, nobody waits
            return {"agents": n, "service_level": 1.0, "asa_s": 0.0, "occupancy": 0.0,
                    "p_abandon": 0.0}
        return {"agents": n, **{k: float(row[k].iloc[0]) for k in
                                ("service_level", "asa_s", "occupancy", "p_abandon")}}

    return {"traffic": traffic, "c": at("Erlang C", n_c), "a": at("Erlang A", n_a),
            "curves": curves}


@st.cache_data(show_spinner=False, max_entries=8)
def forecast(history: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, model: str,
             holidays_country: str | None = None) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """:func:`forecasting.forecast` of every queue over ``[start, end)``.

    Returns the forecast frame and the lines of its report (model per queue, backtest
    scores, days not learned from).
    """
    import forecasting

    frame = forecasting.forecast(history, start, end, model=model,
                                 holidays_country=holidays_country)
    report = frame.attrs.get("report")
    lines = tuple(report.lines()) if report is not None else ()
    frame = frame.copy()
    frame.attrs = {}
    return frame, lines


@st.cache_data(show_spinner=False, max_entries=8)
def backtest(history: pd.DataFrame, models: tuple[str, ...], horizon_days: int,
             n_origins: int) -> pd.DataFrame:
    """:func:`forecasting.backtest`: ``n_origins`` weekly origins, ``horizon_days`` ahead."""
    import forecasting

    return forecasting.backtest(history, models, origins=n_origins, horizon=horizon_days)
