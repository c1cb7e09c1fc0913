"""Access and refresh tokens for the REST API: what the connection token endpoint's password and
refresh grants keep in the database (API reference §3.1), bearer-token checks and revocation.

The grants themselves run on Authlib (``pimconnect.oauth``); this module holds the reference's
specifics they call: the order of the parameter checks and the 422 messages (decision D15), the
argon2 client and user checks with their throttles in the database (D12, D14), and the storage of
the pairs. Tokens are 256-bit random strings handed out once; only their SHA-256 digest is stored.

Refresh tokens rotate (RFC 9700 §4.14.2, OAuth 2.1 §4.3.1, checklist A27): the pairs issued by
one password grant and its refreshes form a *family*; a refresh uses its token up and revokes the
pair's access token; presenting a used refresh token again revokes the whole family; and no
refresh token of a family outlives ``PIM_REFRESH_TOKEN_MAX_SECONDS`` after the password grant.
"""
import base64
import binascii
import datetime
import hashlib
import secrets

from flask import current_app

from pimconnect.db import write_txn
from pimconnect.models import ApiClient, ApiToken, RevokedAppToken, User
from pimconnect.models.structure import utcnow
from pimconnect.services.access import audit
from pimconnect.services.access import auth
from pimconnect.services.products import bulk as product_bulk
from pimconnect.services.access.passwords import verify_password

ACCESS_TOKEN_SECONDS = 3600
REFRESH_TOKEN_SECONDS = 14 * 24 * 3600  # the reference's default, 1209600 s
REFRESH_FAMILY_SECONDS = 30 * 24 * 3600  # default absolute limit of a family (PIM_REFRESH_TOKEN_MAX_SECONDS)
CLIENT_MAX_FAILURES = 10  # per client per minute (security checklist N8)
USER_MAX_FAILURES = 5  # per API user per 15 minutes, as for the login form
LOCK_SECONDS = 60

# The reference's token-endpoint messages (decision D15: existing clients parse them).
MISSING_PASSWORD_PARAMS = 'Parameter "grant_type", "username" or "password" is missing, empty or invalid'
MISSING_REFRESH_PARAMS = 'Parameter "grant_type" or "refresh_token" is missing or empty'
BAD_CLIENT = 'Parameter "client_id" is missing or does not match any client, or secret is invalid'
GRANT_NOT_ALLOWED = "This grant type is not authorized for this client"
BAD_CREDENTIALS = "No user found for the given username and password"
BAD_REFRESH = "Refresh token is invalid or has expired"
THROTTLED = "Too many failed attempts. Try again in a minute."
TOO_LARGE = "The request content size is too large"
NOT_JSON = "Invalid json message received"

INVALID_TOKEN = "The access token provided is invalid."
EXPIRED_TOKEN = "The access token provided has expired."
APP_DISCONNECTED = "The access token provided is invalid. Your app has been disconnected from that PIM."


class TokenRefused(Exception):
    """A token request the endpoint answers with ``status`` and the reference's ``message``."""

    def __init__(self, message, status=422, retry_after=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret():
    """A random secret for a client or a token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def check_access_token(value):
    """(token, None) for a valid bearer token, else (None, the reference's 401 message)."""
    token = product_bulk.first_model("access_token", _access_token_query, digest(value))  # every API call
    if token is None:
        deleted_app = RevokedAppToken.select().where(RevokedAppToken.token_hash == digest(value)).exists()
        return None, APP_DISCONNECTED if deleted_app else INVALID_TOKEN
    if token.client.revoked:
        return None, APP_DISCONNECTED if token.client.kind == "app" else INVALID_TOKEN
    if token.revoked or not token.user.enabled:
        return None, INVALID_TOKEN
    if token.expires_at is not None and token.expires_at <= utcnow():
        return None, EXPIRED_TOKEN
    return token, None


def _access_token_query(token_hash):
    return (ApiToken.select(ApiToken, ApiClient, User)
            .join(ApiClient).switch(ApiToken).join(User)
            .where(ApiToken.token_hash == token_hash, ApiToken.kind == "access"))


# -- The token request, in the reference's order (API reference §3.1) ------------------------------

def missing_parameter(params):
    """The reference's 422 message for a grant type or parameter missing, or None.

    Checked before the client, as the reference does: a request without its parameters is refused
    the same way whatever its credentials.
    """
    grant_type = params.get("grant_type")
    if grant_type == "refresh_token":
        return None if params.get("refresh_token") else MISSING_REFRESH_PARAMS
    if grant_type != "password" or not params.get("username") or not params.get("password"):
        return MISSING_PASSWORD_PARAMS
    return None


def basic_credentials(header):
    """(client_id, secret) of an ``Authorization: Basic`` header, (None, None) when unreadable, or None
    when the request has no Basic header. Not percent-decoded, as the reference reads it."""
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


def client_throttle_key(client_id, remote_addr):
    return f"api-client:{client_id or ''}:{remote_addr or 'unknown'}"


def is_throttled(key):
    return auth.is_locked([key], utcnow())


def authenticate_client(client_id, secret):
    """The connection client these credentials authenticate, or None (argon2 verify, constant work)."""
    client = None
    if client_id:
        client = ApiClient.get_or_none((ApiClient.client_id == client_id) & (ApiClient.kind == "connection"))
    ok, _ = verify_password(client.secret_hash if client else None, secret or "")
    return client if ok and not client.revoked else None


def client_failed(key, remote_addr, client_id):
    """Count a failed client authentication (D12) and audit it."""
    auth.record_failure([key], utcnow(), {key: CLIENT_MAX_FAILURES}, LOCK_SECONDS, window_seconds=60)
    audit.record("api.token.failure", remote_addr=remote_addr, reason="bad client", client_id=str(client_id)[:100])


def authenticate_user(client, username, password, remote_addr):
    """(user, new password hash or None) for valid API user credentials; raises TokenRefused.

    Failures are counted per username (D12), so a client cannot try passwords at full speed.
    """
    username = str(username)
    user_key = f"api-user:{username.lower()}"
    if auth.is_locked([user_key], utcnow()):
        raise TokenRefused(THROTTLED, status=429, retry_after=LOCK_SECONDS)
    user = User.get_or_none((User.username == username) & (User.type.in_(["user", "api"])))
    ok, new_hash = verify_password(user.password_hash if user else None, str(password))
    if not ok or not user.enabled:
        auth.record_failure([user_key], utcnow(), {user_key: USER_MAX_FAILURES}, LOCK_SECONDS,
                            window_seconds=auth.WINDOW_SECONDS)
        audit.record("api.token.failure", remote_addr=remote_addr, reason="bad credentials",
                     username=username[:100], client_id=client.client_id)
        raise TokenRefused(BAD_CREDENTIALS)
    return user, new_hash


# -- Storing the pairs ------------------------------------------------------------------------------

def family_seconds():
    return int(current_app.config.get("PIM_REFRESH_TOKEN_MAX_SECONDS", REFRESH_FAMILY_SECONDS))


def _store_pair(token, client, user, family, family_expires_at):
    """Insert the pair of a token response (``token``: Authlib's dict) in ``family``."""
    now = utcnow()
    refresh_expires = min(now + datetime.timedelta(seconds=REFRESH_TOKEN_SECONDS), family_expires_at)
    ApiToken.create(token_hash=digest(token["access_token"]), kind="access", client=client, user=user,
                    expires_at=now + datetime.timedelta(seconds=token["expires_in"]), family=family,
                    family_expires_at=family_expires_at)
    ApiToken.create(token_hash=digest(token["refresh_token"]), kind="refresh", client=client, user=user,
                    expires_at=refresh_expires, family=family, family_expires_at=family_expires_at)


def save_password_grant(token, client, user, new_hash, remote_addr):
    """The pair of a password grant: a new family (its absolute limit starts now)."""
    with write_txn():
        if new_hash:
            User.update(password_hash=new_hash).where(User.id == user.id).execute()
        auth.clear_failures(f"api-user:{user.username.lower()}")
        family_expires = utcnow() + datetime.timedelta(seconds=family_seconds())
        _store_pair(token, client, user, secrets.token_hex(16), family_expires)
        audit.record("api.token.issued", user=user, remote_addr=remote_addr, client_id=client.client_id,
                     grant="password")


def find_refresh_token(value, client):
    """The live refresh token of ``client`` with this value, or None (another client's is not found).

    A used or revoked one coming back is reuse (a stolen token, or the one it replaced): its whole
    family is revoked, in a transaction of its own that commits although the request is refused.
    """
    token = (ApiToken.select(ApiToken, User).join(User)
             .where(ApiToken.token_hash == digest(value), ApiToken.kind == "refresh", ApiToken.client == client.id)
             .first())
    if token is None:
        return None
    if token.revoked:
        _revoke_family(token, "reused refresh token")
        return None
    if not token.user.enabled or token.expires_at is not None and token.expires_at <= utcnow():
        return None
    return token


def _revoke_family(token, reason):
    with write_txn():
        if token.family:
            ApiToken.update(revoked=True).where(ApiToken.family == token.family,
                                                ApiToken.revoked == False).execute()  # noqa: E712
        audit.record("api.token.family_revoked", user=token.user_id, client_id=token.client_id, reason=reason)


def save_refresh_grant(token, old, client, remote_addr):
    """Rotate: use ``old`` up (compare-and-set), revoke its family's live access tokens, insert the new
    pair in the family. False when a concurrent request used ``old`` first: that is reuse, and the
    family is revoked (committed) instead."""
    now = utcnow()
    with write_txn():
        won = ApiToken.update(revoked=True).where(
            ApiToken.id == old.id, ApiToken.revoked == False).execute() == 1  # noqa: E712
        if not won:
            _revoke_family(old, "refresh token used concurrently")
        else:
            # The access token it replaces stops working (one that already expired says so itself).
            if old.family:
                ApiToken.update(revoked=True).where(
                    ApiToken.family == old.family, ApiToken.kind == "access", ApiToken.revoked == False,  # noqa: E712
                    ApiToken.expires_at > now).execute()
            family = old.family or secrets.token_hex(16)  # pairs issued before families existed start one
            family_expires = old.family_expires_at or now + datetime.timedelta(seconds=family_seconds())
            _store_pair(token, client, old.user, family, family_expires)
            audit.record("api.token.issued", user=old.user, remote_addr=remote_addr, client_id=client.client_id,
                         grant="refresh_token")
    return won


def find_token(value, client):
    """A live access or refresh token of ``client`` with this value, for revocation (RFC 7009), or None.

    Whatever the ``token_type_hint``: a server that does not find the token by its hint must look
    among every type (§2.1), and digests are unique across both. Another client's token is "not
    found": the caller answers 200 and changes nothing, so a client learns nothing about tokens
    that are not its own (§2.2).
    """
    return (ApiToken.select().where(ApiToken.token_hash == digest(value), ApiToken.client == client.id,
                                    ApiToken.revoked == False)  # noqa: E712
            .first())


def revoke(token, remote_addr=None):
    """RFC 7009: a refresh token takes its family (every pair derived from the grant) with it; an access
    token goes alone."""
    with write_txn():
        if token.kind == "refresh" and token.family:
            ApiToken.update(revoked=True).where(ApiToken.family == token.family).execute()
        else:
            ApiToken.update(revoked=True).where(ApiToken.id == token.id).execute()
        audit.record("api.token.revoked", user=token.user_id, client_id=token.client_id, kind=token.kind,
                     remote_addr=remote_addr)


def revoke_client_tokens(client):
    """Every token of the client stops working at once (secret regenerated, connection deleted)."""
    with write_txn():
        ApiToken.update(revoked=True).where(ApiToken.client == client.id, ApiToken.revoked == False).execute()  # noqa: E712


def revoke_user_tokens(user):
    """Every token of the user stops working (its password was regenerated or it was disabled)."""
    with write_txn():
        ApiToken.update(revoked=True).where(ApiToken.user == user.id, ApiToken.revoked == False).execute()  # noqa: E712
