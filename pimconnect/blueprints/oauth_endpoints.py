"""The app-facing OAuth 2 / OpenID endpoints: token, revocation, the OpenID public key, the JWKS and
the discovery documents (reference §4, §5; decisions D2, D13, D23; RFC 7009, RFC 8414).

The views only call the authorization server (``pimconnect.oauth``). The app authenticates itself
at the token and revocation endpoints (no session cookie), so the blueprint is CSRF-exempt, and
every endpoint here is public (tests/test_security_meta.py says why for each).
"""
from flask import Blueprint, jsonify

from pimconnect import oauth
from pimconnect.services.apps import openid

bp = Blueprint("oauth_endpoints", __name__)


@bp.post("/connect/apps/v1/oauth2/token")
def token():
    """Exchange an authorization code for the app's access token (and id_token when consented)."""
    return oauth.apps_server().create_token_response()


@bp.post("/connect/apps/v1/oauth2/revoke")
def revoke():
    """RFC 7009: the app revokes one of its access tokens."""
    return oauth.apps_server().revocation_response()


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
    return jsonify(oauth.metadata(openid_provider=True))


@bp.get("/.well-known/oauth-authorization-server")
def authorization_server_metadata():
    """RFC 8414 metadata of the apps' authorization server (issuer and URLs from PIM_URL)."""
    return jsonify(oauth.metadata())


def init_app(app):
    from pimconnect.security import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
