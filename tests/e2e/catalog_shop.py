"""A live PIM for the catalog editor's browser journeys: the demo structure and products, a connected
app with catalog scopes, and its new catalogs; plus the wait for htmx to be idle."""
import contextlib
import threading

from werkzeug.serving import make_server

from pimconnect import create_app, migrate
from pimconnect.db import db, write_txn
from pimconnect.models import Connection
from pimconnect.services import catalogs
from pimconnect.services.demo import seed as demo
from tests.app_helpers import connect_code, register_listing
from tests.conftest import fresh_database_url, make_test_config
from tests.e2e.conftest import IDLE


def posted(page, action):
    """Do ``action``, a change the catalog editor posts with htmx, and wait until its answer is swapped in
    (a click meanwhile would act on the form being replaced)."""
    with page.expect_response(lambda response: response.request.method == "POST" and "/catalogs/" in response.url):
        action()
    page.wait_for_function(IDLE)


@contextlib.contextmanager
def live_shop(folder, listing, products, catalog_names, schema=None):
    """A live PIM (CE: the app user sees every product) with ``products`` demo products and an app
    ``listing`` owning new catalogs named ``catalog_names`` (with ``schema`` pushed, ``uuid`` mapped,
    when given): yields (app, base URL, connection code, [catalog ids])."""
    with fresh_database_url(folder) as url:
        app = create_app(make_test_config(url, PIM_DEMO_PRODUCTS=products, PIM_EDITION="ce"))
        with app.app_context(), db.connection_context():
            migrate.upgrade(db.obj)
            demo.seed_if_empty(app.config, products=products)
        app_id, _ = register_listing(app, listing)
        code = connect_code(app, app_id, ["read_catalogs", "write_catalogs", "read_products"])
        with app.app_context(), db.connection_context(), write_txn():
            owner = Connection.get(Connection.code == code).user
            ids = []
            for name in catalog_names:
                catalog = catalogs.create(owner, name)
                if schema is not None:
                    catalog.product_mapping_schema = schema
                    catalog.product_mapping = {"uuid": {"source": "uuid", "scope": None, "locale": None}}
                    catalog.save()
                ids.append(catalog.id)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        app.config["PIM_URL"] = f"http://127.0.0.1:{server.server_port}"
        try:
            yield app, app.config["PIM_URL"], code, ids
        finally:
            server.shutdown()
            thread.join(timeout=5)
