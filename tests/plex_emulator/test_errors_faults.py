"""Auth failures, unknown paths, the request-line limit and injected faults."""

from __future__ import annotations

import time

import pytest
import requests
from plexapi.exceptions import BadRequest, NotFound, Unauthorized
from plexapi.server import PlexServer

from tests.fakes.plex.handler import UNAUTHORIZED_BODY
from tests.plex_emulator.conftest import SHARED_XML


def test_wrong_token_is_unauthorized(emu):
    with pytest.raises(Unauthorized):
        PlexServer(emu.url, "not-a-token", timeout=5)
    r = requests.get(f"{emu.url}/library/sections", timeout=5)
    assert r.status_code == 401
    assert r.content == UNAUTHORIZED_BODY and r.headers["Content-Type"].startswith("text/html")
    assert [x.status for x in emu.requests] == [401, 401]


def test_unauthorized_body_is_pms_page():
    shared = SHARED_XML / "pms_401_root_unauthorized.html"
    if not shared.exists():
        pytest.skip("../shared/plex-xml is not available")
    assert shared.read_bytes() == UNAUTHORIZED_BODY


def test_token_as_query_parameter(emu):
    r = requests.get(f"{emu.url}/library/sections", params={"X-Plex-Token": emu.token}, timeout=5)
    assert r.status_code == 200 and 'title="Music"' in r.text


def test_unknown_paths_and_keys_are_404(plex, emu):
    with pytest.raises(NotFound):
        plex.query("/no/such/endpoint")
    with pytest.raises(NotFound):
        plex.fetchItem("/library/sections/77/all")
    with pytest.raises(NotFound):
        plex.fetchItem("/playlists/424242")
    assert emu.requests[-1].status == 404


def test_over_long_request_line_gets_414(emu):
    keys = ",".join(str(1000 + i) for i in range(2000))
    uri = f"server://{emu.machine_identifier}/com.plexapp.plugins.library/library/metadata/{keys}"
    r = requests.post(f"{emu.url}/playlists", params={"type": "audio", "title": "big", "smart": "0", "uri": uri},
                      headers={"X-Plex-Token": emu.token}, timeout=5)
    assert r.status_code == 414
    assert emu.playlists == {}
    rec = emu.requests[-1]
    assert (rec.method, rec.path, rec.status) == ("POST", "/playlists", 414)
    # Just under the limit still works (the line is "GET <target> HTTP/1.1").
    target = "/library/sections/1/all?type=10&title=" + "x" * (emu.max_request_line - 60)
    line_len = len(f"GET {target} HTTP/1.1")
    assert line_len <= emu.max_request_line
    r = requests.get(emu.url + target, headers={"X-Plex-Token": emu.token, "X-Plex-Container-Size": "10"},
                     timeout=5)
    assert r.status_code == 200


def test_custom_request_line_limit(tracks):
    from tests.fakes.plex.server import PlexEmulator
    with PlexEmulator(tracks, max_request_line=200) as small:
        ok = requests.get(f"{small.url}/identity", timeout=5)
        long = requests.get(f"{small.url}/identity?pad=" + "y" * 300, timeout=5)
    assert ok.status_code == 200 and long.status_code == 414


def test_refused_connections(plex, emu):
    emu.set_fault(refuse_connections=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        plex.library.sections()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{emu.url}/identity", timeout=5)
    emu.clear_faults()
    assert plex.query("/identity") is not None


def test_server_errors_for_a_number_of_requests(plex, emu):
    emu.set_fault(fail_status=500, fail_count=2)
    for _ in range(2):
        with pytest.raises(BadRequest, match=r"\(500\)"):
            plex.query("/library/sections")
    assert plex.query("/library/sections") is not None
    assert [r.status for r in emu.requests[-3:]] == [500, 500, 200]


def test_server_errors_until_cleared(plex, emu):
    emu.set_fault(fail_status=503)
    for _ in range(3):
        with pytest.raises(BadRequest):
            plex.query("/library/sections")
    emu.clear_faults()
    assert plex.query("/library/sections") is not None


def test_delay_makes_client_time_out(emu):
    emu.set_fault(delay_s=0.6)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{emu.url}/identity", timeout=0.2)
    r = requests.get(f"{emu.url}/identity", timeout=5)
    assert r.status_code == 200 and time.monotonic() - started >= 0.6


def test_stop_closes_the_port(tracks):
    from tests.fakes.plex.server import PlexEmulator
    emu = PlexEmulator(tracks).start()
    url = emu.url
    with requests.Session() as s:
        assert s.get(f"{url}/identity", timeout=5).status_code == 200
        emu.stop()
        with pytest.raises(requests.exceptions.ConnectionError):
            s.get(f"{url}/identity", timeout=2)


def test_requests_are_recorded_concurrently(emu):
    import threading
    def hit():
        with requests.Session() as s:
            for _ in range(10):
                s.get(f"{emu.url}/identity", timeout=5)
    threads = [threading.Thread(target=hit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(emu.requests) == 40 and all(r.status == 200 for r in emu.requests)
    emu.clear_requests()
    assert emu.requests == []


def test_restart_keeps_the_state(plex, emu):
    """A stopped emulator refuses pooled connections; started again (on a new port, as
    LoopbackServer binds) it serves the same library and playlists."""
    rk = emu.create_user_playlist("Kept", [1001])
    emu.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        plex.query("/library/sections")
    emu.start()
    again = PlexServer(emu.url, emu.token, timeout=5)
    assert again.query("/library/sections") is not None
    assert again.fetchItem(f"/playlists/{rk}").title == "Kept"


def test_faults_reset_in_place(emu):
    faults = emu.faults
    emu.set_fault(delay_s=0.01, fail_status=500, fail_count=1)
    emu.clear_faults()
    assert faults is emu.faults and (faults.delay_s, faults.fail_status) == (0.0, None)
    r = requests.get(f"{emu.url}/identity", headers={"X-Plex-Token": emu.token}, timeout=5)
    assert r.status_code == 200
    assert emu.requests[-1].headers["x-plex-token"] == emu.token  # recorded headers ignore case
