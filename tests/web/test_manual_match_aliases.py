"""Issue 14 on the pages: the manual-match search finds a library that writes the artist
another way, counts the hits it does not list, and a manual match across artist names
records an artist alias that the Library page lists and removes."""

from __future__ import annotations

from plex_completer.extensions import db
from plex_completer.matching import Suggestion
from plex_completer.models import ArtistAlias
from plex_completer.services import matcher_cache, playlist_actions
from tests import factories as seed


def _seed():
    seed.library_track(501, "Good Vibrations", "Beach Boys", "Smiley Smile", 1967)
    seed.library_track(502, "Born to Run", "Springsteen, Bruce", "Born to Run", 1975)
    for n in range(25):
        seed.library_track(600 + n, f"Love Song {n}", "Various Lovers", "Love Album", 2000)
    p = seed.playlist(tracks=[{"artist": "The Beach Boys", "title": "Good Vibrations"},
                              {"artist": "The Boss", "title": "Born to Run"}])
    matcher_cache.invalidate()
    return p, p.current_generation.tracks


def test_match_page_search_finds_another_spelling_title_only_and_counts_the_rest(user):
    p, (beach, _) = _seed()
    html = user.get(f"/playlists/{p.id}/tracks/{beach.id}/match").get_data(as_text=True)
    assert 'name="rating_key" value="501"' in html  # pre-filled "The Beach Boys Good Vibrations"
    html = user.get(f"/playlists/{p.id}/tracks/{beach.id}/match", query_string={"q": "vibrations"}).get_data(as_text=True)
    assert 'name="rating_key" value="501"' in html
    html = user.get(f"/playlists/{p.id}/tracks/{beach.id}/match", query_string={"q": "love"}).get_data(as_text=True)
    assert html.count('name="choice" value="track"') == 20 and "and 5 more" in html


def test_manual_match_across_artist_names_learns_an_alias_shown_and_removable(user, monkeypatch):
    monkeypatch.setattr(playlist_actions, "start_rescan", lambda playlist_id: None)
    p, (_, boss) = _seed()
    assert matcher_cache.get_matcher().match(Suggestion("The Boss", "Born to Run")).rating_key is None
    resp = user.post(f"/playlists/{p.id}/tracks/{boss.id}/match", data={"choice": "track", "rating_key": "502"})
    assert resp.status_code == 302
    assert "From now on “The Boss” also finds “Springsteen, Bruce”" in user.get(resp.headers["Location"]).get_data(
        as_text=True)
    alias = db.session.scalars(db.select(ArtistAlias)).one()
    assert (alias.alias, alias.library_artist) == ("The Boss", "Springsteen, Bruce")
    assert matcher_cache.get_matcher().match(Suggestion("The Boss", "Born to Run")).rating_key == 502
    page = user.get("/library").get_data(as_text=True)
    assert "The Boss" in page and "Springsteen, Bruce" in page
    user.post(f"/library/aliases/{alias.id}/delete")
    assert db.session.scalars(db.select(ArtistAlias)).first() is None
    assert matcher_cache.get_matcher().match(Suggestion("The Boss", "Born to Run")).rating_key is None


def test_picking_another_song_as_a_substitute_learns_no_alias(user, monkeypatch):
    monkeypatch.setattr(playlist_actions, "start_rescan", lambda playlist_id: None)
    p, (beach, _) = _seed()
    resp = user.post(f"/playlists/{p.id}/tracks/{beach.id}/match", data={"choice": "track", "rating_key": "502"})
    assert resp.status_code == 302
    assert db.session.scalars(db.select(ArtistAlias)).first() is None
