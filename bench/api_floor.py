"""The database's own floor for bench/api.py: the same work as the API's, done directly.

- A ``search_after`` page: the same rows read with one SQL query (the family's code joined, the
  categories' codes aggregated in the same statement), and their stored documents written out as the
  response's bytes without decoding them (json of uuid, identifier, family, categories, values … of
  the same rows, inside the page's envelope).
- A batch upsert: the same batch's rows (the product rows, their value index, categories and
  completeness, computed beforehand by the app's own functions, outside the timing) written with one
  multi-row INSERT per table in one transaction.

No HTTP, no validation, no rendering: what no implementation can go below on this machine.
"""
import datetime
import json
import time
import uuid

from pimconnect.db import db, is_sqlite, write_txn

PAGE = 100


def _page_sql(filtered=False):
    """One statement for a page after a uuid, in uuid order (``filtered``: the products whose
    color is red, read through the value index as the API's filter does)."""
    if is_sqlite():
        text, cats = 'p."values"', "group_concat(c.code, ',')"
        assoc = "p.associations"
    else:
        text, cats = 'p."values"::text', "string_agg(c.code, ',' ORDER BY c.code)"
        assoc = "p.associations::text"
    param = "?" if is_sqlite() else "%s"
    where = f"p.uuid > {param}"
    if filtered:
        where += (" AND EXISTS (SELECT 1 FROM product_value v JOIN attribute a ON a.id = v.attribute_id "
                  "WHERE v.product_id = p.uuid AND a.code = 'color' AND v.text = 'red')")
    return (f"SELECT p.uuid, p.identifier, p.enabled, f.code, {text}, {assoc}, p.created, p.updated, "
            f"(SELECT {cats} FROM product_category pc JOIN category c ON c.id = pc.category_id "
            f"WHERE pc.product_id = p.uuid) "
            f"FROM product p LEFT JOIN family f ON f.id = p.family_id WHERE {where} "
            f"ORDER BY p.uuid LIMIT {PAGE}")


def _iso(moment):
    return moment.isoformat() if isinstance(moment, datetime.datetime) else str(moment)


def page_bytes(rows, base_url):
    """The response body of a page of these rows: the stored documents written out as they are."""
    dumps = json.dumps
    items = []
    for uid, identifier, enabled, family, values, associations, created, updated, categories in rows:
        uid = str(uuid.UUID(str(uid)))
        items.append(
            f'{{"_links":{{"self":{{"href":"{base_url}/api/rest/v1/products-uuid/{uid}"}}}},"uuid":"{uid}",'
            f'"identifier":{dumps(identifier)},"enabled":{"true" if enabled else "false"},'
            f'"family":{dumps(family)},"categories":{dumps(categories.split(",") if categories else [])},'
            f'"groups":[],"parent":null,"values":{values},"created":"{_iso(created)}",'
            f'"updated":"{_iso(updated)}","associations":{associations or "{}"},"quantified_associations":{{}}}}')
    return (f'{{"_links":{{"self":{{"href":"{base_url}/api/rest/v1/products-uuid"}}}},'
            f'"_embedded":{{"items":[{",".join(items)}]}}}}').encode()


def walk_floor(base_url, filtered=False):
    """(seconds, products, pages) for the full walk read directly, limit 100 per page."""
    sql = _page_sql(filtered)
    after = "" if is_sqlite() else "00000000-0000-0000-0000-000000000000"
    seen = pages = 0
    started = time.perf_counter()
    with db.connection_context():
        while True:
            rows = db.execute_sql(sql, (after,)).fetchall()
            page_bytes(rows, base_url)
            seen += len(rows)
            pages += 1
            if len(rows) < PAGE:
                break
            after = rows[-1][0]
    return time.perf_counter() - started, seen, pages


def first_page_floor(base_url, limit=10):
    """Seconds to read the first ``limit`` products directly and write them out as bytes."""
    sql = _page_sql().replace(f"LIMIT {PAGE}", f"LIMIT {limit}")
    after = "" if is_sqlite() else "00000000-0000-0000-0000-000000000000"
    started = time.perf_counter()
    rows = db.execute_sql(sql, (after,)).fetchall()
    page_bytes(rows, base_url)
    return time.perf_counter() - started


# --- the batch upsert's floor ---------------------------------------------------------------

def _db_value(field, value):
    """A value as the driver takes it for this column (computed before the timing)."""
    from peewee import BooleanField, DateTimeField, ForeignKeyField, JSONField, UUIDField

    target = field.rel_field if isinstance(field, ForeignKeyField) else field
    if value is None:
        return None
    if isinstance(target, UUIDField):
        value = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        return value.hex if is_sqlite() else str(value)
    if isinstance(target, JSONField):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(target, BooleanField):
        return (1 if value else 0) if is_sqlite() else bool(value)
    if isinstance(target, DateTimeField):
        return str(value) if is_sqlite() else value
    return value


def _statement(model, rows):
    """(sql, params): one multi-row INSERT of ``rows`` (dicts of field name -> Python value)."""
    names = list(rows[0])
    fields = [model._meta.fields[name] for name in names]
    param = "?" if is_sqlite() else "%s"
    one = "(" + ", ".join(param for _ in names) + ")"
    sql = (f'INSERT INTO "{model._meta.table_name}" ('
           + ", ".join(f'"{f.column_name}"' for f in fields) + ") VALUES " + ", ".join([one] * len(rows)))
    return sql, [_db_value(f, row[f.name]) for row in rows for f in fields]


def batch_statements(lines):
    """The INSERTs (one per table) that write these product lines (documents in the API's shape)."""
    from pimconnect.models import Category, Product, ProductCategory, ProductCompleteness, ProductValue
    from pimconnect.models.structure import utcnow
    from pimconnect.services.products.completeness import completeness_rows
    from pimconnect.services.products.values import index_rows
    from pimconnect.services.structure.snapshot import Structure

    structure = Structure.load()
    categories = {c.code: c.id for c in Category.select(Category.id, Category.code)}
    products, values, links, completeness = [], [], [], []
    for line in lines:
        uid = uuid.UUID(line["uuid"])
        now = utcnow()
        products.append({"uuid": uid, "identifier": line["values"]["sku"][0]["data"], "enabled": True,
                         "family": structure.families[line["family"]].id, "values": line["values"],
                         "associations": None, "created": now, "updated": now, "version": 1})
        values.extend(index_rows(uid.hex, line["values"], structure))
        links.extend({"product": uid.hex, "category": categories[code]} for code in line["categories"])
        completeness.extend(completeness_rows(uid.hex, line["family"], line["values"], structure))
    out = []
    for model, rows in ((Product, products), (ProductValue, values), (ProductCategory, links),
                        (ProductCompleteness, completeness)):
        if rows:
            # index rows name the product by its hex; convert through the product's uuid field
            out.append(_statement(model, rows))
    return out, [p["uuid"] for p in products]


def upsert_floor(lines):
    """Seconds to write ``lines`` with one multi-row INSERT per table in one transaction; the rows are
    deleted again afterwards (outside the timing) so that the API's figures see the same catalog."""
    from pimconnect.models import Product, ProductCategory, ProductCompleteness, ProductValue

    with db.connection_context():
        statements, uuids = batch_statements(lines)
        started = time.perf_counter()
        with write_txn():
            for sql, params in statements:
                db.execute_sql(sql, params)
        elapsed = time.perf_counter() - started
        with write_txn():
            for model in (ProductCompleteness, ProductValue, ProductCategory):
                model.delete().where(model.product.in_(uuids)).execute()
            Product.delete().where(Product.uuid.in_(uuids)).execute()
    return elapsed
