"""The PIM and the Demo App as two live servers on free loopback ports, wired together the way
``make run`` wires them: the Demo App listing points at the Demo App, whose credentials file was
written by ``flask apps demo-credentials`` and which accepts only this PIM's pim_url."""
import contextlib
import threading
from dataclasses import dataclass

from werkzeug.serving import make_server

from demo_app import create_app as create_demo_app
from pimconnect import create_app, migrate
from pimconnect.cli_demo_app import DEMO_APP_ID, demo_credentials
from pimconnect.db import db
from tests.conftest import fresh_database_url, make_test_config
from tests.live_api import serve


@dataclass
class LiveApps:
    pim_url: str
    demo_url: str
    pim: object  # the PIM's Flask app
    demo: object  # the Demo App's Flask app


@contextlib.contextmanager
def serve_demo(app):
    """Serve the Demo App on a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def _seed(app, products):
    from pimconnect.services.demo import seed as demo
    from pimconnect.services.apps import openid

    with app.app_context(), db.connection_context():
        migrate.upgrade(db.obj)
        demo.seed_if_empty(app.config, products=products)
        openid.ensure_keys()


def _list_the_demo_app(app, demo_url, credentials_file):
    """The shipped Demo App listing pointed at ``demo_url``, and its credentials handed over."""
    from pimconnect.services.apps import listings as app_listings
    from pimconnect.services.apps import store as app_store

    app.config["PIM_DEMO_APP_URL"] = demo_url
    with app.app_context(), db.connection_context():
        app_store.load_shipped()
        app_listings.register({"id": DEMO_APP_ID, "activate_url": f"{demo_url}/activate",
                                "callback_url": f"{demo_url}/callback"})
        demo_credentials(credentials_file, force=True)


@contextlib.contextmanager
def live_apps(directory, edition="ee", products=30):
    """Both servers on a fresh seeded database in ``directory``; yields LiveApps."""
    with fresh_database_url(directory) as url:
        pim = create_app(make_test_config(url, PIM_EDITION=edition, PIM_DEMO_PRODUCTS=products))
        _seed(pim, products)
        demo = create_demo_app({"TESTING": False, "DEMO_APP_CLIENT_ID": DEMO_APP_ID, "DEMO_APP_CLIENT_SECRET": None,
                                "DEMO_APP_CREDENTIALS_FILE": str(directory / "demo" / "credentials.json"),
                                "DEMO_APP_DATABASE": str(directory / "demo" / "demo.sqlite3")},
                               instance_path=directory / "demo")
        with serve(pim) as pim_url, serve_demo(demo) as demo_url:
            demo.config["DEMO_APP_PIM_URL"] = pim_url
            _list_the_demo_app(pim, demo_url, directory / "demo" / "credentials.json")
            yield LiveApps(pim_url, demo_url, pim, demo)
        if not db.is_closed():
            db.close()
