"""PIM Connect: the application factory."""
import gc
import os

from flask import Flask

from pimconnect import config as config_module
from pimconnect.json_provider import FastJSONProvider


def create_app(test_config=None):
    """Build the app: config -> database -> login -> CSRF -> blueprints -> static files -> errors -> CLI."""
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
    if app.config["PIM_ENV"] not in config_module.DEV_ENVS and app.debug:
        raise config_module.ConfigError("Debug mode is refused in production.")
    if app.config.get("PIM_STRICT_TEMPLATES"):
        from jinja2 import StrictUndefined

        app.jinja_env.undefined = StrictUndefined

    from pimconnect import assets, cli, db, errors, security, web

    db.init_app(app)
    security.init_app(app)
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
