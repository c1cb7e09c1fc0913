"""The Akeneo-compatible REST API (``/api/rest/v1``) and the connection token endpoint.

Resource modules register their views on ``bp``; every view is declared with
``core.api_view(acl, entities)`` (or ``core.public_api_view``).
"""
import re

from flask import Blueprint, current_app, jsonify

from pimconnect.api.core import ApiError, public_api_view
from pimconnect.api.responses import base_url

bp = Blueprint("api", __name__, url_prefix="/api/rest/v1")


@bp.errorhandler(ApiError)
def _api_error(exc):
    return exc.response()


@bp.get("")
@public_api_view
def root():
    """The route list (no token needed), as the reference's discovery document."""
    routes = {}
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(bp.url_prefix) or rule.endpoint == "api.root":
            continue
        methods = sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS"))
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        routes[rule.endpoint.replace(".", "_")] = {"route": path, "methods": methods}
    return jsonify({
        "host": base_url(),
        "authentication": {"fos_oauth_server_token": {"route": "/api/oauth/v1/token", "methods": ["POST"]}},
        "routes": routes,
    })


@bp.get("/system-information")
@public_api_view
def system_information():
    return jsonify({"version": current_app.config["PIM_VERSION"],
                    "edition": current_app.config["PIM_EDITION"].upper()})


def init_app(app):
    from pimconnect.api import token  # noqa: F401  (registers the token endpoint)
    from pimconnect.security import csrf

    # Resources are emitted in the reference's field order (§6.2), which sorted keys would break.
    app.json.sort_keys = False
    csrf.exempt(bp)
    csrf.exempt(token.bp)
    app.register_blueprint(bp)
    app.register_blueprint(token.bp)


def _load_resources():
    """Import every resource module once, so its views are registered on ``bp`` before any app."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        if module.name not in ("core", "token"):
            importlib.import_module(f"{__name__}.{module.name}")


_load_resources()
