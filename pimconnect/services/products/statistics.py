"""The planner's statistics after large product writes (PostgreSQL): ANALYZE from the job queue.

Straight after a bulk load PostgreSQL has no statistics on the new rows (or stale ones) until
autovacuum gets to the tables, within a minute or so; meanwhile it may plan a filtered page badly
(measured by bench/api.py: 0.7 s instead of 20-50 ms for the first filtered page at 2,000 products).
A request that wrote many products queues one ANALYZE job in its own transaction (a pending one
absorbs the next), and the worker runs it within a second. SQLite plans from its indexes' shapes
and ``PRAGMA optimize`` at its own pace: nothing is queued there.
"""
from pimconnect.db import db, is_sqlite
from pimconnect.models import Job
from pimconnect.services import jobs

# Products written by one request from which the statistics are refreshed: autovacuum's own default
# threshold (autovacuum_analyze_threshold), without its 10% of the table: a table with no statistics
# at all is what makes the worst plans.
LARGE_WRITE = 50
TABLES = ("product", "product_value", "product_category", "product_completeness")
KEY = "statistics:products"
KEEP = 5  # finished runs kept for the jobs page


def _total(params):
    return len(TABLES)


def _step(params, cursor, limit):
    """ANALYZE the product tables (it takes no lock that product reads or writes wait for), and forget
    all but the last KEEP runs (this one included): a nightly load queues one every second or so."""
    if not is_sqlite():
        db.execute_sql("ANALYZE " + ", ".join(f'"{table}"' for table in TABLES))
    finished = Job.select(Job.id).where(Job.kind == "statistics", Job.state == "done")
    Job.delete().where(Job.kind == "statistics", Job.state == "done",
                       Job.id.not_in(finished.order_by(Job.id.desc()).limit(KEEP - 1))).execute()
    return len(TABLES), None


ANALYZE = jobs.Kind(total=_total, step=_step, chunk=len(TABLES))


def after_write(count):
    """Inside the caller's write transaction, after ``count`` products were written: queue the
    statistics' refresh when that is a large write on PostgreSQL; the job or None."""
    if count < LARGE_WRITE or is_sqlite():
        return None
    return jobs.enqueue("statistics", "Refresh the product tables' statistics", {}, dedupe_key=KEY)
