"""End to end: ``labsim viz`` served and driven in a real Chromium, with no internet.

The browser is Debian's ``chromium-headless-shell`` or ``chromium`` (Playwright's own
download needs internet access, which CI and air-gapped clusters lack). Every request
that is not to 127.0.0.1 is aborted and recorded, and the tests assert that none was
made: the page must render from the server alone.

Without a browser or the ``viz`` extra the tests skip with the reason; with
``LABSIM_REQUIRE_BROWSER=1`` (set by ``.ci/run``) they fail instead.

The time from pressing Step to the redrawn page (graph, time series and summary all
showing the new month) is measured in the browser and written to
``tests/artifacts/viewer_step_seconds.json``, with a screenshot ``viewer.png``; it is
recorded, not asserted (README, "Viewer").
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
REQUIRE_BROWSER = os.environ.get("LABSIM_REQUIRE_BROWSER") == "1"
BROWSER_NAMES = ("chromium-headless-shell", "chromium")
LAUNCH_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update"]
VIEWER_SCALE = 0.01  # the viewer's default scale, whose Step time README records
STEPS_TIMED = 6

# Resolves when the graph's text alternative, the time series' and the summary card all
# show month `month`; returns the milliseconds from the Step click to that moment.
_STEP_AND_WAIT_JS = """
async (month) => {
  const shows = () => {
    const graph = document.querySelector('.labsim-migration-graph img');
    const series = document.querySelector('.labsim-time-series img');
    const card = document.querySelector('.labsim-summary .labsim-month');
    return graph && series && card
      && graph.alt.startsWith(`Migration graph, month ${month} `)
      && series.alt === `Time series, months 0 to ${month}`
      && card.textContent.trim() === String(month);
  };
  const button = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Step');
  const start = performance.now();
  button.click();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`month ${month} not shown after 30 s`)), 30000);
    const check = () => { if (shows()) { clearTimeout(timer); observer.disconnect(); resolve(); } };
    const observer = new MutationObserver(check);
    observer.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
    check();
  });
  // The next frame: the browser has painted the new images.
  await new Promise(requestAnimationFrame);
  return performance.now() - start;
}
"""


def _unavailable(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(f"LABSIM_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser_path() -> str:
    for module in ("solara", "solara_assets", "playwright"):
        if importlib.util.find_spec(module) is None:
            _unavailable(f"the viz extra is not installed ({module} is missing): "
                         f"python -m pip install -e '.[viz]'")
    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    _unavailable("no Debian Chromium on PATH (apt-get install -y chromium-headless-shell)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def viewer_url(browser_path, tmp_path_factory):
    """``labsim viz`` on a free port; the server's whole process group is killed afterwards."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("viz") / "server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "viz", "--port", str(port), "--scale", str(VIEWER_SCALE)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                pytest.fail(f"labsim viz exited with {server.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"labsim viz did not answer within 90 s:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        # start_new_session made the server the leader of its own process group.
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=15)
        except ProcessLookupError:
            pass


@pytest.fixture
def page(browser_path, viewer_url):
    """A fresh offline browser page on the viewer, with a list of the requests it aborted."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=LAUNCH_FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            tab = context.new_page()
            tab.outside_requests = []

            def only_localhost(route):
                if route.request.url.startswith("http://127.0.0.1:") or route.request.url.startswith(
                        "ws://127.0.0.1:") or route.request.url.startswith("data:"):
                    route.continue_()
                else:
                    tab.outside_requests.append(route.request.url)
                    route.abort()

            def refuse_websocket(websocket):
                tab.outside_requests.append(websocket.url)
                websocket.close()

            tab.route("**/*", only_localhost)
            # Only sockets elsewhere are routed: the server's own socket stays direct and untimed.
            tab.route_web_socket(lambda url: not url.startswith("ws://127.0.0.1:"), refuse_websocket)
            tab.goto(viewer_url)
            tab.wait_for_selector(".labsim-summary .labsim-month", timeout=90_000)
            tab.wait_for_selector(".labsim-migration-graph img", timeout=90_000)
            tab.wait_for_selector(".labsim-time-series img", timeout=90_000)
            yield tab
        finally:
            browser.close()


def _summary(tab) -> dict[str, str]:
    cells = tab.locator(".labsim-summary tr")
    return {cells.nth(i).locator("th").inner_text().strip(): cells.nth(i).locator("td").inner_text().strip()
            for i in range(cells.count())}


def _image_loaded(tab, selector: str) -> bool:
    return tab.locator(selector).evaluate("img => img.complete && img.naturalWidth > 100")


def test_page_renders_offline_and_step_advances_the_month(page):
    assert page.locator(".labsim-migration-graph img").get_attribute("alt") == \
        "Migration graph, month 0 (2022-01)"
    assert _image_loaded(page, ".labsim-migration-graph img")
    assert _image_loaded(page, ".labsim-time-series img")
    assert _summary(page)["Month"] == "0" and _summary(page)["Date"] == "2022-01"
    first_graph = page.locator(".labsim-migration-graph img").get_attribute("src")

    seconds = [page.evaluate(_STEP_AND_WAIT_JS, month) / 1000 for month in range(1, STEPS_TIMED + 1)]
    assert page.locator(".labsim-migration-graph img").get_attribute("alt") == \
        f"Migration graph, month {STEPS_TIMED} (2022-{STEPS_TIMED + 1:02d})"
    summary = _summary(page)
    assert summary["Month"] == str(STEPS_TIMED) and summary["Date"] == f"2022-{STEPS_TIMED + 1:02d}"
    assert page.locator(".labsim-migration-graph img").get_attribute("src") != first_graph
    assert _image_loaded(page, ".labsim-migration-graph img")

    # Six more months for the screenshot, so that the time series have a shape.
    for month in range(STEPS_TIMED + 1, 2 * STEPS_TIMED + 1):
        page.evaluate(_STEP_AND_WAIT_JS, month)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "viewer.png"), full_page=True)
    record = {"scale": VIEWER_SCALE, "step_seconds": [round(s, 3) for s in seconds],
              "median_seconds": round(statistics.median(seconds), 3),
              "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"}
    (ARTIFACTS / "viewer_step_seconds.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"\nviewer Step to redraw at scale {VIEWER_SCALE}: median {record['median_seconds']} s "
          f"over {STEPS_TIMED} steps {record['step_seconds']}")
    assert page.outside_requests == [], "the page needed the internet"


def test_policy_slider_and_reset_rebuild_the_model(page):
    page.evaluate(_STEP_AND_WAIT_JS, 1)
    assert "robot_tax = 0," in page.inner_text(".labsim-parameters")
    slider = page.locator(".v-input", has_text="robot tax")
    # One click a quarter of the way along the track, as a user would set it. (Many
    # keyboard steps in a burst can leave the server on an earlier value: solara's widget
    # sync, not the model.)
    track = slider.locator(".v-slider").bounding_box()
    page.mouse.click(track["x"] + 0.25 * track["width"], track["y"] + track["height"] / 2)
    chosen = float(slider.locator("[role=slider]").get_attribute("aria-valuenow"))
    assert 0.15 <= chosen <= 0.35
    page.get_by_role("button", name="Reset").click()
    expected = f"robot_tax = {chosen:g},"
    page.wait_for_function(
        f"() => document.querySelector('.labsim-parameters').textContent.includes('{expected}')",
        timeout=30_000)
    summary = _summary(page)
    assert summary["Month"] == "0", "Reset builds a new model at month 0"
    assert page.locator(".labsim-migration-graph img").get_attribute("alt").startswith("Migration graph, month 0 ")
    # The rebuilt model runs: one more Step with the new policy.
    page.evaluate(_STEP_AND_WAIT_JS, 1)
    assert expected in page.inner_text(".labsim-parameters")
    assert page.outside_requests == [], "the page needed the internet"
