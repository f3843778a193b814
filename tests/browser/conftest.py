"""Browser tests: the app served on 127.0.0.1 in a thread (background scheduler on, login
and CSRF on, as in production), pointed at the Plex and Gemini emulators, driven by
Playwright through Debian's Chromium.

Every page a test opens is watched for console errors and uncaught exceptions (a
Content-Security-Policy violation is a console error), and a test fails on any.
Screenshots go to ``test-artifacts/screenshots/`` for a human to look at.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, base_config, start_test_stack

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
USERNAME, PASSWORD = "admin", "browser test password"
# Ollama is pointed at a closed port: the "provider down" case of /test_ai_services.
OLLAMA_DOWN_URL = "http://127.0.0.1:9"


@pytest.fixture(scope="session")
def browser_stack(small_library):
    """One emulator stack for the whole browser session (the served app lives as long)."""
    s = start_test_stack(small_library)
    yield s
    s.stop()


@pytest.fixture(scope="session")
def live_app(browser_stack, tmp_path_factory):
    """The app with a synced library index, as a running background-job process would be."""
    from plex_completer import create_app
    from plex_completer.jobs import runner
    from plex_completer.models import JobStatus

    tmp = tmp_path_factory.mktemp("browser-app")
    cwd = os.getcwd()
    os.chdir(tmp)  # keep a developer's .env out
    env = {**browser_stack.env, "OLLAMA_URL": OLLAMA_DOWN_URL}
    app = create_app(base_config(
        tmp, **env, SCHEDULER_ENABLED=True, JOBS_INLINE=False, AUTH_DISABLED=False, APP_USERNAME=USERNAME,
        APP_PASSWORD=PASSWORD, WTF_CSRF_ENABLED=True, GEMINI_TIMEOUT=10, OLLAMA_TIMEOUT=3, PLEX_TIMEOUT=5,
        AI_PROBE_TIMEOUT_S=2, LOG_LEVEL="WARNING",
    ))
    with app.app_context():
        job = runner.run_now("library_sync", {"full": True})
        assert job.status == JobStatus.DONE, job.message
    yield app
    runner.shutdown()
    os.chdir(cwd)


@pytest.fixture(scope="session")
def base_url(live_app):
    """Serve ``live_app`` with werkzeug's threaded server on a free loopback port."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-test-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def login_state(browser, base_url, tmp_path_factory):
    """Cookies of a logged-in session (the login itself is tested in test_flows)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(base_url + "/login")
    page.fill("#username", USERNAME)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/")
    path = tmp_path_factory.mktemp("state") / "state.json"
    context.storage_state(path=str(path))
    context.close()
    return str(path)


class PageWatch:
    """Collects console errors and page exceptions of the pages of one context."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []

    def attach(self, page) -> None:
        page.on("console", lambda msg: self.errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))


@pytest.fixture
def open_page(browser, base_url, login_state):
    """``open_page(path, **context_options)`` -> a logged-in page at ``base_url + path``.

    Context options as Playwright's (``viewport``, ``color_scheme``,
    ``java_script_enabled``; ``logged_in=False`` for a fresh session). At teardown the
    test fails on any console error, page exception or JavaScript dialog.
    """
    contexts = []
    watch = PageWatch()

    def factory(path: str = "/", logged_in: bool = True, **options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(storage_state=login_state if logged_in else None, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        watch.attach(page)
        page.goto(base_url + path)
        return page

    factory.watch = watch
    yield factory
    for context in contexts:
        context.close()
    assert not watch.dialogs, f"a JavaScript dialog opened (script injection?): {watch.dialogs}"
    assert not watch.errors, "console errors / CSP violations:\n" + "\n".join(watch.errors)


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
