"""Akeneo's side of the apps' token endpoint (reference apps-and-oauth.md §4, decisions D2–D4, D12,
D19, D20): what the Authlib authorization server (``pimconnect.oauth``) calls for the parts the
standard does not say.

* The reference's checks and their order (§4.3): which client authentication the request uses
  (D19), then ``client_id``, the client, ``code``, ``grant_type`` and the challenge fields, the
  first violation only; Authlib's grant runs once they pass.
* Akeneo's client authentication (§4.2, D2): ``code_challenge`` = lowercase hex SHA-256 of
  ``code_identifier`` + client secret, each identifier accepted once per client.
* The failed-authentication throttle in the database (D12).
* The code: unknown, another client's, used (a replay revokes what it issued, D3) or expired, with
  the reference's two ``error_description`` texts.
* The token (§4.4, D4): the scope is the app's stored scopes (+ the consented OpenID scopes), a
  new non-expiring token per exchange, stored as a digest, the app's tokens for another scope
  revoked, and the code used up by a compare-and-set in the same transaction (checklist F1).
"""
import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass, field

from peewee import IntegrityError

from pimconnect.db import write_txn
from pimconnect.models import ApiClient, ApiToken, AuthCode, AuthCodeToken, CodeIdentifier, ConnectedApp, Connection
from pimconnect.models import User, UserConsent
from pimconnect.models.structure import utcnow
from pimconnect.services.access import audit
from pimconnect.services.access import auth
from pimconnect.services.apps import codes as app_codes
from pimconnect.services.apps import listings as app_listings
from pimconnect.services.connections.tokens import digest

CODE_NOT_VALID = "Code is not valid"
CODE_EXPIRED = "Code has expired"
THROTTLED = "Too many failed attempts. Try again in a minute."
MAX_FAILURES = 10  # failed client authentications per client and address per minute (D12)
LOCK_SECONDS = 60
AKENEO_METHOD = "akeneo_code_challenge"  # Authlib's name for Akeneo's exchange (a client auth method)


@dataclass
class TokenError(Exception):
    """An answer of the token endpoint other than a token: status, the JSON body's fields, headers."""

    error: str
    description: str | None = None
    status: int = 400
    headers: dict = field(default_factory=dict)


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
    """D19: which scheme the request uses, and its credentials; TokenError ``invalid_request`` when it
    uses two, or an unreadable Basic header, or a Basic client other than the body's ``client_id``."""
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


def throttle_key(client_id, remote_addr):
    return f"app-token:{(client_id or '')[:60]}:{remote_addr or 'unknown'}"


def throttled(key):
    """TokenError 429 when failed authentications locked this client and address (D12), else None."""
    if auth.is_locked([key], utcnow()):
        return TokenError("invalid_client", THROTTLED, status=429, headers={"Retry-After": str(LOCK_SECONDS)})
    return None


def invalid_client(scheme):
    """``invalid_client``: 401 with WWW-Authenticate when Basic was used (RFC 6749 §5.2, D20), else 400.

    An unknown client and a wrong secret get the same answer, so client ids cannot be probed (A15).
    """
    if scheme == "basic":
        return TokenError("invalid_client", status=401, headers={"WWW-Authenticate": 'Basic error="invalid_client"'})
    return TokenError("invalid_client")


def live_client(client_id):
    """The OAuth client of an app, unless unknown or revoked (the app was deleted), or None."""
    if not client_id:
        return None
    client = ApiClient.get_or_none((ApiClient.client_id == client_id) & (ApiClient.kind == "app"))
    return None if client is None or client.revoked else client


def check_request(params, credentials):
    """The reference's field checks (§4.3), first violation only; returns the app's OAuth client.

    Before Authlib's grant: the reference checks ``client_id`` and its client before ``grant_type``,
    and the challenge fields after it ("grant type before client authentication").
    """
    if not credentials.client_id:
        raise TokenError("invalid_request")
    client = live_client(credentials.client_id)
    if client is None:
        raise invalid_client(credentials.scheme)
    if not _text(params, "code"):
        raise TokenError("invalid_request")
    if params.get("grant_type") != "authorization_code":
        raise TokenError("unsupported_grant_type")
    if credentials.scheme == "akeneo" and not (credentials.code_identifier and credentials.code_challenge):
        raise TokenError("invalid_request")
    return client


def authentication_failed(client_id, scheme, key, remote_addr, reason):
    """Count the failure (D12), audit it, and return the ``invalid_client`` answer to give."""
    auth.record_failure([key], utcnow(), {key: MAX_FAILURES}, LOCK_SECONDS, window_seconds=60)
    audit.record("app.token.failure", remote_addr=remote_addr, reason=reason, client_id=str(client_id)[:100])
    return invalid_client(scheme)


def secret_matches(client_id, secret):
    """client_secret_basic / client_secret_post against the app's decrypted secret (D5), constant time."""
    expected = app_listings.app_secret(client_id) or ""
    return bool(expected) and hmac.compare_digest((secret or "").encode(), expected.encode())


def challenge_matches(client_id, identifier, challenge):
    """Akeneo's exchange (§4.2): lowercase hex SHA-256 of identifier + secret, constant time."""
    secret = app_listings.app_secret(client_id) or ""
    expected = hashlib.sha256((identifier + secret).encode()).hexdigest()
    return bool(secret) and hmac.compare_digest(challenge.encode(), expected.encode())


def spend_identifier(client, identifier):
    """Record the identifier as used (D2); False when the client used it before (a replayed pair).

    A savepoint in the caller's transaction, which commits even if the request fails later: the
    identifier is spent whatever happens next.
    """
    try:
        with write_txn():
            CodeIdentifier.create(client=client, identifier_hash=digest(identifier))
    except IntegrityError:
        return False
    return True


def find_code(value, client):
    """The code ``value`` of ``client``, unused and unexpired; raises TokenError ``invalid_grant``.

    A used code coming back is a replay: the tokens issued from it are revoked (D3, checklist F2),
    which the caller's transaction commits although the request is refused.
    """
    code = (AuthCode.select(AuthCode, User).join(User)  # the user signs the id_token's claims
            .where(AuthCode.code_hash == app_codes.digest(value)).first())
    if code is None or code.client_id != client.id:
        raise TokenError("invalid_grant", CODE_NOT_VALID)
    if code.used_at is not None:
        revoke_replayed(code, client)
        raise TokenError("invalid_grant", CODE_NOT_VALID)
    if code.expires_at <= utcnow():
        raise TokenError("invalid_grant", CODE_EXPIRED)
    return code


def revoke_replayed(code, client):
    """A used code came back: the tokens issued from it stop working (D3, checklist F2)."""
    issued = AuthCodeToken.select(AuthCodeToken.token).where(AuthCodeToken.code == code.id)
    ApiToken.update(revoked=True).where(ApiToken.id.in_(issued)).execute()
    audit.record("app.token.replayed_code", user=code.user_id, client_id=client.client_id)


def connected_app(client):
    """The ConnectedApp (with its Connection) of the client, or None once it was disconnected."""
    return (ConnectedApp.select(ConnectedApp, Connection).join(Connection)
            .where(ConnectedApp.id == client.client_id).first())


def token_scope(connected, user_id):
    """(scope, consent) of the token (§4.4): the stored authorization scopes, plus the consented
    authentication scopes when the authorizing user consented to openid, sorted; consent or None."""
    scopes = set(connected.scopes or [])
    consent = UserConsent.get_or_none((UserConsent.user == user_id) & (UserConsent.app_id == connected.id))
    if consent is not None and "openid" in (consent.scopes or []):
        scopes.update(consent.scopes)
        return " ".join(sorted(scopes)), consent
    return " ".join(sorted(scopes)), None


def save_token(value, code, client, connected, scope, key, remote_addr):
    """Use the code up and store the token, inside the token request's transaction (D3, F1, D4).

    The compare-and-set makes of two concurrent exchanges of one code one winner; the loser is a
    replay (the winner's token is revoked). Returns False for the loser.
    """
    consumed = AuthCode.update(used_at=utcnow()).where(AuthCode.id == code.id, AuthCode.used_at.is_null()).execute()
    if consumed != 1:
        revoke_replayed(code, client)
        return False
    # D4: a new token per exchange; the app's tokens for another scope stop working.
    ApiToken.update(revoked=True).where(
        ApiToken.client == client.id, ApiToken.kind == "access", ApiToken.revoked == False,  # noqa: E712
        ApiToken.scope.is_null() | (ApiToken.scope != scope)).execute()
    token = ApiToken.create(token_hash=digest(value), kind="access", client=client,
                            user=connected.connection.user_id, scope=scope, expires_at=None)
    AuthCodeToken.create(code=code, token=token)
    auth.clear_failures(key)
    audit.record("app.token.issued", user=code.user_id, remote_addr=remote_addr, client_id=client.client_id,
                 scope=scope)
    return True


def find_token(value, client):
    """A live access token of the app ``client`` with this value, for revocation (RFC 7009), or None
    (apps get no refresh token, §4.4; another client's token is not found, §2.2)."""
    return (ApiToken.select().where(ApiToken.token_hash == digest(value), ApiToken.client == client.id,
                                    ApiToken.kind == "access", ApiToken.revoked == False)  # noqa: E712
            .first())


def revoke(token, remote_addr=None):
    """Revoke one app token (RFC 7009); the app stays connected, like D24's "Revoke access tokens"."""
    with write_txn():
        ApiToken.update(revoked=True).where(ApiToken.id == token.id).execute()
        audit.record("app.token.revoked", client_id=token.client_id, remote_addr=remote_addr)
