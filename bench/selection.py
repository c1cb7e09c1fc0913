"""Selection engine: the first page and the count of catalog-like selections at growing catalog sizes.

    .venv/bin/python bench/selection.py [--sizes 10000,100000] [--database-url postgresql://…] [--runs 9]

For each shape (a catalog's criteria, catalog semantics) it prints the median time of the first page
(100 products in uuid order, as an app reads a catalog) and of the count a catalog editor shows
(exact, or "more than 10,000" where counting further would cost more), then the ratio of the
largest size to the smallest, and a verdict against the targets at the largest size on SQLite:
first page ≤ 5 ms, count ≤ 50 ms, page ratio ≤ 1.5×. It never asserts: it reports. The machine's
load (``uptime``) is printed before and after, since the figures depend on it.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from bench.harness import build_app, grow_products, median_ms, query_plan, run_everywhere  # noqa: E402
from pimconnect.db import db, is_sqlite  # noqa: E402
from pimconnect.services.access.access import Access  # noqa: E402

PAGE_TARGET_MS, COUNT_TARGET_MS, PAGE_RATIO = 5.0, 50.0, 1.5
EVERYTHING = Access.unrestricted()  # the benchmark measures selections, not permissions


def _criterion(field, operator, value, scope=None, locale=None, system=False):
    return ({"field": field, "operator": operator, "value": value} if system else
            {"field": field, "operator": operator, "value": value, "scope": scope, "locale": locale})


SUBTREE = _criterion("categories", "IN CHILDREN", ["master"], system=True)
FAMILY = _criterion("family", "IN", ["hats", "bags"], system=True)
COMPLETE = _criterion("completeness", ">", 79, "ecommerce", "en_US")  # ≥ 80 %
NAME_CONTAINS = _criterion("name", "CONTAINS", "hat", locale="en_US")
SHAPES = {  # the benchmark shapes first, then informational ones
    "category subtree": [SUBTREE],
    "family": [FAMILY],
    "completeness >= 80": [COMPLETE],
    "text CONTAINS": [NAME_CONTAINS],
    "three combined": [_criterion("family", "IN", ["hats", "clothing"], system=True), SUBTREE, COMPLETE],
    "(info) four with text": [FAMILY, SUBTREE, COMPLETE, NAME_CONTAINS],
    "(info) rare category": [_criterion("categories", "IN", ["print_traditional"], system=True)],
    "(info) disabled": [_criterion("enabled", "=", False, system=True)],
    "(info) color NOT IN": [_criterion("color", "NOT IN", ["red"])],
    "(info) new catalog": [_criterion("enabled", "=", True, system=True)],
}
TARGETED = list(SHAPES)[:5]


def _selection(criteria):
    from pimconnect.services.selection import CATALOG, CATALOG_CRITERIA, Selection

    return Selection(criteria, CATALOG_CRITERIA, CATALOG)


def first_page(criteria):
    from pimconnect.models import Product
    from pimconnect.services import selection

    return selection.page(EVERYTHING, _selection(criteria), query=Product.select(Product.uuid))


def count(criteria):
    from pimconnect.services import selection

    return selection.count(EVERYTHING, _selection(criteria))


def page_plan(criteria):
    from pimconnect.models import Product
    from pimconnect.services import selection

    where = selection.condition(EVERYTHING, _selection(criteria))
    return query_plan(Product.select(Product.uuid).where(where).order_by(Product.uuid).limit(100))


def uptime():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "uptime unavailable"


def run_backend(label, url, sizes, runs):
    print(f"\n== {label} ==   load: {uptime()}")
    build_app(url)
    pages, counts, answers = {}, {}, {}
    for size in sizes:
        missing, rate = grow_products(size)
        print(f"{size:>8} products (generated {missing} at {rate:,.0f}/s)")
        with db.connection_context():
            for name, criteria in SHAPES.items():
                answers[size, name] = count(criteria)
                pages[size, name] = median_ms(lambda c=criteria: first_page(c), runs)
                counts[size, name] = median_ms(lambda c=criteria: count(c), runs)
    small, large = sizes[0], sizes[-1]
    print(f"\n{'shape':<24}" + "".join(f"{'page ' + str(s):>13}{'count ' + str(s):>14}" for s in sizes)
          + f"{'page ×':>8}{'count ×':>9}   count at {large}")
    for name in SHAPES:
        line = f"{name:<24}" + "".join(f"{pages[s, name]:>11.2f}ms{counts[s, name]:>12.2f}ms" for s in sizes)
        page_ratio = pages[large, name] / max(pages[small, name], 0.01)
        count_ratio = counts[large, name] / max(counts[small, name], 0.01)
        print(line + f"{page_ratio:>7.2f}×{count_ratio:>8.2f}×   {answers[large, name]}")
    if is_sqlite() and len(sizes) > 1:
        print(f"\ntargets at {large} products (SQLite): page ≤ {PAGE_TARGET_MS} ms, count ≤ {COUNT_TARGET_MS} ms, "
              f"page ratio ≤ {PAGE_RATIO}×")
        for name in TARGETED:
            page_ratio = pages[large, name] / max(pages[small, name], 0.01)
            ok = (pages[large, name] <= PAGE_TARGET_MS and counts[large, name] <= COUNT_TARGET_MS
                  and page_ratio <= PAGE_RATIO)
            print(f"  {name:<22} {'PASS' if ok else 'FAIL'}  page {pages[large, name]:.2f} ms, "
                  f"count {counts[large, name]:.2f} ms ({answers[large, name]}), page ratio {page_ratio:.2f}×")
    print(f"\nplans of the first page at {large} products:")
    with db.connection_context():
        for name in TARGETED:
            print(f"- {name}:\n    " + "\n    ".join(page_plan(SHAPES[name])))
    print(f"load after: {uptime()}")


def main(argv=None):
    run_everywhere(run_backend, __doc__.splitlines()[0], "10000,100000", 9, "timed runs per shape and size", argv)


if __name__ == "__main__":
    main()
