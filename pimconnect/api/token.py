"""``POST /api/oauth/v1/token``: the connection token endpoint (password and refresh grants).

Decision D14 keeps the password grant for connections (the reference's connectors need it) with
compensating controls: argon2id-hashed client secrets and passwords, throttling in the database
and rotating refresh tokens. Decision D15 keeps the reference's 422 error bodies, which existing
clients parse, instead of RFC 6749's. The app authorization server (issue "Connect") is separate
and never accepts the password grant.

This endpoint is hand-written rather than built on Authlib's password grant: every error must be
the reference's 422 message, which Authlib would have to be patched at each step to produce.
"""
import base64
import binascii
import json
from urllib.parse import parse_qsl

from flask import Blueprint, jsonify, request

from pimconnect.services.connections import tokens as api_tokens

bp = Blueprint("api_token", __name__)
MAX_BODY = 200  # the reference refuses larger token requests


def _refuse(status, message, retry_after=None):
    response = jsonify(code=status, message=message)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _params():
    """The body's fields, from JSON or form encoding (decision D2); None when it does not parse."""
    raw = request.get_data(cache=True)
    if request.mimetype == "application/json":
        try:
            data = json.loads(raw.decode("utf-8") or "{}")
        except (ValueError, UnicodeDecodeError):
            return None
        return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else None
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return None


def _client_credentials(params):
    """(client_id, secret) from HTTP Basic, else from the body's ``client_id`` / ``client_secret``."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return params.get("client_id"), params.get("client_secret")


@bp.post("/api/oauth/v1/token")
def token():
    if request.content_length is not None and request.content_length > MAX_BODY or len(
            request.get_data(cache=True)) > MAX_BODY:
        return _refuse(422, "The request content size is too large")
    params = _params()
    if params is None:
        return _refuse(400, "Invalid json message received")
    client_id, secret = _client_credentials(params)
    try:
        body = api_tokens.grant(params, client_id, secret, remote_addr=request.remote_addr)
    except api_tokens.TokenRefused as exc:
        return _refuse(exc.status, exc.message, exc.retry_after)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


token.public = True
