"""The product lists (§4, §6.1, §6.6): pagination, links, value projections, channel trees, query cost."""
import logging
import uuid
from urllib.parse import parse_qs, urlparse

import pytest

from pimconnect.db import write_txn
from pimconnect.services.products.writes import save_product
from tests.factories import make_product

URL = "/api/rest/v1/products-uuid"
LEGACY = "/api/rest/v1/products"


def v(data, locale=None, scope=None):
    return [{"locale": locale, "scope": scope, "data": data}]


def make_many(count, **data):
    """``count`` products (p000, p001, …) written in one transaction."""
    from pimconnect.db import db

    with db.connection_context(), write_txn():
        return [save_product({"identifier": f"p{i:03}", "family": "hats", **data}) for i in range(count)]


def relative(href):
    return href.replace("http://localhost", "")


def query_of(href):
    return {k: v[0] for k, v in parse_qs(urlparse(href).query).items()}


def items(response):
    assert response.status_code == 200, response.get_json()
    return response.get_json()["_embedded"]["items"]


# --- pagination -----------------------------------------------------------------------------

def test_items_carry_self_links_and_are_sorted_by_uuid(api, seeded_app):
    made = make_many(3)
    listed = items(api.get(URL))
    assert [item["uuid"] for item in listed] == sorted(str(p.uuid) for p in made)
    assert list(listed[0])[:2] == ["_links", "uuid"]
    assert listed[0]["_links"] == {"self": {"href": f"http://localhost{URL}/{listed[0]['uuid']}"}}
    legacy = items(api.get(LEGACY))
    assert list(legacy[0])[:2] == ["_links", "identifier"] and "uuid" not in legacy[0]
    assert legacy[0]["_links"]["self"]["href"] == f"http://localhost{LEGACY}/{legacy[0]['identifier']}"


def test_offset_pagination_links_keep_every_parameter(api, seeded_app):
    make_many(5, categories=["master_hats"])
    query = {"limit": "2", "page": "2", "with_count": "true", "scope": "ecommerce", "locales": "en_US",
             "attributes": "sku,name", "with_completenesses": "true"}
    body = api.get(URL, query_string=query).get_json()
    assert body["current_page"] == 2 and body["items_count"] == 5 and len(body["_embedded"]["items"]) == 2
    links = body["_links"]
    for name, page in (("self", "2"), ("first", "1"), ("previous", "1"), ("next", "3")):
        assert links[name]["href"].startswith(f"http://localhost{URL}?")
        assert query_of(links[name]["href"]) == {**query, "page": page}
    last = api.get(relative(links["next"]["href"])).get_json()
    assert len(last["_embedded"]["items"]) == 1 and "next" not in last["_links"]
    first = api.get(URL, query_string={"limit": 2}).get_json()
    assert "previous" not in first["_links"] and "items_count" not in first


def test_ten_products_per_page_by_default(api, seeded_app):
    make_many(11)
    body = api.get(URL).get_json()
    assert len(body["_embedded"]["items"]) == 10 and query_of(body["_links"]["next"]["href"])["limit"] == "10"


def test_full_last_page_still_has_next(api, seeded_app):
    make_many(4)
    body = api.get(URL, query_string={"limit": 2, "page": 2}).get_json()
    assert "next" in body["_links"]
    assert items(api.get(relative(body["_links"]["next"]["href"]))) == []


def test_page_pagination_is_capped_at_10000_results(api, seeded_app):
    response = api.get(URL, query_string={"page": 101, "limit": 100})
    assert response.status_code == 422
    assert response.get_json() == {
        "code": 422,
        "message": 'You have reached the maximum number of pages you can retrieve with the "page" pagination type. '
                   "Please use the search after pagination type instead",
        "_links": {"documentation": {"href": "http://api.akeneo.com/documentation/pagination.html"
                                             "#the-search-after-method"}}}
    assert api.get(URL, query_string={"page": 100, "limit": 100}).status_code == 200
    assert api.get(LEGACY, query_string={"page": 10001, "limit": 1}).status_code == 422


@pytest.mark.parametrize("url", [URL, LEGACY])
def test_search_after_visits_every_product_once(api, seeded_app, url):
    made = make_many(7)
    seen, href, pages = [], f"{url}?pagination_type=search_after&limit=3&with_completenesses=true", 0
    while href:
        body = api.get(relative(href)).get_json()
        assert "current_page" not in body and "items_count" not in body and "previous" not in body["_links"]
        assert "search_after" not in query_of(body["_links"]["first"]["href"])
        assert query_of(body["_links"]["first"]["href"])["with_completenesses"] == "true"
        seen += [item["_links"]["self"]["href"] for item in body["_embedded"]["items"]]
        href = body["_links"].get("next", {}).get("href")
        pages += 1
        if href:
            assert len(body["_embedded"]["items"]) == 3
            cursor = query_of(href)["search_after"]
            assert query_of(api.get(relative(href)).get_json()["_links"]["self"]["href"])["search_after"] == cursor
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    key = "uuid" if url == URL else "identifier"
    expected = {f"http://localhost{url}/{p.uuid if key == 'uuid' else p.identifier}" for p in made}
    assert set(seen) == expected


def test_search_after_accepts_a_plain_uuid_and_refuses_garbage(api, seeded_app):
    made = sorted(make_many(3), key=lambda p: p.uuid)
    after = items(api.get(URL, query_string={"pagination_type": "search_after", "search_after": str(made[0].uuid)}))
    assert [item["uuid"] for item in after] == [str(p.uuid) for p in made[1:]]
    for garbage in ("%%%", "abc", "é" * 30):
        response = api.get(URL, query_string={"pagination_type": "search_after", "search_after": garbage})
        assert response.status_code == 422


@pytest.mark.parametrize("query, message", [
    ("limit=0", '"0" is not a valid limit number.'),
    ("limit=101", "You cannot request more than 100 items."),
    ("page=0", '"0" is not a valid page number.'),
    ("with_count=1", 'Parameter "with_count" has to be a boolean. Only "true" or "false" allowed, "1" given.'),
    ("pagination_type=cursor", "Pagination type does not exist."),
])
def test_pagination_errors(api, seeded_app, query, message):
    response = api.get(f"{URL}?{query}")
    assert response.get_json() == {"code": 422, "message": message}


# --- projections (§6.6) ---------------------------------------------------------------------

def test_attributes_locales_and_scope_filter_values(api, seeded_app):
    make_product("hat", categories=["master_hats"], values={
        "name": v("Hat", "en_US") + v("Chapeau", "fr_FR") + v("Hut", "de_DE"), "color": v("red"),
        "description": v("web", "en_US", "ecommerce") + v("paper", "en_US", "print")})
    values = items(api.get(URL, query_string={"attributes": "name,color"}))[0]["values"]
    assert set(values) == {"name", "color"}
    values = items(api.get(URL, query_string={"locales": "fr_FR"}))[0]["values"]
    assert values["name"] == v("Chapeau", "fr_FR") and values["color"] == v("red") and "description" not in values
    values = items(api.get(URL, query_string={"scope": "ecommerce"}))[0]["values"]
    assert values["description"] == v("web", "en_US", "ecommerce")
    assert len(values["name"]) == 3  # every ecommerce locale
    values = items(api.get(URL, query_string={"scope": "ecommerce", "locales": "de_DE"}))[0]["values"]
    assert values["name"] == v("Hut", "de_DE") and "description" not in values


def test_scope_restricts_products_to_the_channel_tree(api, seeded_app):
    in_master = make_product("in-master", categories=["master_hats"])
    make_product("in-print", categories=["print_traditional"])
    make_product("uncategorized")
    listed = items(api.get(URL, query_string={"scope": "ecommerce", "with_count": "true"}))
    assert [item["uuid"] for item in listed] == [str(in_master.uuid)]
    assert api.get(URL, query_string={"scope": "ecommerce", "with_count": "true"}).get_json()["items_count"] == 1
    assert [i["identifier"] for i in items(api.get(LEGACY, query_string={"scope": "print"}))] == ["in-print"]
    assert len(items(api.get(URL))) == 3


def test_scope_restricts_completenesses(api, seeded_app):
    make_product("hat", categories=["master_hats"])
    listed = items(api.get(URL, query_string={"scope": "ecommerce", "locales": "en_US,fr_FR",
                                              "with_completenesses": "true"}))
    assert [(c["scope"], c["locale"]) for c in listed[0]["completenesses"]] == [
        ("ecommerce", "en_US"), ("ecommerce", "fr_FR")]


@pytest.mark.parametrize("query, message", [
    ({"attributes": "name,nope"}, 'Attribute "nope" does not exist.'),
    ({"attributes": "nope, zilch"}, 'Attributes "nope, zilch" do not exist.'),
    ({"scope": "web"}, 'Scope "web" does not exist.'),
    ({"locales": "xx_XX"}, 'Locale "xx_XX" does not exist or is not activated.'),
    ({"locales": "es_ES,xx_XX"}, 'Locales "es_ES, xx_XX" do not exist or are not activated.'),
    ({"locales": "de_DE", "scope": "mobile"}, 'Locale "de_DE" is not activated for the scope "mobile".'),
    ({"locales": "fr_FR,en_US,de_DE", "scope": "print"}, 'Locale "fr_FR" is not activated for the scope "print".'),
    ({"locales": "fr_FR,de_DE,es_ES", "scope": "print"}, 'Locale "es_ES" does not exist or is not activated.'),
    ({"attributes": "a\x00b"}, 'Attribute "a\x00b" does not exist.'),
    ({"scope": "x\x00"}, 'Scope "x\x00" does not exist.'),
])
def test_projection_errors(api, seeded_app, query, message):
    response = api.get(URL, query_string=query)
    assert response.status_code == 422
    assert response.get_json() == {"code": 422, "message": message}


def test_plural_locales_outside_the_scope(api, seeded_app, conn):
    """Two locales outside the channel are named together."""
    from pimconnect.models import Channel, ChannelLocale, Locale

    with write_txn():
        Locale.update(enabled=True).where(Locale.code == "es_ES").execute()
        ChannelLocale.create(channel=Channel.get(code="ecommerce"), locale=Locale.get(code="es_ES"))
    response = api.get(URL, query_string={"locales": "fr_FR,es_ES", "scope": "print"})
    assert response.get_json()["message"] == 'Locales "fr_FR, es_ES" are not activated for the scope "print".'


# --- POST /products-uuid/search ------------------------------------------------------------

def test_search_endpoint_takes_the_list_parameters_in_its_body(api, seeded_app):
    make_many(3)
    body = api.post(f"{URL}/search", json={"limit": 2, "with_count": True, "attributes": ["sku"],
                                           "locales": "en_US", "with_completenesses": False}).get_json()
    assert body["items_count"] == 3 and len(body["_embedded"]["items"]) == 2
    assert set(body["_embedded"]["items"][0]["values"]) == {"sku"}
    next_href = body["_links"]["next"]["href"]
    assert next_href.startswith(f"http://localhost{URL}?")  # a GET list URL: clients follow it as is
    assert query_of(next_href) == {"limit": "2", "with_count": "true", "attributes": "sku", "locales": "en_US",
                                   "with_completenesses": "false", "page": "2"}
    assert len(items(api.get(relative(next_href)))) == 1


def test_search_endpoint_errors_are_the_lists(api, seeded_app):
    assert api.post(f"{URL}/search", json={"limit": 500}).get_json() == {
        "code": 422, "message": "You cannot request more than 100 items."}
    assert api.post(f"{URL}/search", json={"scope": "web"}).get_json()["message"] == 'Scope "web" does not exist.'
    assert api.post(f"{URL}/search", json=[1]).status_code == 400
    bad = api.post(f"{URL}/search", json={"search": "{nope"})
    assert bad.get_json() == {"code": 400, "message": "Search query parameter should be valid JSON."}
    shape = api.post(f"{URL}/search", json={"search": {"enabled": True}})
    assert shape.status_code == 422


# --- cost ------------------------------------------------------------------------------------

class QueryCounter(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record):
        self.count += 1


@pytest.fixture
def queries():
    logger = logging.getLogger("peewee")
    counter, level = QueryCounter(), logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    yield counter
    logger.removeHandler(counter)
    logger.setLevel(level)


def test_query_count_does_not_grow_with_the_page(api, seeded_app, queries):
    """Every option on: the same number of queries for 2 products as for 40 (no query per product).
    Every product has values, options and associations, so every page needs every read."""
    target = make_product("target", categories=["master_hats"], values={"color": v("red")})
    associations = {"X_SELL": {"products": [str(target.uuid)]}}
    api.patch(f"{URL}/{target.uuid}", json={"associations": associations})
    make_many(39, categories=["master_hats"], values={"color": v("red"), "seasons": v(["summer"])},
              associations=associations)
    query = "scope=ecommerce&with_completenesses=true&with_attribute_options=true&with_quality_scores=true&with_count=true"
    counts = {}
    for limit in (2, 40):
        for url in (URL, LEGACY):
            queries.count = 0
            assert len(items(api.get(f"{url}?{query}&limit={limit}"))) == limit
            counts[(url, limit)] = queries.count
    assert counts[(URL, 2)] == counts[(URL, 40)]
    assert counts[(LEGACY, 2)] == counts[(LEGACY, 40)]
    assert counts[(URL, 40)] <= 16, counts


def test_hostile_query_strings_never_500(api, seeded_app):
    """Hostile query strings are refused cleanly."""
    for query in ({"pagination_type": "search_after", "search_after": "\x00"}, {"limit": "9" * 50},
                  {"page": "9" * 50}, {"locales": ",,,"}, {"attributes": ""}, {"scope": ""}, {"locales": "\x00"}):
        response = api.get(URL, query_string=query)
        assert 400 <= response.status_code < 500, (query, response.get_json())


def test_unknown_uuid_shapes(api, seeded_app):
    assert api.get(f"{URL}/{uuid.UUID(int=0)}").status_code == 404
