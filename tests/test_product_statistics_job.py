"""The planner's statistics after a large product write (issue 16): one ANALYZE job queued on
PostgreSQL, none on SQLite, none for a small write."""
import uuid

from pimconnect.db import db, is_sqlite, write_txn
from pimconnect.models import Job
from pimconnect.services import jobs
from pimconnect.services.products import statistics

URL = "/api/rest/v1/products-uuid"


def lines(start, count):
    return [{"uuid": str(uuid.uuid4()), "family": "hats", "values": {"sku": [{"locale": None, "scope": None,
                                                                            "data": f"p-{n}"}]}}
            for n in range(start, start + count)]


def statistics_jobs():
    with db.connection_context():
        return list(Job.select().where(Job.kind == "statistics"))


def test_a_large_batch_queues_one_analyze_on_postgresql(api, seeded_app):
    small = api.patch_batch(URL, lines(0, statistics.LARGE_WRITE - 1))
    assert {line["status_code"] for line in api.lines(small)} == {201}
    assert statistics_jobs() == []
    for start in (100, 200):  # the second large batch finds the first one's job pending
        response = api.patch_batch(URL, lines(start, statistics.LARGE_WRITE))
        assert {line["status_code"] for line in api.lines(response)} == {201}
    queued = statistics_jobs()
    if is_sqlite():
        assert queued == []
        return
    assert [(job.state, job.dedupe_key) for job in queued] == [("pending", statistics.KEY)]
    with seeded_app.app_context(), db.connection_context():
        assert jobs.run_pending() == 1
        [(tuples,)] = db.execute_sql("SELECT reltuples FROM pg_class WHERE oid = 'product'::regclass").fetchall()
    assert tuples == 2 * statistics.LARGE_WRITE + statistics.LARGE_WRITE - 1
    assert [job.state for job in statistics_jobs()] == ["done"]


def test_the_job_keeps_only_its_last_finished_runs(app):
    with app.app_context(), db.connection_context():
        for _ in range(statistics.KEEP + 3):
            with write_txn():
                statistics.after_write(statistics.LARGE_WRITE)
            jobs.run_pending()
        kept = list(Job.select().where(Job.kind == "statistics"))
    if is_sqlite():
        assert kept == []
    else:
        assert len(kept) == statistics.KEEP and {job.state for job in kept} == {"done"}
