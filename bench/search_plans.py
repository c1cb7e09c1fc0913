"""Products ``search`` plans and timings: the first page of 100 products in uuid order, per operator family.

    .venv/bin/python bench/search_plans.py [--sizes 5000,50000] [--database-url postgresql://…] [--runs 5]

For each size (demo structure + generated products, on a temporary SQLite file and, with
``--database-url``, a temporary PostgreSQL schema) it prints, for every search shape, the median
time of the page query, and the query plan at the largest size. It never asserts: a shape whose
time grows with the products shows it ("grows" beside a ratio above 2×), and its plan says why.
Rare matches (an unclassified product, a selective EMPTY) are expected to grow: the page has to
read until it finds 100 matches.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from bench.harness import build_app, grow_products, median_ms, query_plan, run_everywhere  # noqa: E402
from pimconnect.db import db  # noqa: E402

EN, EN_ECOMMERCE = {"locale": "en_US"}, {"locale": "en_US", "scope": "ecommerce"}
ECOMMERCE = {"scope": "ecommerce"}


def _one(key, operator, value=None, **context):
    return {key: [{"operator": operator, **({} if value is None else {"value": value}), **context}]}


SHAPES = {
    "identifier =": _one("identifier", "=", "gen-00000042"),
    "identifier IN (50)": _one("identifier", "IN", [f"gen-{n:08d}" for n in range(1, 100, 2)]),
    "identifier STARTS WITH": _one("identifier", "STARTS WITH", "GEN-0000"),
    "family IN": _one("family", "IN", ["hats", "bags"]),
    "enabled =": _one("enabled", "=", True),
    "categories IN CHILDREN": _one("categories", "IN CHILDREN", ["master"]),
    "categories NOT IN": _one("categories", "NOT IN", ["master_hats"]),
    "categories UNCLASSIFIED (rare)": _one("categories", "UNCLASSIFIED"),
    "completeness >= 80": _one("completeness", ">=", 80, **ECOMMERCE),
    "completeness != 100": _one("completeness", "!=", 100, **ECOMMERCE),
    "completeness ON ALL LOCALES": _one("completeness", "GREATER THAN ON ALL LOCALES", 50, scope="ecommerce",
                                        locales=["en_US", "fr_FR"]),
    "created SINCE LAST N DAYS": _one("created", "SINCE LAST N DAYS", 30),
    "updated BETWEEN": _one("updated", "BETWEEN", ["2000-01-01 00:00:00", "2100-01-01 00:00:00"]),
    "updated > (few: its index)": _one("updated", ">", "2099-01-01 00:00:00"),
    "text CONTAINS": _one("name", "CONTAINS", "a", **EN),
    "text = (selective)": _one("name", "=", "Straw hat", **EN),
    "textarea DOES NOT CONTAIN": _one("description", "DOES NOT CONTAIN", "zzz", **EN_ECOMMERCE),
    "number >": _one("stock_quantity", ">", 100),
    "metric <": _one("weight", "<", {"amount": 1, "unit": "KILOGRAM"}),
    "price >=": _one("price", ">=", {"amount": 50, "currency": "EUR"}),
    "simpleselect IN": _one("color", "IN", ["red", "blue", "black"]),
    "simpleselect NOT IN": _one("color", "NOT IN", ["red"]),
    "multiselect IN": _one("seasons", "IN", ["summer"]),
    "boolean =": _one("waterproof", "=", True),
    "date BETWEEN": _one("release_date", "BETWEEN", ["2016-01-01", "2022-01-01"]),
    "image CONTAINS": _one("picture", "CONTAINS", "a"),
    "attribute EMPTY": _one("color", "EMPTY"),
    "attribute NOT EMPTY": _one("material", "NOT EMPTY"),
    "family + color + enabled": {**_one("family", "IN", ["hats"]), **_one("color", "IN", ["red", "black"]),
                                 **_one("enabled", "=", True)},
}


def page_query(search):
    """The list endpoint's first page for ``search``: 100 uuids in uuid order."""
    from pimconnect.api.product_search import product_filter
    from pimconnect.models import Product
    from pimconnect.services.access.access import Access

    return Product.select(Product.uuid).where(product_filter(Access.unrestricted(), search)).order_by(Product.uuid).limit(100)


def run_backend(label, url, sizes, runs):
    print(f"\n== {label} ==")
    build_app(url)
    times = {}
    for size in sizes:
        grow_products(size)
        with db.connection_context():
            times[size] = {name: median_ms(lambda s=search: list(page_query(s)), runs)
                           for name, search in SHAPES.items()}
    print(f"{'shape':<32}" + "".join(f"{size:>10}" for size in sizes) + "   (median ms, first page of 100)")
    for name in SHAPES:
        line = f"{name:<32}" + "".join(f"{times[size][name]:>10.2f}" for size in sizes)
        ratio = times[sizes[-1]][name] / max(times[sizes[0]][name], 0.01)
        print(line + (f"   {ratio:.1f}× grows" if len(sizes) > 1 and ratio > 2 else ""))
    print(f"\nplans at {sizes[-1]} products:")
    with db.connection_context():
        for name, search in SHAPES.items():
            print(f"- {name}:\n    " + "\n    ".join(query_plan(page_query(search))))


def main(argv=None):
    run_everywhere(run_backend, __doc__.splitlines()[0], "5000,50000", 5, "timed runs per shape and size", argv)


if __name__ == "__main__":
    main()
