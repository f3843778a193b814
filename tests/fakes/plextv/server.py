"""A plex.tv emulator on loopback: the part of plex.tv's API that plexapi's ``myplex.py``
(python-plexapi, ``MyPlexAccount``, ``MyPlexUser``, ``MyPlexResource``, ``MyPlexPinLogin``)
and the app's household module call.

Usage::

    tv = PlexTvEmulator(machine_identifier=pms.machine_identifier).start()
    owner = tv.add_account("owner", title="Alice", server_token=pms.token)
    bob = tv.add_account("home", title="Bob", server_token="bob-server-token")
    ...
    tv.approve_pin(pin_id, bob)

Endpoints (paths from plexapi ``myplex.py`` unless said otherwise):

- ``GET /api/v2/user``: the token's account (``MyPlexAccount.key``); body shaped like
  plexapi's ``tests/payloads.py`` ``ACCOUNT_XML`` and Home Assistant's
  ``tests/components/plex/fixtures/plextv_account.xml`` (``subscription``/``profile``
  children and ``scrobbleTypes``, which ``MyPlexAccount._loadData`` reads unconditionally).
- ``GET /api/home/users``: Plex Home members (``MyPlexAccount.HOMEUSERS``). XML even when
  JSON is asked; ``User`` attributes ``id uuid admin guest restricted hasPassword protected
  title username email thumb`` as a public live probe of plex.tv recorded them (the
  "Plex.tv Account API - User Enumeration" note, 2026-06-21, found with the code search);
  managed users have ``restricted="1"`` and no username/email (plexapi ``MyPlexAccount.user``:
  "Home users don't have email, username etc.").
- ``GET /api/users/``: friends and home members with the servers shared with them
  (``MyPlexUser.key``); ``User``/``Server`` attributes as Home Assistant's
  ``plextv_shared_users.xml`` capture, plus ``home`` (``MyPlexUser._loadData``). Home and
  managed members are listed too, with ``home="1"`` (plexapi ``tests/test_myplex.py`` finds
  a new managed user among ``account.users()`` with ``u.home is True``). Only users with a
  ``Server`` child for a machine may use it (the list the household module filters on).
- ``GET /api/servers/{machineId}/shared_servers``: ``SharedServer`` rows with ``userID``
  and ``accessToken`` (``MyPlexAccount.FRIENDINVITE``, read by ``MyPlexUser.get_token``);
  the server owner's token only.
- ``POST /api/home/users/{id}/switch[?pin=]``: a home member's plex.tv token as
  ``<user authenticationToken=…>`` (``MyPlexAccount.switchHomeUser``); a member with a
  profile PIN (``protected="1"``) needs ``pin`` (plexapi: "required if the home user has a
  PIN set"); a wrong or missing PIN answers 401.
- ``GET /api/v2/resources``: the servers the token's account can use, each with its own
  ``accessToken`` (``MyPlexResource``, ``<resource>`` with ``<connections><connection>``).
- ``POST /api/v2/pins[?strong=true]`` and ``GET /api/v2/pins/{id}``: the PIN flow
  (``MyPlexPinLogin``; fields ``id code product trusted qr clientIdentifier expiresIn
  createdAt expiresAt authToken newRegistration`` as plexapi.dev's "Get a Pin" reference
  lists them). A strong code is 25 lower-case letters and digits and lives 1800 s
  (example ``3patfx1a78ukcbr7x0n9bl26t``, ``expiresIn`` 1800, in the same reference); a
  short code is 4 characters and lives 900 s (its documented default). ``expiresIn`` counts
  down on each read (plexapi.dev's example shows 876 of 900). A PIN is only known to the
  client identifier that created it; an unknown, foreign or expired PIN answers 404.

Strictness (never friendlier than plex.tv):

- Every request needs ``X-Plex-Client-Identifier`` and ``X-Plex-Product`` (the Plex forum
  guide "Authenticating with Plex", forums.plex.tv/t/609370, sends both on every call;
  plexapi sends them in ``BASE_HEADERS``): without them, 400.
- Every call but creating and reading a PIN needs a valid ``X-Plex-Token`` (header or
  query): otherwise 401 with plex.tv's ``<errors><error code=… status="401"/></errors>``
  body (shape of ``../shared/plex-xml/sm_plextv_signin_401.xml``; code 1001 is our choice).
- The owner-only endpoints (home users, friends, shared servers) answer 401 to other tokens.
- ``down`` modes: ``"refuse"`` (connection closed without an answer), an HTTP status
  (``"500"``, ``"503"``), ``"slow:SECONDS"``.

For the offline stack, ``GET /auth`` stands in for Plex's sign-in page (``app.plex.tv/auth#?``
with ``clientID``, ``code``, ``forwardUrl``; a browser page, not the API, so no X-Plex
headers): it lists the accounts, and choosing one approves the PIN of ``code`` as that
account (``POST /auth/approve``) and returns the browser to ``forwardUrl``. Tests approve
with :meth:`PlexTvEmulator.approve_pin` instead.
"""

from __future__ import annotations

import itertools
import random
import re
import string
import threading
import time
import uuid as uuid_mod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from tests.fakes.http_base import EmulatorClock, EmulatorHandler, LoopbackServer, RecordedRequest, parse_slow
from tests.fakes.plex.xmlrender import XML_DECL, attrs

KINDS = ("owner", "home", "managed", "shared", "outsider")
STRONG_CODE_LENGTH = 25
STRONG_PIN_LIFETIME_S = 1800
SHORT_PIN_LIFETIME_S = 900
XML = "application/xml; charset=utf-8"


@dataclass
class TvAccount:
    """One plex.tv account of the emulated household.

    ``kind``: ``owner`` (the server owner and Plex Home admin), ``home`` (a Plex Home member
    with a plex.tv account), ``managed`` (a Plex Home profile without one), ``shared`` (a
    friend the server is shared with), ``outsider`` (a plex.tv account with no relation).
    ``token``: the account's plex.tv token; ``server_token``: its access token for the
    emulated PMS (None: no access to that server); ``pin``: a Plex Home profile PIN.
    """

    id: int
    uuid: str
    kind: str
    title: str
    username: str | None
    email: str | None
    token: str
    server_token: str | None = None
    pin: str | None = None

    @property
    def home(self) -> bool:
        return self.kind in ("owner", "home", "managed")

    @property
    def thumb(self) -> str:
        # plex.tv avatar URLs carry the account uuid (HA's plextv_account.xml and the live probe).
        return f"https://plex.tv/users/{self.uuid}/avatar?c=1700000000"


@dataclass
class TvPin:
    """A sign-in PIN: created by ``client_id`` at ``created_at`` (epoch s), living ``lifetime_s``."""

    id: int
    code: str
    client_id: str
    product: str
    strong: bool
    created_at: int
    lifetime_s: int
    account: TvAccount | None = None

    def expired(self, now: int) -> bool:
        return now >= self.created_at + self.lifetime_s


@dataclass
class _State:
    accounts: list[TvAccount] = field(default_factory=list)
    pins: dict[int, TvPin] = field(default_factory=dict)


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class PlexTvEmulator(EmulatorClock, LoopbackServer):
    """The emulated plex.tv (see the module docstring for endpoints and rules).

    Args:
        machine_identifier: the emulated PMS's ``machineIdentifier`` (the server shared).
        server_name: its ``name`` in resources and shares.
        server_url: where that PMS answers (the ``uri`` of its resource connection).
        now: a clock (epoch seconds; int or zero-argument callable), default wall time.
    """

    def __init__(self, machine_identifier: str, *, server_name: str = "Test Plex", server_url: str = "",
                 now: int | Callable[[], float] | None = None, seed: int = 0) -> None:
        super().__init__()
        self.machine_identifier = machine_identifier
        self.server_name = server_name
        self.server_url = server_url
        self.state = _State()
        self.down: str | None = None
        self._state_lock = threading.RLock()
        self._clock: Callable[[], float] = time.time
        if now is not None:
            self.now = now  # type: ignore[assignment]
        self._rng = random.Random(seed)
        self._ids = itertools.count(1_000_001)
        self._pin_ids = itertools.count(400_000_001)

    # --- household ---------------------------------------------------------------------------

    def add_account(self, kind: str, *, title: str, username: str | None = None, email: str | None = None,
                    server_token: str | None = None, pin: str | None = None, token: str | None = None,
                    account_id: int | None = None) -> TvAccount:
        """Add an account of ``kind`` (see :class:`TvAccount`); the first ``owner`` is the
        server owner. ``server_token`` None: no access to the emulated server. Managed
        users get no username or email, as on plex.tv."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        with self._state_lock:
            if kind == "owner" and self.owner_or_none() is not None:
                raise ValueError("there is one owner")
            rid = account_id or next(self._ids)
            if kind == "managed":
                username = email = None
            else:
                username = username if username is not None else title.lower().replace(" ", "")
                email = email if email is not None else f"{username}@example.invalid"
            acc = TvAccount(
                id=rid, uuid=uuid_mod.UUID(int=self._rng.getrandbits(128)).hex[:16], kind=kind, title=title,
                username=username, email=email, token=token or f"tv-{kind}-{rid}-{self._rng.getrandbits(40):x}",
                server_token=server_token, pin=pin,
            )
            self.state.accounts.append(acc)
            return acc

    def owner_or_none(self) -> TvAccount | None:
        return next((a for a in self.state.accounts if a.kind == "owner"), None)

    @property
    def owner(self) -> TvAccount:
        acc = self.owner_or_none()
        if acc is None:
            raise LookupError("no owner account added")
        return acc

    def account_by_token(self, token: str | None) -> TvAccount | None:
        if not token:
            return None
        with self._state_lock:
            return next((a for a in self.state.accounts if a.token == token), None)

    def account(self, account_id: int) -> TvAccount:
        return next(a for a in self.state.accounts if a.id == account_id)

    def remove_account(self, acc: TvAccount) -> None:
        """The owner removes the user from the household / stops sharing (their tokens stay
        valid on plex.tv, their server access goes)."""
        with self._state_lock:
            acc.server_token = None

    def revoke_token(self, acc: TvAccount) -> str:
        """The account signs out everywhere: its plex.tv token changes; returns the new one."""
        with self._state_lock:
            acc.token = f"tv-{acc.kind}-{acc.id}-{self._rng.getrandbits(40):x}"
            return acc.token

    # --- PINs ----------------------------------------------------------------------------------

    def approve_pin(self, pin_id: int, acc: TvAccount) -> None:
        """The user signs in on the Plex page and approves the PIN as ``acc``. Raises
        KeyError for an unknown PIN, ValueError for an expired one."""
        with self._state_lock:
            pin = self.state.pins[pin_id]
            if pin.expired(self.now):
                raise ValueError("PIN expired")
            pin.account = acc

    def new_pin(self, client_id: str, product: str, strong: bool) -> TvPin:
        with self._state_lock:
            if strong:
                alphabet = string.ascii_lowercase + string.digits
                code = "".join(self._rng.choice(alphabet) for _ in range(STRONG_CODE_LENGTH))
            else:
                code = "".join(self._rng.choice(string.ascii_uppercase + string.digits) for _ in range(4))
            pin = TvPin(next(self._pin_ids), code, client_id, product, strong, self.now,
                        STRONG_PIN_LIFETIME_S if strong else SHORT_PIN_LIFETIME_S)
            self.state.pins[pin.id] = pin
            return pin

    handler_class: type[EmulatorHandler]  # set below


def _error(status: int, code: int, message: str) -> tuple[int, str]:
    # plex.tv's error body (sm_plextv_signin_401.xml): <errors><error code message status/></errors>
    return status, (f'{XML_DECL}<errors>\n\t<error{attrs([("code", code), ("message", message), ("status", status)])}/>'
                    "\n</errors>\n")


def _account_xml(acc: TvAccount, tag: str = "user", token_attr: str = "authToken") -> str:
    pairs = [
        ("id", acc.id), ("uuid", acc.uuid), ("username", acc.username or ""), ("title", acc.title),
        ("email", acc.email or ""), ("friendlyName", acc.title), ("locale", ""), ("confirmed", 1),
        ("joinedAt", 946730096), ("emailOnlyAuth", 0), ("hasPassword", int(acc.kind != "managed")),
        ("protected", int(bool(acc.pin))), ("thumb", acc.thumb), (token_attr, acc.token),
        ("mailingListStatus", "unsubscribed"), ("mailingListActive", 0), ("scrobbleTypes", ""),
        ("country", "CA"), ("subscriptionDescription", ""), ("restricted", int(acc.kind == "managed")),
        ("anonymous", ""), ("home", int(acc.home)), ("guest", 0), ("homeSize", 0),
        ("homeAdmin", int(acc.kind == "owner")), ("maxHomeSize", 15), ("rememberExpiresAt", 1680893707),
        ("adsConsent", ""), ("adsConsentSetAt", ""), ("adsConsentReminderAt", ""),
        ("experimentalFeatures", 0), ("twoFactorEnabled", 0), ("backupCodesCreated", 0),
    ]
    if token_attr == "authenticationToken":
        pairs.append(("authToken", acc.token))  # the switch answer carries both names
    return (
        f"<{tag}{attrs(pairs)}>\n"
        '  <subscription active="0" subscribedAt="" status="Inactive" paymentService="" plan="">\n'
        "    <features>\n    </features>\n  </subscription>\n"
        '  <profile autoSelectAudio="1" defaultAudioLanguage="en" defaultSubtitleLanguage="en" '
        'autoSelectSubtitle="0" defaultSubtitleAccessibility="0" defaultSubtitleForced="0"/>\n'
        "  <entitlements>\n  </entitlements>\n  <roles>\n  </roles>\n"
        "  <subscriptions>\n  </subscriptions>\n  <services>\n  </services>\n"
        f"</{tag}>\n"
    )


def _container(children: list[str], **extra) -> str:
    pairs = [("friendlyName", "myPlex"), ("identifier", "com.plexapp.plugins.myplex"), *extra.items(),
             ("size", len(children))]
    return f"{XML_DECL}<MediaContainer{attrs(pairs)}>\n{''.join(children)}</MediaContainer>\n"


class PlexTvHandler(EmulatorHandler):
    """Routes plex.tv requests (see :mod:`tests.fakes.plextv.server`)."""

    server_version = "openresty"
    emulator: PlexTvEmulator

    def route(self, req: RecordedRequest) -> None:
        emu = self.emulator
        if req.path in ("/auth", "/auth/approve"):
            self._sign_in_page(req)
            return
        behaviour = emu.down
        req.behaviour = behaviour
        if behaviour == "refuse":
            self.drop()
            return
        delay = parse_slow(behaviour or "")
        if delay:
            self.sleep(delay)
        elif behaviour and behaviour.isdigit():
            self.send_text(int(behaviour), "<html><body><h1>Service Unavailable</h1></body></html>",
                           "text/html; charset=utf-8")
            return
        status, body = self._answer(req)
        self.send_text(status, body, XML)

    def _answer(self, req: RecordedRequest) -> tuple[int, str]:
        emu = self.emulator
        query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        client_id = req.headers.get("x-plex-client-identifier") or (query.get("X-Plex-Client-Identifier") or [""])[0]
        product = req.headers.get("x-plex-product") or (query.get("X-Plex-Product") or [""])[0]
        if not client_id or not product:
            return _error(400, 1000, "X-Plex-Client-Identifier and X-Plex-Product are required")
        token = req.headers.get("x-plex-token") or (query.get("X-Plex-Token") or [""])[0]
        path = req.path.rstrip("/") or "/"
        with emu._state_lock:
            if req.method == "POST" and path == "/api/v2/pins":
                strong = (query.get("strong") or ["false"])[0].lower() in ("true", "1")
                return 201, self._pin_xml(emu.new_pin(client_id, product, strong))
            m = re.fullmatch(r"/api/v2/pins/(\d+)", path)
            if req.method == "GET" and m:
                pin = emu.state.pins.get(int(m.group(1)))
                if pin is None or pin.client_id != client_id or pin.expired(emu.now):
                    return _error(404, 1020, "Code not found or expired")
                return 200, self._pin_xml(pin)
            acc = emu.account_by_token(token)
            if acc is None:
                return _error(401, 1001, "User could not be authenticated")
            if req.method == "GET" and path == "/api/v2/user":
                return 200, XML_DECL + _account_xml(acc)
            if req.method == "GET" and path == "/api/v2/resources":
                return 200, self._resources(acc)
            if req.method == "GET" and path == "/api/home/users":
                return self._home_users(acc)
            m = re.fullmatch(r"/api/home/users/(\d+)/switch", path)
            if req.method == "POST" and m:
                return self._switch(acc, int(m.group(1)), (query.get("pin") or [None])[0])
            if acc.kind != "owner":
                return _error(401, 1001, "User could not be authenticated")
            if req.method == "GET" and path == "/api/users":
                return 200, self._users()
            m = re.fullmatch(r"/api/servers/([^/]+)/shared_servers", path)
            if req.method == "GET" and m:
                if m.group(1) != emu.machine_identifier:
                    return _error(404, 1002, "Not found")
                return 200, self._shared_servers()
        return _error(404, 1002, "Not found")

    def _sign_in_page(self, req: RecordedRequest) -> None:
        emu = self.emulator
        if req.method == "POST":
            form = parse_qs(req.raw_body.decode("utf-8", "replace"))
            code = (form.get("code") or [""])[0]
            forward = (form.get("forwardUrl") or [""])[0]
            account_id = int((form.get("account") or ["0"])[0] or 0)
            with emu._state_lock:
                pin = next((p for p in emu.state.pins.values() if p.code == code and not p.expired(emu.now)), None)
                acc = next((a for a in emu.state.accounts if a.id == account_id), None)
                if pin is None or acc is None:
                    self.send_text(404, "This sign-in code is unknown or expired.")
                    return
                pin.account = acc
            if forward.startswith(("http://", "https://")):
                self.send_response(303)
                self.send_header("Location", forward)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_text(200, f"Signed in as {acc.title}. You can close this page.")
            return
        from html import escape

        buttons = "".join(
            f'<p><button name="account" value="{a.id}">{escape(a.title)} ({a.kind})</button></p>'
            for a in emu.state.accounts
        )
        page = (
            "<!doctype html><title>Plex sign-in (emulator)</title><h1>Sign in to Plex (emulator)</h1>"
            '<form method="post" action="/auth/approve"><input type="hidden" name="code" id="code">'
            f'<input type="hidden" name="forwardUrl" id="forwardUrl">{buttons}</form>'
            "<script>const p=new URLSearchParams(location.hash.replace(/^#!?\\??/,''));"
            "document.getElementById('code').value=p.get('code')||'';"
            "document.getElementById('forwardUrl').value=p.get('forwardUrl')||'';</script>"
        )
        self.send_text(200, page, "text/html; charset=utf-8")

    # --- bodies -------------------------------------------------------------------------------

    def _pin_xml(self, pin: TvPin) -> str:
        emu = self.emulator
        left = max(0, pin.created_at + pin.lifetime_s - emu.now)
        pairs = [("id", pin.id), ("code", pin.code), ("product", "0"), ("trusted", 0),
                 ("qr", f"https://plex.tv/api/v2/pins/qr/{pin.code}"), ("clientIdentifier", pin.client_id),
                 ("expiresIn", left), ("createdAt", _iso(pin.created_at)),
                 ("expiresAt", _iso(pin.created_at + pin.lifetime_s)),
                 ("authToken", pin.account.token if pin.account else ""), ("newRegistration", "")]
        return (f'{XML_DECL}<pin{attrs(pairs)}>\n  <location code="CA" european_union_member="0" '
                'continent_code="NA" country="Canada" city="" time_zone="America/Toronto" postal_code="" '
                'in_privacy_restricted_country="0" in_privacy_restricted_region="0" subdivisions="" '
                'coordinates=""/>\n</pin>\n')

    def _home_users(self, acc: TvAccount) -> tuple[int, str]:
        emu = self.emulator
        members = [a for a in emu.state.accounts if a.home] if acc.home else [acc]
        rows = []
        for a in members:
            pairs = [("id", a.id), ("uuid", a.uuid), ("admin", int(a.kind == "owner" or not acc.home)),
                     ("guest", 0), ("restricted", int(a.kind == "managed")),
                     ("hasPassword", "true" if a.kind != "managed" else "false"), ("protected", int(bool(a.pin))),
                     ("title", a.title), ("username", a.username or ""), ("email", a.email or ""),
                     ("thumb", a.thumb)]
            rows.append(f"<User{attrs(pairs)}/>\n")
        return 200, _container(rows)

    def _server_xml(self, a: TvAccount, share_id: int) -> str:
        emu = self.emulator
        pairs = [("id", share_id), ("serverId", 9_000_001), ("machineIdentifier", emu.machine_identifier),
                 ("name", emu.server_name), ("lastSeenAt", emu.now), ("numLibraries", 1), ("allLibraries", 1),
                 ("owned", 1), ("pending", 0)]
        return f"  <Server{attrs(pairs)}/>\n"

    def _users(self) -> str:
        # GET /api/users/: every account related to the owner but the owner, home members
        # included (home="1"), each with the owner's servers shared with them (HA capture).
        emu = self.emulator
        rows = []
        for n, a in enumerate(emu.state.accounts):
            if a.kind in ("owner", "outsider"):
                continue
            pairs = [("id", a.id), ("title", a.title), ("username", a.username or ""), ("email", a.email or ""),
                     ("recommendationsPlaylistId", ""), ("thumb", a.thumb), ("protected", int(bool(a.pin))),
                     ("home", int(a.home)), ("allowTuners", 0), ("allowSync", 0), ("allowCameraUpload", 0),
                     ("allowChannels", 0), ("allowSubtitleAdmin", 0), ("filterAll", ""), ("filterMovies", ""),
                     ("filterMusic", ""), ("filterPhotos", ""), ("filterTelevision", ""),
                     ("restricted", int(a.kind == "managed"))]
            servers = self._server_xml(a, 7_000_000 + n) if a.server_token else ""
            rows.append(f"<User{attrs(pairs)}>\n{servers}</User>\n")
        return _container(rows, machineIdentifier=emu.machine_identifier[:40], totalSize=len(rows))

    def _shared_servers(self) -> str:
        # Only friends (not Plex Home members) are listed with an accessToken here, the
        # stricter reading: plexytrack PR #171 had to switch home users to get a managed user's token.
        emu = self.emulator
        rows = []
        for n, a in enumerate(emu.state.accounts):
            if a.kind != "shared" or not a.server_token:
                continue
            pairs = [("id", 7_000_000 + n), ("username", a.username or ""), ("email", a.email or ""),
                     ("userID", a.id), ("accessToken", a.server_token), ("name", emu.server_name),
                     ("acceptedAt", 1600000000), ("invitedAt", 1600000000), ("allowSync", 0),
                     ("allowCameraUpload", 0), ("allowChannels", 0), ("allowTuners", 0), ("owned", 0),
                     ("allLibraries", 1), ("filterAll", ""), ("filterMovies", ""), ("filterMusic", ""),
                     ("filterPhotos", ""), ("filterTelevision", "")]
            rows.append(f"<SharedServer{attrs(pairs)}/>\n")
        return _container(rows, machineIdentifier=emu.machine_identifier)

    def _resources(self, acc: TvAccount) -> str:
        emu = self.emulator
        rows = []
        if acc.server_token:
            owned = acc.kind == "owner"
            pairs = [("name", emu.server_name), ("product", "Plex Media Server"), ("productVersion", "1.40.2"),
                     ("platform", "Linux"), ("platformVersion", "6.1"), ("device", "PC"),
                     ("clientIdentifier", emu.machine_identifier), ("createdAt", _iso(1429510140)),
                     ("lastSeenAt", _iso(emu.now)), ("provides", "server"),
                     ("ownerId", "" if owned else emu.owner.id), ("sourceTitle", "" if owned else emu.owner.title),
                     ("publicAddress", "127.0.0.1"), ("accessToken", acc.server_token), ("owned", int(owned)),
                     ("home", int(acc.home)), ("synced", 0), ("relay", 0), ("presence", 1), ("httpsRequired", 0),
                     ("publicAddressMatches", 1), ("dnsRebindingProtection", 0), ("natLoopbackSupported", 0)]
            url = urlsplit(emu.server_url or "http://127.0.0.1:32400")
            conn = [("protocol", url.scheme), ("address", url.hostname), ("port", url.port or 32400),
                    ("uri", emu.server_url or "http://127.0.0.1:32400"), ("local", 1), ("relay", 0), ("IPv6", 0)]
            rows.append(f"<resource{attrs(pairs)}>\n  <connections>\n    <connection{attrs(conn)}/>\n"
                        "  </connections>\n</resource>\n")
        return f'{XML_DECL}<resources size="{len(rows)}">\n{"".join(rows)}</resources>\n'

    def _switch(self, acc: TvAccount, target_id: int, pin: str | None) -> tuple[int, str]:
        emu = self.emulator
        target = next((a for a in emu.state.accounts if a.id == target_id), None)
        if not acc.home or target is None or not target.home:
            return _error(404, 1002, "Not found")
        if target.pin and pin != target.pin:
            return _error(401, 1041, "Invalid PIN")
        return 201, XML_DECL + _account_xml(target, token_attr="authenticationToken")


PlexTvEmulator.handler_class = PlexTvHandler
