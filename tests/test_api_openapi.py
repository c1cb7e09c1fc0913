"""The OpenAPI document: valid, served without a token, and equal to the app's API routes."""
import re

import schemathesis

from pimconnect.api import openapi

HTTP_METHODS = {"get", "post", "patch", "put", "delete"}


def api_routes(app):
    """{(path, METHOD)} of every API route: /api/rest/v1/… and the token and revocation endpoints."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith(openapi.V1) or rule.rule.startswith("/api/oauth/v1/")):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        routes |= {(path, method) for method in rule.methods if method not in ("HEAD", "OPTIONS")}
    return routes


def documented_operations():
    return {(path, method.upper()) for path, item in openapi.DOCUMENT["paths"].items()
            for method in item if method in HTTP_METHODS}


def test_document_is_valid_openapi():
    document = openapi.document("http://localhost")
    schemathesis.openapi.from_dict(document).validate()  # raises on an invalid document
    assert document["openapi"].startswith("3.") and document["paths"]


def test_document_describes_exactly_the_routes(app):
    """A new route without documentation, or documentation of a route that is gone, fails here."""
    routes, documented = api_routes(app), documented_operations()
    assert sorted(routes - documented) == [], "routes missing from pimconnect/api/openapi.py"
    assert sorted(documented - routes) == [], "documented operations the app does not serve"


def test_operation_ids_are_unique_and_match_the_documentation_anchors():
    ids = [op["operationId"] for item in openapi.DOCUMENT["paths"].values()
           for method, op in item.items() if method in HTTP_METHODS]
    assert len(ids) == len(set(ids))
    # The documented 422s link to http://api.akeneo.com/api-reference.html#<operationId> (§2.1).
    assert {"post_products_uuid", "patch_products_uuid__uuid_", "patch_categories__code_"} <= set(ids)


def test_every_token_operation_documents_its_refusals():
    """Bearer operations answer 401 and 403; bodies can be refused with 415; lists validate with 422."""
    for path, item in openapi.DOCUMENT["paths"].items():
        for method, op in item.items():
            if op.get("security") is not None:
                continue
            assert {"401", "403"} <= set(op["responses"]), (method, path)
            if method == "get":
                assert "406" in op["responses"], (method, path)
            else:
                assert "415" in op["responses"] or method == "delete", (method, path)


def test_served_without_token(seeded_app, client):
    response = client.get("/api/rest/v1/openapi.json")
    assert response.status_code == 200
    served = response.get_json()
    assert served["servers"] == [{"url": "http://localhost"}]
    assert served["paths"].keys() == openapi.DOCUMENT["paths"].keys()
    assert served["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "access_token from POST /api/oauth/v1/token"}


def test_served_document_refuses_html(seeded_app, client):
    response = client.get("/api/rest/v1/openapi.json", headers={"Accept": "text/html"})
    assert response.status_code == 406
    assert response.get_json()["message"] == \
        '"text/html" in "Accept" header is not valid. Only "application/json" is allowed.'


def test_batch_operations_speak_ndjson():
    """Collection PATCH takes and answers application/vnd.akeneo.collection+json, ≤ 100 lines."""
    op = openapi.DOCUMENT["paths"]["/api/rest/v1/products-uuid"]["patch"]
    assert list(op["requestBody"]["content"]) == ["application/vnd.akeneo.collection+json"]
    assert op["requestBody"]["content"]["application/vnd.akeneo.collection+json"]["schema"]["maxItems"] == 100
    assert list(op["responses"]["200"]["content"]) == ["application/vnd.akeneo.collection+json"]
    assert "413" in op["responses"]


def test_every_batch_operation_documents_its_400():
    """A batch body that is no UTF-8 is refused whole with a 400; the fuzzer found it undocumented."""
    batches = [(path, item["patch"]) for path, item in openapi.DOCUMENT["paths"].items()
               if "application/vnd.akeneo.collection+json" in item.get("patch", {}).get("requestBody", {})
               .get("content", {})]
    assert {"/api/rest/v1/categories", "/api/rest/v1/products"} <= {path for path, _ in batches}
    for path, op in batches:
        assert op["responses"]["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, path


def test_limit_is_documented_as_the_server_checks_it(api):
    """The documented 1..100 bounds of ``limit`` are where the server starts refusing."""
    limit = next(p for p in openapi.DOCUMENT["paths"]["/api/rest/v1/locales"]["get"]["parameters"]
                 if p["name"] == "limit")["schema"]
    assert (limit["minimum"], limit["maximum"]) == (1, 100)
    assert api.get("/api/rest/v1/locales?limit=100").status_code == 200
    assert api.get("/api/rest/v1/locales?limit=101").status_code == 422
    assert api.get("/api/rest/v1/locales?limit=0").status_code == 422
