"""GET /connect/apps/v1/authorize, step by step (apps-and-oauth.md §3.2.1, §3.3, §2.3, §2.4; D6, D21, D22)."""
import datetime
import re

import pytest
from markupsafe import escape

from pimconnect.db import db, write_txn
from pimconnect.models import AuthCode, ConnectedApp, CustomApp, PendingAuthorization, Role, User, UserConsent
from pimconnect.models.structure import utcnow
from pimconnect.services import crypto
from tests.app_helpers import (
    APP_ID,
    CALLBACK,
    MANAGE,
    OPEN,
    OTHER_ID,
    WIZARD,
    authorize_url,
    code_count,
    connect,
    connected,
    query,
    register_app,
    stored_code,
)
from tests.factories import login_with

NOT_FOUND = "The client_id does not match any existing app."
HINT = "Please, contact the App support."
S256 = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # RFC 7636 appendix B


@pytest.fixture
def listed(seeded_app):
    """The catalog with one connectable app listing."""
    register_app(seeded_app)
    return seeded_app


def _pending(app, username="admin", client_id=APP_ID):
    with app.app_context(), db.connection_context():
        user = User.get(User.username == username)
        return PendingAuthorization.get_or_none(PendingAuthorization.user == user,
                                                PendingAuthorization.client_id == client_id)


def assert_error_page(response, message):
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Location" not in response.headers
    assert str(escape(message)) in html and HINT in html
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_anonymous_is_sent_to_login_and_back_to_the_same_request(listed, client):
    """An anonymous request goes to login; after logging in the same authorize request carries on."""
    url = authorize_url(scope="read_products write_products", state="a b&c")
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    next_value = re.search(r'name="next" value="([^"]*)"', html).group(1).replace("&amp;", "&")
    assert next_value == url
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    from tests.conftest import ADMIN_PASSWORD

    login = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token,
                                        "next": next_value})
    assert login.status_code == 303 and login.headers["Location"] == url
    assert client.get(url).headers["Location"] == f"{WIZARD}?client_id={APP_ID}"
    assert _pending(listed).state == "a b&c"


@pytest.mark.parametrize("client_id", ["", "33333333-3333-4333-8333-333333333333", "not-a-uuid", "x" * 200])
def test_unknown_or_empty_client_id_shows_the_error_page(listed, admin, client_id):
    """An unknown or empty client_id is an error page on the PIM, never a redirect."""
    assert_error_page(admin.client.get(authorize_url(client_id=client_id)), NOT_FOUND)
    assert code_count(listed) == 0


def test_missing_client_id_and_a_connector_are_not_found(listed, admin):
    """No client_id at all, or a connector listing (no Connect), gives the same page."""
    assert_error_page(admin.client.get("/connect/apps/v1/authorize?response_type=code"), NOT_FOUND)
    with listed.app_context(), db.connection_context():
        from pimconnect.services.apps import listings as app_listings

        app_listings.register({"id": OTHER_ID, "kind": "connector", "name": "ERP connector", "author": "X",
                                "editions": ["ce", "ee"], "callback_url": CALLBACK})
    assert_error_page(admin.client.get(authorize_url(client_id=OTHER_ID)), NOT_FOUND)


def test_an_app_of_another_edition_is_not_found(seeded_app, admin):
    """A listing not compatible with this PIM's edition cannot be authorized."""
    register_app(seeded_app, editions=("ce",))
    assert_error_page(admin.client.get(authorize_url()), NOT_FOUND)


def test_custom_apps_are_looked_up_first(seeded_app, admin):
    """A custom app with the client id wins over a catalogue listing with the same id."""
    register_app(seeded_app, callback="https://catalogue.example/cb")
    with seeded_app.app_context(), db.connection_context(), write_txn():
        CustomApp.create(client_id=APP_ID, secret_encrypted=crypto.encrypt("s" * 40), name="My custom app",
                         activate_url="https://custom.example/activate", callback_url="https://custom.example/cb")
    connect(seeded_app, ["read_products"])
    response = admin.client.get(authorize_url())
    assert response.headers["Location"].startswith("https://custom.example/cb?code=")
    assert connected(seeded_app).is_custom_app


def test_error_page_route_shows_reference_error_keys(listed, admin):
    """The wizard URL with ?error= shows the message of a reference translation key."""
    key = "akeneo_connectivity.connection.connect.apps.error.app_not_found"
    response = admin.client.get(f"{WIZARD}?error={key}")
    assert response.status_code == 200 and NOT_FOUND in response.get_data(as_text=True)


def test_user_without_manage_or_open_apps_gets_403(listed, julia):
    """julia (neither Manage apps nor Open apps) is refused on our page: no redirect, no code."""
    response = julia.client.get(authorize_url())
    assert response.status_code == 403 and "Location" not in response.headers
    assert code_count(listed) == 0 and _pending(listed, "julia") is None


@pytest.mark.parametrize("params, message", [
    ({"response_type": ""}, "The response_type is required."),
    ({"response_type": "token"}, 'The response_type must be "code".'),
    ({"response_type": "id_token token"}, 'The response_type must be "code".'),
    ({"scope": "read_products " * 77}, "The scope list must not contain more than 1000 characters."),
])
def test_validation_messages(listed, admin, params, message):
    """Each validation failure shows the reference's exact message on the PIM error page."""
    url = authorize_url(**{k: v for k, v in params.items() if k != "response_type"})
    if "response_type" in params:
        url = url.replace("response_type=code", f"response_type={params['response_type']}")
    assert_error_page(admin.client.get(url), message)
    assert _pending(listed) is None


def test_a_scope_of_exactly_1000_characters_is_accepted(listed, admin):
    """The limit is 1000 characters included."""
    scope = ("read_products " * 72 + "x" * 1000)[:1000]
    assert admin.client.get(authorize_url(scope=scope)).status_code == 302


@pytest.mark.parametrize("redirect_uri", [
    CALLBACK + "/", CALLBACK + "/../evil", CALLBACK + "?x=1", "https://APP.example/callback",
    "https://app.example%2Fcallback", "https://app@evil.example/callback", CALLBACK + "#f",
    "https://app.example:8443/callback", "http://app.example/callback", "https://evil.example/callback", "",
])
def test_redirect_uri_must_match_the_callback_exactly(listed, admin, redirect_uri):
    """D6/D22: any redirect_uri other than the registered callback is an error page, never a redirect."""
    response = admin.client.get(authorize_url(redirect_uri=redirect_uri))
    assert_error_page(response, "The redirect_uri does not match the callback URL registered for this app.")


def test_a_repeated_redirect_uri_is_refused(listed, admin):
    """Two redirect_uri parameters, even both right, are refused."""
    response = admin.client.get(authorize_url() + f"&redirect_uri={CALLBACK}&redirect_uri={CALLBACK}")
    assert_error_page(response, "The redirect_uri does not match the callback URL registered for this app.")


def test_exact_redirect_uri_is_accepted_and_bound_to_the_code(listed, admin):
    """The exact callback is accepted, used, and recorded on the code for the token endpoint."""
    connect(listed, ["read_products"])
    response = admin.client.get(authorize_url(redirect_uri=CALLBACK))
    assert response.status_code == 302
    assert stored_code(listed, query(response.headers["Location"])["code"]).redirect_uri == CALLBACK


@pytest.mark.parametrize("extra, message", [
    ({"code_challenge": S256, "code_challenge_method": "plain"}, 'The code_challenge_method must be "S256".'),
    ({"code_challenge": S256}, 'The code_challenge_method must be "S256".'),
    ({"code_challenge_method": "S256"}, "The code_challenge must be 43 to 128"),
    ({"code_challenge": S256[:42], "code_challenge_method": "S256"}, "The code_challenge must be 43 to 128"),
    ({"code_challenge": S256[:-1] + "=", "code_challenge_method": "S256"}, "The code_challenge must be 43 to 128"),
    ({"code_challenge": "a" * 129, "code_challenge_method": "S256"}, "The code_challenge must be 43 to 128"),
])
def test_pkce_only_s256_with_a_well_formed_challenge(listed, admin, extra, message):
    """D21: plain (or no method) is refused on the error page; malformed challenges too."""
    assert_error_page(admin.client.get(authorize_url(**extra)), message)


def test_a_repeated_code_challenge_is_refused(listed, admin):
    """Duplicated PKCE parameters are refused."""
    url = authorize_url(code_challenge=S256, code_challenge_method="S256") + f"&code_challenge={S256}"
    assert admin.client.get(url).status_code == 400


def test_pkce_s256_is_kept_and_bound_to_the_code(listed, admin):
    """An S256 challenge is stored with the pending request and then with the code."""
    response = admin.client.get(authorize_url(code_challenge=S256, code_challenge_method="S256"))
    assert response.headers["Location"] == f"{WIZARD}?client_id={APP_ID}"
    pending = _pending(listed)
    assert (pending.code_challenge, pending.code_challenge_method) == (S256, "S256")
    connect(listed, ["read_products"])
    response = admin.client.get(authorize_url(code_challenge=S256, code_challenge_method="S256"))
    code = stored_code(listed, query(response.headers["Location"])["code"])
    assert (code.code_challenge, code.code_challenge_method) == (S256, "S256")


def test_unknown_scopes_are_dropped_and_lists_sorted(listed, admin):
    """Scopes are split on spaces, unknown ones dropped, both lists de-duplicated and sorted (§3.2.1 step 6)."""
    scope = "write_categories read_catalog_structure SOME_UNKNOWN_SCOPE openid profile write_categories " \
            "read_assets profile"
    admin.client.get(authorize_url(scope=scope))
    pending = _pending(listed)
    assert pending.authorization_scope == ["read_catalog_structure", "write_categories"]
    assert pending.authentication_scope == ["openid", "profile"]


def test_pending_request_is_kept_per_app_and_replaced(seeded_app, admin):
    """One pending request per (user, app): two apps do not clash; asking again replaces it."""
    register_app(seeded_app)
    register_app(seeded_app, app_id=OTHER_ID, name="Other", callback="https://other.example/cb")
    admin.client.get(authorize_url(scope="read_products", state="one"))
    admin.client.get(authorize_url(client_id=OTHER_ID, scope="read_categories", state="two"))
    admin.client.get(authorize_url(scope="write_products", state="three"))
    assert (_pending(seeded_app).state, _pending(seeded_app).authorization_scope) == ("three", ["write_products"])
    assert _pending(seeded_app, client_id=OTHER_ID).state == "two"
    with seeded_app.app_context(), db.connection_context():
        assert PendingAuthorization.select().count() == 2


def test_first_connection_with_manage_apps_goes_to_the_wizard(listed, admin):
    """Not yet connected and Manage apps: 302 to the wizard; nothing is sent to the app."""
    response = admin.client.get(authorize_url())
    assert response.status_code == 302 and response.headers["Location"] == f"{WIZARD}?client_id={APP_ID}"
    assert code_count(listed) == 0


def test_first_connection_with_open_apps_only_is_403(listed):
    """Not yet connected and only Open apps: 403."""
    response = login_with(listed, [OPEN]).client.get(authorize_url())
    assert response.status_code == 403 and code_count(listed) == 0


def test_connected_app_with_nothing_new_gets_a_code(listed, admin):
    """Already connected, same scopes: straight to the callback with a fresh code and the state."""
    connect(listed, ["read_products"])
    response = admin.client.get(authorize_url(state="s t"))
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(CALLBACK + "?code=")
    params = query(location)
    assert params["state"] == "s t" and params["iss"] == "http://localhost"
    assert 80 <= len(params["code"]) <= 90 and re.fullmatch(r"[A-Za-z0-9_-]+", params["code"])
    code = stored_code(listed, params["code"])
    assert code.code_hash != params["code"] and code.used_at is None and code.redirect_uri is None
    with listed.app_context(), db.connection_context():
        assert AuthCode.get_by_id(code.id).client.client_id == APP_ID
        assert AuthCode.get_by_id(code.id).user.username == "admin"
        assert code.expires_at - utcnow() <= datetime.timedelta(seconds=30)
    assert _pending(listed) is None
    second = query(admin.client.get(authorize_url()).headers["Location"])["code"]
    assert second != params["code"]


def test_without_state_the_callback_has_no_state(listed, admin):
    """No state sent: the callback has code (and iss) but no state parameter."""
    connect(listed, ["read_products"])
    params = query(admin.client.get(authorize_url(state=None)).headers["Location"])
    assert "state" not in params and "code" in params


def test_callback_with_a_query_gets_an_ampersand(seeded_app, admin):
    """A callback URL with a query string gets code and state after '&'."""
    register_app(seeded_app, callback="https://app.example/cb?tenant=7")
    connect(seeded_app, ["read_products"])
    location = admin.client.get(authorize_url(state="z")).headers["Location"]
    assert location.startswith("https://app.example/cb?tenant=7&code=")
    assert query(location)["tenant"] == "7" and query(location)["state"] == "z"


def test_callback_url_building(seeded_app, admin):
    """'?' or '&', state left out when absent, values encoded: the callbacks the code grant builds."""
    register_app(seeded_app, callback="https://a/cb")
    register_app(seeded_app, app_id=OTHER_ID, callback="https://a/cb?x=1")
    connect(seeded_app, ["read_products"])
    connect(seeded_app, ["read_products"], app_id=OTHER_ID)
    location = admin.client.get(authorize_url(state=None)).headers["Location"]
    assert location == f"https://a/cb?code={query(location)['code']}&iss=http%3A%2F%2Flocalhost"
    location = admin.client.get(authorize_url(client_id=OTHER_ID, state="s")).headers["Location"]
    assert location == f"https://a/cb?x=1&code={query(location)['code']}&state=s&iss=http%3A%2F%2Flocalhost"
    location = admin.client.get(authorize_url(state="a b&\r\n")).headers["Location"]
    assert location == f"https://a/cb?code={query(location)['code']}&state=a+b%26%0D%0A&iss=http%3A%2F%2Flocalhost"


def _role_acls(app):
    with app.app_context(), db.connection_context():
        return set(Role.get_by_id(ConnectedApp.get_by_id(APP_ID).role_id).permissions)


def test_fewer_scopes_with_manage_apps_change_nothing(listed, admin):
    """Same or fewer scopes with Manage apps: a code for the current grants; the stored scopes and the role's
    ACLs stay (a GET never changes grants, overriding the reference's silent shrink, §2.3)."""
    connect(listed, ["delete_products", "read_categories"])
    before = _role_acls(listed)
    assert "pim_api_product_remove" in before
    response = admin.client.get(authorize_url(scope="read_products"))
    assert response.headers["Location"].startswith(CALLBACK + "?code=")
    assert connected(listed).scopes == ["delete_products", "read_categories"]
    assert _role_acls(listed) == before


def test_implied_scopes_are_not_new(listed, admin):
    """Asking write_products when delete_products is stored is no new scope: no wizard, no change."""
    connect(listed, ["delete_products"])
    response = admin.client.get(authorize_url(scope="write_products"))
    assert response.headers["Location"].startswith(CALLBACK)
    assert connected(listed).scopes == ["delete_products"]


def test_new_scopes_with_manage_apps_go_to_the_wizard(listed, admin):
    """New scopes with Manage apps: the wizard, and the stored scopes do not change yet."""
    connect(listed, ["read_products"])
    response = admin.client.get(authorize_url(scope="read_products write_categories"))
    assert response.headers["Location"] == f"{WIZARD}?client_id={APP_ID}"
    assert connected(listed).scopes == ["read_products"] and code_count(listed) == 0


def test_open_apps_only_keeps_old_scopes_and_gets_a_code(listed):
    """A user with only Open apps: no wizard and no scope change, but a code (§2.3)."""
    connect(listed, ["read_products"])
    user = login_with(listed, [OPEN])
    for scope in ("read_products write_categories", ""):
        response = user.client.get(authorize_url(scope=scope))
        assert response.headers["Location"].startswith(CALLBACK + "?code=")
        assert connected(listed).scopes == ["read_products"]


def test_manage_apps_only_can_authorize_a_connected_app(listed):
    """Either ACL works on /authorize for a connected app."""
    connect(listed, ["read_products"])
    response = login_with(listed, [MANAGE]).client.get(authorize_url())
    assert response.headers["Location"].startswith(CALLBACK + "?code=")


def _consent(app, username="admin"):
    with app.app_context(), db.connection_context():
        return UserConsent.get_or_none(UserConsent.user == User.get(User.username == username).id,
                                       UserConsent.app_id == APP_ID)


def test_openid_alone_is_consented_silently(listed, admin):
    """A connected app asking openid (no profile/email) gets a code; the consent is stored with a uuid."""
    connect(listed, ["read_products"])
    response = admin.client.get(authorize_url(scope="read_products openid"))
    assert response.headers["Location"].startswith(CALLBACK + "?code=")
    consent = _consent(listed)
    assert consent.scopes == ["openid"] and re.fullmatch(r"[0-9a-f-]{36}", consent.uuid)


def test_new_profile_or_email_asks_for_consent(listed, admin):
    """openid plus a not yet consented profile/email: the one-step consent page, no code yet."""
    connect(listed, ["read_products"])
    response = admin.client.get(authorize_url(scope="read_products openid email"))
    assert response.headers["Location"] == f"/connect/apps/authenticate?client_id={APP_ID}"
    assert code_count(listed) == 0


def test_consent_rules(listed, admin):
    """Dropped scopes leave the consent, openid not asked empties it, and the uuid never changes (§2.4)."""
    connect(listed, ["read_products"])
    with listed.app_context(), db.connection_context(), write_txn():
        UserConsent.create(user=User.get(User.username == "admin"), app_id=APP_ID,
                           scopes=["email", "openid", "profile"], uuid="0a0a0a0a-0000-4000-8000-000000000000")
    response = admin.client.get(authorize_url(scope="read_products openid profile"))
    assert response.headers["Location"].startswith(CALLBACK)
    assert _consent(listed).scopes == ["openid", "profile"]
    admin.client.get(authorize_url(scope="read_products"))
    assert _consent(listed).scopes == []
    admin.client.get(authorize_url(scope="read_products openid"))
    consent = _consent(listed)
    assert consent.scopes == ["openid"] and consent.uuid == "0a0a0a0a-0000-4000-8000-000000000000"


def test_authorize_is_never_a_state_change_for_others(listed, admin):
    """POST is not an accepted method on the authorize endpoint."""
    assert admin.post(authorize_url()).status_code == 405


def test_right_after_login_the_callback_is_a_page_that_moves_on(listed, admin):
    """Coming from the login form, the callback is a page with Refresh and a link (the login page's CSP
    form-action would block a redirect to another origin); otherwise a plain 302."""
    connect(listed, ["read_products"])
    response = admin.client.get(authorize_url(), headers={"Referer": "http://localhost/login?next=/x"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    refresh = response.headers["Refresh"]
    assert refresh.startswith(f"0; url={CALLBACK}?code=")
    target = refresh.split("url=", 1)[1]
    assert f'href="{escape(target)}"' in response.get_data(as_text=True)
    assert stored_code(listed, query(target)["code"]) is not None
    assert admin.client.get(authorize_url(), headers={"Referer": "https://evil.example/login"}).status_code == 302
