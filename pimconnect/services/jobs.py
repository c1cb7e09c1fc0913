"""The job queue: long work leaves the request and runs in a worker, one committed chunk at a time.

Why a ``job`` table in the PIM database rather than huey (or Celery/RQ) with their own storage:

* The job is written in the same transaction as the change that needs it (a channel's locales,
  a family's requirements). With a separate queue store, a crash between the commit and the
  enqueue loses the job, or an enqueue before the commit runs on data that was rolled back.
* The progress the jobs page shows and the cursor a crashed job resumes from must be in the PIM
  database anyway, committed with each chunk. huey would only carry "run job N" and still lose
  a task whose worker died mid-run (it acknowledges on dequeue), so the table would be polled
  for orphans in any case: it is the queue already.
* Several servers share the work through the database they already share (PostgreSQL: ``FOR
  UPDATE SKIP LOCKED``), with nothing more to run, secure and back up (no Redis, no second SQLite
  file that several servers cannot share).
The cost is a worker polling an indexed table every second, which is noise next to the work.

A job kind is a ``Kind``: ``total(params)`` counts its items when it starts, ``step(params,
cursor, limit)`` does the next chunk after ``cursor`` inside the runner's write transaction.
Every step must be idempotent (a chunk may run again when its commit was lost) and read what it
writes from inside that transaction, so it never overwrites a newer concurrent write.
"""
import datetime
import importlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from typing import Callable

from flask import current_app
from peewee import fn

from pimconnect.db import db, is_sqlite, write_txn
from pimconnect.models import Job
from pimconnect.models.structure import utcnow

log = logging.getLogger(__name__)

# kind -> "module:attribute" of its Kind, imported on first use (no work at import time, no cycles).
KINDS = {
    "completeness": "pimconnect.services.products.completeness:RECOMPUTE",
    "statistics": "pimconnect.services.products.statistics:ANALYZE",
    "representations": "pimconnect.services.products.representation:RENDER",
}


@dataclass(frozen=True)
class Kind:
    total: Callable  # (params) -> int
    step: Callable  # (params, cursor, limit) -> (items done, new cursor or None when finished)
    chunk: int = 500


class LostJob(Exception):
    """Another worker took the job over (this one was presumed dead): the chunk is rolled back."""


def kind(code):
    module, _, attribute = KINDS[code].partition(":")
    return getattr(importlib.import_module(module), attribute)


def enqueue(kind_code, label, params=None, dedupe_key=None):
    """Queue a job inside the caller's write transaction; a pending job with the same ``dedupe_key``
    absorbs it (it has not started, so it will see this change too). Call ``kick()`` after the commit."""
    if kind_code not in KINDS:
        raise ValueError(f"Unknown job kind {kind_code!r}")
    if dedupe_key:
        pending = Job.select().where(Job.dedupe_key == dedupe_key, Job.state == "pending").first()
        if pending is not None:
            return pending
    # Two transactions racing past the check above (PostgreSQL) make two jobs: harmless, as
    # running a job twice is (steps are idempotent).
    return Job.create(kind=kind_code, label=label[:255], params=params or {}, dedupe_key=dedupe_key)


def pending_with_key(dedupe_key):
    return Job.select().where(Job.dedupe_key == dedupe_key, Job.state == "pending").first()


def kick():
    """After the commit of an enqueue: run the pending jobs now when the app runs them in-process
    (``PIM_JOBS_IMMEDIATE``, the test suite); otherwise the worker picks them up within a second."""
    if current_app.config.get("PIM_JOBS_IMMEDIATE") and db.obj.transaction_depth() == 0:
        run_pending()


def new_owner():
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def stale_after():
    """A running job whose heartbeat is older than this is presumed dead and may be resumed."""
    return datetime.timedelta(seconds=current_app.config.get("PIM_JOBS_STALE_SECONDS", 120))


def claim(owner, job_id=None, stale=None):
    """Take the oldest pending job (or a running one presumed dead); return it, or None."""
    cutoff = utcnow() - (stale_after() if stale is None else stale)
    claimable = (Job.state == "pending") | ((Job.state == "running") & (Job.heartbeat < cutoff))
    with write_txn():
        query = Job.select(Job.id).where(claimable).order_by(Job.id).limit(1)
        if job_id is not None:
            query = query.where(Job.id == job_id)
        if not is_sqlite():  # SQLite's BEGIN IMMEDIATE already serializes the claimers
            query = query.for_update(skip_locked=True)
        row = query.first()
        if row is None:
            return None
        now = utcnow()
        Job.update(state="running", owner=owner, heartbeat=now, started=fn.COALESCE(Job.started, now),
                   attempts=Job.attempts + 1).where(Job.id == row.id).execute()
        job = Job.get_by_id(row.id)
        if job.total is None:
            job.total = kind(job.kind).total(job.params)
            Job.update(total=job.total).where(Job.id == job.id).execute()
    return job


def run(job, owner, stop=None):
    """Run a claimed job chunk by chunk until it is done, fails, or ``stop`` (an Event) is set;
    return its state. Each chunk commits with the job's cursor, so an interrupted job resumes
    after its last committed chunk."""
    spec = kind(job.kind)
    while True:
        if stop is not None and stop.is_set():
            release(job, owner)
            return "pending"
        try:
            if _chunk(job, owner, spec):
                return "done"
        except LostJob:
            return "lost"
        except Exception as exc:  # a failed job is shown with its error; the worker goes on
            log.exception("Job %s (%s) failed", job.id, job.kind)
            _finish(job, owner, "failed", f"{type(exc).__name__}: {exc}"[:2000])
            return "failed"


def _chunk(job, owner, spec):
    with write_txn():
        count, cursor = spec.step(job.params, job.cursor, spec.chunk)
        now = utcnow()
        fields = {Job.done: Job.done + count, Job.heartbeat: now}
        if cursor is None:
            fields.update({Job.state: "done", Job.finished: now, Job.owner: None})
        else:
            fields[Job.cursor] = cursor
        if Job.update(fields).where(Job.id == job.id, Job.owner == owner,
                                    Job.state == "running").execute() != 1:
            raise LostJob(job.id)
    job.done += count
    job.cursor = cursor or job.cursor
    return cursor is None


def _finish(job, owner, state, error=None):
    with write_txn():
        Job.update(state=state, error=error, finished=utcnow(), owner=None).where(
            Job.id == job.id, Job.owner == owner).execute()


def release(job, owner):
    """Give a job back to the queue (a worker stopping): the next worker resumes it at once."""
    with write_txn():
        Job.update(state="pending", owner=None).where(Job.id == job.id, Job.owner == owner).execute()


def run_pending(owner=None, stop=None):
    """Run every claimable job, one after the other; return how many ran."""
    owner = owner or new_owner()
    count = 0
    while not (stop is not None and stop.is_set()):
        job = claim(owner)
        if job is None:
            return count
        run(job, owner, stop)
        count += 1
    return count


def work(stop, poll_seconds=1.0):
    """The worker loop: run jobs as they come until ``stop`` is set."""
    owner = new_owner()
    log.info("Job worker %s started", owner)
    while not stop.is_set():
        with db.connection_context():
            ran = run_pending(owner, stop)
        if not ran:
            stop.wait(poll_seconds)


def recent(limit=20):
    """The running and pending jobs, then the latest finished ones (newest first)."""
    active = list(Job.select().where(Job.state.in_(["pending", "running"])).order_by(Job.id.desc()))
    finished = list(Job.select().where(Job.state.not_in(["pending", "running"]))
                    .order_by(Job.id.desc()).limit(limit))
    return active, finished


def any_active():
    return Job.select().where(Job.state.in_(["pending", "running"])).exists()
