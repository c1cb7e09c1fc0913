"""The statements a batch upsert writes with (issue 16): the same answers, fewer and steadier statements.

On PostgreSQL a batch's new products go in with one INSERT when the batch runs without savepoints
(the lines' rows wait until something could read them), and every multi-row INSERT's text is the same
whatever the number of rows (one JSON parameter), so it is prepared once per connection."""
import uuid

import pytest

from pimconnect.db import db, is_sqlite
from pimconnect.models import Product
from tests.factories import fetch_product, make_product

URL = "/api/rest/v1/products-uuid"


def v(data, locale=None, scope=None):
    return [{"locale": locale, "scope": scope, "data": data}]


@pytest.fixture
def statements(monkeypatch):
    """The SQL texts the app runs from now on."""
    seen = []
    original = type(db.obj).execute_sql

    def recording(self, sql, *args, **kwargs):
        seen.append(sql)
        return original(self, sql, *args, **kwargs)

    monkeypatch.setattr(type(db.obj), "execute_sql", recording)
    return seen


def inserts(seen, table):
    return [sql for sql in seen if sql.startswith(f'INSERT INTO "{table}"')]


def test_new_products_of_a_batch_go_in_with_one_statement(api, seeded_app, statements):
    lines = [{"uuid": str(uuid.uuid4()), "family": "hats", "categories": ["master"],
              "values": {"sku": v(f"cap-{n}"), "name": v(f"Cap {n}", "en_US")}} for n in range(5)]
    response = api.patch_batch(URL, lines)
    assert [line["status_code"] for line in api.lines(response)] == [201] * 5
    products = inserts(statements, "product")
    assert len(products) == 1
    with db.connection_context():
        assert Product.select().count() == 5
        assert fetch_product(Product.get(Product.identifier == "cap-3")).values["name"][0]["data"] == "Cap 3"
    if not is_sqlite():
        first = {table: inserts(statements, table) for table in ("product", "product_value", "product_completeness")}
        statements.clear()
        response = api.patch_batch(URL, [{"uuid": str(uuid.uuid4()), "family": "hats",
                                          "values": {"sku": v(f"hat-{n}")}} for n in range(3)])
        assert [line["status_code"] for line in api.lines(response)] == [201] * 3
        # the same texts for 3 products as for 5: prepared once per connection
        for table, texts in first.items():
            assert inserts(statements, table) == texts and len(texts) == 1 and texts[0].count("%s") == 1


def test_a_product_created_and_changed_in_the_same_batch(api, seeded_app):
    created = str(uuid.uuid4())
    response = api.patch_batch(URL, [{"uuid": created, "family": "hats", "values": {"sku": v("cap")}},
                                     {"uuid": created, "enabled": False,
                                      "values": {"name": v("Cap", "en_US")}}])
    assert [line["status_code"] for line in api.lines(response)] == [201, 204]
    with db.connection_context():
        product = Product.get_by_id(uuid.UUID(created))
    assert product.enabled is False and product.values["name"][0]["data"] == "Cap"
    assert product.version == 2


def test_a_line_associating_a_product_an_earlier_line_created(api, seeded_app):
    hat = make_product("hat")
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    response = api.patch_batch(URL, [
        {"uuid": first, "values": {"sku": v("cap")}},
        {"uuid": second, "values": {"sku": v("bag")},
         "associations": {"X_SELL": {"products": [first, str(hat.uuid)]}}},
        {"uuid": str(uuid.uuid4()), "values": {"sku": v("cup")},
         "associations": {"X_SELL": {"products": [str(uuid.uuid4())]}}},
    ])
    lines = api.lines(response)
    assert [line["status_code"] for line in lines] == [201, 201, 422]
    with db.connection_context():
        stored = Product.get_by_id(uuid.UUID(second)).associations["X_SELL"]["products"]
    assert sorted(stored) == sorted([first, str(hat.uuid)])


def test_a_new_product_whose_identifier_a_later_line_takes(api, seeded_app):
    """The waiting rows' identifiers are the batch's to check: the second line is refused on its line."""
    response = api.patch_batch(URL, [{"uuid": str(uuid.uuid4()), "values": {"sku": v("cap")}},
                                     {"uuid": str(uuid.uuid4()), "values": {"sku": v("cap")}}])
    lines = api.lines(response)
    assert [line["status_code"] for line in lines] == [201, 422]
    assert lines[1]["errors"] == [{"property": "identifier",
                                   "message": "The same identifier is already set on another product."}]


def test_postgresql_connections_keep_statements_prepared(app):
    if is_sqlite():
        pytest.skip("PostgreSQL's prepared statements")
    with db.connection_context():
        connection = db.connection()
        assert connection.prepare_threshold == 1 and connection.prepared_max >= 1000
