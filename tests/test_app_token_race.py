"""The code-replay race on a live threaded server (checklist F1/A5, decision D3): 100 codes, each
redeemed by 16 concurrent requests, give exactly 100 tokens and no server error."""
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from pimconnect.db import db
from pimconnect.models import ApiClient, ApiToken
from tests.live_api import serve
from tests.oauth_helpers import TOKEN_URL, akeneo_fields, connect_app, new_code, register_app

CODES = 100
CONCURRENCY = 16


def test_each_code_is_redeemed_exactly_once_under_concurrency(seeded_app):
    """Of 16 simultaneous exchanges of one code, one wins; the others are replays (400 invalid_grant)."""
    seeded_app.config["PIM_AUTH_CODE_SECONDS"] = 600  # the codes are all made first, then redeemed
    with seeded_app.app_context(), db.connection_context():
        app_id = register_app("s3cr3t")
        connect_app(app_id, ["read_products"])
        codes = [new_code(app_id) for _ in range(CODES)]
        # Each request authenticates with its own fresh identifier, so all 16 reach the code check.
        requests_per_code = [[akeneo_fields(app_id, code) for _ in range(CONCURRENCY)] for code in codes]
    sessions = threading.local()

    def post(url, fields, barrier):
        session = getattr(sessions, "session", None) or requests.Session()
        sessions.session = session
        barrier.wait(timeout=30)
        response = session.post(url + TOKEN_URL, data=fields, timeout=60)
        return response.status_code, response.json()

    results = []
    with serve(seeded_app) as url, ThreadPoolExecutor(CONCURRENCY) as pool:
        for fields_list in requests_per_code:
            barrier = threading.Barrier(CONCURRENCY)
            outcomes = list(pool.map(lambda fields: post(url, fields, barrier), fields_list))
            results.append(outcomes)

    statuses = [status for outcomes in results for status, _ in outcomes]
    assert statuses.count(200) == CODES
    assert all(sum(status == 200 for status, _ in outcomes) == 1 for outcomes in results)
    refusals = [body for outcomes in results for status, body in outcomes if status != 200]
    assert len(refusals) == CODES * (CONCURRENCY - 1)
    assert all(body == {"error": "invalid_grant", "error_description": "Code is not valid"} for body in refusals)
    with seeded_app.app_context(), db.connection_context():
        client = ApiClient.get(ApiClient.client_id == app_id)
        tokens = ApiToken.select().where(ApiToken.client == client.id)
        assert tokens.count() == CODES
        # Every code was replayed after its exchange, so every token issued from it is revoked (D3).
        assert tokens.where(ApiToken.revoked == True).count() == CODES  # noqa: E712
