"""What the Authlib authorization servers add from the standards (issue 15): refresh-token rotation with
reuse detection and an absolute lifetime (RFC 9700 §4.14.2, checklist A27), RFC 7009 revocation for
connections and apps (A28), and RFC 8414 metadata built from the server's configuration (A11)."""
import base64
import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from pimconnect.db import db, write_txn
from pimconnect.models import ApiToken, ConnectedApp
from pimconnect.models.structure import utcnow
from pimconnect.services.connections import tokens as api_tokens
from tests.conftest import make_connection, password_grant
from tests.live_api import serve
from tests.oauth_helpers import TOKEN_URL, akeneo_fields, connect_app, new_code, register_app

TOKEN = "/api/oauth/v1/token"
REVOKE = "/api/oauth/v1/revoke"
APP_REVOKE = "/connect/apps/v1/oauth2/revoke"
REFUSED = {"code": 422, "message": api_tokens.BAD_REFRESH}


def basic(client_id, secret):
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


@pytest.fixture
def creds(seeded_app):
    with seeded_app.app_context(), db.connection_context():
        return make_connection("erp")[1]


def refresh(client, creds, refresh_token):
    return client.post(TOKEN, headers=basic(creds.client_id, creds.secret),
                       json={"grant_type": "refresh_token", "refresh_token": refresh_token})


def works(client, access_token):
    response = client.get("/api/rest/v1/locales", headers={"Authorization": f"Bearer {access_token}"})
    assert response.status_code in (200, 401), response.get_json()
    return response.status_code == 200


def stored(app, value):
    with app.app_context(), db.connection_context():
        return ApiToken.get(ApiToken.token_hash == api_tokens.digest(value))


# -- Refresh-token rotation --------------------------------------------------------------------------

def test_refresh_replaces_the_pair_and_revokes_the_replaced_access_token(client, creds):
    """A refresh gives a new pair; the access token it replaces stops working at once."""
    first = password_grant(client, creds).get_json()
    second = refresh(client, creds, first["refresh_token"]).get_json()
    assert set(second) == {"access_token", "expires_in", "token_type", "scope", "refresh_token"}
    assert not works(client, first["access_token"]) and works(client, second["access_token"])
    assert client.get("/api/rest/v1/locales", headers={"Authorization": f"Bearer {first['access_token']}"}) \
        .get_json() == {"code": 401, "message": api_tokens.INVALID_TOKEN}


def test_reusing_a_rotated_refresh_token_revokes_the_family(client, creds, app):
    """RFC 9700 §4.14.2: the old refresh token coming back is refused, and every pair derived from the grant
    (the new one included) is revoked; another grant's pair is not touched."""
    first = password_grant(client, creds).get_json()
    other_grant = password_grant(client, creds).get_json()
    second = refresh(client, creds, first["refresh_token"]).get_json()
    third = refresh(client, creds, second["refresh_token"]).get_json()
    reuse = refresh(client, creds, first["refresh_token"])
    assert reuse.status_code == 422 and reuse.get_json() == REFUSED
    assert not works(client, third["access_token"])
    assert refresh(client, creds, third["refresh_token"]).get_json() == REFUSED
    assert works(client, other_grant["access_token"])
    assert refresh(client, creds, other_grant["refresh_token"]).status_code == 200
    assert stored(app, first["refresh_token"]).family == stored(app, third["access_token"]).family


def test_refresh_tokens_have_an_absolute_lifetime(client, creds, app):
    """No refresh token of a family outlives PIM_REFRESH_TOKEN_MAX_SECONDS after the password grant, however
    often it is rotated (the reference slid 14 days at each refresh)."""
    app.config["PIM_REFRESH_TOKEN_MAX_SECONDS"] = 3600
    first = password_grant(client, creds).get_json()
    limit = stored(app, first["refresh_token"]).family_expires_at
    assert limit - utcnow() <= datetime.timedelta(seconds=3600)
    assert stored(app, first["refresh_token"]).expires_at == limit  # not 14 days
    second = refresh(client, creds, first["refresh_token"]).get_json()
    assert stored(app, second["refresh_token"]).expires_at == limit
    with app.app_context(), db.connection_context(), write_txn():
        ApiToken.update(family_expires_at=utcnow() - datetime.timedelta(seconds=1),
                        expires_at=utcnow() - datetime.timedelta(seconds=1)).where(
            ApiToken.token_hash == api_tokens.digest(second["refresh_token"])).execute()
    assert refresh(client, creds, second["refresh_token"]).get_json() == REFUSED


def test_the_default_absolute_lifetime_is_thirty_days(client, creds, app):
    first = password_grant(client, creds).get_json()
    token = stored(app, first["refresh_token"])
    assert datetime.timedelta(days=29, hours=23) < token.family_expires_at - token.created <= datetime.timedelta(days=30)
    assert token.expires_at - token.created <= datetime.timedelta(days=14, seconds=1)


def test_another_clients_refresh_token_is_refused_and_left_alone(client, creds, seeded_app):
    """A refresh token presented by another client is invalid for it, and its owner's family stays."""
    with seeded_app.app_context(), db.connection_context():
        other = make_connection("other")[1]
    first = password_grant(client, creds).get_json()
    assert refresh(client, other, first["refresh_token"]).get_json() == REFUSED
    assert works(client, first["access_token"]) and refresh(client, creds, first["refresh_token"]).status_code == 200


def test_concurrent_refreshes_of_one_token_leave_one_winner_and_no_error(seeded_app, creds):
    """8 simultaneous refreshes with one token on a live server: one 200, seven 422 (reuse), no 5xx."""
    with serve(seeded_app) as url:
        first = requests.post(f"{url}{TOKEN}", timeout=30, auth=(creds.client_id, creds.secret), json={
            "grant_type": "password", "username": creds.username, "password": creds.password}).json()
        barrier = threading.Barrier(8)

        def post(_):
            barrier.wait(timeout=30)
            return requests.post(f"{url}{TOKEN}", timeout=60, auth=(creds.client_id, creds.secret), json={
                "grant_type": "refresh_token", "refresh_token": first["refresh_token"]}).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = sorted(pool.map(post, range(8)))
    assert statuses == [200] + [422] * 7


# -- RFC 7009 revocation: connections ----------------------------------------------------------------

def test_connection_revokes_its_access_token(client, creds):
    body = password_grant(client, creds).get_json()
    response = client.post(REVOKE, headers=basic(creds.client_id, creds.secret),
                           data={"token": body["access_token"], "token_type_hint": "access_token"})
    assert response.status_code == 200 and response.get_json() == {}
    assert response.headers["Cache-Control"] == "no-store"
    assert not works(client, body["access_token"])
    assert refresh(client, creds, body["refresh_token"]).status_code == 200  # the refresh token stays


def test_revoking_a_refresh_token_revokes_what_derives_from_it(client, creds):
    """RFC 7009 §2.1: a refresh token takes the access tokens of the same grant along; a wrong hint is
    looked past."""
    body = password_grant(client, creds).get_json()
    response = client.post(REVOKE, headers=basic(creds.client_id, creds.secret),
                           data={"token": body["refresh_token"], "token_type_hint": "access_token"})
    assert response.status_code == 200
    assert not works(client, body["access_token"]) and refresh(client, creds, body["refresh_token"]).get_json() == REFUSED


def test_revocation_of_unknown_or_foreign_tokens_is_200_and_changes_nothing(client, creds, seeded_app):
    """§2.2: an unknown token is 200; another client's token too, and it keeps working (no oracle)."""
    with seeded_app.app_context(), db.connection_context():
        other = make_connection("other")[1]
    body = password_grant(client, creds).get_json()
    for token in ("not-a-token", body["access_token"], body["refresh_token"]):
        response = client.post(REVOKE, headers=basic(other.client_id, other.secret), data={"token": token})
        assert response.status_code == 200 and response.get_json() == {}
    assert works(client, body["access_token"])


def test_revocation_authenticates_the_client(client, creds):
    """A wrong secret is 401 invalid_client with WWW-Authenticate; no token parameter is invalid_request."""
    body = password_grant(client, creds).get_json()
    response = client.post(REVOKE, headers=basic(creds.client_id, "wrong"), data={"token": body["access_token"]})
    assert response.status_code == 401 and response.get_json() == {"error": "invalid_client"}
    assert response.headers["WWW-Authenticate"] == 'Basic error="invalid_client"'
    assert works(client, body["access_token"])
    missing = client.post(REVOKE, headers=basic(creds.client_id, creds.secret), data={})
    assert missing.status_code == 400 and missing.get_json() == {"error": "invalid_request"}
    posted = client.post(REVOKE, data={"token": body["access_token"], "client_id": creds.client_id,
                                       "client_secret": creds.secret})
    assert posted.status_code == 200 and not works(client, body["access_token"])
    assert client.get(REVOKE).status_code == 405


# -- RFC 7009 revocation: apps -----------------------------------------------------------------------

@pytest.fixture
def app_id(ctx):
    app_id = register_app("s3cr3t")
    connect_app(app_id, ["read_products"])
    return app_id


def app_token(client, app_id, secret="s3cr3t"):
    response = client.post(TOKEN_URL, data=akeneo_fields(app_id, new_code(app_id), secret=secret))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def products(client, token):
    return client.get("/api/rest/v1/products-uuid", headers={"Authorization": f"Bearer {token}"}).status_code


def test_app_revokes_its_token_and_stays_connected(client, app_id):
    """With client_secret_basic or Akeneo's exchange; the app stays connected and gets new tokens."""
    first, second = app_token(client, app_id), app_token(client, app_id)
    assert client.post(APP_REVOKE, headers=basic(app_id, "s3cr3t"), data={"token": first}).status_code == 200
    fields = {k: v for k, v in akeneo_fields(app_id, "unused").items() if k != "code" and k != "grant_type"}
    assert client.post(APP_REVOKE, data={**fields, "token": second}).status_code == 200
    assert products(client, first) == 401 and products(client, second) == 401
    assert ConnectedApp.get_or_none(ConnectedApp.id == app_id) is not None
    assert products(client, app_token(client, app_id)) == 200


def test_an_app_cannot_revoke_another_apps_token(client, app_id):
    other = register_app("other-secret", name="Other app")
    connect_app(other, ["read_products"])
    token = app_token(client, app_id)
    response = client.post(APP_REVOKE, headers=basic(other, "other-secret"), data={"token": token})
    assert response.status_code == 200 and products(client, token) == 200


def test_app_revocation_refuses_a_wrong_secret(client, app_id):
    token = app_token(client, app_id)
    response = client.post(APP_REVOKE, headers=basic(app_id, "wrong"), data={"token": token})
    assert response.status_code == 401 and response.get_json() == {"error": "invalid_client"}
    assert response.headers["Cache-Control"] == "no-store" and products(client, token) == 200


# -- RFC 8414 ---------------------------------------------------------------------------------------

def test_authorization_server_metadata(client, seeded_app):
    """RFC 8414 from the registered grants and endpoints: PKCE S256, revocation, iss, the issuer from PIM_URL."""
    from authlib.oauth2.rfc8414 import AuthorizationServerMetadata

    from pimconnect import oauth

    document = client.get("/.well-known/oauth-authorization-server", headers={"Host": "evil.example"}).get_json()
    AuthorizationServerMetadata(document).validate()
    assert document["issuer"] == "http://localhost"
    assert document["grant_types_supported"] == [grant.GRANT_TYPE for grant, _ in oauth.AppServer.GRANTS]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["revocation_endpoint"] == "http://localhost" + APP_REVOKE
    assert set(document["revocation_endpoint_auth_methods_supported"]) == {"client_secret_basic",
                                                                           "client_secret_post"}
    assert document["authorization_response_iss_parameter_supported"] is True
    assert "password" not in document["grant_types_supported"]  # A17: never on the app server


# -- Transport (A31) ----------------------------------------------------------------------------------

def test_plain_http_is_refused_outside_loopback_in_production(client, app_id, ctx, creds):
    """Authlib serves OAuth over https, or plain http on loopback; a development server on another address
    may use plain http too. In production a plain-http PIM_URL is refused, with a reason."""
    ctx.config["PIM_URL"] = "http://pim.example.com"
    assert client.post(TOKEN_URL, data=akeneo_fields(app_id, new_code(app_id))).status_code == 200
    ctx.config["PIM_ENV"] = "production"
    response = client.post(TOKEN_URL, data=akeneo_fields(app_id, new_code(app_id)))
    assert response.status_code == 400 and response.get_json() == {"error": "insecure_transport"}
    refused = client.post(TOKEN, headers=basic(creds.client_id, creds.secret),
                          json={"grant_type": "password", "username": creds.username, "password": creds.password})
    assert refused.status_code == 400 and refused.get_json() == {"code": 400, "message": "OAuth 2 MUST utilize https."}
    ctx.config["PIM_URL"] = "https://pim.example.com"
    assert client.post(TOKEN_URL, data=akeneo_fields(app_id, new_code(app_id))).status_code == 200
