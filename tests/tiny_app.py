"""A tiny third-party app for the custom-app journeys: it is what a developer writes against PIM Connect.

``/activate`` sends the browser to the PIM's authorize endpoint with ``scopes``; ``/callback`` does
Akeneo's code exchange (code_identifier + sha256(code_identifier + secret)) over real HTTP with the
secret the test copied from the PIM's credentials page, and keeps the access token.
"""
import contextlib
import hashlib
import json
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request

from flask import Flask, abort, redirect, request
from werkzeug.serving import make_server


class TinyApp:
    def __init__(self, pim_url):
        self.pim_url = pim_url
        self.client_id = None
        self.secret = None
        self.scopes = "read_products"
        self.token = None
        self.exchanges = []
        self.states = set()
        self.flask = Flask("tiny_app")
        self.flask.add_url_rule("/activate", view_func=self.activate)
        self.flask.add_url_rule("/callback", view_func=self.callback)

    def activate(self):
        if request.args.get("pim_url") != self.pim_url:
            abort(400)
        state = secrets.token_hex(8)
        self.states.add(state)
        query = urllib.parse.urlencode({"response_type": "code", "client_id": self.client_id,
                                        "scope": self.scopes, "state": state})
        return redirect(f"{self.pim_url}/connect/apps/v1/authorize?{query}")

    def callback(self):
        if request.args.get("state") not in self.states:
            abort(400)
        identifier = secrets.token_hex(30)
        form = urllib.parse.urlencode({
            "client_id": self.client_id, "code": request.args["code"], "grant_type": "authorization_code",
            "code_identifier": identifier,
            "code_challenge": hashlib.sha256((identifier + self.secret).encode()).hexdigest()}).encode()
        try:
            with urllib.request.urlopen(f"{self.pim_url}/connect/apps/v1/oauth2/token", data=form) as answer:
                body = json.load(answer)
        except urllib.error.HTTPError as refused:
            body = json.load(refused)
            self.exchanges.append(body)
            return f"<p id='tiny-error'>{body.get('error')}</p>", 400
        self.exchanges.append(body)
        self.token = body["access_token"]
        return f"<h1 id='tiny-connected'>Tiny app connected</h1><p id='tiny-scope'>{body['scope']}</p>"

    def api(self, path, method="GET"):
        """(status, body) of a REST call with the app's token."""
        call = urllib.request.Request(f"{self.pim_url}{path}", method=method,
                                      headers={"Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(call) as answer:
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read() or b"null")


@contextlib.contextmanager
def serve_tiny_app(pim_url):
    """The tiny app on a free loopback port; yields (TinyApp, its base URL)."""
    tiny = TinyApp(pim_url)
    server = make_server("127.0.0.1", 0, tiny.flask, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tiny, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
