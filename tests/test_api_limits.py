"""Requests that used to answer 500 or store garbage: a ``search`` nested too deep, an IN list too long
for one SQL statement, and a JSON body that is not UTF-8."""
import json


def _search(api, search):
    return api.get("/api/rest/v1/products-uuid", query_string={"search": json.dumps(search)})


def test_search_nested_too_deep_is_refused(api):
    """1,000 nested arrays used to raise RecursionError (a 500)."""
    deep = "[" * 1000 + "]" * 1000
    response = api.get("/api/rest/v1/products-uuid",
                       query_string={"search": '{"sku":[{"operator":"IN","value":' + deep + "}]}"})
    assert response.status_code == 400
    assert response.get_json() == {"code": 400, "message": "Search query parameter is nested too deeply: "
                                                   "at most 16 levels are allowed."}


def test_search_in_list_too_long_is_refused(api):
    """250,000 values used to fail as "too many SQL variables" (a 500); several filters add up."""
    values = [f"sku-{i}" for i in range(250_000)]
    response = api.post("/api/rest/v1/products-uuid/search", json={"search": {"sku": [{"operator": "IN", "value": values}]}})
    assert response.status_code == 422
    assert response.get_json() == {"code": 422, "message": "Search query parameter has 250000 values; at most 10000 "
                                                           "are allowed in one search."}
    split = {"sku": [{"operator": "IN", "value": values[:6000]}], "uuid": [{"operator": "IN", "value": values[:6000]}]}
    assert _search(api, split).status_code == 422


def test_search_in_list_at_the_limit_works(api):
    values = [f"sku-{i}" for i in range(10_000)]
    response = api.post("/api/rest/v1/products-uuid/search", json={"search": {"sku": [{"operator": "IN", "value": values}]}})
    assert response.status_code == 200, response.get_json()


def test_body_nested_too_deep_is_refused(api):
    body = '{"identifier":"deep","values":' + "[" * 100_000 + "]" * 100_000 + "}"
    response = api.client.post("/api/rest/v1/products", data=body, content_type="application/json",
                               headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 400
    assert response.get_json()["message"] == "Invalid json message received"


def test_body_with_invalid_utf8_is_refused(api):
    """Bytes that are no UTF-8 used to be stored as U+FFFD with a 201."""
    body = b'{"identifier":"caf\xe9"}'
    response = api.client.post("/api/rest/v1/products", data=body, content_type="application/json",
                               headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 400
    assert response.get_json() == {"code": 400, "message": "Invalid json message received"}
    assert api.get("/api/rest/v1/products/caf%EF%BF%BD").status_code == 404


def test_batch_with_invalid_utf8_is_refused(api):
    body = b'{"identifier":"caf\xe9"}\n{"identifier":"fine"}'
    response = api.client.patch("/api/rest/v1/products", data=body,
                                content_type="application/vnd.akeneo.collection+json",
                                headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 400
    assert api.get("/api/rest/v1/products/fine").status_code == 404
