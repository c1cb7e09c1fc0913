"""The app-facing OAuth 2 / OpenID endpoints: the token endpoint, the OpenID public key, the JWKS and
the discovery document (reference §4, §5; decisions D2, D13, D23).

The app authenticates itself at the token endpoint (no session cookie), so the blueprint is
CSRF-exempt, and every endpoint here is public (tests/test_security_meta.py says why for each).
"""
import json
from urllib.parse import parse_qsl

from flask import Blueprint, jsonify, request, url_for

from pimconnect.services.apps import tokens as app_tokens
from pimconnect.services.apps import openid

bp = Blueprint("oauth_endpoints", __name__)
MAX_BODY = 8192  # a token request is a few hundred bytes


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _params():
    """The body's fields, from JSON or form encoding (decision D2); None when the body does not parse.

    A field sent twice in a form is malformed (RFC 6749 §3.2: parameters must not repeat).
    """
    if request.mimetype == "multipart/form-data":  # accepted by the reference (Symfony reads both)
        form = request.form
        return None if any(len(form.getlist(name)) > 1 for name in form) else form.to_dict()
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8")
        if request.mimetype == "application/json":
            data = json.loads(text)
            return data if isinstance(data, dict) else None
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    params = dict(pairs)
    return params if len(params) == len(pairs) else None


@bp.post("/connect/apps/v1/oauth2/token")
def token():
    """Exchange an authorization code for the app's access token (and id_token when consented)."""
    if (request.content_length or 0) > MAX_BODY or len(request.get_data(cache=True)) > MAX_BODY:
        params = None
    else:
        params = _params()
    try:
        if params is None:
            raise app_tokens.TokenError("invalid_request")
        body = app_tokens.exchange(params, request.headers.get("Authorization"), request.remote_addr)
    except app_tokens.TokenError as refusal:
        response = jsonify(refusal.body())
        response.status_code = refusal.status
        response.headers.update(refusal.headers)
        return _no_store(response)
    return _no_store(jsonify(body))


@bp.get("/connect/apps/v1/openid/public-key")
def public_key():
    """The certificate PEM of the current signing key, as the reference's GetOpenIdPublicKeyAction."""
    try:
        return jsonify({"public_key": openid.public_key_pem()})
    except openid.NoOpenIdKeys as missing:
        return jsonify(str(missing)), 500


@bp.get("/connect/apps/v1/openid/jwks")
def jwks():
    """The JSON Web Key Set: the current key and the one retired in the last 24 hours (D23)."""
    return jsonify(openid.jwks())


@bp.get("/.well-known/openid-configuration")
def openid_configuration():
    """The OpenID Provider metadata (issuer and URLs from PIM_URL)."""
    return jsonify(openid.discovery(url_for))


def init_app(app):
    from pimconnect.security import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
