"""Batch upsert of products (§7): NDJSON lines, per-line results, each line committed on its own."""
import json
import uuid

from pimconnect.db import db
from pimconnect.models import Product
from tests.factories import fetch_product, make_product

URL = "/api/rest/v1/products-uuid"
LEGACY = "/api/rest/v1/products"
COLLECTION = "application/vnd.akeneo.collection+json"


def v(data, locale=None, scope=None):
    return [{"locale": locale, "scope": scope, "data": data}]


def count():
    with db.connection_context():
        return Product.select().count()


def test_batch_creates_and_updates_line_by_line(api, seeded_app):
    hat = make_product("hat")
    new = str(uuid.uuid4())
    response = api.patch_batch(URL, [{"uuid": new, "values": {"sku": v("bag")}},
                                     {"uuid": str(hat.uuid), "enabled": False}])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == COLLECTION
    assert not response.get_data(as_text=True).endswith("\n")
    assert api.lines(response) == [{"line": 1, "uuid": new, "status_code": 201},
                                   {"line": 2, "uuid": str(hat.uuid), "status_code": 204}]
    assert fetch_product(hat).enabled is False and count() == 2


def test_new_products_with_and_without_associations_in_one_batch(api, seeded_app):
    """The new products' rows wait for one INSERT; a line naming associated products sends the waiting ones
    first, so rows with and without associations meet in the next INSERT (once a KeyError, answered 500)."""
    lines = [{"identifier": "a"}, {"identifier": "b", "associations": {"X_SELL": {"products": ["a"]}}},
             {"identifier": "c"}, {"identifier": "d", "associations": {"UPSELL": {"products": ["c"]}}}]
    answer = api.patch_batch(LEGACY, lines)
    assert answer.status_code == 200
    assert [line["status_code"] for line in api.lines(answer)] == [201] * 4
    assert api.get(f"{LEGACY}/b").get_json()["associations"]["X_SELL"]["products"] == ["a"]
    assert api.get(f"{LEGACY}/c").get_json()["associations"]["X_SELL"]["products"] == []


def test_a_failing_line_does_not_roll_back_earlier_ones(api, seeded_app):
    first, third = str(uuid.uuid4()), str(uuid.uuid4())
    response = api.patch_batch(URL, [
        {"uuid": first, "values": {"sku": v("one")}},
        {"uuid": str(uuid.uuid4()), "values": {"sku": v("two"), "color": v("purple")}},
        {"uuid": third, "values": {"sku": v("three")}, "family": "nope"},
        {"uuid": str(uuid.uuid4()), "identifier": "four"},
    ])
    lines = api.lines(response)
    assert lines[0] == {"line": 1, "uuid": first, "status_code": 201}
    assert lines[1]["status_code"] == 422 and lines[1]["code"] == 422
    assert lines[1]["message"] == "Validation failed."
    assert lines[1]["errors"] == [{"property": "values", "message": "The purple value is not in the color attribute "
                                   "option list.", "attribute": "color", "locale": None, "scope": None}]
    assert lines[2] == {"line": 3, "uuid": third, "status_code": 422, "code": 422, "message": (
        'Property "family" expects a valid family code. The family does not exist, "nope" given. '
        "Check the expected format on the API documentation."), "_links": {"documentation": {
            "href": "http://api.akeneo.com/api-reference.html#patch_products_uuid__uuid_"}}}
    assert lines[3]["message"].startswith('Property "identifier" does not exist.')
    assert count() == 1


def test_line_pre_checks(api, seeded_app):
    response = api.patch_batch(URL, ["{nope", {"values": {}}, {"uuid": ""}, {"uuid": 12}, "[1]",
                                     {"uuid": "not-a-uuid"}])
    assert api.lines(response) == [
        {"line": 1, "status_code": 400, "message": "Invalid json message received"},
        {"line": 2, "status_code": 422, "message": "Uuid is missing."},
        {"line": 3, "status_code": 422, "message": "Uuid is missing."},
        {"line": 4, "status_code": 422, "message": "uuid must be of type string."},
        {"line": 5, "status_code": 400, "message": "Invalid json message received"},
        {"line": 6, "uuid": "not-a-uuid", "status_code": 422, "code": 422, "message": "Validation failed.",
         "errors": [{"property": "uuid", "message": "The uuid must be a valid UUID."}]},
    ]
    assert count() == 0


def test_too_many_lines_and_too_long_lines(api, seeded_app):
    lines = [{"uuid": str(uuid.uuid4()), "values": {"sku": v(f"p{i}")}} for i in range(101)]
    response = api.patch_batch(URL, lines)
    assert response.status_code == 413
    assert response.get_json() == {"code": 413, "message": "Too many resources to process, 100 is the maximum allowed."}
    assert count() == 0
    long_line = json.dumps({"uuid": str(uuid.uuid4()), "values": {"erp_name": v("x" * 1_000_001)}})
    response = api.patch_batch(URL, [long_line, {"uuid": str(uuid.uuid4()), "values": {"sku": v("ok")}}])
    lines = api.lines(response)
    assert lines[0] == {"line": 1, "status_code": 413, "message": "Line is too long."}
    assert lines[1]["status_code"] == 201


def test_batch_needs_the_collection_content_type_and_the_edit_acl(api, api_as, seeded_app):
    response = api.patch(URL, json={"uuid": str(uuid.uuid4())})
    assert response.status_code == 415
    assert response.get_json()["message"] == ('"application/json" in "Content-Type" header is not valid. '
                                              'Only "application/vnd.akeneo.collection+json" is allowed.')
    reader = api_as(acls=["pim_api_overall_access", "pim_api_product_list"])
    refused = reader.patch_batch(URL, [{"uuid": str(uuid.uuid4())}])
    assert refused.get_json() == {"code": 403,
                                  "message": "Access forbidden. You are not allowed to create or update products."}


def test_legacy_batch_is_keyed_by_identifier(api, seeded_app):
    hat = make_product("hat")
    response = api.patch_batch(LEGACY, [{"identifier": "hat", "enabled": False},
                                        {"identifier": "bag", "family": "bags"},
                                        {"enabled": True},
                                        {"identifier": "bad", "values": {"color": v("nope")}}])
    lines = api.lines(response)
    assert lines[:3] == [{"line": 1, "identifier": "hat", "status_code": 204},
                         {"line": 2, "identifier": "bag", "status_code": 201},
                         {"line": 3, "status_code": 422, "message": "Identifier is missing."}]
    assert lines[3]["status_code"] == 422 and lines[3]["errors"][0]["attribute"] == "color"
    assert fetch_product(hat).enabled is False and count() == 2


def test_identifiers_change_hands_within_one_batch(api, seeded_app):
    """The identifiers a batch's lines send are looked up once; each line still sees what the earlier
    lines did: a freed identifier can be taken, a newly taken one cannot, and the same new identifier
    twice is refused the second time."""
    hat = make_product("hat")
    renamed, takes_old, takes_new, twice = (str(uuid.uuid4()) for _ in range(4))
    response = api.patch_batch(URL, [
        {"uuid": str(hat.uuid), "values": {"sku": v("cap")}},  # frees "hat", takes "cap"
        {"uuid": takes_old, "values": {"sku": v("hat")}},
        {"uuid": takes_new, "values": {"sku": v("cap")}},
        {"uuid": renamed, "values": {"sku": v("bag")}},
        {"uuid": twice, "values": {"sku": v("bag")}},
    ])
    lines = api.lines(response)
    assert [line["status_code"] for line in lines] == [204, 201, 422, 201, 422]
    taken = [{"property": "identifier", "message": "The same identifier is already set on another product."}]
    assert lines[2]["errors"] == taken and lines[4]["errors"] == taken
    with db.connection_context():
        holders = dict(Product.select(Product.identifier, Product.uuid).tuples())
    assert holders == {"cap": hat.uuid, "hat": uuid.UUID(takes_old), "bag": uuid.UUID(renamed)}


def test_legacy_batch_finds_the_product_an_earlier_line_created(api, seeded_app):
    response = api.patch_batch(LEGACY, [{"identifier": "cap", "family": "hats"},
                                        {"identifier": "cap", "enabled": False}])
    assert [line["status_code"] for line in api.lines(response)] == [201, 204]
    with db.connection_context():
        assert list(Product.select(Product.identifier, Product.enabled).tuples()) == [("cap", False)]


def test_a_line_that_fails_in_the_database_is_refused_alone(api, seeded_app, monkeypatch):
    """A line whose INSERT fails although its checks passed (a concurrent writer took the identifier
    between them: simulated by a batch that believes every identifier free) is refused on its line;
    the other lines are written. The new products' rows go in with one INSERT: it fails, and the batch is
    run again line by line (with a savepoint per line on PostgreSQL, where the failure aborts the
    transaction)."""
    from pimconnect.api import product_writes as product_api

    make_product("hat")
    monkeypatch.setattr(product_api, "_identifier_holders", dict.fromkeys)
    runs = []
    run_batch = product_api._run_batch

    def counted(key, upsert, documents, optimistic):
        runs.append(optimistic)
        return run_batch(key, upsert, documents, optimistic)

    monkeypatch.setattr(product_api, "_run_batch", counted)
    first, clash, last = (str(uuid.uuid4()) for _ in range(3))
    response = api.patch_batch(URL, [{"uuid": first, "values": {"sku": v("one")}},
                                     {"uuid": clash, "values": {"sku": v("hat")}},
                                     {"uuid": last, "values": {"sku": v("three")}}])
    lines = api.lines(response)
    assert [line["status_code"] for line in lines] == [201, 422, 201]
    assert lines[1]["errors"] == [{"property": "identifier",
                                   "message": "The same identifier is already set on another product."}]
    with db.connection_context():
        assert sorted(Product.select(Product.identifier).tuples()) == [("hat",), ("one",), ("three",)]
    assert runs == [True, False]
