"""Catalog product endpoints: an app walking a catalog of three criteria, next to the floor.

    .venv/bin/python bench/catalog_api.py [--sizes 100000] [--database-url postgresql://…] [--runs 3]

A connected app (every catalog scope and read_products, EE grants on everything) owns one enabled
catalog (family IN hats/clothing, categories IN CHILDREN master, completeness ecommerce/en_US > 79).
Through the Flask test client it walks the whole ``product-uuids`` (limit 1000) and the whole
``products`` (limit 100) by their ``next`` links. The floor is the same selection read as one raw SQL
query (the engine's condition, compiled once) plus the JSON encoding of the same documents the walk
returned. It prints the median walk times, the floors and the ratios (issue 12's targets on SQLite:
each walk ≤ 2× its floor). The editor's preview is measured by the editor's own benchmark. It never
asserts: it reports.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from bench.harness import build_app, grow_products, run_everywhere  # noqa: E402
from pimconnect.db import db, write_txn  # noqa: E402

CRITERIA = [
    {"field": "family", "operator": "IN", "value": ["hats", "clothing"]},
    {"field": "categories", "operator": "IN CHILDREN", "value": ["master"]},
    {"field": "completeness", "operator": ">", "value": 79, "scope": "ecommerce", "locale": "en_US"},
]
TARGET_RATIO = 2.0


def connect_app(app):
    """(Api of a connected app, its enabled catalog's id)."""
    from pimconnect.models import Catalog, ConnectedApp
    from pimconnect.services.access import group_permissions
    from tests.app_helpers import app_token, connect_code, register_listing
    from tests.conftest import Api

    app_id, _ = register_listing(app, "Bench App")
    connect_code(app, app_id, ["read_products", "read_catalogs", "write_catalogs", "delete_catalogs"])
    everything = {"view": {"all": True, "identifiers": []}}
    with app.app_context(), db.connection_context():
        group_permissions.save(ConnectedApp.get_by_id(app_id).user_group_id,
                               {"category": everything, "locale": everything, "attribute_group": everything})
    api = Api(app.test_client(), app_token(app, app_id))
    catalog_id = api.post("/api/rest/v1/catalogs", json={"name": "Bench"}).get_json()["id"]
    with app.app_context(), db.connection_context(), write_txn():
        Catalog.update(enabled=True, product_selection_criteria=CRITERIA).where(Catalog.id == catalog_id).execute()
    return api, catalog_id


def walk(api, path):
    """(seconds, every item) of a walk by ``next`` links."""
    items, url = [], path
    started = time.perf_counter()
    while url:
        body = api.get(url).get_json()
        items += body["_embedded"]["items"]
        following = body["_links"].get("next")
        url = following["href"].removeprefix("http://localhost") if following else None
    return time.perf_counter() - started, items


def floor(app, catalog_id, documents, columns):
    """Seconds to read the selection's ``columns`` in one query and JSON-encode ``documents``."""
    from pimconnect.models import Catalog, Family, Product, User
    from pimconnect.services.access.access import Access
    from pimconnect.services.catalogs import products as catalog_products
    from peewee import JOIN

    with app.app_context(), db.connection_context():
        catalog = Catalog.get_by_id(catalog_id)
        access = Access.of(User.get_by_id(catalog.owner_id), (), enforce_grants=True)
        condition = catalog_products.selection_condition(access, catalog)
        sql, params = (Product.select(*columns).join(Family, JOIN.LEFT_OUTER).where(condition)
                       .order_by(Product.uuid).sql())
        started = time.perf_counter()
        rows = db.execute_sql(sql, params).fetchall()
        json.dumps(documents)
        return time.perf_counter() - started, len(rows)


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def run_backend(label, url, sizes, runs):
    from pimconnect.models import Product
    from pimconnect.services.products.rest import ROW_COLUMNS

    app = build_app(url)
    api, catalog_id = connect_app(app)
    for size in sizes:
        with app.app_context():
            grow_products(size)
        base = f"/api/rest/v1/catalogs/{catalog_id}"
        uuid_runs = [walk(api, f"{base}/product-uuids?limit=1000") for _ in range(runs)]
        product_runs = [walk(api, f"{base}/products?limit=100") for _ in range(runs)]
        uuids, documents = uuid_runs[0][1], product_runs[0][1]
        uuid_floor = median([floor(app, catalog_id, uuids, (Product.uuid,))[0] for _ in range(runs)])
        product_floor = median([floor(app, catalog_id, documents, ROW_COLUMNS)[0] for _ in range(runs)])
        uuid_walk, product_walk = median([r[0] for r in uuid_runs]), median([r[0] for r in product_runs])
        print(f"{label} {size:,} products, {len(uuids):,} selected")
        for name, took, base_floor in (("product-uuids walk (limit 1000)", uuid_walk, uuid_floor),
                                       ("products walk (limit 100)", product_walk, product_floor)):
            ratio = took / base_floor if base_floor else float("inf")
            verdict = "" if label != "SQLite" else (" ok" if ratio <= TARGET_RATIO else f" (target ≤ {TARGET_RATIO}×)")
            print(f"  {name}: {took * 1000:,.0f} ms, floor {base_floor * 1000:,.0f} ms, ratio {ratio:.1f}×{verdict}")


def main(argv=None):
    run_everywhere(run_backend, __doc__.splitlines()[0], "10000", 3, "walks per size", argv)


if __name__ == "__main__":
    main()
