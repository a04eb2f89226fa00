"""Data page: demo data, uploads, the validation report, and a refused upload."""

from __future__ import annotations

from wfm.ui import state


def _csv(frame) -> bytes:
    return frame.to_csv(index=False).encode()


def test_demo_data_loads_with_a_report(app, metrics):
    at = app.run()
    at.button(key="data.demo").click().run()
    assert not at.exception
    data = at.session_state[state.DATA]
    assert data.source == "demo data"
    assert f"{len(data.history):,}" == metrics(at)["Intervals"]
    report = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert any("Interval length: 30 min" in line for line in report)
    assert any(s.value == "Loaded: demo data" for s in at.success)


def test_upload_interval_history(app, make_history, metrics):
    hist = make_history(days=3)
    at = app.run()
    at.file_uploader(key="data.history_file").set_value(("mine.csv", _csv(hist), "text/csv"))
    at.run()
    assert not at.exception
    data = at.session_state[state.DATA]
    assert data.source == "upload: mine.csv"
    assert len(data.history) == len(hist) == 3 * 48
    shown = metrics(at)
    assert shown["Intervals"] == "144"
    assert shown["Calls offered"] == f"{hist['calls'].sum():,.0f}"
    assert not at.error


def test_bad_upload_names_the_problem_and_keeps_the_data(app, make_history, metrics):
    at = app.run()
    at.button(key="data.demo").click().run()
    before = at.session_state[state.DATA]
    shown_before = metrics(at)

    bad = make_history(days=2)
    bad.loc[5, "calls"] = -3  # file line 7 (header is line 1)
    at.file_uploader(key="data.history_file").set_value(("broken.csv", _csv(bad), "text/csv"))
    at.run()
    assert not at.exception
    message = at.error[0].value
    assert "broken.csv" in message and "row 7" in message and "'calls'" in message
    assert "-3" in message
    # The session's data is untouched, and the page says so.
    after = at.session_state[state.DATA]
    assert after is before or (after.version == before.version and after.source == "demo data")
    assert any("unchanged: demo data" in i.value for i in at.info)
    assert metrics(at) == shown_before


def test_bad_upload_without_data_loads_nothing(app, make_history):
    bad = make_history(days=1).drop(columns=["calls"])
    at = app.run()
    at.file_uploader(key="data.history_file").set_value(("nocalls.csv", _csv(bad), "text/csv"))
    at.run()
    assert at.session_state[state.DATA] is None
    assert "missing column" in at.error[0].value and "calls" in at.error[0].value


def test_new_data_drops_results_built_on_the_old(app, make_history, make_forecast):
    at = app.run()
    at.button(key="data.demo").click().run()
    fc = make_forecast()
    at.session_state[state.FORECAST] = state.ForecastRun(
        forecast=fc, start=fc["interval_start"].min(), end=fc["interval_start"].max(),
        model="test", data_version=at.session_state[state.DATA].version)
    at.file_uploader(key="data.history_file").set_value(
        ("other.csv", _csv(make_history(days=2)), "text/csv"))
    at.run()
    assert at.session_state[state.DATA].source == "upload: other.csv"
    assert at.session_state[state.FORECAST] is None
