"""Property: no page shows a traceback for any value its number inputs accept.

For every page, on a plan solved once (the tiny week of ``conftest.solved``), hypothesis
picks one of the page's number inputs (the sidebar's included) and a value in its range,
sets it, submits its form if it sits in one (a what-if is then solved, a schedule solved
again with a 2-s limit) and checks that the run raised nothing and drew no exception.
Inputs without an upper bound are drawn up to ``UNBOUNDED_MAX``.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfm.ui.main import PAGES

from .conftest import APP, _inject

UNBOUNDED_MAX = 10_000.0
#: Examples per page; the pages whose forms solve get fewer.
EXAMPLES = {"schedule": 6, "what_if": 6}


def _page_app(stem, solved):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=120)
    _inject(at, *solved)
    at.switch_page(f"wfm/ui/pages/{stem}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    if stem == "schedule":  # keep the solves short: shift plan only, Erlang only, 2 s
        at.slider(key="schedule.time_limit_s").set_value(2)
        at.toggle(key="schedule.roster").set_value(False)
        at.toggle(key="schedule.simulate").set_value(False)
    return at


def _value(draw, widget):
    low = -UNBOUNDED_MAX if widget.min is None else float(widget.min)
    high = UNBOUNDED_MAX if widget.max is None else float(widget.max)
    if widget.proto.data_type == 0:  # integer input
        return draw(st.integers(math.ceil(low), math.floor(high)))
    edge = st.sampled_from([low, high])
    return draw(st.one_of(edge, st.floats(low, high, allow_nan=False, allow_infinity=False)))


@pytest.mark.parametrize("stem", [stem for stem, _, _ in PAGES])
def test_number_inputs_never_raise(stem, solved):
    keys = [w.key for w in _page_app(stem, solved).number_input]
    assert keys, f"{stem}: no number input found"

    @settings(max_examples=EXAMPLES.get(stem, 15), deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def check(data):
        at = _page_app(stem, solved)
        key = data.draw(st.sampled_from(keys), label="input")
        widget = at.number_input(key=key)
        value = _value(data.draw, widget)
        widget.set_value(value)
        form = widget.proto.form_id
        if form:
            submit = next(b for b in at.button if b.proto.is_form_submitter
                          and b.proto.form_id == form)
            submit.click()
        at.run()
        assert not at.exception, (stem, key, value, [e.value for e in at.exception])

    check()
