"""The 500 page: one heading, no stack trace, and it names docker logs only in Docker."""

from __future__ import annotations

from plex_completer.web import errors


def _boom_app(make_app):
    app = make_app()

    @app.get("/test-only/boom")
    def boom():
        raise RuntimeError("secret detail of the failure")

    return app


def test_500_page_points_at_the_right_log(make_app, monkeypatch, tmp_path):
    app = _boom_app(make_app)
    monkeypatch.setattr(errors, "DOCKER_MARKER", tmp_path / "no-such-file")
    resp = app.test_client().get("/test-only/boom")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 500 and "Something went wrong" in html
    assert "docker logs" not in html
    assert "logged in the app&#39;s output" in html
    assert "secret detail" not in html and "Traceback" not in html
    assert html.count("<h1") == 1 and "Error 500" in html

    marker = tmp_path / "dockerenv"
    marker.write_text("")
    monkeypatch.setattr(errors, "DOCKER_MARKER", marker)
    assert "docker logs plex-completer" in app.test_client().get("/test-only/boom").get_data(as_text=True)
