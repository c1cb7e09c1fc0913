"""What the benchmark scripts share: a migrated app on a temporary database, growing its products,
timing, query plans, and the command line that runs a benchmark on SQLite and, optionally, PostgreSQL.

Imported by the scripts once they put the repository on ``sys.path``.
"""
import argparse
import contextlib
import statistics
import tempfile
import time

from pimconnect import create_app, migrate
from pimconnect.db import db, is_sqlite, temporary_postgres_schema, write_txn

ADMIN_PASSWORD = "bench-admin-password"


@contextlib.contextmanager
def sqlite_url():
    with tempfile.TemporaryDirectory(prefix="pim-bench-") as directory:
        yield f"sqlite:///{directory}/bench.sqlite3"


def build_app(url):
    """The app on a migrated database holding the demo structure and users, no products."""
    from pimconnect.services.demo import seed as demo

    app = create_app({"TESTING": True, "PIM_ENV": "test", "DATABASE_URL": url, "SECRET_KEY": "bench-" + "k" * 40,
                      "PIM_URL": "http://localhost", "PIM_ADMIN_PASSWORD": ADMIN_PASSWORD})
    with db.connection_context():
        migrate.upgrade(db.obj)
        with write_txn():
            demo.seed_structure()
            demo.seed_users(ADMIN_PASSWORD, ADMIN_PASSWORD + "-julia")
    return app


def grow_products(size):
    """Generate the products that bring their number to ``size``: (how many, products per second or NaN).

    ``generate()`` refreshes the planner's statistics after the load (see refresh_statistics)."""
    from pimconnect.models import Product
    from pimconnect.services.demo import generator

    with db.connection_context():
        missing = size - Product.select().count()
        return missing, generator.generate(missing) if missing > 0 else float("nan")


def median_ms(action, runs):
    action()  # warm-up: caches and the first-query plan are not what a user waits for
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def query_plan(query):
    """The database's plan for a Peewee ``query``, one line per step."""
    sql, params = query.sql()
    if is_sqlite():
        return [row[-1] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]
    return [row[0].strip() for row in db.execute_sql("EXPLAIN " + sql, params)]


def run_everywhere(run_backend, description, sizes, runs, runs_help, argv=None):
    """Parse the command line (``--sizes``, ``--database-url``, ``--runs`` with these defaults) and call
    ``run_backend(label, url, sizes, runs)`` on a temporary SQLite file, then on a temporary PostgreSQL
    schema when a database URL is given."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sizes", default=sizes, help="comma-separated product counts, ascending")
    parser.add_argument("--database-url", help="also run on this PostgreSQL database (a temporary schema)")
    parser.add_argument("--runs", type=int, default=runs, help=runs_help)
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    with sqlite_url() as url:
        run_backend("SQLite", url, sizes, args.runs)
    if args.database_url:
        with temporary_postgres_schema(args.database_url, prefix="bench") as url:
            run_backend("PostgreSQL", url, sizes, args.runs)
