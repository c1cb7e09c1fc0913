"""REST API categories (§5.2): tree-ordered list with search and positions, get, create, upsert, move, batch."""
import datetime
import json
import logging
from urllib.parse import quote

import pytest

from pimconnect.api import openapi
from pimconnect.db import db, write_txn
from pimconnect.models import Category

URL = "/api/rest/v1/categories"
DOC = "http://api.akeneo.com/api-reference.html#"
SEED_ORDER = ["master", "master_accessories", "master_hats", "master_bags", "master_clothing", "master_shirts",
              "master_jackets", "master_home", "master_kitchen", "ecommerce", "ecommerce_summer",
              "ecommerce_summer_hats", "ecommerce_sale", "print", "print_catalog_2026", "print_traditional"]


class QueryCounter(logging.Handler):
    """Counts the SQL statements peewee logs."""

    def __init__(self):
        super().__init__()
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


def items(response):
    assert response.status_code == 200, response.get_json()
    return response.get_json()["_embedded"]["items"]


def codes(response):
    return [item["code"] for item in items(response)]


def search(**criteria):
    return "search=" + quote(json.dumps(criteria))


def documented(reason, anchor):
    return {"code": 422, "message": f"{reason} Check the expected format on the API documentation.",
            "_links": {"documentation": {"href": DOC + anchor}}}


def invalid(*errors):
    return {"code": 422, "message": "Validation failed.",
            "errors": [{"property": p, "message": m} for p, m in errors]}


def row(code):
    with db.connection_context():
        return Category.get_or_none(Category.code == code)


# -- reads ------------------------------------------------------------------------------------------

def test_list_is_the_trees_in_pre_order_with_the_reference_fields(api):
    """Each root then its branch, siblings by position; items start with their self link."""
    response = api.get(f"{URL}?limit=100")
    assert codes(response) == SEED_ORDER
    hats = items(response)[2]
    assert list(hats) == ["_links", "code", "parent", "updated", "labels"]
    assert hats["_links"] == {"self": {"href": "http://localhost/api/rest/v1/categories/master_hats"}}
    assert hats["parent"] == "master_accessories"
    assert hats["labels"]["fr_FR"] == "Chapeaux"
    datetime.datetime.fromisoformat(hats["updated"])
    assert hats["updated"].endswith("+00:00")


def test_with_position_adds_the_rank_among_siblings(api):
    listed = items(api.get(f"{URL}?limit=100&with_position=true"))
    positions = {item["code"]: item["position"] for item in listed}
    assert positions["master"] == 1 and positions["ecommerce"] == 2 and positions["print"] == 3
    assert positions["master_hats"] == 1 and positions["master_bags"] == 2 and positions["master_home"] == 3
    assert list(listed[0]) == ["_links", "code", "parent", "updated", "position", "labels"]
    single = api.get(f"{URL}/master_bags?with_position=true").get_json()
    assert list(single) == ["code", "parent", "updated", "position", "labels"] and single["position"] == 2


def test_a_moved_category_comes_last_among_its_new_siblings(api):
    """The order follows positions, not ids: a moved branch lands after the older siblings."""
    assert api.patch(f"{URL}/master_accessories", json={"parent": "ecommerce"}).status_code == 204
    order = codes(api.get(f"{URL}?limit=100&with_position=true"))
    assert order[:6] == ["master", "master_clothing", "master_shirts", "master_jackets", "master_home",
                         "master_kitchen"]
    assert order[6:12] == ["ecommerce", "ecommerce_summer", "ecommerce_summer_hats", "ecommerce_sale",
                           "master_accessories", "master_hats"]
    assert api.get(f"{URL}/master_accessories?with_position=true").get_json()["position"] == 3


def test_offset_pagination_links_and_count(api):
    first = api.get(f"{URL}?limit=5&with_count=true").get_json()
    assert first["current_page"] == 1 and first["items_count"] == 16
    assert "previous" not in first["_links"]
    assert first["_links"]["next"]["href"] == "http://localhost/api/rest/v1/categories?with_count=true&page=2&limit=5"
    last = api.get(f"{URL}?limit=5&page=4").get_json()
    assert [i["code"] for i in last["_embedded"]["items"]] == ["print_traditional"]
    assert "next" not in last["_links"] and "previous" in last["_links"]
    kept = api.get(f"{URL}?limit=1&{search(is_root=[{'operator': '=', 'value': True}])}").get_json()
    assert "search=" in kept["_links"]["next"]["href"]
    assert api.get(f"{URL}?page=99999999999999999999&limit=100").get_json()["_embedded"]["items"] == []


def test_get_and_404(api):
    assert api.get(f"{URL}/master").get_json() == {
        "code": "master", "parent": None,
        "updated": row("master").updated.replace(microsecond=0).isoformat() + "+00:00",
        "labels": {"en_US": "Master catalog", "fr_FR": "Catalogue principal", "de_DE": "Hauptkatalog"}}
    missing = api.get(f"{URL}/nope")
    assert missing.status_code == 404
    assert missing.get_json() == {"code": 404, "message": 'Category "nope" does not exist.'}
    assert api.get(f"{URL}/a%00b").status_code == 404


def test_list_reads_a_constant_number_of_queries(api, queries):
    counts = {}
    for limit in (2, 16):
        queries.count = 0
        assert len(items(api.get(f"{URL}?limit={limit}&with_position=true&with_count=true"))) == limit
        counts[limit] = queries.count
    assert counts[2] == counts[16]


# -- search -----------------------------------------------------------------------------------------

def test_search_filters(api):
    assert codes(api.get(f"{URL}?{search(is_root=[{'operator': '=', 'value': True}])}")) == [
        "master", "ecommerce", "print"]
    assert len(codes(api.get(f"{URL}?limit=100&{search(is_root=[{'operator': '=', 'value': False}])}"))) == 13
    assert codes(api.get(f"{URL}?{search(parent=[{'operator': '=', 'value': 'master'}])}")) == [
        "master_accessories", "master_clothing", "master_home"]
    assert codes(api.get(f"{URL}?{search(code=[{'operator': 'IN', 'value': ['print', 'master_bags', 'x']}])}")) == [
        "master_bags", "print"]
    both = search(code=[{"operator": "IN", "value": ["print", "master"]}], is_root=[{"operator": "=", "value": True}],
                  parent=[{"operator": "=", "value": "master"}])
    assert codes(api.get(f"{URL}?{both}")) == []


def test_search_on_updated(api, conn):
    with write_txn():
        Category.update(updated=datetime.datetime(2019, 1, 1)).execute()
    assert api.patch(f"{URL}/master_bags", json={"labels": {"en_US": "Big bags"}}).status_code == 204
    after = search(updated=[{"operator": ">", "value": "2020-01-01T10:00:00+02:00"}])
    assert codes(api.get(f"{URL}?{after}")) == ["master_bags"]
    before = search(updated=[{"operator": ">", "value": "2018-12-31T23:00:00Z"}])
    assert len(codes(api.get(f"{URL}?limit=100&{before}"))) == 16


SEARCH_ERRORS = [
    ({"code": [{"operator": "IN", "value": 1234}]},
     "In order to search on category codes you must send an array of category codes as value, integer given. "
     "This value should be of type iterable."),
    ({"code": [{"operator": "=", "value": ["a"]}]},
     'In order to search on category codes you must use "IN" operator, "=" given.'),
    ({"code": [{"operator": "IN", "value": ["a", 3]}]}, "This value should be of type string."),
    ({"parent": [{"operator": "IN", "value": "master"}]},
     'In order to search on category parent you must use "=" operator, "IN" given.'),
    ({"parent": [{"operator": "=", "value": 3}]},
     "In order to search on category parent you must send a parent code category as value, string given."),
    ({"parent": [{"operator": "=", "value": "nope"}]}, "Parent code nope does not exist."),
    ({"is_root": [{"operator": "=", "value": "true"}]},
     'In order to search on category is_root you must send a bool value, "true" given.'),
    ({"updated": [{"operator": "<", "value": "2020-01-01T00:00:00+00:00"}]},
     'Searching on the "updated" property require the ">" (greater than) operator, "<" given.'),
    ({"updated": [{"operator": ">", "value": "yesterday"}]},
     "This value is not in a valid ISO 8601 standard datetime format"),
    ({"code": [{"operator": "IN"}]}, "This field is missing."),
    ({"code": [{"operator": "IN", "value": [], "locale": "en_US"}]}, "This field was not expected."),
    ({"family": [{"operator": "IN", "value": []}]},
     'Available search filters are "code, parent, is_root, updated" and you tried to search on unavailable '
     'filter "family"'),
]


def test_search_errors_are_the_reference_400s(api):
    for criteria, message in SEARCH_ERRORS:
        response = api.get(f"{URL}?search={quote(json.dumps(criteria))}")
        assert response.status_code == 400
        assert response.get_json() == {"code": 400, "message": message}


def test_search_structure_errors(api):
    assert api.get(f"{URL}?search=nope").get_json() == {"code": 400,
                                                        "message": "Search query parameter should be valid JSON."}
    assert api.get(f'{URL}?search={{"code":[{{"value":[]}}]}}').status_code == 422
    too_large = {"code": 400, "message": "A search may hold at most 100 criteria and 1000 category codes."}
    many_codes = search(code=[{"operator": "IN", "value": [f"c{i}" for i in range(600)]}] * 2)
    assert api.get(f"{URL}?{many_codes}").get_json() == too_large
    many_criteria = search(is_root=[{"operator": "=", "value": True}] * 101)
    assert api.get(f"{URL}?{many_criteria}").get_json() == too_large


# -- create -----------------------------------------------------------------------------------------

def test_post_creates_a_category_last_among_its_siblings(api):
    response = api.post(URL, json={"code": "master_shoes", "parent": "master", "labels": {"en_US": "Shoes"},
                                   "updated": "2001-01-01T00:00:00+00:00"})
    assert response.status_code == 201 and response.get_data() == b""
    assert response.headers["Location"] == "http://localhost/api/rest/v1/categories/master_shoes"
    shoes = api.get(f"{URL}/master_shoes?with_position=true").get_json()
    assert shoes["parent"] == "master" and shoes["position"] == 4 and shoes["labels"] == {"en_US": "Shoes"}
    assert not shoes["updated"].startswith("2001")
    saved = row("master_shoes")
    assert saved.path == f"{row('master').path}{saved.id}/" and saved.level == 1 and saved.root_id == row("master").id


def test_post_without_parent_creates_a_tree(api):
    assert api.post(URL, json={"code": "outlet"}).status_code == 201
    assert codes(api.get(f"{URL}?{search(is_root=[{'operator': '=', 'value': True}])}"))[-1] == "outlet"
    assert row("outlet").root_id == row("outlet").id and row("outlet").path == f"/{row('outlet').id}/"


POST_REFUSALS = [
    ({"code": "master"}, invalid(("code", "This value is already used."))),
    ({"code": "bad-code"}, invalid(("code", "Category code may contain only letters, numbers and underscores"))),
    ({"labels": {}}, invalid(("code", "This value should not be blank."))),
    ({"code": "x" * 101}, invalid(("code", "This value is too long. It should have 100 characters or less."))),
    ({"code": "new", "labels": {"xx_XX": "X", "en_US": "y" * 101}},
     invalid(("labels", 'The locale "xx_XX" does not exist.'),
             ("labels", "This value is too long. It should have 100 characters or less."))),
    ({"code": "new", "labels": {"en_US": "a\u0000b"}},
     invalid(("labels", "This value should not contain the NUL character."))),
    ({"code": "new", "parent": "nope"},
     documented('Property "parent" expects a valid category code. The category does not exist, "nope" given.',
                "post_categories")),
    ({"code": "new", "labels": None},
     documented('Property "labels" expects an array as data, "NULL" given.', "post_categories")),
    ({"code": "new", "labels": {"en_US": ["a"]}},
     documented('Property "labels" expects an array with valid data, one of the "labels" values is not a scalar.',
                "post_categories")),
    ({"code": "new", "parent": {"code": "master"}},
     documented('Property "parent" expects a scalar as data, "array" given.', "post_categories")),
    ({"code": "new", "position": 1}, documented('Property "position" does not exist.', "post_categories")),
]


def test_post_refusals(api):
    for body, expected in POST_REFUSALS:
        response = api.post(URL, json=body)
        assert response.status_code == 422
        assert response.get_json() == expected
    assert row("new") is None


def test_post_needs_a_json_object(api):
    for raw in ("nope", "[]", "null", ""):
        response = api.client.post(URL, data=raw, content_type="application/json", headers=api._headers(None))
        assert response.get_json() == {"code": 400, "message": "Invalid json message received"}


# -- upsert and move --------------------------------------------------------------------------------

def test_patch_creates_then_updates(api):
    response = api.patch(f"{URL}/sale_2026", json={"parent": "ecommerce", "labels": {"en_US": "Sale 2026"}})
    assert response.status_code == 201 and response.headers["Location"].endswith("/categories/sale_2026")
    response = api.patch(f"{URL}/sale_2026", json={"code": "sale_2026", "labels": {"fr_FR": "Soldes 2026"}})
    assert response.status_code == 204 and response.get_data() == b""
    assert response.headers["Location"] == "http://localhost/api/rest/v1/categories/sale_2026"
    assert api.get(f"{URL}/sale_2026").get_json()["labels"] == {"en_US": "Sale 2026", "fr_FR": "Soldes 2026"}


def test_labels_merge_per_locale_and_null_removes_one(api):
    before = row("master_hats")
    assert api.patch(f"{URL}/master_hats", json={"labels": {"fr_FR": "Couvre-chefs", "de_DE": None}}).status_code == 204
    assert api.get(f"{URL}/master_hats").get_json()["labels"] == {"en_US": "Hats", "fr_FR": "Couvre-chefs"}
    assert row("master_hats").updated >= before.updated


def test_labels_of_a_disabled_but_existing_locale_are_kept(api):
    assert api.patch(f"{URL}/master_hats", json={"labels": {"es_ES": "Sombreros"}}).status_code == 204
    assert api.get(f"{URL}/master_hats").get_json()["labels"]["es_ES"] == "Sombreros"


def test_body_code_must_match_the_url(api):
    response = api.patch(f"{URL}/master", json={"code": "other"})
    assert response.status_code == 422
    assert response.get_json() == {"code": 422, "message": 'The code "other" provided in the request body must '
                                                           'match the code "master" provided in the url.'}
    assert api.patch(f"{URL}/brand_new", json={"code": 12}).get_json()["message"].startswith('The code "12"')
    assert row("brand_new") is None


def test_moving_a_branch_updates_every_descendant(api):
    assert api.patch(f"{URL}/ecommerce_summer", json={"parent": "master_clothing"}).status_code == 204
    summer, hats, master = row("ecommerce_summer"), row("ecommerce_summer_hats"), row("master")
    assert summer.parent_id == row("master_clothing").id and summer.level == 2 and summer.root_id == master.id
    assert hats.path == f"{summer.path}{hats.id}/" and hats.level == 3 and hats.root_id == master.id
    assert api.get(f"{URL}/ecommerce_summer_hats").get_json()["parent"] == "ecommerce_summer"
    children = codes(api.get(f"{URL}?{search(parent=[{'operator': '=', 'value': 'ecommerce'}])}"))
    assert children == ["ecommerce_sale"]


def test_a_category_becomes_a_tree_with_a_null_parent(api):
    assert api.patch(f"{URL}/master_home", json={"parent": None}).status_code == 204
    home, kitchen = row("master_home"), row("master_kitchen")
    assert home.parent_id is None and home.root_id == home.id and home.level == 0 and home.path == f"/{home.id}/"
    assert kitchen.root_id == home.id and kitchen.level == 1
    assert codes(api.get(f"{URL}?limit=100"))[-2:] == ["master_home", "master_kitchen"]


def test_a_category_cannot_move_under_itself_or_its_branch(api):
    before = row("master_accessories")
    for parent in ("master_accessories", "master_hats"):
        response = api.patch(f"{URL}/master_accessories", json={"parent": parent, "labels": {"en_US": "Changed"}})
        assert response.status_code == 422
        assert response.get_json() == {"code": 422, "message": "Cannot set child as parent to node: master_accessories"}
    after = row("master_accessories")
    assert (after.parent_id, after.path, after.labels) == (before.parent_id, before.path, before.labels)


def test_a_channel_tree_cannot_move_under_another_category(api):
    response = api.patch(f"{URL}/print", json={"parent": "master"})
    assert response.get_json() == invalid(("parent", 'The category "print" is the category tree of the channel '
                                                      '"print" and cannot be moved under another category.'))
    assert row("print").parent_id is None


def test_a_tree_no_channel_uses_can_move(api):
    assert api.post(URL, json={"code": "outlet"}).status_code == 201
    assert api.patch(f"{URL}/outlet", json={"parent": "print"}).status_code == 204
    assert row("outlet").root_id == row("print").id and row("outlet").level == 1


def test_a_refused_patch_leaves_the_category_untouched(api):
    before = row("master_bags")
    response = api.patch(f"{URL}/master_bags", json={"labels": {"en_US": "Changed"}, "parent": "nope"})
    assert response.get_json() == documented('Property "parent" expects a valid category code. The category does '
                                              'not exist, "nope" given.', "patch_categories__code_")
    response = api.patch(f"{URL}/master_bags", json={"labels": {"en_US": "Changed", "zz_ZZ": "x"}})
    assert response.status_code == 422
    after = row("master_bags")
    assert (after.labels, after.parent_id, after.updated) == (before.labels, before.parent_id, before.updated)


# -- batch ------------------------------------------------------------------------------------------

def test_batch_upserts_each_line_on_its_own(api):
    response = api.patch_batch(URL, [
        {"code": "batch_one", "parent": "master"},
        {"code": "master_hats", "labels": {"en_US": "Caps"}},
        {"code": "bad-code"},
        '{"code": "broken"',
        {"code": "batch_two", "parent": "batch_one"},
        {"code": "batch_three", "parent": "nope"},
        {"labels": {}},
    ])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.akeneo.collection+json"
    assert api.lines(response) == [
        {"line": 1, "code": "batch_one", "status_code": 201},
        {"line": 2, "code": "master_hats", "status_code": 204},
        {"line": 3, "code": "bad-code", "status_code": 422, "message": "Validation failed.",
         "errors": [{"property": "code", "message": "Category code may contain only letters, numbers and underscores"}]},
        {"line": 4, "status_code": 400, "message": "Invalid json message received"},
        {"line": 5, "code": "batch_two", "status_code": 201},
        {"line": 6, "code": "batch_three", "status_code": 422,
         **{k: v for k, v in documented('Property "parent" expects a valid category code. The category does not '
                                        'exist, "nope" given.', "patch_categories__code_").items() if k != "code"}},
        {"line": 7, "status_code": 422, "message": "Code is missing."},
    ]
    assert row("batch_two").parent_id == row("batch_one").id
    assert api.get(f"{URL}/master_hats").get_json()["labels"]["en_US"] == "Caps"


def test_batch_needs_the_collection_content_type(api):
    response = api.patch(URL, json={"code": "x"})
    assert response.status_code == 415


# -- permissions ------------------------------------------------------------------------------------

def test_acls(api_as):
    nothing = api_as(["pim_api_overall_access"])
    for response in (nothing.get(URL), nothing.get(f"{URL}/master")):
        assert response.status_code == 403
        assert response.get_json() == {"code": 403, "message": "Access forbidden. You are not allowed to list categories."}
    reader = api_as(["pim_api_overall_access", "pim_api_category_list"])
    assert reader.get(URL).status_code == 200
    for response in (reader.post(URL, json={"code": "x"}), reader.patch(f"{URL}/x", json={}),
                     reader.patch_batch(URL, [{"code": "x"}])):
        assert response.status_code == 403
        assert response.get_json()["message"] == "Access forbidden. You are not allowed to create or update categories."
    assert row("x") is None


# -- nothing a client sends gives a 500 -------------------------------------------------------------

ODD_VALUES = [None, True, 0, -1, 1.5, 10 ** 30, "", " ", "x" * 100_000, "ü†😀", "a\u0000b", "\ud800", [], [None],
              {}, {"en_US": None}, {"": ""}, {"en_US": {"a": 1}}, [[["deep"]]]]


@pytest.mark.parametrize("field", ["code", "parent", "labels", "updated", "unknown"])
def test_odd_bodies_never_fail_the_server(api, field):
    for value in ODD_VALUES:
        for response in (api.post(URL, json={"code": "odd", field: value}),
                         api.patch(f"{URL}/odd", json={field: value}),
                         api.patch(f"{URL}/master_hats", json={field: value})):
            assert response.status_code in (201, 204, 400, 422), (field, value, response.get_json())
        assert api.patch_batch(URL, [{"code": "odd", field: value}]).status_code in (200, 400)


def test_odd_batch_codes_never_fail_the_server(api):
    lines = api.lines(api.patch_batch(URL, [{"code": v} for v in ODD_VALUES if v != "\ud800"]))
    assert {line["status_code"] for line in lines} == {422}
    lines = api.lines(api.patch_batch(URL, [{"code": "fine"}, {"code": "\ud800"}]))
    assert lines == [{"line": 1, "code": "fine", "status_code": 201},
                     {"line": 2, "status_code": 400, "message": "Invalid json message received"}]


def test_bodies_too_deep_to_decode_are_invalid_json(api):
    deep = '{"code": "deep", "labels": ' + "[" * 5000 + "]" * 5000 + "}"
    for response in (api.client.post(URL, data=deep, content_type="application/json", headers=api._headers(None)),
                     api.client.patch(f"{URL}/deep", data=deep, content_type="application/json",
                                      headers=api._headers(None))):
        assert response.get_json() == {"code": 400, "message": "Invalid json message received"}
    assert api.lines(api.patch_batch(URL, [deep])) == [
        {"line": 1, "status_code": 400, "message": "Invalid json message received"}]
    not_a_number = '{"code": "nan", "labels": {"en_US": NaN}, "parent": Infinity}'
    response = api.client.post(URL, data=not_a_number, content_type="application/json", headers=api._headers(None))
    assert response.status_code == 422 and row("nan") is None


def test_a_batch_that_is_no_utf8_is_refused_whole_as_documented(api):
    """Found by the contract fuzzer: the 400 was answered but undocumented for the batch PATCH."""
    body = b'{"code": "fine"}\n{"code": "caf\xe9"}'
    response = api.client.patch(URL, data=body, content_type="application/vnd.akeneo.collection+json",
                                headers=api._headers(None))
    assert response.status_code == 400
    assert response.get_json() == {"code": 400, "message": "Invalid json message received"}
    assert row("fine") is None
    assert "400" in openapi.DOCUMENT["paths"][URL]["patch"]["responses"]


def test_odd_searches_and_urls_never_fail_the_server(api):
    for value in ODD_VALUES:
        for key, operator in (("code", "IN"), ("parent", "="), ("is_root", "="), ("updated", ">")):
            response = api.get(f"{URL}?{search(**{key: [{'operator': operator, 'value': value}]})}")
            assert response.status_code in (200, 400), (key, value, response.get_json())
    for code in ("%F0%9F%98%80", "%00", "x" * 5000, "%ED%A0%80"):
        assert api.get(f"{URL}/{code}").status_code == 404
