"""The apps' token endpoint: an authorization code exchanged for a non-expiring access token
(reference apps-and-oauth.md §4, decisions D2–D4, D12, D19, D20).

Two ways for the app to authenticate (D19): a request carrying ``code_identifier`` uses Akeneo's
exchange (``code_challenge`` = lowercase hex SHA-256 of identifier + client secret, each identifier
accepted once per client); any other request authenticates with ``client_secret_basic`` or
``client_secret_post``. Both at once is ``invalid_request``. A code that carries a PKCE challenge
also needs its S256 ``code_verifier``.

Hand-written rather than an Authlib ``AuthorizationServer``: the reference's error bodies (first
violation only, ``error_description`` only for the two ``invalid_grant`` cases, and its order of
checks), JSON bodies, a new non-expiring token per exchange without ``expires_in``, and a code
consumed by a compare-and-set in the transaction that inserts the token (checklist F1; Authlib's
query → save_token → delete hooks cannot make that one step) would each need an override of
Authlib's grant, client-auth and response code, leaving little of it in use.
"""
import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass, field

from peewee import IntegrityError

from pimconnect.db import write_txn
from pimconnect.models import ApiClient, ApiToken, AuthCode, AuthCodeToken, CodeIdentifier, ConnectedApp, Connection
from pimconnect.models import User, UserConsent
from pimconnect.models.structure import utcnow
from pimconnect.services.apps import listings as app_listings
from pimconnect.services.apps import codes as app_codes
from pimconnect.services.access import audit
from pimconnect.services.access import auth
from pimconnect.services.apps import openid
from pimconnect.services.connections.tokens import digest, new_secret

CODE_NOT_VALID = "Code is not valid"
CODE_EXPIRED = "Code has expired"
THROTTLED = "Too many failed attempts. Try again in a minute."
MAX_FAILURES = 10  # failed client authentications per client and address per minute (D12)
LOCK_SECONDS = 60
VERIFIER_PATTERN = re.compile(r"[A-Za-z0-9\-._~]{43,128}")  # RFC 7636 §4.1


@dataclass
class TokenError(Exception):
    """An answer of the token endpoint other than a token: status, the JSON body's fields, headers."""

    error: str
    description: str | None = None
    status: int = 400
    headers: dict = field(default_factory=dict)

    def body(self):
        return {"error": self.error, **({"error_description": self.description} if self.description else {})}


@dataclass
class ClientAuth:
    """How the request authenticates its client: Akeneo's exchange or a secret (Basic or post)."""

    client_id: str | None
    scheme: str  # "akeneo" | "basic" | "post"
    secret: str | None = None
    code_identifier: str | None = None
    code_challenge: str | None = None


def _text(params, name):
    value = params.get(name)
    return value if isinstance(value, str) else None


def client_auth(params, authorization_header):
    """Classify the request (D19) and read its client credentials; raises TokenError."""
    scheme, _, value = (authorization_header or "").partition(" ")
    has_basic = scheme.lower() == "basic"
    has_post = "client_secret" in params
    if "code_identifier" in params and (has_basic or has_post) or has_basic and has_post:
        raise TokenError("invalid_request")
    if has_basic:
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise TokenError("invalid_request") from None
        client_id, colon, secret = decoded.partition(":")
        body_id = _text(params, "client_id")
        if not colon or body_id and body_id != client_id:
            raise TokenError("invalid_request")
        return ClientAuth(client_id, "basic", secret=secret)
    if has_post:
        return ClientAuth(_text(params, "client_id"), "post", secret=_text(params, "client_secret"))
    return ClientAuth(_text(params, "client_id"), "akeneo", code_identifier=_text(params, "code_identifier"),
                      code_challenge=_text(params, "code_challenge"))


def _throttle_key(client_id, remote_addr):
    return f"app-token:{client_id[:60]}:{remote_addr or 'unknown'}"


def _authentication_failed(credentials, key, remote_addr, reason):
    """Count the failure (D12) and refuse with ``invalid_client`` (401 + WWW-Authenticate for Basic)."""
    auth.record_failure([key], utcnow(), {key: MAX_FAILURES}, LOCK_SECONDS, window_seconds=60)
    audit.record("app.token.failure", remote_addr=remote_addr, reason=reason,
                 client_id=str(credentials.client_id)[:100])
    raise _invalid_client(credentials)


def _invalid_client(credentials):
    """``invalid_client``: 401 with WWW-Authenticate when Basic was used (RFC 6749 §5.2, D20), else 400.

    An unknown client and a wrong secret get the same answer, so client ids cannot be probed (A15).
    """
    if credentials.scheme == "basic":
        return TokenError("invalid_client", status=401, headers={"WWW-Authenticate": 'Basic error="invalid_client"'})
    return TokenError("invalid_client")


def authenticate(client, credentials, key, remote_addr):
    """Check the app's secret or Akeneo challenge in constant time; record the identifier (single use)."""
    secret = app_listings.app_secret(client.client_id) or ""
    if credentials.scheme != "akeneo":
        if not secret or not hmac.compare_digest((credentials.secret or "").encode(), secret.encode()):
            _authentication_failed(credentials, key, remote_addr, "bad secret")
        return
    expected = hashlib.sha256((credentials.code_identifier + secret).encode()).hexdigest()
    if not secret or not hmac.compare_digest(credentials.code_challenge.encode(), expected.encode()):
        _authentication_failed(credentials, key, remote_addr, "bad code challenge")
    try:
        with write_txn():  # committed whatever happens next: the identifier is spent (D2)
            CodeIdentifier.create(client=client, identifier_hash=digest(credentials.code_identifier))
    except IntegrityError:
        _authentication_failed(credentials, key, remote_addr, "code identifier reused")


def _check_request(params, credentials):
    """The reference's field checks (§4.3), first violation only; returns the app's OAuth client."""
    if not credentials.client_id:
        raise TokenError("invalid_request")
    client = ApiClient.get_or_none((ApiClient.client_id == credentials.client_id) & (ApiClient.kind == "app"))
    if client is None or client.revoked:
        raise _invalid_client(credentials)
    if not _text(params, "code"):
        raise TokenError("invalid_request")
    if params.get("grant_type") != "authorization_code":
        raise TokenError("unsupported_grant_type")
    if credentials.scheme == "akeneo" and not (credentials.code_identifier and credentials.code_challenge):
        raise TokenError("invalid_request")
    return client


def _s256(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _check_code(code, client, params):
    """The code is this client's, unexpired, for the same redirect_uri and PKCE verifier (D3)."""
    if code is None or code.client_id != client.id:
        raise TokenError("invalid_grant", CODE_NOT_VALID)
    if code.used_at is not None:
        with write_txn():
            _revoke_replayed(code, client)
        raise TokenError("invalid_grant", CODE_NOT_VALID)
    if code.expires_at <= utcnow():
        raise TokenError("invalid_grant", CODE_EXPIRED)
    if code.redirect_uri is not None and params.get("redirect_uri") != code.redirect_uri:
        raise TokenError("invalid_grant")
    verifier = params.get("code_verifier")
    if code.code_challenge is None:
        if verifier is not None:  # PKCE downgrade (RFC 9700 §4.8.2, checklist A10)
            raise TokenError("invalid_request")
        return
    if not isinstance(verifier, str) or not VERIFIER_PATTERN.fullmatch(verifier):
        raise TokenError("invalid_request" if verifier is not None else "invalid_grant")
    if not hmac.compare_digest(_s256(verifier).encode(), code.code_challenge.encode()):
        raise TokenError("invalid_grant")


def _revoke_replayed(code, client):
    """A used code came back: the tokens issued from it stop working (D3, checklist F2).

    Call inside a write transaction that commits even though the request is refused.
    """
    issued = AuthCodeToken.select(AuthCodeToken.token).where(AuthCodeToken.code == code.id)
    ApiToken.update(revoked=True).where(ApiToken.id.in_(issued)).execute()
    audit.record("app.token.replayed_code", user=code.user_id, client_id=client.client_id)


def _scope_and_consent(connected, code):
    """The token's scope (§4.4): stored authorization scopes + consented authentication scopes, sorted."""
    scopes = set(connected.scopes or [])
    consent = UserConsent.get_or_none((UserConsent.user == code.user_id) & (UserConsent.app_id == connected.id))
    if consent is not None and "openid" in (consent.scopes or []):
        scopes.update(consent.scopes)
        return " ".join(sorted(scopes)), consent
    return " ".join(sorted(scopes)), None


def _issue(code, client, connected, scope, key, remote_addr):
    """Consume the code and insert the token in one transaction; a lost race is a replay (D3, F1)."""
    value = new_secret()
    with write_txn():
        consumed = AuthCode.update(used_at=utcnow()).where(
            AuthCode.id == code.id, AuthCode.used_at.is_null()).execute()
        if consumed != 1:  # another request consumed it since we read it: a replay
            _revoke_replayed(code, client)
            return None  # this transaction commits the revocation; the caller refuses the request
        # D4: a new token per exchange; the app's tokens for other scopes stop working.
        ApiToken.update(revoked=True).where(
            ApiToken.client == client.id, ApiToken.kind == "access", ApiToken.revoked == False,  # noqa: E712
            ApiToken.scope.is_null() | (ApiToken.scope != scope)).execute()
        token = ApiToken.create(token_hash=digest(value), kind="access", client=client,
                                user=connected.connection.user_id, scope=scope, expires_at=None)
        AuthCodeToken.create(code=code, token=token)
        auth.clear_failures(key)
        audit.record("app.token.issued", user=code.user_id, remote_addr=remote_addr, client_id=client.client_id,
                     scope=scope)
    return value


def exchange(params, authorization_header=None, remote_addr=None):
    """Answer a token request (``params``: the body's fields) with the response body, or raise TokenError."""
    credentials = client_auth(params, authorization_header)
    key = _throttle_key(credentials.client_id or "", remote_addr)
    if auth.is_locked([key], utcnow()):
        raise TokenError("invalid_client", THROTTLED, status=429,
                         headers={"Retry-After": str(LOCK_SECONDS)})
    client = _check_request(params, credentials)
    authenticate(client, credentials, key, remote_addr)
    code = AuthCode.get_or_none(AuthCode.code_hash == app_codes.digest(params["code"]))
    _check_code(code, client, params)
    connected = (ConnectedApp.select(ConnectedApp, Connection).join(Connection)
                 .where(ConnectedApp.id == client.client_id).first())
    if connected is None:
        raise TokenError("invalid_grant", CODE_NOT_VALID)
    scope, consent = _scope_and_consent(connected, code)
    if consent is not None:
        openid.ensure_keys()
    value = _issue(code, client, connected, scope, key, remote_addr)
    if value is None:
        raise TokenError("invalid_grant", CODE_NOT_VALID)
    body = {"access_token": value, "token_type": "bearer", "scope": scope}
    if consent is not None:
        body["id_token"] = openid.id_token(client.client_id, User.get_by_id(code.user_id), consent)
    return body
