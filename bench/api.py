"""REST API benchmark: each figure against the database's own floor (bench/api_floor.py), as a ratio.

Batch upsert, search_after walks (unfiltered and filtered), the small GET ?limit=10's server time; on
PostgreSQL right after the load (autovacuum kept off the product tables; the job worker runs beside
the server as in production, and with it the statistics job large writes queue) and again after an
explicit ANALYZE, then after 200 more products; optionally the filtered page at 10k vs 100k (--large).
Every ratio is of two medians measured in the same run, the API's runs alternating with the floor's
(five each), printed with the load average. The walks are judged on the server's time (the floor has
no HTTP either) on gunicorn, as the README runs it in production: one sync worker in a process of its
own, its access log giving each request's time. The same walks through werkzeug's threaded server in
the bench's own process (sharing the interpreter with the client: 15-25 % slower) and their time over
HTTP are printed beside them.

The page time is compared on the same products at both sizes (the first filtered page at 100k holds
generated products, with ~4× the values of the bench's own: a heavier page, not a slower filter).

    .venv/bin/python bench/api.py [--products 2000] [--large 0] [--database-url postgresql://…]
                                  [--runs 20] [--profile]

A live server (werkzeug, threaded, on a loopback port) and a real token from the password grant;
requests go through a keep-alive ``requests`` session, as a connector's would. Runs on a
temporary SQLite file (and on a temporary PostgreSQL schema with ``--database-url``) and prints
figures against the targets below. It never asserts: it reports. ``--profile`` adds where the
server's time goes (cProfile of the same requests through the Flask test client, in process).
"""
import argparse
import contextlib
import cProfile
import io
import json
import logging
import os
import pstats
import statistics
import sys
import threading
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
sys.path.insert(0, ROOT)

import requests  # noqa: E402

from bench.harness import build_app, sqlite_url  # noqa: E402
from pimconnect.db import db, temporary_postgres_schema  # noqa: E402
from tests.live_api import live_api  # noqa: E402

from bench import api_floor  # noqa: E402

PRODUCTS = "/api/rest/v1/products-uuid"
COLLECTION = "application/vnd.akeneo.collection+json"
BATCH = 100
FILTER = {"color": [{"operator": "IN", "value": ["red"]}]}
MAX_RATIO = 1.5  # filtered page at the large size vs the small size
UPSERTS = 5  # batches of new products timed, alternating with the floor's
WALKS = 5  # full walks timed, alternating with the floor's; the medians are judged
FAMILIES = ["hats", "clothing", "bags", "kitchenware"]
FLOOR_START = 9_000_000  # the floor's batches are numbered apart from the API's
SMALL_GET_MS = 1.5  # server time of GET ?limit=10 on SQLite
COLORS = ["black", "white", "red", "blue", "green", "beige", "brown"]


def product_line(n):
    """A new product in the shape a connector sends: identifier, family, a few values, categories."""
    family = FAMILIES[n % len(FAMILIES)]
    values = {
        "sku": [{"locale": None, "scope": None, "data": f"bench-{n:07d}"}],
        "name": [{"locale": "en_US", "scope": None, "data": f"Bench product {n}"},
                 {"locale": "fr_FR", "scope": None, "data": f"Produit {n}"}],
        "weight": [{"locale": None, "scope": None, "data": {"amount": f"{n % 900 + 1}.5", "unit": "GRAM"}}],
    }
    if family != "kitchenware":
        values["color"] = [{"locale": None, "scope": None, "data": COLORS[n % len(COLORS)]}]
    return {"uuid": str(uuid.uuid4()), "family": family, "categories": ["master"], "values": values}


def batch_body(start, size=BATCH):
    return "\n".join(json.dumps(product_line(n)) for n in range(start, start + size))


def upsert(session, url, count, first=0):
    """(products/s, refused lines, median ms per batch) for ``count`` new products in batches of 100,
    numbered from ``first``."""
    refused, times = 0, []
    started = time.perf_counter()
    for start in range(first, first + count, BATCH):
        sent = time.perf_counter()
        response = session.patch(url + PRODUCTS, data=batch_body(start, min(BATCH, first + count - start)),
                                 headers={"Content-Type": COLLECTION})
        times.append((time.perf_counter() - sent) * 1000)
        response.raise_for_status()
        refused += sum(1 for line in response.text.split("\n") if json.loads(line)["status_code"] >= 300)
    return count / (time.perf_counter() - started), refused, statistics.median(times)


SERVER_MS = []  # the app's own time per request (see server_timing), appended by the live server


def server_timing(app):
    """Time the app's handling of each request, from the WSGI call to the last byte of its answer: the
    server time the walks are judged on (the floor has no HTTP either; the transport through werkzeug's
    threaded server and ``requests`` is printed beside it)."""
    inner = app.wsgi_app

    def timed(environ, start_response):
        started = time.perf_counter()
        body = b"".join(inner(environ, start_response))
        SERVER_MS.append((time.perf_counter() - started) * 1000)
        return [body]

    app.wsgi_app = timed


def walk(session, url, search=None):
    """(products/s, products seen, pages) following ``next`` links with search_after, limit=100.
    Only the requests are timed (server and transport), not the bench's own decoding of each page
    to find the next link: the floor does not decode either."""
    params = {"pagination_type": "search_after", "limit": BATCH}
    if search:
        params["search"] = json.dumps(search)
    next_url, seen, pages = requests.Request("GET", url + PRODUCTS, params=params).prepare().url, 0, 0
    elapsed = 0.0
    while next_url:
        started = time.perf_counter()
        response = session.get(next_url)
        elapsed += time.perf_counter() - started
        response.raise_for_status()
        body = response.json()
        seen += len(body["_embedded"]["items"])
        pages += 1
        next_url = body["_links"].get("next", {}).get("href")
    return (seen / elapsed if elapsed else float("nan")), seen, pages


def walks(session, url, runs=WALKS):
    """The full walk ``runs`` times: (median products/s, slowest, fastest, products seen, pages).
    The machine's other load moves a single walk by a third; the median is what a connector sees."""
    results = [walk(session, url) for _ in range(runs)]
    rates = sorted(rate for rate, _, _ in results)
    return statistics.median(rates), rates[0], rates[-1], results[0][1], results[0][2]


def page_ms(session, url, runs, search=FILTER, after=None):
    """Median ms of the first filtered page (limit=100), or of the filtered page after the uuid ``after``."""
    params = {"pagination_type": "search_after", "limit": BATCH, "search": json.dumps(search)}
    if after is not None:
        params["search_after"] = str(after)
    session.get(url + PRODUCTS, params=params).raise_for_status()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        session.get(url + PRODUCTS, params=params).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def profile(app, token, label, request):
    """Top functions by cumulative time of ``request(client)`` run in process (the server's side)."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    profiler = cProfile.Profile()
    profiler.enable()
    request(client, headers)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"pimconnect", 25)
    stats.sort_stats("tottime").print_stats(12)
    print(f"  -- profile: {label} --")
    for line in out.getvalue().splitlines():
        if line.strip() and not line.lstrip().startswith(("Ordered by", "List reduced")):
            print("  " + line.replace(ROOT, ""))


def run_profiles(app, token, start):
    def one_batch(client, headers):
        client.patch(PRODUCTS, data=batch_body(start), content_type=COLLECTION, headers=headers)

    def ten_pages(client, headers):
        next_url = f"{PRODUCTS}?pagination_type=search_after&limit=100"
        for _ in range(10):
            links = client.get(next_url, headers=headers).get_json()["_links"]
            if "next" not in links:
                break
            next_url = links["next"]["href"].replace(app.config["PIM_URL"], "")

    def filtered_page(client, headers):
        for _ in range(10):
            client.get(PRODUCTS, query_string={"pagination_type": "search_after", "limit": 100,
                                               "search": json.dumps(FILTER)}, headers=headers)

    profile(app, token, "one batch PATCH of 100 new products", one_batch)
    profile(app, token, "10 search-after pages of 100", ten_pages)
    profile(app, token, f"10 first pages filtered by {json.dumps(FILTER)}", filtered_page)


def statement_counts(app, token, start):
    """SQL statements per product of one batch of 100 new products and of one search_after page of 100,
    through the Flask test client in process: the load-independent shape of the two costs."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    statements = [0]
    original = db.obj.execute_sql

    me = threading.get_ident()  # not the job worker's polling

    def counting(sql, *args, **kwargs):
        statements[0] += threading.get_ident() == me
        return original(sql, *args, **kwargs)

    db.obj.execute_sql = counting
    try:
        client.patch(PRODUCTS, data=batch_body(start), content_type=COLLECTION, headers=headers)
        batch = statements[0]
        statements[0] = 0
        client.get(PRODUCTS, query_string={"pagination_type": "search_after", "limit": BATCH}, headers=headers)
        page = statements[0]
    finally:
        del db.obj.execute_sql
    print(f"SQL statements: {batch / BATCH:.2f} per product in a batch of {BATCH} new products; "
          f"{page} for a search_after page of {BATCH}")


def past_generated():
    """A uuid above every generated product's (UUIDv7: time-ordered, so one dated tomorrow). The first
    filtered page at the large size is made of generated products, which hold ~4× more values than the
    bench's own: the page after this uuid holds the same bench products at both sizes."""
    import random

    from pimconnect.services.demo.generator import time_ordered_uuid

    return time_ordered_uuid(int(time.time() * 1000) + 86_400_000, random.Random(0))


def verdict(ok):
    return "PASS" if ok else "FAIL"


def load():
    return "load %.2f %.2f %.2f" % os.getloadavg()


def ratio(label, api_ms, floor_ms, target=None):
    """One figure as the ratio to its floor measured in the same run (both medians of three)."""
    value = api_ms / floor_ms if floor_ms else float("nan")
    judged = f" (target <= {target}×) {verdict(value <= target)}" if target else ""
    print(f"{label}: API {api_ms:.2f} ms, floor {floor_ms:.2f} ms: {value:.2f}× the floor{judged}  [{load()}]")
    return value


def median_of(runs, action):
    return statistics.median(action() for _ in range(runs))


def walk_ms(session, url, search=None):
    """(server ms, ms over HTTP, products seen) of one full walk through the bench's in-process server."""
    SERVER_MS.clear()
    rate, seen, _pages = walk(session, url, search)
    return sum(SERVER_MS), seen / rate * 1000, seen


@contextlib.contextmanager
def gunicorn_walks(url, token):
    """The app on gunicorn (one sync worker, as the README runs it in production, on the same database) and a
    walk_ms for it: the server's time is what gunicorn logs for each request (``%(D)s``, from the request
    read to the answer written), in a process of its own. Yields (walk function, the server's address)."""
    import tempfile

    from bench.api_concurrency import free_port, start_gunicorn

    with tempfile.TemporaryDirectory(prefix="pim-bench-gunicorn-") as directory:
        log = os.path.join(directory, "access.log")
        port = free_port()
        process = start_gunicorn(url, port, 1, ("--access-logfile", log, "--access-logformat", "%(D)s %(U)s"))
        base = f"http://127.0.0.1:{port}"
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"

        def walk_once(search=None):
            with open(log) as lines:
                before = len(lines.readlines())
            _server, http, seen = walk_ms(session, base, search)
            time.sleep(0.05)  # the last line reaches the log
            with open(log) as lines:
                logged = lines.readlines()[before:]
            return sum(int(line.split()[0]) for line in logged if PRODUCTS in line) / 1000, http, seen

        try:
            walk_once()  # warm-up: the worker's first requests load the app's caches
            yield walk_once, base
        finally:
            process.terminate()
            process.wait(timeout=30)


def walk_figures(walk_once, base, where, note="", target=None):
    """The unfiltered and the filtered search_after walks (``walk_once(search)`` -> server ms, HTTP ms,
    products) against their floors, on the server's time, the time over HTTP printed beside it. The API's
    walks and the floor's alternate (WALKS of each), so that the machine's other load, which moves a walk
    by a third, weighs on both alike."""
    for search, label in ((None, "search_after walk"), (FILTER, f"filtered walk {json.dumps(FILTER)}")):
        runs, floors = [], []
        for _ in range(WALKS):
            runs.append(walk_once(search))
            floors.append(api_floor.walk_floor(base, filtered=search is not None)[0] * 1000)
        floor = statistics.median(floors)
        ratio(f"{label} of {runs[0][2]} products (limit {BATCH}){note} {where}, server time",
              statistics.median(server for server, _, _ in runs), floor, target)
        ratio("  the same over HTTP (not judged)", statistics.median(http for _, http, _ in runs), floor)


IN_PROCESS = "in the bench's process (werkzeug's threaded server beside the client; not judged)"


def all_walk_figures(session, api, url, note=""):
    """The walks through the bench's in-process server, then through gunicorn (judged: the production server)."""
    walk_figures(lambda search: walk_ms(session, api.url, search), api.url, IN_PROCESS, note)
    with gunicorn_walks(url, api.token["access_token"]) as (walk_once, base):
        walk_figures(walk_once, base, "on gunicorn (1 worker)", note, target=2)


def upsert_floor_ms(start):
    lines = [product_line(n) for n in range(start, start + BATCH)]
    return api_floor.upsert_floor(lines) * 1000


def small_get(app, token, runs=200):
    """Median server time (ms, in process through the Flask test client: no HTTP) of
    ``GET /products-uuid?limit=10``, and its floor (the same 10 rows read and written out directly)."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def one():
        started = time.perf_counter()
        response = client.get(PRODUCTS + "?limit=10", headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.data
        return elapsed

    for _ in range(20):
        one()
    api = statistics.median(median_of(runs, one) for _ in range(3))
    with db.connection_context():
        floor = statistics.median(median_of(runs, lambda: api_floor.first_page_floor(app.config["PIM_URL"]) * 1000)
                                  for _ in range(3))
    value = ratio("small GET /products-uuid?limit=10, server time in process", api, floor)
    print(f"  small GET: {api:.2f} ms server time (target <= {SMALL_GET_MS} ms on SQLite) "
          f"{verdict(api <= SMALL_GET_MS)}")
    return value


def without_autovacuum():
    """PostgreSQL: keep autovacuum off the product tables, so that "right after the load" stays so for
    the whole measure (in production it analyzes them within a minute or so)."""
    for table in ("product", "product_value", "product_category", "product_completeness"):
        db.execute_sql(f'ALTER TABLE "{table}" SET (autovacuum_enabled = false)')


@contextlib.contextmanager
def job_worker(app):
    """The job worker beside the server, as in production (``flask jobs worker``, polling each second)."""
    from pimconnect.services import jobs

    stop = threading.Event()

    def work():
        with app.app_context():
            jobs.work(stop)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


def statistics_jobs():
    from pimconnect.models import Job

    with db.connection_context():
        return Job.select().where(Job.kind == "statistics", Job.state == "done").count()


def run_backend(label, url, count, large, runs, with_profile):
    from pimconnect.models import Product
    from pimconnect.services.demo import generator

    print(f"\n== {label} ==  [{load()}]")
    app = build_app(url)
    server_timing(app)
    postgres = label != "SQLite"
    if postgres:
        with db.connection_context():
            without_autovacuum()
    with live_api(app, code="bench") as api, job_worker(app):
        session = requests.Session()
        session.headers.update(api.bearer)
        token = api.token["access_token"]
        rate, refused, batch_ms = upsert(session, api.url, count)
        print(f"batch upsert: {count} products in batches of {BATCH}: {rate:,.0f} products/s, median batch "
              f"{batch_ms:.1f} ms ({refused} refused lines)")
        # The API's median batch over the last three batches of new products against three floor batches.
        # alternating (as the walks do), so that the machine's load weighs on both alike
        api_runs, floor_runs = [], []
        for start in range(count, count + UPSERTS * BATCH, BATCH):
            api_runs.append(upsert(session, api.url, BATCH, start)[2])
            floor_runs.append(upsert_floor_ms(FLOOR_START))
        api_ms, floor_ms = statistics.median(api_runs), statistics.median(floor_runs)
        ratio(f"batch upsert of {BATCH} new products", api_ms, floor_ms, 3)
        note = " (PostgreSQL right after the load, no explicit ANALYZE)" if postgres else ""
        small = page_ms(session, api.url, runs)
        print(f"filtered first page at {count:,} products{note}: median {small:.2f} ms (of {runs}; "
              f"statistics jobs the worker ran so far: {statistics_jobs()})")
        all_walk_figures(session, api, url, note)
        small_get(app, token)
        if postgres:
            with db.connection_context():
                generator.refresh_statistics()
            print("(planner statistics refreshed: ANALYZE)")
            all_walk_figures(session, api, url, " (after ANALYZE)")
            small = page_ms(session, api.url, runs)
            print(f"filtered first page at {count:,} products (after ANALYZE): median {small:.2f} ms (of {runs})")
            upsert(session, api.url, 2 * BATCH, count + UPSERTS * BATCH)
            stale = page_ms(session, api.url, runs)
            print(f"filtered first page after {2 * BATCH} more products (statistics now stale): "
                  f"median {stale:.2f} ms ({stale / small:.2f}× the analyzed figure)")
        with db.connection_context():
            size = Product.select().count()
        statement_counts(app, token, 5_000_000)
        if with_profile:
            run_profiles(app, token, 6_000_000)
            profile(app, token, "100 small GET ?limit=10",
                    lambda client, headers: [client.get(PRODUCTS + "?limit=10", headers=headers)
                                             for _ in range(100)])
        if large <= size:
            return
        small = page_ms(session, api.url, runs)
        after = past_generated()
        same_small = page_ms(session, api.url, runs, after=after)
        with db.connection_context():
            missing = large - Product.select().count()
            print(f"generating {missing:,} products … {generator.generate(missing):,.0f} products/s")
            size = Product.select().count()
        big = page_ms(session, api.url, runs)
        same_big = page_ms(session, api.url, runs, after=after)
        value = same_big / same_small
        print(f"filtered page at {count:,} vs {size:,} products, the same bench products on both (search_after "
              f"{after}): median {same_small:.2f} vs {same_big:.2f} ms (of {runs}); ratio {value:.2f}× "
              f"(limit {MAX_RATIO}×) {verdict(value <= MAX_RATIO)}")
        print(f"filtered first page at {count:,} vs {size:,} products: {small:.2f} vs {big:.2f} ms "
              f"({big / small:.2f}×; "
              f"not judged: at {size:,} it holds generated products, ~4× the values of the bench's own)")
        all_walk_figures(session, api, url, f" at {size:,}")
        if with_profile:
            run_profiles(app, token, 7_000_000)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000, help="products created through the API")
    parser.add_argument("--large", type=int, default=0,
                        help="product count for the filtered page at a larger size (e.g. 100000; 0: not measured)")
    parser.add_argument("--database-url", help="also run on this PostgreSQL database (a temporary schema)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per page measure")
    parser.add_argument("--profile", action="store_true", help="print the server's hot spots (cProfile)")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per request otherwise
    with sqlite_url() as url:
        run_backend("SQLite", url, args.products, args.large, args.runs, args.profile)
    if args.database_url:
        with temporary_postgres_schema(args.database_url, prefix="benchapi") as url:
            run_backend("PostgreSQL", url, args.products, args.large, args.runs, args.profile)


if __name__ == "__main__":
    main()
