"""Access and refresh tokens for the REST API: the connection token endpoint's password and
refresh grants (API reference §3.1), bearer-token checks and revocation.

Tokens are 256-bit random strings handed out once; only their SHA-256 digest is stored.
Failed token requests are throttled per client and per user in the database (decision D12).
"""
import datetime
import hashlib
import secrets

from pimconnect.db import write_txn
from pimconnect.models import ApiClient, ApiToken, RevokedAppToken, User
from pimconnect.models.structure import utcnow
from pimconnect.services.access import audit
from pimconnect.services.access import auth
from pimconnect.services.products import bulk as product_bulk
from pimconnect.services.access.passwords import verify_password

ACCESS_TOKEN_SECONDS = 3600
REFRESH_TOKEN_SECONDS = 14 * 24 * 3600  # the reference's default, 1209600 s
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


def _create_token(kind, client, user, seconds, scope=None):
    value = new_secret()
    expires = utcnow() + datetime.timedelta(seconds=seconds) if seconds else None
    ApiToken.create(token_hash=digest(value), kind=kind, client=client, user=user, scope=scope, expires_at=expires)
    return value


def issue_pair(client, user):
    """A new access token and refresh token; returns the token response body."""
    with write_txn():
        access = _create_token("access", client, user, ACCESS_TOKEN_SECONDS)
        refresh = _create_token("refresh", client, user, REFRESH_TOKEN_SECONDS)
    return {"access_token": access, "expires_in": ACCESS_TOKEN_SECONDS, "token_type": "bearer",
            "scope": None, "refresh_token": refresh}


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


def _client(client_id, secret):
    """The connection client these credentials authenticate, or None (argon2 verify, constant work)."""
    client = None
    if client_id:
        client = ApiClient.get_or_none((ApiClient.client_id == client_id) & (ApiClient.kind == "connection"))
    ok, _ = verify_password(client.secret_hash if client else None, secret or "")
    return client if ok and not client.revoked else None


def _throttle(keys, limits, window, remote_addr, reason, **detail):
    auth.record_failure(keys, utcnow(), limits, LOCK_SECONDS, window_seconds=window)
    audit.record("api.token.failure", remote_addr=remote_addr, reason=reason, **detail)


def grant(params, client_id, client_secret, remote_addr=None):
    """Answer a token request (``params``: the body's fields) or raise TokenRefused."""
    grant_type = params.get("grant_type")
    if grant_type == "refresh_token":
        if not params.get("refresh_token"):
            raise TokenRefused(MISSING_REFRESH_PARAMS)
    elif grant_type != "password" or not params.get("username") or not params.get("password"):
        raise TokenRefused(MISSING_PASSWORD_PARAMS)
    client_key = f"api-client:{client_id or ''}:{remote_addr or 'unknown'}"
    if auth.is_locked([client_key], utcnow()):
        raise TokenRefused(THROTTLED, status=429, retry_after=LOCK_SECONDS)
    client = _client(client_id, client_secret)
    if client is None:
        _throttle([client_key], {client_key: CLIENT_MAX_FAILURES}, 60, remote_addr, "bad client",
                  client_id=str(client_id)[:100])
        raise TokenRefused(BAD_CLIENT)
    if grant_type not in (client.grant_types or []):
        raise TokenRefused(GRANT_NOT_ALLOWED)
    if grant_type == "password":
        return _password_grant(client, str(params["username"]), str(params["password"]), remote_addr)
    return _refresh_grant(client, str(params["refresh_token"]), remote_addr)


def _password_grant(client, username, password, remote_addr):
    user_key = f"api-user:{username.lower()}"
    if auth.is_locked([user_key], utcnow()):
        raise TokenRefused(THROTTLED, status=429, retry_after=LOCK_SECONDS)
    user = User.get_or_none((User.username == username) & (User.type.in_(["user", "api"])))
    ok, new_hash = verify_password(user.password_hash if user else None, password)
    if not ok or not user.enabled:
        _throttle([user_key], {user_key: USER_MAX_FAILURES}, auth.WINDOW_SECONDS, remote_addr,
                  "bad credentials", username=username[:100], client_id=client.client_id)
        raise TokenRefused(BAD_CREDENTIALS)
    with write_txn():
        if new_hash:
            User.update(password_hash=new_hash).where(User.id == user.id).execute()
        auth.clear_failures(user_key)
        body = issue_pair(client, user)
        audit.record("api.token.issued", user=user, remote_addr=remote_addr, client_id=client.client_id,
                     grant="password")
    return body


def _refresh_grant(client, value, remote_addr):
    """Rotate: the refresh token is used up atomically, and a new pair is issued."""
    with write_txn():
        token = (ApiToken.select(ApiToken, User).join(User)
                 .where(ApiToken.token_hash == digest(value), ApiToken.kind == "refresh",
                        ApiToken.client == client.id)
                 .first())
        valid = (token is not None and not token.revoked and token.user.enabled
                 and (token.expires_at is None or token.expires_at > utcnow()))
        # Compare-and-set: of two concurrent refreshes with one token, only one wins.
        if not valid or ApiToken.update(revoked=True).where(
                ApiToken.id == token.id, ApiToken.revoked == False).execute() != 1:  # noqa: E712
            raise TokenRefused(BAD_REFRESH)
        body = issue_pair(client, token.user)
        audit.record("api.token.issued", user=token.user, remote_addr=remote_addr, client_id=client.client_id,
                     grant="refresh_token")
    return body


def revoke_client_tokens(client):
    """Every token of the client stops working at once (secret regenerated, connection deleted)."""
    with write_txn():
        ApiToken.update(revoked=True).where(ApiToken.client == client.id, ApiToken.revoked == False).execute()  # noqa: E712


def revoke_user_tokens(user):
    """Every token of the user stops working (its password was regenerated or it was disabled)."""
    with write_txn():
        ApiToken.update(revoked=True).where(ApiToken.user == user.id, ApiToken.revoked == False).execute()  # noqa: E712
