"""Sessions and bad input in a real browser (issue 17): logout ends the session on the
server (a copied cookie stops working), a password change logs every other browser
out, a form posted from another site is refused without logging the user out,
``/login`` while logged in opens the dashboard, HTTPS behind a trusted proxy gets a
Secure cookie and HSTS, the login limit follows the forwarded client address, ids
beyond 64 bits are 404s, NUL characters and non-ASCII digits are refused.

These tests run their own app in a subprocess (login chosen on the first visit, CSRF and
the rate limit on, ``TRUSTED_PROXIES=127.0.0.1``) so that logging out, changing the
password and exhausting the login limit never touch the shared ``live_app``.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.conftest import REPO_ROOT

from .conftest import PageWatch, shot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

USER = "owner"
STATE = {"password": "first browser password"}
NEW_PASSWORD = "second browser password"
TOO_BIG = str(2**63)

SERVER = """
import sys
from pathlib import Path
from werkzeug.serving import make_server
from tests.conftest import base_config
from plex_completer import create_app

app = create_app(base_config(
    Path(sys.argv[1]), AUTH_DISABLED=False, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True,
    TRUSTED_PROXIES="127.0.0.1", LOG_LEVEL="WARNING",
))
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


@pytest.fixture(scope="module")
def app_url(browser, tmp_path_factory):
    """The app served by a subprocess; the admin account is chosen on the first visit here."""
    tmp = tmp_path_factory.mktemp("sessions-app")
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(tmp)], cwd=tmp, stdout=subprocess.PIPE, text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT), "HOME": str(tmp)},
    )
    try:
        port = proc.stdout.readline().strip()
        assert port.isdigit(), "the app subprocess did not start"
        url = f"http://127.0.0.1:{port}"
        context = browser.new_context()
        page = context.new_page()
        page.goto(url + "/")
        assert page.url == url + "/setup"
        page.fill("#username", USER)
        page.fill("#password", STATE["password"])
        page.fill("#confirm", STATE["password"])
        page.click("button[type=submit]")
        page.wait_for_url(url + "/")
        context.close()
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


@pytest.fixture
def contexts(browser):
    """``new(**options)`` -> a fresh browser context; all closed after the test. Pages
    opened with ``watch.attach`` fail the test on a console error or CSP violation
    (Chromium's own "Failed to load resource" line for an error status is expected here)."""
    made = []
    watch = PageWatch()

    def new(**options):
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        made.append(context)
        return context

    new.watch = watch
    yield new
    for context in made:
        context.close()
    errors = [e for e in watch.errors if "Failed to load resource" not in e]
    assert not errors, "console errors / CSP violations:\n" + "\n".join(errors)
    assert not watch.dialogs


def _logged_in_page(contexts, app_url, **options):
    context = contexts(**options)
    page = context.new_page()
    contexts.watch.attach(page)
    page.goto(app_url + "/login")
    page.fill("#username", USER)
    page.fill("#password", STATE["password"])
    page.click("button[type=submit]")
    page.wait_for_url(app_url + "/")
    return page


def _session_cookie(context) -> dict:
    (cookie,) = [c for c in context.cookies() if c["name"] == "session"]
    return cookie


def test_logout_then_the_old_cookie_is_refused(contexts, app_url):
    page = _logged_in_page(contexts, app_url)
    saved = page.context.cookies()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(app_url + "/login")
    expect(page.get_by_text("You are logged out.")).to_be_visible()

    thief = contexts()
    thief.add_cookies(saved)
    stolen = thief.new_page()
    contexts.watch.attach(stolen)
    stolen.goto(app_url + "/playlists/new")
    assert stolen.url.startswith(app_url + "/login")
    expect(stolen.get_by_role("heading", name="Log in")).to_be_visible()
    expect(stolen.get_by_role("button", name="Log out")).to_have_count(0)


def test_logout_in_one_browser_keeps_the_other_logged_in(contexts, app_url):
    phone = _logged_in_page(contexts, app_url)
    laptop = _logged_in_page(contexts, app_url)
    phone.get_by_role("button", name="Log out").click()
    phone.wait_for_url(app_url + "/login")
    laptop.reload()
    assert laptop.url == app_url + "/"
    expect(laptop.get_by_role("button", name="Log out")).to_be_visible()


def test_login_page_while_logged_in_opens_the_dashboard(contexts, app_url):
    page = _logged_in_page(contexts, app_url)
    page.goto(app_url + "/login")
    assert page.url == app_url + "/"
    page.goto(app_url + "/login?next=/jobs")
    assert page.url == app_url + "/jobs"


class _AttackerPage(BaseHTTPRequestHandler):
    """Serves one page whose forms post to the app (no CSRF token, like any other site)."""

    target = ""

    def do_GET(self):
        body = f"""<!doctype html><title>Win a prize</title>
<form id="logout" method="post" action="{self.target}/logout"><button id="do-logout">Log out</button></form>
<form id="password" method="post" action="{self.target}/account/password">
  <input type="hidden" name="current" value="guess"><input type="hidden" name="password" value="attacker-pass-1">
  <input type="hidden" name="confirm" value="attacker-pass-1"><button id="do-password">Claim</button></form>
<form id="create" method="post" action="{self.target}/playlists/new">
  <input type="hidden" name="prompt" value="spam spam spam"><input type="hidden" name="count" value="10">
  <button id="do-create">Create</button></form>""".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def attacker_url(app_url):
    """A page on another loopback site (127.0.0.2: another host, so another site for
    SameSite) with forms that post to the app."""
    handler = type("Handler", (_AttackerPage,), {"target": app_url})
    try:
        server = ThreadingHTTPServer(("127.0.0.2", 0), handler)
    except OSError:
        pytest.skip("127.0.0.2 cannot be bound here")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.2:{server.server_port}/"
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_a_cross_site_form_post_is_refused_and_the_user_stays_logged_in(contexts, app_url, attacker_url):
    page = _logged_in_page(contexts, app_url)
    before = _session_cookie(page.context)
    for button in ("#do-logout", "#do-password", "#do-create"):
        page.goto(attacker_url)
        with page.expect_navigation() as nav:
            page.click(button)
        assert nav.value.status == 400, button
        assert page.url.startswith(app_url)
        expect(page.get_by_role("heading", name="Form not accepted")).to_be_visible()
        expect(page.get_by_text("Nothing was changed")).to_be_visible()
        assert _session_cookie(page.context) == before, f"{button}: the refusal replaced the session cookie"
    shot(page, "csrf-refused")
    page.goto(app_url + "/")
    assert page.url == app_url + "/"
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto(app_url + "/jobs")
    expect(page.get_by_text("spam spam spam")).to_have_count(0)  # nothing was started


def test_change_password_logs_the_other_browsers_out(contexts, app_url):
    mine = _logged_in_page(contexts, app_url)
    other = _logged_in_page(contexts, app_url)
    mine.get_by_role("link", name="Change password").click()
    mine.wait_for_url(app_url + "/account/password")
    mine.fill("#current", "not my password")
    mine.fill("#password", NEW_PASSWORD)
    mine.fill("#confirm", NEW_PASSWORD)
    mine.get_by_role("button", name="Change password").click()
    expect(mine.locator("#password-error")).to_have_text("The current password is wrong.")
    shot(mine, "change-password")
    mine.fill("#current", STATE["password"])
    mine.fill("#password", NEW_PASSWORD)
    mine.fill("#confirm", NEW_PASSWORD)
    mine.get_by_role("button", name="Change password").click()
    mine.wait_for_url(app_url + "/")
    STATE["password"] = NEW_PASSWORD
    expect(mine.get_by_text("Password changed.")).to_be_visible()

    other.reload()
    assert other.url.startswith(app_url + "/login")
    other.fill("#username", USER)
    other.fill("#password", "first browser password")
    other.click("button[type=submit]")
    expect(other.locator("#login-error")).to_have_text("Wrong username or password.")
    other.fill("#password", NEW_PASSWORD)
    other.click("button[type=submit]")
    other.wait_for_url(app_url + "/")


def test_https_behind_the_trusted_proxy_gets_a_secure_cookie_and_hsts(contexts, app_url):
    plain = _logged_in_page(contexts, app_url)
    assert _session_cookie(plain.context)["secure"] is False
    assert plain.goto(app_url + "/").headers.get("strict-transport-security") is None

    # Chromium keeps a Secure cookie over plain HTTP only for "localhost" (a secure
    # context), so the pretend-proxied browser talks to the same app under that name. The
    # login form's cookie (its CSRF token) shows the flag; logging in is not tried: for
    # HTTPS requests Flask-WTF also checks that the Referer is https://, which a real
    # browser behind a real TLS proxy sends and this pretend one cannot.
    local_url = app_url.replace("127.0.0.1", "localhost")
    proxied = contexts(extra_http_headers={"X-Forwarded-Proto": "https"}).new_page()
    contexts.watch.attach(proxied)
    answer = proxied.goto(local_url + "/login")
    assert answer.headers["strict-transport-security"] == "max-age=31536000"
    cookie = _session_cookie(proxied.context)
    assert cookie["secure"] is True and cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"


def _try_login(page, app_url, password: str) -> int:
    page.goto(app_url + "/login")
    page.fill("#username", USER)
    page.fill("#password", password)
    with page.expect_navigation() as nav:
        page.click("button[type=submit]")
    return nav.value.status


def test_login_limit_counts_failures_per_forwarded_address(contexts, app_url):
    guesser = contexts(extra_http_headers={"X-Forwarded-For": "203.0.113.50"}).new_page()
    assert [_try_login(guesser, app_url, f"guess {i}") for i in range(5)] == [401] * 5
    assert _try_login(guesser, app_url, STATE["password"]) == 429
    expect(guesser.get_by_role("heading", name="Too many attempts")).to_be_visible()
    # Another client behind the same proxy, and successful logins never count: the owner
    # logs in again and again from fresh browsers.
    for _ in range(6):
        owner = contexts(extra_http_headers={"X-Forwarded-For": "203.0.113.51"}).new_page()
        assert _try_login(owner, app_url, STATE["password"]) == 200
        assert owner.url == app_url + "/"


def test_ids_beyond_64_bits_are_not_found(contexts, app_url):
    page = _logged_in_page(contexts, app_url)
    for path in (f"/playlists/{TOO_BIG}", f"/playlists/{TOO_BIG}/edit", f"/jobs/{TOO_BIG}",
                 f"/jobs/{TOO_BIG}/progress", f"/playlists/{TOO_BIG}/tracks/{TOO_BIG}/match"):
        assert page.goto(app_url + path).status == 404, path
        expect(page.get_by_role("heading", name="Not Found")).to_be_visible()
    statuses = page.evaluate(
        """async (paths) => {
            const token = document.querySelector('meta[name="csrf-token"]').content;
            const out = {};
            for (const p of paths) {
                const body = new URLSearchParams({csrf_token: token, choice: "absent"});
                out[p] = (await fetch(p, {method: "POST", body})).status;
            }
            return out;
        }""",
        [f"/playlists/{TOO_BIG}/{action}" for action in ("rescan", "regenerate", "write", "delete")]
        + [f"/jobs/{TOO_BIG}/retry", f"/playlists/{TOO_BIG}/tracks/{TOO_BIG}/match"],
    )
    assert set(statuses.values()) == {404}, statuses


def test_nul_characters_and_other_digits_are_refused_with_a_message(contexts, app_url):
    page = _logged_in_page(contexts, app_url)
    page.goto(app_url + "/playlists/new")
    page.fill("#prompt", "rainy\u0000 jazz")
    page.fill("#count", "12")
    with page.expect_navigation() as nav:
        page.click("#generate")
    assert nav.value.status == 400
    expect(page.get_by_role("heading", name="Invalid character")).to_be_visible()
    expect(page.get_by_text("contains a NUL character")).to_be_visible()

    page.goto(app_url + "/playlists/new")
    page.fill("#prompt", "rainy jazz")
    # Arabic-Indic "30": a number field would not take it, a hand-made request can.
    page.eval_on_selector("#count", "el => { el.type = 'text'; el.value = '٣٠'; }")
    with page.expect_navigation() as nav:
        page.click("#generate")
    assert nav.value.status == 400
    expect(page.locator("#count-error")).to_contain_text("whole number of tracks")
