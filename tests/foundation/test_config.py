"""Configuration: validation errors name the variable; missing services don't stop start-up."""

from __future__ import annotations

import pytest

from plex_completer import create_app
from plex_completer.config import ConfigError, load_settings
from tests.conftest import base_config


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"PLEX_URL": "192.168.1.10:32400"}, "PLEX_URL"),
        ({"PLEX_URL": "ftp://nas:32400"}, "PLEX_URL"),
        ({"OLLAMA_URL": "localhost"}, "OLLAMA_URL"),
        ({"GEMINI_BASE_URL": "not a url"}, "GEMINI_BASE_URL"),
        ({"GEMINI_MODELS": "gemini-2.5-flash; gemini-2.0-flash"}, "GEMINI_MODELS"),
        ({"GEMINI_MODELS": "Gemini 2.5 Flash"}, "GEMINI_MODELS"),
        ({"PLEX_MUSIC_SECTION": "Music\x00"}, "PLEX_MUSIC_SECTION"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"AUTH_DISABLED": "maybe"}, "AUTH_DISABLED"),
        ({"PLEX_TIMEOUT": "-3"}, "PLEX_TIMEOUT"),
    ],
)
def test_wrong_value_gives_one_line_naming_the_variable(env, variable):
    with pytest.raises(ConfigError) as err:
        load_settings(environ=env)
    message = str(err.value)
    assert variable in message
    assert "\n" not in message


def test_defaults_match_the_documented_table(tmp_path):
    s = load_settings(environ={"DATA_DIR": str(tmp_path)})
    assert s.GEMINI_MODELS == ("gemini-2.5-flash", "gemini-2.0-flash")
    assert s.OLLAMA_URL == "http://localhost:11434"
    assert s.OLLAMA_MODEL == "qwen2.5:3b"
    assert s.LOG_LEVEL == "INFO"
    assert s.database_url == f"sqlite:///{(tmp_path / 'plex_completer.db').resolve()}"
    assert not s.plex_configured and not s.gemini_configured


def test_model_list_and_both_key_forms_are_accepted():
    s = load_settings(environ={"GEMINI_MODELS": " gemini-2.5-flash-lite , models/gemini-3-flash ", "GEMINI_API_KEY": "AQ.Ab8RN6Jexample"})
    assert s.GEMINI_MODELS == ("gemini-2.5-flash-lite", "gemini-3-flash")
    assert s.gemini_configured
    s2 = load_settings(environ={"GEMINI_API_KEY": "AIzaSyExampleExampleExampleExample123"})
    assert s2.gemini_configured


def test_url_trailing_slash_is_dropped_and_section_may_be_name_or_key():
    s = load_settings(environ={"PLEX_URL": "http://plex.local:32400/", "PLEX_MUSIC_SECTION": "Music"})
    assert s.PLEX_URL == "http://plex.local:32400"
    assert load_settings(environ={"PLEX_MUSIC_SECTION": "3"}).PLEX_MUSIC_SECTION == "3"


def test_secrets_never_render_in_public_view():
    s = load_settings(environ={"PLEX_TOKEN": "plex-token-123456", "GEMINI_API_KEY": "AIzaSecretSecretSecret", "DATABASE_URL": "postgresql://u:hunter22@db/pc"})
    view = s.public_view()
    rendered = repr(view) + repr(s)
    for secret in ("plex-token-123456", "AIzaSecretSecretSecret", "hunter22"):
        assert secret not in rendered
    assert view["PLEX_TOKEN"] == "set (hidden)"


def test_env_file_is_read_but_real_environment_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("OLLAMA_MODEL=llama3.2:3b\nLOG_LEVEL=DEBUG\n")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    s = load_settings()
    assert s.OLLAMA_MODEL == "llama3.2:3b"
    assert s.LOG_LEVEL == "WARNING"


def test_app_starts_without_plex_or_ai_and_says_what_to_configure(client):
    page = client.get("/").get_data(as_text=True)
    assert "PLEX_URL" in page and "GEMINI_API_KEY" in page


def test_factory_rejects_a_wrong_override(make_app):
    with pytest.raises(ConfigError, match="PLEX_URL"):
        make_app(PLEX_URL="plex:32400")


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # create_app itself is under test: no SECRET_KEY given
    cfg = base_config(tmp_path)
    del cfg["SECRET_KEY"]
    first = create_app(cfg).config["SECRET_KEY"]
    second = create_app(cfg).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
