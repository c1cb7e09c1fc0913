"""The API against its OpenAPI document, fuzzed by schemathesis over real HTTP (checklist N2).

Every documented operation is its own test item and gets ``PIM_CONTRACT_EXAMPLES`` generated
requests (default 15; set it higher, and PIM_CONTRACT_PHASES, for a deep run), authenticated with
a real token from the password grant (the token endpoint itself with the connection's HTTP Basic
credentials). Each answer must not be a server error, and its status, content type, headers and
body must be the documented ones. Generation is derandomized so a CI run is repeatable; the
module's server has a database of its own.
"""
import collections
import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import load_all_checks, not_a_server_error
from schemathesis.core import deserialization
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pimconnect import create_app, migrate
from pimconnect.api import openapi
from pimconnect.api.bodies import COLLECTION_TYPE
from pimconnect.db import db
from tests.conftest import fresh_database_url, make_test_config
from tests.live_api import live_api

# The cost, as measured: about 11 ms of CPU per request (client, live server and database in one
# process). The coverage phase alone sends ~5,500 requests (up to 270 for a product write) and
# ignores max_examples, so CI runs the examples and fuzzing phases (positive and negative
# generation) with 15 examples per operation: ~1,000 requests, ~25 s of CPU for the module.
# PIM_CONTRACT_PHASES=examples,coverage,fuzzing and a larger PIM_CONTRACT_EXAMPLES make a deep run.
EXAMPLES = int(os.environ.get("PIM_CONTRACT_EXAMPLES", "15"))
PHASES = os.environ.get("PIM_CONTRACT_PHASES", "examples,fuzzing").split(",")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
TOKEN_PATH = "/api/oauth/v1/token"

schema = schemathesis.openapi.from_dict(openapi.document("http://127.0.0.1"))
schema.config.phases.update(phases=PHASES)


def ndjson(body):
    """A batch body is one JSON document per line (§7); the document describes it as an array."""
    if isinstance(body, bytes):  # negative cases: raw bytes, sent as they are
        return body
    lines = body if isinstance(body, list) else [body]
    return "\n".join(json.dumps(line, default=str) for line in lines).encode()


@schemathesis.deserializer(COLLECTION_TYPE)
def _ndjson_lines(ctx, response):
    """Batch answers as the list of their lines; schemathesis treats the JSON family as one, so
    this deserializer also sees plain JSON answers."""
    text = response.content.decode()
    if response.headers.get("content-type", [""])[0].startswith(COLLECTION_TYPE):
        return [json.loads(line) for line in text.split("\n") if line]
    return json.loads(text)


# The built-in JSON deserializer also claims "+json" types and is consulted first (registration
# order): put this one before it.
deserialization._DESERIALIZERS = {COLLECTION_TYPE: _ndjson_lines, **deserialization._DESERIALIZERS}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The demo catalog with 30 products, on a live server of this module's own."""
    from pimconnect.services.demo import seed as demo

    with fresh_database_url(tmp_path_factory.mktemp("contract")) as url:
        app = create_app(make_test_config(url))
        with db.connection_context():
            migrate.upgrade(db.obj)
            demo.seed_if_empty(app.config, products=30)
        with live_api(app) as api:
            yield api


# One pytest item per operation, named by it ("GET /api/rest/v1/products"): schemathesis's own
# ``schema.parametrize()`` gives all its items the same node id, and pytest-xdist then runs only one
# of them. Each item builds that operation's Hypothesis test the way the schemathesis plugin does
# (examples, coverage and fuzzing phases, as the schema's configuration enables them).
OPERATIONS = {result.ok().label: result.ok() for result in schema.get_all_operations()}
SENT = collections.Counter()  # operation label -> requests sent (an item that sends none proves nothing)


@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def _exchange(case, live):
    headers = live.basic if case.operation.path == TOKEN_PATH else live.bearer
    # schemathesis would send a batch body as one JSON array; the API takes one document per line.
    body = {"data": ndjson(case.body)} if case.media_type == COLLECTION_TYPE else {}
    # A generous timeout: this is no speed test, and a batch of 100 saves is slow on a busy machine.
    response = case.call_and_validate(base_url=live.url, headers=headers, checks=CHECKS, timeout=120, **body)
    SENT[case.operation.label] += 1
    assert response.status_code < 500


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_api_contract(label, live):
    load_all_checks()
    fuzz = build_operation_test(config=schema.config, operation=OPERATIONS[label], test_func=_exchange,
                                given_kwargs={}, feedback=FeedbackSources())
    fuzz(live=live)
    assert SENT[label] > 0, f"{label} was never exercised"


HUGE_PAGE = "78120000760956452864"  # found by the fuzzer: its offset overflows a 64-bit integer
OFFSET_LISTS = ["locales", "currencies", "media-files", "categories", "attributes", "attributes/color/options",
                "attribute-groups", "families", "association-types", "channels", "products-uuid", "products"]


@pytest.mark.parametrize("resource", OFFSET_LISTS)
def test_a_page_beyond_any_offset_is_no_server_error(api, resource):
    """Offset lists answer a page number past any 64-bit offset with an empty page or a 422."""
    response = api.get(f"/api/rest/v1/{resource}?page={HUGE_PAGE}&limit=62")
    assert response.status_code in (200, 422), response.get_json()
    if response.status_code == 200:
        assert response.get_json()["_embedded"]["items"] == []
