"""The OpenID Foundation's Basic OP checks that apply to PIM Connect, as pytest (checklist A32, A33,
§7 "OIDCCBasicTestPlan"): discovery, id_token claims and signature, nonce, prompt, max_age and
auth_time, code reuse, unknown parameters and the registered redirect URI.

Each test is named after the conformance module it follows (oidcc-…). Not covered, and why:
userinfo (PIM Connect has no UserInfo endpoint: the id_token carries the claims, as the reference),
POST to the authorization endpoint (the authorize endpoint answers GET only, so a cross-site form
cannot drive it), request objects, claims, display and locale parameters (ignored like any unknown
parameter, which oidcc-unknown-parameters checks).
"""
import time

import pytest
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import KeySet, RSAKey

from pimconnect.models import ApiToken, UserConsent
from pimconnect.security import AUTH_TIME_KEY
from tests.app_helpers import query
from tests.oauth_helpers import CALLBACK, TOKEN_URL, akeneo_fields, connect_app, register_app

ISSUER = "http://localhost"
AUTHORIZE = "/connect/apps/v1/authorize"
SCOPE = "read_products openid profile email"


@pytest.fixture
def app_id(ctx):
    """A catalogue app connected by admin, who consented to openid, profile and email."""
    app_id = register_app("s3cr3t", name="Basic OP client")
    connect_app(app_id, ["read_products"], consent=["email", "openid", "profile"])
    return app_id


def authorize(client, app_id, scope=SCOPE, **params):
    from urllib.parse import urlencode

    return client.get(f"{AUTHORIZE}?" + urlencode({"response_type": "code", "client_id": app_id, "scope": scope,
                                                   "state": "st", **params}))


def callback(response):
    """The query of a redirect to the app's callback (checked to be one)."""
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    location = response.headers["Location"]
    assert location.startswith(CALLBACK + "?"), location
    return query(location)


def exchange(client, app_id, code):
    response = client.post(TOKEN_URL, data=akeneo_fields(app_id, code))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def discovery(client):
    return client.get("/.well-known/openid-configuration").get_json()


def path(url):
    assert url.startswith(ISSUER + "/")
    return url[len(ISSUER):]


def verified_claims(client, id_token, app_id):
    """The id_token checked as a strict relying party does: the JWKS named by discovery, RS256, iss, aud, exp."""
    jwks = KeySet.import_key_set(client.get(path(discovery(client)["jwks_uri"])).get_json())
    token = jwt.decode(id_token, jwks, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(leeway=5, iss={"essential": True, "value": ISSUER},
                          aud={"essential": True, "value": app_id}, sub={"essential": True},
                          exp={"essential": True}, iat={"essential": True}).validate(token.claims)
    return token.claims


def login_time(client):
    with client.session_transaction() as session:
        return session[AUTH_TIME_KEY]


# -- oidcc-server, oidcc-idtoken-signature, oidcc-idtoken-unsigned, discovery -------------------------

def test_oidcc_discovery_document_is_valid_and_points_to_working_endpoints(client, ctx):
    """Discovery validates as OpenID Provider Metadata, names the configured issuer whatever the Host, and
    every endpoint it names answers."""
    document = client.get("/.well-known/openid-configuration", headers={"Host": "evil.example"}).get_json()
    OpenIDProviderMetadata(document).validate()
    assert document["issuer"] == ISSUER
    assert document["response_types_supported"] == ["code"] and document["grant_types_supported"] == [
        "authorization_code"]
    assert document["subject_types_supported"] == ["pairwise"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert {"nonce", "auth_time", "sub", "iss", "aud"} <= set(document["claims_supported"])
    assert document["request_uri_parameter_supported"] is False
    assert client.get(path(document["jwks_uri"])).status_code == 200
    assert client.get(path(document["token_endpoint"])).status_code == 405  # POST only
    assert client.get(path(document["authorization_endpoint"])).status_code == 302  # to the login page
    oauth_metadata = client.get("/.well-known/oauth-authorization-server").get_json()
    AuthorizationServerMetadata(oauth_metadata).validate()
    assert {k: v for k, v in document.items() if k in oauth_metadata} == oauth_metadata


def test_oidcc_server_code_flow_id_token(client, ctx, admin, app_id):
    """oidcc-server: the code flow gives an RS256 id_token, signed by a key of the JWKS, with iss, aud, sub,
    exp, iat, the consented claims, and no nonce or auth_time when the request had neither."""
    token = exchange(client, app_id, callback(authorize(admin.client, app_id))["code"])
    claims = verified_claims(client, token["id_token"], app_id)
    consent = UserConsent.get(UserConsent.app_id == app_id)
    assert claims["sub"] == consent.uuid and claims["exp"] == pytest.approx(claims["iat"] + 3600, abs=1e-5)
    assert {"firstname", "lastname", "email", "email_verified"} <= set(claims)
    assert "nonce" not in claims and "auth_time" not in claims
    assert jwt.decode(token["id_token"], KeySet.import_key_set(client.get(path(discovery(client)["jwks_uri"]))
                                                            .get_json())).header["alg"] == "RS256"


def test_oidcc_idtoken_signature_is_checked(client, ctx, admin, app_id):
    """oidcc-idtoken-signature / -unsigned: the same claims signed by another key under the same kid, or
    with alg none, fail verification with the published JWKS."""
    token = exchange(client, app_id, callback(authorize(admin.client, app_id))["code"])["id_token"]
    jwks = KeySet.import_key_set(client.get(path(discovery(client)["jwks_uri"])).get_json())
    genuine = jwt.decode(token, jwks, algorithms=["RS256"])
    forged = jwt.encode({"alg": "RS256", "kid": genuine.header["kid"]}, genuine.claims, RSAKey.generate_key(2048))
    with pytest.raises(BadSignatureError):
        verified_claims(client, forged, app_id)
    unsigned = "eyJhbGciOiJub25lIn0." + token.split(".")[1] + "."  # {"alg":"none"}, no signature
    with pytest.raises(JoseError):
        verified_claims(client, unsigned, app_id)


# -- nonce ----------------------------------------------------------------------------------------------

def test_oidcc_nonce_is_echoed(client, ctx, admin, app_id):
    """A nonce sent with the authorize request comes back in the id_token (OIDC Core §3.1.3.7 item 11)."""
    code = callback(authorize(admin.client, app_id, nonce="n-0S6_WzA2Mj"))["code"]
    claims = verified_claims(client, exchange(client, app_id, code)["id_token"], app_id)
    assert claims["nonce"] == "n-0S6_WzA2Mj"


def test_oidcc_ensure_request_without_nonce_succeeds_for_code_flow(client, ctx, admin, app_id):
    """The code flow does not require a nonce."""
    assert "code" in callback(authorize(admin.client, app_id))


def test_nonce_replay_is_refused_at_the_callback(client, ctx, admin, app_id):
    """A nonce a code of this app already carried is a replayed request: invalid_request to the callback with
    state and iss, and no new code."""
    callback(authorize(admin.client, app_id, nonce="once"))
    params = callback(authorize(admin.client, app_id, nonce="once"))
    assert params["error"] == "invalid_request" and params["state"] == "st" and params["iss"] == ISSUER
    assert "code" not in params
    other = register_app("other", name="Another client")
    connect_app(other, ["read_products"], consent=["openid"])
    assert "code" in callback(authorize(admin.client, other, scope="read_products openid", nonce="once"))


def test_a_nonce_too_long_for_storage_is_refused_on_the_pim(client, ctx, admin, app_id):
    """A nonce over 255 characters is an error page (it is kept with the code), not a redirect."""
    response = authorize(admin.client, app_id, nonce="n" * 256)
    assert response.status_code == 400 and "Location" not in response.headers
    assert "The nonce must not contain more than 255 characters." in response.get_data(as_text=True)


def test_nonce_reaches_the_id_token_through_the_wizard(client, ctx, admin):
    """A first connection goes through the wizard; the code Confirm issues still carries the nonce."""
    from tests.app_helpers import shown_request

    ctx.config["PIM_EDITION"] = "ce"
    app_id = register_app("s3cr3t", name="Wizard client")
    response = authorize(admin.client, app_id, scope="read_products openid", nonce="through-the-wizard")
    assert response.headers["Location"] == f"/connect/apps/authorize?client_id={app_id}"
    page = admin.client.get(response.headers["Location"]).get_data(as_text=True)
    confirmed = admin.post(response.headers["Location"], data={
        "step": "authorizations", "action": "confirm", "consent": "1", "request": shown_request(page)})
    assert confirmed.status_code == 303
    code = query(confirmed.headers["Location"])["code"]
    claims = verified_claims(client, exchange(client, app_id, code)["id_token"], app_id)
    assert claims["nonce"] == "through-the-wizard"


# -- prompt -------------------------------------------------------------------------------------------

def test_oidcc_prompt_none_not_logged_in(client, ctx, app_id):
    """oidcc-prompt-none-not-logged-in: no session, prompt=none: login_required at the callback, with state
    and iss; no login page, no code."""
    params = callback(authorize(client, app_id, prompt="none"))
    assert params == {"error": "login_required", "state": "st", "iss": ISSUER}


def test_prompt_none_not_logged_in_with_a_bad_redirect_uri_stays_on_the_pim(client, ctx, app_id):
    """The error goes to the app only once its redirect URI is known good (A2)."""
    response = authorize(client, app_id, prompt="none", redirect_uri="https://evil.example/cb")
    assert response.status_code == 400 and "Location" not in response.headers


def test_prompt_none_without_openid_is_not_an_openid_request(client, ctx, app_id):
    """prompt is an OpenID parameter: without openid in the scope, no session still means the login page."""
    response = authorize(client, app_id, scope="read_products", prompt="none")
    assert response.headers["Location"].startswith("/login?next=")


def test_oidcc_prompt_none_logged_in(client, ctx, admin, app_id):
    """oidcc-prompt-none-logged-in: a session and nothing to ask: a code, silently."""
    params = callback(authorize(admin.client, app_id, prompt="none"))
    assert "code" in params and params["state"] == "st"


def test_prompt_none_when_the_wizard_would_show_is_consent_required(client, ctx, admin):
    """Not connected yet, or asking new scopes: the wizard would show, so consent_required; nothing pending."""
    from pimconnect.models import PendingAuthorization

    app_id = register_app("s3cr3t", name="Not connected")
    params = callback(authorize(admin.client, app_id, scope="read_products openid", prompt="none"))
    assert params == {"error": "consent_required", "state": "st", "iss": ISSUER}
    connect_app(app_id, ["read_products"])
    params = callback(authorize(admin.client, app_id, scope="read_products write_products openid", prompt="none"))
    assert params["error"] == "consent_required"
    assert PendingAuthorization.select().where(PendingAuthorization.client_id == app_id).count() == 0


def test_prompt_none_when_the_consent_page_would_show_is_consent_required(client, ctx, admin):
    """A connected app newly asking email: the OpenID consent page would show, so consent_required."""
    app_id = register_app("s3cr3t", name="New claims")
    connect_app(app_id, ["read_products"], consent=["openid"])
    params = callback(authorize(admin.client, app_id, scope="read_products openid email", prompt="none"))
    assert params["error"] == "consent_required"


def test_prompt_none_when_the_user_may_not_connect_is_interaction_required(client, ctx, seeded_app):
    """A user with Open apps only, for an app not connected yet (a 403 page otherwise): interaction_required."""
    from tests.app_helpers import OPEN
    from tests.factories import login_with

    app_id = register_app("s3cr3t", name="Needs a manager")
    user = login_with(seeded_app, [OPEN])
    params = callback(authorize(user.client, app_id, scope="read_products openid", prompt="none"))
    assert params["error"] == "interaction_required"


def test_prompt_none_with_another_value_is_invalid_request(client, ctx, admin, app_id):
    """OIDC Core §3.1.2.1: none with any other value is an error."""
    assert callback(authorize(admin.client, app_id, prompt="none login"))["error"] == "invalid_request"


def test_oidcc_prompt_login_forces_a_new_login(client, ctx, admin, app_id):
    """oidcc-prompt-login: a logged-in user is logged out and sent to the login page; logged in again, the same
    request gives a code; the browser's old session does not count."""
    url_params = {"prompt": "login", "max_age": "3600"}
    response = authorize(admin.client, app_id, **url_params)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    assert admin.client.get("/connect/connected-apps").headers["Location"].startswith("/login")  # logged out
    again = authorize(admin.client, app_id, **url_params)
    assert again.headers["Location"].startswith("/login?next=")  # no way round the login form
    before = int(time.time())
    assert admin.login().status_code == 303
    params = callback(authorize(admin.client, app_id, **url_params))
    claims = verified_claims(client, exchange(client, app_id, params["code"])["id_token"], app_id)
    assert claims["auth_time"] >= before and claims["auth_time"] == login_time(admin.client)
    # The login counted for that request only: prompt=login asks again next time.
    assert authorize(admin.client, app_id, **url_params).headers["Location"].startswith("/login?next=")


# -- max_age and auth_time -------------------------------------------------------------------------

def test_oidcc_max_age_10000_gives_auth_time(client, ctx, admin, app_id):
    """oidcc-max-age-10000: a recent login passes, and the id_token carries auth_time (OIDC Core §2)."""
    params = callback(authorize(admin.client, app_id, max_age="10000"))
    claims = verified_claims(client, exchange(client, app_id, params["code"])["id_token"], app_id)
    assert claims["auth_time"] == login_time(admin.client) and isinstance(claims["auth_time"], int)


def test_oidcc_max_age_1_after_the_age_logs_in_again(client, ctx, admin, app_id):
    """oidcc-max-age-1: a login older than max_age needs a new one; with prompt=none it is login_required."""
    with admin.client.session_transaction() as session:
        session[AUTH_TIME_KEY] = int(time.time()) - 120
    assert callback(authorize(admin.client, app_id, max_age="60", prompt="none"))["error"] == "login_required"
    assert authorize(admin.client, app_id, max_age="60").headers["Location"].startswith("/login?next=")
    assert admin.login().status_code == 303
    params = callback(authorize(admin.client, app_id, max_age="60"))
    claims = verified_claims(client, exchange(client, app_id, params["code"])["id_token"], app_id)
    assert time.time() - claims["auth_time"] < 60


def test_max_age_zero_is_a_fresh_login_that_completes(client, ctx, admin, app_id):
    """max_age=0 (a login every time) does not loop: the login made for the request satisfies it."""
    assert authorize(admin.client, app_id, max_age="0").headers["Location"].startswith("/login?next=")
    assert admin.login().status_code == 303
    assert "code" in callback(authorize(admin.client, app_id, max_age="0"))


def test_a_session_without_a_login_time_logs_in_again_for_max_age(client, ctx, admin, app_id):
    """A session from before login times were kept has no auth_time: max_age asks for a login."""
    with admin.client.session_transaction() as session:
        session.pop(AUTH_TIME_KEY)
    assert authorize(admin.client, app_id, max_age="3600").headers["Location"].startswith("/login?next=")


def test_malformed_max_age_is_invalid_request(client, ctx, admin, app_id):
    assert callback(authorize(admin.client, app_id, max_age="soon"))["error"] == "invalid_request"


# -- code reuse, unknown parameters, redirect URI ---------------------------------------------------

def test_oidcc_codereuse(client, ctx, admin, app_id):
    """oidcc-codereuse / -30seconds: the second exchange is 400 invalid_grant JSON, and the token of the first
    stops working."""
    code = callback(authorize(admin.client, app_id))["code"]
    first = exchange(client, app_id, code)["access_token"]
    again = client.post(TOKEN_URL, data=akeneo_fields(app_id, code))
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"
    assert again.headers["Cache-Control"] == "no-store"
    from pimconnect.services.connections.tokens import digest

    assert ApiToken.get(ApiToken.token_hash == digest(first)).revoked
    assert client.get("/api/rest/v1/products-uuid", headers={"Authorization": f"Bearer {first}"}).status_code == 401


def test_oidcc_unknown_parameters_are_ignored(client, ctx, admin, app_id):
    """Parameters the PIM does not know (display, ui_locales, acr_values, claims_locales, login_hint) change
    nothing."""
    params = callback(authorize(admin.client, app_id, display="page", ui_locales="fr", acr_values="1",
                                claims_locales="de", login_hint="admin", extra="x"))
    assert "code" in params


def test_oidcc_ensure_registered_redirect_uri(client, ctx, admin, app_id):
    """A redirect_uri other than the registered one: an error page, no redirect (also with prompt=none)."""
    for extra in ({}, {"prompt": "none"}):
        response = authorize(admin.client, app_id, redirect_uri="https://app.example.com/other", **extra)
        assert response.status_code == 400 and "Location" not in response.headers


def test_oidcc_response_type_missing(client, ctx, admin, app_id):
    """No response_type: the PIM's error page, never a redirect."""
    response = admin.client.get(f"{AUTHORIZE}?client_id={app_id}&scope=openid&state=st")
    assert response.status_code == 400 and "Location" not in response.headers


def test_oidcc_client_secret_post_and_basic(client, ctx, admin, app_id):
    """Standard client authentication works for the OpenID flow as well as Akeneo's exchange."""
    import base64

    code = callback(authorize(admin.client, app_id))["code"]
    body = client.post(TOKEN_URL, data={"grant_type": "authorization_code", "code": code, "client_id": app_id,
                                        "client_secret": "s3cr3t"}).get_json()
    assert verified_claims(client, body["id_token"], app_id)["aud"] == app_id
    code = callback(authorize(admin.client, app_id))["code"]
    basic = base64.b64encode(f"{app_id}:s3cr3t".encode()).decode()
    response = client.post(TOKEN_URL, data={"grant_type": "authorization_code", "code": code},
                           headers={"Authorization": f"Basic {basic}"})
    assert "id_token" in response.get_json()


def test_authorization_responses_carry_iss_on_success_and_error(client, ctx, admin, app_id):
    """RFC 9207 (A29): iss is on the code redirect and on the error redirects."""
    assert callback(authorize(admin.client, app_id))["iss"] == ISSUER
    assert callback(authorize(client.application.test_client(), app_id, prompt="none"))["iss"] == ISSUER


def test_auth_time_is_kept_only_when_asked(client, ctx, admin, app_id):
    """Without max_age the code keeps no login time (the reference's id_token has no auth_time)."""
    from pimconnect.models import AuthCode
    from pimconnect.services.apps import codes

    code = callback(authorize(admin.client, app_id))["code"]
    assert AuthCode.get(AuthCode.code_hash == codes.digest(code)).auth_time is None
    code = callback(authorize(admin.client, app_id, max_age="600"))["code"]
    assert AuthCode.get(AuthCode.code_hash == codes.digest(code)).auth_time is not None
