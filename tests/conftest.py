"""Fixtures: a database per test (a copy of a migrated, or migrated and seeded, golden database built
once per session: a SQLite file, or a PostgreSQL schema when PIM_TEST_DATABASE_URL is set), the app,
its test client, and logged-in helpers."""
import contextlib
import copy
import os
import re

import pytest

from pimconnect import create_app, migrate
from pimconnect.db import bind, db, temporary_postgres_schema, write_txn
from pimconnect.services.access import passwords
from tests.golden import MIGRATED, SEEDED, compact_catalog, make_goldens
from tests.process_setup import set_up_test_process

passwords.use_fast_parameters_for_tests()
set_up_test_process()  # before pytest picks its temporary folder

PG_URL = os.environ.get("PIM_TEST_DATABASE_URL")
ADMIN_PASSWORD = "admin-test-password"
JULIA_PASSWORD = "julia-test-password"


@contextlib.contextmanager
def fresh_database_url(directory):
    """A database of its own: a SQLite file in ``directory``, or a new PostgreSQL schema."""
    if not PG_URL:
        yield f"sqlite:///{directory / 'test.sqlite3'}"
        return
    with temporary_postgres_schema(PG_URL, prefix="t") as url:
        yield url


def pytest_sessionstart(session):
    """Before a PostgreSQL run (once, not in each xdist worker): compact the system catalog (pg_catalog) earlier runs bloated."""
    if PG_URL and not hasattr(session.config, "workerinput"):
        compact_catalog(PG_URL)


# The modules that take longest (5-30 s each on SQLite or PostgreSQL), longest first. pytest-xdist hands whole modules out
# (--dist loadfile) in collection order (--no-loadscope-reorder in pytest.ini; its default order,
# most tests first, started these last and left one worker idle for up to 40 s at the end of a run).
LONG_MODULES = (
    "tests/e2e/test_ui_layout.py",
    "tests/e2e/test_apps_journey.py",
    "tests/e2e/test_connected_apps_journey.py",
    "tests/e2e/test_proposals_journey.py",
    "tests/e2e/test_catalog_editor_journey.py",
    "tests/e2e/test_catalog_mapping_journey.py",
    "tests/e2e/test_catalogs_journey.py",
    "tests/test_app_token_race.py",
    "tests/test_api_contract.py",
    "tests/test_api_products_fuzz.py",
    "tests/test_selection_property.py",
    "tests/test_api_attributes.py",
    "tests/test_setup_commands.py",
    "tests/test_migrations_upgrade.py",
    "tests/e2e/test_journeys.py",
    "tests/e2e/test_connections_journey.py",
    "tests/e2e/test_role_permissions.py",
    "tests/e2e/test_app_wizard_journey.py",
    "tests/test_stored_secrets.py",
    "tests/test_app_token.py",
    "tests/test_app_store.py",
    "tests/test_api_product_search.py",
    "tests/test_api_catalog_products.py",
    "tests/test_api_catalog_mapped_products.py",
    "tests/test_api_catalog_mapping.py",
)


def pytest_collection_modifyitems(items):
    """Run LONG_MODULES first, in their order; every other module keeps its place after them."""
    rank = {path: position for position, path in enumerate(LONG_MODULES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


def make_test_config(database_url, **overrides):
    """The configuration every test app starts from."""
    config = {
        "TESTING": True,
        "PIM_ENV": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "PIM_STRICT_TEMPLATES": True,
        "PIM_STRICT_TRANSACTIONS": True,  # a data write outside write_txn() fails the test
        "PIM_URL": "http://localhost",
        "PIM_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "PIM_DEMO_USER_PASSWORD": JULIA_PASSWORD,
        "PIM_GC_FREEZE": False,  # a collection per app would cost the suite minutes
        "PIM_JOBS_IMMEDIATE": True,  # queued jobs run right after the commit: deterministic tests
    }
    config.update(overrides)
    return config


def seed_structure_and_users():
    """What ``seeded_app`` adds to a migrated database: the demo structure, users admin and julia."""
    from pimconnect.services.demo import seed as demo

    with db.connection_context():
        with write_txn():
            demo.seed_structure()
            demo.seed_users(ADMIN_PASSWORD, JULIA_PASSWORD)


class Session:
    """What every test shares: one app (create_app is ~50 ms, mostly compiling URL rules, and a shared
    Jinja environment compiles each template once) and the golden databases its tests copy."""

    def __init__(self, directory):
        self.goldens = make_goldens(PG_URL, directory)
        self.app = create_app(make_test_config(self.goldens.golden_url(MIGRATED)))
        with db.connection_context():
            migrate.upgrade(db.obj)
        self.goldens.seal(MIGRATED)
        self.app.config["DATABASE_URL"] = self.goldens.golden_url(SEEDED, source=MIGRATED)
        bind(self.app)
        seed_structure_and_users()
        self.goldens.seal(SEEDED)
        self.config = copy.deepcopy(dict(self.app.config))
        self.filled = {}  # database URL -> the golden it was copied from (None: empty)

    def reset_app(self, database_url):
        """The shared app as create_app left it, bound to ``database_url``: no test's config leaks."""
        if self.app is None:  # the last test changed the app's set-up: start from a new one
            self.app = create_app(make_test_config(database_url))
            self.goldens.end_test_connections()  # the pool create_app opened (its start-up checks used it)
        self.app.config.clear()
        self.app.config.update(copy.deepcopy(self.config))
        self.app.config["DATABASE_URL"] = database_url
        kept = self.goldens.pool_for(database_url)
        if kept is None:
            self.goldens.keep_pool(database_url, bind(self.app))
        else:
            db.initialize(kept)
            self.app.extensions["database"] = kept
        # A test may add a route or hook as on a new app (Flask refuses once a request was served);
        # check_app() then throws the app away after that test.
        self.app._got_first_request = False
        self.shape = app_shape(self.app)
        return self.app

    def check_app(self):
        if app_shape(self.app) != self.shape:
            self.app = None


def app_shape(app):
    """What a test can add to an app's set-up: routes, hooks, handlers, template globals, middleware."""
    hooks = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs,
             app.teardown_appcontext_funcs, app.template_context_processors, app.url_value_preprocessors,
             app.url_default_functions)
    return (len(app.url_map._rules), len(app.view_functions), app.wsgi_app,
            repr(hooks), repr(_registered_error_handlers(app)),
            tuple(app.jinja_env.globals), tuple(app.jinja_env.filters), tuple(app.extensions))


def _registered_error_handlers(app):
    """Flask's error handlers without the empty entries its look-ups add: the first 404 a test
    answers adds ``{None: {404: {}}}`` to the spec (a blueprint's, ``{"connect": {}}``), which made
    the next test rebuild the app (~250 ms, 90 times a run)."""
    registered = {scope: {code: handlers for code, handlers in codes.items() if handlers}
                  for scope, codes in app.error_handler_spec.items()}
    return {scope: codes for scope, codes in registered.items() if codes}


@pytest.fixture(scope="session")
def pim_session(tmp_path_factory):
    session = Session(tmp_path_factory.mktemp("golden"))
    yield session
    session.goldens.close()


def golden_for(request):
    """Which golden this test's database starts as: seeded if it uses ``seeded_app``, migrated if ``app``."""
    names = request.fixturenames
    return SEEDED if "seeded_app" in names else MIGRATED if "app" in names else None


@pytest.fixture
def database_url(pim_session, tmp_path, request):
    """A database of this test's own, dropped afterwards."""
    kind = golden_for(request)
    url, drop = pim_session.goldens.copy(kind, tmp_path)
    pim_session.filled[url] = kind
    yield url
    pim_session.filled.pop(url, None)
    drop()


@pytest.fixture
def app(pim_session, database_url):
    """The app on an empty, fully migrated database."""
    app = pim_session.reset_app(database_url)
    if pim_session.filled.get(database_url) is None:  # fixture asked for late (getfixturevalue)
        with db.connection_context():
            migrate.upgrade(db.obj)
        pim_session.filled[database_url] = MIGRATED
    yield app
    pim_session.goldens.end_test_connections()
    pim_session.check_app()


@pytest.fixture
def conn(app):
    """An open database connection for test code that reads or writes models directly."""
    db.connect(reuse_if_open=True)
    yield db
    if not db.is_closed():
        db.close()


@pytest.fixture
def ctx(seeded_app):
    """An app context on the demo structure with the database connected, for the test's own reads and writes."""
    with seeded_app.app_context():
        db.connect(reuse_if_open=True)
        yield seeded_app
        if not db.is_closed():
            db.close()


@pytest.fixture
def seeded_app(app, pim_session):
    """The app on a database seeded with the demo structure and users admin and julia, but no products."""
    if pim_session.filled.get(app.config["DATABASE_URL"]) != SEEDED:
        seed_structure_and_users()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, path="/login"):
    """The CSRF token of the client's session, read from a rendered page."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no csrf_token on {path}"
    return match.group(1)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username="admin", password=None):
        password = password or {"admin": ADMIN_PASSWORD, "julia": JULIA_PASSWORD}.get(username, "")
        token = csrf_token(self.client)
        return self.client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )

    def token(self):
        return csrf_token(self.client, "/")

    def post(self, path, data=None, htmx=False, **kwargs):
        """POST with the session's CSRF token in the form (or in the htmx header)."""
        token = self.token()
        headers = kwargs.pop("headers", {})
        data = dict(data or {})
        if htmx:
            headers.update({"HX-Request": "true", "X-CSRFToken": token})
        else:
            data.setdefault("csrf_token", token)
        return self.client.post(path, data=data, headers=headers, **kwargs)


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def admin(seeded_app, auth):
    """A client logged in as admin (every permission)."""
    response = auth.login("admin")
    assert response.status_code == 303
    return auth


@pytest.fixture
def julia(seeded_app, client):
    """A client logged in as julia (catalog manager, no apps permissions)."""
    other = Auth(client)
    assert other.login("julia").status_code == 303
    return other


class Api:
    """A REST API client over the Flask test client, authenticated with a bearer token."""

    def __init__(self, client, token, credentials=None):
        self.client = client
        self.token = token
        self.credentials = credentials

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path, headers=None, **kwargs):
        return self.client.get(path, headers=self._headers(headers), **kwargs)

    def delete(self, path, headers=None, **kwargs):
        return self.client.delete(path, headers=self._headers(headers), **kwargs)

    def post(self, path, json=None, headers=None, **kwargs):
        return self.client.post(path, json=json, headers=self._headers(headers), **kwargs)

    def patch(self, path, json=None, headers=None, **kwargs):
        return self.client.patch(path, json=json, headers=self._headers(headers), **kwargs)

    def patch_batch(self, path, lines, headers=None):
        """A collection PATCH: one JSON document (or raw string) per line."""
        import json as json_module

        body = "\n".join(line if isinstance(line, str) else json_module.dumps(line) for line in lines)
        return self.client.patch(path, data=body, content_type="application/vnd.akeneo.collection+json",
                                 headers=self._headers(headers))

    @staticmethod
    def lines(response):
        """The NDJSON lines of a collection PATCH response."""
        import json as json_module

        return [json_module.loads(line) for line in response.get_data(as_text=True).split("\n") if line]


def make_connection(code="erp", acls=None, role=None):
    """A connection (its client and API user) whose role holds ``acls`` (default: every API ACL).

    Returns (connection, Credentials). Call inside an app context with the database connected.
    """
    from pimconnect import permissions
    from pimconnect.models import Role
    from pimconnect.services.connections import settings as connections

    with write_txn():
        if role is None:
            codes = permissions.API_ACLS if acls is None else list(acls)
            role = Role.create(code=f"ROLE_API_{code.upper()}", label=f"API {code}", permissions=codes)
    return connections.create({"code": code, "label": f"Connection {code}", "flow_type": "data_source",
                               "role": str(role.id)})


def password_grant(client, credentials):
    """A token response from the real token endpoint (HTTP Basic client auth, JSON body)."""
    import base64

    basic = base64.b64encode(f"{credentials.client_id}:{credentials.secret}".encode()).decode()
    return client.post("/api/oauth/v1/token", headers={"Authorization": f"Basic {basic}"},
                       json={"grant_type": "password", "username": credentials.username,
                             "password": credentials.password})


@pytest.fixture
def api_as(seeded_app, client):
    """A factory: ``api_as(acls)`` is an Api whose connection role holds exactly ``acls``."""
    counter = iter(range(1, 1000))

    def make(acls=None, code=None):
        with seeded_app.app_context(), db.connection_context():
            _connection, credentials = make_connection(code or f"conn{next(counter)}", acls)
        response = password_grant(client, credentials)
        assert response.status_code == 200, response.get_json()
        return Api(client, response.get_json()["access_token"], credentials)

    return make


@pytest.fixture
def api(api_as):
    """An Api with every API ACL (and overall access)."""
    return api_as()
