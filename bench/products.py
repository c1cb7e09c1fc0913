"""Products benchmark: generation speed, grid page time at growing sizes, product save time.

    .venv/bin/python bench/products.py [--sizes 10000,100000] [--database-url postgresql://…] [--runs 20]

Runs on a temporary SQLite file (and on a temporary PostgreSQL schema with ``--database-url``),
prints figures and a PASS/FAIL line for "a filtered grid page at the largest size costs at most
2× the smallest" (the grid must not degrade as products grow). It never asserts: it reports.
"""
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from bench.harness import (  # noqa: E402
    ADMIN_PASSWORD,
    build_app,
    grow_products,
    median_ms,
    query_plan,
    run_everywhere,
)
from pimconnect.db import db  # noqa: E402

GRID_ARGS = {"family": "hats", "category": "master", "enabled": "yes"}
# Other filter shapes a user tries, reported (not judged) so that slow corners show up.
OTHER_GRIDS = {
    "no filter": {},
    "search 'hat'": {"search": "hat"},
    "rare category": {"category": "print_traditional"},
    "completeness >= 80 (ecommerce, en_US)": {"completeness_op": ">=", "completeness": "80",
                                              "channel": "ecommerce", "locale": "en_US"},
    "family + completeness = 100": {"family": "bags", "completeness_op": "=", "completeness": "100",
                                    "channel": "ecommerce", "locale": "en_US"},
}
MAX_RATIO = 2.0


def admin_client(app):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token})
    assert response.status_code == 303, "bench login failed"
    return client


def measure_grid(client, runs):
    """(service ms, HTTP ms, rows on the page, plan) for the filtered grid's first page."""
    from pimconnect.services.access.access import Access
    from pimconnect.services.products.grid import grid_page, grid_query, parse_filters

    filters, everything = parse_filters(GRID_ARGS), Access.unrestricted()
    with db.connection_context():
        rows, _ = grid_page(everything, filters)
        service = median_ms(lambda: grid_page(everything, filters), runs)
        plan = query_plan(grid_query(everything, filters))
    http = median_ms(lambda: client.get("/products/", query_string=GRID_ARGS), runs)
    return service, http, len(rows), plan


def measure_other_grids(runs):
    """{label: grid_page median ms} for the OTHER_GRIDS filter shapes."""
    from pimconnect.services.access.access import Access
    from pimconnect.services.products.grid import grid_page, parse_filters

    everything = Access.unrestricted()
    with db.connection_context():
        return {label: median_ms(lambda f=parse_filters(args): grid_page(everything, f), runs)
                for label, args in OTHER_GRIDS.items()}


def measure_saves(runs):
    """Median ms of ``runs`` save_product updates (a name change on different products)."""
    from pimconnect.models import Product
    from pimconnect.services.products.writes import save_product

    with db.connection_context():
        products = list(Product.select().where(Product.family.is_null(False)).order_by(Product.identifier).limit(runs))
        times = []
        for n, product in enumerate(products):
            data = {"values": {"name": [{"locale": "en_US", "scope": None, "data": f"Bench name {n}"}]}}
            started = time.perf_counter()
            save_product(data, product)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run_backend(label, url, sizes, runs):
    print(f"\n== {label} ==")
    app = build_app(url)
    client = admin_client(app)
    grid, others = {}, {}
    for size in sizes:
        missing, rate = grow_products(size)
        service, http, count, plan = measure_grid(client, runs)
        grid[size] = service, http
        print(f"{size:>8} products: generated {missing} at {rate:,.0f} products/s")
        print(f"{'':>8} grid page ({count} rows, {GRID_ARGS}): grid_page median {service:.2f} ms, "
              f"HTTP median {http:.2f} ms (of {runs})")
        print(f"{'':>8} plan: " + " | ".join(plan))
        others[size] = measure_other_grids(runs)
    if len(sizes) > 1:
        small, large = grid[sizes[0]], grid[sizes[-1]]
        for name, index in (("grid_page", 0), ("HTTP", 1)):
            ratio = large[index] / small[index]
            verdict = "PASS" if ratio <= MAX_RATIO else "FAIL"
            print(f"{name} {sizes[-1]}/{sizes[0]} ratio: {ratio:.2f}× (limit {MAX_RATIO}×) {verdict}")
    print("other grid filters (grid_page median ms by product count, informational):")
    for label in OTHER_GRIDS:
        print(f"  {label:<40}" + "".join(f"{others[size][label]:>10.2f}" for size in sizes))
    print(f"product save: median {measure_saves(50):.2f} ms (of 50 save_product updates)")


def main(argv=None):
    run_everywhere(run_backend, __doc__.splitlines()[0], "10000,100000", 20, "timed runs per grid measure", argv)


if __name__ == "__main__":
    main()
