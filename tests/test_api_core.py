"""What every API endpoint shares: header checks, routing errors, pagination parameters and links."""
import pytest

LOCALES = "/api/rest/v1/locales"


def test_accept_header(api):
    assert api.get(LOCALES, headers={"Accept": "application/json"}).status_code == 200
    assert api.get(LOCALES, headers={"Accept": "*/*"}).status_code == 200
    refused = api.get(LOCALES, headers={"Accept": "text/html"})
    assert refused.status_code == 406
    assert refused.get_json() == {
        "code": 406, "message": '"text/html" in "Accept" header is not valid. Only "application/json" is allowed.'}


def test_content_type_header(api):
    missing = api.client.post("/api/rest/v1/categories", data="{}",
                              headers={"Authorization": f"Bearer {api.token}"})
    assert missing.status_code == 415
    assert missing.get_json()["message"] == (
        'The "Content-Type" header is missing. "application/json" has to be specified as value.')
    wrong = api.post("/api/rest/v1/categories", headers={"Content-Type": "text/plain"})
    assert wrong.get_json()["message"] == (
        '"text/plain" in "Content-Type" header is not valid. Only "application/json" is allowed.')
    with_charset = api.post("/api/rest/v1/categories", json={"code": "shoes", "parent": "master"},
                            headers={"Content-Type": "application/json; charset=utf-8"})
    assert with_charset.status_code == 201


def test_batch_needs_the_collection_content_type(api):
    response = api.patch("/api/rest/v1/categories", json={"code": "x"})
    assert response.status_code == 415
    assert response.get_json() == {"code": 415, "message": (
        '"application/json" in "Content-Type" header is not valid. '
        'Only "application/vnd.akeneo.collection+json" is allowed.')}


def test_invalid_json_body(api):
    response = api.client.post("/api/rest/v1/categories", data="{nope", content_type="application/json",
                               headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 400
    assert response.get_json() == {"code": 400, "message": "Invalid json message received"}


def test_method_not_allowed_names_the_allowed_methods(api):
    response = api.delete(LOCALES + "/en_US")
    assert response.status_code == 405
    assert response.get_json() == {
        "code": 405,
        "message": "No route found for 'DELETE /api/rest/v1/locales/en_US': Method Not Allowed (Allow: GET)"}
    assert response.headers["Allow"] == "GET"


@pytest.mark.parametrize("query, message", [
    ("limit=0", '"0" is not a valid limit number.'),
    ("limit=abc", '"abc" is not a valid limit number.'),
    ("limit=101", "You cannot request more than 100 items."),
    ("page=0", '"0" is not a valid page number.'),
    ("page=x", '"x" is not a valid page number.'),
    ("with_count=yes", 'Parameter "with_count" has to be a boolean. Only "true" or "false" allowed, "yes" given.'),
    ("pagination_type=cursor", "Pagination type does not exist."),
    ("pagination_type=search_after", "Pagination type is not supported."),
])
def test_pagination_parameter_errors(api, query, message):
    response = api.get(f"{LOCALES}?{query}")
    assert response.status_code == 422
    assert response.get_json() == {"code": 422, "message": message}


def test_offset_links_are_absolute_and_keep_parameters(api):
    search = '{"enabled":[{"operator":"=","value":false}]}'
    body = api.get(LOCALES, query_string={"limit": 1, "with_count": "true", "search": search}).get_json()
    links = body["_links"]
    assert body["current_page"] == 1 and body["items_count"] >= 2
    assert "previous" not in links
    for name in ("self", "first", "next"):
        href = links[name]["href"]
        assert href.startswith("http://localhost/api/rest/v1/locales?")
        assert "with_count=true" in href and "search=" in href and "limit=1" in href
    assert "page=2" in links["next"]["href"]
    item = body["_embedded"]["items"][0]
    assert list(item)[0] == "_links"
    assert item["_links"]["self"]["href"] == f"http://localhost/api/rest/v1/locales/{item['code']}"
    second = api.get(links["next"]["href"].replace("http://localhost", "")).get_json()
    assert second["current_page"] == 2 and "previous" in second["_links"]


def test_short_page_has_no_next(api):
    body = api.get(f"{LOCALES}?limit=100").get_json()
    assert "next" not in body["_links"]


def test_search_errors(api):
    bad_json = api.get(LOCALES, query_string={"search": "{nope"})
    assert bad_json.status_code == 400
    assert bad_json.get_json() == {"code": 400, "message": "Search query parameter should be valid JSON."}
    shape = api.get(LOCALES, query_string={"search": '{"enabled": true}'})
    assert shape.get_json()["message"] == ('Structure of filter "enabled" should respect this structure: '
                                           '{"enabled":[{"operator": "my_operator", "value": "my_value"}]}')
    no_operator = api.get(LOCALES, query_string={"search": '{"enabled": [{"value": true}]}'})
    assert no_operator.get_json()["message"] == 'Operator is missing for the property "enabled".'
    operator_type = api.get(LOCALES, query_string={"search": '{"enabled": [{"operator": 1, "value": true}]}'})
    assert operator_type.get_json()["message"] == 'Operator has to be a string, "integer" given.'
    unknown = api.get(LOCALES, query_string={"search": '{"code": [{"operator": "IN", "value": ["x"]}]}'})
    assert unknown.get_json()["message"] == 'Filter on property "code" is not supported or does not support operator "IN"'


def test_locale_enabled_filter_and_get(api):
    enabled = api.get(LOCALES, query_string={"search": '{"enabled":[{"operator":"=","value":true}]}'}).get_json()
    codes = [item["code"] for item in enabled["_embedded"]["items"]]
    assert codes and all(item["enabled"] for item in enabled["_embedded"]["items"])
    assert api.get(f"{LOCALES}/{codes[0]}").get_json() == {"code": codes[0], "enabled": True}
    assert api.get(f"{LOCALES}/xx_XX").get_json() == {"code": 404, "message": 'Locale "xx_XX" does not exist.'}


def test_missing_acl_gets_the_reference_403(api_as):
    api = api_as(acls=["pim_api_overall_access"])
    response = api.get(LOCALES)
    assert response.status_code == 403
    assert response.get_json() == {"code": 403, "message": "Access forbidden. You are not allowed to list locales."}
    assert 'insufficient_scope' in response.headers["WWW-Authenticate"]
    currencies = api.get("/api/rest/v1/currencies")
    assert currencies.get_json()["message"] == "Access forbidden. You are not allowed to list currencies."


def test_nul_in_a_code_is_a_404(api):
    """A code no database can hold (NUL) is simply not found, on SQLite and PostgreSQL alike."""
    assert api.get(f"{LOCALES}/a%00b").status_code == 404
    assert api.get("/api/rest/v1/currencies/a%00b").status_code == 404
