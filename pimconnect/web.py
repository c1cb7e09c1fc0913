"""Blueprint registration and what every template can use."""
from flask_login import current_user

from pimconnect import permissions


def init_app(app):
    from pimconnect import api
    from pimconnect.blueprints import (
        auth,
        connect,
        connected_apps,
        connections,
        custom_apps,
        home,
        jobs,
        media,
        notifications,
        products,
        settings,
        system,
    )

    # connected_apps before connect: it serves /connect/connected-apps.
    for module in (auth, home, settings, system, jobs, products, media, connected_apps, custom_apps, connect, connections,
                   notifications):
        app.register_blueprint(module.bp)
    from pimconnect.security import csrf

    csrf.exempt(connected_apps.scopes_update)  # bearer-token authenticated, like the REST API
    api.init_app(app)
    from pimconnect.blueprints import oauth_endpoints

    oauth_endpoints.init_app(app)  # registered CSRF-exempt: apps authenticate themselves
    from pimconnect.blueprints import app_authorize

    app.register_blueprint(app_authorize.bp)  # the authorize endpoint and the Connect wizard

    @app.context_processor
    def _globals():
        return {
            "can": lambda code: current_user.is_authenticated and permissions.can(code),
            "pim_edition": app.config["PIM_EDITION"],
            "pim_version": app.config["PIM_VERSION"],
        }
