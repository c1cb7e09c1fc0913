"""Blueprint registration and what every template can use."""
from flask_login import current_user

from pimconnect import permissions


def init_app(app):
    from pimconnect import api
    from pimconnect.blueprints import auth, connect, connections, home, media, notifications, products, settings, system

    for module in (auth, home, settings, system, products, media, connect, connections, notifications):
        app.register_blueprint(module.bp)
    api.init_app(app)
    from pimconnect.blueprints import oauth_endpoints

    oauth_endpoints.init_app(app)  # registered CSRF-exempt: apps authenticate themselves

    @app.context_processor
    def _globals():
        return {
            "can": lambda code: current_user.is_authenticated and permissions.can(code),
            "pim_edition": app.config["PIM_EDITION"],
            "pim_version": app.config["PIM_VERSION"],
        }
