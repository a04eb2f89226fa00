"""Page-load time of the app on the demo data (target: at most 1.5 s per page, warm, in
Chromium).

``python benchmarks/bench_app.py [--repeat N] [--time-limit S] [--no-browser]``

With :class:`streamlit.testing.v1.AppTest` the demo flow is run once (demo data,
forecast, a named roster of the demo's 56 agents with a short time limit, Erlang check
only), then every page is re-run ``--repeat``
times: that is what a user waits for when switching pages or touching a widget, with
the heavy steps already done (cached or in the session).  The baseline, measured in the
same run, is an AppTest run of a one-line script: the ratio is the app's own cost in
units of Streamlit's fixed cost.  Then, if ``/usr/bin/chromium`` exists, the same flow in
a real headless Chromium: time from a click in the sidebar until the page and its first
chart are drawn (what the user sees, network and Plotly rendering included).  Timings on a
shared machine are noisy; compare ratios.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_S = 1.5


def _timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--time-limit", type=int, default=5, help="solver time limit [s]")
    parser.add_argument("--no-browser", dest="browser", action="store_false",
                        help="skip the Chromium measurement")
    args = parser.parse_args()
    os.environ.setdefault("WFM_DATABASE_URL",
                          f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}")

    from streamlit.testing.v1 import AppTest

    from wfm.ui.main import PAGES

    # Baseline: Streamlit's own cost of one AppTest run.
    trivial = AppTest.from_string("import streamlit as st\nst.title('x')").run()
    base = statistics.median(_timed(trivial.run, args.repeat))

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    steps = {}
    t0 = time.perf_counter()
    at.button(key="data.demo").click().run()
    steps["load demo data"] = time.perf_counter() - t0
    at.switch_page("wfm/ui/pages/forecast.py").run()
    t0 = time.perf_counter()
    at.button(key="FormSubmitter:forecast.form-Make forecast").click().run()
    steps["make forecast"] = time.perf_counter() - t0
    at.switch_page("wfm/ui/pages/schedule.py").run()
    at.slider(key="schedule.time_limit_s").set_value(args.time_limit)
    at.toggle(key="schedule.simulate").set_value(False)
    t0 = time.perf_counter()
    at.button(key="FormSubmitter:schedule.form-Solve").click().run()
    steps[f"solve ({args.time_limit} s limit, named roster)"] = time.perf_counter() - t0
    assert not at.exception, [e.value for e in at.exception]

    rows = []
    for stem, title, _ in PAGES:
        at.switch_page(f"wfm/ui/pages/{stem}.py").run()  # first visit (builds its caches)
        assert not at.exception, (stem, [e.value for e in at.exception])
        times = _timed(at.run, args.repeat)
        rows.append((title, statistics.median(times), max(times)))

    print(f"demo data, {args.repeat} reruns per page; baseline (1-line script) "
          f"{base * 1000:.0f} ms")
    print(f"first load of the app (no data): {first:.2f} s")
    for name, secs in steps.items():
        print(f"{name:<36} {secs:6.2f} s  (one-off step, not a page load)")
    print()
    print(f"{'page':<12} {'median [s]':>10} {'max [s]':>8} {'x baseline':>11} "
          f"{'<= 1.5 s':>8}")
    for title, med, worst in rows:
        ok = "yes" if worst <= TARGET_S else "NO"
        print(f"{title:<12} {med:>10.3f} {worst:>8.3f} {med / base:>11.1f} {ok:>6}")
    if args.browser and Path("/usr/bin/chromium").exists():
        browser_times(args.time_limit)


def browser_times(time_limit: int) -> None:
    """Click each page in the sidebar of a real Chromium; time until the page is drawn."""
    import socket
    import subprocess
    import urllib.request

    from playwright.sync_api import sync_playwright

    from wfm.ui.main import PAGES

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
         "true", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"])
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(180_000)
            t0 = time.perf_counter()
            page.goto(url)
            page.get_by_role("heading", name="Data", exact=True).wait_for()
            first = time.perf_counter() - t0

            def idle():
                page.wait_for_timeout(100)
                page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")

            def go(title):
                t = time.perf_counter()
                page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
                page.get_by_role("heading", name=title, exact=True).wait_for()
                idle()
                if page.locator(".js-plotly-plot").count():
                    page.locator(".js-plotly-plot").first.wait_for()
                return time.perf_counter() - t

            page.get_by_role("button", name="Load demo data", exact=True).click()
            page.get_by_text("Loaded: demo data").wait_for()
            go("Forecast")
            page.get_by_role("button", name="Make forecast", exact=True).click()
            page.get_by_text("Forecast Sun").wait_for()
            go("Schedule")
            thumb = page.locator('[data-testid="stSlider"]', has_text="Time limit") \
                .get_by_role("slider")
            thumb.focus()
            thumb.press("Home")
            for _ in range(max(0, time_limit - 2)):
                thumb.press("ArrowRight")
            switch = page.get_by_role("switch", name="Check by simulation")
            if switch.is_checked():
                page.get_by_text("Check by simulation").click()
            page.get_by_role("button", name="Solve", exact=True).click()
            page.get_by_text(re.compile("^Solved: ")).first.wait_for()
            idle()
            print()
            print(f"browser (Chromium): first page {first:.2f} s; page switch with the demo "
                  "plan solved, click -> page drawn:")
            for _, title, _ in PAGES:
                go(title)  # the first visit builds the page's caches
                secs = [go(title) for _ in range(3)]
                ok = "yes" if max(secs) <= TARGET_S else "NO"
                print(f"  {title:<12} median {statistics.median(secs):5.2f} s, max "
                      f"{max(secs):5.2f} s  <= 1.5 s: {ok}")
            b.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
