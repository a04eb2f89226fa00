"""Every page runs through AppTest; pages without their inputs point to where to start."""

from __future__ import annotations

import pytest

from wfm.ui.main import PAGES


def test_app_starts_on_data_page_with_default_settings(app):
    at = app.run()
    assert not at.exception
    assert at.title[0].value == "Data"
    # Sensible defaults: 80/20, 85 % occupancy, 30 % shrinkage.
    assert at.number_input(key="set.service_level_pct").value == 80
    assert at.number_input(key="set.answer_within_s").value == 20
    assert at.number_input(key="set.max_occupancy_pct").value == 85
    assert at.number_input(key="set.shrinkage_pct").value == 30
    # Every input carries its unit in the label.
    for widget in at.sidebar.number_input:
        assert "[" in widget.label and "]" in widget.label


@pytest.mark.parametrize("stem", [s for s, _, _ in PAGES
                                  if s not in ("data", "staffing", "rules", "scenarios")])
def test_pages_without_data_say_where_to_start(app, open_page, stem):
    at = open_page(app, stem)
    title = dict((s, t) for s, t, _ in PAGES)[stem]
    assert at.title[0].value == title
    assert any("No data loaded yet" in w.value for w in at.warning)


def test_sidebar_settings_persist_across_pages(app, open_page):
    at = app.run()
    at.number_input(key="set.shrinkage_pct").set_value(35).run()
    open_page(at, "staffing")
    assert at.number_input(key="set.shrinkage_pct").value == 35


def test_scenarios_page_browses_the_store_without_data(app, open_page):
    at = open_page(app, "scenarios")
    assert any("Solve a schedule first" in i.value for i in at.info)
    assert any("No roster saved yet" in i.value for i in at.info)
