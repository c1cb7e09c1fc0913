"""The login and token throttles behind a reverse proxy: failures on other names or other clients never
lock a valid one out, and the client's address is trusted only through PIM_PROXY_COUNT proxies."""
import base64

import pytest

from pimconnect import create_app
from pimconnect.db import db
from pimconnect.models import LoginThrottle
from tests.conftest import ADMIN_PASSWORD, Auth, csrf_token, make_connection, make_test_config

ATTACKER, USER = "203.0.113.9", "198.51.100.7"


@pytest.fixture
def proxied(seeded_app, database_url):
    """The app as deployed behind one proxy (PIM_PROXY_COUNT=1), on the catalog's database."""
    return create_app(make_test_config(database_url, PIM_PROXY_COUNT=1))


def login(client, username, password, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       headers=headers)


def spray(client, count=20, forwarded_for=None):
    """``count`` failed logins, each on a different, unknown user name."""
    for number in range(count):
        response = login(client, f"nobody{number}", "guess", forwarded_for)
        assert response.status_code in (401, 429)


def test_spraying_through_the_proxy_locks_only_the_attacker(proxied):
    """20 failures on random names used to lock the proxy's address, i.e. every user."""
    spray(proxied.test_client(), forwarded_for=ATTACKER)
    assert login(proxied.test_client(), "nobody99", "guess", ATTACKER).status_code == 429
    assert login(proxied.test_client(), "admin", ADMIN_PASSWORD, USER).status_code == 303
    with proxied.app_context(), db.connection_context():
        assert LoginThrottle.get(key=f"ip:{ATTACKER}").locked_until is not None
        assert not LoginThrottle.select().where(LoginThrottle.key == "ip:127.0.0.1").exists()


def test_forwarded_for_is_ignored_without_a_configured_proxy(seeded_app, client):
    """With PIM_PROXY_COUNT=0 (the default) a client cannot pick its address to dodge the lock."""
    for number in range(20):
        login(client, f"nobody{number}", "guess", forwarded_for=f"192.0.2.{number}")
    assert login(client, "nobody99", "guess", "192.0.2.200").status_code == 429


def test_a_returning_user_is_not_locked_out_by_other_names(seeded_app, client):
    """A browser where admin logged in before keeps working from an address locked by failures on other names;
    a browser that never did is refused."""
    assert login(client, "admin", ADMIN_PASSWORD).status_code == 303
    assert Auth(client).post("/logout").status_code == 303
    spray(seeded_app.test_client())  # same address, another browser
    assert login(seeded_app.test_client(), "admin", ADMIN_PASSWORD).status_code == 429
    assert login(client, "admin", ADMIN_PASSWORD).status_code == 303


def test_the_account_lock_still_counts_failures_on_that_name(seeded_app, client):
    """The documented lock-out (PIM_LOGIN_MAX_FAILURES per account) holds, known browser or not."""
    assert login(client, "admin", ADMIN_PASSWORD).status_code == 303
    Auth(client).post("/logout")
    for _ in range(5):
        assert login(client, "admin", "wrong").status_code == 401
    assert login(client, "admin", ADMIN_PASSWORD).status_code == 429
    assert login(client, "julia", "julia-test-password").status_code == 303


def test_a_forged_device_cookie_is_ignored(seeded_app, client):
    spray(client)
    client.set_cookie("pim_device", "forged.value.here")
    assert login(client, "admin", ADMIN_PASSWORD).status_code == 429


# --- token endpoint ----------------------------------------------------------------------------

def _basic(client_id, secret):
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def _grant(client, credentials, secret=None, forwarded_for=None):
    headers = _basic(credentials.client_id, secret or credentials.secret)
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    return client.post("/api/oauth/v1/token", headers=headers,
                       json={"grant_type": "password", "username": credentials.username,
                             "password": credentials.password})


def test_bad_client_authentications_for_one_client_do_not_block_another(proxied):
    with proxied.app_context(), db.connection_context():
        _x, erp = make_connection("erp")
        _y, shop = make_connection("shop")
    client = proxied.test_client()
    for _ in range(12):
        assert _grant(client, erp, secret="wrong", forwarded_for=ATTACKER).status_code in (422, 429)
    assert _grant(client, erp, forwarded_for=ATTACKER).status_code == 429
    assert _grant(client, shop, forwarded_for=ATTACKER).status_code == 200
    # The app itself, from its own address, is not blocked by what the attacker sent in its name.
    assert _grant(client, erp, forwarded_for=USER).status_code == 200


def test_bad_exchanges_in_an_apps_name_do_not_block_it_from_its_own_address(proxied):
    """The Connect token endpoint: 12 bad secrets sent in app X's name from the attacker's address, then X
    (from its own address) and Y (from the attacker's) still exchange their codes."""
    from tests.oauth_helpers import TOKEN_URL, akeneo_fields, connect_app, new_code, register_app

    with proxied.app_context(), db.connection_context():
        app_x, app_y = register_app(name="X"), register_app(name="Y")
        connect_app(app_x, ["read_products"])
        connect_app(app_y, ["read_products"])
        codes = {app_x: new_code(app_x), app_y: new_code(app_y)}
    client = proxied.test_client()
    for _ in range(12):
        bad = client.post(TOKEN_URL, data=akeneo_fields(app_x, "nope", secret="wrong"),
                          headers={"X-Forwarded-For": ATTACKER})
        assert bad.status_code in (400, 401, 429)
    assert client.post(TOKEN_URL, data=akeneo_fields(app_y, codes[app_y]),
                       headers={"X-Forwarded-For": ATTACKER}).status_code == 200
    assert client.post(TOKEN_URL, data=akeneo_fields(app_x, codes[app_x]),
                       headers={"X-Forwarded-For": USER}).status_code == 200
