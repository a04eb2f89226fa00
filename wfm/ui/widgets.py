"""Small Streamlit helpers shared by the pages (no business logic)."""

from __future__ import annotations

import importlib
import math
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from wfm.ui import state

__all__ = [
    "backend",
    "pending",
    "require_data",
    "require_forecast",
    "require_plan",
    "saved_upload",
    "fmt_pct",
    "fmt_num",
    "fmt_money",
    "page_header",
]


def backend(module: str, *names: str):
    """The pipeline module ``module`` if it is importable and has every name, else None.

    Pages use this for the parts of the pipeline that are optional at run time, so that
    a missing part shows as "not available" instead of breaking the whole page.
    """
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    return mod if all(hasattr(mod, n) for n in names) else None


def pending(what: str) -> None:
    """Say that a part of the page has no backend in this installation."""
    st.info(f"{what} is not available in this version of wfm.", icon=":material/construction:")


def page_header(title: str, caption: str) -> None:
    st.title(title)
    st.caption(caption)


def _require(key: str, missing: str, stem: str, label: str, icon: str):
    """The session value under ``key``, or a warning, a link to the page that makes it,
    and a stop."""
    value = state.get(key)
    if value is None:
        st.warning(missing)
        st.page_link(_page(stem), label=label, icon=icon)
        st.stop()
    return value


def require_data() -> state.LoadedData:
    """The loaded data, or a pointer to the Data page and a stop."""
    return _require(state.DATA, "No data loaded yet: load the demo data or upload a history first.",
                    "data", "Go to Data", ":material/database:")


def require_forecast() -> state.ForecastRun:
    """The current forecast, or a pointer to the Forecast page and a stop."""
    require_data()
    return _require(state.FORECAST, "No forecast yet: make one on the Forecast page first.",
                    "forecast", "Go to Forecast", ":material/trending_up:")


def require_plan() -> state.PlanRun:
    """The current schedule, or a pointer to the Schedule page and a stop."""
    require_forecast()
    return _require(state.PLAN, "No schedule yet: solve one on the Schedule page first.",
                    "schedule", "Go to Schedule", ":material/calendar_month:")


def _page(stem: str) -> str:
    from wfm.ui.main import page_path

    return str(page_path(stem))


def saved_upload(uploaded, directory: Path | None = None) -> Path:
    """Write an uploaded file to a private temporary folder under its own name.

    The loaders take paths and name the file in their error messages, so the file keeps
    the name the user gave it.
    """
    folder = Path(directory or tempfile.mkdtemp(prefix="wfm-upload-"))
    path = folder / Path(uploaded.name).name
    path.write_bytes(uploaded.getvalue())
    return path


def fmt_pct(x, digits: int = 1) -> str:
    """A fraction as a percentage ("80.0 %"); "–" for NaN/None."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{100 * float(x):.{digits}f} %"


def fmt_num(x, digits: int = 1, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and (math.isnan(x))):
        return "–"
    if isinstance(x, float) and math.isinf(x):
        return "unbounded"
    text = f"{float(x):,.{digits}f}"
    return f"{text} {unit}".strip()


def fmt_money(x, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{float(x):,.{digits}f}"


def show_frame(frame: pd.DataFrame, *, height: int | None = None, key: str | None = None,
               column_config: dict | None = None) -> None:
    """A data frame without the index, sized to the page."""
    st.dataframe(frame, hide_index=True, width="stretch", height=height or "auto",
                 column_config=column_config, key=key)


def run_with_progress(label: str, fn: Callable, *args, **kwargs):
    """Call ``fn(*args, progress=..., **kwargs)`` under a status box with a progress bar."""
    with st.status(label, expanded=True) as box:
        bar = st.progress(0.0, text=label)
        out = fn(*args, progress=state.progress_callback(bar, label), **kwargs)
        bar.progress(1.0, text=f"{label}: done")
        box.update(label=f"{label}: done", state="complete", expanded=False)
    return out
