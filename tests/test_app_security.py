"""Security fixes of the Connect flow (issue 10): what Confirm grants is what the wizard showed,
a GET never changes an app's grants, and argon2 runs outside the write transaction."""

import pytest

from pimconnect.db import db
from pimconnect.models import ConnectedApp, Role, SecurityEvent, User, UserConsent
from pimconnect.services.apps import connect as app_connect
from pimconnect.services.apps import connected as connected_apps
from tests import app_helpers
from tests.app_helpers import APP_ID, CALLBACK, OPEN, WIZARD, authorize_url, code_count, connect, connected
from tests.factories import login_with

STEP = f"{WIZARD}?client_id={APP_ID}"
AUTH_PAGE = f"/connect/apps/authenticate?client_id={APP_ID}"
CHANGED = "The app sent a new authorization request while you were reviewing this one."


@pytest.fixture
def listed(seeded_app):
    app_helpers.register_app(seeded_app)
    return seeded_app


_shown = app_helpers.shown_request


def _open_wizard(auth, scope):
    assert auth.client.get(authorize_url(scope=scope)).headers["Location"] == STEP
    return _shown(auth.client.get(STEP).get_data(as_text=True))


def _assert_refused(response, app):
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and CHANGED in html, html[:2000]
    assert "Start again from the app" in html or "start again from the app" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert connected(app) is None or connected(app).scopes == ["read_products"]
    assert code_count(app) == 0


# -- Consent binds what was shown -----------------------------------------------------------------

def test_confirm_refuses_a_request_replaced_while_the_wizard_was_open(listed, admin):
    """CE: the wizard shows read_products; a second request for delete_products replaces it; Confirm with
    the page's form is refused with a clear page and grants nothing. Reviewing again then works."""
    listed.config["PIM_EDITION"] = "ce"
    shown = _open_wizard(admin, "read_products")
    assert admin.client.get(authorize_url(scope="delete_products", state="evil")).status_code == 302
    response = admin.post(STEP, data={"step": "authorizations", "action": "confirm", "consent": "1",
                                      "request": shown})
    _assert_refused(response, listed)
    assert connected(listed) is None
    # a form without the digest at all is refused the same way
    _assert_refused(admin.post(STEP, data={"step": "authorizations", "action": "confirm", "consent": "1"}), listed)
    # the user reviews the request as it is now: that page shows and confirms delete_products
    html = admin.client.get(STEP).get_data(as_text=True)
    assert "View, edit and delete products" in html
    response = admin.post(STEP, data={"step": "authorizations", "action": "confirm", "consent": "1",
                                      "request": _shown(html)})
    assert response.status_code == 303 and connected(listed).scopes == ["delete_products"]


def test_ee_three_steps_are_bound_at_every_post(listed, admin):
    """EE: each step post (plain and htmx) carries the digest; after a replacement Next, Previous and Confirm
    are refused; htmx gets the page's content in place of the wizard."""
    shown = _open_wizard(admin, "read_products")
    page = admin.post(STEP, data={"step": "authorizations", "action": "next", "consent": "1", "request": shown})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Permissions" in html and _shown(html) == shown
    admin.client.get(authorize_url(scope="write_products"))
    for action, step in (("next", "permissions"), ("previous", "permissions"), ("confirm", "summary")):
        _assert_refused(admin.post(STEP, data={"step": step, "action": action, "consent": "1",
                                               "request": shown}), listed)
    fragment = admin.post(STEP, data={"step": "permissions", "action": "next", "consent": "1", "request": shown},
                          htmx=True)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and CHANGED in html and "<html" not in html
    assert connected(listed) is None and code_count(listed) == 0


def test_the_service_checks_the_digest_inside_its_transaction(listed, admin):
    """confirm() itself refuses a digest that is not the pending request's (a replacement between the view's
    check and the transaction)."""
    listed.config["PIM_EDITION"] = "ce"
    shown = _open_wizard(admin, "read_products")
    admin.client.get(authorize_url(scope="delete_products"))
    with listed.app_context(), db.connection_context():
        user = User.get(User.username == "admin")
        with pytest.raises(app_connect.RequestChanged):
            app_connect.confirm(user, APP_ID, shown, {"consent": True})
        with pytest.raises(app_connect.RequestChanged):
            app_connect.confirm(user, APP_ID, None, {"consent": True})
        assert ConnectedApp.select().count() == 0


def test_authentication_consent_is_bound_to_the_page_shown(listed):
    """The OpenID consent page asked for email; a second request adds profile; Confirm is refused and the
    consent stays as it was."""
    connect(listed, ["read_products"])
    user = login_with(listed, [OPEN])
    assert user.client.get(authorize_url(scope="read_products openid email")).headers["Location"] == AUTH_PAGE
    shown = _shown(user.client.get(AUTH_PAGE).get_data(as_text=True))
    assert user.client.get(authorize_url(scope="read_products openid email profile")).status_code == 302
    response = user.post(AUTH_PAGE, data={"request": shown})
    assert response.status_code == 409 and CHANGED in response.get_data(as_text=True)
    assert code_count(listed) == 0
    with listed.app_context(), db.connection_context():
        consent = UserConsent.get_or_none(UserConsent.app_id == APP_ID)
        assert consent is None or "profile" not in consent.scopes


# -- A GET never changes grants -------------------------------------------------------------------

def _role_acls(app):
    with app.app_context(), db.connection_context():
        return sorted(Role.get_by_id(ConnectedApp.get_by_id(APP_ID).role_id).permissions)


@pytest.mark.parametrize("scope", ["read_products", "", "delete_products", "write_products read_categories"])
def test_same_or_fewer_scopes_keep_the_grants_and_get_a_code(listed, admin, scope):
    """A cross-site GET to authorize with the same or fewer scopes issues a code for the current grants and
    changes neither the scopes nor the role (nor writes a scopes_changed audit event)."""
    connect(listed, ["delete_products", "read_categories"])
    before = _role_acls(listed)
    response = admin.client.get(authorize_url(scope=scope))
    assert response.status_code == 302 and response.headers["Location"].startswith(CALLBACK + "?code=")
    assert connected(listed).scopes == ["delete_products", "read_categories"]
    assert _role_acls(listed) == before
    with listed.app_context(), db.connection_context():
        assert SecurityEvent.select().where(SecurityEvent.event == "app.scopes_changed").count() == 0


# -- argon2 outside the transaction ---------------------------------------------------------------

def test_confirm_hashes_the_app_users_password_outside_the_transaction(listed, admin, monkeypatch):
    """The slow argon2 hash of the app's API user is computed before the write transaction (and so before
    the connections-limit lock), not inside it."""
    listed.config["PIM_EDITION"] = "ce"
    depths = []
    real = connected_apps.hash_password

    def recording(value):
        depths.append(db.obj.transaction_depth())
        return real(value)

    monkeypatch.setattr(connected_apps, "hash_password", recording)
    shown = _open_wizard(admin, "read_products")
    response = admin.post(STEP, data={"step": "authorizations", "action": "confirm", "consent": "1",
                                      "request": shown})
    assert response.status_code == 303 and connected(listed) is not None
    assert depths == [0]
    with listed.app_context(), db.connection_context():
        api_user = ConnectedApp.get_by_id(APP_ID).connection.user
        assert api_user.password_hash.startswith("$argon2id$")
