"""EE permissions benchmark (issue 13): listing products through the API as a restricted app against CE.

    .venv/bin/python bench/permissions.py [--size 100000] [--database-url postgresql://…] [--runs 20]

Three readers list the same catalogue through the Flask test client (GET /products-uuid, 100 items, the
first page, a page deep in search_after order, and a page filtered on the family):
- ``restricted``: an app's connection whose only group views one tree (master), two locales and three
  attribute groups — EE, so its Access adds the visibility join and filters every document;
- ``everything``: a connection in "All" (every right, as on a fresh install) — EE, the fast path;
- ``ce``: the restricted connection again with ``PIM_EDITION=ce`` — nothing applies.
The readers take turns on every run (the machine's other load weighs on each alike). It prints the
median time per request and the ratios restricted / CE (target ≤ 1.3) and everything / CE
(target ≤ 1.05). Runs on a temporary SQLite file (and a temporary PostgreSQL schema with --database-url).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from bench import access as access_bench  # noqa: E402
from bench.access import levels, statements_of, token  # noqa: E402
from bench.harness import build_app, grow_products, sqlite_url  # noqa: E402
from pimconnect.db import temporary_postgres_schema  # noqa: E402

LIST = "/api/rest/v1/products-uuid"


def make_readers():
    """(everything credentials, restricted credentials): bench.access's readers, the restricted one holding
    one tree (own, edit, view), some locales and attribute groups."""
    return access_bench.make_readers({
        "category": levels(own=["master"], edit=["master"], view=["master"]),
        "locale": levels(edit=["en_US"], view=["en_US", "fr_FR"]),
        "attribute_group": levels(edit=["ecommerce"], view=["ecommerce", "marketing", "media"]),
    })


def reads(client, bearer):
    """{read: (path, params)}: the first page, a deep search_after page, a family filter."""
    headers = {"Authorization": f"Bearer {bearer}"}
    first = client.get(LIST, query_string={"limit": 100, "pagination_type": "search_after"}, headers=headers)
    assert first.status_code == 200, first.get_json()
    cursor = None
    next_link = first.get_json()["_links"].get("next", {}).get("href", "")
    for _ in range(20):  # 20 pages in: a page deep in the catalogue
        if not next_link:
            break
        page = client.get(next_link.replace("http://localhost", ""), headers=headers).get_json()
        next_link = page["_links"].get("next", {}).get("href", "")
        cursor = next_link
    found = {"first page (search_after)": (LIST, {"limit": 100, "pagination_type": "search_after"}),
             "page 1 (offset, with_count)": (LIST, {"limit": 100, "with_count": "true"}),
             "family=hats": (LIST, {"limit": 100, "search": '{"family":[{"operator":"IN","value":["hats"]}]}'})}
    if cursor:
        found["21st page (search_after)"] = (cursor.replace("http://localhost", ""), {})
    return found


def measure(app, client, readers, runs, plan):
    """{reader: {read: (statements, median ms, items)}}; the readers take turns on each run, so that
    the machine's other load weighs on each alike. ``readers``: {name: (bearer, edition)}."""
    import statistics
    import time

    found = {name: {} for name in readers}
    for label, (path, params) in plan.items():
        times = {name: [] for name in readers}
        for run in range(runs + 1):
            for name, (bearer, edition) in readers.items():
                app.config["PIM_EDITION"] = edition
                headers = {"Authorization": f"Bearer {bearer}"}

                def get(path=path, params=params, headers=headers):
                    response = client.get(path, query_string=params or None, headers=headers)
                    assert response.status_code == 200, (path, response.get_json())
                    return response

                if run == 0:  # warm-up, and the statements and items of the read
                    items = len(get().get_json()["_embedded"]["items"])
                    found[name][label] = [statements_of(get), None, items]
                    continue
                started = time.perf_counter()
                get()
                times[name].append((time.perf_counter() - started) * 1000)
        for name in readers:
            found[name][label][1] = statistics.median(times[name])
    app.config["PIM_EDITION"] = "ee"
    return found


def run_backend(label, url, size, runs):
    app = build_app(url)
    client = app.test_client()
    with app.app_context():
        everything, restricted = make_readers()
        grow_products(size)
    tokens = {"everything": token(client, everything), "restricted": token(client, restricted)}
    plan = reads(client, tokens["everything"])
    figures = measure(app, client, {"ce": (tokens["restricted"], "ce"), "everything": (tokens["everything"], "ee"),
                                    "restricted": (tokens["restricted"], "ee")}, runs, plan)
    print(f"== {label}, {size} products ==")
    print(f"{'read':<30}{'reader':<12}{'statements':>11}{'median ms':>11}{'items':>7}{'× CE':>7}")
    for read in plan:
        ce_ms = figures["ce"][read][1]
        for reader in ("ce", "everything", "restricted"):
            statements, ms, items = figures[reader][read]
            print(f"{read:<30}{reader:<12}{statements:>11}{ms:>11.2f}{items:>7}{ms / ce_ms:>7.2f}")


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100000, help="products in the catalogue")
    parser.add_argument("--database-url", help="also run on this PostgreSQL database (a temporary schema)")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per figure")
    args = parser.parse_args(argv)
    with sqlite_url() as url:
        run_backend("SQLite", url, args.size, args.runs)
    if args.database_url:
        with temporary_postgres_schema(args.database_url, prefix="bench") as url:
            run_backend("PostgreSQL", url, args.size, args.runs)


if __name__ == "__main__":
    main()
