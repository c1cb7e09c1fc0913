"""The apps' token endpoint: Akeneo's code exchange and standard client authentication (reference §4,
decisions D2–D4, D12, D19, D20)."""
import base64
import datetime
import hashlib
import pathlib

import pytest

from pimconnect.db import db, write_txn
from pimconnect.models import ApiClient, ApiToken, AuthCode, CodeIdentifier, ConnectedApp, Role
from pimconnect.models.structure import utcnow
from pimconnect.services.connections import tokens as api_tokens
from pimconnect.services.apps import codes as app_codes
from pimconnect.services.apps import scopes as app_scopes
from tests.oauth_helpers import (
    CALLBACK,
    TOKEN_URL,
    akeneo_fields,
    challenge,
    connect_app,
    give_consent,
    new_code,
    register_app,
)

SECRET = "s3cr3t"
NOT_VALID = {"error": "invalid_grant", "error_description": "Code is not valid"}
EXPIRED = {"error": "invalid_grant", "error_description": "Code has expired"}



@pytest.fixture
def app_id(ctx):
    """A catalogue app connected by admin with read_products."""
    app_id = register_app(SECRET)
    connect_app(app_id, ["read_products"])
    return app_id


def basic(client_id, secret):
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def exchange(client, fields, as_json=False, headers=None):
    if as_json:
        return client.post(TOKEN_URL, json=fields, headers=headers or {})
    return client.post(TOKEN_URL, data=fields, headers=headers or {})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def assert_refused(response, body, status=400):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json() == body
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"


def test_worked_example_of_the_reference():
    """§4.2: identifier abc and secret s3cr3t give the documented challenge."""
    assert challenge("abc", "s3cr3t") == "c6b8d9630db1af77448a64f8b467163e10d246f49ecbb82f7ddb9719265ce916"


@pytest.mark.parametrize("as_json", [False, True])
def test_akeneo_exchange_issues_a_non_expiring_hashed_token(client, app_id, as_json):
    """Form or JSON, the reference's exchange answers the reference's fields and nothing else."""
    response = exchange(client, akeneo_fields(app_id, new_code(app_id)), as_json=as_json)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"access_token", "token_type", "scope"}
    assert body["token_type"] == "bearer" and body["scope"] == "read_products"
    assert response.headers["Cache-Control"] == "no-store"
    token = ApiToken.get(ApiToken.token_hash == api_tokens.digest(body["access_token"]))
    assert token.expires_at is None and token.kind == "access" and not token.revoked
    assert token.user_id == ConnectedApp.get_by_id(app_id).connection.user_id
    assert token.client.client_id == app_id and token.client.kind == "app"
    assert not ApiToken.select().where(ApiToken.token_hash == body["access_token"]).exists()


def test_the_worked_example_identifier_works_on_the_wire(client, ctx):
    """The documented identifier/secret pair is accepted as is (lowercase hex challenge)."""
    app_id = register_app("s3cr3t")
    connect_app(app_id, ["read_products"])
    fields = akeneo_fields(app_id, new_code(app_id), identifier="abc")
    assert fields["code_challenge"] == "c6b8d9630db1af77448a64f8b467163e10d246f49ecbb82f7ddb9719265ce916"
    assert exchange(client, fields).status_code == 200


def test_scope_is_the_stored_scopes_sorted_and_not_expanded(client, ctx):
    """§4.4 example: stored scopes, sorted, without the scopes they imply."""
    app_id = register_app(SECRET)
    connect_app(app_id, ["write_catalog_structure", "delete_products", "read_association_types"])
    body = exchange(client, akeneo_fields(app_id, new_code(app_id))).get_json()
    assert body["scope"] == "delete_products read_association_types write_catalog_structure"


def test_consented_authentication_scopes_join_the_scope_with_an_id_token(client, ctx):
    """With openid consented, the authentication scopes are merged and sorted, and an id_token is added."""
    app_id = register_app(SECRET)
    connect_app(app_id, ["read_products"], consent=["openid", "profile", "email"])
    body = exchange(client, akeneo_fields(app_id, new_code(app_id))).get_json()
    assert body["scope"] == "email openid profile read_products"
    assert set(body) == {"access_token", "token_type", "scope", "id_token"}


def test_consent_without_openid_gives_no_id_token(client, ctx):
    """Only an openid consent brings authentication scopes and an id_token."""
    app_id = register_app(SECRET)
    connect_app(app_id, ["read_products"], consent=["profile"])
    body = exchange(client, akeneo_fields(app_id, new_code(app_id))).get_json()
    assert body["scope"] == "read_products" and "id_token" not in body


def _drop(fields, name):
    return {k: v for k, v in fields.items() if k != name}


REFERENCE_ROWS = [
    ("client_id missing", lambda f: _drop(f, "client_id"), {"error": "invalid_request"}),
    ("client_id blank", lambda f: {**f, "client_id": ""}, {"error": "invalid_request"}),
    ("client_id unknown", lambda f: {**f, "client_id": "00000000-0000-4000-8000-000000000000"},
     {"error": "invalid_client"}),
    ("code missing", lambda f: _drop(f, "code"), {"error": "invalid_request"}),
    ("code blank", lambda f: {**f, "code": ""}, {"error": "invalid_request"}),
    ("code unknown", lambda f: {**f, "code": "not-a-code"}, NOT_VALID),
    ("grant_type missing", lambda f: _drop(f, "grant_type"), {"error": "unsupported_grant_type"}),
    ("grant_type password", lambda f: {**f, "grant_type": "password"}, {"error": "unsupported_grant_type"}),
    ("code_identifier blank", lambda f: {**f, "code_identifier": ""}, {"error": "invalid_request"}),
    ("code_challenge blank", lambda f: {**f, "code_challenge": ""}, {"error": "invalid_request"}),
    ("code_challenge missing", lambda f: _drop(f, "code_challenge"), {"error": "invalid_request"}),
    ("no client authentication at all", lambda f: _drop(_drop(f, "code_challenge"), "code_identifier"),
     {"error": "invalid_request"}),
    ("challenge mismatch", lambda f: {**f, "code_challenge": challenge(f["code_identifier"], "wrong")},
     {"error": "invalid_client"}),
    ("uppercase challenge", lambda f: {**f, "code_challenge": f["code_challenge"].upper()},
     {"error": "invalid_client"}),
    ("first violation only", lambda f: {**_drop(f, "client_id"), "grant_type": "x", "code": ""},
     {"error": "invalid_request"}),
    ("grant type before client authentication",
     lambda f: {**f, "grant_type": "x", "code_challenge": "bad"}, {"error": "unsupported_grant_type"}),
]


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
@pytest.mark.parametrize("name, change, body", REFERENCE_ROWS, ids=[row[0] for row in REFERENCE_ROWS])
def test_reference_error_rows(client, app_id, as_json, name, change, body):
    """Each §4.3 row: HTTP 400, the exact JSON body, no-store; the code stays usable."""
    code = new_code(app_id)
    assert_refused(exchange(client, change(akeneo_fields(app_id, code)), as_json=as_json), body)
    assert exchange(client, akeneo_fields(app_id, code), as_json=as_json).status_code == 200


def test_expired_code(client, app_id):
    """A code past its lifetime: invalid_grant "Code has expired"."""
    code = new_code(app_id)
    with write_txn():
        AuthCode.update(expires_at=utcnow() - datetime.timedelta(seconds=1)).execute()
    assert_refused(exchange(client, akeneo_fields(app_id, code)), EXPIRED)


def test_code_lifetime_is_configurable(client, app_id, ctx):
    """PIM_AUTH_CODE_SECONDS sets the lifetime, capped at 10 minutes."""
    ctx.config["PIM_AUTH_CODE_SECONDS"] = 5000
    assert app_codes.lifetime_seconds() == 600
    ctx.config["PIM_AUTH_CODE_SECONDS"] = 1
    code = new_code(app_id)
    with write_txn():
        AuthCode.update(expires_at=AuthCode.created).execute()
    assert_refused(exchange(client, akeneo_fields(app_id, code)), EXPIRED)


@pytest.mark.parametrize("secret_field", ["basic", "post"])
def test_both_schemes_at_once_is_invalid_request(client, app_id, secret_field):
    """D19: code_identifier together with a client secret is refused."""
    fields = akeneo_fields(app_id, new_code(app_id))
    if secret_field == "basic":
        response = exchange(client, fields, headers=basic(app_id, SECRET))
    else:
        response = exchange(client, {**fields, "client_secret": SECRET})
    assert_refused(response, {"error": "invalid_request"})


def test_code_identifier_is_accepted_once_per_client(client, app_id):
    """D2/D20: a reused identifier is invalid_client, even with a fresh code."""
    fields = akeneo_fields(app_id, new_code(app_id), identifier="same-identifier")
    assert exchange(client, fields).status_code == 200
    again = akeneo_fields(app_id, new_code(app_id), identifier="same-identifier")
    assert_refused(exchange(client, again), {"error": "invalid_client"})
    assert CodeIdentifier.select().count() == 1
    assert CodeIdentifier.get().identifier_hash == hashlib.sha256(b"same-identifier").hexdigest()


def test_identifier_is_spent_even_when_the_code_fails(client, app_id):
    """A captured identifier/challenge pair cannot be replayed after a failed exchange."""
    fields = akeneo_fields(app_id, "not-a-code", identifier="captured")
    assert_refused(exchange(client, fields), NOT_VALID)
    assert_refused(exchange(client, {**fields, "code": new_code(app_id)}), {"error": "invalid_client"})


def test_another_clients_code_is_refused(client, app_id):
    """D3: a code issued to app A, presented by app B with B's valid credentials."""
    other = register_app("other-secret", name="Other app")
    connect_app(other, ["read_products"])
    code = new_code(app_id)
    assert_refused(exchange(client, akeneo_fields(other, code, secret="other-secret")), NOT_VALID)
    assert exchange(client, akeneo_fields(app_id, code)).status_code == 200


def test_redirect_uri_binding(client, app_id):
    """A code bound to a redirect_uri needs the same one; another or none is invalid_grant."""
    code = new_code(app_id, redirect_uri=CALLBACK)
    fields = akeneo_fields(app_id, code)
    assert_refused(exchange(client, fields), {"error": "invalid_grant"})
    assert_refused(exchange(client, {**akeneo_fields(app_id, code), "redirect_uri": CALLBACK + "/"}),
                   {"error": "invalid_grant"})
    assert exchange(client, {**akeneo_fields(app_id, code), "redirect_uri": CALLBACK}).status_code == 200


def test_replayed_code_is_refused_and_revokes_its_token(client, app_id):
    """D3/A6: the second exchange of a code fails, and the token issued from it stops working."""
    code = new_code(app_id)
    token = exchange(client, akeneo_fields(app_id, code)).get_json()["access_token"]
    assert client.get("/api/rest/v1/products-uuid", headers=bearer(token)).status_code == 200
    other = exchange(client, akeneo_fields(app_id, new_code(app_id))).get_json()["access_token"]
    assert_refused(exchange(client, akeneo_fields(app_id, code)), NOT_VALID)
    refused = client.get("/api/rest/v1/products-uuid", headers=bearer(token))
    assert refused.status_code == 401
    assert client.get("/api/rest/v1/products-uuid", headers=bearer(other)).status_code == 200


def test_replay_by_an_unauthenticated_request_revokes_nothing(client, app_id):
    """A6: a replay with a wrong challenge is invalid_client and leaves the token alive."""
    code = new_code(app_id)
    token = exchange(client, akeneo_fields(app_id, code)).get_json()["access_token"]
    assert_refused(exchange(client, akeneo_fields(app_id, code, secret="wrong")), {"error": "invalid_client"})
    assert client.get("/api/rest/v1/products-uuid", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_client_secret_basic_and_post(client, app_id, as_json):
    """D2(b): standard client authentication, Basic or in the body."""
    fields = {"grant_type": "authorization_code", "code": new_code(app_id)}
    response = exchange(client, fields, as_json=as_json, headers=basic(app_id, SECRET))
    assert response.status_code == 200 and response.get_json()["scope"] == "read_products"
    fields = {"grant_type": "authorization_code", "code": new_code(app_id), "client_id": app_id,
              "client_secret": SECRET}
    assert exchange(client, fields, as_json=as_json).status_code == 200


def test_wrong_basic_secret_is_401_with_www_authenticate(client, app_id):
    """D20: invalid_client, 401 and WWW-Authenticate: Basic when Basic was used."""
    fields = {"grant_type": "authorization_code", "code": new_code(app_id)}
    response = exchange(client, fields, headers=basic(app_id, "wrong"))
    assert_refused(response, {"error": "invalid_client"}, status=401)
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_wrong_post_secret_is_400_invalid_client(client, app_id):
    """D20: a wrong client_secret in the body is a 400 invalid_client."""
    fields = {"grant_type": "authorization_code", "code": new_code(app_id), "client_id": app_id,
              "client_secret": "wrong"}
    assert_refused(exchange(client, fields), {"error": "invalid_client"})


@pytest.mark.parametrize("header", ["Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode()])
def test_malformed_basic_header(client, app_id, header):
    """An unreadable Basic header is invalid_request."""
    response = exchange(client, {"grant_type": "authorization_code", "code": "x"}, headers={"Authorization": header})
    assert_refused(response, {"error": "invalid_request"})


def _s256(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


VERIFIER = "v" * 43 + "-._~0123456789"


@pytest.mark.parametrize("verifier, body", [
    (VERIFIER, None),
    ("w" * 57, {"error": "invalid_grant"}),
    (None, {"error": "invalid_grant"}),
    ("v" * 42, {"error": "invalid_request"}),
    ("v" * 129, {"error": "invalid_request"}),
    ("v" * 42 + "$", {"error": "invalid_request"}),
], ids=["right", "wrong", "missing", "too-short", "too-long", "bad-character"])
def test_pkce_s256_verifier(client, app_id, verifier, body):
    """D3: a code with a challenge needs its S256 verifier (RFC 7636 §4.1 format)."""
    code = new_code(app_id, code_challenge=_s256(VERIFIER), code_challenge_method="S256")
    fields = {"grant_type": "authorization_code", "code": code, "client_id": app_id, "client_secret": SECRET}
    if verifier is not None:
        fields["code_verifier"] = verifier
    response = exchange(client, fields)
    if body is None:
        assert response.status_code == 200
    else:
        assert_refused(response, body)


@pytest.mark.parametrize("length", [43, 128])
def test_pkce_verifier_length_bounds(client, app_id, length):
    """RFC 7636 §4.1: verifiers of 43 and 128 characters are accepted."""
    verifier = ("abc-._~XYZ" * 13)[:length]
    code = new_code(app_id, code_challenge=_s256(verifier), code_challenge_method="S256")
    fields = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier}
    assert exchange(client, fields, headers=basic(app_id, SECRET)).status_code == 200


def test_pkce_applies_to_the_akeneo_exchange_too(client, app_id):
    """A challenge-bound code exchanged with Akeneo's scheme still needs the verifier."""
    code = new_code(app_id, code_challenge=_s256(VERIFIER), code_challenge_method="S256")
    assert_refused(exchange(client, akeneo_fields(app_id, code)), {"error": "invalid_grant"})
    assert exchange(client, {**akeneo_fields(app_id, code), "code_verifier": VERIFIER}).status_code == 200


def test_verifier_without_challenge_is_a_downgrade(client, app_id):
    """A10: a code_verifier for a code issued without a challenge is invalid_request."""
    fields = {**akeneo_fields(app_id, new_code(app_id)), "code_verifier": VERIFIER}
    assert_refused(exchange(client, fields), {"error": "invalid_request"})


def test_token_calls_the_api_with_exactly_the_scope_acls(client, app_id):
    """A read_products token lists products but not categories; the app role holds the scope's ACLs."""
    token = exchange(client, akeneo_fields(app_id, new_code(app_id))).get_json()["access_token"]
    assert client.get("/api/rest/v1/products-uuid", headers=bearer(token)).status_code == 200
    assert client.get("/api/rest/v1/categories", headers=bearer(token)).status_code == 403
    role = Role.get_by_id(ConnectedApp.get_by_id(app_id).role_id)
    assert sorted(role.permissions) == app_scopes.acls(["read_products"])


def test_every_exchange_issues_a_new_token(client, app_id):
    """D4: same scopes, a new token each time, the earlier ones still valid."""
    first = exchange(client, akeneo_fields(app_id, new_code(app_id))).get_json()["access_token"]
    second = exchange(client, akeneo_fields(app_id, new_code(app_id))).get_json()["access_token"]
    assert first != second
    for token in (first, second):
        assert client.get("/api/rest/v1/products-uuid", headers=bearer(token)).status_code == 200


def test_older_tokens_are_revoked_when_the_scopes_change(client, app_id):
    """D4: after a scope change, the next exchange revokes the tokens of the old scope."""
    old = exchange(client, akeneo_fields(app_id, new_code(app_id))).get_json()["access_token"]
    with write_txn():
        ConnectedApp.update(scopes=["read_categories", "read_products"]).where(ConnectedApp.id == app_id).execute()
    body = exchange(client, akeneo_fields(app_id, new_code(app_id))).get_json()
    assert body["scope"] == "read_categories read_products"
    assert client.get("/api/rest/v1/products-uuid", headers=bearer(old)).status_code == 401
    assert client.get("/api/rest/v1/products-uuid", headers=bearer(body["access_token"])).status_code == 200


def test_a_new_consent_changes_the_scope_and_revokes_older_tokens(client, app_id):
    """Consenting to openid later changes the scope string: older tokens go."""
    old = exchange(client, akeneo_fields(app_id, new_code(app_id))).get_json()["access_token"]
    from pimconnect.models import User

    give_consent(app_id, User.get(User.username == "admin"), ["openid"])
    body = exchange(client, akeneo_fields(app_id, new_code(app_id))).get_json()
    assert body["scope"] == "openid read_products" and "id_token" in body
    assert client.get("/api/rest/v1/products-uuid", headers=bearer(old)).status_code == 401


def test_disconnected_app_client_is_invalid_client(client, app_id):
    """A revoked (deleted) app's client cannot exchange codes."""
    code = new_code(app_id)
    with write_txn():
        ApiClient.update(revoked=True).where(ApiClient.client_id == app_id).execute()
    assert_refused(exchange(client, akeneo_fields(app_id, code)), {"error": "invalid_client"})


def test_throttled_after_ten_failed_client_authentications(client, app_id):
    """D12: failed authentications per client and address lock the endpoint: 429 with Retry-After."""
    for _ in range(10):
        fields = akeneo_fields(app_id, new_code(app_id), secret="wrong")
        assert_refused(exchange(client, fields), {"error": "invalid_client"})
    response = exchange(client, akeneo_fields(app_id, new_code(app_id)))
    assert response.status_code == 429
    assert response.get_json()["error"] == "invalid_client"
    assert response.headers["Retry-After"] == "60" and response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("body, content_type", [
    ("{not json", "application/json"),
    ("[1, 2]", "application/json"),
    ('{"a": ' * 2000 + "1" + "}" * 2000, "application/json"),
    ("\xff\xfe", "application/x-www-form-urlencoded"),
    ("code=a&code=b", "application/x-www-form-urlencoded"),
    ("x" * 9000, "application/x-www-form-urlencoded"),
], ids=["broken", "array", "deep", "not-utf8", "repeated-field", "too-large"])
def test_malformed_bodies_are_invalid_request(client, app_id, body, content_type):
    """D20: a body that does not parse is a 400 invalid_request."""
    data = body.encode("latin-1") if body.startswith("\xff") else body
    assert_refused(client.post(TOKEN_URL, data=data, content_type=content_type), {"error": "invalid_request"})


def test_non_string_json_values_are_refused(client, app_id):
    """JSON numbers or lists where strings are expected are not read as fields."""
    fields = {**akeneo_fields(app_id, new_code(app_id)), "code": ["x"]}
    assert_refused(exchange(client, fields, as_json=True), {"error": "invalid_request"})


def test_get_is_not_allowed(client):
    """The token endpoint answers POST only."""
    assert client.get(TOKEN_URL).status_code == 405


def test_multipart_form_body_is_accepted(client, app_id):
    """A multipart form, which the reference's Symfony controller also reads, works like a urlencoded one."""
    response = client.post(TOKEN_URL, data=akeneo_fields(app_id, new_code(app_id)), content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()


def test_unknown_client_and_wrong_secret_answer_alike_with_basic(client, app_id):
    """A15: no client-id oracle: an unknown client via Basic is the same 401 as a wrong secret."""
    fields = {"grant_type": "authorization_code", "code": new_code(app_id)}
    unknown = exchange(client, fields, headers=basic("00000000-0000-4000-8000-000000000000", SECRET))
    wrong = exchange(client, fields, headers=basic(app_id, "wrong"))
    for response in (unknown, wrong):
        assert_refused(response, {"error": "invalid_client"}, status=401)
        assert response.headers["WWW-Authenticate"] == 'Basic error="invalid_client"'


def test_no_secret_reaches_the_database_or_the_log(client, app_id, ctx, caplog):
    """A13/A18: the token, code and identifier are stored as digests only and never logged."""
    import logging

    caplog.set_level(logging.DEBUG)
    code = new_code(app_id)
    fields = akeneo_fields(app_id, code)
    token = exchange(client, fields).get_json()["access_token"]
    secrets_sent = [token, code, fields["code_identifier"], SECRET]
    assert not any(value in caplog.text for value in secrets_sent)
    if ctx.config["DATABASE_URL"].startswith("sqlite:///"):
        db.close()  # the WAL is checkpointed into the file on close
        path = pathlib.Path(ctx.config["DATABASE_URL"][len("sqlite:///"):])
        files = [path, path.with_name(path.name + "-wal")]
        raw = b"".join(file.read_bytes() for file in files if file.exists())
        assert not any(value.encode() in raw for value in secrets_sent)


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_a_field_sent_twice_is_refused_in_an_otherwise_valid_request(client, app_id, content_type):
    """RFC 6749 §3.2: parameters must not repeat; the code stays usable."""
    from werkzeug.datastructures import MultiDict

    code = new_code(app_id)
    fields = MultiDict(list(akeneo_fields(app_id, code).items()) + [("grant_type", "authorization_code")])
    assert_refused(client.post(TOKEN_URL, data=fields, content_type=content_type), {"error": "invalid_request"})
    assert exchange(client, akeneo_fields(app_id, code)).status_code == 200
