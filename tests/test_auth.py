"""Logging in and out, sessions and the login throttle."""
from pimconnect.db import db
from pimconnect.models import LoginThrottle, User
from tests.conftest import Auth, csrf_token


def test_login_page_renders(client):
    """Anonymous users get the login form."""
    response = client.get("/login")
    assert response.status_code == 200
    assert b'name="username"' in response.data


def test_anonymous_is_sent_to_login(seeded_app, client):
    """Protected pages redirect to the login page with a relative next."""
    response = client.get("/products/")
    assert response.status_code == 302
    assert "/login?next=/products/" in response.headers["Location"]


def test_login_and_dashboard(admin):
    """A valid login lands on the dashboard showing the user's name."""
    response = admin.client.get("/")
    assert response.status_code == 200
    assert b"John Doe" in response.data


def test_wrong_password_is_refused_without_enumeration(seeded_app, auth):
    """Unknown users and wrong passwords get the same answer."""
    wrong = auth.login("admin", "nope-nope")
    unknown = auth.login("nobody", "nope-nope")
    assert wrong.status_code == unknown.status_code == 401
    assert b"Invalid username or password." in wrong.data
    assert b"Invalid username or password." in unknown.data


def test_login_requires_csrf(seeded_app, client):
    """A login POST without the CSRF token is rejected."""
    response = client.post("/login", data={"username": "admin", "password": "x"})
    assert response.status_code == 400


def test_throttle_locks_after_failures(seeded_app, auth, app):
    """After five failures the account is locked, even with the right password."""
    for _ in range(5):
        assert auth.login("admin", "wrong-password").status_code == 401
    response = auth.login("admin")
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.data
    with db.connection_context():
        assert LoginThrottle.get(key="user:admin").failures == 5


def test_safe_next_only(seeded_app, auth):
    """An absolute next URL is ignored after login."""
    token = csrf_token(auth.client)
    response = auth.client.post(
        "/login",
        data={"username": "admin", "password": "admin-test-password", "csrf_token": token,
              "next": "https://evil.example/"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_logout_invalidates_copied_cookie(admin, app):
    """Logging out bumps the session version, so a copied cookie stops working."""
    cookie = admin.client.get_cookie("session").value
    assert admin.post("/logout").status_code == 303
    other = app.test_client()
    other.set_cookie("session", cookie)
    assert other.get("/").status_code == 302


def test_password_rehashed_with_argon2id(admin, app):
    """Passwords are stored as argon2id hashes."""
    with db.connection_context():
        assert User.get(username="admin").password_hash.startswith("$argon2id$")


def test_menu_hides_apps_for_julia(julia):
    """A user without Manage apps / Open apps sees no Connected apps entry."""
    html = julia.client.get("/").get_data(as_text=True)
    assert 'data-menu="apps"' not in html
    assert julia.client.get("/connect/connected-apps").status_code == 403


def test_menu_shows_apps_for_admin(admin):
    """The administrator sees the Connected apps entry."""
    assert 'data-menu="apps"' in admin.client.get("/").get_data(as_text=True)


def test_production_password_parameters():
    """The application hashes with argon2id at OWASP's minimum cost or more (the suite uses cheaper ones)."""
    import importlib

    from pimconnect.services.access import passwords

    production = importlib.reload(passwords)._hasher
    try:
        assert production.memory_cost >= 19456 and production.time_cost >= 2
        assert production.hash("x").startswith("$argon2id$")
    finally:
        passwords.use_fast_parameters_for_tests()


def _second_device(app, username="admin"):
    other = Auth(app.test_client())
    assert other.login(username).status_code == 303
    return other


def test_logout_keeps_the_other_devices_logged_in(admin, app):
    """Log out ends this browser's session only: a second device stays logged in, a copy of this cookie does not."""
    phone = _second_device(app)
    cookie = admin.client.get_cookie("session").value
    assert admin.post("/logout").status_code == 303
    copy = app.test_client()
    copy.set_cookie("session", cookie)
    assert copy.get("/").status_code == 302
    assert phone.client.get("/").status_code == 200


def test_logout_everywhere_ends_every_session(admin, app):
    """Log out everywhere (a POST with CSRF from the account page) ends both devices' sessions."""
    phone = _second_device(app)
    page = admin.client.get("/account").get_data(as_text=True)
    assert "logged in on 2 browsers" in page and 'action="/logout/everywhere"' in page
    assert admin.client.post("/logout/everywhere").status_code == 400  # no CSRF token
    assert phone.client.get("/").status_code == 200
    response = admin.post("/logout/everywhere")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert admin.client.get("/").status_code == 302
    assert phone.client.get("/").status_code == 302


def test_logout_everywhere_needs_a_session(client):
    """Without a session, Log out everywhere sends the browser to the login page."""
    response = client.post("/logout/everywhere", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_session_without_its_token_is_refused(admin, app):
    """A cookie that names the user and version but no live session token is refused."""
    from pimconnect.security import SESSION_TOKEN_KEY

    with admin.client.session_transaction() as session:
        session[SESSION_TOKEN_KEY] = "forged"
    assert admin.client.get("/").status_code == 302
