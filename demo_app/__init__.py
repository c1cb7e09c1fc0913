"""The Demo App: a small third-party app that connects to PIM Connect the way an Akeneo app does.

It is a separate Flask application with its own database and secret (in ``demo_app/instance/``)
and port (8081 by default). It never imports ``pimconnect``: it talks to the PIM over HTTP only,
as any app from the App Store would (activate → authorize → callback → token → REST API).

Run it with ``flask --app demo_app run --port 8081`` (``make run`` does it for you).
"""
from pathlib import Path

from flask import Flask

from demo_app import config, storage


def create_app(test_config=None, instance_path=None):
    """Build the Demo App: configuration, its database, its routes."""
    instance = Path(instance_path or Path(__file__).resolve().parent / "instance")
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=False)
    app.config.update(config.from_environment(instance))
    if test_config:
        app.config.update(test_config)
    config.ensure_secret_key(app.config, instance)
    storage.init_app(app)
    from demo_app import catalog_views, views

    app.register_blueprint(views.bp)
    app.register_blueprint(catalog_views.bp)
    app.after_request(_security_headers)
    return app


def _security_headers(response):
    """No framing, no inline code, and no Referer carrying a code or state to other sites."""
    response.headers.setdefault("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cache-Control", "no-store")
    return response
