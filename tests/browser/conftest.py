"""Fixtures of the browser tests: a live server on a fresh seeded database, Debian's
Chromium driven by Playwright, desktop and phone pages, and a journey that checks and
photographs every page it reaches.

The live server always uses SQLite in a temporary instance folder of its own, even when
``CBL_TEST_DATABASE_URL`` points the rest of the suite at PostgreSQL.

Chromium is Debian's (``/usr/bin/chromium``, or ``$CBL_CHROMIUM``): ``make test`` installs it
with apt when it runs as root. Without it these tests are skipped, except under CI (``CI`` set),
where a missing browser fails the run rather than letting it pass without them."""

import os
import select
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.checks import ROOT, slug
from tests.browser.pages import Journey, Pages

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = os.environ.get("CBL_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage"]  # root in a container: no sandbox, small /dev/shm
SERVER_START_SECONDS = 60


@pytest.fixture(autouse=True)
def _app_context():
    """Replaces the suite's per-test application: browser tests only talk to the live server."""
    yield


# -- the live server ----------------------------------------------------------------------

@dataclass
class LiveServer:
    url: str
    instance: Path
    process: subprocess.Popen
    log_path: Path

    @property
    def mail_dir(self) -> Path:
        return self.instance / "mail"

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def log_since(self, offset: int) -> str:
        with self.log_path.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", "replace")


def _server_environment(instance: Path) -> dict:
    """The test run's environment without any CBL_* or database settings of the developer's."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("CBL_") and key not in ("DATABASE_URL", "SECRET_KEY", "UPLOAD_FOLDER",
                                                         "RATELIMIT_STORAGE_URI")}
    env["CBL_INSTANCE_PATH"] = str(instance)
    return env


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> LiveServer:
    """The application served from a subprocess (see tests/browser/server.py) on a free port."""
    with serve(tmp_path_factory.mktemp("browser-instance")) as server:
        yield server


@contextmanager
def serve(instance: Path) -> Iterator[LiveServer]:
    """A live server on a fresh seeded database in ``instance``, stopped on leaving: a test
    module that changes the data on purpose starts its own (tests/browser/test_overflow.py)."""
    log_path = instance / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "tests.browser.server", str(instance)], cwd=ROOT,
                                   env=_server_environment(instance), stdout=subprocess.PIPE, stderr=log,
                                   text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], SERVER_START_SECONDS)
        line = process.stdout.readline() if ready else ""
        if not line.startswith("PORT "):
            process.kill()
            pytest.fail(f"the live server did not start:\n{log_path.read_text()[-3000:]}")
        server = LiveServer(f"http://127.0.0.1:{int(line.split()[1])}", instance, process, log_path)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


# -- the browser --------------------------------------------------------------------------

def chromium_path() -> str | None:
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return None


@pytest.fixture(scope="session")
def browser() -> "Browser":
    """Debian's Chromium, headless. Skipped (failed under CI) when it is not installed."""
    for package in ("playwright", "axe_playwright_python"):
        if find_spec(package) is None:  # the dev extras are not installed
            pytest.skip(f"{package} is not installed: pip install -e '.[dev]'")
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        message = (f"Chromium not found at {CHROMIUM}: install the Debian packages chromium and chromium-driver "
                   "(`make test` does so when run as root), or set CBL_CHROMIUM to a Chromium binary")
        if os.environ.get("CI"):
            pytest.fail(message + " — CI must run the browser tests")
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _server_stays_healthy(request, browser, live_server):
    """Fails the test when the server logged an exception while it ran (a 500 page that the
    test's own assertions might not notice)."""
    offset = live_server.log_size()
    yield
    text = live_server.log_since(offset)
    if "Traceback" in text:
        pytest.fail(f"the server logged an exception during {request.node.name}:\n{text[-4000:]}")


@pytest.fixture
def pages(browser, live_server):
    made = Pages(browser, live_server.url)
    yield made
    made.close()


@pytest.fixture
def page(pages) -> "Page":
    """A desktop page, 1280×800."""
    return pages.new()


@pytest.fixture
def phone_page(pages) -> "Page":
    """A phone page, 375×740, touch, honouring the meta viewport."""
    return pages.new(phone=True)


# -- journeys -----------------------------------------------------------------------------

@pytest.fixture
def journey(request, pages) -> Journey:
    """A journey named after the test (``test_student_journey`` → ``student-journey``)."""
    return Journey(slug(request.node.name.removeprefix("test_")), pages)
