"""Error answers never replace the session cookie: a cross-site POST (no cookie, no CSRF token) used to
get a 400 page that set a fresh session cookie over the user's, logging them out from any site."""
from tests.conftest import Auth


def _set_cookies(response):
    return response.headers.getlist("Set-Cookie")


def test_csrf_failure_page_sets_no_cookie(seeded_app, client):
    """What a browser sends for a cross-site form POST with SameSite=Lax cookies: no cookie at all."""
    response = client.post("/logout", data={"x": "1"}, headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "session expired" in response.get_data(as_text=True)
    assert _set_cookies(response) == []


def test_error_pages_keep_the_logged_in_session(seeded_app, client):
    auth = Auth(client)
    assert auth.login("admin").status_code == 303
    cookie = client.get_cookie("session").value
    for response in (client.post("/logout", data={}),            # CSRF failure
                     client.get("/no-such-page"),                # 404
                     client.get("/no-such-page", headers={"HX-Request": "true"})):
        assert response.status_code in (400, 404)
        assert _set_cookies(response) == []
    assert client.get_cookie("session").value == cookie
    assert client.get("/").status_code == 200  # still logged in


def test_a_session_written_before_the_error_is_still_saved(app, client):
    """A view that really changed the session keeps its change, even when it then answers an error."""
    from flask import abort, session

    @app.get("/_test/flag-then-404")
    def _flag_then_404():
        session["flag"] = "set"
        abort(404)

    response = client.get("/_test/flag-then-404")
    assert response.status_code == 404
    assert any(c.startswith("session=") for c in _set_cookies(response))
