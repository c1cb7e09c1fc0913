"""A live PIM for API clients that speak real HTTP (schemathesis, the Akeneo client libraries, the
API benchmark): a threaded werkzeug server on a free loopback port, with a connection whose role
holds every API ACL and a token from the real password grant."""
import base64
import contextlib
import threading
from dataclasses import dataclass

import requests
from werkzeug.serving import make_server

from pimconnect.db import db


@dataclass
class LiveApi:
    url: str  # http://127.0.0.1:<port>
    app: object
    credentials: object  # connections.Credentials: client_id, secret, username, password
    token: dict  # the password grant's response body

    @property
    def bearer(self):
        return {"Authorization": f"Bearer {self.token['access_token']}"}

    @property
    def basic(self):
        pair = f"{self.credentials.client_id}:{self.credentials.secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


@contextlib.contextmanager
def serve(app):
    """Serve ``app`` on a thread; yields its base URL, which becomes the app's PIM_URL (links)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["PIM_URL"] = f"http://127.0.0.1:{server.server_port}"
    try:
        yield app.config["PIM_URL"]
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def password_grant(url, credentials):
    response = requests.post(f"{url}/api/oauth/v1/token", timeout=30, auth=(credentials.client_id, credentials.secret),
                             json={"grant_type": "password", "username": credentials.username,
                                   "password": credentials.password})
    assert response.status_code == 200, response.text
    return response.json()


@contextlib.contextmanager
def live_api(app, code="contract"):
    """Serve ``app`` (already migrated and seeded) and log a new all-ACL connection in."""
    from tests.conftest import make_connection

    with app.app_context(), db.connection_context():
        _connection, credentials = make_connection(code)
    with serve(app) as url:
        yield LiveApi(url, app, credentials, password_grant(url, credentials))
