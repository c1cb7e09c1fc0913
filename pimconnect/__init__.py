"""PIM Connect: the application factory."""
import gc
import os

from flask import Flask

from pimconnect import config as config_module
from pimconnect.json_provider import FastJSONProvider


def create_app(test_config=None):
    """Build the app: config -> database -> login -> CSRF -> OAuth servers -> blueprints -> static files ->
    errors -> CLI."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=os.path.join(os.path.dirname(__file__), "..", "templates"),
        static_folder=os.path.join(os.path.dirname(__file__), "..", "static"),
    )
    app.json = FastJSONProvider(app)
    app.config.update(config_module.from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    app.config["SECRET_KEY"] = config_module.ensure_secret_key(app.config, app.instance_path)
    config_module.ensure_database_folder(app.config, app.instance_path)
    if app.config.get("PIM_PROXY_COUNT", 0) > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # remote_addr becomes the client's address as the proxies saw it: the login and token
        # throttles key on it, and a proxy's own address would lock every client out together.
        count = app.config["PIM_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    if app.config["PIM_ENV"] not in config_module.DEV_ENVS and app.debug:
        raise config_module.ConfigError("Debug mode is refused in production.")
    if app.config.get("PIM_STRICT_TEMPLATES"):
        from jinja2 import StrictUndefined

        app.jinja_env.undefined = StrictUndefined

    from pimconnect import assets, cli, db, errors, oauth, security, web
    from pimconnect.services import stored_secrets

    db.init_app(app)
    if app.config.get("PIM_CHECK_STORED_SECRETS", True):  # False only for `secrets discard-unreadable`
        stored_secrets.verify_keys(app)  # a changed key refuses to start, rather than 500 at each code exchange
    security.init_app(app)
    oauth.init_app(app)
    web.init_app(app)
    assets.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    if app.config["PIM_GC_FREEZE"]:
        # The app's modules, templates and models live as long as the process: moved out of the
        # garbage collector's sight, they stop being walked by every full collection (a third of
        # the time of a page of 100 products went to those walks).
        gc.collect()
        gc.freeze()
    return app
