"""Catalogs for apps: a catalog's product walks through the real endpoints against the floor, and the
editor preview's server time, on a catalog of three criteria over 100,000 products.

    .venv/bin/python bench/catalogs.py [--products 100000] [--database-url postgresql://…] [--runs 3]
                                       [--preview-runs 9]

The catalog (enabled, owned by a connected app with read_catalogs and read_products, whose user group
may view everything under PIM_EDITION=ee) selects family
IN (hats, clothing) AND category IN CHILDREN master AND completeness > 79 % on ecommerce / en_US.

- **floor**: the same selection as one hand-written SQL query, and the JSON encoding of the same
  documents, page by page (uuid strings for product-uuids; the product objects of catalogs-for-apps.md
  §3.6 for products): what no endpoint can beat on this machine;
- **engine**: the selection engine's pages in process (uuids, limit 1000; full rows, limit 100);
- **endpoints**: the whole ``product-uuids`` walk (limit 1000) and ``products`` walk (limit 100)
  over HTTP (a threaded werkzeug server on a loopback port, a keep-alive session, the app's
  token), following ``_links.next``; skipped with a message when the endpoints are not there;
- **validity**: ``ensure_valid``, the check every product call makes first (§6.3);
- **preview**: the editor's live preview (§10.1) — the count (exact, or "more than 10,000") and the
  first 10 products through the engine, with the structure read afresh as a request does.

Walks are the median of ``--runs`` (3); the ratios are to the floor. Targets on SQLite: each walk
≤ 2× its floor, preview ≤ 100 ms. Runs on a temporary SQLite file, then on a temporary PostgreSQL
schema with ``--database-url`` (or the environment variable PIM_BENCH_DATABASE_URL). The machine's
load (``uptime``) is printed before and after: the figures depend on it. It never asserts: it reports.
"""
import argparse
import json
import logging
import os
import statistics
import sys
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import requests  # noqa: E402

from bench.harness import build_app, grow_products, median_ms, sqlite_url  # noqa: E402
from bench.selection import uptime  # noqa: E402
from pimconnect.db import db, is_sqlite, temporary_postgres_schema, write_txn  # noqa: E402
from pimconnect.services.access.access import Access  # noqa: E402

CRITERIA = [
    {"field": "family", "operator": "IN", "value": ["hats", "clothing"]},
    {"field": "categories", "operator": "IN CHILDREN", "value": ["master"]},
    {"field": "completeness", "operator": ">", "value": 79, "scope": "ecommerce", "locale": "en_US"},
]
APP_ID = "0c7a1f0e-5b7d-4c1e-9a51-6c3f1d2b8e40"
SCOPES = ["read_catalogs", "write_catalogs", "read_products"]
UUIDS_LIMIT, PRODUCTS_LIMIT, PREVIEW_SIZE = 1000, 100, 10
WALK_RATIO, PREVIEW_TARGET_MS = 2.0, 100.0
EVERYTHING = Access.unrestricted()  # the app's user reads every product in CE


def verdict(ok):
    return "PASS" if ok else "FAIL"


# --- set-up ------------------------------------------------------------------------------------------

def connect_app_and_catalog(app):
    """A connected app with a token, and its enabled catalog: (token, catalog id)."""
    from pimconnect.models import ApiToken, Catalog
    from pimconnect.services.access import group_permissions
    from pimconnect.services.apps import codes as app_codes
    from pimconnect.services.apps import connected as connected_apps
    from pimconnect.services.apps import listings as app_listings
    from pimconnect.services.connections import tokens as api_tokens

    with app.app_context(), db.connection_context():
        app_listings.register({"id": APP_ID, "kind": "app", "name": "Bench shop", "author": "Bench",
                               "activate_url": "https://shop.example/activate",
                               "callback_url": "https://shop.example/callback", "editions": ["ce", "ee"],
                               "versions": []})
        token = api_tokens.new_secret()
        with write_txn():
            connected = connected_apps.create_connected_app(app_listings.find_app(APP_ID), SCOPES)
            owner = connected.connection.user
            ApiToken.create(token_hash=api_tokens.digest(token), kind="access", client=app_codes.app_client(APP_ID),
                            user=owner, scope=" ".join(SCOPES))
            catalog = Catalog.create(id=str(uuid.uuid4()), name="Bench store", owner=owner, enabled=True,
                                     product_selection_criteria=CRITERIA)
            # PIM_EDITION=ee (the default): the app's user group may view every category, locale and
            # attribute group, so that the app reads the whole selection.
            everything = {"view": {"all": True, "identifiers": []}}
            group_permissions.save(connected.user_group_id, {"category": everything, "locale": everything,
                                                             "attribute_group": everything})
    return token, catalog.id


# --- the floor ---------------------------------------------------------------------------------------
# Two single-query forms of the selection, each timed; the faster is the floor: a hand-written query
# (family ids, the subtree's category ids and the completeness row as parameters), and the engine's
# own condition run as one query without pages.

def _categories_sql():
    codes = "group_concat(c2.code, ',')" if is_sqlite() else "string_agg(c2.code, ',')"
    return (f"(SELECT {codes} FROM product_category pc2 JOIN category c2 ON c2.id = pc2.category_id "
            "WHERE pc2.product_id = {table}.uuid)")


def hand_written(columns):
    """(sql, params) of the selection written by hand, in uuid order."""
    from pimconnect.models import Category, Channel, Family, Locale

    families = [f.id for f in Family.select().where(Family.code.in_(["hats", "clothing"]))]
    subtree = [c.id for c in Category.select(Category.id).where(
        Category.path.startswith(Category.get(Category.code == "master").path))]
    p = db.obj.param
    sql = (f"SELECT {columns.format(table='p')} FROM product p LEFT JOIN family f ON f.id = p.family_id "
           f"WHERE p.family_id IN ({', '.join([p] * len(families))}) "
           f"AND EXISTS (SELECT 1 FROM product_category pc WHERE pc.product_id = p.uuid "
           f"AND pc.category_id IN ({', '.join([p] * len(subtree))})) "
           f"AND EXISTS (SELECT 1 FROM product_completeness pco WHERE pco.product_id = p.uuid "
           f"AND pco.channel_id = {p} AND pco.locale_id = {p} AND pco.ratio > {p}) ORDER BY p.uuid")
    params = [*families, *subtree, Channel.get(Channel.code == "ecommerce").id,
              Locale.get(Locale.code == "en_US").id, 79]
    return sql, params


def engine_condition(columns):
    """(sql, params) of the engine's condition for the selection, as one query in uuid order."""
    from peewee import JOIN, SQL

    from pimconnect.models import Family, Product
    from pimconnect.services import selection

    where = selection.condition(EVERYTHING, _selection())
    query = (Product.select(SQL(columns.format(table='"t1"'))).join(Family, JOIN.LEFT_OUTER)
             .where(where).order_by(Product.uuid))
    sql, params = query.sql()
    return sql.replace('"t2"', "f"), params  # the family's alias in ``columns``


FORMS = {"hand-written": hand_written, "engine's condition": engine_condition}
UUID_COLUMNS = "{table}.uuid"


def document_columns():
    return ("{table}.uuid, {table}.enabled, f.code, " + _categories_sql()
            + ', {table}."values", {table}.associations, {table}.created, {table}.updated')


def _uuid_text(value):
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


def _time_text(value):
    if isinstance(value, str):
        return value.replace(" ", "T")[:19] + "+00:00"
    return value.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def floor_uuids(form):
    """One query for every uuid of the selection, encoded as pages of UUIDS_LIMIT: (count, bytes)."""
    started = time.perf_counter()
    rows = db.execute_sql(*FORMS[form](UUID_COLUMNS)).fetchall()
    query = time.perf_counter() - started
    items = [_uuid_text(row[0]) for row in rows]
    size = sum(len(json.dumps({"_embedded": {"items": items[start:start + UUIDS_LIMIT]}}))
               for start in range(0, len(items), UUIDS_LIMIT))
    return len(items), size, query


def floor_products(form):
    """One query for every product document of the selection (§3.6's keys), encoded as pages of
    PRODUCTS_LIMIT: (count, bytes)."""
    documents = []
    started = time.perf_counter()
    rows = db.execute_sql(*FORMS[form](document_columns())).fetchall()
    query = time.perf_counter() - started
    for uuid_, enabled, family, category_codes, values, associations, created, updated in rows:
        values = json.loads(values) if isinstance(values, str) else values
        associations = json.loads(associations) if isinstance(associations, str) else associations
        documents.append({"uuid": _uuid_text(uuid_), "enabled": bool(enabled), "family": family,
                          "categories": sorted(category_codes.split(",")) if category_codes else [], "groups": [],
                          "parent": None, "values": values or {}, "associations": associations or {},
                          "quantified_associations": {}, "created": _time_text(created),
                          "updated": _time_text(updated)})
    size = sum(len(json.dumps({"_embedded": {"items": documents[start:start + PRODUCTS_LIMIT]}}))
               for start in range(0, len(documents), PRODUCTS_LIMIT))
    return len(documents), size, query


def floor(name, action, runs, selected):
    """Time ``action(form)`` for each form; print them; return the fastest median (seconds)."""
    best = None
    for form in FORMS:
        seconds, (count, size, query) = timed_runs(lambda f=form: action(f), runs)
        check = "" if count == selected else f"  MISMATCH: {selected:,} selected"
        print(f"floor {name}, {form}: {count:,} items, {size / 1e6:.1f} MB of JSON: {seconds * 1000:,.0f} ms "
              f"(median of {runs}; the last run's query {query * 1000:,.0f} ms){check}")
        best = seconds if best is None else min(best, seconds)
    return best


# --- the engine --------------------------------------------------------------------------------------

def _selection():
    from pimconnect.services.selection import CATALOG, CATALOG_CRITERIA, Selection

    return Selection(CRITERIA, CATALOG_CRITERIA, CATALOG)


def engine_walk(limit, full_rows):
    """Every page of the selection through the engine, in process: products seen."""
    from pimconnect.models import Product
    from pimconnect.services import selection

    seen, after = 0, None
    while True:
        query = None if full_rows else Product.select(Product.uuid)
        rows = selection.page(EVERYTHING, _selection(), after=after, limit=limit, query=query)
        seen += len(rows)
        if len(rows) < limit:
            return seen
        after = rows[-1].uuid


def preview():
    """The editor preview's server work: the count and the first products, structure read afresh."""
    from pimconnect.services import selection

    structure = selection.SelectionStructure()
    found = selection.count(EVERYTHING, _selection(), structure=structure)
    first = selection.page(EVERYTHING, _selection(), limit=PREVIEW_SIZE, structure=structure)
    return found, first


# --- the endpoints -----------------------------------------------------------------------------------

def http_walk(session, url):
    """Follow ``next`` from ``url``: (products seen, pages), or raise Unavailable."""
    seen, pages = 0, 0
    while url:
        response = session.get(url)
        if response.status_code != 200:
            raise Unavailable(f"{response.status_code} {' '.join(response.text.split())[:120]}")
        body = response.json()
        if "error" in body:
            raise Unavailable(f"the catalog answered {body['error']!r}")
        seen += len(body["_embedded"]["items"])
        pages += 1
        url = body["_links"].get("next", {}).get("href")
    return seen, pages


class Unavailable(Exception):
    """An endpoint this checkout does not answer (yet)."""


def timed_runs(action, runs):
    """(median seconds, result of the last run) of ``runs`` runs of ``action``."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def run_backend(label, url, products, runs, preview_runs):
    from tests.live_api import serve

    print(f"\n== {label} ==   load: {uptime()}")
    app = build_app(url)
    missing, rate = grow_products(products)
    print(f"{products:,} products (generated {missing:,} at {rate:,.0f}/s)")
    token, catalog_id = connect_app_and_catalog(app)
    with app.app_context(), db.connection_context():
        from pimconnect.services import selection

        selected = selection.count(EVERYTHING, _selection(), cap=None).value
        print(f"catalog {catalog_id}: {json.dumps(CRITERIA)}\n  selects {selected:,} products")
        floors = {"uuids": floor(f"product-uuids (pages of {UUIDS_LIMIT})", floor_uuids, runs, selected),
                  "products": floor(f"products (pages of {PRODUCTS_LIMIT})", floor_products, runs, selected)}
        seconds, seen = timed_runs(lambda: engine_walk(UUIDS_LIMIT, full_rows=False), runs)
        print(f"engine uuid pages (limit {UUIDS_LIMIT}, in process): {seen:,} in {seconds * 1000:,.0f} ms, "
              f"{seconds / floors['uuids']:.2f}× the floor")
        seconds, seen = timed_runs(lambda: engine_walk(PRODUCTS_LIMIT, full_rows=True), runs)
        print(f"engine row pages (limit {PRODUCTS_LIMIT}, full rows, not encoded): {seen:,} in "
              f"{seconds * 1000:,.0f} ms, {seconds / floors['products']:.2f}× the products floor")
        found, first = preview()
        preview_ms = median_ms(preview, preview_runs)
        judged = (f"(target ≤ {PREVIEW_TARGET_MS:.0f} ms) {verdict(preview_ms <= PREVIEW_TARGET_MS)}"
                  if is_sqlite() else "")
        print(f"preview (count {found}, first {len(first)} products): median {preview_ms:.1f} ms of {preview_runs} "
              + judged)
        count_ms = median_ms(lambda: selection.count(EVERYTHING, _selection()), preview_runs)
        page_ms = median_ms(lambda: selection.page(EVERYTHING, _selection(), limit=PREVIEW_SIZE), preview_runs)
        print(f"  of which: count {count_ms:.1f} ms, first {PREVIEW_SIZE} products {page_ms:.1f} ms")
        from pimconnect.models import Catalog
        from pimconnect.services.catalogs import validity

        catalog = Catalog.get_by_id(catalog_id)
        check_ms = median_ms(lambda: validity.ensure_valid(catalog), preview_runs)
        print(f"validity check before a product page (ensure_valid, structure read afresh): {check_ms:.2f} ms")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with serve(app) as base:
        session = requests.Session()
        session.headers.update({"Authorization": f"Bearer {token}"})
        for name, limit in (("product-uuids", UUIDS_LIMIT), ("products", PRODUCTS_LIMIT)):
            start = f"{base}/api/rest/v1/catalogs/{catalog_id}/{name}?limit={limit}"
            try:
                http_walk(session, start)  # warm-up, and the check that the endpoint answers
            except Unavailable as unavailable:
                print(f"endpoint {name}: SKIPPED — not available in this checkout ({unavailable})")
                continue
            seconds, (seen, pages) = timed_runs(lambda: http_walk(session, start), runs)
            floor_seconds = floors["uuids" if name == "product-uuids" else "products"]
            ratio = seconds / floor_seconds
            print(f"endpoint {name} walk (limit {limit}): {seen:,} items in {pages} pages, {seconds * 1000:,.0f} ms "
                  f"(median of {runs}; {seen / seconds:,.0f} items/s), {ratio:.2f}× the floor"
                  + (f" (target ≤ {WALK_RATIO:.0f}×) {verdict(ratio <= WALK_RATIO)}" if label == "SQLite" else "")
                  + ("" if seen == selected else f"  MISMATCH: {selected:,} selected"))
    print(f"load after: {uptime()}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000, help="products in the PIM")
    parser.add_argument("--database-url", default=os.environ.get("PIM_BENCH_DATABASE_URL"),
                        help="also run on this PostgreSQL database (a temporary schema)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each walk (the median is shown)")
    parser.add_argument("--preview-runs", type=int, default=9, help="timed runs of the preview")
    args = parser.parse_args(argv)
    with sqlite_url() as url:
        run_backend("SQLite", url, args.products, args.runs, args.preview_runs)
    if args.database_url:
        with temporary_postgres_schema(args.database_url, prefix="benchcat") as url:
            run_backend("PostgreSQL", url, args.products, args.runs, args.preview_runs)


if __name__ == "__main__":
    main()
