"""Authorization codes for apps (reference §3.3, decision D3) and the app's OAuth client.

A code is random (base64url of a SHA-256 hex digest of 100 random bytes, ~86 characters, as the
reference), handed out once in the callback redirect and stored only as its SHA-256 digest, bound
to the client and, when the authorize request carried them, to ``redirect_uri``, the PKCE
challenge and the OpenID ``nonce``. It lives ``PIM_AUTH_CODE_SECONDS`` (30 s by default, at most 10
minutes). Authlib's code grant (``pimconnect.oauth``) makes and saves codes through these functions,
and the token endpoint (``services.apps.tokens``) uses one up in the transaction that issues the token.
"""
import base64
import datetime
import hashlib
import secrets

from flask import current_app

from pimconnect.models import ApiClient, AuthCode
from pimconnect.models.structure import utcnow

MAX_CODE_SECONDS = 600


def digest(value):
    return hashlib.sha256(value.encode()).hexdigest()


def random_code():
    """~86 base64url characters, as the reference's RandomCodeGenerator."""
    hex_digest = hashlib.sha256(secrets.token_bytes(100)).hexdigest()
    return base64.urlsafe_b64encode(hex_digest.encode()).decode().rstrip("=")


def lifetime_seconds():
    return max(1, min(int(current_app.config.get("PIM_AUTH_CODE_SECONDS", 30)), MAX_CODE_SECONDS))


def app_client(app_id):
    """The OAuth client of an app (created on first use: authorization_code grant only).

    Call inside a write transaction.
    """
    client = ApiClient.get_or_none(ApiClient.client_id == app_id)
    if client is None:
        client = ApiClient.create(client_id=app_id, kind="app", grant_types=["authorization_code"])
    return client


def issue_code(client, user, redirect_uri=None, code_challenge=None, code_challenge_method=None, nonce=None,
               auth_time=None, value=None):
    """Store a code (``value``, or a new one) for ``client`` authorized by the PIM ``user``; returns it
    in clear.

    Call inside a write transaction (the one confirming the wizard, or the authorize request's).
    """
    value = value or random_code()
    AuthCode.create(code_hash=digest(value), client=client, user=user, redirect_uri=redirect_uri,
                    code_challenge=code_challenge, code_challenge_method=code_challenge_method, nonce=nonce,
                    auth_time=auth_time, expires_at=utcnow() + datetime.timedelta(seconds=lifetime_seconds()))
    return value


def nonce_used(app_id, nonce):
    """Whether a code of the app already carried this OpenID nonce (a replayed authentication request,
    OIDC Core §15.5.2; Authlib's ``exists_nonce``)."""
    return (AuthCode.select().join(ApiClient)
            .where(ApiClient.client_id == app_id, AuthCode.nonce == nonce).exists())
