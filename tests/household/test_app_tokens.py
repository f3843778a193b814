"""Plex users' server tokens at rest (issue 16): sealed with Fernet under a key derived
from SECRET_KEY, and never shown in pages or logs."""

from __future__ import annotations

import sqlalchemy as sa

from plex_completer.extensions import db
from plex_completer.logging_setup import redact
from plex_completer.models import PlexUser, PlexUserKind
from plex_completer.services import plex_users, token_crypto
from tests.factories import standard_playlist

from .conftest import log_in_admin, plex_user, sign_in_as

TOKEN = "hOmEuSeR-sErVeR-tOkEn-42"


def test_a_sealed_token_opens_with_the_same_secret_key_only():
    sealed = token_crypto.seal_token("secret-one", TOKEN)
    assert TOKEN not in sealed
    assert token_crypto.open_token("secret-one", sealed) == TOKEN
    assert token_crypto.open_token("secret-two", sealed) is None  # another SECRET_KEY: fetched again
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    assert token_crypto.open_token("secret-one", tampered) is None
    assert token_crypto.open_token("secret-one", None) is None
    assert token_crypto.seal_token("secret-one", TOKEN) != sealed  # Fernet: a fresh IV each time


def test_the_database_holds_the_token_sealed_and_the_app_opens_it(app):
    user = plex_user(501, "Anna")
    plex_users.store_token(user, TOKEN)
    stored = db.session.scalar(sa.text("SELECT token_encrypted FROM plex_users WHERE plex_id = 501"))
    assert stored and TOKEN not in stored
    assert plex_users.token_for(user) == TOKEN
    settings = plex_users.settings_for_owner(user.id)
    assert settings.PLEX_TOKEN.get_secret_value() == TOKEN
    assert plex_users.settings_for_owner(None) is app.config["SETTINGS"]


def test_no_token_in_pages_or_logs(auth_app, caplog):
    owner = plex_user(1, "Owner", kind=PlexUserKind.OWNER)
    anna = plex_user(501, "Anna")
    plex_users.store_token(anna, TOKEN)
    playlist = standard_playlist(title="Anna's soul")
    playlist.owner_id = anna.id
    db.session.commit()
    admin = auth_app.test_client()
    log_in_admin(admin)
    user_client = auth_app.test_client()
    sign_in_as(user_client, anna)
    pages = [admin.get(url) for url in ("/", "/settings", f"/playlists/{playlist.id}", f"/playlists/{playlist.id}/edit",
                                          "/playlists/new", "/jobs", "/schedules")]
    pages += [user_client.get(url) for url in ("/", f"/playlists/{playlist.id}", "/playlists/new", "/jobs")]
    sealed = db.session.get(PlexUser, anna.id).token_encrypted
    for response in pages:
        assert response.status_code == 200, response.request.path
        html = response.get_data(as_text=True)
        assert TOKEN not in html and sealed not in html, response.request.path
    assert "Anna" in admin.get("/settings").get_data(as_text=True)
    assert "for Anna" in admin.get("/").get_data(as_text=True)  # the owner column
    assert owner.is_owner
    # Once known, the token is one of the redactor's secrets: every log line and error is masked.
    assert TOKEN not in redact(f"token {TOKEN} leaked")
    assert TOKEN not in caplog.text


def test_migration_0010_downgrades_and_upgrades(make_app):
    from flask_migrate import downgrade, upgrade

    from plex_completer.database import MIGRATIONS_DIR

    app = make_app()
    with app.app_context():
        downgrade(directory=str(MIGRATIONS_DIR), revision="0008")
        db.engine.dispose()
        inspector = sa.inspect(db.engine)
        assert "plex_users" not in inspector.get_table_names()
        assert "owner_id" not in {c["name"] for c in inspector.get_columns("playlists")}
        upgrade(directory=str(MIGRATIONS_DIR))
        db.engine.dispose()
        inspector = sa.inspect(db.engine)
        assert "plex_users" in inspector.get_table_names()
        assert "owner_id" in {c["name"] for c in inspector.get_columns("jobs")}


def test_the_sign_in_client_identifier_is_made_once_per_installation(make_app):
    app = make_app()
    with app.app_context():
        first = plex_users.client_identifier()
        assert first == plex_users.client_identifier() and first.startswith("plex-completer-")
    restarted = make_app()
    with restarted.app_context():
        assert plex_users.client_identifier() == first
