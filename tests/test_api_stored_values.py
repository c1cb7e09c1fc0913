"""The stored API values (issue 16): a product page written from ``Product.api_values`` answers the same
bytes as the full rendering (services.products.rest.normalize_products), for every attribute type, every
list and single read, with and without projections, in CE and EE, restricted or not.

Each comparison sends the same request twice, ``PIM_API_STORED_VALUES`` on (the stored text, where the
read allows it) and off (the full rendering always), and holds status, Content-Type and body bytes equal.
The shop is built once for the module (its tests only read it); the tests that change the structure or
the stored column have a database of their own.
"""
import datetime
import io
import json
import re
import uuid
from urllib.parse import quote

import orjson
import pytest
from peewee import JOIN

from pimconnect import create_app, migrate
from pimconnect.db import db, write_txn
from pimconnect.models import ConnectedApp, Family, MediaFile, Product
from pimconnect.services.access import group_permissions
from pimconnect.services.access.access import Access
from pimconnect.services.demo import generator
from pimconnect.services.demo import seed as demo
from pimconnect.services.errors import ValidationFailed
from pimconnect.services.products.media import media_code
from pimconnect.services.products.rest import ReadOptions, normalize_products, product_rows
from pimconnect.services.products.writes import delete_product, save_product
from tests.app_helpers import app_token, connect_code, register_listing
from tests.conftest import (
    ADMIN_PASSWORD,
    JULIA_PASSWORD,
    Api,
    fresh_database_url,
    make_connection,
    make_test_config,
    password_grant,
)

UUIDS = "/api/rest/v1/products-uuid"
IDENTIFIERS = "/api/rest/v1/products"
FLAG = "PIM_API_STORED_VALUES"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
DEMO_PRODUCTS = 14  # the demo generator's products besides the shop's own

# Text that JSON encoders treat differently: quotes, backslashes, markup, non-ASCII, an emoji, separators
# U+2028/U+2029 (escaped by some encoders, not by orjson), control characters.
TRICKY = 'Sombrero "Ñandú" \\ </script><b>&amp;</b> é ü ß 中文 😀 \u2028\u2029 tab\t \r \x01 \x7f \ufeff'
PARAGRAPHS = TRICKY + "\nsecond line\n\nthird 'line' \\n"  # a textarea takes line breaks
LONG = ("Woven straw, hand-stitched — " + "äöü 😀 \"q\" \\ " * 4000)[:60000]


# Identifiers JSON and URLs must escape: a quote, a backslash, markup, an emoji, a tab, URL delimiters.
ODD_IDENTIFIERS = {14: 'q"uote\\back<&>😀', 15: "tab\tx", 16: "per%cent?#frag"}


def v(data, locale=None, scope=None):
    return {"locale": locale, "scope": scope, "data": data}


def uid(n):
    """A fixed uuid; the spread of first digits makes uuid order differ from creation order."""
    return str(uuid.UUID(int=(n * 0x9E3779B97F4A7C15 % (1 << 64)) << 64 | n, version=4))


# Attributes the demo structure lacks: a number with decimals, a scopable-only text, a localizable and
# scopable price collection without decimals, a localizable file, a localizable and scopable date, and a
# code with capitals.
EXTRA_ATTRIBUTES = [
    {"code": "rating", "type": "pim_catalog_number", "group": "marketing", "decimals_allowed": True,
     "negative_allowed": True},
    {"code": "print_note", "type": "pim_catalog_text", "group": "marketing", "scopable": True},
    {"code": "local_price", "type": "pim_catalog_price_collection", "group": "ecommerce", "localizable": True,
     "scopable": True, "decimals_allowed": False},
    {"code": "manual", "type": "pim_catalog_file", "group": "media", "localizable": True,
     "allowed_extensions": ["pdf", "txt"]},
    {"code": "launch", "type": "pim_catalog_date", "group": "technical", "localizable": True, "scopable": True},
    {"code": "Zz_legacy", "type": "pim_catalog_text", "group": "other"},  # sorts before the lower-case codes
]


class Shop:
    """The module's PIM: its app, its database, and the tokens of its readers."""

    def __init__(self, app, database):
        self.app, self.database = app, database
        self.client = app.test_client()
        self.tokens = {}  # reader name -> bearer token
        self.users = {}  # reader name -> the id of the user behind its token
        self.media = {}  # file name -> media code

    def bind(self):
        db.initialize(self.database)
        self.app.extensions["database"] = self.database


def _build_shop(shop):
    app = shop.app
    with app.app_context(), db.connection_context():
        _connection, credentials = make_connection("erp")
    granted = password_grant(shop.client, credentials)
    assert granted.status_code == 200, granted.get_json()
    api = Api(shop.client, granted.get_json()["access_token"], credentials)
    shop.tokens["connection"] = api.token
    for attribute in EXTRA_ATTRIBUTES:
        answer = api.post("/api/rest/v1/attributes", json=attribute)
        assert answer.status_code == 201, answer.get_json()
    answer = api.post("/api/rest/v1/association-types", json={"code": "PACK", "is_quantified": True})
    assert answer.status_code == 201, answer.get_json()
    answer = api.post("/api/rest/v1/categories", json={"code": "Zz_outlet", "parent": "master"})
    assert answer.status_code == 201, answer.get_json()
    with app.app_context(), db.connection_context():
        with write_txn():
            for name, content in (("Red_Hat.png", PNG), ("care guide é.pdf", b"%PDF-1 care"),
                                  ("notice.txt", b"notice"), ("manuel fr.pdf", b"%PDF-1 manuel")):
                shop.media[name] = media_code(content, name)
                MediaFile.create(code=shop.media[name], original_filename=name, mime_type="application/octet-stream",
                                 size=len(content), extension=name.rsplit(".", 1)[-1], content=content)
    with app.app_context():
        _write_products(api, shop.media)
        with db.connection_context():
            generator.demo_products(DEMO_PRODUCTS)  # two saved, the others bulk-inserted as the demo's are
            with write_txn():  # timestamps at the edge of a second, and before 1970
                Product.update(created=datetime.datetime(1969, 12, 31, 23, 59, 59, 999999),
                               updated=datetime.datetime(2020, 5, 1, 10, 0, 0, 999999)).where(
                    Product.uuid == uuid.UUID(uid(4))).execute()
    _readers(shop)


def saved(data):
    """save_product in a connection of its own, its refusal shown in full."""
    try:
        with db.connection_context():
            return save_product(data)
    except ValidationFailed as refused:
        raise AssertionError(refused.errors) from None


def _write_products(api, media):
    """The shop's products, through every write path: the service, POST, PATCH (create and update), both
    batch endpoints and a media upload naming a product."""
    ghost = saved({"uuid": uid(90), "identifier": "ghost-hat", "family": "hats"})
    saved({"uuid": uid(1), "identifier": "hat-full", "family": "hats",
           "categories": ["master_hats", "ecommerce_summer_hats", "print_traditional"], "values": {
               "sku": [v("hat-full")],
               "erp_name": [v(TRICKY)],
               "ean": [v("1234567890123")],
               "name": [v("Straw hat", "en_US"), v(TRICKY, "fr_FR"), v("Strohhut 😀", "de_DE")],
               "description": [v("Print DE", "de_DE", "print"), v(LONG, "en_US", "ecommerce"),
                               v(PARAGRAPHS, "fr_FR", "mobile"), v("Ecom DE", "de_DE", "ecommerce"),
                               v("Print EN", "en_US", "print")],
               "price": [v([{"amount": "12.50", "currency": "EUR"}, {"amount": 15, "currency": "USD"}])],
               "cost_price": [v([{"amount": 9.99, "currency": "USD"}, {"amount": "0.1", "currency": "EUR"}])],
               "weight": [v({"amount": "1.2", "unit": "KILOGRAM"})],
               "material": [v("straw")], "color": [v("red")], "seasons": [v(["summer", "spring"])],
               "waterproof": [v(True)], "picture": [v(media["Red_Hat.png"])],
               "french_label": [v("Étiquette «paille»", "fr_FR")],
               "rating": [v("4.5")],
               "print_note": [v("print </script>", None, "print"), v("ecom", None, "ecommerce")],
               "local_price": [v([{"amount": 20, "currency": "EUR"}], "fr_FR", "ecommerce"),
                               v([{"amount": "25", "currency": "USD"}], "en_US", "ecommerce"),
                               v([], "de_DE", "print")],
               "manual": [v(media["manuel fr.pdf"], "fr_FR"), v(media["care guide é.pdf"], "en_US")],
               "launch": [v("2026-03-01", "en_US", "ecommerce"), v("2026-01-15", "de_DE", "print")],
               "Zz_legacy": [v("legacy")]},
           "associations": {"UPSELL": {"products": [uid(90)]}}})
    posted = api.post(UUIDS, json={"uuid": uid(2), "family": "bags", "enabled": False,
                                   "categories": ["master_bags", "ecommerce_sale"], "values": {
                                       "sku": [v("bag-leather")],
                                       "name": [v("Leather bag", "en_US")],
                                       "weight": [v({"amount": 800, "unit": "GRAM"})],
                                       "width": [v({"amount": "35.5", "unit": "CENTIMETER"})],
                                       "capacity": [v({"amount": "2", "unit": "LITER"})],
                                       "price": [v([{"amount": 99, "currency": "EUR"}])],
                                       "color": [v("brown")], "waterproof": [v(False)],
                                       "notice": [v(media["care guide é.pdf"])],
                                       "rating": [v(-0.5)]}})
    assert posted.status_code == 201, posted.get_json()
    created = api.patch(f"{IDENTIFIERS}/pan-1", json={"uuid": uid(3), "family": "kitchenware",
                                                      "categories": ["master_kitchen"], "values": {
                                                          "name": [v("Poêle \"pro\"", "en_US")],
                                                          "stock_quantity": [v(12)],
                                                          "release_date": [v("2021-06-15")],
                                                          "capacity": [v({"amount": 1500, "unit": "MILLILITER"})],
                                                          "notice": [v(media["notice.txt"])]},
                                                      "associations": {"UPSELL": {"products": ["hat-full"]}}})
    assert created.status_code == 201, created.get_json()
    updated = api.patch(f"{IDENTIFIERS}/pan-1", json={"values": {"stock_quantity": [v(13)],
                                                                 "rating": [v(3)]}})
    assert updated.status_code == 204, updated.get_json()
    many = ["print_traditional", "master_shirts", "master_jackets", "master_home", "master", "ecommerce_summer_hats",
            "ecommerce_sale", "ecommerce", "Zz_outlet", "print_catalog_2026"]  # listed by code, whatever order
    lines = [{"uuid": uid(4), "family": "clothing", "categories": many, "values": {
                 "sku": [v("shirt-a")], "name": [v("Shirt", "en_US"), v("Hemd", "de_DE")],
                 "short_tagline": [v("Light & airy", "en_US")], "release_date": [v("2020-01-01")],
                 "seasons": [v(["winter"])], "width": [v({"amount": 50, "unit": "CENTIMETER"})],
                 "stock_quantity": [v(999999999999999)], "rating": [v("99999999999.9999")],
                 "launch": [v("2020-02-02", "fr_FR", "mobile")]}},
             {"uuid": uid(5), "values": {"sku": [v("orphan")]}},
             {"uuid": uid(6), "categories": ["print_traditional"], "values": {"sku": [v("print-only")],
                                                                             "name": [v("Print only", "en_US")]}}]
    answer = api.patch_batch(UUIDS, lines)
    assert [line["status_code"] for line in Api.lines(answer)] == [201, 201, 201], answer.get_data(as_text=True)
    lines = [{"identifier": "loose-values", "uuid": uid(7), "values": {
                 "name": [v("Sans famille", "fr_FR")], "rating": [v(2.25)], "stock_quantity": [v("7")],
                 "erp_name": [v("a\\b\"c")]}},
             {"identifier": "empty-family", "uuid": uid(9), "family": "hats"},
             # (a new product with associations followed by a new one without once answered 500: see
             # test_api_products_batch.py::test_new_products_with_and_without_associations_in_one_batch)
             {"identifier": "hat/with-slash_é", "uuid": uid(8), "family": "hats", "enabled": False,
              "categories": ["ecommerce_sale"], "values": {"name": [v("Chapeau 🎩", "fr_FR")],
                                                           "color": [v("black")],
                                                           "price": [v([{"amount": "0.00", "currency": "EUR"}])]},
              "associations": {"SUBSTITUTION": {"products": ["hat-full", "pan-1"]}},
              "quantified_associations": {"PACK": {"products": []}}}]
    answer = api.patch_batch(IDENTIFIERS, lines)
    assert [line["status_code"] for line in Api.lines(answer)] == [201, 201, 201], answer.get_data(as_text=True)
    uploaded = api.client.post("/api/rest/v1/media-files", content_type="multipart/form-data",
                               headers={"Authorization": f"Bearer {api.token}"}, data={
                                   "product": json.dumps({"identifier": "pan-1", "attribute": "notice",
                                                          "locale": None, "scope": None}),
                                   "file": (io.BytesIO(b"new notice"), "new notice.txt")})
    assert uploaded.status_code == 201, uploaded.get_json()
    for number, identifier in ODD_IDENTIFIERS.items():  # each in its own URL, percent-encoded
        answer = api.patch(f"{IDENTIFIERS}/{quote(identifier, safe='')}", json={
            "uuid": uid(number), "family": "bags", "values": {"name": [v(identifier, "en_US")]},
            "associations": {"X_SELL": {"products": ["hat-full"]}}})
        assert answer.status_code == 201, answer.get_json()
    associated = api.patch(f"{UUIDS}/{uid(1)}", json={"associations": {
        "X_SELL": {"products": [uid(2), str(ghost.uuid), uid(3)]}, "UPSELL": {"products": [uid(4), uid(14)]}}})
    assert associated.status_code == 204, associated.get_json()
    with db.connection_context():
        delete_product(ghost)  # hat-full still names it: the API leaves it out of the associations


def _levels(**given):
    return {level: {"all": codes == "all", "identifiers": [] if codes == "all" else list(codes)}
            for level, codes in given.items()}


EVERYTHING = {"category": _levels(own="all", edit="all", view="all"), "locale": _levels(edit="all", view="all"),
              "attribute_group": _levels(edit="all", view="all")}
# Sees the master and ecommerce trees (owns master), en_US and fr_FR, the ecommerce, ERP and media groups.
RESTRICTED = {"category": _levels(own=["master"], edit=["master"], view=["master", "ecommerce"]),
              "locale": _levels(edit=["en_US"], view=["en_US", "fr_FR"]),
              "attribute_group": _levels(edit=["ecommerce"], view=["ecommerce", "ERP", "media"])}
# Sees every product (edits master, owns ecommerce) and every group, but only views fr_FR: an editor
# with a draft on pan-1 (edit level: master only).
EDITOR = {"category": _levels(own=["ecommerce"], edit=["master", "ecommerce"], view="all"),
          "locale": _levels(edit=["en_US", "de_DE"], view="all"),
          "attribute_group": _levels(edit="all", view="all")}


def _readers(shop):
    """Connected apps: one holding every right (unrestricted), a restricted one, an editor with a draft."""
    for name, rights in (("app-everything", EVERYTHING), ("app-restricted", RESTRICTED), ("app-editor", EDITOR)):
        app_id, _secret = register_listing(shop.app, name)
        connect_code(shop.app, app_id, ["read_products", "write_products"])
        with shop.app.app_context(), db.connection_context():
            group_permissions.save(ConnectedApp.get_by_id(app_id).user_group_id, rights)
            shop.users[name] = ConnectedApp.get_by_id(app_id).connection.user_id
        shop.tokens[name] = app_token(shop.app, app_id)
    drafted = Api(shop.client, shop.tokens["app-editor"]).patch(
        f"{IDENTIFIERS}/pan-1", json={"values": {"name": [v("Draft name", "en_US")]}})
    assert drafted.status_code == 204, drafted.get_json()
    assert drafted.headers["Location"].endswith("/draft")


@pytest.fixture(scope="module")
def built_shop(tmp_path_factory):
    with fresh_database_url(tmp_path_factory.mktemp("stored-values")) as url:
        app = create_app(make_test_config(url))
        shop = Shop(app, app.extensions["database"])
        with app.app_context(), db.connection_context():
            migrate.upgrade(db.obj)
            with write_txn():
                demo.seed_structure()
                demo.seed_users(ADMIN_PASSWORD, JULIA_PASSWORD)
        _build_shop(shop)
        yield shop
        shop.bind()
        if not db.is_closed():
            db.close()


@pytest.fixture
def shop(built_shop):
    """The module's shop, the database proxy bound to it, its configuration as built after the test."""
    built_shop.bind()
    config = dict(built_shop.app.config)
    yield built_shop
    built_shop.app.config.clear()
    built_shop.app.config.update(config)


# --- comparing the two paths --------------------------------------------------------------------

def both_ways(app, send):
    """(answer with the stored values, answer with the full rendering) of ``send()``."""
    before = app.config.get(FLAG, True)
    try:
        app.config[FLAG] = True
        stored = send()
        app.config[FLAG] = False
        rendered = send()
    finally:
        app.config[FLAG] = before
    return stored, rendered


def first_difference(stored, rendered):
    """Where two bodies part, with the bytes around it."""
    at = next((i for i, (a, b) in enumerate(zip(stored, rendered)) if a != b), min(len(stored), len(rendered)))
    return (f"bodies differ at byte {at} (lengths {len(stored)} stored, {len(rendered)} rendered):\n"
            f"  stored:   {stored[max(0, at - 80):at + 80]!r}\n  rendered: {rendered[max(0, at - 80):at + 80]!r}")


def assert_same(stored, rendered):
    assert (stored.status_code, stored.headers.get("Content-Type")) == (
        rendered.status_code, rendered.headers.get("Content-Type")), (stored.data[:300], rendered.data[:300])
    assert stored.data == rendered.data, first_difference(stored.data, rendered.data)


def compare(app, client, token, method, path, body=None, edition="ee"):
    """Send the request both ways as ``token`` in ``edition``; return the (equal) stored-path answer."""
    app.config["PIM_EDITION"] = edition
    headers = {"Authorization": f"Bearer {token}"}

    def send():
        if method == "GET":
            return client.get(path, headers=headers)
        return client.post(path, json=body, headers=headers)

    stored, rendered = both_ways(app, send)
    assert_same(stored, rendered)
    return stored


# --- the matrix ---------------------------------------------------------------------------------

READERS = {  # name -> (token name, edition, breadth of the matrix it reads)
    "ee-connection": ("connection", "ee", "full"),
    "ce-connection": ("connection", "ce", "full"),
    "ee-app-everything": ("app-everything", "ee", "core"),
    "ee-app-restricted": ("app-restricted", "ee", "core"),
    "ee-app-editor": ("app-editor", "ee", "core"),
    "ce-app-restricted": ("app-restricted", "ce", "core"),  # CE ignores the grants: unrestricted
}
SEARCHES = {
    "enabled": {"enabled": [{"operator": "=", "value": True}]},
    "family": {"family": [{"operator": "IN", "value": ["hats", "bags"]}]},
    "no-family": {"family": [{"operator": "EMPTY"}]},
    "categories": {"categories": [{"operator": "IN", "value": ["master_hats", "master_kitchen"]}]},
    "unclassified": {"categories": [{"operator": "UNCLASSIFIED"}]},
    "name": {"name": [{"operator": "CONTAINS", "value": "a", "locale": "en_US"}]},
    "color": {"color": [{"operator": "IN", "value": ["red", "black", "brown"]}]},
    "price": {"price": [{"operator": ">", "value": {"amount": 10, "currency": "EUR"}}]},
}
LIST_QUERIES = [
    "", "limit=1", "limit=3&page=2", "limit=100", "limit=100&with_count=true", "limit=2&page=3&with_count=true",
    "limit=4&with_count=false", "page=5&limit=3",
    "pagination_type=search_after", "pagination_type=search_after&limit=3",
    "pagination_type=search_after&limit=2&search_after=" + uid(1),
    "with_completenesses=true", "with_quality_scores=true", "with_attribute_options=true",
    "with_completenesses=true&with_quality_scores=true&with_attribute_options=true&limit=100",
    "pagination_type=search_after&with_completenesses=true&with_quality_scores=true",
    "attributes=name,price,picture,rating", "attributes=sku", "locales=fr_FR", "locales=en_US,fr_FR",
    "scope=ecommerce", "scope=print&locales=de_DE", "scope=mobile&attributes=name,description,picture,manual",
    "attributes=local_price,launch&locales=en_US&scope=ecommerce&with_count=true",
    "pagination_type=search_after&scope=ecommerce&limit=2", "pagination_type=search_after&attributes=name",
    "with_attribute_options=true&pagination_type=search_after",
    "attributes=material", "locales=de_DE", "scope=nowhere", "limit=101",  # refused for some readers, or all
    "pagination_type=search_after&search_after=ffffffff-ffff-4fff-bfff-ffffffffffff",  # past the end
] + [f"search={json.dumps(search)}" for search in SEARCHES.values()] + [
    f"search={json.dumps(SEARCHES['family'])}&pagination_type=search_after&limit=2",
    f"search={json.dumps(SEARCHES['name'])}&with_count=true&limit=2&page=2",
    f"search={json.dumps({'name': [{'operator': 'NOT EMPTY'}]})}&search_locale=fr_FR",
    f"search={json.dumps({'description': [{'operator': 'NOT EMPTY'}]})}&search_scope=print&search_locale=de_DE",
]
LIST_REQUESTS = [("GET", f"{path}?{query}" if query else path, None)
                 for path in (UUIDS, IDENTIFIERS) for query in LIST_QUERIES]
POST_BODIES = [{}, {"limit": 2, "with_count": True}, {"search": SEARCHES["family"], "attributes": ["name", "price"]},
               {"search": json.dumps(SEARCHES["color"]), "locales": "fr_FR", "pagination_type": "search_after"},
               {"search": SEARCHES["enabled"], "with_completenesses": True, "with_quality_scores": "true"},
               {"scope": "ecommerce", "with_attribute_options": True}]
POST_REQUESTS = [("POST", f"{path}/search", body) for path in (UUIDS, IDENTIFIERS) for body in POST_BODIES]
POST_REQUESTS.append(("POST", f"{UUIDS}/search?limit=1&page=2", {"search": SEARCHES["enabled"]}))
PRODUCTS = {uid(1): "hat-full", uid(2): "bag-leather", uid(3): "pan-1", uid(4): "shirt-a", uid(5): "orphan",
            uid(6): "print-only", uid(7): "loose-values", uid(8): "hat/with-slash_é", uid(9): "empty-family",
            **{uid(number): identifier for number, identifier in ODD_IDENTIFIERS.items()}}
FLAGS = ["", "?with_completenesses=true", "?with_quality_scores=true", "?with_attribute_options=true",
         "?with_completenesses=true&with_quality_scores=true&with_attribute_options=false",
         "?attributes=name&locales=fr_FR&scope=print"]  # a single product takes no projection: ignored
ITEM_REQUESTS = [("GET", f"{UUIDS}/{product_uuid}{flags}", None) for product_uuid in PRODUCTS for flags in FLAGS]
ITEM_REQUESTS += [("GET", f"{IDENTIFIERS}/{quote(identifier, safe='/')}{flags}", None)
                  for identifier in PRODUCTS.values() for flags in FLAGS[:2]]
DELETED = [("GET", f"{UUIDS}/{uid(90)}", None), ("GET", f"{IDENTIFIERS}/ghost-hat", None)]
# Every reader reads the core (each list query on products-uuid, a few on /products and POST search, each
# product once by uuid and by identifier); the connection, in EE and CE, reads everything.
CORE = ([r for r in LIST_REQUESTS if r[1].startswith(UUIDS)] + LIST_REQUESTS[len(LIST_QUERIES):][:6]
        + POST_REQUESTS[::3] + [r for r in ITEM_REQUESTS if "?" not in r[1]] + DELETED)
FULL = LIST_REQUESTS + POST_REQUESTS + ITEM_REQUESTS + DELETED
MATRIX = [(reader, *request) for reader, (_token, _edition, breadth) in READERS.items()
          for request in (FULL if breadth == "full" else CORE)]


def _case_id(value):
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False) if value else "-"


@pytest.mark.parametrize("reader, method, path, body", MATRIX, ids=_case_id)
def test_stored_and_rendered_answers_are_the_same_bytes(shop, reader, method, path, body):
    """Every list, search and single read answers byte for byte the same both ways, for every reader."""
    token, edition, _breadth = READERS[reader]
    answer = compare(shop.app, shop.client, shop.tokens[token], method, path, body, edition)  # asserts the bytes equal
    assert answer.status_code in (200, 404, 422), answer.get_data(as_text=True)


def test_the_matrix_reads_real_pages(shop):
    """The comparisons are not between two empty answers: the unrestricted list holds every product with
    every attribute type, the restricted one hides some, and projections narrow the values."""
    token = shop.tokens["connection"]
    items = compare(shop.app, shop.client, token, "GET", f"{UUIDS}?limit=100").get_json()["_embedded"]["items"]
    assert len(items) == len(PRODUCTS) + DEMO_PRODUCTS and set(PRODUCTS) <= {item["uuid"] for item in items}
    full = next(item for item in items if item["uuid"] == uid(1))
    assert sorted(full["values"]) == sorted(
        ["sku", "erp_name", "ean", "name", "description", "price", "cost_price", "weight", "material", "color",
         "seasons", "waterproof", "picture", "french_label", "rating", "print_note", "local_price", "manual",
         "launch", "Zz_legacy"])
    assert full["values"]["erp_name"][0]["data"] == TRICKY
    assert full["associations"]["X_SELL"]["products"] == [uid(2), uid(3)]  # the deleted one is left out
    with shop.app.app_context(), db.connection_context():  # EE grants: who is restricted
        restricted = {name: Access(user_id, "app", (), enforce_grants=True).restricted
                      for name, user_id in shop.users.items()}
    assert restricted == {"app-everything": False, "app-restricted": True, "app-editor": True}
    hidden = compare(shop.app, shop.client, shop.tokens["app-restricted"], "GET", f"{UUIDS}?limit=100")
    seen = hidden.get_json()["_embedded"]["items"]
    assert uid(6) not in [item["uuid"] for item in seen] and uid(1) in [item["uuid"] for item in seen]
    assert "material" not in next(item for item in seen if item["uuid"] == uid(1))["values"]
    projected = compare(shop.app, shop.client, token, "GET", f"{UUIDS}/{uid(1)}?with_attribute_options=true")
    assert projected.get_json()["values"]["color"][0]["linked_data"]["code"] == "red"


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("path", [UUIDS, IDENTIFIERS])
def test_search_after_walks_are_the_same_page_by_page(shop, reader, path):
    """Following ``next`` from page to page (2 products a page), each page answers the same bytes."""
    token, edition, _breadth = READERS[reader]
    url, pages = f"{path}?pagination_type=search_after&limit=2", 0
    while url:
        page = compare(shop.app, shop.client, shop.tokens[token], "GET", url, edition=edition).get_json()
        pages += 1
        following = page["_links"].get("next", {}).get("href")
        url = following and following.replace("http://localhost", "")
    assert pages >= 4


@pytest.mark.parametrize("pim_url", ["https://pim.example.com", "https://pim.example.com/some/prefix/",
                                     "http://127.0.0.1:8080", "https://pïm.example/ä"])
def test_media_links_follow_pim_url(shop, pim_url):
    """The download links of media values follow PIM_URL as it is now, not as it was when the product was saved."""
    shop.app.config["PIM_URL"] = pim_url
    base = pim_url.rstrip("/")
    for path in (f"{UUIDS}?limit=100", f"{IDENTIFIERS}?pagination_type=search_after&limit=100",
                 f"{UUIDS}/{uid(1)}", f"{IDENTIFIERS}/pan-1"):
        answer = compare(shop.app, shop.client, shop.tokens["connection"], "GET", path).get_json()
        items = answer["_embedded"]["items"] if "_embedded" in answer else [answer]
        hrefs = [entry["_links"]["download"]["href"] for item in items for code in ("picture", "notice", "manual")
                 for entry in item["values"].get(code, [])]
        assert hrefs and all(href.startswith(f"{base}/api/rest/v1/media-files/") for href in hrefs), hrefs


def test_indented_answers_in_debug_mode_are_the_same(shop):
    """In debug mode Flask indents its JSON answers: both ways answer the same indented bytes."""
    shop.app.config["DEBUG"] = True
    for path in (f"{UUIDS}?limit=5", f"{IDENTIFIERS}?pagination_type=search_after&limit=5", f"{UUIDS}/{uid(1)}"):
        answer = compare(shop.app, shop.client, shop.tokens["connection"], "GET", path)
        assert answer.data.startswith(b"{\n"), answer.data[:20]


# --- the stored column ----------------------------------------------------------------------------

def stored_columns():
    """{uuid string: api_values text or None}, read with a raw query."""
    assert "api_values" in {column.name for column in db.get_columns("product")}, "no product.api_values column"
    rows = db.execute_sql('SELECT "uuid", "api_values" FROM "product"').fetchall()
    return {str(uuid.UUID(str(row_uuid))): text for row_uuid, text in rows}


def rendered_values(base_url):
    """{uuid string: the ``values`` of the full rendering}, for an unrestricted reader."""
    rows = product_rows(Product.select().join(Family, JOIN.LEFT_OUTER).order_by(Product.uuid))
    options = ReadOptions(base_url=base_url)
    return {str(row.uuid): item["values"]
            for row, item in zip(rows, normalize_products(rows, options, Access.unrestricted()))}


# The column may hold the PIM's address or a stand-in for it (replaced on read): compared without it.
MEDIA_BASE = re.compile(r'"href":"(?:[^"\\]|\\.)*?/api/rest/v1/media-files/')
BASE = '"href":"BASE/api/rest/v1/media-files/'


def as_text(stored):
    return stored.decode() if isinstance(stored, (bytes, memoryview)) else stored


def test_saved_products_store_their_api_values(shop):
    """After every kind of save, the stored column holds the values as the full rendering shows them,
    in its order (codes sorted, entries by scope and locale), as orjson writes them."""
    with shop.app.app_context(), db.connection_context():
        stored, rendered = stored_columns(), rendered_values(shop.app.config["PIM_URL"])
    assert len(stored) == len(PRODUCTS) + DEMO_PRODUCTS
    for product_uuid, values in rendered.items():
        name = PRODUCTS.get(product_uuid, f"generated {product_uuid}")
        text = as_text(stored[product_uuid])
        assert text is not None, f"{name}: api_values is NULL after a save"
        found, expected = MEDIA_BASE.sub(BASE, text), MEDIA_BASE.sub(BASE, orjson.dumps(values).decode())
        assert json.loads(found) == json.loads(expected), name
        assert found == expected, first_difference(found.encode(), expected.encode())


# --- a database of the test's own: the column changed by hand, the structure changed -------------

MARKER = "STORED-MARKER"
SMALL = [  # (uuid, identifier, document)
    (uid(11), "hat-small", {"family": "hats", "categories": ["master_hats"], "values": {
        "name": [v("Small hat", "en_US"), v("Petit chapeau", "fr_FR")], "color": [v("red")],
        "stock_quantity": [v(12)],
        "price": [v([{"amount": "12.50", "currency": "EUR"}, {"amount": 15, "currency": "USD"}])],
        "weight": [v({"amount": "1.2", "unit": "KILOGRAM"})], "cost_price": [v([{"amount": 3, "currency": "EUR"}])]}}),
    (uid(12), "pan-small", {"family": "kitchenware", "values": {"stock_quantity": [v(7)],
                                                                "capacity": [v({"amount": 2, "unit": "LITER"})]}}),
    (uid(13), "bare", {}),
]
ELIGIBLE = [f"{UUIDS}?limit=10", f"{UUIDS}?limit=10&with_count=true&with_completenesses=true",
            f"{IDENTIFIERS}?limit=10&with_quality_scores=true", f"{UUIDS}?pagination_type=search_after&limit=10",
            f"{IDENTIFIERS}?pagination_type=search_after", f"{UUIDS}?search={json.dumps(SEARCHES['enabled'])}",
            f"{UUIDS}/{uid(11)}", f"{IDENTIFIERS}/hat-small", f"{UUIDS}/{uid(11)}?with_completenesses=true"]
INELIGIBLE = [f"{UUIDS}?attributes=name", f"{UUIDS}?locales=en_US", f"{IDENTIFIERS}?scope=ecommerce",
              f"{UUIDS}?with_attribute_options=true", f"{UUIDS}/{uid(11)}?with_attribute_options=true",
              f"{IDENTIFIERS}/hat-small?with_attribute_options=true"]


@pytest.fixture
def small(api, seeded_app):
    """Three products written through the API, and the unrestricted connection that wrote them."""
    for product_uuid, identifier, document in SMALL:
        answer = api.patch(f"{IDENTIFIERS}/{identifier}", json={"uuid": product_uuid, **document})
        assert answer.status_code == 201, answer.get_json()
    return api


def set_stored(app, text, product_uuid=None):
    """Overwrite the stored column (of one product, or of all) with ``text`` (None: NULL), by hand."""
    sql = 'UPDATE "product" SET "api_values" = ' + db.param
    params = [text]
    if product_uuid is not None:
        sql += ' WHERE "uuid" = ' + db.param
        params.append(Product.uuid.db_value(uuid.UUID(product_uuid)))
    with app.app_context(), db.connection_context(), write_txn():
        db.execute_sql(sql, params)


def answers(app, api, paths, edition="ee"):
    """{path: the stored-path answer's JSON} of each GET, after holding both paths' bytes equal."""
    return {path: compare(app, api.client, api.token, "GET", path, edition=edition).get_json() for path in paths}


def test_a_product_without_stored_values_answers_the_same(small, seeded_app):
    """A NULL column (a product not rendered yet) is rendered on read: the same bytes, the same answers."""
    before = answers(seeded_app, small, ELIGIBLE + INELIGIBLE)
    set_stored(seeded_app, None, uid(11))
    assert answers(seeded_app, small, ELIGIBLE + INELIGIBLE) == before
    set_stored(seeded_app, None)
    assert answers(seeded_app, small, ELIGIBLE + INELIGIBLE) == before
    assert answers(seeded_app, small, ELIGIBLE, edition="ce") == answers(seeded_app, small, ELIGIBLE, edition="ce")


def _shows_marker(app, api, path, stored):
    """Whether the answer to ``path`` shows the marker put in the stored column, the flag on or off."""
    app.config[FLAG] = stored
    try:
        answer = api.get(path)
    finally:
        app.config[FLAG] = True
    assert answer.status_code == 200, answer.get_json()
    return MARKER.encode() in answer.data


def test_eligible_reads_write_the_stored_text_out(small, seeded_app, api_as):
    """The byte comparisons compare two paths, not one twice: with a marker put in the stored column by
    hand, every eligible read shows it with the flag on and none with it off; projections, option labels
    and a restricted reader never do (they take the full rendering)."""
    set_stored(seeded_app, orjson.dumps({"name": [v(MARKER, "en_US")]}).decode(), uid(11))
    assert MARKER.encode() in small.get(ELIGIBLE[0]).data  # the flag's default: on
    shown = {path: (_shows_marker(seeded_app, small, path, True), _shows_marker(seeded_app, small, path, False))
             for path in ELIGIBLE + INELIGIBLE}
    assert shown == {path: (path in ELIGIBLE, False) for path in ELIGIBLE + INELIGIBLE}
    restricted = _restricted_app(seeded_app, small.client)
    for path in ELIGIBLE[:5]:
        assert not _shows_marker(seeded_app, restricted, path, True), path


def _restricted_app(app, client):
    """A connected app that views the master tree, every locale but de_DE and every attribute group."""
    app_id, _secret = register_listing(app, "Restricted reader")
    connect_code(app, app_id, ["read_products"])
    with app.app_context(), db.connection_context():
        group_permissions.save(ConnectedApp.get_by_id(app_id).user_group_id, {
            "category": _levels(own=["master"], edit=["master"], view=["master"]),
            "locale": _levels(edit=["en_US"], view=["en_US", "fr_FR"]),
            "attribute_group": _levels(edit="all", view="all")})
    return Api(client, app_token(app, app_id))


def _data(body, code):
    """{identifier: the data of ``code``'s first value} over a list answer's items."""
    return {item["identifier"]: item["values"][code][0]["data"]
            for item in body["_embedded"]["items"] if code in item["values"]}


def test_changing_decimals_allowed_re_renders_the_amounts(small, seeded_app):
    """After decimals_allowed changes (API PATCH, or the settings service), both paths show the amounts
    in the new form, and the stored column is rendered again."""
    page = f"{IDENTIFIERS}?limit=10"
    first = answers(seeded_app, small, [page])[page]
    assert _data(first, "stock_quantity") == {"hat-small": 12, "pan-small": 7}
    assert small.patch("/api/rest/v1/attributes/stock_quantity", json={"decimals_allowed": True}).status_code == 204
    body = answers(seeded_app, small, [page, f"{UUIDS}/{uid(11)}", f"{IDENTIFIERS}?pagination_type=search_after"])
    assert _data(body[page], "stock_quantity") == {"hat-small": "12.0000", "pan-small": "7.0000"}
    assert body[f"{UUIDS}/{uid(11)}"]["values"]["stock_quantity"][0]["data"] == "12.0000"

    from pimconnect.models import Attribute
    from pimconnect.services.structure.rest.attributes import apply_attribute

    with seeded_app.app_context(), db.connection_context():
        for code in ("price", "weight"):
            apply_attribute(Attribute.get(Attribute.code == code), {"decimals_allowed": False})
    body = answers(seeded_app, small, [page, f"{IDENTIFIERS}/hat-small"])
    assert _data(body[page], "price") == {"hat-small": [{"amount": "12.50", "currency": "EUR"},
                                                        {"amount": 15, "currency": "USD"}]}
    assert _data(body[page], "weight") == {"hat-small": {"amount": "1.2000", "unit": "KILOGRAM"}}
    assert _data(body[page], "cost_price") == {"hat-small": [{"amount": "3.00", "currency": "EUR"}]}
    with seeded_app.app_context(), db.connection_context():
        stored, rendered = stored_columns(), rendered_values(seeded_app.config["PIM_URL"])
    for product_uuid, _identifier, _document in SMALL:
        assert stored[product_uuid] is not None and json.loads(as_text(stored[product_uuid])) == rendered[product_uuid]


def test_a_value_beyond_orjson_answers_the_same(small, seeded_app):
    """A document orjson cannot write (an integer beyond 64 bits, left by an older version or by hand)
    is written by the standard library for the whole answer on the general path: the stored path
    answers the same bytes."""
    huge = 123456789012345678901234567890
    with seeded_app.app_context(), db.connection_context(), write_txn():
        Product.update(values={"stock_quantity": [v(huge)], "name": [v("Poêle 😀", "en_US")]}).where(
            Product.uuid == uuid.UUID(uid(12))).execute()
    set_stored(seeded_app, None, uid(12))
    paths = ELIGIBLE + [f"{UUIDS}/{uid(12)}", f"{IDENTIFIERS}/pan-small"]
    for path, body in answers(seeded_app, small, paths).items():
        items = body["_embedded"]["items"] if "_embedded" in body else [body]
        shown = [item["values"]["stock_quantity"][0]["data"] for item in items
                 if uid(12) == item.get("uuid") or "pan-small" == item.get("identifier")]
        assert shown in ([huge], []), path


def test_the_switch_is_read_from_the_environment(tmp_path):
    """PIM_API_STORED_VALUES=0 turns the stored-text path off (to rule it out); it is on by default."""
    from pimconnect.config import from_environment

    assert from_environment(str(tmp_path), {})[FLAG] is True
    assert from_environment(str(tmp_path), {FLAG: "0"})[FLAG] is False
