"""The OAuth 2 authorization servers, on Authlib: every line that touches Authlib is in this package,
and the routes only call it (issue 15; canaille's ``oidc/provider.py`` is the model).

* **Apps** (``/connect/apps/v1/authorize``, ``/oauth2/token``, ``/oauth2/revoke``): Authlib's
  authorization-code grant with PKCE (S256 only) and the OpenID Connect code extension (nonce,
  prompt, the id_token), RFC 9207's ``iss`` on every redirect, RFC 7009 revocation, and the
  RFC 8414 / OpenID discovery documents built from what is registered here.
* **Connections** (``/api/oauth/v1/token``, ``/revoke``): the password and refresh grants, with
  rotating refresh tokens (decision D14).

What Authlib cannot know is Akeneo's, and lives in the services it calls: the reference's order of
checks and error bodies (``services.apps.tokens``, ``services.connections.tokens``), Akeneo's
client authentication (registered below as a client-auth method), the code format and storage
(``services.apps.codes``), the wizard's decisions (``services.apps.connect``) and the id_token's
claims (``services.apps.openid``).

The package follows the request's path through Authlib: ``requests`` (bodies, errors, the token
request's transaction, shared by both servers), ``apps`` (the apps' client, client authentication,
code grant, OpenID, revocation), ``authorize`` (the authorize endpoint), ``connections`` (the
password and refresh grants); here, the discovery metadata and the set-up.
"""
import logging
from dataclasses import dataclass

from flask import current_app, url_for

from pimconnect.permissions import AUTHENTICATION_SCOPES, SCOPE_ACLS
from pimconnect.oauth.requests import STANDARD_AUTH_METHODS
from pimconnect.oauth.apps import apps_server  # noqa: F401 (what the routes call)
from pimconnect.oauth.apps import AppCodeGrant, AppRevocation, AppServer, S256Only
from pimconnect.oauth.authorize import authorize  # noqa: F401 (what the routes call)
from pimconnect.oauth.connections import ConnectionServer, connections_server  # noqa: F401 (what the routes call)
from pimconnect.services.apps import openid


# -- Discovery (RFC 8414, OpenID Connect Discovery 1.0) -----------------------------------------------

@dataclass(frozen=True)
class _Endpoints:
    authorize: str = "app_authorize.authorize"
    token: str = "oauth_endpoints.token"
    revoke: str = "oauth_endpoints.revoke"
    jwks: str = "oauth_endpoints.jwks"


def metadata(openid_provider=False):
    """The apps' authorization server metadata, from what AppServer registers: its grants and their
    response types, client-auth methods (the IANA-registered ones; Akeneo's exchange is documented,
    not discoverable), PKCE methods, the revocation endpoint; the issuer and URLs from PIM_URL."""
    base, endpoints = current_app.config["PIM_URL"], _Endpoints()
    grant_classes = [grant for grant, _extensions in AppServer.GRANTS]
    auth_methods = [m for m in AppCodeGrant.TOKEN_ENDPOINT_AUTH_METHODS if m in STANDARD_AUTH_METHODS]
    document = {
        "issuer": base,
        "authorization_endpoint": base + url_for(endpoints.authorize),
        "token_endpoint": base + url_for(endpoints.token),
        "jwks_uri": base + url_for(endpoints.jwks),
        "revocation_endpoint": base + url_for(endpoints.revoke),
        "response_types_supported": sorted({t for grant in grant_classes for t in grant.RESPONSE_TYPES}),
        "response_modes_supported": ["query"],
        "grant_types_supported": [grant.GRANT_TYPE for grant in grant_classes],
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": [
            m for m in AppRevocation.CLIENT_AUTH_METHODS if m in STANDARD_AUTH_METHODS],
        "code_challenge_methods_supported": list(S256Only.SUPPORTED_CODE_CHALLENGE_METHOD),
        "scopes_supported": list(AUTHENTICATION_SCOPES) + sorted(SCOPE_ACLS),
        "authorization_response_iss_parameter_supported": True,  # RFC 9207, _Issuer
    }
    if openid_provider:
        document.update({
            "subject_types_supported": ["pairwise"],  # the consent's uuid per (user, app), §5.1
            "id_token_signing_alg_values_supported": [openid.ALGORITHM],
            "claims_supported": sorted(openid.CLAIMS),
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
        })
    return document


# -- Set-up ---------------------------------------------------------------------------------------

def init_app(app):
    """One server of each kind per app (nothing is built at import time); config is read per request."""
    app.extensions["oauth_servers"] = {"apps": AppServer(), "connections": ConnectionServer()}
    # Authlib logs each issued token at DEBUG ("Issue token {...}"): never let it reach a log (A18).
    logging.getLogger("authlib").setLevel(logging.INFO)

