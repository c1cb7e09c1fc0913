"""The job queue: completeness recomputes queued with the change, run by a worker, resumable, and
never overwriting a newer product save."""
import dataclasses
import datetime
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pimconnect.db import db, write_txn
from pimconnect.models import Attribute, AttributeRequirement, Family, Job
from pimconnect.services import jobs
from pimconnect.services.products import completeness
from pimconnect.services.products.completeness import completeness_for, enqueue_recompute_all, enqueue_recompute_family
from pimconnect.services.products.writes import save_product
from tests.test_products_service import complete_hat_values, ratios

ROOT = Path(__file__).resolve().parent.parent
ALL_LOCALES_COMPLETE = {"de_DE": 100, "en_US": 100, "fr_FR": 100}


@pytest.fixture
def queued(ctx):
    """The app on the demo structure, its jobs waiting for a worker (as in production), connected."""
    ctx.config["PIM_JOBS_IMMEDIATE"] = False  # the shared app's config is restored after each test
    return ctx


@pytest.fixture
def small_chunks(monkeypatch):
    """Completeness jobs of two products per chunk."""
    monkeypatch.setattr(completeness, "RECOMPUTE", dataclasses.replace(completeness.RECOMPUTE, chunk=2))


def make_hats(count):
    """``count`` hats complete on ecommerce but for the required picture, by identifier order."""
    return [save_product({"identifier": f"hat-{i}", "family": "hats", "values": complete_hat_values()})
            for i in range(count)]


def drop_picture_requirement():
    """Stop requiring the picture (hats become complete on ecommerce) and queue the family's recompute."""
    with write_txn():
        AttributeRequirement.delete().where(AttributeRequirement.attribute == Attribute.get(code="picture")).execute()
        return enqueue_recompute_family(Family.get(code="hats"))


def by_uuid(products):
    return sorted(products, key=lambda p: p.uuid.hex)


def test_change_queues_a_job_that_the_worker_runs(queued):
    """The change commits with a pending job; completeness changes only when the job runs."""
    products = make_hats(3)
    job = drop_picture_requirement()
    assert Job.get_by_id(job.id).state == "pending"
    assert all(ratios(p, "ecommerce") != ALL_LOCALES_COMPLETE for p in products)
    assert jobs.run_pending() == 1
    job = Job.get_by_id(job.id)
    assert (job.state, job.done, job.total, job.percent, job.owner) == ("done", 3, 3, 100, None)
    assert job.started and job.finished and job.error is None
    assert all(ratios(p, "ecommerce") == ALL_LOCALES_COMPLETE for p in products)


def test_pending_jobs_coalesce(queued):
    """A second change while a recompute is pending joins it; a running one gets a successor."""
    make_hats(1)
    with write_txn():
        first = enqueue_recompute_all("channel ecommerce")
        assert enqueue_recompute_all("channel mobile").id == first.id
        assert enqueue_recompute_family(Family.get(code="hats")).id == first.id  # covered by "all"
    assert jobs.claim(jobs.new_owner()).id == first.id
    with write_txn():
        second = enqueue_recompute_all("channel print")
    assert second.id != first.id
    assert [j.state for j in Job.select().order_by(Job.id)] == ["running", "pending"]


def test_no_job_without_products(queued):
    """A change that no product's completeness depends on queues nothing."""
    with write_txn():
        assert enqueue_recompute_all("channel ecommerce") is None
        assert enqueue_recompute_family(Family.get(code="hats")) is None
    assert Job.select().count() == 0


class Crash(BaseException):
    """The worker process dying mid-job (not an error the runner records)."""


def test_interrupted_job_resumes_after_its_last_committed_chunk(queued, small_chunks, monkeypatch):
    """A worker dying in chunk 3 leaves chunks 1-2 committed; another worker resumes at chunk 3."""
    products = by_uuid(make_hats(5))
    job = drop_picture_requirement()
    step, seen = completeness.RECOMPUTE.step, []

    def crashing_step(params, cursor, limit):
        seen.append(cursor)
        if len(seen) == 3:
            raise Crash
        return step(params, cursor, limit)

    monkeypatch.setattr(completeness, "RECOMPUTE", dataclasses.replace(completeness.RECOMPUTE, step=crashing_step))
    first = jobs.new_owner()
    with pytest.raises(Crash):
        jobs.run(jobs.claim(first), first)
    stopped = Job.get_by_id(job.id)
    assert (stopped.state, stopped.done, stopped.cursor) == ("running", 4, str(products[3].uuid))
    assert [ratios(p, "ecommerce") == ALL_LOCALES_COMPLETE for p in products] == [True] * 4 + [False]
    second = jobs.new_owner()
    assert jobs.claim(second) is None  # its heartbeat is fresh: the first worker may still be alive
    resumed = jobs.claim(second, stale=datetime.timedelta(0))
    assert resumed.id == job.id and resumed.attempts == 2
    seen.clear()
    assert jobs.run(resumed, second) == "done"
    assert seen[0] == str(products[3].uuid)  # chunks 1-2 are not done again
    finished = Job.get_by_id(job.id)
    assert (finished.state, finished.done, finished.total) == ("done", 5, 5)
    assert all(ratios(p, "ecommerce") == ALL_LOCALES_COMPLETE for p in products)


def test_a_worker_presumed_dead_cannot_commit_over_its_successor(queued, small_chunks):
    """Once another worker took the job over, the first one's next chunk is rolled back."""
    make_hats(3)
    job = drop_picture_requirement()
    first, second = jobs.new_owner(), jobs.new_owner()
    claimed = jobs.claim(first)
    assert jobs.claim(second, stale=datetime.timedelta(0)).id == job.id
    assert jobs.run(claimed, first) == "lost"
    assert Job.get_by_id(job.id).done == 0  # nothing committed in the first worker's name


def test_product_saved_between_chunks_keeps_its_newer_completeness(queued, small_chunks):
    """A product saved after chunk 1 (with fewer values) keeps the completeness of its new values."""
    products = by_uuid(make_hats(4))
    job = drop_picture_requirement()
    owner, stop = jobs.new_owner(), threading.Event()
    step = completeness.RECOMPUTE.step

    def step_then_stop(params, cursor, limit):
        stop.set()  # the runner stops (hands the job back) once this chunk commits
        return step(params, cursor, limit)

    spec = dataclasses.replace(completeness.RECOMPUTE, step=step_then_stop)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(completeness, "RECOMPUTE", spec)
        assert jobs.run(jobs.claim(owner), owner, stop) == "pending"
    assert Job.get_by_id(job.id).done == 2
    last = products[-1]
    save_product({"identifier": last.identifier, "values": {"color": [{"locale": None, "scope": None, "data": None}]}},
                 product=last)
    saved = completeness_for(last)
    assert jobs.run_pending() == 1
    assert completeness_for(last) == saved and ratios(last, "ecommerce")["en_US"] < 100
    assert ratios(products[2], "ecommerce") == ALL_LOCALES_COMPLETE


def test_product_saved_during_a_chunk_is_not_overwritten(queued, small_chunks, monkeypatch):
    """A save racing a chunk either waits for it or is read by it: its completeness survives."""
    products = by_uuid(make_hats(2))
    target = products[1]
    job = drop_picture_requirement()
    rows, saver = completeness.completeness_rows, {}

    def save_elsewhere():
        with queued.app_context(), db.connection_context():
            save_product({"identifier": target.identifier,
                          "values": {"color": [{"locale": None, "scope": None, "data": None}]}}, product=target)

    def rows_while_saving(*args):
        if "thread" not in saver:  # the chunk has read its products: another writer saves one now
            saver["thread"] = threading.Thread(target=save_elsewhere)
            saver["thread"].start()
            saver["thread"].join(timeout=1.0)  # it commits now, unless this chunk makes it wait
        return rows(*args)

    monkeypatch.setattr(completeness, "completeness_rows", rows_while_saving)
    assert jobs.run_pending() == 1
    saver["thread"].join(timeout=30)
    assert not saver["thread"].is_alive()
    monkeypatch.undo()
    assert Job.get_by_id(job.id).state == "done"
    assert ratios(target, "ecommerce")["en_US"] < 100  # the colour it no longer has is missing
    assert ratios(products[0], "ecommerce") == ALL_LOCALES_COMPLETE


def test_a_failing_job_records_its_error(queued, monkeypatch):
    """A job whose step raises is marked failed with the error; the queue goes on."""
    make_hats(1)
    job = drop_picture_requirement()

    def failing(params, cursor, limit):
        raise ValueError("no luck")

    monkeypatch.setattr(completeness, "RECOMPUTE", dataclasses.replace(completeness.RECOMPUTE, step=failing))
    assert jobs.run_pending() == 1
    failed = Job.get_by_id(job.id)
    assert (failed.state, failed.error, failed.owner) == ("failed", "ValueError: no luck", None)


def test_real_worker_process_runs_queued_jobs(queued, database_url):
    """`flask jobs worker` picks a queued job from the database, runs it, and stops on SIGTERM."""
    products = make_hats(3)
    job = drop_picture_requirement()
    db.close()
    env = dict(os.environ, PIM_ENV="test", DATABASE_URL=database_url, SECRET_KEY="w" * 40, FLASK_APP="app")
    worker = subprocess.Popen([sys.executable, "-m", "flask", "jobs", "worker", "--poll", "0.2"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with db.connection_context():
                if Job.get_by_id(job.id).state == "done":
                    break
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=30)[0]
    assert worker.returncode == 0, output
    db.connect(reuse_if_open=True)
    assert Job.get_by_id(job.id).state == "done", output
    assert all(ratios(p, "ecommerce") == ALL_LOCALES_COMPLETE for p in products)
