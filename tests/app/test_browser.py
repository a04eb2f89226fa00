"""The main flow in a real headless Chromium: ``streamlit run app.py`` driven by Playwright.

Debian's ``/usr/bin/chromium`` is used (browsers are not downloaded).  Without it the
test is skipped locally and fails in CI (``CI`` set), where it must run.  Screenshots
go to ``tests/artifacts/``; with ``WFM_UPDATE_DOC_IMAGES=1`` a few are also copied to
``docs/img/`` for ``docs/app.md`` (otherwise a test run leaves the tree as it was).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
DOC_IMG = ROOT / "docs" / "img"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 60_000

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """``streamlit run app.py`` on a free localhost port; yields the base URL."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed")
    port = _free_port()
    log = (ARTIFACTS / "streamlit.log")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = log.open("w")
    env = {**os.environ, "WFM_DATABASE_URL": f"sqlite:///{ARTIFACTS / 'browser.sqlite3'}"}
    (ARTIFACTS / "browser.sqlite3").unlink(missing_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal"],
        cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out.flush()
                pytest.fail("streamlit did not become healthy:\n" + log.read_text()[-3000:])
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        out.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _shot(page, name: str, *, doc: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if doc and os.environ.get("WFM_UPDATE_DOC_IMAGES") == "1":
        DOC_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOC_IMG / f"{name}.png")


def _idle(page) -> None:
    """Wait until the app has finished its current run."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=TIMEOUT_MS)


def _go(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    page.get_by_role("heading", name=title, exact=True).wait_for(timeout=TIMEOUT_MS)
    _idle(page)


def _no_exception(page) -> None:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()


def _set_slider(page, label: str, presses: list[str]) -> None:
    """Move a slider with the keyboard (Home, ArrowRight ...), as a user would."""
    thumb = page.locator('[data-testid="stSlider"]', has_text=label).get_by_role("slider")
    thumb.focus()
    for key in presses:
        thumb.press(key)


def _slider_value(page, label: str, value: str) -> None:
    """Wait until the slider shows ``value`` on its thumb."""
    shown = page.locator('[data-testid="stSlider"]', has_text=label).get_by_test_id(
        "stSliderThumbValue")
    deadline = time.monotonic() + 10
    while shown.inner_text().strip() != value:
        assert time.monotonic() < deadline, f"{label}: {shown.inner_text()!r}, wanted {value}"
        page.wait_for_timeout(100)


def test_main_flow(server, browser, tmp_path):
    """Demo data -> forecast -> staffing -> schedule (stopped after the shift plan) -> edit
    an agent -> schedule again as a named roster -> what-if beside it -> cost -> download
    the CSV and the Excel workbook."""
    page = browser.new_page(viewport={"width": 1400, "height": 1700}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server)
    page.get_by_role("heading", name="Data", exact=True).wait_for()

    # Demo data -> validation report.
    page.get_by_role("button", name="Load demo data", exact=True).click()
    page.get_by_text("Loaded: demo data").wait_for()
    page.get_by_text("Interval length: 30 min").wait_for()
    _idle(page)
    _no_exception(page)
    _shot(page, "data", doc=True)

    # Forecast the week after the history (Sun 1999-08-01).
    _go(page, "Forecast")
    page.get_by_role("button", name="Make forecast", exact=True).click()
    page.get_by_text("Forecast Sun 1999-08-01 to Sun 1999-08-08").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    _idle(page)
    _no_exception(page)
    _shot(page, "forecast", doc=True)

    # Staffing: the requirement heatmap and the calculator, Erlang C beside Erlang A.
    _go(page, "Staffing")
    page.get_by_text("Peak agents to schedule").wait_for()
    page.get_by_text("Erlang A (patience 120 s)").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    _idle(page)
    _no_exception(page)
    _shot(page, "staffing", doc=True)

    # Schedule: 3 s per solve, Erlang check; stopped during the shift plan, so the plan
    # found is kept and the roster left out.
    _go(page, "Schedule")
    _set_slider(page, "Time limit per solve", ["Home", "ArrowRight"])
    _slider_value(page, "Time limit per solve", "3")
    roster = page.get_by_role("switch", name="Named roster")
    assert roster.is_checked()  # the demo rules name 56 agents
    simulate = page.get_by_role("switch", name="Check by simulation")
    if simulate.is_checked():  # Erlang only: keeps the test short
        page.get_by_text("Check by simulation").click()
    assert not simulate.is_checked()
    page.get_by_role("button", name="Solve", exact=True).click()
    page.get_by_text("Solving the week").first.wait_for()
    page.get_by_text("shifts:").first.wait_for()
    page.get_by_role("button", name="Stop and keep the best plan").click()
    page.get_by_text(re.compile("^Solved: .*stopped: roster not built")).first.wait_for(
        timeout=180_000)
    page.get_by_text("Stopped on request: roster not built").wait_for()
    page.get_by_text("Optimality gap").wait_for()
    page.get_by_text("Anonymous shift plan").first.wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    _idle(page)
    _no_exception(page)

    # Rules: move agent A001 to another team; the schedule is then stale.
    _go(page, "Rules")
    page.get_by_text("Rules in use: demo scenario").wait_for()
    team = page.get_by_label("Team", exact=True)
    team.fill("east")
    team.press("Tab")
    page.get_by_role("button", name="Apply to agent", exact=True).click()
    page.get_by_text("Applied: agent A001").wait_for()
    _idle(page)
    _no_exception(page)
    _shot(page, "rules", doc=True)

    # Schedule again, now as a named roster of the edited agents.
    _go(page, "Schedule")
    page.get_by_text("changed since this schedule was solved").wait_for()
    _set_slider(page, "Time limit per solve", ["Home", "ArrowRight"])
    _slider_value(page, "Time limit per solve", "3")
    roster = page.get_by_role("switch", name="Named roster")
    if not roster.is_checked():
        page.get_by_text("Named roster").click()
    assert roster.is_checked()
    simulate = page.get_by_role("switch", name="Check by simulation")
    if simulate.is_checked():
        page.get_by_text("Check by simulation").click()
    page.get_by_role("button", name="Solve", exact=True).click()
    page.get_by_text(re.compile("^Solved: ")).first.wait_for(timeout=180_000)
    page.locator(".js-plotly-plot").first.wait_for()
    _idle(page)
    assert page.get_by_text("changed since this schedule was solved").count() == 0
    page.get_by_text("Intervals that break the week").first.wait_for()
    _no_exception(page)
    _shot(page, "schedule", doc=True)
    # A click on the worst interval (first row) opens its day with the interval marked.
    grid = page.locator('.st-key-schedule_breaking [data-testid="stDataFrame"]')
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    band = page.locator(".st-key-schedule_day_view .shapelayer path")
    assert band.count() == 0
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)
    _idle(page)
    band.first.wait_for()
    _no_exception(page)
    page.get_by_role("tab", name="Agent's week").click()
    page.get_by_text("A001: contract full-time, team east").wait_for()
    page.wait_for_timeout(500)
    _shot(page, "agent_week", doc=True)
    page.get_by_role("tab", name="Coverage and service level").click()
    chart = page.locator(".js-plotly-plot").nth(2)
    chart.wait_for()
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    _shot(page, "coverage", doc=True)

    # What-if: volume +15 %, solved in full and set beside the schedule.
    _go(page, "What-if")
    _set_slider(page, "Call volume", ["ArrowRight"] * 3)
    _slider_value(page, "Call volume", "115")
    page.get_by_role("button", name="Run what-if", exact=True).click()
    page.get_by_text("What-if volume 115 %: ").first.wait_for(timeout=180_000)
    page.get_by_role("heading", name="Side by side").wait_for()
    page.get_by_role("heading", name="Per interval").wait_for()
    page.get_by_text("Difference per interval against the baseline").first.wait_for()
    _idle(page)
    page.get_by_role("heading", name="Side by side").scroll_into_view_if_needed()
    _no_exception(page)
    _shot(page, "what_if", doc=True)

    # Cost: the finance view.
    _go(page, "Cost")
    page.get_by_text("Cost per call handled").wait_for()
    _idle(page)
    _no_exception(page)
    _shot(page, "cost", doc=True)

    # Export: the roster CSV downloads and holds the solved shifts.
    _go(page, "Export")
    with page.expect_download() as info:
        page.get_by_role("button", name="Roster (CSV)", exact=True).click()
    download = info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert download.suggested_filename == "demo-1999-08-01-roster.csv"
    lines = target.read_text().splitlines()
    assert lines[0].startswith("agent_id,date,weekday,template,start,end")
    assert len(lines) > 50
    assert sum(line.startswith("A001,") for line in lines) >= 1  # a named roster
    # ... and the Excel workbook, with the same shifts.
    import openpyxl

    with page.expect_download() as info:
        page.get_by_role("button", name="Workbook (Excel)", exact=True).click()
    book_path = tmp_path / info.value.suggested_filename
    info.value.save_as(book_path)
    assert info.value.suggested_filename == "demo-1999-08-01.xlsx"
    book = openpyxl.load_workbook(book_path)
    assert book.sheetnames == ["roster", "coverage", "KPIs", "costs"]
    assert book["roster"].max_row - 1 == len(lines) - 1
    _shot(page, "export")

    assert not errors, errors
