"""The connection token endpoint (password and refresh grants) and bearer authentication."""
import base64

import pytest

from pimconnect.db import db
from pimconnect.models import ApiToken, User
from pimconnect.services.connections import tokens as api_tokens
from pimconnect.services.connections import settings as connections
from tests.conftest import make_connection, password_grant

TOKEN = "/api/oauth/v1/token"


@pytest.fixture
def creds(seeded_app):
    with seeded_app.app_context(), db.connection_context():
        return make_connection("erp")[1]


def basic(client_id, secret):
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def test_password_grant_json(client, creds):
    response = password_grant(client, creds)
    assert response.status_code == 200
    body = response.get_json()
    assert body["expires_in"] == 3600 and body["token_type"] == "bearer" and body["scope"] is None
    assert body["access_token"] and body["refresh_token"]
    assert response.headers["Cache-Control"] == "no-store"
    listing = client.get("/api/rest/v1/system-information", headers={"Authorization": "Bearer " + body["access_token"]})
    assert listing.status_code == 200


def test_password_grant_form_encoded(client, creds):
    response = client.post(TOKEN, headers=basic(creds.client_id, creds.secret),
                           data={"grant_type": "password", "username": creds.username, "password": creds.password})
    assert response.status_code == 200, response.get_json()


def test_tokens_are_stored_hashed(client, creds, conn):
    body = password_grant(client, creds).get_json()
    hashes = [t.token_hash for t in ApiToken.select()]
    assert body["access_token"] not in hashes and api_tokens.digest(body["access_token"]) in hashes
    assert api_tokens.digest(body["refresh_token"]) in hashes


@pytest.mark.parametrize("body, message", [
    ({"grant_type": "password", "username": "x"}, api_tokens.MISSING_PASSWORD_PARAMS),
    ({"username": "x", "password": "y"}, api_tokens.MISSING_PASSWORD_PARAMS),
    ({"grant_type": "client_credentials"}, api_tokens.MISSING_PASSWORD_PARAMS),
    ({"grant_type": "refresh_token"}, api_tokens.MISSING_REFRESH_PARAMS),
    ({"grant_type": "refresh_token", "refresh_token": "nope"}, api_tokens.BAD_REFRESH),
    ({"grant_type": "password", "username": "x", "password": "y"}, api_tokens.BAD_CREDENTIALS),
])
def test_token_errors_are_the_reference_422s(client, creds, body, message):
    for kwargs in ({"json": body}, {"data": body}):
        response = client.post(TOKEN, headers=basic(creds.client_id, creds.secret), **kwargs)
        assert response.status_code == 422
        assert response.get_json() == {"code": 422, "message": message}


def test_bad_client_secret(client, creds):
    response = client.post(TOKEN, headers=basic(creds.client_id, "wrong"),
                           json={"grant_type": "password", "username": creds.username, "password": creds.password})
    assert response.get_json() == {"code": 422, "message": api_tokens.BAD_CLIENT}
    unknown = client.post(TOKEN, headers=basic("nobody", "wrong"),
                          json={"grant_type": "password", "username": creds.username, "password": creds.password})
    assert unknown.get_json() == {"code": 422, "message": api_tokens.BAD_CLIENT}


def test_body_over_200_bytes_is_refused(client, creds):
    response = client.post(TOKEN, headers=basic(creds.client_id, creds.secret),
                           json={"grant_type": "password", "username": creds.username, "password": "p" * 200})
    assert response.get_json() == {"code": 422, "message": "The request content size is too large"}


def test_refresh_rotates(client, creds):
    first = password_grant(client, creds).get_json()
    refreshed = client.post(TOKEN, headers=basic(creds.client_id, creds.secret),
                            json={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert refreshed.status_code == 200
    second = refreshed.get_json()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    again = client.post(TOKEN, headers=basic(creds.client_id, creds.secret),
                        json={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert again.get_json() == {"code": 422, "message": api_tokens.BAD_REFRESH}


def test_client_throttle(client, creds):
    for _ in range(api_tokens.CLIENT_MAX_FAILURES):
        client.post(TOKEN, headers=basic(creds.client_id, "wrong"),
                    json={"grant_type": "password", "username": "u", "password": "p"})
    response = password_grant(client, creds)
    assert response.status_code == 429
    assert response.headers["Retry-After"]


def test_user_throttle(client, creds):
    for _ in range(api_tokens.USER_MAX_FAILURES):
        client.post(TOKEN, headers=basic(creds.client_id, creds.secret),
                    json={"grant_type": "password", "username": creds.username, "password": "wrong"})
    assert password_grant(client, creds).status_code == 429


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_missing_and_invalid_tokens(api, client):
    assert client.get("/api/rest/v1/locales").get_json() == {"code": 401, "message": "Authentication is required"}
    invalid = client.get("/api/rest/v1/locales", headers=bearer("nope"))
    assert invalid.status_code == 401
    assert invalid.get_json() == {"code": 401, "message": "The access token provided is invalid."}
    assert "Bearer" in invalid.headers["WWW-Authenticate"]


def test_expired_token(api, client, conn):
    from pimconnect.db import write_txn
    from pimconnect.models.structure import utcnow

    with write_txn():
        ApiToken.update(expires_at=utcnow()).where(ApiToken.kind == "access").execute()
    response = api.get("/api/rest/v1/locales")
    assert response.get_json() == {"code": 401, "message": "The access token provided has expired."}


def test_regenerated_secret_revokes_tokens(api, client, conn, app):
    connection = connections.Connection.get(connections.Connection.code == "conn1")
    connections.regenerate_secret(connection)
    assert api.get("/api/rest/v1/locales").get_json() == {
        "code": 401, "message": "The access token provided is invalid."}


def test_deleted_connection_tokens_die(api, client, conn):
    connection = connections.Connection.get(connections.Connection.code == "conn1")
    connections.delete(connection)
    assert api.get("/api/rest/v1/locales").status_code == 401


def test_user_without_api_access(api_as, client):
    api = api_as(acls=["pim_api_locale_list"])
    response = api.get("/api/rest/v1/locales")
    assert response.status_code == 403
    assert response.get_json() == {"code": 403, "message": "You are not allowed to access the web API."}


def test_disabled_user_token_is_invalid(api, conn):
    from pimconnect.db import write_txn

    with write_txn():
        User.update(enabled=False).where(User.type == "api").execute()
    assert api.get("/api/rest/v1/locales").status_code == 401


def test_root_and_system_information_are_public(client, seeded_app):
    root = client.get("/api/rest/v1").get_json()
    assert root["authentication"] == {"fos_oauth_server_token": {"route": "/api/oauth/v1/token", "methods": ["POST"]}}
    assert client.get("/api/rest/v1/system-information").get_json() == {"version": "7.0.0", "edition": "EE"}


def test_other_api_versions_are_404(client, seeded_app):
    assert client.get("/api/rest/v2/products").status_code == 404
