"""POST /products-uuid/search and POST /products/search: the list's parameters in a JSON body, and
the pagination parameters in the query string where Akeneo's specification puts them."""
import pytest

from tests.factories import make_product
from tests.test_api_products_list import make_many, query_of, relative

UUID_SEARCH = "/api/rest/v1/products-uuid/search"
IDENTIFIER_SEARCH = "/api/rest/v1/products/search"


@pytest.mark.parametrize("url, key", [(UUID_SEARCH, "uuid"), (IDENTIFIER_SEARCH, "identifier")])
def test_query_string_pagination_is_honoured(api, seeded_app, url, key):
    """?limit=2&pagination_type=search_after answers 2 items in search-after mode (not 10 in page mode)."""
    make_many(5)
    body = api.post(f"{url}?limit=2&pagination_type=search_after", json={}).get_json()
    assert len(body["_embedded"]["items"]) == 2 and key in body["_embedded"]["items"][0]
    assert "current_page" not in body
    next_query = query_of(body["_links"]["next"]["href"])
    assert next_query["pagination_type"] == "search_after" and next_query["limit"] == "2"
    assert "search_after" in next_query


@pytest.mark.parametrize("url", [UUID_SEARCH, IDENTIFIER_SEARCH])
def test_query_string_page_and_count(api, seeded_app, url):
    make_many(5)
    body = api.post(f"{url}?page=2&limit=2&with_count=true", json={}).get_json()
    assert body["current_page"] == 2 and body["items_count"] == 5
    assert len(body["_embedded"]["items"]) == 2


def test_search_after_walks_every_match_with_the_body_search(api, seeded_app):
    """The body's search filters; the query string pages; following next gets the rest, in uuid order."""
    make_many(3)
    make_product("other", family="bags")
    search = {"family": [{"operator": "IN", "value": ["hats"]}]}
    first = api.post(f"{UUID_SEARCH}?limit=2&pagination_type=search_after", json={"search": search}).get_json()
    second = api.get(relative(first["_links"]["next"]["href"])).get_json()
    uuids = [i["uuid"] for i in first["_embedded"]["items"] + second["_embedded"]["items"]]
    assert len(uuids) == 3 and uuids == sorted(uuids)
    assert all(i["family"] == "hats" for i in first["_embedded"]["items"] + second["_embedded"]["items"])


def test_body_parameters_keep_working_and_the_query_string_wins(api, seeded_app):
    make_many(4)
    from_body = api.post(UUID_SEARCH, json={"limit": 3, "pagination_type": "search_after"}).get_json()
    assert len(from_body["_embedded"]["items"]) == 3 and "current_page" not in from_body
    both = api.post(f"{UUID_SEARCH}?limit=1", json={"limit": 3, "with_count": True}).get_json()
    assert len(both["_embedded"]["items"]) == 1 and both["items_count"] == 4
    assert query_of(both["_links"]["next"]["href"])["limit"] == "1"


def test_other_query_parameters_are_ignored(api, seeded_app):
    """Only the pagination parameters are read from the query string (unknown ones are ignored, §3.0 C7)."""
    make_many(2)
    body = api.post(f"{UUID_SEARCH}?attributes=nope&scope=web&foo=1", json={}).get_json()
    assert len(body["_embedded"]["items"]) == 2


@pytest.mark.parametrize("query, message", [
    ("limit=500", "You cannot request more than 100 items."),
    ("pagination_type=sideways", "Pagination type does not exist."),
    ("with_count=yes", 'Parameter "with_count" has to be a boolean. Only "true" or "false" allowed, "yes" given.'),
    ("page=0", '"0" is not a valid page number.'),
])
def test_query_string_errors_are_the_lists(api, seeded_app, query, message):
    for url in (UUID_SEARCH, IDENTIFIER_SEARCH):
        response = api.post(f"{url}?{query}", json={})
        assert (response.status_code, response.get_json()) == (422, {"code": 422, "message": message})


def test_a_product_named_search_is_still_reachable(api, seeded_app):
    """The /products/search route takes POST only: GET and PATCH of a product "search" still reach it."""
    make_product("search")
    assert api.get("/api/rest/v1/products/search").get_json()["identifier"] == "search"
    assert api.patch("/api/rest/v1/products/search", json={"enabled": False}).status_code == 204
    assert api.get("/api/rest/v1/products/search").get_json()["enabled"] is False
