"""The main flow in a real headless Chromium: ``streamlit run app.py`` driven by Playwright.

Debian's ``/usr/bin/chromium`` is used (browsers are not downloaded).  Without it the
test is skipped locally and fails in CI (``CI`` set), where it must run.  Screenshots
go to ``tests/artifacts/``; a few are copied to ``docs/img/`` for ``docs/app.md``.
"""

from __future__ import annotations

import os
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
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
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
    if doc:
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


def test_main_flow(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server)
    page.get_by_role("heading", name="Data", exact=True).wait_for()

    # Demo data -> validation report.
    page.get_by_role("button", name="Load demo data").click()
    page.get_by_text("Loaded: demo data").wait_for()
    page.get_by_text("Interval length: 30 min").wait_for()
    _idle(page)
    _shot(page, "data", doc=True)

    # Staffing: the calculator answers for Erlang C and Erlang A.
    _go(page, "Staffing")
    page.get_by_text("Erlang C (no abandonment)").wait_for()
    page.get_by_text("Erlang A (patience 120 s)").wait_for()
    calls = page.get_by_label("Calls offered in the interval")
    calls.fill("200")
    calls.press("Enter")
    page.get_by_text("20.00").first.wait_for()
    _idle(page)
    _shot(page, "staffing", doc=True)

    assert not errors, errors
