"""Blueprint registration, what every template can use, and flashes that never follow the user off the PIM."""
from urllib.parse import urlsplit

from flask import request, session
from flask_login import current_user

from pimconnect import permissions


def init_app(app):
    from pimconnect import api
    from pimconnect.blueprints import (
        auth,
        catalogs,
        connect,
        connected_apps,
        connections,
        custom_apps,
        home,
        jobs,
        media,
        notifications,
        products,
        proposals,
        settings,
        system,
    )

    # connected_apps before connect: it serves /connect/connected-apps.
    for module in (auth, home, settings, system, jobs, products, proposals, media, connected_apps, custom_apps,
                   catalogs, connect, connections, notifications):
        app.register_blueprint(module.bp)
    from pimconnect.security import csrf

    csrf.exempt(connected_apps.scopes_update)  # bearer-token authenticated, like the REST API
    api.init_app(app)
    from pimconnect.blueprints import oauth_endpoints

    oauth_endpoints.init_app(app)  # registered CSRF-exempt: apps authenticate themselves
    from pimconnect.blueprints import app_authorize

    app.register_blueprint(app_authorize.bp)  # the authorize endpoint and the Connect wizard

    app.after_request(drop_flashes_leaving_the_pim)

    @app.context_processor
    def _globals():
        return {
            "can": lambda code: current_user.is_authenticated and permissions.can(code),
            "pim_edition": app.config["PIM_EDITION"],
            "pim_version": app.config["PIM_VERSION"],
        }


def drop_flashes_leaving_the_pim(response):
    """A message flashed before a redirect to another site (an app's callback) is dropped.

    It was meant for a page of the PIM right after this one; shown later, on the next unrelated page,
    it would only confuse (issue 14).
    """
    target = response.headers.get("HX-Redirect") or (response.location if response.status_code in
                                                      (301, 302, 303, 307, 308) else None)
    if target and "_flashes" in session and urlsplit(target).netloc not in ("", request.host):
        session.pop("_flashes")
    return response
