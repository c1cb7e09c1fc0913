"""``POST /api/oauth/v1/token`` and ``/revoke``: the connection token endpoint (password and refresh
grants) and RFC 7009 revocation, served by the Authlib server of ``pimconnect.oauth``.

Decision D14 keeps the password grant for connections (the reference's connectors need it) with
compensating controls: argon2id-hashed client secrets and passwords, throttling in the database
and rotating refresh tokens. Decision D15 keeps the reference's 422 error bodies, which existing
clients parse, instead of RFC 6749's. The app authorization server is separate and never accepts
the password grant.
"""
from flask import Blueprint

from pimconnect import oauth

bp = Blueprint("api_token", __name__)


@bp.post("/api/oauth/v1/token")
def token():
    """A new access and refresh token: password grant, or refresh grant (rotation)."""
    return oauth.connections_server().create_token_response()


@bp.post("/api/oauth/v1/revoke")
def revoke():
    """RFC 7009: the connection revokes one of its tokens (a refresh token takes its family along)."""
    return oauth.connections_server().revocation_response()


token.public = True
revoke.public = True
