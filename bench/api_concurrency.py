"""REST API under concurrent clients on gunicorn, as the README runs it in production (4 workers).

    .venv/bin/python bench/api_concurrency.py [--clients 32] [--requests 20] [--workers 4]
                                              [--database-url postgresql://…]

Each client alternates a batch PATCH of 10 new products (a connector's write) and a small
``GET /products-uuid?limit=10`` (a read), ``--requests`` times in all, over its own keep-alive
session, against gunicorn on a loopback port. Prints errors (5xx or no answer; 409s apart), the
p50 / p95 / p99 of writes and reads, and the machine's load. It never asserts: it reports.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import requests  # noqa: E402

from bench.harness import build_app, sqlite_url  # noqa: E402
from pimconnect.db import close_pools, db, temporary_postgres_schema  # noqa: E402
from tests.live_api import password_grant  # noqa: E402

PRODUCTS = "/api/rest/v1/products-uuid"
COLLECTION = "application/vnd.akeneo.collection+json"
SECRET = "bench-" + "k" * 40


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url, port, workers, extra=()):
    """gunicorn serving the app on ``url``'s database (``extra``: more command-line options)."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "PIM_ENV": "development",
           "PIM_URL": f"http://127.0.0.1:{port}"}
    process = subprocess.Popen([os.path.join(ROOT, ".venv", "bin", "gunicorn"), "--workers", str(workers),
                                "--bind", f"127.0.0.1:{port}", "--log-level", "warning", *extra, "app:app"],
                               cwd=ROOT, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/api/rest/v1", timeout=10)
            return process
        except requests.RequestException:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def body(client, n):
    return "\n".join(json.dumps({"uuid": str(uuid.uuid4()), "family": "hats", "categories": ["master"],
                                 "values": {"sku": [{"locale": None, "scope": None,
                                                     "data": f"c{client:03d}-{n:04d}-{i}"}]}})
                     for i in range(10))


def client_loop(base, token, number, count, results):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    for n in range(count):
        write = n % 2 == 0
        started = time.perf_counter()
        try:
            if write:
                response = session.patch(base + PRODUCTS, data=body(number, n), timeout=60,
                                         headers={"Content-Type": COLLECTION})
            else:
                response = session.get(base + PRODUCTS + "?limit=10", timeout=60)
            status = response.status_code
            if write and status == 200:
                codes = {json.loads(line)["status_code"] for line in response.text.split("\n")}
                status = 409 if 409 in codes else max(codes)
        except requests.RequestException:
            status = 0
        results.append(("write" if write else "read", status, (time.perf_counter() - started) * 1000))


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(share * (len(values) - 1))))] if values else float("nan")


def run(label, url, clients, count, workers):
    from tests.conftest import make_connection

    app = build_app(url)
    with app.app_context(), db.connection_context():
        _connection, credentials = make_connection("bench")
    close_pools()
    port = free_port()
    process = start_gunicorn(url, port, workers)
    try:
        base = f"http://127.0.0.1:{port}"
        token = password_grant(base, credentials)["access_token"]
        results = []
        threads = [threading.Thread(target=client_loop, args=(base, token, c, count, results)) for c in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(f"\n== {label}: {clients} clients x {count} requests on gunicorn --workers {workers} ==  "
          f"[load %.2f %.2f %.2f]" % os.getloadavg())
    print(f"{len(results)} requests in {elapsed:.1f} s ({len(results) / elapsed:.0f}/s)")
    for kind in ("write", "read"):
        times = [ms for k, status, ms in results if k == kind]
        errors = sum(1 for k, status, _ in results if k == kind and (status == 0 or status >= 500))
        conflicts = sum(1 for k, status, _ in results if k == kind and status == 409)
        other = sorted({status for k, status, _ in results if k == kind} - {0, 200, 409} - set(range(500, 600)))
        p95, p99 = percentile(times, 0.95), percentile(times, 0.99)
        print(f"{kind}s: {len(times)}, errors {errors}, 409s {conflicts}, other statuses {other}; "
              f"p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms "
              f"(p99/p95 {p99 / p95:.2f})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=20, help="requests per client (half writes)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url", help="also run on this PostgreSQL database (a temporary schema)")
    args = parser.parse_args(argv)
    with sqlite_url() as url:
        run("SQLite", url, args.clients, args.requests, args.workers)
    if args.database_url:
        with temporary_postgres_schema(args.database_url, prefix="benchconc") as url:
            run("PostgreSQL", url, args.clients, args.requests, args.workers)


if __name__ == "__main__":
    main()
