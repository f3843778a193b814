"""Every main page in light and dark, on a desktop and on a phone: no horizontal scroll at
375 px, the dark theme follows the system setting, no CSP violation. Screenshots go to
test-artifacts/screenshots/ (<page>-<desktop|phone>-<light|dark>.png) for review."""

from __future__ import annotations

import pytest

from .conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
LONG_WORD = "Supercalifragilisticexpialidocious" * 3


@pytest.fixture(scope="module")
def pages(live_app):
    """Paths of the main pages, with a playlist whose texts are long enough to test wrapping."""
    from plex_completer.extensions import db
    from plex_completer.models import Job, JobStatus, LibraryTrack, PlaylistStatus
    from tests import factories

    with live_app.app_context():
        lib = db.session.scalars(db.select(LibraryTrack).order_by(LibraryTrack.rating_key).limit(4)).all()
        tracks = [
            dict(artist=t.album_artist, title=t.title, album=t.album, year=t.year, matched_rating_key=t.rating_key,
                 score=100.0, reason="exact") for t in lib
        ]
        tracks += [
            dict(artist="The Unfindables", title=f"A {LONG_WORD} title", album="Nowhere", year=1999,
                 score=12.0, reason="no track by this artist"),
            dict(artist="Somebody Else", title="Near Miss (Live at Wembley)", score=71.0,
                 reason="title 91 / artist 100; only a live version in library"),
        ]
        p = factories.playlist(title=f"Evening wind-down with a {LONG_WORD}", prompt="slow evening songs " + LONG_WORD,
                          tracks=tracks, status=PlaylistStatus.PENDING_PLEX, history=[(2, 6), (3, 6), (4, 6)])
        job = factories.job(kind="library_sync", status=JobStatus.DONE, message="Quick sync: 3 added, 0 changed, 0 removed.")
        running = Job(kind="rescan", status=JobStatus.RUNNING, progress_done=2, progress_total=6, step="Matching tracks",
                      playlist_id=None, dedupe_key="looks-test-never-runs")
        db.session.add(running)
        db.session.commit()
        track_id = p.current_generation.tracks[4].id
        return {
            "dashboard": "/",
            "new-playlist-form": "/playlists/new",
            "playlist": f"/playlists/{p.id}",
            "match": f"/playlists/{p.id}/tracks/{track_id}/match",
            "edit": f"/playlists/{p.id}/edit",
            "delete": f"/playlists/{p.id}/delete",
            "jobs": "/jobs",
            "job": f"/jobs/{job.id}",
            "library": "/library?q=love",
            "schedules": "/schedules",
            "settings": "/settings",
            "test-ai-services": "/test_ai_services",
            "not-found": "/playlists/999999",
        }


def _check_no_horizontal_scroll(page, name):
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{name}: page is {widths[0]} px wide in a {widths[1]} px window"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_main_pages(open_page, pages, device, scheme):
    viewport = PHONE if device == "phone" else DESKTOP
    page = open_page("/", viewport=viewport, color_scheme=scheme)
    for name, path in pages.items():
        page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/")[2] + path)
        page.wait_for_load_state("networkidle") if name == "new-playlist-form" else None
        assert page.locator("h1").count() == 1, f"{name}: one h1 per page"
        _check_no_horizontal_scroll(page, f"{name} ({device}, {scheme})")
        background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
        rgb = [int(v) for v in background[background.index("(") + 1:background.index(")")].split(",")[:3]]
        if scheme == "dark":
            assert sum(rgb) < 150, f"{name}: dark scheme but background {background}"
        else:
            assert sum(rgb) > 600, f"{name}: light scheme but background {background}"
        shot(page, f"{name}-{device}-{scheme}")
    # The 404 page's console error is the expected 404 itself.
    open_page.watch.errors[:] = [e for e in open_page.watch.errors if "404" not in e]


def test_phone_navigation_wraps_and_stays_usable(open_page):
    page = open_page("/", viewport=PHONE)
    links = page.locator("nav[aria-label=Main] .nav-links a")
    assert links.count() >= 6
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], links.nth(i).inner_text()
