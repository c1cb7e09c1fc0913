"""The cost shape of the product endpoints: a batch upsert writes its index in bulk and pays a constant
number of statements per line; a page costs the same number of statements whatever its size; the
bulk path writes exactly what the line-by-line path wrote. Counts, never timings."""
import uuid

import pytest

from pimconnect.db import db, is_sqlite
from pimconnect.models import Product, ProductCategory, ProductCompleteness, ProductValue
from pimconnect.services.products.writes import save_product
from pimconnect.services.products.values import index_rows
from pimconnect.services.structure.snapshot import Structure
from pimconnect.services.products.completeness import completeness_rows
from tests.factories import make_product
from tests.test_api_attributes import counted_queries

URL = "/api/rest/v1/products-uuid"
LEGACY = "/api/rest/v1/products"
# Per batch line: the product INSERT alone on SQLite (identifiers are looked up for the whole batch,
# the index is written in bulk, and no savepoint: see products._Batch); none on PostgreSQL, where the
# batch's new products go in with one INSERT (writes._Batch.created).
def per_line():
    return 0  # the new products' rows go in with one INSERT for the batch, on both databases


def v(data, locale=None, scope=None):
    return [{"locale": locale, "scope": scope, "data": data}]


def line(n):
    """A new product as a connector sends it (as bench/api.py does)."""
    return {"uuid": str(uuid.uuid4()), "family": "hats", "categories": ["master_hats"],
            "values": {"sku": v(f"bench-{n:05d}"), "name": v(f"Hat {n}", "en_US") + v(f"Chapeau {n}", "fr_FR"),
                       "weight": v({"amount": "12.5", "unit": "GRAM"}), "color": v("red")}}


def inserts_into(statements, table):
    return [sql for sql in statements if sql.lstrip().upper().startswith(f'INSERT INTO "{table}"'.upper())]


def batch(api, lines, url=URL):
    with counted_queries() as statements:
        response = api.patch_batch(url, lines)
    assert response.status_code == 200
    return api.lines(response), statements


def test_batch_statements_per_line_are_constant_and_the_index_is_one_insert_per_table(api, seeded_app):
    small, small_sql = batch(api, [line(n) for n in range(5)])
    large, large_sql = batch(api, [line(n) for n in range(5, 45)])
    assert {result["status_code"] for result in small + large} == {201}
    assert (len(large_sql) - len(small_sql)) == per_line() * 35, (len(small_sql), len(large_sql))
    for table in ("product_value", "product_completeness", "product_category"):
        assert len(inserts_into(small_sql, table)) == 1 == len(inserts_into(large_sql, table)), table
    # One for the batch (should it fail, the batch runs again line by line, with a savepoint per line
    # on PostgreSQL)
    assert len(inserts_into(large_sql, "product")) == 1


def test_bulk_index_equals_what_the_line_by_line_path_writes(api, seeded_app, conn):
    lines = [line(n) for n in range(3)]
    results, _ = batch(api, lines)
    assert [r["status_code"] for r in results] == [201, 201, 201]
    structure = Structure.load()
    for sent in lines:
        product = Product.get_by_id(uuid.UUID(sent["uuid"]))
        stored = {(r["attribute"], r["locale"], r["scope"], r["key"], r["text"], r["number"])
                  for r in ProductValue.select().where(ProductValue.product == product.uuid).dicts()}
        expected = {(r["attribute"], r["locale"], r["scope"], r["key"], r["text"], r["number"])
                    for r in index_rows(product.uuid, product.values, structure)}
        assert stored == expected and len(stored) == 5
        ratios = sorted((r.channel_id, r.locale_id, r.ratio, r.missing_count) for r in
                        ProductCompleteness.select().where(ProductCompleteness.product == product.uuid))
        assert ratios == sorted((r["channel"], r["locale"], r["ratio"], r["missing_count"]) for r in
                                completeness_rows(product.uuid, "hats", product.values, structure))
        assert [c.category.code for c in ProductCategory.select().where(ProductCategory.product == product.uuid)] \
            == ["master_hats"]


def test_a_product_twice_in_one_batch_ends_with_the_last_index(api, seeded_app, conn):
    first = line(1)
    again = {"uuid": first["uuid"], "values": {"color": v("blue")}}  # categories unsent: kept
    results, _ = batch(api, [first, again])
    assert [r["status_code"] for r in results] == [201, 204]
    product_uuid = uuid.UUID(first["uuid"])
    color = Structure.load().attributes["color"].id
    colors = [r.text for r in ProductValue.select().where(ProductValue.product == product_uuid,
                                                          ProductValue.attribute == color)]
    assert colors == ["blue"]
    assert ProductCategory.select().where(ProductCategory.product == product_uuid).count() == 1
    assert ProductCompleteness.select().where(ProductCompleteness.product == product_uuid).count() > 0


def test_a_failing_line_in_a_bulk_batch_leaves_the_others_written_and_itself_untouched(api, seeded_app, conn):
    hat = make_product("hat", values={"color": v("red")})
    bad_update = {"uuid": str(hat.uuid), "values": {"color": v("purple")}}
    lines = [line(1), bad_update, line(2), {**line(3), "values": {"sku": v("bench-00001")}}]
    results, _ = batch(api, lines)
    assert [r["status_code"] for r in results] == [201, 422, 201, 422]
    assert Product.select().count() == 3
    color = Structure.load().attributes["color"].id
    assert [r.text for r in ProductValue.select().where(ProductValue.product == hat.uuid,
                                                         ProductValue.attribute == color)] == ["red"]
    for sent in (lines[0], lines[2]):
        assert ProductValue.select().where(ProductValue.product == uuid.UUID(sent["uuid"])).count() == 5


def test_unique_values_are_checked_against_earlier_lines_of_the_same_batch(api, seeded_app, conn):
    """The value index of earlier lines is written before a line whose check reads it."""
    one, two = line(1), line(2)
    one["values"]["ean"] = v("1234567890123")
    two["values"]["ean"] = v("1234567890123")
    results, _ = batch(api, [one, two])
    assert [r["status_code"] for r in results] == [201, 422]
    assert "already set on another product" in results[1]["errors"][0]["message"]
    # The refused line rolled back alone: the first line's index rows, written before it, are kept.
    assert ProductValue.select().where(ProductValue.product == uuid.UUID(one["uuid"])).count() == 6
    assert ProductCompleteness.select().where(ProductCompleteness.product == uuid.UUID(one["uuid"])).count() > 0


def test_a_taken_uuid_is_still_refused_by_name(api, seeded_app):
    hat = make_product("hat")
    response = api.post(URL, json={"uuid": str(hat.uuid), "values": {"sku": v("other")}})
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"property": "uuid",
                                              "message": f"The {hat.uuid} uuid is already used for another product."}]


def test_legacy_batch_creates_then_updates_by_identifier(api, seeded_app, conn):
    results, _ = batch(api, [{"identifier": "p1", "family": "hats"}, {"identifier": "p1", "enabled": False},
                             {"identifier": "p2", "categories": ["master_bags"]}], url=LEGACY)
    assert [r["status_code"] for r in results] == [201, 204, 201]
    assert Product.get(Product.identifier == "p1").enabled is False
    assert ProductCompleteness.select().join(Product).where(Product.identifier == "p1").count() > 0


def make_products(count):
    with db.connection_context():
        from pimconnect.db import write_txn

        with write_txn():
            return [save_product({**line(n), "uuid": None}) for n in range(count)]


@pytest.mark.parametrize("path", [URL, LEGACY])
def test_a_page_costs_the_same_statements_whatever_its_size(api, seeded_app, path):
    make_products(30)
    params = {"pagination_type": "search_after", "with_completenesses": "true"} if path == URL else {}
    with counted_queries() as small:
        assert len(api.get(path, query_string={**params, "limit": 3}).get_json()["_embedded"]["items"]) == 3
    with counted_queries() as large:
        assert len(api.get(path, query_string={**params, "limit": 30}).get_json()["_embedded"]["items"]) == 30
    assert len(small) == len(large) <= 10, (small, large)


def test_the_search_after_page_reads_the_uuid_index_in_order(api, seeded_app, conn):
    """SQLite: the keyset query walks the primary key (no sort of the catalog)."""
    if not is_sqlite():
        pytest.skip("SQLite's query plan")
    make_products(3)
    first = api.get(URL, query_string={"pagination_type": "search_after", "limit": 2}).get_json()
    with counted_queries() as statements:
        second = api.get(first["_links"]["next"]["href"].replace("http://localhost", ""))
    assert len(second.get_json()["_embedded"]["items"]) == 1
    [sql] = [s for s in statements if s.lstrip().startswith("SELECT") and 'FROM "product" AS' in s
             and "ORDER BY" in s]
    rows = db.execute_sql("EXPLAIN QUERY PLAN " + sql, ["0" * 32, 2][:sql.count("?")]).fetchall()
    plan = " ".join(row[-1] for row in rows)
    # The primary key's index, or (uuid, family, enabled) (migration 0011), which SQLite prefers for
    # being smaller: both are in uuid order. The only sort allowed is inside the subquery listing one
    # product's category codes in order (a handful of rows), never of the products.
    walks = ("sqlite_autoindex_product_1 (uuid>?)", "product_uuid_family_id_enabled (uuid>?)")
    top = " ".join(row[-1] for row in rows if row[1] == 0)
    assert "TEMP B-TREE" not in top and any(index in plan for index in walks), plan


def test_batch_updates_cost_a_constant_number_of_statements_per_line(api, seeded_app, conn):
    made = make_products(30)
    small, small_sql = batch(api, [{"uuid": str(p.uuid), "values": {"color": v("blue")}} for p in made[:5]])
    large, large_sql = batch(api, [{"uuid": str(p.uuid), "values": {"color": v("blue")}} for p in made[5:30]])
    assert {result["status_code"] for result in small + large} == {204}
    per_line = (len(large_sql) - len(small_sql)) / 20
    # lookup, UPDATE
    assert per_line == 2, (len(small_sql), len(large_sql))
    for table in ("product_value", "product_completeness"):
        deletes = [sql for sql in large_sql if sql.lstrip().upper().startswith(f'DELETE FROM "{table}"'.upper())]
        assert len(deletes) == 1 == len(inserts_into(large_sql, table)), table
    color = Structure.load().attributes["color"].id
    assert {r.text for r in ProductValue.select().where(ProductValue.attribute == color)} == {"blue"}
    assert ProductValue.select().where(ProductValue.attribute == color).count() == 30
