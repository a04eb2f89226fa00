"""The progress callback draws from solver threads too (CP-SAT reports from its own)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

SCRIPT = """
import threading
import streamlit as st
from wfm.ui import state

bar = st.progress(0.0, text="start")
cb = state.progress_callback(bar, "solve", min_interval_s=0.0)
cb(1, 4, "main thread")
worker = threading.Thread(target=cb, args=(3, 4, "solver thread"))
worker.start()
worker.join()
"""


def test_progress_from_another_thread_reaches_the_bar():
    at = AppTest.from_string(SCRIPT, default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    bar = at.get("progress")[0]
    assert bar.proto.value == 75
    assert bar.proto.text == "solve solver thread"
