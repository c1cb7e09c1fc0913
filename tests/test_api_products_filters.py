"""The ``search`` parameter through the product lists (GET, POST /search, legacy): filters combine
with pagination, projections and channel trees (the filter language itself: test_api_product_search)."""
import json
from urllib.parse import parse_qs, urlparse

from tests.factories import make_product

URL = "/api/rest/v1/products-uuid"
LEGACY = "/api/rest/v1/products"


def v(data, locale=None, scope=None):
    return [{"locale": locale, "scope": scope, "data": data}]


def skus(response):
    assert response.status_code == 200, response.get_json()
    return sorted(item["values"]["sku"][0]["data"] for item in response.get_json()["_embedded"]["items"])


def three_products():
    make_product("red-hat", categories=["master_hats"], values={"color": v("red"), "name": v("Red hat", "en_US")})
    make_product("blue-hat", categories=["master_hats"], values={"color": v("blue")}, enabled=False)
    make_product("bag", family="bags", categories=["print_traditional"], values={"color": v("red")})


def test_search_filters_every_list(api, seeded_app):
    three_products()
    search = json.dumps({"color": [{"operator": "IN", "value": ["red"]}], "enabled": [{"operator": "=", "value": True}]})
    assert skus(api.get(URL, query_string={"search": search})) == ["bag", "red-hat"]
    assert skus(api.get(LEGACY, query_string={"search": search})) == ["bag", "red-hat"]
    assert skus(api.post(f"{URL}/search", json={"search": json.loads(search)})) == ["bag", "red-hat"]
    assert skus(api.post(f"{URL}/search", json={"search": search})) == ["bag", "red-hat"]


def test_search_combines_with_scope_count_and_links(api, seeded_app):
    three_products()
    search = json.dumps({"color": [{"operator": "IN", "value": ["red", "blue"]}]})
    body = api.get(URL, query_string={"search": search, "scope": "ecommerce", "with_count": "true", "limit": 1})
    assert body.get_json()["items_count"] == 2
    next_query = parse_qs(urlparse(body.get_json()["_links"]["next"]["href"]).query)
    assert json.loads(next_query["search"][0]) == json.loads(search)
    walked = skus(api.get(URL, query_string={"search": search, "pagination_type": "search_after", "limit": 5}))
    assert walked == ["bag", "blue-hat", "red-hat"]


def test_search_locale_is_the_default_locale_of_criteria(api, seeded_app):
    three_products()
    search = json.dumps({"name": [{"operator": "CONTAINS", "value": "red"}]})
    assert skus(api.get(URL, query_string={"search": search, "search_locale": "en_US"})) == ["red-hat"]
    refused = api.get(URL, query_string={"search": search})
    assert refused.status_code == 422
    assert refused.get_json()["message"] == 'Property "name" expects a string with the key "locale".'


def test_search_errors_come_back_as_is(api, seeded_app):
    bad = api.get(URL, query_string={"search": "{nope"})
    assert bad.get_json() == {"code": 400, "message": "Search query parameter should be valid JSON."}
    unknown = api.get(URL, query_string={"search": json.dumps({"nope": [{"operator": "=", "value": 1}]})})
    assert unknown.get_json() == {
        "code": 422, "message": 'Filter on property "nope" is not supported or does not support operator "="'}
    category = api.post(f"{URL}/search", json={"search": {"categories": [{"operator": "IN", "value": ["zz"]}]}})
    assert category.get_json() == {"code": 422, "message": 'Category "zz" does not exist.'}


def test_projection_errors_come_before_search_errors(api, seeded_app):
    """The reference validates attributes, scope and locales before the search's criteria."""
    response = api.get(URL, query_string={"search": '{"enabled": true}', "attributes": "zz"})
    assert response.get_json() == {"code": 422, "message": 'Attribute "zz" does not exist.'}
